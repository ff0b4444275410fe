//! Reads on connections held out of the pool, so that a statement costs no release check.
//!
//! sqlx checks every connection it takes back into its pool with a ping: on SQLite one more
//! hand-off to the connection's worker thread and back, on PostgreSQL one more round trip.
//! After a read that ran to its end outside a transaction there is nothing to flush, and
//! under load that check is about a third of the hand-offs a list costs. [`Reads`] keeps a
//! few connections checked out of the pool and lends them to such reads one statement at a
//! time. A connection whose statement failed or was dropped half-way goes back to the pool
//! (and through its check), and so does one left idle for [`PING_IF_IDLE_FOR`], so an idle
//! server holds no connection the database may have closed meanwhile.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DatabaseConnectionType, DbBackend, DbErr,
    ExecResult, QueryResult, RuntimeErr, Statement,
    sqlx::{self, Postgres, Sqlite, pool::PoolConnection},
};
use sea_query_sqlx::SqlxValues;

use super::{Health, PING_AFTER_OUTAGE_FOR, PING_IF_IDLE_FOR};

/// How many connections reads hold out of the pool at most. The pool grows by as many
/// (see [`super::connect_watched`]), so writes keep theirs.
pub const HELD: usize = 4;

/// Records one statement: how long it took and whether it failed.
pub type Observer = Arc<dyn Fn(Duration, bool) + Send + Sync>;

/// Connections held out of the pool for reads outside transactions. Cheap to clone.
#[derive(Clone)]
pub struct Reads(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    health: Health,
    observe: Option<Observer>,
    /// Connections not lent right now, the most recently given back last.
    idle: Mutex<Vec<Idle>>,
    /// Connections held: idle or lent.
    held: AtomicUsize,
}

/// A connection checked out of the pool.
enum Held {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

struct Idle {
    connection: Held,
    since: Instant,
}

impl Reads {
    /// Reads through `db`'s pool, holding connections while `health` sees no recent outage,
    /// and telling `observe` of every statement they run on a held connection (statements
    /// on the pool are counted by `db` itself).
    pub fn new(db: DatabaseConnection, health: Health, observe: Option<Observer>) -> Self {
        Self(Arc::new(Inner {
            db,
            health,
            observe,
            idle: Mutex::new(Vec::with_capacity(HELD)),
            held: AtomicUsize::new(0),
        }))
    }

    /// The pool these reads hold connections of.
    pub fn pool(&self) -> &DatabaseConnection {
        &self.0.db
    }

    /// A held connection to run one statement on; `None` when the pool's own path should
    /// be taken: all that may be held are lent, or the database was unreachable lately.
    async fn lend(&self) -> Result<Option<Lent<'_>>, DbErr> {
        let inner = &*self.0;
        if inner.health.outages.seen_within(PING_AFTER_OUTAGE_FOR) {
            inner.release(inner.take_idle());
            return Ok(None);
        }
        let idle = {
            let mut idle = inner
                .idle
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            idle.pop()
        };
        if let Some(idle) = idle {
            if idle.since.elapsed() < PING_IF_IDLE_FOR {
                return Ok(Some(Lent::new(inner, idle.connection)));
            }
            inner.release(vec![idle]);
        }
        if inner.held.fetch_add(1, Ordering::AcqRel) >= HELD {
            inner.held.fetch_sub(1, Ordering::AcqRel);
            return Ok(None);
        }
        let db = &inner.db;
        let acquired = match &db.inner {
            DatabaseConnectionType::SqlxSqlitePoolConnection(_) => db
                .get_sqlite_connection_pool()
                .acquire()
                .await
                .map(Held::Sqlite),
            DatabaseConnectionType::SqlxPostgresPoolConnection(_) => db
                .get_postgres_connection_pool()
                .acquire()
                .await
                .map(Held::Postgres),
            _ => {
                inner.held.fetch_sub(1, Ordering::AcqRel);
                return Ok(None);
            }
        };
        match acquired {
            Ok(connection) => Ok(Some(Lent::new(inner, connection))),
            Err(error) => {
                inner.held.fetch_sub(1, Ordering::AcqRel);
                Err(acquire_error(error))
            }
        }
    }
}

impl Inner {
    fn take_idle(&self) -> Vec<Idle> {
        std::mem::take(
            &mut *self
                .idle
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }

    /// Gives `connection` back to the reads, and connections idle for too long back to the
    /// pool.
    fn give_back(&self, connection: Held) {
        let stale = {
            let mut idle = self
                .idle
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            idle.push(Idle {
                connection,
                since: Instant::now(),
            });
            let fresh = idle
                .iter()
                .position(|idle| idle.since.elapsed() < PING_IF_IDLE_FOR)
                .unwrap_or(idle.len());
            idle.drain(..fresh).collect::<Vec<_>>()
        };
        self.release(stale);
    }

    /// Returns `connections` to the pool, which checks them (outside the lock).
    fn release(&self, connections: Vec<Idle>) {
        self.held.fetch_sub(connections.len(), Ordering::AcqRel);
        drop(connections);
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The pool checks a connection given back on a task; without a runtime left to run
        // it (the process is ending), the connections are closed here instead.
        if tokio::runtime::Handle::try_current().is_err() {
            for idle in self.take_idle() {
                match idle.connection {
                    Held::Sqlite(connection) => drop(connection.detach()),
                    Held::Postgres(connection) => drop(connection.detach()),
                }
            }
        }
    }
}

/// A held connection lent to one statement. It goes back to the reads when the statement
/// succeeded, and to the pool otherwise (failed, or dropped half-way).
struct Lent<'a> {
    reads: &'a Inner,
    connection: Option<Held>,
    succeeded: bool,
}

impl<'a> Lent<'a> {
    fn new(reads: &'a Inner, connection: Held) -> Self {
        Self {
            reads,
            connection: Some(connection),
            succeeded: false,
        }
    }

    fn connection(&mut self) -> &mut Held {
        self.connection
            .as_mut()
            .expect("a lent connection is there until dropped")
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            if self.succeeded {
                self.reads.give_back(connection);
            } else {
                self.reads.held.fetch_sub(1, Ordering::AcqRel);
                drop(connection);
            }
        }
    }
}

impl Reads {
    /// Runs `stmt` on a held connection, or on the pool when none can be lent.
    async fn run<T>(
        &self,
        stmt: Statement,
        on_sqlite: impl AsyncFnOnce(
            &mut sqlx::SqliteConnection,
            sqlx::query::Query<'_, Sqlite, SqlxValues>,
        ) -> Result<T, sqlx::Error>,
        on_postgres: impl AsyncFnOnce(
            &mut sqlx::PgConnection,
            sqlx::query::Query<'_, Postgres, SqlxValues>,
        ) -> Result<T, sqlx::Error>,
        on_pool: impl AsyncFnOnce(&DatabaseConnection, Statement) -> Result<T, DbErr>,
    ) -> Result<T, DbErr> {
        let Some(mut lent) = self.lend().await? else {
            return on_pool(&self.0.db, stmt).await;
        };
        let started = Instant::now();
        let values = SqlxValues(stmt.values.unwrap_or(sea_orm::Values(Vec::new())));
        let sql = sqlx::AssertSqlSafe(stmt.sql);
        let result = match lent.connection() {
            Held::Sqlite(connection) => on_sqlite(connection, sqlx::query_with(sql, values)).await,
            Held::Postgres(connection) => {
                on_postgres(connection, sqlx::query_with(sql, values)).await
            }
        };
        lent.succeeded = result.is_ok();
        if let Some(observe) = &self.0.observe {
            observe(started.elapsed(), result.is_err());
        }
        result.map_err(|error| DbErr::Query(RuntimeErr::SqlxError(Arc::new(error))))
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Reads {
    fn get_database_backend(&self) -> DbBackend {
        self.0.db.get_database_backend()
    }

    /// Statements that change data run on the pool.
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.0.db.execute_raw(stmt).await
    }

    /// Statements that change data run on the pool.
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.0.db.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        use sqlx::Executor;
        self.run(
            stmt,
            async |connection, query| {
                Ok(connection
                    .fetch_optional(query)
                    .await?
                    .map(QueryResult::from))
            },
            async |connection, query| {
                Ok(connection
                    .fetch_optional(query)
                    .await?
                    .map(QueryResult::from))
            },
            async |db, stmt| db.query_one_raw(stmt).await,
        )
        .await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        use sqlx::Executor;
        self.run(
            stmt,
            async |connection, query| {
                let rows = connection.fetch_all(query).await?;
                Ok(rows.into_iter().map(QueryResult::from).collect())
            },
            async |connection, query| {
                let rows = connection.fetch_all(query).await?;
                Ok(rows.into_iter().map(QueryResult::from).collect())
            },
            async |db, stmt| db.query_all_raw(stmt).await,
        )
        .await
    }
}

/// The error sea-orm gives when the pool has no connection to give.
fn acquire_error(error: sqlx::Error) -> DbErr {
    match error {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        error => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(error))),
    }
}

/// Where a read outside a transaction runs: on the connections [`Reads`] hold while
/// serving, on the pool itself for demo data and tools.
#[derive(Clone, Copy)]
pub enum Reader<'a> {
    /// On a held connection when one can be lent.
    Held(&'a Reads),
    /// On the pool.
    Pool(&'a DatabaseConnection),
}

#[async_trait::async_trait]
impl ConnectionTrait for Reader<'_> {
    fn get_database_backend(&self) -> DbBackend {
        match self {
            Self::Held(reads) => reads.get_database_backend(),
            Self::Pool(db) => db.get_database_backend(),
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match self {
            Self::Held(reads) => reads.execute_raw(stmt).await,
            Self::Pool(db) => db.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match self {
            Self::Held(reads) => reads.execute_unprepared(sql).await,
            Self::Pool(db) => db.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self {
            Self::Held(reads) => reads.query_one_raw(stmt).await,
            Self::Pool(db) => db.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            Self::Held(reads) => reads.query_all_raw(stmt).await,
            Self::Pool(db) => db.query_all_raw(stmt).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU64;

    use super::*;

    /// Reads over a fresh SQLite file, and how many statements they counted.
    async fn reads() -> (Reads, Arc<AtomicU64>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("reads.db").display()
        );
        let db = super::super::connect(&url).await.unwrap();
        let counted = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&counted);
        let observe: Observer = Arc::new(move |_, _| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        (
            Reads::new(db, Health::new(&url), Some(observe)),
            counted,
            dir,
        )
    }

    fn held(reads: &Reads) -> usize {
        reads.0.held.load(Ordering::Acquire)
    }

    fn statement(sql: &str) -> Statement {
        Statement::from_string(DbBackend::Sqlite, sql)
    }

    #[tokio::test]
    async fn reads_in_a_row_share_one_held_connection_and_are_counted() {
        let (reads, counted, _dir) = reads().await;
        for n in 1..=5 {
            let rows = reads
                .query_all_raw(statement("SELECT 1 AS one UNION ALL SELECT 2"))
                .await
                .unwrap();
            assert_eq!(rows.len(), 2);
            let row = reads
                .query_one_raw(statement("SELECT 7 AS seven"))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(row.try_get::<i32>("", "seven").unwrap(), 7);
            assert_eq!(held(&reads), 1, "after {n} reads in a row");
        }
        assert_eq!(counted.load(Ordering::Relaxed), 10);
    }

    #[tokio::test]
    async fn concurrent_reads_hold_no_more_than_their_share_and_the_rest_use_the_pool() {
        let (reads, counted, _dir) = reads().await;
        let recursive = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
                         WHERE i < 20000) SELECT count(*) AS c FROM n";
        let all = futures_util::future::join_all((0..12).map(|_| {
            let reads = reads.clone();
            tokio::spawn(async move { reads.query_one_raw(statement(recursive)).await })
        }))
        .await;
        for result in all {
            let row = result.unwrap().unwrap().unwrap();
            assert_eq!(row.try_get::<i64>("", "c").unwrap(), 20_000);
        }
        assert!(held(&reads) <= HELD, "{} held", held(&reads));
        // The statements that ran on the pool are the pool's to count.
        let on_held = counted.load(Ordering::Relaxed);
        assert!((1..=12).contains(&on_held), "{on_held} on held connections");
    }

    #[tokio::test]
    async fn a_failed_read_gives_its_connection_back_to_the_pool_and_says_why() {
        let (reads, counted, _dir) = reads().await;
        reads.query_all_raw(statement("SELECT 1")).await.unwrap();
        assert_eq!(held(&reads), 1);
        let error = reads
            .query_all_raw(statement("SELECT * FROM no_such_table"))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("no_such_table"), "{error}");
        assert_eq!(
            held(&reads),
            0,
            "the failed statement's connection is not kept"
        );
        assert_eq!(
            counted.load(Ordering::Relaxed),
            2,
            "the failure is counted too"
        );
        reads.query_all_raw(statement("SELECT 1")).await.unwrap();
        assert_eq!(held(&reads), 1);
    }

    #[tokio::test]
    async fn connections_idle_for_a_while_go_back_to_the_pool() {
        let (reads, _, _dir) = reads().await;
        let slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
                    WHERE i < 200000) SELECT count(*) AS c FROM n";
        let (a, b) = tokio::join!(
            reads.query_one_raw(statement(slow)),
            reads.query_one_raw(statement(slow))
        );
        a.unwrap();
        b.unwrap();
        assert_eq!(held(&reads), 2, "two reads at once hold two connections");
        tokio::time::sleep(PING_IF_IDLE_FOR + Duration::from_millis(50)).await;
        reads.query_all_raw(statement("SELECT 1")).await.unwrap();
        assert_eq!(
            held(&reads),
            1,
            "the idle ones went back, one is held afresh"
        );
    }

    #[tokio::test]
    async fn writes_through_reads_run_on_the_pool() {
        let (reads, counted, _dir) = reads().await;
        reads
            .execute_unprepared("CREATE TABLE t (n INTEGER)")
            .await
            .unwrap();
        reads
            .execute_raw(statement("INSERT INTO t (n) VALUES (3)"))
            .await
            .unwrap();
        assert_eq!(held(&reads), 0);
        assert_eq!(counted.load(Ordering::Relaxed), 0);
        let row = reads
            .query_one_raw(statement("SELECT n FROM t"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            row.try_get::<i32>("", "n").unwrap(),
            3,
            "a read sees the write"
        );
    }
}

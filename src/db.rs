//! Database connection: SQLite (embedded default) or PostgreSQL, chosen by the URL.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{
        Arc, LazyLock, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Opens a pool to `url`, creating the directory of an SQLite file when needed.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let sqlite = url.starts_with("sqlite:");
    if sqlite
        && let Some(dir) = sqlite_file(url).and_then(|file| file.parent().map(Path::to_path_buf))
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating database directory {}", dir.display()))?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .connect_timeout(Duration::from_secs(5))
        // A burst of writers to one municipality or session queues on its lock while holding
        // connections; waiting for one is bounded by the request timeout, not sooner.
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false);
    if sqlite {
        // SQLite allows one writer; a small pool with a busy timeout keeps writers queued
        // instead of failing with "database is locked".
        options
            .max_connections(8)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|opts| {
                opts.busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
            });
    } else {
        options.max_connections(20).min_connections(1);
    }
    if !sqlite {
        // The pool retries a refused connection until its acquire timeout and then reports
        // only that it timed out; one direct attempt first says what is wrong.
        use sea_orm::sqlx::{Connection, postgres::PgConnection};
        match tokio::time::timeout(Duration::from_secs(10), PgConnection::connect(url)).await {
            Ok(Ok(connection)) => {
                let _ = connection.close().await;
            }
            Ok(Err(error)) => {
                return Err(anyhow::Error::new(error).context(format!(
                    "cannot connect to the database at {}",
                    redacted(url)
                )));
            }
            Err(_) => anyhow::bail!(
                "cannot connect to the database at {}: no answer within 10 seconds",
                redacted(url)
            ),
        }
    }
    let db = Database::connect(options)
        .await
        .context("connecting to the database")?;
    Ok(db)
}

/// `url` without its password, for messages.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                parsed.set_password(Some("***")).ok();
            }
            parsed.to_string()
        }
        Err(_) => "the configured URL".into(),
    }
}

/// Whether the database answered its last health probe. Requests are refused at once with
/// `SERVICE_UNAVAILABLE` while it does not, instead of each waiting for a connection.
///
/// On PostgreSQL the probe uses a connection of its own, outside the pool, so a pool whose
/// connections are all busy is not taken for an unreachable database.
#[derive(Clone)]
pub struct Health {
    reachable: Arc<AtomicBool>,
    probe: Arc<tokio::sync::Mutex<Option<sea_orm::sqlx::PgConnection>>>,
    postgres_url: Option<Arc<str>>,
}

impl Health {
    /// How long a probe may take before the database counts as unreachable.
    pub const PROBE_TIMEOUT: Duration = Duration::from_millis(1500);

    /// The health of the database at `url`, reachable until a probe says otherwise.
    pub fn new(url: &str) -> Self {
        Self {
            reachable: Arc::new(AtomicBool::new(true)),
            probe: Arc::default(),
            postgres_url: url.starts_with("postgres").then(|| Arc::from(url)),
        }
    }

    /// Whether the database answered the last probe.
    pub fn reachable(&self) -> bool {
        self.reachable.load(Ordering::Relaxed)
    }

    /// Asks the database once, within [`Self::PROBE_TIMEOUT`], and remembers the answer.
    pub async fn probe(&self, db: &DatabaseConnection) -> bool {
        let reachable = match tokio::time::timeout(Self::PROBE_TIMEOUT, self.ask(db)).await {
            Ok(Ok(())) => true,
            Ok(Err(error)) => {
                tracing::debug!(%error, "database probe failed");
                false
            }
            Err(_) => false,
        };
        if !reachable {
            // Start from a fresh connection next time.
            if let Ok(mut probe) = self.probe.try_lock() {
                *probe = None;
            }
        }
        if self.reachable.swap(reachable, Ordering::Relaxed) != reachable {
            if reachable {
                tracing::info!("the database answers again");
            } else {
                tracing::warn!("the database does not answer");
            }
        }
        reachable
    }

    async fn ask(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        use sea_orm::sqlx::{Connection, PgConnection};
        let Some(url) = &self.postgres_url else {
            return db.ping().await;
        };
        let mut probe = self.probe.lock().await;
        if probe.is_none() {
            let connection = PgConnection::connect(url)
                .await
                .map_err(|error| DbErr::Custom(error.to_string()))?;
            *probe = Some(connection);
        }
        match probe.as_mut() {
            Some(connection) => connection
                .ping()
                .await
                .map_err(|error| DbErr::Custom(error.to_string())),
            None => Ok(()),
        }
    }
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("applying database migrations")
}

fn sqlite_file(url: &str) -> Option<&Path> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| Path::new(path))
}

/// Now, to the microsecond: what both databases store, so a time written and read back
/// compares equal (cursors, deadlines) on SQLite and PostgreSQL alike.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

/// How long a writer waits for its turn on an SQLite database before it gives up, as
/// SQLite's own busy timeout would.
const WRITE_TURN_TIMEOUT: Duration = Duration::from_secs(10);

/// A transaction that will write, from [`begin_write`]. On SQLite it holds this process's
/// turn to write to the database until it commits, rolls back or is dropped; it reads and
/// writes like the [`DatabaseTransaction`] it wraps.
pub struct WriteTransaction {
    txn: DatabaseTransaction,
    /// Declared after `txn`, so the turn passes on only once the transaction has ended.
    _turn: Option<OwnedSemaphorePermit>,
}

impl WriteTransaction {
    /// Commits, then passes the turn on.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    /// Rolls back, then passes the turn on.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl std::ops::Deref for WriteTransaction {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTransaction {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
}

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`), so concurrent writers queue instead of failing when a read inside
/// the transaction is followed by a write; PostgreSQL ignores the mode.
///
/// SQLite lets one writer in at a time and makes the others retry after sleeps that grow
/// to 100 ms, so under a burst the lock sat idle between writers. Writers of this process
/// therefore first queue for their turn in order (and wait for it without holding a pooled
/// connection): the next one begins as soon as the last one ends. The turn is given up
/// after ten seconds, as SQLite's busy timeout would.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTransaction, DbErr> {
    let turn = match write_turns(db) {
        Some(turns) => Some(
            tokio::time::timeout(WRITE_TURN_TIMEOUT, turns.acquire_owned())
                .await
                .map_err(|_| {
                    DbErr::Custom("database is locked: no turn to write within 10 s".into())
                })?
                .map_err(|_| DbErr::Custom("database is closing".into()))?,
        ),
        None => None,
    };
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    Ok(WriteTransaction { txn, _turn: turn })
}

/// The queue of this process's writers to `db`'s file, if it is an SQLite database.
fn write_turns(db: &DatabaseConnection) -> Option<Arc<Semaphore>> {
    static TURNS: LazyLock<Mutex<HashMap<PathBuf, Arc<Semaphore>>>> = LazyLock::new(Mutex::default);
    if db.get_database_backend() != DbBackend::Sqlite {
        return None;
    }
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_path_buf();
    let mut turns = TURNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Some(
        turns
            .entry(file)
            .or_insert_with(|| Arc::new(Semaphore::new(1)))
            .clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn sqlite_in(dir: &Path, file: &str) -> DatabaseConnection {
        connect(&format!("sqlite://{}?mode=rwc", dir.join(file).display()))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn writers_of_one_sqlite_file_take_turns() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite_in(dir.path(), "turns.db").await;
        let first = begin_write(&db).await.unwrap();
        let second = tokio::spawn({
            let db = db.clone();
            async move { begin_write(&db).await.map(|txn| drop(txn)) }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            !second.is_finished(),
            "the second writer waits for the first"
        );
        first.commit().await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), second)
            .await
            .expect("the second writer's turn comes once the first commits")
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn waiting_writers_leave_the_pool_to_readers() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite_in(dir.path(), "pool.db").await;
        let first = begin_write(&db).await.unwrap();
        // More writers than the pool has connections wait for their turn…
        let waiting: Vec<_> = (0..12)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { begin_write(&db).await?.commit().await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        // …without holding a connection each, so a read is answered at once.
        tokio::time::timeout(Duration::from_secs(1), db.ping())
            .await
            .expect("a read gets a connection while writers wait")
            .unwrap();
        first.commit().await.unwrap();
        for writer in waiting {
            tokio::time::timeout(Duration::from_secs(5), writer)
                .await
                .expect("every waiting writer gets its turn")
                .unwrap()
                .unwrap();
        }
    }

    #[tokio::test]
    async fn a_dropped_writer_passes_the_turn_on() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite_in(dir.path(), "dropped.db").await;
        let first = begin_write(&db).await.unwrap();
        drop(first);
        tokio::time::timeout(Duration::from_secs(5), begin_write(&db))
            .await
            .expect("a dropped transaction ends its turn")
            .unwrap();
    }

    #[tokio::test]
    async fn writers_of_other_files_do_not_wait() {
        let dir = tempfile::tempdir().unwrap();
        let one = sqlite_in(dir.path(), "one.db").await;
        let other = sqlite_in(dir.path(), "other.db").await;
        let _holding = begin_write(&one).await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), begin_write(&other))
            .await
            .expect("another file has a queue of its own")
            .unwrap()
            .commit()
            .await
            .unwrap();
    }
}

//! Database connection: SQLite (embedded default) or PostgreSQL, chosen by the URL.

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

/// Opens a pool to `url`, creating the directory of an SQLite file when needed.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    connect_watched(url, &Health::new(url)).await
}

/// Opens a pool to `url` whose connections are checked as `health` advises: on PostgreSQL a
/// connection is pinged before it is handed out when it has been idle for
/// [`PING_IF_IDLE_FOR`] or when `health` saw the database unreachable within
/// [`PING_AFTER_OUTAGE_FOR`]; otherwise it is handed out at once.
pub async fn connect_watched(url: &str, health: &Health) -> anyhow::Result<DatabaseConnection> {
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
            // A ping of an embedded database proves only that the connection's worker
            // thread runs; sqlx pings before every hand-out by default, one more hand-off
            // to that thread per statement.
            .test_before_acquire(false)
            .map_sqlx_sqlite_opts(|opts| {
                opts.busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
            });
    } else {
        // sqlx pings a connection when it takes it back, and by default again before it
        // hands it out: two round trips beside each statement. A connection in use within
        // the last second was just checked on its way back, so only one idle for longer is
        // pinged, and every one while an outage is recent: after an outage the pool holds
        // connections the server has closed, and the ping replaces them instead of failing
        // the first requests after recovery.
        let outages = health.outages.clone();
        options
            .max_connections(20)
            .min_connections(1)
            .test_before_acquire(false)
            .map_sqlx_postgres_before_acquire(move |connection, meta| {
                let ping =
                    meta.idle_for >= PING_IF_IDLE_FOR || outages.seen_within(PING_AFTER_OUTAGE_FOR);
                Box::pin(async move {
                    if ping {
                        use sea_orm::sqlx::Connection;
                        connection.ping().await?;
                    }
                    Ok(true)
                })
            });
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

/// A PostgreSQL connection idle for this long is pinged before it is handed out.
pub const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);
/// For this long after the database was last seen unreachable, every PostgreSQL connection
/// is pinged before it is handed out.
pub const PING_AFTER_OUTAGE_FOR: Duration = Duration::from_secs(10);

/// When the database was last seen unreachable.
#[derive(Clone)]
struct Outages {
    origin: Instant,
    /// Milliseconds from `origin` to the last outage seen, plus one; 0 while none was.
    last: Arc<AtomicU64>,
}

impl Outages {
    fn new() -> Self {
        Self {
            origin: Instant::now(),
            last: Arc::new(AtomicU64::new(0)),
        }
    }

    fn since_origin(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis())
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1)
    }

    fn record(&self) {
        self.last.store(self.since_origin(), Ordering::Relaxed);
    }

    fn seen_within(&self, window: Duration) -> bool {
        match self.last.load(Ordering::Relaxed) {
            0 => false,
            last => {
                let window = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
                self.since_origin().saturating_sub(last) <= window
            }
        }
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
    outages: Outages,
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
            outages: Outages::new(),
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
            self.outages.record();
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

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`), so concurrent writers queue on the busy timeout instead of failing
/// when a read inside the transaction is followed by a write; PostgreSQL ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_is_recent_for_its_window_and_not_before_one_is_seen() {
        let outages = Outages::new();
        assert!(!outages.seen_within(Duration::from_secs(3600)));
        outages.record();
        assert!(outages.seen_within(Duration::from_secs(10)));
        std::thread::sleep(Duration::from_millis(30));
        assert!(!outages.seen_within(Duration::from_millis(5)));
        assert!(outages.seen_within(Duration::from_secs(10)));
    }
}

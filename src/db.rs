//! Database connection: SQLite (embedded default) or PostgreSQL, chosen by the URL.

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
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
#[derive(Clone, Debug)]
pub struct Health(Arc<AtomicBool>);

impl Default for Health {
    fn default() -> Self {
        Self(Arc::new(AtomicBool::new(true)))
    }
}

impl Health {
    /// How long a probe may take before the database counts as unreachable.
    pub const PROBE_TIMEOUT: Duration = Duration::from_millis(1500);

    /// Whether the database answered the last probe.
    pub fn reachable(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Pings `db` once, within [`Self::PROBE_TIMEOUT`], and remembers the answer.
    pub async fn probe(&self, db: &DatabaseConnection) -> bool {
        let reachable = matches!(
            tokio::time::timeout(Self::PROBE_TIMEOUT, db.ping()).await,
            Ok(Ok(()))
        );
        if self.0.swap(reachable, Ordering::Relaxed) != reachable {
            if reachable {
                tracing::info!("the database answers again");
            } else {
                tracing::warn!("the database does not answer");
            }
        }
        reachable
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

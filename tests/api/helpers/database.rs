//! Test databases. Every test gets a database of its own that is already migrated and
//! holds the demo: a copy of one template, made once and shared by the tests of the
//! process. Copying takes a fraction of the time that migrating and loading the demo
//! (with its password hashes) takes for each test.
//!
//! The demo is dated relative to now (sessions next week, this fiscal year), so the
//! template is made again when it is older than [`TEMPLATE_LIFETIME`]; a test sees demo
//! data at most that old, as if the server had been started that long ago.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use tempfile::TempDir;
use tokio::sync::Mutex;

/// How long one template serves before it is made again.
const TEMPLATE_LIFETIME: Duration = Duration::from_secs(60);

/// The template of the running test process, if one has been made.
static TEMPLATE: Mutex<Option<Template>> = Mutex::const_new(None);

struct Template {
    made: Instant,
    source: Source,
}

/// Where copies come from.
enum Source {
    /// A PostgreSQL database that nobody connects to, copied with `CREATE DATABASE …
    /// TEMPLATE`.
    Postgres { admin_url: String, name: String },
    /// The bytes of a checkpointed SQLite database file.
    Sqlite(Vec<u8>),
}

/// A new database of its own, migrated and with the demo loaded: a PostgreSQL database
/// when `TEST_DATABASE_URL` is set, else an SQLite file in a temporary directory (kept
/// alive by the returned directory).
pub async fn with_demo() -> (String, Option<TempDir>) {
    let mut template = TEMPLATE.lock().await;
    if template
        .as_ref()
        .is_none_or(|t| t.made.elapsed() > TEMPLATE_LIFETIME)
    {
        if let Some(old) = template.take() {
            old.source.discard().await;
        }
        *template = Some(Template {
            made: Instant::now(),
            source: Source::make().await,
        });
    }
    // Copies are made while the lock is held, so no copy runs while an old template is
    // dropped or a new one is made (PostgreSQL refuses to copy a database in use).
    template
        .as_ref()
        .expect("template made above")
        .source
        .copy()
        .await
}

/// `TEST_DATABASE_URL`, when set: a PostgreSQL URL whose user may create databases.
fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

impl Source {
    async fn make() -> Self {
        match postgres_admin_url() {
            Some(admin_url) => {
                let name = format!("tsunagu_test_template_{}", uuid::Uuid::new_v4().simple());
                admin_execute(&admin_url, &format!("CREATE DATABASE {name}")).await;
                let db = migrated_with_demo(&database_url(&admin_url, &name)).await;
                db.close().await.expect("template connections closed");
                Source::Postgres { admin_url, name }
            }
            None => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let file = dir.path().join("template.db");
                let db = migrated_with_demo(&sqlite_url(&file)).await;
                // Everything into the main file, so the file alone is the database.
                db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                    .await
                    .expect("template checkpointed");
                db.close().await.expect("template connections closed");
                Source::Sqlite(std::fs::read(&file).expect("template read"))
            }
        }
    }

    async fn copy(&self) -> (String, Option<TempDir>) {
        match self {
            Source::Postgres { admin_url, name } => {
                let copy = format!("tsunagu_test_{}", uuid::Uuid::new_v4().simple());
                admin_execute(
                    admin_url,
                    &format!("CREATE DATABASE {copy} TEMPLATE {name}"),
                )
                .await;
                (database_url(admin_url, &copy), None)
            }
            Source::Sqlite(bytes) => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let file = dir.path().join("test.db");
                std::fs::write(&file, bytes).expect("test database written");
                (sqlite_url(&file), Some(dir))
            }
        }
    }

    /// Drops a PostgreSQL template that has served its time.
    async fn discard(self) {
        if let Source::Postgres { admin_url, name } = self {
            admin_execute(&admin_url, &format!("DROP DATABASE IF EXISTS {name}")).await;
        }
    }
}

/// Runs `sql` (creating or dropping a database) through `TEST_DATABASE_URL`.
async fn admin_execute(admin_url: &str, sql: &str) {
    let admin = Database::connect(admin_url)
        .await
        .expect("TEST_DATABASE_URL reachable");
    admin
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
    admin.close().await.ok();
}

/// The URL of the database `name` on the server of `admin_url`.
fn database_url(admin_url: &str, name: &str) -> String {
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .expect("TEST_DATABASE_URL ends with /DATABASE");
    format!("{base}/{name}")
}

async fn migrated_with_demo(url: &str) -> DatabaseConnection {
    let db = tsunagu::db::connect(url).await.expect("template reachable");
    tsunagu::db::migrate(&db).await.expect("template migrated");
    tsunagu::app::demo::load(&db)
        .await
        .expect("demo loaded into the template");
    db
}

fn sqlite_url(file: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", file.display())
}

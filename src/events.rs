//! The internal event bus that domains publish to and subscriptions listen on.
//!
//! On SQLite (one process) events travel through an in-process broadcast channel. On
//! PostgreSQL they are sent with `pg_notify` and every replica's listener feeds its own
//! broadcast channel, so a subscriber on one replica hears what another replica published.

use std::{
    sync::{Arc, RwLock},
    time::Duration,
};

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, Statement,
    sqlx::{PgPool, postgres::PgListener},
};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, oneshot};
use uuid::Uuid;

/// PostgreSQL channel the replicas share.
const CHANNEL: &str = "tsunagu_events";
/// Topic of the event the hooks hear (and nothing else) when the listener of another
/// replica's events reconnected: events published meanwhile may have been missed.
pub const RECONNECTED: &str = "events.reconnected";
/// Events a slow subscriber may fall behind by before it misses some.
const BUFFER: usize = 1024;

/// Something that happened, as subscribers see it. Kept small: ids, not records, so it fits
/// a NOTIFY payload and carries no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The municipality it concerns; `None` for platform-wide events.
    pub municipality_id: Option<Uuid>,
    /// Dotted topic, e.g. `account.updated`.
    pub topic: String,
    /// The record it is about.
    pub subject_id: Uuid,
    /// The user it is addressed to, when it concerns one account.
    pub user_id: Option<Uuid>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

/// Something to run at once with every event, e.g. dropping cached answers it may make
/// stale.
type Hook = Arc<dyn Fn(&Event) + Send + Sync>;

/// The hooks of one bus, run in the order they were added.
#[derive(Clone, Default)]
struct Hooks(Arc<RwLock<Vec<Hook>>>);

impl Hooks {
    fn run(&self, event: &Event) {
        if let Ok(hooks) = self.0.read() {
            for hook in hooks.iter() {
                hook(event);
            }
        }
    }
}

/// Publishes events and hands out receivers.
#[derive(Clone)]
pub struct EventBus {
    local: broadcast::Sender<Event>,
    postgres: Option<PgPool>,
    hooks: Hooks,
}

impl EventBus {
    /// Starts the bus for `db`; on PostgreSQL this waits until the listener is listening.
    pub async fn start(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let (local, _) = broadcast::channel(BUFFER);
        let hooks = Hooks::default();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(Self {
                local,
                postgres: None,
                hooks,
            });
        }
        let pool = db.get_postgres_connection_pool().clone();
        let (ready_tx, ready_rx) = oneshot::channel();
        tokio::spawn(listen(
            pool.clone(),
            local.clone(),
            hooks.clone(),
            Some(ready_tx),
        ));
        ready_rx
            .await
            .context("event listener stopped before it started")??;
        Ok(Self {
            local,
            postgres: Some(pool),
            hooks,
        })
    }

    /// Runs `hook` with every event from now on: at once with each event this replica
    /// publishes (before `publish` returns), and with each event another replica publishes
    /// as it arrives. Keep it quick: it runs on the publisher's task.
    pub fn on_every_event(&self, hook: impl Fn(&Event) + Send + Sync + 'static) {
        if let Ok(mut hooks) = self.hooks.0.write() {
            hooks.push(Arc::new(hook));
        }
    }

    /// Publishes an event to every subscriber on every replica. Call it after the change
    /// it reports has been committed.
    pub async fn publish(&self, db: &DatabaseConnection, event: Event) {
        self.publish_all(db, vec![event]).await;
    }

    /// Publishes `events`, in order, as [`publish`](Self::publish) does one: on PostgreSQL
    /// in one statement however many there are.
    pub async fn publish_all(&self, db: &DatabaseConnection, events: Vec<Event>) {
        if let Err(error) = self.send(db, &events).await {
            tracing::error!(%error, events = events.len(), "publishing events failed");
        }
        self.committed(events);
    }

    /// Sends `events` inside `txn`, the transaction of the change they report: on
    /// PostgreSQL a notification is delivered only if its transaction commits, and all of
    /// them share that one commit (each notifying commit takes a cluster-wide lock, so one
    /// per change written together, not one per event). Call [`committed`](Self::committed)
    /// with the same events once `txn` has committed.
    pub async fn publish_in(
        &self,
        txn: &impl ConnectionTrait,
        events: &[Event],
    ) -> Result<(), sea_orm::DbErr> {
        self.send(txn, events).await
    }

    /// Finishes publishing `events` whose change has committed: runs this replica's hooks
    /// and, on SQLite, hands them to the subscribers (on PostgreSQL the listener does).
    pub fn committed(&self, events: Vec<Event>) {
        for event in &events {
            self.hooks.run(event);
        }
        if self.postgres.is_none() {
            for event in events {
                // No receiver is not an error: nobody is subscribed right now.
                let _ = self.local.send(event);
            }
        }
    }

    /// Notifies `events` on PostgreSQL through `db`, in one statement; nothing on SQLite.
    async fn send(
        &self,
        db: &impl ConnectionTrait,
        events: &[Event],
    ) -> Result<(), sea_orm::DbErr> {
        if self.postgres.is_none() {
            return Ok(());
        }
        let payloads: Vec<String> = events
            .iter()
            .filter_map(|event| match serde_json::to_string(event) {
                Ok(payload) => Some(payload),
                Err(error) => {
                    tracing::error!(%error, "event not serializable");
                    None
                }
            })
            .collect();
        let statement = match payloads.as_slice() {
            [] => return Ok(()),
            [payload] => Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), payload.clone().into()],
            ),
            // The array's elements are notified in order.
            _ => Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, payload) FROM json_array_elements_text($2::json) AS payload",
                [
                    CHANNEL.into(),
                    serde_json::Value::from(payloads).to_string().into(),
                ],
            ),
        };
        db.execute_raw(statement).await.map(drop)
    }

    /// A receiver of every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.local.subscribe()
    }
}

/// Forwards notifications into the local channel, reconnecting after failures.
async fn listen(
    pool: PgPool,
    local: broadcast::Sender<Event>,
    hooks: Hooks,
    mut ready: Option<oneshot::Sender<anyhow::Result<()>>>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let connected = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        }
        .await;
        let mut listener = match connected {
            Ok(listener) => listener,
            Err(error) => {
                if let Some(ready) = ready.take() {
                    let _ = ready.send(Err(error.into()));
                    return;
                }
                tracing::warn!(%error, "event listener cannot connect; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        if let Some(ready) = ready.take() {
            let _ = ready.send(Ok(()));
        } else {
            hooks.run(&Event {
                municipality_id: None,
                topic: RECONNECTED.to_owned(),
                subject_id: Uuid::nil(),
                user_id: None,
                occurred_at: Utc::now(),
            });
        }
        backoff = Duration::from_millis(100);
        loop {
            match listener.recv().await {
                Ok(notification) => match serde_json::from_str::<Event>(notification.payload()) {
                    Ok(event) => {
                        hooks.run(&event);
                        let _ = local.send(event);
                    }
                    Err(error) => tracing::warn!(%error, "ignoring malformed event"),
                },
                Err(error) => {
                    tracing::warn!(%error, "event listener lost its connection");
                    break;
                }
            }
        }
    }
}

//! The application state every request and background task shares (cloning is cheap),
//! and the service context every service function takes.

use std::{
    any::Any,
    collections::HashMap,
    sync::{Arc, LazyLock, Mutex},
};

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    config::Limits,
    db,
    error::AppResult,
    events::{Event, EventBus},
    metrics::Metrics,
    rate_limit::{Quota, RateLimiter},
    search::indexer::Search,
};

/// Everything a service needs from the running application.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// Limits and policies.
    pub limits: Arc<Limits>,
    /// The event bus.
    pub events: EventBus,
    /// Shared rate limiter.
    pub limiter: RateLimiter,
    /// This replica's search index.
    pub search: Search,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// Whether the database answers, probed every second.
    pub db_health: crate::db::Health,
    /// Sessions recently looked up.
    pub sessions: Arc<crate::auth::session::SessionCache>,
    /// The database pool without the statement counter of `/metrics`, for background work
    /// (the notification worker), so the counter shows what requests cost.
    pub background_db: DatabaseConnection,
    /// Writes waiting for a row many want at once, so that one transaction takes several.
    pub queues: WriteQueues,
}

/// This replica's queues of writes waiting for the same row (a popular session's places),
/// one queue per row. A domain keeps its own kind of queue here; the queues let the writes
/// that arrive while one transaction holds the row share the next transaction, instead of
/// each waiting for the row and for its own commit.
#[derive(Clone, Default)]
pub struct WriteQueues {
    queues: Arc<Mutex<HashMap<Uuid, Arc<dyn Any + Send + Sync>>>>,
}

impl WriteQueues {
    /// The queue of writes to `row`, made when there is none.
    pub fn of<Q: Default + Send + Sync + 'static>(&self, row: Uuid) -> Arc<Q> {
        let Ok(mut queues) = self.queues.lock() else {
            return Arc::default();
        };
        let queue = queues
            .entry(row)
            .or_insert_with(|| Arc::new(Q::default()) as Arc<dyn Any + Send + Sync>);
        // Another kind of queue holding this row would make this write go alone.
        Arc::clone(queue).downcast::<Q>().unwrap_or_default()
    }

    /// Drops the queue of `row` when `idle` says nothing waits in it; a later write makes
    /// a new one.
    pub fn forget_if<Q: Send + Sync + 'static>(&self, row: Uuid, idle: impl FnOnce(&Q) -> bool) {
        let Ok(mut queues) = self.queues.lock() else {
            return;
        };
        let forget = queues
            .get(&row)
            .and_then(|queue| queue.downcast_ref::<Q>())
            .is_some_and(idle);
        if forget {
            queues.remove(&row);
        }
    }
}

/// What a service call works with: the database; when serving, the event bus it announces
/// committed changes on and the rate limiter; the limits; and the time it acts at (now, or
/// a time in the past when the demo loads its history). Copy it freely.
#[derive(Clone, Copy)]
pub struct ServiceContext<'a> {
    /// The database.
    pub db: &'a DatabaseConnection,
    /// The event bus; `None` writes without announcing (demo data, tools).
    pub events: Option<&'a EventBus>,
    /// The shared rate limiter; `None` counts nothing (demo data, tools).
    pub limiter: Option<&'a RateLimiter>,
    /// Limits and policies.
    pub limits: &'a Limits,
    /// The replica's write queues; `None` writes each change alone (demo data, tools).
    pub queues: Option<&'a WriteQueues>,
    /// The time the call acts at instead of now.
    at: Option<DateTime<Utc>>,
    /// Whether changes tell the people they concern (notifications); not for demo data
    /// and tools.
    notify: bool,
}

/// The limits of a context made without a running server.
static DEFAULT_LIMITS: LazyLock<Limits> = LazyLock::new(Limits::default);

impl<'a> From<&'a AppState> for ServiceContext<'a> {
    fn from(state: &'a AppState) -> Self {
        Self {
            db: &state.db,
            events: Some(&state.events),
            limiter: Some(&state.limiter),
            limits: &state.limits,
            queues: Some(&state.queues),
            at: None,
            notify: true,
        }
    }
}

impl<'a> ServiceContext<'a> {
    /// Works on `db` with the default limits, without announcing, counting or notifying:
    /// for demo data and command-line tools.
    pub fn quiet(db: &'a DatabaseConnection) -> Self {
        Self {
            db,
            events: None,
            limiter: None,
            limits: &DEFAULT_LIMITS,
            queues: None,
            at: None,
            notify: false,
        }
    }

    /// Acts as of `at` instead of now: for loading records of the past.
    pub fn as_of(self, at: DateTime<Utc>) -> Self {
        Self {
            at: Some(at),
            ..self
        }
    }

    /// Works as `self` but writes no messages: for measuring what notifications cost a
    /// change.
    pub fn without_notices(self) -> Self {
        Self {
            notify: false,
            ..self
        }
    }

    /// Whether changes made with this context write notifications to the people they
    /// concern: when serving, not when loading demo data or running tools.
    pub fn notifies(&self) -> bool {
        self.notify
    }

    /// Now (or the time acted as), at the precision both databases keep.
    pub fn now(&self) -> DateTime<Utc> {
        self.at.map_or_else(db::now, |at| at.trunc_subsecs(6))
    }

    /// Counts a call in `bucket` and refuses it (`RATE_LIMITED`) past `quota`; counts
    /// nothing without a limiter.
    pub async fn hit(&self, bucket: &str, quota: Quota) -> AppResult<()> {
        match self.limiter {
            Some(limiter) => limiter.hit(bucket, quota).await,
            None => Ok(()),
        }
    }

    /// Refuses (`RATE_LIMITED`) while `bucket` is locked by failures, without counting.
    pub async fn check_lock(&self, bucket: &str) -> AppResult<()> {
        match self.limiter {
            Some(limiter) => limiter.check_lock(bucket).await,
            None => Ok(()),
        }
    }

    /// Counts a failure in `bucket`, without refusing; locks it at `quota`.
    pub async fn record_failure(&self, bucket: &str, quota: Quota) -> AppResult<()> {
        match self.limiter {
            Some(limiter) => limiter.record_failure(bucket, quota).await,
            None => Ok(()),
        }
    }

    /// Forgets the count of `bucket`.
    pub async fn reset(&self, bucket: &str) -> AppResult<()> {
        match self.limiter {
            Some(limiter) => limiter.reset(bucket).await,
            None => Ok(()),
        }
    }

    /// Announces `events` of a committed change, when serving.
    pub async fn announce(&self, events: impl IntoIterator<Item = Event>) {
        if let Some(bus) = self.events {
            let events: Vec<Event> = events.into_iter().collect();
            if !events.is_empty() {
                bus.publish_all(self.db, events).await;
            }
        }
    }
}

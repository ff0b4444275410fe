//! The application state every request and background task shares. Cloning is cheap.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    config::Limits, events::EventBus, metrics::Metrics, rate_limit::RateLimiter,
    search::service::Search,
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
    /// An argon2 hash of a random password, verified against when an email is unknown so
    /// that a failed login takes the same time whether or not the account exists.
    pub dummy_password_hash: Arc<str>,
}

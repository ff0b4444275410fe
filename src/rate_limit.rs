//! Fixed-window rate limits kept in the database, so every replica counts the same calls.

use std::time::Duration;

use chrono::Utc;
use entity::rate_limit_window::{self, Column, Entity as RateLimitWindow};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, DatabaseConnection, EntityTrait, ExprTrait, QueryFilter,
    sea_query::{Expr, OnConflict},
};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

/// One named limit: at most `max` hits per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Quota {
    /// Calls allowed per window.
    pub max: u32,
    /// Window length.
    pub window: Duration,
}

impl Quota {
    /// `max` calls per minute.
    pub fn per_minute(max: u32) -> Self {
        Self {
            max,
            window: Duration::from_secs(60),
        }
    }
}

/// Counts calls per bucket (a client address, an account, an email…) in fixed windows.
#[derive(Clone)]
pub struct RateLimiter {
    db: DatabaseConnection,
}

impl RateLimiter {
    /// A limiter storing its windows in `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Counts one call against `bucket`; `RATE_LIMITED` once the quota is used up.
    pub async fn hit(&self, bucket: &str, quota: Quota) -> AppResult<()> {
        let (start, retry_after_secs) = window_of(quota);
        let hits = self.increment(bucket, start).await?;
        if hits > i64::from(quota.max) {
            return Err(AppError::RateLimited { retry_after_secs });
        }
        Ok(())
    }

    /// Refuses with `RATE_LIMITED` if `bucket` already reached the quota, without counting.
    pub async fn check(&self, bucket: &str, quota: Quota) -> AppResult<()> {
        let (start, retry_after_secs) = window_of(quota);
        let hits = RateLimitWindow::find_by_id((bucket_key(bucket), start))
            .one(&self.db)
            .await?
            .map_or(0, |window| i64::from(window.hits));
        if hits >= i64::from(quota.max) {
            return Err(AppError::RateLimited { retry_after_secs });
        }
        Ok(())
    }

    /// Counts one event against `bucket` without refusing (for example a failed login).
    pub async fn record(&self, bucket: &str, quota: Quota) -> AppResult<()> {
        let (start, _) = window_of(quota);
        self.increment(bucket, start).await.map(drop)
    }

    /// Forgets the current window of `bucket` (for example after a successful login).
    pub async fn reset(&self, bucket: &str) -> AppResult<()> {
        RateLimitWindow::delete_many()
            .filter(Column::Bucket.eq(bucket_key(bucket)))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Deletes windows that ended long ago.
    pub async fn prune(&self, older_than: Duration) -> AppResult<u64> {
        let cutoff = Utc::now().timestamp() - i64::try_from(older_than.as_secs()).unwrap_or(0);
        let result = RateLimitWindow::delete_many()
            .filter(Column::WindowStart.lt(cutoff))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }

    async fn increment(&self, bucket: &str, start: i64) -> AppResult<i64> {
        let key = bucket_key(bucket);
        let insert = RateLimitWindow::insert(rate_limit_window::ActiveModel {
            bucket: Set(key.clone()),
            window_start: Set(start),
            hits: Set(1),
        })
        .on_conflict(
            OnConflict::columns([Column::Bucket, Column::WindowStart])
                .value(
                    Column::Hits,
                    Expr::col((RateLimitWindow, Column::Hits)).add(1),
                )
                .to_owned(),
        );
        insert.exec_without_returning(&self.db).await?;
        let hits = RateLimitWindow::find_by_id((key, start))
            .one(&self.db)
            .await?
            .map_or(1, |window| i64::from(window.hits));
        Ok(hits)
    }
}

/// Start of the current window (epoch seconds) and seconds until it ends.
fn window_of(quota: Quota) -> (i64, u64) {
    let length = i64::try_from(std::cmp::max(quota.window.as_secs(), 1)).unwrap_or(60);
    let now = Utc::now().timestamp();
    let start = now - now.rem_euclid(length);
    let retry_after = std::cmp::max(u64::try_from(start + length - now).unwrap_or(1), 1);
    (start, retry_after)
}

/// Buckets may contain emails; only a digest is stored.
fn bucket_key(bucket: &str) -> String {
    let (kind, value) = bucket.split_once(':').unwrap_or(("bucket", bucket));
    format!("{kind}:{:x}", Sha256::digest(value.as_bytes()))
}

//! Rate limits and lockouts kept in the database, so every replica counts the same calls.
//!
//! Calls are counted in fixed windows (`hit`). Failures (`record_failure`) are counted over
//! a sliding window instead, and reaching the quota locks the bucket until a whole window
//! after the last failure: a lock is never cut short by a window boundary.

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

    /// Refuses with `RATE_LIMITED` while `bucket` is locked by `record_failure`, without
    /// counting.
    pub async fn check_lock(&self, bucket: &str) -> AppResult<()> {
        let now = Utc::now().timestamp();
        let locked_until = RateLimitWindow::find()
            .filter(Column::Bucket.eq(bucket_key(&lock_of(bucket))))
            .filter(Column::WindowStart.gt(now))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|lock| lock.window_start)
            .max();
        match locked_until {
            Some(until) => Err(AppError::RateLimited {
                retry_after_secs: std::cmp::max(u64::try_from(until - now).unwrap_or(1), 1),
            }),
            None => Ok(()),
        }
    }

    /// Counts one failure against `bucket` without refusing (for example a failed login).
    /// When `quota.max` failures fall within the last `quota.window`, the bucket is locked
    /// for a whole window from now.
    pub async fn record_failure(&self, bucket: &str, quota: Quota) -> AppResult<()> {
        let now = Utc::now().timestamp();
        let window = i64::try_from(std::cmp::max(quota.window.as_secs(), 1)).unwrap_or(60);
        // One row per second that saw failures: the window slides by the second.
        self.increment(bucket, now).await?;
        let failures: i64 = RateLimitWindow::find()
            .filter(Column::Bucket.eq(bucket_key(bucket)))
            .filter(Column::WindowStart.gt(now - window))
            .all(&self.db)
            .await?
            .iter()
            .map(|second| i64::from(second.hits))
            .sum();
        if failures >= i64::from(quota.max) {
            RateLimitWindow::insert(rate_limit_window::ActiveModel {
                bucket: Set(bucket_key(&lock_of(bucket))),
                window_start: Set(now + window),
                hits: Set(1),
            })
            .on_conflict_do_nothing_on([Column::Bucket, Column::WindowStart])
            .exec(&self.db)
            .await?;
        }
        Ok(())
    }

    /// Forgets the counts and any lock of `bucket` (for example after a successful login).
    pub async fn reset(&self, bucket: &str) -> AppResult<()> {
        RateLimitWindow::delete_many()
            .filter(Column::Bucket.is_in([bucket_key(bucket), bucket_key(&lock_of(bucket))]))
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

/// The bucket holding the lock-until times of `bucket` (each row's window start is the
/// end of a lock).
fn lock_of(bucket: &str) -> String {
    format!("lock-{bucket}")
}

/// Buckets may contain emails; only a digest is stored.
fn bucket_key(bucket: &str) -> String {
    let (kind, value) = bucket.split_once(':').unwrap_or(("bucket", bucket));
    format!("{kind}:{:x}", Sha256::digest(value.as_bytes()))
}

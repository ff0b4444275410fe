//! Rate limits and lockouts kept in the database, so every replica counts the same calls.
//!
//! Calls are counted in fixed windows (`hit`). Each replica counts its own calls exactly in
//! memory and adds them to the shared count in the database at most every
//! [`SHARE_EVERY`], reading back what the other replicas added: a call more than that
//! interval after the bucket's last one always meets the shared count, and a burst costs
//! the database one write per interval instead of one per call. The replicas together may
//! let through at most what each takes in one interval beyond the quota.
//!
//! Failures (`record_failure`) are counted over a sliding window in the database on every
//! call, and reaching the quota locks the bucket until a whole window after the last
//! failure: a lock is never cut short by a window boundary.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

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

/// How long a replica counts a bucket's calls on its own before adding them to the shared
/// count.
pub const SHARE_EVERY: Duration = Duration::from_millis(100);

/// Windows counted in memory beyond which the ended ones are dropped.
const TALLIES_KEPT: usize = 4096;

/// Counts calls per bucket (a client address, an account, an email…) in fixed windows.
#[derive(Clone)]
pub struct RateLimiter {
    db: DatabaseConnection,
    tallies: Arc<Mutex<HashMap<(String, i64), Tally>>>,
}

/// This replica's view of one bucket's window.
#[derive(Debug, Default)]
struct Tally {
    /// When the window ends (epoch seconds).
    ends: i64,
    /// Calls counted here and not yet added to the shared count.
    pending: i64,
    /// Calls this replica has added to the shared count.
    shared: i64,
    /// Calls the other replicas had added when the shared count was last read.
    others: i64,
    /// When this replica last added its calls, if it has.
    shared_at: Option<Instant>,
    /// A call is adding this replica's calls now.
    sharing: bool,
}

impl Tally {
    fn total(&self) -> i64 {
        self.others + self.shared + self.pending
    }
}

impl RateLimiter {
    /// A limiter storing its windows in `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            tallies: Arc::default(),
        }
    }

    /// Counts one call against `bucket`; `RATE_LIMITED` once the quota is used up.
    pub async fn hit(&self, bucket: &str, quota: Quota) -> AppResult<()> {
        let (start, retry_after_secs) = window_of(quota);
        let key = (bucket_key(bucket), start);
        let limited = || Err(AppError::RateLimited { retry_after_secs });
        let share = {
            let mut tallies = self.tallies()?;
            if tallies.len() >= TALLIES_KEPT && !tallies.contains_key(&key) {
                let now = Utc::now().timestamp();
                tallies.retain(|_, tally| tally.ends > now);
            }
            let tally = tallies.entry(key.clone()).or_default();
            tally.ends = start + window_length(quota);
            tally.pending += 1;
            let due =
                !tally.sharing && tally.shared_at.is_none_or(|at| at.elapsed() >= SHARE_EVERY);
            if !due {
                return if tally.total() > i64::from(quota.max) {
                    limited()
                } else {
                    Ok(())
                };
            }
            tally.sharing = true;
            std::mem::take(&mut tally.pending)
        };
        let counted = self.add(&key.0, start, share).await;
        let mut tallies = self.tallies()?;
        let tally = tallies.entry(key).or_default();
        tally.sharing = false;
        let total = match counted {
            Ok(total) => total,
            Err(error) => {
                tally.pending += share;
                return Err(error);
            }
        };
        tally.shared += share;
        tally.others = std::cmp::max(total - tally.shared, 0);
        tally.shared_at = Some(Instant::now());
        if tally.total() > i64::from(quota.max) {
            limited()
        } else {
            Ok(())
        }
    }

    fn tallies(&self) -> AppResult<std::sync::MutexGuard<'_, HashMap<(String, i64), Tally>>> {
        self.tallies
            .lock()
            .map_err(|_| AppError::Internal(anyhow::anyhow!("rate-limit tallies poisoned")))
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
        self.add(&bucket_key(bucket), start, 1).await
    }

    /// Adds `hits` to the stored window of the bucket whose stored key is `key`; returns
    /// the window's count.
    async fn add(&self, key: &str, start: i64, hits: i64) -> AppResult<i64> {
        let added = i32::try_from(hits).unwrap_or(i32::MAX);
        let insert = RateLimitWindow::insert(rate_limit_window::ActiveModel {
            bucket: Set(key.to_owned()),
            window_start: Set(start),
            hits: Set(added),
        })
        .on_conflict(
            OnConflict::columns([Column::Bucket, Column::WindowStart])
                .value(
                    Column::Hits,
                    Expr::col((RateLimitWindow, Column::Hits)).add(added),
                )
                .to_owned(),
        );
        insert.exec_without_returning(&self.db).await?;
        let hits = RateLimitWindow::find_by_id((key.to_owned(), start))
            .one(&self.db)
            .await?
            .map_or(1, |window| i64::from(window.hits));
        Ok(hits)
    }
}

/// Start of the current window (epoch seconds) and seconds until it ends.
fn window_of(quota: Quota) -> (i64, u64) {
    let length = window_length(quota);
    let now = Utc::now().timestamp();
    let start = now - now.rem_euclid(length);
    let retry_after = std::cmp::max(u64::try_from(start + length - now).unwrap_or(1), 1);
    (start, retry_after)
}

/// The window's length in seconds (at least one).
fn window_length(quota: Quota) -> i64 {
    i64::try_from(std::cmp::max(quota.window.as_secs(), 1)).unwrap_or(60)
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

//! The delivery worker every replica runs: it claims a batch of due deliveries by writing a
//! lease on them with one conditional `UPDATE` (only one replica's update matches a row, on
//! PostgreSQL and SQLite alike), sends them, and records the outcome. A replica that dies
//! mid-send leaves the row due again once its lease has passed, so nothing is lost.

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use entity::{notification, notification_delivery as delivery, user};
use futures_util::{StreamExt, stream};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbBackend, EntityTrait, Order, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait as _, LockBehavior, LockType, Query},
};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::channel::{Channel, Outgoing, SendError};
use crate::{config::NotifySettings, error::AppResult, metrics::Metrics, state::AppState};

/// Waiting to be sent (or retried).
pub const PENDING: &str = "pending";
/// Accepted by the channel.
pub const SENT: &str = "sent";
/// Given up: attempts exhausted or refused for good; the reason is kept.
pub const FAILED: &str = "failed";

/// Deliveries claimed per look.
const BATCH: u64 = 100;
/// Sends in flight at once.
const CONCURRENCY: usize = 16;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// Sends due deliveries through the configured channels.
pub struct Deliverer {
    db: DatabaseConnection,
    channels: HashMap<&'static str, Box<dyn Channel>>,
    settings: NotifySettings,
    metrics: Metrics,
}

impl Deliverer {
    /// A deliverer over `channels`.
    pub fn new(
        db: DatabaseConnection,
        channels: Vec<Box<dyn Channel>>,
        settings: NotifySettings,
        metrics: Metrics,
    ) -> Self {
        Self {
            db,
            channels: channels
                .into_iter()
                .map(|channel| (channel.name(), channel))
                .collect(),
            settings,
            metrics,
        }
    }

    /// Claims and sends what is due now; returns how many deliveries it claimed.
    pub async fn deliver_due(&self) -> AppResult<usize> {
        let now = crate::db::now();
        let claimed = self.claim(now).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let notifications: HashMap<Uuid, notification::Model> = notification::Entity::find()
            .filter(notification::Column::Id.is_in(claimed.iter().map(|d| d.notification_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|n| (n.id, n))
            .collect();
        let accounts: HashMap<Uuid, user::Model> = user::Entity::find()
            .filter(user::Column::Id.is_in(notifications.values().filter_map(|n| n.user_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let count = claimed.len();
        let results: Vec<AppResult<()>> = stream::iter(claimed)
            .map(|row| {
                let notification = notifications.get(&row.notification_id);
                let account = notification
                    .and_then(|n| n.user_id)
                    .and_then(|id| accounts.get(&id));
                self.deliver(row, notification, account)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for result in results {
            result?;
        }
        Ok(count)
    }

    /// Leases a batch of due deliveries to this worker with one `UPDATE`, which matches a
    /// row only while it is still due and unleased. On PostgreSQL the batch is chosen with
    /// `FOR UPDATE SKIP LOCKED`, so replicas claiming at once take disjoint batches without
    /// waiting on each other, and the claimed rows come back with `RETURNING`. On SQLite
    /// the choice and the update run in one write transaction, whose single writer no
    /// other replica can interleave with.
    async fn claim(&self, now: DateTime<Utc>) -> AppResult<Vec<delivery::Model>> {
        let due = || {
            Condition::all()
                .add(delivery::Column::State.eq(PENDING))
                .add(delivery::Column::NextAttemptAt.lte(now))
                .add(
                    Condition::any()
                        .add(delivery::Column::LeaseUntil.is_null())
                        .add(delivery::Column::LeaseUntil.lt(now)),
                )
        };
        let lease =
            now + chrono::Duration::seconds(i64::try_from(self.settings.lease_secs).unwrap_or(120));
        let lease_batch = |ids: Condition| {
            delivery::Entity::update_many()
                .col_expr(delivery::Column::LeaseUntil, Expr::value(lease))
                .col_expr(
                    delivery::Column::Attempts,
                    Expr::col(delivery::Column::Attempts).add(1),
                )
                .filter(ids)
                .filter(due())
        };
        if self.db.get_database_backend() == DbBackend::Postgres {
            let batch = Query::select()
                .column(delivery::Column::Id)
                .from(delivery::Entity)
                .cond_where(due())
                .order_by(delivery::Column::NextAttemptAt, Order::Asc)
                .limit(BATCH)
                .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
                .to_owned();
            let ids = Condition::all().add(delivery::Column::Id.in_subquery(batch));
            return Ok(lease_batch(ids).exec_with_returning(&self.db).await?);
        }
        let txn = crate::db::begin_write(&self.db).await?;
        let candidates = delivery::Entity::find()
            .filter(due())
            .order_by_asc(delivery::Column::NextAttemptAt)
            .limit(BATCH)
            .all(&txn)
            .await?;
        if candidates.is_empty() {
            return Ok(candidates);
        }
        let ids = Condition::all().add(delivery::Column::Id.is_in(candidates.iter().map(|d| d.id)));
        lease_batch(ids).exec(&txn).await?;
        txn.commit().await?;
        // The writer held the database from the choice to the update: every candidate was
        // still due, and is now ours.
        Ok(candidates
            .into_iter()
            .map(|row| delivery::Model {
                attempts: row.attempts + 1,
                lease_until: Some(lease),
                ..row
            })
            .collect())
    }

    /// Sends one claimed delivery and records what happened.
    async fn deliver(
        &self,
        row: delivery::Model,
        notification: Option<&notification::Model>,
        account: Option<&user::Model>,
    ) -> AppResult<()> {
        let outcome = match (notification, self.channels.get(row.channel.as_str())) {
            (None, _) => Err(SendError::Permanent("the notification is gone".into())),
            (Some(_), None) => Err(SendError::Permanent(format!(
                "no `{}` channel is configured",
                row.channel
            ))),
            (Some(notification), Some(channel)) => {
                match outgoing(notification, account, &self.settings) {
                    Ok(message) => channel.send(&message).await,
                    Err(error) => Err(error),
                }
            }
        };
        let kind = notification.map_or("unknown", |n| n.kind.as_str());
        let now = crate::db::now();
        let update = delivery::Entity::update_many()
            .col_expr(
                delivery::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(delivery::Column::Id.eq(row.id));
        let update = match &outcome {
            Ok(()) => {
                self.metrics.count_notification(&row.channel, kind, "sent");
                update
                    .col_expr(delivery::Column::State, Expr::value(SENT))
                    .col_expr(delivery::Column::SentAt, Expr::value(now))
                    .col_expr(
                        delivery::Column::LastError,
                        Expr::value(Option::<String>::None),
                    )
            }
            Err(error) => {
                let attempts = u32::try_from(row.attempts).unwrap_or(u32::MAX);
                let give_up = matches!(error, SendError::Permanent(_))
                    || attempts >= self.settings.max_attempts;
                let reason = error.to_string();
                if give_up {
                    self.metrics
                        .count_notification(&row.channel, kind, "failed");
                    tracing::warn!(delivery = %row.id, channel = %row.channel, kind, %reason, attempts, "notification given up");
                    update
                        .col_expr(delivery::Column::State, Expr::value(FAILED))
                        .col_expr(delivery::Column::LastError, Expr::value(reason))
                } else {
                    self.metrics
                        .count_notification(&row.channel, kind, "retried");
                    tracing::info!(delivery = %row.id, channel = %row.channel, kind, %reason, attempts, "notification will be retried");
                    let wait = backoff(self.settings.retry_ms, attempts);
                    update
                        .col_expr(
                            delivery::Column::NextAttemptAt,
                            Expr::value(now + chrono::Duration::from_std(wait).unwrap_or_default()),
                        )
                        .col_expr(delivery::Column::LastError, Expr::value(reason))
                }
            }
        };
        update.exec(&self.db).await?;
        Ok(())
    }
}

/// The message of `notification` as channels send it.
fn outgoing(
    notification: &notification::Model,
    account: Option<&user::Model>,
    settings: &NotifySettings,
) -> Result<Outgoing, SendError> {
    let (email, name) = match (notification.user_id, account) {
        (None, _) => (notification.email.clone(), None),
        (Some(_), Some(account)) if account.deactivated_at.is_none() => (
            Some(account.email.clone()),
            Some(account.display_name.clone()),
        ),
        (Some(_), _) => {
            return Err(SendError::Permanent("the account is closed".into()));
        }
    };
    let unsubscribe = notification
        .opt_out_token
        .as_ref()
        .map(|token| super::link(settings, &format!("notifications/opt-out?token={token}")));
    Ok(Outgoing {
        notification_id: notification.id,
        municipality_id: notification.municipality_id,
        user_id: notification.user_id,
        email,
        name,
        kind: notification.kind.clone(),
        title: notification.title.clone(),
        body: notification.body.clone(),
        link: notification
            .link
            .as_deref()
            .map(|path| super::link(settings, path)),
        unsubscribe,
    })
}

/// The wait before attempt `attempts + 1`: `base` doubled for each failed attempt, at
/// most an hour.
pub fn backoff(base_ms: u64, attempts: u32) -> Duration {
    let factor = 1u64 << Ord::min(attempts.saturating_sub(1), 20);
    Duration::from_millis(base_ms.saturating_mul(factor)).min(MAX_BACKOFF)
}

/// Starts the delivery worker of this replica: it looks for due deliveries every
/// `poll_ms`, and at once again while it finds a full batch.
pub fn spawn(state: &AppState) -> JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let settings = state.limits.notify.clone();
        let mut channels: Vec<Box<dyn Channel>> = vec![Box::new(super::inbox::InboxChannel::new(
            state.background_db.clone(),
            state.events.clone(),
        ))];
        match super::email::channel(&settings) {
            Ok(Some(email)) => channels.push(email),
            Ok(None) => {
                tracing::warn!("no mail server and no mailbox directory: emails are not sent")
            }
            Err(error) => {
                tracing::error!(%error, "the email channel is misconfigured: emails are not sent")
            }
        }
        let deliverer = Arc::new(Deliverer::new(
            state.background_db.clone(),
            channels,
            settings.clone(),
            state.metrics.clone(),
        ));
        let poll = Duration::from_millis(Ord::max(settings.poll_ms, 10));
        loop {
            match deliverer.deliver_due().await {
                Ok(claimed) if claimed as u64 >= BATCH => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "delivering notifications failed"),
            }
            tokio::time::sleep(poll).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_an_hour() {
        assert_eq!(backoff(1000, 1), Duration::from_secs(1));
        assert_eq!(backoff(1000, 2), Duration::from_secs(2));
        assert_eq!(backoff(1000, 4), Duration::from_secs(8));
        assert_eq!(backoff(30_000, 30), MAX_BACKOFF);
    }
}

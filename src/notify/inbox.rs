//! The in-app inbox: the channel that announces a new message to its reader live, and the
//! reads and marks of one's own messages.

use chrono::Utc;
use entity::notification::{self, Column};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr,
};
use uuid::Uuid;

use super::channel::{Channel, Outgoing, SendError};
use crate::{
    auth::Viewer,
    error::{AppError, AppResult},
    events::{Event, EventBus},
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
    state::ServiceContext,
};

/// Delivers to the inbox: the message is already there (written with the change), so
/// delivering it announces it to the reader's open subscriptions on every replica.
pub struct InboxChannel {
    db: DatabaseConnection,
    events: EventBus,
}

impl InboxChannel {
    /// The inbox channel announcing on `events`.
    pub fn new(db: DatabaseConnection, events: EventBus) -> Self {
        Self { db, events }
    }
}

#[async_trait::async_trait]
impl Channel for InboxChannel {
    fn name(&self) -> &'static str {
        super::INBOX
    }

    async fn send(&self, message: &Outgoing) -> Result<(), SendError> {
        let user_id = message
            .user_id
            .ok_or_else(|| SendError::Permanent("a guest has no inbox".into()))?;
        self.events
            .publish(
                &self.db,
                Event {
                    municipality_id: message.municipality_id,
                    topic: super::TOPIC_RECEIVED.to_owned(),
                    subject_id: message.notification_id,
                    user_id: Some(user_id),
                    occurred_at: Utc::now(),
                },
            )
            .await;
        Ok(())
    }
}

/// The signed-in reader's messages, unread first, newest first within each.
pub async fn list_mine(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    unread_only: bool,
    page: PageArgs,
) -> AppResult<Page<notification::Model>> {
    let me = viewer.require_user()?;
    let mut select = notification::Entity::find()
        .filter(Column::UserId.eq(me.id))
        .filter(Column::InInbox.eq(true));
    if unread_only {
        select = select.filter(Column::Unread.eq(1));
    }
    let ordering = Ordering::<notification::Entity> {
        column: Some(Column::Unread),
        id: Column::Id,
        descending: true,
        key: |row| (Some(SortValue::Int(i64::from(row.unread))), row.id),
    };
    paginate(ctx.db, select, &ordering, page, ctx.limits.max_page_size).await
}

/// How many of the signed-in reader's messages are unread.
pub async fn unread_count(ctx: ServiceContext<'_>, viewer: &Viewer) -> AppResult<u64> {
    let me = viewer.require_user()?;
    Ok(notification::Entity::find()
        .filter(Column::UserId.eq(me.id))
        .filter(Column::InInbox.eq(true))
        .filter(Column::Unread.eq(1))
        .count(ctx.db)
        .await?)
}

/// One of the signed-in reader's messages (`NOT_FOUND` for anybody else's).
pub async fn find_mine(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<notification::Model> {
    let me = viewer.require_user()?;
    notification::Entity::find_by_id(id)
        .filter(Column::UserId.eq(me.id))
        .filter(Column::InInbox.eq(true))
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Marks one of the reader's messages read (reading it twice changes nothing).
pub async fn mark_read(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<notification::Model> {
    let message = find_mine(ctx, viewer, id).await?;
    notification::Entity::update_many()
        .col_expr(Column::Unread, Expr::value(0))
        .col_expr(Column::ReadAt, Expr::value(ctx.now()))
        .filter(Column::Id.eq(message.id))
        .filter(Column::Unread.eq(1))
        .exec(ctx.db)
        .await?;
    find_mine(ctx, viewer, id).await
}

/// Marks every unread message of the reader read; returns how many were unread.
pub async fn mark_all_read(ctx: ServiceContext<'_>, viewer: &Viewer) -> AppResult<u64> {
    let me = viewer.require_user()?;
    let updated = notification::Entity::update_many()
        .col_expr(Column::Unread, Expr::value(0))
        .col_expr(Column::ReadAt, Expr::value(ctx.now()))
        .filter(Column::UserId.eq(me.id))
        .filter(Column::Unread.eq(1))
        .exec(ctx.db)
        .await?;
    Ok(updated.rows_affected)
}

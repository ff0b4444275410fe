//! A concierge's day, across the inquiries they hold: the open tasks, due first, and the
//! appointments to come, soonest first. Each page reads its inquiries in one statement and
//! writes one access-log row per inquiry shown (`my_day`): the lists carry the families'
//! names.

use std::collections::HashMap;

use entity::{
    inquiry_event::{self, EventKind},
    inquiry_task, relocation_inquiry,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Query, SelectStatement},
};
use uuid::Uuid;

use super::visibility::log_access;
use crate::auth::Viewer;
use crate::error::AppResult;
use crate::paging::{Ordering, Page, PageArgs, SortValue, paginate};
use crate::state::ServiceContext;

/// The ids of the inquiries `user_id` holds whose personal data is still kept.
fn held_by(user_id: Uuid) -> SelectStatement {
    Query::select()
        .column(relocation_inquiry::Column::Id)
        .from(relocation_inquiry::Entity)
        .and_where(relocation_inquiry::Column::AssignedConciergeId.eq(user_id))
        .and_where(relocation_inquiry::Column::ErasedAt.is_null())
        .to_owned()
}

/// Pairs each row of `page` with its inquiry, read in one statement, and logs the reads.
async fn with_inquiries<M>(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    page: Page<M>,
    inquiry_of: fn(&M) -> Uuid,
) -> AppResult<Page<(M, relocation_inquiry::Model)>> {
    let ids: Vec<Uuid> = page.rows.iter().map(|(_, row)| inquiry_of(row)).collect();
    let inquiries: HashMap<Uuid, relocation_inquiry::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        relocation_inquiry::Entity::find()
            .filter(relocation_inquiry::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|inquiry| (inquiry.id, inquiry))
            .collect()
    };
    let read: Vec<&relocation_inquiry::Model> = inquiries.values().collect();
    log_access(db, user_id, &read, "my_day").await?;
    let rows = page
        .rows
        .into_iter()
        .filter_map(|(cursor, row)| {
            let inquiry = inquiries.get(&inquiry_of(&row))?.clone();
            Some((cursor, (row, inquiry)))
        })
        .collect();
    Ok(Page {
        rows,
        has_previous_page: page.has_previous_page,
        has_next_page: page.has_next_page,
        total_count: page.total_count,
    })
}

/// The open tasks of the inquiries the signed-in staff member holds, due first.
#[tracing::instrument(skip_all)]
pub async fn my_tasks(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    page: PageArgs,
) -> AppResult<Page<(inquiry_task::Model, relocation_inquiry::Model)>> {
    let me = viewer.require_user()?;
    let ordering = Ordering::<inquiry_task::Entity> {
        column: Some(inquiry_task::Column::DueOn),
        id: inquiry_task::Column::Id,
        descending: false,
        key: |row| (Some(SortValue::Date(row.due_on)), row.id),
    };
    let query = inquiry_task::Entity::find()
        .filter(inquiry_task::Column::DoneAt.is_null())
        .filter(inquiry_task::Column::InquiryId.in_subquery(held_by(me.id)));
    let page = paginate(ctx.db, query, &ordering, page, ctx.limits.max_page_size).await?;
    with_inquiries(ctx.db, me.id, page, |task| task.inquiry_id).await
}

/// The appointments to come of the inquiries the signed-in staff member holds, soonest
/// first.
#[tracing::instrument(skip_all)]
pub async fn my_appointments(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    page: PageArgs,
) -> AppResult<Page<(inquiry_event::Model, relocation_inquiry::Model)>> {
    let me = viewer.require_user()?;
    let ordering = Ordering::<inquiry_event::Entity> {
        column: Some(inquiry_event::Column::ScheduledAt),
        id: inquiry_event::Column::Id,
        descending: false,
        key: |row| (row.scheduled_at.map(SortValue::Time), row.id),
    };
    let query = inquiry_event::Entity::find()
        .filter(inquiry_event::Column::Kind.eq(EventKind::Appointment))
        .filter(inquiry_event::Column::ScheduledAt.gte(ctx.now()))
        .filter(inquiry_event::Column::InquiryId.in_subquery(held_by(me.id)));
    let page = paginate(ctx.db, query, &ordering, page, ctx.limits.max_page_size).await?;
    with_inquiries(ctx.db, me.id, page, |event| event.inquiry_id).await
}

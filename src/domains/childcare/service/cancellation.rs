//! Cancelling bookings.

use chrono::Duration;
use entity::{
    childcare_booking::{self, BookingStatus},
    childcare_booking_rule, childcare_slot,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    db::{self, now},
    domains::childcare::notices,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome},
    state::ServiceContext,
};

use super::{capacity::recount, reads::resource_of, visibility::viewer_edits, waitlist::promote};

/// Cancels a booking (its guardian until the deadline, or the resource's editors), or
/// every open booking of its group with `whole_group`; the places freed go to the first
/// waiting bookings of the slots.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn cancel_booking(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    whole_group: bool,
) -> AppResult<Outcome<Vec<childcare_booking::Model>>> {
    let me = viewer.require_user()?.clone();
    let txn = db::begin_write(ctx.db).await?;
    let booking = childcare_booking::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let resource = resource_of(&txn, booking.resource_id).await?;
    let guardian = booking.guardian_user_id == me.id;
    let staff = viewer_edits(viewer, &resource);
    if !guardian && !staff {
        return Err(AppError::NotFound);
    }
    let targets: Vec<childcare_booking::Model> = if whole_group {
        childcare_booking::Entity::find()
            .filter(childcare_booking::Column::GroupId.eq(booking.group_id))
            .filter(childcare_booking::Column::Status.eq(BookingStatus::Booked))
            .order_by_asc(childcare_booking::Column::SlotId)
            .all(&txn)
            .await?
    } else {
        vec![booking.clone()]
    };
    if targets.is_empty() || (!whole_group && booking.status != BookingStatus::Booked) {
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "取り消せる予約がありません（取消済み、または利用日を過ぎています）。",
        )]));
    }
    let rules = childcare_booking_rule::Entity::find_by_id(resource.id)
        .one(&txn)
        .await?;
    let now = now();
    if !staff {
        let deadline_hours = rules.as_ref().map_or(0, |r| r.cancel_deadline_hours);
        for target in &targets {
            let deadline = target.starts_at - Duration::hours(i64::from(deadline_hours));
            if now > deadline {
                return Ok(Err(vec![FieldError::input(
                    "id",
                    FieldErrorCode::DeadlinePassed,
                    format!(
                        "{}の予約の取消期限（開始{}時間前）を過ぎています。施設にご連絡ください。",
                        target.date, deadline_hours
                    ),
                )]));
            }
        }
    }
    let mut slot_ids: Vec<Uuid> = targets.iter().map(|t| t.slot_id).collect();
    slot_ids.sort();
    slot_ids.dedup();
    for slot_id in &slot_ids {
        childcare_slot::Entity::find_by_id(*slot_id)
            .lock_exclusive()
            .one(&txn)
            .await?;
    }
    let mut cancelled = Vec::with_capacity(targets.len());
    for target in targets {
        let mut model = target.into_active_model();
        model.status = Set(BookingStatus::Cancelled);
        model.cancelled_at = Set(Some(now));
        model.updated_at = Set(now);
        cancelled.push(model.update(&txn).await?);
    }
    for slot_id in &slot_ids {
        recount(&txn, *slot_id).await?;
    }
    cancelled.sort_by_key(|b| b.starts_at);
    if ctx.notifies() {
        notices::cancelled(&txn, &resource, &cancelled, !guardian).await?;
    }
    // The places freed go to the waitlists, under the same locks.
    for slot_id in &slot_ids {
        promote(&txn, ctx.notifies(), &resource, *slot_id, now).await?;
    }
    txn.commit().await?;
    Ok(Ok(cancelled))
}

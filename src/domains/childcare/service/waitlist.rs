//! The waitlist (キャンセル待ち) of a full slot: bookings with status `waitlisted` hold no
//! place; when places free (a cancellation, a larger capacity) the first waiting bookings
//! in the order they were made that fit are confirmed, in the transaction that freed them
//! and under its slot lock. A family may leave the waitlist.

use chrono::{DateTime, Utc};
use entity::{
    childcare_booking::{self, BookingStatus},
    childcare_booking_child, childcare_booking_rule, childcare_child, childcare_resource,
    childcare_slot,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    db::{self, now},
    domains::childcare::notices,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome},
};

use super::{
    capacity::{held, recount},
    refusals::{ChildToBook, Request, booking_refusals},
};

/// Confirms the first waiting bookings of the slot that fit its free places, in the order
/// they were made, tells their families (when `notifies`) and recounts the slot. Call with
/// the slot locked. Nothing moves on a cancelled or started slot.
pub(super) async fn promote(
    txn: &DatabaseTransaction,
    notifies: bool,
    resource: &childcare_resource::Model,
    slot_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Vec<childcare_booking::Model>> {
    let slot = childcare_slot::Entity::find_by_id(slot_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if slot.cancelled_at.is_some() || slot.starts_at <= now {
        return Ok(Vec::new());
    }
    let mut free = slot.capacity - held(txn, slot.id).await?;
    if free <= 0 {
        return Ok(Vec::new());
    }
    use childcare_booking::Column;
    let waiting = childcare_booking::Entity::find()
        .filter(Column::SlotId.eq(slot.id))
        .filter(Column::Status.eq(BookingStatus::Waitlisted))
        .filter(Column::Children.lte(free))
        .order_by_asc(Column::Id)
        .all(txn)
        .await?;
    let rules = childcare_booking_rule::Entity::find_by_id(resource.id)
        .one(txn)
        .await?;
    let deadline_hours = rules
        .as_ref()
        .map_or(0, |rules| rules.cancel_deadline_hours);
    let mut promoted = Vec::new();
    for booking in waiting {
        if booking.children > free {
            continue;
        }
        if let Some(rules) = &rules
            && !still_allowed(txn, rules, &slot, &booking, now).await?
        {
            continue;
        }
        free -= booking.children;
        let mut model = booking.into_active_model();
        model.status = Set(BookingStatus::Booked);
        model.updated_at = Set(now);
        let booking = model.update(txn).await?;
        if notifies {
            notices::promoted(txn, resource, &booking, deadline_hours).await?;
        }
        promoted.push(booking);
        if free <= 0 {
            break;
        }
    }
    if !promoted.is_empty() {
        recount(txn, slot.id).await?;
    }
    Ok(promoted)
}

/// Whether the waiting booking may be confirmed under the booking rules as they stand now:
/// its children's ages on the day (a birth date may have been corrected), the guardian's
/// no-show restriction and the children's monthly hours (other days booked meanwhile).
/// A booking that may not is passed over and keeps waiting, so nothing is lost when the
/// family frees hours or the restriction ends.
async fn still_allowed(
    txn: &DatabaseTransaction,
    rules: &childcare_booking_rule::Model,
    slot: &childcare_slot::Model,
    booking: &childcare_booking::Model,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let child_ids: Vec<Uuid> = childcare_booking_child::Entity::find()
        .select_only()
        .column(childcare_booking_child::Column::ChildId)
        .filter(childcare_booking_child::Column::BookingId.eq(booking.id))
        .into_tuple()
        .all(txn)
        .await?;
    let children: Vec<ChildToBook> = childcare_child::Entity::find()
        .filter(childcare_child::Column::Id.is_in(child_ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|child| ChildToBook {
            name: child.name.clone(),
            name_kana: child.name_kana.clone(),
            birth_date: child.birth_date,
            existing: Some(child),
        })
        .collect();
    let request = Request {
        guardian_id: booking.guardian_user_id,
        slots: std::slice::from_ref(slot),
        requested_order: &[slot.id],
        children: &children,
        join_waitlist: false,
        promoting: Some(booking.id),
    };
    let verdict = booking_refusals(txn, rules, &request, now).await?;
    if !verdict.refusals.is_empty() {
        tracing::info!(
            booking = %booking.id,
            rules = ?verdict.refusals.iter().map(|e| e.code).collect::<Vec<_>>(),
            "a waiting booking was passed over: it breaks a booking rule now"
        );
    }
    Ok(verdict.refusals.is_empty())
}

/// Where a waiting booking stands on its slot's waitlist: 1 for the next in line; `None`
/// when it is not waiting.
pub async fn waitlist_position(
    db: &impl ConnectionTrait,
    booking: &childcare_booking::Model,
) -> AppResult<Option<u64>> {
    if booking.status != BookingStatus::Waitlisted {
        return Ok(None);
    }
    use childcare_booking::Column;
    let ahead = childcare_booking::Entity::find()
        .filter(Column::SlotId.eq(booking.slot_id))
        .filter(Column::Status.eq(BookingStatus::Waitlisted))
        .filter(Column::Id.lt(booking.id))
        .count(db)
        .await?;
    Ok(Some(ahead + 1))
}

/// Takes the guardian's waiting booking off its slot's waitlist (the guardian only).
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn leave_waitlist(
    db: &sea_orm::DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Outcome<childcare_booking::Model>> {
    let me = viewer.require_user()?.clone();
    let txn = db::begin_write(db).await?;
    let booking = childcare_booking::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|booking| booking.guardian_user_id == me.id)
        .ok_or(AppError::NotFound)?;
    // Promotions run under the slot lock: take it before reading the status again.
    childcare_slot::Entity::find_by_id(booking.slot_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let booking = childcare_booking::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if booking.status != BookingStatus::Waitlisted {
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "この予約はキャンセル待ちではありません（予約が確定していれば予約の取消をご利用ください）。",
        )]));
    }
    let now = now();
    let mut model = booking.into_active_model();
    model.status = Set(BookingStatus::Cancelled);
    model.cancelled_at = Set(Some(now));
    model.updated_at = Set(now);
    let left = model.update(&txn).await?;
    txn.commit().await?;
    Ok(Ok(left))
}

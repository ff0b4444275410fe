//! Cancelling a slot (中止): the slot is kept, marked cancelled with its reason; every
//! booking on it, booked or waiting, is cancelled with that reason and its family told.

use entity::{
    childcare_booking::{self, BookingStatus},
    childcare_slot,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    auth::Viewer,
    domains::childcare::notices,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    idempotency::{self, KeyScope},
    state::ServiceContext,
    text,
};

use super::{capacity::recount, slots::find_resource_for_edit};

/// Longest cancellation reason.
const MAX_REASON: usize = 500;

/// Cancels a slot that has not started (editors of its resource) with a reason told to
/// every family booked or waiting on it; their bookings are cancelled with the reason.
/// Retrying with the same idempotency key answers the first result.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn cancel_slot(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
    idempotency_key: Option<&str>,
) -> AppResult<Outcome<childcare_slot::Model>> {
    let me = viewer.require_user()?.clone();
    let slot = childcare_slot::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let resource = find_resource_for_edit(ctx.db, viewer, slot.resource_id).await?;
    let mut problems = Problems::new();
    let Some(reason) = problems.check(text::required("reason", reason, MAX_REASON)) else {
        return Ok(Err(problems.into_vec()));
    };
    #[derive(Serialize)]
    struct Fingerprint<'a> {
        slot: Uuid,
        reason: &'a str,
    }
    let fingerprint = Fingerprint {
        slot: id,
        reason: &reason,
    };
    let cancelled = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "cancelChildcareSlot"),
        idempotency_key,
        &fingerprint,
        async |txn| {
            let now = ctx.now();
            let slot = childcare_slot::Entity::find_by_id(id)
                .lock_exclusive()
                .one(txn)
                .await?
                .ok_or(AppError::NotFound)?;
            if slot.cancelled_at.is_some() {
                return Ok(Err(vec![FieldError::input(
                    "id",
                    FieldErrorCode::InvalidState,
                    "この枠はすでに中止されています。",
                )]));
            }
            if slot.starts_at <= now {
                return Ok(Err(vec![FieldError::input(
                    "id",
                    FieldErrorCode::InvalidState,
                    "開始時刻を過ぎた枠は中止できません。",
                )]));
            }
            let mut model = slot.into_active_model();
            model.cancelled_at = Set(Some(now));
            model.cancel_reason = Set(Some(reason.clone()));
            let slot = model.update(txn).await?;
            let concerned = childcare_booking::Entity::find()
                .filter(childcare_booking::Column::SlotId.eq(slot.id))
                .filter(
                    childcare_booking::Column::Status
                        .is_in([BookingStatus::Booked, BookingStatus::Waitlisted]),
                )
                .order_by_asc(childcare_booking::Column::Id)
                .all(txn)
                .await?;
            for booking in concerned {
                let was_waiting = booking.status == BookingStatus::Waitlisted;
                let mut model = booking.into_active_model();
                model.status = Set(BookingStatus::Cancelled);
                model.cancelled_at = Set(Some(now));
                model.cancel_reason = Set(Some(reason.clone()));
                model.updated_at = Set(now);
                let booking = model.update(txn).await?;
                if ctx.notifies() {
                    notices::slot_cancelled(txn, &resource, &slot, &booking, was_waiting).await?;
                }
            }
            recount(txn, slot.id).await?;
            Ok(Ok(slot.id))
        },
    )
    .await?;
    match cancelled {
        Ok(id) => Ok(Ok(childcare_slot::Entity::find_by_id(id)
            .one(ctx.db)
            .await?
            .ok_or(AppError::NotFound)?)),
        Err(errors) => Ok(Err(errors)),
    }
}

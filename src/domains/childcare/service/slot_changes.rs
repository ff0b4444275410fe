//! Changing a slot: its capacity, its time on its date and its note. A capacity never drops
//! below the children held; places added go to the waitlist; families booked or waiting
//! are told of a new time.

use entity::{
    childcare_booking::{self, BookingStatus},
    childcare_slot,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    db,
    domains::childcare::{hours, notices},
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    fiscal,
    state::ServiceContext,
    text::optional_line,
};

use super::{
    capacity::{held, recount, slot_minutes},
    slots::{MAX_CAPACITY, find_resource_for_edit, tokyo_instant},
    waitlist::promote,
};

/// Longest note of a slot.
const MAX_SLOT_NOTE: usize = 500;

/// Changes to a slot; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct SlotChanges {
    /// Children it takes.
    pub capacity: Option<i32>,
    /// Start `HH:MM` on its date.
    pub starts: Option<String>,
    /// End `HH:MM` on its date.
    pub ends: Option<String>,
    /// The note for families: `Some(None)` clears it.
    pub note: Option<Option<String>>,
}

/// Minutes after midnight (Japan) of an instant on `date`.
fn minute_of(date: chrono::NaiveDate, at: chrono::DateTime<chrono::Utc>) -> i32 {
    i32::try_from((at - fiscal::midnight(date)).num_minutes()).unwrap_or(0)
}

/// Changes a slot that has not started and is not cancelled (editors of its resource, as
/// for creating slots). A new time moves its bookings and is told to their families.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update_slot(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    changes: SlotChanges,
) -> AppResult<Outcome<childcare_slot::Model>> {
    let slot = childcare_slot::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let resource = find_resource_for_edit(ctx.db, viewer, slot.resource_id).await?;
    let mut problems = Problems::new();
    let starts = changes
        .starts
        .as_deref()
        .map(|value| problems.check(hours::parse_minute("startTime", value)));
    let ends = changes
        .ends
        .as_deref()
        .map(|value| problems.check(hours::parse_minute("endTime", value)));
    let note = match &changes.note {
        Some(note) => problems.check(optional_line("note", note.as_deref(), MAX_SLOT_NOTE)),
        None => Some(slot.note.clone()),
    };
    if let Some(capacity) = changes.capacity
        && !(1..=MAX_CAPACITY).contains(&capacity)
    {
        problems.push(FieldError::input(
            "capacity",
            FieldErrorCode::Invalid,
            format!("定員は1〜{MAX_CAPACITY}人で入力してください。"),
        ));
    }
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let now = ctx.now();
    let txn = db::begin_write(ctx.db).await?;
    let before = childcare_slot::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if before.cancelled_at.is_some() || before.starts_at <= now {
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "中止した枠や開始時刻を過ぎた枠は変更できません。",
        )]));
    }
    let starts = starts
        .flatten()
        .unwrap_or_else(|| minute_of(before.date, before.starts_at));
    let ends = ends
        .flatten()
        .unwrap_or_else(|| minute_of(before.date, before.ends_at));
    if starts >= ends {
        problems.push(FieldError::input(
            "endTime",
            FieldErrorCode::Invalid,
            "終了時刻は開始時刻より後にしてください。",
        ));
    }
    let starts_at = tokyo_instant(before.date, starts);
    let ends_at = tokyo_instant(before.date, ends);
    if starts_at != before.starts_at && starts_at <= now {
        problems.push(FieldError::input(
            "startTime",
            FieldErrorCode::Invalid,
            "開始時刻は現在より後にしてください。",
        ));
    }
    let capacity = changes.capacity.unwrap_or(before.capacity);
    let held = held(&txn, before.id).await?;
    if capacity < held {
        problems.push(FieldError::input(
            "capacity",
            FieldErrorCode::Invalid,
            format!("予約済みのお子さま{held}人を下回る定員にはできません。"),
        ));
    }
    if starts_at != before.starts_at {
        let taken = childcare_slot::Entity::find()
            .filter(childcare_slot::Column::ResourceId.eq(before.resource_id))
            .filter(childcare_slot::Column::StartsAt.eq(starts_at))
            .filter(childcare_slot::Column::Id.ne(before.id))
            .filter(childcare_slot::Column::CancelledAt.is_null())
            .one(&txn)
            .await?;
        if taken.is_some() {
            problems.push(FieldError::input(
                "startTime",
                FieldErrorCode::Taken,
                format!("{}の同じ時刻の枠はすでにあります。", before.date),
            ));
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let mut model = before.clone().into_active_model();
    model.capacity = Set(capacity);
    model.starts_at = Set(starts_at);
    model.ends_at = Set(ends_at);
    model.note = Set(note.flatten());
    let after = model.update(&txn).await?;
    let moved = after.starts_at != before.starts_at || after.ends_at != before.ends_at;
    if moved {
        let concerned = childcare_booking::Entity::find()
            .filter(childcare_booking::Column::SlotId.eq(after.id))
            .filter(
                childcare_booking::Column::Status
                    .is_in([BookingStatus::Booked, BookingStatus::Waitlisted]),
            )
            .order_by_asc(childcare_booking::Column::Id)
            .all(&txn)
            .await?;
        for booking in concerned {
            let mut model = booking.into_active_model();
            model.starts_at = Set(after.starts_at);
            model.minutes = Set(slot_minutes(&after));
            model.updated_at = Set(now);
            let booking = model.update(&txn).await?;
            if ctx.notifies() {
                notices::slot_changed(&txn, &resource, &before, &after, &booking).await?;
            }
        }
    }
    promote(&txn, ctx.notifies(), &resource, after.id, now).await?;
    recount(&txn, after.id).await?;
    let after = childcare_slot::Entity::find_by_id(after.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(Ok(after))
}

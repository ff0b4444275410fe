//! Moving registrations between statuses, with their history and events.

use chrono::{DateTime, Utc};
use entity::{
    registration::{self, CancelReason, RegistrationStatus},
    registration_status_change,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, DatabaseTransaction, IntoActiveModel,
};
use uuid::Uuid;

use crate::{
    domains::programs::states::{self},
    error::{AppError, AppResult},
    events::Event,
};

/// Moves a registration to `to` and records it in its history. Callers check the move
/// first, so a refused move here is a bug, not a user error.
pub(super) async fn move_registration(
    txn: &DatabaseTransaction,
    actor: Option<Uuid>,
    registration: registration::Model,
    to: RegistrationStatus,
    cancel_reason: Option<CancelReason>,
    note: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<registration::Model> {
    let from = registration.status;
    if !states::registration_can_transition(from, to) {
        return Err(AppError::internal(anyhow::anyhow!(
            "registration {} cannot move from {from:?} to {to:?}",
            registration.id
        )));
    }
    let mut model = registration.into_active_model();
    model.status = Set(to);
    match to {
        RegistrationStatus::Cancelled => {
            model.cancelled_at = Set(Some(now));
            model.cancel_reason = Set(cancel_reason);
            model.offer_expires_at = Set(None);
        }
        RegistrationStatus::Confirmed => model.offer_expires_at = Set(None),
        RegistrationStatus::Attended => model.checked_in_at = Set(Some(now)),
        _ => {}
    }
    model.updated_at = Set(now);
    let moved = model.update(txn).await?;
    let reason = note.or_else(|| cancel_reason.map(|reason| reason.to_value()));
    record_change(txn, actor, &moved, Some(from), reason, now).await?;
    Ok(moved)
}

/// Writes the entry of `registration`'s history for its move from `from`.
pub(super) async fn record_change(
    txn: &DatabaseTransaction,
    actor: Option<Uuid>,
    registration: &registration::Model,
    from: Option<RegistrationStatus>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    change(actor, registration, from, reason, now)
        .insert(txn)
        .await?;
    Ok(())
}

/// The entry of `registration`'s history recording its move from `from` (none: it was
/// made) to its status now, to insert.
pub(super) fn change(
    actor: Option<Uuid>,
    registration: &registration::Model,
    from: Option<RegistrationStatus>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> registration_status_change::ActiveModel {
    registration_status_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(registration.municipality_id),
        registration_id: Set(registration.id),
        from_status: Set(from.map(|status| status.to_value())),
        to_status: Set(registration.status.to_value()),
        actor_user_id: Set(actor),
        reason: Set(reason),
        created_at: Set(now),
    }
}

/// The event announcing that `registration` moved (`name`) at `at`.
pub(super) fn event(registration: &registration::Model, name: &str, at: DateTime<Utc>) -> Event {
    Event {
        municipality_id: Some(registration.municipality_id),
        topic: format!("programs.registration.{name}"),
        subject_id: registration.id,
        user_id: registration.user_id,
        occurred_at: at,
    }
}

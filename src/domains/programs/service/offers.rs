//! Waitlist offers: answering them and passing on expired ones.

use entity::{
    program_session::{self},
    registration::{self, CancelReason, RegistrationStatus},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    db,
    domains::programs::{notices, states},
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome},
    state::ServiceContext,
};

use super::{
    RegistrationRef,
    capacity::settle,
    lookup::{locate, program_of},
    moves::{event, move_registration},
    registering::limit_token_use,
    visibility::is_registrant,
};

/// Accepts (`accept`) or declines a waitlist offer, as its registrant. Declining or letting
/// it expire passes the place on.
#[tracing::instrument(skip_all, fields(accept))]
pub async fn respond_to_offer(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    reference: RegistrationRef,
    accept: bool,
) -> AppResult<Outcome<registration::Model>> {
    limit_token_use(ctx, viewer, &reference).await?;
    let now = ctx.now();
    let txn = db::begin_write(ctx.db).await?;
    let (registration, session, _) = locate(&txn, viewer, &reference).await?;
    if !matches!(reference, RegistrationRef::Token(_)) && !is_registrant(viewer, &registration) {
        return Err(AppError::Forbidden);
    }
    let was_offered = registration.status == RegistrationStatus::Offered;
    let mut events = settle(&txn, &session, ctx, now).await?;
    let registration = registration::Entity::find_by_id(registration.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if registration.status != RegistrationStatus::Offered {
        txn.commit().await?;
        ctx.announce(events).await;
        // Expired now (settled above) or earlier (by the offer sweep): the same answer.
        let expired = was_offered || registration.cancel_reason == Some(CancelReason::OfferExpired);
        let error = if expired {
            FieldError::input(
                "id",
                FieldErrorCode::DeadlinePassed,
                "繰り上げのご案内の有効期限が切れました。",
            )
        } else {
            FieldError::input(
                "id",
                FieldErrorCode::InvalidState,
                format!(
                    "この申込みは現在「{}」のため、繰り上げのご案内はありません。",
                    states::registration_label(registration.status)
                ),
            )
        };
        return Ok(Err(vec![error]));
    }
    let actor = viewer.user.as_ref().map(|me| me.id);
    let moved = if accept {
        let moved = move_registration(
            &txn,
            actor,
            registration,
            RegistrationStatus::Confirmed,
            None,
            None,
            now,
        )
        .await?;
        events.push(event(&moved, "confirmed", ctx.now()));
        moved
    } else {
        let deadline = registration.offer_expires_at;
        let moved = move_registration(
            &txn,
            actor,
            registration,
            RegistrationStatus::Cancelled,
            Some(CancelReason::OfferDeclined),
            None,
            now,
        )
        .await?;
        if let (true, Some(deadline)) = (ctx.notifies(), deadline) {
            notices::offer_passed_on(
                &txn,
                &program_of(&txn, &session).await?,
                &session,
                &moved,
                deadline,
                notices::PassedOn::Declined,
            )
            .await?;
        }
        events.push(event(&moved, "cancelled", ctx.now()));
        events.extend(settle(&txn, &session, ctx, now).await?);
        moved
    };
    txn.commit().await?;
    ctx.announce(events).await;
    Ok(Ok(moved))
}

/// Passes on every expired offer of every session (the periodic task). Returns how many
/// sessions were settled.
#[tracing::instrument(skip_all)]
pub async fn expire_due_offers(ctx: ServiceContext<'_>) -> AppResult<usize> {
    let sessions: Vec<Uuid> = registration::Entity::find()
        .select_only()
        .column(registration::Column::SessionId)
        .filter(registration::Column::Status.eq(RegistrationStatus::Offered))
        .filter(registration::Column::OfferExpiresAt.lte(ctx.now()))
        .distinct()
        .into_tuple()
        .all(ctx.db)
        .await?;
    for session in &sessions {
        settle_if_due(ctx, *session).await?;
    }
    Ok(sessions.len())
}

/// Settles a session whose offers expired, if any did.
pub(super) async fn settle_if_due(ctx: ServiceContext<'_>, session_id: Uuid) -> AppResult<()> {
    let now = ctx.now();
    let due = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Offered))
        .filter(registration::Column::OfferExpiresAt.lte(now))
        .count(ctx.db)
        .await?;
    if due == 0 {
        return Ok(());
    }
    let txn = db::begin_write(ctx.db).await?;
    let Some(session) = program_session::Entity::find_by_id(session_id)
        .lock_exclusive()
        .one(&txn)
        .await?
    else {
        return Ok(());
    };
    let events = settle(&txn, &session, ctx, now).await?;
    txn.commit().await?;
    ctx.announce(events).await;
    Ok(())
}

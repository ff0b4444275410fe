//! Cancelling a registration.

use entity::registration::{self, CancelReason, RegistrationStatus};
use sea_orm::EntityTrait;

use crate::{
    auth::Viewer,
    db,
    domains::programs::states::{self},
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome},
    state::ServiceContext,
};

use super::{
    RegistrationRef,
    capacity::settle,
    lookup::locate,
    moves::{event, move_registration},
    registering::limit_token_use,
};

/// Cancels a registration: by its registrant (a confirmed place only until the
/// cancellation deadline) or by the program's managers. A freed place is offered to the
/// waitlist.
#[tracing::instrument(skip_all)]
pub async fn cancel_registration(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    reference: RegistrationRef,
) -> AppResult<Outcome<registration::Model>> {
    limit_token_use(ctx, viewer, &reference).await?;
    let now = ctx.now();
    let txn = db::begin_write(ctx.db).await?;
    let (registration, session, by_staff) = locate(&txn, viewer, &reference).await?;
    let mut events = settle(&txn, &session, ctx, now).await?;
    let registration = registration::Entity::find_by_id(registration.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Err(error) =
        states::check_registration("id", registration.status, RegistrationStatus::Cancelled)
    {
        txn.commit().await?;
        ctx.announce(events).await;
        return Ok(Err(vec![error]));
    }
    if !by_staff
        && registration.status == RegistrationStatus::Confirmed
        && now >= session.cancellation_deadline
    {
        txn.commit().await?;
        ctx.announce(events).await;
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::DeadlinePassed,
            "キャンセル期限を過ぎています。主催者に直接ご連絡ください。",
        )]));
    }
    let reason = if by_staff {
        CancelReason::Staff
    } else {
        CancelReason::Registrant
    };
    let actor = viewer.user.as_ref().map(|me| me.id);
    let moved = move_registration(
        &txn,
        actor,
        registration,
        RegistrationStatus::Cancelled,
        Some(reason),
        None,
        now,
    )
    .await?;
    events.push(event(&moved, "cancelled", ctx.now()));
    events.extend(settle(&txn, &session, ctx, now).await?);
    txn.commit().await?;
    ctx.announce(events).await;
    Ok(Ok(moved))
}

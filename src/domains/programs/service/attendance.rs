//! Check-in and no-shows.

use chrono::Duration;
use entity::{
    program_session::{self},
    registration::{self, RegistrationStatus},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    db,
    domains::programs::states::{self},
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome},
    state::ServiceContext,
    text::{self},
};

use super::{
    lookup::{lock_session, program_of},
    moves::{event, move_registration},
    qr::verify_payload,
    visibility::manages,
};

/// Hours before the start from which staff may check people in.
pub(super) const CHECK_IN_OPENS_HOURS: i64 = 2;

/// How staff name the registration to check in.
#[derive(Debug, Clone)]
pub enum CheckInRef {
    /// By id.
    Id(Uuid),
    /// By the signed payload of the registration's QR code.
    Qr(String),
    /// By the short code on the registrant's confirmation.
    Code {
        /// The session.
        session_id: Uuid,
        /// The code.
        code: String,
    },
}

/// Checks a confirmed registration in (the program's managers), from two hours before the
/// start.
#[tracing::instrument(skip_all)]
pub async fn check_in(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    reference: CheckInRef,
) -> AppResult<Outcome<registration::Model>> {
    let me = viewer.require_user()?.clone();
    let now = ctx.now();
    // A forged or altered QR payload is refused before anything is read.
    let reference = match reference {
        CheckInRef::Qr(payload) => match verify_payload(ctx.limits, &payload) {
            Some((id, _)) => CheckInRef::Id(id),
            None => {
                return Ok(Err(vec![FieldError::input(
                    "qrPayload",
                    FieldErrorCode::Invalid,
                    "QRコードを読み取れませんでした（正しい受付用QRコードではありません）。",
                )]));
            }
        },
        reference => reference,
    };
    let txn = db::begin_write(ctx.db).await?;
    let registration = match &reference {
        CheckInRef::Id(id) => registration::Entity::find_by_id(*id).one(&txn).await?,
        // Already read into an id above.
        CheckInRef::Qr(_) => None,
        CheckInRef::Code { session_id, code } => {
            registration::Entity::find()
                .filter(registration::Column::SessionId.eq(*session_id))
                .filter(registration::Column::CheckInCode.eq(text::normalize(code).to_uppercase()))
                .one(&txn)
                .await?
        }
    };
    let Some(registration) = registration else {
        if let CheckInRef::Code { session_id, .. } = &reference {
            // The session must be one the viewer manages before saying the code is unknown.
            let session = lock_session(&txn, *session_id).await?;
            let program = program_of(&txn, &session).await?;
            if !manages(&me, &program) {
                return Err(AppError::NotFound);
            }
            return Ok(Err(vec![FieldError::input(
                "code",
                FieldErrorCode::NotFound,
                "この受付番号の申込みはありません。",
            )]));
        }
        return Err(AppError::NotFound);
    };
    let session = lock_session(&txn, registration.session_id).await?;
    let program = program_of(&txn, &session).await?;
    if !manages(&me, &program) {
        return Err(AppError::NotFound);
    }
    if now < session.starts_at - Duration::hours(CHECK_IN_OPENS_HOURS) {
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "受付は開始の2時間前からです。",
        )]));
    }
    if registration.status == RegistrationStatus::Attended {
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "すでに受付済みです。",
        )]));
    }
    if let Err(error) =
        states::check_registration("id", registration.status, RegistrationStatus::Attended)
    {
        return Ok(Err(vec![error]));
    }
    let moved = move_registration(
        &txn,
        Some(me.id),
        registration,
        RegistrationStatus::Attended,
        None,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    ctx.announce(vec![event(&moved, "checked_in", ctx.now())])
        .await;
    Ok(Ok(moved))
}

/// Marks every confirmed registration not checked in as a no-show, once the session has
/// ended (the program's managers). Returns the session.
#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn mark_no_shows(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    session_id: Uuid,
) -> AppResult<Outcome<(program_session::Model, u64)>> {
    let me = viewer.require_user()?.clone();
    let now = ctx.now();
    let txn = db::begin_write(ctx.db).await?;
    let session = lock_session(&txn, session_id).await?;
    let program = program_of(&txn, &session).await?;
    if !manages(&me, &program) {
        return Err(AppError::NotFound);
    }
    if now < session.ends_at {
        return Ok(Err(vec![FieldError::input(
            "sessionId",
            FieldErrorCode::InvalidState,
            "欠席の記録は回の終了後にできます。",
        )]));
    }
    let confirmed = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session.id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .all(&txn)
        .await?;
    let marked = confirmed.len() as u64;
    for registration in confirmed {
        move_registration(
            &txn,
            Some(me.id),
            registration,
            RegistrationStatus::NoShow,
            None,
            None,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Ok((session, marked)))
}

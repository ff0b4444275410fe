//! Messages of the organizer's staff to the registrants of a session (a changed room, what
//! to bring), sent through the notifications outbox.

use entity::registration::{self, RegistrationStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    db,
    domains::programs::notices,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    state::ServiceContext,
    text::{self, long_text},
};

use super::{
    MAX_TEXT, MAX_TITLE,
    lookup::{lock_session, program_of},
    visibility::manages,
};

/// Longest idempotency key of a message.
const MAX_KEY: usize = 100;

/// A message to the registrants of a session.
#[derive(Debug, Clone)]
pub struct SessionMessage {
    /// The session.
    pub session_id: Uuid,
    /// Subject line.
    pub subject: String,
    /// Body (plain text).
    pub body: String,
    /// Also to waitlisted parties (and those with a place on offer).
    pub include_waitlisted: bool,
    /// The same key never sends the message to a registrant twice.
    pub idempotency_key: String,
}

/// What a message reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageSent {
    /// Registrations addressed (those with an account or an email address).
    pub recipients: u64,
    /// Messages written now: fewer than `recipients` when this key was used before.
    pub queued: u64,
}

/// Sends `message` to every confirmed (and attended) registrant of a session, and to
/// waitlisted and offered ones if asked: one notification per registrant, written in one
/// transaction, deduplicated per registrant by the idempotency key. The program's managers
/// only; anyone else gets `NOT_FOUND`.
#[tracing::instrument(skip_all, fields(session_id = %message.session_id))]
pub async fn message_registrants(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    message: SessionMessage,
) -> AppResult<Outcome<MessageSent>> {
    let me = viewer.require_user()?.clone();
    let txn = db::begin_write(ctx.db).await?;
    let session = lock_session(&txn, message.session_id).await?;
    let program = program_of(&txn, &session).await?;
    if !manages(&me, &program) {
        return Err(AppError::NotFound);
    }
    let mut problems = Problems::new();
    let subject = problems.check(text::required("subject", &message.subject, MAX_TITLE));
    let body = problems.check(long_text("body", &message.body, MAX_TEXT));
    let key = message.idempotency_key.trim().to_owned();
    if key.is_empty() || key.chars().count() > MAX_KEY {
        problems.push(FieldError::input(
            "idempotencyKey",
            FieldErrorCode::Invalid,
            format!("送信キーを1〜{MAX_KEY}文字で指定してください。"),
        ));
    }
    let (Some(subject), Some(body), true) = (subject, body, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    if body.trim().is_empty() {
        return Ok(Err(vec![FieldError::input(
            "body",
            FieldErrorCode::Required,
            "本文を入力してください。",
        )]));
    }
    let mut statuses = vec![RegistrationStatus::Confirmed, RegistrationStatus::Attended];
    if message.include_waitlisted {
        statuses.extend([RegistrationStatus::Waitlisted, RegistrationStatus::Offered]);
    }
    let registrations = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session.id))
        .filter(registration::Column::Status.is_in(statuses))
        .order_by_asc(registration::Column::Id)
        .all(&txn)
        .await?;
    let mut sent = MessageSent {
        recipients: 0,
        queued: 0,
    };
    for registration in &registrations {
        if registration.user_id.is_none() && registration.guest_email.is_none() {
            continue;
        }
        sent.recipients += 1;
        if notices::organizer_message(
            &txn,
            &program,
            &session,
            registration,
            (&key, &subject, &body),
        )
        .await?
        {
            sent.queued += 1;
        }
    }
    txn.commit().await?;
    Ok(Ok(sent))
}

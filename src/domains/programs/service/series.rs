//! Registering a party for every upcoming session of a program in one call: a weekly class
//! booked for the whole term.
//!
//! Each session is registered in its own write transaction, exactly as `register` does it
//! (the session locked, capacity recounted), so every session's capacity holds on its own:
//! the party is confirmed where it fits, waitlisted where it does not, and refused (with
//! the reasons) where a rule says no. When the database fails part-way, the sessions
//! already done stay registered and the error is returned; calling again with the same
//! idempotency key registers the rest and answers the done ones as they were.

use std::sync::Mutex;

use entity::{
    program_session::{self, SessionStatus},
    registration,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    domains::programs::registration::ChildInput,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome},
    events::Event,
    idempotency::{self, KeyScope},
    state::ServiceContext,
};

use super::{
    NewRegistration,
    reads::find_program,
    registering::{Applicant, check_party, limit_public, register_in},
};

/// A party registering for every upcoming session of a program.
#[derive(Debug, Clone)]
pub struct SeriesRegistration {
    /// The program.
    pub program_id: Uuid,
    /// Adults.
    pub adults: i32,
    /// Children.
    pub children: Vec<ChildInput>,
    /// Idempotency key: each session is keyed by it and the session.
    pub idempotency_key: Option<String>,
}

/// What became of one session of the series.
#[derive(Debug, Clone)]
pub struct SeriesResult {
    /// The session.
    pub session: program_session::Model,
    /// The registration (confirmed or waitlisted), or the reasons it was refused.
    pub outcome: Outcome<registration::Model>,
}

#[derive(Serialize, Deserialize)]
struct SeriesId(Uuid);

/// Registers the signed-in viewer's party for every session of `program_id` that is
/// scheduled and has not started, earliest first, one transaction per session. Refused as
/// a whole (user errors) only when the party itself is invalid or no session is left.
#[tracing::instrument(skip_all, fields(program_id = %input.program_id))]
pub async fn register_for_series(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: SeriesRegistration,
) -> AppResult<Outcome<Vec<SeriesResult>>> {
    let me = viewer.require_user()?.clone();
    limit_public(ctx, viewer, "registerForSeries").await?;
    let program = find_program(ctx, viewer, input.program_id).await?;
    let now = ctx.now();
    let sessions = program_session::Entity::find()
        .filter(program_session::Column::ProgramId.eq(program.id))
        .filter(program_session::Column::Status.eq(SessionStatus::Scheduled))
        .filter(program_session::Column::StartsAt.gt(now))
        .order_by_asc(program_session::Column::StartsAt)
        .order_by_asc(program_session::Column::Id)
        .all(ctx.db)
        .await?;
    let Some(first) = sessions.first() else {
        return Ok(Err(vec![FieldError::input(
            "programId",
            FieldErrorCode::InvalidState,
            "このプログラムには申し込める回がありません。",
        )]));
    };
    let party = |session: &program_session::Model| NewRegistration {
        session_id: session.id,
        adults: input.adults,
        children: input.children.clone(),
        guest: None,
        idempotency_key: None,
    };
    // The party is checked once against the first session: the same mistakes would be
    // repeated for every session.
    if let Err(errors) = check_party(Some(&me), &party(first), first, now) {
        return Ok(Err(errors));
    }
    let mut results = Vec::with_capacity(sessions.len());
    let mut announced: Vec<Event> = Vec::new();
    for session in sessions {
        let children = match check_party(Some(&me), &party(&session), &session, now) {
            Ok((_, children)) => children,
            Err(errors) => {
                results.push(SeriesResult {
                    session,
                    outcome: Err(errors),
                });
                continue;
            }
        };
        let applicant = Applicant {
            me: Some(&me),
            staff: None,
            guest: None,
            adults: input.adults,
            children: &children,
            token: None,
            at_the_door: false,
        };
        #[derive(Serialize)]
        struct Fingerprint {
            program: Uuid,
            session: Uuid,
            adults: i32,
            children: usize,
        }
        let fingerprint = Fingerprint {
            program: program.id,
            session: session.id,
            adults: input.adults,
            children: children.len(),
        };
        let key = input
            .idempotency_key
            .as_deref()
            .map(|key| format!("{key}:{}", session.id));
        let events = Mutex::new(Vec::new());
        let outcome = idempotency::run_once(
            ctx.db,
            &KeyScope::user(me.id, "registerForSeries"),
            key.as_deref(),
            &fingerprint,
            async |txn| match register_in(txn, ctx, session.id, &applicant).await? {
                Ok((registration, done)) => {
                    if let Ok(mut events) = events.lock() {
                        events.extend(done);
                    }
                    Ok(Ok(SeriesId(registration.id)))
                }
                Err(refusals) => Ok(Err(refusals)),
            },
        )
        .await?;
        announced.extend(events.into_inner().unwrap_or_default());
        let outcome = match outcome {
            Ok(SeriesId(id)) => Ok(registration::Entity::find_by_id(id)
                .one(ctx.db)
                .await?
                .ok_or(AppError::NotFound)?),
            Err(errors) => Err(errors),
        };
        results.push(SeriesResult { session, outcome });
    }
    ctx.announce(announced).await;
    Ok(Ok(results))
}

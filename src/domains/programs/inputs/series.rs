//! Registering a party for every upcoming session of a program at once.

use async_graphql::{Enum, ID, InputObject, SimpleObject};

use super::{RegistrationChildInput, converted};
use crate::domains::programs::{
    service,
    types::{ProgramSession, Registration},
};
use crate::graphql::ids::NodeKind;
use crate::{
    error::AppError,
    graphql::{ids, payload::UserError},
};

/// Register your party for every upcoming session of a program (a weekly class, say).
#[derive(Debug, InputObject)]
pub struct RegisterForSeriesInput {
    /// The program.
    pub program_id: ID,
    /// Adults in the party.
    #[graphql(default = 1)]
    pub adults: i32,
    /// Children in the party.
    #[graphql(default)]
    pub children: Vec<RegistrationChildInput>,
    /// Retrying with the same key registers the sessions not done yet and answers the done
    /// ones as they were.
    pub idempotency_key: Option<String>,
}

/// What became of one session of a series registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum SeriesSessionOutcome {
    /// The whole party has its places.
    Confirmed,
    /// The session is full: the party waits (see `registration.waitlistPosition`).
    Waitlisted,
    /// A rule refused it (see `reasons`): closed, already registered, not eligible, …
    Refused,
}

/// One session of a series registration.
#[derive(Debug, SimpleObject)]
pub struct SeriesSessionResult {
    /// The session.
    pub session: ProgramSession,
    /// What became of it.
    pub outcome: SeriesSessionOutcome,
    /// The registration, unless refused.
    pub registration: Option<Registration>,
    /// Why it was refused, each naming the rule; empty otherwise.
    pub reasons: Vec<UserError>,
}

impl From<service::SeriesResult> for SeriesSessionResult {
    fn from(result: service::SeriesResult) -> Self {
        let session = result.session.into();
        match result.outcome {
            Ok(registration) => Self {
                session,
                outcome: if registration.status
                    == entity::registration::RegistrationStatus::Waitlisted
                {
                    SeriesSessionOutcome::Waitlisted
                } else {
                    SeriesSessionOutcome::Confirmed
                },
                registration: Some(registration.into()),
                reasons: Vec::new(),
            },
            Err(errors) => Self {
                session,
                outcome: SeriesSessionOutcome::Refused,
                registration: None,
                reasons: errors.into_iter().map(Into::into).collect(),
            },
        }
    }
}

/// Result of `registerForSeries`.
#[derive(Debug, SimpleObject)]
pub struct RegisterForSeriesPayload {
    /// Each upcoming session, earliest first, with what became of it; empty when refused.
    pub sessions: Vec<SeriesSessionResult>,
    /// Why the whole series was refused (an invalid party, no session left).
    pub user_errors: Vec<UserError>,
}

impl TryFrom<RegisterForSeriesInput> for service::SeriesRegistration {
    type Error = AppError;

    fn try_from(input: RegisterForSeriesInput) -> Result<Self, AppError> {
        Ok(Self {
            program_id: ids::decode_as(&input.program_id, NodeKind::Program)?,
            adults: input.adults,
            children: converted(input.children),
            idempotency_key: input.idempotency_key,
        })
    }
}

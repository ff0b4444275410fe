//! A message of the organizer's staff to the registrants of a session.

use async_graphql::{ID, InputObject, SimpleObject};

use crate::domains::programs::service;
use crate::graphql::ids::NodeKind;
use crate::{
    error::AppError,
    graphql::{ids, payload::UserError},
};

/// A message of the organizer's staff to the registrants of a session.
#[derive(Debug, InputObject)]
pub struct MessageSessionRegistrantsInput {
    /// The session.
    pub session_id: ID,
    /// Subject line (at most 200 characters).
    pub subject: String,
    /// Body, plain text (at most 5000 characters).
    pub body: String,
    /// Also to waitlisted parties and those with a place on offer.
    #[graphql(default)]
    pub include_waitlisted: bool,
    /// Any text unique to this message (e.g. a UUID made when the form opens): sending
    /// again with the same key never reaches a registrant twice.
    pub idempotency_key: String,
}

/// Result of `messageSessionRegistrants`.
#[derive(Debug, SimpleObject)]
pub struct MessageSessionRegistrantsPayload {
    /// Registrants addressed (with an account or an email address).
    pub recipient_count: u64,
    /// Messages queued by this call: 0 when the key was used before.
    pub queued_count: u64,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

impl TryFrom<MessageSessionRegistrantsInput> for service::SessionMessage {
    type Error = AppError;

    fn try_from(input: MessageSessionRegistrantsInput) -> Result<Self, AppError> {
        Ok(Self {
            session_id: ids::decode_as(&input.session_id, NodeKind::ProgramSession)?,
            subject: input.subject,
            body: input.body,
            include_waitlisted: input.include_waitlisted,
            idempotency_key: input.idempotency_key,
        })
    }
}

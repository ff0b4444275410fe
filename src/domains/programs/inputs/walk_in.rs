//! Registering a walk-in guest party at the door (staff of the program).

use async_graphql::{ID, InputObject, SimpleObject};

use super::{RegistrationChildInput, converted};
use crate::domains::programs::{service, types::Registration};
use crate::graphql::ids::NodeKind;
use crate::{
    error::AppError,
    graphql::{ids, payload::UserError},
};

/// Register a walk-in guest party at the door (staff of the program).
#[derive(Debug, InputObject)]
pub struct RegisterWalkInInput {
    /// The session.
    pub session_id: ID,
    /// The guest's name.
    pub name: String,
    /// Kana reading (katakana or hiragana), if given.
    pub name_kana: Option<String>,
    /// Email address, if given: the guest then gets the usual messages.
    pub email: Option<String>,
    /// Phone number, if given.
    pub phone: Option<String>,
    /// Adults in the party.
    #[graphql(default = 1)]
    pub adults: i32,
    /// Children in the party.
    #[graphql(default)]
    pub children: Vec<RegistrationChildInput>,
    /// Check the party in at once if it gets its places (from two hours before the start).
    #[graphql(default)]
    pub check_in: bool,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// Result of `registerWalkIn`.
#[derive(Debug, SimpleObject)]
pub struct RegisterWalkInPayload {
    /// The registration (confirmed, attended or waitlisted), unless refused.
    pub registration: Option<Registration>,
    /// When the guest gave an email: the secret with which the guest views or cancels the
    /// registration. Shown only here; hand it to the guest.
    pub manage_token: Option<String>,
    /// Why it was refused, each naming the rule.
    pub user_errors: Vec<UserError>,
}

impl TryFrom<RegisterWalkInInput> for service::WalkIn {
    type Error = AppError;

    fn try_from(input: RegisterWalkInInput) -> Result<Self, AppError> {
        Ok(Self {
            session_id: ids::decode_as(&input.session_id, NodeKind::ProgramSession)?,
            name: input.name,
            kana: input.name_kana,
            email: input.email,
            phone: input.phone,
            adults: input.adults,
            children: converted(input.children),
            check_in: input.check_in,
            idempotency_key: input.idempotency_key,
        })
    }
}

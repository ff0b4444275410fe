//! `userErrors`: expected failures of a mutation, returned in its payload.

use async_graphql::{Enum, SimpleObject};

use crate::error::{FieldError, FieldErrorCode};

/// Why a mutation refused its input. Nothing was changed.
#[derive(Debug, Clone, SimpleObject)]
pub struct UserError {
    /// Path to the offending input field, e.g. `["input", "email"]`.
    pub field: Vec<String>,
    /// Machine-readable reason.
    pub code: UserErrorCode,
    /// Message to show the person filling the form (Japanese).
    pub message: String,
}

/// Machine-readable reasons of a [`UserError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum UserErrorCode {
    /// A required value is missing or blank.
    Required,
    /// The value has the wrong format.
    Invalid,
    /// The value is shorter than allowed.
    TooShort,
    /// The value is longer than allowed.
    TooLong,
    /// The value is already used by another record.
    Taken,
    /// The password is too easy to guess.
    WeakPassword,
    /// The email and password do not match an active account.
    InvalidCredentials,
    /// A referenced record does not exist or is not visible to you.
    NotFound,
    /// The value is not allowed for you or in the current state.
    NotAllowed,
    /// The idempotency key was already used with different input.
    IdempotencyKeyReused,
    /// The record is not in a state that allows this, e.g. approving a project that was
    /// not submitted or completing one that is not active. Nothing was changed.
    InvalidState,
    /// The party does not meet an eligibility rule of the program (child age, residency,
    /// party size, audience); the message names the rule.
    NotEligible,
    /// The registration window of the session is not open (not yet, or no longer).
    RegistrationClosed,
    /// A deadline has passed (the cancellation deadline, or a waitlist offer expired).
    DeadlinePassed,
    /// Booking for the date has not opened yet (it opens at 00:00 JST a set number of days
    /// before the date).
    BookingNotYetOpen,
    /// The booking would take a child over the monthly limit of hours.
    MonthlyLimitExceeded,
    /// A child's age on the date is outside the range accepted.
    AgeOutOfRange,
    /// Not enough places are left for everyone in the request.
    Full,
    /// New bookings are restricted for a while after repeated no-shows.
    BookingRestricted,
    /// A vaccination check blocks the dose (outside the funded window, too soon, a broken
    /// series…); the message names the check. A block cannot be overridden.
    VaccinationBlocked,
    /// A vaccination check warns about the dose, and the clinic gave no override with a
    /// reason for it.
    WarningNotOverridden,
    /// A fee claim has a line the fee schedule gives no price for.
    PriceMissing,
}

impl From<FieldErrorCode> for UserErrorCode {
    fn from(code: FieldErrorCode) -> Self {
        match code {
            FieldErrorCode::Required => Self::Required,
            FieldErrorCode::Invalid => Self::Invalid,
            FieldErrorCode::TooShort => Self::TooShort,
            FieldErrorCode::TooLong => Self::TooLong,
            FieldErrorCode::Taken => Self::Taken,
            FieldErrorCode::WeakPassword => Self::WeakPassword,
            FieldErrorCode::InvalidCredentials => Self::InvalidCredentials,
            FieldErrorCode::NotFound => Self::NotFound,
            FieldErrorCode::NotAllowed => Self::NotAllowed,
            FieldErrorCode::IdempotencyKeyReused => Self::IdempotencyKeyReused,
            FieldErrorCode::InvalidState => Self::InvalidState,
            FieldErrorCode::NotEligible => Self::NotEligible,
            FieldErrorCode::RegistrationClosed => Self::RegistrationClosed,
            FieldErrorCode::DeadlinePassed => Self::DeadlinePassed,
            FieldErrorCode::BookingNotYetOpen => Self::BookingNotYetOpen,
            FieldErrorCode::MonthlyLimitExceeded => Self::MonthlyLimitExceeded,
            FieldErrorCode::AgeOutOfRange => Self::AgeOutOfRange,
            FieldErrorCode::Full => Self::Full,
            FieldErrorCode::BookingRestricted => Self::BookingRestricted,
            FieldErrorCode::VaccinationBlocked => Self::VaccinationBlocked,
            FieldErrorCode::WarningNotOverridden => Self::WarningNotOverridden,
            FieldErrorCode::PriceMissing => Self::PriceMissing,
        }
    }
}

impl From<FieldError> for UserError {
    fn from(error: FieldError) -> Self {
        Self {
            field: error.field,
            code: error.code.into(),
            message: error.message,
        }
    }
}

/// Converts a service outcome into the payload's object and `userErrors`.
pub fn split<T, U: From<T>>(outcome: Result<T, Vec<FieldError>>) -> (Option<U>, Vec<UserError>) {
    match outcome {
        Ok(value) => (Some(U::from(value)), Vec::new()),
        Err(errors) => (None, errors.into_iter().map(UserError::from).collect()),
    }
}

/// The payload of a mutation that returns one object: the object, or the reasons the
/// input was refused. `mutation_payload!(/// docs NamePayload { field: Type, "doc" });`
#[macro_export]
macro_rules! mutation_payload {
    ($(#[$meta:meta])* $name:ident { $field:ident: $ty:ty, $doc:literal }) => {
        $(#[$meta])*
        #[derive(Debug, ::async_graphql::SimpleObject)]
        pub struct $name {
            #[doc = $doc]
            pub $field: Option<$ty>,
            /// Why the input was refused; nothing was changed then.
            pub user_errors: Vec<$crate::graphql::payload::UserError>,
        }
    };
}

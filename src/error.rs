//! The error contract of the API.
//!
//! Expected failures of a mutation are [`FieldError`]s returned in the payload's
//! `userErrors`. Everything else is an [`AppError`], which reaches the client as a GraphQL
//! error whose `extensions.code` is one of the strings below; internal causes are logged and
//! never shown.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};

/// A failure that ends a request with a top-level GraphQL error.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// `UNAUTHENTICATED`: no valid session, or the session expired or was revoked.
    #[error("authentication required")]
    Unauthenticated,
    /// `FORBIDDEN`: the viewer is signed in but may not do this.
    #[error("you are not allowed to do this")]
    Forbidden,
    /// `NOT_FOUND`: nothing the viewer may see has this id.
    #[error("not found")]
    NotFound,
    /// `BAD_USER_INPUT`: an argument is malformed (for example an id of the wrong type).
    #[error("{0}")]
    BadUserInput(String),
    /// `CONFLICT`: the change collides with the current state (for example a unique value).
    #[error("{0}")]
    Conflict(String),
    /// `RATE_LIMITED`: too many calls; `retryAfterSeconds` says when to try again.
    #[error("too many requests, retry in {retry_after_secs} seconds")]
    RateLimited {
        /// Seconds until the call is accepted again.
        retry_after_secs: u64,
    },
    /// `SERVICE_UNAVAILABLE`: the database cannot be reached; try again shortly.
    #[error("the service is unavailable (its database cannot be reached); try again shortly")]
    Unavailable,
    /// `INTERNAL`: the server failed; the cause is logged under the request id.
    #[error("internal server error")]
    Internal(#[source] anyhow::Error),
}

/// Result of a service call.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// The `extensions.code` string the client sees.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput(_) => "BAD_USER_INPUT",
            Self::Conflict(_) => "CONFLICT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Unavailable => "SERVICE_UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// Wraps any unexpected failure.
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::Conflict("a record with the same unique value already exists".into())
            }
            _ if matches!(error, DbErr::ConnectionAcquire(_) | DbErr::Conn(_)) => {
                tracing::warn!(%error, "database unreachable");
                Self::Unavailable
            }
            _ => Self::Internal(error.into()),
        }
    }
}

/// Whether `error` is a unique-constraint violation (a value already taken).
pub fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(error: sea_orm::TransactionError<AppError>) -> Self {
        match error {
            sea_orm::TransactionError::Connection(error) => error.into(),
            sea_orm::TransactionError::Transaction(error) => error,
        }
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        if let Self::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
        async_graphql::Error::new(self.to_string()).extend_with(|_, extensions| {
            extensions.set("code", self.code());
            if let Self::RateLimited { retry_after_secs } = self {
                extensions.set("retryAfterSeconds", *retry_after_secs);
            }
        })
    }
}

/// Machine-readable reason of a [`FieldError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldErrorCode {
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
    /// A referenced record does not exist or is not visible.
    NotFound,
    /// The value is not allowed for this viewer or in this state.
    NotAllowed,
    /// The idempotency key was already used with different input.
    IdempotencyKeyReused,
    /// The record is not in a state that allows this (for example approving a project that
    /// was not submitted).
    InvalidState,
    /// The party does not meet an eligibility rule of the program (child age, residency,
    /// party size, audience); the message names the rule.
    NotEligible,
    /// The registration window of the session is not open (not yet, or no longer).
    RegistrationClosed,
    /// A deadline has passed (cancellation deadline, offer expiry).
    DeadlinePassed,
    /// Booking for the date has not opened yet.
    BookingNotYetOpen,
    /// The booking would take a child over the monthly limit of hours.
    MonthlyLimitExceeded,
    /// A child's age is outside the accepted range.
    AgeOutOfRange,
    /// Not enough places are left.
    Full,
    /// New bookings are restricted after repeated no-shows.
    BookingRestricted,
    /// A vaccination check blocks the dose.
    VaccinationBlocked,
    /// A vaccination warning was not overridden with a reason.
    WarningNotOverridden,
    /// A fee claim has a line the fee schedule gives no price for.
    PriceMissing,
}

/// An expected failure of a mutation, reported in `userErrors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path to the input field, e.g. `["input", "email"]`; empty for the input as a whole.
    pub field: Vec<String>,
    /// Machine-readable reason.
    pub code: FieldErrorCode,
    /// Message for the person filling the form (Japanese).
    pub message: String,
}

impl FieldError {
    /// An error about `input.<name>`, where `name` may be a dotted path into the input
    /// (`guest.nameKana`, `slotIds.0`): the field is then `["input", "guest", "nameKana"]`.
    pub fn input(name: &str, code: FieldErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: std::iter::once("input")
                .chain(name.split('.'))
                .map(str::to_owned)
                .collect(),
            code,
            message: message.into(),
        }
    }

    /// An error about the input as a whole.
    pub fn whole(code: FieldErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: vec!["input".into()],
            code,
            message: message.into(),
        }
    }
}

/// Outcome of a mutation's service call: the result, or the reasons it was refused.
/// Nothing is written when it is `Err`.
pub type Outcome<T> = Result<T, Vec<FieldError>>;

/// Collects field errors while validating an input.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    /// Starts an empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one problem.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Keeps the parsed value, or records the error and returns `None`.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every problem recorded.
    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// Ends validation: `Err` with every problem if there is any.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

//! Rules of the programs domain: who sees and edits which program, session and
//! registration; registering parties without ever exceeding capacity; waitlist offers;
//! cancellation, check-in, no-shows and surveys. Knows nothing of GraphQL; the demo seed
//! calls it too.
//!
//! Visibility, in one place:
//! - published and cancelled programs and their sessions are public; drafts are seen by the
//!   municipality's admins and the organizer's program staff ("managers");
//! - a registration (personal data) is seen by its registrant and the program's managers;
//!   anyone else gets `NOT_FOUND`, whatever the municipality;
//! - the online link of a session is shown to managers and confirmed registrants only.
//!
//! Capacity: every change to the registrations of a session runs in one write transaction
//! that first locks the session row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's
//! `BEGIN IMMEDIATE` already serializes writers), then recounts what is held and writes the
//! totals back. Two registrations can therefore never both take the last seat.
//!
//! Search: every change to a program, its sessions or the free places of a session writes
//! a search outbox row for the program in the same transaction.

mod attendance;
mod cancellation;
mod capacity;
mod lookup;
mod moves;
mod offers;
mod programs;
mod reads;
mod registering;
mod sessions;
mod surveys;
mod tokens;
mod visibility;

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    config::Limits,
    events::{Event, EventBus},
    rate_limit::RateLimiter,
    state::AppState,
};

pub use self::{
    attendance::{CheckInRef, check_in, mark_no_shows},
    cancellation::cancel_registration,
    offers::{expire_due_offers, respond_to_offer},
    programs::{NewProgram, ProgramChanges, ProgramFields, create_program, update_program},
    reads::{
        ProgramFilter, SessionFilter, SurveySummary, find_by_manage_token, find_program,
        find_registration, find_session, list_my_registrations, list_programs, list_roster,
        list_sessions, municipality_survey_summary,
    },
    registering::{GuestInput, NewRegistration, Registered, register},
    sessions::{
        Frequency, NewSessions, SessionChanges, cancel_session, create_sessions, update_session,
    },
    surveys::submit_survey,
    tokens::hash_token,
    visibility::{can_see_program, manages, viewer_manages},
};

/// Longest title.
pub const MAX_TITLE: usize = 200;
/// Longest summary.
pub const MAX_SUMMARY: usize = 500;
/// Longest description.
pub const MAX_TEXT: usize = 5000;
/// Longest accessibility note or survey comment.
pub const MAX_NOTE: usize = 2000;
/// Largest party any program accepts.
pub const MAX_PARTY: i32 = 20;
/// Most sessions one series may create.
pub const MAX_SERIES: u32 = 52;

/// Where the service writes and announces: the database and, when serving, the event bus
/// and the rate limiter (the demo seed writes without either).
#[derive(Clone, Copy)]
pub struct Writer<'a> {
    db: &'a DatabaseConnection,
    events: Option<&'a EventBus>,
    limiter: Option<&'a RateLimiter>,
    offer_hours: u32,
    public_rate_per_minute: u32,
}

impl<'a> From<&'a AppState> for Writer<'a> {
    fn from(state: &'a AppState) -> Self {
        Self {
            db: &state.db,
            events: Some(&state.events),
            limiter: Some(&state.limiter),
            offer_hours: state.limits.waitlist_offer_hours,
            public_rate_per_minute: state.limits.public_rate_per_minute,
        }
    }
}

impl<'a> Writer<'a> {
    /// Writes to `db` without publishing events or counting calls.
    pub fn quiet(db: &'a DatabaseConnection) -> Self {
        let limits = Limits::default();
        Self {
            db,
            events: None,
            limiter: None,
            offer_hours: limits.waitlist_offer_hours,
            public_rate_per_minute: limits.public_rate_per_minute,
        }
    }

    /// Publishes events of a committed change.
    async fn announce(&self, events: Vec<Event>) {
        if let Some(bus) = self.events {
            for event in events {
                bus.publish(self.db, event).await;
            }
        }
    }
}

/// A registration as its registrant or staff names it.
#[derive(Debug, Clone)]
pub enum RegistrationRef {
    /// By id (signed-in registrant or staff).
    Id(Uuid),
    /// By the guest's manage token.
    Token(String),
}

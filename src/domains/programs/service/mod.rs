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
mod cards;
mod lookup;
mod messages;
mod moves;
mod offers;
mod programs;
mod qr;
mod reads;
mod registering;
mod roster;
mod series;
mod sessions;
mod surveys;
mod together;
mod tokens;
mod visibility;
mod walk_ins;

use uuid::Uuid;

pub use self::{
    attendance::{CheckInRef, check_in, mark_no_shows},
    cancellation::cancel_registration,
    cards::{ListRow, ProgramCard, ProgramKeys, SessionCard, SessionKeys},
    messages::{MessageSent, SessionMessage, message_registrants},
    offers::{expire_due_offers, respond_to_offer},
    programs::{
        NewProgram, ProgramChanges, ProgramFields, create_program, no_session_yet,
        refresh_first_session, update_program,
    },
    qr::check_in_payload,
    reads::{
        ProgramFilter, ProgramOrder, SessionFilter, SurveySummary, find_by_manage_token,
        find_program, find_registration, find_session, list_my_registrations, list_programs,
        list_roster, list_sessions, municipality_survey_summary,
    },
    registering::{GuestInput, NewRegistration, Registered, register},
    roster::{Roster, RosterLine, session_roster},
    series::{SeriesRegistration, SeriesResult, register_for_series},
    sessions::{
        Frequency, NewSessions, SessionChanges, cancel_session, create_sessions, update_session,
    },
    surveys::submit_survey,
    tokens::hash_token,
    visibility::{can_see_program, manages, viewer_manages},
    walk_ins::{WalkIn, register_walk_in},
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

/// A registration as its registrant or staff names it.
#[derive(Debug, Clone)]
pub enum RegistrationRef {
    /// By id (signed-in registrant or staff).
    Id(Uuid),
    /// By the guest's manage token.
    Token(String),
}

//! GraphQL inputs of the programs domain and payloads of its mutations; those of
//! registering a walk-in party at the door ([`walk_in`]), registering for a whole series
//! ([`series`]) and messaging a session's registrants ([`message`]) are in their own files.

mod message;
mod series;
mod walk_in;

pub use message::*;
pub use series::*;
pub use walk_in::*;

use async_graphql::{Enum, ID, InputObject, MaybeUndefined, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    registration::ChildInput,
    service::{self, CheckInRef, RegistrationRef},
    types::{
        Program, ProgramAudience, ProgramCategory, ProgramKind, ProgramSession, ProgramStatus,
        Registration, SurveyResponse,
    },
};
use crate::graphql::ids::NodeKind;
use crate::graphql::scalars::Date;
use crate::{
    error::AppError,
    graphql::{ids, payload::UserError},
};

/// Which programs to list.
#[derive(Debug, Default, InputObject)]
pub struct ProgramFilter {
    /// Only these kinds (any when empty).
    #[graphql(default)]
    pub kinds: Vec<ProgramKind>,
    /// Former name of `kinds`; both may be given, and their values add up.
    #[graphql(default, name = "kind", deprecation = "Use kinds")]
    pub kind_deprecated: Vec<ProgramKind>,
    /// Only programs with any of these categories (any when empty).
    #[graphql(default)]
    pub categories: Vec<ProgramCategory>,
    /// Former name of `categories`; both may be given, and their values add up.
    #[graphql(default, name = "category", deprecation = "Use categories")]
    pub category_deprecated: Vec<ProgramCategory>,
    /// Only programs for any of these audiences, or for everyone (any when empty).
    #[graphql(default)]
    pub audiences: Vec<ProgramAudience>,
    /// Former name of `audiences`; both may be given, and their values add up.
    #[graphql(default, name = "audience", deprecation = "Use audiences")]
    pub audience_deprecated: Vec<ProgramAudience>,
    /// Only this municipality.
    pub municipality_id: Option<ID>,
    /// Only this organizer organization.
    pub organizer_id: Option<ID>,
    /// Only programs with a session still to come.
    #[graphql(default)]
    pub upcoming: bool,
    /// Only programs open to a child of this age in months.
    pub child_age_months: Option<i32>,
    /// Only programs with a session still to come that has free places and open
    /// registration.
    #[graphql(default)]
    pub has_free_places: bool,
    /// Former name of `hasFreePlaces`; either set filters.
    #[graphql(default, name = "hasFreeSeats", deprecation = "Use hasFreePlaces")]
    pub has_free_seats_deprecated: bool,
    /// Only programs with a session still to come, registration open, that has free 託児
    /// (childcare) slots.
    #[graphql(default)]
    pub has_free_childcare: bool,
    /// Only these statuses (drafts only as far as you manage them).
    #[graphql(default)]
    pub statuses: Vec<ProgramStatus>,
    /// Former name of `statuses`; both may be given, and their values add up.
    #[graphql(default, name = "status", deprecation = "Use statuses")]
    pub status_deprecated: Vec<ProgramStatus>,
}

/// Which sessions to list.
#[derive(Debug, Default, InputObject)]
pub struct ProgramSessionFilter {
    /// Only sessions of this program.
    pub program_id: Option<ID>,
    /// Only programs of these kinds.
    #[graphql(default)]
    pub kinds: Vec<ProgramKind>,
    /// Former name of `kinds`; both may be given, and their values add up.
    #[graphql(default, name = "kind", deprecation = "Use kinds")]
    pub kind_deprecated: Vec<ProgramKind>,
    /// Only programs with any of these categories.
    #[graphql(default)]
    pub categories: Vec<ProgramCategory>,
    /// Former name of `categories`; both may be given, and their values add up.
    #[graphql(default, name = "category", deprecation = "Use categories")]
    pub category_deprecated: Vec<ProgramCategory>,
    /// Only programs for any of these audiences, or for everyone (any when empty).
    #[graphql(default)]
    pub audiences: Vec<ProgramAudience>,
    /// Former name of `audiences`; both may be given, and their values add up.
    #[graphql(default, name = "audience", deprecation = "Use audiences")]
    pub audience_deprecated: Vec<ProgramAudience>,
    /// Only this municipality.
    pub municipality_id: Option<ID>,
    /// Only sessions starting at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only sessions starting before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only sessions not started and not cancelled.
    #[graphql(default)]
    pub upcoming: bool,
    /// Only programs open to a child of this age in months.
    pub child_age_months: Option<i32>,
    /// Only sessions with free places.
    #[graphql(default)]
    pub has_free_places: bool,
    /// Former name of `hasFreePlaces`; either set filters.
    #[graphql(default, name = "hasFreeSeats", deprecation = "Use hasFreePlaces")]
    pub has_free_seats_deprecated: bool,
    /// Only sessions still to come with free 託児 (childcare) slots.
    #[graphql(default)]
    pub has_free_childcare: bool,
}

/// Order of the program list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
pub enum ProgramOrderBy {
    /// Newest created first.
    #[default]
    Newest,
    /// By the start of the first session not cancelled, earliest first; programs without
    /// one come last.
    StartDate,
    /// By title, A→Z (in the database's collation).
    Title,
}

impl From<ProgramOrderBy> for service::ProgramOrder {
    fn from(order: ProgramOrderBy) -> Self {
        match order {
            ProgramOrderBy::Newest => Self::Newest,
            ProgramOrderBy::StartDate => Self::StartDate,
            ProgramOrderBy::Title => Self::Title,
        }
    }
}

/// Create a program (admins of the municipality, or program staff for their own
/// organization).
#[derive(Debug, InputObject)]
pub struct CreateProgramInput {
    /// Organizer organization; program staff may omit it (their own is used).
    pub organizer_id: Option<ID>,
    /// Kind of program.
    pub kind: ProgramKind,
    /// Title (at most 200 characters).
    pub title: String,
    /// Reading of the title (フリガナ): kana, ー, ・ and spaces, at most 400 characters;
    /// hiragana is converted to katakana. A search in kana finds the title by it.
    pub title_reading: Option<String>,
    /// Summary (at most 500 characters).
    pub summary: String,
    /// Description (at most 5000 characters; line breaks kept).
    pub description: String,
    /// Category tags (at most 10).
    #[graphql(default)]
    pub categories: Vec<ProgramCategory>,
    /// Who it is for (everyone when empty).
    #[graphql(default)]
    pub audiences: Vec<ProgramAudience>,
    /// Youngest child age accepted, in months on the session date.
    pub child_min_age_months: Option<i32>,
    /// Oldest child age accepted, in months on the session date.
    pub child_max_age_months: Option<i32>,
    /// Only residents of the municipality may register.
    #[graphql(default)]
    pub residents_only: bool,
    /// Largest party (adults and children) per registration, 1–20.
    #[graphql(default = 4)]
    pub max_party_size: i32,
    /// Fee in yen per party.
    #[graphql(default)]
    pub fee_yen: i32,
    /// Accessibility notes.
    pub accessibility_notes: Option<String>,
    /// Publish at once; otherwise a draft only its managers see.
    #[graphql(default)]
    pub publish: bool,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// An age range of children in months.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct ChildAgeRangeInput {
    /// Youngest age in months; null for no lower bound.
    pub min_months: Option<i32>,
    /// Oldest age in months; null for no upper bound.
    pub max_months: Option<i32>,
}

/// Change a program you manage. Absent fields stay as they are.
#[derive(Debug, InputObject)]
pub struct UpdateProgramInput {
    /// The program.
    pub id: ID,
    /// New title.
    pub title: Option<String>,
    /// New reading of the title (as in `createProgram`); `null` or blank removes it.
    pub title_reading: MaybeUndefined<String>,
    /// New summary.
    pub summary: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New category tags.
    pub categories: Option<Vec<ProgramCategory>>,
    /// New audiences.
    pub audiences: Option<Vec<ProgramAudience>>,
    /// New child age range; `null` removes it.
    pub child_age_range: MaybeUndefined<ChildAgeRangeInput>,
    /// Residents only.
    pub residents_only: Option<bool>,
    /// Largest party.
    pub max_party_size: Option<i32>,
    /// Fee in yen.
    pub fee_yen: Option<i32>,
    /// Accessibility notes; `null` removes them.
    pub accessibility_notes: MaybeUndefined<String>,
    /// Publish a draft (`PUBLISHED`) or cancel the program (`CANCELLED`: its upcoming
    /// sessions are cancelled and their registrants notified).
    pub status: Option<ProgramStatus>,
}

/// How a series of sessions repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum RepeatFrequency {
    /// Every week at the same time.
    Weekly,
    /// Every month on the same day (the last day in shorter months).
    Monthly,
}

/// Repeat a session as a series.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct SessionRepeatInput {
    /// How often.
    pub frequency: RepeatFrequency,
    /// How many sessions in all, the first included (1–52).
    pub count: u32,
}

/// Add a session, or a weekly or monthly series, to a program you manage. Later sessions of
/// a series keep the first one's registration window and cancellation deadline relative to
/// their start.
#[derive(Debug, InputObject)]
pub struct CreateProgramSessionsInput {
    /// The program.
    pub program_id: ID,
    /// Start of the (first) session.
    pub starts_at: DateTime<Utc>,
    /// End of the (first) session.
    pub ends_at: DateTime<Utc>,
    /// Venue; required unless `onlineUrl` is given.
    pub venue: Option<String>,
    /// Online link (https), shown only to confirmed registrants.
    pub online_url: Option<String>,
    /// Seats in people.
    pub capacity: i32,
    /// Childcare (託児) slots.
    #[graphql(default)]
    pub childcare_slots: i32,
    /// When registration opens (now when absent).
    pub registration_opens_at: Option<DateTime<Utc>>,
    /// When registration closes (the start when absent).
    pub registration_closes_at: Option<DateTime<Utc>>,
    /// Until when registrants may cancel themselves (the start when absent).
    pub cancellation_deadline: Option<DateTime<Utc>>,
    /// Repeat as a series.
    pub repeat: Option<SessionRepeatInput>,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// Change a session of a program you manage that has not ended. Absent fields stay as they
/// are. Seats and childcare slots cannot drop below what registrations hold; places added
/// are offered to the waitlist.
#[derive(Debug, InputObject)]
pub struct UpdateProgramSessionInput {
    /// The session.
    pub id: ID,
    /// New start.
    pub starts_at: Option<DateTime<Utc>>,
    /// New end.
    pub ends_at: Option<DateTime<Utc>>,
    /// New venue; `null` removes it.
    pub venue: MaybeUndefined<String>,
    /// New online link (https); `null` removes it.
    pub online_url: MaybeUndefined<String>,
    /// New number of seats.
    pub capacity: Option<i32>,
    /// New number of childcare slots.
    pub childcare_slots: Option<i32>,
    /// When registration opens.
    pub registration_opens_at: Option<DateTime<Utc>>,
    /// When registration closes.
    pub registration_closes_at: Option<DateTime<Utc>>,
    /// Until when registrants may cancel themselves.
    pub cancellation_deadline: Option<DateTime<Utc>>,
}

/// Result of `updateProgramSession`.
#[derive(Debug, SimpleObject)]
pub struct UpdateProgramSessionPayload {
    /// The session, unless refused.
    pub session: Option<ProgramSession>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// Cancel a session of a program you manage.
#[derive(Debug, InputObject)]
pub struct CancelProgramSessionInput {
    /// The session.
    pub id: ID,
    /// Why; shown to registrants.
    pub reason: String,
}

/// A child in the party: a birth date, or an age in months today.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct RegistrationChildInput {
    /// Birth date.
    pub birth_date: Option<Date>,
    /// Age in whole months today (when no birth date is given).
    pub age_months: Option<i32>,
    /// Stays in the 託児 during the session (takes a childcare slot instead of a seat).
    #[graphql(default)]
    pub needs_childcare: bool,
}

/// Contact details of a guest registering without an account.
#[derive(Debug, Clone, InputObject)]
pub struct RegistrationGuestInput {
    /// Name.
    pub name: String,
    /// Kana reading (katakana or hiragana).
    pub name_kana: String,
    /// Email address.
    pub email: String,
    /// Phone number (hyphens and full-width digits accepted).
    pub phone: String,
}

/// Register a party for a session: signed in, or as a guest with contact details.
#[derive(Debug, InputObject)]
pub struct RegisterForSessionInput {
    /// The session.
    pub session_id: ID,
    /// Adults in the party.
    #[graphql(default = 1)]
    pub adults: i32,
    /// Children in the party.
    #[graphql(default)]
    pub children: Vec<RegistrationChildInput>,
    /// Contact details when not signed in. Staff who manage the programme give a walk-in
    /// guest's details here to register the guest at the door (the guest gets the manage
    /// token); anyone else signed in is refused with `NOT_ALLOWED`.
    pub guest: Option<RegistrationGuestInput>,
    /// Retrying with the same key returns the first result and creates nothing (a guest
    /// gets a new manage token that replaces the first).
    pub idempotency_key: Option<String>,
}

/// A registration: by id when signed in (registrant or staff), by manage token as a guest.
#[derive(Debug, InputObject)]
pub struct RegistrationRefInput {
    /// The registration.
    pub id: Option<ID>,
    /// The guest's manage token.
    pub manage_token: Option<String>,
}

/// Check a party in: by the QR payload, by registration id, or by session and check-in
/// code.
#[derive(Debug, InputObject)]
pub struct CheckInRegistrationInput {
    /// The registration.
    pub id: Option<ID>,
    /// The session (with `code`).
    pub session_id: Option<ID>,
    /// The check-in code the registrant shows (受付番号).
    pub code: Option<String>,
    /// The payload of the registration's QR code (`Registration.checkInQrPayload`), as the
    /// scanner reads it. A forged or altered payload is refused with `INVALID`.
    pub qr_payload: Option<String>,
}

/// Mark the unchecked confirmed registrations of an ended session as no-shows.
#[derive(Debug, InputObject)]
pub struct MarkNoShowsInput {
    /// The session.
    pub session_id: ID,
}

/// Answer the satisfaction survey of a session you attended.
#[derive(Debug, InputObject)]
pub struct SubmitProgramSurveyInput {
    /// The registration.
    pub registration: RegistrationRefInput,
    /// 1 (dissatisfied) – 5 (very satisfied).
    pub score: i32,
    /// Comment (at most 2000 characters).
    pub comment: Option<String>,
}

/// Result of `createProgram`.
#[derive(Debug, SimpleObject)]
pub struct CreateProgramPayload {
    /// The program, unless refused.
    pub program: Option<Program>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// Result of `updateProgram`.
#[derive(Debug, SimpleObject)]
pub struct UpdateProgramPayload {
    /// The program, unless refused.
    pub program: Option<Program>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// Result of `createProgramSessions`.
#[derive(Debug, SimpleObject)]
pub struct CreateProgramSessionsPayload {
    /// The sessions by start time; empty when refused.
    pub sessions: Vec<ProgramSession>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// Result of `cancelProgramSession`.
#[derive(Debug, SimpleObject)]
pub struct CancelProgramSessionPayload {
    /// The session, unless refused.
    pub session: Option<ProgramSession>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// Result of `registerForSession`.
#[derive(Debug, SimpleObject)]
pub struct RegisterForSessionPayload {
    /// The registration (confirmed or waitlisted), unless refused.
    pub registration: Option<Registration>,
    /// For guests: the secret to view, cancel or answer the survey of the registration.
    /// Shown only here; keep it.
    pub manage_token: Option<String>,
    /// Why it was refused, each naming the rule.
    pub user_errors: Vec<UserError>,
}

/// Result of a change to a registration.
#[derive(Debug, SimpleObject)]
pub struct RegistrationPayload {
    /// The registration, unless refused.
    pub registration: Option<Registration>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// Result of `markNoShows`.
#[derive(Debug, SimpleObject)]
pub struct MarkNoShowsPayload {
    /// The session, unless refused.
    pub session: Option<ProgramSession>,
    /// Registrations marked no-show.
    pub marked_count: u64,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// Result of `submitProgramSurvey`.
#[derive(Debug, SimpleObject)]
pub struct SubmitProgramSurveyPayload {
    /// The answer, unless refused.
    pub survey: Option<SurveyResponse>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

impl TryFrom<ProgramFilter> for service::ProgramFilter {
    type Error = AppError;

    fn try_from(filter: ProgramFilter) -> Result<Self, AppError> {
        Ok(Self {
            kinds: converted(crate::graphql::with_former(
                filter.kinds,
                filter.kind_deprecated,
            )),
            categories: converted(crate::graphql::with_former(
                filter.categories,
                filter.category_deprecated,
            )),
            audiences: converted(crate::graphql::with_former(
                filter.audiences,
                filter.audience_deprecated,
            )),
            municipality_id: ids::decode_optional(
                filter.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            organizer_id: ids::decode_optional(
                filter.organizer_id.as_ref(),
                NodeKind::Organization,
            )?,
            upcoming: filter.upcoming,
            child_age_months: filter.child_age_months,
            has_free_seats: filter.has_free_places || filter.has_free_seats_deprecated,
            has_free_childcare: filter.has_free_childcare,
            statuses: converted(crate::graphql::with_former(
                filter.statuses,
                filter.status_deprecated,
            )),
        })
    }
}

impl TryFrom<ProgramSessionFilter> for service::SessionFilter {
    type Error = AppError;

    fn try_from(filter: ProgramSessionFilter) -> Result<Self, AppError> {
        Ok(Self {
            program_id: ids::decode_optional(filter.program_id.as_ref(), NodeKind::Program)?,
            kinds: converted(crate::graphql::with_former(
                filter.kinds,
                filter.kind_deprecated,
            )),
            categories: converted(crate::graphql::with_former(
                filter.categories,
                filter.category_deprecated,
            )),
            audiences: converted(crate::graphql::with_former(
                filter.audiences,
                filter.audience_deprecated,
            )),
            municipality_id: ids::decode_optional(
                filter.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            from: filter.from,
            until: filter.until,
            upcoming: filter.upcoming,
            child_age_months: filter.child_age_months,
            has_free_seats: filter.has_free_places || filter.has_free_seats_deprecated,
            has_free_childcare: filter.has_free_childcare,
        })
    }
}

impl TryFrom<CreateProgramInput> for service::NewProgram {
    type Error = AppError;

    fn try_from(input: CreateProgramInput) -> Result<Self, AppError> {
        Ok(Self {
            organizer_id: ids::decode_optional(
                input.organizer_id.as_ref(),
                NodeKind::Organization,
            )?,
            fields: service::ProgramFields {
                kind: input.kind.into(),
                title: input.title,
                title_reading: input.title_reading,
                summary: input.summary,
                description: input.description,
                categories: converted(input.categories),
                audiences: converted(input.audiences),
                child_min_age_months: input.child_min_age_months,
                child_max_age_months: input.child_max_age_months,
                residents_only: input.residents_only,
                max_party_size: input.max_party_size,
                fee_yen: input.fee_yen,
                accessibility_notes: input.accessibility_notes,
            },
            publish: input.publish,
            idempotency_key: input.idempotency_key,
        })
    }
}

/// The changes only; the resolver decodes the program id.
impl From<UpdateProgramInput> for service::ProgramChanges {
    fn from(input: UpdateProgramInput) -> Self {
        Self {
            title: input.title,
            title_reading: input.title_reading.into(),
            summary: input.summary,
            description: input.description,
            categories: input.categories.map(converted),
            audiences: input.audiences.map(converted),
            child_age_range: match input.child_age_range {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some((None, None)),
                MaybeUndefined::Value(range) => Some((range.min_months, range.max_months)),
            },
            residents_only: input.residents_only,
            max_party_size: input.max_party_size,
            fee_yen: input.fee_yen,
            accessibility_notes: input.accessibility_notes.into(),
            status: input.status.map(Into::into),
        }
    }
}

impl From<RepeatFrequency> for service::Frequency {
    fn from(frequency: RepeatFrequency) -> Self {
        match frequency {
            RepeatFrequency::Weekly => Self::Weekly,
            RepeatFrequency::Monthly => Self::Monthly,
        }
    }
}

impl TryFrom<CreateProgramSessionsInput> for service::NewSessions {
    type Error = AppError;

    fn try_from(input: CreateProgramSessionsInput) -> Result<Self, AppError> {
        Ok(Self {
            program_id: ids::decode_as(&input.program_id, NodeKind::Program)?,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            venue: input.venue,
            online_url: input.online_url,
            capacity: input.capacity,
            childcare_slots: input.childcare_slots,
            registration_opens_at: input.registration_opens_at,
            registration_closes_at: input.registration_closes_at,
            cancellation_deadline: input.cancellation_deadline,
            repeat: input
                .repeat
                .map(|repeat| (repeat.frequency.into(), repeat.count)),
            idempotency_key: input.idempotency_key,
        })
    }
}

/// The changes only; the resolver decodes the session id.
impl From<UpdateProgramSessionInput> for service::SessionChanges {
    fn from(input: UpdateProgramSessionInput) -> Self {
        Self {
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            venue: input.venue.into(),
            online_url: input.online_url.into(),
            capacity: input.capacity,
            childcare_slots: input.childcare_slots,
            registration_opens_at: input.registration_opens_at,
            registration_closes_at: input.registration_closes_at,
            cancellation_deadline: input.cancellation_deadline,
        }
    }
}

impl From<RegistrationChildInput> for ChildInput {
    fn from(child: RegistrationChildInput) -> Self {
        Self {
            birth_date: child.birth_date.map(Into::into),
            age_months: child.age_months,
            needs_childcare: child.needs_childcare,
        }
    }
}

impl From<RegistrationGuestInput> for service::GuestInput {
    fn from(guest: RegistrationGuestInput) -> Self {
        Self {
            name: guest.name,
            kana: guest.name_kana,
            email: guest.email,
            phone: guest.phone,
        }
    }
}

impl TryFrom<RegisterForSessionInput> for service::NewRegistration {
    type Error = AppError;

    fn try_from(input: RegisterForSessionInput) -> Result<Self, AppError> {
        Ok(Self {
            session_id: ids::decode_as(&input.session_id, NodeKind::ProgramSession)?,
            adults: input.adults,
            children: converted(input.children),
            guest: input.guest.map(Into::into),
            idempotency_key: input.idempotency_key,
        })
    }
}

/// The manage token wins over the id when both are given.
impl TryFrom<RegistrationRefInput> for RegistrationRef {
    type Error = AppError;

    fn try_from(input: RegistrationRefInput) -> Result<Self, AppError> {
        match (input.id, input.manage_token) {
            (_, Some(token)) => Ok(Self::Token(token)),
            (Some(id), None) => Ok(Self::Id(ids::decode_as(&id, NodeKind::Registration)?)),
            (None, None) => Err(AppError::BadUserInput("give `id` or `manageToken`".into())),
        }
    }
}

/// The QR payload wins, then the id, then the session and code.
impl TryFrom<CheckInRegistrationInput> for CheckInRef {
    type Error = AppError;

    fn try_from(input: CheckInRegistrationInput) -> Result<Self, AppError> {
        if let Some(payload) = input.qr_payload {
            return Ok(Self::Qr(payload));
        }
        match (input.id, input.session_id, input.code) {
            (Some(id), _, _) => Ok(Self::Id(ids::decode_as(&id, NodeKind::Registration)?)),
            (None, Some(session_id), Some(code)) => Ok(Self::Code {
                session_id: ids::decode_as(&session_id, NodeKind::ProgramSession)?,
                code,
            }),
            _ => Err(AppError::BadUserInput(
                "give `id`, or `sessionId` and `code`".into(),
            )),
        }
    }
}

/// Each of `values` converted.
fn converted<A, B: From<A>>(values: Vec<A>) -> Vec<B> {
    values.into_iter().map(B::from).collect()
}

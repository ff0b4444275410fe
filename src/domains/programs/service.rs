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

use std::sync::Mutex;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Months, SubsecRound, Utc};
use chrono_tz::Asia::Tokyo;
use entity::{
    municipality, organization,
    program::{self, Audience, ProgramCategory, ProgramKind, ProgramStatus},
    program_session::{self, SessionStatus},
    program_survey,
    registration::{self, CancelReason, RegistrationStatus},
    registration_child, registration_status_change,
};
use rand::Rng;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, EntityTrait, ExprTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    registration::{self as rules, Child, ChildInput, Party},
    states::{self, ACTIVE, HOLDING},
};
use crate::{
    audit::{self, Read},
    auth::{AuthUser, Role, Viewer},
    config::Limits,
    db::{self, now},
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    events::{Event, EventBus},
    fiscal,
    idempotency::{self, KeyScope},
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
    rate_limit::{Quota, RateLimiter},
    search::{outbox, sources},
    state::AppState,
    text::{self, Email, Kana, long_text, optional_line},
};

/// Longest title.
pub const MAX_TITLE: usize = 200;
/// Longest summary.
pub const MAX_SUMMARY: usize = 500;
/// Longest description.
pub const MAX_TEXT: usize = 5000;
/// Longest accessibility note or survey comment.
pub const MAX_NOTE: usize = 2000;
/// Longest venue or guest name.
const MAX_LINE: usize = 200;
/// Largest party any program accepts.
pub const MAX_PARTY: i32 = 20;
/// Most sessions one series may create.
pub const MAX_SERIES: u32 = 52;
/// Largest capacity of a session.
const MAX_CAPACITY: i32 = 10_000;
/// Hours before the start from which staff may check people in.
const CHECK_IN_OPENS_HOURS: i64 = 2;
/// Characters of check-in codes: no 0/O or 1/I to misread.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

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

// ---------------------------------------------------------------------------------------
// Inputs

/// The descriptive fields of a program.
#[derive(Debug, Clone)]
pub struct ProgramFields {
    /// Kind.
    pub kind: ProgramKind,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Description.
    pub description: String,
    /// Category tags.
    pub categories: Vec<ProgramCategory>,
    /// Audiences (everyone when empty).
    pub audiences: Vec<Audience>,
    /// Youngest child age, months.
    pub child_min_age_months: Option<i32>,
    /// Oldest child age, months.
    pub child_max_age_months: Option<i32>,
    /// Residents of the municipality only.
    pub residents_only: bool,
    /// Largest party.
    pub max_party_size: i32,
    /// Fee in yen.
    pub fee_yen: i32,
    /// Accessibility notes.
    pub accessibility_notes: Option<String>,
}

/// A new program.
#[derive(Debug, Clone)]
pub struct NewProgram {
    /// Organizer; program staff may omit it (their own organization).
    pub organizer_id: Option<Uuid>,
    /// Its fields.
    pub fields: ProgramFields,
    /// Publish at once.
    pub publish: bool,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Changes to a program; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProgramChanges {
    /// New title.
    pub title: Option<String>,
    /// New summary.
    pub summary: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New category tags.
    pub categories: Option<Vec<ProgramCategory>>,
    /// New audiences.
    pub audiences: Option<Vec<Audience>>,
    /// New child age range; `Some((None, None))` removes it.
    pub child_age_range: Option<(Option<i32>, Option<i32>)>,
    /// Residents only.
    pub residents_only: Option<bool>,
    /// Largest party.
    pub max_party_size: Option<i32>,
    /// Fee in yen.
    pub fee_yen: Option<i32>,
    /// Accessibility notes; `Some(None)` removes them.
    pub accessibility_notes: Option<Option<String>>,
    /// New status (published or cancelled).
    pub status: Option<ProgramStatus>,
}

/// How a series repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    /// Every 7 days.
    Weekly,
    /// Same day of every month (the last day when a month is shorter).
    Monthly,
}

/// New sessions: one, or a series repeating the first.
#[derive(Debug, Clone)]
pub struct NewSessions {
    /// The program.
    pub program_id: Uuid,
    /// Start of the first session.
    pub starts_at: DateTime<Utc>,
    /// End of the first session.
    pub ends_at: DateTime<Utc>,
    /// Venue.
    pub venue: Option<String>,
    /// Online link.
    pub online_url: Option<String>,
    /// Seats.
    pub capacity: i32,
    /// Childcare slots.
    pub childcare_slots: i32,
    /// When registration opens (now when absent).
    pub registration_opens_at: Option<DateTime<Utc>>,
    /// When registration closes (the start when absent).
    pub registration_closes_at: Option<DateTime<Utc>>,
    /// Cancellation deadline (the start when absent).
    pub cancellation_deadline: Option<DateTime<Utc>>,
    /// Repeat as a series.
    pub repeat: Option<(Frequency, u32)>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Changes to a session; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SessionChanges {
    /// New start.
    pub starts_at: Option<DateTime<Utc>>,
    /// New end.
    pub ends_at: Option<DateTime<Utc>>,
    /// New venue; `Some(None)` removes it.
    pub venue: Option<Option<String>>,
    /// New online link; `Some(None)` removes it.
    pub online_url: Option<Option<String>>,
    /// New number of seats (not below the seats held).
    pub capacity: Option<i32>,
    /// New number of childcare slots (not below the slots held).
    pub childcare_slots: Option<i32>,
    /// When registration opens.
    pub registration_opens_at: Option<DateTime<Utc>>,
    /// When registration closes.
    pub registration_closes_at: Option<DateTime<Utc>>,
    /// Cancellation deadline.
    pub cancellation_deadline: Option<DateTime<Utc>>,
}

/// A guest's contact details.
#[derive(Debug, Clone, Default)]
pub struct GuestInput {
    /// Name.
    pub name: String,
    /// Kana reading.
    pub kana: String,
    /// Email.
    pub email: String,
    /// Phone.
    pub phone: String,
}

/// A party registering for a session.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    /// The session.
    pub session_id: Uuid,
    /// Adults.
    pub adults: i32,
    /// Children.
    pub children: Vec<ChildInput>,
    /// Contact details when not signed in.
    pub guest: Option<GuestInput>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// A registration as its registrant or staff names it.
#[derive(Debug, Clone)]
pub enum RegistrationRef {
    /// By id (signed-in registrant or staff).
    Id(Uuid),
    /// By the guest's manage token.
    Token(String),
}

/// A registration just made; the manage token is only ever returned here.
#[derive(Debug, Clone)]
pub struct Registered {
    /// The registration.
    pub registration: registration::Model,
    /// The guest's manage token.
    pub manage_token: Option<String>,
}

/// Filter of the program list.
#[derive(Debug, Clone, Default)]
pub struct ProgramFilter {
    /// Only these kinds.
    pub kinds: Vec<ProgramKind>,
    /// Only programs with any of these categories.
    pub categories: Vec<ProgramCategory>,
    /// Only programs for any of these audiences, or for everyone.
    pub audiences: Vec<Audience>,
    /// Only this municipality.
    pub municipality_id: Option<Uuid>,
    /// Only this organizer.
    pub organizer_id: Option<Uuid>,
    /// Only programs with an upcoming session.
    pub upcoming: bool,
    /// Only programs open to a child of this age (months).
    pub child_age_months: Option<i32>,
    /// Only programs with an upcoming session with free seats and registration not closed.
    pub has_free_seats: bool,
    /// Only these statuses (what the viewer may see of them).
    pub statuses: Vec<ProgramStatus>,
}

/// Filter of the session list.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    /// Only sessions of this program.
    pub program_id: Option<Uuid>,
    /// Only programs of these kinds.
    pub kinds: Vec<ProgramKind>,
    /// Only programs with any of these categories.
    pub categories: Vec<ProgramCategory>,
    /// Only programs for any of these audiences, or for everyone.
    pub audiences: Vec<Audience>,
    /// Only this municipality.
    pub municipality_id: Option<Uuid>,
    /// Only sessions starting at or after.
    pub from: Option<DateTime<Utc>>,
    /// Only sessions starting before.
    pub until: Option<DateTime<Utc>>,
    /// Only sessions that have not started and are not cancelled.
    pub upcoming: bool,
    /// Only programs open to a child of this age (months).
    pub child_age_months: Option<i32>,
    /// Only sessions with free seats.
    pub has_free_seats: bool,
}

/// Survey answers of a program.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SurveySummary {
    /// Answers.
    pub responses: u64,
    /// Mean score, if any answer.
    pub mean_score: Option<f64>,
    /// Share of answers scoring 4 or 5.
    pub satisfied_share: Option<f64>,
}

impl SurveySummary {
    /// Summarizes `(score, answers)` pairs.
    pub fn of(scores: impl IntoIterator<Item = (i16, u64)>) -> Self {
        let (mut responses, mut total, mut satisfied) = (0u64, 0u64, 0u64);
        for (score, answers) in scores {
            responses += answers;
            total += u64::try_from(score).unwrap_or(0) * answers;
            if score >= 4 {
                satisfied += answers;
            }
        }
        if responses == 0 {
            return Self::default();
        }
        #[allow(clippy::cast_precision_loss)]
        let share = |part: u64| part as f64 / responses as f64;
        Self {
            responses,
            mean_score: Some(share(total)),
            satisfied_share: Some(share(satisfied)),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Visibility

/// Whether `me` manages `program`: an admin of its municipality, or program staff of its
/// organizer.
pub fn manages(me: &AuthUser, program: &program::Model) -> bool {
    me.administers(program.municipality_id)
        || (me.role == Role::ProgramStaff
            && me.municipality_id == Some(program.municipality_id)
            && me.organization_id == Some(program.organizer_organization_id))
}

/// Whether the viewer manages `program`.
pub fn viewer_manages(viewer: &Viewer, program: &program::Model) -> bool {
    viewer.user.as_ref().is_some_and(|me| manages(me, program))
}

/// Whether the viewer may see `program`.
pub fn can_see_program(viewer: &Viewer, program: &program::Model) -> bool {
    program.status != ProgramStatus::Draft || viewer_manages(viewer, program)
}

/// The SQL form of [`can_see_program`].
fn program_visibility(viewer: &Viewer) -> Condition {
    use program::Column;
    let public = Condition::any().add(Column::Status.ne(ProgramStatus::Draft));
    match &viewer.user {
        Some(me) if me.role == Role::PlatformAdmin => Condition::all(),
        Some(me) => match (me.role, me.municipality_id, me.organization_id) {
            (Role::MunicipalAdmin, Some(own), _) => public.add(Column::MunicipalityId.eq(own)),
            (Role::ProgramStaff, Some(own), Some(organization)) => public.add(
                Condition::all()
                    .add(Column::MunicipalityId.eq(own))
                    .add(Column::OrganizerOrganizationId.eq(organization)),
            ),
            _ => public,
        },
        None => public,
    }
}

/// Whether the viewer registered this registration (signed in).
fn is_registrant(viewer: &Viewer, registration: &registration::Model) -> bool {
    viewer
        .user
        .as_ref()
        .is_some_and(|me| registration.user_id == Some(me.id))
}

// ---------------------------------------------------------------------------------------
// Reads

/// A program the viewer may see.
pub async fn find_program(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<program::Model> {
    let program = program::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if can_see_program(viewer, &program) {
        Ok(program)
    } else {
        Err(AppError::NotFound)
    }
}

/// A session of a program the viewer may see. Offers that expired are passed on first.
pub async fn find_session(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<program_session::Model> {
    settle_if_due(state.into(), id).await?;
    let session = program_session::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    find_program(state, viewer, session.program_id).await?;
    Ok(session)
}

/// A registration the viewer registered or manages.
pub async fn find_registration(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<registration::Model> {
    let found = registration::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    settle_if_due(state.into(), found.session_id).await?;
    let registration = registration::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if is_registrant(viewer, &registration) {
        return Ok(registration);
    }
    let program = program::Entity::find_by_id(registration.program_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(me) = viewer
        .user
        .as_ref()
        .filter(|_| viewer_manages(viewer, &program))
    else {
        return Err(AppError::NotFound);
    };
    audit::record(&state.db, me.id, [read_of(&registration, "detail")]).await?;
    Ok(registration)
}

/// Kind of registrations in the personal-data access log.
const SUBJECT: &str = "registration";

/// A staff read of `registration`'s personal data (names, contact, children), for the log.
fn read_of(registration: &registration::Model, accessed: &'static str) -> Read {
    Read {
        municipality_id: registration.municipality_id,
        subject_kind: SUBJECT,
        subject_id: registration.id,
        accessed,
    }
}

/// A guest's registration by its manage token.
pub async fn find_by_manage_token(state: &AppState, token: &str) -> AppResult<registration::Model> {
    let found = by_token(&state.db, token).await?;
    settle_if_due(state.into(), found.session_id).await?;
    by_token(&state.db, token).await
}

async fn by_token(db: &impl ConnectionTrait, token: &str) -> AppResult<registration::Model> {
    registration::Entity::find()
        .filter(registration::Column::ManageTokenHash.eq(hash_token(token)))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Programs the viewer may see, newest first.
pub async fn list_programs(
    state: &AppState,
    viewer: &Viewer,
    filter: ProgramFilter,
    page: PageArgs,
) -> AppResult<Page<program::Model>> {
    use program::Column;
    let now = now();
    let mut select = program::Entity::find().filter(program_visibility(viewer));
    select = select.filter(program_conditions(
        &filter.kinds,
        &filter.categories,
        &filter.audiences,
        filter.municipality_id,
        filter.child_age_months,
    ));
    if let Some(id) = filter.organizer_id {
        select = select.filter(Column::OrganizerOrganizationId.eq(id));
    }
    if !filter.statuses.is_empty() {
        select = select.filter(Column::Status.is_in(filter.statuses));
    }
    if filter.upcoming || filter.has_free_seats {
        use program_session::Column as S;
        let mut sessions = program_session::Entity::find()
            .select_only()
            .column(S::ProgramId)
            .filter(S::Status.eq(SessionStatus::Scheduled))
            .filter(S::StartsAt.gt(now));
        if filter.has_free_seats {
            sessions = sessions
                .filter(free_seats())
                .filter(S::RegistrationClosesAt.gt(now));
        }
        select = select.filter(Column::Id.in_subquery(sessions.into_query()));
    }
    let ordering = Ordering::<program::Entity> {
        column: None,
        id: Column::Id,
        descending: true,
        key: |row| (None, row.id),
    };
    paginate(
        &state.db,
        select,
        &ordering,
        page,
        state.limits.max_page_size,
    )
    .await
}

/// Sessions of programs the viewer may see, by start time.
pub async fn list_sessions(
    state: &AppState,
    viewer: &Viewer,
    filter: SessionFilter,
    page: PageArgs,
) -> AppResult<Page<program_session::Model>> {
    use program_session::Column;
    let now = now();
    let programs = program::Entity::find()
        .select_only()
        .column(program::Column::Id)
        .filter(program_visibility(viewer))
        .filter(program_conditions(
            &filter.kinds,
            &filter.categories,
            &filter.audiences,
            filter.municipality_id,
            filter.child_age_months,
        ))
        .into_query();
    let mut select =
        program_session::Entity::find().filter(Column::ProgramId.in_subquery(programs));
    if let Some(id) = filter.program_id {
        select = select.filter(Column::ProgramId.eq(id));
    }
    if let Some(from) = filter.from {
        select = select.filter(Column::StartsAt.gte(from));
    }
    if let Some(until) = filter.until {
        select = select.filter(Column::StartsAt.lt(until));
    }
    if filter.upcoming {
        select = select
            .filter(Column::StartsAt.gt(now))
            .filter(Column::Status.eq(SessionStatus::Scheduled));
    }
    if filter.has_free_seats {
        select = select
            .filter(free_seats())
            .filter(Column::Status.eq(SessionStatus::Scheduled));
    }
    let ordering = Ordering::<program_session::Entity> {
        column: Some(Column::StartsAt),
        id: Column::Id,
        descending: false,
        key: |row| (Some(SortValue::Time(row.starts_at)), row.id),
    };
    paginate(
        &state.db,
        select,
        &ordering,
        page,
        state.limits.max_page_size,
    )
    .await
}

/// The signed-in viewer's own registrations, newest first.
pub async fn list_my_registrations(
    state: &AppState,
    viewer: &Viewer,
    page: PageArgs,
) -> AppResult<Page<registration::Model>> {
    let me = viewer.require_user()?;
    use registration::Column;
    let ordering = Ordering::<registration::Entity> {
        column: None,
        id: Column::Id,
        descending: true,
        key: |row| (None, row.id),
    };
    paginate(
        &state.db,
        registration::Entity::find().filter(Column::UserId.eq(me.id)),
        &ordering,
        page,
        state.limits.max_page_size,
    )
    .await
}

/// The roster of a session, in registration order (managers only).
pub async fn list_roster(
    state: &AppState,
    viewer: &Viewer,
    session: &program_session::Model,
    statuses: Vec<RegistrationStatus>,
    page: PageArgs,
) -> AppResult<Page<registration::Model>> {
    let program = program::Entity::find_by_id(session.program_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let me = viewer.require_user()?;
    if !viewer_manages(viewer, &program) {
        return Err(AppError::Forbidden);
    }
    use registration::Column;
    let mut select = registration::Entity::find().filter(Column::SessionId.eq(session.id));
    if !statuses.is_empty() {
        select = select.filter(Column::Status.is_in(statuses));
    }
    let ordering = Ordering::<registration::Entity> {
        column: None,
        id: Column::Id,
        descending: false,
        key: |row| (None, row.id),
    };
    let page = paginate(
        &state.db,
        select,
        &ordering,
        page,
        state.limits.max_page_size,
    )
    .await?;
    audit::record(
        &state.db,
        me.id,
        page.rows.iter().map(|(_, row)| read_of(row, "roster")),
    )
    .await?;
    Ok(page)
}

/// Survey answers of programs of a municipality (admins), optionally of one kind and one
/// fiscal year.
pub async fn municipality_survey_summary(
    state: &AppState,
    viewer: &Viewer,
    municipality_id: Uuid,
    kind: Option<ProgramKind>,
    fiscal_year: Option<i32>,
) -> AppResult<SurveySummary> {
    viewer.require_admin_of(municipality_id)?;
    use program_survey::Column;
    let mut select = program_survey::Entity::find()
        .select_only()
        .column(Column::Score)
        .column_as(Column::Id.count(), "answers")
        .filter(Column::MunicipalityId.eq(municipality_id))
        .group_by(Column::Score);
    if let Some(year) = fiscal_year {
        select = select.filter(Column::FiscalYear.eq(year));
    }
    if let Some(kind) = kind {
        let programs = program::Entity::find()
            .select_only()
            .column(program::Column::Id)
            .filter(program::Column::Kind.eq(kind))
            .filter(program::Column::MunicipalityId.eq(municipality_id))
            .into_query();
        select = select.filter(Column::ProgramId.in_subquery(programs));
    }
    let rows: Vec<(i16, i64)> = select.into_tuple().all(&state.db).await?;
    Ok(SurveySummary::of(rows.into_iter().map(
        |(score, answers)| (score, u64::try_from(answers).unwrap_or(0)),
    )))
}

fn free_seats() -> Condition {
    use program_session::Column;
    Condition::all().add(
        Expr::col((program_session::Entity, Column::SeatsTaken))
            .lt(Expr::col((program_session::Entity, Column::Capacity))),
    )
}

fn program_conditions(
    kinds: &[ProgramKind],
    categories: &[ProgramCategory],
    audiences: &[Audience],
    municipality_id: Option<Uuid>,
    child_age_months: Option<i32>,
) -> Condition {
    use program::Column;
    let mut condition = Condition::all();
    if !kinds.is_empty() {
        condition = condition.add(Column::Kind.is_in(kinds.to_vec()));
    }
    if !categories.is_empty() {
        let mut any = Condition::any();
        for category in categories {
            any = any.add(Column::Categories.like(format!("%,{},%", category.to_value())));
        }
        condition = condition.add(any);
    }
    if !audiences.is_empty() {
        // A program for everyone (no audience, or `everyone`) is for each audience too.
        let mut any = Condition::any()
            .add(Column::Audiences.eq(""))
            .add(Column::Audiences.like(format!("%,{},%", Audience::Everyone.to_value())));
        for audience in audiences {
            any = any.add(Column::Audiences.like(format!("%,{},%", audience.to_value())));
        }
        condition = condition.add(any);
    }
    if let Some(id) = municipality_id {
        condition = condition.add(Column::MunicipalityId.eq(id));
    }
    if let Some(age) = child_age_months {
        condition = condition
            .add(
                Condition::any()
                    .add(Column::ChildMinAgeMonths.is_null())
                    .add(Column::ChildMinAgeMonths.lte(age)),
            )
            .add(
                Condition::any()
                    .add(Column::ChildMaxAgeMonths.is_null())
                    .add(Column::ChildMaxAgeMonths.gte(age)),
            );
    }
    condition
}

// ---------------------------------------------------------------------------------------
// Programs

/// Creates a program (admins of the municipality, or program staff for their own
/// organization).
pub async fn create_program(
    w: Writer<'_>,
    viewer: &Viewer,
    input: NewProgram,
) -> AppResult<Outcome<program::Model>> {
    let me = viewer
        .require_role(&[
            Role::PlatformAdmin,
            Role::MunicipalAdmin,
            Role::ProgramStaff,
        ])?
        .clone();
    let Some(organizer_id) = input.organizer_id.or(if me.role == Role::ProgramStaff {
        me.organization_id
    } else {
        None
    }) else {
        return Ok(Err(vec![FieldError::input(
            "organizerId",
            FieldErrorCode::Required,
            "主催団体を指定してください。",
        )]));
    };
    let Some(organizer) = organization::Entity::find_by_id(organizer_id)
        .one(w.db)
        .await?
    else {
        return Ok(Err(vec![FieldError::input(
            "organizerId",
            FieldErrorCode::NotFound,
            "指定された主催団体が見つかりません。",
        )]));
    };
    let allowed = me.administers(organizer.municipality_id)
        || (me.role == Role::ProgramStaff && me.organization_id == Some(organizer.id));
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let fields = match check_fields(&input.fields) {
        Ok(fields) => fields,
        Err(errors) => return Ok(Err(errors)),
    };
    #[derive(Serialize)]
    struct Fingerprint<'a> {
        organizer: Uuid,
        title: &'a str,
        kind: String,
        publish: bool,
    }
    let fingerprint = Fingerprint {
        organizer: organizer.id,
        title: &fields.title,
        kind: fields.kind.to_value(),
        publish: input.publish,
    };
    let created = idempotency::run_once(
        w.db,
        &KeyScope::user(me.id, "createProgram"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let now = now();
            let status = if input.publish {
                ProgramStatus::Published
            } else {
                ProgramStatus::Draft
            };
            let program = program::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(organizer.municipality_id),
                organizer_organization_id: Set(organizer.id),
                created_by: Set(me.id),
                kind: Set(fields.kind),
                title: Set(fields.title.clone()),
                summary: Set(fields.summary.clone()),
                description: Set(fields.description.clone()),
                categories: Set(rules::encode_set(&fields.categories)),
                audiences: Set(rules::encode_set(&fields.audiences)),
                child_min_age_months: Set(fields.child_min_age_months),
                child_max_age_months: Set(fields.child_max_age_months),
                residents_only: Set(fields.residents_only),
                max_party_size: Set(fields.max_party_size),
                fee_yen: Set(fields.fee_yen),
                accessibility_notes: Set(fields.accessibility_notes.clone()),
                status: Set(status),
                published_at: Set(input.publish.then_some(now)),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
            outbox::enqueue(txn, sources::PROGRAM, program.id, program.municipality_id).await?;
            Ok(Ok(program.id))
        },
    )
    .await?;
    idempotency::load_created::<program::Entity>(w.db, created).await
}

/// Changes a program (its managers). Cancelling it cancels its upcoming sessions and
/// notifies their registrants.
pub async fn update_program(
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
    changes: ProgramChanges,
) -> AppResult<Outcome<program::Model>> {
    let me = viewer.require_user()?.clone();
    let txn = db::begin_write(w.db).await?;
    let program = program::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .filter(|program| can_see_program(viewer, program))
        .ok_or(AppError::NotFound)?;
    if !manages(&me, &program) {
        return Err(AppError::Forbidden);
    }
    let mut fields = ProgramFields {
        kind: program.kind,
        title: changes
            .title
            .clone()
            .unwrap_or_else(|| program.title.clone()),
        summary: changes
            .summary
            .clone()
            .unwrap_or_else(|| program.summary.clone()),
        description: changes
            .description
            .clone()
            .unwrap_or_else(|| program.description.clone()),
        categories: changes
            .categories
            .clone()
            .unwrap_or_else(|| rules::decode_set(&program.categories)),
        audiences: changes
            .audiences
            .clone()
            .unwrap_or_else(|| rules::decode_set(&program.audiences)),
        child_min_age_months: program.child_min_age_months,
        child_max_age_months: program.child_max_age_months,
        residents_only: changes.residents_only.unwrap_or(program.residents_only),
        max_party_size: changes.max_party_size.unwrap_or(program.max_party_size),
        fee_yen: changes.fee_yen.unwrap_or(program.fee_yen),
        accessibility_notes: changes
            .accessibility_notes
            .clone()
            .unwrap_or_else(|| program.accessibility_notes.clone()),
    };
    if let Some((min, max)) = changes.child_age_range {
        fields.child_min_age_months = min;
        fields.child_max_age_months = max;
    }
    let mut problems = Problems::new();
    let checked = match check_fields(&fields) {
        Ok(checked) => Some(checked),
        Err(errors) => {
            for error in errors {
                problems.push(error);
            }
            None
        }
    };
    if let Some(to) = changes.status {
        problems.check(states::check_program("status", program.status, to));
    }
    let (Some(fields), true) = (checked, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let now = now();
    let mut model = program.clone().into_active_model();
    model.title = Set(fields.title);
    model.summary = Set(fields.summary);
    model.description = Set(fields.description);
    model.categories = Set(rules::encode_set(&fields.categories));
    model.audiences = Set(rules::encode_set(&fields.audiences));
    model.child_min_age_months = Set(fields.child_min_age_months);
    model.child_max_age_months = Set(fields.child_max_age_months);
    model.residents_only = Set(fields.residents_only);
    model.max_party_size = Set(fields.max_party_size);
    model.fee_yen = Set(fields.fee_yen);
    model.accessibility_notes = Set(fields.accessibility_notes);
    let mut events = Vec::new();
    if let Some(to) = changes.status.filter(|to| *to != program.status) {
        model.status = Set(to);
        if to == ProgramStatus::Published {
            model.published_at = Set(Some(now));
        }
        if to == ProgramStatus::Cancelled {
            let upcoming = program_session::Entity::find()
                .filter(program_session::Column::ProgramId.eq(program.id))
                .filter(program_session::Column::Status.eq(SessionStatus::Scheduled))
                .filter(program_session::Column::EndsAt.gt(now))
                .lock_exclusive()
                .all(&txn)
                .await?;
            for session in upcoming {
                events.extend(
                    cancel_session_in(&txn, &me, session, "プログラムが中止になりました。", now)
                        .await?,
                );
            }
        }
    }
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    outbox::enqueue(&txn, sources::PROGRAM, updated.id, updated.municipality_id).await?;
    txn.commit().await?;
    w.announce(events).await;
    Ok(Ok(updated))
}

/// Validated program fields.
struct CheckedFields {
    kind: ProgramKind,
    title: String,
    summary: String,
    description: String,
    categories: Vec<ProgramCategory>,
    audiences: Vec<Audience>,
    child_min_age_months: Option<i32>,
    child_max_age_months: Option<i32>,
    residents_only: bool,
    max_party_size: i32,
    fee_yen: i32,
    accessibility_notes: Option<String>,
}

fn check_fields(fields: &ProgramFields) -> Result<CheckedFields, Vec<FieldError>> {
    let mut problems = Problems::new();
    let title = problems.check(text::required("title", &fields.title, MAX_TITLE));
    let summary = problems.check(long_text("summary", &fields.summary, MAX_SUMMARY));
    let description = problems.check(long_text("description", &fields.description, MAX_TEXT));
    let notes = match fields.accessibility_notes.as_deref() {
        Some(notes) if !text::normalize(notes).is_empty() => {
            problems.check(long_text("accessibilityNotes", notes, MAX_NOTE).map(Some))
        }
        _ => Some(None),
    };
    let range = rules::MAX_CHILD_AGE_MONTHS;
    for (field, value) in [
        ("childMinAgeMonths", fields.child_min_age_months),
        ("childMaxAgeMonths", fields.child_max_age_months),
    ] {
        if value.is_some_and(|months| !(0..=range).contains(&months)) {
            problems.push(FieldError::input(
                field,
                FieldErrorCode::Invalid,
                format!("月齢は0〜{range}か月で指定してください。"),
            ));
        }
    }
    if let (Some(min), Some(max)) = (fields.child_min_age_months, fields.child_max_age_months)
        && min > max
    {
        problems.push(FieldError::input(
            "childMaxAgeMonths",
            FieldErrorCode::Invalid,
            "対象月齢の上限は下限以上にしてください。",
        ));
    }
    if !(1..=MAX_PARTY).contains(&fields.max_party_size) {
        problems.push(FieldError::input(
            "maxPartySize",
            FieldErrorCode::Invalid,
            format!("1組の人数の上限は1〜{MAX_PARTY}人で指定してください。"),
        ));
    }
    if !(0..=1_000_000).contains(&fields.fee_yen) {
        problems.push(FieldError::input(
            "feeYen",
            FieldErrorCode::Invalid,
            "参加費は0〜1,000,000円で指定してください。",
        ));
    }
    if fields.categories.len() > 10 {
        problems.push(FieldError::input(
            "categories",
            FieldErrorCode::TooLong,
            "カテゴリは10個までです。",
        ));
    }
    let (Some(title), Some(summary), Some(description), Some(notes), true) =
        (title, summary, description, notes, problems.is_empty())
    else {
        return Err(problems.into_vec());
    };
    let audiences = if fields.audiences.is_empty() {
        vec![Audience::Everyone]
    } else {
        fields.audiences.clone()
    };
    Ok(CheckedFields {
        kind: fields.kind,
        title,
        summary,
        description,
        categories: fields.categories.clone(),
        audiences,
        child_min_age_months: fields.child_min_age_months,
        child_max_age_months: fields.child_max_age_months,
        residents_only: fields.residents_only,
        max_party_size: fields.max_party_size,
        fee_yen: fields.fee_yen,
        accessibility_notes: notes,
    })
}

// ---------------------------------------------------------------------------------------
// Sessions

/// Creates one session, or a weekly or monthly series of them (the program's managers).
/// The registration window and cancellation deadline keep their distance to the start.
pub async fn create_sessions(
    w: Writer<'_>,
    viewer: &Viewer,
    input: NewSessions,
) -> AppResult<Outcome<Vec<program_session::Model>>> {
    let me = viewer.require_user()?.clone();
    let program = program::Entity::find_by_id(input.program_id)
        .one(w.db)
        .await?
        .filter(|program| can_see_program(viewer, program))
        .ok_or(AppError::NotFound)?;
    if !manages(&me, &program) {
        return Err(AppError::Forbidden);
    }
    let now = now();
    let mut problems = Problems::new();
    if program.status == ProgramStatus::Cancelled {
        problems.push(FieldError::input(
            "programId",
            FieldErrorCode::InvalidState,
            "中止したプログラムには開催回を追加できません。",
        ));
    }
    let starts_at = input.starts_at.trunc_subsecs(0);
    let ends_at = input.ends_at.trunc_subsecs(0);
    if starts_at <= now {
        problems.push(FieldError::input(
            "startsAt",
            FieldErrorCode::Invalid,
            "開始日時は未来の日時にしてください。",
        ));
    }
    if ends_at <= starts_at {
        problems.push(FieldError::input(
            "endsAt",
            FieldErrorCode::Invalid,
            "終了日時は開始日時より後にしてください。",
        ));
    }
    // A window opening "now" opens now for the whole series; an explicit opening time
    // keeps its distance to each start.
    let opens_given = input.registration_opens_at.is_some();
    let opens = input.registration_opens_at.unwrap_or(now).trunc_subsecs(0);
    let closes = input
        .registration_closes_at
        .unwrap_or(starts_at)
        .trunc_subsecs(0);
    let deadline = input
        .cancellation_deadline
        .unwrap_or(starts_at)
        .trunc_subsecs(0);
    if closes <= opens || closes > starts_at {
        problems.push(FieldError::input(
            "registrationClosesAt",
            FieldErrorCode::Invalid,
            "申込締切は受付開始より後、開始日時までにしてください。",
        ));
    }
    if deadline > starts_at {
        problems.push(FieldError::input(
            "cancellationDeadline",
            FieldErrorCode::Invalid,
            "キャンセル期限は開始日時までにしてください。",
        ));
    }
    let venue = problems.check(optional_line("venue", input.venue.as_deref(), MAX_LINE));
    let online_url = problems.check(optional_line(
        "onlineUrl",
        input.online_url.as_deref(),
        MAX_LINE,
    ));
    if let Some(Some(url)) = &online_url
        && !url.starts_with("https://")
    {
        problems.push(FieldError::input(
            "onlineUrl",
            FieldErrorCode::Invalid,
            "オンライン会場のURLは https:// で始めてください。",
        ));
    }
    if matches!((&venue, &online_url), (Some(None), Some(None))) {
        problems.push(FieldError::input(
            "venue",
            FieldErrorCode::Required,
            "会場かオンライン会場のURLを入力してください。",
        ));
    }
    if !(1..=MAX_CAPACITY).contains(&input.capacity) {
        problems.push(FieldError::input(
            "capacity",
            FieldErrorCode::Invalid,
            format!("定員は1〜{MAX_CAPACITY}人で指定してください。"),
        ));
    }
    if !(0..=MAX_CAPACITY).contains(&input.childcare_slots) {
        problems.push(FieldError::input(
            "childcareSlots",
            FieldErrorCode::Invalid,
            "託児の枠は0以上で指定してください。",
        ));
    }
    let (frequency, count) = input.repeat.unwrap_or((Frequency::Weekly, 1));
    if !(1..=MAX_SERIES).contains(&count) {
        problems.push(FieldError::input(
            "repeat.count",
            FieldErrorCode::Invalid,
            format!("繰り返し回数は1〜{MAX_SERIES}回で指定してください。"),
        ));
    }
    let (Some(venue), Some(online_url), true) = (venue, online_url, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let mut starts = Vec::new();
    for index in 0..count {
        let start = match frequency {
            Frequency::Weekly => Some(starts_at + Duration::weeks(i64::from(index))),
            Frequency::Monthly => starts_at
                .with_timezone(&Tokyo)
                .checked_add_months(Months::new(index))
                .map(|local| local.with_timezone(&Utc)),
        };
        match start {
            Some(start) => starts.push(start),
            None => {
                return Ok(Err(vec![FieldError::input(
                    "repeat.count",
                    FieldErrorCode::Invalid,
                    "繰り返しの日付を計算できません。",
                )]));
            }
        }
    }

    #[derive(Serialize)]
    struct Fingerprint {
        program: Uuid,
        starts: Vec<DateTime<Utc>>,
        capacity: i32,
        childcare: i32,
    }
    let fingerprint = Fingerprint {
        program: program.id,
        starts: starts.clone(),
        capacity: input.capacity,
        childcare: input.childcare_slots,
    };
    let created = idempotency::run_once(
        w.db,
        &KeyScope::user(me.id, "createProgramSessions"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let mut ids = Vec::new();
            for start in &starts {
                let shift = *start - starts_at;
                let session = program_session::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    municipality_id: Set(program.municipality_id),
                    program_id: Set(program.id),
                    starts_at: Set(*start),
                    ends_at: Set(ends_at + shift),
                    venue: Set(venue.clone()),
                    online_url: Set(online_url.clone()),
                    capacity: Set(input.capacity),
                    childcare_slots: Set(input.childcare_slots),
                    registration_opens_at: Set(if opens_given { opens + shift } else { opens }),
                    registration_closes_at: Set(closes + shift),
                    cancellation_deadline: Set(deadline + shift),
                    seats_taken: Set(0),
                    childcare_taken: Set(0),
                    status: Set(SessionStatus::Scheduled),
                    cancelled_at: Set(None),
                    cancel_reason: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(txn)
                .await?;
                ids.push(session.id);
            }
            outbox::enqueue(txn, sources::PROGRAM, program.id, program.municipality_id).await?;
            Ok(Ok(ids))
        },
    )
    .await?;
    match created {
        Ok(ids) => Ok(Ok(program_session::Entity::find()
            .filter(program_session::Column::Id.is_in(ids))
            .order_by_asc(program_session::Column::StartsAt)
            .all(w.db)
            .await?)),
        Err(errors) => Ok(Err(errors)),
    }
}

/// Changes a session that has not ended (its program's managers). Seats and childcare slots
/// never drop below what registrations hold; places added are offered to the waitlist.
pub async fn update_session(
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
    changes: SessionChanges,
) -> AppResult<Outcome<program_session::Model>> {
    let me = viewer.require_user()?.clone();
    let now = now();
    let txn = db::begin_write(w.db).await?;
    let session = lock_session(&txn, id).await?;
    let program = program_of(&txn, &session).await?;
    if !can_see_program(viewer, &program) {
        return Err(AppError::NotFound);
    }
    if !manages(&me, &program) {
        return Err(AppError::Forbidden);
    }
    let mut events = settle(&txn, &session, w.offer_hours, now).await?;
    let session = lock_session(&txn, id).await?;
    let mut problems = Problems::new();
    if session.status == SessionStatus::Cancelled || session.ends_at <= now {
        problems.push(FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "中止した回や終了した回は変更できません。",
        ));
    }
    let starts_at = changes
        .starts_at
        .map_or(session.starts_at, |t| t.trunc_subsecs(0));
    let ends_at = changes
        .ends_at
        .map_or(session.ends_at, |t| t.trunc_subsecs(0));
    let opens = changes
        .registration_opens_at
        .map_or(session.registration_opens_at, |t| t.trunc_subsecs(0));
    let closes = changes
        .registration_closes_at
        .map_or(session.registration_closes_at, |t| t.trunc_subsecs(0));
    let deadline = changes
        .cancellation_deadline
        .map_or(session.cancellation_deadline, |t| t.trunc_subsecs(0));
    if changes.starts_at.is_some() && starts_at <= now {
        problems.push(FieldError::input(
            "startsAt",
            FieldErrorCode::Invalid,
            "開始日時は未来の日時にしてください。",
        ));
    }
    if ends_at <= starts_at {
        problems.push(FieldError::input(
            "endsAt",
            FieldErrorCode::Invalid,
            "終了日時は開始日時より後にしてください。",
        ));
    }
    if closes <= opens || closes > starts_at {
        problems.push(FieldError::input(
            "registrationClosesAt",
            FieldErrorCode::Invalid,
            "申込締切は受付開始より後、開始日時までにしてください。",
        ));
    }
    if deadline > starts_at {
        problems.push(FieldError::input(
            "cancellationDeadline",
            FieldErrorCode::Invalid,
            "キャンセル期限は開始日時までにしてください。",
        ));
    }
    let venue = match &changes.venue {
        Some(venue) => problems.check(optional_line("venue", venue.as_deref(), MAX_LINE)),
        None => Some(session.venue.clone()),
    };
    let online_url = match &changes.online_url {
        Some(url) => problems.check(optional_line("onlineUrl", url.as_deref(), MAX_LINE)),
        None => Some(session.online_url.clone()),
    };
    if let Some(Some(url)) = &online_url
        && !url.starts_with("https://")
    {
        problems.push(FieldError::input(
            "onlineUrl",
            FieldErrorCode::Invalid,
            "オンライン会場のURLは https:// で始めてください。",
        ));
    }
    if matches!((&venue, &online_url), (Some(None), Some(None))) {
        problems.push(FieldError::input(
            "venue",
            FieldErrorCode::Required,
            "会場かオンライン会場のURLを入力してください。",
        ));
    }
    let capacity = changes.capacity.unwrap_or(session.capacity);
    let childcare_slots = changes.childcare_slots.unwrap_or(session.childcare_slots);
    let (seats, childcare) = held(&txn, session.id).await?;
    if !(1..=MAX_CAPACITY).contains(&capacity) || capacity < seats {
        problems.push(FieldError::input(
            "capacity",
            FieldErrorCode::Invalid,
            format!(
                "定員は{}〜{MAX_CAPACITY}人で指定してください（{seats}人が申込済みです）。",
                std::cmp::max(seats, 1)
            ),
        ));
    }
    if !(0..=MAX_CAPACITY).contains(&childcare_slots) || childcare_slots < childcare {
        problems.push(FieldError::input(
            "childcareSlots",
            FieldErrorCode::Invalid,
            format!(
                "託児の枠は{childcare}人以上で指定してください（{childcare}人が申込済みです）。"
            ),
        ));
    }
    let (Some(venue), Some(online_url), true) = (venue, online_url, problems.is_empty()) else {
        txn.commit().await?;
        w.announce(events).await;
        return Ok(Err(problems.into_vec()));
    };
    let mut model = session.into_active_model();
    model.starts_at = Set(starts_at);
    model.ends_at = Set(ends_at);
    model.registration_opens_at = Set(opens);
    model.registration_closes_at = Set(closes);
    model.cancellation_deadline = Set(deadline);
    model.venue = Set(venue);
    model.online_url = Set(online_url);
    model.capacity = Set(capacity);
    model.childcare_slots = Set(childcare_slots);
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    events.extend(settle(&txn, &updated, w.offer_hours, now).await?);
    outbox::enqueue(&txn, sources::PROGRAM, program.id, program.municipality_id).await?;
    txn.commit().await?;
    w.announce(events).await;
    Ok(Ok(program_session::Entity::find_by_id(id)
        .one(w.db)
        .await?
        .ok_or(AppError::NotFound)?))
}

/// Cancels a session (its program's managers): every registration is cancelled, every seat
/// released and every registrant notified.
pub async fn cancel_session(
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
) -> AppResult<Outcome<program_session::Model>> {
    let me = viewer.require_user()?.clone();
    let txn = db::begin_write(w.db).await?;
    let session = lock_session(&txn, id).await?;
    let program = program_of(&txn, &session).await?;
    if !can_see_program(viewer, &program) {
        return Err(AppError::NotFound);
    }
    if !manages(&me, &program) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    let reason = problems.check(long_text("reason", reason, MAX_NOTE));
    if session.status == SessionStatus::Cancelled {
        problems.push(FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "この回はすでに中止されています。",
        ));
    }
    let now = now();
    if session.ends_at <= now {
        problems.push(FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "終了した回は中止できません。",
        ));
    }
    let (Some(reason), true) = (reason, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let events = cancel_session_in(&txn, &me, session, &reason, now).await?;
    outbox::enqueue(&txn, sources::PROGRAM, program.id, program.municipality_id).await?;
    txn.commit().await?;
    w.announce(events).await;
    Ok(Ok(program_session::Entity::find_by_id(id)
        .one(w.db)
        .await?
        .ok_or(AppError::NotFound)?))
}

async fn cancel_session_in(
    txn: &DatabaseTransaction,
    actor: &AuthUser,
    session: program_session::Model,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<Vec<Event>> {
    let registrations = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session.id))
        .filter(registration::Column::Status.is_in(ACTIVE))
        .all(txn)
        .await?;
    let mut events = Vec::new();
    for registration in registrations {
        let moved = move_registration(
            txn,
            Some(actor.id),
            registration,
            RegistrationStatus::Cancelled,
            Some(CancelReason::SessionCancelled),
            Some(reason.to_owned()),
            now,
        )
        .await?;
        events.push(event(&moved, "session_cancelled"));
    }
    let mut model = session.into_active_model();
    model.status = Set(SessionStatus::Cancelled);
    model.cancelled_at = Set(Some(now));
    model.cancel_reason = Set(Some(reason.to_owned()));
    model.seats_taken = Set(0);
    model.childcare_taken = Set(0);
    model.updated_at = Set(now);
    model.update(txn).await?;
    Ok(events)
}

// ---------------------------------------------------------------------------------------
// Registration

/// What the idempotency key stores of a registration: its id only, never the token.
#[derive(Serialize, Deserialize)]
struct RegisteredId(Uuid);

/// Registers a party for a session: a signed-in user, or a guest with contact details who
/// gets a manage token. Confirmed if the whole party fits, else waitlisted; refusals name
/// the rule. Rate-limited per client address.
pub async fn register(
    w: Writer<'_>,
    viewer: &Viewer,
    input: NewRegistration,
) -> AppResult<Outcome<Registered>> {
    limit_public(w, viewer, "register").await?;
    let session = program_session::Entity::find_by_id(input.session_id)
        .one(w.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let program = program_of(w.db, &session).await?;
    if !can_see_program(viewer, &program) {
        return Err(AppError::NotFound);
    }
    let me = viewer.user.clone();
    let mut problems = Problems::new();
    let guest = match (&me, &input.guest) {
        (Some(_), _) => None,
        (None, Some(guest)) => check_guest(&mut problems, guest),
        (None, None) => {
            problems.push(FieldError::input(
                "guest",
                FieldErrorCode::Required,
                "ログインするか、お名前と連絡先を入力してください。",
            ));
            None
        }
    };
    if !(1..=MAX_PARTY).contains(&input.adults) {
        problems.push(FieldError::input(
            "adults",
            FieldErrorCode::Invalid,
            "大人の人数は1人以上で入力してください。",
        ));
    }
    let now = now();
    let children = match rules::children_at(
        &input.children,
        fiscal::date_of(now),
        fiscal::date_of(session.starts_at),
    ) {
        Ok(children) => children,
        Err(errors) => {
            for error in errors {
                problems.push(error);
            }
            Vec::new()
        }
    };
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let token = guest.is_some().then(new_token);

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        session: Uuid,
        adults: i32,
        children: Vec<(Option<String>, i32, bool)>,
        guest: Option<&'a str>,
    }
    let fingerprint = Fingerprint {
        session: session.id,
        adults: input.adults,
        children: children
            .iter()
            .map(|c| {
                (
                    c.birth_date.map(|d| d.to_string()),
                    c.age_months_at_session,
                    c.needs_childcare,
                )
            })
            .collect(),
        guest: guest.as_ref().map(|g| g.email.as_str()),
    };
    let scope = match &me {
        Some(me) => KeyScope::user(me.id, "registerForSession"),
        None => KeyScope::public("registerForSession"),
    };
    let events = Mutex::new(Vec::new());
    let created_here = Mutex::new(false);
    let outcome = idempotency::run_once(
        w.db,
        &scope,
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let session = lock_session(txn, session.id).await?;
            // Taken once the session is locked, so registration times follow the order in
            // which parties were given a place or a waitlist position.
            let now = self::now();
            let program = program_of(txn, &session).await?;
            let mut announced = settle(txn, &session, w.offer_hours, now).await?;
            let session = lock_session(txn, session.id).await?;
            let refusals = refusals(
                txn,
                &program,
                &session,
                me.as_ref(),
                guest.as_ref(),
                input.adults,
                &children,
                now,
            )
            .await?;
            if !refusals.is_empty() {
                // Expired offers passed on above stay passed on only if a later call commits.
                return Ok(Err(refusals));
            }
            let party = Party::of(input.adults, &children);
            let (seats, childcare) = held(txn, session.id).await?;
            // Free places were just offered to every waiting party that fits them, so
            // what is left may go to a newcomer that fits it.
            let fits = party.fits(
                session.capacity - seats,
                session.childcare_slots - childcare,
            );
            let status = if fits {
                RegistrationStatus::Confirmed
            } else {
                RegistrationStatus::Waitlisted
            };
            let id = Uuid::now_v7();
            let code = free_check_in_code(txn, session.id).await?;
            let registration = registration::ActiveModel {
                id: Set(id),
                municipality_id: Set(session.municipality_id),
                program_id: Set(session.program_id),
                session_id: Set(session.id),
                user_id: Set(me.as_ref().map(|me| me.id)),
                guest_name: Set(guest.as_ref().map(|g| g.name.clone())),
                guest_kana: Set(guest.as_ref().map(|g| g.kana.clone())),
                guest_email: Set(guest.as_ref().map(|g| g.email.clone())),
                guest_phone: Set(guest.as_ref().map(|g| g.phone.clone())),
                manage_token_hash: Set(token.as_deref().map(hash_token)),
                adults: Set(party.adults),
                children: Set(party.children),
                seats: Set(party.seats),
                childcare: Set(party.childcare),
                status: Set(status),
                check_in_code: Set(code),
                offer_expires_at: Set(None),
                checked_in_at: Set(None),
                cancelled_at: Set(None),
                cancel_reason: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
            for child in &children {
                registration_child::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    municipality_id: Set(session.municipality_id),
                    registration_id: Set(id),
                    birth_date: Set(child.birth_date),
                    age_months_at_session: Set(child.age_months_at_session),
                    needs_childcare: Set(child.needs_childcare),
                }
                .insert(txn)
                .await?;
            }
            record_change(
                txn,
                me.as_ref().map(|me| me.id),
                &registration,
                None,
                None,
                now,
            )
            .await?;
            recount(txn, &session, now).await?;
            announced.push(event(
                &registration,
                if fits { "confirmed" } else { "waitlisted" },
            ));
            if let Ok(mut events) = events.lock() {
                events.extend(announced);
            }
            if let Ok(mut created) = created_here.lock() {
                *created = true;
            }
            Ok(Ok(RegisteredId(id)))
        },
    )
    .await?;
    let RegisteredId(id) = match outcome {
        Ok(id) => id,
        Err(errors) => return Ok(Err(errors)),
    };
    let created = created_here.lock().map(|created| *created).unwrap_or(false);
    let manage_token = match (token, created) {
        (Some(token), true) => Some(token),
        // A retry of a guest registration: the first answer (and token) may have been lost,
        // and only a hash is kept, so the retry gets a new token that replaces the old one.
        (Some(_), false) => Some(rotate_token(w.db, id).await?),
        (None, _) => None,
    };
    w.announce(events.into_inner().unwrap_or_default()).await;
    let registration = registration::Entity::find_by_id(id)
        .one(w.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Ok(Registered {
        registration,
        manage_token,
    }))
}

/// Counts a call of a public mutation against the client's address.
async fn limit_public(w: Writer<'_>, viewer: &Viewer, operation: &str) -> AppResult<()> {
    if let Some(limiter) = w.limiter {
        limiter
            .hit(
                &format!("{operation}:{}", viewer.client_ip),
                Quota::per_minute(w.public_rate_per_minute),
            )
            .await?;
    }
    Ok(())
}

/// Counts a call made with a manage token (no account) against the client's address.
async fn limit_token_use(
    w: Writer<'_>,
    viewer: &Viewer,
    reference: &RegistrationRef,
) -> AppResult<()> {
    match reference {
        RegistrationRef::Token(_) => limit_public(w, viewer, "manage-token").await,
        RegistrationRef::Id(_) => Ok(()),
    }
}

/// Validated guest details.
struct Guest {
    name: String,
    kana: String,
    email: String,
    phone: String,
}

fn check_guest(problems: &mut Problems, guest: &GuestInput) -> Option<Guest> {
    let name = problems.check(text::required("guest.name", &guest.name, 100));
    let kana = problems.check(Kana::parse("guest.kana", &guest.kana, 100));
    let email = problems.check(Email::parse("guest.email", &guest.email));
    let phone = problems.check(text::phone("guest.phone", &guest.phone));
    Some(Guest {
        name: name?,
        kana: kana?.as_str().to_owned(),
        email: email?.as_str().to_owned(),
        phone: phone?,
    })
}

/// Every rule the registration breaks, checked inside the locked transaction.
#[allow(clippy::too_many_arguments)]
async fn refusals(
    txn: &DatabaseTransaction,
    program: &program::Model,
    session: &program_session::Model,
    me: Option<&AuthUser>,
    guest: Option<&Guest>,
    adults: i32,
    children: &[Child],
    now: DateTime<Utc>,
) -> AppResult<Vec<FieldError>> {
    let mut problems = Vec::new();
    if program.status != ProgramStatus::Published || session.status != SessionStatus::Scheduled {
        problems.push(FieldError::input(
            "sessionId",
            FieldErrorCode::InvalidState,
            "この回は申込みを受け付けていません（中止または非公開）。",
        ));
        return Ok(problems);
    }
    if now < session.registration_opens_at {
        problems.push(FieldError::input(
            "sessionId",
            FieldErrorCode::RegistrationClosed,
            format!(
                "申込受付は{}からです。",
                session
                    .registration_opens_at
                    .with_timezone(&Tokyo)
                    .format("%Y年%-m月%-d日 %H:%M")
            ),
        ));
    } else if now >= session.registration_closes_at {
        problems.push(FieldError::input(
            "sessionId",
            FieldErrorCode::RegistrationClosed,
            "申込受付は締め切りました。",
        ));
    }
    if program.residents_only
        && me.and_then(|me| me.municipality_id) != Some(program.municipality_id)
    {
        let name = municipality::Entity::find_by_id(program.municipality_id)
            .one(txn)
            .await?
            .map(|m| m.name_ja)
            .unwrap_or_default();
        problems.push(FieldError::input(
            "sessionId",
            FieldErrorCode::NotEligible,
            format!("このプログラムは{name}にお住まいの方が対象です。{name}の住民の方のアカウントでログインしてお申し込みください。"),
        ));
    }
    problems.extend(rules::eligibility_problems(program, adults, children));
    let party = Party::of(adults, children);
    if party.seats > session.capacity || party.childcare > session.childcare_slots {
        problems.push(FieldError::input(
            "children",
            FieldErrorCode::NotEligible,
            format!(
                "この回の定員（{}人、託児{}人）を超える人数では申し込めません。",
                session.capacity, session.childcare_slots
            ),
        ));
    }
    let mut twice = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session.id))
        .filter(registration::Column::Status.is_in(ACTIVE));
    twice = match (me, guest) {
        (Some(me), _) => twice.filter(registration::Column::UserId.eq(me.id)),
        (None, Some(guest)) => {
            twice.filter(registration::Column::GuestEmail.eq(guest.email.as_str()))
        }
        (None, None) => return Ok(problems),
    };
    if twice.count(txn).await? > 0 {
        problems.push(FieldError::input(
            "sessionId",
            FieldErrorCode::Taken,
            "この回にはすでに申し込まれています。",
        ));
    }
    Ok(problems)
}

/// Cancels a registration: by its registrant (a confirmed place only until the
/// cancellation deadline) or by the program's managers. A freed place is offered to the
/// waitlist.
pub async fn cancel_registration(
    w: Writer<'_>,
    viewer: &Viewer,
    reference: RegistrationRef,
) -> AppResult<Outcome<registration::Model>> {
    limit_token_use(w, viewer, &reference).await?;
    let now = now();
    let txn = db::begin_write(w.db).await?;
    let (registration, session, by_staff) = locate(&txn, viewer, &reference).await?;
    let mut events = settle(&txn, &session, w.offer_hours, now).await?;
    let registration = registration::Entity::find_by_id(registration.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Err(error) =
        states::check_registration("id", registration.status, RegistrationStatus::Cancelled)
    {
        txn.commit().await?;
        w.announce(events).await;
        return Ok(Err(vec![error]));
    }
    if !by_staff
        && registration.status == RegistrationStatus::Confirmed
        && now >= session.cancellation_deadline
    {
        txn.commit().await?;
        w.announce(events).await;
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::DeadlinePassed,
            "キャンセル期限を過ぎています。主催者に直接ご連絡ください。",
        )]));
    }
    let reason = if by_staff {
        CancelReason::Staff
    } else {
        CancelReason::Registrant
    };
    let actor = viewer.user.as_ref().map(|me| me.id);
    let moved = move_registration(
        &txn,
        actor,
        registration,
        RegistrationStatus::Cancelled,
        Some(reason),
        None,
        now,
    )
    .await?;
    events.push(event(&moved, "cancelled"));
    events.extend(settle(&txn, &session, w.offer_hours, now).await?);
    txn.commit().await?;
    w.announce(events).await;
    Ok(Ok(moved))
}

/// Accepts (`accept`) or declines a waitlist offer, as its registrant. Declining or letting
/// it expire passes the place on.
pub async fn respond_to_offer(
    w: Writer<'_>,
    viewer: &Viewer,
    reference: RegistrationRef,
    accept: bool,
) -> AppResult<Outcome<registration::Model>> {
    limit_token_use(w, viewer, &reference).await?;
    let now = now();
    let txn = db::begin_write(w.db).await?;
    let (registration, session, _) = locate(&txn, viewer, &reference).await?;
    if !matches!(reference, RegistrationRef::Token(_)) && !is_registrant(viewer, &registration) {
        return Err(AppError::Forbidden);
    }
    let was_offered = registration.status == RegistrationStatus::Offered;
    let mut events = settle(&txn, &session, w.offer_hours, now).await?;
    let registration = registration::Entity::find_by_id(registration.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if registration.status != RegistrationStatus::Offered {
        txn.commit().await?;
        w.announce(events).await;
        let error = if was_offered {
            FieldError::input(
                "id",
                FieldErrorCode::DeadlinePassed,
                "繰り上げのご案内の有効期限が切れました。",
            )
        } else {
            FieldError::input(
                "id",
                FieldErrorCode::InvalidState,
                format!(
                    "この申込みは現在「{}」のため、繰り上げのご案内はありません。",
                    states::registration_label(registration.status)
                ),
            )
        };
        return Ok(Err(vec![error]));
    }
    let actor = viewer.user.as_ref().map(|me| me.id);
    let moved = if accept {
        let moved = move_registration(
            &txn,
            actor,
            registration,
            RegistrationStatus::Confirmed,
            None,
            None,
            now,
        )
        .await?;
        events.push(event(&moved, "confirmed"));
        moved
    } else {
        let moved = move_registration(
            &txn,
            actor,
            registration,
            RegistrationStatus::Cancelled,
            Some(CancelReason::OfferDeclined),
            None,
            now,
        )
        .await?;
        events.push(event(&moved, "cancelled"));
        events.extend(settle(&txn, &session, w.offer_hours, now).await?);
        moved
    };
    txn.commit().await?;
    w.announce(events).await;
    Ok(Ok(moved))
}

/// How staff name the registration to check in.
#[derive(Debug, Clone)]
pub enum CheckInRef {
    /// By id.
    Id(Uuid),
    /// By the short code on the registrant's confirmation.
    Code {
        /// The session.
        session_id: Uuid,
        /// The code.
        code: String,
    },
}

/// Checks a confirmed registration in (the program's managers), from two hours before the
/// start.
pub async fn check_in(
    w: Writer<'_>,
    viewer: &Viewer,
    reference: CheckInRef,
) -> AppResult<Outcome<registration::Model>> {
    let me = viewer.require_user()?.clone();
    let now = now();
    let txn = db::begin_write(w.db).await?;
    let registration = match &reference {
        CheckInRef::Id(id) => registration::Entity::find_by_id(*id).one(&txn).await?,
        CheckInRef::Code { session_id, code } => {
            registration::Entity::find()
                .filter(registration::Column::SessionId.eq(*session_id))
                .filter(registration::Column::CheckInCode.eq(text::normalize(code).to_uppercase()))
                .one(&txn)
                .await?
        }
    };
    let Some(registration) = registration else {
        if let CheckInRef::Code { session_id, .. } = &reference {
            // The session must be one the viewer manages before saying the code is unknown.
            let session = lock_session(&txn, *session_id).await?;
            let program = program_of(&txn, &session).await?;
            if !manages(&me, &program) {
                return Err(AppError::NotFound);
            }
            return Ok(Err(vec![FieldError::input(
                "code",
                FieldErrorCode::NotFound,
                "この受付番号の申込みはありません。",
            )]));
        }
        return Err(AppError::NotFound);
    };
    let session = lock_session(&txn, registration.session_id).await?;
    let program = program_of(&txn, &session).await?;
    if !manages(&me, &program) {
        return Err(AppError::NotFound);
    }
    if now < session.starts_at - Duration::hours(CHECK_IN_OPENS_HOURS) {
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "受付は開始の2時間前からです。",
        )]));
    }
    if registration.status == RegistrationStatus::Attended {
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "すでに受付済みです。",
        )]));
    }
    if let Err(error) =
        states::check_registration("id", registration.status, RegistrationStatus::Attended)
    {
        return Ok(Err(vec![error]));
    }
    let moved = move_registration(
        &txn,
        Some(me.id),
        registration,
        RegistrationStatus::Attended,
        None,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    w.announce(vec![event(&moved, "checked_in")]).await;
    Ok(Ok(moved))
}

/// Marks every confirmed registration not checked in as a no-show, once the session has
/// ended (the program's managers). Returns the session.
pub async fn mark_no_shows(
    w: Writer<'_>,
    viewer: &Viewer,
    session_id: Uuid,
) -> AppResult<Outcome<(program_session::Model, u64)>> {
    let me = viewer.require_user()?.clone();
    let now = now();
    let txn = db::begin_write(w.db).await?;
    let session = lock_session(&txn, session_id).await?;
    let program = program_of(&txn, &session).await?;
    if !manages(&me, &program) {
        return Err(AppError::NotFound);
    }
    if now < session.ends_at {
        return Ok(Err(vec![FieldError::input(
            "sessionId",
            FieldErrorCode::InvalidState,
            "欠席の記録は回の終了後にできます。",
        )]));
    }
    let confirmed = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session.id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .all(&txn)
        .await?;
    let marked = confirmed.len() as u64;
    for registration in confirmed {
        move_registration(
            &txn,
            Some(me.id),
            registration,
            RegistrationStatus::NoShow,
            None,
            None,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Ok((session, marked)))
}

/// Records the satisfaction survey of an attended registration, once, by its registrant.
pub async fn submit_survey(
    w: Writer<'_>,
    viewer: &Viewer,
    reference: RegistrationRef,
    score: i32,
    comment: Option<String>,
) -> AppResult<Outcome<program_survey::Model>> {
    limit_token_use(w, viewer, &reference).await?;
    let now = now();
    let txn = db::begin_write(w.db).await?;
    let (registration, session, _) = locate(&txn, viewer, &reference).await?;
    if !matches!(reference, RegistrationRef::Token(_)) && !is_registrant(viewer, &registration) {
        // Staff see the registration but only the registrant answers its survey.
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    if registration.status != RegistrationStatus::Attended {
        problems.push(FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "アンケートは参加された方のみ回答できます。",
        ));
    }
    if !(1..=5).contains(&score) {
        problems.push(FieldError::input(
            "score",
            FieldErrorCode::Invalid,
            "満足度は1〜5で選んでください。",
        ));
    }
    let comment = match comment.as_deref() {
        Some(comment) if !text::normalize(comment).is_empty() => {
            problems.check(long_text("comment", comment, MAX_NOTE).map(Some))
        }
        _ => Some(None),
    };
    let exists = program_survey::Entity::find()
        .filter(program_survey::Column::RegistrationId.eq(registration.id))
        .count(&txn)
        .await?
        > 0;
    if exists {
        problems.push(FieldError::input(
            "id",
            FieldErrorCode::Taken,
            "アンケートには回答済みです。",
        ));
    }
    let (Some(comment), true) = (comment, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let survey = program_survey::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(registration.municipality_id),
        program_id: Set(registration.program_id),
        session_id: Set(session.id),
        registration_id: Set(registration.id),
        score: Set(i16::try_from(score).unwrap_or(0)),
        comment: Set(comment),
        fiscal_year: Set(fiscal::year_of(session.starts_at)),
        submitted_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Ok(survey))
}

/// Passes on every expired offer of every session (the periodic task). Returns how many
/// sessions were settled.
pub async fn expire_due_offers(w: Writer<'_>) -> AppResult<usize> {
    let sessions: Vec<Uuid> = registration::Entity::find()
        .select_only()
        .column(registration::Column::SessionId)
        .filter(registration::Column::Status.eq(RegistrationStatus::Offered))
        .filter(registration::Column::OfferExpiresAt.lte(now()))
        .distinct()
        .into_tuple()
        .all(w.db)
        .await?;
    for session in &sessions {
        settle_if_due(w, *session).await?;
    }
    Ok(sessions.len())
}

/// Settles a session whose offers expired, if any did.
async fn settle_if_due(w: Writer<'_>, session_id: Uuid) -> AppResult<()> {
    let now = now();
    let due = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Offered))
        .filter(registration::Column::OfferExpiresAt.lte(now))
        .count(w.db)
        .await?;
    if due == 0 {
        return Ok(());
    }
    let txn = db::begin_write(w.db).await?;
    let Some(session) = program_session::Entity::find_by_id(session_id)
        .lock_exclusive()
        .one(&txn)
        .await?
    else {
        return Ok(());
    };
    let events = settle(&txn, &session, w.offer_hours, now).await?;
    txn.commit().await?;
    w.announce(events).await;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Capacity

/// Expires due offers, then offers the free places to the first waiting parties that fit,
/// in registration order, and writes the recounted totals. Call with the session locked.
async fn settle(
    txn: &DatabaseTransaction,
    session: &program_session::Model,
    offer_hours: u32,
    now: DateTime<Utc>,
) -> AppResult<Vec<Event>> {
    let mut events = Vec::new();
    let expired = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session.id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Offered))
        .filter(registration::Column::OfferExpiresAt.lte(now))
        .all(txn)
        .await?;
    for registration in expired {
        let moved = move_registration(
            txn,
            None,
            registration,
            RegistrationStatus::Cancelled,
            Some(CancelReason::OfferExpired),
            None,
            now,
        )
        .await?;
        events.push(event(&moved, "offer_expired"));
    }
    let (mut seats, mut childcare) = held(txn, session.id).await?;
    if session.status == SessionStatus::Scheduled && session.starts_at > now {
        let waiting = registration::Entity::find()
            .filter(registration::Column::SessionId.eq(session.id))
            .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
            .order_by_asc(registration::Column::Id)
            .all(txn)
            .await?;
        let expires = std::cmp::min(
            now + Duration::hours(i64::from(offer_hours)),
            session.starts_at,
        );
        for registration in waiting {
            let party = Party {
                adults: registration.adults,
                children: registration.children,
                seats: registration.seats,
                childcare: registration.childcare,
            };
            if !party.fits(
                session.capacity - seats,
                session.childcare_slots - childcare,
            ) {
                continue;
            }
            seats += party.seats;
            childcare += party.childcare;
            let mut model = registration.clone().into_active_model();
            model.offer_expires_at = Set(Some(expires));
            let registration = model.update(txn).await?;
            let moved = move_registration(
                txn,
                None,
                registration,
                RegistrationStatus::Offered,
                None,
                None,
                now,
            )
            .await?;
            events.push(event(&moved, "offered"));
        }
    }
    recount(txn, session, now).await?;
    Ok(events)
}

/// Seats and childcare slots held on a session, counted from its registrations.
async fn held(txn: &DatabaseTransaction, session_id: Uuid) -> AppResult<(i32, i32)> {
    use registration::Column;
    let sums: Option<(Option<i64>, Option<i64>)> = registration::Entity::find()
        .select_only()
        .column_as(Column::Seats.sum(), "seats")
        .column_as(Column::Childcare.sum(), "childcare")
        .filter(Column::SessionId.eq(session_id))
        .filter(Column::Status.is_in(HOLDING))
        .into_tuple()
        .one(txn)
        .await?;
    let (seats, childcare) = sums.unwrap_or((None, None));
    let narrow = |sum: Option<i64>| i32::try_from(sum.unwrap_or(0)).unwrap_or(i32::MAX);
    Ok((narrow(seats), narrow(childcare)))
}

/// Writes the recounted totals onto the session row.
async fn recount(
    txn: &DatabaseTransaction,
    session: &program_session::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (seats, childcare) = held(txn, session.id).await?;
    let current = program_session::Entity::find_by_id(session.id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.seats_taken == seats && current.childcare_taken == childcare {
        return Ok(());
    }
    let mut model = current.into_active_model();
    model.seats_taken = Set(seats);
    model.childcare_taken = Set(childcare);
    model.updated_at = Set(now);
    let updated = model.update(txn).await?;
    // Free places moved: the program's search document shows them.
    outbox::enqueue(
        txn,
        sources::PROGRAM,
        updated.program_id,
        updated.municipality_id,
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Helpers

/// The registration, its locked session, and whether the viewer acts as staff.
async fn locate(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    reference: &RegistrationRef,
) -> AppResult<(registration::Model, program_session::Model, bool)> {
    let registration = match reference {
        RegistrationRef::Id(id) => registration::Entity::find_by_id(*id)
            .one(txn)
            .await?
            .ok_or(AppError::NotFound)?,
        RegistrationRef::Token(token) => by_token(txn, token).await?,
    };
    let session = lock_session(txn, registration.session_id).await?;
    if matches!(reference, RegistrationRef::Token(_)) || is_registrant(viewer, &registration) {
        return Ok((registration, session, false));
    }
    let program = program_of(txn, &session).await?;
    if viewer_manages(viewer, &program) {
        Ok((registration, session, true))
    } else {
        Err(AppError::NotFound)
    }
}

async fn lock_session(txn: &DatabaseTransaction, id: Uuid) -> AppResult<program_session::Model> {
    program_session::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

async fn program_of(
    db: &impl ConnectionTrait,
    session: &program_session::Model,
) -> AppResult<program::Model> {
    program::Entity::find_by_id(session.program_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Moves a registration to `to` and records it in its history. Callers check the move
/// first, so a refused move here is a bug, not a user error.
async fn move_registration(
    txn: &DatabaseTransaction,
    actor: Option<Uuid>,
    registration: registration::Model,
    to: RegistrationStatus,
    cancel_reason: Option<CancelReason>,
    note: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<registration::Model> {
    let from = registration.status;
    if !states::registration_can_transition(from, to) {
        return Err(AppError::internal(anyhow::anyhow!(
            "registration {} cannot move from {from:?} to {to:?}",
            registration.id
        )));
    }
    let mut model = registration.into_active_model();
    model.status = Set(to);
    match to {
        RegistrationStatus::Cancelled => {
            model.cancelled_at = Set(Some(now));
            model.cancel_reason = Set(cancel_reason);
            model.offer_expires_at = Set(None);
        }
        RegistrationStatus::Confirmed => model.offer_expires_at = Set(None),
        RegistrationStatus::Attended => model.checked_in_at = Set(Some(now)),
        _ => {}
    }
    model.updated_at = Set(now);
    let moved = model.update(txn).await?;
    let reason = note.or_else(|| cancel_reason.map(|reason| reason.to_value()));
    record_change(txn, actor, &moved, Some(from), reason, now).await?;
    Ok(moved)
}

async fn record_change(
    txn: &DatabaseTransaction,
    actor: Option<Uuid>,
    registration: &registration::Model,
    from: Option<RegistrationStatus>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    registration_status_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(registration.municipality_id),
        registration_id: Set(registration.id),
        from_status: Set(from.map(|status| status.to_value())),
        to_status: Set(registration.status.to_value()),
        actor_user_id: Set(actor),
        reason: Set(reason),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(())
}

fn event(registration: &registration::Model, name: &str) -> Event {
    Event {
        municipality_id: Some(registration.municipality_id),
        topic: format!("programs.registration.{name}"),
        subject_id: registration.id,
        user_id: registration.user_id,
        occurred_at: Utc::now(),
    }
}

async fn free_check_in_code(txn: &DatabaseTransaction, session_id: Uuid) -> AppResult<String> {
    for _ in 0..20 {
        let code: String = {
            let mut rng = rand::rng();
            (0..6)
                .map(|_| {
                    let index = rng.random_range(0..CODE_ALPHABET.len());
                    char::from(CODE_ALPHABET[index])
                })
                .collect()
        };
        let taken = registration::Entity::find()
            .filter(registration::Column::SessionId.eq(session_id))
            .filter(registration::Column::CheckInCode.eq(code.as_str()))
            .count(txn)
            .await?;
        if taken == 0 {
            return Ok(code);
        }
    }
    Err(AppError::internal(anyhow::anyhow!(
        "no free check-in code on session {session_id}"
    )))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 (hex) of a manage token: what the database keeps.
pub fn hash_token(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.trim().as_bytes()))
}

async fn rotate_token(db: &DatabaseConnection, id: Uuid) -> AppResult<String> {
    let token = new_token();
    registration::Entity::update_many()
        .col_expr(
            registration::Column::ManageTokenHash,
            Expr::value(hash_token(&token)),
        )
        .filter(registration::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survey_summaries_give_the_mean_and_the_share_of_four_and_five() {
        let summary = SurveySummary::of([(5, 2), (4, 1), (2, 1)]);
        assert_eq!(summary.responses, 4);
        assert_eq!(summary.mean_score, Some(4.0));
        assert_eq!(summary.satisfied_share, Some(0.75));
        assert_eq!(SurveySummary::of([]).mean_score, None);
    }

    #[test]
    fn tokens_are_kept_as_sha256() {
        let token = new_token();
        assert_eq!(hash_token(&token).len(), 64);
        assert_ne!(hash_token(&token), token);
    }
}

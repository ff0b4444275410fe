//! Creating, changing and cancelling sessions.

use chrono::{DateTime, Duration, Months, SubsecRound, Utc};
use chrono_tz::Asia::Tokyo;
use entity::{
    program::{self, ProgramStatus},
    program_session::{self, SessionStatus},
    registration::{self, CancelReason, RegistrationStatus},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder,
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    auth::{AuthUser, Viewer},
    db,
    domains::programs::{notices, states::ACTIVE},
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    events::Event,
    fiscal,
    idempotency::{self, KeyScope},
    search::{outbox, sources},
    state::ServiceContext,
    text::{long_text, optional_line},
};

use super::{
    MAX_NOTE, MAX_SERIES,
    capacity::{held, settle},
    lookup::{lock_session, program_of},
    moves::{event, move_registration},
    programs::refresh_first_session,
    visibility::{can_see_program, manages},
};

/// Longest venue or guest name.
const MAX_LINE: usize = 200;

/// Largest capacity of a session.
const MAX_CAPACITY: i32 = 10_000;

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

/// Creates one session, or a weekly or monthly series of them (the program's managers).
/// The registration window and cancellation deadline keep their distance to the start.
#[tracing::instrument(skip_all, fields(program_id = %input.program_id))]
pub async fn create_sessions(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: NewSessions,
) -> AppResult<Outcome<Vec<program_session::Model>>> {
    let me = viewer.require_user()?.clone();
    let program = program::Entity::find_by_id(input.program_id)
        .one(ctx.db)
        .await?
        .filter(|program| can_see_program(viewer, program))
        .ok_or(AppError::NotFound)?;
    if !manages(&me, &program) {
        return Err(AppError::Forbidden);
    }
    let now = ctx.now();
    let plan = match plan_series(&program, &input, now) {
        Ok(plan) => plan,
        Err(errors) => return Ok(Err(errors)),
    };

    #[derive(Serialize)]
    struct Fingerprint {
        program: Uuid,
        starts: Vec<DateTime<Utc>>,
        capacity: i32,
        childcare: i32,
    }
    let fingerprint = Fingerprint {
        program: program.id,
        starts: plan.starts.clone(),
        capacity: input.capacity,
        childcare: input.childcare_slots,
    };
    let created = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "createProgramSessions"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let ids = insert_series(txn, &program, &input, &plan, now).await?;
            refresh_first_session(txn, program.id).await?;
            outbox::enqueue(txn, sources::PROGRAM, program.id, program.municipality_id).await?;
            Ok(Ok(ids))
        },
    )
    .await?;
    match created {
        Ok(ids) => Ok(Ok(program_session::Entity::find()
            .filter(program_session::Column::Id.is_in(ids))
            .order_by_asc(program_session::Column::StartsAt)
            .all(ctx.db)
            .await?)),
        Err(errors) => Ok(Err(errors)),
    }
}

/// The sessions to create, checked: the first one's times and place, and every start.
struct SeriesPlan {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    /// Whether the opening time was given (else registration opens now for every session).
    opens_given: bool,
    opens: DateTime<Utc>,
    closes: DateTime<Utc>,
    deadline: DateTime<Utc>,
    venue: Option<String>,
    online_url: Option<String>,
    starts: Vec<DateTime<Utc>>,
}

/// Checks new sessions of `program` and computes the starts of the series.
fn plan_series(
    program: &program::Model,
    input: &NewSessions,
    now: DateTime<Utc>,
) -> Result<SeriesPlan, Vec<FieldError>> {
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
    for (field, at) in [("startsAt", starts_at), ("endsAt", ends_at)] {
        problems.check(fiscal::check_date(field, fiscal::date_of(at)));
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
        return Err(problems.into_vec());
    };
    let Some(starts) = series_starts(starts_at, frequency, count) else {
        return Err(vec![FieldError::input(
            "repeat.count",
            FieldErrorCode::Invalid,
            "繰り返しの日付を計算できません。",
        )]);
    };
    Ok(SeriesPlan {
        starts_at,
        ends_at,
        opens_given,
        opens,
        closes,
        deadline,
        venue,
        online_url,
        starts,
    })
}

/// The starts of `count` sessions repeating `first`; `None` when a date cannot be computed.
fn series_starts(
    first: DateTime<Utc>,
    frequency: Frequency,
    count: u32,
) -> Option<Vec<DateTime<Utc>>> {
    (0..count)
        .map(|index| match frequency {
            Frequency::Weekly => Some(first + Duration::weeks(i64::from(index))),
            Frequency::Monthly => first
                .with_timezone(&Tokyo)
                .checked_add_months(Months::new(index))
                .map(|local| local.with_timezone(&Utc)),
        })
        .collect()
}

/// Inserts the planned sessions; each keeps the first one's distances to its start.
async fn insert_series(
    txn: &DatabaseTransaction,
    program: &program::Model,
    input: &NewSessions,
    plan: &SeriesPlan,
    now: DateTime<Utc>,
) -> AppResult<Vec<Uuid>> {
    let mut ids = Vec::new();
    for start in &plan.starts {
        let shift = *start - plan.starts_at;
        let session = program_session::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(program.municipality_id),
            program_id: Set(program.id),
            starts_at: Set(*start),
            ends_at: Set(plan.ends_at + shift),
            venue: Set(plan.venue.clone()),
            online_url: Set(plan.online_url.clone()),
            capacity: Set(input.capacity),
            childcare_slots: Set(input.childcare_slots),
            registration_opens_at: Set(if plan.opens_given {
                plan.opens + shift
            } else {
                plan.opens
            }),
            registration_closes_at: Set(plan.closes + shift),
            cancellation_deadline: Set(plan.deadline + shift),
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
    Ok(ids)
}

/// Changes a session that has not ended (its program's managers). Seats and childcare slots
/// never drop below what registrations hold; places added are offered to the waitlist. A
/// new time or place is told to every registrant holding or awaiting a place.
#[tracing::instrument(skip_all, fields(session_id = %id))]
pub async fn update_session(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    changes: SessionChanges,
) -> AppResult<Outcome<program_session::Model>> {
    let me = viewer.require_user()?.clone();
    let now = ctx.now();
    let txn = db::begin_write(ctx.db).await?;
    let session = lock_session(&txn, id).await?;
    let program = program_of(&txn, &session).await?;
    if !can_see_program(viewer, &program) {
        return Err(AppError::NotFound);
    }
    if !manages(&me, &program) {
        return Err(AppError::Forbidden);
    }
    let mut events = settle(&txn, &session, ctx, now).await?;
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
    for (field, at) in [("startsAt", starts_at), ("endsAt", ends_at)] {
        problems.check(fiscal::check_date(field, fiscal::date_of(at)));
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
        ctx.announce(events).await;
        return Ok(Err(problems.into_vec()));
    };
    let before = session.clone();
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
    if ctx.notifies() && notices::moved(&before, &updated) {
        // Everyone who holds or awaits a place hears of the new time or place.
        let concerned = registration::Entity::find()
            .filter(registration::Column::SessionId.eq(updated.id))
            .filter(registration::Column::Status.is_in(ACTIVE))
            .order_by_asc(registration::Column::Id)
            .all(&txn)
            .await?;
        for registration in &concerned {
            notices::session_changed(&txn, &program, &before, &updated, registration).await?;
        }
    }
    events.extend(settle(&txn, &updated, ctx, now).await?);
    refresh_first_session(&txn, program.id).await?;
    outbox::enqueue(&txn, sources::PROGRAM, program.id, program.municipality_id).await?;
    txn.commit().await?;
    ctx.announce(events).await;
    Ok(Ok(program_session::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?))
}

/// Cancels a session (its program's managers): every registration is cancelled, every seat
/// released and every registrant notified.
#[tracing::instrument(skip_all, fields(session_id = %id))]
pub async fn cancel_session(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
) -> AppResult<Outcome<program_session::Model>> {
    let me = viewer.require_user()?.clone();
    let txn = db::begin_write(ctx.db).await?;
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
    let now = ctx.now();
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
    let events = cancel_session_in(&txn, ctx, &me, session, &reason, now).await?;
    refresh_first_session(&txn, program.id).await?;
    outbox::enqueue(&txn, sources::PROGRAM, program.id, program.municipality_id).await?;
    txn.commit().await?;
    ctx.announce(events).await;
    Ok(Ok(program_session::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?))
}

pub(super) async fn cancel_session_in(
    txn: &DatabaseTransaction,
    ctx: ServiceContext<'_>,
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
    let mut cancelled = Vec::with_capacity(registrations.len());
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
        events.push(event(&moved, "session_cancelled", now));
        cancelled.push(moved);
    }
    let program = program_of(txn, &session).await?;
    let mut model = session.into_active_model();
    model.status = Set(SessionStatus::Cancelled);
    model.cancelled_at = Set(Some(now));
    model.cancel_reason = Set(Some(reason.to_owned()));
    model.seats_taken = Set(0);
    model.childcare_taken = Set(0);
    model.updated_at = Set(now);
    let session = model.update(txn).await?;
    if ctx.notifies() {
        for registration in &cancelled {
            notices::session_cancelled(txn, &program, &session, registration).await?;
        }
    }
    Ok(events)
}

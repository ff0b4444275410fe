//! Rules of the relocation domain: who sees an inquiry's personal data, how inquiries are
//! given to concierges, and the pipeline with its timeline. Knows nothing of GraphQL; the
//! demo seed and the simulation example call it too.
//!
//! Privacy, in one place: personal data of an inquiry is read only by the administrators of
//! its municipality and by its concierges — a concierge sees the inquiries assigned to them
//! and the unassigned queue. Every such read writes an access-log row. The family sees its
//! inquiry's stage through the reference code and tracking token, without personal data.
//!
//! Assignment, in one place: every decision for a municipality runs inside a write
//! transaction that first takes the municipality's lock (SQLite: the database write lock of
//! `BEGIN IMMEDIATE`; PostgreSQL: a transaction-scoped advisory lock) and counts active
//! inquiries afresh, so concurrent submissions and closures never push anyone past capacity.
//! After anything that may free capacity the oldest unassigned inquiries are assigned.

use std::{collections::BTreeSet, sync::Mutex};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use entity::{
    concierge_leave, concierge_profile, inquiry_access_log,
    inquiry_event::{self, EventKind},
    municipality,
    relocation_inquiry::{self, CloseReason, ContactChannel, InquiryStage, Interest},
    relocation_setting::{self, AssignmentStrategy},
    user,
};
use rand::{Rng, RngCore};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait, IntoActiveModel, Iterable,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    assignment::{self, Candidate, Need},
    sla::{self, BusinessHours},
    states,
};
use crate::{
    auth::{AuthUser, Role, Viewer},
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    events::{Event, EventBus},
    fiscal,
    idempotency::{self, KeyScope},
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
    rate_limit::Quota,
    state::AppState,
    text::{self, Email, Kana, optional_line},
};

/// Now, at the precision both databases keep (see [`db::now`]).
pub use crate::db::now;

/// Longest name, area, timing line.
const MAX_LINE: usize = 100;
/// Longest message, note or reason.
pub const MAX_TEXT: usize = 2000;
/// Most adults or children in one household.
const MAX_PEOPLE: i32 = 20;
/// Characters of the reference code: no 0/O, 1/I/L, so it can be read over the phone.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Prefix of tracking tokens.
const TOKEN_PREFIX: &str = "trk_";

/// Default settings of a municipality without a settings row.
pub const DEFAULT_FOLLOW_UP_MONTHS: i32 = 6;
/// Seven hours and 45 minutes: the working time of a municipal day (8:30–17:15 less the
/// lunch hour), counted over the open hours; a morning inquiry is due the same afternoon.
pub const DEFAULT_FIRST_RESPONSE_MINUTES: i32 = 465;
/// Closed inquiries keep personal data this long by default.
pub const DEFAULT_RETENTION_DAYS: i32 = 365 * 3;

/// Where the service writes and announces: the database and, when serving, the event bus.
#[derive(Clone, Copy)]
pub struct Writer<'a> {
    /// The database.
    pub db: &'a DatabaseConnection,
    events: Option<&'a EventBus>,
}

impl<'a> From<&'a AppState> for Writer<'a> {
    fn from(state: &'a AppState) -> Self {
        Self {
            db: &state.db,
            events: Some(&state.events),
        }
    }
}

impl<'a> Writer<'a> {
    /// Writes to `db` without publishing events (seed, simulation).
    pub fn quiet(db: &'a DatabaseConnection) -> Self {
        Self { db, events: None }
    }

    /// Publishes that `leave` was written or removed.
    async fn announce_leave(&self, leave: &concierge_leave::Model) {
        let Some(events) = self.events else { return };
        events
            .publish(
                self.db,
                Event {
                    municipality_id: Some(leave.municipality_id),
                    topic: TOPIC_LEAVE_CHANGED.to_owned(),
                    subject_id: leave.id,
                    user_id: Some(leave.user_id),
                    occurred_at: now(),
                },
            )
            .await;
    }

    /// Publishes what a committed transaction did.
    async fn announce(&self, changes: &[Change]) {
        let Some(events) = self.events else { return };
        for change in changes {
            events
                .publish(
                    self.db,
                    Event {
                        municipality_id: Some(change.municipality_id),
                        topic: change.topic.to_owned(),
                        subject_id: change.inquiry_id,
                        user_id: change.concierge_id,
                        occurred_at: change.at,
                    },
                )
                .await;
        }
    }
}

/// Something that happened to an inquiry, announced after commit.
#[derive(Debug, Clone)]
pub struct Change {
    municipality_id: Uuid,
    inquiry_id: Uuid,
    /// The concierge it concerns.
    concierge_id: Option<Uuid>,
    topic: &'static str,
    at: DateTime<Utc>,
}

/// Topic of an inquiry newly assigned to the event's user.
pub const TOPIC_ASSIGNED: &str = "relocation.inquiry.assigned";
/// Topic of a change to an inquiry held by the event's user.
pub const TOPIC_CHANGED: &str = "relocation.inquiry.changed";
/// Topic of an inquiry taken away from the event's user.
pub const TOPIC_UNASSIGNED: &str = "relocation.inquiry.unassigned";
/// Topic of a leave period written or removed for the event's user: the end of leave the
/// assignment sweep waits for may have moved.
pub const TOPIC_LEAVE_CHANGED: &str = "relocation.leave.changed";

// ---------------------------------------------------------------------------------------
// Inputs

/// A family's inquiry, as typed.
#[derive(Debug, Clone, Default)]
pub struct NewInquiry {
    /// The municipality asked.
    pub municipality_id: Uuid,
    /// Name.
    pub name: String,
    /// Kana reading of the name.
    pub name_kana: String,
    /// Email, if any.
    pub email: Option<String>,
    /// Phone, if any.
    pub phone: Option<String>,
    /// Current prefecture (JIS X 0401), if given.
    pub prefecture_code: Option<i32>,
    /// Adults moving.
    pub adults: i32,
    /// Children's birth months, `YYYY-MM`.
    pub children_birth_months: Vec<String>,
    /// Interests.
    pub interests: Vec<Interest>,
    /// Desired area.
    pub desired_area: Option<String>,
    /// Desired timing.
    pub desired_timing: Option<String>,
    /// Preferred contact channel.
    pub preferred_channel: Option<ContactChannel>,
    /// Preferred language tag.
    pub preferred_language: Option<String>,
    /// Free text.
    pub message: Option<String>,
    /// Consent to the privacy notice.
    pub consent: bool,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// What a family receives after submitting: the code and the token, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Receipt {
    /// The inquiry.
    pub inquiry_id: Uuid,
    /// Human-readable reference code.
    pub reference_code: String,
    /// Secret tracking token.
    pub tracking_token: String,
}

/// What a family may see of its inquiry.
#[derive(Debug, Clone)]
pub struct PublicStatus {
    /// Reference code.
    pub reference_code: String,
    /// Stage.
    pub stage: InquiryStage,
    /// The concierge's display name, once assigned.
    pub concierge_name: Option<String>,
    /// Next appointment.
    pub next_appointment_at: Option<DateTime<Utc>>,
    /// When the inquiry was received.
    pub received_at: DateTime<Utc>,
}

/// A concierge profile, as typed by an administrator.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    /// The concierge's account.
    pub user_id: Uuid,
    /// Specialties.
    pub specialties: Vec<Interest>,
    /// Languages.
    pub languages: Vec<String>,
    /// Areas.
    pub areas: Vec<String>,
    /// Capacity of active inquiries.
    pub capacity: i32,
    /// Takes new inquiries.
    pub available: bool,
    /// Reads every inquiry of the municipality; `None` keeps what is set (off when new).
    pub sees_all_inquiries: Option<bool>,
}

/// Filter of the inquiry list.
#[derive(Debug, Clone, Default)]
pub struct InquiryFilter {
    /// Only this municipality (required for platform admins).
    pub municipality_id: Option<Uuid>,
    /// Only these stages (any when empty).
    pub stages: Vec<InquiryStage>,
    /// Only inquiries of this concierge.
    pub concierge_id: Option<Uuid>,
    /// Only unassigned inquiries.
    pub unassigned: bool,
    /// Only inquiries with this interest.
    pub interest: Option<Interest>,
    /// Only inquiries past their first-response deadline.
    pub overdue: bool,
    /// Received at or after.
    pub received_from: Option<DateTime<Utc>>,
    /// Received before.
    pub received_until: Option<DateTime<Utc>>,
    /// Text search over name, kana, email, phone and reference code.
    pub search: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Visibility

/// How a viewer relates to a municipality's inquiries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// An administrator: every inquiry.
    Admin(Uuid),
    /// A concierge: their own inquiries and the unassigned queue.
    Concierge(Uuid),
    /// A concierge an administrator let read every inquiry of the municipality; they still
    /// work only on the inquiries they hold.
    WideConcierge(Uuid),
}

impl Access {
    /// The staff member.
    pub fn user_id(self) -> Uuid {
        match self {
            Self::Admin(id) | Self::Concierge(id) | Self::WideConcierge(id) => id,
        }
    }

    /// Whether this access reads `inquiry` (of its municipality) with its personal data.
    fn reads(self, inquiry: &relocation_inquiry::Model) -> bool {
        match self {
            Self::Admin(_) | Self::WideConcierge(_) => true,
            Self::Concierge(me) => inquiry
                .assigned_concierge_id
                .is_none_or(|holder| holder == me),
        }
    }
}

/// The viewer's access to `municipality_id`'s inquiries, if any.
pub fn access(viewer: &Viewer, municipality_id: Uuid) -> Option<Access> {
    let me = viewer.user.as_ref()?;
    if me.administers(municipality_id) {
        Some(Access::Admin(me.id))
    } else if me.role == Role::Concierge && me.municipality_id == Some(municipality_id) {
        Some(Access::Concierge(me.id))
    } else {
        None
    }
}

/// The viewer's access for reading `municipality_id`'s inquiries: as [`access`], widened for
/// a concierge whose profile lets them see every inquiry.
pub async fn read_access(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    municipality_id: Uuid,
) -> AppResult<Option<Access>> {
    let Some(Access::Concierge(me)) = access(viewer, municipality_id) else {
        return Ok(access(viewer, municipality_id));
    };
    let widened = concierge_profile::Entity::find_by_id(me)
        .one(db)
        .await?
        .is_some_and(|p| p.sees_all_inquiries && p.municipality_id == municipality_id);
    Ok(Some(if widened {
        Access::WideConcierge(me)
    } else {
        Access::Concierge(me)
    }))
}

/// Whether the viewer may work on `inquiry` (and so read it with its personal data): an
/// administrator, or a concierge holding it or looking at the queue.
pub fn can_read(viewer: &Viewer, inquiry: &relocation_inquiry::Model) -> bool {
    access(viewer, inquiry.municipality_id).is_some_and(|access| access.reads(inquiry))
}

/// Writes one access-log row per inquiry read by `user_id`.
async fn log_access(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    inquiries: &[&relocation_inquiry::Model],
    purpose: &str,
) -> AppResult<()> {
    if inquiries.is_empty() {
        return Ok(());
    }
    let now = now();
    inquiry_access_log::Entity::insert_many(inquiries.iter().map(|inquiry| {
        inquiry_access_log::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(inquiry.municipality_id),
            inquiry_id: Set(inquiry.id),
            user_id: Set(user_id),
            purpose: Set(purpose.to_owned()),
            created_at: Set(now),
        }
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// One inquiry the viewer may read, logging the read; `NOT_FOUND` otherwise.
pub async fn find_inquiry(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<relocation_inquiry::Model> {
    let me = viewer.require_user()?;
    let Some(inquiry) = relocation_inquiry::Entity::find_by_id(id)
        .one(&state.db)
        .await?
    else {
        return Err(AppError::NotFound);
    };
    let access = read_access(&state.db, viewer, inquiry.municipality_id).await?;
    if !access.is_some_and(|access| access.reads(&inquiry)) {
        return Err(AppError::NotFound);
    }
    log_access(&state.db, me.id, &[&inquiry], "inquiry").await?;
    Ok(inquiry)
}

/// The municipality whose inquiries a list shows: the given one, or the viewer's own.
async fn list_scope(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
) -> AppResult<(Uuid, Access)> {
    let me = viewer.require_user()?;
    let municipality_id = municipality_id
        .or(me.municipality_id)
        .ok_or_else(|| AppError::BadUserInput("give a municipalityId".into()))?;
    let access = read_access(db, viewer, municipality_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    Ok((municipality_id, access))
}

fn visible_condition(municipality_id: Uuid, access: Access) -> Condition {
    use relocation_inquiry::Column;
    let condition = Condition::all().add(Column::MunicipalityId.eq(municipality_id));
    match access {
        Access::Admin(_) | Access::WideConcierge(_) => condition,
        Access::Concierge(me) => condition.add(
            Condition::any()
                .add(Column::AssignedConciergeId.eq(me))
                .add(Column::AssignedConciergeId.is_null()),
        ),
    }
}

/// Inquiries the viewer may read, newest first, logging each read.
pub async fn list_inquiries(
    state: &AppState,
    viewer: &Viewer,
    filter: InquiryFilter,
    page: PageArgs,
) -> AppResult<Page<relocation_inquiry::Model>> {
    use relocation_inquiry::Column;
    let (municipality_id, access) = list_scope(&state.db, viewer, filter.municipality_id).await?;
    let mut condition = visible_condition(municipality_id, access);
    if !filter.stages.is_empty() {
        condition = condition.add(Column::Stage.is_in(filter.stages.clone()));
    }
    if let Some(concierge) = filter.concierge_id {
        condition = condition.add(Column::AssignedConciergeId.eq(concierge));
    }
    if filter.unassigned {
        condition = condition.add(Column::AssignedConciergeId.is_null());
    }
    if let Some(interest) = filter.interest {
        condition = condition.add(Column::Interests.contains(format!(",{},", interest.to_value())));
    }
    if filter.overdue {
        condition = condition.add(overdue_condition(now()));
    }
    if let Some(from) = filter.received_from {
        condition = condition.add(Column::CreatedAt.gte(from));
    }
    if let Some(until) = filter.received_until {
        condition = condition.add(Column::CreatedAt.lt(until));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(search_key)
        .filter(|s| !s.is_empty())
    {
        condition = condition.add(Column::SearchText.contains(search));
    }
    let ordering = Ordering::<relocation_inquiry::Entity> {
        column: Some(Column::CreatedAt),
        id: Column::Id,
        descending: true,
        key: |row| (Some(SortValue::Time(row.created_at)), row.id),
    };
    let page = paginate(
        &state.db,
        relocation_inquiry::Entity::find().filter(condition),
        &ordering,
        page,
        state.limits.max_page_size,
    )
    .await?;
    let read: Vec<&relocation_inquiry::Model> = page.rows.iter().map(|(_, row)| row).collect();
    log_access(&state.db, access.user_id(), &read, "list").await?;
    Ok(page)
}

/// Active inquiries not yet answered whose first-response deadline passed.
fn overdue_condition(now: DateTime<Utc>) -> Condition {
    use relocation_inquiry::Column;
    Condition::all()
        .add(Column::FirstRespondedAt.is_null())
        .add(Column::FirstResponseDueAt.lt(now))
        .add(Column::Stage.is_not_in([InquiryStage::MovedIn, InquiryStage::Closed]))
}

/// Whether `inquiry` is past its first-response deadline at `now`.
pub fn is_overdue(inquiry: &relocation_inquiry::Model, now: DateTime<Utc>) -> bool {
    inquiry.first_responded_at.is_none()
        && inquiry.stage.is_active()
        && inquiry.first_response_due_at < now
}

/// Number of inquiries per stage in a municipality, as far as the viewer sees them.
pub async fn stage_counts(
    state: &AppState,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
) -> AppResult<Vec<(InquiryStage, u64)>> {
    use relocation_inquiry::Column;
    let (municipality_id, access) = list_scope(&state.db, viewer, municipality_id).await?;
    let rows: Vec<(InquiryStage, i64)> = relocation_inquiry::Entity::find()
        .select_only()
        .column(Column::Stage)
        .column_as(Column::Id.count(), "n")
        .filter(visible_condition(municipality_id, access))
        .group_by(Column::Stage)
        .into_tuple()
        .all(&state.db)
        .await?;
    Ok(InquiryStage::iter()
        .map(|stage| {
            let n = rows
                .iter()
                .find(|(s, _)| *s == stage)
                .map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0));
            (stage, n)
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// Submission (public)

/// Receives a family's inquiry: rate-limited per client address, idempotent, assigned at
/// once when a concierge has room.
pub async fn submit_inquiry(
    state: &AppState,
    viewer: &Viewer,
    input: NewInquiry,
) -> AppResult<Outcome<Receipt>> {
    state
        .limiter
        .hit(
            &format!("relocation-inquiry:{}", viewer.client_ip),
            Quota::per_minute(state.limits.public_rate_per_minute),
        )
        .await?;
    create_inquiry(state.into(), input, now()).await
}

#[derive(Debug, Clone, Serialize)]
struct Checked {
    municipality_id: Uuid,
    name: String,
    name_kana: String,
    email: Option<String>,
    phone: Option<String>,
    prefecture_code: Option<i16>,
    adults: i32,
    children_birth_months: Vec<String>,
    interests: Vec<String>,
    desired_area: Option<String>,
    desired_timing: Option<String>,
    preferred_channel: String,
    preferred_language: String,
    message: Option<String>,
}

/// The stored result of a submission: the token is not kept, only its digest.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Submitted {
    inquiry_id: Uuid,
    reference_code: String,
}

/// Stores an inquiry received at `now` and assigns what can be assigned; the rules of
/// [`submit_inquiry`] without the rate limit.
///
/// A retry with the same idempotency key returns the same inquiry and reference code with
/// a fresh tracking token (the token of the first call stops working): the token is stored
/// only as a digest, so it cannot be shown twice.
pub async fn create_inquiry(
    w: Writer<'_>,
    input: NewInquiry,
    now: DateTime<Utc>,
) -> AppResult<Outcome<Receipt>> {
    let checked = match check_inquiry(w.db, &input).await? {
        Ok(checked) => checked,
        Err(errors) => return Ok(Err(errors)),
    };
    let settings = settings_of(w.db, checked.municipality_id).await?;
    let prefix = code_prefix(w.db, checked.municipality_id).await?;
    let issued: Mutex<Option<(Uuid, String)>> = Mutex::new(None);
    let changes: Mutex<Vec<Change>> = Mutex::new(Vec::new());
    let created = idempotency::run_once(
        w.db,
        &KeyScope::public("submitRelocationInquiry"),
        input.idempotency_key.as_deref(),
        &checked,
        async |txn| {
            lock_municipality(txn, checked.municipality_id).await?;
            let reference_code = unused_code(txn, &prefix).await?;
            let token = new_token();
            let id = Uuid::now_v7();
            let due = sla::add_business_minutes(
                now,
                u32::try_from(settings.first_response_minutes).unwrap_or(0),
                &business_hours(&settings),
            );
            let search_text = search_text(&checked, &reference_code);
            let inquiry = relocation_inquiry::ActiveModel {
                id: Set(id),
                municipality_id: Set(checked.municipality_id),
                reference_code: Set(reference_code.clone()),
                tracking_token_hash: Set(digest(&token)),
                stage: Set(InquiryStage::New),
                close_reason: Set(None),
                assigned_concierge_id: Set(None),
                assigned_at: Set(None),
                name: Set(Some(checked.name.clone())),
                name_kana: Set(Some(checked.name_kana.clone())),
                email: Set(checked.email.clone()),
                phone: Set(checked.phone.clone()),
                prefecture_code: Set(checked.prefecture_code),
                children_birth_months: Set(Some(
                    serde_json::to_string(&checked.children_birth_months)
                        .map_err(AppError::internal)?,
                )),
                adults: Set(checked.adults),
                children: Set(i32::try_from(checked.children_birth_months.len()).unwrap_or(0)),
                interests: Set(delimited(checked.interests.iter().map(String::as_str))),
                desired_area: Set(checked.desired_area.clone()),
                desired_timing: Set(checked.desired_timing.clone()),
                preferred_channel: Set(ContactChannel::try_from_value(&checked.preferred_channel)
                    .unwrap_or(ContactChannel::Email)),
                preferred_language: Set(checked.preferred_language.clone()),
                message: Set(checked.message.clone()),
                search_text: Set(search_text),
                consent_at: Set(now),
                erased_at: Set(None),
                first_response_due_at: Set(due),
                first_responded_at: Set(None),
                next_appointment_at: Set(None),
                moved_in_on: Set(None),
                people_moved: Set(None),
                moved_in_area: Set(None),
                closed_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
            timeline(txn, &inquiry, EventKind::Submitted, None, now)
                .insert(txn)
                .await?;
            let assigned = drain_backlog(txn, checked.municipality_id, now, None).await?;
            if let Ok(mut slot) = issued.lock() {
                *slot = Some((id, token));
            }
            if let Ok(mut slot) = changes.lock() {
                *slot = assigned;
            }
            Ok(Ok(Submitted {
                inquiry_id: id,
                reference_code,
            }))
        },
    )
    .await?;
    let submitted = match created {
        Ok(submitted) => submitted,
        Err(errors) => return Ok(Err(errors)),
    };
    let fresh = issued.into_inner().ok().flatten();
    let tracking_token = match fresh {
        Some((id, token)) if id == submitted.inquiry_id => {
            let changes = changes.into_inner().unwrap_or_default();
            w.announce(&changes).await;
            token
        }
        _ => {
            // A replay: the first token is known only as a digest, so issue a new one.
            let token = new_token();
            relocation_inquiry::Entity::update_many()
                .col_expr(
                    relocation_inquiry::Column::TrackingTokenHash,
                    sea_orm::sea_query::Expr::value(digest(&token)),
                )
                .filter(relocation_inquiry::Column::Id.eq(submitted.inquiry_id))
                .exec(w.db)
                .await?;
            token
        }
    };
    Ok(Ok(Receipt {
        inquiry_id: submitted.inquiry_id,
        reference_code: submitted.reference_code,
        tracking_token,
    }))
}

async fn check_inquiry(db: &DatabaseConnection, input: &NewInquiry) -> AppResult<Outcome<Checked>> {
    let mut problems = Problems::new();
    if !input.consent {
        problems.push(FieldError::input(
            "consentToPrivacyNotice",
            FieldErrorCode::Required,
            "個人情報の取り扱いへの同意が必要です。",
        ));
    }
    if municipality::Entity::find_by_id(input.municipality_id)
        .one(db)
        .await?
        .is_none()
    {
        problems.push(FieldError::input(
            "municipalityId",
            FieldErrorCode::NotFound,
            "指定された自治体が見つかりません。",
        ));
    }
    let name = problems.check(text::required("name", &input.name, MAX_LINE));
    let kana = problems.check(Kana::parse("nameKana", &input.name_kana, MAX_LINE));
    let email = match input
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(email) => problems
            .check(Email::parse("email", email))
            .map(|e| Some(e.as_str().to_owned())),
        None => Some(None),
    };
    let phone = match input
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(phone) => problems.check(parse_phone("phone", phone)).map(Some),
        None => Some(None),
    };
    if matches!((&email, &phone), (Some(None), Some(None))) {
        problems.push(FieldError::input(
            "email",
            FieldErrorCode::Required,
            "メールアドレスか電話番号のどちらかを入力してください。",
        ));
    }
    let prefecture_code = match input.prefecture_code {
        Some(code) => match i16::try_from(code)
            .ok()
            .filter(|code| crate::japan::prefecture(*code).is_some())
        {
            Some(code) => Some(code),
            None => {
                problems.push(FieldError::input(
                    "prefectureCode",
                    FieldErrorCode::Invalid,
                    "都道府県コードは1〜47で指定してください。",
                ));
                None
            }
        },
        None => None,
    };
    if !(1..=MAX_PEOPLE).contains(&input.adults) {
        problems.push(FieldError::input(
            "adults",
            FieldErrorCode::Invalid,
            format!("大人の人数は1〜{MAX_PEOPLE}人で入力してください。"),
        ));
    }
    let mut children = Vec::new();
    if input.children_birth_months.len() > MAX_PEOPLE as usize {
        problems.push(FieldError::input(
            "childrenBirthMonths",
            FieldErrorCode::Invalid,
            format!("お子さまは{MAX_PEOPLE}人までです。"),
        ));
    }
    for month in &input.children_birth_months {
        match parse_month(month) {
            Some(month) => children.push(month),
            None => {
                problems.push(FieldError::input(
                    "childrenBirthMonths",
                    FieldErrorCode::Invalid,
                    "お子さまの生年月は「2020-04」の形で入力してください。",
                ));
                break;
            }
        }
    }
    let mut interests: Vec<String> = input.interests.iter().map(|i| i.to_value()).collect();
    interests.sort();
    interests.dedup();
    let desired_area = problems.check(optional_line(
        "desiredArea",
        input.desired_area.as_deref(),
        MAX_LINE,
    ));
    let desired_timing = problems.check(optional_line(
        "desiredTiming",
        input.desired_timing.as_deref(),
        MAX_LINE,
    ));
    let language = text::normalize(input.preferred_language.as_deref().unwrap_or("ja"));
    let language = if language.is_empty() {
        "ja".to_owned()
    } else {
        language
    };
    if language.len() > 16
        || !language
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        problems.push(FieldError::input(
            "preferredLanguage",
            FieldErrorCode::Invalid,
            "言語は「ja」「en」などの言語コードで指定してください。",
        ));
    }
    let message = problems.check(optional_text("message", input.message.as_deref()));
    let (
        Some(name),
        Some(kana),
        Some(email),
        Some(phone),
        Some(desired_area),
        Some(desired_timing),
        Some(message),
        true,
    ) = (
        name,
        kana,
        email,
        phone,
        desired_area,
        desired_timing,
        message,
        problems.is_empty(),
    )
    else {
        return Ok(Err(problems.into_vec()));
    };
    Ok(Ok(Checked {
        municipality_id: input.municipality_id,
        name,
        name_kana: kana.as_str().to_owned(),
        email,
        phone,
        prefecture_code,
        adults: input.adults,
        children_birth_months: children,
        interests,
        desired_area,
        desired_timing,
        preferred_channel: input
            .preferred_channel
            .unwrap_or(ContactChannel::Email)
            .to_value(),
        preferred_language: language.to_lowercase(),
        message,
    }))
}

/// What a family may see of its inquiry, or `None` for an unknown code or a wrong token
/// (the same answer, so a code cannot be probed).
pub async fn public_status(
    db: &DatabaseConnection,
    reference_code: &str,
    tracking_token: &str,
) -> AppResult<Option<PublicStatus>> {
    let code = text::normalize(reference_code).to_uppercase();
    let found = relocation_inquiry::Entity::find()
        .filter(relocation_inquiry::Column::ReferenceCode.eq(code))
        .one(db)
        .await?;
    let Some(inquiry) = found.filter(|i| token_matches(i, tracking_token)) else {
        return Ok(None);
    };
    let concierge_name = match inquiry.assigned_concierge_id {
        Some(id) => user::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|u| u.display_name),
        None => None,
    };
    Ok(Some(PublicStatus {
        reference_code: inquiry.reference_code,
        stage: inquiry.stage,
        concierge_name,
        next_appointment_at: inquiry.next_appointment_at,
        received_at: inquiry.created_at,
    }))
}

fn token_matches(inquiry: &relocation_inquiry::Model, token: &str) -> bool {
    let given = digest(token.trim());
    // Compare digests in full, not stopping at the first difference.
    given.len() == inquiry.tracking_token_hash.len()
        && given
            .bytes()
            .zip(inquiry.tracking_token_hash.bytes())
            .fold(0_u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The family withdraws consent: personal data is erased at once, the inquiry is closed
/// and its counts stay. `None` for an unknown code or a wrong token.
pub async fn withdraw_consent(
    w: Writer<'_>,
    reference_code: &str,
    tracking_token: &str,
) -> AppResult<Option<PublicStatus>> {
    let code = text::normalize(reference_code).to_uppercase();
    let Some(found) = relocation_inquiry::Entity::find()
        .filter(relocation_inquiry::Column::ReferenceCode.eq(code.clone()))
        .one(w.db)
        .await?
        .filter(|i| token_matches(i, tracking_token))
    else {
        return Ok(None);
    };
    let now = now();
    let txn = db::begin_write(w.db).await?;
    lock_municipality(&txn, found.municipality_id).await?;
    let inquiry = relocation_inquiry::Entity::find_by_id(found.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let holder = inquiry.assigned_concierge_id;
    let was_active = inquiry.stage.is_active();
    let mut changes = Vec::new();
    if inquiry.erased_at.is_none() {
        let stage = inquiry.stage;
        let erased = erase(
            &txn,
            inquiry,
            now,
            was_active.then_some(CloseReason::ConsentWithdrawn),
        )
        .await?;
        let mut event = timeline(&txn, &erased, EventKind::ConsentWithdrawn, None, now);
        if was_active {
            event.from_stage = Set(Some(stage.to_value()));
            event.to_stage = Set(Some(InquiryStage::Closed.to_value()));
        }
        event.insert(&txn).await?;
        if holder.is_some() {
            changes.push(change(&erased, holder, TOPIC_CHANGED, now));
        }
        if was_active {
            changes.extend(drain_backlog(&txn, erased.municipality_id, now, None).await?);
        }
    }
    txn.commit().await?;
    w.announce(&changes).await;
    public_status(w.db, &code, tracking_token).await
}

/// Erases the personal data of `inquiry`, closing it with `close` if it is active.
async fn erase(
    txn: &DatabaseTransaction,
    inquiry: relocation_inquiry::Model,
    now: DateTime<Utc>,
    close: Option<CloseReason>,
) -> AppResult<relocation_inquiry::Model> {
    let id = inquiry.id;
    let mut model = inquiry.into_active_model();
    model.name = Set(None);
    model.name_kana = Set(None);
    model.email = Set(None);
    model.phone = Set(None);
    model.prefecture_code = Set(None);
    model.children_birth_months = Set(None);
    model.desired_area = Set(None);
    model.desired_timing = Set(None);
    model.message = Set(None);
    model.moved_in_area = Set(None);
    model.search_text = Set(String::new());
    model.erased_at = Set(Some(now));
    model.updated_at = Set(now);
    if let Some(reason) = close {
        model.stage = Set(InquiryStage::Closed);
        model.close_reason = Set(Some(reason));
        model.closed_at = Set(Some(now));
    }
    let erased = model.update(txn).await?;
    // Free texts of the timeline may hold personal data too.
    inquiry_event::Entity::update_many()
        .col_expr(
            inquiry_event::Column::Body,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .filter(inquiry_event::Column::InquiryId.eq(id))
        .exec(txn)
        .await?;
    Ok(erased)
}

// ---------------------------------------------------------------------------------------
// Concierges and settings

/// The settings of a municipality (defaults when none were saved).
pub async fn settings_of(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
) -> AppResult<relocation_setting::Model> {
    Ok(relocation_setting::Entity::find_by_id(municipality_id)
        .one(db)
        .await?
        .unwrap_or_else(|| default_settings(municipality_id)))
}

fn default_settings(municipality_id: Uuid) -> relocation_setting::Model {
    let hours = BusinessHours::default();
    relocation_setting::Model {
        municipality_id,
        strategy: AssignmentStrategy::SpecialtyMatch,
        last_assigned_concierge_id: None,
        follow_up_months: DEFAULT_FOLLOW_UP_MONTHS,
        first_response_minutes: DEFAULT_FIRST_RESPONSE_MINUTES,
        business_day_start_minute: i32::try_from(hours.start_minute).unwrap_or(510),
        business_day_end_minute: i32::try_from(hours.end_minute).unwrap_or(1035),
        holidays: "[]".into(),
        retention_days: DEFAULT_RETENTION_DAYS,
        updated_at: DateTime::<Utc>::UNIX_EPOCH,
    }
}

/// Business hours of `settings`.
pub fn business_hours(settings: &relocation_setting::Model) -> BusinessHours {
    BusinessHours {
        start_minute: u32::try_from(settings.business_day_start_minute).unwrap_or(510),
        end_minute: u32::try_from(settings.business_day_end_minute).unwrap_or(1035),
        holidays: holidays(settings),
    }
}

/// The holidays of `settings`.
pub fn holidays(settings: &relocation_setting::Model) -> BTreeSet<NaiveDate> {
    serde_json::from_str(&settings.holidays).unwrap_or_default()
}

/// Settings as changed by an administrator; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct SettingsChanges {
    /// Assignment strategy.
    pub strategy: Option<AssignmentStrategy>,
    /// Months until a follow-up.
    pub follow_up_months: Option<i32>,
    /// Business minutes until the first response is due.
    pub first_response_minutes: Option<i32>,
    /// Opening minute.
    pub business_day_start_minute: Option<i32>,
    /// Closing minute.
    pub business_day_end_minute: Option<i32>,
    /// Holidays (replaces the list).
    pub holidays: Option<Vec<NaiveDate>>,
    /// Retention of closed inquiries in days.
    pub retention_days: Option<i32>,
}

/// Changes a municipality's relocation settings (its administrators).
pub async fn update_settings(
    w: Writer<'_>,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
    changes: SettingsChanges,
) -> AppResult<Outcome<relocation_setting::Model>> {
    let me = viewer.require_user()?;
    let municipality_id = municipality_id
        .or(me.municipality_id)
        .ok_or_else(|| AppError::BadUserInput("give a municipalityId".into()))?;
    viewer.require_admin_of(municipality_id)?;
    let mut problems = Problems::new();
    let mut range = |field: &str, value: Option<i32>, min: i32, max: i32| {
        if value.is_some_and(|v| !(min..=max).contains(&v)) {
            problems.push(FieldError::input(
                field,
                FieldErrorCode::Invalid,
                format!("{min}〜{max}の範囲で指定してください。"),
            ));
        }
    };
    range("followUpMonths", changes.follow_up_months, 1, 60);
    range(
        "firstResponseMinutes",
        changes.first_response_minutes,
        15,
        10 * 465,
    );
    range(
        "businessDayStartMinute",
        changes.business_day_start_minute,
        0,
        1439,
    );
    range(
        "businessDayEndMinute",
        changes.business_day_end_minute,
        1,
        1440,
    );
    range("retentionDays", changes.retention_days, 30, 3650);
    let txn = db::begin_write(w.db).await?;
    lock_municipality(&txn, municipality_id).await?;
    let current = settings_of(&txn, municipality_id).await?;
    let start = changes
        .business_day_start_minute
        .unwrap_or(current.business_day_start_minute);
    let end = changes
        .business_day_end_minute
        .unwrap_or(current.business_day_end_minute);
    if start >= end {
        problems.push(FieldError::input(
            "businessDayEndMinute",
            FieldErrorCode::Invalid,
            "終業時刻は始業時刻より後にしてください。",
        ));
    }
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }
    let holidays = match changes.holidays {
        Some(mut days) => {
            days.sort();
            days.dedup();
            serde_json::to_string(&days).map_err(AppError::internal)?
        }
        None => current.holidays.clone(),
    };
    let exists = relocation_setting::Entity::find_by_id(municipality_id)
        .one(&txn)
        .await?
        .is_some();
    let model = relocation_setting::ActiveModel {
        municipality_id: Set(municipality_id),
        strategy: Set(changes.strategy.unwrap_or(current.strategy)),
        last_assigned_concierge_id: Set(current.last_assigned_concierge_id),
        follow_up_months: Set(changes.follow_up_months.unwrap_or(current.follow_up_months)),
        first_response_minutes: Set(changes
            .first_response_minutes
            .unwrap_or(current.first_response_minutes)),
        business_day_start_minute: Set(start),
        business_day_end_minute: Set(end),
        holidays: Set(holidays),
        retention_days: Set(changes.retention_days.unwrap_or(current.retention_days)),
        updated_at: Set(now()),
    };
    let saved = if exists {
        model.update(&txn).await?
    } else {
        model.insert(&txn).await?
    };
    txn.commit().await?;
    Ok(Ok(saved))
}

/// Concierge profiles of a municipality (its administrators and concierges).
pub async fn list_profiles(
    db: &DatabaseConnection,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
) -> AppResult<Vec<concierge_profile::Model>> {
    let (municipality_id, _) = list_scope(db, viewer, municipality_id).await?;
    Ok(concierge_profile::Entity::find()
        .filter(concierge_profile::Column::MunicipalityId.eq(municipality_id))
        .order_by_asc(concierge_profile::Column::UserId)
        .all(db)
        .await?)
}

/// Active inquiries per concierge of a municipality.
pub async fn loads(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
) -> AppResult<Vec<(Uuid, i64)>> {
    use relocation_inquiry::Column;
    let rows: Vec<(Option<Uuid>, i64)> = relocation_inquiry::Entity::find()
        .select_only()
        .column(Column::AssignedConciergeId)
        .column_as(Column::Id.count(), "n")
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::AssignedConciergeId.is_not_null())
        .filter(Column::Stage.is_not_in([InquiryStage::MovedIn, InquiryStage::Closed]))
        .group_by(Column::AssignedConciergeId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n)| id.map(|id| (id, n)))
        .collect())
}

/// Active inquiries one concierge holds.
pub async fn load_of(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<u64> {
    use relocation_inquiry::Column;
    Ok(relocation_inquiry::Entity::find()
        .filter(Column::AssignedConciergeId.eq(user_id))
        .filter(Column::Stage.is_not_in([InquiryStage::MovedIn, InquiryStage::Closed]))
        .count(db)
        .await?)
}

/// Creates or replaces a concierge's profile (administrators of the municipality), then
/// assigns waiting inquiries if capacity grew.
pub async fn save_profile(
    w: Writer<'_>,
    viewer: &Viewer,
    input: ProfileInput,
) -> AppResult<Outcome<concierge_profile::Model>> {
    viewer.require_user()?;
    let concierge = user::Entity::find_by_id(input.user_id).one(w.db).await?;
    let Some(concierge) = concierge.filter(|u| {
        u.municipality_id
            .is_some_and(|m| access(viewer, m).is_some())
    }) else {
        return Err(AppError::NotFound);
    };
    let Some(municipality_id) = concierge.municipality_id else {
        return Err(AppError::NotFound);
    };
    viewer.require_admin_of(municipality_id)?;
    let mut problems = Problems::new();
    if concierge.role != Role::Concierge || concierge.deactivated_at.is_some() {
        problems.push(FieldError::input(
            "userId",
            FieldErrorCode::NotAllowed,
            "有効なコンシェルジュのアカウントを指定してください。",
        ));
    }
    if !(0..=500).contains(&input.capacity) {
        problems.push(FieldError::input(
            "capacity",
            FieldErrorCode::Invalid,
            "同時に担当できる件数は0〜500で指定してください。",
        ));
    }
    let languages = normalized_list(&input.languages);
    if languages
        .iter()
        .any(|l| l.len() > 16 || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        problems.push(FieldError::input(
            "languages",
            FieldErrorCode::Invalid,
            "言語は「ja」「en」などの言語コードで指定してください。",
        ));
    }
    let areas: Vec<String> = input
        .areas
        .iter()
        .map(|a| text::normalize(a).replace(',', "、"))
        .filter(|a| !a.is_empty())
        .collect();
    if areas.len() > 30 || areas.iter().any(|a| a.chars().count() > MAX_LINE) {
        problems.push(FieldError::input(
            "areas",
            FieldErrorCode::Invalid,
            format!("地域は30件まで、各{MAX_LINE}文字以内で指定してください。"),
        ));
    }
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }
    let mut specialties: Vec<String> = input.specialties.iter().map(|i| i.to_value()).collect();
    specialties.sort();
    specialties.dedup();
    let now = now();
    let txn = db::begin_write(w.db).await?;
    lock_municipality(&txn, municipality_id).await?;
    let existing = concierge_profile::Entity::find_by_id(input.user_id)
        .one(&txn)
        .await?;
    let model = concierge_profile::ActiveModel {
        user_id: Set(input.user_id),
        municipality_id: Set(municipality_id),
        specialties: Set(delimited(specialties.iter().map(String::as_str))),
        languages: Set(delimited(languages.iter().map(String::as_str))),
        areas: Set(delimited(areas.iter().map(String::as_str))),
        capacity: Set(input.capacity),
        available: Set(input.available),
        sees_all_inquiries: Set(input
            .sees_all_inquiries
            .or(existing.as_ref().map(|p| p.sees_all_inquiries))
            .unwrap_or(false)),
        created_at: Set(existing.as_ref().map_or(now, |p| p.created_at)),
        updated_at: Set(now),
    };
    let saved = if existing.is_some() {
        model.update(&txn).await?
    } else {
        model.insert(&txn).await?
    };
    let changes = drain_backlog(&txn, municipality_id, now, None).await?;
    txn.commit().await?;
    w.announce(&changes).await;
    Ok(Ok(saved))
}

/// Turns a concierge's availability on or off (administrators, or the concierge for
/// themselves); turning it on assigns waiting inquiries at once.
pub async fn set_availability(
    w: Writer<'_>,
    viewer: &Viewer,
    user_id: Option<Uuid>,
    available: bool,
) -> AppResult<Outcome<concierge_profile::Model>> {
    let me = viewer.require_user()?;
    let user_id = user_id.unwrap_or(me.id);
    let profile = find_profile(w.db, viewer, user_id).await?;
    if user_id != me.id {
        viewer.require_admin_of(profile.municipality_id)?;
    }
    let now = now();
    let txn = db::begin_write(w.db).await?;
    lock_municipality(&txn, profile.municipality_id).await?;
    let mut model = concierge_profile::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?
        .into_active_model();
    model.available = Set(available);
    model.updated_at = Set(now);
    let saved = model.update(&txn).await?;
    let changes = drain_backlog(&txn, saved.municipality_id, now, None).await?;
    txn.commit().await?;
    w.announce(&changes).await;
    Ok(Ok(saved))
}

async fn find_profile(
    db: &DatabaseConnection,
    viewer: &Viewer,
    user_id: Uuid,
) -> AppResult<concierge_profile::Model> {
    concierge_profile::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .filter(|p| access(viewer, p.municipality_id).is_some())
        .ok_or(AppError::NotFound)
}

/// Records a leave period (administrators, or the concierge for themselves). Nothing is
/// assigned to a concierge while on leave; when the leave ends, waiting inquiries are
/// assigned at the next assignment pass (the periodic sweep or any change).
pub async fn add_leave(
    w: Writer<'_>,
    viewer: &Viewer,
    user_id: Option<Uuid>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    note: Option<String>,
) -> AppResult<Outcome<concierge_leave::Model>> {
    let me = viewer.require_user()?;
    let user_id = user_id.unwrap_or(me.id);
    let profile = find_profile(w.db, viewer, user_id).await?;
    if user_id != me.id {
        viewer.require_admin_of(profile.municipality_id)?;
    }
    let mut problems = Problems::new();
    if ends_at <= starts_at {
        problems.push(FieldError::input(
            "endsAt",
            FieldErrorCode::Invalid,
            "休暇の終了は開始より後にしてください。",
        ));
    }
    let note = problems.check(optional_line("note", note.as_deref(), MAX_LINE));
    let (Some(note), true) = (note, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let now = now();
    let txn = db::begin_write(w.db).await?;
    lock_municipality(&txn, profile.municipality_id).await?;
    let leave = concierge_leave::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(profile.municipality_id),
        user_id: Set(user_id),
        starts_at: Set(starts_at.trunc_subsecs(6)),
        ends_at: Set(ends_at.trunc_subsecs(6)),
        note: Set(note),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let changes = drain_backlog(&txn, profile.municipality_id, now, None).await?;
    txn.commit().await?;
    w.announce(&changes).await;
    w.announce_leave(&leave).await;
    Ok(Ok(leave))
}

/// Ends or cancels a leave period; waiting inquiries are assigned at once.
pub async fn remove_leave(
    w: Writer<'_>,
    viewer: &Viewer,
    leave_id: Uuid,
) -> AppResult<Outcome<concierge_profile::Model>> {
    let me = viewer.require_user()?;
    let leave = concierge_leave::Entity::find_by_id(leave_id)
        .one(w.db)
        .await?
        .filter(|l| access(viewer, l.municipality_id).is_some())
        .ok_or(AppError::NotFound)?;
    if leave.user_id != me.id {
        viewer.require_admin_of(leave.municipality_id)?;
    }
    let now = now();
    let txn = db::begin_write(w.db).await?;
    lock_municipality(&txn, leave.municipality_id).await?;
    concierge_leave::Entity::delete_by_id(leave.id)
        .exec(&txn)
        .await?;
    let changes = drain_backlog(&txn, leave.municipality_id, now, None).await?;
    let profile = concierge_profile::Entity::find_by_id(leave.user_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    w.announce(&changes).await;
    w.announce_leave(&leave).await;
    Ok(Ok(profile))
}

/// Leave periods of a concierge that have not ended.
pub async fn current_leaves(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Vec<concierge_leave::Model>> {
    Ok(concierge_leave::Entity::find()
        .filter(concierge_leave::Column::UserId.eq(user_id))
        .filter(concierge_leave::Column::EndsAt.gt(now))
        .order_by_asc(concierge_leave::Column::StartsAt)
        .all(db)
        .await?)
}

/// Assigns waiting inquiries of every municipality where capacity is free (for example a
/// leave just ended). Run periodically by the server.
pub async fn sweep(w: Writer<'_>, now: DateTime<Utc>) -> AppResult<usize> {
    let municipalities: Vec<Uuid> = relocation_inquiry::Entity::find()
        .select_only()
        .column(relocation_inquiry::Column::MunicipalityId)
        .filter(relocation_inquiry::Column::AssignedConciergeId.is_null())
        .filter(relocation_inquiry::Column::Stage.eq(InquiryStage::New))
        .distinct()
        .into_tuple()
        .all(w.db)
        .await?;
    let mut assigned = 0;
    for municipality_id in municipalities {
        let txn = db::begin_write(w.db).await?;
        lock_municipality(&txn, municipality_id).await?;
        let changes = drain_backlog(&txn, municipality_id, now, None).await?;
        txn.commit().await?;
        assigned += changes.len();
        w.announce(&changes).await;
    }
    Ok(assigned)
}

/// The earliest end of a leave period after `now`, in any municipality: the next moment
/// capacity frees without anyone doing anything, when the server sweeps again.
pub async fn next_leave_end(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> AppResult<Option<DateTime<Utc>>> {
    Ok(concierge_leave::Entity::find()
        .select_only()
        .column(concierge_leave::Column::EndsAt)
        .filter(concierge_leave::Column::EndsAt.gt(now))
        .order_by_asc(concierge_leave::Column::EndsAt)
        .limit(1)
        .into_tuple::<DateTime<Utc>>()
        .one(db)
        .await?)
}

// ---------------------------------------------------------------------------------------
// Assignment

/// Serializes assignment decisions of one municipality for the rest of `txn`.
///
/// On PostgreSQL a transaction-scoped advisory lock keyed by the municipality; on SQLite
/// the write transaction (`BEGIN IMMEDIATE`) already holds the database's only write lock.
pub async fn lock_municipality(txn: &DatabaseTransaction, municipality_id: Uuid) -> AppResult<()> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let bits = municipality_id.as_u128();
    let key = ((bits >> 64) as u64 ^ bits as u64) as i64;
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [key.into()],
    ))
    .await?;
    Ok(())
}

/// The concierges of a municipality who may take work at `now`: available, not on leave,
/// with their active load counted inside the transaction.
pub async fn candidates(
    txn: &impl ConnectionTrait,
    municipality_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Vec<Candidate>> {
    let profiles = concierge_profile::Entity::find()
        .filter(concierge_profile::Column::MunicipalityId.eq(municipality_id))
        .filter(concierge_profile::Column::Available.eq(true))
        .all(txn)
        .await?;
    let on_leave: BTreeSet<Uuid> = concierge_leave::Entity::find()
        .select_only()
        .column(concierge_leave::Column::UserId)
        .filter(concierge_leave::Column::MunicipalityId.eq(municipality_id))
        .filter(concierge_leave::Column::StartsAt.lte(now))
        .filter(concierge_leave::Column::EndsAt.gt(now))
        .into_tuple::<Uuid>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let deactivated: BTreeSet<Uuid> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::MunicipalityId.eq(municipality_id))
        .filter(user::Column::DeactivatedAt.is_not_null())
        .into_tuple::<Uuid>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let loads = loads(txn, municipality_id).await?;
    Ok(profiles
        .into_iter()
        .filter(|p| !on_leave.contains(&p.user_id) && !deactivated.contains(&p.user_id))
        .map(|p| Candidate {
            user_id: p.user_id,
            specialties: split(&p.specialties)
                .filter_map(|s| Interest::try_from_value(&s.to_owned()).ok())
                .collect(),
            languages: split(&p.languages).map(str::to_owned).collect(),
            areas: split(&p.areas).map(str::to_owned).collect(),
            capacity: i64::from(p.capacity),
            load: loads
                .iter()
                .find(|(id, _)| *id == p.user_id)
                .map_or(0, |(_, n)| *n),
        })
        .collect())
}

/// Assigns the oldest unassigned active inquiries of a municipality while any concierge
/// has room. Call inside a write transaction after [`lock_municipality`]. `skip` keeps one
/// concierge from getting one inquiry back (after an unassignment).
pub async fn drain_backlog(
    txn: &DatabaseTransaction,
    municipality_id: Uuid,
    now: DateTime<Utc>,
    skip: Option<(Uuid, Uuid)>,
) -> AppResult<Vec<Change>> {
    use relocation_inquiry::Column;
    let mut candidates = candidates(txn, municipality_id, now).await?;
    let room: i64 = candidates
        .iter()
        .map(|c| (c.capacity - c.load).max(0))
        .sum();
    if room == 0 {
        return Ok(Vec::new());
    }
    let waiting = relocation_inquiry::Entity::find()
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::AssignedConciergeId.is_null())
        .filter(Column::Stage.is_not_in([InquiryStage::MovedIn, InquiryStage::Closed]))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .limit(u64::try_from(room).unwrap_or(0) + 1)
        .all(txn)
        .await?;
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let mut settings = settings_of(txn, municipality_id).await?;
    let mut changes = Vec::new();
    for inquiry in waiting {
        let interests: Vec<Interest> = split(&inquiry.interests)
            .filter_map(|s| Interest::try_from_value(&s.to_owned()).ok())
            .collect();
        let area = inquiry.desired_area.as_deref().map(text::normalize);
        let need = Need {
            interests: &interests,
            language: &inquiry.preferred_language,
            area: area.as_deref(),
        };
        let skipped = skip.filter(|(inquiry_id, _)| *inquiry_id == inquiry.id);
        let pool: Vec<Candidate> = match skipped {
            Some((_, concierge)) => candidates
                .iter()
                .filter(|c| c.user_id != concierge)
                .cloned()
                .collect(),
            None => candidates.clone(),
        };
        let Some(chosen) = assignment::choose(
            settings.strategy,
            &pool,
            need,
            settings.last_assigned_concierge_id,
        ) else {
            if skipped.is_some() {
                continue;
            }
            break;
        };
        if let Some(c) = candidates.iter_mut().find(|c| c.user_id == chosen) {
            c.load += 1;
        }
        settings.last_assigned_concierge_id = Some(chosen);
        let assigned = assign_to(txn, inquiry, chosen, None, None, now).await?;
        changes.push(change(&assigned, Some(chosen), TOPIC_ASSIGNED, now));
    }
    if settings.strategy == AssignmentStrategy::RoundRobin && !changes.is_empty() {
        save_round_robin(txn, &settings).await?;
    }
    Ok(changes)
}

async fn save_round_robin(
    txn: &DatabaseTransaction,
    settings: &relocation_setting::Model,
) -> AppResult<()> {
    let exists = relocation_setting::Entity::find_by_id(settings.municipality_id)
        .one(txn)
        .await?
        .is_some();
    if exists {
        relocation_setting::Entity::update_many()
            .col_expr(
                relocation_setting::Column::LastAssignedConciergeId,
                sea_orm::sea_query::Expr::value(settings.last_assigned_concierge_id),
            )
            .filter(relocation_setting::Column::MunicipalityId.eq(settings.municipality_id))
            .exec(txn)
            .await?;
    } else {
        let mut model = settings.clone().into_active_model();
        model.updated_at = Set(now());
        relocation_setting::Entity::insert(model)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Gives `inquiry` to `concierge` and writes the timeline.
async fn assign_to(
    txn: &DatabaseTransaction,
    inquiry: relocation_inquiry::Model,
    concierge: Uuid,
    actor: Option<&AuthUser>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<relocation_inquiry::Model> {
    let from = inquiry.stage;
    let mut model = inquiry.into_active_model();
    model.assigned_concierge_id = Set(Some(concierge));
    model.assigned_at = Set(Some(now));
    if from == InquiryStage::New {
        model.stage = Set(InquiryStage::Assigned);
    }
    model.updated_at = Set(now);
    let assigned = model.update(txn).await?;
    let mut event = timeline(txn, &assigned, EventKind::Assigned, actor, now);
    event.concierge_id = Set(Some(concierge));
    event.body = Set(reason);
    event.insert(txn).await?;
    if from == InquiryStage::New {
        let mut event = timeline(txn, &assigned, EventKind::StageChanged, actor, now);
        event.from_stage = Set(Some(from.to_value()));
        event.to_stage = Set(Some(InquiryStage::Assigned.to_value()));
        event.insert(txn).await?;
    }
    Ok(assigned)
}

/// What an administrator does to an inquiry's concierge.
#[derive(Debug, Clone)]
pub enum Handover {
    /// Give an unassigned inquiry to a concierge.
    Assign(Uuid),
    /// Move an assigned inquiry to another concierge, with a reason.
    Reassign(Uuid, String),
    /// Take the inquiry back to the queue, with a reason; it goes to another concierge at
    /// once if one has room.
    Unassign(String),
}

/// Assigns, reassigns or unassigns an inquiry by hand (administrators of its
/// municipality). The concierge must be available, not on leave and below capacity.
pub async fn hand_over(
    w: Writer<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    handover: Handover,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    let me = viewer.require_user()?.clone();
    let found = relocation_inquiry::Entity::find_by_id(inquiry_id)
        .one(w.db)
        .await?
        .filter(|i| can_read(viewer, i))
        .ok_or(AppError::NotFound)?;
    viewer.require_admin_of(found.municipality_id)?;
    let reason = match &handover {
        Handover::Assign(_) => None,
        Handover::Reassign(_, reason) | Handover::Unassign(reason) => {
            match text::required("reason", reason, MAX_TEXT) {
                Ok(reason) => Some(reason),
                Err(error) => return Ok(Err(vec![error])),
            }
        }
    };
    let now = now();
    let txn = db::begin_write(w.db).await?;
    lock_municipality(&txn, found.municipality_id).await?;
    let inquiry = relocation_inquiry::Entity::find_by_id(inquiry_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !inquiry.stage.is_active() {
        return Ok(Err(vec![FieldError::input(
            "inquiryId",
            FieldErrorCode::InvalidState,
            format!(
                "この相談は現在「{}」のため、担当を変更できません。",
                states::label(inquiry.stage)
            ),
        )]));
    }
    let holder = inquiry.assigned_concierge_id;
    let mut changes = Vec::new();
    let result = match handover {
        Handover::Assign(concierge) | Handover::Reassign(concierge, _) => {
            let reassigning = reason.is_some();
            if reassigning != holder.is_some() || holder == Some(concierge) {
                let message = if holder.is_some() {
                    "この相談にはすでに担当者がいます。担当の変更には理由を添えて担当替えを使ってください。"
                } else {
                    "この相談には担当者がいません。担当割り当てを使ってください。"
                };
                return Ok(Err(vec![FieldError::input(
                    "inquiryId",
                    FieldErrorCode::InvalidState,
                    message,
                )]));
            }
            let candidates = candidates(&txn, inquiry.municipality_id, now).await?;
            let Some(candidate) = candidates.iter().find(|c| c.user_id == concierge) else {
                return Ok(Err(vec![FieldError::input(
                    "conciergeId",
                    FieldErrorCode::NotAllowed,
                    "このコンシェルジュは休暇中か受付停止中のため、割り当てられません。",
                )]));
            };
            if !candidate.has_room() {
                return Ok(Err(vec![FieldError::input(
                    "conciergeId",
                    FieldErrorCode::NotAllowed,
                    "このコンシェルジュは担当件数の上限に達しています。",
                )]));
            }
            if let Some(previous) = holder {
                let mut event = timeline(&txn, &inquiry, EventKind::Unassigned, Some(&me), now);
                event.concierge_id = Set(Some(previous));
                event.body = Set(reason.clone());
                event.insert(&txn).await?;
                changes.push(change(&inquiry, Some(previous), TOPIC_UNASSIGNED, now));
            }
            let assigned = assign_to(&txn, inquiry, concierge, Some(&me), reason, now).await?;
            changes.push(change(&assigned, Some(concierge), TOPIC_ASSIGNED, now));
            changes.extend(drain_backlog(&txn, assigned.municipality_id, now, None).await?);
            assigned
        }
        Handover::Unassign(_) => {
            let Some(previous) = holder else {
                return Ok(Err(vec![FieldError::input(
                    "inquiryId",
                    FieldErrorCode::InvalidState,
                    "この相談には担当者がいません。",
                )]));
            };
            let from = inquiry.stage;
            let mut model = inquiry.into_active_model();
            model.assigned_concierge_id = Set(None);
            model.assigned_at = Set(None);
            if from == InquiryStage::Assigned {
                model.stage = Set(InquiryStage::New);
            }
            model.updated_at = Set(now);
            let unassigned = model.update(&txn).await?;
            let mut event = timeline(&txn, &unassigned, EventKind::Unassigned, Some(&me), now);
            event.concierge_id = Set(Some(previous));
            event.body = Set(reason);
            event.insert(&txn).await?;
            if from == InquiryStage::Assigned {
                let mut event =
                    timeline(&txn, &unassigned, EventKind::StageChanged, Some(&me), now);
                event.from_stage = Set(Some(from.to_value()));
                event.to_stage = Set(Some(InquiryStage::New.to_value()));
                event.insert(&txn).await?;
            }
            changes.push(change(&unassigned, Some(previous), TOPIC_UNASSIGNED, now));
            changes.extend(
                drain_backlog(
                    &txn,
                    unassigned.municipality_id,
                    now,
                    Some((unassigned.id, previous)),
                )
                .await?,
            );
            relocation_inquiry::Entity::find_by_id(unassigned.id)
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?
        }
    };
    txn.commit().await?;
    w.announce(&changes).await;
    Ok(Ok(result))
}

// ---------------------------------------------------------------------------------------
// Pipeline

/// A stage change asked by staff.
#[derive(Debug, Clone)]
pub struct StageMove {
    /// The inquiry.
    pub inquiry_id: Uuid,
    /// The stage to move to (not `closed`: use [`close_inquiry`]; not `moved_in`: use
    /// [`record_move_in`]).
    pub to: InquiryStage,
    /// Optional note for the timeline.
    pub note: Option<String>,
}

/// Moves an inquiry along the pipeline (its concierge or an administrator).
pub async fn move_stage(
    w: Writer<'_>,
    viewer: &Viewer,
    input: StageMove,
    now: DateTime<Utc>,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    if matches!(
        input.to,
        InquiryStage::Closed | InquiryStage::MovedIn | InquiryStage::New | InquiryStage::Assigned
    ) {
        return Ok(Err(vec![FieldError::input(
            "stage",
            FieldErrorCode::InvalidState,
            "この段階へは専用の操作（担当割り当て・終了・移住記録）で変更してください。",
        )]));
    }
    let note = match optional_text("note", input.note.as_deref()) {
        Ok(note) => note,
        Err(error) => return Ok(Err(vec![error])),
    };
    transition(w, viewer, input.inquiry_id, now, |inquiry| {
        states::check("stage", inquiry.stage, input.to)?;
        Ok(Transition {
            to: input.to,
            reason: None,
            note,
            move_in: None,
        })
    })
    .await
}

/// Closes an inquiry with a reason (its concierge or an administrator). Closing as "not
/// now" schedules a follow-up task; the concierge's capacity frees at once.
pub async fn close_inquiry(
    w: Writer<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    reason: CloseReason,
    note: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    if reason == CloseReason::ConsentWithdrawn {
        return Ok(Err(vec![FieldError::input(
            "reason",
            FieldErrorCode::NotAllowed,
            "同意の撤回はご本人の操作でのみ記録されます。",
        )]));
    }
    let note = match optional_text("note", note.as_deref()) {
        Ok(note) => note,
        Err(error) => return Ok(Err(vec![error])),
    };
    transition(w, viewer, inquiry_id, now, |inquiry| {
        states::check("inquiryId", inquiry.stage, InquiryStage::Closed)?;
        Ok(Transition {
            to: InquiryStage::Closed,
            reason: Some(reason),
            note,
            move_in: None,
        })
    })
    .await
}

/// The move-in outcome of a decided inquiry.
#[derive(Debug, Clone)]
pub struct MoveIn {
    /// Date of the move.
    pub moved_in_on: NaiveDate,
    /// Number of people who moved.
    pub people: i32,
    /// Area they moved to.
    pub area: Option<String>,
}

/// Records that a family moved in (its concierge or an administrator): the inquiry becomes
/// `moved_in`, a follow-up task is scheduled and the concierge's capacity frees.
pub async fn record_move_in(
    w: Writer<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    move_in: MoveIn,
    now: DateTime<Utc>,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    let mut problems = Problems::new();
    if !(1..=MAX_PEOPLE * 2).contains(&move_in.people) {
        problems.push(FieldError::input(
            "peopleMoved",
            FieldErrorCode::Invalid,
            format!("移住した人数は1〜{}人で入力してください。", MAX_PEOPLE * 2),
        ));
    }
    let area = problems.check(optional_line("area", move_in.area.as_deref(), MAX_LINE));
    let (Some(area), true) = (area, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    transition(w, viewer, inquiry_id, now, |inquiry| {
        states::check("inquiryId", inquiry.stage, InquiryStage::MovedIn)?;
        Ok(Transition {
            to: InquiryStage::MovedIn,
            reason: None,
            note: None,
            move_in: Some(MoveIn {
                moved_in_on: move_in.moved_in_on,
                people: move_in.people,
                area,
            }),
        })
    })
    .await
}

struct Transition {
    to: InquiryStage,
    reason: Option<CloseReason>,
    note: Option<String>,
    move_in: Option<MoveIn>,
}

/// Locks the municipality, re-reads the inquiry, applies `decide`, writes the stage change,
/// schedules follow-ups and drains the backlog when capacity freed.
async fn transition(
    w: Writer<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    now: DateTime<Utc>,
    decide: impl FnOnce(&relocation_inquiry::Model) -> Result<Transition, FieldError>,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    let me = viewer.require_user()?.clone();
    let found = relocation_inquiry::Entity::find_by_id(inquiry_id)
        .one(w.db)
        .await?
        .filter(|i| can_read(viewer, i))
        .ok_or(AppError::NotFound)?;
    let txn = db::begin_write(w.db).await?;
    lock_municipality(&txn, found.municipality_id).await?;
    let inquiry = relocation_inquiry::Entity::find_by_id(inquiry_id)
        .one(&txn)
        .await?
        .filter(|i| can_read(viewer, i))
        .ok_or(AppError::NotFound)?;
    if inquiry.erased_at.is_some() {
        return Ok(Err(vec![FieldError::input(
            "inquiryId",
            FieldErrorCode::InvalidState,
            "この相談は個人情報が削除済みのため、変更できません。",
        )]));
    }
    let step = match decide(&inquiry) {
        Ok(step) => step,
        Err(error) => return Ok(Err(vec![error])),
    };
    let from = inquiry.stage;
    let holder = inquiry.assigned_concierge_id;
    let mut model = inquiry.into_active_model();
    model.stage = Set(step.to);
    model.updated_at = Set(now);
    match step.to {
        InquiryStage::Closed => {
            model.close_reason = Set(step.reason);
            model.closed_at = Set(Some(now));
            model.next_appointment_at = Set(None);
        }
        InquiryStage::MovedIn => {
            if let Some(move_in) = &step.move_in {
                model.moved_in_on = Set(Some(move_in.moved_in_on));
                model.people_moved = Set(Some(move_in.people));
                model.moved_in_area = Set(move_in.area.clone());
            }
            model.closed_at = Set(Some(now));
            model.next_appointment_at = Set(None);
        }
        InquiryStage::Contacted if from == InquiryStage::Closed => {
            model.close_reason = Set(None);
            model.closed_at = Set(None);
        }
        _ => {}
    }
    if matches!(step.to, InquiryStage::Contacted) {
        model.first_responded_at = Set(Some(match &model.first_responded_at {
            sea_orm::ActiveValue::Unchanged(Some(at)) | sea_orm::ActiveValue::Set(Some(at)) => *at,
            _ => now,
        }));
    }
    let moved = model.update(&txn).await?;
    let mut event = timeline(&txn, &moved, EventKind::StageChanged, Some(&me), now);
    event.from_stage = Set(Some(from.to_value()));
    event.to_stage = Set(Some(step.to.to_value()));
    event.body = Set(step
        .note
        .clone()
        .or_else(|| step.reason.map(|r| r.to_value())));
    event.insert(&txn).await?;
    if let Some(move_in) = &step.move_in {
        let mut event = timeline(&txn, &moved, EventKind::MovedIn, Some(&me), now);
        event.body = Set(Some(format!("{}人", move_in.people)));
        event.insert(&txn).await?;
    }
    let follow_up = step.to == InquiryStage::MovedIn || step.reason == Some(CloseReason::NotNow);
    if follow_up {
        let settings = settings_of(&txn, moved.municipality_id).await?;
        schedule_follow_up(&txn, &moved, holder, &me, settings.follow_up_months, now).await?;
    }
    let mut changes = vec![change(&moved, holder, TOPIC_CHANGED, now)];
    if from.is_active() != step.to.is_active() {
        changes.extend(drain_backlog(&txn, moved.municipality_id, now, None).await?);
    }
    txn.commit().await?;
    w.announce(&changes).await;
    Ok(Ok(moved))
}

async fn schedule_follow_up(
    txn: &DatabaseTransaction,
    inquiry: &relocation_inquiry::Model,
    owner: Option<Uuid>,
    actor: &AuthUser,
    months: i32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let today = now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let due = today
        .checked_add_months(chrono::Months::new(u32::try_from(months).unwrap_or(6)))
        .unwrap_or(today);
    let title = if inquiry.stage == InquiryStage::MovedIn {
        "移住後のフォローアップ"
    } else {
        "再検討のご様子伺い"
    };
    entity::inquiry_task::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(inquiry.municipality_id),
        inquiry_id: Set(inquiry.id),
        title: Set(title.to_owned()),
        due_on: Set(due),
        owner_user_id: Set(owner.or(Some(actor.id))),
        follow_up: Set(true),
        done_at: Set(None),
        created_by: Set(Some(actor.id)),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    let mut event = timeline(txn, inquiry, EventKind::Task, Some(actor), now);
    event.body = Set(Some(format!("{title}（{due}期限）")));
    event.insert(txn).await?;
    Ok(())
}

/// The timeline of an inquiry, oldest first. Callers have checked that the viewer may read
/// the inquiry.
pub async fn timeline_for(
    db: &DatabaseConnection,
    inquiry_id: Uuid,
    municipality_id: Uuid,
) -> AppResult<Vec<inquiry_event::Model>> {
    Ok(inquiry_event::Entity::find()
        .filter(inquiry_event::Column::InquiryId.eq(inquiry_id))
        .filter(inquiry_event::Column::MunicipalityId.eq(municipality_id))
        .order_by_asc(inquiry_event::Column::CreatedAt)
        .order_by_asc(inquiry_event::Column::Id)
        .all(db)
        .await?)
}

// ---------------------------------------------------------------------------------------
// Working an inquiry: notes, contacts, appointments, tasks

pub use entity::inquiry_event::AppointmentKind;

/// An appointment as typed by staff.
#[derive(Debug, Clone)]
pub struct Appointment {
    /// When it takes place.
    pub at: DateTime<Utc>,
    /// Visit, trial stay or online consultation.
    pub kind: AppointmentKind,
    /// Where (or the meeting link's description).
    pub place: Option<String>,
}

/// A task as typed by staff.
#[derive(Debug, Clone)]
pub struct NewTask {
    /// What to do.
    pub title: String,
    /// When it is due (municipal date).
    pub due_on: NaiveDate,
    /// Who does it; the inquiry's concierge when `None` (or the author while unassigned).
    pub owner_id: Option<Uuid>,
}

/// Contacts logged this far ahead of the server's clock are refused as typos.
const CONTACT_CLOCK_SKEW_MINUTES: i64 = 5;

/// Opens a write transaction on an inquiry its concierge or an administrator of its
/// municipality works on. Others get `NOT_FOUND` if they cannot read it and `FORBIDDEN` if
/// they can (a concierge looking at the unassigned queue, or one whose view is widened).
async fn work_on(
    w: Writer<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
) -> AppResult<(DatabaseTransaction, relocation_inquiry::Model, AuthUser)> {
    let me = viewer.require_user()?.clone();
    let txn = db::begin_write(w.db).await?;
    let inquiry = relocation_inquiry::Entity::find_by_id(inquiry_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    match read_access(&txn, viewer, inquiry.municipality_id).await? {
        Some(Access::Admin(_)) => {}
        Some(Access::Concierge(id) | Access::WideConcierge(id))
            if inquiry.assigned_concierge_id == Some(id) => {}
        Some(access) if access.reads(&inquiry) => return Err(AppError::Forbidden),
        _ => return Err(AppError::NotFound),
    }
    Ok((txn, inquiry, me))
}

fn erased_error() -> FieldError {
    FieldError::input(
        "inquiryId",
        FieldErrorCode::InvalidState,
        "この相談は個人情報が削除済みのため、記録できません。",
    )
}

/// Adds a note to an inquiry's timeline (its concierge or an administrator).
pub async fn add_note(
    w: Writer<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    body: &str,
    now: DateTime<Utc>,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    let body = match text::required("body", body.trim(), MAX_TEXT) {
        Ok(body) => body,
        Err(error) => return Ok(Err(vec![error])),
    };
    let (txn, inquiry, me) = work_on(w, viewer, inquiry_id).await?;
    if inquiry.erased_at.is_some() {
        return Ok(Err(vec![erased_error()]));
    }
    let mut event = timeline(&txn, &inquiry, EventKind::Note, Some(&me), now);
    event.body = Set(Some(body));
    event.insert(&txn).await?;
    let changes = vec![change(
        &inquiry,
        inquiry.assigned_concierge_id,
        TOPIC_CHANGED,
        now,
    )];
    txn.commit().await?;
    w.announce(&changes).await;
    Ok(Ok(inquiry))
}

/// Logs a contact with the family (its concierge or an administrator). The first contact
/// is the first response of the SLA, and moves an assigned inquiry to `contacted`.
pub async fn log_contact(
    w: Writer<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    channel: ContactChannel,
    summary: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    let mut problems = Problems::new();
    let summary = problems.check(text::required("summary", summary.trim(), MAX_TEXT));
    let at = at.trunc_subsecs(6);
    if at > now + chrono::Duration::minutes(CONTACT_CLOCK_SKEW_MINUTES) {
        problems.push(FieldError::input(
            "at",
            FieldErrorCode::Invalid,
            "連絡日時に未来の日時は指定できません。",
        ));
    }
    let (Some(summary), true) = (summary, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let (txn, inquiry, me) = work_on(w, viewer, inquiry_id).await?;
    if inquiry.erased_at.is_some() {
        return Ok(Err(vec![erased_error()]));
    }
    if at < inquiry.created_at {
        return Ok(Err(vec![FieldError::input(
            "at",
            FieldErrorCode::Invalid,
            "連絡日時は相談の受付より後にしてください。",
        )]));
    }
    let holder = inquiry.assigned_concierge_id;
    let from = inquiry.stage;
    let first = inquiry.first_responded_at.is_none();
    let mut model = inquiry.into_active_model();
    if first {
        model.first_responded_at = Set(Some(at));
    }
    if from == InquiryStage::Assigned {
        model.stage = Set(InquiryStage::Contacted);
    }
    model.updated_at = Set(now);
    let inquiry = model.update(&txn).await?;
    let mut event = timeline(&txn, &inquiry, EventKind::Contact, Some(&me), now);
    event.channel = Set(Some(channel));
    event.body = Set(Some(summary));
    event.scheduled_at = Set(Some(at));
    event.insert(&txn).await?;
    if from != inquiry.stage {
        let mut event = timeline(&txn, &inquiry, EventKind::StageChanged, Some(&me), now);
        event.from_stage = Set(Some(from.to_value()));
        event.to_stage = Set(Some(inquiry.stage.to_value()));
        event.insert(&txn).await?;
    }
    let changes = vec![change(&inquiry, holder, TOPIC_CHANGED, now)];
    txn.commit().await?;
    w.announce(&changes).await;
    Ok(Ok(inquiry))
}

/// Schedules an appointment with the family (its concierge or an administrator); the
/// earliest upcoming one is the inquiry's next appointment, which the family sees.
pub async fn schedule_appointment(
    w: Writer<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    appointment: Appointment,
    now: DateTime<Utc>,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    let mut problems = Problems::new();
    let place = problems.check(optional_line(
        "place",
        appointment.place.as_deref(),
        MAX_LINE,
    ));
    let at = appointment.at.trunc_subsecs(6);
    if at <= now {
        problems.push(FieldError::input(
            "at",
            FieldErrorCode::Invalid,
            "予定日時は現在より後にしてください。",
        ));
    }
    let (Some(place), true) = (place, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let (txn, inquiry, me) = work_on(w, viewer, inquiry_id).await?;
    if inquiry.erased_at.is_some() {
        return Ok(Err(vec![erased_error()]));
    }
    if !inquiry.stage.is_active() {
        return Ok(Err(vec![FieldError::input(
            "inquiryId",
            FieldErrorCode::InvalidState,
            format!(
                "この相談は現在「{}」のため、予定を登録できません。",
                states::label(inquiry.stage)
            ),
        )]));
    }
    let holder = inquiry.assigned_concierge_id;
    let next = inquiry
        .next_appointment_at
        .filter(|next| *next > now && *next <= at)
        .unwrap_or(at);
    let mut model = inquiry.into_active_model();
    model.next_appointment_at = Set(Some(next));
    model.updated_at = Set(now);
    let inquiry = model.update(&txn).await?;
    let mut event = timeline(&txn, &inquiry, EventKind::Appointment, Some(&me), now);
    event.scheduled_at = Set(Some(at));
    event.appointment_kind = Set(Some(appointment.kind));
    event.body = Set(place);
    event.insert(&txn).await?;
    let changes = vec![change(&inquiry, holder, TOPIC_CHANGED, now)];
    txn.commit().await?;
    w.announce(&changes).await;
    Ok(Ok(inquiry))
}

/// Creates a task on an inquiry (its concierge or an administrator). The owner defaults
/// to the inquiry's concierge and must be staff of the municipality.
pub async fn create_task(
    w: Writer<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    task: NewTask,
    now: DateTime<Utc>,
) -> AppResult<Outcome<entity::inquiry_task::Model>> {
    let title = match text::required("title", task.title.trim(), MAX_LINE) {
        Ok(title) => title,
        Err(error) => return Ok(Err(vec![error])),
    };
    let (txn, inquiry, me) = work_on(w, viewer, inquiry_id).await?;
    if inquiry.erased_at.is_some() {
        return Ok(Err(vec![erased_error()]));
    }
    let owner = task
        .owner_id
        .or(inquiry.assigned_concierge_id)
        .unwrap_or(me.id);
    let staff = user::Entity::find_by_id(owner)
        .one(&txn)
        .await?
        .filter(|u| {
            u.deactivated_at.is_none()
                && u.municipality_id == Some(inquiry.municipality_id)
                && matches!(u.role, Role::Concierge | Role::MunicipalAdmin)
        });
    if staff.is_none() && owner != me.id {
        return Ok(Err(vec![FieldError::input(
            "assigneeId",
            FieldErrorCode::NotAllowed,
            "担当者にはこの自治体の職員またはコンシェルジュを指定してください。",
        )]));
    }
    let created = entity::inquiry_task::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(inquiry.municipality_id),
        inquiry_id: Set(inquiry.id),
        title: Set(title.clone()),
        due_on: Set(task.due_on),
        owner_user_id: Set(Some(owner)),
        follow_up: Set(false),
        done_at: Set(None),
        created_by: Set(Some(me.id)),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let mut event = timeline(&txn, &inquiry, EventKind::Task, Some(&me), now);
    event.body = Set(Some(format!("{title}（{}期限）", task.due_on)));
    event.concierge_id = Set(Some(owner));
    event.insert(&txn).await?;
    let changes = vec![change(
        &inquiry,
        inquiry.assigned_concierge_id,
        TOPIC_CHANGED,
        now,
    )];
    txn.commit().await?;
    w.announce(&changes).await;
    Ok(Ok(created))
}

/// Marks a task done (the inquiry's concierge or an administrator).
pub async fn complete_task(
    w: Writer<'_>,
    viewer: &Viewer,
    task_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Outcome<entity::inquiry_task::Model>> {
    viewer.require_user()?;
    let task = entity::inquiry_task::Entity::find_by_id(task_id)
        .one(w.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let (txn, inquiry, me) = work_on(w, viewer, task.inquiry_id).await?;
    let task = entity::inquiry_task::Entity::find_by_id(task_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if task.done_at.is_some() {
        return Ok(Err(vec![FieldError::input(
            "taskId",
            FieldErrorCode::InvalidState,
            "このタスクはすでに完了しています。",
        )]));
    }
    let title = task.title.clone();
    let mut model = task.into_active_model();
    model.done_at = Set(Some(now));
    let done = model.update(&txn).await?;
    let mut event = timeline(&txn, &inquiry, EventKind::Task, Some(&me), now);
    event.body = Set((inquiry.erased_at.is_none()).then(|| format!("{title}（完了）")));
    event.insert(&txn).await?;
    let changes = vec![change(
        &inquiry,
        inquiry.assigned_concierge_id,
        TOPIC_CHANGED,
        now,
    )];
    txn.commit().await?;
    w.announce(&changes).await;
    Ok(Ok(done))
}

/// Tasks of an inquiry, open ones first by due date. Callers have checked that the viewer
/// may read the inquiry.
pub async fn tasks_for(
    db: &DatabaseConnection,
    inquiry_id: Uuid,
    municipality_id: Uuid,
) -> AppResult<Vec<entity::inquiry_task::Model>> {
    use entity::inquiry_task::Column;
    let mut tasks = entity::inquiry_task::Entity::find()
        .filter(Column::InquiryId.eq(inquiry_id))
        .filter(Column::MunicipalityId.eq(municipality_id))
        .order_by_asc(Column::DueOn)
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    tasks.sort_by_key(|t| t.done_at.is_some());
    Ok(tasks)
}

// ---------------------------------------------------------------------------------------
// Funnel

/// How many inquiries of a municipality reached each stage during fiscal year `year`
/// (administrators): `new` counts inquiries received in the year, every other stage the
/// inquiries that entered it in the year, by the stage changes of their timelines.
pub async fn funnel(
    db: &DatabaseConnection,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
    year: i32,
) -> AppResult<Vec<(InquiryStage, u64)>> {
    use inquiry_event::Column;
    let me = viewer.require_user()?;
    let municipality_id = municipality_id
        .or(me.municipality_id)
        .ok_or_else(|| AppError::BadUserInput("give a municipalityId".into()))?;
    viewer.require_admin_of(municipality_id)?;
    let (from, until) = fiscal::bounds(year)
        .filter(|_| (2000..=2100).contains(&year))
        .ok_or_else(|| AppError::BadUserInput("fiscalYear is out of range".into()))?;
    let rows: Vec<(EventKind, Option<String>, Uuid)> = inquiry_event::Entity::find()
        .select_only()
        .column(Column::Kind)
        .column(Column::ToStage)
        .column(Column::InquiryId)
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::CreatedAt.gte(from))
        .filter(Column::CreatedAt.lt(until))
        .filter(
            Condition::any()
                .add(Column::Kind.eq(EventKind::Submitted))
                .add(Column::ToStage.is_not_null()),
        )
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut reached: std::collections::BTreeMap<String, BTreeSet<Uuid>> = Default::default();
    for (kind, to_stage, inquiry_id) in rows {
        let stage = match kind {
            EventKind::Submitted => InquiryStage::New.to_value(),
            _ => match to_stage {
                // Back to `new` after an unassignment is not a new inquiry.
                Some(stage) if stage != InquiryStage::New.to_value() => stage,
                _ => continue,
            },
        };
        reached.entry(stage).or_default().insert(inquiry_id);
    }
    Ok(InquiryStage::iter()
        .map(|stage| {
            let n = reached.get(&stage.to_value()).map_or(0, BTreeSet::len);
            (stage, u64::try_from(n).unwrap_or(u64::MAX))
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// Retention

/// Anonymizes inquiries closed or moved in longer ago than the retention period: personal
/// data and timeline texts are erased, while stages, household sizes and move-in outcomes
/// stay for statistics. `municipality_id` limits it to one municipality; `older_than_days`
/// replaces each municipality's retention setting (the CLI). Returns how many inquiries
/// were anonymized.
pub async fn purge_closed(
    w: Writer<'_>,
    municipality_id: Option<Uuid>,
    older_than_days: Option<u32>,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    use relocation_inquiry::Column;
    let mut municipalities: Vec<Uuid> = relocation_inquiry::Entity::find()
        .select_only()
        .column(Column::MunicipalityId)
        .filter(Column::ErasedAt.is_null())
        .filter(Column::ClosedAt.is_not_null())
        .distinct()
        .into_tuple()
        .all(w.db)
        .await?;
    if let Some(only) = municipality_id {
        municipalities.retain(|m| *m == only);
    }
    let mut purged = 0;
    for municipality_id in municipalities {
        let days = match older_than_days {
            Some(days) => i64::from(days),
            None => i64::from(settings_of(w.db, municipality_id).await?.retention_days),
        };
        let cutoff = now - chrono::Duration::days(days);
        let txn = db::begin_write(w.db).await?;
        let expired = relocation_inquiry::Entity::find()
            .filter(Column::MunicipalityId.eq(municipality_id))
            .filter(Column::ErasedAt.is_null())
            .filter(Column::Stage.is_in([InquiryStage::Closed, InquiryStage::MovedIn]))
            .filter(Column::ClosedAt.lte(cutoff))
            .all(&txn)
            .await?;
        for inquiry in expired {
            let erased = erase(&txn, inquiry, now, None).await?;
            let mut event = timeline(&txn, &erased, EventKind::Anonymized, None, now);
            event.body = Set(None);
            event.insert(&txn).await?;
            purged += 1;
        }
        txn.commit().await?;
    }
    Ok(purged)
}

/// Anonymizes a municipality's inquiries closed longer than its retention setting
/// (its administrators). Returns the count and the retention period used.
pub async fn purge_closed_of(
    w: Writer<'_>,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<(u64, i32)> {
    let me = viewer.require_user()?;
    let municipality_id = municipality_id
        .or(me.municipality_id)
        .ok_or_else(|| AppError::BadUserInput("give a municipalityId".into()))?;
    viewer.require_admin_of(municipality_id)?;
    let retention = settings_of(w.db, municipality_id).await?.retention_days;
    let purged = purge_closed(w, Some(municipality_id), None, now).await?;
    Ok((purged, retention))
}

// ---------------------------------------------------------------------------------------
// Access log

/// Filter of the access log.
#[derive(Debug, Clone, Default)]
pub struct AccessLogFilter {
    /// The municipality; administrators of one municipality may omit it.
    pub municipality_id: Option<Uuid>,
    /// Only reads of this inquiry.
    pub inquiry_id: Option<Uuid>,
    /// Only reads by this staff member.
    pub user_id: Option<Uuid>,
}

/// Reads of inquiries' personal data by staff, newest first (administrators of the
/// municipality only).
pub async fn access_log(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: AccessLogFilter,
    page: PageArgs,
    max_page_size: u32,
) -> AppResult<Page<inquiry_access_log::Model>> {
    use inquiry_access_log::Column;
    let me = viewer.require_user()?;
    let municipality_id = filter
        .municipality_id
        .or(me.municipality_id)
        .ok_or_else(|| AppError::BadUserInput("give a municipalityId".into()))?;
    viewer.require_admin_of(municipality_id)?;
    let mut condition = Condition::all().add(Column::MunicipalityId.eq(municipality_id));
    if let Some(inquiry_id) = filter.inquiry_id {
        condition = condition.add(Column::InquiryId.eq(inquiry_id));
    }
    if let Some(user_id) = filter.user_id {
        condition = condition.add(Column::UserId.eq(user_id));
    }
    let ordering = Ordering::<inquiry_access_log::Entity> {
        column: Some(Column::CreatedAt),
        id: Column::Id,
        descending: true,
        key: |row| (Some(SortValue::Time(row.created_at)), row.id),
    };
    paginate(
        db,
        inquiry_access_log::Entity::find().filter(condition),
        &ordering,
        page,
        max_page_size,
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Helpers

fn timeline(
    _txn: &DatabaseTransaction,
    inquiry: &relocation_inquiry::Model,
    kind: EventKind,
    actor: Option<&AuthUser>,
    now: DateTime<Utc>,
) -> inquiry_event::ActiveModel {
    inquiry_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(inquiry.municipality_id),
        inquiry_id: Set(inquiry.id),
        kind: Set(kind),
        from_stage: Set(None),
        to_stage: Set(None),
        concierge_id: Set(None),
        channel: Set(None),
        body: Set(None),
        scheduled_at: Set(None),
        appointment_kind: Set(None),
        actor_user_id: Set(actor.map(|a| a.id)),
        created_at: Set(now),
    }
}

fn change(
    inquiry: &relocation_inquiry::Model,
    concierge_id: Option<Uuid>,
    topic: &'static str,
    at: DateTime<Utc>,
) -> Change {
    Change {
        municipality_id: inquiry.municipality_id,
        inquiry_id: inquiry.id,
        concierge_id,
        topic,
        at,
    }
}

/// The values of a delimited column.
pub fn split(column: &str) -> impl Iterator<Item = &str> {
    column.split(',').filter(|s| !s.is_empty())
}

fn delimited<'a>(values: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from(",");
    for value in values {
        out.push_str(value);
        out.push(',');
    }
    out
}

fn normalized_list(values: &[String]) -> Vec<String> {
    let mut list: Vec<String> = values
        .iter()
        .map(|v| text::normalize(v).to_lowercase())
        .filter(|v| !v.is_empty())
        .collect();
    list.sort();
    list.dedup();
    list
}

/// Normalizes a search query or stored text the same way: NFKC, lowercase, no spaces or
/// hyphens (so `090-1234-5678` matches `09012345678`).
pub fn search_key(value: &str) -> String {
    text::normalize(value)
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != 'ー' && *c != '‐')
        .collect()
}

fn search_text(checked: &Checked, reference_code: &str) -> String {
    [
        Some(checked.name.as_str()),
        Some(checked.name_kana.as_str()),
        checked.email.as_deref(),
        checked.phone.as_deref(),
        Some(reference_code),
    ]
    .into_iter()
    .flatten()
    .map(search_key)
    .collect::<Vec<_>>()
    .join("|")
}

fn parse_phone(field: &str, value: &str) -> Result<String, FieldError> {
    let normalized = text::normalize(value).replace(['ー', '−', '‐', '―'], "-");
    let digits: String = normalized.chars().filter(char::is_ascii_digit).collect();
    let allowed = normalized
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == '+' || c == ' ' || c == '(' || c == ')');
    if !allowed || !(10..=15).contains(&digits.len()) {
        return Err(FieldError::input(
            field,
            FieldErrorCode::Invalid,
            "電話番号は「090-1234-5678」のように入力してください。",
        ));
    }
    Ok(normalized)
}

fn parse_month(value: &str) -> Option<String> {
    let value = text::normalize(value);
    let (year, month) = value.split_once('-')?;
    let year: i32 = year.parse().ok()?;
    let month: u32 = month.parse().ok()?;
    let date = NaiveDate::from_ymd_opt(year, month, 1)?;
    let today = Utc::now().date_naive();
    (date <= today && year >= chrono::Datelike::year(&today) - 25)
        .then(|| format!("{year:04}-{month:02}"))
}

fn optional_text(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let value: String = unicode_normalization::UnicodeNormalization::nfkc(value).collect();
    if value.chars().count() > MAX_TEXT {
        return Err(FieldError::input(
            field,
            FieldErrorCode::TooLong,
            format!("{MAX_TEXT}文字以内で入力してください。"),
        ));
    }
    Ok(Some(value))
}

fn new_token() -> String {
    let mut secret = [0_u8; 32];
    rand::rng().fill_bytes(&mut secret);
    format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(secret))
}

fn digest(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// Two letters for the municipality's codes: the first letter of its English name and the
/// next consonant (Maebashi → MB, Manazuru → MN, Kitakyushu → KT).
async fn code_prefix(db: &impl ConnectionTrait, municipality_id: Uuid) -> AppResult<String> {
    let name = municipality::Entity::find_by_id(municipality_id)
        .one(db)
        .await?
        .map(|m| m.name_en)
        .unwrap_or_default();
    Ok(prefix_of(&name))
}

fn prefix_of(name: &str) -> String {
    let letters: Vec<char> = name
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let first = letters.first().copied().unwrap_or('R');
    let second = letters
        .iter()
        .skip(1)
        .find(|c| !"AEIOUY".contains(**c))
        .copied()
        .unwrap_or('X');
    format!("{first}{second}")
}

fn random_code(prefix: &str) -> String {
    let mut rng = rand::rng();
    let mut code = format!("{prefix}-");
    for i in 0..8 {
        if i == 4 {
            code.push('-');
        }
        let index = rng.random_range(0..CODE_ALPHABET.len());
        code.push(char::from(CODE_ALPHABET[index]));
    }
    code
}

async fn unused_code(txn: &DatabaseTransaction, prefix: &str) -> AppResult<String> {
    for _ in 0..8 {
        let code = random_code(prefix);
        let taken = relocation_inquiry::Entity::find()
            .filter(relocation_inquiry::Column::ReferenceCode.eq(code.clone()))
            .one(txn)
            .await?
            .is_some();
        if !taken {
            return Ok(code);
        }
    }
    Err(AppError::internal(anyhow::anyhow!(
        "no free reference code after 8 tries"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_code_prefixes_read_like_the_town() {
        assert_eq!(prefix_of("Maebashi"), "MB");
        assert_eq!(prefix_of("Manazuru"), "MN");
        assert_eq!(prefix_of("Kitakyushu"), "KT");
    }

    #[test]
    fn search_keys_fold_width_case_and_hyphens() {
        assert_eq!(search_key("０９０ー１２３４－５６７８"), "09012345678");
        assert_eq!(search_key("Taro@Example.JP"), "taro@example.jp");
        assert_eq!(search_key("ﾔﾏﾀﾞ"), "ヤマダ");
    }
}

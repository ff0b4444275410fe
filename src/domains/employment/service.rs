//! Rules of the employment domain: who may see and change enrollments, placements and
//! follow-up checkpoints; the checkpoints created for each placement; the fiscal-year
//! report with small-count suppression; and the KPI figure the `kpi` domain reads. Knows
//! nothing of GraphQL; the demo seed calls it too.
//!
//! Visibility, in one place: an enrollment and everything under it (the job seeker's
//! personal data, placements, checkpoints) is seen only by the municipality's employment
//! team — program staff of one of its employment-support offices
//! (`OrganizationKind::EmploymentSupportOffice`) and its administrators. Anyone else gets
//! `NOT_FOUND` for a record and `FORBIDDEN` for a list. Every read of a record is written
//! to the shared access log ([`crate::audit`]) with the enrollment as subject, so "who read
//! this person's data" is one filter.

use chrono::{DateTime, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;
use entity::{
    employment_enrollment::{
        self as enrollment, CloseReason, EnrollmentStatus, Gender, SupportTrack,
    },
    employment_enrollment_program as attachment, employment_follow_up as follow_up,
    employment_placement::{self as placement, EmploymentType},
    organization::{self, OrganizationKind},
    registration::{self, RegistrationStatus},
    user,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QuerySelect, QueryTrait,
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    audit::{self, Read},
    auth::{AuthUser, Role, Viewer},
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    fiscal,
    idempotency::{self, KeyScope},
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
    text::{self, Email, Kana},
};

/// Subject kind of every access-log row this domain writes: the enrollment (the person).
pub const SUBJECT: &str = "employment_enrollment";
/// Months after a placement's start at which follow-up checkpoints fall due.
pub const CHECKPOINTS: [u32; 3] = [3, 6, 12];
/// Days before its due date from which a checkpoint counts as due and may be recorded.
pub const DUE_WINDOW_DAYS: i64 = 14;
/// Longest name, job title or industry.
const MAX_LINE: usize = 100;
/// Longest employer name.
const MAX_EMPLOYER: usize = 200;
/// Longest note.
pub const MAX_NOTE: usize = 2000;
/// Most weekly hours a placement may have.
const MAX_WEEKLY_HOURS: f64 = 80.0;

// ---------------------------------------------------------------------------------------
// Who is on the team

/// Whether `me` is on the employment team of `municipality_id`: one of its administrators,
/// or program staff of one of its employment-support offices.
pub async fn on_team(
    db: &impl ConnectionTrait,
    me: &AuthUser,
    municipality_id: Uuid,
) -> AppResult<bool> {
    if me.administers(municipality_id) {
        return Ok(true);
    }
    let (Role::ProgramStaff, Some(own), Some(organization_id)) =
        (me.role, me.municipality_id, me.organization_id)
    else {
        return Ok(false);
    };
    if own != municipality_id {
        return Ok(false);
    }
    Ok(organization::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .is_some_and(|organization| {
            organization.kind == OrganizationKind::EmploymentSupportOffice
                && organization.municipality_id == municipality_id
        }))
}

/// The signed-in team member of `municipality_id`, or `UNAUTHENTICATED` / `FORBIDDEN`.
async fn require_team<'v>(
    db: &impl ConnectionTrait,
    viewer: &'v Viewer,
    municipality_id: Uuid,
) -> AppResult<&'v AuthUser> {
    let me = viewer.require_user()?;
    if on_team(db, me, municipality_id).await? {
        Ok(me)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The municipality a list or creation is about: the given one, or the viewer's own.
fn municipality_of(viewer: &Viewer, given: Option<Uuid>) -> AppResult<Uuid> {
    let me = viewer.require_user()?;
    given
        .or(me.municipality_id)
        .ok_or_else(|| AppError::BadUserInput("give a municipalityId".into()))
}

/// An enrollment the viewer's team may see, or `NOT_FOUND` (whoever asks: a record of
/// another team is not revealed).
async fn visible_enrollment(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(AuthUser, enrollment::Model)> {
    let me = viewer.require_user()?;
    let found = enrollment::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if on_team(db, me, found.municipality_id).await? {
        Ok((me.clone(), found))
    } else {
        Err(AppError::NotFound)
    }
}

fn read_of(enrollment: &enrollment::Model, accessed: &'static str) -> Read {
    Read {
        municipality_id: enrollment.municipality_id,
        subject_kind: SUBJECT,
        subject_id: enrollment.id,
        accessed,
    }
}

// ---------------------------------------------------------------------------------------
// Dates

/// The day a checkpoint `months` after `start` falls due (end of month when shorter).
pub fn due_on(start: NaiveDate, months: u32) -> Option<NaiveDate> {
    start.checked_add_months(Months::new(months))
}

/// Midnight of `date` in Japan, as an instant.
fn start_of_day(date: NaiveDate) -> AppResult<DateTime<Utc>> {
    date.and_hms_opt(0, 0, 0)
        .and_then(|local| Tokyo.from_local_datetime(&local).single())
        .map(|time| time.with_timezone(&Utc))
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no midnight on {date}")))
}

/// Where an open checkpoint stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueState {
    /// Due more than [`DUE_WINDOW_DAYS`] days from now.
    Upcoming,
    /// Due within [`DUE_WINDOW_DAYS`] days, or today.
    Due,
    /// Its due date has passed without an answer.
    Overdue,
    /// Answered.
    Recorded,
}

/// The due state of a checkpoint on `today`.
pub fn due_state(checkpoint: &follow_up::Model, today: NaiveDate) -> DueState {
    if checkpoint.recorded_at.is_some() {
        DueState::Recorded
    } else if checkpoint.due_on < today {
        DueState::Overdue
    } else if checkpoint.due_on <= today + chrono::Duration::days(DUE_WINDOW_DAYS) {
        DueState::Due
    } else {
        DueState::Upcoming
    }
}

// ---------------------------------------------------------------------------------------
// Inputs

/// Contact details of a job seeker without a linked resident account.
#[derive(Debug, Clone, Default)]
pub struct PersonInput {
    /// Name.
    pub name: String,
    /// Kana reading.
    pub name_kana: String,
    /// Email address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
}

/// A new enrollment.
#[derive(Debug, Clone)]
pub struct NewEnrollment {
    /// Municipality; team members of one municipality may omit it.
    pub municipality_id: Option<Uuid>,
    /// The job seeker's resident account, if linked.
    pub resident_id: Option<Uuid>,
    /// Or the job seeker's name and contact.
    pub person: Option<PersonInput>,
    /// Self-declared gender (`NotStated` when not given).
    pub gender: Option<Gender>,
    /// Enrollment date (not in the future).
    pub enrolled_on: NaiveDate,
    /// Support track.
    pub support_track: SupportTrack,
    /// Whether the job seeker consented to follow-up.
    pub follow_up_consent: bool,
    /// Notes.
    pub notes: Option<String>,
    /// Advisor in charge; the enrolling advisor when omitted.
    pub advisor_id: Option<Uuid>,
    /// Program registrations (attended) to attach.
    pub registration_ids: Vec<Uuid>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Changes to an enrollment; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct EnrollmentChanges {
    /// New gender.
    pub gender: Option<Gender>,
    /// New support track.
    pub support_track: Option<SupportTrack>,
    /// Consent to follow-up given or withdrawn.
    pub follow_up_consent: Option<bool>,
    /// New notes; `Some(None)` removes them.
    pub notes: Option<Option<String>>,
    /// New advisor in charge.
    pub advisor_id: Option<Uuid>,
    /// New contact details (job seekers without a linked account only).
    pub person: Option<PersonInput>,
}

/// A new placement.
#[derive(Debug, Clone)]
pub struct NewPlacement {
    /// The enrollment.
    pub enrollment_id: Uuid,
    /// Employer name (optional when a partner organization is given).
    pub employer_name: Option<String>,
    /// Employer, when it is an organization of the municipality.
    pub employer_organization_id: Option<Uuid>,
    /// Industry.
    pub industry: String,
    /// Job title.
    pub job_title: String,
    /// Employment type.
    pub employment_type: EmploymentType,
    /// Weekly hours.
    pub weekly_hours: f64,
    /// Start date.
    pub start_date: NaiveDate,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// The answer of a follow-up checkpoint.
#[derive(Debug, Clone)]
pub struct FollowUpAnswer {
    /// The checkpoint.
    pub id: Uuid,
    /// Still employed in the job.
    pub still_employed: bool,
    /// Current employment type (required when still employed).
    pub employment_type: Option<EmploymentType>,
    /// Note.
    pub note: Option<String>,
}

/// Which enrollments to list.
#[derive(Debug, Clone, Default)]
pub struct EnrollmentFilter {
    /// Municipality; team members of one municipality may omit it.
    pub municipality_id: Option<Uuid>,
    /// Only these statuses.
    pub statuses: Vec<EnrollmentStatus>,
    /// Only these tracks.
    pub tracks: Vec<SupportTrack>,
    /// Only enrollments of this advisor.
    pub advisor_id: Option<Uuid>,
    /// Only the enrollment of this resident account.
    pub resident_id: Option<Uuid>,
    /// Enrolled on or after.
    pub enrolled_from: Option<NaiveDate>,
    /// Enrolled on or before.
    pub enrolled_to: Option<NaiveDate>,
}

/// Order of enrollment lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EnrollmentOrder {
    /// Newest first.
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
}

/// Which checkpoints to list.
#[derive(Debug, Clone, Default)]
pub struct FollowUpFilter {
    /// Municipality; team members of one municipality may omit it.
    pub municipality_id: Option<Uuid>,
    /// Only checkpoints that are tasks of this advisor.
    pub advisor_id: Option<Uuid>,
    /// Only the signed-in viewer's own checkpoints.
    pub mine: bool,
    /// Only these states (all when empty).
    pub states: Vec<DueState>,
    /// Only checkpoints of this placement.
    pub placement_id: Option<Uuid>,
}

// ---------------------------------------------------------------------------------------
// Validation helpers

fn optional_note(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    match value.filter(|v| !text::normalize(v).is_empty()) {
        Some(value) => text::long_text(field, value, MAX_NOTE).map(Some),
        None => Ok(None),
    }
}

/// Checked contact details of a job seeker.
#[derive(Debug, Clone, Serialize)]
struct Person {
    name: String,
    kana: String,
    email: Option<String>,
    phone: Option<String>,
}

fn check_person(problems: &mut Problems, person: &PersonInput) -> Option<Person> {
    let field = |name: &str| format!("person.{name}");
    let name = problems.check(text::required(&field("name"), &person.name, MAX_LINE));
    let kana = problems.check(Kana::parse(&field("nameKana"), &person.name_kana, MAX_LINE));
    let email = match person.email.as_deref().filter(|v| !v.trim().is_empty()) {
        Some(value) => problems
            .check(Email::parse(&field("email"), value))
            .map(|email| Some(email.as_str().to_owned())),
        None => Some(None),
    };
    let phone = match person.phone.as_deref().filter(|v| !v.trim().is_empty()) {
        Some(value) => problems
            .check(text::phone(&field("phone"), value))
            .map(Some),
        None => Some(None),
    };
    let (name, kana, email, phone) = (name?, kana?, email?, phone?);
    if email.is_none() && phone.is_none() {
        problems.push(FieldError::input(
            &field("email"),
            FieldErrorCode::Required,
            "メールアドレスか電話番号のどちらかを入力してください。",
        ));
        return None;
    }
    Some(Person {
        name,
        kana: kana.as_str().to_owned(),
        email,
        phone,
    })
}

/// Whether `user_id` is an active team member of `municipality_id` (a possible advisor).
async fn is_advisor(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    municipality_id: Uuid,
) -> AppResult<bool> {
    let Some(candidate) = user::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(false);
    };
    if candidate.deactivated_at.is_some() {
        return Ok(false);
    }
    let as_auth = AuthUser {
        id: candidate.id,
        role: candidate.role,
        municipality_id: candidate.municipality_id,
        organization_id: candidate.organization_id,
        session_id: Uuid::nil(),
    };
    on_team(db, &as_auth, municipality_id).await
}

/// Registrations that may be attached to an enrollment of `municipality_id`: attended
/// ones of that municipality. Returns the ids not found that way.
async fn unattachable(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<Uuid> = registration::Entity::find()
        .select_only()
        .column(registration::Column::Id)
        .filter(registration::Column::Id.is_in(ids.to_vec()))
        .filter(registration::Column::MunicipalityId.eq(municipality_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Attended))
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids
        .iter()
        .filter(|id| !found.contains(id))
        .copied()
        .collect())
}

fn unattachable_error(field: &str) -> FieldError {
    FieldError::input(
        field,
        FieldErrorCode::NotFound,
        "出席済みの講座・セミナーの申込が見つかりません（同じ自治体で出席したものだけを紐付けられます）。",
    )
}

// ---------------------------------------------------------------------------------------
// Enrollments

/// Enrolls a job seeker (the municipality's employment team).
pub async fn enroll(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewEnrollment,
) -> AppResult<Outcome<enrollment::Model>> {
    let municipality_id = municipality_of(viewer, input.municipality_id)?;
    let me = require_team(db, viewer, municipality_id).await?.clone();
    let mut problems = Problems::new();
    let person = match (&input.resident_id, &input.person) {
        (Some(_), Some(_)) => {
            problems.push(FieldError::input(
                "person",
                FieldErrorCode::NotAllowed,
                "住民アカウントを紐付ける場合は氏名・連絡先を入力しないでください。",
            ));
            None
        }
        (None, None) => {
            problems.push(FieldError::input(
                "residentId",
                FieldErrorCode::Required,
                "住民アカウントを選ぶか、氏名・フリガナ・連絡先を入力してください。",
            ));
            None
        }
        (None, Some(person)) => check_person(&mut problems, person),
        (Some(_), None) => None,
    };
    if let Some(resident_id) = input.resident_id {
        let resident = user::Entity::find_by_id(resident_id).one(db).await?;
        let linkable = resident.is_some_and(|resident| {
            resident.role == Role::Resident
                && resident.municipality_id == Some(municipality_id)
                && resident.deactivated_at.is_none()
        });
        if !linkable {
            problems.push(FieldError::input(
                "residentId",
                FieldErrorCode::NotFound,
                "この自治体の住民アカウントが見つかりません。",
            ));
        }
    }
    if input.enrolled_on > fiscal::today() {
        problems.push(FieldError::input(
            "enrolledOn",
            FieldErrorCode::Invalid,
            "登録日に未来の日付は指定できません。",
        ));
    }
    let notes = problems.check(optional_note("notes", input.notes.as_deref()));
    let advisor_id = input.advisor_id.unwrap_or(me.id);
    if advisor_id != me.id && !is_advisor(db, advisor_id, municipality_id).await? {
        problems.push(FieldError::input(
            "advisorId",
            FieldErrorCode::NotFound,
            "担当者はこの自治体の就職支援担当者か管理者から選んでください。",
        ));
    }
    let mut registration_ids = input.registration_ids.clone();
    registration_ids.sort();
    registration_ids.dedup();
    if !unattachable(db, municipality_id, &registration_ids)
        .await?
        .is_empty()
    {
        problems.push(unattachable_error("registrationIds"));
    }
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let notes = notes.flatten();
    #[derive(Serialize)]
    struct Fingerprint<'a> {
        municipality: Uuid,
        resident: Option<Uuid>,
        person: Option<&'a Person>,
        enrolled_on: NaiveDate,
        track: String,
    }
    let fingerprint = Fingerprint {
        municipality: municipality_id,
        resident: input.resident_id,
        person: person.as_ref(),
        enrolled_on: input.enrolled_on,
        track: input.support_track.to_value(),
    };
    let created = idempotency::run_once(
        db,
        &KeyScope::user(me.id, "enrollJobSeeker"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            // Checked in the write transaction, so that a retry with the idempotency key
            // replays the first result instead of meeting the enrollment it made.
            if let Some(resident_id) = input.resident_id {
                // The account row serializes concurrent enrollments of one resident.
                user::Entity::find_by_id(resident_id)
                    .lock_exclusive()
                    .one(txn)
                    .await?;
                let open = enrollment::Entity::find()
                    .filter(enrollment::Column::ResidentUserId.eq(resident_id))
                    .filter(enrollment::Column::Status.eq(EnrollmentStatus::Open))
                    .one(txn)
                    .await?;
                if open.is_some() {
                    return Ok(Err(vec![FieldError::input(
                        "residentId",
                        FieldErrorCode::InvalidState,
                        "この方はすでに支援中です。終了してから登録し直してください。",
                    )]));
                }
            }
            let now = Utc::now();
            let id = Uuid::now_v7();
            enrollment::ActiveModel {
                id: Set(id),
                municipality_id: Set(municipality_id),
                resident_user_id: Set(input.resident_id),
                name: Set(person.as_ref().map(|p| p.name.clone())),
                name_kana: Set(person.as_ref().map(|p| p.kana.clone())),
                email: Set(person.as_ref().and_then(|p| p.email.clone())),
                phone: Set(person.as_ref().and_then(|p| p.phone.clone())),
                gender: Set(input.gender.unwrap_or(Gender::NotStated)),
                enrolled_on: Set(input.enrolled_on),
                support_track: Set(input.support_track),
                follow_up_consent: Set(input.follow_up_consent),
                notes: Set(notes.clone()),
                advisor_user_id: Set(advisor_id),
                status: Set(EnrollmentStatus::Open),
                closed_on: Set(None),
                close_reason: Set(None),
                close_note: Set(None),
                created_by: Set(me.id),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
            attach_all(txn, municipality_id, id, &registration_ids, me.id).await?;
            Ok(Ok(id))
        },
    )
    .await?;
    let loaded = idempotency::load_created::<enrollment::Entity>(db, created).await?;
    if let Ok(enrollment) = &loaded {
        audit::record(db, me.id, [read_of(enrollment, "detail")]).await?;
    }
    Ok(loaded)
}

async fn attach_all(
    txn: &DatabaseTransaction,
    municipality_id: Uuid,
    enrollment_id: Uuid,
    registration_ids: &[Uuid],
    actor: Uuid,
) -> AppResult<()> {
    if registration_ids.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    attachment::Entity::insert_many(registration_ids.iter().map(|registration_id| {
        attachment::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(municipality_id),
            enrollment_id: Set(enrollment_id),
            registration_id: Set(*registration_id),
            attached_by: Set(actor),
            created_at: Set(now),
        }
    }))
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Changes an enrollment (the team). Withdrawing consent removes the checkpoints not yet
/// answered; giving it creates the missing checkpoints of every placement.
pub async fn update_enrollment(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    changes: EnrollmentChanges,
) -> AppResult<Outcome<enrollment::Model>> {
    let (me, current) = visible_enrollment(db, viewer, id).await?;
    let mut problems = Problems::new();
    let person = match &changes.person {
        Some(_) if current.resident_user_id.is_some() => {
            problems.push(FieldError::input(
                "person",
                FieldErrorCode::NotAllowed,
                "住民アカウントを紐付けた登録の氏名・連絡先はアカウント側で変更されます。",
            ));
            None
        }
        Some(person) => check_person(&mut problems, person),
        None => None,
    };
    let notes = match &changes.notes {
        Some(notes) => problems
            .check(optional_note("notes", notes.as_deref()))
            .map(Some),
        None => Some(None),
    };
    if let Some(advisor_id) = changes.advisor_id
        && !is_advisor(db, advisor_id, current.municipality_id).await?
    {
        problems.push(FieldError::input(
            "advisorId",
            FieldErrorCode::NotFound,
            "担当者はこの自治体の就職支援担当者か管理者から選んでください。",
        ));
    }
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let txn = db::begin_write(db).await?;
    let current = enrollment::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let consent_before = current.follow_up_consent;
    let mut active = current.clone().into_active_model();
    if let Some(gender) = changes.gender {
        active.gender = Set(gender);
    }
    if let Some(track) = changes.support_track {
        active.support_track = Set(track);
    }
    if let Some(consent) = changes.follow_up_consent {
        active.follow_up_consent = Set(consent);
    }
    if let Some(Some(notes)) = notes {
        active.notes = Set(notes);
    }
    if let Some(advisor_id) = changes.advisor_id {
        active.advisor_user_id = Set(advisor_id);
        // Open checkpoints follow the enrollment to its new advisor.
        follow_up::Entity::update_many()
            .col_expr(
                follow_up::Column::AdvisorUserId,
                sea_orm::sea_query::Expr::value(advisor_id),
            )
            .filter(follow_up::Column::EnrollmentId.eq(id))
            .filter(follow_up::Column::RecordedAt.is_null())
            .exec(&txn)
            .await?;
    }
    if let Some(person) = person {
        active.name = Set(Some(person.name));
        active.name_kana = Set(Some(person.kana));
        active.email = Set(person.email);
        active.phone = Set(person.phone);
    }
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    match (consent_before, updated.follow_up_consent) {
        (true, false) => {
            follow_up::Entity::delete_many()
                .filter(follow_up::Column::EnrollmentId.eq(id))
                .filter(follow_up::Column::RecordedAt.is_null())
                .exec(&txn)
                .await?;
        }
        (false, true) => {
            let placements = placement::Entity::find()
                .filter(placement::Column::EnrollmentId.eq(id))
                .all(&txn)
                .await?;
            for placement in &placements {
                create_checkpoints(&txn, &updated, placement).await?;
            }
        }
        _ => {}
    }
    txn.commit().await?;
    audit::record(db, me.id, [read_of(&updated, "detail")]).await?;
    Ok(Ok(updated))
}

/// Closes an open enrollment (found work, withdrew, moved away, …). Checkpoints of its
/// placements stay: the job is still followed up.
pub async fn close_enrollment(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    reason: CloseReason,
    closed_on: Option<NaiveDate>,
    note: Option<String>,
) -> AppResult<Outcome<enrollment::Model>> {
    let (me, _) = visible_enrollment(db, viewer, id).await?;
    let txn = db::begin_write(db).await?;
    let current = enrollment::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut problems = Problems::new();
    if current.status != EnrollmentStatus::Open {
        problems.push(FieldError::whole(
            FieldErrorCode::InvalidState,
            "この支援はすでに終了しています。",
        ));
    }
    let closed_on = closed_on.unwrap_or_else(fiscal::today);
    if closed_on > fiscal::today() || closed_on < current.enrolled_on {
        problems.push(FieldError::input(
            "closedOn",
            FieldErrorCode::Invalid,
            "終了日は登録日から今日までの日付にしてください。",
        ));
    }
    let note = problems.check(optional_note("note", note.as_deref()));
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let mut active = current.into_active_model();
    active.status = Set(EnrollmentStatus::Closed);
    active.closed_on = Set(Some(closed_on));
    active.close_reason = Set(Some(reason));
    active.close_note = Set(note.flatten());
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    txn.commit().await?;
    audit::record(db, me.id, [read_of(&updated, "detail")]).await?;
    Ok(Ok(updated))
}

/// Attaches an attended program registration to an enrollment by hand (the team).
pub async fn attach_registration(
    db: &DatabaseConnection,
    viewer: &Viewer,
    enrollment_id: Uuid,
    registration_id: Uuid,
) -> AppResult<Outcome<enrollment::Model>> {
    let (me, current) = visible_enrollment(db, viewer, enrollment_id).await?;
    if !unattachable(db, current.municipality_id, &[registration_id])
        .await?
        .is_empty()
    {
        return Ok(Err(vec![unattachable_error("registrationId")]));
    }
    let already = attachment::Entity::find()
        .filter(attachment::Column::EnrollmentId.eq(enrollment_id))
        .filter(attachment::Column::RegistrationId.eq(registration_id))
        .one(db)
        .await?;
    if already.is_none() {
        let txn = db::begin_write(db).await?;
        attach_all(
            &txn,
            current.municipality_id,
            enrollment_id,
            &[registration_id],
            me.id,
        )
        .await?;
        txn.commit().await?;
    }
    audit::record(db, me.id, [read_of(&current, "detail")]).await?;
    Ok(Ok(current))
}

/// Detaches a registration attached by hand (the team).
pub async fn detach_registration(
    db: &DatabaseConnection,
    viewer: &Viewer,
    enrollment_id: Uuid,
    registration_id: Uuid,
) -> AppResult<Outcome<enrollment::Model>> {
    let (me, current) = visible_enrollment(db, viewer, enrollment_id).await?;
    let deleted = attachment::Entity::delete_many()
        .filter(attachment::Column::EnrollmentId.eq(enrollment_id))
        .filter(attachment::Column::RegistrationId.eq(registration_id))
        .exec(db)
        .await?;
    if deleted.rows_affected == 0 {
        return Ok(Err(vec![FieldError::input(
            "registrationId",
            FieldErrorCode::NotFound,
            "この申込は紐付けられていません。",
        )]));
    }
    audit::record(db, me.id, [read_of(&current, "detail")]).await?;
    Ok(Ok(current))
}

/// One enrollment the viewer's team may see, logging the read.
pub async fn find_enrollment(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<enrollment::Model> {
    let (me, found) = visible_enrollment(db, viewer, id).await?;
    audit::record(db, me.id, [read_of(&found, "detail")]).await?;
    Ok(found)
}

/// Enrollments of a municipality (its team), logging one read per enrollment listed.
pub async fn list_enrollments(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: EnrollmentFilter,
    order: EnrollmentOrder,
    page: PageArgs,
    max_page_size: u32,
) -> AppResult<Page<enrollment::Model>> {
    use enrollment::Column;
    let municipality_id = municipality_of(viewer, filter.municipality_id)?;
    let me = require_team(db, viewer, municipality_id).await?;
    let mut select = enrollment::Entity::find().filter(Column::MunicipalityId.eq(municipality_id));
    if !filter.statuses.is_empty() {
        select = select.filter(Column::Status.is_in(filter.statuses));
    }
    if !filter.tracks.is_empty() {
        select = select.filter(Column::SupportTrack.is_in(filter.tracks));
    }
    if let Some(advisor) = filter.advisor_id {
        select = select.filter(Column::AdvisorUserId.eq(advisor));
    }
    if let Some(resident) = filter.resident_id {
        select = select.filter(Column::ResidentUserId.eq(resident));
    }
    if let Some(from) = filter.enrolled_from {
        select = select.filter(Column::EnrolledOn.gte(from));
    }
    if let Some(to) = filter.enrolled_to {
        select = select.filter(Column::EnrolledOn.lte(to));
    }
    let ordering = Ordering::<enrollment::Entity> {
        column: None,
        id: Column::Id,
        descending: order == EnrollmentOrder::Newest,
        key: |row| (None, row.id),
    };
    let page = paginate(db, select, &ordering, page, max_page_size).await?;
    audit::record(
        db,
        me.id,
        page.rows.iter().map(|(_, row)| read_of(row, "list")),
    )
    .await?;
    Ok(page)
}

// ---------------------------------------------------------------------------------------
// Placements

/// Records a job an enrolled job seeker found (the team); with consent, its 3-, 6- and
/// 12-month checkpoints are created as tasks of the advisor.
pub async fn record_placement(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewPlacement,
) -> AppResult<Outcome<placement::Model>> {
    let (me, current) = visible_enrollment(db, viewer, input.enrollment_id).await?;
    let mut problems = Problems::new();
    if current.status != EnrollmentStatus::Open {
        problems.push(FieldError::whole(
            FieldErrorCode::InvalidState,
            "終了した支援には就職先を追加できません。",
        ));
    }
    let employer = match input.employer_organization_id {
        Some(organization_id) => {
            let found = organization::Entity::find_by_id(organization_id)
                .one(db)
                .await?
                .filter(|o| o.municipality_id == current.municipality_id);
            if found.is_none() {
                problems.push(FieldError::input(
                    "employerOrganizationId",
                    FieldErrorCode::NotFound,
                    "この自治体の団体が見つかりません。",
                ));
            }
            found
        }
        None => None,
    };
    let employer_name = match (input.employer_name.as_deref(), &employer) {
        (Some(name), _) if !text::normalize(name).is_empty() => {
            problems.check(text::required("employerName", name, MAX_EMPLOYER))
        }
        (_, Some(organization)) => Some(organization.name.clone()),
        (_, None) => {
            if input.employer_organization_id.is_none() {
                problems.push(FieldError::input(
                    "employerName",
                    FieldErrorCode::Required,
                    "就職先の名称を入力するか、団体を選んでください。",
                ));
            }
            None
        }
    };
    let industry = problems.check(text::required("industry", &input.industry, MAX_LINE));
    let job_title = problems.check(text::required("jobTitle", &input.job_title, MAX_LINE));
    let hours = input.weekly_hours;
    if !hours.is_finite() || hours <= 0.0 || hours > MAX_WEEKLY_HOURS {
        problems.push(FieldError::input(
            "weeklyHours",
            FieldErrorCode::Invalid,
            "週の労働時間は0時間より多く80時間以下で入力してください。",
        ));
    }
    if input.start_date < current.enrolled_on {
        problems.push(FieldError::input(
            "startDate",
            FieldErrorCode::Invalid,
            "入職日は支援の登録日以降にしてください。",
        ));
    }
    let (Some(employer_name), Some(industry), Some(job_title)) =
        (employer_name, industry, job_title)
    else {
        return Ok(Err(problems.into_vec()));
    };
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    // Whole minutes; the check above keeps the value within i32.
    let weekly_minutes = (hours * 60.0).round() as i32;
    #[derive(Serialize)]
    struct Fingerprint<'a> {
        enrollment: Uuid,
        employer: &'a str,
        job_title: &'a str,
        start: NaiveDate,
        kind: String,
    }
    let fingerprint = Fingerprint {
        enrollment: current.id,
        employer: &employer_name,
        job_title: &job_title,
        start: input.start_date,
        kind: input.employment_type.to_value(),
    };
    let created = idempotency::run_once(
        db,
        &KeyScope::user(me.id, "recordPlacement"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let locked = enrollment::Entity::find_by_id(current.id)
                .lock_exclusive()
                .one(txn)
                .await?
                .ok_or(AppError::NotFound)?;
            if locked.status != EnrollmentStatus::Open {
                return Ok(Err(vec![FieldError::whole(
                    FieldErrorCode::InvalidState,
                    "終了した支援には就職先を追加できません。",
                )]));
            }
            let now = Utc::now();
            let created = placement::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(locked.municipality_id),
                enrollment_id: Set(locked.id),
                employer_name: Set(employer_name.clone()),
                employer_organization_id: Set(employer.as_ref().map(|o| o.id)),
                industry: Set(industry.clone()),
                job_title: Set(job_title.clone()),
                employment_type: Set(input.employment_type),
                current_employment_type: Set(input.employment_type),
                weekly_minutes: Set(weekly_minutes),
                start_date: Set(input.start_date),
                fiscal_year: Set(fiscal::year_of_date(input.start_date)),
                converted_to_regular_on: Set(None),
                created_by: Set(me.id),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
            create_checkpoints(txn, &locked, &created).await?;
            Ok(Ok(created.id))
        },
    )
    .await?;
    let loaded = idempotency::load_created::<placement::Entity>(db, created).await?;
    if loaded.is_ok() {
        audit::record(db, me.id, [read_of(&current, "placement")]).await?;
    }
    Ok(loaded)
}

/// Creates the checkpoints of `placement` that do not exist yet, if its job seeker
/// consented to follow-up.
pub async fn create_checkpoints(
    txn: &DatabaseTransaction,
    enrollment: &enrollment::Model,
    placement: &placement::Model,
) -> AppResult<usize> {
    if !enrollment.follow_up_consent {
        return Ok(0);
    }
    let existing: Vec<i32> = follow_up::Entity::find()
        .select_only()
        .column(follow_up::Column::CheckpointMonths)
        .filter(follow_up::Column::PlacementId.eq(placement.id))
        .into_tuple()
        .all(txn)
        .await?;
    let now = Utc::now();
    let mut rows = Vec::new();
    for months in CHECKPOINTS {
        let months_i32 = i32::try_from(months).unwrap_or(i32::MAX);
        if existing.contains(&months_i32) {
            continue;
        }
        let due = due_on(placement.start_date, months)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("checkpoint out of range")))?;
        rows.push(follow_up::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(placement.municipality_id),
            enrollment_id: Set(enrollment.id),
            placement_id: Set(placement.id),
            checkpoint_months: Set(months_i32),
            due_on: Set(due),
            due_at: Set(start_of_day(due)?),
            advisor_user_id: Set(enrollment.advisor_user_id),
            recorded_at: Set(None),
            recorded_by: Set(None),
            still_employed: Set(None),
            employment_type: Set(None),
            became_regular: Set(false),
            note: Set(None),
            created_at: Set(now),
        });
    }
    let count = rows.len();
    if count > 0 {
        follow_up::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(count)
}

/// One placement the viewer's team may see, logging the read.
pub async fn find_placement(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<placement::Model> {
    let found = placement::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let (me, enrollment) = visible_enrollment(db, viewer, found.enrollment_id).await?;
    audit::record(db, me.id, [read_of(&enrollment, "placement")]).await?;
    Ok(found)
}

// ---------------------------------------------------------------------------------------
// Follow-ups

/// Records the answer of a checkpoint (the team), from [`DUE_WINDOW_DAYS`] days before it
/// is due. A job that was not regular and now is shows `becameRegular` on the checkpoint
/// and `convertedToRegularOn` on the placement. A job that ended answers the later
/// checkpoints of the placement "no longer employed".
pub async fn record_follow_up(
    db: &DatabaseConnection,
    viewer: &Viewer,
    answer: FollowUpAnswer,
) -> AppResult<Outcome<follow_up::Model>> {
    let found = follow_up::Entity::find_by_id(answer.id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let (me, enrollment) = visible_enrollment(db, viewer, found.enrollment_id).await?;
    let mut problems = Problems::new();
    let note = problems.check(optional_note("note", answer.note.as_deref()));
    match (answer.still_employed, answer.employment_type) {
        (true, None) => problems.push(FieldError::input(
            "employmentType",
            FieldErrorCode::Required,
            "現在の雇用形態を選んでください。",
        )),
        (false, Some(_)) => problems.push(FieldError::input(
            "employmentType",
            FieldErrorCode::NotAllowed,
            "離職している場合は雇用形態を指定しないでください。",
        )),
        _ => {}
    }
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let txn = db::begin_write(db).await?;
    let checkpoint = follow_up::Entity::find_by_id(answer.id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = fiscal::today();
    match due_state(&checkpoint, today) {
        DueState::Recorded => {
            return Ok(Err(vec![FieldError::whole(
                FieldErrorCode::InvalidState,
                "このフォローアップはすでに記録されています。",
            )]));
        }
        DueState::Upcoming => {
            return Ok(Err(vec![FieldError::whole(
                FieldErrorCode::InvalidState,
                format!(
                    "このフォローアップは期日の{DUE_WINDOW_DAYS}日前（{}）から記録できます。",
                    checkpoint.due_on - chrono::Duration::days(DUE_WINDOW_DAYS)
                ),
            )]));
        }
        DueState::Due | DueState::Overdue => {}
    }
    let job = placement::Entity::find_by_id(checkpoint.placement_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let became_regular = answer.still_employed
        && job.current_employment_type != EmploymentType::Regular
        && answer.employment_type == Some(EmploymentType::Regular);
    let now = Utc::now();
    let mut active = checkpoint.into_active_model();
    active.recorded_at = Set(Some(now));
    active.recorded_by = Set(Some(me.id));
    active.still_employed = Set(Some(answer.still_employed));
    active.employment_type = Set(answer.employment_type);
    active.became_regular = Set(became_regular);
    active.note = Set(note.flatten());
    let recorded = active.update(&txn).await?;
    if let Some(kind) = answer.employment_type {
        let mut job_active = job.clone().into_active_model();
        job_active.current_employment_type = Set(kind);
        if became_regular && job.converted_to_regular_on.is_none() {
            job_active.converted_to_regular_on = Set(Some(today));
        }
        job_active.updated_at = Set(now);
        job_active.update(&txn).await?;
    }
    if !answer.still_employed {
        // A job that ended does not come back: the later checkpoints are answered "no
        // longer employed" at once, so retention stays a share of the whole cohort and the
        // advisor is not asked again.
        use sea_orm::sea_query::Expr;
        follow_up::Entity::update_many()
            .col_expr(follow_up::Column::RecordedAt, Expr::value(now))
            .col_expr(follow_up::Column::RecordedBy, Expr::value(me.id))
            .col_expr(follow_up::Column::StillEmployed, Expr::value(false))
            .col_expr(
                follow_up::Column::Note,
                Expr::value(format!(
                    "{}か月時点のフォローアップで離職を確認済み。",
                    recorded.checkpoint_months
                )),
            )
            .filter(follow_up::Column::PlacementId.eq(recorded.placement_id))
            .filter(follow_up::Column::CheckpointMonths.gt(recorded.checkpoint_months))
            .filter(follow_up::Column::RecordedAt.is_null())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    audit::record(db, me.id, [read_of(&enrollment, "follow_up")]).await?;
    Ok(Ok(recorded))
}

/// One checkpoint the viewer's team may see, logging the read.
pub async fn find_follow_up(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<follow_up::Model> {
    let found = follow_up::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let (me, enrollment) = visible_enrollment(db, viewer, found.enrollment_id).await?;
    audit::record(db, me.id, [read_of(&enrollment, "follow_up")]).await?;
    Ok(found)
}

/// Checkpoints of a municipality (its team), earliest due first, logging one read per
/// job seeker listed.
pub async fn list_follow_ups(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: FollowUpFilter,
    page: PageArgs,
    max_page_size: u32,
) -> AppResult<Page<follow_up::Model>> {
    use follow_up::Column;
    let municipality_id = municipality_of(viewer, filter.municipality_id)?;
    let me = require_team(db, viewer, municipality_id).await?;
    let mut select = follow_up::Entity::find().filter(Column::MunicipalityId.eq(municipality_id));
    if filter.mine {
        select = select.filter(Column::AdvisorUserId.eq(me.id));
    }
    if let Some(advisor) = filter.advisor_id {
        select = select.filter(Column::AdvisorUserId.eq(advisor));
    }
    if let Some(placement_id) = filter.placement_id {
        select = select.filter(Column::PlacementId.eq(placement_id));
    }
    if !filter.states.is_empty() {
        let today = fiscal::today();
        let window_end = today + chrono::Duration::days(DUE_WINDOW_DAYS);
        let mut any = Condition::any();
        for state in &filter.states {
            let open = Condition::all().add(Column::RecordedAt.is_null());
            any = any.add(match state {
                DueState::Recorded => Condition::all().add(Column::RecordedAt.is_not_null()),
                DueState::Overdue => open.add(Column::DueOn.lt(today)),
                DueState::Due => open
                    .add(Column::DueOn.gte(today))
                    .add(Column::DueOn.lte(window_end)),
                DueState::Upcoming => open.add(Column::DueOn.gt(window_end)),
            });
        }
        select = select.filter(any);
    }
    let ordering = Ordering::<follow_up::Entity> {
        column: Some(Column::DueAt),
        id: Column::Id,
        descending: false,
        key: |row| (Some(SortValue::Time(row.due_at)), row.id),
    };
    let page = paginate(db, select, &ordering, page, max_page_size).await?;
    let mut seen: Vec<Uuid> = Vec::new();
    let reads: Vec<Read> = page
        .rows
        .iter()
        .filter_map(|(_, row)| {
            if seen.contains(&row.enrollment_id) {
                return None;
            }
            seen.push(row.enrollment_id);
            Some(Read {
                municipality_id: row.municipality_id,
                subject_kind: SUBJECT,
                subject_id: row.enrollment_id,
                accessed: "follow_up_list",
            })
        })
        .collect();
    audit::record(db, me.id, reads).await?;
    Ok(page)
}

// ---------------------------------------------------------------------------------------
// Reports

/// Who a report is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The employment team and administrators: exact counts.
    Team,
    /// Publication: small counts suppressed, whoever asks.
    Published,
}

/// A count that may be suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// The count; `None` when suppressed.
    pub value: Option<u64>,
    /// Whether it was suppressed for being below the threshold.
    pub suppressed: bool,
}

impl Count {
    fn exact(value: u64) -> Self {
        Self {
            value: Some(value),
            suppressed: false,
        }
    }

    fn suppressed() -> Self {
        Self {
            value: None,
            suppressed: true,
        }
    }
}

/// Applies small-count suppression.
#[derive(Debug, Clone, Copy)]
pub struct Suppression {
    /// Counts below this are suppressed; 0 disables suppression (the team view).
    pub threshold: u64,
}

impl Suppression {
    /// A count as shown: suppressed if below the threshold.
    pub fn count(&self, value: u64) -> Count {
        if value < self.threshold {
            Count::suppressed()
        } else {
            Count::exact(value)
        }
    }

    /// Counts of categories adding up to a shown total: when exactly one is suppressed,
    /// the smallest other one is suppressed too, so the hidden one cannot be worked out by
    /// subtraction.
    pub fn categories(&self, values: &[u64]) -> Vec<Count> {
        let mut counts: Vec<Count> = values.iter().map(|v| self.count(*v)).collect();
        if counts.iter().filter(|c| c.suppressed).count() == 1 {
            let smallest = values
                .iter()
                .enumerate()
                .filter(|(i, _)| counts.get(*i).is_some_and(|c| !c.suppressed))
                .min_by_key(|(_, v)| **v)
                .map(|(i, _)| i);
            if let Some(count) = smallest.and_then(|i| counts.get_mut(i)) {
                *count = Count::suppressed();
            }
        }
        counts
    }
}

/// Share `numerator / denominator`, when both are shown and the denominator is not zero.
pub fn rate(numerator: Count, denominator: Count) -> Option<f64> {
    match (numerator.value, denominator.value) {
        (Some(n), Some(d)) if d > 0 => Some(n as f64 / d as f64),
        _ => None,
    }
}

/// Answers of one checkpoint of the placements of a year.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// 3, 6 or 12.
    pub checkpoint_months: u32,
    /// Checkpoints answered.
    pub answered: Count,
    /// Answered still employed.
    pub still_employed: Count,
}

/// The employment report of one municipality and fiscal year.
#[derive(Debug, Clone)]
pub struct Report {
    /// Municipality.
    pub municipality_id: Uuid,
    /// Fiscal year.
    pub fiscal_year: i32,
    /// First day of the year.
    pub from: NaiveDate,
    /// Last day of the year.
    pub to: NaiveDate,
    /// Who it is for.
    pub audience: Audience,
    /// Suppression threshold applied (0 for the team).
    pub threshold: u64,
    /// Enrollments with an enrollment date in the year.
    pub enrollments: Count,
    /// Placements starting in the year.
    pub placements: Count,
    /// Placements starting in the year, per employment type (every type, in order).
    pub placements_by_type: Vec<(EmploymentType, Count)>,
    /// Regular placements of women enrolled (numerator of the KPI).
    pub women_regular: Count,
    /// All placements of women enrolled (denominator of the KPI).
    pub women_placed: Count,
    /// Placements of the year that turned regular at a follow-up.
    pub converted_to_regular: Count,
    /// Answers per checkpoint of the year's placements.
    pub retention: Vec<Retention>,
}

/// Every employment type, in the order reports list them.
pub const EMPLOYMENT_TYPES: [EmploymentType; 6] = [
    EmploymentType::Regular,
    EmploymentType::Contract,
    EmploymentType::PartTime,
    EmploymentType::Dispatch,
    EmploymentType::SelfEmployed,
    EmploymentType::Other,
];

fn women_enrollments(municipality_id: Uuid) -> sea_orm::sea_query::SelectStatement {
    enrollment::Entity::find()
        .select_only()
        .column(enrollment::Column::Id)
        .filter(enrollment::Column::MunicipalityId.eq(municipality_id))
        .filter(enrollment::Column::Gender.eq(Gender::Female))
        .into_query()
}

async fn placements_per_type(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    fiscal_year: i32,
    women_only: bool,
) -> AppResult<Vec<(EmploymentType, u64)>> {
    use placement::Column;
    let mut select = placement::Entity::find()
        .select_only()
        .column(Column::EmploymentType)
        .column_as(Column::Id.count(), "placements")
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::FiscalYear.eq(fiscal_year))
        .group_by(Column::EmploymentType);
    if women_only {
        select =
            select.filter(Column::EnrollmentId.in_subquery(women_enrollments(municipality_id)));
    }
    let rows: Vec<(EmploymentType, i64)> = select.into_tuple().all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(kind, count)| (kind, u64::try_from(count).unwrap_or(0)))
        .collect())
}

/// The KPI "regular-employment rate of women placed through employment support" of a
/// municipality and fiscal year, as (numerator, denominator): regular placements of women
/// enrolled, and all placements of women enrolled, starting in the year. Employment type
/// at the start counts; later conversions are reported separately.
pub async fn regular_employment_of_women(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    fiscal_year: i32,
) -> AppResult<(u64, u64)> {
    let rows = placements_per_type(db, municipality_id, fiscal_year, true).await?;
    let numerator = rows
        .iter()
        .filter(|(kind, _)| *kind == EmploymentType::Regular)
        .map(|(_, count)| count)
        .sum();
    let denominator = rows.iter().map(|(_, count)| count).sum();
    Ok((numerator, denominator))
}

/// The employment report of a municipality and fiscal year. `Team` is for the employment
/// team and administrators only (else `FORBIDDEN`); `Published` suppresses counts below
/// `threshold` and may be read by anyone.
pub async fn report(
    db: &DatabaseConnection,
    viewer: &Viewer,
    municipality_id: Uuid,
    fiscal_year: i32,
    audience: Audience,
    threshold: u32,
) -> AppResult<Report> {
    if audience == Audience::Team {
        require_team(db, viewer, municipality_id).await?;
    }
    let (from, to) = fiscal::dates(fiscal_year)
        .ok_or_else(|| AppError::BadUserInput("fiscalYear is out of range".into()))?;
    entity::municipality::Entity::find_by_id(municipality_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let suppression = Suppression {
        threshold: match audience {
            Audience::Team => 0,
            Audience::Published => u64::from(threshold),
        },
    };
    let enrollments = enrollment::Entity::find()
        .filter(enrollment::Column::MunicipalityId.eq(municipality_id))
        .filter(enrollment::Column::EnrolledOn.gte(from))
        .filter(enrollment::Column::EnrolledOn.lte(to))
        .count(db)
        .await?;
    let per_type = placements_per_type(db, municipality_id, fiscal_year, false).await?;
    let of_type = |kind: EmploymentType| {
        per_type
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, c)| *c)
            .sum::<u64>()
    };
    let type_counts: Vec<u64> = EMPLOYMENT_TYPES.iter().map(|k| of_type(*k)).collect();
    let placements: u64 = type_counts.iter().sum();
    let (women_regular, women_placed) =
        regular_employment_of_women(db, municipality_id, fiscal_year).await?;
    let year_placements = || {
        placement::Entity::find()
            .select_only()
            .column(placement::Column::Id)
            .filter(placement::Column::MunicipalityId.eq(municipality_id))
            .filter(placement::Column::FiscalYear.eq(fiscal_year))
    };
    let converted = year_placements()
        .filter(placement::Column::ConvertedToRegularOn.is_not_null())
        .count(db)
        .await?;
    let answers: Vec<(i32, Option<bool>, i64)> = follow_up::Entity::find()
        .select_only()
        .column(follow_up::Column::CheckpointMonths)
        .column(follow_up::Column::StillEmployed)
        .column_as(follow_up::Column::Id.count(), "answers")
        .filter(follow_up::Column::PlacementId.in_subquery(year_placements().into_query()))
        .filter(follow_up::Column::RecordedAt.is_not_null())
        .group_by(follow_up::Column::CheckpointMonths)
        .group_by(follow_up::Column::StillEmployed)
        .into_tuple()
        .all(db)
        .await?;
    let retention = CHECKPOINTS
        .iter()
        .map(|months| {
            let of_checkpoint = answers
                .iter()
                .filter(|(m, _, _)| i64::from(*m) == i64::from(*months));
            let answered: i64 = of_checkpoint.clone().map(|(_, _, n)| *n).sum();
            let employed: i64 = of_checkpoint
                .filter(|(_, still, _)| *still == Some(true))
                .map(|(_, _, n)| *n)
                .sum();
            let (answered, employed) = (
                u64::try_from(answered).unwrap_or(0),
                u64::try_from(employed).unwrap_or(0),
            );
            // Still employed and left add up to the answers shown: suppress both or
            // neither beyond the answers themselves.
            let parts = suppression.categories(&[employed, answered.saturating_sub(employed)]);
            Retention {
                checkpoint_months: *months,
                answered: suppression.count(answered),
                still_employed: parts.first().copied().unwrap_or(Count::suppressed()),
            }
        })
        .collect();
    let women =
        suppression.categories(&[women_regular, women_placed.saturating_sub(women_regular)]);
    let women_regular_count = women.first().copied().unwrap_or(Count::suppressed());
    Ok(Report {
        municipality_id,
        fiscal_year,
        from,
        to,
        audience,
        threshold: suppression.threshold,
        enrollments: suppression.count(enrollments),
        placements: suppression.count(placements),
        placements_by_type: EMPLOYMENT_TYPES
            .iter()
            .copied()
            .zip(suppression.categories(&type_counts))
            .collect(),
        women_regular: women_regular_count,
        women_placed: suppression.count(women_placed),
        converted_to_regular: suppression.count(converted),
        retention,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn checkpoints_fall_due_on_the_same_day_or_the_end_of_a_shorter_month() {
        assert_eq!(due_on(date("2026-01-15"), 3), Some(date("2026-04-15")));
        assert_eq!(due_on(date("2025-11-30"), 3), Some(date("2026-02-28")));
    }

    #[test]
    fn a_lone_suppressed_category_takes_the_smallest_other_one_with_it() {
        let suppression = Suppression { threshold: 3 };
        let counts = suppression.categories(&[10, 2, 5, 0]);
        assert_eq!(
            counts.iter().map(|c| c.value).collect::<Vec<_>>(),
            vec![Some(10), None, Some(5), None]
        );
        let counts = suppression.categories(&[10, 4, 5]);
        assert!(counts.iter().all(|c| !c.suppressed));
        let counts = suppression.categories(&[10, 1, 5]);
        assert_eq!(
            counts.iter().map(|c| c.value).collect::<Vec<_>>(),
            vec![Some(10), None, None]
        );
    }
}

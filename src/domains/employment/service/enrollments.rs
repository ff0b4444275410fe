//! Enrollments of job seekers: enrolling, changing, closing, attaching program registrations, and reading them.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    employment_enrollment::{
        self as enrollment, CloseReason, EnrollmentStatus, Gender, SupportTrack,
    },
    employment_enrollment_program as attachment, employment_follow_up as follow_up,
    employment_placement::{self as placement},
    registration::{self, RegistrationStatus},
    user,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use super::{
    MAX_LINE, MAX_NOTE,
    placements::create_checkpoints,
    team::{municipality_of, on_team, read_of, require_team, visible_enrollment},
};
use crate::{
    audit,
    auth::{AuthUser, Role, Viewer},
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    fiscal,
    idempotency::{self, KeyScope},
    paging::{Ordering, Page, PageArgs, paginate},
    state::ServiceContext,
    text::{self, Email, Kana},
};

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

pub(super) fn optional_note(
    field: &str,
    value: Option<&str>,
) -> Result<Option<String>, FieldError> {
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
    let field = |name: &str| format!("jobSeeker.{name}");
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

/// Whose registrations may be attached to an enrollment: the job seeker's, by their
/// account or, for a guest registration, by their email address.
struct Seeker<'a> {
    municipality_id: Uuid,
    resident_id: Option<Uuid>,
    email: Option<&'a str>,
}

/// Registrations that may be attached to an enrollment: attended ones of its municipality,
/// made by the job seeker themselves. Returns the ids not found that way.
async fn unattachable(
    db: &impl ConnectionTrait,
    seeker: Seeker<'_>,
    ids: &[Uuid],
) -> AppResult<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut theirs = Condition::any();
    if let Some(resident_id) = seeker.resident_id {
        theirs = theirs.add(registration::Column::UserId.eq(resident_id));
    }
    if let Some(email) = seeker.email {
        theirs = theirs.add(registration::Column::GuestEmail.eq(email));
    }
    if theirs.is_empty() {
        return Ok(ids.to_vec());
    }
    let found: Vec<Uuid> = registration::Entity::find()
        .select_only()
        .column(registration::Column::Id)
        .filter(registration::Column::Id.is_in(ids.to_vec()))
        .filter(registration::Column::MunicipalityId.eq(seeker.municipality_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Attended))
        .filter(theirs)
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
        "出席済みの講座・セミナーの申込が見つかりません（ご本人が同じ自治体で出席したものだけを紐付けられます）。",
    )
}

/// Enrolls a job seeker (the municipality's employment team).
#[tracing::instrument(skip_all, fields(municipality_id = ?input.municipality_id))]
pub async fn enroll(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: NewEnrollment,
) -> AppResult<Outcome<enrollment::Model>> {
    let db = ctx.db;
    let municipality_id = municipality_of(viewer, input.municipality_id)?;
    let me = require_team(db, viewer, municipality_id).await?.clone();
    let mut problems = Problems::new();
    let person = check_seeker(db, &mut problems, &input, municipality_id).await?;
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
    let seeker = Seeker {
        municipality_id,
        resident_id: input.resident_id,
        email: person.as_ref().and_then(|person| person.email.as_deref()),
    };
    if !unattachable(db, seeker, &registration_ids)
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
            if let Some(resident_id) = input.resident_id
                && has_open_enrollment(txn, resident_id).await?
            {
                return Ok(Err(vec![FieldError::input(
                    "residentId",
                    FieldErrorCode::InvalidState,
                    "この方はすでに支援中です。終了してから登録し直してください。",
                )]));
            }
            let now = ctx.now();
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
            attach_all(txn, municipality_id, id, &registration_ids, me.id, now).await?;
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

/// Who is enrolled: a linked resident account of the municipality, or the contact details
/// of a person without one (never both). `None` for a linked account or when something is
/// wrong (recorded in `problems`).
async fn check_seeker(
    db: &impl ConnectionTrait,
    problems: &mut Problems,
    input: &NewEnrollment,
    municipality_id: Uuid,
) -> AppResult<Option<Person>> {
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
        (None, Some(person)) => check_person(problems, person),
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
    Ok(person)
}

/// Whether the resident already has an open enrollment. Locks the account row first, which
/// serializes concurrent enrollments of one resident.
async fn has_open_enrollment(txn: &DatabaseTransaction, resident_id: Uuid) -> AppResult<bool> {
    user::Entity::find_by_id(resident_id)
        .lock_exclusive()
        .one(txn)
        .await?;
    let open = enrollment::Entity::find()
        .filter(enrollment::Column::ResidentUserId.eq(resident_id))
        .filter(enrollment::Column::Status.eq(EnrollmentStatus::Open))
        .one(txn)
        .await?;
    Ok(open.is_some())
}

async fn attach_all(
    txn: &DatabaseTransaction,
    municipality_id: Uuid,
    enrollment_id: Uuid,
    registration_ids: &[Uuid],
    actor: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if registration_ids.is_empty() {
        return Ok(());
    }
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
#[tracing::instrument(skip_all, fields(enrollment_id = %id))]
pub async fn update_enrollment(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    changes: EnrollmentChanges,
) -> AppResult<Outcome<enrollment::Model>> {
    let db = ctx.db;
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
    let now = ctx.now();
    active.updated_at = Set(now);
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
                create_checkpoints(&txn, &updated, placement, now).await?;
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
#[tracing::instrument(skip_all, fields(enrollment_id = %id, reason = ?reason))]
pub async fn close_enrollment(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    reason: CloseReason,
    closed_on: Option<NaiveDate>,
    note: Option<String>,
) -> AppResult<Outcome<enrollment::Model>> {
    let db = ctx.db;
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
    active.updated_at = Set(ctx.now());
    let updated = active.update(&txn).await?;
    txn.commit().await?;
    audit::record(db, me.id, [read_of(&updated, "detail")]).await?;
    Ok(Ok(updated))
}

/// Attaches an attended program registration to an enrollment by hand (the team).
#[tracing::instrument(skip_all, fields(enrollment_id = %enrollment_id, registration_id = %registration_id))]
pub async fn attach_registration(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    enrollment_id: Uuid,
    registration_id: Uuid,
) -> AppResult<Outcome<enrollment::Model>> {
    let db = ctx.db;
    let (me, current) = visible_enrollment(db, viewer, enrollment_id).await?;
    let seeker = Seeker {
        municipality_id: current.municipality_id,
        resident_id: current.resident_user_id,
        email: current.email.as_deref(),
    };
    if !unattachable(db, seeker, &[registration_id])
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
            ctx.now(),
        )
        .await?;
        txn.commit().await?;
    }
    audit::record(db, me.id, [read_of(&current, "detail")]).await?;
    Ok(Ok(current))
}

/// Detaches a registration attached by hand (the team).
#[tracing::instrument(skip_all, fields(enrollment_id = %enrollment_id, registration_id = %registration_id))]
pub async fn detach_registration(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    enrollment_id: Uuid,
    registration_id: Uuid,
) -> AppResult<Outcome<enrollment::Model>> {
    let db = ctx.db;
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
#[tracing::instrument(skip_all, fields(enrollment_id = %id))]
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
#[tracing::instrument(skip_all, fields(municipality_id = ?filter.municipality_id))]
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

//! Placements (the jobs found) and the follow-up checkpoints each one gets.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    employment_enrollment::{self as enrollment, EnrollmentStatus},
    employment_follow_up as follow_up,
    employment_placement::{self as placement, EmploymentType},
    organization,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use super::{
    CHECKPOINTS, MAX_EMPLOYER, MAX_LINE, MAX_WEEKLY_HOURS,
    due::{due_on, start_of_day},
    team::{read_of, visible_enrollment},
};
use crate::{
    audit,
    auth::Viewer,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    fiscal,
    idempotency::{self, KeyScope},
    state::ServiceContext,
    text,
};

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

/// Records a job an enrolled job seeker found (the team); with consent, its 3-, 6- and
/// 12-month checkpoints are created as tasks of the advisor.
#[tracing::instrument(skip_all, fields(enrollment_id = %input.enrollment_id))]
pub async fn record_placement(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: NewPlacement,
) -> AppResult<Outcome<placement::Model>> {
    let db = ctx.db;
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
            let now = ctx.now();
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
            create_checkpoints(txn, &locked, &created, now).await?;
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
/// consented to follow-up; `now` is when they are made.
#[tracing::instrument(skip_all, fields(enrollment_id = %enrollment.id, placement_id = %placement.id))]
pub(super) async fn create_checkpoints(
    txn: &DatabaseTransaction,
    enrollment: &enrollment::Model,
    placement: &placement::Model,
    now: DateTime<Utc>,
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
#[tracing::instrument(skip_all, fields(placement_id = %id))]
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

//! Follow-up checkpoints: recording their answers and listing them.

use chrono::NaiveDate;
use entity::{
    employment_follow_up as follow_up,
    employment_placement::{self as placement, EmploymentType},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{
    DUE_WINDOW_DAYS, SUBJECT,
    due::{DueState, due_state},
    enrollments::optional_note,
    team::{municipality_of, read_of, require_team, visible_enrollment},
};
use crate::{
    audit::{self, Read},
    auth::Viewer,
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    fiscal,
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
    state::ServiceContext,
};

/// The answer of a follow-up checkpoint.
#[derive(Debug, Clone)]
pub struct FollowUpAnswer {
    /// The checkpoint.
    pub id: Uuid,
    /// Still employed in the job.
    pub still_employed: bool,
    /// Current employment type (required when still employed).
    pub employment_type: Option<EmploymentType>,
    /// The day a job that was not regular became regular (required exactly then).
    pub converted_to_regular_on: Option<NaiveDate>,
    /// Note.
    pub note: Option<String>,
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

/// Records the answer of a checkpoint (the team), from [`DUE_WINDOW_DAYS`] days before it
/// is due. A job that was not regular and now is shows `becameRegular` on the checkpoint
/// and `convertedToRegularOn` on the placement. A job that ended answers the later
/// checkpoints of the placement "no longer employed".
#[tracing::instrument(skip_all, fields(follow_up_id = %answer.id))]
pub async fn record_follow_up(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    answer: FollowUpAnswer,
) -> AppResult<Outcome<follow_up::Model>> {
    let db = ctx.db;
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
    let converted_on = match (became_regular, answer.converted_to_regular_on) {
        (true, None) => Err(FieldError::input(
            "convertedToRegularOn",
            FieldErrorCode::Required,
            "正社員に登用された日を入力してください。",
        )),
        (true, Some(day)) if day < job.start_date || day > today => Err(FieldError::input(
            "convertedToRegularOn",
            FieldErrorCode::Invalid,
            format!(
                "登用日は就職日（{}）から今日までの日付で入力してください。",
                job.start_date
            ),
        )),
        (false, Some(_)) => Err(FieldError::input(
            "convertedToRegularOn",
            FieldErrorCode::NotAllowed,
            "登用日は、正社員でなかった仕事が正社員になったときだけ入力してください。",
        )),
        (_, day) => Ok(day),
    };
    let converted_on = match converted_on {
        Ok(day) => day,
        Err(error) => return Ok(Err(vec![error])),
    };
    let now = ctx.now();
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
            job_active.converted_to_regular_on = Set(converted_on);
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
#[tracing::instrument(skip_all, fields(follow_up_id = %id))]
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
#[tracing::instrument(skip_all, fields(municipality_id = ?filter.municipality_id))]
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

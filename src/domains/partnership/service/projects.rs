//! Partner projects: proposals, drafts and the review steps of their lifecycle.

use entity::{
    local_issue::{self, IssueStatus},
    partner_project::{self, ProjectStatus},
    partner_project_issue,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
};
use serde::Serialize;
use uuid::Uuid;

use super::{
    MAX_COMMENT, MAX_CONTACT, MAX_ISSUES_PER_PROJECT, MAX_TEXT, MAX_TITLE, PARTNERS,
    edits::{apply_changes, save_changes},
    history::{Subject, move_issue, move_project, record_change},
    visibility::{can_see_issue, find_visible_project, is_member},
};
use crate::domains::partnership::notices;
use crate::domains::partnership::states::{self, ProjectStep};
use crate::{
    auth::{ADMINS, Viewer},
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    events::Event,
    idempotency::{self, KeyScope},
    state::ServiceContext,
    text::{self, long_text},
};

/// The texts of a partner project.
#[derive(Debug, Clone, Default)]
pub struct ProjectTexts {
    /// Title.
    pub title: String,
    /// Reading of the title (フリガナ), if given.
    pub title_reading: Option<String>,
    /// Summary.
    pub summary: String,
    /// Plan.
    pub plan: String,
    /// Expected outcome.
    pub expected_outcome: String,
    /// Timeline.
    pub timeline: String,
    /// Contact.
    pub contact: String,
}

/// A new partner project (a proposal, saved as a draft).
#[derive(Debug, Clone)]
pub struct NewProject {
    /// The issues it takes on.
    pub issue_ids: Vec<Uuid>,
    /// Its texts.
    pub texts: ProjectTexts,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Changes to a draft project; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProjectChanges {
    /// New set of issues.
    pub issue_ids: Option<Vec<Uuid>>,
    /// New title.
    pub title: Option<String>,
    /// New reading of the title; `Some(None)` removes it.
    pub title_reading: Option<Option<String>>,
    /// New summary.
    pub summary: Option<String>,
    /// New plan.
    pub plan: Option<String>,
    /// New expected outcome.
    pub expected_outcome: Option<String>,
    /// New timeline.
    pub timeline: Option<String>,
    /// New contact.
    pub contact: Option<String>,
}

/// Publishes the step just committed on `project`.
pub(super) async fn announce_step(
    ctx: ServiceContext<'_>,
    project: &partner_project::Model,
    step: ProjectStep,
) {
    let name = match step {
        ProjectStep::Submit => "submitted",
        ProjectStep::Approve => "approved",
        ProjectStep::Reject => "rejected",
        ProjectStep::Complete => "completed",
        ProjectStep::Verify => "verified",
        ProjectStep::Return => "returned",
        ProjectStep::Resubmit => "resubmitted",
    };
    announce(ctx, project, name).await;
}

/// Publishes `partnership.project.<name>` about `project`, when serving.
pub(super) async fn announce(
    ctx: ServiceContext<'_>,
    project: &partner_project::Model,
    name: &str,
) {
    ctx.announce([Event {
        municipality_id: Some(project.municipality_id),
        topic: format!("partnership.project.{name}"),
        subject_id: project.id,
        user_id: None,
        occurred_at: ctx.now(),
    }])
    .await;
}

/// Saves a proposal as a draft of the viewer's partner organization.
#[tracing::instrument(skip_all)]
pub async fn create_project(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: NewProject,
) -> AppResult<Outcome<partner_project::Model>> {
    let me = viewer.require_role(PARTNERS)?.clone();
    let (Some(organization_id), Some(municipality_id)) = (me.organization_id, me.municipality_id)
    else {
        return Err(AppError::Forbidden);
    };
    let mut problems = Problems::new();
    let texts = check_texts(&mut problems, &input.texts);
    let (Some(texts), true) = (texts, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let issue_ids = dedup(input.issue_ids);

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        texts: &'a CheckedTexts,
        issue_ids: &'a [Uuid],
    }
    let fingerprint = Fingerprint {
        texts: &texts,
        issue_ids: &issue_ids,
    };
    let created = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "createPartnerProject"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            // Checked here, not before: a retry must get its first result back even after
            // the issues moved on.
            let mut problems = Problems::new();
            check_issues_to_take_on(txn, viewer, municipality_id, &issue_ids, &mut problems)
                .await?;
            if let Err(errors) = problems.finish() {
                return Ok(Err(errors));
            }
            let now = ctx.now();
            let project = partner_project::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(municipality_id),
                organization_id: Set(organization_id),
                created_by: Set(me.id),
                title: Set(texts.title.clone()),
                title_reading: Set(texts.title_reading.clone()),
                summary: Set(texts.summary.clone()),
                plan: Set(texts.plan.clone()),
                expected_outcome: Set(texts.expected_outcome.clone()),
                timeline: Set(texts.timeline.clone()),
                contact: Set(texts.contact.clone()),
                status: Set(ProjectStatus::Draft),
                progress_percent: Set(0),
                outcome_report: Set(None),
                submitted_at: Set(None),
                approved_at: Set(None),
                completed_at: Set(None),
                verified_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                last_activity_at: Set(now),
            }
            .insert(txn)
            .await?;
            link_issues(txn, &project, &issue_ids).await?;
            record_change(
                txn,
                &me,
                Subject::Project(&project),
                None,
                ProjectStatus::Draft.to_value(),
                None,
                now,
            )
            .await?;
            Ok(Ok(project.id))
        },
    )
    .await?;
    idempotency::load_created::<partner_project::Entity>(ctx.db, created).await
}

/// Changes a draft of the viewer's own organization.
#[tracing::instrument(skip_all, fields(project_id = %id))]
pub async fn update_project(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    changes: ProjectChanges,
) -> AppResult<Outcome<partner_project::Model>> {
    let me = viewer.require_role(PARTNERS)?.clone();
    let txn = db::begin_write(ctx.db).await?;
    let project = find_visible_project(&txn, viewer, id, true).await?;
    if !is_member(&me, project.organization_id) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    if project.status != ProjectStatus::Draft {
        problems.push(FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            format!(
                "このプロジェクトは現在「{}」のため編集できません。編集できるのは下書きだけです。",
                states::project_label(project.status)
            ),
        ));
    }
    let (model, issue_ids) = apply_changes(&txn, viewer, &project, changes, &mut problems).await?;
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }
    let updated = save_changes(&txn, model, issue_ids.as_deref(), ctx.now()).await?;
    txn.commit().await?;
    Ok(Ok(updated))
}

/// Submits a draft of the viewer's own organization for review.
#[tracing::instrument(skip_all, fields(project_id = %id))]
pub async fn submit_project(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Outcome<partner_project::Model>> {
    let me = viewer.require_role(PARTNERS)?.clone();
    let txn = db::begin_write(ctx.db).await?;
    let project = find_visible_project(&txn, viewer, id, true).await?;
    if !is_member(&me, project.organization_id) {
        return Err(AppError::Forbidden);
    }
    if let Err(error) = states::check_project("id", project.status, ProjectStep::Submit) {
        return Ok(Err(vec![error]));
    }
    let project = move_project(
        &txn,
        &me,
        project,
        ProjectStep::Submit,
        None,
        ctx.now(),
        |_| {},
    )
    .await?;
    if ctx.notifies() {
        notices::project_step(&txn, &project, ProjectStep::Submit, None).await?;
    }
    txn.commit().await?;
    announce_step(ctx, &project, ProjectStep::Submit).await;
    Ok(Ok(project))
}

/// Approves a submitted project (administrators of its municipality): it becomes active
/// and every linked open issue becomes in progress.
#[tracing::instrument(skip_all, fields(project_id = %id))]
pub async fn approve_project(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    comment: Option<&str>,
) -> AppResult<Outcome<partner_project::Model>> {
    review_project(
        ctx,
        viewer,
        id,
        ProjectStep::Approve,
        Review::Optional(comment),
    )
    .await
}

/// Rejects a submitted project with a comment (administrators of its municipality).
#[tracing::instrument(skip_all, fields(project_id = %id))]
pub async fn reject_project(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    comment: &str,
) -> AppResult<Outcome<partner_project::Model>> {
    review_project(
        ctx,
        viewer,
        id,
        ProjectStep::Reject,
        Review::Required("comment", comment),
    )
    .await
}

/// Verifies a completed project (administrators of its municipality): every linked issue
/// in progress becomes solved and counts toward the KPI.
#[tracing::instrument(skip_all, fields(project_id = %id))]
pub async fn verify_project(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    comment: Option<&str>,
) -> AppResult<Outcome<partner_project::Model>> {
    review_project(
        ctx,
        viewer,
        id,
        ProjectStep::Verify,
        Review::Optional(comment),
    )
    .await
}

/// Returns a completed project to active with a reason (administrators of its
/// municipality), e.g. when the outcome report is not yet convincing.
#[tracing::instrument(skip_all, fields(project_id = %id))]
pub async fn return_project(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
) -> AppResult<Outcome<partner_project::Model>> {
    review_project(
        ctx,
        viewer,
        id,
        ProjectStep::Return,
        Review::Required("reason", reason),
    )
    .await
}

/// The comment of a review step.
enum Review<'a> {
    /// A comment that may be left out.
    Optional(Option<&'a str>),
    /// A comment the input field names must give.
    Required(&'a str, &'a str),
}

async fn review_project(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    step: ProjectStep,
    review: Review<'_>,
) -> AppResult<Outcome<partner_project::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let txn = db::begin_write(ctx.db).await?;
    let project = find_visible_project(&txn, viewer, id, true).await?;
    if !me.administers(project.municipality_id) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    let comment = match review {
        Review::Optional(None) => Some(None),
        Review::Optional(Some(comment)) if text::normalize(comment).is_empty() => Some(None),
        Review::Optional(Some(comment)) => problems
            .check(long_text("comment", comment, MAX_COMMENT))
            .map(Some),
        Review::Required(field, comment) => problems
            .check(long_text(field, comment, MAX_COMMENT))
            .map(Some),
    };
    problems.check(states::check_project("id", project.status, step));
    let issues = linked_issues(&txn, project.id).await?;
    if matches!(step, ProjectStep::Approve | ProjectStep::Verify) {
        // A project can neither take on nor solve an issue the municipality has closed.
        for issue in issues
            .iter()
            .filter(|i| i.status == IssueStatus::ClosedUnsolved)
        {
            problems.push(FieldError::input(
                "id",
                FieldErrorCode::InvalidState,
                format!(
                    "課題「{}」は未解決で終了しています。課題を再開してから{}してください。",
                    issue.title,
                    step.label()
                ),
            ));
        }
    }
    let (Some(comment), true) = (comment, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let now = ctx.now();
    let told = comment.clone();
    let project = move_project(&txn, &me, project, step, comment, now, |_| {}).await?;
    // What the step means for the issues the project takes on.
    let issue_step = match step {
        ProjectStep::Approve => Some((
            IssueStatus::InProgress,
            format!(
                "公民連携プロジェクト「{}」の承認により取組中になりました。",
                project.title
            ),
        )),
        ProjectStep::Verify => Some((
            IssueStatus::Solved,
            format!(
                "公民連携プロジェクト「{}」の成果が確認され、解決済みになりました。",
                project.title
            ),
        )),
        _ => None,
    };
    if let Some((issue_status, reason)) = issue_step {
        for mut issue in issues {
            // An issue reopened while the project ran is taken on again before it is solved.
            if issue_status == IssueStatus::Solved && issue.status == IssueStatus::Open {
                issue = move_issue(
                    &txn,
                    &me,
                    issue,
                    IssueStatus::InProgress,
                    Some(reason.clone()),
                    now,
                )
                .await?;
            }
            if states::issue_can_transition(issue.status, issue_status) {
                move_issue(&txn, &me, issue, issue_status, Some(reason.clone()), now).await?;
            }
        }
    }
    if ctx.notifies() {
        notices::project_step(&txn, &project, step, told.as_deref()).await?;
    }
    txn.commit().await?;
    announce_step(ctx, &project, step).await;
    Ok(Ok(project))
}

/// Reports an active project of the viewer's organization as completed, with its outcome.
#[tracing::instrument(skip_all, fields(project_id = %id))]
pub async fn complete_project(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    outcome_report: &str,
) -> AppResult<Outcome<partner_project::Model>> {
    let me = viewer.require_role(PARTNERS)?.clone();
    let txn = db::begin_write(ctx.db).await?;
    let project = find_visible_project(&txn, viewer, id, true).await?;
    if !is_member(&me, project.organization_id) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    let report = problems.check(long_text("outcomeReport", outcome_report, MAX_TEXT));
    problems.check(states::check_project(
        "id",
        project.status,
        ProjectStep::Complete,
    ));
    let (Some(report), true) = (report, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let project = move_project(
        &txn,
        &me,
        project,
        ProjectStep::Complete,
        None,
        ctx.now(),
        |model| model.outcome_report = Set(Some(report)),
    )
    .await?;
    txn.commit().await?;
    announce_step(ctx, &project, ProjectStep::Complete).await;
    Ok(Ok(project))
}

pub(super) async fn lock_project(
    txn: &DatabaseTransaction,
    id: Uuid,
) -> AppResult<partner_project::Model> {
    partner_project::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

/// The issues a project takes on, locked for the status changes that follow.
async fn linked_issues(
    txn: &DatabaseTransaction,
    project_id: Uuid,
) -> AppResult<Vec<local_issue::Model>> {
    let linked = partner_project_issue::Entity::find()
        .select_only()
        .column(partner_project_issue::Column::IssueId)
        .filter(partner_project_issue::Column::ProjectId.eq(project_id))
        .into_query();
    Ok(local_issue::Entity::find()
        .filter(local_issue::Column::Id.in_subquery(linked))
        .lock_exclusive()
        .all(txn)
        .await?)
}

pub(super) async fn link_issues(
    txn: &DatabaseTransaction,
    project: &partner_project::Model,
    issue_ids: &[Uuid],
) -> AppResult<()> {
    partner_project_issue::Entity::insert_many(issue_ids.iter().map(|issue_id| {
        partner_project_issue::ActiveModel {
            project_id: Set(project.id),
            issue_id: Set(*issue_id),
            municipality_id: Set(project.municipality_id),
        }
    }))
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Checks the issues a proposal takes on: at least one, each visible, of the partner's own
/// municipality, published and open.
pub(super) async fn check_issues_to_take_on(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    municipality_id: Uuid,
    issue_ids: &[Uuid],
    problems: &mut Problems,
) -> AppResult<()> {
    if issue_ids.is_empty() {
        problems.push(FieldError::input(
            "issueIds",
            FieldErrorCode::Required,
            "取り組む地域課題を1件以上選んでください。",
        ));
        return Ok(());
    }
    if issue_ids.len() > MAX_ISSUES_PER_PROJECT {
        problems.push(FieldError::input(
            "issueIds",
            FieldErrorCode::TooLong,
            format!("選べる地域課題は{MAX_ISSUES_PER_PROJECT}件までです。"),
        ));
        return Ok(());
    }
    let issues = local_issue::Entity::find()
        .filter(local_issue::Column::Id.is_in(issue_ids.iter().copied()))
        .all(db)
        .await?;
    for (index, id) in issue_ids.iter().enumerate() {
        let field = |code, message: &str| FieldError {
            field: vec!["input".into(), "issueIds".into(), index.to_string()],
            code,
            message: message.into(),
        };
        let issue = issues
            .iter()
            .find(|issue| issue.id == *id)
            .filter(|issue| issue.published && can_see_issue(viewer, issue));
        match issue {
            None => problems.push(field(
                FieldErrorCode::NotFound,
                "指定された地域課題が見つかりません。",
            )),
            Some(issue) if issue.municipality_id != municipality_id => problems.push(field(
                FieldErrorCode::NotAllowed,
                "自分の自治体の地域課題だけを選べます。",
            )),
            Some(issue) if issue.status != IssueStatus::Open => problems.push(field(
                FieldErrorCode::InvalidState,
                &format!(
                    "この地域課題は現在「{}」のため選べません。選べるのは募集中の課題だけです。",
                    states::issue_label(issue.status)
                ),
            )),
            Some(_) => {}
        }
    }
    Ok(())
}

/// Validated texts of a project.
#[derive(Debug, Clone, Serialize)]
struct CheckedTexts {
    title: String,
    title_reading: Option<String>,
    summary: String,
    plan: String,
    expected_outcome: String,
    timeline: String,
    contact: String,
}

fn check_texts(problems: &mut Problems, texts: &ProjectTexts) -> Option<CheckedTexts> {
    let title = problems.check(text::required("title", &texts.title, MAX_TITLE));
    let title_reading = problems.check(text::optional_reading(
        "titleReading",
        texts.title_reading.as_deref(),
    ));
    let summary = problems.check(long_text("summary", &texts.summary, MAX_TEXT));
    let plan = problems.check(long_text("plan", &texts.plan, MAX_TEXT));
    let expected_outcome = problems.check(long_text(
        "expectedOutcome",
        &texts.expected_outcome,
        MAX_TEXT,
    ));
    let timeline = problems.check(long_text("timeline", &texts.timeline, MAX_TEXT));
    let contact = problems.check(text::required("contact", &texts.contact, MAX_CONTACT));
    Some(CheckedTexts {
        title: title?,
        title_reading: title_reading?,
        summary: summary?,
        plan: plan?,
        expected_outcome: expected_outcome?,
        timeline: timeline?,
        contact: contact?,
    })
}

pub(super) fn dedup(ids: Vec<Uuid>) -> Vec<Uuid> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

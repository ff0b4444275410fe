//! Rules of the partnership domain: who sees which issue, project and comment, who may
//! change what, and the status changes with their history. Knows nothing of GraphQL; the
//! demo seed calls it too.
//!
//! Visibility, in one place:
//! - a local issue is public once published; drafts are seen by the municipality's admins;
//! - a partner project is public when active, completed or verified; its own organization
//!   sees it in every status; the municipality's admins also see it submitted or rejected
//!   (drafts stay with the organization);
//! - internal comments are seen by the municipality's admins and the project's organization;
//! - a hidden issue comment is seen by the municipality's admins only.
//!
//! Records a viewer cannot see answer `NOT_FOUND`; visible records the viewer may not
//! change answer `FORBIDDEN`; a wrong status is an `INVALID_STATE` user error.

use chrono::{DateTime, SubsecRound, Utc};
use entity::{
    issue_comment,
    local_issue::{self, IssueCategory, IssueStatus},
    municipality,
    partner_project::{self, ProjectStatus},
    partner_project_issue,
    partnership_status_change::{self, SubjectKind},
    project_internal_comment, project_update,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, QueryTrait, sea_query::Expr,
};
use serde::Serialize;
use uuid::Uuid;

use super::states::{self, ProjectStep};
use crate::{
    auth::{ADMINS, AuthUser, Role, Viewer},
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    events::{Event, EventBus},
    idempotency::{self, KeyScope},
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
    search::{outbox, sources},
    state::AppState,
    text::{self, long_text, optional_line},
};

/// Longest title of an issue or project.
pub const MAX_TITLE: usize = 200;
/// Longest description, plan, outcome report or update text.
pub const MAX_TEXT: usize = 5000;
/// Longest comment, reason or review comment.
pub const MAX_COMMENT: usize = 2000;
/// Longest place name or milestone.
const MAX_LINE: usize = 200;
/// Longest contact line of a project.
const MAX_CONTACT: usize = 500;
/// Most issues one project may take on.
pub const MAX_ISSUES_PER_PROJECT: usize = 20;

/// Roles that run partner projects.
pub const PARTNERS: &[Role] = &[Role::Partner];
/// Roles that comment publicly on issues.
pub const RESIDENTS: &[Role] = &[Role::Resident];

/// Project statuses everyone may see.
const PUBLIC_PROJECT_STATUSES: [ProjectStatus; 3] = [
    ProjectStatus::Active,
    ProjectStatus::Completed,
    ProjectStatus::Verified,
];
/// Project statuses the municipality's admins see besides the public ones.
const REVIEW_PROJECT_STATUSES: [ProjectStatus; 2] =
    [ProjectStatus::Submitted, ProjectStatus::Rejected];

/// Where the service writes and announces: the database and, when serving, the event bus
/// (the demo seed writes without announcing); and when: now, or the time a piece of
/// history happened (the demo seed again).
#[derive(Clone, Copy)]
pub struct Writer<'a> {
    db: &'a DatabaseConnection,
    events: Option<&'a EventBus>,
    at: Option<DateTime<Utc>>,
}

impl<'a> From<&'a AppState> for Writer<'a> {
    fn from(state: &'a AppState) -> Self {
        Self {
            db: &state.db,
            events: Some(&state.events),
            at: None,
        }
    }
}

impl<'a> Writer<'a> {
    /// Writes to `db` without publishing events.
    pub fn quiet(db: &'a DatabaseConnection) -> Self {
        Self {
            db,
            events: None,
            at: None,
        }
    }

    /// Writes as of `at` instead of now: for loading records of the past.
    pub fn as_of(self, at: DateTime<Utc>) -> Self {
        Self {
            at: Some(at),
            ..self
        }
    }

    /// Now (or the time written as), to the microsecond: what both databases store, so
    /// cursors compare equal.
    fn now(&self) -> DateTime<Utc> {
        self.at.map_or_else(db::now, |at| at.trunc_subsecs(6))
    }

    /// Publishes the step just committed on `project`.
    async fn announce(&self, project: &partner_project::Model, step: ProjectStep) {
        let name = match step {
            ProjectStep::Submit => "submitted",
            ProjectStep::Approve => "approved",
            ProjectStep::Reject => "rejected",
            ProjectStep::Complete => "completed",
            ProjectStep::Verify => "verified",
            ProjectStep::Return => "returned",
        };
        self.publish(project, name).await;
    }

    /// Publishes a progress update just committed on `project`.
    async fn announce_update(&self, project: &partner_project::Model) {
        self.publish(project, "updated").await;
    }

    /// Publishes `partnership.project.<name>` about `project`.
    async fn publish(&self, project: &partner_project::Model, name: &str) {
        if let Some(events) = self.events {
            events
                .publish(
                    self.db,
                    Event {
                        municipality_id: Some(project.municipality_id),
                        topic: format!("partnership.project.{name}"),
                        subject_id: project.id,
                        user_id: None,
                        occurred_at: Utc::now(),
                    },
                )
                .await;
        }
    }
}

/// Where an issue is, as typed.
#[derive(Debug, Clone, Default)]
pub struct Location {
    /// Place name, e.g. 琴ヶ浜.
    pub place_name: Option<String>,
    /// Latitude in degrees, −90 to 90.
    pub latitude: Option<f64>,
    /// Longitude in degrees, −180 to 180.
    pub longitude: Option<f64>,
}

/// A new local issue.
#[derive(Debug, Clone)]
pub struct NewIssue {
    /// Municipality; `None` means the administrator's own.
    pub municipality_id: Option<Uuid>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Category.
    pub category: IssueCategory,
    /// Location, if any.
    pub location: Option<Location>,
    /// Publish at once (else a draft only administrators see).
    pub publish: bool,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Changes to a local issue; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct IssueChanges {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New category.
    pub category: Option<IssueCategory>,
    /// New location; `Some(None)` removes it.
    pub location: Option<Option<Location>>,
    /// Publish (`true`) or take back to draft (`false`).
    pub published: Option<bool>,
}

/// The texts of a partner project.
#[derive(Debug, Clone, Default)]
pub struct ProjectTexts {
    /// Title.
    pub title: String,
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

/// A progress update on an active project.
#[derive(Debug, Clone)]
pub struct NewUpdate {
    /// The project.
    pub project_id: Uuid,
    /// What happened.
    pub body: String,
    /// Progress, 0–100.
    pub progress_percent: i32,
    /// Milestone reached, if any.
    pub milestone: Option<String>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// A new comment (public on an issue, or internal on a project).
#[derive(Debug, Clone)]
pub struct NewComment {
    /// The issue or project commented on.
    pub subject_id: Uuid,
    /// The text.
    pub body: String,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Filter of the issue list.
#[derive(Debug, Clone, Default)]
pub struct IssueFilter {
    /// Only this municipality.
    pub municipality_id: Option<Uuid>,
    /// Only these statuses (any when empty).
    pub statuses: Vec<IssueStatus>,
    /// Only these categories (any when empty).
    pub categories: Vec<IssueCategory>,
    /// Only issues taken on by a (visible) project of this organization.
    pub partner_organization_id: Option<Uuid>,
    /// Only published (`true`) or draft (`false`) issues.
    pub published: Option<bool>,
}

/// Filter of the project lists.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    /// Only this municipality.
    pub municipality_id: Option<Uuid>,
    /// Only these statuses (any when empty).
    pub statuses: Vec<ProjectStatus>,
    /// Only projects of this organization.
    pub partner_organization_id: Option<Uuid>,
    /// Only projects taking on this issue.
    pub issue_id: Option<Uuid>,
}

/// Order of the issue and project lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ActivityOrder {
    /// Most recent activity first.
    #[default]
    RecentActivity,
    /// Newest first.
    Newest,
    /// Oldest first.
    Oldest,
}

/// Number of visible issues per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IssueStatusCounts {
    /// Open.
    pub open: u64,
    /// In progress.
    pub in_progress: u64,
    /// Solved (verified).
    pub solved: u64,
    /// Closed unsolved.
    pub closed_unsolved: u64,
}

/// Number of visible projects per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectStatusCounts {
    /// Draft (only the viewer's own organization's).
    pub draft: u64,
    /// Submitted.
    pub submitted: u64,
    /// Rejected.
    pub rejected: u64,
    /// Active.
    pub active: u64,
    /// Completed.
    pub completed: u64,
    /// Verified.
    pub verified: u64,
}

// ---------------------------------------------------------------------------------------
// Visibility

/// Whether the viewer may see `issue`.
pub fn can_see_issue(viewer: &Viewer, issue: &local_issue::Model) -> bool {
    issue.published
        || viewer
            .user
            .as_ref()
            .is_some_and(|me| me.administers(issue.municipality_id))
}

/// The SQL form of [`can_see_issue`].
fn issue_visibility(viewer: &Viewer) -> Condition {
    let published = Condition::any().add(local_issue::Column::Published.eq(true));
    match &viewer.user {
        Some(me) if me.role == Role::PlatformAdmin => Condition::all(),
        Some(me) if me.role == Role::MunicipalAdmin => match me.municipality_id {
            Some(own) => published.add(local_issue::Column::MunicipalityId.eq(own)),
            None => published,
        },
        _ => published,
    }
}

/// Whether `me` is a partner of the organization running a project.
fn is_member(me: &AuthUser, organization_id: Uuid) -> bool {
    me.role == Role::Partner && me.organization_id == Some(organization_id)
}

/// Whether `me` takes part in a project's internal conversation.
pub fn is_participant(me: &AuthUser, municipality_id: Uuid, organization_id: Uuid) -> bool {
    me.administers(municipality_id) || is_member(me, organization_id)
}

/// Whether projects in `status` are public.
pub fn is_public(status: ProjectStatus) -> bool {
    PUBLIC_PROJECT_STATUSES.contains(&status)
}

/// Whether the viewer may see `project`.
pub fn can_see_project(viewer: &Viewer, project: &partner_project::Model) -> bool {
    is_public(project.status)
        || viewer.user.as_ref().is_some_and(|me| {
            is_member(me, project.organization_id)
                || (REVIEW_PROJECT_STATUSES.contains(&project.status)
                    && me.administers(project.municipality_id))
        })
}

/// The SQL form of [`can_see_project`].
fn project_visibility(viewer: &Viewer) -> Condition {
    use partner_project::Column;
    let mut visible = Condition::any().add(Column::Status.is_in(PUBLIC_PROJECT_STATUSES));
    let Some(me) = &viewer.user else {
        return visible;
    };
    if me.role == Role::Partner
        && let Some(organization_id) = me.organization_id
    {
        visible = visible.add(Column::OrganizationId.eq(organization_id));
    }
    let in_review = Column::Status.is_in(REVIEW_PROJECT_STATUSES);
    match (me.role, me.municipality_id) {
        (Role::PlatformAdmin, _) => visible.add(in_review),
        (Role::MunicipalAdmin, Some(own)) => visible.add(
            Condition::all()
                .add(in_review)
                .add(Column::MunicipalityId.eq(own)),
        ),
        _ => visible,
    }
}

/// Whether the viewer may see `comment` on `issue`.
fn can_see_comment(
    viewer: &Viewer,
    issue: &local_issue::Model,
    comment: &issue_comment::Model,
) -> bool {
    can_see_issue(viewer, issue)
        && (comment.hidden_at.is_none()
            || viewer
                .user
                .as_ref()
                .is_some_and(|me| me.administers(issue.municipality_id)))
}

// ---------------------------------------------------------------------------------------
// Reads

/// A local issue the viewer may see.
pub async fn find_issue(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<local_issue::Model> {
    find_visible_issue(&state.db, viewer, id, false).await
}

/// A partner project the viewer may see.
pub async fn find_project(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<partner_project::Model> {
    find_visible_project(&state.db, viewer, id, false).await
}

/// A progress update of a project the viewer may see.
pub async fn find_project_update(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<project_update::Model> {
    let update = project_update::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    find_visible_project(&state.db, viewer, update.project_id, false).await?;
    Ok(update)
}

/// An issue comment the viewer may see.
pub async fn find_issue_comment(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<issue_comment::Model> {
    let comment = issue_comment::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let issue = local_issue::Entity::find_by_id(comment.issue_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if can_see_comment(viewer, &issue, &comment) {
        Ok(comment)
    } else {
        Err(AppError::NotFound)
    }
}

/// An internal comment, for the participants of its project only.
pub async fn find_internal_comment(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<project_internal_comment::Model> {
    let me = viewer.require_user()?;
    let comment = project_internal_comment::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let project = find_visible_project(&state.db, viewer, comment.project_id, false).await?;
    if is_participant(me, project.municipality_id, project.organization_id) {
        Ok(comment)
    } else {
        Err(AppError::NotFound)
    }
}

/// Local issues the viewer may see.
pub async fn list_issues(
    state: &AppState,
    viewer: &Viewer,
    filter: IssueFilter,
    order: ActivityOrder,
    page: PageArgs,
) -> AppResult<Page<local_issue::Model>> {
    use local_issue::Column;
    let mut select = local_issue::Entity::find().filter(issue_visibility(viewer));
    if let Some(id) = filter.municipality_id {
        select = select.filter(Column::MunicipalityId.eq(id));
    }
    if !filter.statuses.is_empty() {
        select = select.filter(Column::Status.is_in(filter.statuses));
    }
    if !filter.categories.is_empty() {
        select = select.filter(Column::Category.is_in(filter.categories));
    }
    if let Some(published) = filter.published {
        select = select.filter(Column::Published.eq(published));
    }
    if let Some(organization_id) = filter.partner_organization_id {
        let taken_on = partner_project_issue::Entity::find()
            .select_only()
            .column(partner_project_issue::Column::IssueId)
            .inner_join(partner_project::Entity)
            .filter(partner_project::Column::OrganizationId.eq(organization_id))
            .filter(project_visibility(viewer))
            .into_query();
        select = select.filter(Column::Id.in_subquery(taken_on));
    }
    let ordering = match order {
        ActivityOrder::RecentActivity => Ordering::<local_issue::Entity> {
            column: Some(Column::LastActivityAt),
            id: Column::Id,
            descending: true,
            key: |row| (Some(SortValue::Time(row.last_activity_at)), row.id),
        },
        ActivityOrder::Newest | ActivityOrder::Oldest => Ordering {
            column: None,
            id: Column::Id,
            descending: order == ActivityOrder::Newest,
            key: |row: &local_issue::Model| (None, row.id),
        },
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

/// Partner projects the viewer may see.
pub async fn list_projects(
    state: &AppState,
    viewer: &Viewer,
    filter: ProjectFilter,
    order: ActivityOrder,
    page: PageArgs,
) -> AppResult<Page<partner_project::Model>> {
    let select = partner_project::Entity::find().filter(project_visibility(viewer));
    page_of_projects(state, select, filter, order, page).await
}

/// Every project of the viewer's own partner organization, drafts included.
pub async fn list_my_projects(
    state: &AppState,
    viewer: &Viewer,
    statuses: Vec<ProjectStatus>,
    order: ActivityOrder,
    page: PageArgs,
) -> AppResult<Page<partner_project::Model>> {
    let me = viewer.require_role(PARTNERS)?;
    let organization_id = me.organization_id.ok_or(AppError::Forbidden)?;
    let select = partner_project::Entity::find()
        .filter(partner_project::Column::OrganizationId.eq(organization_id));
    let filter = ProjectFilter {
        statuses,
        ..ProjectFilter::default()
    };
    page_of_projects(state, select, filter, order, page).await
}

async fn page_of_projects(
    state: &AppState,
    mut select: sea_orm::Select<partner_project::Entity>,
    filter: ProjectFilter,
    order: ActivityOrder,
    page: PageArgs,
) -> AppResult<Page<partner_project::Model>> {
    use partner_project::Column;
    if let Some(id) = filter.municipality_id {
        select = select.filter(Column::MunicipalityId.eq(id));
    }
    if !filter.statuses.is_empty() {
        select = select.filter(Column::Status.is_in(filter.statuses));
    }
    if let Some(id) = filter.partner_organization_id {
        select = select.filter(Column::OrganizationId.eq(id));
    }
    if let Some(issue_id) = filter.issue_id {
        let taking_on = partner_project_issue::Entity::find()
            .select_only()
            .column(partner_project_issue::Column::ProjectId)
            .filter(partner_project_issue::Column::IssueId.eq(issue_id))
            .into_query();
        select = select.filter(Column::Id.in_subquery(taking_on));
    }
    let ordering = match order {
        ActivityOrder::RecentActivity => Ordering::<partner_project::Entity> {
            column: Some(Column::LastActivityAt),
            id: Column::Id,
            descending: true,
            key: |row| (Some(SortValue::Time(row.last_activity_at)), row.id),
        },
        ActivityOrder::Newest | ActivityOrder::Oldest => Ordering {
            column: None,
            id: Column::Id,
            descending: order == ActivityOrder::Newest,
            key: |row: &partner_project::Model| (None, row.id),
        },
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

/// Issues of a municipality per status, as far as the viewer may see them. `solved` is the
/// number of issues solved through public-private partnership.
pub async fn issue_status_counts(
    state: &AppState,
    viewer: &Viewer,
    municipality_id: Uuid,
) -> AppResult<IssueStatusCounts> {
    use local_issue::Column;
    let rows: Vec<(IssueStatus, i64)> = local_issue::Entity::find()
        .select_only()
        .column(Column::Status)
        .column_as(Column::Id.count(), "count")
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(issue_visibility(viewer))
        .group_by(Column::Status)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut counts = IssueStatusCounts::default();
    for (status, count) in rows {
        let count = u64::try_from(count).unwrap_or_default();
        match status {
            IssueStatus::Open => counts.open = count,
            IssueStatus::InProgress => counts.in_progress = count,
            IssueStatus::Solved => counts.solved = count,
            IssueStatus::ClosedUnsolved => counts.closed_unsolved = count,
        }
    }
    Ok(counts)
}

/// Projects of a municipality per status, as far as the viewer may see them.
pub async fn project_status_counts(
    state: &AppState,
    viewer: &Viewer,
    municipality_id: Uuid,
) -> AppResult<ProjectStatusCounts> {
    use partner_project::Column;
    let rows: Vec<(ProjectStatus, i64)> = partner_project::Entity::find()
        .select_only()
        .column(Column::Status)
        .column_as(Column::Id.count(), "count")
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(project_visibility(viewer))
        .group_by(Column::Status)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut counts = ProjectStatusCounts::default();
    for (status, count) in rows {
        let count = u64::try_from(count).unwrap_or_default();
        match status {
            ProjectStatus::Draft => counts.draft = count,
            ProjectStatus::Submitted => counts.submitted = count,
            ProjectStatus::Rejected => counts.rejected = count,
            ProjectStatus::Active => counts.active = count,
            ProjectStatus::Completed => counts.completed = count,
            ProjectStatus::Verified => counts.verified = count,
        }
    }
    Ok(counts)
}

/// Comments of an issue the viewer can see, oldest first: hidden ones only for the
/// municipality's admins.
pub async fn list_issue_comments(
    state: &AppState,
    viewer: &Viewer,
    issue_id: Uuid,
    municipality_id: Uuid,
    page: PageArgs,
) -> AppResult<Page<issue_comment::Model>> {
    use issue_comment::Column;
    let mut select = issue_comment::Entity::find().filter(Column::IssueId.eq(issue_id));
    if !administers(viewer, municipality_id) {
        select = select.filter(Column::HiddenAt.is_null());
    }
    let ordering = Ordering::<issue_comment::Entity> {
        column: None,
        id: Column::Id,
        descending: false,
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

/// Progress updates of a project, newest first.
pub async fn list_project_updates(
    state: &AppState,
    project_id: Uuid,
    page: PageArgs,
) -> AppResult<Page<project_update::Model>> {
    use project_update::Column;
    let ordering = Ordering::<project_update::Entity> {
        column: None,
        id: Column::Id,
        descending: true,
        key: |row| (None, row.id),
    };
    paginate(
        &state.db,
        project_update::Entity::find().filter(Column::ProjectId.eq(project_id)),
        &ordering,
        page,
        state.limits.max_page_size,
    )
    .await
}

/// Internal comments of a project, oldest first, for its participants only.
pub async fn list_internal_comments(
    state: &AppState,
    viewer: &Viewer,
    project_id: Uuid,
    municipality_id: Uuid,
    organization_id: Uuid,
    page: PageArgs,
) -> AppResult<Page<project_internal_comment::Model>> {
    let me = viewer.require_user()?;
    if !is_participant(me, municipality_id, organization_id) {
        return Err(AppError::Forbidden);
    }
    use project_internal_comment::Column;
    let ordering = Ordering::<project_internal_comment::Entity> {
        column: None,
        id: Column::Id,
        descending: false,
        key: |row| (None, row.id),
    };
    paginate(
        &state.db,
        project_internal_comment::Entity::find().filter(Column::ProjectId.eq(project_id)),
        &ordering,
        page,
        state.limits.max_page_size,
    )
    .await
}

/// Issues verified solved through a partner project in `[from, until)`, for the KPI.
pub async fn count_issues_solved(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> AppResult<u64> {
    use local_issue::Column;
    use sea_orm::PaginatorTrait;
    Ok(local_issue::Entity::find()
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::Status.eq(IssueStatus::Solved))
        .filter(Column::SolvedAt.gte(from))
        .filter(Column::SolvedAt.lt(until))
        .count(db)
        .await?)
}

// ---------------------------------------------------------------------------------------
// Local issues

/// Creates a local issue (administrators of its municipality).
pub async fn create_issue(
    w: Writer<'_>,
    viewer: &Viewer,
    input: NewIssue,
) -> AppResult<Outcome<local_issue::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let Some(municipality_id) = input.municipality_id.or(me.municipality_id) else {
        return Ok(Err(vec![FieldError::input(
            "municipalityId",
            FieldErrorCode::Required,
            "自治体を指定してください。",
        )]));
    };
    if !me.administers(municipality_id) {
        return Err(AppError::Forbidden);
    }
    if municipality::Entity::find_by_id(municipality_id)
        .one(w.db)
        .await?
        .is_none()
    {
        return Ok(Err(vec![FieldError::input(
            "municipalityId",
            FieldErrorCode::NotFound,
            "指定された自治体が見つかりません。",
        )]));
    }
    let mut problems = Problems::new();
    let title = problems.check(text::required("title", &input.title, MAX_TITLE));
    let description = problems.check(long_text("description", &input.description, MAX_TEXT));
    let location = check_location(&mut problems, input.location.as_ref());
    let (Some(title), Some(description), Some(location), true) =
        (title, description, location, problems.is_empty())
    else {
        return Ok(Err(problems.into_vec()));
    };

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        municipality_id: Uuid,
        title: &'a str,
        description: &'a str,
        category: String,
        location: &'a CheckedLocation,
        publish: bool,
    }
    let fingerprint = Fingerprint {
        municipality_id,
        title: &title,
        description: &description,
        category: input.category.to_value(),
        location: &location,
        publish: input.publish,
    };
    let created = idempotency::run_once(
        w.db,
        &KeyScope::user(me.id, "createLocalIssue"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let now = w.now();
            let issue = local_issue::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(municipality_id),
                title: Set(title.clone()),
                description: Set(description.clone()),
                category: Set(input.category),
                place_name: Set(location.place_name.clone()),
                latitude: Set(location.latitude),
                longitude: Set(location.longitude),
                status: Set(IssueStatus::Open),
                published: Set(input.publish),
                solved_at: Set(None),
                created_by: Set(me.id),
                created_at: Set(now),
                updated_at: Set(now),
                last_activity_at: Set(now),
            }
            .insert(txn)
            .await?;
            record_change(
                txn,
                &me,
                Subject::Issue(&issue),
                None,
                IssueStatus::Open.to_value(),
                None,
                now,
            )
            .await?;
            Ok(Ok(issue.id))
        },
    )
    .await?;
    idempotency::load_created::<local_issue::Entity>(w.db, created).await
}

/// Changes the texts, category, location or publication of an issue (administrators of its
/// municipality). The status changes only through its own mutations.
pub async fn update_issue(
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
    changes: IssueChanges,
) -> AppResult<Outcome<local_issue::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let txn = db::begin_write(w.db).await?;
    let issue = find_visible_issue(&txn, viewer, id, true).await?;
    if !me.administers(issue.municipality_id) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    let mut model = issue.clone().into_active_model();
    if let Some(title) = &changes.title
        && let Some(title) = problems.check(text::required("title", title, MAX_TITLE))
    {
        model.title = Set(title);
    }
    if let Some(description) = &changes.description
        && let Some(description) = problems.check(long_text("description", description, MAX_TEXT))
    {
        model.description = Set(description);
    }
    if let Some(category) = changes.category {
        model.category = Set(category);
    }
    if let Some(location) = &changes.location
        && let Some(location) = check_location(&mut problems, location.as_ref())
    {
        model.place_name = Set(location.place_name);
        model.latitude = Set(location.latitude);
        model.longitude = Set(location.longitude);
    }
    if let Some(published) = changes.published {
        if issue.published && !published && has_projects(&txn, issue.id).await? {
            problems.push(FieldError::input(
                "published",
                FieldErrorCode::InvalidState,
                "公民連携プロジェクトが提案された課題は非公開に戻せません。",
            ));
        }
        model.published = Set(published);
    }
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }
    if !model.is_changed() {
        return Ok(Ok(issue));
    }
    let now = w.now();
    model.updated_at = Set(now);
    model.last_activity_at = Set(now);
    let updated = model.update(&txn).await?;
    outbox::enqueue(
        &txn,
        sources::LOCAL_ISSUE,
        updated.id,
        updated.municipality_id,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(updated))
}

/// Closes an open or in-progress issue as unsolved, with a reason (administrators).
pub async fn close_issue(
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
) -> AppResult<Outcome<local_issue::Model>> {
    move_issue_by_admin(w, viewer, id, IssueStatus::ClosedUnsolved, reason).await
}

/// Reopens a solved or closed issue, with a reason (administrators).
pub async fn reopen_issue(
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
) -> AppResult<Outcome<local_issue::Model>> {
    move_issue_by_admin(w, viewer, id, IssueStatus::Open, reason).await
}

async fn move_issue_by_admin(
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
    to: IssueStatus,
    reason: &str,
) -> AppResult<Outcome<local_issue::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let txn = db::begin_write(w.db).await?;
    let issue = find_visible_issue(&txn, viewer, id, true).await?;
    if !me.administers(issue.municipality_id) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    let reason = problems.check(long_text("reason", reason, MAX_COMMENT));
    problems.check(states::check_issue("id", issue.status, to));
    let (Some(reason), true) = (reason, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let moved = move_issue(&txn, &me, issue, to, Some(reason), w.now()).await?;
    txn.commit().await?;
    Ok(Ok(moved))
}

// ---------------------------------------------------------------------------------------
// Partner projects

/// Saves a proposal as a draft of the viewer's partner organization.
pub async fn create_project(
    w: Writer<'_>,
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
        w.db,
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
            let now = w.now();
            let project = partner_project::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(municipality_id),
                organization_id: Set(organization_id),
                created_by: Set(me.id),
                title: Set(texts.title.clone()),
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
    idempotency::load_created::<partner_project::Entity>(w.db, created).await
}

/// Changes a draft of the viewer's own organization.
pub async fn update_project(
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
    changes: ProjectChanges,
) -> AppResult<Outcome<partner_project::Model>> {
    let me = viewer.require_role(PARTNERS)?.clone();
    let txn = db::begin_write(w.db).await?;
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
    let mut model = project.clone().into_active_model();
    let line = |field: &str, value: &Option<String>, max: usize, problems: &mut Problems| {
        value
            .as_ref()
            .and_then(|value| problems.check(text::required(field, value, max)))
    };
    let long = |field: &str, value: &Option<String>, problems: &mut Problems| {
        value
            .as_ref()
            .and_then(|value| problems.check(long_text(field, value, MAX_TEXT)))
    };
    if let Some(title) = line("title", &changes.title, MAX_TITLE, &mut problems) {
        model.title = Set(title);
    }
    if let Some(contact) = line("contact", &changes.contact, MAX_CONTACT, &mut problems) {
        model.contact = Set(contact);
    }
    if let Some(summary) = long("summary", &changes.summary, &mut problems) {
        model.summary = Set(summary);
    }
    if let Some(plan) = long("plan", &changes.plan, &mut problems) {
        model.plan = Set(plan);
    }
    if let Some(outcome) = long("expectedOutcome", &changes.expected_outcome, &mut problems) {
        model.expected_outcome = Set(outcome);
    }
    if let Some(timeline) = long("timeline", &changes.timeline, &mut problems) {
        model.timeline = Set(timeline);
    }
    let issue_ids = changes.issue_ids.map(dedup);
    if let Some(issue_ids) = &issue_ids {
        check_issues_to_take_on(
            &txn,
            viewer,
            project.municipality_id,
            issue_ids,
            &mut problems,
        )
        .await?;
    }
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }
    let now = w.now();
    model.updated_at = Set(now);
    model.last_activity_at = Set(now);
    let updated = model.update(&txn).await?;
    outbox::enqueue(
        &txn,
        sources::PARTNER_PROJECT,
        updated.id,
        updated.municipality_id,
    )
    .await?;
    if let Some(issue_ids) = &issue_ids {
        partner_project_issue::Entity::delete_many()
            .filter(partner_project_issue::Column::ProjectId.eq(updated.id))
            .exec(&txn)
            .await?;
        link_issues(&txn, &updated, issue_ids).await?;
    }
    txn.commit().await?;
    Ok(Ok(updated))
}

/// Submits a draft of the viewer's own organization for review.
pub async fn submit_project(
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Outcome<partner_project::Model>> {
    let me = viewer.require_role(PARTNERS)?.clone();
    let txn = db::begin_write(w.db).await?;
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
        w.now(),
        |_| {},
    )
    .await?;
    txn.commit().await?;
    w.announce(&project, ProjectStep::Submit).await;
    Ok(Ok(project))
}

/// Approves a submitted project (administrators of its municipality): it becomes active
/// and every linked open issue becomes in progress.
pub async fn approve_project(
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
    comment: Option<&str>,
) -> AppResult<Outcome<partner_project::Model>> {
    review_project(
        w,
        viewer,
        id,
        ProjectStep::Approve,
        Review::Optional(comment),
    )
    .await
}

/// Rejects a submitted project with a comment (administrators of its municipality).
pub async fn reject_project(
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
    comment: &str,
) -> AppResult<Outcome<partner_project::Model>> {
    review_project(
        w,
        viewer,
        id,
        ProjectStep::Reject,
        Review::Required("comment", comment),
    )
    .await
}

/// Verifies a completed project (administrators of its municipality): every linked issue
/// in progress becomes solved and counts toward the KPI.
pub async fn verify_project(
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
    comment: Option<&str>,
) -> AppResult<Outcome<partner_project::Model>> {
    review_project(
        w,
        viewer,
        id,
        ProjectStep::Verify,
        Review::Optional(comment),
    )
    .await
}

/// Returns a completed project to active with a reason (administrators of its
/// municipality), e.g. when the outcome report is not yet convincing.
pub async fn return_project(
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
) -> AppResult<Outcome<partner_project::Model>> {
    review_project(
        w,
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
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
    step: ProjectStep,
    review: Review<'_>,
) -> AppResult<Outcome<partner_project::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let txn = db::begin_write(w.db).await?;
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
    let (Some(comment), true) = (comment, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let now = w.now();
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
        for issue in linked_issues(&txn, project.id).await? {
            if states::issue_can_transition(issue.status, issue_status) {
                move_issue(&txn, &me, issue, issue_status, Some(reason.clone()), now).await?;
            }
        }
    }
    txn.commit().await?;
    w.announce(&project, step).await;
    Ok(Ok(project))
}

/// Reports an active project of the viewer's organization as completed, with its outcome.
pub async fn complete_project(
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
    outcome_report: &str,
) -> AppResult<Outcome<partner_project::Model>> {
    let me = viewer.require_role(PARTNERS)?.clone();
    let txn = db::begin_write(w.db).await?;
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
        w.now(),
        |model| model.outcome_report = Set(Some(report)),
    )
    .await?;
    txn.commit().await?;
    w.announce(&project, ProjectStep::Complete).await;
    Ok(Ok(project))
}

/// Posts a progress update on an active project of the viewer's organization.
pub async fn post_update(
    w: Writer<'_>,
    viewer: &Viewer,
    input: NewUpdate,
) -> AppResult<Outcome<project_update::Model>> {
    let me = viewer.require_role(PARTNERS)?.clone();
    let project = find_visible_project(w.db, viewer, input.project_id, false).await?;
    if !is_member(&me, project.organization_id) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    let body = problems.check(long_text("body", &input.body, MAX_TEXT));
    let progress = match i16::try_from(input.progress_percent) {
        Ok(progress) if (0..=100).contains(&progress) => Some(progress),
        _ => {
            problems.push(FieldError::input(
                "progressPercent",
                FieldErrorCode::Invalid,
                "進捗は0〜100の数で入力してください。",
            ));
            None
        }
    };
    let milestone = problems.check(optional_line(
        "milestone",
        input.milestone.as_deref(),
        MAX_LINE,
    ));
    let (Some(body), Some(progress), Some(milestone), true) =
        (body, progress, milestone, problems.is_empty())
    else {
        return Ok(Err(problems.into_vec()));
    };

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        project_id: Uuid,
        body: &'a str,
        progress: i16,
        milestone: &'a Option<String>,
    }
    let fingerprint = Fingerprint {
        project_id: project.id,
        body: &body,
        progress,
        milestone: &milestone,
    };
    let posted = idempotency::run_once(
        w.db,
        &KeyScope::user(me.id, "postProjectUpdate"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let project = lock_project(txn, project.id).await?;
            if project.status != ProjectStatus::Active {
                return Ok(Err(vec![FieldError::input(
                    "projectId",
                    FieldErrorCode::InvalidState,
                    format!(
                        "このプロジェクトは現在「{}」のため、進捗を投稿できません。投稿できるのは実施中のプロジェクトだけです。",
                        states::project_label(project.status)
                    ),
                )]));
            }
            let now = w.now();
            let update = project_update::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(project.municipality_id),
                project_id: Set(project.id),
                author_id: Set(me.id),
                body: Set(body.clone()),
                progress_percent: Set(progress),
                milestone: Set(milestone.clone()),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
            let mut model = project.clone().into_active_model();
            model.progress_percent = Set(progress);
            model.last_activity_at = Set(now);
            model.update(txn).await?;
            touch_linked_issues(txn, project.id, now).await?;
            Ok(Ok(update.id))
        },
    )
    .await?;
    let id = match posted {
        Ok(id) => id,
        Err(errors) => return Ok(Err(errors)),
    };
    let update = project_update::Entity::find_by_id(id)
        .one(w.db)
        .await?
        .ok_or(AppError::NotFound)?;
    w.announce_update(&project).await;
    Ok(Ok(update))
}

// ---------------------------------------------------------------------------------------
// Comments

/// A resident's public comment on a published issue of their municipality.
pub async fn add_issue_comment(
    w: Writer<'_>,
    viewer: &Viewer,
    input: NewComment,
) -> AppResult<Outcome<issue_comment::Model>> {
    let me = viewer.require_role(RESIDENTS)?.clone();
    let issue = find_visible_issue(w.db, viewer, input.subject_id, false).await?;
    if me.municipality_id != Some(issue.municipality_id) || !issue.published {
        return Err(AppError::Forbidden);
    }
    let body = match long_text("body", &input.body, MAX_COMMENT) {
        Ok(body) => body,
        Err(error) => return Ok(Err(vec![error])),
    };

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        issue_id: Uuid,
        body: &'a str,
    }
    let fingerprint = Fingerprint {
        issue_id: issue.id,
        body: &body,
    };
    let added = idempotency::run_once(
        w.db,
        &KeyScope::user(me.id, "addIssueComment"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let now = w.now();
            let comment = issue_comment::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(issue.municipality_id),
                issue_id: Set(issue.id),
                author_id: Set(me.id),
                body: Set(body.clone()),
                hidden_at: Set(None),
                hidden_by: Set(None),
                hidden_reason: Set(None),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
            local_issue::Entity::update_many()
                .col_expr(local_issue::Column::LastActivityAt, Expr::value(now))
                .filter(local_issue::Column::Id.eq(issue.id))
                .exec(txn)
                .await?;
            Ok(Ok(comment.id))
        },
    )
    .await?;
    match added {
        Ok(id) => Ok(Ok(issue_comment::Entity::find_by_id(id)
            .one(w.db)
            .await?
            .ok_or(AppError::NotFound)?)),
        Err(errors) => Ok(Err(errors)),
    }
}

/// Hides a comment from the public, with a reason (administrators of its municipality).
/// Administrators still see it, flagged.
pub async fn hide_comment(
    w: Writer<'_>,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
) -> AppResult<Outcome<issue_comment::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let txn = db::begin_write(w.db).await?;
    let comment = issue_comment::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let issue = local_issue::Entity::find_by_id(comment.issue_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !can_see_comment(viewer, &issue, &comment) {
        return Err(AppError::NotFound);
    }
    if !me.administers(issue.municipality_id) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    let reason = problems.check(long_text("reason", reason, MAX_COMMENT));
    if comment.hidden_at.is_some() {
        problems.push(FieldError::input(
            "commentId",
            FieldErrorCode::InvalidState,
            "このコメントはすでに非表示です。",
        ));
    }
    let (Some(reason), true) = (reason, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let mut model = comment.into_active_model();
    model.hidden_at = Set(Some(w.now()));
    model.hidden_by = Set(Some(me.id));
    model.hidden_reason = Set(Some(reason));
    let hidden = model.update(&txn).await?;
    txn.commit().await?;
    tracing::info!(comment_id = %hidden.id, by = %me.id, "issue comment hidden");
    Ok(Ok(hidden))
}

/// An internal comment on a project, between the municipality's administrators and the
/// project's partner organization.
pub async fn add_internal_comment(
    w: Writer<'_>,
    viewer: &Viewer,
    input: NewComment,
) -> AppResult<Outcome<project_internal_comment::Model>> {
    let me = viewer.require_user()?.clone();
    let project = find_visible_project(w.db, viewer, input.subject_id, false).await?;
    if !is_participant(&me, project.municipality_id, project.organization_id) {
        return Err(AppError::Forbidden);
    }
    let body = match long_text("body", &input.body, MAX_COMMENT) {
        Ok(body) => body,
        Err(error) => return Ok(Err(vec![error])),
    };

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        project_id: Uuid,
        body: &'a str,
    }
    let fingerprint = Fingerprint {
        project_id: project.id,
        body: &body,
    };
    let added = idempotency::run_once(
        w.db,
        &KeyScope::user(me.id, "addInternalComment"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let project = lock_project(txn, project.id).await?;
            if project.status == ProjectStatus::Draft {
                return Ok(Err(vec![FieldError::input(
                    "projectId",
                    FieldErrorCode::InvalidState,
                    "下書きのプロジェクトにはコメントできません。提出してから自治体とやりとりしてください。",
                )]));
            }
            let now = w.now();
            let comment = project_internal_comment::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(project.municipality_id),
                project_id: Set(project.id),
                author_id: Set(me.id),
                author_organization_id: Set(me.organization_id),
                author_role: Set(me.role),
                body: Set(body.clone()),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
            partner_project::Entity::update_many()
                .col_expr(partner_project::Column::LastActivityAt, Expr::value(now))
                .filter(partner_project::Column::Id.eq(project.id))
                .exec(txn)
                .await?;
            Ok(Ok(comment.id))
        },
    )
    .await?;
    match added {
        Ok(id) => Ok(Ok(project_internal_comment::Entity::find_by_id(id)
            .one(w.db)
            .await?
            .ok_or(AppError::NotFound)?)),
        Err(errors) => Ok(Err(errors)),
    }
}

// ---------------------------------------------------------------------------------------
// Status changes

/// The record a status change is about.
enum Subject<'a> {
    Issue(&'a local_issue::Model),
    Project(&'a partner_project::Model),
}

/// Writes one row of status history, in the transaction of the change.
async fn record_change(
    txn: &DatabaseTransaction,
    actor: &AuthUser,
    subject: Subject<'_>,
    from: Option<String>,
    to: String,
    reason: Option<String>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let (kind, id, municipality_id) = match subject {
        Subject::Issue(issue) => (SubjectKind::LocalIssue, issue.id, issue.municipality_id),
        Subject::Project(project) => (
            SubjectKind::PartnerProject,
            project.id,
            project.municipality_id,
        ),
    };
    // A status change can make a record public or private: its search document follows.
    let document_kind = match kind {
        SubjectKind::LocalIssue => sources::LOCAL_ISSUE,
        SubjectKind::PartnerProject => sources::PARTNER_PROJECT,
    };
    outbox::enqueue(txn, document_kind, id, municipality_id).await?;
    partnership_status_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(municipality_id),
        subject_kind: Set(kind),
        subject_id: Set(id),
        from_status: Set(from),
        to_status: Set(to),
        actor_user_id: Set(actor.id),
        actor_organization_id: Set(actor.organization_id),
        actor_role: Set(actor.role),
        reason: Set(reason),
        created_at: Set(at),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Moves an issue to `to` and records it. Callers check the move with [`states`] first, so
/// a refused move here is a bug, not a user error.
async fn move_issue(
    txn: &DatabaseTransaction,
    actor: &AuthUser,
    issue: local_issue::Model,
    to: IssueStatus,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<local_issue::Model> {
    let from = issue.status;
    if !states::issue_can_transition(from, to) {
        return Err(AppError::internal(anyhow::anyhow!(
            "issue {} cannot move from {from:?} to {to:?}",
            issue.id
        )));
    }
    let mut model = issue.into_active_model();
    model.status = Set(to);
    match to {
        IssueStatus::Solved => model.solved_at = Set(Some(now)),
        IssueStatus::Open => model.solved_at = Set(None),
        IssueStatus::InProgress | IssueStatus::ClosedUnsolved => {}
    }
    model.updated_at = Set(now);
    model.last_activity_at = Set(now);
    let moved = model.update(txn).await?;
    record_change(
        txn,
        actor,
        Subject::Issue(&moved),
        Some(from.to_value()),
        to.to_value(),
        reason,
        now,
    )
    .await?;
    Ok(moved)
}

/// Takes `step` on a project and records it; see [`move_issue`]. `edit` changes other
/// columns in the same update.
async fn move_project(
    txn: &DatabaseTransaction,
    actor: &AuthUser,
    project: partner_project::Model,
    step: ProjectStep,
    reason: Option<String>,
    now: DateTime<Utc>,
    edit: impl FnOnce(&mut partner_project::ActiveModel),
) -> AppResult<partner_project::Model> {
    let (from, to) = step.edge();
    if project.status != from {
        return Err(AppError::internal(anyhow::anyhow!(
            "project {} cannot take {step:?} from {:?}",
            project.id,
            project.status
        )));
    }
    let mut model = project.into_active_model();
    edit(&mut model);
    model.status = Set(to);
    match step {
        ProjectStep::Submit => model.submitted_at = Set(Some(now)),
        ProjectStep::Approve => model.approved_at = Set(Some(now)),
        ProjectStep::Complete => model.completed_at = Set(Some(now)),
        ProjectStep::Return => model.completed_at = Set(None),
        ProjectStep::Verify => model.verified_at = Set(Some(now)),
        ProjectStep::Reject => {}
    }
    model.updated_at = Set(now);
    model.last_activity_at = Set(now);
    let moved = model.update(txn).await?;
    record_change(
        txn,
        actor,
        Subject::Project(&moved),
        Some(from.to_value()),
        to.to_value(),
        reason,
        now,
    )
    .await?;
    Ok(moved)
}

// ---------------------------------------------------------------------------------------
// Helpers

fn administers(viewer: &Viewer, municipality_id: Uuid) -> bool {
    viewer
        .user
        .as_ref()
        .is_some_and(|me| me.administers(municipality_id))
}

async fn find_visible_issue(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
    for_update: bool,
) -> AppResult<local_issue::Model> {
    let mut select = local_issue::Entity::find_by_id(id);
    if for_update {
        select = select.lock_exclusive();
    }
    let issue = select.one(db).await?.ok_or(AppError::NotFound)?;
    if can_see_issue(viewer, &issue) {
        Ok(issue)
    } else {
        Err(AppError::NotFound)
    }
}

async fn find_visible_project(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
    for_update: bool,
) -> AppResult<partner_project::Model> {
    let mut select = partner_project::Entity::find_by_id(id);
    if for_update {
        select = select.lock_exclusive();
    }
    let project = select.one(db).await?.ok_or(AppError::NotFound)?;
    if can_see_project(viewer, &project) {
        Ok(project)
    } else {
        Err(AppError::NotFound)
    }
}

async fn lock_project(txn: &DatabaseTransaction, id: Uuid) -> AppResult<partner_project::Model> {
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

async fn touch_linked_issues(
    txn: &DatabaseTransaction,
    project_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let linked = partner_project_issue::Entity::find()
        .select_only()
        .column(partner_project_issue::Column::IssueId)
        .filter(partner_project_issue::Column::ProjectId.eq(project_id))
        .into_query();
    local_issue::Entity::update_many()
        .col_expr(local_issue::Column::LastActivityAt, Expr::value(now))
        .filter(local_issue::Column::Id.in_subquery(linked))
        .exec(txn)
        .await?;
    Ok(())
}

async fn has_projects(db: &impl ConnectionTrait, issue_id: Uuid) -> AppResult<bool> {
    Ok(partner_project_issue::Entity::find()
        .filter(partner_project_issue::Column::IssueId.eq(issue_id))
        .one(db)
        .await?
        .is_some())
}

async fn link_issues(
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
async fn check_issues_to_take_on(
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
    summary: String,
    plan: String,
    expected_outcome: String,
    timeline: String,
    contact: String,
}

fn check_texts(problems: &mut Problems, texts: &ProjectTexts) -> Option<CheckedTexts> {
    let title = problems.check(text::required("title", &texts.title, MAX_TITLE));
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
        summary: summary?,
        plan: plan?,
        expected_outcome: expected_outcome?,
        timeline: timeline?,
        contact: contact?,
    })
}

/// A validated location.
#[derive(Debug, Clone, Default, Serialize)]
struct CheckedLocation {
    place_name: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

/// Checks a location: an optional place name and optional coordinates, given together and
/// within range. `None` when something is wrong (recorded in `problems`).
fn check_location(problems: &mut Problems, location: Option<&Location>) -> Option<CheckedLocation> {
    let Some(location) = location else {
        return Some(CheckedLocation::default());
    };
    let error = |name: &str, code, message: String| FieldError {
        field: vec!["input".into(), "location".into(), name.into()],
        code,
        message,
    };
    let mut errors = Vec::new();
    let place_name = match location.place_name.as_deref().map(text::normalize) {
        Some(name) if !name.is_empty() => match text::required("placeName", &name, MAX_LINE) {
            Ok(name) => Some(name),
            Err(failure) => {
                errors.push(error("placeName", failure.code, failure.message));
                None
            }
        },
        _ => None,
    };
    for (name, value, limit, what) in [
        ("latitude", location.latitude, 90.0, "緯度"),
        ("longitude", location.longitude, 180.0, "経度"),
    ] {
        if let Some(value) = value
            && (!value.is_finite() || value.abs() > limit)
        {
            errors.push(error(
                name,
                FieldErrorCode::Invalid,
                format!("{what}は−{limit}〜{limit}の範囲で入力してください。"),
            ));
        }
    }
    match (location.latitude, location.longitude) {
        (Some(_), None) => errors.push(error(
            "longitude",
            FieldErrorCode::Required,
            "緯度を指定するときは経度も指定してください。".into(),
        )),
        (None, Some(_)) => errors.push(error(
            "latitude",
            FieldErrorCode::Required,
            "経度を指定するときは緯度も指定してください。".into(),
        )),
        _ => {}
    }
    if !errors.is_empty() {
        for error in errors {
            problems.push(error);
        }
        return None;
    }
    Some(CheckedLocation {
        place_name,
        latitude: location.latitude,
        longitude: location.longitude,
    })
}

fn dedup(ids: Vec<Uuid>) -> Vec<Uuid> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_keep_line_breaks_and_refuse_other_control_characters() {
        assert_eq!(
            long_text("plan", " １行目\r\n２行目 ", 100),
            Ok("1行目\n2行目".to_owned())
        );
        assert!(long_text("plan", "a\u{7}b", 100).is_err());
        assert!(long_text("plan", " \n ", 100).is_err());
        assert!(long_text("plan", &"あ".repeat(101), 100).is_err());
    }

    #[test]
    fn coordinates_come_in_range_and_in_pairs() {
        let check = |latitude, longitude| {
            let mut problems = Problems::new();
            let location = Location {
                place_name: Some(" 琴ヶ浜 ".into()),
                latitude,
                longitude,
            };
            check_location(&mut problems, Some(&location)).map(|l| (l.place_name, l.latitude))
        };
        assert_eq!(
            check(Some(35.16), Some(139.14)),
            Some((Some("琴ヶ浜".into()), Some(35.16)))
        );
        assert_eq!(check(Some(90.5), Some(139.14)), None);
        assert_eq!(check(Some(35.0), Some(-180.5)), None);
        assert_eq!(check(Some(35.0), None), None);
        assert_eq!(check(None, None), Some((Some("琴ヶ浜".into()), None)));
    }
}

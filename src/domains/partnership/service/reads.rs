//! Reads: single records, lists and counts, as far as the viewer may see them.

use chrono::{DateTime, Utc};
use entity::{
    issue_comment,
    local_issue::{self, IssueCategory, IssueStatus},
    partner_project::{self, ProjectStatus},
    partner_project_issue, project_internal_comment, project_update,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};
use uuid::Uuid;

use super::{
    PARTNERS,
    visibility::{
        administers, can_see_comment, find_visible_issue, find_visible_project, is_participant,
        issue_visibility, project_visibility,
    },
};
use crate::{
    auth::Viewer,
    error::{AppError, AppResult},
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
    state::ServiceContext,
};

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

/// A local issue the viewer may see.
#[tracing::instrument(skip_all, fields(issue_id = %id))]
pub async fn find_issue(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<local_issue::Model> {
    find_visible_issue(ctx.db, viewer, id, false).await
}

/// A partner project the viewer may see.
#[tracing::instrument(skip_all, fields(project_id = %id))]
pub async fn find_project(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<partner_project::Model> {
    find_visible_project(ctx.db, viewer, id, false).await
}

/// A progress update of a project the viewer may see.
#[tracing::instrument(skip_all, fields(update_id = %id))]
pub async fn find_project_update(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<project_update::Model> {
    let update = project_update::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    find_visible_project(ctx.db, viewer, update.project_id, false).await?;
    Ok(update)
}

/// An issue comment the viewer may see.
#[tracing::instrument(skip_all, fields(comment_id = %id))]
pub async fn find_issue_comment(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<issue_comment::Model> {
    let comment = issue_comment::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let issue = local_issue::Entity::find_by_id(comment.issue_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if can_see_comment(viewer, &issue, &comment) {
        Ok(comment)
    } else {
        Err(AppError::NotFound)
    }
}

/// An internal comment, for the participants of its project only.
#[tracing::instrument(skip_all, fields(comment_id = %id))]
pub async fn find_internal_comment(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<project_internal_comment::Model> {
    let me = viewer.require_user()?;
    let comment = project_internal_comment::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let project = find_visible_project(ctx.db, viewer, comment.project_id, false).await?;
    if is_participant(me, project.municipality_id, project.organization_id) {
        Ok(comment)
    } else {
        Err(AppError::NotFound)
    }
}

/// Local issues the viewer may see.
#[tracing::instrument(skip_all, fields(municipality_id = ?filter.municipality_id))]
pub async fn list_issues(
    ctx: ServiceContext<'_>,
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
    paginate(ctx.db, select, &ordering, page, ctx.limits.max_page_size).await
}

/// Partner projects the viewer may see.
#[tracing::instrument(skip_all, fields(municipality_id = ?filter.municipality_id))]
pub async fn list_projects(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    filter: ProjectFilter,
    order: ActivityOrder,
    page: PageArgs,
) -> AppResult<Page<partner_project::Model>> {
    let select = partner_project::Entity::find().filter(project_visibility(viewer));
    page_of_projects(ctx, select, filter, order, page).await
}

/// Every project of the viewer's own partner organization, drafts included.
#[tracing::instrument(skip_all)]
pub async fn list_my_projects(
    ctx: ServiceContext<'_>,
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
    page_of_projects(ctx, select, filter, order, page).await
}

async fn page_of_projects(
    ctx: ServiceContext<'_>,
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
    paginate(ctx.db, select, &ordering, page, ctx.limits.max_page_size).await
}

/// Issues of a municipality per status, as far as the viewer may see them. `solved` is the
/// number of issues solved through public-private partnership.
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id))]
pub async fn issue_status_counts(
    ctx: ServiceContext<'_>,
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
        .all(ctx.db)
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
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id))]
pub async fn project_status_counts(
    ctx: ServiceContext<'_>,
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
        .all(ctx.db)
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
/// municipality's admins, deleted ones for no one.
#[tracing::instrument(skip_all, fields(issue_id = %issue_id))]
pub async fn list_issue_comments(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    issue_id: Uuid,
    municipality_id: Uuid,
    page: PageArgs,
) -> AppResult<Page<issue_comment::Model>> {
    use issue_comment::Column;
    let mut select = issue_comment::Entity::find()
        .filter(Column::IssueId.eq(issue_id))
        .filter(Column::DeletedAt.is_null());
    if !administers(viewer, municipality_id) {
        select = select.filter(Column::HiddenAt.is_null());
    }
    let ordering = Ordering::<issue_comment::Entity> {
        column: None,
        id: Column::Id,
        descending: false,
        key: |row| (None, row.id),
    };
    paginate(ctx.db, select, &ordering, page, ctx.limits.max_page_size).await
}

/// Progress updates of a project, newest first.
#[tracing::instrument(skip_all, fields(project_id = %project_id))]
pub async fn list_project_updates(
    ctx: ServiceContext<'_>,
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
        ctx.db,
        project_update::Entity::find().filter(Column::ProjectId.eq(project_id)),
        &ordering,
        page,
        ctx.limits.max_page_size,
    )
    .await
}

/// Internal comments of a project, oldest first, for its participants only.
#[tracing::instrument(skip_all, fields(project_id = %project_id))]
pub async fn list_internal_comments(
    ctx: ServiceContext<'_>,
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
        ctx.db,
        project_internal_comment::Entity::find().filter(Column::ProjectId.eq(project_id)),
        &ordering,
        page,
        ctx.limits.max_page_size,
    )
    .await
}

/// The issues of a municipality solved in `[from, until)`: verified solved through a
/// partner project and not reopened since. The one rule behind the "issues solved" KPI.
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id))]
pub async fn issues_solved(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> AppResult<Vec<local_issue::Model>> {
    use local_issue::Column;
    Ok(local_issue::Entity::find()
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::Status.eq(IssueStatus::Solved))
        .filter(Column::SolvedAt.gte(from))
        .filter(Column::SolvedAt.lt(until))
        .all(db)
        .await?)
}

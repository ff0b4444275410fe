//! Who sees which issue, project and comment.

use entity::{
    issue_comment, local_issue,
    partner_project::{self, ProjectStatus},
};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QuerySelect};
use uuid::Uuid;

use crate::{
    auth::{AuthUser, Role, Viewer},
    error::{AppError, AppResult},
};

/// Project statuses everyone may see.
const PUBLIC_PROJECT_STATUSES: [ProjectStatus; 3] = [
    ProjectStatus::Active,
    ProjectStatus::Completed,
    ProjectStatus::Verified,
];
/// Project statuses the municipality's admins see besides the public ones.
const REVIEW_PROJECT_STATUSES: [ProjectStatus; 2] =
    [ProjectStatus::Submitted, ProjectStatus::Rejected];

/// Whether the viewer may see `issue`.
pub fn can_see_issue(viewer: &Viewer, issue: &local_issue::Model) -> bool {
    issue.published
        || viewer
            .user
            .as_ref()
            .is_some_and(|me| me.administers(issue.municipality_id))
}

/// The SQL form of [`can_see_issue`].
pub(super) fn issue_visibility(viewer: &Viewer) -> Condition {
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
pub(super) fn is_member(me: &AuthUser, organization_id: Uuid) -> bool {
    me.role == Role::Partner && me.organization_id == Some(organization_id)
}

/// Whether `me` takes part in a project's internal conversation.
pub(super) fn is_participant(me: &AuthUser, municipality_id: Uuid, organization_id: Uuid) -> bool {
    me.administers(municipality_id) || is_member(me, organization_id)
}

/// Whether projects in `status` are public.
fn is_public(status: ProjectStatus) -> bool {
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
pub(super) fn project_visibility(viewer: &Viewer) -> Condition {
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
pub(super) fn can_see_comment(
    viewer: &Viewer,
    issue: &local_issue::Model,
    comment: &issue_comment::Model,
) -> bool {
    can_see_issue(viewer, issue)
        && comment.deleted_at.is_none()
        && (comment.hidden_at.is_none()
            || viewer
                .user
                .as_ref()
                .is_some_and(|me| me.administers(issue.municipality_id)))
}

pub(super) fn administers(viewer: &Viewer, municipality_id: Uuid) -> bool {
    viewer
        .user
        .as_ref()
        .is_some_and(|me| me.administers(municipality_id))
}

pub(super) async fn find_visible_issue(
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

pub(super) async fn find_visible_project(
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

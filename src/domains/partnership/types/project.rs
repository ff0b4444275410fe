//! Partner projects, their progress updates and internal comments.

use async_graphql::{
    ComplexObject, Context, ID, Result, ResultExt, SimpleObject, dataloader::DataLoader,
};
use chrono::{DateTime, Utc};
use entity::{
    partner_project, partnership_status_change::SubjectKind, project_internal_comment,
    project_update,
};
use uuid::Uuid;

use super::history::{PartnerProjectStatusChange, status_change};
use super::issue::LocalIssue;
use super::{InternalCommentConnection, PartnerProjectStatus, ProjectUpdateConnection};
use crate::domains::partnership::{
    loaders::{IssuesOfProject, PartnershipLoader, StatusHistoryOf},
    service,
};
use crate::paging::PageArgs;
use crate::{
    domains::identity::{
        loaders::{IdentityLoader, MunicipalityId, OrganizationId, UserId},
        types::{Municipality, Organization, Role},
    },
    graphql::{connection::page_cost, context, ids},
};

/// A project a partner organization runs on local issues of its municipality. Public once
/// approved (active, completed, verified); before that seen by its organization and, from
/// submission, by the municipality's administrators.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct PartnerProject {
    #[graphql(skip)]
    pub uuid: Uuid,
    #[graphql(skip)]
    pub municipality_id: Uuid,
    #[graphql(skip)]
    pub organization_id: Uuid,
    /// Title.
    pub title: String,
    /// Summary of the proposal.
    pub summary: String,
    /// What the partner will do.
    pub plan: String,
    /// What the project should achieve.
    pub expected_outcome: String,
    /// Schedule, e.g. 2026年4月〜9月.
    pub timeline: String,
    /// How to reach the project team (the organization's contact, not a private address).
    pub contact: String,
    /// Where it stands.
    pub status: PartnerProjectStatus,
    /// Progress of the latest update, 0–100.
    pub progress_percent: i32,
    /// The partner's report of the outcome, given on completion.
    pub outcome_report: Option<String>,
    /// When it was submitted for review.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When the municipality approved it.
    pub approved_at: Option<DateTime<Utc>>,
    /// When the partner reported it completed (cleared when returned to active).
    pub completed_at: Option<DateTime<Utc>>,
    /// When the municipality verified its outcome.
    pub verified_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Last change, status change, progress update or comment.
    pub last_activity_at: DateTime<Utc>,
}

#[ComplexObject]
impl PartnerProject {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("PartnerProject", self.uuid)
    }

    /// The municipality whose issues it takes on.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Option<Municipality>> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(loader
            .load_one(MunicipalityId(self.municipality_id))
            .await?
            .map(Municipality::from))
    }

    /// The partner organization running it.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(loader
            .load_one(OrganizationId(self.organization_id))
            .await?
            .map(Organization::from))
    }

    /// The local issues it takes on.
    async fn issues(&self, ctx: &Context<'_>) -> Result<Vec<LocalIssue>> {
        let (_, viewer) = context(ctx)?;
        let loader = ctx.data::<DataLoader<PartnershipLoader>>()?;
        let issues = loader
            .load_one(IssuesOfProject(self.uuid))
            .await?
            .unwrap_or_default();
        Ok(issues
            .into_iter()
            .filter(|issue| service::can_see_issue(viewer, issue))
            .map(LocalIssue::from)
            .collect())
    }

    /// Progress updates, newest first.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn updates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<ProjectUpdateConnection> {
        let (state, _) = context(ctx)?;
        let page = PageArgs::new(first, after, last, before);
        Ok(service::list_project_updates(state.into(), self.uuid, page)
            .await
            .extend()?
            .into_connection())
    }

    /// The internal conversation between the municipality's administrators and the
    /// partner organization, oldest first. Anyone else gets `FORBIDDEN` (or
    /// `UNAUTHENTICATED`) here and null.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn internal_comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<Option<InternalCommentConnection>> {
        let (state, viewer) = context(ctx)?;
        let page = PageArgs::new(first, after, last, before);
        Ok(Some(
            service::list_internal_comments(
                state.into(),
                viewer,
                self.uuid,
                self.municipality_id,
                self.organization_id,
                page,
            )
            .await
            .extend()?
            .into_connection(),
        ))
    }

    /// Every status change, oldest first: who (role and organization, never a personal
    /// name), when, and the review comment or reason.
    async fn status_history(&self, ctx: &Context<'_>) -> Result<Vec<PartnerProjectStatusChange>> {
        let loader = ctx.data::<DataLoader<PartnershipLoader>>()?;
        let changes = loader
            .load_one(StatusHistoryOf(self.uuid))
            .await?
            .unwrap_or_default();
        Ok(changes
            .into_iter()
            .filter(|change| change.subject_kind == SubjectKind::PartnerProject)
            .filter_map(status_change::<partner_project::ProjectStatus, _>)
            .collect())
    }
}

impl From<partner_project::Model> for PartnerProject {
    fn from(model: partner_project::Model) -> Self {
        Self {
            uuid: model.id,
            municipality_id: model.municipality_id,
            organization_id: model.organization_id,
            title: model.title,
            summary: model.summary,
            plan: model.plan,
            expected_outcome: model.expected_outcome,
            timeline: model.timeline,
            contact: model.contact,
            status: model.status.into(),
            progress_percent: i32::from(model.progress_percent),
            outcome_report: model.outcome_report,
            submitted_at: model.submitted_at,
            approved_at: model.approved_at,
            completed_at: model.completed_at,
            verified_at: model.verified_at,
            created_at: model.created_at,
            updated_at: model.updated_at,
            last_activity_at: model.last_activity_at,
        }
    }
}

/// A progress report the partner posted on its project; public with the project.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct ProjectUpdate {
    #[graphql(skip)]
    pub uuid: Uuid,
    /// What happened.
    pub body: String,
    /// Progress after this update, 0–100.
    pub progress_percent: i32,
    /// Milestone reached with this update, if any.
    pub milestone: Option<String>,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
}

#[ComplexObject]
impl ProjectUpdate {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("ProjectUpdate", self.uuid)
    }
}

impl From<project_update::Model> for ProjectUpdate {
    fn from(model: project_update::Model) -> Self {
        Self {
            uuid: model.id,
            body: model.body,
            progress_percent: i32::from(model.progress_percent),
            milestone: model.milestone,
            created_at: model.created_at,
        }
    }
}

/// A comment between the municipality's administrators and a project's partner
/// organization. Never public.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct InternalComment {
    #[graphql(skip)]
    pub uuid: Uuid,
    #[graphql(skip)]
    pub author_id: Uuid,
    #[graphql(skip)]
    pub author_organization_id: Option<Uuid>,
    /// The text.
    pub body: String,
    /// The author's role.
    pub author_role: Role,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

#[ComplexObject]
impl InternalComment {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("InternalComment", self.uuid)
    }

    /// The author's display name.
    async fn author_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(loader
            .load_one(UserId(self.author_id))
            .await?
            .map(|user| user.display_name))
    }

    /// The author's organization (the municipal office or the partner company).
    async fn author_organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(id) = self.author_organization_id else {
            return Ok(None);
        };
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(loader
            .load_one(OrganizationId(id))
            .await?
            .map(Organization::from))
    }
}

impl From<project_internal_comment::Model> for InternalComment {
    fn from(model: project_internal_comment::Model) -> Self {
        Self {
            uuid: model.id,
            author_id: model.author_id,
            author_organization_id: model.author_organization_id,
            body: model.body,
            author_role: model.author_role.into(),
            created_at: model.created_at,
        }
    }
}

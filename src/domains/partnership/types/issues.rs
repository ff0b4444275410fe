//! Local issues and the partner projects that take them on, which reference each other
//! (an issue lists its projects, a project the issues it addresses): with the issues'
//! public comments and the projects' progress updates and internal comments.

use async_graphql::{
    ComplexObject, Context, ID, Result, ResultExt, SimpleObject, dataloader::DataLoader,
};
use chrono::{DateTime, Utc};
use entity::{
    issue_comment, local_issue, partner_project, partnership_status_change::SubjectKind,
    project_internal_comment, project_update,
};
use uuid::Uuid;

use super::{
    InternalCommentConnection, IssueCommentConnection, LocalIssueCategory, LocalIssueStatus,
    PartnerProjectStatus, ProjectUpdateConnection,
    history::{
        LocalIssueStatusChange, PartnerProjectRevision, PartnerProjectStatusChange, status_change,
    },
};
use crate::graphql::ids::NodeKind;
use crate::{
    domains::{
        identity::{
            loaders::{IdentityLoader, UserId, municipality, organization},
            types::{Municipality, Organization, Role, User},
        },
        partnership::{
            loaders::{
                CommentCountsOf, IssuesOfProject, PartnershipLoader, ProjectsOfIssue, RevisionsOf,
                StatusHistoryOf,
            },
            service,
        },
    },
    graphql::{connection::page_cost, context, ids},
};

/// Where a local issue is.
#[derive(Debug, Clone, SimpleObject)]
pub struct IssueLocation {
    /// Place name, e.g. 琴ヶ浜.
    pub place_name: Option<String>,
    /// Latitude in degrees (WGS 84).
    pub latitude: Option<f64>,
    /// Longitude in degrees (WGS 84).
    pub longitude: Option<f64>,
}

/// A local issue (地域課題) the municipality asks partner companies to take on. Published
/// issues are public; drafts are seen only by the municipality's administrators.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct LocalIssue {
    #[graphql(skip)]
    pub uuid: Uuid,
    #[graphql(skip)]
    pub municipality_id: Uuid,
    /// Title, e.g. 子どもが安心して遊べる公園がほしい.
    pub title: String,
    /// Reading of the title in katakana (フリガナ), if given.
    pub title_reading: Option<String>,
    /// What the issue is and why it matters (several lines).
    pub description: String,
    /// Area of town life.
    pub category: LocalIssueCategory,
    /// Where it is, if it has a place.
    pub location: Option<IssueLocation>,
    /// Where it stands.
    pub status: LocalIssueStatus,
    /// Whether it is public (`false`: a draft for administrators).
    pub published: bool,
    /// When a verified partner project solved it; null unless solved.
    pub solved_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its texts, category, location or publication last changed.
    pub updated_at: DateTime<Utc>,
    /// Last change, status change, project update or comment.
    pub last_activity_at: DateTime<Utc>,
}

#[ComplexObject]
impl LocalIssue {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::LocalIssue, self.uuid)
    }

    /// The municipality that posted it.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Municipality> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        crate::graphql::present(
            municipality(loader, self.municipality_id)
                .await?
                .map(Municipality::from),
            "municipality",
        )
    }

    /// Partner projects taking it on that you can see, oldest first.
    async fn projects(&self, ctx: &Context<'_>) -> Result<Vec<PartnerProject>> {
        let (_, viewer) = context(ctx)?;
        let loader = ctx.data::<DataLoader<PartnershipLoader>>()?;
        let projects = loader
            .load_one(ProjectsOfIssue(self.uuid))
            .await?
            .unwrap_or_default();
        Ok(projects
            .into_iter()
            .filter(|project| service::can_see_project(viewer, project))
            .map(PartnerProject::from)
            .collect())
    }

    /// Number of comments you can see (administrators also count hidden ones).
    async fn comment_count(&self, ctx: &Context<'_>) -> Result<u64> {
        let (_, viewer) = context(ctx)?;
        let loader = ctx.data::<DataLoader<PartnershipLoader>>()?;
        let counts = loader
            .load_one(CommentCountsOf(self.uuid))
            .await?
            .unwrap_or_default();
        let admin = viewer
            .user
            .as_ref()
            .is_some_and(|me| me.administers(self.municipality_id));
        Ok(if admin {
            counts.total
        } else {
            counts.total - counts.hidden
        })
    }

    /// Residents' comments, oldest first. Hidden comments are left out, except for the
    /// municipality's administrators, who see them flagged.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<IssueCommentConnection> {
        let (state, viewer) = context(ctx)?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(service::list_issue_comments(
            state.into(),
            viewer,
            self.uuid,
            self.municipality_id,
            page,
        )
        .await
        .extend()?
        .into_connection())
    }

    /// Every status change, oldest first: who (role and organization, never a personal
    /// name), when, and why.
    async fn status_history(&self, ctx: &Context<'_>) -> Result<Vec<LocalIssueStatusChange>> {
        let loader = ctx.data::<DataLoader<PartnershipLoader>>()?;
        let changes = loader
            .load_one(StatusHistoryOf(self.uuid))
            .await?
            .unwrap_or_default();
        Ok(changes
            .into_iter()
            .filter(|change| change.subject_kind == SubjectKind::LocalIssue)
            .filter_map(status_change::<local_issue::IssueStatus, _>)
            .collect())
    }
}

impl From<local_issue::Model> for LocalIssue {
    fn from(model: local_issue::Model) -> Self {
        let location =
            (model.place_name.is_some() || model.latitude.is_some()).then(|| IssueLocation {
                place_name: model.place_name.clone(),
                latitude: model.latitude,
                longitude: model.longitude,
            });
        Self {
            uuid: model.id,
            municipality_id: model.municipality_id,
            title: model.title,
            title_reading: model.title_reading,
            description: model.description,
            category: model.category.into(),
            location,
            status: model.status.into(),
            published: model.published,
            solved_at: model.solved_at,
            created_at: model.created_at,
            updated_at: model.updated_at,
            last_activity_at: model.last_activity_at,
        }
    }
}

/// A resident's public comment on a local issue. The author's name is not shown.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct IssueComment {
    #[graphql(skip)]
    pub uuid: Uuid,
    #[graphql(skip)]
    pub author_id: Uuid,
    /// The text.
    pub body: String,
    /// Whether an administrator hid it from the public (only administrators see hidden
    /// comments).
    pub hidden: bool,
    /// When it was hidden.
    pub hidden_at: Option<DateTime<Utc>>,
    /// Why it was hidden.
    pub hidden_reason: Option<String>,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
}

#[ComplexObject]
impl IssueComment {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::IssueComment, self.uuid)
    }

    /// Whether you wrote it.
    async fn viewer_is_author(&self, ctx: &Context<'_>) -> Result<bool> {
        let (_, viewer) = context(ctx)?;
        Ok(viewer
            .user
            .as_ref()
            .is_some_and(|me| me.id == self.author_id))
    }

    /// The author's account: only for the author and the administrators of their
    /// municipality; null for everyone else.
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let (_, viewer) = context(ctx)?;
        let Some(me) = &viewer.user else {
            return Ok(None);
        };
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        let Some(author) = loader.load_one(UserId(self.author_id)).await? else {
            return Ok(None);
        };
        let visible = me.id == author.id
            || author
                .municipality_id
                .is_some_and(|municipality_id| me.administers(municipality_id));
        Ok(visible.then(|| User::from(author)))
    }
}

impl From<issue_comment::Model> for IssueComment {
    fn from(model: issue_comment::Model) -> Self {
        Self {
            uuid: model.id,
            author_id: model.author_id,
            body: model.body,
            hidden: model.hidden_at.is_some(),
            hidden_at: model.hidden_at,
            hidden_reason: model.hidden_reason,
            created_at: model.created_at,
        }
    }
}

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
    /// Reading of the title in katakana (フリガナ), if given.
    pub title_reading: Option<String>,
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
        ids::encode(NodeKind::PartnerProject, self.uuid)
    }

    /// The municipality whose issues it takes on.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Municipality> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        crate::graphql::present(
            municipality(loader, self.municipality_id)
                .await?
                .map(Municipality::from),
            "municipality",
        )
    }

    /// The partner organization running it.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        crate::graphql::present(
            organization(loader, self.organization_id)
                .await?
                .map(Organization::from),
            "organization",
        )
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
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
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
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
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

    /// The earlier versions of a proposal its partner revised and resubmitted after a
    /// rejection, oldest first, each with the rejection it answers. The partner
    /// organization and the municipality's administrators only: anyone else gets
    /// `FORBIDDEN` (or `UNAUTHENTICATED`) here and null.
    async fn revisions(&self, ctx: &Context<'_>) -> Result<Option<Vec<PartnerProjectRevision>>> {
        let (_, viewer) = context(ctx)?;
        service::may_read_revisions(viewer, self.municipality_id, self.organization_id).extend()?;
        let loader = ctx.data::<DataLoader<PartnershipLoader>>()?;
        let revisions = loader
            .load_one(RevisionsOf(self.uuid))
            .await?
            .unwrap_or_default();
        Ok(Some(revisions.into_iter().map(Into::into).collect()))
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
            title_reading: model.title_reading,
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
        ids::encode(NodeKind::ProjectUpdate, self.uuid)
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
        ids::encode(NodeKind::InternalComment, self.uuid)
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
        Ok(organization(loader, id).await?.map(Organization::from))
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

//! GraphQL objects of the partnership domain, built from the database models.

use async_graphql::{
    ComplexObject, Context, Enum, ID, OutputType, Result, ResultExt, SimpleObject,
    dataloader::DataLoader,
};
use chrono::{DateTime, Utc};
use entity::{
    issue_comment, local_issue, partner_project,
    partnership_status_change::{self, SubjectKind},
    project_internal_comment, project_update,
};
use sea_orm::ActiveEnum;
use uuid::Uuid;

use super::{
    loaders::{
        CommentCountsOf, IssuesOfProject, PartnershipLoader, ProjectsOfIssue, StatusHistoryOf,
    },
    service,
};
use crate::paging::PageArgs;
use crate::{
    connection,
    domains::identity::{
        loaders::{IdentityLoader, MunicipalityId, OrganizationId, UserId},
        types::{Municipality, Organization, Role, User},
    },
    graphql::{connection::page_cost, context, ids},
};

connection!(LocalIssue, LocalIssueConnection, LocalIssueEdge);
connection!(PartnerProject, PartnerProjectConnection, PartnerProjectEdge);
connection!(ProjectUpdate, ProjectUpdateConnection, ProjectUpdateEdge);
connection!(IssueComment, IssueCommentConnection, IssueCommentEdge);
connection!(
    InternalComment,
    InternalCommentConnection,
    InternalCommentEdge
);

/// What area of town life a local issue concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum LocalIssueCategory {
    /// Parks and public spaces (公園づくり).
    Parks,
    /// Mobility and transport (移動・交通).
    Mobility,
    /// Tourism (観光).
    Tourism,
    /// Childcare and child-rearing (子育て).
    Childcare,
    /// Elderly care (高齢者福祉).
    ElderlyCare,
    /// Environment (環境).
    Environment,
    /// Disaster prevention (防災).
    DisasterPrevention,
    /// Digital services and platforms (デジタル).
    Digital,
    /// Education (教育).
    Education,
    /// Anything else (その他).
    Other,
}

impl From<local_issue::IssueCategory> for LocalIssueCategory {
    fn from(category: local_issue::IssueCategory) -> Self {
        use local_issue::IssueCategory as C;
        match category {
            C::Parks => Self::Parks,
            C::Mobility => Self::Mobility,
            C::Tourism => Self::Tourism,
            C::Childcare => Self::Childcare,
            C::ElderlyCare => Self::ElderlyCare,
            C::Environment => Self::Environment,
            C::DisasterPrevention => Self::DisasterPrevention,
            C::Digital => Self::Digital,
            C::Education => Self::Education,
            C::Other => Self::Other,
        }
    }
}

impl From<LocalIssueCategory> for local_issue::IssueCategory {
    fn from(category: LocalIssueCategory) -> Self {
        use LocalIssueCategory as C;
        match category {
            C::Parks => Self::Parks,
            C::Mobility => Self::Mobility,
            C::Tourism => Self::Tourism,
            C::Childcare => Self::Childcare,
            C::ElderlyCare => Self::ElderlyCare,
            C::Environment => Self::Environment,
            C::DisasterPrevention => Self::DisasterPrevention,
            C::Digital => Self::Digital,
            C::Education => Self::Education,
            C::Other => Self::Other,
        }
    }
}

/// Where a local issue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum LocalIssueStatus {
    /// Open for proposals (募集中).
    Open,
    /// A partner project was approved and works on it (取組中).
    InProgress,
    /// Solved: the municipality verified a partner project's outcome (解決済み). Counts as an
    /// issue solved through public-private partnership.
    Solved,
    /// Closed without a solution (未解決で終了); may be reopened.
    ClosedUnsolved,
}

impl From<local_issue::IssueStatus> for LocalIssueStatus {
    fn from(status: local_issue::IssueStatus) -> Self {
        use local_issue::IssueStatus as S;
        match status {
            S::Open => Self::Open,
            S::InProgress => Self::InProgress,
            S::Solved => Self::Solved,
            S::ClosedUnsolved => Self::ClosedUnsolved,
        }
    }
}

impl From<LocalIssueStatus> for local_issue::IssueStatus {
    fn from(status: LocalIssueStatus) -> Self {
        use LocalIssueStatus as S;
        match status {
            S::Open => Self::Open,
            S::InProgress => Self::InProgress,
            S::Solved => Self::Solved,
            S::ClosedUnsolved => Self::ClosedUnsolved,
        }
    }
}

/// Where a partner project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum PartnerProjectStatus {
    /// Being written; seen only by its organization (下書き).
    Draft,
    /// Submitted for the municipality's review (審査中).
    Submitted,
    /// Not approved by the municipality (不採択); final.
    Rejected,
    /// Approved and running; public (実施中).
    Active,
    /// Reported as completed by the partner, awaiting verification (完了報告済み).
    Completed,
    /// Outcome verified by the municipality (解決確認済み); final.
    Verified,
}

impl From<partner_project::ProjectStatus> for PartnerProjectStatus {
    fn from(status: partner_project::ProjectStatus) -> Self {
        use partner_project::ProjectStatus as S;
        match status {
            S::Draft => Self::Draft,
            S::Submitted => Self::Submitted,
            S::Rejected => Self::Rejected,
            S::Active => Self::Active,
            S::Completed => Self::Completed,
            S::Verified => Self::Verified,
        }
    }
}

impl From<PartnerProjectStatus> for partner_project::ProjectStatus {
    fn from(status: PartnerProjectStatus) -> Self {
        use PartnerProjectStatus as S;
        match status {
            S::Draft => Self::Draft,
            S::Submitted => Self::Submitted,
            S::Rejected => Self::Rejected,
            S::Active => Self::Active,
            S::Completed => Self::Completed,
            S::Verified => Self::Verified,
        }
    }
}

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
        ids::encode("LocalIssue", self.uuid)
    }

    /// The municipality that posted it.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Option<Municipality>> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(loader
            .load_one(MunicipalityId(self.municipality_id))
            .await?
            .map(Municipality::from))
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
        let page = PageArgs::new(first, after, last, before);
        Ok(
            service::list_issue_comments(state, viewer, self.uuid, self.municipality_id, page)
                .await
                .extend()?
                .into_connection(),
        )
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
        Ok(service::list_project_updates(state, self.uuid, page)
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
                state,
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
        ids::encode("IssueComment", self.uuid)
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

/// Who changed a status, as shown publicly: a role and an organization, never a name.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct StatusActor {
    #[graphql(skip)]
    pub organization_id: Option<Uuid>,
    /// The actor's role, e.g. `MUNICIPAL_ADMIN` or `PARTNER`.
    pub role: Role,
}

#[ComplexObject]
impl StatusActor {
    /// The actor's organization (e.g. 真鶴町役場); null for platform operators.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(id) = self.organization_id else {
            return Ok(None);
        };
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(loader
            .load_one(OrganizationId(id))
            .await?
            .map(Organization::from))
    }

    /// Name of the actor's organization, for display.
    async fn organization_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.organization(ctx).await?.map(|o| o.name))
    }
}

/// One step in the public status history of a local issue or partner project.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(concrete(name = "LocalIssueStatusChange", params(LocalIssueStatus)))]
#[graphql(concrete(name = "PartnerProjectStatusChange", params(PartnerProjectStatus)))]
pub struct StatusChange<S: OutputType> {
    /// The status before; null when the record was created.
    pub from_status: Option<S>,
    /// The status after.
    pub to_status: S,
    /// Who made the change.
    pub actor: StatusActor,
    /// The reason or review comment given, if any.
    pub reason: Option<String>,
    /// When it happened.
    pub changed_at: DateTime<Utc>,
}

/// Status history of an issue.
pub type LocalIssueStatusChange = StatusChange<LocalIssueStatus>;
/// Status history of a project.
pub type PartnerProjectStatusChange = StatusChange<PartnerProjectStatus>;

/// Reads a stored status change as `S`; a row of another kind or an unknown value is
/// skipped (and logged).
fn status_change<E, S>(model: partnership_status_change::Model) -> Option<StatusChange<S>>
where
    E: ActiveEnum<Value = String> + Into<S>,
    S: OutputType,
{
    let parse = |value: &String| match E::try_from_value(value) {
        Ok(status) => Some(status.into()),
        Err(error) => {
            tracing::error!(%error, change_id = %model.id, "unreadable status in history");
            None
        }
    };
    let from_status = match &model.from_status {
        Some(value) => Some(parse(value)?),
        None => None,
    };
    Some(StatusChange {
        from_status,
        to_status: parse(&model.to_status)?,
        actor: StatusActor {
            organization_id: model.actor_organization_id,
            role: model.actor_role.into(),
        },
        reason: model.reason.clone(),
        changed_at: model.created_at,
    })
}

/// Number of local issues per status, as far as you can see them.
#[derive(Debug, Clone, Copy, SimpleObject)]
pub struct LocalIssueStatusCounts {
    /// Open for proposals.
    pub open: u64,
    /// In progress.
    pub in_progress: u64,
    /// Solved through public-private partnership (課題解決件数).
    pub solved: u64,
    /// Closed unsolved.
    pub closed_unsolved: u64,
    /// All of them.
    pub total: u64,
}

impl From<service::IssueStatusCounts> for LocalIssueStatusCounts {
    fn from(counts: service::IssueStatusCounts) -> Self {
        Self {
            open: counts.open,
            in_progress: counts.in_progress,
            solved: counts.solved,
            closed_unsolved: counts.closed_unsolved,
            total: counts.open + counts.in_progress + counts.solved + counts.closed_unsolved,
        }
    }
}

/// Number of partner projects per status, as far as you can see them (drafts: only your
/// own organization's; submitted and rejected: the municipality's administrators and the
/// proposing organization).
#[derive(Debug, Clone, Copy, SimpleObject)]
pub struct PartnerProjectStatusCounts {
    /// Drafts.
    pub draft: u64,
    /// Submitted for review.
    pub submitted: u64,
    /// Rejected.
    pub rejected: u64,
    /// Active.
    pub active: u64,
    /// Completed, awaiting verification.
    pub completed: u64,
    /// Verified.
    pub verified: u64,
    /// All of them.
    pub total: u64,
}

impl From<service::ProjectStatusCounts> for PartnerProjectStatusCounts {
    fn from(c: service::ProjectStatusCounts) -> Self {
        Self {
            draft: c.draft,
            submitted: c.submitted,
            rejected: c.rejected,
            active: c.active,
            completed: c.completed,
            verified: c.verified,
            total: c.draft + c.submitted + c.rejected + c.active + c.completed + c.verified,
        }
    }
}

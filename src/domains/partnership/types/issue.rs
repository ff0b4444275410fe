//! Local issues and their public comments.

use async_graphql::{
    ComplexObject, Context, ID, Result, ResultExt, SimpleObject, dataloader::DataLoader,
};
use chrono::{DateTime, Utc};
use entity::{issue_comment, local_issue, partnership_status_change::SubjectKind};
use uuid::Uuid;

use super::history::{LocalIssueStatusChange, status_change};
use super::project::PartnerProject;
use super::{IssueCommentConnection, LocalIssueCategory, LocalIssueStatus};
use crate::domains::partnership::{
    loaders::{CommentCountsOf, PartnershipLoader, ProjectsOfIssue, StatusHistoryOf},
    service,
};
use crate::paging::PageArgs;
use crate::{
    domains::identity::{
        loaders::{IdentityLoader, MunicipalityId, UserId},
        types::{Municipality, User},
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

//! DataLoaders of the partnership domain: one SQL statement per batch, not per row. They
//! load raw rows; the fields that use them filter by what the viewer may see.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{
    issue_comment, local_issue, partner_project, partner_project_issue, partner_project_revision,
    partnership_status_change,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::domains::identity::loaders::{LoadError, load_error};

/// Loads what lists of issues and projects need per item.
pub struct PartnershipLoader {
    db: DatabaseConnection,
}

impl PartnershipLoader {
    /// A loader reading from `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// Key: the projects taking on an issue (every status; callers filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProjectsOfIssue(pub Uuid);

/// Key: the issues a project takes on (drafts included; callers filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IssuesOfProject(pub Uuid);

/// Key: comment counts of an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommentCountsOf(pub Uuid);

/// Key: the status history of an issue or project, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusHistoryOf(pub Uuid);

/// Key: the revisions of a project, oldest first (callers check who may read them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RevisionsOf(pub Uuid);

/// Comments of one issue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommentCounts {
    /// Every comment.
    pub total: u64,
    /// Comments hidden by an administrator.
    pub hidden: u64,
}

impl Loader<ProjectsOfIssue> for PartnershipLoader {
    type Value = Vec<partner_project::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProjectsOfIssue],
    ) -> Result<HashMap<ProjectsOfIssue, Self::Value>, Self::Error> {
        let rows = partner_project_issue::Entity::find()
            .find_also_related(partner_project::Entity)
            .filter(partner_project_issue::Column::IssueId.is_in(keys.iter().map(|key| key.0)))
            .order_by_asc(partner_project_issue::Column::ProjectId)
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut map: HashMap<ProjectsOfIssue, Self::Value> = HashMap::new();
        for (link, project) in rows {
            if let Some(project) = project {
                map.entry(ProjectsOfIssue(link.issue_id))
                    .or_default()
                    .push(project);
            }
        }
        Ok(map)
    }
}

impl Loader<IssuesOfProject> for PartnershipLoader {
    type Value = Vec<local_issue::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[IssuesOfProject],
    ) -> Result<HashMap<IssuesOfProject, Self::Value>, Self::Error> {
        let rows = partner_project_issue::Entity::find()
            .find_also_related(local_issue::Entity)
            .filter(partner_project_issue::Column::ProjectId.is_in(keys.iter().map(|key| key.0)))
            .order_by_asc(partner_project_issue::Column::IssueId)
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut map: HashMap<IssuesOfProject, Self::Value> = HashMap::new();
        for (link, issue) in rows {
            if let Some(issue) = issue {
                map.entry(IssuesOfProject(link.project_id))
                    .or_default()
                    .push(issue);
            }
        }
        Ok(map)
    }
}

impl Loader<CommentCountsOf> for PartnershipLoader {
    type Value = CommentCounts;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CommentCountsOf],
    ) -> Result<HashMap<CommentCountsOf, Self::Value>, Self::Error> {
        use issue_comment::Column;
        let ids: Vec<Uuid> = keys.iter().map(|key| key.0).collect();
        let counted = |hidden_only: bool| {
            let mut select = issue_comment::Entity::find()
                .select_only()
                .column(Column::IssueId)
                .column_as(Column::Id.count(), "count")
                .filter(Column::IssueId.is_in(ids.clone()))
                .filter(Column::DeletedAt.is_null())
                .group_by(Column::IssueId);
            if hidden_only {
                select = select.filter(Column::HiddenAt.is_not_null());
            }
            select.into_tuple::<(Uuid, i64)>().all(&self.db)
        };
        let totals = counted(false).await.map_err(load_error)?;
        let hidden = counted(true).await.map_err(load_error)?;
        let mut map: HashMap<CommentCountsOf, CommentCounts> = HashMap::new();
        for (issue_id, count) in totals {
            map.entry(CommentCountsOf(issue_id)).or_default().total =
                u64::try_from(count).unwrap_or_default();
        }
        for (issue_id, count) in hidden {
            map.entry(CommentCountsOf(issue_id)).or_default().hidden =
                u64::try_from(count).unwrap_or_default();
        }
        Ok(map)
    }
}

impl Loader<StatusHistoryOf> for PartnershipLoader {
    type Value = Vec<partnership_status_change::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[StatusHistoryOf],
    ) -> Result<HashMap<StatusHistoryOf, Self::Value>, Self::Error> {
        use partnership_status_change::Column;
        let rows = partnership_status_change::Entity::find()
            .filter(Column::SubjectId.is_in(keys.iter().map(|key| key.0)))
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut map: HashMap<StatusHistoryOf, Self::Value> = HashMap::new();
        for row in rows {
            map.entry(StatusHistoryOf(row.subject_id))
                .or_default()
                .push(row);
        }
        Ok(map)
    }
}

impl Loader<RevisionsOf> for PartnershipLoader {
    type Value = Vec<partner_project_revision::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[RevisionsOf],
    ) -> Result<HashMap<RevisionsOf, Self::Value>, Self::Error> {
        use partner_project_revision::Column;
        let rows = partner_project_revision::Entity::find()
            .filter(Column::ProjectId.is_in(keys.iter().map(|key| key.0)))
            .order_by_asc(Column::ProjectId)
            .order_by_asc(Column::RevisionNumber)
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut map: HashMap<RevisionsOf, Self::Value> = HashMap::new();
        for row in rows {
            map.entry(RevisionsOf(row.project_id))
                .or_default()
                .push(row);
        }
        Ok(map)
    }
}

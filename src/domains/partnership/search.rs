//! Search documents of local issues and partner projects, and the one rule of what of them
//! is public.

use entity::{
    local_issue::{self, IssueCategory},
    organization,
    partner_project::{self, ProjectStatus},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::search::{
    index::SearchDocument,
    sources::{LOCAL_ISSUE, PARTNER_PROJECT},
};

/// Whether an issue is public: once published.
pub fn issue_is_public(published: bool) -> bool {
    published
}

/// Whether a project is public: once approved; drafts, proposals under review and
/// rejected ones never are.
pub fn project_is_public(status: ProjectStatus) -> bool {
    matches!(
        status,
        ProjectStatus::Active | ProjectStatus::Completed | ProjectStatus::Verified
    )
}

/// The document of issue `id`, or `None` when it is gone or unpublished.
/// The local issues of `ids` as they are now (one statement), public or not.
pub async fn issues_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<local_issue::Model>, DbErr> {
    local_issue::Entity::find()
        .filter(local_issue::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// The partner projects of `ids` as they are now (one statement), public or not.
pub async fn projects_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<partner_project::Model>, DbErr> {
    partner_project::Entity::find()
        .filter(partner_project::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

pub async fn load_issue(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<SearchDocument>, DbErr> {
    Ok(local_issue::Entity::find_by_id(id)
        .one(db)
        .await?
        .and_then(issue_document))
}

/// The document of project `id`, or `None` when it is gone or not public.
pub async fn load_project(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<SearchDocument>, DbErr> {
    let Some(project) = partner_project::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let organization = organization::Entity::find_by_id(project.organization_id)
        .one(db)
        .await?;
    Ok(project_document(project, organization))
}

/// Number of issues, published or not.
pub async fn count_issues(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    local_issue::Entity::find().count(db).await
}

/// Number of projects, public or not.
pub async fn count_projects(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    partner_project::Entity::find().count(db).await
}

/// Page `page` of issues in batches of `batch`, by id: the documents of the published ones
/// and the number of rows read.
pub async fn issue_page(
    db: &impl ConnectionTrait,
    page: u64,
    batch: u64,
) -> Result<(Vec<SearchDocument>, u64), DbErr> {
    let rows = local_issue::Entity::find()
        .order_by_asc(local_issue::Column::Id)
        .paginate(db, batch)
        .fetch_page(page)
        .await?;
    let read = rows.len() as u64;
    Ok((rows.into_iter().filter_map(issue_document).collect(), read))
}

/// Page `page` of projects in batches of `batch`, by id: the documents of the public ones
/// and the number of rows read.
pub async fn project_page(
    db: &impl ConnectionTrait,
    page: u64,
    batch: u64,
) -> Result<(Vec<SearchDocument>, u64), DbErr> {
    let rows = partner_project::Entity::find()
        .find_also_related(organization::Entity)
        .order_by_asc(partner_project::Column::Id)
        .paginate(db, batch)
        .fetch_page(page)
        .await?;
    let read = rows.len() as u64;
    Ok((
        rows.into_iter()
            .filter_map(|(project, organization)| project_document(project, organization))
            .collect(),
        read,
    ))
}

fn issue_document(issue: local_issue::Model) -> Option<SearchDocument> {
    if !issue_is_public(issue.published) {
        return None;
    }
    let (code, label) = category_label(issue.category);
    Some(SearchDocument {
        kind: LOCAL_ISSUE.into(),
        id: issue.id,
        municipality_id: issue.municipality_id,
        kana: SearchDocument::readings([issue.title_reading.as_deref()]),
        title: issue.title,
        tags: vec![code.into(), label.into(), "地域課題".into()],
        categories: vec![code.into()],
        body: [issue.description, issue.place_name.unwrap_or_default()].join("\n"),
        ..SearchDocument::default()
    })
}

fn project_document(
    project: partner_project::Model,
    organization: Option<organization::Model>,
) -> Option<SearchDocument> {
    if !project_is_public(project.status) {
        return None;
    }
    Some(SearchDocument {
        kind: PARTNER_PROJECT.into(),
        id: project.id,
        municipality_id: project.municipality_id,
        kana: SearchDocument::readings([
            project.title_reading.as_deref(),
            organization.as_ref().map(|o| o.name_kana.as_str()),
        ]),
        title: project.title,
        tags: vec!["公民連携".into()],
        body: [project.summary, project.plan, project.expected_outcome].join("\n"),
        organizer: organization.map(|o| o.name).unwrap_or_default(),
        ..SearchDocument::default()
    })
}

fn category_label(category: IssueCategory) -> (&'static str, &'static str) {
    match category {
        IssueCategory::Parks => ("parks", "公園"),
        IssueCategory::Mobility => ("mobility", "交通・移動"),
        IssueCategory::Tourism => ("tourism", "観光"),
        IssueCategory::Childcare => ("childcare", "子育て"),
        IssueCategory::ElderlyCare => ("elderly_care", "高齢者福祉"),
        IssueCategory::Environment => ("environment", "環境"),
        IssueCategory::DisasterPrevention => ("disaster_prevention", "防災"),
        IssueCategory::Digital => ("digital", "デジタル"),
        IssueCategory::Education => ("education", "教育"),
        IssueCategory::Other => ("other", "その他"),
    }
}

//! Where search documents come from: one loader per kind of public content, reading the
//! database (the source of truth). Personal data never goes into a document.

use entity::{
    article,
    local_issue::{self, IssueCategory},
    organization, partner_project,
    partner_project::ProjectStatus,
};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryOrder};
use uuid::Uuid;

use super::index::SearchDocument;

/// Kind of a local issue (地域課題).
pub const LOCAL_ISSUE: &str = "local_issue";
/// Kind of a partner project.
pub const PARTNER_PROJECT: &str = "partner_project";
/// Kind of a childcare resource (子育てひろば, 一時保育, …).
pub const CHILDCARE_RESOURCE: &str = "childcare_resource";

/// Kind of an article, relocation guide or resident's story.
pub const ARTICLE: &str = "article";

/// Every kind the index holds.
pub const KINDS: [&str; 4] = [LOCAL_ISSUE, PARTNER_PROJECT, CHILDCARE_RESOURCE, ARTICLE];

/// Records read per batch when rebuilding.
const BATCH: u64 = 500;

/// The current document of `kind` `id`, or `None` when it is gone or not public.
pub async fn load(
    db: &impl ConnectionTrait,
    kind: &str,
    id: Uuid,
) -> Result<Option<SearchDocument>, DbErr> {
    match kind {
        LOCAL_ISSUE => Ok(local_issue::Entity::find_by_id(id)
            .one(db)
            .await?
            .and_then(issue_document)),
        PARTNER_PROJECT => {
            let Some(project) = partner_project::Entity::find_by_id(id).one(db).await? else {
                return Ok(None);
            };
            let organization = organization::Entity::find_by_id(project.organization_id)
                .one(db)
                .await?;
            Ok(project_document(project, organization.map(|o| o.name)))
        }
        CHILDCARE_RESOURCE => crate::domains::childcare::documents::load(db, id).await,
        ARTICLE => Ok(article::Entity::find_by_id(id)
            .one(db)
            .await?
            .and_then(crate::domains::content::service::search_document)),
        _ => Ok(None),
    }
}

/// Number of records of `kind` (public or not), for progress reporting.
pub async fn count(db: &impl ConnectionTrait, kind: &str) -> Result<u64, DbErr> {
    match kind {
        LOCAL_ISSUE => local_issue::Entity::find().count(db).await,
        PARTNER_PROJECT => partner_project::Entity::find().count(db).await,
        CHILDCARE_RESOURCE => crate::domains::childcare::documents::count(db).await,
        ARTICLE => article::Entity::find().count(db).await,
        _ => Ok(0),
    }
}

/// Page `page` of the public documents of `kind` (batches of a fixed size, by id).
pub async fn page(
    db: &impl ConnectionTrait,
    kind: &str,
    page: u64,
) -> Result<(Vec<SearchDocument>, u64), DbErr> {
    match kind {
        LOCAL_ISSUE => {
            let rows = local_issue::Entity::find()
                .order_by_asc(local_issue::Column::Id)
                .paginate(db, BATCH)
                .fetch_page(page)
                .await?;
            let read = rows.len() as u64;
            Ok((rows.into_iter().filter_map(issue_document).collect(), read))
        }
        PARTNER_PROJECT => {
            let rows = partner_project::Entity::find()
                .find_also_related(organization::Entity)
                .order_by_asc(partner_project::Column::Id)
                .paginate(db, BATCH)
                .fetch_page(page)
                .await?;
            let read = rows.len() as u64;
            Ok((
                rows.into_iter()
                    .filter_map(|(project, organization)| {
                        project_document(project, organization.map(|o| o.name))
                    })
                    .collect(),
                read,
            ))
        }
        CHILDCARE_RESOURCE => crate::domains::childcare::documents::page(db, page, BATCH).await,
        ARTICLE => {
            let rows = article::Entity::find()
                .order_by_asc(article::Column::Id)
                .paginate(db, BATCH)
                .fetch_page(page)
                .await?;
            let read = rows.len() as u64;
            Ok((
                rows.into_iter()
                    .filter_map(crate::domains::content::service::search_document)
                    .collect(),
                read,
            ))
        }
        _ => Ok((Vec::new(), 0)),
    }
}

fn issue_document(issue: local_issue::Model) -> Option<SearchDocument> {
    if !issue.published {
        return None;
    }
    let (code, label) = category_label(issue.category);
    Some(SearchDocument {
        kind: LOCAL_ISSUE.into(),
        id: issue.id,
        municipality_id: issue.municipality_id,
        title: issue.title,
        kana: String::new(),
        tags: vec![code.into(), label.into(), "地域課題".into()],
        body: [issue.description, issue.place_name.unwrap_or_default()].join("\n"),
        organizer: String::new(),
        starts_at: None,
        child_age_months: None,
        free_places: None,
    })
}

fn project_document(
    project: partner_project::Model,
    organization: Option<String>,
) -> Option<SearchDocument> {
    // Public once approved; drafts, proposals under review and rejected ones never are.
    if !matches!(
        project.status,
        ProjectStatus::Active | ProjectStatus::Completed | ProjectStatus::Verified
    ) {
        return None;
    }
    Some(SearchDocument {
        kind: PARTNER_PROJECT.into(),
        id: project.id,
        municipality_id: project.municipality_id,
        title: project.title,
        kana: String::new(),
        tags: vec!["公民連携".into()],
        body: [project.summary, project.plan, project.expected_outcome].join("\n"),
        organizer: organization.unwrap_or_default(),
        starts_at: None,
        child_age_months: None,
        free_places: None,
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

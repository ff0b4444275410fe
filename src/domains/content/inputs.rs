//! GraphQL inputs of the content domain and payloads of its mutations.

use async_graphql::{Enum, ID, InputObject, MaybeUndefined};
use chrono::{DateTime, Utc};

use super::{
    service,
    types::{Article, ArticleKind, ArticleStatus},
};
use crate::graphql::ids::NodeKind;
use crate::{error::AppError, graphql::converted, graphql::ids};

/// Write an article (administrators of the municipality).
#[derive(Debug, InputObject)]
pub struct CreateArticleInput {
    /// Municipality; municipal admins may omit it (their own is used).
    pub municipality_id: Option<ID>,
    /// What kind of article it is.
    pub kind: ArticleKind,
    /// Title (at most 200 characters).
    pub title: String,
    /// Reading of the title (フリガナ): kana, ー, ・ and spaces, at most 400 characters;
    /// hiragana is converted to katakana. A search in kana finds the title by it.
    pub title_reading: Option<String>,
    /// Readable address within the municipality: half-width lowercase letters, digits and
    /// hyphens (at most 100 characters); unique in the municipality.
    pub slug: Option<String>,
    /// Short plain-text summary (at most 1000 characters).
    pub summary: String,
    /// The body in Markdown (at most 50000 characters). Raw HTML is shown as text.
    pub body: String,
    /// Tags (at most 10, each at most 30 characters, without `,` `%` `_` `\`).
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Address of the cover image: an http or https URL.
    pub cover_image_url: Option<String>,
    /// Organization of the municipality to show with the author; your own when omitted.
    pub organization_id: Option<ID>,
    /// Publish it (from `publishAt` on); otherwise it is a draft.
    #[graphql(default)]
    pub publish: bool,
    /// When it becomes public, if `publish`; now when omitted. A future time schedules it.
    pub publish_at: Option<DateTime<Utc>>,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// Change an article. Absent fields stay as they are; the status changes only through
/// `publishArticle`, `unpublishArticle` and `archiveArticle`.
#[derive(Debug, InputObject)]
pub struct UpdateArticleInput {
    /// The article.
    pub id: ID,
    /// New kind.
    pub kind: Option<ArticleKind>,
    /// New title.
    pub title: Option<String>,
    /// New reading of the title (as in `createArticle`); `null` or blank removes it.
    pub title_reading: MaybeUndefined<String>,
    /// New slug; `null` removes it.
    pub slug: MaybeUndefined<String>,
    /// New summary.
    pub summary: Option<String>,
    /// New Markdown body.
    pub body: Option<String>,
    /// New tags (replace the old ones).
    pub tags: Option<Vec<String>>,
    /// New cover image address; `null` removes it.
    pub cover_image_url: MaybeUndefined<String>,
    /// New organization shown with the author; `null` removes it.
    pub organization_id: MaybeUndefined<ID>,
}

/// Publish an article now or at a given time, or move the publish time of a published one.
#[derive(Debug, InputObject)]
pub struct PublishArticleInput {
    /// The article.
    pub id: ID,
    /// When it becomes public; now when omitted. A future time schedules it.
    pub publish_at: Option<DateTime<Utc>>,
}

/// Take a published or archived article back to draft.
#[derive(Debug, InputObject)]
pub struct UnpublishArticleInput {
    /// The article.
    pub id: ID,
}

/// Take a published article off the public site, keeping it.
#[derive(Debug, InputObject)]
pub struct ArchiveArticleInput {
    /// The article.
    pub id: ID,
}

/// Delete an article for good.
#[derive(Debug, InputObject)]
pub struct DeleteArticleInput {
    /// The article.
    pub id: ID,
}

/// Filter of the `articles` list.
#[derive(Debug, Default, InputObject)]
pub struct ArticleFilter {
    /// Only this municipality.
    pub municipality_id: Option<ID>,
    /// Only articles of one of these kinds.
    pub kinds: Option<Vec<ArticleKind>>,
    /// Former name of `kinds`; both may be given, and their values add up.
    #[graphql(name = "kind", deprecation = "Use kinds")]
    pub kind_deprecated: Option<Vec<ArticleKind>>,
    /// Only articles with this tag.
    pub tag: Option<String>,
    /// Only articles public from this time or later.
    pub published_from: Option<DateTime<Utc>>,
    /// Only articles public from before this time.
    pub published_to: Option<DateTime<Utc>>,
    /// Only articles in one of these statuses (drafts, scheduled and archived ones are
    /// seen by administrators only).
    pub statuses: Option<Vec<ArticleStatus>>,
    /// Former name of `statuses`; both may be given, and their values add up.
    #[graphql(name = "status", deprecation = "Use statuses")]
    pub status_deprecated: Option<Vec<ArticleStatus>>,
}

/// Order of the article list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
pub enum ArticleOrderBy {
    /// Newest publish time first (drafts by creation time).
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
}

use crate::mutation_payload as payload;

payload!(
    /// Result of `createArticle`.
    CreateArticlePayload { article: Article, "The new article." }
);
payload!(
    /// Result of `updateArticle`.
    UpdateArticlePayload { article: Article, "The article as changed." }
);
payload!(
    /// Result of `publishArticle`.
    PublishArticlePayload { article: Article, "The published (or scheduled) article." }
);
payload!(
    /// Result of `unpublishArticle`.
    UnpublishArticlePayload { article: Article, "The article, a draft again." }
);
payload!(
    /// Result of `archiveArticle`.
    ArchiveArticlePayload { article: Article, "The archived article." }
);
payload!(
    /// Result of `deleteArticle`.
    DeleteArticlePayload { deleted_article_id: ID, "Global id of the deleted article." }
);

impl TryFrom<CreateArticleInput> for service::NewArticle {
    type Error = AppError;

    fn try_from(input: CreateArticleInput) -> Result<Self, AppError> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                input.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            kind: input.kind.into(),
            title: input.title,
            title_reading: input.title_reading,
            slug: input.slug,
            summary: input.summary,
            body: input.body,
            tags: input.tags,
            cover_image_url: input.cover_image_url,
            organization_id: ids::decode_optional(
                input.organization_id.as_ref(),
                NodeKind::Organization,
            )?,
            publish: input.publish,
            publish_at: input.publish_at,
            idempotency_key: input.idempotency_key,
        })
    }
}

impl TryFrom<UpdateArticleInput> for service::ArticleChanges {
    type Error = AppError;

    fn try_from(input: UpdateArticleInput) -> Result<Self, AppError> {
        let organization_id = match input.organization_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => Some(Some(ids::decode_as(&id, NodeKind::Organization)?)),
        };
        Ok(Self {
            kind: input.kind.map(Into::into),
            title: input.title,
            title_reading: input.title_reading.into(),
            slug: input.slug.into(),
            summary: input.summary,
            body: input.body,
            tags: input.tags,
            cover_image_url: input.cover_image_url.into(),
            organization_id,
        })
    }
}

impl TryFrom<ArticleFilter> for service::ArticleFilter {
    type Error = AppError;

    fn try_from(filter: ArticleFilter) -> Result<Self, AppError> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                filter.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            kinds: converted(crate::graphql::with_former_optional(
                filter.kinds,
                filter.kind_deprecated,
            )),
            tag: filter.tag,
            published_from: filter.published_from,
            published_to: filter.published_to,
            statuses: converted(crate::graphql::with_former_optional(
                filter.statuses,
                filter.status_deprecated,
            )),
        })
    }
}

impl From<ArticleOrderBy> for service::ArticleOrder {
    fn from(order: ArticleOrderBy) -> Self {
        match order {
            ArticleOrderBy::Newest => Self::Newest,
            ArticleOrderBy::Oldest => Self::Oldest,
        }
    }
}

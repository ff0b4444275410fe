//! GraphQL objects of the content domain, built from the database models.

use async_graphql::{
    ComplexObject, Context, Enum, ID, Result, SimpleObject, dataloader::DataLoader,
};
use chrono::{DateTime, Utc};
use entity::article;
use uuid::Uuid;

use super::{markdown, service};
use crate::graphql::ids::NodeKind;
use crate::{
    connection,
    domains::identity::{
        loaders::{IdentityLoader, UserId, municipality, organization},
        types::{Municipality, Organization},
    },
    graphql::ids,
};

connection!(Article, ArticleConnection, ArticleEdge);

use crate::enum_mirror as mirror;

/// What kind of article it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ArticleKind {
    /// News of the municipality (お知らせ).
    News,
    /// A guide for people thinking of moving in (移住ガイド).
    RelocationGuide,
    /// A resident's story of moving in and living here (移住者の声).
    ResidentStory,
    /// A story of work and career in town (しごと・キャリアの声).
    CareerStory,
}

mirror!(
    ArticleKind,
    article::ArticleKind,
    [News, RelocationGuide, ResidentStory, CareerStory]
);

/// Where an article stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ArticleStatus {
    /// Being written; seen only by the municipality's administrators (下書き).
    Draft,
    /// Published: public from its publish time on; until then it is scheduled (公開).
    Published,
    /// Taken off the public site but kept (アーカイブ).
    Archived,
}

mirror!(
    ArticleStatus,
    article::ArticleStatus,
    [Draft, Published, Archived]
);

/// Who wrote an article, as shown to readers. An account's email is never shown.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct ArticleAuthor {
    /// Display name of the writer, e.g. 真鶴 花子.
    pub display_name: String,
    #[graphql(skip)]
    pub organization_id: Option<Uuid>,
}

#[ComplexObject]
impl ArticleAuthor {
    /// The organization the article is published under, if any (e.g. 真鶴町役場 企画調整課).
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(id) = self.organization_id else {
            return Ok(None);
        };
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(organization(loader, id).await?.map(Organization::from))
    }
}

/// A news item, relocation guide or resident's story of a municipality. Public once
/// published and its publish time has come; the municipality's administrators see drafts,
/// scheduled and archived articles too.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct Article {
    #[graphql(skip)]
    pub uuid: Uuid,
    #[graphql(skip)]
    pub municipality_id: Uuid,
    #[graphql(skip)]
    pub author_id: Uuid,
    #[graphql(skip)]
    pub organization_id: Option<Uuid>,
    /// What kind of article it is.
    pub kind: ArticleKind,
    /// Readable address within the municipality, e.g. `manazuru-life-guide`; null if none.
    pub slug: Option<String>,
    /// Title.
    pub title: String,
    /// Reading of the title in katakana (フリガナ), if given.
    pub title_reading: Option<String>,
    /// Short summary for lists and previews (plain text).
    pub summary: String,
    /// The body as written, in Markdown.
    pub body: String,
    /// Tags, e.g. 移住, 子育て.
    pub tags: Vec<String>,
    /// Address of the cover image (http or https).
    pub cover_image_url: Option<String>,
    /// Where it stands.
    pub status: ArticleStatus,
    /// When it is (or was) public from; null for drafts. In the future while scheduled.
    pub publish_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Article {
    /// Whether it is public at `now` ([`service::is_live`]).
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        service::is_live(self.status.into(), self.publish_at, now)
    }
}

#[ComplexObject]
impl Article {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Article, self.uuid)
    }

    /// The body rendered as HTML, safe to insert into a page: raw HTML in the source is
    /// shown as text and links keep only http, https, mailto or relative addresses.
    async fn body_html(&self) -> String {
        markdown::to_html(&self.body)
    }

    /// Whether it is public right now (published and its publish time has come).
    async fn is_public(&self) -> bool {
        self.is_live(service::now())
    }

    /// Whether it is published with a publish time still to come.
    async fn is_scheduled(&self) -> bool {
        self.status == ArticleStatus::Published
            && self.publish_at.is_some_and(|at| at > service::now())
    }

    /// Who wrote it: display name and organization, never an email.
    async fn author(&self, ctx: &Context<'_>) -> Result<ArticleAuthor> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        let display_name = loader
            .load_one(UserId(self.author_id))
            .await?
            .map(|user| user.display_name)
            .unwrap_or_default();
        Ok(ArticleAuthor {
            display_name,
            organization_id: self.organization_id,
        })
    }

    /// The municipality that published it.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Municipality> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        crate::graphql::present(
            municipality(loader, self.municipality_id)
                .await?
                .map(Municipality::from),
            "municipality",
        )
    }
}

impl From<article::Model> for Article {
    fn from(model: article::Model) -> Self {
        Self {
            uuid: model.id,
            municipality_id: model.municipality_id,
            author_id: model.author_id,
            organization_id: model.organization_id,
            kind: model.kind.into(),
            slug: model.slug,
            title: model.title,
            title_reading: model.title_reading,
            summary: model.summary,
            body: model.body,
            tags: service::split_tags(&model.tags),
            cover_image_url: model.cover_image_url,
            status: model.status.into(),
            publish_at: model.publish_at,
            created_at: model.created_at,
            updated_at: model.updated_at,
        }
    }
}

//! GraphQL entry points of the content domain: adapters of a few lines over the service.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result, ResultExt};

use super::{
    inputs::{
        ArchiveArticleInput, ArchiveArticlePayload, ArticleFilter, ArticleOrderBy,
        CreateArticleInput, CreateArticlePayload, DeleteArticleInput, DeleteArticlePayload,
        PublishArticleInput, PublishArticlePayload, UnpublishArticleInput, UnpublishArticlePayload,
        UpdateArticleInput, UpdateArticlePayload,
    },
    service,
    types::{Article, ArticleConnection},
};
use crate::graphql::guard::RoleGuard;
use crate::graphql::ids::NodeKind;
use crate::{
    auth::ADMINS,
    error::AppError,
    graphql::{connection::page_cost, context, ids, payload::split},
};

/// Queries of the content domain.
#[derive(Default)]
pub struct ContentQuery;

#[Object]
impl ContentQuery {
    /// Articles you can see, newest first: public ones (published, publish time come) for
    /// everyone; drafts, scheduled and archived ones also for the municipality's
    /// administrators.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which articles.", default)] filter: ArticleFilter,
        #[graphql(desc = "Order of the list.", default)] order_by: ArticleOrderBy,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<ArticleConnection> {
        let (state, viewer) = context(ctx)?;
        let filter = service::ArticleFilter::try_from(filter).extend()?;
        let order = order_by.into();
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(
            service::list_articles(state.into(), viewer, filter, order, page)
                .await
                .extend()?
                .into_connection(),
        )
    }

    /// One article by global id, or by municipality and slug; null if it does not exist
    /// or is not visible to you.
    async fn article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the article.")] id: Option<ID>,
        #[graphql(desc = "Global id of the municipality (with `slug`).")] municipality_id: Option<
            ID,
        >,
        #[graphql(desc = "Slug of the article in that municipality.")] slug: Option<String>,
    ) -> Result<Option<Article>> {
        let (state, viewer) = context(ctx)?;
        let found = match (id, municipality_id, slug) {
            (Some(id), None, None) => {
                let id = ids::decode_as(&id, NodeKind::Article).extend()?;
                service::find_article(state.into(), viewer, id).await
            }
            (None, Some(municipality_id), Some(slug)) => {
                let municipality_id =
                    ids::decode_as(&municipality_id, NodeKind::Municipality).extend()?;
                service::find_by_slug(state.into(), viewer, municipality_id, &slug).await
            }
            _ => {
                return Err(AppError::BadUserInput(
                    "give either `id`, or `municipalityId` and `slug`".into(),
                )
                .extend());
            }
        };
        match found {
            Ok(article) => Ok(Some(article.into())),
            Err(AppError::NotFound) => Ok(None),
            Err(error) => Err(error.extend()),
        }
    }
}

/// Mutations of the content domain.
#[derive(Default)]
pub struct ContentMutation;

#[Object]
impl ContentMutation {
    /// Write an article in a municipality you administer, as a draft or published (now or
    /// scheduled).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn create_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new article.")] input: CreateArticleInput,
    ) -> Result<CreateArticlePayload> {
        let (state, viewer) = context(ctx)?;
        let new_article = service::NewArticle::try_from(input).extend()?;
        let outcome = service::create_article(&state.db, viewer, new_article)
            .await
            .extend()?;
        let (article, user_errors) = split(outcome);
        Ok(CreateArticlePayload {
            article,
            user_errors,
        })
    }

    /// Change an article of a municipality you administer.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn update_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to change.")] input: UpdateArticleInput,
    ) -> Result<UpdateArticlePayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::Article).extend()?;
        let changes = service::ArticleChanges::try_from(input).extend()?;
        let outcome = service::update_article(&state.db, viewer, id, changes)
            .await
            .extend()?;
        let (article, user_errors) = split(outcome);
        Ok(UpdateArticlePayload {
            article,
            user_errors,
        })
    }

    /// Publish an article now or at a given time (scheduled: public only from then), or
    /// move the publish time of a published one.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn publish_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article and when.")] input: PublishArticleInput,
    ) -> Result<PublishArticlePayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::Article).extend()?;
        let outcome = service::publish_article(&state.db, viewer, id, input.publish_at)
            .await
            .extend()?;
        let (article, user_errors) = split(outcome);
        Ok(PublishArticlePayload {
            article,
            user_errors,
        })
    }

    /// Take a published or archived article back to draft.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn unpublish_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article.")] input: UnpublishArticleInput,
    ) -> Result<UnpublishArticlePayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::Article).extend()?;
        let outcome = service::unpublish_article(&state.db, viewer, id)
            .await
            .extend()?;
        let (article, user_errors) = split(outcome);
        Ok(UnpublishArticlePayload {
            article,
            user_errors,
        })
    }

    /// Take a published article off the public site, keeping it.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn archive_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article.")] input: ArchiveArticleInput,
    ) -> Result<ArchiveArticlePayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::Article).extend()?;
        let outcome = service::archive_article(&state.db, viewer, id)
            .await
            .extend()?;
        let (article, user_errors) = split(outcome);
        Ok(ArchiveArticlePayload {
            article,
            user_errors,
        })
    }

    /// Delete an article of a municipality you administer for good.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn delete_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article.")] input: DeleteArticleInput,
    ) -> Result<DeleteArticlePayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::Article).extend()?;
        let outcome = service::delete_article(&state.db, viewer, id)
            .await
            .extend()?;
        let (deleted, user_errors) = match outcome {
            Ok(id) => (Some(ids::encode(NodeKind::Article, id)), Vec::new()),
            Err(errors) => (None, errors.into_iter().map(Into::into).collect()),
        };
        Ok(DeleteArticlePayload {
            deleted_article_id: deleted,
            user_errors,
        })
    }
}

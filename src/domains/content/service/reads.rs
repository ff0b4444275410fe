//! Reading articles: one by id or slug, and lists, each as the viewer may see them.

use entity::article::{self};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    error::{AppError, AppResult},
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
    state::ServiceContext,
    text::{self},
};

use super::{
    ArticleFilter, ArticleOrder, can_see, find_visible, now, validation::check_tag, visibility,
};

/// An article the viewer may see.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn find_article(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<article::Model> {
    find_visible(ctx.db, viewer, id).await
}

/// The article with `slug` in a municipality, if the viewer may see it.
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id))]
pub async fn find_by_slug(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    municipality_id: Uuid,
    slug: &str,
) -> AppResult<article::Model> {
    let slug = text::normalize(slug).to_lowercase();
    let found = article::Entity::find()
        .filter(article::Column::MunicipalityId.eq(municipality_id))
        .filter(article::Column::Slug.eq(slug))
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if can_see(viewer, &found, now()) {
        Ok(found)
    } else {
        Err(AppError::NotFound)
    }
}

/// Articles the viewer may see.
#[tracing::instrument(skip_all)]
pub async fn list_articles(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    filter: ArticleFilter,
    order: ArticleOrder,
    page: PageArgs,
) -> AppResult<Page<article::Model>> {
    use article::Column;
    let mut select = article::Entity::find().filter(visibility(viewer, now()));
    if let Some(id) = filter.municipality_id {
        select = select.filter(Column::MunicipalityId.eq(id));
    }
    if !filter.kinds.is_empty() {
        select = select.filter(Column::Kind.is_in(filter.kinds));
    }
    if !filter.statuses.is_empty() {
        select = select.filter(Column::Status.is_in(filter.statuses));
    }
    if let Some(tag) = filter.tag {
        // A tag that could not be stored matches nothing.
        match check_tag("tag", &tag) {
            Ok(tag) => select = select.filter(Column::Tags.like(format!("%,{tag},%"))),
            Err(_) => select = select.filter(Column::Id.is_null()),
        }
    }
    if let Some(from) = filter.published_from {
        select = select.filter(Column::PublishAt.gte(from));
    }
    if let Some(to) = filter.published_to {
        select = select.filter(Column::PublishAt.lt(to));
    }
    let ordering = Ordering::<article::Entity> {
        column: Some(Column::SortAt),
        id: Column::Id,
        descending: order == ArticleOrder::Newest,
        key: |row| (Some(SortValue::Time(row.sort_at)), row.id),
    };
    paginate(ctx.db, select, &ordering, page, ctx.limits.max_page_size).await
}

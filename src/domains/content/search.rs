//! Search documents of articles: public by the domain's one rule, [`is_live`].

use entity::article;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::{
    markdown,
    service::{is_live, kind_label, split_tags},
};
use crate::{
    db::now,
    search::{index::SearchDocument, sources::ARTICLE},
};

/// The articles of `ids` as they are now (one statement), public or not.
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<article::Model>, DbErr> {
    article::Entity::find()
        .filter(article::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// The document of article `id`, or `None` when it is gone or not public.
pub async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<SearchDocument>, DbErr> {
    Ok(article::Entity::find_by_id(id)
        .one(db)
        .await?
        .and_then(search_document))
}

/// Number of articles, public or not.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    article::Entity::find().count(db).await
}

/// Page `page` of articles in batches of `batch`, by id: the documents of the public ones
/// and the number of rows read.
pub async fn page(
    db: &impl ConnectionTrait,
    page: u64,
    batch: u64,
) -> Result<(Vec<SearchDocument>, u64), DbErr> {
    let rows = article::Entity::find()
        .order_by_asc(article::Column::Id)
        .paginate(db, batch)
        .fetch_page(page)
        .await?;
    let read = rows.len() as u64;
    Ok((rows.into_iter().filter_map(search_document).collect(), read))
}

/// The search document of `article`, or `None` while it is not public. Its time is
/// checked here too: a scheduled article is released by [`release_scheduled`] when it comes.
pub fn search_document(article: article::Model) -> Option<SearchDocument> {
    if !is_live(article.status, article.publish_at, now()) {
        return None;
    }
    let mut tags = split_tags(&article.tags);
    tags.push(kind_label(article.kind).into());
    Some(SearchDocument {
        kind: ARTICLE.into(),
        id: article.id,
        municipality_id: article.municipality_id,
        kana: SearchDocument::readings([article.title_reading.as_deref()]),
        title: article.title,
        tags,
        body: [article.summary, markdown::to_plain_text(&article.body)].join("\n"),
        ..Default::default()
    })
}

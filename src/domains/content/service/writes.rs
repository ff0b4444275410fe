//! Changing articles: creating, editing, publishing, archiving and deleting them, and
//! releasing scheduled ones to search once their time has come.

use chrono::{DateTime, SubsecRound, Utc};
use entity::{
    article::{self, ArticleKind, ArticleStatus},
    municipality,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use serde::Serialize;
use uuid::Uuid;

use super::super::states::{self, ArticleStep};
use crate::{
    auth::{ADMINS, Viewer},
    db,
    error::{AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    idempotency::{self, KeyScope},
    search::{outbox, sources},
    text::{self, long_text},
};

use super::{
    ArticleChanges, MAX_SUMMARY, MAX_TITLE, NewArticle, RELEASE_BATCH, find_visible, join_tags,
    live_condition, now, released_at,
    validation::{
        check_body, check_cover_url, check_organization, check_slug, check_slug_free, check_tags,
        default_organization,
    },
};

/// Creates an article (administrators of its municipality), as a draft or published.
#[tracing::instrument(skip_all)]
pub async fn create_article(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewArticle,
) -> AppResult<Outcome<article::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let Some(municipality_id) = input.municipality_id.or(me.municipality_id) else {
        return Ok(Err(vec![FieldError::input(
            "municipalityId",
            FieldErrorCode::Required,
            "自治体を指定してください。",
        )]));
    };
    viewer.require_admin_of(municipality_id)?;
    if municipality::Entity::find_by_id(municipality_id)
        .one(db)
        .await?
        .is_none()
    {
        return Ok(Err(vec![FieldError::input(
            "municipalityId",
            FieldErrorCode::NotFound,
            "指定された自治体が見つかりません。",
        )]));
    }
    let mut problems = Problems::new();
    let title = problems.check(text::required("title", &input.title, MAX_TITLE));
    let title_reading = problems.check(text::optional_reading(
        "titleReading",
        input.title_reading.as_deref(),
    ));
    let summary = problems.check(long_text("summary", &input.summary, MAX_SUMMARY));
    let body = problems.check(check_body(&input.body));
    let slug = problems.check(input.slug.as_deref().map(check_slug).transpose());
    let tags = problems.check(check_tags(&input.tags));
    let cover = problems.check(
        input
            .cover_image_url
            .as_deref()
            .map(check_cover_url)
            .transpose(),
    );
    let (
        Some(title),
        Some(title_reading),
        Some(summary),
        Some(body),
        Some(slug),
        Some(tags),
        Some(cover),
        true,
    ) = (
        title,
        title_reading,
        summary,
        body,
        slug,
        tags,
        cover,
        problems.is_empty(),
    )
    else {
        return Ok(Err(problems.into_vec()));
    };
    let cover = cover.flatten();
    let slug = slug.flatten();
    let publish_at = input
        .publish
        .then(|| input.publish_at.map_or_else(now, |at| at.trunc_subsecs(6)));

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        municipality_id: Uuid,
        kind: String,
        title: &'a str,
        title_reading: Option<&'a str>,
        slug: Option<&'a str>,
        summary: &'a str,
        body: &'a str,
        tags: &'a [String],
        cover_image_url: Option<&'a str>,
        organization_id: Option<Uuid>,
        publish: bool,
        publish_at: Option<DateTime<Utc>>,
    }
    let fingerprint = Fingerprint {
        municipality_id,
        kind: input.kind.to_value(),
        title: &title,
        title_reading: title_reading.as_deref(),
        slug: slug.as_deref(),
        summary: &summary,
        body: &body,
        tags: &tags,
        cover_image_url: cover.as_deref(),
        organization_id: input.organization_id,
        publish: input.publish,
        // The publish time defaults to now: only a given one is part of the request.
        publish_at: input.publish_at,
    };
    let created = idempotency::run_once(
        db,
        &KeyScope::user(me.id, "createArticle"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let mut problems = Problems::new();
            if let Some(slug) = &slug {
                check_slug_free(txn, &mut problems, municipality_id, slug, None).await?;
            }
            let organization_id = match input.organization_id {
                Some(id) => check_organization(txn, &mut problems, municipality_id, id).await?,
                None => default_organization(txn, &me, municipality_id).await?,
            };
            if let Err(errors) = problems.finish() {
                return Ok(Err(errors));
            }
            let now = now();
            let status = if input.publish {
                ArticleStatus::Published
            } else {
                ArticleStatus::Draft
            };
            let created = article::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(municipality_id),
                kind: Set(input.kind),
                slug: Set(slug.clone()),
                title: Set(title.clone()),
                title_reading: Set(title_reading.clone()),
                summary: Set(summary.clone()),
                body: Set(body.clone()),
                tags: Set(join_tags(&tags)),
                cover_image_url: Set(cover.clone()),
                author_id: Set(me.id),
                organization_id: Set(organization_id),
                status: Set(status),
                publish_at: Set(publish_at),
                sort_at: Set(publish_at.unwrap_or(now)),
                search_released_at: Set(released_at(status, publish_at, now)),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
            outbox::enqueue(txn, sources::ARTICLE, created.id, municipality_id).await?;
            Ok(Ok(created.id))
        },
    )
    .await?;
    idempotency::load_created::<article::Entity>(db, created).await
}

/// Changes the texts, kind, slug, tags, cover or organization of an article
/// (administrators of its municipality). The status changes only through its own steps.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update_article(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    changes: ArticleChanges,
) -> AppResult<Outcome<article::Model>> {
    let (txn, found) = open_for_change(db, viewer, id).await?;
    let mut problems = Problems::new();
    let mut model = found.clone().into_active_model();
    if let Some(kind) = changes.kind {
        model.kind = Set(kind);
    }
    if let Some(title) = &changes.title
        && let Some(title) = problems.check(text::required("title", title, MAX_TITLE))
    {
        model.title = Set(title);
    }
    if let Some(reading) = &changes.title_reading
        && let Some(reading) =
            problems.check(text::optional_reading("titleReading", reading.as_deref()))
    {
        model.title_reading = Set(reading);
    }
    if let Some(summary) = &changes.summary
        && let Some(summary) = problems.check(long_text("summary", summary, MAX_SUMMARY))
    {
        model.summary = Set(summary);
    }
    if let Some(body) = &changes.body
        && let Some(body) = problems.check(check_body(body))
    {
        model.body = Set(body);
    }
    if let Some(tags) = &changes.tags
        && let Some(tags) = problems.check(check_tags(tags))
    {
        model.tags = Set(join_tags(&tags));
    }
    if let Some(cover) = &changes.cover_image_url
        && let Some(cover) = problems.check(cover.as_deref().map(check_cover_url).transpose())
    {
        model.cover_image_url = Set(cover.flatten());
    }
    if let Some(slug) = &changes.slug
        && let Some(slug) = problems.check(slug.as_deref().map(check_slug).transpose())
    {
        let slug = slug.flatten();
        if let Some(slug) = &slug {
            check_slug_free(
                &txn,
                &mut problems,
                found.municipality_id,
                slug,
                Some(found.id),
            )
            .await?;
        }
        model.slug = Set(slug);
    }
    if let Some(organization_id) = changes.organization_id {
        let organization_id = match organization_id {
            Some(id) => check_organization(&txn, &mut problems, found.municipality_id, id).await?,
            None => None,
        };
        model.organization_id = Set(organization_id);
    }
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }
    if !model.is_changed() {
        return Ok(Ok(found));
    }
    model.updated_at = Set(now());
    let updated = model.update(&txn).await?;
    outbox::enqueue(&txn, sources::ARTICLE, updated.id, updated.municipality_id).await?;
    txn.commit().await?;
    Ok(Ok(updated))
}

/// Publishes an article now or at `publish_at` (scheduled), or moves the publish time of
/// a published one.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn publish_article(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    publish_at: Option<DateTime<Utc>>,
) -> AppResult<Outcome<article::Model>> {
    step(db, viewer, id, ArticleStep::Publish, publish_at).await
}

/// Takes an article back to draft.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn unpublish_article(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Outcome<article::Model>> {
    step(db, viewer, id, ArticleStep::Unpublish, None).await
}

/// Takes a published article off the public site, keeping it.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn archive_article(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Outcome<article::Model>> {
    step(db, viewer, id, ArticleStep::Archive, None).await
}

/// Deletes an article for good (administrators of its municipality); returns its id.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn delete_article(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Outcome<Uuid>> {
    let (txn, found) = open_for_change(db, viewer, id).await?;
    article::Entity::delete_by_id(found.id).exec(&txn).await?;
    outbox::enqueue(&txn, sources::ARTICLE, found.id, found.municipality_id).await?;
    txn.commit().await?;
    Ok(Ok(found.id))
}

/// A write transaction on article `id`, with the article, for a change by an administrator
/// of its municipality.
pub(super) async fn open_for_change(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(sea_orm::DatabaseTransaction, article::Model)> {
    viewer.require_role(ADMINS)?;
    let txn = db::begin_write(db).await?;
    let found = find_visible(&txn, viewer, id).await?;
    viewer.require_admin_of(found.municipality_id)?;
    Ok((txn, found))
}

pub(super) async fn step(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    step: ArticleStep,
    publish_at: Option<DateTime<Utc>>,
) -> AppResult<Outcome<article::Model>> {
    let (txn, found) = open_for_change(db, viewer, id).await?;
    let to = match states::check("id", found.status, step) {
        Ok(to) => to,
        Err(error) => return Ok(Err(vec![error])),
    };
    let now = now();
    // Publishing what is already public needs a new publish time to mean anything.
    if step == ArticleStep::Publish
        && found.status == ArticleStatus::Published
        && publish_at.is_none()
    {
        return Ok(Err(vec![FieldError::input(
            "publishAt",
            FieldErrorCode::InvalidState,
            "この記事は既に公開されています。公開日時を変えるときは publishAt を指定してください。",
        )]));
    }
    let mut model = found.clone().into_active_model();
    let new_publish_at = match step {
        ArticleStep::Publish => Some(publish_at.map_or(now, |at| at.trunc_subsecs(6))),
        ArticleStep::Archive => found.publish_at,
        ArticleStep::Unpublish => None,
    };
    model.status = Set(to);
    model.publish_at = Set(new_publish_at);
    model.sort_at = Set(new_publish_at.unwrap_or(found.created_at));
    model.search_released_at = Set(released_at(to, new_publish_at, now));
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    outbox::enqueue(&txn, sources::ARTICLE, updated.id, updated.municipality_id).await?;
    txn.commit().await?;
    Ok(Ok(updated))
}

/// Tells the search index about scheduled articles whose publish time has come; returns
/// how many. Each article is released once, whichever replica gets to it first.
#[tracing::instrument(skip_all)]
pub async fn release_scheduled(db: &DatabaseConnection) -> AppResult<u64> {
    use article::Column;
    let now = now();
    let due: Vec<(Uuid, Uuid)> = article::Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::MunicipalityId)
        .filter(live_condition(now))
        .filter(Column::SearchReleasedAt.is_null())
        .order_by_asc(Column::PublishAt)
        .limit(RELEASE_BATCH)
        .into_tuple()
        .all(db)
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let txn = db::begin_write(db).await?;
    let mut released = 0;
    for (id, municipality_id) in due {
        // Only the replica whose update finds the row unreleased enqueues it.
        let result = article::Entity::update_many()
            .col_expr(Column::SearchReleasedAt, Expr::value(now))
            .filter(Column::Id.eq(id))
            .filter(Column::SearchReleasedAt.is_null())
            .filter(live_condition(now))
            .exec(&txn)
            .await?;
        if result.rows_affected == 1 {
            outbox::enqueue(&txn, sources::ARTICLE, id, municipality_id).await?;
            released += 1;
        }
    }
    txn.commit().await?;
    Ok(released)
}

/// Japanese name of a kind, as readers see it (and search for it).
pub fn kind_label(kind: ArticleKind) -> &'static str {
    match kind {
        ArticleKind::News => "お知らせ",
        ArticleKind::RelocationGuide => "移住ガイド",
        ArticleKind::ResidentStory => "移住者の声",
        ArticleKind::CareerStory => "しごと・キャリアの声",
    }
}

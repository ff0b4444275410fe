//! Rules of the content domain: who sees which article, who may change it, validation, and
//! keeping the search index told. Knows nothing of GraphQL; the demo seed calls it too.
//!
//! Visibility, in one place: an article is public when it is published and its publish
//! time has come (a published article with a future publish time is scheduled, and public
//! only from then). The administrators of its municipality see it in every status. Records
//! a viewer cannot see answer `NOT_FOUND`; visible records the viewer may not change answer
//! `FORBIDDEN`; a wrong status is an `INVALID_STATE` user error.
//!
//! Every change writes a search outbox row in its transaction; the index reloads the
//! article and keeps it only while it is public. A scheduled article is released to the
//! index by [`release_scheduled`] once its time has come, with the state kept in the
//! article row so that several replicas release it once.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use entity::{
    article::{self, ArticleKind, ArticleStatus},
    municipality, organization,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use serde::Serialize;
use uuid::Uuid;

use super::states::{self, ArticleStep};
use crate::{
    auth::{ADMINS, AuthUser, Role, Viewer},
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    idempotency::{self, KeyScope},
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
    search::{outbox, sources},
    state::AppState,
    text::{self, long_text},
};

/// Now, at the precision both databases keep (see [`db::now`]).
pub use crate::db::now;

/// Longest title.
pub const MAX_TITLE: usize = 200;
/// Longest summary.
pub const MAX_SUMMARY: usize = 1000;
/// Longest Markdown body.
pub const MAX_BODY: usize = 50_000;
/// Most tags of one article.
pub const MAX_TAGS: usize = 10;
/// Longest tag.
pub const MAX_TAG: usize = 30;
/// Longest slug.
pub const MAX_SLUG: usize = 100;
/// Longest cover image address.
pub const MAX_URL: usize = 2000;
/// How often scheduled articles whose time has come are released to the search index.
pub const RELEASE_EVERY: Duration = Duration::from_secs(5);
/// Articles released per round.
const RELEASE_BATCH: u64 = 200;

/// A new article.
#[derive(Debug, Clone)]
pub struct NewArticle {
    /// Municipality; `None` means the administrator's own.
    pub municipality_id: Option<Uuid>,
    /// Kind.
    pub kind: ArticleKind,
    /// Title.
    pub title: String,
    /// Readable address within the municipality, if any.
    pub slug: Option<String>,
    /// Summary.
    pub summary: String,
    /// Markdown body.
    pub body: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Cover image address.
    pub cover_image_url: Option<String>,
    /// Organization shown with the author; `None` means the author's own, if any.
    pub organization_id: Option<Uuid>,
    /// Publish at once (or at `publish_at`); else a draft.
    pub publish: bool,
    /// When it becomes public, if published; now when absent.
    pub publish_at: Option<DateTime<Utc>>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Changes to an article; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ArticleChanges {
    /// New kind.
    pub kind: Option<ArticleKind>,
    /// New title.
    pub title: Option<String>,
    /// New slug; `Some(None)` removes it.
    pub slug: Option<Option<String>>,
    /// New summary.
    pub summary: Option<String>,
    /// New body.
    pub body: Option<String>,
    /// New tags (replace the old ones).
    pub tags: Option<Vec<String>>,
    /// New cover image; `Some(None)` removes it.
    pub cover_image_url: Option<Option<String>>,
    /// New organization; `Some(None)` removes it.
    pub organization_id: Option<Option<Uuid>>,
}

/// Filter of the article list.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// Only this municipality.
    pub municipality_id: Option<Uuid>,
    /// Only these kinds (any when empty).
    pub kinds: Vec<ArticleKind>,
    /// Only articles with this tag.
    pub tag: Option<String>,
    /// Only articles public from this time on or later.
    pub published_from: Option<DateTime<Utc>>,
    /// Only articles public from before this time.
    pub published_to: Option<DateTime<Utc>>,
    /// Only these statuses (any visible when empty).
    pub statuses: Vec<ArticleStatus>,
}

/// Order of the article list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ArticleOrder {
    /// Newest publish time first (drafts by creation time).
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
}

// ---------------------------------------------------------------------------------------
// Visibility

/// Whether an article in `status` with `publish_at` is public at `now`: published and its
/// publish time has come. The one rule for lists, reads, search and the index.
pub fn is_live(
    status: ArticleStatus,
    publish_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    status == ArticleStatus::Published && publish_at.is_some_and(|at| at <= now)
}

/// Whether the viewer may see `article` at `now`.
pub fn can_see(viewer: &Viewer, article: &article::Model, now: DateTime<Utc>) -> bool {
    is_live(article.status, article.publish_at, now)
        || viewer
            .user
            .as_ref()
            .is_some_and(|me| me.administers(article.municipality_id))
}

fn live_condition(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(article::Column::Status.eq(ArticleStatus::Published))
        .add(article::Column::PublishAt.lte(now))
}

/// The SQL form of [`can_see`].
fn visibility(viewer: &Viewer, now: DateTime<Utc>) -> Condition {
    let live = live_condition(now);
    match &viewer.user {
        Some(me) if me.role == Role::PlatformAdmin => Condition::all(),
        Some(me) if me.role == Role::MunicipalAdmin => match me.municipality_id {
            Some(own) => Condition::any()
                .add(live)
                .add(article::Column::MunicipalityId.eq(own)),
            None => live,
        },
        _ => live,
    }
}

// ---------------------------------------------------------------------------------------
// Reads

/// An article the viewer may see.
pub async fn find_article(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<article::Model> {
    find_visible(&state.db, viewer, id).await
}

/// The article with `slug` in a municipality, if the viewer may see it.
pub async fn find_by_slug(
    state: &AppState,
    viewer: &Viewer,
    municipality_id: Uuid,
    slug: &str,
) -> AppResult<article::Model> {
    let slug = text::normalize(slug).to_lowercase();
    let found = article::Entity::find()
        .filter(article::Column::MunicipalityId.eq(municipality_id))
        .filter(article::Column::Slug.eq(slug))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if can_see(viewer, &found, now()) {
        Ok(found)
    } else {
        Err(AppError::NotFound)
    }
}

/// Articles the viewer may see.
pub async fn list_articles(
    state: &AppState,
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
    paginate(
        &state.db,
        select,
        &ordering,
        page,
        state.limits.max_page_size,
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Writes

/// Creates an article (administrators of its municipality), as a draft or published.
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
    let (Some(title), Some(summary), Some(body), Some(slug), Some(tags), Some(cover), true) =
        (title, summary, body, slug, tags, cover, problems.is_empty())
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
pub async fn publish_article(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    publish_at: Option<DateTime<Utc>>,
) -> AppResult<Outcome<article::Model>> {
    step(db, viewer, id, ArticleStep::Publish, publish_at).await
}

/// Takes an article back to draft.
pub async fn unpublish_article(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Outcome<article::Model>> {
    step(db, viewer, id, ArticleStep::Unpublish, None).await
}

/// Takes a published article off the public site, keeping it.
pub async fn archive_article(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Outcome<article::Model>> {
    step(db, viewer, id, ArticleStep::Archive, None).await
}

/// Deletes an article for good (administrators of its municipality); returns its id.
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
async fn open_for_change(
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

async fn step(
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

// ---------------------------------------------------------------------------------------
// Validation

/// A Markdown body: several lines, at most [`MAX_BODY`] characters.
fn check_body(body: &str) -> Result<String, FieldError> {
    long_text("body", body, MAX_BODY)
}

/// A slug: lowercase letters, digits and hyphens, not at either end.
pub fn check_slug(slug: &str) -> Result<Option<String>, FieldError> {
    let slug = text::normalize(slug).to_lowercase();
    if slug.is_empty() {
        return Ok(None);
    }
    if slug.chars().count() > MAX_SLUG {
        return Err(FieldError::input(
            "slug",
            FieldErrorCode::TooLong,
            format!("{MAX_SLUG}文字以内で入力してください。"),
        ));
    }
    let allowed = slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !allowed || slug.starts_with('-') || slug.ends_with('-') {
        return Err(FieldError::input(
            "slug",
            FieldErrorCode::Invalid,
            "スラッグは半角英小文字・数字・ハイフンで入力してください（先頭と末尾にハイフンは使えません）。",
        ));
    }
    Ok(Some(slug))
}

fn check_tag(field: &str, tag: &str) -> Result<String, FieldError> {
    let tag = text::required(field, tag, MAX_TAG)?;
    if tag.contains([',', '%', '_', '\\']) {
        return Err(FieldError::input(
            field,
            FieldErrorCode::Invalid,
            "タグに「,」「%」「_」「\\」は使えません。",
        ));
    }
    Ok(tag)
}

/// Tags: each a short line, duplicates dropped, at most [`MAX_TAGS`].
fn check_tags(tags: &[String]) -> Result<Vec<String>, FieldError> {
    let mut checked: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = check_tag("tags", tag)?;
        if !checked.contains(&tag) {
            checked.push(tag);
        }
    }
    if checked.len() > MAX_TAGS {
        return Err(FieldError::input(
            "tags",
            FieldErrorCode::TooLong,
            format!("タグは{MAX_TAGS}個までです。"),
        ));
    }
    Ok(checked)
}

/// A cover image address: an absolute `http` or `https` URL with a host.
fn check_cover_url(url: &str) -> Result<Option<String>, FieldError> {
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let invalid = || {
        FieldError::input(
            "coverImageUrl",
            FieldErrorCode::Invalid,
            "画像のURLは http:// または https:// で始まる正しいURLを入力してください。",
        )
    };
    if trimmed.len() > MAX_URL {
        return Err(FieldError::input(
            "coverImageUrl",
            FieldErrorCode::TooLong,
            format!("{MAX_URL}文字以内で入力してください。"),
        ));
    }
    let parsed = url::Url::parse(trimmed).map_err(|_| invalid())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid());
    }
    Ok(Some(parsed.to_string()))
}

async fn check_slug_free(
    db: &impl ConnectionTrait,
    problems: &mut Problems,
    municipality_id: Uuid,
    slug: &str,
    except: Option<Uuid>,
) -> AppResult<()> {
    let mut query = article::Entity::find()
        .filter(article::Column::MunicipalityId.eq(municipality_id))
        .filter(article::Column::Slug.eq(slug));
    if let Some(id) = except {
        query = query.filter(article::Column::Id.ne(id));
    }
    if query.one(db).await?.is_some() {
        problems.push(FieldError::input(
            "slug",
            FieldErrorCode::Taken,
            "このスラッグはこの自治体の別の記事で使われています。",
        ));
    }
    Ok(())
}

/// `id` if it is an organization of the municipality, else a `NOT_FOUND` problem.
async fn check_organization(
    db: &impl ConnectionTrait,
    problems: &mut Problems,
    municipality_id: Uuid,
    id: Uuid,
) -> AppResult<Option<Uuid>> {
    let found = organization::Entity::find_by_id(id).one(db).await?;
    if found.is_some_and(|o| o.municipality_id == municipality_id) {
        Ok(Some(id))
    } else {
        problems.push(FieldError::input(
            "organizationId",
            FieldErrorCode::NotFound,
            "この自治体の団体が見つかりません。",
        ));
        Ok(None)
    }
}

/// The author's own organization, when it belongs to the municipality.
async fn default_organization(
    db: &impl ConnectionTrait,
    me: &AuthUser,
    municipality_id: Uuid,
) -> AppResult<Option<Uuid>> {
    let Some(id) = me.organization_id else {
        return Ok(None);
    };
    let found = organization::Entity::find_by_id(id).one(db).await?;
    Ok(found
        .filter(|o| o.municipality_id == municipality_id)
        .map(|o| o.id))
}

// ---------------------------------------------------------------------------------------
// Helpers

/// Tags as stored: `,a,b,` (empty when there are none).
fn join_tags(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!(",{},", tags.join(","))
    }
}

/// Tags as stored, split.
pub fn split_tags(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|tag| !tag.is_empty())
        .map(str::to_owned)
        .collect()
}

/// When the index learns the article is public: now if it is, else not yet.
fn released_at(
    status: ArticleStatus,
    publish_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    is_live(status, publish_at, now).then_some(now)
}

async fn find_visible(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<article::Model> {
    let found = article::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if can_see(viewer, &found, now()) {
        Ok(found)
    } else {
        Err(AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_joined_by_hyphens() {
        assert_eq!(
            check_slug(" Manazuru-Guide-2026 "),
            Ok(Some("manazuru-guide-2026".into()))
        );
        assert_eq!(check_slug(""), Ok(None));
        for bad in ["-start", "end-", "日本語", "with space", "a_b"] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_are_deduplicated_and_bounded() {
        let tags = vec!["移住".to_owned(), "ｲｼﾞｭｳ".to_owned(), "移住".to_owned()];
        assert_eq!(
            check_tags(&tags),
            Ok(vec!["移住".into(), "イジュウ".into()])
        );
        let many: Vec<String> = (0..=MAX_TAGS).map(|i| format!("tag{i}")).collect();
        assert!(check_tags(&many).is_err());
        assert!(check_tags(&["a,b".to_owned()]).is_err());
        assert_eq!(
            split_tags(&join_tags(&["a".into(), "b".into()])),
            vec!["a", "b"]
        );
        assert!(split_tags(&join_tags(&[])).is_empty());
    }

    #[test]
    fn cover_images_need_an_http_address_with_a_host() {
        assert_eq!(
            check_cover_url("https://example.jp/cover.jpg"),
            Ok(Some("https://example.jp/cover.jpg".into()))
        );
        for bad in [
            "javascript:alert(1)",
            "ftp://example.jp/a.jpg",
            "/cover.jpg",
            "https://",
        ] {
            assert!(check_cover_url(bad).is_err(), "{bad}");
        }
    }
}

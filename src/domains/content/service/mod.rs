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

mod reads;
mod validation;
mod writes;

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::article::{self, ArticleKind, ArticleStatus};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::{
    auth::{Role, Viewer},
    error::{AppError, AppResult},
};

pub use self::{reads::*, validation::*, writes::*};

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
    /// Reading of the title (フリガナ), if given.
    pub title_reading: Option<String>,
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
    /// New reading of the title; `Some(None)` removes it.
    pub title_reading: Option<Option<String>>,
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

/// Whether the viewer may see `article` at `now`: a live article anyone; a draft,
/// scheduled or archived one the municipality's administrators and its author (who may
/// have left the administrators since), so reviewers preview it before it is published.
pub fn can_see(viewer: &Viewer, article: &article::Model, now: DateTime<Utc>) -> bool {
    is_live(article.status, article.publish_at, now)
        || viewer
            .user
            .as_ref()
            .is_some_and(|me| me.administers(article.municipality_id) || me.id == article.author_id)
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
                .add(article::Column::MunicipalityId.eq(own))
                .add(article::Column::AuthorId.eq(me.id)),
            None => Condition::any()
                .add(live)
                .add(article::Column::AuthorId.eq(me.id)),
        },
        Some(me) => Condition::any()
            .add(live)
            .add(article::Column::AuthorId.eq(me.id)),
        None => live,
    }
}

// ---------------------------------------------------------------------------------------
// Helpers

/// Tags as stored: `,a,b,` (empty when there are none).
pub(super) fn join_tags(tags: &[String]) -> String {
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
pub(super) fn released_at(
    status: ArticleStatus,
    publish_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    is_live(status, publish_at, now).then_some(now)
}

pub(super) async fn find_visible(
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

//! The kinds of document the index holds, and the trait through which the indexer reads
//! them from the database (the source of truth). Each domain produces the documents of its
//! own public content in its `search.rs`, with its one rule for what is public; the
//! application dispatches a kind to its domain (`app::documents`). Personal data never goes
//! into a document.

use futures_util::future::BoxFuture;
use sea_orm::{DatabaseConnection, DbErr};
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

/// Kind of a published program (seminar, workshop, class, fair) with its next sessions.
pub const PROGRAM: &str = "program";

/// Kind of an outbox row announcing that a municipality's own search synonyms changed (its
/// record id is the municipality): every replica reloads them. Not a kind of document.
pub const SEARCH_SYNONYMS: &str = "search_synonyms";

/// Every kind the index holds.
pub const KINDS: [&str; 5] = [
    LOCAL_ISSUE,
    PARTNER_PROJECT,
    PROGRAM,
    CHILDCARE_RESOURCE,
    ARTICLE,
];

/// What the indexer reads documents through.
pub trait Documents: Send + Sync {
    /// The current document of `kind` `id`, or `None` when it is gone or not public.
    fn load<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        kind: &'a str,
        id: Uuid,
    ) -> BoxFuture<'a, Result<Option<SearchDocument>, DbErr>>;

    /// Number of records of `kind` (public or not), for progress reporting.
    fn count<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        kind: &'a str,
    ) -> BoxFuture<'a, Result<u64, DbErr>>;

    /// Page `page` of the records of `kind` in batches of `batch`, by id: the documents of
    /// the public ones and the number of records read.
    fn page<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        kind: &'a str,
        page: u64,
        batch: u64,
    ) -> BoxFuture<'a, Result<(Vec<SearchDocument>, u64), DbErr>>;
}

//! The Japanese full-text search engine: the analyzer, the index schema, the tantivy index,
//! the query builder and collector, and the indexer that keeps every replica's index in
//! step with the database through the outbox. It knows no domain: the documents come
//! through [`sources::Documents`], and the GraphQL queries over it are in `app::search`.

pub mod analyzer;
pub mod collector;
pub mod index;
pub mod indexer;
pub mod outbox;
pub mod query;
pub mod schema;
pub mod sources;
pub mod spelling;
pub mod synonyms;

//! Japanese full-text search over public content: the analyzer, the tantivy index, the
//! query builder, the outbox that keeps every replica's index in step with the database,
//! and the GraphQL `search` query.

pub mod analyzer;
pub mod collector;
pub mod index;
pub mod outbox;
pub mod query;
pub mod schema;
pub mod service;
pub mod sources;

//! Japanese full-text search over public content: the analyzer, the tantivy index and the
//! query builder.

pub mod analyzer;
pub mod index;
pub mod query;

//! Japanese full-text search over public content.

pub mod analyzer;

//! Content: news, relocation guides and residents' stories (移住者の声) a municipality
//! publishes, written in Markdown, public from their publish time on and searchable.

pub mod demo;
pub mod inputs;
pub mod markdown;
pub mod resolver;
pub mod search;
pub mod service;
pub mod states;
pub mod types;

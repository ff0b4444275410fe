//! KPIs of the seed programmes: each declared once (`registry.rs`), computed from the raw
//! records of the other domains for a municipality and fiscal year, with the previous year,
//! targets and the records behind every value; reported through GraphQL and as CSV and
//! JSON downloads.

pub mod demo;
pub mod export;
pub mod inputs;
pub mod registry;
pub mod resolver;
pub mod service;
pub mod sources;
pub mod types;

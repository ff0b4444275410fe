//! Business domains, one folder each with the same files: `types.rs` (GraphQL objects),
//! `inputs.rs`, `resolver.rs` (thin), `service.rs` (rules and transactions) and
//! `loaders.rs` (DataLoaders).

pub mod childcare;
pub mod content;
pub mod employment;
pub mod identity;
pub mod kpi;
pub mod partnership;
pub mod programs;
pub mod relocation;

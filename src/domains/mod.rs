//! Business domains, one folder each with the same rooms: `types.rs` (GraphQL objects),
//! `inputs.rs` (GraphQL inputs and their conversion into service structs), `resolver.rs`
//! (thin adapters), `service` (rules and transactions, one file per use case), `loaders.rs`
//! (DataLoaders), `search.rs` (search documents and the is-public rule) and `demo.rs`
//! (demo data). See ARCHITECTURE.md for what a domain may import.

pub mod childcare;
pub mod content;
pub mod employment;
pub mod health;
pub mod identity;
pub mod kpi;
pub mod partnership;
pub mod programs;
pub mod relocation;
pub mod synonyms;

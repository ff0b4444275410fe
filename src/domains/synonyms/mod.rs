//! Search synonyms of a municipality: groups of words its residents use for the same thing
//! (place names, facility nicknames, programme names), edited by its administrators. The
//! search expands a query word to the other words of its groups, only towards that
//! municipality's documents; the built-in dictionary is in `search/synonyms.txt`.

pub mod inputs;
pub mod resolver;
pub mod service;
pub mod types;

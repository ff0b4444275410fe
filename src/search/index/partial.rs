//! Partial matches: when too few documents match every word of a query, those matching
//! most of its words are collected instead, and the results say so.

use tantivy::{Searcher, query::Query};

use super::{SearchIndex, SearchRequest};
use crate::search::collector::Collected;

/// Fewer hits than this matching every word: documents matching only some of the words
/// are added after them.
pub const PARTIAL_BELOW: usize = 3;

impl SearchIndex {
    /// The documents matching `every` word, or, when fewer than [`PARTIAL_BELOW`] do and
    /// `some` finds more, those matching `some` of them (the ones matching more words
    /// first); and whether every hit matches every word.
    pub(super) fn collect_matching(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
        every: Box<dyn Query>,
        some: Option<Box<dyn Query>>,
    ) -> tantivy::Result<(Collected, bool)> {
        let collected = self.collect(searcher, request, every)?;
        // Too few documents match every word: add those matching most of them.
        if collected.total < PARTIAL_BELOW
            && let Some(some) = some
        {
            let partial = self.collect(searcher, request, some)?;
            if partial.total > collected.total {
                return Ok((partial, false));
            }
        }
        Ok((collected, true))
    }
}

//! The text search: the page of hits with the total and the counts per kind and category.

use chrono::Utc;
use tantivy::{
    Searcher,
    query::{BooleanQuery, Occur, Query},
};

use super::{SearchIndex, SearchRequest, SearchResults};
use crate::search::{
    collector::{Collected, Facets},
    query,
    schema::{CATEGORY_FIELD, DATE_FIELD, KIND_FIELD},
    synonyms::Synonyms,
};

impl SearchIndex {
    /// Runs `request` with the built-in synonyms only (see [`Self::search_with`]).
    /// Blocking: call from `spawn_blocking`.
    pub fn search(&self, request: &SearchRequest) -> tantivy::Result<SearchResults> {
        self.search_with(request, &Synonyms::default())
    }

    /// Runs `request` with the built-in synonyms and the municipalities' own `local` ones:
    /// one pass collects the page, the total and the counts per kind and category; snippets
    /// are made for the page only. Blocking: call from `spawn_blocking`.
    pub fn search_with(
        &self,
        request: &SearchRequest,
        local: &Synonyms,
    ) -> tantivy::Result<SearchResults> {
        let f = self.fields;
        let Some(text_query) = query::text_query(&f, &request.text, &[&self.synonyms, local])?
        else {
            return Ok(SearchResults::default());
        };
        let searcher = self.reader.searcher();
        let (collected, matched_all) =
            self.collect_matching(&searcher, request, text_query.query, text_query.partial)?;
        let page: Vec<_> = collected.top.iter().skip(request.offset).collect();
        let mut hits = Vec::with_capacity(page.len());
        if !page.is_empty() {
            let marker = self.marker(&searcher, text_query.highlight.as_ref())?;
            for ranked in page {
                if let Some(hit) = self.hit(&searcher, ranked.address, ranked.score, &marker)? {
                    hits.push(hit);
                }
            }
        }
        Ok(SearchResults {
            total: collected.total,
            hits,
            kind_counts: collected.kind_counts,
            category_counts: collected.category_counts,
            matched_all,
            did_you_mean: Vec::new(),
        })
    }

    /// One pass over the documents matching `text` and the filters of `request`: the best
    /// `offset + limit` of them, their total and the counts per kind and category.
    pub(super) fn collect(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
        text: Box<dyn Query>,
    ) -> tantivy::Result<Collected> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text)];
        clauses.extend(self.filters(request));
        searcher.search(
            &BooleanQuery::new(clauses),
            &Facets {
                kinds: request.kinds.clone(),
                categories: request.categories.clone(),
                keep: request.offset + request.limit,
                order: request.order,
                now: Utc::now(),
                kind_field: KIND_FIELD,
                category_field: CATEGORY_FIELD,
                date_field: DATE_FIELD,
            },
        )
    }
}

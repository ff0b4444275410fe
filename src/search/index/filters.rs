//! The filters of a request besides its text: municipality, date range, child age and
//! free places (kinds and categories are filtered while collecting, to count them).

use std::ops::Bound;

use tantivy::{
    Term,
    query::{Occur, Query, RangeQuery, TermQuery},
    schema::{Field, IndexRecordOption},
};

use super::{SearchIndex, SearchRequest};

impl SearchIndex {
    /// The clauses that every hit of `request` must also match.
    pub(super) fn filters(&self, request: &SearchRequest) -> Vec<(Occur, Box<dyn Query>)> {
        let f = self.fields;
        let mut filters: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(municipality) = request.municipality_id {
            let term = Term::from_field_text(f.municipality, &municipality.to_string());
            filters.push((
                Occur::Must,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            ));
        }
        let range = |field: Field, lower: Bound<i64>, upper: Bound<i64>| -> Box<dyn Query> {
            Box::new(RangeQuery::new(
                lower.map(|v| Term::from_field_i64(field, v)),
                upper.map(|v| Term::from_field_i64(field, v)),
            ))
        };
        if request.starts_after.is_some() || request.starts_before.is_some() {
            filters.push((
                Occur::Must,
                range(
                    f.starts_at,
                    request
                        .starts_after
                        .map_or(Bound::Unbounded, |t| Bound::Included(t.timestamp())),
                    request
                        .starts_before
                        .map_or(Bound::Unbounded, |t| Bound::Excluded(t.timestamp())),
                ),
            ));
        }
        if let Some(age) = request.child_age_months {
            filters.push((
                Occur::Must,
                range(f.child_age_min, Bound::Unbounded, Bound::Included(age)),
            ));
            filters.push((
                Occur::Must,
                range(f.child_age_max, Bound::Included(age), Bound::Unbounded),
            ));
        }
        if request.has_free_places {
            filters.push((
                Occur::Must,
                range(f.free_places, Bound::Included(1), Bound::Unbounded),
            ));
        }
        filters
    }
}

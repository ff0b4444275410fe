//! Autocomplete: titles with a word starting with what has been typed so far.

use tantivy::{
    TantivyDocument, Term,
    collector::TopDocs,
    query::{BooleanQuery, Occur, Query, RegexQuery, TermQuery},
    schema::IndexRecordOption,
};
use uuid::Uuid;

use super::{SearchIndex, Suggestion, hits};
use crate::search::{analyzer, query};

/// Suggestions looked at before ranking them.
const SUGGEST_CANDIDATES: usize = 200;

impl SearchIndex {
    /// Titles that have a word starting with `prefix` (normalized like the text: ｾﾐ =
    /// セミ), titles starting with it first, then shorter ones; each title once. Blocking.
    pub fn suggest(
        &self,
        municipality: Option<Uuid>,
        prefix: &str,
        limit: usize,
    ) -> tantivy::Result<Vec<Suggestion>> {
        let f = self.fields;
        let normalized = analyzer::normalized(prefix);
        let normalized = normalized.trim();
        if normalized.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let pattern = format!("{}.*", query::regex_escape(normalized));
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Must,
            Box::new(RegexQuery::from_pattern(&pattern, f.title_prefix)?),
        )];
        if let Some(municipality) = municipality {
            let term = Term::from_field_text(f.municipality, &municipality.to_string());
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            ));
        }
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(SUGGEST_CANDIDATES).order_by_score(),
        )?;
        let mut found: Vec<(bool, Suggestion)> = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let title = hits::stored_text(&doc, f.title);
            let Some((kind, id)) = hits::kind_and_id(&doc, f.key) else {
                continue;
            };
            let starts = analyzer::normalized(&title).starts_with(normalized);
            found.push((starts, Suggestion { kind, id, title }));
        }
        found.sort_by(|(a_starts, a), (b_starts, b)| {
            b_starts
                .cmp(a_starts)
                .then(a.title.chars().count().cmp(&b.title.chars().count()))
                .then_with(|| a.title.cmp(&b.title))
        });
        let mut suggestions: Vec<Suggestion> = Vec::with_capacity(limit);
        for (_, suggestion) in found {
            if suggestions.len() == limit {
                break;
            }
            if !suggestions.iter().any(|s| s.title == suggestion.title) {
                suggestions.push(suggestion);
            }
        }
        Ok(suggestions)
    }
}

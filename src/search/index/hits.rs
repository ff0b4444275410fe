//! Reading the hits back: the stored fields of a document, and its title and body with the
//! matched words marked.

use std::collections::{BTreeMap, BTreeSet};

use chrono::DateTime;
use tantivy::{
    DocAddress, Score, Searcher, TantivyDocument, query::Query, schema::Field, schema::Value,
    snippet::SnippetGenerator, tokenizer::TextAnalyzer,
};
use uuid::Uuid;

use super::{SearchHit, SearchIndex};
use crate::search::analyzer::JapaneseBigram;

/// Longest marked title, in characters.
const TITLE_SNIPPET_CHARS: usize = 200;

/// Longest marked fragment of the body, in characters.
const BODY_SNIPPET_CHARS: usize = 160;

/// What marks the matched words of the hits of one search.
pub(super) struct Marker {
    title: SnippetGenerator,
    body: SnippetGenerator,
}

impl SearchIndex {
    /// The marker of the words of `highlight` that the combined field has: a rarer word
    /// weighs more when choosing the body fragment.
    pub(super) fn marker(
        &self,
        searcher: &Searcher,
        highlight: &dyn Query,
    ) -> tantivy::Result<Marker> {
        let f = self.fields;
        // The words to mark: those every hit matched, as terms of the combined field.
        let mut terms = BTreeSet::new();
        highlight.query_terms(&mut |term, _| {
            if term.field() == f.all {
                terms.insert(term.clone());
            }
        });
        let mut weights = BTreeMap::new();
        for term in terms {
            let doc_freq = searcher.doc_freq(&term)?;
            if let Some(text) = term.value().as_str()
                && doc_freq > 0
            {
                weights.insert(text.to_owned(), 1.0 / (1.0 + doc_freq as Score));
            }
        }
        let analyzer = TextAnalyzer::from(JapaneseBigram);
        Ok(Marker {
            title: SnippetGenerator::new(
                weights.clone(),
                analyzer.clone(),
                f.title,
                TITLE_SNIPPET_CHARS,
            ),
            body: SnippetGenerator::new(weights, analyzer, f.body, BODY_SNIPPET_CHARS),
        })
    }

    pub(super) fn hit(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        score: Score,
        marker: &Marker,
    ) -> tantivy::Result<Option<SearchHit>> {
        let f = self.fields;
        let doc: TantivyDocument = searcher.doc(address)?;
        let Some((kind, id)) = kind_and_id(&doc, f.key) else {
            return Ok(None);
        };
        // The snippet is the part of the title from the first to the last match; the rest
        // of the title goes around it unhighlighted.
        let title = stored_text(&doc, f.title);
        let snippet = marker.title.snippet_from_doc(&doc);
        let title_html = match title.find(snippet.fragment()) {
            Some(start) if !snippet.fragment().is_empty() => format!(
                "{}{}{}",
                html_escape(&title[..start]),
                snippet.to_html(),
                html_escape(&title[start + snippet.fragment().len()..])
            ),
            _ => html_escape(&title),
        };
        Ok(Some(SearchHit {
            kind,
            id,
            score,
            title_html,
            body_html: marker.body.snippet_from_doc(&doc).to_html(),
            starts_at: doc
                .get_first(f.starts_at)
                .and_then(|v| v.as_i64())
                .and_then(|t| DateTime::from_timestamp(t, 0)),
            free_places: doc.get_first(f.free_places).and_then(|v| v.as_i64()),
        }))
    }
}

/// The stored text of `field` in `doc`; empty when it has none.
pub(super) fn stored_text(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The kind and record id of a stored document, read from its `key` field.
pub(super) fn kind_and_id(doc: &TantivyDocument, key: Field) -> Option<(String, Uuid)> {
    let key = stored_text(doc, key);
    let (kind, id) = key.split_once(':')?;
    Some((kind.to_owned(), Uuid::parse_str(id).ok()?))
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

//! Did you mean: when a search finds nothing, its text spelled as the titles or the synonym
//! dictionary spell it.

use tantivy::{
    TantivyDocument, Term,
    collector::TopDocs,
    query::{BooleanQuery, Occur, Query, TermQuery},
    schema::IndexRecordOption,
};

use super::{Correction, SearchIndex, SearchRequest, Suggestion, hits};
use crate::search::{
    query, spelling,
    synonyms::{self, Synonyms},
};

/// Documents whose title words are candidates for "did you mean".
const SPELLING_DOCUMENTS: usize = 30;

impl SearchIndex {
    /// When `request` finds nothing: its text with each word that no title or dictionary
    /// entry spells that way replaced by the closest one that does (kana-folded edit
    /// distance: one edit for words of three to five characters, two beyond), closest
    /// first, at most `limit`, each checked to find something with the same filters. The
    /// candidates are the words of the titles of the documents sharing a bigram with the
    /// typed words, and the synonym dictionary. Blocking.
    pub fn did_you_mean(
        &self,
        request: &SearchRequest,
        local: &Synonyms,
        limit: usize,
    ) -> tantivy::Result<Vec<Correction>> {
        let f = self.fields;
        let text: String = request.text.chars().take(query::MAX_QUERY_CHARS).collect();
        let parts = query::parts(&text);
        let words: Vec<String> = parts.iter().map(|p| synonyms::normalize(&p.text)).collect();
        let mut shared: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (part, word) in parts.iter().zip(&words) {
            let chars: Vec<char> = word.chars().filter(|c| !c.is_whitespace()).collect();
            if part.exclude || spelling::allowed_edits(chars.len()) == 0 {
                continue;
            }
            for pair in chars.windows(2) {
                let bigram: String = pair.iter().collect();
                shared.push((
                    Occur::Should,
                    Box::new(TermQuery::new(
                        Term::from_field_text(f.all, &bigram),
                        IndexRecordOption::Basic,
                    )),
                ));
            }
        }
        if shared.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(shared)))];
        clauses.extend(self.filters(request));
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(SPELLING_DOCUMENTS).order_by_score(),
        )?;
        // (normalized, as written, index of the document it came from)
        let mut documents: Vec<Suggestion> = Vec::new();
        let mut candidates: Vec<(String, String, Option<usize>)> = Vec::new();
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let Some((kind, id)) = hits::kind_and_id(&doc, f.key) else {
                continue;
            };
            let title = hits::stored_text(&doc, f.title);
            for (normalized, written) in spelling::title_words(&title) {
                candidates.push((normalized, written, Some(documents.len())));
            }
            documents.push(Suggestion { kind, id, title });
        }
        for dictionary in [self.synonyms.as_ref(), local] {
            for (normalized, written) in dictionary.entries(request.municipality_id) {
                candidates.push((normalized.to_owned(), written.to_owned(), None));
            }
        }
        let fixes: Vec<Vec<&str>> = parts
            .iter()
            .zip(&words)
            .map(|(part, word)| {
                if part.exclude {
                    return Vec::new();
                }
                spelling::closest(
                    word,
                    candidates.iter().map(|(n, w, _)| (n.as_str(), w.as_str())),
                    limit,
                )
            })
            .collect();
        let mut corrections: Vec<Correction> = Vec::new();
        for k in 0..limit {
            if fixes.iter().all(|fix| fix.len() <= k) && k > 0 {
                break;
            }
            let mut replaced = Vec::new();
            let mut pieces = Vec::new();
            for (part, fix) in parts.iter().zip(&fixes) {
                let word = match fix.get(k).or_else(|| fix.first()) {
                    Some(written) => {
                        replaced.push(*written);
                        (*written).to_owned()
                    }
                    None => part.text.clone(),
                };
                let word = if part.phrase {
                    format!("\"{word}\"")
                } else {
                    word
                };
                pieces.push(if part.exclude {
                    format!("-{word}")
                } else {
                    word
                });
            }
            if replaced.is_empty() {
                break;
            }
            let text = pieces.join(" ");
            if corrections.iter().any(|c| c.text == text) {
                continue;
            }
            let check = SearchRequest {
                text: text.clone(),
                offset: 0,
                limit: 0,
                ..request.clone()
            };
            if self.search_with(&check, local)?.total == 0 {
                continue;
            }
            let mut from: Vec<Suggestion> = Vec::new();
            for (_, written, document) in &candidates {
                if let Some(document) = document.and_then(|i| documents.get(i))
                    && replaced.contains(&written.as_str())
                    && !from.contains(document)
                {
                    from.push(document.clone());
                }
            }
            corrections.push(Correction {
                text,
                documents: from,
            });
        }
        Ok(corrections)
    }
}

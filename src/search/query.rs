//! Turning what a resident typed into a tantivy query, with the document analyzer.
//!
//! Every whitespace-separated part must match (AND); a part written `-part` must not. A Japanese part of two or more
//! characters matches as a phrase of its bigrams — only a covering subset of them, at their
//! positions, which finds the same documents as all bigrams at a fraction of the cost on
//! long phrases (「子育て支援」 needs 3 of its 4 bigrams). A one-character part matches the
//! bigrams that start with it or the run-final unigram, as Groonga expands one-character
//! queries. Words match as terms. Each part may match in any text field, title first.

use tantivy::{
    Term,
    query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, RegexQuery, TermQuery},
    schema::IndexRecordOption,
};

use super::{
    analyzer::{self, Run, RunKind},
    index::{BOOSTS, FieldName, Fields},
};

/// Longest query text considered, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// The query for `text`, or `None` when it has nothing to search for.
pub fn text_query(fields: &Fields, text: &str) -> tantivy::Result<Option<Box<dyn Query>>> {
    let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
    let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut wanted = 0;
    for word in text.split_whitespace() {
        // `-word` excludes; a lone `-` is just punctuation.
        let (occur, word) = match word.strip_prefix('-').or_else(|| word.strip_prefix('－')) {
            Some(rest) if !rest.is_empty() => (Occur::MustNot, rest),
            _ => (Occur::Must, word),
        };
        for run in analyzer::runs(word) {
            let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            let mut kana_run = run.clone();
            for (c, _, _) in &mut kana_run.chars {
                *c = analyzer::to_katakana(*c);
            }
            for (name, boost) in BOOSTS {
                let field = fields.text(name);
                let run = if name == FieldName::Kana {
                    &kana_run
                } else {
                    &run
                };
                if let Some(query) = run_query(field, run, occur == Occur::MustNot)? {
                    alternatives.push((Occur::Should, Box::new(BoostQuery::new(query, boost))));
                }
            }
            if !alternatives.is_empty() {
                wanted += usize::from(occur == Occur::Must);
                parts.push((occur, Box::new(BooleanQuery::new(alternatives))));
            }
        }
    }
    // Exclusions alone match nothing: there must be something to look for.
    Ok((wanted > 0).then(|| Box::new(BooleanQuery::new(parts)) as Box<dyn Query>))
}

/// The query of one run in one field. `loose` (for exclusions) asks for the bigrams
/// anywhere in the text rather than as a phrase: tantivy's phrase scorer cannot sit under
/// a must-not clause.
fn run_query(
    field: tantivy::schema::Field,
    run: &Run,
    loose: bool,
) -> tantivy::Result<Option<Box<dyn Query>>> {
    let chars: Vec<char> = run.chars.iter().map(|(c, _, _)| *c).collect();
    let term = |text: &str| Term::from_field_text(field, text);
    Ok(match (run.kind, chars.len()) {
        (_, 0) => None,
        (RunKind::Word, _) => Some(Box::new(TermQuery::new(
            term(&run.text()),
            IndexRecordOption::WithFreqsAndPositions,
        ))),
        (RunKind::Japanese, 1) => {
            let c = chars[0].to_string();
            let prefix = RegexQuery::from_pattern(&format!("{}.", regex_escape(&c)), field)?;
            Some(Box::new(BooleanQuery::new(vec![
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term(&c), IndexRecordOption::Basic)) as Box<dyn Query>,
                ),
                (Occur::Should, Box::new(prefix)),
            ])))
        }
        (RunKind::Japanese, 2) => {
            let bigram: String = chars.iter().collect();
            Some(Box::new(TermQuery::new(
                term(&bigram),
                IndexRecordOption::WithFreqsAndPositions,
            )))
        }
        (RunKind::Japanese, n) if loose => {
            let terms = covering_offsets(n - 1)
                .into_iter()
                .map(|offset| {
                    let bigram: String = chars[offset..offset + 2].iter().collect();
                    (
                        Occur::Must,
                        Box::new(TermQuery::new(term(&bigram), IndexRecordOption::Basic))
                            as Box<dyn Query>,
                    )
                })
                .collect();
            Some(Box::new(BooleanQuery::new(terms)))
        }
        (RunKind::Japanese, n) => {
            let bigrams = n - 1;
            let terms = covering_offsets(bigrams)
                .into_iter()
                .map(|offset| {
                    let bigram: String = chars[offset..offset + 2].iter().collect();
                    (offset, term(&bigram))
                })
                .collect();
            Some(Box::new(PhraseQuery::new_with_offset(terms)))
        }
    })
}

/// Offsets of the bigrams that still cover every character of a phrase of `bigrams`
/// bigrams: every other one, and the last.
pub fn covering_offsets(bigrams: usize) -> Vec<usize> {
    let mut offsets: Vec<usize> = (0..bigrams).step_by(2).collect();
    if bigrams > 0 && offsets.last() != Some(&(bigrams - 1)) {
        offsets.push(bigrams - 1);
    }
    offsets
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = ".+*?()|[]{}^$\\".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covering_offsets_cover_every_character() {
        assert_eq!(covering_offsets(1), [0]);
        assert_eq!(covering_offsets(2), [0, 1]);
        assert_eq!(covering_offsets(4), [0, 2, 3]);
        assert_eq!(covering_offsets(5), [0, 2, 4]);
    }
}

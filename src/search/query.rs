//! Turning what a resident typed into a tantivy query, with the document analyzer.
//!
//! Every whitespace-separated part must match (AND); a part written `-part` must not. A
//! part in double quotes (`"子育て 支援"`, also full-width or curly quotes) is one exact
//! phrase: its words in order, side by side, Japanese words joined across the spaces
//! between them (so `"子育て 支援"` finds 子育て支援); a quote left open runs to the end.
//! A Japanese part of two or more characters matches as a phrase of its bigrams — only a
//! covering subset of them, at their positions, which finds the same documents as all
//! bigrams at a fraction of the cost on long phrases (「子育て支援」 needs 3 of its 4
//! bigrams). A one-character part matches the bigrams that start with it or the run-final
//! unigram, as Groonga expands one-character queries. Words match as terms, and Latin words
//! of [`FUZZY_MIN_CHARS`] letters or more also one edit away (workshp → workshop), below
//! the exact match; katakana words of four characters or more (typed in either kana) also
//! match without their ッ and ー (ワークショプ → ワークショップ), below the exact word. Each
//! part must match in the text (title, tags, organizer and body
//! together) or the kana reading; title and tag matches weigh more. Any other syntax
//! (`AND`, `title:`, `*`, brackets) is plain text: punctuation separates words.

use tantivy::{
    Term,
    query::{
        BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur,
        PhraseQuery, Query, RegexQuery, TermQuery,
    },
    schema::{Field, IndexRecordOption},
};

use super::{
    analyzer::{self, RUN_GAP, Run, RunKind},
    schema::{BOOSTERS, FieldName, Fields, MATCH},
    synonyms::{Expansion, Synonyms},
};

/// Longest query text considered, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Latin words this long or longer also match one edit away.
pub const FUZZY_MIN_CHARS: usize = 5;
/// Weight of a match one edit away, against 1 for the exact word.
const FUZZY_WEIGHT: f32 = 0.3;
/// Weight of a katakana word matched without its ッ and ー, against 1 for the exact word.
const LOOSE_WEIGHT: f32 = 0.4;
/// Weight of a synonym of a word, against 1 for the word itself.
const SYNONYM_WEIGHT: f32 = 0.7;
/// Score of each word a document matches in the partial query: far above any text score,
/// so that documents matching more words always rank first.
const WORD_MATCHED_SCORE: f32 = 1000.0;

/// One part of what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Must not match.
    pub exclude: bool,
    /// Typed in quotes.
    pub phrase: bool,
    /// The text of the part, without the quotes or the minus.
    pub text: String,
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '＂' | '“' | '”' | '„')
}

/// Splits what was typed into parts: words, `-words`, `"phrases"` and `-"phrases"`.
pub fn parts(text: &str) -> Vec<Part> {
    let chars: Vec<char> = text.chars().collect();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let mut exclude = false;
        if matches!(chars[i], '-' | '－') && chars.get(i + 1).is_some_and(|c| !c.is_whitespace()) {
            exclude = true;
            i += 1;
        }
        if is_quote(chars[i]) {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && !is_quote(chars[end]) {
                end += 1;
            }
            parts.push(Part {
                exclude,
                phrase: true,
                text: chars[start..end].iter().collect(),
            });
            i = end + 1;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !is_quote(chars[i]) {
                i += 1;
            }
            parts.push(Part {
                exclude,
                phrase: false,
                text: chars[start..i].iter().collect(),
            });
        }
    }
    parts
}

/// The runs of a quoted phrase: Japanese runs with only spaces between them become one.
fn phrase_runs(text: &str) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for run in analyzer::runs(text) {
        if let Some(last) = runs.last_mut()
            && last.kind == RunKind::Japanese
            && run.kind == RunKind::Japanese
            && let (Some(&(_, _, end)), Some(&(_, start, _))) =
                (last.chars.last(), run.chars.first())
            && text
                .get(end..start)
                .is_some_and(|gap| gap.chars().all(char::is_whitespace))
        {
            last.chars.extend(run.chars);
            continue;
        }
        runs.push(run);
    }
    runs
}

/// The query of what was typed, and the part of it that marks matches in snippets.
pub struct TextQuery {
    /// What documents must match, with field weights.
    pub query: Box<dyn Query>,
    /// The required parts only, in the combined field (for highlighting).
    pub highlight: Box<dyn Query>,
    /// For two words or more: documents matching any of them (and none excluded), those
    /// matching more words first, then by the same weights as `query`.
    pub partial: Option<Box<dyn Query>>,
}

/// The query for `text`, or `None` when it has nothing to search for.
///
/// Each part must match in the combined field (or, if it has no kanji, the kana reading);
/// matches in the title and tags add weight through optional clauses, which are only
/// looked at for documents that match anyway. A word that is a whole word of a group of
/// `synonyms` also matches the group's other words (a municipality's own groups only in
/// that municipality's documents), a little below the word itself.
pub fn text_query(
    fields: &Fields,
    text: &str,
    synonyms: &[&Synonyms],
) -> tantivy::Result<Option<TextQuery>> {
    let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut highlight: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut partial: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut wanted = 0;
    for part in parts(&text) {
        // A word is one clause per run (「ＤＸ推進」 = dx AND 推進); a phrase is one clause.
        let groups: Vec<Vec<Run>> = if part.phrase {
            vec![phrase_runs(&part.text)]
        } else {
            analyzer::runs(&part.text)
                .into_iter()
                .map(|run| vec![run])
                .collect()
        };
        for runs in groups {
            if runs.is_empty() {
                continue;
            }
            let kana_runs: Vec<Run> = runs.iter().map(kana).collect();
            let has_kanji = runs
                .iter()
                .any(|run| run.chars.iter().any(|(c, _, _)| analyzer::is_kanji(*c)));
            let in_field = |name: FieldName| -> tantivy::Result<Option<Box<dyn Query>>> {
                let field = fields.text(name);
                let runs = if name == FieldName::Kana {
                    &kana_runs
                } else {
                    &runs
                };
                if runs.len() == 1 {
                    run_query(field, &runs[0], part.exclude)
                } else {
                    Ok(phrase_query(field, runs, part.exclude))
                }
            };
            let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for (name, boost) in MATCH {
                // Readings are kana only: a part with kanji cannot match them.
                if name == FieldName::Kana && has_kanji {
                    continue;
                }
                if let Some(query) = in_field(name)? {
                    if name == FieldName::All && !part.exclude {
                        highlight.push((Occur::Should, query.box_clone()));
                    }
                    alternatives.push((Occur::Should, Box::new(BoostQuery::new(query, boost))));
                }
            }
            // A long katakana word also matches without its ッ and ー (ワークショプ), below
            // the exact word.
            if !part.exclude
                && !part.phrase
                && let [run] = runs.as_slice()
                && let Some(loose) = analyzer::loosened(run)
                && let Some(query) = run_query(fields.loose, &loose, false)?
            {
                alternatives.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(query, LOOSE_WEIGHT)),
                ));
            }
            let expansions: Vec<Expansion> = match runs.as_slice() {
                [run] if !part.exclude && !part.phrase => synonyms
                    .iter()
                    .flat_map(|synonyms| synonyms.expansions(&run.text()))
                    .collect(),
                _ => Vec::new(),
            };
            let mut synonym_alternatives: Vec<Box<dyn Query>> = Vec::new();
            for expansion in &expansions {
                if let Some(query) = word_query(fields.all, &expansion.word)? {
                    highlight.push((Occur::Should, query.box_clone()));
                    synonym_alternatives.push(Box::new(BoostQuery::new(
                        only_in(fields, expansion.municipality, query),
                        SYNONYM_WEIGHT,
                    )));
                }
            }
            let literal: Option<Box<dyn Query>> = match alternatives.len() {
                0 => None,
                1 => Some(alternatives.remove(0).1),
                _ => Some(Box::new(BooleanQuery::new(alternatives))),
            };
            // The word or its best synonym: a document saying both weighs as the word.
            let matching = best_of(literal.into_iter().chain(synonym_alternatives).collect());
            let Some(matching) = matching else {
                continue;
            };
            if part.exclude {
                partial.push((Occur::MustNot, matching.box_clone()));
                clauses.push((Occur::MustNot, matching));
                continue;
            }
            wanted += 1;
            partial.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(
                    matching.box_clone(),
                    WORD_MATCHED_SCORE,
                )),
            ));
            partial.push((Occur::Should, matching.box_clone()));
            clauses.push((Occur::Must, matching));
            for (name, boost) in BOOSTERS {
                let mut boosters: Vec<Box<dyn Query>> = Vec::new();
                if let Some(query) = in_field(name)? {
                    boosters.push(Box::new(BoostQuery::new(query, boost)));
                }
                for expansion in &expansions {
                    if let Some(query) = word_query(fields.text(name), &expansion.word)? {
                        boosters.push(Box::new(BoostQuery::new(
                            only_in(fields, expansion.municipality, query),
                            boost * SYNONYM_WEIGHT,
                        )));
                    }
                }
                if let Some(booster) = best_of(boosters) {
                    partial.push((Occur::Should, booster.box_clone()));
                    clauses.push((Occur::Should, booster));
                }
            }
        }
    }
    // Exclusions alone match nothing: there must be something to look for.
    Ok((wanted > 0).then(|| TextQuery {
        query: Box::new(BooleanQuery::new(clauses)),
        highlight: Box::new(BooleanQuery::new(highlight)),
        partial: (wanted > 1).then(|| Box::new(BooleanQuery::new(partial)) as Box<dyn Query>),
    }))
}

/// The best scoring of `queries`, or the one query; `None` when there is none.
fn best_of(mut queries: Vec<Box<dyn Query>>) -> Option<Box<dyn Query>> {
    match queries.len() {
        0 => None,
        1 => queries.pop(),
        _ => Some(Box::new(DisjunctionMaxQuery::new(queries))),
    }
}

/// The query of a word (one or more runs) in one field, as a phrase.
fn word_query(field: Field, word: &str) -> tantivy::Result<Option<Box<dyn Query>>> {
    let runs = analyzer::runs(word);
    match runs.as_slice() {
        [] => Ok(None),
        [run] => run_query(field, run, false),
        _ => Ok(phrase_query(field, &runs, false)),
    }
}

/// `query`, only in documents of `municipality` when given.
fn only_in(
    fields: &Fields,
    municipality: Option<uuid::Uuid>,
    query: Box<dyn Query>,
) -> Box<dyn Query> {
    match municipality {
        None => query,
        Some(municipality) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, query),
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(fields.municipality, &municipality.to_string()),
                    IndexRecordOption::Basic,
                )),
            ),
        ])),
    }
}

fn kana(run: &Run) -> Run {
    let mut run = run.clone();
    for (c, _, _) in &mut run.chars {
        *c = analyzer::to_katakana(*c);
    }
    run
}

/// The terms of several runs at the positions the analyzer gives them: a word takes one
/// position, a Japanese run of n characters n (its bigrams and final unigram), and
/// [`RUN_GAP`] positions separate runs.
fn phrase_terms(field: Field, runs: &[Run]) -> Vec<(usize, Term)> {
    let mut terms = Vec::new();
    let mut position = 0;
    for run in runs {
        let chars: Vec<char> = run.chars.iter().map(|(c, _, _)| *c).collect();
        match (run.kind, chars.len()) {
            (_, 0) => continue,
            (RunKind::Word, _) => {
                terms.push((position, Term::from_field_text(field, &run.text())));
                position += 1;
            }
            (RunKind::Japanese, 1) => {
                terms.push((
                    position,
                    Term::from_field_text(field, &chars[0].to_string()),
                ));
                position += 1;
            }
            (RunKind::Japanese, n) => {
                for offset in covering_offsets(n - 1) {
                    let bigram: String = chars[offset..offset + 2].iter().collect();
                    terms.push((position + offset, Term::from_field_text(field, &bigram)));
                }
                position += n;
            }
        }
        position += RUN_GAP;
    }
    terms
}

/// An exact phrase of several runs in one field. `loose` (for exclusions): every term
/// anywhere, since tantivy's phrase scorer cannot sit under a must-not clause.
fn phrase_query(field: Field, runs: &[Run], loose: bool) -> Option<Box<dyn Query>> {
    let terms = phrase_terms(field, runs);
    match terms.len() {
        0 => None,
        1 => terms.into_iter().next().map(|(_, term)| {
            Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)) as Box<dyn Query>
        }),
        _ if loose => Some(Box::new(BooleanQuery::new(
            terms
                .into_iter()
                .map(|(_, term)| {
                    (
                        Occur::Must,
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect(),
        ))),
        _ => Some(Box::new(PhraseQuery::new_with_offset(terms))),
    }
}

/// The query of one run in one field. `loose` (for exclusions) asks for the bigrams
/// anywhere in the text rather than as a phrase: tantivy's phrase scorer cannot sit under
/// a must-not clause.
fn run_query(field: Field, run: &Run, loose: bool) -> tantivy::Result<Option<Box<dyn Query>>> {
    let chars: Vec<char> = run.chars.iter().map(|(c, _, _)| *c).collect();
    let term = |text: &str| Term::from_field_text(field, text);
    Ok(match (run.kind, chars.len()) {
        (_, 0) => None,
        (RunKind::Word, n) => {
            let exact: Box<dyn Query> = Box::new(TermQuery::new(
                term(&run.text()),
                IndexRecordOption::WithFreqs,
            ));
            if loose || n < FUZZY_MIN_CHARS || !chars.iter().all(|c| c.is_ascii_alphabetic()) {
                Some(exact)
            } else {
                let near = FuzzyTermQuery::new(term(&run.text()), 1, true);
                Some(Box::new(BooleanQuery::new(vec![
                    (Occur::Should, exact),
                    (
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(near), FUZZY_WEIGHT)),
                    ),
                ])))
            }
        }
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
                IndexRecordOption::WithFreqs,
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

pub fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = ".+*?()|[]{}^$\\#&-~".contains(c);
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
    fn quotes_make_phrases_minus_excludes_and_an_open_quote_runs_to_the_end() {
        let part = |exclude, phrase, text: &str| Part {
            exclude,
            phrase,
            text: text.into(),
        };
        assert_eq!(
            parts("\"子育て 支援\" -保育 -\"一時 預かり\" a-b"),
            [
                part(false, true, "子育て 支援"),
                part(true, false, "保育"),
                part(true, true, "一時 預かり"),
                part(false, false, "a-b"),
            ]
        );
        assert_eq!(
            parts("セミナー \"託児 付き"),
            [
                part(false, false, "セミナー"),
                part(false, true, "託児 付き")
            ]
        );
        assert_eq!(parts("“移住 相談”"), [part(false, true, "移住 相談")]);
        assert_eq!(
            parts(" - \"\""),
            [part(false, false, "-"), part(false, true, "")]
        );
    }

    #[test]
    fn japanese_words_of_a_phrase_join_across_spaces() {
        let runs = phrase_runs("子育て 支援 ai");
        let texts: Vec<String> = runs.iter().map(Run::text).collect();
        assert_eq!(texts, ["子育テ支援", "ai"]);
        let runs = phrase_runs("子育て・支援");
        assert_eq!(runs.len(), 2);
    }

    #[test]
    fn covering_offsets_cover_every_character() {
        assert_eq!(covering_offsets(1), [0]);
        assert_eq!(covering_offsets(2), [0, 1]);
        assert_eq!(covering_offsets(4), [0, 2, 3]);
        assert_eq!(covering_offsets(5), [0, 2, 4]);
    }
}

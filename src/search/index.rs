//! The tantivy index: one for every municipality, filtered by a municipality field.

use std::{
    ops::Bound,
    path::Path,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Score, TantivyDocument, Term,
    collector::TopDocs,
    directory::MmapDirectory,
    query::{BooleanQuery, Occur, Query, RangeQuery, RegexQuery, TermQuery},
    schema::{Field, IndexRecordOption, Value},
    snippet::SnippetGenerator,
    tokenizer::TextAnalyzer,
};
use uuid::Uuid;

pub use super::collector::Order;
use super::{
    analyzer::{self, JapaneseBigram, JapaneseKana, JapaneseLoose},
    collector::Facets,
    query,
    schema::{CATEGORY_FIELD, DATE_FIELD, Fields, KIND_FIELD, schema},
    spelling,
    synonyms::{self, Synonyms},
};

/// Bump when the schema or the analyzer changes: an index of another version is rebuilt.
pub const VERSION: u32 = 7;

/// Memory the writer may use before it flushes a segment.
const WRITER_MEMORY: usize = 50_000_000;

/// Tries to merge all segments while background merges hold some of them.
const MERGE_ATTEMPTS: usize = 100;

/// Decompressed stored-document blocks cached per segment.
const DOC_STORE_CACHE_BLOCKS: usize = 10;

/// Fewer hits than this matching every word: documents matching only some of the words
/// are added after them.
pub const PARTIAL_BELOW: usize = 3;

/// Documents whose title words are candidates for "did you mean".
const SPELLING_DOCUMENTS: usize = 30;

/// Suggestions looked at before ranking them.
const SUGGEST_CANDIDATES: usize = 200;

/// One public item as the index sees it. Never personal data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchDocument {
    /// Document kind, e.g. `local_issue`.
    pub kind: String,
    /// The record's id.
    pub id: Uuid,
    /// Its municipality.
    pub municipality_id: Uuid,
    /// Title.
    pub title: String,
    /// Kana reading, if the data has one.
    pub kana: String,
    /// Tags and categories (Japanese labels as well as codes).
    pub tags: Vec<String>,
    /// Category codes (e.g. `art`, `parks`), for the category filter and counts.
    pub categories: Vec<String>,
    /// Body text.
    pub body: String,
    /// Organizer or partner name.
    pub organizer: String,
    /// Next date, if any.
    pub starts_at: Option<DateTime<Utc>>,
    /// Child age range in months, if the item is for children of an age.
    pub child_age_months: Option<(i64, i64)>,
    /// Free places, if the item takes registrations.
    pub free_places: Option<i64>,
}

impl SearchDocument {
    /// The readings of a document for its [`kana`](Self::kana) field: the title's and the
    /// organizer's, those given, one a line.
    pub fn readings<'a>(readings: impl IntoIterator<Item = Option<&'a str>>) -> String {
        readings
            .into_iter()
            .flatten()
            .filter(|reading| !reading.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The unique key of the document.
    pub fn key(&self) -> String {
        document_key(&self.kind, self.id)
    }
}

/// The unique key of a document of `kind` for record `id`.
pub fn document_key(kind: &str, id: Uuid) -> String {
    format!("{kind}:{id}")
}

/// What to look for.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// Free text as typed.
    pub text: String,
    /// Only this municipality.
    pub municipality_id: Option<Uuid>,
    /// Only these kinds (any of them).
    pub kinds: Vec<String>,
    /// Only these category codes (any of them).
    pub categories: Vec<String>,
    /// How to order the hits.
    pub order: Order,
    /// Only items whose next date is at or after this.
    pub starts_after: Option<DateTime<Utc>>,
    /// Only items whose next date is before this.
    pub starts_before: Option<DateTime<Utc>>,
    /// Only items for a child of this age in months.
    pub child_age_months: Option<i64>,
    /// Only items with free places.
    pub has_free_places: bool,
    /// Hits to skip.
    pub offset: usize,
    /// Hits to return.
    pub limit: usize,
}

/// One hit.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// Document kind.
    pub kind: String,
    /// Record id.
    pub id: Uuid,
    /// Relevance score.
    pub score: Score,
    /// Title with matches in `<b>…</b>` (HTML-escaped otherwise).
    pub title_html: String,
    /// A fragment of the body with matches in `<b>…</b>`.
    pub body_html: String,
    /// The document's date, if it has one.
    pub starts_at: Option<DateTime<Utc>>,
    /// Free places, if the item takes registrations.
    pub free_places: Option<i64>,
}

/// Hits of one page, the total and counts per kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResults {
    /// Matches on all pages.
    pub total: usize,
    /// This page.
    pub hits: Vec<SearchHit>,
    /// Matches per kind, ignoring the kind filter.
    pub kind_counts: Vec<(String, u64)>,
    /// Matches per category code, ignoring the category filter.
    pub category_counts: Vec<(String, u64)>,
    /// Whether every hit matches every word; `false` when fewer than [`PARTIAL_BELOW`]
    /// did and documents matching only some of the words were added after them.
    pub matched_all: bool,
    /// When nothing was found: the text spelled as titles or the synonym dictionary
    /// spell it, each finding something (see [`SearchIndex::did_you_mean`]).
    pub did_you_mean: Vec<String>,
}

/// What was typed, spelled as the titles or the dictionary spell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// The whole text with the misspelled words replaced.
    pub text: String,
    /// The documents whose titles have the replacing words.
    pub documents: Vec<Suggestion>,
}

/// One autocomplete suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// Document kind.
    pub kind: String,
    /// Record id.
    pub id: Uuid,
    /// The title as written.
    pub title: String,
}

/// The index with its reader and single writer.
#[derive(Clone)]
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Arc<Mutex<IndexWriter>>,
    fields: Fields,
    /// The built-in synonyms.
    synonyms: Arc<Synonyms>,
}

impl SearchIndex {
    /// An index kept in memory (tests, tools).
    pub fn in_memory() -> tantivy::Result<Self> {
        let (schema, fields) = schema();
        Self::from_index(Index::create_in_ram(schema), fields)
    }

    /// Opens the index in `dir`, creating it if missing.
    pub fn open_in_dir(dir: &Path) -> tantivy::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let directory = MmapDirectory::open(dir)?;
        Self::from_index(Index::open_or_create(directory, schema)?, fields)
    }

    fn from_index(index: Index, fields: Fields) -> tantivy::Result<Self> {
        // Analyzers are not stored in the index: register them every time it is opened.
        index
            .tokenizers()
            .register(analyzer::NAME, TextAnalyzer::from(JapaneseBigram));
        index
            .tokenizers()
            .register(analyzer::KANA_NAME, TextAnalyzer::from(JapaneseKana));
        index
            .tokenizers()
            .register(analyzer::LOOSE_NAME, TextAnalyzer::from(JapaneseLoose));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            // Decompressed blocks of stored documents kept per segment: only the page's
            // hits are read, so a small cache is enough and keeps memory flat.
            .doc_store_cache_num_blocks(DOC_STORE_CACHE_BLOCKS)
            .try_into()?;
        let writer = index.writer(WRITER_MEMORY)?;
        Ok(Self {
            index,
            reader,
            writer: Arc::new(Mutex::new(writer)),
            fields,
            synonyms: Arc::new(Synonyms::built_in()),
        })
    }

    /// The index fields.
    pub fn fields(&self) -> Fields {
        self.fields
    }

    fn writer(&self) -> tantivy::Result<std::sync::MutexGuard<'_, IndexWriter>> {
        self.writer
            .lock()
            .map_err(|_| tantivy::TantivyError::InternalError("index writer poisoned".into()))
    }

    /// Replaces or removes documents without committing: `upserts` are (re)indexed,
    /// `removals` (document keys) deleted. Blocking: call from `spawn_blocking`.
    pub fn stage(&self, upserts: &[SearchDocument], removals: &[String]) -> tantivy::Result<()> {
        let writer = self.writer()?;
        let f = self.fields;
        for key in removals {
            writer.delete_term(Term::from_field_text(f.key, key));
        }
        for document in upserts {
            writer.delete_term(Term::from_field_text(f.key, &document.key()));
            writer.add_document(self.to_tantivy(document))?;
        }
        Ok(())
    }

    /// Removes every document, without committing. Blocking.
    pub fn stage_clear(&self) -> tantivy::Result<()> {
        self.writer()?.delete_all_documents().map(drop)
    }

    /// Commits what was staged together with `payload` (the reader's checkpoint), and makes
    /// it searchable. Blocking.
    pub fn commit(&self, payload: &str) -> tantivy::Result<()> {
        let mut writer = self.writer()?;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(payload);
        prepared.commit()?;
        drop(writer);
        self.reader.reload()
    }

    /// Merges every segment into one and waits for it: after a rebuild, so that a fresh
    /// index is one segment (less memory per search, no merge of many small segments
    /// later while serving). Blocking.
    pub fn merge_segments(&self) -> tantivy::Result<()> {
        for _ in 0..MERGE_ATTEMPTS {
            let ids = self.index.searchable_segment_ids()?;
            if ids.len() <= 1 {
                break;
            }
            let mut writer = self.writer()?;
            match writer.merge(&ids).wait() {
                Ok(_) => {
                    writer.garbage_collect_files().wait()?;
                    break;
                }
                // The merge policy is merging some of them in the background already:
                // wait for it and ask again with the segments as they are then.
                Err(tantivy::TantivyError::InvalidArgument(_)) => {
                    drop(writer);
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(error) => return Err(error),
            }
        }
        self.reader.reload()
    }

    /// Number of segments searched now.
    pub fn num_segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Stages and commits in one step (tests, tools). Blocking.
    pub fn apply(&self, upserts: &[SearchDocument], removals: &[String]) -> tantivy::Result<()> {
        self.stage(upserts, removals)?;
        let payload = self.payload()?.unwrap_or_default();
        self.commit(&payload)
    }

    /// The payload of the last commit.
    pub fn payload(&self) -> tantivy::Result<Option<String>> {
        Ok(self.index.load_metas()?.payload)
    }

    /// Number of documents searchable now.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn to_tantivy(&self, document: &SearchDocument) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, document.key());
        doc.add_text(f.kind, &document.kind);
        for prefix in analyzer::word_starts(&document.title) {
            doc.add_text(f.title_prefix, prefix);
        }
        doc.add_text(f.municipality, document.municipality_id.to_string());
        doc.add_text(f.title, &document.title);
        doc.add_text(f.kana, &document.kana);
        doc.add_text(f.tags, document.tags.join(" "));
        for category in &document.categories {
            doc.add_text(f.categories, category);
        }
        doc.add_text(f.body, &document.body);
        let tags = document.tags.join(" ");
        let all = [
            document.title.as_str(),
            tags.as_str(),
            document.organizer.as_str(),
            document.body.as_str(),
        ]
        .join("\n");
        doc.add_text(f.loose, &all);
        doc.add_text(f.all, all);
        if let Some(starts_at) = document.starts_at {
            doc.add_i64(f.starts_at, starts_at.timestamp());
        }
        if let Some((min, max)) = document.child_age_months {
            doc.add_i64(f.child_age_min, min);
            doc.add_i64(f.child_age_max, max);
        }
        if let Some(free) = document.free_places {
            doc.add_i64(f.free_places, free);
        }
        doc
    }

    /// Documents whose date (next session start) is at or before `now`: they must be
    /// reloaded so that the date moves on to the next session. At most `limit`, as
    /// (kind, id). Blocking.
    pub fn started(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> tantivy::Result<Vec<(String, Uuid)>> {
        let f = self.fields;
        let query = RangeQuery::new(
            Bound::Unbounded,
            Bound::Included(Term::from_field_i64(f.starts_at, now.timestamp())),
        );
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
        let mut started = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let key = doc
                .get_first(f.key)
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            if let Some((kind, id)) = key.split_once(':')
                && let Ok(id) = Uuid::parse_str(id)
            {
                started.push((kind.to_owned(), id));
            }
        }
        Ok(started)
    }

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
        let keep = request.offset + request.limit;
        let collect = |text: Box<dyn Query>| {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text)];
            clauses.extend(self.filters(request));
            searcher.search(
                &BooleanQuery::new(clauses),
                &Facets {
                    kinds: request.kinds.clone(),
                    categories: request.categories.clone(),
                    keep,
                    order: request.order,
                    now: Utc::now(),
                    kind_field: KIND_FIELD,
                    category_field: CATEGORY_FIELD,
                    date_field: DATE_FIELD,
                },
            )
        };
        let mut collected = collect(text_query.query)?;
        let mut matched_all = true;
        // Too few documents match every word: add those matching most of them.
        if collected.total < PARTIAL_BELOW
            && let Some(partial) = text_query.partial
        {
            let some = collect(partial)?;
            if some.total > collected.total {
                collected = some;
                matched_all = false;
            }
        }
        let page: Vec<_> = collected.top.iter().skip(request.offset).collect();
        let mut hits = Vec::with_capacity(page.len());
        if !page.is_empty() {
            // The words to mark: those every hit matched, as terms of the combined field.
            let mut terms = std::collections::BTreeSet::new();
            text_query.highlight.query_terms(&mut |term, _| {
                if term.field() == f.all {
                    terms.insert(term.clone());
                }
            });
            let mut weights = std::collections::BTreeMap::new();
            for term in terms {
                let doc_freq = searcher.doc_freq(&term)?;
                if let Some(text) = term.value().as_str()
                    && doc_freq > 0
                {
                    weights.insert(text.to_owned(), 1.0 / (1.0 + doc_freq as Score));
                }
            }
            let analyzer = TextAnalyzer::from(JapaneseBigram);
            let title_snippets =
                SnippetGenerator::new(weights.clone(), analyzer.clone(), f.title, 200);
            let body_snippets = SnippetGenerator::new(weights, analyzer, f.body, 160);
            for ranked in page {
                if let Some(hit) = self.hit(
                    &searcher,
                    ranked.address,
                    ranked.score,
                    &title_snippets,
                    &body_snippets,
                )? {
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
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            };
            let Some((kind, id)) = text(f.key)
                .split_once(':')
                .and_then(|(kind, id)| Some((kind.to_owned(), Uuid::parse_str(id).ok()?)))
            else {
                continue;
            };
            let title = text(f.title);
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
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            };
            let title = text(f.title);
            let Some((kind, id)) = text(f.key)
                .split_once(':')
                .and_then(|(kind, id)| Some((kind.to_owned(), Uuid::parse_str(id).ok()?)))
            else {
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

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        address: DocAddress,
        score: Score,
        title_snippets: &SnippetGenerator,
        body_snippets: &SnippetGenerator,
    ) -> tantivy::Result<Option<SearchHit>> {
        let f = self.fields;
        let doc: TantivyDocument = searcher.doc(address)?;
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        let key = text(f.key);
        let Some((kind, id)) = key.split_once(':') else {
            return Ok(None);
        };
        let Ok(id) = Uuid::parse_str(id) else {
            return Ok(None);
        };
        // The snippet is the part of the title from the first to the last match; the rest
        // of the title goes around it unhighlighted.
        let title = text(f.title);
        let snippet = title_snippets.snippet_from_doc(&doc);
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
            kind: kind.to_owned(),
            id,
            score,
            title_html,
            body_html: body_snippets.snippet_from_doc(&doc).to_html(),
            starts_at: doc
                .get_first(f.starts_at)
                .and_then(|v| v.as_i64())
                .and_then(|t| DateTime::from_timestamp(t, 0)),
            free_places: doc.get_first(f.free_places).and_then(|v| v.as_i64()),
        }))
    }

    fn filters(&self, request: &SearchRequest) -> Vec<(Occur, Box<dyn Query>)> {
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

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests;

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
    schema::{
        FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
        TextOptions, Value,
    },
    snippet::SnippetGenerator,
    tokenizer::TextAnalyzer,
};
use uuid::Uuid;

pub use super::collector::Order;
use super::{
    analyzer::{self, JapaneseBigram, JapaneseKana},
    collector::Facets,
    query,
};

/// Bump when the schema or the analyzer changes: an index of another version is rebuilt.
pub const VERSION: u32 = 5;

/// Memory the writer may use before it flushes a segment.
const WRITER_MEMORY: usize = 50_000_000;

/// The index fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `kind:uuid`, unique per document.
    pub key: Field,
    /// Document kind, e.g. `local_issue`.
    pub kind: Field,
    /// The title normalized, from each of its word starts: for autocomplete.
    pub title_prefix: Field,
    /// Municipality id.
    pub municipality: Field,
    /// Title (boosted most).
    pub title: Field,
    /// Kana reading of the title or names.
    pub kana: Field,
    /// Tags and categories.
    pub tags: Field,
    /// Category codes, for the category filter and counts.
    pub categories: Field,
    /// Body text.
    pub body: Field,
    /// Title, tags, organizer and body in one field: what every part of a query must
    /// match (one posting list per term instead of one per field).
    pub all: Field,
    /// Next date (e.g. next session start), epoch seconds.
    pub starts_at: Field,
    /// Youngest child age in months the item is for.
    pub child_age_min: Field,
    /// Oldest child age in months the item is for.
    pub child_age_max: Field,
    /// Free places left.
    pub free_places: Field,
}

/// Where each part of a query may match, and its weight there: the combined field, or the
/// kana reading.
pub const MATCH: [(FieldName, Score); 2] = [(FieldName::All, 1.0), (FieldName::Kana, 2.0)];
/// Extra weight of a part that also matches in these fields (on top of the combined field):
/// title over tags over the rest.
pub const BOOSTERS: [(FieldName, Score); 2] = [(FieldName::Title, 3.0), (FieldName::Tags, 1.0)];

/// The searchable text fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldName {
    /// Title.
    Title,
    /// Kana reading.
    Kana,
    /// Tags.
    Tags,
    /// Title, tags, organizer and body together.
    All,
}

impl Fields {
    /// The field behind a name.
    pub fn text(&self, name: FieldName) -> Field {
        match name {
            FieldName::Title => self.title,
            FieldName::Kana => self.kana,
            FieldName::Tags => self.tags,
            FieldName::All => self.all,
        }
    }
}

const KIND_FIELD: &str = "kind";
const CATEGORY_FIELD: &str = "categories";
const DATE_FIELD: &str = "starts_at";

/// Tries to merge all segments while background merges hold some of them.
const MERGE_ATTEMPTS: usize = 100;

/// Decompressed stored-document blocks cached per segment.
const DOC_STORE_CACHE_BLOCKS: usize = 10;

/// Suggestions looked at before ranking them.
const SUGGEST_CANDIDATES: usize = 200;

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer::NAME)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let indexed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer::NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let kana = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer::KANA_NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        key: builder.add_text_field("key", STRING | STORED),
        kind: builder.add_text_field(KIND_FIELD, STRING | STORED | FAST),
        title_prefix: builder.add_text_field("title_prefix", STRING),
        municipality: builder.add_text_field("municipality", STRING | STORED),
        title: builder.add_text_field("title", text.clone()),
        kana: builder.add_text_field("kana", kana),
        tags: builder.add_text_field("tags", indexed.clone()),
        categories: builder.add_text_field(CATEGORY_FIELD, STRING | FAST),
        // Stored for snippets; searched through `all`.
        body: builder.add_text_field("body", STORED),
        all: builder.add_text_field("all", indexed),
        starts_at: builder.add_i64_field(DATE_FIELD, INDEXED | STORED | FAST),
        // Fast fields: range filters then test each candidate of the text query instead of
        // collecting every document in the range first.
        child_age_min: builder.add_i64_field("child_age_min", INDEXED | FAST),
        child_age_max: builder.add_i64_field("child_age_max", INDEXED | FAST),
        free_places: builder.add_i64_field("free_places", INDEXED | STORED | FAST),
    };
    (builder.build(), fields)
}

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
        doc.add_text(
            f.all,
            [
                document.title.as_str(),
                tags.as_str(),
                document.organizer.as_str(),
                document.body.as_str(),
            ]
            .join("\n"),
        );
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

    /// Runs `request`: one pass collects the page, the total and the counts per kind and
    /// category; snippets are made for the page only. Blocking: call from `spawn_blocking`.
    pub fn search(&self, request: &SearchRequest) -> tantivy::Result<SearchResults> {
        let f = self.fields;
        let Some(text_query) = query::text_query(&f, &request.text)? else {
            return Ok(SearchResults::default());
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_query.query)];
        clauses.extend(self.filters(request));
        let full = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let keep = request.offset + request.limit;
        let collected = searcher.search(
            &full,
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
        )?;
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
        })
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
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn doc(kind: &str, municipality: Uuid, title: &str, body: &str) -> SearchDocument {
        SearchDocument {
            kind: kind.into(),
            id: Uuid::now_v7(),
            municipality_id: municipality,
            title: title.into(),
            body: body.into(),
            ..SearchDocument::default()
        }
    }

    struct Corpus {
        index: SearchIndex,
        maebashi: Uuid,
        manazuru: Uuid,
    }

    fn corpus() -> Corpus {
        let maebashi = Uuid::now_v7();
        let manazuru = Uuid::now_v7();
        let mut plaza = doc(
            "resource",
            maebashi,
            "子育てひろば 親子元気ルーム",
            "親子で安心して一緒に遊べるプレイルームです。",
        );
        plaza.child_age_months = Some((0, 36));
        let mut seminar = doc(
            "program",
            maebashi,
            "女性活躍推進セミナー（託児付き）",
            "２０２４年度の就職支援事業。ｾﾐﾅｰ中は保育士がお子さんを預かります。",
        );
        seminar.starts_at = Some(Utc.with_ymd_and_hms(2026, 12, 5, 1, 0, 0).single().unwrap());
        seminar.free_places = Some(3);
        let mut workshop = doc(
            "program",
            manazuru,
            "美術館ワークショップ 小学生の鑑賞会",
            "真鶴の自然とアートを体験学習で。由比ヶ浜ではなく琴ヶ浜の石を描きます。",
        );
        workshop.child_age_months = Some((72, 144));
        workshop.free_places = Some(0);
        let issue = doc(
            "local_issue",
            manazuru,
            "公園づくり",
            "子育て。支援の担い手が足りない地区で、公民連携により公園をつくる。",
        );
        let hall = doc(
            "article",
            maebashi,
            "前橋市役所からのお知らせ",
            "京の都の話",
        );
        let index = SearchIndex::in_memory().unwrap();
        index
            .apply(&[plaza, seminar, workshop, issue, hall], &[])
            .unwrap();
        Corpus {
            index,
            maebashi,
            manazuru,
        }
    }

    fn titles(index: &SearchIndex, request: SearchRequest) -> Vec<String> {
        let results = index
            .search(&SearchRequest {
                limit: 10,
                ..request
            })
            .unwrap();
        results
            .hits
            .iter()
            .map(|hit| hit.title_html.replace("<b>", "").replace("</b>", ""))
            .collect()
    }

    fn find(index: &SearchIndex, text: &str) -> Vec<String> {
        titles(
            index,
            SearchRequest {
                text: text.into(),
                ..SearchRequest::default()
            },
        )
    }

    #[test]
    fn residents_find_what_they_type() {
        let c = corpus();
        assert_eq!(
            find(&c.index, "子育て ひろば"),
            ["子育てひろば 親子元気ルーム"]
        );
        assert_eq!(
            find(&c.index, "託児付き セミナー"),
            ["女性活躍推進セミナー（託児付き）"]
        );
        assert_eq!(
            find(&c.index, "美術館 ワークショップ 小学生"),
            ["美術館ワークショップ 小学生の鑑賞会"]
        );
    }

    #[test]
    fn width_and_spelling_variants_match() {
        let c = corpus();
        assert_eq!(find(&c.index, "ｾﾐﾅｰ"), ["女性活躍推進セミナー（託児付き）"]);
        assert_eq!(
            find(&c.index, "2024年度"),
            ["女性活躍推進セミナー（託児付き）"]
        );
        assert_eq!(
            find(&c.index, "琴ガ浜"),
            ["美術館ワークショップ 小学生の鑑賞会"]
        );
    }

    #[test]
    fn a_japanese_word_matches_as_a_phrase_not_as_characters() {
        let c = corpus();
        assert!(find(&c.index, "京都").is_empty());
        // The words stand apart in the issue (子育て。支援): no phrase across them.
        assert!(find(&c.index, "子育て支援").is_empty());
        assert_eq!(
            find(&c.index, "就職支援事業"),
            ["女性活躍推進セミナー（託児付き）"]
        );
    }

    #[test]
    fn a_single_character_finds_words_that_contain_it() {
        let c = corpus();
        assert_eq!(find(&c.index, "市"), ["前橋市役所からのお知らせ"]);
        let parks = find(&c.index, "園");
        assert_eq!(parks, ["公園づくり"]);
        let mut art = find(&c.index, "美");
        art.sort();
        assert_eq!(art, ["美術館ワークショップ 小学生の鑑賞会"]);
    }

    #[test]
    fn a_minus_word_excludes_and_exclusions_alone_find_nothing() {
        let c = corpus();
        let mut both = find(&c.index, "の");
        both.sort();
        assert!(both.len() >= 3, "{both:?}");
        let without_art = find(&c.index, "の -美術館");
        assert!(
            !without_art.iter().any(|t| t.contains("美術館")),
            "{without_art:?}"
        );
        assert_eq!(without_art.len(), both.len() - 1);
        assert!(find(&c.index, "-美術館").is_empty());
    }

    #[test]
    fn title_matches_rank_above_body_matches() {
        let maebashi = Uuid::now_v7();
        let index = SearchIndex::in_memory().unwrap();
        index
            .apply(
                &[
                    doc(
                        "article",
                        maebashi,
                        "お知らせ",
                        "移住相談会を開きます。移住の話",
                    ),
                    doc("program", maebashi, "移住相談会", "前橋で暮らす"),
                ],
                &[],
            )
            .unwrap();
        assert_eq!(find(&index, "移住 相談会"), ["移住相談会", "お知らせ"]);
    }

    #[test]
    fn filters_narrow_and_facets_count_by_kind() {
        let c = corpus();
        let results = c
            .index
            .search(&SearchRequest {
                text: "の".into(),
                municipality_id: Some(c.manazuru),
                limit: 10,
                ..SearchRequest::default()
            })
            .unwrap();
        assert_eq!(results.total, 2);
        let mut counts = results.kind_counts.clone();
        counts.sort();
        assert_eq!(counts, [("local_issue".into(), 1), ("program".into(), 1)]);

        let programs = titles(
            &c.index,
            SearchRequest {
                text: "の".into(),
                kinds: vec!["program".into()],
                ..SearchRequest::default()
            },
        );
        assert_eq!(programs.len(), 2);
        let for_a_toddler = titles(
            &c.index,
            SearchRequest {
                text: "ルーム".into(),
                child_age_months: Some(18),
                municipality_id: Some(c.maebashi),
                ..SearchRequest::default()
            },
        );
        assert_eq!(for_a_toddler, ["子育てひろば 親子元気ルーム"]);
        let with_seats = titles(
            &c.index,
            SearchRequest {
                text: "の".into(),
                has_free_places: true,
                ..SearchRequest::default()
            },
        );
        assert_eq!(with_seats, ["女性活躍推進セミナー（託児付き）"]);
        let upcoming = titles(
            &c.index,
            SearchRequest {
                text: "セミナー".into(),
                starts_after: Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).single(),
                ..SearchRequest::default()
            },
        );
        assert!(upcoming.is_empty());
    }

    #[test]
    fn a_quoted_phrase_is_exact_and_spans_the_spaces_between_japanese_words() {
        let town = Uuid::now_v7();
        let index = SearchIndex::in_memory().unwrap();
        index
            .apply(
                &[
                    doc("article", town, "子育て支援センターだより", "お知らせ"),
                    doc("article", town, "支援の輪と子育て", "地域で"),
                ],
                &[],
            )
            .unwrap();
        assert_eq!(
            find(&index, "\"子育て 支援\""),
            ["子育て支援センターだより"]
        );
        assert_eq!(find(&index, "子育て 支援").len(), 2);
        // An open quote is a phrase to the end, not an error.
        assert_eq!(find(&index, "\"子育て 支援"), ["子育て支援センターだより"]);
        // Excluding a phrase keeps the other.
        assert_eq!(
            find(&index, "子育て -\"子育て 支援\""),
            ["支援の輪と子育て"]
        );
        assert!(find(&index, "\"支援 子育て\"").is_empty());
    }

    #[test]
    fn longer_latin_words_match_one_typo_away_below_the_exact_word() {
        let town = Uuid::now_v7();
        let index = SearchIndex::in_memory().unwrap();
        index
            .apply(
                &[
                    doc("article", town, "Workshop for families", ""),
                    doc("article", town, "Workshops online", ""),
                    doc("article", town, "Tour of the port", ""),
                ],
                &[],
            )
            .unwrap();
        assert_eq!(find(&index, "workshp"), ["Workshop for families"]);
        assert_eq!(
            find(&index, "workshops"),
            ["Workshops online", "Workshop for families"]
        );
        // Short words do not stretch: tour is not your.
        assert!(find(&index, "tours").contains(&"Tour of the port".to_owned()));
        assert!(find(&index, "your").is_empty());
    }

    #[test]
    fn categories_filter_and_count_like_kinds_and_dates_order_or_boost() {
        let town = Uuid::now_v7();
        let now = Utc::now();
        let mut art_soon = doc("program", town, "美術の体験 あす", "");
        art_soon.categories = vec!["art".into()];
        art_soon.starts_at = Some(now + chrono::Duration::days(1));
        let mut art_later = doc("program", town, "美術の体験 来年", "");
        art_later.categories = vec!["art".into(), "nature".into()];
        art_later.starts_at = Some(now + chrono::Duration::days(300));
        let mut park = doc("local_issue", town, "公園で美術の体験を", "");
        park.categories = vec!["parks".into()];
        let index = SearchIndex::in_memory().unwrap();
        index.apply(&[park, art_later, art_soon], &[]).unwrap();

        let request = |categories: &[&str], kinds: &[&str], order| SearchRequest {
            text: "美術 体験".into(),
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
            kinds: kinds.iter().map(|c| (*c).to_owned()).collect(),
            order,
            limit: 10,
            ..SearchRequest::default()
        };
        let all = index.search(&request(&[], &[], Order::Relevance)).unwrap();
        assert_eq!(all.total, 3);
        assert_eq!(
            all.category_counts,
            [
                ("art".to_owned(), 2),
                ("nature".to_owned(), 1),
                ("parks".to_owned(), 1)
            ]
        );
        // The session tomorrow outranks the one next year; equal text otherwise.
        let first = &all.hits[0]
            .title_html
            .replace("<b>", "")
            .replace("</b>", "");
        assert_eq!(first, "美術の体験 あす");

        let nature = index
            .search(&request(&["nature"], &[], Order::Relevance))
            .unwrap();
        assert_eq!(nature.total, 1);
        // Category counts ignore the category filter; kind counts honour it.
        assert_eq!(nature.category_counts, all.category_counts);
        assert_eq!(nature.kind_counts, [("program".to_owned(), 1)]);
        let issues = index
            .search(&request(&[], &["local_issue"], Order::Relevance))
            .unwrap();
        assert_eq!(issues.category_counts, [("parks".to_owned(), 1)]);
        assert_eq!(
            issues.kind_counts,
            [("local_issue".to_owned(), 1), ("program".to_owned(), 2)]
        );

        let by_date = titles(&index, request(&[], &[], Order::Date));
        assert_eq!(
            by_date,
            ["美術の体験 あす", "美術の体験 来年", "公園で美術の体験を"]
        );
        let paged = index
            .search(&SearchRequest {
                offset: 1,
                limit: 1,
                ..request(&[], &[], Order::Date)
            })
            .unwrap();
        assert_eq!(paged.total, 3);
        assert_eq!(paged.hits.len(), 1);
        assert!(paged.hits[0].title_html.contains("来年"), "{paged:?}");
    }

    #[test]
    fn suggestions_complete_any_word_of_a_title_in_one_town() {
        let c = corpus();
        let titles = |prefix: &str, town: Uuid| -> Vec<String> {
            c.index
                .suggest(Some(town), prefix, 5)
                .unwrap()
                .into_iter()
                .map(|s| s.title)
                .collect()
        };
        assert_eq!(titles("子育", c.maebashi), ["子育てひろば 親子元気ルーム"]);
        assert_eq!(titles("親子", c.maebashi), ["子育てひろば 親子元気ルーム"]);
        assert_eq!(titles("ｾﾐﾅ", c.maebashi), Vec::<String>::new());
        assert_eq!(
            titles("女性", c.maebashi),
            ["女性活躍推進セミナー（託児付き）"]
        );
        assert_eq!(
            titles("美術館", c.manazuru),
            ["美術館ワークショップ 小学生の鑑賞会"]
        );
        assert!(titles("美術館", c.maebashi).is_empty());
        assert!(titles(" ", c.maebashi).is_empty());
        assert!(titles(".*", c.maebashi).is_empty());
    }

    #[test]
    fn many_commits_merge_into_one_segment_that_finds_everything() {
        let town = Uuid::now_v7();
        let index = SearchIndex::in_memory().unwrap();
        for n in 0..12 {
            index
                .apply(
                    &[doc("article", town, &format!("公園だより 第{n}号"), "")],
                    &[],
                )
                .unwrap();
        }
        assert!(index.num_segments() > 1);
        index.merge_segments().unwrap();
        assert_eq!(index.num_segments(), 1);
        assert_eq!(find(&index, "公園だより").len(), 10);
        assert_eq!(index.num_docs(), 12);
    }

    #[test]
    fn snippets_highlight_the_match_and_removed_documents_disappear() {
        let c = corpus();
        let results = c
            .index
            .search(&SearchRequest {
                text: "プレイルーム".into(),
                limit: 10,
                ..SearchRequest::default()
            })
            .unwrap();
        assert_eq!(results.hits.len(), 1);
        assert!(
            results.hits[0].body_html.contains("<b>"),
            "{:?}",
            results.hits[0]
        );
        let key = document_key(&results.hits[0].kind, results.hits[0].id);
        c.index.apply(&[], &[key]).unwrap();
        assert!(find(&c.index, "プレイルーム").is_empty());
    }
}

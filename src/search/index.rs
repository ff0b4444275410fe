//! The tantivy index: one for every municipality, filtered by a municipality field.
//!
//! This file holds what the index is — its documents, requests and results, and opening
//! it; the rest is split by what a caller does with it: [`writing`] (staging, committing,
//! merging), the text search in [`search`] with its filters ([`filters`]), its fallback to
//! partial matches ([`partial`]) and the hits it reads back ([`hits`]), [`did_you_mean`]
//! and the autocomplete [`suggest`].

use std::{
    path::Path,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};
use tantivy::{
    Index, IndexReader, IndexWriter, ReloadPolicy, Score, directory::MmapDirectory,
    tokenizer::TextAnalyzer,
};
use uuid::Uuid;

pub use super::collector::Order;
use super::{
    analyzer::{self, JapaneseBigram, JapaneseKana, JapaneseLoose},
    schema::{Fields, schema},
    synonyms::Synonyms,
};

mod did_you_mean;
mod filters;
mod hits;
mod partial;
mod search;
mod suggest;
mod writing;

pub use partial::PARTIAL_BELOW;
pub use writing::SpaceUsage;

/// Bump when the schema or the analyzer changes: an index of another version is rebuilt.
pub const VERSION: u32 = 7;

/// Memory the writer may use before it flushes a segment.
const WRITER_MEMORY: usize = 50_000_000;

/// Decompressed stored-document blocks cached per segment.
const DOC_STORE_CACHE_BLOCKS: usize = 10;

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
}

#[cfg(test)]
mod tests;

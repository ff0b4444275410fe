//! The index schema: its fields, and which of them a query matches in and with what weight.

use tantivy::{
    Score,
    schema::{
        FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
        TextOptions,
    },
};

use super::analyzer;

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
    /// Katakana words of title, tags, organizer and body without ッ and ー: what a typo
    /// dropping one of them still finds (below exact matches).
    pub loose: Field,
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

/// Name of the kind field (faceted).
pub const KIND_FIELD: &str = "kind";
/// Name of the category field (faceted).
pub const CATEGORY_FIELD: &str = "categories";
/// Name of the date field (sorted by).
pub const DATE_FIELD: &str = "starts_at";

/// The schema of the index and its fields.
pub fn schema() -> (Schema, Fields) {
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
    let loose = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer::LOOSE_NAME)
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
        loose: builder.add_text_field("loose", loose),
        starts_at: builder.add_i64_field(DATE_FIELD, INDEXED | STORED | FAST),
        // Fast fields: range filters then test each candidate of the text query instead of
        // collecting every document in the range first.
        child_age_min: builder.add_i64_field("child_age_min", INDEXED | FAST),
        child_age_max: builder.add_i64_field("child_age_max", INDEXED | FAST),
        free_places: builder.add_i64_field("free_places", INDEXED | STORED | FAST),
    };
    (builder.build(), fields)
}

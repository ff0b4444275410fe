//! Writing the index: staging documents, committing them with the reader's checkpoint,
//! merging segments after a rebuild, and finding the documents whose date has passed.

use std::{collections::BTreeMap, ops::Bound};

use chrono::{DateTime, Utc};
use tantivy::{TantivyDocument, Term, collector::TopDocs, query::RangeQuery};
use uuid::Uuid;

use super::{SearchDocument, SearchIndex, analyzer, hits};

/// Tries to merge all segments while background merges hold some of them.
const MERGE_ATTEMPTS: usize = 100;

/// Bytes the searchable segments take on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceUsage {
    /// Per field — terms, postings, positions, fast fields and norms together — largest
    /// first.
    pub per_field: Vec<(String, u64)>,
    /// The stored documents.
    pub stored: u64,
    /// Everything.
    pub total: u64,
}

impl SearchIndex {
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

    /// What the searchable segments take on disk, per field and in all.
    pub fn space_per_field(&self) -> tantivy::Result<SpaceUsage> {
        let usage = self.reader.searcher().space_usage()?;
        let mut per_field: BTreeMap<String, u64> = BTreeMap::new();
        let mut stored = 0;
        for segment in usage.segments() {
            for part in [
                segment.termdict(),
                segment.postings(),
                segment.positions(),
                segment.fast_fields(),
                segment.fieldnorms(),
            ] {
                for field in part.fields() {
                    *per_field.entry(field.field_name().to_owned()).or_default() +=
                        field.total().get_bytes();
                }
            }
            stored += segment.store().total().get_bytes();
        }
        let mut fields: Vec<(String, u64)> = per_field.into_iter().collect();
        fields.sort_by(|(a_name, a), (b_name, b)| b.cmp(a).then_with(|| a_name.cmp(b_name)));
        Ok(SpaceUsage {
            per_field: fields,
            stored,
            total: usage.total().get_bytes(),
        })
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
            started.extend(hits::kind_and_id(&doc, f.key));
        }
        Ok(started)
    }
}

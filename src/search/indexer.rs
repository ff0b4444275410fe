//! The indexer: keeping this replica's index in step with the database, and searching it.
//!
//! Each replica has its own index. Content changes write `search_outbox` rows in their own
//! transaction; every replica reads the outbox from its checkpoint, reloads the changed
//! records from the database, and commits the index together with the new checkpoint (the
//! commit payload). A crash between the database commit and the index commit loses
//! nothing: the checkpoint did not move, so the rows are read again.

use std::{
    collections::HashSet,
    path::PathBuf,
    sync::{Arc, RwLock},
    time::Duration,
};

use anyhow::Context;
use chrono::{DateTime, Utc};
use entity::search_outbox;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use uuid::Uuid;

use super::{
    index::{SearchIndex, SearchRequest, SearchResults, Suggestion, VERSION, document_key},
    sources::{self, Documents},
    synonyms::{self, Synonyms},
};

/// Corrections offered when a search finds nothing.
const DID_YOU_MEAN: usize = 3;

/// Outbox rows read per round.
const BATCH: u64 = 500;
/// How often the indexer looks for new rows.
pub const POLL: Duration = Duration::from_millis(300);
/// Rows younger than this are applied but the checkpoint does not pass them yet: a
/// transaction that began earlier may still commit a row with a smaller id.
const SETTLE: Duration = Duration::from_secs(5);
/// Outbox rows are kept this long; an index whose checkpoint is older is rebuilt.
pub const RETENTION_DAYS: i64 = 7;

/// Where the index stands, stored with each index commit.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
struct Checkpoint {
    /// Schema and analyzer version the index was built with.
    version: u32,
    /// Every outbox row up to this id is applied.
    cursor: Option<Uuid>,
    /// When the index was last brought up to date.
    at: Option<DateTime<Utc>>,
}

/// What the indexer knows between rounds.
#[derive(Debug, Default)]
struct Progress {
    /// The checkpoint of the last commit.
    checkpoint: Checkpoint,
    /// Rows past the checkpoint that are applied already but not yet settled.
    applied: HashSet<Uuid>,
}

/// The search index of this replica and its indexer.
#[derive(Clone)]
pub struct Search {
    index: SearchIndex,
    db: DatabaseConnection,
    /// Where documents are read from.
    documents: Arc<dyn Documents>,
    /// Serializes index writes (outbox rounds and rebuilds).
    progress: Arc<Mutex<Progress>>,
    /// Every municipality's own synonyms, reloaded when the outbox says they changed.
    local_synonyms: Arc<RwLock<Arc<Synonyms>>>,
}

impl Search {
    /// Opens the index in `dir` (in memory when `None`) over the documents `documents`
    /// reads, rebuilds it when it is missing, of another version or too far behind, and
    /// applies the outbox once.
    pub async fn open(
        db: DatabaseConnection,
        documents: Arc<dyn Documents>,
        dir: Option<PathBuf>,
    ) -> anyhow::Result<Self> {
        let index = tokio::task::spawn_blocking(move || match dir {
            Some(dir) => SearchIndex::open_in_dir(&dir)
                .with_context(|| format!("opening the search index in {}", dir.display())),
            None => SearchIndex::in_memory().context("creating the search index"),
        })
        .await??;
        let stored: Option<Checkpoint> = index
            .payload()?
            .and_then(|payload| serde_json::from_str(&payload).ok());
        let local_synonyms = synonyms::load_local(&db).await?;
        let search = Self {
            index,
            db,
            documents,
            local_synonyms: Arc::new(RwLock::new(Arc::new(local_synonyms))),
            progress: Arc::new(Mutex::new(Progress {
                checkpoint: stored.clone().unwrap_or_default(),
                applied: HashSet::new(),
            })),
        };
        let stale = stored.is_none_or(|checkpoint| {
            checkpoint.version != VERSION
                || checkpoint
                    .at
                    .is_none_or(|at| Utc::now() - at > chrono::Duration::days(RETENTION_DAYS - 1))
        });
        if stale {
            tracing::info!("search index missing or outdated; rebuilding it");
            search.rebuild(|_, _| {}).await?;
        }
        search.sync().await?;
        Ok(search)
    }

    /// Applies outbox rows until none are left, then refreshes documents whose date has
    /// passed; returns how many outbox rows were read.
    pub async fn sync(&self) -> anyhow::Result<usize> {
        let mut total = 0;
        loop {
            let read = self.sync_round().await?;
            total += read;
            if read < BATCH as usize {
                break;
            }
        }
        self.refresh_started().await?;
        Ok(total)
    }

    /// Reloads the documents whose indexed date (a program's next session start) has
    /// come: their date moves on to the next upcoming session, or goes. Nothing in the
    /// database changes when time passes, so no outbox row would say so; every replica
    /// looks at its own index instead. Returns how many were reloaded.
    pub async fn refresh_started(&self) -> anyhow::Result<usize> {
        let index = self.index.clone();
        let started =
            tokio::task::spawn_blocking(move || index.started(Utc::now(), BATCH as usize))
                .await??;
        if started.is_empty() {
            return Ok(0);
        }
        let progress = self.progress.lock().await;
        let mut upserts = Vec::new();
        let mut removals = Vec::new();
        let now = Utc::now();
        for (kind, id) in &started {
            match self.documents.load(&self.db, kind, *id).await? {
                Some(mut document) => {
                    // A source that still gives a past date would be reloaded every round.
                    if document.starts_at.is_some_and(|at| at <= now) {
                        document.starts_at = None;
                    }
                    upserts.push(document);
                }
                None => removals.push(document_key(kind, *id)),
            }
        }
        let payload = serde_json::to_string(&progress.checkpoint)?;
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || {
            index.stage(&upserts, &removals)?;
            index.commit(&payload)
        })
        .await??;
        drop(progress);
        Ok(started.len())
    }

    /// Runs the indexer until the process ends.
    pub fn spawn_indexer(&self) -> tokio::task::JoinHandle<()> {
        let search = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(POLL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(error) = search.sync().await {
                    tracing::warn!(error = %format!("{error:#}"), "search indexer round failed");
                }
            }
        })
    }

    async fn sync_round(&self) -> anyhow::Result<usize> {
        let mut progress = self.progress.lock().await;
        let checkpoint = progress.checkpoint.clone();
        let mut query = search_outbox::Entity::find()
            .order_by_asc(search_outbox::Column::Id)
            .limit(BATCH);
        if let Some(cursor) = checkpoint.cursor {
            query = query.filter(search_outbox::Column::Id.gt(cursor));
        }
        let rows = query.all(&self.db).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let settled_before = Utc::now() - chrono::Duration::from_std(SETTLE)?;
        let mut next = checkpoint.clone();
        if let Some(row) = rows
            .iter()
            .take_while(|row| row.created_at < settled_before)
            .last()
        {
            next.cursor = Some(row.id);
        }
        // Rows past the checkpoint are read again each round until they settle, but
        // applied only once.
        let fresh: Vec<&search_outbox::Model> = rows
            .iter()
            .filter(|row| !progress.applied.contains(&row.id))
            .collect();
        let read = rows
            .iter()
            .filter(|row| row.created_at < settled_before)
            .count();
        let done = if read == rows.len() { read } else { 0 };
        if fresh.is_empty() && next.cursor == checkpoint.cursor {
            return Ok(done);
        }
        let mut changed: Vec<(String, Uuid)> = fresh
            .iter()
            .map(|row| (row.kind.clone(), row.record_id))
            .collect();
        changed.sort();
        changed.dedup();
        // A municipality's synonyms changed: not a document, but reloaded here so that every
        // replica expands with the same words.
        if changed
            .iter()
            .any(|(kind, _)| kind == sources::SEARCH_SYNONYMS)
        {
            self.reload_synonyms().await?;
            changed.retain(|(kind, _)| kind != sources::SEARCH_SYNONYMS);
        }
        let mut upserts = Vec::new();
        let mut removals = Vec::new();
        for (kind, id) in changed {
            match self.documents.load(&self.db, &kind, id).await? {
                Some(document) => upserts.push(document),
                None => removals.push(document_key(&kind, id)),
            }
        }
        next.at = Some(Utc::now());
        let payload = serde_json::to_string(&next)?;
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || {
            index.stage(&upserts, &removals)?;
            index.commit(&payload)
        })
        .await??;
        let applied: Vec<Uuid> = fresh.iter().map(|row| row.id).collect();
        progress.applied.extend(applied);
        if let Some(cursor) = next.cursor {
            progress.applied.retain(|id| *id > cursor);
        }
        progress.checkpoint = next;
        Ok(done)
    }

    /// Rebuilds the index from the database; `progress(done, total)` reports records read.
    pub async fn rebuild(&self, progress: impl Fn(u64, u64)) -> anyhow::Result<u64> {
        let mut state = self.progress.lock().await;
        // Everything in the outbox up to now is covered by reading the records themselves.
        let settled_before = Utc::now() - chrono::Duration::from_std(SETTLE)?;
        let cursor = search_outbox::Entity::find()
            .filter(search_outbox::Column::CreatedAt.lt(settled_before))
            .order_by_desc(search_outbox::Column::Id)
            .one(&self.db)
            .await?
            .map(|row| row.id);
        let mut total = 0;
        for kind in sources::KINDS {
            total += self.documents.count(&self.db, kind).await?;
        }
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || index.stage_clear()).await??;
        let mut done = 0;
        let mut indexed = 0;
        for kind in sources::KINDS {
            let mut page = 0;
            loop {
                let (documents, read) = self.documents.page(&self.db, kind, page, BATCH).await?;
                if read == 0 {
                    break;
                }
                done += read;
                indexed += documents.len() as u64;
                let index = self.index.clone();
                tokio::task::spawn_blocking(move || index.stage(&documents, &[])).await??;
                progress(done, total);
                page += 1;
            }
        }
        let next = Checkpoint {
            version: VERSION,
            cursor,
            at: Some(Utc::now()),
        };
        let payload = serde_json::to_string(&next)?;
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || {
            index.commit(&payload)?;
            index.merge_segments()
        })
        .await??;
        state.checkpoint = next;
        state.applied.clear();
        Ok(indexed)
    }

    /// Reads every municipality's own synonyms again.
    pub async fn reload_synonyms(&self) -> anyhow::Result<()> {
        let loaded = Arc::new(synonyms::load_local(&self.db).await?);
        let mut local = self
            .local_synonyms
            .write()
            .map_err(|_| anyhow::anyhow!("synonyms lock poisoned"))?;
        *local = loaded;
        Ok(())
    }

    /// Searches the index, with the built-in synonyms and the municipalities' own. Hits
    /// still need a visibility check against the database.
    pub async fn search(&self, request: SearchRequest) -> anyhow::Result<SearchResults> {
        let index = self.index.clone();
        let local = self
            .local_synonyms
            .read()
            .map_err(|_| anyhow::anyhow!("synonyms lock poisoned"))?
            .clone();
        Ok(tokio::task::spawn_blocking(move || {
            let mut results = index.search_with(&request, &local)?;
            if results.total == 0 {
                results.did_you_mean = index
                    .did_you_mean(&request, &local, DID_YOU_MEAN)?
                    .into_iter()
                    .map(|correction| correction.text)
                    .collect();
            }
            Ok::<_, tantivy::TantivyError>(results)
        })
        .await??)
    }

    /// Titles of `municipality` with a word starting with `prefix`, best first.
    pub async fn suggest(
        &self,
        municipality: Uuid,
        prefix: String,
        limit: usize,
    ) -> anyhow::Result<Vec<Suggestion>> {
        let index = self.index.clone();
        let local = self
            .local_synonyms
            .read()
            .map_err(|_| anyhow::anyhow!("synonyms lock poisoned"))?
            .clone();
        Ok(tokio::task::spawn_blocking(move || {
            let found = index.suggest(Some(municipality), &prefix, limit)?;
            if !found.is_empty() {
                return Ok(found);
            }
            // No title has a word starting so: the titles with the closest word.
            let request = SearchRequest {
                text: prefix,
                municipality_id: Some(municipality),
                ..SearchRequest::default()
            };
            let mut closest: Vec<Suggestion> = Vec::new();
            for correction in index.did_you_mean(&request, &local, DID_YOU_MEAN)? {
                for document in correction.documents {
                    if closest.len() < limit && !closest.iter().any(|s| s.title == document.title) {
                        closest.push(document);
                    }
                }
            }
            Ok::<_, tantivy::TantivyError>(closest)
        })
        .await??)
    }

    /// Number of searchable documents (for readiness).
    pub fn num_docs(&self) -> u64 {
        self.index.num_docs()
    }
}

/// The commit payload of an index built just now from nothing but an empty outbox: tools
/// that build an index outside the server (the search benchmark) commit with it, and the
/// server then serves that index as current instead of rebuilding it.
pub fn fresh_checkpoint() -> serde_json::Result<String> {
    serde_json::to_string(&Checkpoint {
        version: VERSION,
        cursor: None,
        at: Some(Utc::now()),
    })
}

/// Deletes outbox rows older than the retention period.
pub async fn prune_outbox(db: &DatabaseConnection) -> Result<u64, sea_orm::DbErr> {
    let cutoff = Utc::now() - chrono::Duration::days(RETENTION_DAYS);
    let result = search_outbox::Entity::delete_many()
        .filter(search_outbox::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

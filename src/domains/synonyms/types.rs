//! GraphQL objects of a municipality's search synonyms.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::search_synonym;

use crate::graphql::ids::{self, NodeKind};

/// A group of words a municipality's residents use for the same thing (place names,
/// facility nicknames, programme names): a search for one also finds the others, in that
/// municipality's content, a little below the word itself.
#[derive(Debug, Clone, SimpleObject)]
pub struct SearchSynonymGroup {
    /// Global id.
    pub id: ID,
    /// Global id of the municipality.
    pub municipality_id: ID,
    /// The words, as written.
    pub words: Vec<String>,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
}

impl From<search_synonym::Model> for SearchSynonymGroup {
    fn from(model: search_synonym::Model) -> Self {
        Self {
            id: ids::encode(NodeKind::SearchSynonymGroup, model.id),
            municipality_id: ids::encode(NodeKind::Municipality, model.municipality_id),
            words: model.words.lines().map(str::to_owned).collect(),
            updated_at: model.updated_at,
        }
    }
}

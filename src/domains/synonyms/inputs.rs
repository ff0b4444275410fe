//! GraphQL inputs of a municipality's search synonyms and payloads of their mutations.

use async_graphql::{ID, InputObject, SimpleObject};

use super::{service, types::SearchSynonymGroup};
use crate::{
    error::AppResult,
    graphql::{
        ids::{self, NodeKind},
        payload::UserError,
    },
};

/// Save a group of search synonyms of a municipality you administer: new, or replacing the
/// words of one of its groups.
#[derive(Debug, InputObject)]
pub struct SaveSearchSynonymGroupInput {
    /// JIS code of the municipality, e.g. `10201`.
    pub municipality_code: String,
    /// The group to replace; omit it to add a new group.
    pub id: Option<ID>,
    /// 2 to 20 words of at most 40 characters each that mean the same, e.g. 「ほっとプラザ」
    /// 「地域交流センター」. Words differing only in width or kana (ｺﾐｭﾆﾃｨ / コミュニティ /
    /// こみゅにてぃ) count as one.
    pub words: Vec<String>,
}

impl SaveSearchSynonymGroupInput {
    /// The service's group.
    pub fn into_group(self) -> AppResult<service::SynonymGroup> {
        Ok(service::SynonymGroup {
            municipality_code: self.municipality_code,
            id: self
                .id
                .map(|id| ids::decode_as(&id, NodeKind::SearchSynonymGroup))
                .transpose()?,
            words: self.words,
        })
    }
}

/// Result of `saveSearchSynonymGroup`.
#[derive(Debug, SimpleObject)]
pub struct SaveSearchSynonymGroupPayload {
    /// The group as saved.
    pub group: Option<SearchSynonymGroup>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// Delete a group of search synonyms of a municipality you administer.
#[derive(Debug, InputObject)]
pub struct DeleteSearchSynonymGroupInput {
    /// The group.
    pub id: ID,
}

/// Result of `deleteSearchSynonymGroup`.
#[derive(Debug, SimpleObject)]
pub struct DeleteSearchSynonymGroupPayload {
    /// Global id of the deleted group.
    pub deleted_id: Option<ID>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

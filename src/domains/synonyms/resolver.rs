//! GraphQL entry points of a municipality's search synonyms: adapters over the service.

use async_graphql::{Context, Object, Result, ResultExt};

use super::{
    inputs::{
        DeleteSearchSynonymGroupInput, DeleteSearchSynonymGroupPayload,
        SaveSearchSynonymGroupInput, SaveSearchSynonymGroupPayload,
    },
    service,
    types::SearchSynonymGroup,
};
use crate::{
    auth::ADMINS,
    graphql::{
        context,
        guard::RoleGuard,
        ids::{self, NodeKind},
        payload::{UserError, split},
    },
    state::ServiceContext,
};

/// Queries of search synonyms.
#[derive(Default)]
pub struct SynonymsQuery;

#[Object]
impl SynonymsQuery {
    /// The search synonym groups of a municipality you administer, oldest first. The
    /// built-in dictionary applies to every municipality besides these.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn search_synonym_groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "JIS code of the municipality, e.g. `10201`.")] municipality_code: String,
    ) -> Result<Vec<SearchSynonymGroup>> {
        let (state, viewer) = context(ctx)?;
        let groups = service::list(ServiceContext::from(state), viewer, &municipality_code)
            .await
            .extend()?;
        Ok(groups.into_iter().map(SearchSynonymGroup::from).collect())
    }
}

/// Mutations of search synonyms.
#[derive(Default)]
pub struct SynonymsMutation;

#[Object]
impl SynonymsMutation {
    /// Add a group of words that mean the same to a municipality you administer, or replace
    /// the words of one of its groups. Searches expand with it within about a second, in
    /// that municipality's content only.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn save_search_synonym_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The municipality and the words.")] input: SaveSearchSynonymGroupInput,
    ) -> Result<SaveSearchSynonymGroupPayload> {
        let (state, viewer) = context(ctx)?;
        let group = input.into_group().extend()?;
        let outcome = service::save(ServiceContext::from(state), viewer, group)
            .await
            .extend()?;
        let (group, user_errors) = split(outcome);
        Ok(SaveSearchSynonymGroupPayload { group, user_errors })
    }

    /// Delete a group of search synonyms of a municipality you administer.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn delete_search_synonym_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group.")] input: DeleteSearchSynonymGroupInput,
    ) -> Result<DeleteSearchSynonymGroupPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::SearchSynonymGroup).extend()?;
        let outcome = service::delete(ServiceContext::from(state), viewer, id)
            .await
            .extend()?;
        let (deleted_id, user_errors): (Option<uuid::Uuid>, Vec<UserError>) = split(outcome);
        Ok(DeleteSearchSynonymGroupPayload {
            deleted_id: deleted_id.map(|id| ids::encode(NodeKind::SearchSynonymGroup, id)),
            user_errors,
        })
    }
}

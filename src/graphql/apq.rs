//! Automatic persisted queries (the Apollo APQ protocol). Registered queries live in the
//! database, so a hash sent to one replica works on every other.

use std::sync::Arc;

use async_graphql::{
    Request, ServerResult,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest},
};
use chrono::Utc;
use entity::persisted_query;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, sea_query::OnConflict};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::limits::coded_error;

/// Longest query accepted for registration.
const MAX_QUERY_BYTES: usize = 100_000;

/// The extension factory.
#[derive(Clone)]
pub struct PersistedQueries {
    db: DatabaseConnection,
}

impl PersistedQueries {
    /// Stores and looks up queries in `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

impl ExtensionFactory for PersistedQueries {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PersistedQuery {
    version: i32,
    sha256_hash: String,
}

#[async_trait::async_trait]
impl Extension for PersistedQueries {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let Some(value) = request.extensions.remove("persistedQuery") else {
            return next.run(ctx, request).await;
        };
        let persisted: PersistedQuery = serde_json::to_value(&value)
            .ok()
            .and_then(|json| serde_json::from_value(json).ok())
            .ok_or_else(|| {
                coded_error(
                    "BAD_USER_INPUT",
                    "The persistedQuery extension is malformed.",
                )
            })?;
        if persisted.version != 1 {
            return Err(coded_error(
                "BAD_USER_INPUT",
                "Only version 1 of persisted queries is supported.",
            ));
        }
        let hash = persisted.sha256_hash.to_ascii_lowercase();
        if request.query.is_empty() {
            let stored = persisted_query::Entity::find_by_id(hash)
                .one(&self.db)
                .await
                .map_err(|error| {
                    tracing::error!(%error, "looking up a persisted query");
                    coded_error("INTERNAL", "internal server error")
                })?;
            let Some(stored) = stored else {
                return Err(coded_error(
                    "PERSISTED_QUERY_NOT_FOUND",
                    "PersistedQueryNotFound",
                ));
            };
            request.query = stored.query;
        } else {
            if format!("{:x}", Sha256::digest(request.query.as_bytes())) != hash {
                return Err(coded_error(
                    "BAD_USER_INPUT",
                    "provided sha does not match query",
                ));
            }
            if request.query.len() <= MAX_QUERY_BYTES && request.parsed_query().is_ok() {
                let insert = persisted_query::Entity::insert(persisted_query::ActiveModel {
                    sha256_hash: Set(hash),
                    query: Set(request.query.clone()),
                    created_at: Set(Utc::now()),
                })
                .on_conflict(
                    OnConflict::column(persisted_query::Column::Sha256Hash)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&self.db)
                .await;
                if let Err(error) = insert {
                    tracing::warn!(%error, "registering a persisted query");
                }
            }
        }
        next.run(ctx, request).await
    }
}

//! Automatic persisted queries (the Apollo APQ protocol). Registered queries live in the
//! database, so a hash sent to one replica works on every other.
//!
//! Resolved in the transport before parsing, so the rules that depend on the query text
//! (GET may only query) apply to persisted queries too.

use chrono::Utc;
use entity::persisted_query;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, sea_query::OnConflict};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Longest query accepted for registration.
const MAX_QUERY_BYTES: usize = 100_000;

/// Why a persisted query could not be used: `(extensions.code, message)`.
pub type Refusal = (&'static str, &'static str);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PersistedQuery {
    version: i32,
    sha256_hash: String,
}

/// Applies the `persistedQuery` extension of `request`, if any: fills in the query text of
/// a known hash, or registers the query sent with its hash.
pub async fn resolve(
    db: &DatabaseConnection,
    request: &mut async_graphql::Request,
) -> Result<(), Refusal> {
    let Some(value) = request.extensions.remove("persistedQuery") else {
        return Ok(());
    };
    let persisted: PersistedQuery = serde_json::to_value(&value)
        .ok()
        .and_then(|json| serde_json::from_value(json).ok())
        .ok_or((
            "BAD_USER_INPUT",
            "The persistedQuery extension is malformed.",
        ))?;
    if persisted.version != 1 {
        return Err((
            "BAD_USER_INPUT",
            "Only version 1 of persisted queries is supported.",
        ));
    }
    let hash = persisted.sha256_hash.to_ascii_lowercase();
    if request.query.is_empty() {
        let stored = persisted_query::Entity::find_by_id(hash)
            .one(db)
            .await
            .map_err(|error| {
                tracing::error!(%error, "looking up a persisted query");
                ("INTERNAL", "internal server error")
            })?;
        let stored = stored.ok_or(("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound"))?;
        request.query = stored.query;
        return Ok(());
    }
    if format!("{:x}", Sha256::digest(request.query.as_bytes())) != hash {
        return Err(("BAD_USER_INPUT", "provided sha does not match query"));
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
        .exec_without_returning(db)
        .await;
        if let Err(error) = insert {
            tracing::warn!(%error, "registering a persisted query");
        }
    }
    Ok(())
}

//! DataLoaders of the content domain: one SQL statement per batch, not per row.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::user;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{domains::identity::loaders::LoadError, error::AppError};

/// Loads what lists of articles need per item.
pub struct ContentLoader {
    db: DatabaseConnection,
}

impl ContentLoader {
    /// A loader reading from `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// Key: the account that wrote an article (only its display name is shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthorId(pub Uuid);

impl Loader<AuthorId> for ContentLoader {
    type Value = user::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[AuthorId]) -> Result<HashMap<AuthorId, Self::Value>, Self::Error> {
        use async_graphql::ErrorExtensions;
        let rows = user::Entity::find()
            .filter(user::Column::Id.is_in(keys.iter().map(|key| key.0)))
            .all(&self.db)
            .await
            .map_err(|error| AppError::from(error).extend())?;
        Ok(rows
            .into_iter()
            .map(|row| (AuthorId(row.id), row))
            .collect())
    }
}

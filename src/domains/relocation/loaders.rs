//! DataLoaders of the relocation domain: one SQL statement per batch, not per row.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::user;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{domains::identity::loaders::LoadError, error::AppError};

/// Loads what lists of inquiries and profiles need per item.
pub struct RelocationLoader {
    db: DatabaseConnection,
}

impl RelocationLoader {
    /// A loader reading from `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// Key: the display name of a staff account (concierges, actors on a timeline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StaffName(pub Uuid);

impl Loader<StaffName> for RelocationLoader {
    type Value = String;
    type Error = LoadError;

    async fn load(&self, keys: &[StaffName]) -> Result<HashMap<StaffName, String>, LoadError> {
        use async_graphql::ErrorExtensions;
        let rows = user::Entity::find()
            .filter(user::Column::Id.is_in(keys.iter().map(|key| key.0)))
            .all(&self.db)
            .await
            .map_err(|error| AppError::from(error).extend())?;
        Ok(rows
            .into_iter()
            .map(|row| (StaffName(row.id), row.display_name))
            .collect())
    }
}

//! DataLoaders of the identity domain: one SQL statement per batch, not per row.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{municipality, organization, user};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppError;

/// Loads municipalities, organizations and accounts by id, for every domain.
pub struct IdentityLoader {
    db: DatabaseConnection,
}

impl IdentityLoader {
    /// A loader reading from `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// Key: a municipality's primary key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MunicipalityId(pub Uuid);

/// Key: a municipality's JIS code (as the KPI registry names municipalities).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MunicipalityCode(pub String);

/// Key: an organization's primary key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OrganizationId(pub Uuid);

/// Key: a user account's primary key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserId(pub Uuid);

/// Loader errors are shared between the waiting fields, with their `extensions.code`.
pub type LoadError = async_graphql::Error;

/// A database error as a loader error.
pub fn load_error(error: sea_orm::DbErr) -> LoadError {
    use async_graphql::ErrorExtensions;
    AppError::from(error).extend()
}

impl Loader<MunicipalityId> for IdentityLoader {
    type Value = municipality::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MunicipalityId],
    ) -> Result<HashMap<MunicipalityId, Self::Value>, Self::Error> {
        let rows = municipality::Entity::find()
            .filter(municipality::Column::Id.is_in(keys.iter().map(|key| key.0)))
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(rows
            .into_iter()
            .map(|row| (MunicipalityId(row.id), row))
            .collect())
    }
}

impl Loader<MunicipalityCode> for IdentityLoader {
    type Value = municipality::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MunicipalityCode],
    ) -> Result<HashMap<MunicipalityCode, Self::Value>, Self::Error> {
        let rows = municipality::Entity::find()
            .filter(municipality::Column::JisCode.is_in(keys.iter().map(|key| key.0.clone())))
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(rows
            .into_iter()
            .map(|row| (MunicipalityCode(row.jis_code.clone()), row))
            .collect())
    }
}

impl Loader<OrganizationId> for IdentityLoader {
    type Value = organization::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[OrganizationId],
    ) -> Result<HashMap<OrganizationId, Self::Value>, Self::Error> {
        let rows = organization::Entity::find()
            .filter(organization::Column::Id.is_in(keys.iter().map(|key| key.0)))
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(rows
            .into_iter()
            .map(|row| (OrganizationId(row.id), row))
            .collect())
    }
}

impl Loader<UserId> for IdentityLoader {
    type Value = user::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[UserId]) -> Result<HashMap<UserId, Self::Value>, Self::Error> {
        let rows = user::Entity::find()
            .filter(user::Column::Id.is_in(keys.iter().map(|key| key.0)))
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(rows.into_iter().map(|row| (UserId(row.id), row)).collect())
    }
}

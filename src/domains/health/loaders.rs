//! DataLoaders of the health domain: one SQL statement per batch, not per child, so a list
//! of children with their schedules costs the same few statements however long it is. They
//! load raw rows; the services that hand out the children check who may read them.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use entity::health_vaccination as vaccination;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::catalogue::Catalogue;
use crate::domains::identity::loaders::{LoadError, load_error};
use crate::state::ServiceContext;

/// Most children whose doses one statement reads.
pub const BATCH: usize = 10_000;

/// Loads what lists of children need per child.
pub struct HealthLoader {
    db: DatabaseConnection,
}

impl HealthLoader {
    /// A loader reading from `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// Key: the current doses of a child, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DosesOf(pub Uuid);

/// Key: the catalogue with the month-end rule of a municipality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CatalogueFor(pub Uuid);

impl Loader<DosesOf> for HealthLoader {
    type Value = Vec<vaccination::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[DosesOf]) -> Result<HashMap<DosesOf, Self::Value>, Self::Error> {
        use vaccination::Column;
        let rows = vaccination::Entity::find()
            .filter(Column::ChildId.is_in(keys.iter().map(|key| key.0)))
            .filter(Column::SupersededAt.is_null())
            .order_by_asc(Column::VaccinatedOn)
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut map: HashMap<DosesOf, Self::Value> = HashMap::new();
        for row in rows {
            map.entry(DosesOf(row.child_id)).or_default().push(row);
        }
        Ok(map)
    }
}

impl Loader<CatalogueFor> for HealthLoader {
    type Value = Arc<Catalogue>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CatalogueFor],
    ) -> Result<HashMap<CatalogueFor, Self::Value>, Self::Error> {
        let ctx = ServiceContext::quiet(&self.db);
        let mut map = HashMap::new();
        for key in keys {
            let catalogue = super::service::catalogue_for(ctx, key.0)
                .await
                .map_err(|e| {
                    use async_graphql::ErrorExtensions;
                    e.extend()
                })?;
            map.insert(*key, Arc::new(catalogue));
        }
        Ok(map)
    }
}

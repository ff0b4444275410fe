//! DataLoaders of the identity domain: one SQL statement per batch, not per row.

use std::{collections::HashMap, sync::Arc, time::Duration};

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{municipality, organization, user};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    cache::{Generational, Weight},
    error::AppError,
};

/// Loads municipalities, organizations and accounts by id, for every domain.
pub struct IdentityLoader {
    db: DatabaseConnection,
    reference: Arc<ReferenceRows>,
}

impl IdentityLoader {
    /// A loader reading from `db`, keeping municipalities and organizations in `reference`.
    pub fn new(db: DatabaseConnection, reference: Arc<ReferenceRows>) -> Self {
        Self { db, reference }
    }
}

/// Municipalities and organizations by id as last read: nearly every list names an
/// organizer or a municipality, and these rows change seldom (they are created, never
/// edited), so a list reads them from here instead of running a statement for them.
///
/// An entry is kept at most [`ReferenceRows::TTL`], and every entry goes stale when
/// [`ReferenceRows::invalidate_all`] is called: the server does so with every mutation it
/// runs and every event it hears on the bus, as it does for its response cache.
pub struct ReferenceRows {
    municipalities: Generational<Uuid, municipality::Model>,
    organizations: Generational<Uuid, organization::Model>,
}

impl ReferenceRows {
    /// Longest a row is served from here.
    pub const TTL: Duration = Duration::from_secs(1);
    /// Most rows of each kind kept.
    const ITEMS: usize = 4_096;

    /// Makes every row stale.
    pub fn invalidate_all(&self) {
        self.municipalities.invalidate_all();
        self.organizations.invalidate_all();
    }
}

impl Default for ReferenceRows {
    fn default() -> Self {
        let items = Self::ITEMS;
        Self {
            municipalities: Generational::new(items, items as u64, Self::TTL),
            organizations: Generational::new(items, items as u64, Self::TTL),
        }
    }
}

impl Weight for municipality::Model {}
impl Weight for organization::Model {}

/// The rows of `keys`: those held in `cache`, and the rest from `read`, which are then held.
async fn through_cache<K, M, F>(
    cache: &Generational<Uuid, M>,
    keys: &[K],
    id_of_key: impl Fn(&K) -> Uuid,
    id_of_row: impl Fn(&M) -> Uuid,
    key_of: impl Fn(Uuid) -> K,
    read: impl FnOnce(Vec<Uuid>) -> F,
) -> Result<HashMap<K, M>, LoadError>
where
    K: Eq + std::hash::Hash,
    M: Clone + Weight,
    F: Future<Output = Result<Vec<M>, sea_orm::DbErr>>,
{
    let generation = cache.generation();
    let mut found = HashMap::with_capacity(keys.len());
    let mut missing = Vec::new();
    for key in keys {
        let id = id_of_key(key);
        match cache.get(&id) {
            Some(row) => {
                found.insert(key_of(id), row);
            }
            None => missing.push(id),
        }
    }
    if !missing.is_empty() {
        for row in read(missing).await.map_err(load_error)? {
            let id = id_of_row(&row);
            cache.insert(generation, id, row.clone());
            found.insert(key_of(id), row);
        }
    }
    Ok(found)
}

/// A municipality by id: at once when the reference rows hold it (no batch, no wait for one),
/// else in the loader's next batch.
pub async fn municipality(
    loader: &DataLoader<IdentityLoader>,
    id: Uuid,
) -> Result<Option<municipality::Model>, LoadError> {
    if let Some(row) = loader.loader().reference.municipalities.get(&id) {
        return Ok(Some(row));
    }
    loader.load_one(MunicipalityId(id)).await
}

/// An organization by id: at once when the reference rows hold it (no batch, no wait for one),
/// else in the loader's next batch.
pub async fn organization(
    loader: &DataLoader<IdentityLoader>,
    id: Uuid,
) -> Result<Option<organization::Model>, LoadError> {
    if let Some(row) = loader.loader().reference.organizations.get(&id) {
        return Ok(Some(row));
    }
    loader.load_one(OrganizationId(id)).await
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
        through_cache(
            &self.reference.municipalities,
            keys,
            |key| key.0,
            |row| row.id,
            MunicipalityId,
            |ids| {
                municipality::Entity::find()
                    .filter(municipality::Column::Id.is_in(ids))
                    .all(&self.db)
            },
        )
        .await
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
        through_cache(
            &self.reference.organizations,
            keys,
            |key| key.0,
            |row| row.id,
            OrganizationId,
            |ids| {
                organization::Entity::find()
                    .filter(organization::Column::Id.is_in(ids))
                    .all(&self.db)
            },
        )
        .await
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

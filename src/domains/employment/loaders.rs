//! DataLoaders of the employment domain: one SQL statement per batch, not per row. They
//! load raw rows; only the team's records lead to them (the service checks visibility).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{
    employment_enrollment as enrollment, employment_enrollment_program as attachment,
    employment_follow_up as follow_up, employment_placement as placement,
    registration::{self, RegistrationStatus},
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::domains::identity::loaders::{LoadError, load_error};

/// Loads what lists of enrollments, placements and checkpoints need per item.
pub struct EmploymentLoader {
    db: DatabaseConnection,
}

impl EmploymentLoader {
    /// A loader reading from `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// Key: an enrollment by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnrollmentById(pub Uuid);

/// Key: a placement by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlacementById(pub Uuid);

/// Key: the placements of an enrollment, by start date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlacementsOf(pub Uuid);

/// Key: the checkpoints of a placement, by due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FollowUpsOf(pub Uuid);

/// Key: the attended program registrations of an enrollment — those of its resident
/// account and those attached by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttendedOf {
    /// The enrollment.
    pub enrollment_id: Uuid,
    /// Its municipality.
    pub municipality_id: Uuid,
    /// Its resident account, if linked.
    pub resident_id: Option<Uuid>,
}

/// An attended registration and whether it was attached by hand.
#[derive(Debug, Clone)]
pub struct Attended {
    /// The registration.
    pub registration: registration::Model,
    /// Attached by an advisor (rather than found through the resident account).
    pub attached: bool,
}

impl Loader<EnrollmentById> for EmploymentLoader {
    type Value = enrollment::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[EnrollmentById],
    ) -> Result<HashMap<EnrollmentById, Self::Value>, Self::Error> {
        let rows = enrollment::Entity::find()
            .filter(enrollment::Column::Id.is_in(keys.iter().map(|key| key.0)))
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(rows
            .into_iter()
            .map(|row| (EnrollmentById(row.id), row))
            .collect())
    }
}

impl Loader<PlacementById> for EmploymentLoader {
    type Value = placement::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PlacementById],
    ) -> Result<HashMap<PlacementById, Self::Value>, Self::Error> {
        let rows = placement::Entity::find()
            .filter(placement::Column::Id.is_in(keys.iter().map(|key| key.0)))
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(rows
            .into_iter()
            .map(|row| (PlacementById(row.id), row))
            .collect())
    }
}

impl Loader<PlacementsOf> for EmploymentLoader {
    type Value = Vec<placement::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PlacementsOf],
    ) -> Result<HashMap<PlacementsOf, Self::Value>, Self::Error> {
        let rows = placement::Entity::find()
            .filter(placement::Column::EnrollmentId.is_in(keys.iter().map(|key| key.0)))
            .order_by_asc(placement::Column::StartDate)
            .order_by_asc(placement::Column::Id)
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut grouped: HashMap<PlacementsOf, Self::Value> = HashMap::new();
        for row in rows {
            grouped
                .entry(PlacementsOf(row.enrollment_id))
                .or_default()
                .push(row);
        }
        Ok(grouped)
    }
}

impl Loader<FollowUpsOf> for EmploymentLoader {
    type Value = Vec<follow_up::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[FollowUpsOf],
    ) -> Result<HashMap<FollowUpsOf, Self::Value>, Self::Error> {
        let rows = follow_up::Entity::find()
            .filter(follow_up::Column::PlacementId.is_in(keys.iter().map(|key| key.0)))
            .order_by_asc(follow_up::Column::DueAt)
            .order_by_asc(follow_up::Column::Id)
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut grouped: HashMap<FollowUpsOf, Self::Value> = HashMap::new();
        for row in rows {
            grouped
                .entry(FollowUpsOf(row.placement_id))
                .or_default()
                .push(row);
        }
        Ok(grouped)
    }
}

impl Loader<AttendedOf> for EmploymentLoader {
    type Value = Vec<Attended>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AttendedOf],
    ) -> Result<HashMap<AttendedOf, Self::Value>, Self::Error> {
        let links: Vec<(Uuid, Uuid)> = attachment::Entity::find()
            .select_only()
            .column(attachment::Column::EnrollmentId)
            .column(attachment::Column::RegistrationId)
            .filter(attachment::Column::EnrollmentId.is_in(keys.iter().map(|k| k.enrollment_id)))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(load_error)?;
        // Registrations of the linked accounts, in their own municipality, and those
        // attached by hand: one statement.
        let mut through_accounts = Condition::any();
        for key in keys {
            if let Some(resident) = key.resident_id {
                through_accounts = through_accounts.add(
                    Condition::all()
                        .add(registration::Column::UserId.eq(resident))
                        .add(registration::Column::MunicipalityId.eq(key.municipality_id)),
                );
            }
        }
        let attached_ids: Vec<Uuid> = links.iter().map(|(_, id)| *id).collect();
        let any = through_accounts.add(registration::Column::Id.is_in(attached_ids));
        let registrations = registration::Entity::find()
            .filter(registration::Column::Status.eq(RegistrationStatus::Attended))
            .filter(any)
            .order_by_asc(registration::Column::CheckedInAt)
            .order_by_asc(registration::Column::Id)
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut grouped: HashMap<AttendedOf, Self::Value> = HashMap::new();
        for key in keys {
            let attended = registrations
                .iter()
                .filter_map(|registration| {
                    let attached = links.iter().any(|(enrollment, id)| {
                        *enrollment == key.enrollment_id && *id == registration.id
                    });
                    let own = key.resident_id.is_some()
                        && registration.user_id == key.resident_id
                        && registration.municipality_id == key.municipality_id;
                    (attached || own).then(|| Attended {
                        registration: registration.clone(),
                        attached,
                    })
                })
                .collect();
            grouped.insert(*key, attended);
        }
        Ok(grouped)
    }
}

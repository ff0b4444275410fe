//! DataLoaders of the childcare domain: one SQL statement per batch, not per row. They load
//! raw rows; the services that hand out the parent objects check what the viewer may see.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use chrono::NaiveDate;
use entity::{
    childcare_booking::{self, BookingStatus},
    childcare_booking_child, childcare_booking_rule, childcare_child, childcare_hours_exception,
    childcare_opening_hours, childcare_resource, childcare_slot, childcare_survey,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::domains::identity::loaders::{LoadError, load_error};

/// Loads what lists of resources, slots and bookings need per item.
pub struct ChildcareLoader {
    db: DatabaseConnection,
}

impl ChildcareLoader {
    /// A loader reading from `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// Key: a resource by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourceById(pub Uuid);

/// Key: the weekly opening intervals of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeeklyHoursOf(pub Uuid);

/// Key: the dated exceptions of a resource, by date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExceptionsOf(pub Uuid);

/// Key: the booking rules of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RulesOf(pub Uuid);

/// Key: a slot by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SlotById(pub Uuid);

/// Key: the slots of a resource between two dates (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SlotsOf {
    /// The resource.
    pub resource_id: Uuid,
    /// First date.
    pub from: NaiveDate,
    /// Last date.
    pub until: NaiveDate,
}

/// Key: the children of a booking, with their registered details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BookedChildrenOf(pub Uuid);

/// Key: the survey answer of a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SurveyOf(pub Uuid);

/// Key: the waiting bookings of a slot, in the order they were made (next in line first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WaitlistOf(pub Uuid);

fn group<K: std::hash::Hash + Eq, V>(rows: Vec<V>, key: impl Fn(&V) -> K) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

impl Loader<ResourceById> for ChildcareLoader {
    type Value = childcare_resource::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ResourceById],
    ) -> Result<HashMap<ResourceById, Self::Value>, Self::Error> {
        let rows = childcare_resource::Entity::find()
            .filter(childcare_resource::Column::Id.is_in(keys.iter().map(|key| key.0)))
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(rows
            .into_iter()
            .map(|row| (ResourceById(row.id), row))
            .collect())
    }
}

impl Loader<WeeklyHoursOf> for ChildcareLoader {
    type Value = Vec<childcare_opening_hours::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[WeeklyHoursOf],
    ) -> Result<HashMap<WeeklyHoursOf, Self::Value>, Self::Error> {
        use childcare_opening_hours::Column;
        let rows = childcare_opening_hours::Entity::find()
            .filter(Column::ResourceId.is_in(keys.iter().map(|key| key.0)))
            .order_by_asc(Column::Weekday)
            .order_by_asc(Column::OpensMinute)
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(group(rows, |row| WeeklyHoursOf(row.resource_id)))
    }
}

impl Loader<ExceptionsOf> for ChildcareLoader {
    type Value = Vec<childcare_hours_exception::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ExceptionsOf],
    ) -> Result<HashMap<ExceptionsOf, Self::Value>, Self::Error> {
        use childcare_hours_exception::Column;
        let rows = childcare_hours_exception::Entity::find()
            .filter(Column::ResourceId.is_in(keys.iter().map(|key| key.0)))
            .order_by_asc(Column::Date)
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(group(rows, |row| ExceptionsOf(row.resource_id)))
    }
}

impl Loader<RulesOf> for ChildcareLoader {
    type Value = childcare_booking_rule::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[RulesOf]) -> Result<HashMap<RulesOf, Self::Value>, Self::Error> {
        let rows = childcare_booking_rule::Entity::find()
            .filter(childcare_booking_rule::Column::ResourceId.is_in(keys.iter().map(|key| key.0)))
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(rows
            .into_iter()
            .map(|row| (RulesOf(row.resource_id), row))
            .collect())
    }
}

impl Loader<SlotById> for ChildcareLoader {
    type Value = childcare_slot::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[SlotById]) -> Result<HashMap<SlotById, Self::Value>, Self::Error> {
        let rows = childcare_slot::Entity::find()
            .filter(childcare_slot::Column::Id.is_in(keys.iter().map(|key| key.0)))
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(rows
            .into_iter()
            .map(|row| (SlotById(row.id), row))
            .collect())
    }
}

impl Loader<SlotsOf> for ChildcareLoader {
    type Value = Vec<childcare_slot::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[SlotsOf]) -> Result<HashMap<SlotsOf, Self::Value>, Self::Error> {
        let (Some(from), Some(until)) = (
            keys.iter().map(|key| key.from).min(),
            keys.iter().map(|key| key.until).max(),
        ) else {
            return Ok(HashMap::new());
        };
        let ids: Vec<Uuid> = keys.iter().map(|key| key.resource_id).collect();
        let rows = super::service::slots_between(&self.db, &ids, from, until)
            .await
            .map_err(load_error)?;
        Ok(keys
            .iter()
            .map(|key| {
                let slots = rows
                    .iter()
                    .filter(|slot| {
                        slot.resource_id == key.resource_id
                            && key.from <= slot.date
                            && slot.date <= key.until
                    })
                    .cloned()
                    .collect();
                (*key, slots)
            })
            .collect())
    }
}

impl Loader<BookedChildrenOf> for ChildcareLoader {
    type Value = Vec<(childcare_booking_child::Model, childcare_child::Model)>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[BookedChildrenOf],
    ) -> Result<HashMap<BookedChildrenOf, Self::Value>, Self::Error> {
        use childcare_booking_child::Column;
        let rows = childcare_booking_child::Entity::find()
            .filter(Column::BookingId.is_in(keys.iter().map(|key| key.0)))
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let children: HashMap<Uuid, childcare_child::Model> = childcare_child::Entity::find()
            .filter(childcare_child::Column::Id.is_in(rows.iter().map(|row| row.child_id)))
            .all(&self.db)
            .await
            .map_err(load_error)?
            .into_iter()
            .map(|child| (child.id, child))
            .collect();
        let pairs = rows
            .into_iter()
            .filter_map(|row| {
                let child = children.get(&row.child_id)?.clone();
                Some((row, child))
            })
            .collect();
        Ok(group(pairs, |(row, _)| BookedChildrenOf(row.booking_id)))
    }
}

impl Loader<SurveyOf> for ChildcareLoader {
    type Value = childcare_survey::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[SurveyOf]) -> Result<HashMap<SurveyOf, Self::Value>, Self::Error> {
        let rows = childcare_survey::Entity::find()
            .filter(childcare_survey::Column::BookingId.is_in(keys.iter().map(|key| key.0)))
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(rows
            .into_iter()
            .map(|row| (SurveyOf(row.booking_id), row))
            .collect())
    }
}

impl Loader<WaitlistOf> for ChildcareLoader {
    type Value = Vec<Uuid>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[WaitlistOf],
    ) -> Result<HashMap<WaitlistOf, Self::Value>, Self::Error> {
        use childcare_booking::Column;
        // The same order as promotions take them: the order the bookings were made.
        let rows: Vec<(Uuid, Uuid)> = childcare_booking::Entity::find()
            .select_only()
            .column(Column::SlotId)
            .column(Column::Id)
            .filter(Column::SlotId.is_in(keys.iter().map(|key| key.0)))
            .filter(Column::Status.eq(BookingStatus::Waitlisted))
            .order_by_asc(Column::Id)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut map: HashMap<WaitlistOf, Self::Value> = HashMap::new();
        for (slot_id, id) in rows {
            map.entry(WaitlistOf(slot_id)).or_default().push(id);
        }
        Ok(map)
    }
}

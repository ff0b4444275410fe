use sea_orm::entity::prelude::*;

/// A clinic's vaccination slot: a time on a day with a number of places.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_slots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    /// The clinic (an organization of kind `clinic`).
    pub clinic_id: Uuid,
    /// The day (JST).
    pub day: Date,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub capacity: i32,
    /// Places taken by bookings that are not cancelled.
    pub booked: i32,
    /// JSON array of the antigens given in the slot; empty for every one.
    pub antigens: String,
    pub created_at: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A bookable period of temporary childcare on one date, with its capacity in children.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "childcare_slots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub resource_id: Uuid,
    /// The date in Asia/Tokyo.
    pub date: Date,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub capacity: i32,
    /// Children held by active bookings; recounted under the slot lock.
    pub children_booked: i32,
    pub created_at: DateTimeUtc,
    /// A note for families (what to bring, a change of room, …).
    pub note: Option<String>,
    /// When the facility cancelled the slot; a cancelled slot is kept, never deleted.
    pub cancelled_at: Option<DateTimeUtc>,
    /// Why it was cancelled, as told to the families.
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

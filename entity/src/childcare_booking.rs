use sea_orm::entity::prelude::*;

/// Where a temporary childcare booking stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum BookingStatus {
    #[sea_orm(string_value = "booked")]
    Booked,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    #[sea_orm(string_value = "attended")]
    Attended,
    #[sea_orm(string_value = "no_show")]
    NoShow,
    /// On the waitlist of a full slot; holds no place until promoted to `booked`.
    #[sea_orm(string_value = "waitlisted")]
    Waitlisted,
}

/// A guardian's booking of one slot (one day) for some of their children. Bookings made
/// together for several days share a `group_id`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "childcare_bookings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub resource_id: Uuid,
    pub slot_id: Uuid,
    pub group_id: Uuid,
    pub guardian_user_id: Uuid,
    pub status: BookingStatus,
    pub children: i32,
    /// Length of the slot, counted per child against the monthly limit.
    pub minutes: i32,
    /// Date of the slot (Asia/Tokyo).
    pub date: Date,
    pub starts_at: DateTimeUtc,
    pub note: Option<String>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub marked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Why the facility cancelled it (the slot's cancellation reason), when it did.
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

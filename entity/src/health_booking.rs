use sea_orm::entity::prelude::*;

/// The state of a vaccination booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum BookingStatus {
    #[sea_orm(string_value = "booked")]
    Booked,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    /// The child came: every form of the booking was confirmed or deferred.
    #[sea_orm(string_value = "attended")]
    Attended,
}

/// A guardian's booking of a clinic's slot for a child, with the vaccines planned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_bookings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub clinic_id: Uuid,
    pub slot_id: Uuid,
    pub child_id: Uuid,
    pub guardian_user_id: Uuid,
    /// The slot's day (JST).
    pub day: Date,
    /// JSON array of the planned product codes.
    pub products: String,
    pub status: BookingStatus,
    /// JSON array of the warnings the checks raised at booking.
    pub warnings: String,
    pub cancel_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

pub use super::health_booking::BookingStatus;

/// A guardian's booking of a clinic's slot for a child's checkup, with the 問診票 answers.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_checkup_bookings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub clinic_id: Uuid,
    pub slot_id: Uuid,
    pub child_id: Uuid,
    pub guardian_user_id: Uuid,
    pub checkup_type_id: Uuid,
    /// The slot's day (JST).
    pub day: Date,
    pub status: BookingStatus,
    /// JSON object: the 問診票 answers by question code.
    pub answers: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

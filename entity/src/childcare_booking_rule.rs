use sea_orm::entity::prelude::*;

/// Booking rules of a resource that takes temporary childcare bookings (one per resource).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "childcare_booking_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource_id: Uuid,
    pub municipality_id: Uuid,
    /// Booking for a date opens at 00:00 JST this many days before it.
    pub opens_days_before: i32,
    /// Hours one child may be booked per calendar month.
    pub monthly_limit_hours: i32,
    pub min_age_months: i32,
    pub max_age_months: i32,
    /// Guardians may cancel until this many hours before the start.
    pub cancel_deadline_hours: i32,
    /// This many no-shows …
    pub no_show_limit: i32,
    /// … within this many days …
    pub no_show_window_days: i32,
    /// … restrict new bookings for this many days.
    pub restriction_days: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

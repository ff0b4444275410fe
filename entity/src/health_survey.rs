use sea_orm::entity::prelude::*;

/// A guardian's satisfaction answer (1–5) after a vaccination or a dental checkup booked in
/// the app and attended: one per booking.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_surveys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub guardian_user_id: Uuid,
    /// `vaccination` or `dental`: which service the booking was for.
    pub service: String,
    /// The vaccination booking or the dental checkup booking.
    #[sea_orm(unique)]
    pub booking_id: Uuid,
    pub score: i16,
    /// The booked day (JST).
    pub visited_on: Date,
    /// Fiscal year (年度) of the booked day.
    pub fiscal_year: i32,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

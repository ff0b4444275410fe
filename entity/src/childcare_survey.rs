use sea_orm::entity::prelude::*;

/// A guardian's satisfaction answer after an attended temporary childcare booking.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "childcare_surveys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub resource_id: Uuid,
    #[sea_orm(unique)]
    pub booking_id: Uuid,
    pub score: i16,
    #[sea_orm(column_type = "Text", nullable)]
    pub comment: Option<String>,
    /// Fiscal year (年度) of the booked date.
    pub fiscal_year: i32,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

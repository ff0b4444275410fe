use sea_orm::entity::prelude::*;

/// Visitors of a resource on one date (one record per resource and date).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "childcare_visits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub resource_id: Uuid,
    /// The date in Asia/Tokyo.
    pub visit_date: Date,
    /// Fiscal year (年度) of `visit_date`.
    pub fiscal_year: i32,
    pub adults: i32,
    pub children: i32,
    pub recorded_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A satisfaction survey answer: one per attended registration.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "program_surveys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub program_id: Uuid,
    pub session_id: Uuid,
    #[sea_orm(unique)]
    pub registration_id: Uuid,
    /// 1 (dissatisfied) – 5 (very satisfied).
    pub score: i16,
    #[sea_orm(column_type = "Text", nullable)]
    pub comment: Option<String>,
    /// Fiscal year (年度) of the session date.
    pub fiscal_year: i32,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

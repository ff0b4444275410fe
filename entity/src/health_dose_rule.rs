use sea_orm::entity::prelude::*;

/// The rule of one dose of a series, in force from `valid_from` to `valid_to`. Windows,
/// intervals and conditions are JSON in the legal units of the texts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_dose_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub series_code: String,
    pub dose: i32,
    pub label: String,
    pub eligible: String,
    pub standard: Option<String>,
    pub min_intervals: String,
    pub standard_intervals: String,
    pub skip_if: Option<String>,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A vaccine product of the routine catalogue, in force from `valid_from` to `valid_to`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "health_vaccine_products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Order of the catalogue.
    pub position: i32,
    pub name: String,
    /// The antigen group it counts for, e.g. `PCV`.
    pub antigen: String,
    pub live: bool,
    /// `INJECTED`, `ORAL` or `PERCUTANEOUS`.
    pub route: String,
    pub dose_ml: Option<f64>,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    /// JSON age point: the product's own age limit.
    pub absolute_until: Option<String>,
    /// JSON list of product codes a series started with may continue with this one.
    pub may_follow: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A series (course) of one antigen, chosen by product and age at the first dose.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_vaccine_series")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Order of preference within the antigen.
    pub position: i32,
    pub antigen: String,
    pub name: String,
    /// JSON list of product codes.
    pub products: String,
    /// `FEMALE` or `MALE` when the series is for one sex only.
    pub sex: Option<String>,
    pub born_from: Option<Date>,
    /// First and last day a series may be started.
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    /// JSON list of antigens whose doses rule the series out.
    pub conflicts_with: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

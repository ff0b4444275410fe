use sea_orm::entity::prelude::*;

/// Where a dose record came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum VaccinationSource {
    /// Copied by the guardian from the 母子健康手帳 (doses given before the app, or
    /// elsewhere).
    #[sea_orm(string_value = "handbook")]
    Handbook,
}

/// A dose a child has had. Never deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_vaccinations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub child_id: Uuid,
    pub product_code: String,
    /// The day it was given (JST).
    pub vaccinated_on: Date,
    pub source: VaccinationSource,
    pub recorded_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

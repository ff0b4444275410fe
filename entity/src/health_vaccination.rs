use sea_orm::entity::prelude::*;

/// Where a dose record came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum VaccinationSource {
    /// Copied by the guardian from the 母子健康手帳 (doses given before the app, or
    /// elsewhere).
    #[sea_orm(string_value = "handbook")]
    Handbook,
    /// Recorded by the clinic from a 予診票 submitted in the app.
    #[sea_orm(string_value = "app")]
    App,
    /// Recorded by the clinic from a paper 予診票.
    #[sea_orm(string_value = "paper")]
    Paper,
    /// Imported from the national hub (PMH), where a clinic registered it.
    #[sea_orm(string_value = "hub")]
    Hub,
}

/// A dose a child has had. Never deleted: a correction is a new version of the same record
/// (`record_id`), and the version it replaces is marked `superseded_at`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
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
    /// The clinic that gave it (clinic records).
    pub clinic_id: Option<Uuid>,
    /// The 予診票 it was given on.
    pub submission_id: Option<Uuid>,
    pub lot_number: Option<String>,
    pub lot_expiry: Option<Date>,
    pub dose_ml: Option<f64>,
    /// Where it was given, e.g. `LEFT_UPPER_ARM`.
    pub site: Option<String>,
    /// `INJECTED`, `ORAL` or `PERCUTANEOUS`.
    pub route: Option<String>,
    pub doctor_name: Option<String>,
    /// The dose number in its series, as the checks counted it.
    pub dose_number: Option<i32>,
    pub series_code: Option<String>,
    /// 定期 (funded) rather than 任意.
    pub funded: bool,
    /// JSON array of the warnings the clinic overrode, each with its reason.
    pub overrides: String,
    /// The record this is a version of (the first version's id).
    pub record_id: Uuid,
    pub version: i32,
    pub superseded_at: Option<DateTimeUtc>,
    pub correction_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

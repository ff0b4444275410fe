use sea_orm::entity::prelude::*;

/// What a fee schedule line prices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FeeService {
    /// A vaccination (with its 予診のみ price).
    #[sea_orm(string_value = "vaccination")]
    Vaccination,
    /// An infant checkup (乳幼児健診).
    #[sea_orm(string_value = "checkup")]
    Checkup,
    /// A dental checkup (歯科健診).
    #[sea_orm(string_value = "dental_checkup")]
    DentalCheckup,
}

/// One price of a municipality's fee schedule (委託料単価) for one fiscal year. Empty
/// `series_code`, `dose_number` 0 and empty `checkup_key` mean "any".
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_fee_schedule_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub fiscal_year: i32,
    pub service_kind: FeeService,
    pub product_code: String,
    pub series_code: String,
    pub dose_number: i32,
    pub checkup_key: String,
    /// Yen per service.
    pub price: i64,
    /// Yen per 予診のみ (deferral), vaccinations only.
    pub deferral_price: Option<i64>,
    pub updated_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

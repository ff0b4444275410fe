use sea_orm::entity::prelude::*;

/// What a claim line is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum LineService {
    /// A dose given (its record).
    #[sea_orm(string_value = "vaccination")]
    Vaccination,
    /// 予診のみ: the doctor deferred the vaccination (its 予診票).
    #[sea_orm(string_value = "deferral")]
    Deferral,
    /// An infant checkup.
    #[sea_orm(string_value = "checkup")]
    Checkup,
    /// A dental checkup.
    #[sea_orm(string_value = "dental_checkup")]
    DentalCheckup,
}

/// One billed service of a claim. A record is on one line of one claim at most.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_fee_claim_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub claim_id: Uuid,
    pub municipality_id: Uuid,
    pub service_kind: LineService,
    /// The record billed: a vaccination's `record_id`, a deferred 予診票's id, a checkup's id.
    pub record_ref: Uuid,
    pub child_id: Uuid,
    /// The day of the service (JST).
    pub served_on: Date,
    /// The vaccine product (vaccinations and deferrals), else empty.
    pub product_code: String,
    pub series_code: Option<String>,
    pub dose_number: Option<i32>,
    /// The checkup type key (checkups), else empty.
    pub checkup_key: String,
    /// Where the record came from.
    pub source: crate::health_record_source::RecordSource,
    /// Yen; `None` when the schedule has no price for it.
    pub unit_price: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

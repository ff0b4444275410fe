use sea_orm::entity::prelude::*;

/// A municipality's settings of the health domain, where the sources disagree or a city
/// decides (defaults apply while there is no row).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "health_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub municipality_id: Uuid,
    /// How an interval of months ends on a missing day: `next_month_first` (MHLW) or
    /// `last_day_of_month`.
    pub month_end: String,
    /// The temperature (℃) from which the 予診 defers a vaccination.
    pub fever_threshold: f64,
    /// The day of the month after the service month by which a clinic's fee claim is due.
    pub fee_claim_due_day: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

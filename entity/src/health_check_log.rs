use sea_orm::entity::prelude::*;

/// What a vaccination check caught (a block that stopped a booking, a form or a record) or
/// let through (a warning a clinic overrode). No names: the 接種誤り figures are counted
/// from it by category.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_check_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub clinic_id: Option<Uuid>,
    /// `booking`, `submission` or `confirmation`.
    pub stage: String,
    /// `caught` or `overridden`.
    pub outcome: String,
    pub reason: String,
    pub category: String,
    pub severity: String,
    pub occurred_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

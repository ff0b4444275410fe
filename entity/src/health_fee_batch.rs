use sea_orm::entity::prelude::*;

/// Where an association's monthly batch stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum BatchStatus {
    /// Sent to the city.
    #[sea_orm(string_value = "submitted")]
    Submitted,
    /// Accepted by the city.
    #[sea_orm(string_value = "accepted")]
    Accepted,
    /// Paid by the city.
    #[sea_orm(string_value = "paid")]
    Paid,
}

/// An association's batch of its member clinics' claims for one service month.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_fee_batches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub association_id: Uuid,
    /// The first day of the service month.
    pub month: Date,
    pub status: BatchStatus,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// Where a clinic's monthly fee claim stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ClaimStatus {
    /// Being prepared by the clinic.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// Sent by the clinic.
    #[sea_orm(string_value = "submitted")]
    Submitted,
    /// Sent back to the clinic with a reason.
    #[sea_orm(string_value = "returned")]
    Returned,
    /// Accepted by the city.
    #[sea_orm(string_value = "accepted")]
    Accepted,
    /// Paid by the city.
    #[sea_orm(string_value = "paid")]
    Paid,
}

/// A clinic's fee claim (委託料請求) for one service month.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_fee_claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub clinic_id: Uuid,
    /// The first day of the service month.
    pub month: Date,
    /// The day it is due (in the month after).
    pub due_on: Date,
    pub status: ClaimStatus,
    /// Why it was last returned.
    pub return_reason: Option<String>,
    /// The association it goes through, if the clinic is a member of one.
    pub association_id: Option<Uuid>,
    /// The association's batch it is in.
    pub batch_id: Option<Uuid>,
    pub submitted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

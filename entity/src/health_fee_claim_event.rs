use sea_orm::entity::prelude::*;

/// One change of a fee claim's state, kept forever.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_fee_claim_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub claim_id: Uuid,
    /// `None` when the claim was made.
    pub from_status: Option<super::health_fee_claim::ClaimStatus>,
    pub to_status: super::health_fee_claim::ClaimStatus,
    pub reason: Option<String>,
    pub actor_id: Uuid,
    pub occurred_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

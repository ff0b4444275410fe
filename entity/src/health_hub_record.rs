use sea_orm::entity::prelude::*;

/// What the national hub (PMH) reported about one of its records: the local record it is
/// (imported, or one of ours it holds) and whether its fee was claimed there.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_hub_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    /// The hub's own key of the record.
    pub hub_reference: String,
    /// The claim-line kind of the local record (`vaccination`, `deferral`, …).
    pub service_kind: super::health_fee_claim_line::LineService,
    /// The local record (a vaccination's `record_id`, …).
    pub record_ref: Uuid,
    /// Registering it in the hub completed its fee claim: no clinic claim may bill it.
    pub claimed_through_hub: bool,
    pub imported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

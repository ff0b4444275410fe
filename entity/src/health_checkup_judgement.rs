use sea_orm::entity::prelude::*;

/// One code of a municipality's 総合判定 list for checkups.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_checkup_judgements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub code: String,
    pub name: String,
    /// Whether the judgement calls for a 精密検診受診票.
    pub needs_referral: bool,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A clinic that claims its fees through a medical or dental association.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_association_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub association_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub clinic_id: Uuid,
    pub municipality_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

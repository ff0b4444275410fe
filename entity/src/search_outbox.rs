use sea_orm::entity::prelude::*;

/// A change to public content that every replica's search index must apply. Written in the
/// transaction of the change; the index stores how far it has read.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_outbox")]
pub struct Model {
    /// UUID v7: ordered by creation.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Document kind, e.g. `local_issue`.
    pub kind: String,
    /// The changed record.
    pub record_id: Uuid,
    pub municipality_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

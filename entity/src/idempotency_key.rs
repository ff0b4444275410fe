use sea_orm::entity::prelude::*;

/// The first result of a creating mutation, kept so that a retry with the same key returns it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Who may replay it: `user:<uuid>` or `client:<address>`, plus the operation.
    pub scope: String,
    pub key: String,
    /// SHA-256 of the canonical input, so a key reused for other input is refused.
    pub request_hash: String,
    pub result: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

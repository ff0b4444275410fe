use sea_orm::entity::prelude::*;

/// A municipality's own group of search synonyms.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_synonyms")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    /// The words of the group, one per line, as the administrator wrote them.
    pub words: String,
    /// The administrator who saved it last.
    pub updated_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

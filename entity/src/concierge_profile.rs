use sea_orm::entity::prelude::*;

/// A relocation concierge's working profile in their municipality.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "concierge_profiles")]
pub struct Model {
    /// The concierge's user id (one profile per account).
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub municipality_id: Uuid,
    /// Comma-delimited interests (`,housing,work,`).
    pub specialties: String,
    /// Comma-delimited language tags (`,ja,en,`).
    pub languages: String,
    /// Comma-delimited area names, NFKC-normalized (`,中心市街地,赤城山麓,`).
    #[sea_orm(column_type = "Text")]
    pub areas: String,
    /// Most active inquiries at once.
    pub capacity: i32,
    /// Takes new inquiries (besides leave periods).
    pub available: bool,
    /// Reads every inquiry of the municipality, not only their own and the queue (set by an
    /// administrator; working on an inquiry still needs holding it).
    pub sees_all_inquiries: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A child registered by a guardian for temporary childcare (personal data).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "childcare_children")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub guardian_user_id: Uuid,
    pub name: String,
    pub name_kana: String,
    pub birth_date: Date,
    pub created_at: DateTimeUtc,
    /// Allergies and other notes for the staff.
    pub notes: Option<String>,
    /// When the guardian removed the child; kept for the bookings made before.
    pub removed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

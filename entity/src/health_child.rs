use sea_orm::entity::prelude::*;

/// A child a guardian registered for vaccinations (special-care personal data).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_children")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub guardian_user_id: Uuid,
    pub name: String,
    pub name_kana: String,
    pub birth_date: Date,
    /// `FEMALE` or `MALE`.
    pub sex: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

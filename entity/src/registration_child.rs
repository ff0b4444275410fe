use sea_orm::entity::prelude::*;

/// A child in a registered party.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registration_children")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub registration_id: Uuid,
    pub birth_date: Option<Date>,
    /// Age in whole months on the session date (Asia/Tokyo).
    pub age_months_at_session: i32,
    pub needs_childcare: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

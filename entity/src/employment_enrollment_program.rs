use sea_orm::entity::prelude::*;

/// A program registration an advisor attached to an enrollment by hand (the person
/// attended without their resident account, e.g. as a guest).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "employment_enrollment_programs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub enrollment_id: Uuid,
    pub registration_id: Uuid,
    pub attached_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

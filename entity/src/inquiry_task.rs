use sea_orm::entity::prelude::*;

/// A to-do on an inquiry, with a due date and an owner.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inquiry_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub inquiry_id: Uuid,
    pub title: String,
    pub due_on: Date,
    pub owner_user_id: Option<Uuid>,
    /// Scheduled automatically after "not now" or a move-in.
    pub follow_up: bool,
    pub done_at: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

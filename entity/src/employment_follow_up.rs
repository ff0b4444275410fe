use sea_orm::entity::prelude::*;

use super::employment_placement::EmploymentType;

/// A follow-up checkpoint of a placement (3, 6 or 12 months after the start).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "employment_follow_ups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub enrollment_id: Uuid,
    pub placement_id: Uuid,
    pub checkpoint_months: i32,
    pub due_on: Date,
    /// Start of `due_on` in Asia/Tokyo, for ordering lists.
    pub due_at: DateTimeUtc,
    /// The advisor the checkpoint is a task for.
    pub advisor_user_id: Uuid,
    pub recorded_at: Option<DateTimeUtc>,
    pub recorded_by: Option<Uuid>,
    pub still_employed: Option<bool>,
    pub employment_type: Option<EmploymentType>,
    /// The job turned regular since the previous answer (non-regular before, regular now).
    pub became_regular: bool,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

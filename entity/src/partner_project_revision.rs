use sea_orm::entity::prelude::*;

/// The texts of a rejected partner project as they stood before its partner revised and
/// resubmitted it, with the rejection the revision answers. Written in the transaction of
/// the resubmission; never changed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_project_revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub project_id: Uuid,
    /// 1 for the first revision of the project, then 2, 3, …
    pub revision_number: i32,
    pub previous_title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub previous_title_reading: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub previous_summary: String,
    #[sea_orm(column_type = "Text")]
    pub previous_plan: String,
    #[sea_orm(column_type = "Text")]
    pub previous_expected_outcome: String,
    #[sea_orm(column_type = "Text")]
    pub previous_timeline: String,
    pub previous_contact: String,
    /// The reason given when the project was rejected (the comment of the rejection).
    #[sea_orm(column_type = "Text", nullable)]
    pub rejection_reason: Option<String>,
    /// What the partner changed, in their words.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub revised_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

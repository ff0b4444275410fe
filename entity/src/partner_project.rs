use sea_orm::entity::prelude::*;

/// Where a partner project stands: draft → submitted → active (or rejected) → completed →
/// verified; a completed project may be returned to active, and a rejected one revised and
/// resubmitted by its partner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ProjectStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "submitted")]
    Submitted,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "completed")]
    Completed,
    #[sea_orm(string_value = "verified")]
    Verified,
}

/// A project a partner organization proposes against local issues of its municipality.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    /// The partner organization that runs the project.
    pub organization_id: Uuid,
    pub created_by: Uuid,
    pub title: String,
    /// Reading of the title (フリガナ) in katakana, if given.
    #[sea_orm(column_type = "Text", nullable)]
    pub title_reading: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    #[sea_orm(column_type = "Text")]
    pub plan: String,
    #[sea_orm(column_type = "Text")]
    pub expected_outcome: String,
    #[sea_orm(column_type = "Text")]
    pub timeline: String,
    pub contact: String,
    pub status: ProjectStatus,
    /// Progress of the latest update, 0–100.
    pub progress_percent: i16,
    #[sea_orm(column_type = "Text", nullable)]
    pub outcome_report: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub approved_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub verified_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Last change, status change, progress update or comment.
    pub last_activity_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::municipality::Entity",
        from = "Column::MunicipalityId",
        to = "super::municipality::Column::Id"
    )]
    Municipality,
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id"
    )]
    Organization,
}

impl Related<super::municipality::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Municipality.def()
    }
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

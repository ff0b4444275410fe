use sea_orm::entity::prelude::*;

/// What area of town life a local issue (地域課題) concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum IssueCategory {
    #[sea_orm(string_value = "parks")]
    Parks,
    #[sea_orm(string_value = "mobility")]
    Mobility,
    #[sea_orm(string_value = "tourism")]
    Tourism,
    #[sea_orm(string_value = "childcare")]
    Childcare,
    #[sea_orm(string_value = "elderly_care")]
    ElderlyCare,
    #[sea_orm(string_value = "environment")]
    Environment,
    #[sea_orm(string_value = "disaster_prevention")]
    DisasterPrevention,
    #[sea_orm(string_value = "digital")]
    Digital,
    #[sea_orm(string_value = "education")]
    Education,
    #[sea_orm(string_value = "other")]
    Other,
}

/// Where a local issue stands. `solved` is reached only through a verified partner project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum IssueStatus {
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    #[sea_orm(string_value = "solved")]
    Solved,
    #[sea_orm(string_value = "closed_unsolved")]
    ClosedUnsolved,
}

/// A local issue (地域課題) a municipality asks partner companies to take on.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "local_issues")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub title: String,
    /// Reading of the title (フリガナ) in katakana, if given.
    #[sea_orm(column_type = "Text", nullable)]
    pub title_reading: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub category: IssueCategory,
    pub place_name: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub status: IssueStatus,
    /// Drafts (`false`) are seen only by the municipality's administrators.
    pub published: bool,
    /// When a verified partner project solved it; cleared when it is reopened.
    pub solved_at: Option<DateTimeUtc>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Last change, status change, project update or comment: the "recent activity" order.
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
}

impl Related<super::municipality::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Municipality.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// How a job is employed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum EmploymentType {
    /// Regular employment (正規雇用).
    #[sea_orm(string_value = "regular")]
    Regular,
    #[sea_orm(string_value = "contract")]
    Contract,
    #[sea_orm(string_value = "part_time")]
    PartTime,
    #[sea_orm(string_value = "dispatch")]
    Dispatch,
    #[sea_orm(string_value = "self_employed")]
    SelfEmployed,
    #[sea_orm(string_value = "other")]
    Other,
}

/// A job an enrolled job seeker found.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "employment_placements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub enrollment_id: Uuid,
    pub employer_name: String,
    /// The employer, when it is a partner organization of the municipality.
    pub employer_organization_id: Option<Uuid>,
    pub industry: String,
    pub job_title: String,
    /// Employment type at the start.
    pub employment_type: EmploymentType,
    /// Employment type as of the latest follow-up.
    pub current_employment_type: EmploymentType,
    /// Weekly working time in minutes.
    pub weekly_minutes: i32,
    pub start_date: Date,
    /// Fiscal year (年度) of `start_date`.
    pub fiscal_year: i32,
    /// When a follow-up first found the job turned regular after a non-regular start.
    pub converted_to_regular_on: Option<Date>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

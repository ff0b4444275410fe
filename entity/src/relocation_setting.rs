use sea_orm::entity::prelude::*;

/// How new inquiries are given to concierges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum AssignmentStrategy {
    #[sea_orm(string_value = "round_robin")]
    RoundRobin,
    #[sea_orm(string_value = "least_loaded")]
    LeastLoaded,
    #[sea_orm(string_value = "specialty_match")]
    SpecialtyMatch,
}

/// Relocation settings of one municipality. Absent row = the defaults.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "relocation_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub municipality_id: Uuid,
    pub strategy: AssignmentStrategy,
    /// The concierge who got the last round-robin assignment.
    pub last_assigned_concierge_id: Option<Uuid>,
    /// Months after "not now" or a move-in until the follow-up task is due.
    pub follow_up_months: i32,
    /// Business minutes until the first response is due.
    pub first_response_minutes: i32,
    /// Start of the business day, minutes after midnight JST (510 = 8:30).
    pub business_day_start_minute: i32,
    /// End of the business day, minutes after midnight JST (1035 = 17:15).
    pub business_day_end_minute: i32,
    /// Closed days besides weekends, as JSON dates (`["2026-01-01", …]`).
    #[sea_orm(column_type = "Text")]
    pub holidays: String,
    /// Days a closed inquiry keeps its personal data before purging.
    pub retention_days: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

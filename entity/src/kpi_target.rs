use sea_orm::entity::prelude::*;

/// The target and baseline a municipality set for one KPI and fiscal year.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "kpi_targets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    /// Key of the KPI in the registry, e.g. `maebashi.relocation.people_moved_in`.
    pub kpi_key: String,
    /// Fiscal year (年度) the target is for.
    pub fiscal_year: i32,
    pub target: f64,
    pub baseline: Option<f64>,
    /// The administrator who set it last.
    pub set_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

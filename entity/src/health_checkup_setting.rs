use sea_orm::entity::prelude::*;

/// A municipality's rule telling O1 from O2 at the 1歳6か月 dental checkup: a child without
/// caries is O2 when at least `o2_risks_needed` of the risks counted are present.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_checkup_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub municipality_id: Uuid,
    /// Plaque (0 none, 1 some, 2 much) from which plaque counts as a risk; none: never.
    pub o2_plaque_from: Option<i32>,
    /// Whether irregular snacks count as a risk.
    pub o2_snacks: bool,
    /// Whether a baby bottle still in use counts as a risk.
    pub o2_bottle: bool,
    pub o2_risks_needed: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

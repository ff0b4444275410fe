use sea_orm::entity::prelude::*;

/// A municipality's kind of infant or dental checkup (乳幼児健診, 歯科健診), kept as data.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_checkup_types")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    /// Stable code, e.g. `INFANT_1Y6M`.
    pub code: String,
    pub name: String,
    /// `medical` (at a clinic) or `dental` (at a registered dental clinic).
    pub kind: String,
    /// The window opens the day the child legally reaches this many months.
    pub from_months: i32,
    /// The window closes the day before the child reaches this many months.
    pub until_months: i32,
    pub has_urine: bool,
    /// Dental only: `1y6m` (O1/O2/A/B/C) or `3y` (O/A/B/C1/C2).
    pub caries_scheme: Option<String>,
    /// JSON array of `{code, name}`: the findings areas recorded.
    pub findings_areas: String,
    /// JSON array of `{code, text, kind}`: the 問診票 questions.
    pub questions: String,
    pub position: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

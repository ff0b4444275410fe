use sea_orm::entity::prelude::*;

/// A version of the 予診票 of one antigen: the national standard (no municipality) or a
/// municipality's own, in force from a day.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_form_definitions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Option<Uuid>,
    pub antigen: String,
    pub version: i32,
    pub title: String,
    /// JSON array of the questions (code, text, kind, required, attention, detail, prefill).
    pub questions: String,
    pub consent_text: String,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

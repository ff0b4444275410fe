use sea_orm::entity::prelude::*;

use super::health_record_source::RecordSource;

/// The result of a child's checkup: one per child and checkup type.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "health_checkups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub child_id: Uuid,
    pub checkup_type_id: Uuid,
    pub clinic_id: Option<Uuid>,
    pub booking_id: Option<Uuid>,
    pub source: RecordSource,
    pub examined_on: Date,
    /// Full months of age on the day.
    pub age_months: i32,
    pub height_cm: Option<f64>,
    pub weight_kg: Option<f64>,
    pub head_cm: Option<f64>,
    /// JSON `{protein, sugar, occult_blood}`: `negative`, `trace` or `positive`.
    pub urine: Option<String>,
    /// JSON array of `{area, abnormal, note}`.
    pub findings: String,
    pub judgement_code: String,
    pub remarks: Option<String>,
    /// `none`, `issued` or `used`.
    pub referral_status: String,
    pub referral_issued_on: Option<Date>,
    pub referral_to: Option<String>,
    pub referral_used_on: Option<Date>,
    pub referral_result: Option<String>,
    /// Dental: JSON object of tooth code to status symbol.
    pub teeth: Option<String>,
    pub caries_count: Option<i32>,
    pub caries_type: Option<String>,
    pub plaque: Option<i32>,
    pub gums_mucosa_abnormal: Option<bool>,
    pub occlusion_abnormal: Option<bool>,
    pub fluoride_applied: Option<bool>,
    pub snacks_risk: Option<bool>,
    pub bottle_risk: Option<bool>,
    pub recorded_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

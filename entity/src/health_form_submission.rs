use sea_orm::entity::prelude::*;

/// Where a 予診票 came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FormSource {
    /// Filled in by the guardian in the app.
    #[sea_orm(string_value = "app")]
    App,
    /// A paper form the family brought, entered by the clinic.
    #[sea_orm(string_value = "paper")]
    Paper,
}

/// Where a 予診票 stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FormStatus {
    /// Submitted to the clinic, not yet seen by the doctor.
    #[sea_orm(string_value = "submitted")]
    Submitted,
    /// The doctor judged the vaccination possible; the record follows.
    #[sea_orm(string_value = "confirmed")]
    Confirmed,
    /// The dose was given and recorded.
    #[sea_orm(string_value = "vaccinated")]
    Vaccinated,
    /// The doctor deferred the vaccination (予診のみ).
    #[sea_orm(string_value = "deferred")]
    Deferred,
    /// Withdrawn by the guardian, or with its booking.
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
}

/// A submitted 予診票 for one vaccine, with its consent and the clinic's 予診.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "health_form_submissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub child_id: Uuid,
    pub clinic_id: Uuid,
    pub booking_id: Option<Uuid>,
    /// One id for the forms of one visit (同時接種).
    pub visit_id: Uuid,
    pub definition_id: Uuid,
    pub product_code: String,
    /// The day of the vaccination (JST).
    pub planned_on: Date,
    /// JSON object: answers by question code.
    pub answers: String,
    pub source: FormSource,
    pub status: FormStatus,
    /// `button`, `checkbox` or `paper`.
    pub consent_method: String,
    /// `guardian`, `proxy` or `self`.
    pub signer_kind: String,
    pub signer_name: String,
    pub signer_relationship: Option<String>,
    /// The version of the consent text shown (the definition's version).
    pub consent_version: i32,
    pub consented_at: DateTimeUtc,
    /// JSON array of the checks' findings at submission.
    pub findings: String,
    pub submitted_by: Uuid,
    pub temperature: Option<f64>,
    /// `ok` (接種可) or `defer` (見合わせ).
    pub judgement: Option<String>,
    pub doctor_name: Option<String>,
    pub explanation_given: Option<bool>,
    pub deferral_reason: Option<String>,
    pub confirmed_by: Option<Uuid>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

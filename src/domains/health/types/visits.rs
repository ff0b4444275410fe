//! GraphQL objects of a visit: slots, bookings, 予診票 and their definitions, the checks'
//! findings, the clinic's records and day list, and the municipality's settings.

use async_graphql::{Context, ID, Object, Result, ResultExt, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    health_booking as booking, health_form_definition as definition,
    health_form_submission as submission, health_slot as slot, health_vaccination as vaccination,
};

use super::super::{checks, fhir, service};
use super::VaccinationSource;
use crate::domains::identity::types::Organization;
use crate::graphql::{
    context,
    ids::{NodeKind, encode},
    scalars::Date,
};

crate::enum_mirror! {
    /// How serious a finding of the vaccination checks is.
    CheckSeverity = checks::Severity {
        /// A clinic may go ahead, with a reason that is recorded.
        Warn,
        /// Not allowed as 定期接種; never overridden.
        Block,
    }
}

crate::enum_mirror! {
    /// The category of a vaccination error (after the MHLW 予防接種間違い reports), by which
    /// the errors caught and made are counted.
    VaccinationErrorCategory = checks::Category {
        /// 接種間隔の誤り.
        Interval,
        /// 対象年齢外の接種.
        Age,
        /// 不必要な接種.
        UnnecessaryDose,
        /// ワクチンの種類の誤り.
        Product,
        /// 期限切れワクチンの接種.
        ExpiredVaccine,
        /// 対象者の誤認.
        WrongPerson,
    }
}

crate::enum_mirror! {
    /// Why a vaccination check raised a finding.
    CheckReason = checks::Reason {
        /// The product is not in the catalogue.
        UnknownProduct,
        /// The product is not used for 定期接種 on that day.
        ProductNotInUse,
        /// The child is past the product's own age limit (rotavirus).
        ProductAgeLimit,
        /// The child is outside the funded window.
        OutsideEligibility,
        /// Too soon after an earlier dose of the same vaccine.
        TooSoon,
        /// An injected live vaccine within 27 days of another.
        LiveVaccineInterval,
        /// The series is complete.
        DoseBeyondSeries,
        /// The product breaks the continuity of the series.
        ProductContinuity,
        /// The lot has expired.
        ExpiredLot,
        /// The form, booking or record is for another child.
        WrongChild,
        /// Outside the standard (標準) age window.
        OutsideStandardAge,
        /// Outside the standard interval.
        OutsideStandardInterval,
    }
}

/// One finding of the vaccination checks.
#[derive(SimpleObject)]
pub struct CheckFinding {
    /// Block or warn.
    pub severity: CheckSeverity,
    /// The reason code.
    pub reason: CheckReason,
    /// The error category.
    pub category: VaccinationErrorCategory,
    /// The explanation in Japanese.
    pub message: String,
}

impl From<checks::Finding> for CheckFinding {
    fn from(finding: checks::Finding) -> Self {
        Self {
            severity: finding.severity.into(),
            reason: finding.reason.into(),
            category: finding.category.into(),
            message: finding.message,
        }
    }
}

fn findings(list: Vec<checks::Finding>) -> Vec<CheckFinding> {
    list.into_iter().map(CheckFinding::from).collect()
}

/// A clinic's vaccination slot. Public: it names a clinic and a time, nothing of anyone.
pub struct VaccinationSlot(pub slot::Model);

/// A clinic's vaccination slot. Public: it names a clinic and a time, nothing of anyone.
#[Object]
impl VaccinationSlot {
    /// Global id.
    async fn id(&self) -> ID {
        encode(NodeKind::VaccinationSlot, self.0.id)
    }

    /// The clinic.
    async fn clinic(&self, ctx: &Context<'_>) -> Result<Organization> {
        super::clinic_organization(ctx, self.0.clinic_id).await
    }

    /// The day (JST).
    async fn day(&self) -> Date {
        self.0.day.into()
    }

    /// Start.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }

    /// End.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }

    /// Places.
    async fn capacity(&self) -> i32 {
        self.0.capacity
    }

    /// Places left.
    async fn places_left(&self) -> i32 {
        (self.0.capacity - self.0.booked).max(0)
    }

    /// The antigens given in the slot; empty for every one.
    async fn antigens(&self) -> Vec<String> {
        service::antigens_of(&self.0)
    }
}

crate::enum_mirror! {
    /// The state of a vaccination booking.
    VaccinationBookingStatus = entity::health_booking::BookingStatus {
        /// Booked.
        Booked,
        /// Cancelled; the place was freed.
        Cancelled,
        /// The child came: every form of the booking was confirmed or deferred.
        Attended,
    }
}

/// A booking of a clinic's slot for a child, with the vaccines planned.
pub struct VaccinationBooking(pub booking::Model);

/// A booking of a clinic's slot for a child, with the vaccines planned.
#[Object]
impl VaccinationBooking {
    /// Global id.
    async fn id(&self) -> ID {
        encode(NodeKind::VaccinationBooking, self.0.id)
    }

    /// The child's global id.
    async fn child_id(&self) -> ID {
        encode(NodeKind::HealthChild, self.0.child_id)
    }

    /// The clinic.
    async fn clinic(&self, ctx: &Context<'_>) -> Result<Organization> {
        super::clinic_organization(ctx, self.0.clinic_id).await
    }

    /// The slot's global id.
    async fn slot_id(&self) -> ID {
        encode(NodeKind::VaccinationSlot, self.0.slot_id)
    }

    /// The day (JST).
    async fn day(&self) -> Date {
        self.0.day.into()
    }

    /// Product codes of the vaccines planned (同時接種 when several).
    async fn product_codes(&self) -> Vec<String> {
        service::products_of(&self.0)
    }

    /// Its state.
    async fn status(&self) -> VaccinationBookingStatus {
        self.0.status.into()
    }

    /// The warnings of the checks at booking, for the clinic to look at.
    async fn warnings(&self) -> Vec<CheckFinding> {
        findings(service::warnings_of(&self.0))
    }

    /// Why it was cancelled, when it was and a reason was given.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }

    /// When it was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

crate::enum_mirror! {
    /// Where a 予診票 came from.
    FormSource = entity::health_form_submission::FormSource {
        /// Filled in by the guardian in the app.
        App,
        /// A paper form the family brought, entered by the clinic. It counts equally
        /// everywhere.
        Paper,
    }
}

crate::enum_mirror! {
    /// Where a 予診票 stands.
    FormStatus = entity::health_form_submission::FormStatus {
        /// Submitted to the clinic, not yet seen by the doctor.
        Submitted,
        /// The doctor judged the vaccination possible; the record follows.
        Confirmed,
        /// The dose was given and recorded.
        Vaccinated,
        /// The doctor deferred the vaccination (予診のみ).
        Deferred,
        /// Withdrawn with its booking.
        Withdrawn,
    }
}

crate::enum_mirror! {
    /// The kind of answer a question takes.
    FormQuestionKind = service::QuestionKind {
        /// `YES` or `NO`; detail after a colon, e.g. `YES:熱性けいれん（1歳）`.
        YesNo,
        /// Free text.
        Text,
        /// A number.
        Number,
        /// A day, `YYYY-MM-DD`.
        Date,
    }
}

/// One question of a 予診票.
#[derive(SimpleObject)]
pub struct FormQuestion {
    /// Stable code across versions, e.g. `Q03` or `H_TEMPERATURE`.
    pub code: String,
    /// The question.
    pub text: String,
    /// The kind of answer.
    pub kind: FormQuestionKind,
    /// Whether it must be answered.
    pub required: bool,
    /// The answer the doctor must look at (`YES` or `NO`).
    pub attention: Option<String>,
    /// What the detail should say when the answer needs attention.
    pub detail: Option<String>,
    /// Where a draft takes the answer from: `child.name`, `child.nameKana`,
    /// `child.birthDate`, `child.sex`, `child.age`, `guardian.name`, `history` (earlier doses
    /// of the vaccine), `dose` (the dose number) or `previous` (the child's latest form).
    pub prefill: Option<String>,
}

impl From<service::Question> for FormQuestion {
    fn from(q: service::Question) -> Self {
        Self {
            code: q.code,
            text: q.text,
            kind: q.kind.into(),
            required: q.required,
            attention: q.attention,
            detail: q.detail,
            prefill: q.prefill,
        }
    }
}

/// A version of the 予診票 of one antigen: the national standard, or a municipality's own.
pub struct VaccinationFormDefinition(pub definition::Model);

/// A version of the 予診票 of one antigen: the national standard, or a municipality's own.
#[Object]
impl VaccinationFormDefinition {
    /// Global id.
    async fn id(&self) -> ID {
        encode(NodeKind::VaccinationFormDefinition, self.0.id)
    }

    /// The antigen, e.g. `ROTA`.
    async fn antigen(&self) -> &str {
        &self.0.antigen
    }

    /// The version (also the version of its consent text).
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Whether it is a municipality's own version rather than the national standard.
    async fn municipal(&self) -> bool {
        self.0.municipality_id.is_some()
    }

    /// Title, e.g. 「ロタウイルス予防接種予診票」.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The questions, header first.
    async fn questions(&self) -> Vec<FormQuestion> {
        service::questions_of(&self.0)
            .into_iter()
            .map(FormQuestion::from)
            .collect()
    }

    /// The consent text shown.
    async fn consent_text(&self) -> &str {
        &self.0.consent_text
    }

    /// First day in force.
    async fn effective_from(&self) -> Date {
        self.0.effective_from.into()
    }

    /// Last day in force, if closed.
    async fn effective_to(&self) -> Option<Date> {
        self.0.effective_to.map(Into::into)
    }
}

/// An answer by question code.
#[derive(SimpleObject)]
pub struct FormAnswer {
    /// The question's code.
    pub code: String,
    /// The answer.
    pub value: String,
}

fn answers_of(text: &str) -> Vec<FormAnswer> {
    let map: std::collections::BTreeMap<String, String> =
        serde_json::from_str(text).unwrap_or_default();
    map.into_iter()
        .map(|(code, value)| FormAnswer { code, value })
        .collect()
}

/// A draft of one vaccine's 予診票, prefilled so the guardian never retypes a name or a
/// birth date.
pub struct VaccinationFormDraft(pub service::Draft);

/// A draft of one vaccine's 予診票, prefilled so the guardian never retypes a name or a
/// birth date.
#[Object]
impl VaccinationFormDraft {
    /// The product.
    async fn product_code(&self) -> &str {
        &self.0.product
    }

    /// The form to fill in.
    async fn definition(&self) -> VaccinationFormDefinition {
        VaccinationFormDefinition(self.0.definition.clone())
    }

    /// The prefilled answers.
    async fn answers(&self) -> Vec<FormAnswer> {
        self.0
            .answers
            .iter()
            .map(|(code, value)| FormAnswer {
                code: code.clone(),
                value: value.clone(),
            })
            .collect()
    }

    /// The dose number the checks count it as.
    async fn dose(&self) -> Option<i32> {
        self.0.dose.and_then(|d| i32::try_from(d).ok())
    }

    /// What the checks found for that day.
    async fn findings(&self) -> Vec<CheckFinding> {
        findings(self.0.findings.clone())
    }
}

/// The consent given with a form.
#[derive(SimpleObject)]
pub struct FormConsent {
    /// `BUTTON`, `CHECKBOX` or `PAPER`.
    pub method: String,
    /// `GUARDIAN`, `PROXY` or `SELF`.
    pub signer: String,
    /// The signer's name.
    pub signer_name: String,
    /// A proxy's relationship to the child (続柄).
    pub relationship: Option<String>,
    /// When.
    pub consented_at: DateTime<Utc>,
    /// The version of the consent text shown.
    pub text_version: i32,
}

/// The doctor's 予診 of a form.
#[derive(SimpleObject)]
pub struct FormConfirmation {
    /// Temperature at the clinic (℃).
    pub temperature: Option<f64>,
    /// `OK` (接種可) or `DEFER` (見合わせ).
    pub judgement: String,
    /// The doctor.
    pub doctor_name: Option<String>,
    /// Whether the effects, side effects and the relief system were explained.
    pub explanation_given: Option<bool>,
    /// Why it was deferred.
    pub deferral_reason: Option<String>,
    /// When.
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// A submitted 予診票 for one vaccine.
pub struct VaccinationForm(pub submission::Model);

/// A submitted 予診票 for one vaccine.
#[Object]
impl VaccinationForm {
    /// Global id.
    async fn id(&self) -> ID {
        encode(NodeKind::VaccinationForm, self.0.id)
    }

    /// The child's global id.
    async fn child_id(&self) -> ID {
        encode(NodeKind::HealthChild, self.0.child_id)
    }

    /// The clinic.
    async fn clinic(&self, ctx: &Context<'_>) -> Result<Organization> {
        super::clinic_organization(ctx, self.0.clinic_id).await
    }

    /// The booking it belongs to.
    async fn booking_id(&self) -> Option<ID> {
        self.0
            .booking_id
            .map(|id| encode(NodeKind::VaccinationBooking, id))
    }

    /// The same for every form of one visit (同時接種).
    async fn visit_id(&self) -> String {
        self.0.visit_id.to_string()
    }

    /// The product.
    async fn product_code(&self) -> &str {
        &self.0.product_code
    }

    /// The day of the vaccination.
    async fn planned_on(&self) -> Date {
        self.0.planned_on.into()
    }

    /// Where it came from.
    async fn source(&self) -> FormSource {
        self.0.source.into()
    }

    /// Where it stands.
    async fn status(&self) -> FormStatus {
        self.0.status.into()
    }

    /// The definition version it was filled in on.
    async fn definition_id(&self) -> ID {
        encode(NodeKind::VaccinationFormDefinition, self.0.definition_id)
    }

    /// The answers by question code.
    async fn answers(&self) -> Vec<FormAnswer> {
        answers_of(&self.0.answers)
    }

    /// The consent.
    async fn consent(&self) -> FormConsent {
        FormConsent {
            method: self.0.consent_method.to_uppercase(),
            signer: self.0.signer_kind.to_uppercase(),
            signer_name: self.0.signer_name.clone(),
            relationship: self.0.signer_relationship.clone(),
            consented_at: self.0.consented_at,
            text_version: self.0.consent_version,
        }
    }

    /// The warnings of the checks at submission.
    async fn findings(&self) -> Vec<CheckFinding> {
        findings(service::findings_from(&self.0.findings))
    }

    /// The doctor's 予診, once made.
    async fn confirmation(&self) -> Option<FormConfirmation> {
        self.0.judgement.as_ref().map(|judgement| FormConfirmation {
            temperature: self.0.temperature,
            judgement: judgement.to_uppercase(),
            doctor_name: self.0.doctor_name.clone(),
            explanation_given: self.0.explanation_given,
            deferral_reason: self.0.deferral_reason.clone(),
            confirmed_at: self.0.confirmed_at,
        })
    }
}

/// A warning a clinic went ahead despite.
#[derive(SimpleObject)]
pub struct CheckOverride {
    /// The warning's reason.
    pub reason: CheckReason,
    /// The warning as shown.
    pub message: String,
    /// Why the clinic went ahead.
    pub note: String,
}

/// A dose a child has had: copied from the 母子健康手帳 by the guardian, or recorded by the
/// clinic that gave it. Never deleted; a correction is a new version.
#[derive(Clone, Debug)]
pub struct Vaccination(pub vaccination::Model);

impl From<vaccination::Model> for Vaccination {
    fn from(model: vaccination::Model) -> Self {
        Self(model)
    }
}

/// A dose a child has had: copied from the 母子健康手帳 by the guardian, or recorded by the
/// clinic that gave it. Never deleted; a correction is a new version.
#[Object]
impl Vaccination {
    /// Global id (of this version).
    async fn id(&self) -> ID {
        encode(NodeKind::Vaccination, self.0.id)
    }

    /// The global id of the record's first version, the same for every version.
    async fn record_id(&self) -> ID {
        encode(NodeKind::Vaccination, self.0.record_id)
    }

    /// The child's global id.
    async fn child_id(&self) -> ID {
        encode(NodeKind::HealthChild, self.0.child_id)
    }

    /// Product code of the catalogue.
    async fn product_code(&self) -> &str {
        &self.0.product_code
    }

    /// The day it was given (JST).
    async fn vaccinated_on(&self) -> Date {
        self.0.vaccinated_on.into()
    }

    /// Where the record came from.
    async fn source(&self) -> VaccinationSource {
        self.0.source.into()
    }

    /// The clinic that gave it (clinic records).
    async fn clinic(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        match self.0.clinic_id {
            Some(id) => super::clinic_organization(ctx, id).await.map(Some),
            None => Ok(None),
        }
    }

    /// Lot number (製造番号).
    async fn lot_number(&self) -> Option<&str> {
        self.0.lot_number.as_deref()
    }

    /// The lot's expiry.
    async fn lot_expiry(&self) -> Option<Date> {
        self.0.lot_expiry.map(Into::into)
    }

    /// Dose in mL.
    async fn dose_ml(&self) -> Option<f64> {
        self.0.dose_ml
    }

    /// Where it was given, e.g. `LEFT_UPPER_ARM`.
    async fn site(&self) -> Option<&str> {
        self.0.site.as_deref()
    }

    /// `INJECTED`, `ORAL` or `PERCUTANEOUS`.
    async fn route(&self) -> Option<&str> {
        self.0.route.as_deref()
    }

    /// The doctor.
    async fn doctor_name(&self) -> Option<&str> {
        self.0.doctor_name.as_deref()
    }

    /// The dose number in its series, as the checks counted it.
    async fn dose_number(&self) -> Option<i32> {
        self.0.dose_number
    }

    /// The series, e.g. `PCV_START_2_7`.
    async fn series_code(&self) -> Option<&str> {
        self.0.series_code.as_deref()
    }

    /// 定期 (funded) rather than 任意.
    async fn funded(&self) -> bool {
        self.0.funded
    }

    /// The warnings the clinic went ahead despite, with its reasons.
    async fn overrides(&self) -> Vec<CheckOverride> {
        service::overrides_of(&self.0)
            .into_iter()
            .map(|o| CheckOverride {
                reason: o.reason.into(),
                message: o.message,
                note: o.note,
            })
            .collect()
    }

    /// The version (1 for the first record; each correction adds one).
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Whether a later version replaced this one.
    async fn superseded(&self) -> bool {
        self.0.superseded_at.is_some()
    }

    /// Why this version corrected the previous one.
    async fn correction_reason(&self) -> Option<&str> {
        self.0.correction_reason.as_deref()
    }

    /// Every version of the record, oldest first.
    async fn versions(&self, ctx: &Context<'_>) -> Result<Vec<Vaccination>> {
        let (state, _) = context(ctx)?;
        let rows = service::versions(state.into(), self.0.record_id)
            .await
            .extend()?;
        Ok(rows.into_iter().map(Vaccination).collect())
    }

    /// The record as a JP Core Immunization resource (FHIR R4 JSON), our own export.
    async fn jp_core_immunization(
        &self,
        ctx: &Context<'_>,
    ) -> Result<async_graphql::Json<serde_json::Value>> {
        let (state, _) = context(ctx)?;
        let catalogue = service::load_catalogue(state.into()).await.extend()?;
        let clinic_name = match self.0.clinic_id {
            Some(id) => Some(super::clinic_organization(ctx, id).await?.name),
            None => None,
        };
        Ok(async_graphql::Json(fhir::immunization(
            &self.0,
            catalogue.product(&self.0.product_code),
            clinic_name.as_deref(),
        )))
    }
}

crate::connection!(Vaccination, VaccinationConnection, VaccinationEdge);

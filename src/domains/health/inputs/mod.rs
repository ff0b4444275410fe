//! GraphQL inputs and payloads of the health domain, and their conversion into service
//! structs.

pub mod fees;

use async_graphql::{ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use super::service::{
    self, Confirmation, Consent, Correction, HandbookDose, Judgement, NewBooking, NewChild,
    NewDefinition, NewForms, NewRecord, NewSlot, NewSlots, Override, Question, RegisterFilter,
    SettingsChange,
};
use super::types::{
    CheckReason, ChildSex, FormQuestionKind, HealthChild, HealthSettings, MonthEndRule,
    Vaccination, VaccinationBooking, VaccinationForm, VaccinationFormDefinition, VaccinationSlot,
};
use crate::error::AppResult;
use crate::graphql::scalars::Date;
use crate::graphql::{
    ids::{self, NodeKind},
    payload::UserError,
};

mod checkups;
pub use checkups::*;

/// Register a child of yours for vaccinations (residents).
#[derive(Debug, InputObject)]
pub struct RegisterHealthChildInput {
    /// Name, e.g. 「北九 太郎」.
    pub name: String,
    /// Reading in katakana or hiragana.
    pub name_kana: String,
    /// Birth date.
    pub birth_date: Date,
    /// Sex.
    pub sex: ChildSex,
    /// A retry with the same key registers nothing more.
    pub idempotency_key: Option<String>,
}

impl From<RegisterHealthChildInput> for NewChild {
    fn from(input: RegisterHealthChildInput) -> Self {
        Self {
            name: input.name,
            name_kana: input.name_kana,
            birth_date: input.birth_date.into(),
            sex: input.sex.into(),
            idempotency_key: input.idempotency_key,
        }
    }
}

/// The child registered, or why not.
#[derive(SimpleObject)]
pub struct RegisterHealthChildPayload {
    /// The child; null when refused.
    pub child: Option<HealthChild>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// A child described on a paper 予診票, for a child no guardian has registered in the app.
#[derive(Debug, InputObject)]
pub struct PaperChildInput {
    /// Name as written on the form.
    pub name: String,
    /// Reading in katakana or hiragana.
    pub name_kana: String,
    /// Birth date.
    pub birth_date: Date,
    /// Sex.
    pub sex: ChildSex,
}

impl From<PaperChildInput> for NewChild {
    fn from(input: PaperChildInput) -> Self {
        Self {
            name: input.name,
            name_kana: input.name_kana,
            birth_date: input.birth_date.into(),
            sex: input.sex.into(),
            idempotency_key: None,
        }
    }
}

/// Issue a one-time claim code for a child entered from paper, for the family to link the
/// child to a guardian's account (the clinic that entered the child, or the municipality's
/// health staff). A new code replaces the earlier one.
#[derive(Debug, InputObject)]
pub struct IssueHealthChildClaimCodeInput {
    /// The child.
    pub child_id: ID,
}

/// The claim code, shown once, or why not.
#[derive(SimpleObject)]
pub struct IssueHealthChildClaimCodePayload {
    /// The code to hand to the family (groups of four letters and digits); null when
    /// refused. It is not kept in clear text and cannot be read again.
    pub claim_code: Option<String>,
    /// When the code stops working.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// Link a child a clinic entered from paper to your account (residents of the child's
/// municipality), with the claim code the clinic gave you and the child's birth date.
#[derive(Debug, InputObject)]
pub struct ClaimHealthChildInput {
    /// The claim code, with or without hyphens.
    pub claim_code: String,
    /// The child's birth date.
    pub birth_date: Date,
}

/// Copy a dose from the 母子健康手帳 into your child's history (the child's guardian).
#[derive(Debug, InputObject)]
pub struct RecordHandbookVaccinationInput {
    /// The child.
    pub child_id: ID,
    /// Product code of the catalogue, e.g. `PCV15`.
    pub product_code: String,
    /// The day it was given.
    pub vaccinated_on: Date,
    /// A retry with the same key records nothing more.
    pub idempotency_key: Option<String>,
}

impl TryFrom<RecordHandbookVaccinationInput> for HandbookDose {
    type Error = crate::error::AppError;

    fn try_from(input: RecordHandbookVaccinationInput) -> AppResult<Self> {
        Ok(Self {
            child_id: ids::decode_as(&input.child_id, NodeKind::HealthChild)?,
            product_code: input.product_code.trim().to_owned(),
            vaccinated_on: input.vaccinated_on.into(),
            idempotency_key: input.idempotency_key,
        })
    }
}

/// The dose recorded, or why not.
#[derive(SimpleObject)]
pub struct RecordHandbookVaccinationPayload {
    /// The dose; null when refused.
    pub vaccination: Option<Vaccination>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// One slot to publish.
#[derive(Debug, InputObject)]
pub struct VaccinationSlotInput {
    /// Start (in the future).
    pub starts_at: DateTime<Utc>,
    /// End, later the same day (JST).
    pub ends_at: DateTime<Utc>,
    /// Places, 1–100.
    pub capacity: i32,
}

/// Publish vaccination slots at your clinic (clinic staff).
#[derive(Debug, InputObject)]
pub struct CreateVaccinationSlotsInput {
    /// The slots, 1–50.
    pub slots: Vec<VaccinationSlotInput>,
    /// Antigens given in them, e.g. `["PCV", "DPT5"]`; none for every one.
    #[graphql(default)]
    pub antigens: Vec<String>,
    /// A retry with the same key creates nothing more.
    pub idempotency_key: Option<String>,
}

impl From<CreateVaccinationSlotsInput> for NewSlots {
    fn from(input: CreateVaccinationSlotsInput) -> Self {
        Self {
            slots: input
                .slots
                .into_iter()
                .map(|s| NewSlot {
                    starts_at: s.starts_at,
                    ends_at: s.ends_at,
                    capacity: s.capacity,
                })
                .collect(),
            antigens: input
                .antigens
                .iter()
                .map(|a| a.trim().to_uppercase())
                .collect(),
            idempotency_key: input.idempotency_key,
        }
    }
}

/// The slots published, or why not.
#[derive(SimpleObject)]
pub struct CreateVaccinationSlotsPayload {
    /// The slots, by start; empty when refused.
    pub slots: Vec<VaccinationSlot>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// Book a clinic's slot for your child with the vaccines planned (guardians). The checks
/// run: a block refuses the booking, warnings come back with it.
#[derive(Debug, InputObject)]
pub struct BookVaccinationInput {
    /// The child.
    pub child_id: ID,
    /// The slot.
    pub slot_id: ID,
    /// Product codes of the vaccines planned (several for 同時接種).
    pub product_codes: Vec<String>,
    /// A retry with the same key books nothing more.
    pub idempotency_key: Option<String>,
}

impl TryFrom<BookVaccinationInput> for NewBooking {
    type Error = crate::error::AppError;

    fn try_from(input: BookVaccinationInput) -> AppResult<Self> {
        Ok(Self {
            child_id: ids::decode_as(&input.child_id, NodeKind::HealthChild)?,
            slot_id: ids::decode_as(&input.slot_id, NodeKind::VaccinationSlot)?,
            products: input.product_codes,
            idempotency_key: input.idempotency_key,
        })
    }
}

/// The booking, or why not.
#[derive(SimpleObject)]
pub struct VaccinationBookingPayload {
    /// The booking; null when refused.
    pub booking: Option<VaccinationBooking>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// Cancel a vaccination booking before its slot starts (the guardian, or the clinic).
#[derive(Debug, InputObject)]
pub struct CancelVaccinationBookingInput {
    /// The booking.
    pub booking_id: ID,
    /// Why, optionally.
    pub reason: Option<String>,
}

crate::enum_mirror! {
    /// How consent was given.
    ConsentMethod = service::ConsentMethod {
        /// A consent button in the app.
        Button,
        /// A consent checkbox in the app.
        Checkbox,
        /// Signed on a paper form (paper forms only).
        Paper,
    }
}

/// Who signed the consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum ConsentSigner {
    /// The guardian.
    Guardian,
    /// A proxy (e.g. a grandparent) with the guardian's 委任状; the relationship is required.
    Proxy,
    /// The person vaccinated, aged 16 or more on the day.
    #[graphql(name = "SELF")]
    SelfSigned,
}

impl From<ConsentSigner> for service::SignerKind {
    fn from(signer: ConsentSigner) -> Self {
        match signer {
            ConsentSigner::Guardian => Self::Guardian,
            ConsentSigner::Proxy => Self::Proxy,
            ConsentSigner::SelfSigned => Self::SelfSigned,
        }
    }
}

/// The consent given with the forms.
#[derive(Debug, InputObject)]
pub struct FormConsentInput {
    /// How.
    pub method: ConsentMethod,
    /// Who.
    pub signer: ConsentSigner,
    /// The signer's name.
    pub signer_name: String,
    /// A proxy's relationship to the child (続柄), e.g. 祖母.
    pub relationship: Option<String>,
}

/// An answer by question code.
#[derive(Debug, InputObject)]
pub struct FormAnswerInput {
    /// The question's code, e.g. `Q03`.
    pub code: String,
    /// The answer: `YES`/`NO` (detail after a colon), text, a number or `YYYY-MM-DD`. An
    /// empty value clears a prefilled answer.
    pub value: String,
}

/// One vaccine's form.
#[derive(Debug, InputObject)]
pub struct VaccinationFormInput {
    /// The product.
    pub product_code: String,
    /// Answers; prefilled answers not given are kept.
    #[graphql(default)]
    pub answers: Vec<FormAnswerInput>,
}

/// Submit the 予診票 of one visit: one form per vaccine from one action (同時接種).
/// Guardians submit in the app; clinic staff enter a paper form the family brought
/// (`source: PAPER`), naming the child by id or by reading and birth date.
#[derive(Debug, InputObject)]
pub struct SubmitVaccinationFormsInput {
    /// The child (guardians; clinics when they know the child).
    pub child_id: Option<ID>,
    /// The child's reading (paper forms of a child not known to the clinic yet).
    pub child_name_kana: Option<String>,
    /// The child's birth date, with the reading.
    pub child_birth_date: Option<Date>,
    /// A child no guardian has registered in the app, entered from the paper form (clinic
    /// staff): used only when no registered child has the reading and birth date. Issue a
    /// claim code afterwards (`issueHealthChildClaimCode`) so a guardian can link the child.
    pub new_child: Option<PaperChildInput>,
    /// The clinic (guardians; clinic staff enter their own).
    pub clinic_id: Option<ID>,
    /// The booking the forms belong to, if any.
    pub booking_id: Option<ID>,
    /// The day of the vaccination.
    pub planned_on: Date,
    /// One form per vaccine.
    pub forms: Vec<VaccinationFormInput>,
    /// The consent.
    pub consent: FormConsentInput,
    /// A retry with the same key submits nothing more.
    pub idempotency_key: Option<String>,
}

impl TryFrom<SubmitVaccinationFormsInput> for NewForms {
    type Error = crate::error::AppError;

    fn try_from(input: SubmitVaccinationFormsInput) -> AppResult<Self> {
        Ok(Self {
            child_id: ids::decode_optional(input.child_id.as_ref(), NodeKind::HealthChild)?,
            child_name_kana: input.child_name_kana,
            child_birth_date: input.child_birth_date.map(Into::into),
            new_child: input.new_child.map(Into::into),
            clinic_id: ids::decode_optional(input.clinic_id.as_ref(), NodeKind::Organization)?,
            booking_id: ids::decode_optional(
                input.booking_id.as_ref(),
                NodeKind::VaccinationBooking,
            )?,
            planned_on: input.planned_on.into(),
            forms: input
                .forms
                .into_iter()
                .map(|f| {
                    (
                        f.product_code.trim().to_owned(),
                        f.answers.into_iter().map(|a| (a.code, a.value)).collect(),
                    )
                })
                .collect(),
            consent: Consent {
                method: input.consent.method.into(),
                signer: input.consent.signer.into(),
                signer_name: input.consent.signer_name,
                relationship: input.consent.relationship,
            },
            idempotency_key: input.idempotency_key,
        })
    }
}

/// The forms submitted, or why not.
#[derive(SimpleObject)]
pub struct SubmitVaccinationFormsPayload {
    /// One form per vaccine; empty when refused.
    pub forms: Vec<VaccinationForm>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// The doctor's judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum FormJudgement {
    /// 接種可.
    Ok,
    /// 見合わせる (予診のみ: the deferral).
    Defer,
}

/// The doctor's 予診 on a form of your clinic (clinic staff).
#[derive(Debug, InputObject)]
pub struct ConfirmVaccinationFormInput {
    /// The form.
    pub form_id: ID,
    /// Temperature measured at the clinic (℃).
    pub temperature: f64,
    /// The judgement.
    pub judgement: FormJudgement,
    /// The doctor.
    pub doctor_name: String,
    /// The effects, side effects and the relief system were explained (required with `OK`).
    pub explanation_given: bool,
    /// Why the vaccination is deferred (required with `DEFER`).
    pub deferral_reason: Option<String>,
}

impl TryFrom<ConfirmVaccinationFormInput> for Confirmation {
    type Error = crate::error::AppError;

    fn try_from(input: ConfirmVaccinationFormInput) -> AppResult<Self> {
        Ok(Self {
            form_id: ids::decode_as(&input.form_id, NodeKind::VaccinationForm)?,
            temperature: input.temperature,
            judgement: match input.judgement {
                FormJudgement::Ok => Judgement::Ok,
                FormJudgement::Defer => Judgement::Defer,
            },
            doctor_name: input.doctor_name,
            explanation_given: input.explanation_given,
            deferral_reason: input.deferral_reason,
        })
    }
}

/// The form, or why not.
#[derive(SimpleObject)]
pub struct VaccinationFormPayload {
    /// The form; null when refused.
    pub form: Option<VaccinationForm>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// A warning to go ahead despite, with the reason.
#[derive(Debug, InputObject)]
pub struct CheckOverrideInput {
    /// The warning's reason code.
    pub reason: CheckReason,
    /// Why the clinic goes ahead (recorded on the dose and counted).
    pub note: String,
}

/// Record the dose given on a confirmed form of your clinic, today (clinic staff).
#[derive(Debug, InputObject)]
pub struct RecordVaccinationInput {
    /// The form.
    pub form_id: ID,
    /// Lot number (製造番号).
    pub lot_number: String,
    /// The lot's expiry.
    pub lot_expiry: Date,
    /// Dose in mL; the product's default when not given.
    pub dose_ml: Option<f64>,
    /// Site: `LEFT_UPPER_ARM`, `RIGHT_UPPER_ARM`, `LEFT_THIGH`, `RIGHT_THIGH` or `MOUTH`.
    pub site: Option<String>,
    /// The doctor who gave it; the one of the 予診 when not given.
    pub doctor_name: Option<String>,
    /// Warnings to go ahead despite, each with a reason. Blocks cannot be overridden.
    #[graphql(default)]
    pub overrides: Vec<CheckOverrideInput>,
    /// A retry with the same key records nothing more.
    pub idempotency_key: Option<String>,
}

impl TryFrom<RecordVaccinationInput> for NewRecord {
    type Error = crate::error::AppError;

    fn try_from(input: RecordVaccinationInput) -> AppResult<Self> {
        Ok(Self {
            form_id: ids::decode_as(&input.form_id, NodeKind::VaccinationForm)?,
            lot_number: input.lot_number,
            lot_expiry: input.lot_expiry.into(),
            dose_ml: input.dose_ml,
            site: input.site.map(|s| s.trim().to_uppercase()),
            doctor_name: input.doctor_name,
            overrides: input
                .overrides
                .into_iter()
                .map(|o| Override {
                    reason: o.reason.into(),
                    note: o.note,
                    message: String::new(),
                })
                .collect(),
            idempotency_key: input.idempotency_key,
        })
    }
}

/// Correct a dose your clinic recorded: a new version with the reason; the old one stays.
#[derive(Debug, InputObject)]
pub struct CorrectVaccinationInput {
    /// The record (any version's id).
    pub vaccination_id: ID,
    /// Why it is corrected.
    pub reason: String,
    /// Lot number.
    pub lot_number: Option<String>,
    /// Lot expiry.
    pub lot_expiry: Option<Date>,
    /// Dose in mL.
    pub dose_ml: Option<f64>,
    /// Site.
    pub site: Option<String>,
    /// The day given.
    pub vaccinated_on: Option<Date>,
    /// The doctor.
    pub doctor_name: Option<String>,
}

impl TryFrom<CorrectVaccinationInput> for Correction {
    type Error = crate::error::AppError;

    fn try_from(input: CorrectVaccinationInput) -> AppResult<Self> {
        Ok(Self {
            record_id: ids::decode_as(&input.vaccination_id, NodeKind::Vaccination)?,
            reason: input.reason,
            lot_number: input.lot_number,
            lot_expiry: input.lot_expiry.map(Into::into),
            dose_ml: input.dose_ml,
            site: input.site.map(|s| s.trim().to_uppercase()),
            vaccinated_on: input.vaccinated_on.map(Into::into),
            doctor_name: input.doctor_name,
        })
    }
}

/// The dose recorded, or why not.
#[derive(SimpleObject)]
pub struct VaccinationPayload {
    /// The dose; null when refused.
    pub vaccination: Option<Vaccination>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// Change your municipality's health settings (municipal admins).
#[derive(Debug, InputObject)]
pub struct UpdateHealthSettingsInput {
    /// The municipality (platform admins); your own when not given.
    pub municipality_id: Option<ID>,
    /// How an interval of months ends on a missing day.
    pub month_end: Option<MonthEndRule>,
    /// The temperature (℃, 37.0–38.5) from which the 予診 may not judge a vaccination
    /// possible.
    pub fever_threshold: Option<f64>,
    /// The day (1–28) of the month after the service month by which a clinic's fee claim
    /// (委託料請求) is due; the 10th by default.
    pub fee_claim_due_day: Option<i32>,
}

impl TryFrom<UpdateHealthSettingsInput> for SettingsChange {
    type Error = crate::error::AppError;

    fn try_from(input: UpdateHealthSettingsInput) -> AppResult<Self> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                input.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            month_end: input.month_end.map(Into::into),
            fever_threshold: input.fever_threshold,
            fee_claim_due_day: input
                .fee_claim_due_day
                .map(|day| u32::try_from(day).unwrap_or(0)),
        })
    }
}

/// The settings, or why not.
#[derive(SimpleObject)]
pub struct HealthSettingsPayload {
    /// The settings; null when refused.
    pub settings: Option<HealthSettings>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// Which records of the vaccination register to list.
#[derive(Debug, Default, InputObject)]
pub struct VaccinationRegisterFilter {
    /// The municipality (platform admins); your own when not given.
    pub municipality_id: Option<ID>,
    /// Only this clinic's records.
    pub clinic_id: Option<ID>,
    /// Given on or after this day.
    pub from: Option<Date>,
    /// Given on or before this day.
    pub to: Option<Date>,
}

impl TryFrom<VaccinationRegisterFilter> for RegisterFilter {
    type Error = crate::error::AppError;

    fn try_from(input: VaccinationRegisterFilter) -> AppResult<Self> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                input.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            clinic_id: ids::decode_optional(input.clinic_id.as_ref(), NodeKind::Organization)?,
            from: input.from.map(Into::into),
            to: input.to.map(Into::into),
        })
    }
}

/// One question of a 予診票 version.
#[derive(Debug, InputObject)]
pub struct FormQuestionInput {
    /// Stable code, e.g. `Q03`: the same code keeps the same meaning in every version.
    pub code: String,
    /// The question.
    pub text: String,
    /// The kind of answer.
    pub kind: FormQuestionKind,
    /// Whether it must be answered.
    pub required: bool,
    /// The answer the doctor must look at (`YES` or `NO`), for yes/no questions.
    pub attention: Option<String>,
    /// What the detail should say when the answer needs attention.
    pub detail: Option<String>,
    /// Where a draft takes the answer from (see `FormQuestion.prefill`).
    pub prefill: Option<String>,
}

/// Publish your municipality's own version of an antigen's 予診票 from a day (municipal
/// health staff). It replaces your earlier version from that day; other municipalities keep
/// the national standard.
#[derive(Debug, InputObject)]
pub struct PublishVaccinationFormInput {
    /// The municipality (platform admins); your own when not given.
    pub municipality_id: Option<ID>,
    /// The antigen, e.g. `ROTA`.
    pub antigen: String,
    /// Title, e.g. 「ロタウイルス予防接種予診票」.
    pub title: String,
    /// The questions, header first; `H_TEMPERATURE` (a number) is required.
    pub questions: Vec<FormQuestionInput>,
    /// The consent text shown.
    pub consent_text: String,
    /// First day in force (today or later).
    pub effective_from: Date,
    /// A retry with the same key publishes nothing more and answers the same version.
    pub idempotency_key: Option<String>,
}

impl TryFrom<PublishVaccinationFormInput> for NewDefinition {
    type Error = crate::error::AppError;

    fn try_from(input: PublishVaccinationFormInput) -> AppResult<Self> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                input.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            antigen: input.antigen,
            title: input.title,
            questions: input
                .questions
                .into_iter()
                .map(|q| Question {
                    code: q.code.trim().to_owned(),
                    text: q.text,
                    kind: q.kind.into(),
                    required: q.required,
                    attention: q.attention.map(|a| a.trim().to_uppercase()),
                    detail: q.detail,
                    prefill: q.prefill,
                })
                .collect(),
            consent_text: input.consent_text,
            effective_from: input.effective_from.into(),
            idempotency_key: input.idempotency_key,
        })
    }
}

/// The 予診票 version, or why not.
#[derive(SimpleObject)]
pub struct VaccinationFormDefinitionPayload {
    /// The version; null when refused.
    pub definition: Option<VaccinationFormDefinition>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// Answer the satisfaction survey of a vaccination or a dental checkup you booked in the
/// app and attended (once per booking).
#[derive(Debug, InputObject)]
pub struct SubmitHealthSurveyInput {
    /// The booking: a `VaccinationBooking` or a dental `CheckupBooking`.
    pub booking_id: ID,
    /// 1 (dissatisfied) – 5 (very satisfied).
    pub score: i32,
}

impl SubmitHealthSurveyInput {
    /// The booking the answer is about.
    pub fn booking(&self) -> AppResult<service::SurveyedBooking> {
        match ids::decode(&self.booking_id)? {
            Some((NodeKind::VaccinationBooking, id)) => {
                Ok(service::SurveyedBooking::Vaccination(id))
            }
            Some((NodeKind::CheckupBooking, id)) => Ok(service::SurveyedBooking::Checkup(id)),
            _ => Err(crate::error::AppError::BadUserInput(format!(
                "`{}` is not the id of a VaccinationBooking or a CheckupBooking",
                self.booking_id.as_str()
            ))),
        }
    }
}

/// The answer, or why it was refused.
#[derive(SimpleObject)]
pub struct SubmitHealthSurveyPayload {
    /// The answer; null when refused.
    pub survey: Option<super::types::HealthSurveyResponse>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

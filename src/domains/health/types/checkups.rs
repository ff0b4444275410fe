//! GraphQL objects of infant and dental checkups: the municipality's checkup types and
//! 総合判定 codes, the 問診票 to fill in, checkup bookings and results.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    health_checkup as checkup, health_checkup_booking as booking,
    health_checkup_judgement as judgement, health_checkup_type as checkup_type,
};
use sea_orm::EntityTrait;

use super::super::checkup_rules::ToothStatus as ToothState;
use super::super::service;
use super::super::source::HealthRecordSource;
use super::HealthChild;
use crate::domains::identity::types::Organization;
use crate::graphql::{
    context,
    ids::{NodeKind, encode},
    present,
    scalars::Date,
};

async fn type_of(ctx: &Context<'_>, id: uuid::Uuid) -> Result<CheckupType> {
    let (state, _) = context(ctx)?;
    present(
        checkup_type::Entity::find_by_id(id)
            .one(&state.db)
            .await
            .map_err(crate::error::AppError::from)?
            .map(CheckupType),
        "checkupType",
    )
}

crate::enum_mirror! {
    /// Whether a checkup is a medical or a dental one.
    CheckupKind = service::CheckupKind {
        /// An infant checkup (乳幼児健診) at a clinic.
        Medical,
        /// A dental checkup (歯科健診) at a registered dental clinic (登録歯科医療機関).
        Dental,
    }
}

/// A findings area of a checkup type (身体発育, 皮膚, 精神発達, …).
#[derive(Clone, Debug, SimpleObject)]
pub struct CheckupFindingsArea {
    /// Stable code.
    pub code: String,
    /// Japanese name.
    pub name: String,
}

/// A question of a checkup's 問診票 (the guardian's questionnaire).
#[derive(Clone, Debug, SimpleObject)]
pub struct CheckupQuestion {
    /// Stable code; the same question keeps its code across checkup types.
    pub code: String,
    /// The question (Japanese).
    pub text: String,
    /// `yes_no` (answered `YES` or `NO`, required) or `text` (free text, optional).
    pub kind: String,
}

impl From<service::CheckupQuestion> for CheckupQuestion {
    fn from(q: service::CheckupQuestion) -> Self {
        Self {
            code: q.code,
            text: q.text,
            kind: q.kind,
        }
    }
}

/// A municipality's kind of infant checkup (乳幼児健診) or dental checkup (歯科健診), with
/// its legal age window in months.
#[derive(Clone, Debug)]
pub struct CheckupType(pub checkup_type::Model);

/// A municipality's kind of infant checkup (乳幼児健診) or dental checkup (歯科健診), with
/// its legal age window in months.
#[Object]
impl CheckupType {
    /// Global id.
    async fn id(&self) -> ID {
        encode(NodeKind::CheckupType, self.0.id)
    }

    /// Stable code, e.g. `INFANT_1Y6M` or `DENTAL_3Y`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Japanese name, e.g. 1歳6か月児健康診査.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Medical or dental.
    async fn kind(&self) -> CheckupKind {
        service::kind_of(&self.0).into()
    }

    /// The window opens on the day the child legally reaches this many months (生後N月:
    /// the day before the monthly birthday).
    async fn from_months(&self) -> i32 {
        self.0.from_months
    }

    /// The window closes on the day before the child reaches this many months (for 24:
    /// the day before the 2nd birthday).
    async fn until_months(&self) -> i32 {
        self.0.until_months
    }

    /// Whether the checkup includes a urine test (検尿).
    async fn has_urine(&self) -> bool {
        self.0.has_urine
    }

    /// The caries-type scheme of a dental checkup: `1y6m` (O1/O2/A/B/C) or `3y`
    /// (O/A/B/C1/C2); none for a medical checkup.
    async fn caries_scheme(&self) -> Option<&str> {
        self.0.caries_scheme.as_deref()
    }

    /// The findings areas recorded (所見なし/所見あり each).
    async fn findings_areas(&self) -> Vec<CheckupFindingsArea> {
        service::areas_of(&self.0)
            .into_iter()
            .map(|a| CheckupFindingsArea {
                code: a.code,
                name: a.name,
            })
            .collect()
    }

    /// The questions of its 問診票.
    async fn questions(&self) -> Vec<CheckupQuestion> {
        service::checkup_questions_of(&self.0)
            .into_iter()
            .map(CheckupQuestion::from)
            .collect()
    }

    /// The age window (first and last day) for a child born on this day.
    async fn window_for(
        &self,
        #[graphql(desc = "The child's birth date.")] birth_date: Date,
    ) -> Option<CheckupWindow> {
        service::window_of(&self.0, birth_date.0).map(|(from, to)| CheckupWindow {
            from: from.into(),
            to: to.into(),
        })
    }
}

/// The days (JST, inclusive) a child may have a checkup.
#[derive(Clone, Debug, SimpleObject)]
pub struct CheckupWindow {
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
}

/// One code of a municipality's 総合判定 list (異常なし, 既医療, 要観察, 要精密, 要治療, …).
#[derive(Clone, Debug, SimpleObject)]
pub struct CheckupJudgement {
    /// Stable code, given when recording a result.
    pub code: String,
    /// Japanese name.
    pub name: String,
    /// Whether the judgement calls for a 精密検診受診票 (referral for a detailed checkup).
    pub needs_referral: bool,
}

impl From<judgement::Model> for CheckupJudgement {
    fn from(model: judgement::Model) -> Self {
        Self {
            code: model.code,
            name: model.name,
            needs_referral: model.needs_referral,
        }
    }
}

/// A question of the 問診票 with the answer prefilled from the child's last 問診票.
#[derive(Clone, Debug, SimpleObject)]
pub struct CheckupQuestionnaireItem {
    /// The question.
    pub question: CheckupQuestion,
    /// The last answer given to it for this child, if any.
    pub prefilled_value: Option<String>,
}

/// A checkup's 問診票 ready to fill in for a child.
#[derive(SimpleObject)]
pub struct CheckupQuestionnaire {
    /// The child.
    pub child: HealthChild,
    /// The checkup type.
    pub checkup_type: CheckupType,
    /// The type's age window for the child.
    pub window: Option<CheckupWindow>,
    /// The child's full months of age on the day asked about.
    pub age_months: i32,
    /// The questions with their prefilled answers.
    pub items: Vec<CheckupQuestionnaireItem>,
}

impl From<service::Questionnaire> for CheckupQuestionnaire {
    fn from(q: service::Questionnaire) -> Self {
        Self {
            child: HealthChild(q.child, None),
            checkup_type: CheckupType(q.checkup_type),
            window: q.window.map(|(from, to)| CheckupWindow {
                from: from.into(),
                to: to.into(),
            }),
            age_months: q.age_months,
            items: q
                .questions
                .into_iter()
                .map(|(question, prefilled_value)| CheckupQuestionnaireItem {
                    question: question.into(),
                    prefilled_value,
                })
                .collect(),
        }
    }
}

/// An answer of a 問診票.
#[derive(Clone, Debug, SimpleObject)]
pub struct CheckupAnswer {
    /// The question code.
    pub code: String,
    /// The answer (`YES`/`NO` or text).
    pub value: String,
}

crate::enum_mirror! {
    /// The state of a checkup booking.
    CheckupBookingStatus = entity::health_booking::BookingStatus {
        /// Booked.
        Booked,
        /// Cancelled; the place was freed.
        Cancelled,
        /// The child came and the result was recorded.
        Attended,
    }
}

/// A booking of a clinic's slot for a child's checkup, with the 問診票 answers.
#[derive(Clone, Debug)]
pub struct CheckupBooking(pub booking::Model);

/// A booking of a clinic's slot for a child's checkup, with the 問診票 answers.
#[Object]
impl CheckupBooking {
    /// Global id.
    async fn id(&self) -> ID {
        encode(NodeKind::CheckupBooking, self.0.id)
    }

    /// The child's global id.
    async fn child_id(&self) -> ID {
        encode(NodeKind::HealthChild, self.0.child_id)
    }

    /// The checkup type.
    async fn checkup_type(&self, ctx: &Context<'_>) -> Result<CheckupType> {
        type_of(ctx, self.0.checkup_type_id).await
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

    /// Its state.
    async fn status(&self) -> CheckupBookingStatus {
        self.0.status.into()
    }

    /// The 問診票 answers.
    async fn answers(&self) -> Vec<CheckupAnswer> {
        service::checkup_answers_of(&self.0)
            .into_iter()
            .map(|(code, value)| CheckupAnswer { code, value })
            .collect()
    }

    /// When it was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A child on a clinic's checkup day list.
#[derive(SimpleObject)]
pub struct ClinicCheckupEntry {
    /// The booking with its 問診票.
    pub booking: CheckupBooking,
    /// The child.
    pub child: HealthChild,
}

crate::enum_mirror! {
    /// A urine test result (検尿).
    UrineLevel = service::UrineLevel {
        /// − (陰性, negative).
        Negative,
        /// ± (疑陽性, trace).
        Trace,
        /// + (陽性, positive).
        Positive,
    }
}

/// The urine test (検尿): protein, sugar and occult blood.
#[derive(Clone, Debug, SimpleObject)]
pub struct CheckupUrine {
    /// 蛋白 (protein).
    pub protein: UrineLevel,
    /// 糖 (sugar).
    pub sugar: UrineLevel,
    /// 潜血 (occult blood).
    pub occult_blood: UrineLevel,
}

/// The finding of one area: 所見なし (nothing found), or 所見あり (found) with a note.
#[derive(Clone, Debug, SimpleObject)]
pub struct CheckupFinding {
    /// The area code of the checkup type.
    pub area: String,
    /// 所見あり: something was found.
    pub abnormal: bool,
    /// What was found.
    pub note: Option<String>,
}

crate::enum_mirror! {
    /// The status of a tooth on the dental grid, with the 母子手帳 symbol.
    ToothStatus = ToothState {
        /// `/` 健全歯 (sound).
        Sound,
        /// `CO` 要観察歯 (early lesion to watch; not caries).
        Observe,
        /// `C` 未処置歯 (untreated caries).
        Decayed,
        /// `○` 処置歯 (filled).
        Filled,
        /// `△` 喪失歯 (lost to caries).
        Missing,
        /// `×` 要注意乳歯 (primary tooth needing attention).
        Caution,
        /// `シ` sealant (counts as sound).
        Sealant,
        /// `サ` silver diamine fluoride applied (arrested caries; counts as caries).
        SilverDiamine,
    }
}

/// One tooth of the dental grid.
#[derive(Clone, Debug, SimpleObject)]
pub struct ToothRecord {
    /// The tooth: quadrant (`UR`, `UL`, `LL`, `LR`), `_`, and a primary letter A–E or a
    /// permanent number 1–8, e.g. `UR_A`, `LL_6`.
    pub tooth: String,
    /// Its status.
    pub status: ToothStatus,
    /// The symbol written on the grid (`/`, `CO`, `C`, `○`, `△`, `×`, `シ`, `サ`).
    pub symbol: String,
}

/// The dental part of a checkup result.
#[derive(Clone, Debug, SimpleObject)]
pub struct DentalResult {
    /// The teeth present.
    pub teeth: Vec<ToothRecord>,
    /// むし歯の総数: teeth decayed, filled, lost or arrested (computed from the grid).
    pub caries_count: i32,
    /// むし歯の罹患型 (caries type): O1/O2/A/B/C at 1歳6か月, O/A/B/C1/C2 at 3歳; O1 and O2
    /// follow the municipality's rule.
    pub caries_type: String,
    /// 歯の汚れ (plaque): 0 none, 1 some, 2 much.
    pub plaque: i32,
    /// 歯肉・粘膜 (gums and mucosa) abnormal.
    pub gums_mucosa_abnormal: bool,
    /// かみ合わせ (occlusion) abnormal.
    pub occlusion_abnormal: bool,
    /// フッ化物塗布 (fluoride application) given.
    pub fluoride_applied: bool,
    /// Irregular snacks (だらだら食べ).
    pub snacks_risk: bool,
    /// A baby bottle still in use.
    pub bottle_risk: bool,
}

/// The referral for a detailed checkup (精密検診受診票).
#[derive(Clone, Debug, SimpleObject)]
pub struct CheckupReferral {
    /// `ISSUED` (not used yet) or `USED`.
    pub status: String,
    /// The day it was issued.
    pub issued_on: Option<Date>,
    /// Where the detailed checkup is to take place.
    pub referred_to: Option<String>,
    /// The day of the detailed checkup.
    pub used_on: Option<Date>,
    /// Its result.
    pub result: Option<String>,
}

/// The result of a child's infant or dental checkup: one per child and checkup type.
/// Health data: the guardian, the municipality's health staff and the clinic that recorded
/// it read it; every staff read is logged.
#[derive(Clone, Debug)]
pub struct Checkup(pub checkup::Model);

impl From<checkup::Model> for Checkup {
    fn from(model: checkup::Model) -> Self {
        Self(model)
    }
}

/// The result of a child's infant or dental checkup: one per child and checkup type.
/// Health data: the guardian, the municipality's health staff and the clinic that recorded
/// it read it; every staff read is logged.
#[Object]
impl Checkup {
    /// Global id.
    async fn id(&self) -> ID {
        encode(NodeKind::Checkup, self.0.id)
    }

    /// The child's global id.
    async fn child_id(&self) -> ID {
        encode(NodeKind::HealthChild, self.0.child_id)
    }

    /// The checkup type.
    async fn checkup_type(&self, ctx: &Context<'_>) -> Result<CheckupType> {
        type_of(ctx, self.0.checkup_type_id).await
    }

    /// The clinic, when a clinic recorded it.
    async fn clinic(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        match self.0.clinic_id {
            Some(id) => super::clinic_organization(ctx, id).await.map(Some),
            None => Ok(None),
        }
    }

    /// Where the result came from (app, paper, hub).
    async fn source(&self) -> HealthRecordSource {
        self.0.source.into()
    }

    /// The day of the checkup (JST).
    async fn examined_on(&self) -> Date {
        self.0.examined_on.into()
    }

    /// The child's full months of age on the day.
    async fn age_months(&self) -> i32 {
        self.0.age_months
    }

    /// 身長 (height, cm).
    async fn height_cm(&self) -> Option<f64> {
        self.0.height_cm
    }

    /// 体重 (weight, kg).
    async fn weight_kg(&self) -> Option<f64> {
        self.0.weight_kg
    }

    /// 頭囲 (head circumference, cm).
    async fn head_circumference_cm(&self) -> Option<f64> {
        self.0.head_cm
    }

    /// 検尿 (urine test), where the checkup type has it and it was done.
    async fn urine(&self) -> Option<CheckupUrine> {
        service::urine_of(&self.0).map(|u| CheckupUrine {
            protein: u.protein.into(),
            sugar: u.sugar.into(),
            occult_blood: u.occult_blood.into(),
        })
    }

    /// Findings by area.
    async fn findings(&self) -> Vec<CheckupFinding> {
        service::findings_of(&self.0)
            .into_iter()
            .map(|f| CheckupFinding {
                area: f.area,
                abnormal: f.abnormal,
                note: f.note,
            })
            .collect()
    }

    /// The 総合判定 code (from the municipality's list).
    async fn judgement_code(&self) -> &str {
        &self.0.judgement_code
    }

    /// Remarks.
    async fn remarks(&self) -> Option<&str> {
        self.0.remarks.as_deref()
    }

    /// The 精密検診受診票, when one was issued.
    async fn referral(&self) -> Option<CheckupReferral> {
        (self.0.referral_status != "none").then(|| CheckupReferral {
            status: self.0.referral_status.to_uppercase(),
            issued_on: self.0.referral_issued_on.map(Date::from),
            referred_to: self.0.referral_to.clone(),
            used_on: self.0.referral_used_on.map(Date::from),
            result: self.0.referral_result.clone(),
        })
    }

    /// The dental result, for a dental checkup.
    async fn dental(&self) -> Option<DentalResult> {
        let m = &self.0;
        Some(DentalResult {
            teeth: service::grid_of(m.teeth.as_deref())
                .into_iter()
                .map(|(tooth, status)| ToothRecord {
                    tooth,
                    status: status.into(),
                    symbol: status.symbol().to_owned(),
                })
                .collect(),
            caries_count: m.caries_count?,
            caries_type: m.caries_type.clone()?,
            plaque: m.plaque.unwrap_or(0),
            gums_mucosa_abnormal: m.gums_mucosa_abnormal.unwrap_or(false),
            occlusion_abnormal: m.occlusion_abnormal.unwrap_or(false),
            fluoride_applied: m.fluoride_applied.unwrap_or(false),
            snacks_risk: m.snacks_risk.unwrap_or(false),
            bottle_risk: m.bottle_risk.unwrap_or(false),
        })
    }

    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

crate::connection!(Checkup, CheckupConnection, CheckupEdge);

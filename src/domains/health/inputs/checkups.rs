//! GraphQL inputs and payloads of infant and dental checkups, and their conversion into
//! service structs.

use std::collections::BTreeMap;

use async_graphql::{ID, InputObject};

use super::super::service::{
    self, AreaFinding, CheckupFilter, DentalExam, NewCheckup, NewCheckupBooking, Urine,
};
use super::super::types::{Checkup, CheckupBooking, ToothStatus, UrineLevel};
use crate::error::AppResult;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::scalars::Date;

/// One answer of a checkup's 問診票.
#[derive(Debug, InputObject)]
pub struct CheckupAnswerInput {
    /// The question code.
    pub code: String,
    /// `YES` or `NO` for a yes/no question; text for a free-text question.
    pub value: String,
}

/// Book a checkup for your child on a clinic's slot, with the 問診票 answers (residents).
#[derive(Debug, InputObject)]
pub struct BookCheckupInput {
    /// The child.
    pub child_id: ID,
    /// The checkup type.
    pub checkup_type_id: ID,
    /// The slot (a clinic's slot, as for vaccinations).
    pub slot_id: ID,
    /// The 問診票 answers.
    pub answers: Vec<CheckupAnswerInput>,
    /// A retry with the same key books nothing more.
    pub idempotency_key: Option<String>,
}

impl TryFrom<BookCheckupInput> for NewCheckupBooking {
    type Error = crate::error::AppError;

    fn try_from(input: BookCheckupInput) -> AppResult<Self> {
        Ok(Self {
            child_id: ids::decode_as(&input.child_id, NodeKind::HealthChild)?,
            checkup_type_id: ids::decode_as(&input.checkup_type_id, NodeKind::CheckupType)?,
            slot_id: ids::decode_as(&input.slot_id, NodeKind::VaccinationSlot)?,
            answers: input
                .answers
                .into_iter()
                .map(|a| (a.code, a.value))
                .collect::<BTreeMap<_, _>>(),
            idempotency_key: input.idempotency_key,
        })
    }
}

crate::mutation_payload!(
    /// The checkup booking, or why not.
    CheckupBookingPayload { booking: CheckupBooking, "The booking; null when refused." }
);

/// Cancel a checkup booking before its slot starts (the guardian, or the clinic).
#[derive(Debug, InputObject)]
pub struct CancelCheckupBookingInput {
    /// The booking.
    pub booking_id: ID,
}

/// The urine test (検尿).
#[derive(Debug, InputObject)]
pub struct CheckupUrineInput {
    /// 蛋白 (protein).
    pub protein: UrineLevel,
    /// 糖 (sugar).
    pub sugar: UrineLevel,
    /// 潜血 (occult blood).
    pub occult_blood: UrineLevel,
}

/// The finding of one area.
#[derive(Debug, InputObject)]
pub struct CheckupFindingInput {
    /// The area code of the checkup type (see `CheckupType.findingsAreas`).
    pub area: String,
    /// 所見あり: something was found (a note is then required).
    pub abnormal: bool,
    /// What was found.
    pub note: Option<String>,
}

/// One tooth of the dental grid; teeth not given have not erupted.
#[derive(Debug, InputObject)]
pub struct ToothInput {
    /// The tooth: quadrant (`UR`, `UL`, `LL`, `LR`), `_`, and a primary letter A–E or a
    /// permanent number 1–8, e.g. `UR_A`.
    pub tooth: String,
    /// Its status.
    pub status: ToothStatus,
}

/// The dental exam of a dental checkup (歯科健診).
#[derive(Debug, InputObject)]
pub struct DentalExamInput {
    /// The teeth present.
    pub teeth: Vec<ToothInput>,
    /// 歯の汚れ (plaque): 0 none, 1 some, 2 much.
    pub plaque: i32,
    /// 歯肉・粘膜 (gums and mucosa) abnormal.
    #[graphql(default)]
    pub gums_mucosa_abnormal: bool,
    /// かみ合わせ (occlusion) abnormal.
    #[graphql(default)]
    pub occlusion_abnormal: bool,
    /// フッ化物塗布 (fluoride application) given.
    #[graphql(default)]
    pub fluoride_applied: bool,
    /// Irregular snacks (だらだら食べ), a risk for O2.
    #[graphql(default)]
    pub snacks_risk: bool,
    /// A baby bottle still in use, a risk for O2.
    #[graphql(default)]
    pub bottle_risk: bool,
}

/// Record a child's checkup result at your clinic (clinic staff), the day of the checkup.
#[derive(Debug, InputObject)]
pub struct RecordCheckupInput {
    /// The child (booked for this checkup at your clinic).
    pub child_id: ID,
    /// The checkup type.
    pub checkup_type_id: ID,
    /// The day of the checkup (JST); not in the future, inside the type's age window.
    pub examined_on: Date,
    /// 身長 (height, cm; 40–130). Required for a medical checkup.
    pub height_cm: Option<f64>,
    /// 体重 (weight, kg; 1.5–40). Required for a medical checkup.
    pub weight_kg: Option<f64>,
    /// 頭囲 (head circumference, cm; 30–60).
    pub head_circumference_cm: Option<f64>,
    /// 検尿 (urine test): only where the checkup type has one.
    pub urine: Option<CheckupUrineInput>,
    /// Findings for every area of the checkup type.
    #[graphql(default)]
    pub findings: Vec<CheckupFindingInput>,
    /// The 総合判定 code from your municipality's list (`checkupJudgements`).
    pub judgement_code: String,
    /// Remarks.
    pub remarks: Option<String>,
    /// Issue a 精密検診受診票 (referral for a publicly funded detailed checkup).
    #[graphql(default)]
    pub issue_referral: bool,
    /// Where the detailed checkup is to take place (with `issueReferral`).
    pub referral_to: Option<String>,
    /// The dental exam: required for a dental checkup, refused for a medical one.
    pub dental: Option<DentalExamInput>,
}

impl TryFrom<RecordCheckupInput> for NewCheckup {
    type Error = crate::error::AppError;

    fn try_from(input: RecordCheckupInput) -> AppResult<Self> {
        let level = |l: UrineLevel| service::UrineLevel::from(l);
        Ok(Self {
            child_id: ids::decode_as(&input.child_id, NodeKind::HealthChild)?,
            checkup_type_id: ids::decode_as(&input.checkup_type_id, NodeKind::CheckupType)?,
            examined_on: input.examined_on.into(),
            height_cm: input.height_cm,
            weight_kg: input.weight_kg,
            head_cm: input.head_circumference_cm,
            urine: input.urine.map(|u| Urine {
                protein: level(u.protein),
                sugar: level(u.sugar),
                occult_blood: level(u.occult_blood),
            }),
            findings: input
                .findings
                .into_iter()
                .map(|f| AreaFinding {
                    area: f.area,
                    abnormal: f.abnormal,
                    note: f.note,
                })
                .collect(),
            judgement_code: input.judgement_code.trim().to_owned(),
            remarks: input.remarks,
            issue_referral: input.issue_referral,
            referral_to: input.referral_to,
            dental: input.dental.map(|d| DentalExam {
                teeth: d
                    .teeth
                    .into_iter()
                    .map(|t| (t.tooth, t.status.into()))
                    .collect(),
                plaque: d.plaque,
                gums_mucosa_abnormal: d.gums_mucosa_abnormal,
                occlusion_abnormal: d.occlusion_abnormal,
                fluoride_applied: d.fluoride_applied,
                snacks_risk: d.snacks_risk,
                bottle_risk: d.bottle_risk,
            }),
        })
    }
}

crate::mutation_payload!(
    /// The checkup result, or why not.
    CheckupPayload { checkup: Checkup, "The result; null when refused." }
);

/// Mark a 精密検診受診票 used, with the day and result of the detailed checkup (the
/// municipality's health staff, or the clinic that issued it).
#[derive(Debug, InputObject)]
pub struct RecordCheckupReferralResultInput {
    /// The checkup result whose referral was used.
    pub checkup_id: ID,
    /// The day of the detailed checkup.
    pub used_on: Date,
    /// Its result.
    pub result: String,
}

/// Which checkup results to list.
#[derive(Debug, Default, InputObject)]
pub struct CheckupResultFilter {
    /// The municipality (platform admins); your own when not given.
    pub municipality_id: Option<ID>,
    /// Only this checkup type.
    pub checkup_type_id: Option<ID>,
    /// Examined on or after this day.
    pub from: Option<Date>,
    /// Examined on or before this day.
    pub to: Option<Date>,
    /// Only this 総合判定 code.
    pub judgement_code: Option<String>,
    /// Only results whose 精密検診受診票 was issued and not used yet.
    #[graphql(default)]
    pub referral_outstanding: bool,
}

impl TryFrom<CheckupResultFilter> for CheckupFilter {
    type Error = crate::error::AppError;

    fn try_from(input: CheckupResultFilter) -> AppResult<Self> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                input.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            checkup_type_id: ids::decode_optional(
                input.checkup_type_id.as_ref(),
                NodeKind::CheckupType,
            )?,
            from: input.from.map(Into::into),
            to: input.to.map(Into::into),
            judgement_code: input.judgement_code,
            referral_outstanding: input.referral_outstanding,
        })
    }
}

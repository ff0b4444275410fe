//! The clinic records a child's checkup the day it takes place, so the city learns the
//! result at once: measurements (ranges checked), urine where the type has it, findings by
//! area (所見なし/所見あり + text), the 総合判定 from the municipality's code list, and a
//! referral for a detailed checkup (精密検診受診票) issued, later marked used with the day
//! and result. Dental checkups record the tooth grid instead (`checkup_dental`).
//!
//! One result per child and checkup type, whatever its source (app, paper, hub): a second
//! one is refused as `TAKEN`, so paper and app data are counted together without
//! duplicates. A clinic records only for a child it has a checkup booking of that type
//! with; anyone else gets `NOT_FOUND`.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use entity::{
    health_checkup as checkup,
    health_checkup_booking::{self as booking, BookingStatus},
    health_child as child,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::access::require_clinic;
use super::checkup_dental::{self, DentalExam};
use super::checkup_types::{self as types, CheckupKind};
use crate::auth::Viewer;
use crate::domains::health::checkup_rules;
use crate::domains::health::source::RecordSource;
use crate::error::{AppError, AppResult, FieldError, FieldErrorCode, Problems};
use crate::state::ServiceContext;

/// Height range accepted (cm).
pub const HEIGHT_CM: (f64, f64) = (40.0, 130.0);
/// Weight range accepted (kg).
pub const WEIGHT_KG: (f64, f64) = (1.5, 40.0);
/// Head circumference range accepted (cm).
pub const HEAD_CM: (f64, f64) = (30.0, 60.0);
/// Longest note, remark or referral result.
pub const MAX_NOTE_CHARS: usize = 1000;

/// A urine test result (検尿): −, ± or +.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UrineLevel {
    /// − (陰性).
    Negative,
    /// ± (疑陽性).
    Trace,
    /// + (陽性).
    Positive,
}

/// The urine test (蛋白, 糖, 潜血).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Urine {
    /// 蛋白.
    pub protein: UrineLevel,
    /// 糖.
    pub sugar: UrineLevel,
    /// 潜血.
    pub occult_blood: UrineLevel,
}

/// The finding of one area: 所見なし, or 所見あり with a note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaFinding {
    /// The area code of the checkup type.
    pub area: String,
    /// 所見あり.
    pub abnormal: bool,
    /// What was found.
    pub note: Option<String>,
}

/// A checkup result to record.
#[derive(Clone, Debug, Serialize)]
pub struct NewCheckup {
    /// The child.
    pub child_id: Uuid,
    /// The checkup type.
    pub checkup_type_id: Uuid,
    /// The day of the checkup (JST).
    pub examined_on: NaiveDate,
    /// 身長 (cm).
    pub height_cm: Option<f64>,
    /// 体重 (kg).
    pub weight_kg: Option<f64>,
    /// 頭囲 (cm).
    pub head_cm: Option<f64>,
    /// 検尿, where the type has it.
    pub urine: Option<Urine>,
    /// Findings by area.
    pub findings: Vec<AreaFinding>,
    /// The 総合判定 code.
    pub judgement_code: String,
    /// Remarks.
    pub remarks: Option<String>,
    /// Issue a 精密検診受診票.
    pub issue_referral: bool,
    /// Where the detailed checkup is to take place.
    pub referral_to: Option<String>,
    /// The dental exam, for a dental checkup.
    pub dental: Option<DentalExam>,
}

fn trimmed(text: Option<&String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

fn check_measure(
    problems: &mut Problems,
    field: &str,
    label: &str,
    value: Option<f64>,
    (low, high): (f64, f64),
    required: bool,
) {
    match value {
        None if required => problems.push(FieldError::input(
            field,
            FieldErrorCode::Required,
            format!("{label}を入力してください。"),
        )),
        Some(v) if !v.is_finite() || v < low || v > high => problems.push(FieldError::input(
            field,
            FieldErrorCode::Invalid,
            format!("{label}は{low}〜{high}の範囲で入力してください。"),
        )),
        _ => {}
    }
}

fn check_note(problems: &mut Problems, field: &str, note: Option<&String>) {
    if note.is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
        problems.push(FieldError::input(
            field,
            FieldErrorCode::TooLong,
            format!("{MAX_NOTE_CHARS}文字以内で入力してください。"),
        ));
    }
}

/// Records a checkup result at the signed-in staff member's clinic.
#[tracing::instrument(skip_all)]
pub async fn record_checkup(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    new: NewCheckup,
) -> AppResult<Result<checkup::Model, Vec<FieldError>>> {
    let (me, clinic) = require_clinic(ctx.db, viewer).await?;
    let child = child::Entity::find_by_id(new.child_id)
        .one(ctx.db)
        .await?
        .filter(|child| child.municipality_id == clinic.municipality_id)
        .ok_or(AppError::NotFound)?;
    let checkup_type = types::checkup_type_in(ctx.db, new.checkup_type_id, clinic.municipality_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // The clinic records for a child it has a booking of this checkup with.
    let held = booking::Entity::find()
        .filter(booking::Column::ClinicId.eq(clinic.id))
        .filter(booking::Column::ChildId.eq(child.id))
        .filter(booking::Column::CheckupTypeId.eq(checkup_type.id))
        .filter(booking::Column::Status.ne(BookingStatus::Cancelled))
        .order_by_desc(booking::Column::Day)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut problems = Problems::new();
    problems
        .check(types::check_clinic_holds(ctx.db, &clinic, &checkup_type, "checkupTypeId").await?);
    if new.examined_on > crate::fiscal::date_of(ctx.now()) {
        problems.push(FieldError::input(
            "examinedOn",
            FieldErrorCode::Invalid,
            "未来の日付は記録できません。",
        ));
    } else {
        problems.check(types::check_window(
            &checkup_type,
            child.birth_date,
            new.examined_on,
            "examinedOn",
        ));
    }
    let kind = types::kind_of(&checkup_type);
    let medical = kind == CheckupKind::Medical;
    if medical {
        check_measure(
            &mut problems,
            "heightCm",
            "身長",
            new.height_cm,
            HEIGHT_CM,
            true,
        );
        check_measure(
            &mut problems,
            "weightKg",
            "体重",
            new.weight_kg,
            WEIGHT_KG,
            true,
        );
        check_measure(
            &mut problems,
            "headCircumferenceCm",
            "頭囲",
            new.head_cm,
            HEAD_CM,
            false,
        );
        if new.dental.is_some() {
            problems.push(FieldError::input(
                "dental",
                FieldErrorCode::NotAllowed,
                "歯科健診ではないため歯の状態は記録できません。",
            ));
        }
    } else {
        for (field, value) in [
            ("heightCm", new.height_cm),
            ("weightKg", new.weight_kg),
            ("headCircumferenceCm", new.head_cm),
        ] {
            if value.is_some() {
                problems.push(FieldError::input(
                    field,
                    FieldErrorCode::NotAllowed,
                    "歯科健診では身体計測は記録しません。",
                ));
            }
        }
    }
    if new.urine.is_some() && !checkup_type.has_urine {
        problems.push(FieldError::input(
            "urine",
            FieldErrorCode::NotAllowed,
            format!("{}には検尿がありません。", checkup_type.name),
        ));
    }
    let areas = types::areas_of(&checkup_type);
    let mut seen = BTreeSet::new();
    let mut findings = Vec::new();
    for (i, finding) in new.findings.iter().enumerate() {
        let field = format!("findings.{i}.area");
        if !areas.iter().any(|a| a.code == finding.area) {
            problems.push(FieldError::input(
                &field,
                FieldErrorCode::Invalid,
                format!("「{}」はこの健診の所見の項目ではありません。", finding.area),
            ));
            continue;
        }
        if !seen.insert(finding.area.clone()) {
            problems.push(FieldError::input(
                &field,
                FieldErrorCode::Invalid,
                "同じ項目が2回入力されています。",
            ));
            continue;
        }
        check_note(
            &mut problems,
            &format!("findings.{i}.note"),
            finding.note.as_ref(),
        );
        let note = trimmed(finding.note.as_ref());
        if finding.abnormal && note.is_none() {
            problems.push(FieldError::input(
                &format!("findings.{i}.note"),
                FieldErrorCode::Required,
                "所見ありの場合は内容を入力してください。",
            ));
        }
        findings.push(AreaFinding {
            area: finding.area.clone(),
            abnormal: finding.abnormal,
            note,
        });
    }
    let missing: Vec<&str> = areas
        .iter()
        .filter(|a| !seen.contains(&a.code))
        .map(|a| a.name.as_str())
        .collect();
    if !missing.is_empty() && problems.is_empty() {
        problems.push(FieldError::input(
            "findings",
            FieldErrorCode::Required,
            format!("次の項目の所見を入力してください: {}", missing.join("、")),
        ));
    }
    let judgements = types::judgements_of(ctx.db, clinic.municipality_id).await?;
    if !judgements.iter().any(|j| j.code == new.judgement_code) {
        problems.push(FieldError::input(
            "judgementCode",
            FieldErrorCode::Invalid,
            format!(
                "総合判定は次のいずれかです: {}",
                judgements
                    .iter()
                    .map(|j| format!("{}（{}）", j.code, j.name))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        ));
    }
    check_note(&mut problems, "remarks", new.remarks.as_ref());
    let referral_to = trimmed(new.referral_to.as_ref());
    if referral_to
        .as_ref()
        .is_some_and(|r| r.chars().count() > 200)
    {
        problems.push(FieldError::input(
            "referralTo",
            FieldErrorCode::TooLong,
            "紹介先は200文字以内で入力してください。",
        ));
    }
    if referral_to.is_some() && !new.issue_referral {
        problems.push(FieldError::input(
            "referralTo",
            FieldErrorCode::NotAllowed,
            "精密検診受診票を発行する場合にだけ紹介先を入力できます。",
        ));
    }
    let dental = match (kind, new.dental.clone(), types::scheme_of(&checkup_type)) {
        (CheckupKind::Dental, Some(exam), Some(scheme)) => {
            let rule = types::o2_rule_of(ctx.db, clinic.municipality_id).await?;
            checkup_dental::check_dental(exam, scheme, &rule, &mut problems)
        }
        (CheckupKind::Dental, _, _) => {
            problems.push(FieldError::input(
                "dental",
                FieldErrorCode::Required,
                "歯科健診の結果（歯の状態）を入力してください。",
            ));
            None
        }
        _ => None,
    };
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }
    let now = ctx.now();
    let id = Uuid::now_v7();
    let record = checkup::ActiveModel {
        id: Set(id),
        municipality_id: Set(child.municipality_id),
        child_id: Set(child.id),
        checkup_type_id: Set(checkup_type.id),
        clinic_id: Set(Some(clinic.id)),
        booking_id: Set(Some(held.id)),
        source: Set(RecordSource::App),
        examined_on: Set(new.examined_on),
        age_months: Set(checkup_rules::age_in_months(
            child.birth_date,
            new.examined_on,
        )),
        height_cm: Set(new.height_cm.filter(|_| medical)),
        weight_kg: Set(new.weight_kg.filter(|_| medical)),
        head_cm: Set(new.head_cm.filter(|_| medical)),
        urine: Set(new
            .urine
            .map(|u| serde_json::to_string(&u))
            .transpose()
            .map_err(AppError::internal)?),
        findings: Set(serde_json::to_string(&findings).map_err(AppError::internal)?),
        judgement_code: Set(new.judgement_code.clone()),
        remarks: Set(trimmed(new.remarks.as_ref())),
        referral_status: Set(if new.issue_referral { "issued" } else { "none" }.to_owned()),
        referral_issued_on: Set(new.issue_referral.then_some(new.examined_on)),
        referral_to: Set(referral_to),
        referral_used_on: Set(None),
        referral_result: Set(None),
        teeth: Set(dental.as_ref().map(|d| checkup_dental::grid_json(&d.grid))),
        caries_count: Set(dental.as_ref().map(|d| d.caries_count)),
        caries_type: Set(dental.as_ref().map(|d| d.caries_type.to_owned())),
        plaque: Set(dental.as_ref().map(|d| d.exam.plaque)),
        gums_mucosa_abnormal: Set(dental.as_ref().map(|d| d.exam.gums_mucosa_abnormal)),
        occlusion_abnormal: Set(dental.as_ref().map(|d| d.exam.occlusion_abnormal)),
        fluoride_applied: Set(dental.as_ref().map(|d| d.exam.fluoride_applied)),
        snacks_risk: Set(dental.as_ref().map(|d| d.exam.snacks_risk)),
        bottle_risk: Set(dental.as_ref().map(|d| d.exam.bottle_risk)),
        recorded_by: Set(me.id),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let txn = crate::db::begin_write(ctx.db).await?;
    let exists = checkup::Entity::find()
        .filter(checkup::Column::ChildId.eq(child.id))
        .filter(checkup::Column::CheckupTypeId.eq(checkup_type.id))
        .one(&txn)
        .await?;
    let taken = || {
        Ok(Err(vec![FieldError::input(
            "checkupTypeId",
            FieldErrorCode::Taken,
            "この健診の結果はすでに記録されています（1人1回）。",
        )]))
    };
    if exists.is_some() {
        return taken();
    }
    let inserted = match record.insert(&txn).await {
        Ok(inserted) => inserted,
        Err(error) if crate::error::is_unique_violation(&error) => return taken(),
        Err(error) => return Err(error.into()),
    };
    let mut attended: booking::ActiveModel = held.into();
    attended.status = Set(BookingStatus::Attended);
    attended.updated_at = Set(now);
    attended.update(&txn).await?;
    txn.commit().await?;
    Ok(Ok(inserted))
}

/// Marks a result's 精密検診受診票 used, with the day of the detailed checkup and its result
/// (the municipality's health staff, or the clinic that issued it).
#[tracing::instrument(skip_all)]
pub async fn record_referral_result(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    checkup_id: Uuid,
    used_on: NaiveDate,
    result: String,
) -> AppResult<Result<checkup::Model, Vec<FieldError>>> {
    let me = viewer.require_user()?;
    let found = checkup::Entity::find_by_id(checkup_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let issuing_clinic = match super::access::clinic_of(ctx.db, me).await? {
        Some(clinic) => found.clinic_id == Some(clinic.id),
        None => false,
    };
    if !me.administers(found.municipality_id) && !issuing_clinic {
        return Err(AppError::NotFound);
    }
    if found.referral_status != "issued" {
        return Ok(Err(vec![FieldError::whole(
            FieldErrorCode::InvalidState,
            "未使用の精密検診受診票がありません。",
        )]));
    }
    let mut problems = Problems::new();
    let issued_on = found.referral_issued_on.unwrap_or(found.examined_on);
    if used_on < issued_on || used_on > crate::fiscal::date_of(ctx.now()) {
        problems.push(FieldError::input(
            "usedOn",
            FieldErrorCode::Invalid,
            format!(
                "受診日は{}から今日までの日付で入力してください。",
                issued_on.format("%Y年%-m月%-d日")
            ),
        ));
    }
    let result = result.trim().to_owned();
    if result.is_empty() {
        problems.push(FieldError::input(
            "result",
            FieldErrorCode::Required,
            "精密検診の結果を入力してください。",
        ));
    }
    check_note(&mut problems, "result", Some(&result));
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }
    // Only while the referral is still unused: of two submissions at once, one records it.
    let marked = checkup::Entity::update_many()
        .col_expr(checkup::Column::ReferralStatus, Expr::value("used"))
        .col_expr(checkup::Column::ReferralUsedOn, Expr::value(Some(used_on)))
        .col_expr(checkup::Column::ReferralResult, Expr::value(Some(result)))
        .col_expr(checkup::Column::UpdatedAt, Expr::value(ctx.now()))
        .filter(checkup::Column::Id.eq(found.id))
        .filter(checkup::Column::ReferralStatus.eq("issued"))
        .exec(ctx.db)
        .await?;
    if marked.rows_affected == 0 {
        return Ok(Err(vec![FieldError::whole(
            FieldErrorCode::InvalidState,
            "未使用の精密検診受診票がありません。",
        )]));
    }
    Ok(Ok(checkup::Entity::find_by_id(found.id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?))
}

/// The findings of a result.
pub fn findings_of(model: &checkup::Model) -> Vec<AreaFinding> {
    serde_json::from_str(&model.findings).unwrap_or_default()
}

/// The urine test of a result.
pub fn urine_of(model: &checkup::Model) -> Option<Urine> {
    model
        .urine
        .as_deref()
        .and_then(|u| serde_json::from_str(u).ok())
}

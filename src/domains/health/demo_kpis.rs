//! Demo records behind the health KPIs of 北九州市 in the current and previous fiscal
//! years (and the doses and check findings of the year before, which the previous year's
//! 接種誤り減少率 compares with): 3歳児 dental checkups recorded from paper for children
//! entered by the dental clinic, doses recorded by the clinics (this month's through the
//! hub) with the checks' findings of every error category, a 予診票 of the demo resident
//! submitted in the app last year, and the resident's satisfaction answers about the
//! dental checkups booked in the app. Written in a few bulk inserts; skipped where the
//! city already has survey answers.

use chrono::{Datelike, Duration, Months, NaiveDate};
use entity::{
    health_check_log as check_log, health_checkup as checkup,
    health_checkup_booking::{self as checkup_booking, BookingStatus},
    health_checkup_type as checkup_type, health_child as child,
    health_form_submission::{self as submission, FormSource, FormStatus},
    health_survey as survey,
    health_vaccination::{self as vaccination, VaccinationSource},
    organization::{self, OrganizationKind},
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::checks::Category;
use super::service as health;
use crate::demo::{DemoTown, at_ten, demo_day, done};
use crate::state::ServiceContext;

/// Names of the children entered from paper (3歳児 dental checkups), eight a year.
const CHILDREN: [(&str, &str); 16] = [
    ("門司 ひなた", "モジ ヒナタ"),
    ("小倉 蓮", "コクラ レン"),
    ("戸畑 結衣", "トバタ ユイ"),
    ("若松 湊", "ワカマツ ミナト"),
    ("八幡 陽葵", "ヤハタ ヒマリ"),
    ("黒崎 大和", "クロサキ ヤマト"),
    ("折尾 凛", "オリオ リン"),
    ("曽根 蒼", "ソネ アオイ"),
    ("門司 芽依", "モジ メイ"),
    ("小倉 悠真", "コクラ ユウマ"),
    ("戸畑 紬", "トバタ ツムギ"),
    ("若松 陽翔", "ワカマツ ハルト"),
    ("八幡 咲良", "ヤハタ サクラ"),
    ("黒崎 樹", "クロサキ イツキ"),
    ("折尾 葵", "オリオ アオイ"),
    ("曽根 律", "ソネ リツ"),
];

/// Teeth with caries at each 3歳児 checkup of a year (this year, then last year): fewer
/// children with caries this year.
const CARIES: [[i32; 8]; 2] = [[0, 0, 2, 0, 0, 0, 1, 0], [0, 3, 0, 1, 0, 2, 0, 0]];

/// Doses recorded per fiscal year (this year, last year, the year before).
const DOSES: [usize; 3] = [30, 36, 40];

/// Findings of the checks per category (in [`Category::ALL`] order) per fiscal year
/// (this year, last year, the year before); every other one stopped the dose, the rest
/// were gone ahead with (the errors: 1, 2 and 3 per category, fewer per dose each year).
const FINDINGS: [[usize; 6]; 3] = [[2; 6], [4; 6], [6; 6]];

/// Satisfaction answers of the resident, by fiscal year of the visit (this year, last).
const SCORES: [i32; 2] = [5, 4];

const SOURCES: [VaccinationSource; 3] = [
    VaccinationSource::App,
    VaccinationSource::Paper,
    VaccinationSource::Hub,
];

const STAGES: [(&str, &str); 4] = [
    ("confirmation", "overridden"),
    ("booking", "caught"),
    ("confirmation", "overridden"),
    ("submission", "caught"),
];

fn years_back_of(years_back: usize) -> i32 {
    i32::try_from(years_back).unwrap_or(0)
}

/// Loads the records (after the health and checkup demos).
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<()> {
    let town = DemoTown::load(db, "kitakyushu").await?;
    let city = town.municipality_id;
    let answered = survey::Entity::find()
        .filter(survey::Column::MunicipalityId.eq(city))
        .count(db)
        .await?;
    if answered > 0 {
        return Ok(());
    }
    let clinics = organization::Entity::find()
        .filter(organization::Column::MunicipalityId.eq(city))
        .filter(organization::Column::Kind.eq(OrganizationKind::Clinic))
        .order_by_asc(organization::Column::CreatedAt)
        .all(db)
        .await?;
    let dental = clinics
        .iter()
        .find(|clinic| clinic.name == "戸畑こども歯科")
        .ok_or_else(|| anyhow::anyhow!("demo dental clinic missing"))?;
    let three = checkup_type::Entity::find()
        .filter(checkup_type::Column::MunicipalityId.eq(city))
        .filter(checkup_type::Column::Code.eq("DENTAL_3Y"))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo DENTAL_3Y missing"))?;
    let checkup_template = checkup::Entity::find()
        .filter(checkup::Column::CheckupTypeId.eq(three.id))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo 3歳児 dental checkup missing"))?;
    let child_template = child::Entity::find_by_id(checkup_template.child_id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo child missing"))?;
    let dose_template = vaccination::Entity::find()
        .filter(vaccination::Column::MunicipalityId.eq(city))
        .filter(vaccination::Column::ClinicId.is_not_null())
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo clinic vaccination missing"))?;
    let now = crate::db::now();

    // Eight children a year whose 3歳児 window opened in the year, entered from paper by
    // the dental clinic and examined a few days later.
    let mut children = Vec::new();
    let mut checkups = Vec::new();
    for (years_back, caries_of_year) in CARIES.iter().enumerate() {
        for (i, caries) in caries_of_year.iter().enumerate() {
            let (name, kana) = CHILDREN[years_back * 8 + i];
            #[allow(clippy::cast_precision_loss)]
            let examined_on = demo_day(years_back_of(years_back), 0.1 + 0.1 * i as f64);
            let opened = examined_on - Duration::days(10);
            let birth = (opened + Duration::days(1))
                .checked_sub_months(Months::new(36))
                .ok_or_else(|| anyhow::anyhow!("demo date out of range"))?;
            let id = Uuid::now_v7();
            let mut row = child_template.clone().into_active_model();
            row.id = Set(id);
            row.guardian_user_id = Set(None);
            row.name = Set(name.to_owned());
            row.name_kana = Set(kana.to_owned());
            row.birth_date = Set(birth);
            row.sex = Set(if i % 2 == 0 { "FEMALE" } else { "MALE" }.to_owned());
            row.entered_by_clinic_id = Set(Some(dental.id));
            row.claim_code_digest = Set(None);
            row.claim_code_expires_at = Set(None);
            row.created_at = Set(at_ten(examined_on));
            children.push(row);
            let mut row = checkup_template.clone().into_active_model();
            row.id = Set(Uuid::now_v7());
            row.child_id = Set(id);
            row.clinic_id = Set(Some(dental.id));
            row.booking_id = Set(None);
            row.source = Set(super::source::RecordSource::Paper);
            row.examined_on = Set(examined_on);
            row.age_months = Set(36);
            // The paper 健康診査票 gives the counts, not the tooth grid.
            row.teeth = Set(None);
            row.caries_count = Set(Some(*caries));
            row.caries_type = Set(Some(if *caries == 0 { "O" } else { "A" }.to_owned()));
            row.referral_status = Set("none".to_owned());
            row.referral_issued_on = Set(None);
            row.referral_to = Set(None);
            row.referral_used_on = Set(None);
            row.referral_result = Set(None);
            row.created_at = Set(at_ten(examined_on));
            row.updated_at = Set(at_ten(examined_on));
            checkups.push(row);
        }
    }
    let subjects: Vec<(Uuid, NaiveDate)> = children
        .iter()
        .filter_map(|row| match (&row.id, &row.birth_date) {
            (Set(id), Set(birth)) => Some((*id, *birth)),
            _ => None,
        })
        .collect();
    child::Entity::insert_many(children)
        .exec_without_returning(db)
        .await?;
    checkup::Entity::insert_many(checkups)
        .exec_without_returning(db)
        .await?;

    // Doses recorded by the clinics over three years, given to the children above (all
    // born before the first of them), with the checks' findings of every category.
    let medical: Vec<Uuid> = clinics
        .iter()
        .filter(|clinic| clinic.id != dental.id)
        .map(|clinic| clinic.id)
        .collect();
    let today = crate::fiscal::today();
    let this_month = today - Duration::days(i64::from(today.day0()));
    let mut doses = Vec::new();
    let mut findings = Vec::new();
    for (years_back, count) in DOSES.iter().enumerate() {
        for n in 0..*count {
            #[allow(clippy::cast_precision_loss)]
            let on = demo_day(years_back_of(years_back), (n as f64 + 0.5) / *count as f64);
            let (child_id, _) = subjects
                .iter()
                .find(|(_, birth)| *birth < on)
                .copied()
                .unwrap_or(subjects[0]);
            let id = Uuid::now_v7();
            let mut row = dose_template.clone().into_active_model();
            row.id = Set(id);
            row.record_id = Set(id);
            row.version = Set(1);
            row.superseded_at = Set(None);
            row.correction_reason = Set(None);
            row.submission_id = Set(None);
            row.child_id = Set(child_id);
            // This month's doses came through the hub from clinics outside the city (福岡県
            // 予防接種広域化), so the city clinics' claims of the month bill only their own.
            let (clinic, source) = if on >= this_month {
                (None, VaccinationSource::Hub)
            } else {
                (
                    medical.get(n % medical.len().max(1)).copied(),
                    SOURCES[n % SOURCES.len()],
                )
            };
            row.clinic_id = Set(clinic);
            row.source = Set(source);
            row.vaccinated_on = Set(on);
            row.overrides = Set("[]".to_owned());
            row.created_at = Set(at_ten(on));
            doses.push(row);
        }
        for (category, count) in Category::ALL.iter().zip(FINDINGS[years_back]) {
            for n in 0..count {
                #[allow(clippy::cast_precision_loss)]
                let on = demo_day(years_back_of(years_back), (n as f64 + 0.3) / count as f64);
                let (stage, outcome) = STAGES[n % STAGES.len()];
                findings.push(check_log::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    municipality_id: Set(city),
                    clinic_id: Set(medical.get(n % medical.len().max(1)).copied()),
                    stage: Set(stage.to_owned()),
                    outcome: Set(outcome.to_owned()),
                    reason: Set(reason_of(*category).to_owned()),
                    category: Set(category.code()),
                    severity: Set(if outcome == "caught" { "BLOCK" } else { "WARN" }.to_owned()),
                    occurred_at: Set(at_ten(on)),
                });
            }
        }
    }
    vaccination::Entity::insert_many(doses)
        .exec_without_returning(db)
        .await?;
    check_log::Entity::insert_many(findings)
        .exec_without_returning(db)
        .await?;

    // Last year's 予診票 of the resident, submitted in the app (this year's come from the
    // health demo, submitted today).
    if let Some(form) = submission::Entity::find()
        .filter(submission::Column::MunicipalityId.eq(city))
        .filter(submission::Column::Source.eq(FormSource::App))
        .one(db)
        .await?
    {
        let on = demo_day(1, 0.6);
        let mut row = form.into_active_model();
        row.id = Set(Uuid::now_v7());
        row.visit_id = Set(Uuid::now_v7());
        row.booking_id = Set(None);
        row.planned_on = Set(on);
        row.status = Set(FormStatus::Withdrawn);
        row.consented_at = Set(at_ten(on));
        row.confirmed_by = Set(None);
        row.confirmed_at = Set(None);
        row.created_at = Set(at_ten(on));
        row.updated_at = Set(at_ten(on));
        submission::Entity::insert(row)
            .exec_without_returning(db)
            .await?;
    }

    // The resident's answers about the dental checkups booked in the app and attended.
    let resident = town
        .resident
        .user
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("demo resident missing"))?;
    let attended = checkup_booking::Entity::find()
        .filter(checkup_booking::Column::GuardianUserId.eq(resident.id))
        .filter(checkup_booking::Column::Status.eq(BookingStatus::Attended))
        .order_by_desc(checkup_booking::Column::Day)
        .all(db)
        .await?;
    let ctx = ServiceContext::quiet(db);
    let this_year = crate::fiscal::year_of(now);
    for booking in attended {
        let years_back = this_year - crate::fiscal::year_of_date(booking.day);
        let Some(score) = usize::try_from(years_back)
            .ok()
            .and_then(|back| SCORES.get(back))
        else {
            continue;
        };
        let outcome = health::submit_survey(
            ctx,
            &town.resident,
            health::SurveyedBooking::Checkup(booking.id),
            *score,
        )
        .await;
        // Only dental checkups are surveyed: an infant checkup's booking is refused.
        if let Ok(Err(_)) = outcome {
            continue;
        }
        done(outcome)?;
    }
    Ok(())
}

/// A reason code of the checks for a finding of `category`.
fn reason_of(category: Category) -> &'static str {
    match category {
        Category::Interval => "TOO_SOON",
        Category::Age => "OUTSIDE_ELIGIBILITY",
        Category::UnnecessaryDose => "DOSE_BEYOND_SERIES",
        Category::Product => "PRODUCT_CONTINUITY",
        Category::ExpiredVaccine => "EXPIRED_LOT",
        Category::WrongPerson => "WRONG_CHILD",
    }
}

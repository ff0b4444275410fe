//! The records of the health KPIs of 北九州市: 予診票 and their guardians, dental checkups
//! and the children due for them, the vaccination checks' findings and the doses given.
//! A record is named by its vaccine, checkup or clinic, never by the child or guardian.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    health_check_log as check_log, health_checkup as checkup,
    health_checkup_booking::{self as checkup_booking, BookingStatus},
    health_checkup_type as checkup_type, health_child as child,
    health_form_submission::{self as submission, FormSource},
    health_survey as survey,
    health_vaccination::{self as vaccination, VaccinationSource},
    organization,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::SourceRecord;
use crate::{
    domains::health::{checks::Category, checkup_rules, service::DENTAL_SURVEY},
    error::{AppError, AppResult},
    fiscal,
    graphql::ids::NodeKind,
};

/// The kind of a dental checkup type.
const DENTAL: &str = "dental";
/// The caries scheme of the 3歳児 dental checkup.
const THREE_YEAR_SCHEME: &str = "3y";

/// Which dental checkups a read keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dental {
    /// Every dental checkup.
    Every,
    /// 3歳児 dental checkups.
    ThreeYear,
    /// 3歳児 dental checkups that found no caries.
    CariesFree,
}

fn out_of_range() -> AppError {
    AppError::BadUserInput("fiscalYear is out of range".into())
}

fn form_source_label(source: FormSource) -> &'static str {
    match source {
        FormSource::App => "アプリ",
        FormSource::Paper => "紙",
    }
}

/// One record per guardian with an app 予診票 submitted in `[from, until)`: their first.
pub async fn vaccination_app_guardians(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> AppResult<Vec<SourceRecord>> {
    use submission::Column;
    // The guardian's id only to tell guardians apart: it never leaves this function.
    let rows: Vec<(Uuid, Uuid, String, DateTime<Utc>)> = submission::Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::SubmittedBy)
        .column(Column::ProductCode)
        .column(Column::CreatedAt)
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::Source.eq(FormSource::App))
        .filter(Column::CreatedAt.gte(from))
        .filter(Column::CreatedAt.lt(until))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut seen = HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|(_, guardian, _, _)| seen.insert(*guardian))
        .map(|(id, _, product_code, created_at)| SourceRecord {
            record_type: NodeKind::VaccinationForm,
            record_id: id,
            occurred_on: fiscal::date_of(created_at),
            weight: 1.0,
            label: format!("アプリで予診票を提出した保護者（年度内の初回：{product_code}）"),
        })
        .collect())
}

/// The dental checkup types of a municipality, by id.
async fn dental_types(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
) -> AppResult<HashMap<Uuid, checkup_type::Model>> {
    Ok(checkup_type::Entity::find()
        .filter(checkup_type::Column::MunicipalityId.eq(municipality_id))
        .filter(checkup_type::Column::Kind.eq(DENTAL))
        .all(db)
        .await?
        .into_iter()
        .map(|kind| (kind.id, kind))
        .collect())
}

/// One record per guardian with a dental checkup booked in the app for a day of fiscal
/// year `year`, cancelled bookings aside: their first.
pub async fn dental_app_guardians(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    year: i32,
) -> AppResult<Vec<SourceRecord>> {
    let kinds = dental_types(db, municipality_id).await?;
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let (first, last) = fiscal::dates(year).ok_or_else(out_of_range)?;
    use checkup_booking::Column;
    let rows: Vec<(Uuid, Uuid, Uuid, NaiveDate)> = checkup_booking::Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::GuardianUserId)
        .column(Column::CheckupTypeId)
        .column(Column::Day)
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::CheckupTypeId.is_in(kinds.keys().copied()))
        .filter(Column::Status.ne(BookingStatus::Cancelled))
        .filter(Column::Day.between(first, last))
        .order_by_asc(Column::Day)
        .order_by_asc(Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut seen = HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|(_, guardian, _, _)| seen.insert(*guardian))
        .filter_map(|(id, _, kind, day)| {
            let kind = kinds.get(&kind)?;
            Some(SourceRecord {
                record_type: NodeKind::CheckupBooking,
                record_id: id,
                occurred_on: day,
                weight: 1.0,
                label: format!(
                    "アプリで歯科健診を予約した保護者（年度内の初回：{}）",
                    kind.name
                ),
            })
        })
        .collect())
}

/// The 予診票 submitted in `[from, until)`: from the app only (`app_only`) or of every
/// source.
pub async fn forms(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    app_only: bool,
) -> AppResult<Vec<SourceRecord>> {
    use submission::Column;
    let mut query = submission::Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::ProductCode)
        .column(Column::Source)
        .column(Column::CreatedAt)
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::CreatedAt.gte(from))
        .filter(Column::CreatedAt.lt(until));
    if app_only {
        query = query.filter(Column::Source.eq(FormSource::App));
    }
    let rows: Vec<(Uuid, String, FormSource, DateTime<Utc>)> = query.into_tuple().all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, product_code, source, created_at)| SourceRecord {
            record_type: NodeKind::VaccinationForm,
            record_id: id,
            occurred_on: fiscal::date_of(created_at),
            weight: 1.0,
            label: format!("予診票 {product_code}（{}）", form_source_label(source)),
        })
        .collect())
}

/// One record per child and dental checkup whose age window opens in fiscal year `year`.
pub async fn dental_eligible(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    year: i32,
) -> AppResult<Vec<SourceRecord>> {
    let kinds = dental_types(db, municipality_id).await?;
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let (first, last) = fiscal::dates(year).ok_or_else(out_of_range)?;
    // A window opens at most `from_months` after birth: only children born since the
    // earliest such birthday can have one opening in the year.
    let longest = kinds.values().map(|k| k.from_months).max().unwrap_or(0);
    let born_after = first
        .checked_sub_months(chrono::Months::new(u32::try_from(longest).unwrap_or(0) + 1))
        .ok_or_else(out_of_range)?;
    // The birth date only, to place the window: no name leaves the database here.
    let children: Vec<(Uuid, NaiveDate)> = child::Entity::find()
        .select_only()
        .column(child::Column::Id)
        .column(child::Column::BirthDate)
        .filter(child::Column::MunicipalityId.eq(municipality_id))
        .filter(child::Column::BirthDate.gte(born_after))
        .filter(child::Column::BirthDate.lte(last))
        .into_tuple()
        .all(db)
        .await?;
    let mut kinds: Vec<&checkup_type::Model> = kinds.values().collect();
    kinds.sort_by_key(|kind| (kind.position, kind.from_months));
    Ok(children
        .into_iter()
        .flat_map(|(id, birth)| {
            kinds.iter().filter_map(move |kind| {
                let from = u32::try_from(kind.from_months).ok()?;
                let until = u32::try_from(kind.until_months).ok()?;
                let (opens, _) = checkup_rules::age_window(birth, from, until)?;
                (first..=last).contains(&opens).then(|| SourceRecord {
                    record_type: NodeKind::HealthChild,
                    record_id: id,
                    occurred_on: opens,
                    weight: 1.0,
                    label: format!("{}の対象者（受診期間の始まり）", kind.name),
                })
            })
        })
        .collect())
}

/// The dental checkups held in fiscal year `year` that `which` keeps.
pub async fn dental_examined(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    year: i32,
    which: Dental,
) -> AppResult<Vec<SourceRecord>> {
    let mut kinds = dental_types(db, municipality_id).await?;
    if which != Dental::Every {
        kinds.retain(|_, kind| kind.caries_scheme.as_deref() == Some(THREE_YEAR_SCHEME));
    }
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let (first, last) = fiscal::dates(year).ok_or_else(out_of_range)?;
    use checkup::Column;
    // The date and the caries count only: the tooth grid and the findings stay.
    let rows: Vec<(Uuid, Uuid, NaiveDate, Option<i32>)> = checkup::Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::CheckupTypeId)
        .column(Column::ExaminedOn)
        .column(Column::CariesCount)
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::CheckupTypeId.is_in(kinds.keys().copied()))
        .filter(Column::ExaminedOn.between(first, last))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, _, caries)| which != Dental::CariesFree || caries.unwrap_or(0) == 0)
        .filter_map(|(id, kind, examined_on, caries)| {
            let kind = kinds.get(&kind)?;
            let finding = match caries.unwrap_or(0) {
                0 => "むし歯なし".to_owned(),
                n => format!("むし歯{n}本"),
            };
            Some(SourceRecord {
                record_type: NodeKind::Checkup,
                record_id: id,
                occurred_on: examined_on,
                weight: 1.0,
                label: format!("{}（{finding}）", kind.name),
            })
        })
        .collect())
}

fn stage_label(stage: &str) -> &'static str {
    match stage {
        "booking" => "予約時",
        "submission" => "予診票の提出時",
        "confirmation" => "接種の確認時",
        _ => "点検時",
    }
}

/// The outcome of a check finding the clinic went ahead with: an error that happened.
const WENT_AHEAD: &str = "overridden";

fn category_label(code: &str) -> &'static str {
    Category::ALL
        .into_iter()
        .find(|category| category.code() == code)
        .map_or("その他", Category::label_ja)
}

/// The vaccination errors that happened in `[from, until)`, of `category` or of all: the
/// check findings a clinic went ahead with (outcome `overridden`); findings that stopped
/// the dose (`caught`) were prevented and are left out. Each is named by the clinic where
/// it was found (which has a global id), or by the municipality where no clinic was
/// involved.
pub async fn vaccination_errors(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    category: Option<Category>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> AppResult<Vec<SourceRecord>> {
    use check_log::Column;
    let mut query = check_log::Entity::find()
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::OccurredAt.gte(from))
        .filter(Column::OccurredAt.lt(until))
        .filter(Column::Outcome.eq(WENT_AHEAD));
    if let Some(category) = category {
        query = query.filter(Column::Category.eq(category.code()));
    }
    let rows = query.all(db).await?;
    let clinic_ids: HashSet<Uuid> = rows.iter().filter_map(|row| row.clinic_id).collect();
    let clinics: HashMap<Uuid, String> = if clinic_ids.is_empty() {
        HashMap::new()
    } else {
        organization::Entity::find()
            .select_only()
            .column(organization::Column::Id)
            .column(organization::Column::Name)
            .filter(organization::Column::Id.is_in(clinic_ids))
            .into_tuple::<(Uuid, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let (record_type, record_id, place) = match row.clinic_id {
                Some(clinic) => (
                    NodeKind::Organization,
                    clinic,
                    clinics.get(&clinic).map_or("医療機関", String::as_str),
                ),
                None => (NodeKind::Municipality, municipality_id, "市"),
            };
            SourceRecord {
                record_type,
                record_id,
                occurred_on: fiscal::date_of(row.occurred_at),
                weight: 1.0,
                label: format!(
                    "{place}：{}（{}に指摘を承知で接種）",
                    category_label(&row.category),
                    stage_label(&row.stage)
                ),
            }
        })
        .collect())
}

fn vaccination_source_label(source: VaccinationSource) -> &'static str {
    match source {
        VaccinationSource::App => "アプリの予診票",
        VaccinationSource::Paper => "紙の予診票",
        VaccinationSource::Hub => "PMH",
        VaccinationSource::Handbook => "母子健康手帳",
    }
}

/// The doses given in fiscal year `year` as clinics recorded them, current versions.
pub async fn doses(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    year: i32,
) -> AppResult<Vec<SourceRecord>> {
    let (first, last) = fiscal::dates(year).ok_or_else(out_of_range)?;
    use vaccination::Column;
    let rows: Vec<(Uuid, String, NaiveDate, VaccinationSource)> = vaccination::Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::ProductCode)
        .column(Column::VaccinatedOn)
        .column(Column::Source)
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::SupersededAt.is_null())
        .filter(Column::Source.ne(VaccinationSource::Handbook))
        .filter(Column::VaccinatedOn.between(first, last))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, product_code, vaccinated_on, source)| SourceRecord {
            record_type: NodeKind::Vaccination,
            record_id: id,
            occurred_on: vaccinated_on,
            weight: 1.0,
            label: format!(
                "接種 {product_code}（{}）",
                vaccination_source_label(source)
            ),
        })
        .collect())
}

/// The satisfaction answers about the app's vaccination and dental services whose booked
/// day falls in fiscal year `year`, each weighing its score.
pub async fn survey_answers(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    year: i32,
) -> AppResult<Vec<SourceRecord>> {
    use survey::Column;
    // Scores only: nothing that names the guardian.
    let rows: Vec<(Uuid, String, NaiveDate, i16)> = survey::Entity::find()
        .select_only()
        .column(Column::BookingId)
        .column(Column::Service)
        .column(Column::VisitedOn)
        .column(Column::Score)
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::FiscalYear.eq(year))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(booking_id, service, visited_on, score)| {
            let (record_type, subject) = if service == DENTAL_SURVEY {
                (NodeKind::CheckupBooking, "歯科健診")
            } else {
                (NodeKind::VaccinationBooking, "予防接種")
            };
            SourceRecord {
                record_type,
                record_id: booking_id,
                occurred_on: visited_on,
                weight: f64::from(score),
                label: format!("{subject}の満足度アンケート（{score}点）"),
            }
        })
        .collect())
}

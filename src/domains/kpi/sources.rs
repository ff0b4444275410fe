//! The records behind each [`Source`]: a few queries per source and fiscal year, read from the
//! raw records of the other domains; where a domain owns the rule of a figure (the issues
//! solved of partnership, the placements of women of employment), its service gives the
//! records, so the KPI and the domain count the same ones. No personal data leaves here: a
//! record is named by its program, issue or reference code, never by a person.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::{
    childcare_booking,
    childcare_resource::{self, ResourceKind},
    childcare_survey, childcare_visit,
    employment_placement::EmploymentType,
    program::{self, ProgramKind},
    program_session, program_survey,
    registration::{self, RegistrationStatus},
    relocation_inquiry::{self, InquiryStage},
};
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::registry::Source;

mod health;
use crate::graphql::ids::NodeKind;
use crate::{
    domains::{
        childcare::service as childcare, employment::service as employment,
        partnership::service as partnership,
    },
    error::{AppError, AppResult},
    fiscal,
};

/// One record counted by a source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    /// GraphQL type of the record (`RelocationInquiry`, `Registration`, `LocalIssue`).
    pub record_type: NodeKind,
    /// Its primary key.
    pub record_id: Uuid,
    /// The day it counts on (JST).
    pub occurred_on: NaiveDate,
    /// What it adds to the part.
    pub weight: f64,
    /// What it is, without personal data: a program and session, an issue title, an
    /// inquiry's reference code.
    pub label: String,
}

/// One read of the database for one fiscal year. The survey sources over one set of
/// answers (their scores, the answers, the satisfied answers) share a read, so a report or a
/// drill-down reads each set once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Read {
    /// The records of a source read on its own.
    Source(Source),
    /// Every survey answer about programs of this kind, each weighing its score.
    ProgramAnswers(ProgramKind),
    /// Every answer about temporary childcare, each weighing its score.
    ChildcareAnswers,
    /// Every answer about the app's vaccination and dental services, each weighing its
    /// score.
    HealthAnswers,
}

impl Read {
    /// The read that gives the records of `source`.
    pub fn of(source: Source) -> Self {
        match source {
            Source::SurveyScores(kind)
            | Source::SurveyAnswers(kind)
            | Source::SatisfiedAnswers(kind) => Self::ProgramAnswers(kind),
            Source::TemporaryChildcareScores
            | Source::TemporaryChildcareAnswers
            | Source::TemporaryChildcareSatisfied => Self::ChildcareAnswers,
            Source::HealthSurveyScores
            | Source::HealthSurveyAnswers
            | Source::HealthSurveySatisfied => Self::HealthAnswers,
            other => Self::Source(other),
        }
    }
}

/// What `record` of its [`Read`] adds to `source`, if it counts: a score, one per answer,
/// or one per answer of 4 or 5; the record's own weight for every other source.
pub fn weight(source: Source, record: &SourceRecord) -> Option<f64> {
    // The rows of an answer set weigh their score.
    match source {
        Source::SurveyAnswers(_)
        | Source::TemporaryChildcareAnswers
        | Source::HealthSurveyAnswers => Some(1.0),
        Source::SatisfiedAnswers(_)
        | Source::TemporaryChildcareSatisfied
        | Source::HealthSurveySatisfied => (record.weight >= 4.0).then_some(1.0),
        _ => Some(record.weight),
    }
}

/// The rows of `read` in fiscal year `year` of a municipality, oldest first.
pub async fn read(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    read: Read,
    year: i32,
) -> AppResult<Vec<SourceRecord>> {
    let (from, until) = fiscal::bounds(year)
        .ok_or_else(|| AppError::BadUserInput("fiscalYear is out of range".into()))?;
    let mut rows = match read {
        Read::ProgramAnswers(kind) => survey_answers(db, municipality_id, kind, year).await?,
        Read::ChildcareAnswers => childcare_answers(db, municipality_id, year).await?,
        Read::HealthAnswers => health::survey_answers(db, municipality_id, year).await?,
        Read::Source(source) => match source {
            Source::PeopleMovedIn => people_moved_in(db, municipality_id, year).await?,
            Source::Attendees(kind) => attendees(db, municipality_id, kind, from, until).await?,
            Source::IssuesSolved => issues_solved(db, municipality_id, from, until).await?,
            Source::PlazaVisits => plaza_visits(db, municipality_id, year).await?,
            Source::WomenPlacements => women_placements(db, municipality_id, year, false).await?,
            Source::WomenRegularPlacements => {
                women_placements(db, municipality_id, year, true).await?
            }
            Source::SurveyScores(kind)
            | Source::SurveyAnswers(kind)
            | Source::SatisfiedAnswers(kind) => {
                survey_answers(db, municipality_id, kind, year).await?
            }
            Source::TemporaryChildcareScores
            | Source::TemporaryChildcareAnswers
            | Source::TemporaryChildcareSatisfied => {
                childcare_answers(db, municipality_id, year).await?
            }
            Source::VaccinationAppGuardians => {
                health::vaccination_app_guardians(db, municipality_id, from, until).await?
            }
            Source::DentalAppGuardians => {
                health::dental_app_guardians(db, municipality_id, year).await?
            }
            Source::AppForms => health::forms(db, municipality_id, from, until, true).await?,
            Source::AllForms => health::forms(db, municipality_id, from, until, false).await?,
            Source::DentalEligible => health::dental_eligible(db, municipality_id, year).await?,
            Source::DentalExamined => {
                health::dental_examined(db, municipality_id, year, health::Dental::Every).await?
            }
            Source::ThreeYearDentalExamined => {
                health::dental_examined(db, municipality_id, year, health::Dental::ThreeYear)
                    .await?
            }
            Source::ThreeYearCariesFree => {
                health::dental_examined(db, municipality_id, year, health::Dental::CariesFree)
                    .await?
            }
            Source::VaccinationErrors(category) => {
                health::vaccination_errors(db, municipality_id, category, from, until).await?
            }
            Source::Doses => health::doses(db, municipality_id, year).await?,
            Source::HealthSurveyScores
            | Source::HealthSurveyAnswers
            | Source::HealthSurveySatisfied => {
                health::survey_answers(db, municipality_id, year).await?
            }
        },
    };
    rows.sort_by_key(|row| (row.occurred_on, row.record_id));
    Ok(rows)
}

async fn people_moved_in(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    year: i32,
) -> AppResult<Vec<SourceRecord>> {
    use relocation_inquiry::Column;
    let (first, last) = fiscal::dates(year)
        .ok_or_else(|| AppError::BadUserInput("fiscalYear is out of range".into()))?;
    // Only the outcome and the reference code: no personal data of the family.
    let rows: Vec<(Uuid, String, Option<NaiveDate>, Option<i32>)> =
        relocation_inquiry::Entity::find()
            .select_only()
            .column(Column::Id)
            .column(Column::ReferenceCode)
            .column(Column::MovedInOn)
            .column(Column::PeopleMoved)
            .filter(Column::MunicipalityId.eq(municipality_id))
            .filter(Column::Stage.eq(InquiryStage::MovedIn))
            .filter(Column::MovedInOn.between(first, last))
            .filter(Column::PeopleMoved.is_not_null())
            .into_tuple()
            .all(db)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, reference_code, moved_in_on, people_moved)| {
            Some(SourceRecord {
                record_type: NodeKind::RelocationInquiry,
                record_id: id,
                occurred_on: moved_in_on?,
                weight: f64::from(people_moved?),
                label: format!("移住相談 {reference_code}"),
            })
        })
        .collect())
}

async fn programs_of_kind(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    kind: ProgramKind,
) -> AppResult<Vec<program::Model>> {
    Ok(program::Entity::find()
        .filter(program::Column::MunicipalityId.eq(municipality_id))
        .filter(program::Column::Kind.eq(kind))
        .all(db)
        .await?)
}

async fn attendees(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    kind: ProgramKind,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> AppResult<Vec<SourceRecord>> {
    let programs = programs_of_kind(db, municipality_id, kind).await?;
    if programs.is_empty() {
        return Ok(Vec::new());
    }
    let sessions = program_session::Entity::find()
        .filter(program_session::Column::ProgramId.is_in(programs.iter().map(|p| p.id)))
        .filter(program_session::Column::StartsAt.gte(from))
        .filter(program_session::Column::StartsAt.lt(until))
        .order_by_asc(program_session::Column::StartsAt)
        .all(db)
        .await?;
    if sessions.is_empty() {
        return Ok(Vec::new());
    }
    // Only the columns counted: a party's contact details never leave the database here.
    let registrations: Vec<(Uuid, Uuid, i32, i32)> = registration::Entity::find()
        .select_only()
        .column(registration::Column::Id)
        .column(registration::Column::SessionId)
        .column(registration::Column::Adults)
        .column(registration::Column::Children)
        .filter(registration::Column::SessionId.is_in(sessions.iter().map(|s| s.id)))
        .filter(registration::Column::Status.eq(RegistrationStatus::Attended))
        .into_tuple()
        .all(db)
        .await?;
    let titles: HashMap<Uuid, &str> = programs.iter().map(|p| (p.id, p.title.as_str())).collect();
    let labels: HashMap<Uuid, (NaiveDate, String)> = sessions
        .iter()
        .filter_map(|session| {
            let title = titles.get(&session.program_id)?;
            let day = fiscal::date_of(session.starts_at);
            let label = format!(
                "{title}（{}年{}月{}日の回）",
                day.year(),
                day.month(),
                day.day()
            );
            Some((session.id, (day, label)))
        })
        .collect();
    Ok(registrations
        .into_iter()
        .filter_map(|(id, session_id, adults, children)| {
            let (day, label) = labels.get(&session_id)?;
            Some(SourceRecord {
                record_type: NodeKind::Registration,
                record_id: id,
                occurred_on: *day,
                weight: f64::from(adults + children),
                label: label.clone(),
            })
        })
        .collect())
}

/// The issues the partnership domain counts as solved in the period.
async fn issues_solved(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> AppResult<Vec<SourceRecord>> {
    Ok(partnership::issues_solved(db, municipality_id, from, until)
        .await?
        .into_iter()
        .filter_map(|issue| {
            Some(SourceRecord {
                record_type: NodeKind::LocalIssue,
                record_id: issue.id,
                occurred_on: fiscal::date_of(issue.solved_at?),
                weight: 1.0,
                label: issue.title,
            })
        })
        .collect())
}

/// The survey answers about programs of `kind` in the fiscal year, each weighing its score.
async fn survey_answers(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    kind: ProgramKind,
    year: i32,
) -> AppResult<Vec<SourceRecord>> {
    let programs = programs_of_kind(db, municipality_id, kind).await?;
    if programs.is_empty() {
        return Ok(Vec::new());
    }
    let query = program_survey::Entity::find()
        .filter(program_survey::Column::MunicipalityId.eq(municipality_id))
        .filter(program_survey::Column::ProgramId.is_in(programs.iter().map(|p| p.id)))
        .filter(program_survey::Column::FiscalYear.eq(year));
    // Scores only: free-text comments stay out of reports.
    let answers: Vec<(Uuid, Uuid, Uuid, i16)> = query
        .select_only()
        .column(program_survey::Column::RegistrationId)
        .column(program_survey::Column::ProgramId)
        .column(program_survey::Column::SessionId)
        .column(program_survey::Column::Score)
        .into_tuple()
        .all(db)
        .await?;
    // An answer counts in the fiscal year of its session, so it counts on the session's
    // day: the sessions of these programs held in the year.
    let (from, until) = fiscal::bounds(year)
        .ok_or_else(|| AppError::BadUserInput("fiscalYear is out of range".into()))?;
    let session_days: HashMap<Uuid, NaiveDate> = program_session::Entity::find()
        .select_only()
        .column(program_session::Column::Id)
        .column(program_session::Column::StartsAt)
        .filter(program_session::Column::ProgramId.is_in(programs.iter().map(|p| p.id)))
        .filter(program_session::Column::StartsAt.gte(from))
        .filter(program_session::Column::StartsAt.lt(until))
        .into_tuple::<(Uuid, DateTime<Utc>)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, starts_at)| (id, fiscal::date_of(starts_at)))
        .collect();
    let titles: HashMap<Uuid, &str> = programs.iter().map(|p| (p.id, p.title.as_str())).collect();
    Ok(answers
        .into_iter()
        .filter_map(|(registration_id, program_id, session_id, score)| {
            let title = titles.get(&program_id)?;
            Some(SourceRecord {
                // The survey belongs to its registration, which has a global id.
                record_type: NodeKind::Registration,
                record_id: registration_id,
                occurred_on: *session_days.get(&session_id)?,
                weight: f64::from(score),
                label: format!("{title}の満足度アンケート（{score}点）"),
            })
        })
        .collect())
}

/// Resources of `kind` of a municipality, by id, with their names.
async fn resources_of_kind(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    kind: ResourceKind,
) -> AppResult<HashMap<Uuid, String>> {
    let rows: Vec<(Uuid, String)> = childcare_resource::Entity::find()
        .select_only()
        .column(childcare_resource::Column::Id)
        .column(childcare_resource::Column::Name)
        .filter(childcare_resource::Column::MunicipalityId.eq(municipality_id))
        .filter(childcare_resource::Column::Kind.eq(kind))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The same records as the childcare domain's `plaza_visits`: one per plaza and day.
async fn plaza_visits(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    year: i32,
) -> AppResult<Vec<SourceRecord>> {
    let plazas = resources_of_kind(db, municipality_id, ResourceKind::Plaza).await?;
    if plazas.is_empty() {
        return Ok(Vec::new());
    }
    use childcare_visit::Column;
    let visits = childcare_visit::Entity::find()
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::FiscalYear.eq(year))
        .filter(Column::ResourceId.is_in(plazas.keys().copied()))
        .all(db)
        .await?;
    Ok(visits
        .into_iter()
        .filter_map(|visit| {
            let name = plazas.get(&visit.resource_id)?;
            let day = visit.visit_date;
            Some(SourceRecord {
                // A day of visits is named by its plaza, which has a global id.
                record_type: NodeKind::ChildcareResource,
                record_id: visit.resource_id,
                occurred_on: day,
                weight: f64::from(visit.adults + visit.children),
                label: format!(
                    "{name}（{}年{}月{}日、大人{}人・子ども{}人）",
                    day.year(),
                    day.month(),
                    day.day(),
                    visit.adults,
                    visit.children
                ),
            })
        })
        .collect())
}

/// The same answers as the childcare domain's `temporary_childcare_satisfaction`, each
/// weighing its score.
async fn childcare_answers(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    year: i32,
) -> AppResult<Vec<SourceRecord>> {
    let resources =
        resources_of_kind(db, municipality_id, ResourceKind::TemporaryChildcare).await?;
    if resources.is_empty() {
        return Ok(Vec::new());
    }
    use childcare_survey::Column;
    let query = childcare::counted_answers(municipality_id, year);
    // Scores only: free-text comments stay out of reports.
    let answers: Vec<(Uuid, Uuid, i16)> = query
        .select_only()
        .column(Column::BookingId)
        .column(Column::ResourceId)
        .column(Column::Score)
        .into_tuple()
        .all(db)
        .await?;
    // An answer counts in the fiscal year of its booking's day, so it counts on that day:
    // the bookings of these resources in the year.
    let (first, last) = fiscal::dates(year)
        .ok_or_else(|| AppError::BadUserInput("fiscalYear is out of range".into()))?;
    let booking_days: HashMap<Uuid, NaiveDate> = childcare_booking::Entity::find()
        .select_only()
        .column(childcare_booking::Column::Id)
        .column(childcare_booking::Column::Date)
        .filter(childcare_booking::Column::ResourceId.is_in(resources.keys().copied()))
        .filter(childcare_booking::Column::Date.between(first, last))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(answers
        .into_iter()
        .filter_map(|(booking_id, resource_id, score)| {
            let name = resources.get(&resource_id)?;
            Some(SourceRecord {
                record_type: NodeKind::ChildcareBooking,
                record_id: booking_id,
                occurred_on: *booking_days.get(&booking_id)?,
                weight: f64::from(score),
                label: format!("{name}の満足度アンケート（{score}点）"),
            })
        })
        .collect())
}

/// The employment domain's placements of women in the fiscal year, the records behind its
/// `regular_employment_of_women` (`regular`: regular at the start only).
async fn women_placements(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    year: i32,
    regular: bool,
) -> AppResult<Vec<SourceRecord>> {
    // The kind of job and its start only: nothing that names the job seeker.
    Ok(employment::women_placements(db, municipality_id, year)
        .await?
        .into_iter()
        .filter(|placement| !regular || placement.employment_type == EmploymentType::Regular)
        .map(|placement| SourceRecord {
            record_type: NodeKind::EmploymentPlacement,
            record_id: placement.id,
            occurred_on: placement.start_date,
            weight: 1.0,
            label: format!(
                "{}の就職（{}）",
                placement.industry,
                employment_type_label(placement.employment_type)
            ),
        })
        .collect())
}

fn employment_type_label(kind: EmploymentType) -> &'static str {
    match kind {
        EmploymentType::Regular => "正規雇用",
        EmploymentType::Contract => "契約",
        EmploymentType::PartTime => "パート・アルバイト",
        EmploymentType::Dispatch => "派遣",
        EmploymentType::SelfEmployed => "自営",
        EmploymentType::Other => "その他",
    }
}

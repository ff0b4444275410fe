//! What every step of a visit shares: the catalogue read with the municipality's settings,
//! a child's current doses as the checks see them, the checks of every vaccine of one visit
//! (同時接種: the other vaccines of the visit count as given that day), their findings as
//! `userErrors`, the log of what they caught, and the day-list event of a clinic.

use chrono::NaiveDate;
use entity::{
    health_check_log as check_log, health_child as child, health_vaccination as vaccination,
};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::super::catalogue::Catalogue;
use super::super::checks::{self, Finding, Outcome, Planned, Severity};
use super::super::schedule::{Child, GivenDose};
use super::children::{doses_of, sex_of};
use super::settings::settings_of;
use crate::error::{AppResult, FieldError, FieldErrorCode};
use crate::events::Event;
use crate::state::ServiceContext;

/// The topic of a change to a clinic's day list (subject: the clinic).
pub const DAY_CHANGED: &str = "health.clinic_day.changed";

/// The catalogue with the month-end rule of `municipality_id`.
pub async fn catalogue_for(ctx: ServiceContext<'_>, municipality_id: Uuid) -> AppResult<Catalogue> {
    let mut catalogue = super::catalogue::load_catalogue(ctx).await?;
    catalogue.month_end = settings_of(ctx.db, municipality_id).await?.month_end;
    Ok(catalogue)
}

/// A dose row with every column a clinic fills left empty: the base of a new record.
pub fn new_dose(id: Uuid) -> vaccination::ActiveModel {
    vaccination::ActiveModel {
        clinic_id: Set(None),
        submission_id: Set(None),
        lot_number: Set(None),
        lot_expiry: Set(None),
        dose_ml: Set(None),
        site: Set(None),
        route: Set(None),
        doctor_name: Set(None),
        dose_number: Set(None),
        series_code: Set(None),
        funded: Set(true),
        overrides: Set("[]".to_owned()),
        record_id: Set(id),
        version: Set(1),
        superseded_at: Set(None),
        correction_reason: Set(None),
        ..Default::default()
    }
}

/// The child's facts and current doses, as the checks read them.
pub async fn history_of(
    ctx: ServiceContext<'_>,
    child: &child::Model,
) -> AppResult<(Child, Vec<GivenDose>)> {
    let doses = doses_of(ctx, child.id).await?;
    let history = doses
        .into_iter()
        .map(|dose| GivenDose {
            product: dose.product_code,
            date: dose.vaccinated_on,
        })
        .collect();
    Ok((
        Child {
            birth: child.birth_date,
            sex: sex_of(child),
        },
        history,
    ))
}

/// One vaccine of a visit and what the checks found.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The product code.
    pub product: String,
    /// The outcome.
    pub outcome: Outcome,
}

/// Checks every vaccine of one visit on `day`. Each is checked against the child's history
/// and the visit's other vaccines, given the same day.
pub fn check_visit(
    catalogue: &Catalogue,
    child: Child,
    history: &[GivenDose],
    products: &[String],
    day: NaiveDate,
    lot_expiry: Option<NaiveDate>,
) -> Vec<Checked> {
    products
        .iter()
        .map(|product| {
            let mut seen: Vec<GivenDose> = history.to_vec();
            seen.extend(
                products
                    .iter()
                    .filter(|other| *other != product)
                    .map(|other| GivenDose {
                        product: other.clone(),
                        date: day,
                    }),
            );
            let planned = Planned {
                product: product.clone(),
                date: day,
                lot_expiry,
            };
            Checked {
                product: product.clone(),
                outcome: checks::check(catalogue, child, &seen, &planned),
            }
        })
        .collect()
}

/// Every block of `checked` as a `userErrors` entry on `field`.
pub fn blocks(checked: &[Checked], field: &str) -> Vec<FieldError> {
    checked
        .iter()
        .flat_map(|one| {
            one.outcome
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Block)
                .map(|f| {
                    FieldError::input(
                        field,
                        FieldErrorCode::VaccinationBlocked,
                        format!("{}: {}", one.product, f.message),
                    )
                })
        })
        .collect()
}

/// Every warning of `checked`.
pub fn warnings(checked: &[Checked]) -> Vec<Finding> {
    checked
        .iter()
        .flat_map(|one| one.outcome.findings.iter())
        .filter(|f| f.severity == Severity::Warn)
        .cloned()
        .collect()
}

/// Where a check ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// At booking.
    Booking,
    /// At the form's submission.
    Submission,
    /// At the clinic.
    Confirmation,
}

/// Writes what the checks caught (`caught`) or what a clinic let through (`overridden`),
/// without names, in its own statement: a refused change still counts as an error caught.
pub async fn log_findings<'f>(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    clinic_id: Option<Uuid>,
    stage: Stage,
    outcome: &str,
    findings: impl IntoIterator<Item = &'f Finding>,
) -> AppResult<()> {
    let now = crate::db::now();
    let stage = match stage {
        Stage::Booking => "booking",
        Stage::Submission => "submission",
        Stage::Confirmation => "confirmation",
    };
    let rows: Vec<check_log::ActiveModel> = findings
        .into_iter()
        .map(|finding| check_log::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(municipality_id),
            clinic_id: Set(clinic_id),
            stage: Set(stage.to_owned()),
            outcome: Set(outcome.to_owned()),
            reason: Set(finding.reason_code()),
            category: Set(finding.category_code()),
            severity: Set(match finding.severity {
                Severity::Block => "BLOCK",
                Severity::Warn => "WARN",
            }
            .to_owned()),
            occurred_at: Set(now),
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    check_log::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Logs every block of `checked` as caught.
pub async fn log_blocks(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    clinic_id: Option<Uuid>,
    stage: Stage,
    checked: &[Checked],
) -> AppResult<()> {
    let found = checked
        .iter()
        .flat_map(|one| one.outcome.findings.iter())
        .filter(|f| f.severity == Severity::Block);
    log_findings(db, municipality_id, clinic_id, stage, "caught", found).await
}

/// Announces a change to `clinic_id`'s day list.
pub async fn announce_day(ctx: ServiceContext<'_>, municipality_id: Uuid, clinic_id: Uuid) {
    ctx.announce([Event {
        municipality_id: Some(municipality_id),
        topic: DAY_CHANGED.to_owned(),
        subject_id: clinic_id,
        user_id: None,
        occurred_at: ctx.now(),
    }])
    .await;
}

/// Findings as stored (JSON).
pub fn findings_json(findings: &[Finding]) -> String {
    serde_json::to_string(findings).unwrap_or_else(|_| "[]".to_owned())
}

/// Findings as stored, read back (nothing when unreadable).
pub fn findings_from(text: &str) -> Vec<Finding> {
    serde_json::from_str(text).unwrap_or_default()
}

//! Computing KPI reports from the registry: values, previous years, targets, and the records
//! behind each value. Knows nothing of GraphQL or HTTP; the report, the drill-down and both
//! exports call the same functions, so they never disagree.
//!
//! Reports and records are for the administrators of the municipality (and platform
//! admins); anyone else is refused with `UNAUTHENTICATED` or `FORBIDDEN`.

use std::collections::{HashMap, hash_map::Entry};

use chrono::{DateTime, Utc};
use entity::{kpi_target, municipality};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use super::{
    registry::{self, Formula, KpiDefinition, Part},
    sources::{self, SourceRecord},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{
    auth::Viewer,
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    fiscal,
    paging::{DEFAULT_PAGE_SIZE, Page, PageArgs},
};

pub use crate::fiscal::{FIRST_YEAR, LAST_YEAR};

/// One KPI of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiValue {
    /// Its declaration.
    pub definition: &'static KpiDefinition,
    /// The value; `None` when a denominator is zero.
    pub value: Option<f64>,
    /// Sum of the numerator records.
    pub numerator: f64,
    /// Sum of the denominator records, for ratios.
    pub denominator: Option<f64>,
    /// The value of the previous fiscal year.
    pub previous_value: Option<f64>,
    /// Value minus previous value.
    pub change: Option<f64>,
    /// Target set for the fiscal year.
    pub target: Option<f64>,
    /// Baseline set for the fiscal year.
    pub baseline: Option<f64>,
    /// Whether the value reached the target.
    pub target_met: Option<bool>,
}

/// The KPIs of a municipality for one fiscal year.
#[derive(Debug, Clone)]
pub struct Report {
    /// The municipality.
    pub municipality: municipality::Model,
    /// The fiscal year (年度).
    pub fiscal_year: i32,
    /// First instant of the year (1 April, 0:00 JST).
    pub period_start: DateTime<Utc>,
    /// First instant after the year.
    pub period_end: DateTime<Utc>,
    /// One entry per KPI declared for the municipality.
    pub values: Vec<KpiValue>,
}

/// Which part of a KPI a record counts toward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartRole {
    /// The numerator (the total of a total).
    Numerator,
    /// The denominator.
    Denominator,
}

/// A record behind a KPI value.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiRecord {
    /// The part it counts toward.
    pub role: PartRole,
    /// The fiscal year it was read for.
    pub fiscal_year: i32,
    /// The record.
    pub record: SourceRecord,
}

/// A target to set.
#[derive(Debug, Clone)]
pub struct NewTarget {
    /// JIS code of the municipality.
    pub municipality_code: String,
    /// KPI key.
    pub key: String,
    /// Fiscal year.
    pub fiscal_year: i32,
    /// Target value, in the KPI's unit.
    pub target: f64,
    /// Baseline value, in the KPI's unit: `None` keeps the stored one, `Some(None)` clears
    /// it.
    pub baseline: Option<Option<f64>>,
}

/// The report of a municipality for fiscal year `year` (its administrators).
#[tracing::instrument(skip_all)]
pub async fn report(
    db: &DatabaseConnection,
    viewer: &Viewer,
    municipality_code: &str,
    year: i32,
) -> AppResult<Report> {
    viewer.require_user()?;
    let municipality = municipality_by_code(db, municipality_code).await?;
    viewer.require_admin_of(municipality.id)?;
    compute(db, municipality, year).await
}

/// The records behind KPI `key` of a municipality in fiscal year `year`, numerator first
/// (its administrators).
#[tracing::instrument(skip_all)]
pub async fn records(
    db: &DatabaseConnection,
    viewer: &Viewer,
    municipality_code: &str,
    year: i32,
    key: &str,
) -> AppResult<Vec<KpiRecord>> {
    viewer.require_user()?;
    let municipality = municipality_by_code(db, municipality_code).await?;
    viewer.require_admin_of(municipality.id)?;
    fiscal::checked_year(year)?;
    let definition = registry::find(key)
        .filter(|kpi| kpi.municipality_code == municipality.jis_code)
        .ok_or(AppError::NotFound)?;
    let mut out = Vec::new();
    let mut reads = Reads::default();
    let parts = std::iter::once((PartRole::Numerator, definition.numerator))
        .chain(definition.denominator.map(|d| (PartRole::Denominator, d)));
    for (role, part) in parts {
        let part_year = year + part.year_offset;
        let rows = reads.rows(db, municipality.id, part, year).await?;
        out.extend(rows.iter().filter_map(|record| {
            Some(KpiRecord {
                role,
                fiscal_year: part_year,
                record: SourceRecord {
                    weight: sources::weight(part.source, record)?,
                    ..record.clone()
                },
            })
        }));
    }
    Ok(out)
}

/// One page of [`records`], with offset cursors.
#[tracing::instrument(skip_all)]
pub async fn records_page(
    db: &DatabaseConnection,
    viewer: &Viewer,
    municipality_code: &str,
    year: i32,
    key: &str,
    args: PageArgs,
    max_page_size: u32,
) -> AppResult<Page<KpiRecord>> {
    if args.first.is_some() && args.last.is_some() {
        return Err(AppError::BadUserInput(
            "give either `first` or `last`, not both".into(),
        ));
    }
    let all = records(db, viewer, municipality_code, year, key).await?;
    let total = all.len();
    let position = |cursor: &Option<String>| -> AppResult<Option<usize>> {
        cursor
            .as_deref()
            .map(|text| {
                URL_SAFE_NO_PAD
                    .decode(text)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .and_then(|text| text.strip_prefix("kpi:")?.parse::<usize>().ok())
                    .ok_or_else(|| {
                        AppError::BadUserInput(format!("`{text}` is not a valid cursor"))
                    })
            })
            .transpose()
    };
    let count = |n: Option<i32>| -> AppResult<Option<usize>> {
        n.map(|n| {
            usize::try_from(n)
                .map(|n| n.min(max_page_size as usize))
                .map_err(|_| {
                    AppError::BadUserInput("`first` and `last` must not be negative".into())
                })
        })
        .transpose()
    };
    let mut start = position(&args.after)?.map_or(0, |a| a + 1).min(total);
    let mut end = position(&args.before)?
        .unwrap_or(total)
        .min(total)
        .max(start);
    match (count(args.first)?, count(args.last)?) {
        (Some(n), _) => end = end.min(start + n),
        (_, Some(n)) => start = start.max(end.saturating_sub(n)),
        (None, None) => end = end.min(start + DEFAULT_PAGE_SIZE.min(max_page_size) as usize),
    }
    let rows = all
        .into_iter()
        .enumerate()
        .skip(start)
        .take(end - start)
        .map(|(index, record)| (URL_SAFE_NO_PAD.encode(format!("kpi:{index}")), record))
        .collect();
    Ok(Page {
        rows,
        has_previous_page: start > 0,
        has_next_page: end < total,
        total_count: total as u64,
    })
}

/// Sets (or replaces) the target and baseline of a KPI for a fiscal year (administrators).
#[tracing::instrument(skip_all)]
pub async fn set_target(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewTarget,
) -> AppResult<Outcome<kpi_target::Model>> {
    let me = viewer.require_user()?.clone();
    let municipality = municipality_by_code(db, &input.municipality_code).await?;
    viewer.require_admin_of(municipality.id)?;
    let mut problems = Problems::new();
    let kpi =
        registry::find(&input.key).filter(|kpi| kpi.municipality_code == municipality.jis_code);
    if kpi.is_none() {
        problems.push(FieldError::input(
            "key",
            FieldErrorCode::NotFound,
            "この自治体の指標に、このキーはありません。",
        ));
    }
    if !(FIRST_YEAR..=LAST_YEAR).contains(&input.fiscal_year) {
        problems.push(FieldError::input(
            "fiscalYear",
            FieldErrorCode::Invalid,
            format!("年度は{FIRST_YEAR}〜{LAST_YEAR}で指定してください。"),
        ));
    }
    let (low, high) = kpi.map_or((0.0, None), |kpi| kpi.bounds());
    for (field, value) in [
        ("target", Some(input.target)),
        ("baseline", input.baseline.flatten()),
    ] {
        let inside = |v: f64| v.is_finite() && v >= low && high.is_none_or(|high| v <= high);
        if value.is_some_and(|v| !inside(v)) {
            let message = match high {
                Some(high) => format!("{low}以上{high}以下の数値で指定してください。"),
                None => format!("{low}以上の数値で指定してください。"),
            };
            problems.push(FieldError::input(field, FieldErrorCode::Invalid, message));
        }
    }
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }
    let now = crate::db::now();
    let txn = db::begin_write(db).await?;
    let existing = kpi_target::Entity::find()
        .filter(kpi_target::Column::MunicipalityId.eq(municipality.id))
        .filter(kpi_target::Column::KpiKey.eq(input.key.as_str()))
        .filter(kpi_target::Column::FiscalYear.eq(input.fiscal_year))
        .one(&txn)
        .await?;
    let saved = match existing {
        Some(existing) => {
            let mut model = existing.into_active_model();
            model.target = Set(input.target);
            if let Some(baseline) = input.baseline {
                model.baseline = Set(baseline);
            }
            model.set_by = Set(me.id);
            model.updated_at = Set(now);
            model.update(&txn).await?
        }
        None => {
            kpi_target::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(municipality.id),
                kpi_key: Set(input.key.clone()),
                fiscal_year: Set(input.fiscal_year),
                target: Set(input.target),
                baseline: Set(input.baseline.flatten()),
                set_by: Set(me.id),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    txn.commit().await?;
    Ok(Ok(saved))
}

/// Computes the report of `municipality` for `year`, reading each source once per year.
#[tracing::instrument(skip_all)]
pub async fn compute(
    db: &impl ConnectionTrait,
    municipality: municipality::Model,
    year: i32,
) -> AppResult<Report> {
    fiscal::checked_year(year)?;
    let (period_start, period_end) = fiscal::bounds(year)
        .ok_or_else(|| AppError::BadUserInput("fiscalYear is out of range".into()))?;
    let targets: HashMap<String, kpi_target::Model> = kpi_target::Entity::find()
        .filter(kpi_target::Column::MunicipalityId.eq(municipality.id))
        .filter(kpi_target::Column::FiscalYear.eq(year))
        .all(db)
        .await?
        .into_iter()
        .map(|target| (target.kpi_key.clone(), target))
        .collect();
    let mut totals = Reads::default();
    let mut values = Vec::new();
    for definition in registry::of_municipality(&municipality.jis_code) {
        let (numerator, denominator, value) =
            totals.value(db, municipality.id, definition, year).await?;
        let (_, _, previous_value) = totals
            .value(db, municipality.id, definition, year - 1)
            .await?;
        let target = targets.get(definition.key);
        values.push(KpiValue {
            definition,
            value,
            numerator,
            denominator,
            previous_value,
            change: value
                .zip(previous_value)
                .map(|(now, before)| definition.formula.change(now, before)),
            target: target.map(|t| t.target),
            baseline: target.and_then(|t| t.baseline),
            target_met: target.zip(value).map(|(t, value)| value >= t.target),
        });
    }
    Ok(Report {
        municipality,
        fiscal_year: year,
        period_start,
        period_end,
        values,
    })
}

/// The rows already read, per read and year: each is read once per report or drill-down.
#[derive(Default)]
struct Reads(HashMap<(sources::Read, i32), Vec<SourceRecord>>);

impl Reads {
    /// The numerator, denominator and value of `definition` for fiscal year `year`; a rate
    /// reduction also reads the year before (no value when that year is out of range).
    async fn value(
        &mut self,
        db: &impl ConnectionTrait,
        municipality_id: Uuid,
        definition: &KpiDefinition,
        year: i32,
    ) -> AppResult<(f64, Option<f64>, Option<f64>)> {
        let (numerator, denominator) = self.parts(db, municipality_id, definition, year).await?;
        let value = match definition.formula {
            Formula::RateReduction => match (denominator, fiscal::dates(year - 1)) {
                (Some(denominator), Some(_)) => {
                    let (before, before_denominator) = self
                        .parts(db, municipality_id, definition, year - 1)
                        .await?;
                    Formula::reduction(
                        (numerator, denominator),
                        (before, before_denominator.unwrap_or(0.0)),
                    )
                }
                _ => None,
            },
            formula => formula.value(numerator, denominator),
        };
        Ok((numerator, denominator, value))
    }

    async fn parts(
        &mut self,
        db: &impl ConnectionTrait,
        municipality_id: Uuid,
        definition: &KpiDefinition,
        year: i32,
    ) -> AppResult<(f64, Option<f64>)> {
        let numerator = self
            .total(db, municipality_id, definition.numerator, year)
            .await?;
        let denominator = match definition.denominator {
            Some(part) => Some(self.total(db, municipality_id, part, year).await?),
            None => None,
        };
        Ok((numerator, denominator))
    }

    async fn total(
        &mut self,
        db: &impl ConnectionTrait,
        municipality_id: Uuid,
        part: Part,
        year: i32,
    ) -> AppResult<f64> {
        let rows = self.rows(db, municipality_id, part, year).await?;
        // Folded from +0.0: an empty sum of floats is −0.0, which would print as "-0".
        Ok(rows
            .iter()
            .filter_map(|record| sources::weight(part.source, record))
            .fold(0.0, |sum, weight| sum + weight))
    }

    /// The rows of the read behind `part` for the report's year `year`, read once.
    async fn rows(
        &mut self,
        db: &impl ConnectionTrait,
        municipality_id: Uuid,
        part: Part,
        year: i32,
    ) -> AppResult<&[SourceRecord]> {
        let key = (sources::Read::of(part.source), year + part.year_offset);
        Ok(match self.0.entry(key) {
            Entry::Occupied(rows) => rows.into_mut(),
            Entry::Vacant(slot) => {
                slot.insert(sources::read(db, municipality_id, key.0, key.1).await?)
            }
        })
    }
}

/// The municipality with JIS code `code`, or `NOT_FOUND`.
#[tracing::instrument(skip_all)]
pub async fn municipality_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> AppResult<municipality::Model> {
    crate::domains::identity::service::find_municipality_by_code(db, code)
        .await?
        .ok_or(AppError::NotFound)
}

//! GraphQL objects of the KPI domain, built from the registry and the computed reports.

use async_graphql::{
    ComplexObject, Context, Enum, ID, Result, SimpleObject, dataloader::DataLoader,
};
use chrono::{DateTime, Utc};
use entity::kpi_target;

use super::{
    registry::{self, Formula, Programme, Unit},
    service::{self, PartRole},
};
use crate::graphql::scalars::Date;
use crate::{
    connection,
    domains::identity::{
        loaders::{IdentityLoader, MunicipalityCode},
        types::Municipality,
    },
    graphql::ids,
};

connection!(KpiRecord, KpiRecordConnection, KpiRecordEdge);

/// What a KPI's value counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum KpiUnit {
    /// People (人).
    People,
    /// Items such as issues (件).
    Count,
    /// Percent (%), rounded half up to one decimal (1 of 3 is 33.3).
    Percent,
    /// Mean survey score, 1–5 (点).
    Score,
}

/// The programme a KPI reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum KpiProgramme {
    /// Relocation support (移住支援).
    Relocation,
    /// Education, parenting and career programs.
    Programs,
    /// Public-private partnership (公民連携).
    Partnership,
    /// Child-rearing support: plazas and temporary childcare (子育て支援).
    Childcare,
    /// Employment support (就職支援).
    Employment,
    /// Maternal and child health: vaccinations and dental checkups (母子保健).
    Health,
}

/// How a KPI's numerator and denominator make its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum KpiFormula {
    /// The numerator itself; there is no denominator.
    Total,
    /// Numerator ÷ denominator, in percent rounded half up to one decimal (1 of 3 is 33.3).
    Share,
    /// Numerator ÷ denominator: a mean (sum of scores over the number of answers), rounded
    /// half up to two decimals.
    Mean,
    /// (numerator − denominator) ÷ denominator, in percent rounded half up to one decimal:
    /// this year's total against the previous year's.
    Growth,
    /// The fall of the rate numerator ÷ denominator from the previous fiscal year, in
    /// percent rounded half up to one decimal: (last year's rate − this year's rate) ÷ last
    /// year's rate. Positive when the rate fell; null when either year has no denominator
    /// or last year's rate is zero. Numerator and denominator are this year's; the previous
    /// year's are those of the previous year's report.
    RateReduction,
}

/// Which part of a KPI a record counts toward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum KpiRecordRole {
    /// The numerator (the total, for a total).
    Numerator,
    /// The denominator.
    Denominator,
}

/// A KPI as declared: what it measures and how it is computed from raw records.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct KpiDefinition {
    /// Stable key, e.g. `maebashi.relocation.people_moved_in`.
    pub key: String,
    /// JIS code of the municipality whose programme states it.
    #[graphql(deprecation = "Use municipality { jisCode }")]
    pub municipality_code: String,
    /// The programme it reports on.
    pub programme: KpiProgramme,
    /// Name in Japanese, as the programme states it.
    pub name_ja: String,
    /// Name in English.
    pub name_en: String,
    /// How it is computed, in Japanese.
    pub description: String,
    /// Unit of the value.
    pub unit: KpiUnit,
    /// Japanese unit label (人, 件, %, 点).
    pub unit_label: String,
    /// How numerator and denominator make the value.
    pub formula: KpiFormula,
    /// What the numerator counts, in Japanese.
    pub numerator_definition: String,
    /// What the denominator counts, in Japanese; null for a total.
    pub denominator_definition: Option<String>,
}

#[ComplexObject]
impl KpiDefinition {
    /// The municipality whose programme states it. Null only where this installation has
    /// no municipality of that JIS code: the KPIs are declared in the code, the
    /// municipalities are data.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Option<Municipality>> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(loader
            .load_one(MunicipalityCode(self.municipality_code.clone()))
            .await?
            .map(Municipality::from))
    }
}

impl From<&'static registry::KpiDefinition> for KpiDefinition {
    fn from(kpi: &'static registry::KpiDefinition) -> Self {
        Self {
            key: kpi.key.into(),
            municipality_code: kpi.municipality_code.into(),
            programme: match kpi.programme {
                Programme::Relocation => KpiProgramme::Relocation,
                Programme::Programs => KpiProgramme::Programs,
                Programme::Partnership => KpiProgramme::Partnership,
                Programme::Childcare => KpiProgramme::Childcare,
                Programme::Employment => KpiProgramme::Employment,
                Programme::Health => KpiProgramme::Health,
            },
            name_ja: kpi.name_ja.into(),
            name_en: kpi.name_en.into(),
            description: kpi.description.into(),
            unit: match kpi.unit {
                Unit::People => KpiUnit::People,
                Unit::Count => KpiUnit::Count,
                Unit::Percent => KpiUnit::Percent,
                Unit::Score => KpiUnit::Score,
            },
            unit_label: kpi.unit.label_ja().into(),
            formula: match kpi.formula {
                Formula::Total => KpiFormula::Total,
                Formula::Share => KpiFormula::Share,
                Formula::Mean => KpiFormula::Mean,
                Formula::Growth => KpiFormula::Growth,
                Formula::RateReduction => KpiFormula::RateReduction,
            },
            numerator_definition: kpi.numerator.label_ja.into(),
            denominator_definition: kpi.denominator.map(|part| part.label_ja.into()),
        }
    }
}

/// One KPI of a report.
#[derive(Debug, Clone, SimpleObject)]
pub struct KpiResult {
    /// Key of the KPI.
    pub key: String,
    /// Its declaration.
    pub definition: KpiDefinition,
    /// The value for the fiscal year; null when its denominator is zero.
    pub value: Option<f64>,
    /// Sum of the numerator records (the records of `kpiRecords` with role NUMERATOR).
    pub numerator: f64,
    /// Sum of the denominator records; null for a total.
    pub denominator: Option<f64>,
    /// The value of the previous fiscal year.
    pub previous_value: Option<f64>,
    /// Year-over-year change: value minus the previous year's value, rounded like the values
    /// (in percentage points for a value in percent).
    pub change: Option<f64>,
    /// Target the municipality set for the fiscal year.
    pub target: Option<f64>,
    /// Baseline the municipality set for the fiscal year.
    pub baseline: Option<f64>,
    /// Whether the value reached the target; null without a target or a value.
    pub target_met: Option<bool>,
}

impl From<service::KpiValue> for KpiResult {
    fn from(value: service::KpiValue) -> Self {
        Self {
            key: value.definition.key.into(),
            definition: value.definition.into(),
            value: value.value,
            numerator: value.numerator,
            denominator: value.denominator,
            previous_value: value.previous_value,
            change: value.change,
            target: value.target,
            baseline: value.baseline,
            target_met: value.target_met,
        }
    }
}

/// The KPIs of a municipality for one fiscal year (年度, April to March, JST).
#[derive(Debug, Clone, SimpleObject)]
pub struct KpiReport {
    /// The municipality.
    pub municipality: Municipality,
    /// The fiscal year: N runs from 1 April N to 31 March N+1.
    pub fiscal_year: i32,
    /// First instant of the fiscal year (1 April, 0:00 JST).
    pub period_start: DateTime<Utc>,
    /// First instant after the fiscal year.
    pub period_end: DateTime<Utc>,
    /// One entry per KPI declared for the municipality.
    pub kpis: Vec<KpiResult>,
}

impl From<service::Report> for KpiReport {
    fn from(report: service::Report) -> Self {
        Self {
            municipality: report.municipality.into(),
            fiscal_year: report.fiscal_year,
            period_start: report.period_start,
            period_end: report.period_end,
            kpis: report.values.into_iter().map(KpiResult::from).collect(),
        }
    }
}

/// A record that makes up a KPI value: its weight is what it adds to the numerator or
/// denominator. Named by its program, issue or reference code, never by a person.
#[derive(Debug, Clone, SimpleObject)]
pub struct KpiRecord {
    /// The part it counts toward.
    pub role: KpiRecordRole,
    /// The fiscal year it was read for (the previous year for a growth denominator).
    pub fiscal_year: i32,
    /// GraphQL type of the record: `RelocationInquiry`, `Registration`, `LocalIssue`,
    /// `ChildcareResource` (a day of visits), `ChildcareBooking` (its survey) or
    /// `EmploymentPlacement`.
    pub record_type: String,
    /// Global id of the record.
    pub record_id: ID,
    /// The day it counts on (JST).
    pub occurred_on: Date,
    /// What it adds to its part: people, a score, or one.
    pub weight: f64,
    /// What it is, e.g. the program and session date.
    pub label: String,
}

impl From<service::KpiRecord> for KpiRecord {
    fn from(record: service::KpiRecord) -> Self {
        Self {
            role: match record.role {
                PartRole::Numerator => KpiRecordRole::Numerator,
                PartRole::Denominator => KpiRecordRole::Denominator,
            },
            fiscal_year: record.fiscal_year,
            record_type: record.record.record_type.name().into(),
            record_id: ids::encode(record.record.record_type, record.record.record_id),
            occurred_on: record.record.occurred_on.into(),
            weight: record.record.weight,
            label: record.record.label,
        }
    }
}

/// A target and baseline of one KPI for one fiscal year.
#[derive(Debug, Clone, SimpleObject)]
pub struct KpiTarget {
    /// Key of the KPI.
    pub key: String,
    /// The fiscal year.
    pub fiscal_year: i32,
    /// Target value, in the KPI's unit.
    pub target: f64,
    /// Baseline value, in the KPI's unit.
    pub baseline: Option<f64>,
    /// When it was last set.
    pub updated_at: DateTime<Utc>,
}

impl From<kpi_target::Model> for KpiTarget {
    fn from(model: kpi_target::Model) -> Self {
        Self {
            key: model.kpi_key,
            fiscal_year: model.fiscal_year,
            target: model.target,
            baseline: model.baseline,
            updated_at: model.updated_at,
        }
    }
}

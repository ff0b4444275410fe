//! The visit log and the figures made from it and from the surveys.

use async_graphql::{ComplexObject, Context, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::childcare_visit;
use uuid::Uuid;

use crate::domains::childcare::{loaders::ResourceById, service};
use crate::graphql::scalars::Date;

use super::{loader, resources::ChildcareResource};

/// Visitors of a resource on one date.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct ChildcareVisitRecord {
    #[graphql(skip)]
    pub resource_id: Uuid,
    /// The date (Japan).
    pub date: Date,
    /// Fiscal year (年度) of the date.
    pub fiscal_year: i32,
    /// Adults.
    pub adults: i32,
    /// Children.
    pub children: i32,
    /// Adults and children.
    pub total: i32,
    /// When it was last recorded.
    pub recorded_at: DateTime<Utc>,
}

impl From<childcare_visit::Model> for ChildcareVisitRecord {
    fn from(model: childcare_visit::Model) -> Self {
        Self {
            resource_id: model.resource_id,
            date: model.visit_date.into(),
            fiscal_year: model.fiscal_year,
            adults: model.adults,
            children: model.children,
            total: model.adults + model.children,
            recorded_at: model.updated_at,
        }
    }
}

#[ComplexObject]
impl ChildcareVisitRecord {
    /// The resource.
    async fn resource(&self, ctx: &Context<'_>) -> Result<ChildcareResource> {
        crate::graphql::present(
            loader(ctx)?
                .load_one(ResourceById(self.resource_id))
                .await?
                .map(Into::into),
            "resource",
        )
    }
}

/// Visits of one resource in one month.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct ChildcareUsageRow {
    #[graphql(skip)]
    pub resource_id: Uuid,
    /// Calendar year.
    pub year: i32,
    /// Month (1–12).
    pub month: i32,
    /// Days with a record.
    pub days: i64,
    /// Adults.
    pub adults: i64,
    /// Children.
    pub children: i64,
    /// Adults and children.
    pub total: i64,
}

impl From<service::UsageRow> for ChildcareUsageRow {
    fn from(row: service::UsageRow) -> Self {
        Self {
            resource_id: row.resource_id,
            year: row.month.0,
            month: i32::try_from(row.month.1).unwrap_or(0),
            days: row.days,
            adults: row.adults,
            children: row.children,
            total: row.adults + row.children,
        }
    }
}

#[ComplexObject]
impl ChildcareUsageRow {
    /// The resource.
    async fn resource(&self, ctx: &Context<'_>) -> Result<ChildcareResource> {
        crate::graphql::present(
            loader(ctx)?
                .load_one(ResourceById(self.resource_id))
                .await?
                .map(Into::into),
            "resource",
        )
    }
}

/// Visitors summed.
#[derive(Debug, Clone, SimpleObject)]
pub struct ChildcareVisitTotals {
    /// Adults.
    pub adults: i64,
    /// Children.
    pub children: i64,
    /// Adults and children.
    pub total: i64,
}

/// Usage of the childcare resources of a municipality in a fiscal year.
#[derive(Debug, Clone, SimpleObject)]
pub struct ChildcareUsageReport {
    /// The fiscal year (年度, April–March).
    pub fiscal_year: i32,
    /// Visits per resource and month, by resource then month.
    pub rows: Vec<ChildcareUsageRow>,
    /// Visits at the child-rearing plazas (親子元気ルーム, プレイルーム) of the whole
    /// municipality: the plaza users KPI; null unless you administer the municipality.
    pub plaza_visits: Option<ChildcareVisitTotals>,
}

/// Satisfaction of temporary childcare (一時保育) users in a fiscal year.
#[derive(Debug, Clone, SimpleObject)]
pub struct ChildcareSatisfaction {
    /// The fiscal year (年度).
    pub fiscal_year: i32,
    /// Number of answers.
    pub answers: i64,
    /// Mean score (1–5), rounded half up to two decimals; null without answers.
    pub mean_score: Option<f64>,
    /// Answers scoring 4 or 5.
    pub satisfied_answers: i64,
    /// Percent of answers scoring 4 or 5, rounded half up to one decimal (1 of 3 is 33.3);
    /// null without answers.
    pub satisfied_percent: Option<f64>,
    /// Share (0–1) of answers scoring 4 or 5, rounded to four decimals; null without
    /// answers.
    #[graphql(deprecation = "Use satisfiedPercent")]
    pub satisfied_share: Option<f64>,
}

impl ChildcareSatisfaction {
    /// Builds the summary from (answers, sum of scores, answers scoring 4–5).
    pub fn of(fiscal_year: i32, (answers, sum, satisfied): (i64, i64, i64)) -> Self {
        let share = |n: i64| (answers > 0).then(|| n as f64 / answers as f64);
        Self {
            fiscal_year,
            answers,
            mean_score: share(sum).map(|mean| crate::share::round_to(mean, 2)),
            satisfied_answers: satisfied,
            satisfied_percent: crate::share::percent(satisfied as f64, answers as f64),
            satisfied_share: crate::share::fraction(satisfied as f64, answers as f64),
        }
    }
}

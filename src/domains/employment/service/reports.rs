//! The fiscal-year report with small-count suppression, and the KPI figure.

use chrono::NaiveDate;
use entity::{
    employment_enrollment::{self as enrollment, Gender},
    employment_follow_up as follow_up,
    employment_placement::{self as placement, EmploymentType},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, QueryTrait,
};
use uuid::Uuid;

use super::{CHECKPOINTS, team::require_team};
use crate::{
    auth::Viewer,
    error::{AppError, AppResult},
    fiscal,
};

/// Who a report is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The employment team and administrators: exact counts.
    Team,
    /// Publication: small counts suppressed, whoever asks.
    Published,
}

/// A count that may be suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// The count; `None` when suppressed.
    pub value: Option<u64>,
    /// Whether it was suppressed for being below the threshold.
    pub suppressed: bool,
}

impl Count {
    fn exact(value: u64) -> Self {
        Self {
            value: Some(value),
            suppressed: false,
        }
    }

    fn suppressed() -> Self {
        Self {
            value: None,
            suppressed: true,
        }
    }
}

/// Applies small-count suppression.
#[derive(Debug, Clone, Copy)]
struct Suppression {
    /// Counts below this are suppressed; 0 disables suppression (the team view).
    pub threshold: u64,
}

impl Suppression {
    /// A count as shown: suppressed if below the threshold.
    pub fn count(&self, value: u64) -> Count {
        if value < self.threshold {
            Count::suppressed()
        } else {
            Count::exact(value)
        }
    }

    /// Counts of categories adding up to a shown total: when exactly one is suppressed,
    /// the smallest other one is suppressed too, so the hidden one cannot be worked out by
    /// subtraction.
    pub fn categories(&self, values: &[u64]) -> Vec<Count> {
        let mut counts: Vec<Count> = values.iter().map(|v| self.count(*v)).collect();
        if counts.iter().filter(|c| c.suppressed).count() == 1 {
            let smallest = values
                .iter()
                .enumerate()
                .filter(|(i, _)| counts.get(*i).is_some_and(|c| !c.suppressed))
                .min_by_key(|(_, v)| **v)
                .map(|(i, _)| i);
            if let Some(count) = smallest.and_then(|i| counts.get_mut(i)) {
                *count = Count::suppressed();
            }
        }
        counts
    }
}

/// The parts of the share `numerator / denominator`, when both are shown and the
/// denominator is not zero (the share itself is made by `crate::share`).
pub fn rate_parts(numerator: Count, denominator: Count) -> Option<(u64, u64)> {
    match (numerator.value, denominator.value) {
        (Some(n), Some(d)) if d > 0 => Some((n, d)),
        _ => None,
    }
}

/// Answers of one checkpoint of the placements of a year.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// 3, 6 or 12.
    pub checkpoint_months: u32,
    /// Checkpoints answered.
    pub answered: Count,
    /// Answered still employed.
    pub still_employed: Count,
}

/// The employment report of one municipality and fiscal year.
#[derive(Debug, Clone)]
pub struct Report {
    /// Municipality.
    pub municipality_id: Uuid,
    /// Fiscal year.
    pub fiscal_year: i32,
    /// First day of the year.
    pub from: NaiveDate,
    /// Last day of the year.
    pub to: NaiveDate,
    /// Who it is for.
    pub audience: Audience,
    /// Suppression threshold applied (0 for the team).
    pub threshold: u64,
    /// Enrollments with an enrollment date in the year.
    pub enrollments: Count,
    /// Placements starting in the year.
    pub placements: Count,
    /// Placements starting in the year, per employment type (every type, in order).
    pub placements_by_type: Vec<(EmploymentType, Count)>,
    /// Regular placements of women enrolled (numerator of the KPI).
    pub women_regular: Count,
    /// All placements of women enrolled (denominator of the KPI).
    pub women_placed: Count,
    /// Placements of the year that turned regular at a follow-up.
    pub converted_to_regular: Count,
    /// Answers per checkpoint of the year's placements.
    pub retention: Vec<Retention>,
}

/// Every employment type, in the order reports list them.
const EMPLOYMENT_TYPES: [EmploymentType; 6] = [
    EmploymentType::Regular,
    EmploymentType::Contract,
    EmploymentType::PartTime,
    EmploymentType::Dispatch,
    EmploymentType::SelfEmployed,
    EmploymentType::Other,
];

/// Every placement of a municipality and fiscal year, per employment type at the start.
async fn placements_per_type(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    fiscal_year: i32,
) -> AppResult<Vec<(EmploymentType, u64)>> {
    use placement::Column;
    let rows: Vec<(EmploymentType, i64)> = placement::Entity::find()
        .select_only()
        .column(Column::EmploymentType)
        .column_as(Column::Id.count(), "placements")
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::FiscalYear.eq(fiscal_year))
        .group_by(Column::EmploymentType)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(kind, count)| (kind, u64::try_from(count).unwrap_or(0)))
        .collect())
}

/// The placements of women enrolled by a municipality that start in a fiscal year: the
/// records behind the KPI "regular-employment rate of women placed through employment
/// support" (see [`regular_employment_of_women`]) and its drill-down.
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id, fiscal_year = fiscal_year))]
pub async fn women_placements(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    fiscal_year: i32,
) -> AppResult<Vec<placement::Model>> {
    use placement::Column;
    let women = enrollment::Entity::find()
        .select_only()
        .column(enrollment::Column::Id)
        .filter(enrollment::Column::MunicipalityId.eq(municipality_id))
        .filter(enrollment::Column::Gender.eq(Gender::Female))
        .into_query();
    Ok(placement::Entity::find()
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::FiscalYear.eq(fiscal_year))
        .filter(Column::EnrollmentId.in_subquery(women))
        .all(db)
        .await?)
}

/// The KPI "regular-employment rate of women placed through employment support" of a
/// municipality and fiscal year, as (numerator, denominator): regular placements among
/// [`women_placements`], and all of them. Employment type at the start counts; later
/// conversions are reported separately.
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id, fiscal_year = fiscal_year))]
pub async fn regular_employment_of_women(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    fiscal_year: i32,
) -> AppResult<(u64, u64)> {
    let placements = women_placements(db, municipality_id, fiscal_year).await?;
    let regular = placements
        .iter()
        .filter(|placement| placement.employment_type == EmploymentType::Regular)
        .count();
    let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    Ok((count(regular), count(placements.len())))
}

/// The employment report of a municipality and fiscal year. `Team` is for the employment
/// team and administrators only (else `FORBIDDEN`); `Published` suppresses counts below
/// `threshold` and may be read by anyone.
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id, fiscal_year = fiscal_year, audience = ?audience))]
pub async fn report(
    db: &DatabaseConnection,
    viewer: &Viewer,
    municipality_id: Uuid,
    fiscal_year: i32,
    audience: Audience,
    threshold: u32,
) -> AppResult<Report> {
    if audience == Audience::Team {
        require_team(db, viewer, municipality_id).await?;
    }
    fiscal::checked_year(fiscal_year)?;
    let (from, to) = fiscal::dates(fiscal_year)
        .ok_or_else(|| AppError::BadUserInput("fiscalYear is out of range".into()))?;
    entity::municipality::Entity::find_by_id(municipality_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let suppression = Suppression {
        threshold: match audience {
            Audience::Team => 0,
            Audience::Published => u64::from(threshold),
        },
    };
    let enrollments = enrollment::Entity::find()
        .filter(enrollment::Column::MunicipalityId.eq(municipality_id))
        .filter(enrollment::Column::EnrolledOn.gte(from))
        .filter(enrollment::Column::EnrolledOn.lte(to))
        .count(db)
        .await?;
    let per_type = placements_per_type(db, municipality_id, fiscal_year).await?;
    let of_type = |kind: EmploymentType| {
        per_type
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, c)| *c)
            .sum::<u64>()
    };
    let type_counts: Vec<u64> = EMPLOYMENT_TYPES.iter().map(|k| of_type(*k)).collect();
    let placements: u64 = type_counts.iter().sum();
    let (women_regular, women_placed) =
        regular_employment_of_women(db, municipality_id, fiscal_year).await?;
    let year_placements = || {
        placement::Entity::find()
            .select_only()
            .column(placement::Column::Id)
            .filter(placement::Column::MunicipalityId.eq(municipality_id))
            .filter(placement::Column::FiscalYear.eq(fiscal_year))
    };
    let converted = year_placements()
        .filter(placement::Column::ConvertedToRegularOn.is_not_null())
        .count(db)
        .await?;
    let answers: Vec<(i32, Option<bool>, i64)> = follow_up::Entity::find()
        .select_only()
        .column(follow_up::Column::CheckpointMonths)
        .column(follow_up::Column::StillEmployed)
        .column_as(follow_up::Column::Id.count(), "answers")
        .filter(follow_up::Column::PlacementId.in_subquery(year_placements().into_query()))
        .filter(follow_up::Column::RecordedAt.is_not_null())
        .group_by(follow_up::Column::CheckpointMonths)
        .group_by(follow_up::Column::StillEmployed)
        .into_tuple()
        .all(db)
        .await?;
    let retention = CHECKPOINTS
        .iter()
        .map(|months| {
            let of_checkpoint = answers
                .iter()
                .filter(|(m, _, _)| i64::from(*m) == i64::from(*months));
            let answered: i64 = of_checkpoint.clone().map(|(_, _, n)| *n).sum();
            let employed: i64 = of_checkpoint
                .filter(|(_, still, _)| *still == Some(true))
                .map(|(_, _, n)| *n)
                .sum();
            let (answered, employed) = (
                u64::try_from(answered).unwrap_or(0),
                u64::try_from(employed).unwrap_or(0),
            );
            // Still employed and left add up to the answers shown: suppress both or
            // neither beyond the answers themselves.
            let parts = suppression.categories(&[employed, answered.saturating_sub(employed)]);
            Retention {
                checkpoint_months: *months,
                answered: suppression.count(answered),
                still_employed: parts.first().copied().unwrap_or(Count::suppressed()),
            }
        })
        .collect();
    let women =
        suppression.categories(&[women_regular, women_placed.saturating_sub(women_regular)]);
    let women_regular_count = women.first().copied().unwrap_or(Count::suppressed());
    Ok(Report {
        municipality_id,
        fiscal_year,
        from,
        to,
        audience,
        threshold: suppression.threshold,
        enrollments: suppression.count(enrollments),
        placements: suppression.count(placements),
        placements_by_type: EMPLOYMENT_TYPES
            .iter()
            .copied()
            .zip(suppression.categories(&type_counts))
            .collect(),
        women_regular: women_regular_count,
        women_placed: suppression.count(women_placed),
        converted_to_regular: suppression.count(converted),
        retention,
    })
}

/// The published report (counts below `threshold` withheld) of the municipality with JIS
/// code `municipality_code`, for its employment team to download: unknown code
/// `NOT_FOUND`, anyone off the team `UNAUTHENTICATED` / `FORBIDDEN`.
#[tracing::instrument(skip_all, fields(fiscal_year = fiscal_year))]
pub async fn published_report_for_team(
    db: &DatabaseConnection,
    viewer: &Viewer,
    municipality_code: &str,
    fiscal_year: i32,
    threshold: u32,
) -> AppResult<(entity::municipality::Model, Report)> {
    viewer.require_user()?;
    let municipality =
        crate::domains::identity::service::find_municipality_by_code(db, municipality_code)
            .await?
            .ok_or(AppError::NotFound)?;
    require_team(db, viewer, municipality.id).await?;
    let report = report(
        db,
        viewer,
        municipality.id,
        fiscal_year,
        Audience::Published,
        threshold,
    )
    .await?;
    Ok((municipality, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_suppressed_category_takes_the_smallest_other_one_with_it() {
        let suppression = Suppression { threshold: 3 };
        let counts = suppression.categories(&[10, 2, 5, 0]);
        assert_eq!(
            counts.iter().map(|c| c.value).collect::<Vec<_>>(),
            vec![Some(10), None, Some(5), None]
        );
        let counts = suppression.categories(&[10, 4, 5]);
        assert!(counts.iter().all(|c| !c.suppressed));
        let counts = suppression.categories(&[10, 1, 5]);
        assert_eq!(
            counts.iter().map(|c| c.value).collect::<Vec<_>>(),
            vec![Some(10), None, None]
        );
    }
}

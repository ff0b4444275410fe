//! The visit log of resources and the figures made from it and from the surveys.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{
    childcare_booking::{self, BookingStatus},
    childcare_resource::{self, ResourceKind},
    childcare_survey, childcare_visit,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use crate::{
    auth::{Role, Viewer},
    db::{self, now},
    domains::childcare::booking as rules,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    fiscal,
    state::ServiceContext,
};

use super::resources::editable;

/// Most visitors recorded for one day.
const MAX_VISITORS: i32 = 10_000;

/// Visits of one resource in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow {
    /// The resource.
    pub resource_id: Uuid,
    /// Year and month.
    pub month: (i32, u32),
    /// Days with a record.
    pub days: i64,
    /// Adults.
    pub adults: i64,
    /// Children.
    pub children: i64,
}

/// Records the visitors of a resource on a date; recording the same date again replaces
/// the counts.
#[tracing::instrument(skip_all, fields(resource_id = %resource_id))]
pub async fn record_visits(
    db: &DatabaseConnection,
    viewer: &Viewer,
    resource_id: Uuid,
    date: NaiveDate,
    adults: i32,
    children: i32,
) -> AppResult<Outcome<childcare_visit::Model>> {
    let me = viewer.require_user()?.clone();
    let mut problems = Problems::new();
    if date > fiscal::date_of(now()) {
        problems.push(FieldError::input(
            "date",
            FieldErrorCode::Invalid,
            "未来の日付の利用者数は記録できません。",
        ));
    }
    for (field, value) in [("adults", adults), ("children", children)] {
        if !(0..=MAX_VISITORS).contains(&value) {
            problems.push(FieldError::input(
                field,
                FieldErrorCode::Invalid,
                format!("人数は0〜{MAX_VISITORS}人で入力してください。"),
            ));
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    // Two first recordings of one day may race; the unique index lets one insert, and the
    // other then updates what it inserted.
    let mut attempts = 0;
    loop {
        attempts += 1;
        let txn = db::begin_write(db).await?;
        let resource = editable(&txn, viewer, resource_id).await?;
        use childcare_visit::Column;
        let existing = childcare_visit::Entity::find()
            .filter(Column::ResourceId.eq(resource.id))
            .filter(Column::VisitDate.eq(date))
            .one(&txn)
            .await?;
        let now = now();
        let written = match existing {
            Some(visit) => {
                let mut model = visit.into_active_model();
                model.adults = Set(adults);
                model.children = Set(children);
                model.recorded_by = Set(me.id);
                model.updated_at = Set(now);
                model.update(&txn).await
            }
            None => {
                childcare_visit::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    municipality_id: Set(resource.municipality_id),
                    resource_id: Set(resource.id),
                    visit_date: Set(date),
                    fiscal_year: Set(fiscal::year_of_date(date)),
                    adults: Set(adults),
                    children: Set(children),
                    recorded_by: Set(me.id),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&txn)
                .await
            }
        };
        match written {
            Ok(visit) => {
                txn.commit().await?;
                return Ok(Ok(visit));
            }
            Err(error) if attempts < 3 && crate::error::is_unique_violation(&error) => {
                txn.rollback().await?;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// Visits per resource and month of a fiscal year, for staff of the municipality: its
/// admins see every resource, program staff those of their own organization.
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id))]
pub async fn usage_report(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    municipality_id: Uuid,
    fiscal_year: i32,
) -> AppResult<Vec<UsageRow>> {
    fiscal::checked_year(fiscal_year)?;
    let me = viewer.require_user()?;
    let mut resources = childcare_resource::Entity::find()
        .select_only()
        .column(childcare_resource::Column::Id)
        .filter(childcare_resource::Column::MunicipalityId.eq(municipality_id));
    if !me.administers(municipality_id) {
        match (me.role, me.municipality_id, me.organization_id) {
            (Role::ProgramStaff, Some(own), Some(organization)) if own == municipality_id => {
                resources = resources
                    .filter(childcare_resource::Column::ProviderOrganizationId.eq(organization));
            }
            _ => return Err(AppError::Forbidden),
        }
    }
    use childcare_visit::Column;
    let visits = childcare_visit::Entity::find()
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::FiscalYear.eq(fiscal_year))
        .filter(Column::ResourceId.in_subquery(resources.into_query()))
        .all(ctx.db)
        .await?;
    let mut rows: HashMap<(Uuid, (i32, u32)), UsageRow> = HashMap::new();
    for visit in visits {
        let month = rules::month_of(visit.visit_date);
        let row = rows
            .entry((visit.resource_id, month))
            .or_insert_with(|| UsageRow {
                resource_id: visit.resource_id,
                month,
                days: 0,
                adults: 0,
                children: 0,
            });
        row.days += 1;
        row.adults += i64::from(visit.adults);
        row.children += i64::from(visit.children);
    }
    let mut rows: Vec<UsageRow> = rows.into_values().collect();
    rows.sort_by_key(|row| (row.resource_id, row.month));
    Ok(rows)
}

/// Visits at the municipality's child-rearing plazas (親子元気ルーム, プレイルーム) in a
/// fiscal year: (adults, children, total). The KPI "users of the child-rearing plazas".
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id))]
pub async fn plaza_visits(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    fiscal_year: i32,
) -> AppResult<(i64, i64, i64)> {
    fiscal::checked_year(fiscal_year)?;
    let plazas = childcare_resource::Entity::find()
        .select_only()
        .column(childcare_resource::Column::Id)
        .filter(childcare_resource::Column::MunicipalityId.eq(municipality_id))
        .filter(childcare_resource::Column::Kind.eq(ResourceKind::Plaza));
    use childcare_visit::Column;
    let (adults, children): (Option<i64>, Option<i64>) = childcare_visit::Entity::find()
        .select_only()
        .column_as(Column::Adults.sum(), "adults")
        .column_as(Column::Children.sum(), "children")
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::FiscalYear.eq(fiscal_year))
        .filter(Column::ResourceId.in_subquery(plazas.into_query()))
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((None, None));
    let (adults, children) = (adults.unwrap_or(0), children.unwrap_or(0));
    Ok((adults, children, adults + children))
}

/// The satisfaction answers of temporary childcare (一時保育) of a municipality that
/// count for fiscal year `fiscal_year`: those of bookings still marked attended (a booking
/// re-marked as a no-show takes its answer out).
pub fn counted_answers(
    municipality_id: Uuid,
    fiscal_year: i32,
) -> Select<childcare_survey::Entity> {
    let temporary = childcare_resource::Entity::find()
        .select_only()
        .column(childcare_resource::Column::Id)
        .filter(childcare_resource::Column::MunicipalityId.eq(municipality_id))
        .filter(childcare_resource::Column::Kind.eq(ResourceKind::TemporaryChildcare));
    let attended = childcare_booking::Entity::find()
        .select_only()
        .column(childcare_booking::Column::Id)
        .filter(childcare_booking::Column::MunicipalityId.eq(municipality_id))
        .filter(childcare_booking::Column::Status.eq(BookingStatus::Attended));
    use childcare_survey::Column;
    childcare_survey::Entity::find()
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::FiscalYear.eq(fiscal_year))
        .filter(Column::ResourceId.in_subquery(temporary.into_query()))
        .filter(Column::BookingId.in_subquery(attended.into_query()))
}

/// Satisfaction answers of temporary childcare (一時保育) in a fiscal year, as
/// [`counted_answers`]: (answers, sum of scores, answers scoring 4 or 5).
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id))]
pub async fn temporary_childcare_satisfaction(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    fiscal_year: i32,
) -> AppResult<(i64, i64, i64)> {
    fiscal::checked_year(fiscal_year)?;
    use childcare_survey::Column;
    let scores: Vec<(i16, i64)> = counted_answers(municipality_id, fiscal_year)
        .select_only()
        .column(Column::Score)
        .column_as(Column::Id.count(), "answers")
        .group_by(Column::Score)
        .into_tuple()
        .all(db)
        .await?;
    let answers = scores.iter().map(|(_, n)| n).sum();
    let sum = scores.iter().map(|(s, n)| i64::from(*s) * n).sum();
    let satisfied = scores.iter().filter(|(s, _)| *s >= 4).map(|(_, n)| n).sum();
    Ok((answers, sum, satisfied))
}

/// Guards the usage figures of a municipality: its admins only.
pub fn require_admin(viewer: &Viewer, municipality_id: Uuid) -> AppResult<()> {
    viewer.require_admin_of(municipality_id).map(drop)
}

//! Who reads checkup results. The municipality's health staff list them the day they are
//! recorded (filters: type, days, judgement, referral outstanding); a guardian reads their
//! child's; a clinic reads the results it recorded and its own checkup bookings, only for
//! children it has a checkup booking or result with. Every staff read of a child's data is
//! written to the personal-data access log; anyone else gets `NOT_FOUND`.

use chrono::NaiveDate;
use entity::{
    health_checkup as checkup,
    health_checkup_booking::{self as booking, BookingStatus},
    health_child as child,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::access::{admin_municipality, clinic_of, require_clinic};
use crate::audit::{self, Read};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::paging::{Ordering, Page, PageArgs, paginate};
use crate::state::ServiceContext;

/// Which checkup results to list.
#[derive(Clone, Debug, Default)]
pub struct CheckupFilter {
    /// The municipality; the administrator's own when not given.
    pub municipality_id: Option<Uuid>,
    /// Only this checkup type.
    pub checkup_type_id: Option<Uuid>,
    /// Examined on or after this day.
    pub from: Option<NaiveDate>,
    /// Examined on or before this day.
    pub to: Option<NaiveDate>,
    /// Only this 総合判定 code.
    pub judgement_code: Option<String>,
    /// Only results whose 精密検診受診票 was issued and not used yet.
    pub referral_outstanding: bool,
}

fn read(row: &checkup::Model, accessed: &'static str) -> Read {
    Read {
        municipality_id: row.municipality_id,
        subject_kind: super::SUBJECT_KIND,
        subject_id: row.child_id,
        accessed,
    }
}

/// The checkup results of a municipality, newest first, for its health staff; every child
/// read is logged.
#[tracing::instrument(skip_all)]
pub async fn checkup_results(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    filter: CheckupFilter,
    page: PageArgs,
) -> AppResult<Page<checkup::Model>> {
    let (actor, municipality_id) = admin_municipality(viewer, filter.municipality_id)?;
    use checkup::Column;
    let mut select = checkup::Entity::find().filter(Column::MunicipalityId.eq(municipality_id));
    if let Some(kind) = filter.checkup_type_id {
        select = select.filter(Column::CheckupTypeId.eq(kind));
    }
    if let Some(from) = filter.from {
        select = select.filter(Column::ExaminedOn.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(Column::ExaminedOn.lte(to));
    }
    if let Some(code) = filter.judgement_code {
        select = select.filter(Column::JudgementCode.eq(code));
    }
    if filter.referral_outstanding {
        select = select.filter(Column::ReferralStatus.eq("issued"));
    }
    let ordering = Ordering::<checkup::Entity> {
        column: None,
        id: Column::Id,
        descending: true,
        key: |row| (None, row.id),
    };
    let page = paginate(ctx.db, select, &ordering, page, ctx.limits.max_page_size).await?;
    audit::record(
        ctx.db,
        actor,
        page.rows.iter().map(|(_, row)| read(row, "checkups")),
    )
    .await?;
    Ok(page)
}

/// A child's checkup results the viewer may read: all of them for the guardian and the
/// municipality's health staff; for a clinic, those it recorded, once it has a checkup
/// booking or result with the child. `NOT_FOUND` for anyone else.
#[tracing::instrument(skip_all)]
pub async fn checkups_of_child(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    child_id: Uuid,
) -> AppResult<Vec<checkup::Model>> {
    let me = viewer.require_user()?;
    let child = child::Entity::find_by_id(child_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut select = checkup::Entity::find().filter(checkup::Column::ChildId.eq(child.id));
    let guardian = child.guardian_user_id == Some(me.id);
    if !guardian && !me.administers(child.municipality_id) {
        let clinic = clinic_of(ctx.db, me)
            .await?
            .filter(|clinic| clinic.municipality_id == child.municipality_id)
            .ok_or(AppError::NotFound)?;
        let booked = booking::Entity::find()
            .filter(booking::Column::ClinicId.eq(clinic.id))
            .filter(booking::Column::ChildId.eq(child.id))
            .filter(booking::Column::Status.ne(BookingStatus::Cancelled))
            .one(ctx.db)
            .await?
            .is_some();
        let recorded = checkup::Entity::find()
            .filter(checkup::Column::ClinicId.eq(clinic.id))
            .filter(checkup::Column::ChildId.eq(child.id))
            .one(ctx.db)
            .await?
            .is_some();
        if !booked && !recorded {
            return Err(AppError::NotFound);
        }
        select = select.filter(checkup::Column::ClinicId.eq(clinic.id));
    }
    let rows = select
        .order_by_asc(checkup::Column::ExaminedOn)
        .order_by_asc(checkup::Column::Id)
        .all(ctx.db)
        .await?;
    if !guardian {
        let read = Read {
            municipality_id: child.municipality_id,
            subject_kind: super::SUBJECT_KIND,
            subject_id: child.id,
            accessed: "checkups",
        };
        audit::record(ctx.db, me.id, [read]).await?;
    }
    Ok(rows)
}

/// A clinic's checkup bookings of a day (not cancelled), by slot, with the children;
/// each child read is logged.
#[tracing::instrument(skip_all)]
pub async fn clinic_checkup_bookings(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    day: NaiveDate,
) -> AppResult<Vec<(booking::Model, child::Model)>> {
    let (me, clinic) = require_clinic(ctx.db, viewer).await?;
    let bookings = booking::Entity::find()
        .filter(booking::Column::ClinicId.eq(clinic.id))
        .filter(booking::Column::Day.eq(day))
        .filter(booking::Column::Status.ne(BookingStatus::Cancelled))
        .order_by_asc(booking::Column::SlotId)
        .order_by_asc(booking::Column::Id)
        .limit(500)
        .all(ctx.db)
        .await?;
    let ids: Vec<Uuid> = bookings.iter().map(|b| b.child_id).collect();
    let children = child::Entity::find()
        .filter(child::Column::Id.is_in(ids))
        .all(ctx.db)
        .await?;
    let mut out = Vec::new();
    for one in bookings {
        if let Some(child) = children.iter().find(|c| c.id == one.child_id) {
            out.push((one, child.clone()));
        }
    }
    audit::record(
        ctx.db,
        me.id,
        out.iter().map(|(one, _)| Read {
            municipality_id: one.municipality_id,
            subject_kind: super::SUBJECT_KIND,
            subject_id: one.child_id,
            accessed: "checkup_bookings",
        }),
    )
    .await?;
    Ok(out)
}

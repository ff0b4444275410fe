//! Reads: one resource, slot, booking or child the viewer may see; lists of resources,
//! slots and bookings; the hours of resources.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    childcare_booking::{self},
    childcare_child, childcare_hours_exception, childcare_opening_hours,
    childcare_resource::{self, ResourceKind},
    childcare_slot,
};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{
    audit,
    auth::Viewer,
    domains::childcare::hours::{self, Interval, Schedule},
    error::{AppError, AppResult},
    fiscal,
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
    state::ServiceContext,
};

use super::visibility::{can_see, viewer_edits, visibility};
use crate::graphql::ids::NodeKind;

/// How to order resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResourceOrder {
    /// By kana reading of the name.
    #[default]
    Name,
    /// Nearest first (needs a point).
    Distance,
}

/// Which resources to list.
#[derive(Debug, Clone, Default)]
pub struct ResourceFilter {
    /// Only these kinds.
    pub kinds: Vec<ResourceKind>,
    /// Only this municipality.
    pub municipality_id: Option<Uuid>,
    /// Only resources open to a child of this age in months.
    pub child_age_months: Option<i32>,
    /// Only resources open to expectant parents.
    pub expectant_parents: bool,
    /// Only resources open at this instant.
    pub open_at: Option<DateTime<Utc>>,
    /// Measure distances from this point (latitude, longitude).
    pub near: Option<(f64, f64)>,
    /// Only resources within this many metres of `near`.
    pub within_metres: Option<f64>,
}

/// A resource of a list, with its distance from the point asked about.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The resource.
    pub resource: childcare_resource::Model,
    /// Metres from the point, when a point was given and the resource has a location.
    pub distance_metres: Option<f64>,
}

/// A resource the viewer may see.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn find_resource(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<childcare_resource::Model> {
    let resource = childcare_resource::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if can_see(viewer, &resource) {
        Ok(resource)
    } else {
        Err(AppError::NotFound)
    }
}

/// A slot of a resource the viewer may see.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn find_slot(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<childcare_slot::Model> {
    let slot = childcare_slot::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    find_resource(ctx, viewer, slot.resource_id).await?;
    Ok(slot)
}

/// A booking the viewer made or whose resource the viewer edits.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn find_booking(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<childcare_booking::Model> {
    let me = viewer.require_user()?;
    let booking = childcare_booking::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if booking.guardian_user_id == me.id {
        return Ok(booking);
    }
    let resource = resource_of(ctx.db, booking.resource_id).await?;
    if viewer_edits(viewer, &resource) {
        log_staff_reads(ctx.db, me.id, &[&booking], "detail").await?;
        Ok(booking)
    } else {
        Err(AppError::NotFound)
    }
}

/// Writes an access-log row per booking whose children's data staff (`actor`) read.
pub(super) async fn log_staff_reads(
    db: &impl ConnectionTrait,
    actor: Uuid,
    bookings: &[&childcare_booking::Model],
    accessed: &'static str,
) -> AppResult<()> {
    let reads: Vec<audit::Read> = bookings
        .iter()
        .map(|booking| audit::Read {
            municipality_id: booking.municipality_id,
            subject_kind: NodeKind::ChildcareBooking,
            subject_id: booking.id,
            accessed,
        })
        .collect();
    audit::record(db, actor, reads).await
}

/// A child the viewer registered.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn find_child(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<childcare_child::Model> {
    let me = viewer.require_user()?;
    childcare_child::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .filter(|child| child.guardian_user_id == me.id)
        .ok_or(AppError::NotFound)
}

/// The children the signed-in guardian registered, by name.
#[tracing::instrument(skip_all)]
pub async fn my_children(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
) -> AppResult<Vec<childcare_child::Model>> {
    let me = viewer.require_user()?;
    use childcare_child::Column;
    Ok(childcare_child::Entity::find()
        .filter(Column::GuardianUserId.eq(me.id))
        .filter(Column::RemovedAt.is_null())
        .order_by_asc(Column::NameKana)
        .order_by_asc(Column::Id)
        .all(ctx.db)
        .await?)
}

pub(super) async fn resource_of(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<childcare_resource::Model> {
    childcare_resource::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Resources the viewer may see, filtered and ordered. "Open at" and distances are
/// computed from the hours and locations of the matching resources, so a page costs the
/// same few statements whatever its size.
#[tracing::instrument(skip_all)]
pub async fn list_resources(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    filter: ResourceFilter,
    order: ResourceOrder,
    page: PageArgs,
) -> AppResult<Page<Listed>> {
    use childcare_resource::Column;
    if order == ResourceOrder::Distance && filter.near.is_none() {
        return Err(AppError::BadUserInput(
            "ordering by distance needs `filter.near`".into(),
        ));
    }
    if let Some((latitude, longitude)) = filter.near
        && (!(-90.0..=90.0).contains(&latitude) || !(-180.0..=180.0).contains(&longitude))
    {
        return Err(AppError::BadUserInput(
            "`near` must be a latitude in -90..90 and a longitude in -180..180".into(),
        ));
    }
    let mut select = childcare_resource::Entity::find().filter(visibility(viewer));
    if !filter.kinds.is_empty() {
        select = select.filter(Column::Kind.is_in(filter.kinds.clone()));
    }
    if let Some(id) = filter.municipality_id {
        select = select.filter(Column::MunicipalityId.eq(id));
    }
    if let Some(age) = filter.child_age_months {
        select = select
            .filter(
                Condition::any()
                    .add(Column::ChildMinAgeMonths.is_null())
                    .add(Column::ChildMinAgeMonths.lte(age)),
            )
            .filter(
                Condition::any()
                    .add(Column::ChildMaxAgeMonths.is_null())
                    .add(Column::ChildMaxAgeMonths.gte(age)),
            );
    }
    if filter.expectant_parents {
        select = select.filter(Column::ExpectantParents.eq(true));
    }
    let rows = select.all(ctx.db).await?;
    let rows = match filter.open_at {
        Some(at) => {
            let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
            let schedules = schedules(ctx.db, &ids, Some(fiscal::date_of(at))).await?;
            rows.into_iter()
                .filter(|r| schedules.get(&r.id).is_some_and(|s| s.is_open_at(at)))
                .collect()
        }
        None => rows,
    };
    let mut listed: Vec<Listed> = rows
        .into_iter()
        .map(|resource| {
            let distance_metres = filter.near.and_then(|point| {
                Some(hours::distance_metres(
                    point,
                    (resource.latitude?, resource.longitude?),
                ))
            });
            Listed {
                resource,
                distance_metres,
            }
        })
        .filter(|listed| {
            filter
                .within_metres
                .is_none_or(|max| listed.distance_metres.is_some_and(|d| d <= max))
        })
        .collect();
    match order {
        ResourceOrder::Name => listed.sort_by(|a, b| {
            (&a.resource.name_kana, &a.resource.name, a.resource.id).cmp(&(
                &b.resource.name_kana,
                &b.resource.name,
                b.resource.id,
            ))
        }),
        ResourceOrder::Distance => listed.sort_by(|a, b| {
            let key = |l: &Listed| l.distance_metres.unwrap_or(f64::INFINITY);
            key(a)
                .total_cmp(&key(b))
                .then(a.resource.id.cmp(&b.resource.id))
        }),
    }
    page_in_memory(listed, |l| l.resource.id, page, ctx.limits.max_page_size)
}

/// Weekly hours and exceptions of `ids` (only the exceptions of `date`, when given).
#[tracing::instrument(skip_all)]
pub async fn schedules(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    date: Option<NaiveDate>,
) -> AppResult<HashMap<Uuid, Schedule>> {
    let mut map: HashMap<Uuid, Schedule> =
        ids.iter().map(|id| (*id, Schedule::default())).collect();
    if ids.is_empty() {
        return Ok(map);
    }
    let weekly = childcare_opening_hours::Entity::find()
        .filter(childcare_opening_hours::Column::ResourceId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    for row in weekly {
        if let Some(schedule) = map.get_mut(&row.resource_id) {
            schedule.weekly.push((
                row.weekday,
                Interval {
                    opens: row.opens_minute,
                    closes: row.closes_minute,
                },
            ));
        }
    }
    let mut exceptions = childcare_hours_exception::Entity::find()
        .filter(childcare_hours_exception::Column::ResourceId.is_in(ids.iter().copied()));
    if let Some(date) = date {
        exceptions = exceptions.filter(childcare_hours_exception::Column::Date.eq(date));
    }
    for row in exceptions.all(db).await? {
        if let Some(schedule) = map.get_mut(&row.resource_id) {
            schedule
                .exceptions
                .push((row.date, hours::decode_intervals(&row.intervals)));
        }
    }
    Ok(map)
}

/// One page of an ordered list held in memory; cursors name the item's id.
fn page_in_memory<T>(
    items: Vec<T>,
    id: fn(&T) -> Uuid,
    args: PageArgs,
    max_page_size: u32,
) -> AppResult<Page<T>> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    if args.first.is_some() && args.last.is_some() {
        return Err(AppError::BadUserInput(
            "give either `first` or `last`, not both".into(),
        ));
    }
    let requested = match (args.first, args.last) {
        (Some(n), _) | (_, Some(n)) => u32::try_from(n).map_err(|_| {
            AppError::BadUserInput("`first` and `last` must not be negative".into())
        })?,
        (None, None) => crate::paging::DEFAULT_PAGE_SIZE,
    };
    let limit = requested.min(max_page_size) as usize;
    let position = |cursor: &str| -> AppResult<usize> {
        let uuid = URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| Uuid::parse_str(text.strip_prefix("childcare:")?).ok());
        uuid.and_then(|uuid| items.iter().position(|item| id(item) == uuid))
            .ok_or_else(|| AppError::BadUserInput(format!("`{cursor}` is not a valid cursor")))
    };
    let total_count = items.len() as u64;
    let start = match &args.after {
        Some(cursor) => position(cursor)? + 1,
        None => 0,
    };
    let end = match &args.before {
        Some(cursor) => position(cursor)?,
        None => items.len(),
    }
    .max(start);
    let (from, to) = if args.last.is_some() {
        (end.saturating_sub(limit).max(start), end)
    } else {
        (start, (start + limit).min(end))
    };
    let has_previous_page = from > 0;
    let has_next_page = to < items.len();
    let rows = items
        .into_iter()
        .skip(from)
        .take(to - from)
        .map(|item| {
            let cursor = URL_SAFE_NO_PAD.encode(format!("childcare:{}", id(&item)));
            (cursor, item)
        })
        .collect();
    Ok(Page {
        rows,
        has_previous_page,
        has_next_page,
        total_count,
    })
}

/// Slots of resources, from `from` to `until` inclusive, by start.
#[tracing::instrument(skip_all)]
pub async fn slots_between(
    db: &impl ConnectionTrait,
    resource_ids: &[Uuid],
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<childcare_slot::Model>, sea_orm::DbErr> {
    use childcare_slot::Column;
    childcare_slot::Entity::find()
        .filter(Column::ResourceId.is_in(resource_ids.iter().copied()))
        .filter(Column::Date.gte(from))
        .filter(Column::Date.lte(until))
        .order_by_asc(Column::StartsAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// Bookings of a resource on a date, with personal data (its editors only).
#[tracing::instrument(skip_all, fields(resource_id = %resource_id))]
pub async fn bookings_on(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    resource_id: Uuid,
    date: NaiveDate,
    page: PageArgs,
) -> AppResult<Page<childcare_booking::Model>> {
    let me = viewer.require_user()?;
    let resource = find_resource(ctx, viewer, resource_id).await?;
    if !viewer_edits(viewer, &resource) {
        return Err(AppError::Forbidden);
    }
    use childcare_booking::Column;
    let ordering = Ordering::<childcare_booking::Entity> {
        column: None,
        id: Column::Id,
        descending: false,
        key: |row| (None, row.id),
    };
    let page = paginate(
        ctx.db,
        childcare_booking::Entity::find()
            .filter(Column::ResourceId.eq(resource.id))
            .filter(Column::Date.eq(date)),
        &ordering,
        page,
        ctx.limits.max_page_size,
    )
    .await?;
    let read: Vec<&childcare_booking::Model> = page.rows.iter().map(|(_, row)| row).collect();
    log_staff_reads(ctx.db, me.id, &read, "list").await?;
    Ok(page)
}

/// Which of a family's bookings to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BookingsWhen {
    /// Every booking, the most recently made first.
    #[default]
    All,
    /// Bookings whose slot has not started, soonest first.
    Upcoming,
    /// Bookings whose slot has started, the most recent slot first.
    Past,
}

/// The signed-in guardian's bookings (booked, waiting, cancelled with their reason,
/// attended or no-show), filtered by `when` and ordered as it says.
#[tracing::instrument(skip_all)]
pub async fn my_bookings(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    when: BookingsWhen,
    page: PageArgs,
) -> AppResult<Page<childcare_booking::Model>> {
    let me = viewer.require_user()?;
    use childcare_booking::Column;
    let now = ctx.now();
    let mine = childcare_booking::Entity::find().filter(Column::GuardianUserId.eq(me.id));
    let by_start = |descending| Ordering::<childcare_booking::Entity> {
        column: Some(Column::StartsAt),
        id: Column::Id,
        descending,
        key: |row| (Some(SortValue::Time(row.starts_at)), row.id),
    };
    let (select, ordering) = match when {
        BookingsWhen::All => (
            mine,
            Ordering::<childcare_booking::Entity> {
                column: None,
                id: Column::Id,
                descending: true,
                key: |row| (None, row.id),
            },
        ),
        BookingsWhen::Upcoming => (mine.filter(Column::StartsAt.gt(now)), by_start(false)),
        BookingsWhen::Past => (mine.filter(Column::StartsAt.lte(now)), by_start(true)),
    };
    paginate(ctx.db, select, &ordering, page, ctx.limits.max_page_size).await
}

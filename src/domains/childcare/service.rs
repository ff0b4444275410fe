//! Rules of the childcare domain: who sees and edits which resource, opening hours and
//! "open at", the visit log and its KPI, and temporary childcare bookings that never
//! exceed a slot's capacity. Knows nothing of GraphQL; the demo seed calls it too.
//!
//! Visibility, in one place:
//! - published resources (and their slots) are public; unpublished ones are seen by their
//!   editors: admins of the municipality and program staff of the provider organization;
//! - a booking and its children (personal data) are seen by the guardian who booked and by
//!   the resource's editors; anyone else gets `NOT_FOUND`;
//! - registered children are seen by their guardian only.
//!
//! Capacity: every change to the bookings of a slot runs in one write transaction that first
//! locks the slot row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE`
//! already serializes writers), then recounts the children held and writes the total back.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Asia::Tokyo;
use entity::{
    childcare_booking::{self, BookingStatus},
    childcare_booking_child, childcare_booking_rule, childcare_child, childcare_hours_exception,
    childcare_opening_hours,
    childcare_resource::{self, ResourceKind},
    childcare_slot, childcare_survey, childcare_visit, organization, user,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use serde::Serialize;
use uuid::Uuid;

use super::{
    booking as rules,
    hours::{self, Interval, Schedule},
};
use crate::{
    auth::{AuthUser, Role, Viewer},
    db::{self, now},
    domains::programs::registration::months_between,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    fiscal,
    idempotency::{self, KeyScope},
    paging::{Ordering, Page, PageArgs, paginate},
    search::{outbox, sources},
    state::AppState,
    text::{self, Kana, long_text, optional_line},
};

/// Longest name or street.
const MAX_LINE: usize = 200;
/// Longest city name.
const MAX_CITY: usize = 100;
/// Longest description.
const MAX_TEXT: usize = 5000;
/// Longest accessibility note or survey comment.
const MAX_NOTE: usize = 2000;
/// Oldest child age accepted anywhere, in months (18 years).
const MAX_AGE_MONTHS: i32 = 216;
/// Most days one slot series may span.
const MAX_SLOT_DAYS: i64 = 184;
/// Most days one booking may cover.
const MAX_BOOKING_DAYS: usize = 14;
/// Most children in one booking.
const MAX_CHILDREN: usize = 5;
/// Largest capacity of a slot.
const MAX_CAPACITY: i32 = 200;
/// Most visitors recorded for one day.
const MAX_VISITORS: i32 = 10_000;
/// Statuses that hold places in a slot (a no-show took the place too).
const ACTIVE: [BookingStatus; 3] = [
    BookingStatus::Booked,
    BookingStatus::Attended,
    BookingStatus::NoShow,
];

// ---------------------------------------------------------------------------------------
// Inputs

/// The descriptive fields of a resource, as given.
#[derive(Debug, Clone)]
pub struct ResourceFields {
    /// Kind of resource.
    pub kind: ResourceKind,
    /// Name.
    pub name: String,
    /// Kana reading of the name.
    pub name_kana: String,
    /// Description.
    pub description: String,
    /// Postal code `NNN-NNNN`.
    pub postal_code: String,
    /// JIS X 0401 prefecture code.
    pub prefecture_code: i32,
    /// City, ward, town.
    pub city: String,
    /// Street and building.
    pub street: String,
    /// Latitude in degrees.
    pub latitude: Option<f64>,
    /// Longitude in degrees.
    pub longitude: Option<f64>,
    /// Phone number.
    pub phone: Option<String>,
    /// Web page.
    pub url: Option<String>,
    /// Fee, as residents read it.
    pub fee: Option<String>,
    /// Open to expectant parents.
    pub expectant_parents: bool,
    /// Youngest child age accepted in months.
    pub child_min_age_months: Option<i32>,
    /// Oldest child age accepted in months.
    pub child_max_age_months: Option<i32>,
    /// Only residents of the municipality.
    pub residents_only: bool,
    /// Languages spoken (codes like `ja`, `en`, `pt-BR`).
    pub languages: Vec<String>,
    /// Accessibility notes.
    pub accessibility: Option<String>,
}

impl From<&childcare_resource::Model> for ResourceFields {
    fn from(model: &childcare_resource::Model) -> Self {
        Self {
            kind: model.kind,
            name: model.name.clone(),
            name_kana: model.name_kana.clone(),
            description: model.description.clone(),
            postal_code: model.postal_code.clone(),
            prefecture_code: i32::from(model.prefecture_code),
            city: model.city.clone(),
            street: model.street.clone(),
            latitude: model.latitude,
            longitude: model.longitude,
            phone: model.phone.clone(),
            url: model.url.clone(),
            fee: model.fee.clone(),
            expectant_parents: model.expectant_parents,
            child_min_age_months: model.child_min_age_months,
            child_max_age_months: model.child_max_age_months,
            residents_only: model.residents_only,
            languages: decode_languages(&model.languages),
            accessibility: model.accessibility.clone(),
        }
    }
}

/// A resource to create.
#[derive(Debug, Clone)]
pub struct NewResource {
    /// Provider organization; program staff may omit it (their own is used).
    pub provider_id: Option<Uuid>,
    /// Its fields.
    pub fields: ResourceFields,
    /// Publish at once.
    pub publish: bool,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Changes to a resource; `None` keeps a field, `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct ResourceChanges {
    /// New kind.
    pub kind: Option<ResourceKind>,
    /// New name.
    pub name: Option<String>,
    /// New kana reading.
    pub name_kana: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New postal code.
    pub postal_code: Option<String>,
    /// New prefecture code.
    pub prefecture_code: Option<i32>,
    /// New city.
    pub city: Option<String>,
    /// New street.
    pub street: Option<String>,
    /// New location (latitude, longitude), or none.
    pub location: Option<Option<(f64, f64)>>,
    /// New phone.
    pub phone: Option<Option<String>>,
    /// New URL.
    pub url: Option<Option<String>>,
    /// New fee.
    pub fee: Option<Option<String>>,
    /// Expectant parents.
    pub expectant_parents: Option<bool>,
    /// New child age range.
    pub child_age_range: Option<(Option<i32>, Option<i32>)>,
    /// Residents only.
    pub residents_only: Option<bool>,
    /// New languages.
    pub languages: Option<Vec<String>>,
    /// New accessibility notes.
    pub accessibility: Option<Option<String>>,
    /// Publish or unpublish.
    pub published: Option<bool>,
}

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

/// A slot series to create.
#[derive(Debug, Clone)]
pub struct NewSlots {
    /// The resource.
    pub resource_id: Uuid,
    /// First date.
    pub from: NaiveDate,
    /// Last date (the first when absent).
    pub until: Option<NaiveDate>,
    /// Weekdays (0 = Monday … 6 = Sunday) the range keeps; every day when empty.
    pub weekdays: Vec<i16>,
    /// Start `HH:MM`.
    pub starts: String,
    /// End `HH:MM`.
    pub ends: String,
    /// Children per slot.
    pub capacity: i32,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Booking rules as given.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BookingRules {
    /// Days before the date booking opens (at 00:00 JST).
    pub opens_days_before: i32,
    /// Hours per child per month.
    pub monthly_limit_hours: i32,
    /// Youngest age in months.
    pub min_age_months: i32,
    /// Oldest age in months.
    pub max_age_months: i32,
    /// Cancellation deadline in hours before the start.
    pub cancel_deadline_hours: i32,
    /// No-shows that restrict…
    pub no_show_limit: i32,
    /// …within this many days…
    pub no_show_window_days: i32,
    /// …for this many days.
    pub restriction_days: i32,
}

/// A child in a booking request.
#[derive(Debug, Clone)]
pub enum ChildRef {
    /// A child the guardian registered before.
    Registered(Uuid),
    /// A new child, registered under the guardian for next time.
    New {
        /// Name.
        name: String,
        /// Kana reading.
        name_kana: String,
        /// Birth date.
        birth_date: Option<NaiveDate>,
    },
}

/// A booking request.
#[derive(Debug, Clone)]
pub struct NewBooking {
    /// One slot per day.
    pub slot_ids: Vec<Uuid>,
    /// The children.
    pub children: Vec<ChildRef>,
    /// A note for the staff (allergies, …).
    pub note: Option<String>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

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

// ---------------------------------------------------------------------------------------
// Visibility

/// Whether `me` edits resources of `municipality_id` provided by `provider_id`: an admin of
/// the municipality, or program staff of the provider.
pub fn edits(me: &AuthUser, municipality_id: Uuid, provider_id: Uuid) -> bool {
    me.administers(municipality_id)
        || (me.role == Role::ProgramStaff
            && me.municipality_id == Some(municipality_id)
            && me.organization_id == Some(provider_id))
}

/// Whether the viewer edits `resource`.
pub fn viewer_edits(viewer: &Viewer, resource: &childcare_resource::Model) -> bool {
    viewer.user.as_ref().is_some_and(|me| {
        edits(
            me,
            resource.municipality_id,
            resource.provider_organization_id,
        )
    })
}

/// Whether the viewer may see `resource`.
pub fn can_see(viewer: &Viewer, resource: &childcare_resource::Model) -> bool {
    resource.published || viewer_edits(viewer, resource)
}

fn visibility(viewer: &Viewer) -> Condition {
    use childcare_resource::Column;
    let public = Condition::any().add(Column::Published.eq(true));
    match &viewer.user {
        Some(me) if me.role == Role::PlatformAdmin => Condition::all(),
        Some(me) => match (me.role, me.municipality_id, me.organization_id) {
            (Role::MunicipalAdmin, Some(own), _) => public.add(Column::MunicipalityId.eq(own)),
            (Role::ProgramStaff, Some(own), Some(provider)) => public.add(
                Condition::all()
                    .add(Column::MunicipalityId.eq(own))
                    .add(Column::ProviderOrganizationId.eq(provider)),
            ),
            _ => public,
        },
        None => public,
    }
}

// ---------------------------------------------------------------------------------------
// Reads

/// A resource the viewer may see.
pub async fn find_resource(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<childcare_resource::Model> {
    let resource = childcare_resource::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if can_see(viewer, &resource) {
        Ok(resource)
    } else {
        Err(AppError::NotFound)
    }
}

/// A slot of a resource the viewer may see.
pub async fn find_slot(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<childcare_slot::Model> {
    let slot = childcare_slot::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    find_resource(state, viewer, slot.resource_id).await?;
    Ok(slot)
}

/// A booking the viewer made or whose resource the viewer edits.
pub async fn find_booking(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<childcare_booking::Model> {
    let me = viewer.require_user()?;
    let booking = childcare_booking::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if booking.guardian_user_id == me.id {
        return Ok(booking);
    }
    let resource = resource_of(&state.db, booking.resource_id).await?;
    if viewer_edits(viewer, &resource) {
        Ok(booking)
    } else {
        Err(AppError::NotFound)
    }
}

/// A child the viewer registered.
pub async fn find_child(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<childcare_child::Model> {
    let me = viewer.require_user()?;
    childcare_child::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .filter(|child| child.guardian_user_id == me.id)
        .ok_or(AppError::NotFound)
}

/// The children the signed-in guardian registered, by name.
pub async fn my_children(
    state: &AppState,
    viewer: &Viewer,
) -> AppResult<Vec<childcare_child::Model>> {
    let me = viewer.require_user()?;
    use childcare_child::Column;
    Ok(childcare_child::Entity::find()
        .filter(Column::GuardianUserId.eq(me.id))
        .order_by_asc(Column::NameKana)
        .order_by_asc(Column::Id)
        .all(&state.db)
        .await?)
}

async fn resource_of(db: &impl ConnectionTrait, id: Uuid) -> AppResult<childcare_resource::Model> {
    childcare_resource::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Resources the viewer may see, filtered and ordered. "Open at" and distances are
/// computed from the hours and locations of the matching resources, so a page costs the
/// same few statements whatever its size.
pub async fn list_resources(
    state: &AppState,
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
    let rows = select.all(&state.db).await?;
    let rows = match filter.open_at {
        Some(at) => {
            let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
            let schedules = schedules(&state.db, &ids, Some(fiscal::date_of(at))).await?;
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
    page_in_memory(listed, |l| l.resource.id, page, state.limits.max_page_size)
}

/// Weekly hours and exceptions of `ids` (only the exceptions of `date`, when given).
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
pub async fn bookings_on(
    state: &AppState,
    viewer: &Viewer,
    resource_id: Uuid,
    date: NaiveDate,
    page: PageArgs,
) -> AppResult<Page<childcare_booking::Model>> {
    viewer.require_user()?;
    let resource = find_resource(state, viewer, resource_id).await?;
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
    paginate(
        &state.db,
        childcare_booking::Entity::find()
            .filter(Column::ResourceId.eq(resource.id))
            .filter(Column::Date.eq(date)),
        &ordering,
        page,
        state.limits.max_page_size,
    )
    .await
}

/// The signed-in guardian's bookings, newest first.
pub async fn my_bookings(
    state: &AppState,
    viewer: &Viewer,
    page: PageArgs,
) -> AppResult<Page<childcare_booking::Model>> {
    let me = viewer.require_user()?;
    use childcare_booking::Column;
    let ordering = Ordering::<childcare_booking::Entity> {
        column: None,
        id: Column::Id,
        descending: true,
        key: |row| (None, row.id),
    };
    paginate(
        &state.db,
        childcare_booking::Entity::find().filter(Column::GuardianUserId.eq(me.id)),
        &ordering,
        page,
        state.limits.max_page_size,
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Editing resources

struct Checked {
    kind: ResourceKind,
    name: String,
    name_kana: String,
    description: String,
    postal_code: String,
    prefecture_code: i16,
    city: String,
    street: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    phone: Option<String>,
    url: Option<String>,
    fee: Option<String>,
    expectant_parents: bool,
    child_min_age_months: Option<i32>,
    child_max_age_months: Option<i32>,
    residents_only: bool,
    languages: String,
    accessibility: Option<String>,
}

fn check_fields(fields: &ResourceFields) -> Result<Checked, Vec<FieldError>> {
    let mut problems = Problems::new();
    let name = problems.check(text::required("name", &fields.name, MAX_LINE));
    let name_kana = problems.check(Kana::parse("nameKana", &fields.name_kana, MAX_LINE));
    let description = problems.check(long_text("description", &fields.description, MAX_TEXT));
    let postal_code = problems.check(postal_code("postalCode", &fields.postal_code));
    let prefecture_code = i16::try_from(fields.prefecture_code)
        .ok()
        .filter(|code| crate::japan::prefecture(*code).is_some());
    if prefecture_code.is_none() {
        problems.push(FieldError::input(
            "prefectureCode",
            FieldErrorCode::Invalid,
            "都道府県コード（JIS X 0401、1〜47）を指定してください。",
        ));
    }
    let city = problems.check(text::required("city", &fields.city, MAX_CITY));
    let street = problems.check(text::required("street", &fields.street, MAX_LINE));
    match (fields.latitude, fields.longitude) {
        (Some(latitude), Some(longitude)) => {
            if !(-90.0..=90.0).contains(&latitude) || latitude.is_nan() {
                problems.push(FieldError::input(
                    "latitude",
                    FieldErrorCode::Invalid,
                    "緯度は-90〜90の範囲で入力してください。",
                ));
            }
            if !(-180.0..=180.0).contains(&longitude) || longitude.is_nan() {
                problems.push(FieldError::input(
                    "longitude",
                    FieldErrorCode::Invalid,
                    "経度は-180〜180の範囲で入力してください。",
                ));
            }
        }
        (None, None) => {}
        _ => problems.push(FieldError::input(
            "latitude",
            FieldErrorCode::Required,
            "緯度と経度は両方入力してください。",
        )),
    }
    let phone = match fields.phone.as_deref().map(text::normalize) {
        Some(value) if !value.is_empty() => problems.check(text::phone("phone", &value)).map(Some),
        _ => Some(None),
    };
    let url = match problems.check(optional_line("url", fields.url.as_deref(), 500)) {
        Some(Some(url)) if !(url.starts_with("https://") || url.starts_with("http://")) => {
            problems.push(FieldError::input(
                "url",
                FieldErrorCode::Invalid,
                "URLは http:// または https:// で始めてください。",
            ));
            None
        }
        other => other,
    };
    let fee = problems.check(optional_line("fee", fields.fee.as_deref(), MAX_LINE));
    let (min, max) = (fields.child_min_age_months, fields.child_max_age_months);
    let in_range = |age: Option<i32>| age.is_none_or(|a| (0..=MAX_AGE_MONTHS).contains(&a));
    if !in_range(min) || !in_range(max) || matches!((min, max), (Some(a), Some(b)) if a > b) {
        problems.push(FieldError::input(
            "childAgeRange",
            FieldErrorCode::Invalid,
            format!("対象月齢は0〜{MAX_AGE_MONTHS}か月で、下限は上限以下にしてください。"),
        ));
    }
    let languages = problems.check(languages("languages", &fields.languages));
    let accessibility = match fields.accessibility.as_deref().map(text::normalize) {
        Some(value) if !value.is_empty() => problems
            .check(long_text("accessibility", &value, MAX_NOTE))
            .map(Some),
        _ => Some(None),
    };
    problems.finish()?;
    let missing = || {
        vec![FieldError::whole(
            FieldErrorCode::Invalid,
            "入力を確認してください。",
        )]
    };
    Ok(Checked {
        kind: fields.kind,
        name: name.ok_or_else(missing)?,
        name_kana: name_kana.ok_or_else(missing)?.as_str().to_owned(),
        description: description.ok_or_else(missing)?,
        postal_code: postal_code.ok_or_else(missing)?,
        prefecture_code: prefecture_code.ok_or_else(missing)?,
        city: city.ok_or_else(missing)?,
        street: street.ok_or_else(missing)?,
        latitude: fields.latitude,
        longitude: fields.longitude,
        phone: phone.ok_or_else(missing)?,
        url: url.ok_or_else(missing)?,
        fee: fee.ok_or_else(missing)?,
        expectant_parents: fields.expectant_parents,
        child_min_age_months: min,
        child_max_age_months: max,
        residents_only: fields.residents_only,
        languages: languages.ok_or_else(missing)?,
        accessibility: accessibility.ok_or_else(missing)?,
    })
}

/// A postal code `NNN-NNNN` (full-width digits and hyphen-like characters accepted).
pub fn postal_code(field: &str, value: &str) -> Result<String, FieldError> {
    let normalized = text::normalize(value)
        .trim_start_matches('〒')
        .replace(['ー', '−', '‐', '―'], "-");
    let bytes = normalized.as_bytes();
    let valid = bytes.len() == 8
        && bytes[3] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 3 || b.is_ascii_digit());
    if valid {
        Ok(normalized)
    } else {
        Err(FieldError::input(
            field,
            FieldErrorCode::Invalid,
            "郵便番号は「371-8601」の形式で入力してください。",
        ))
    }
}

fn languages(field: &str, values: &[String]) -> Result<String, FieldError> {
    let mut codes: Vec<String> = Vec::new();
    for value in values {
        let code = text::normalize(value);
        let (language, region) = match code.split_once('-') {
            Some((language, region)) => (language, Some(region)),
            None => (code.as_str(), None),
        };
        let valid = (2..=3).contains(&language.len())
            && language.chars().all(|c| c.is_ascii_lowercase())
            && region.is_none_or(|r| {
                (2..=4).contains(&r.len()) && r.chars().all(|c| c.is_ascii_alphanumeric())
            });
        if !valid {
            return Err(FieldError::input(
                field,
                FieldErrorCode::Invalid,
                "言語は「ja」「en」「pt-BR」のような言語コードで指定してください。",
            ));
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.len() > 10 {
        return Err(FieldError::input(
            field,
            FieldErrorCode::TooLong,
            "言語は10件まで指定できます。",
        ));
    }
    Ok(if codes.is_empty() {
        String::new()
    } else {
        format!(",{},", codes.join(","))
    })
}

/// The language codes of a stored `,ja,en,` column.
pub fn decode_languages(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

fn apply(model: &mut childcare_resource::ActiveModel, checked: Checked) {
    model.kind = Set(checked.kind);
    model.name = Set(checked.name);
    model.name_kana = Set(checked.name_kana);
    model.description = Set(checked.description);
    model.postal_code = Set(checked.postal_code);
    model.prefecture_code = Set(checked.prefecture_code);
    model.city = Set(checked.city);
    model.street = Set(checked.street);
    model.latitude = Set(checked.latitude);
    model.longitude = Set(checked.longitude);
    model.phone = Set(checked.phone);
    model.url = Set(checked.url);
    model.fee = Set(checked.fee);
    model.expectant_parents = Set(checked.expectant_parents);
    model.child_min_age_months = Set(checked.child_min_age_months);
    model.child_max_age_months = Set(checked.child_max_age_months);
    model.residents_only = Set(checked.residents_only);
    model.languages = Set(checked.languages);
    model.accessibility = Set(checked.accessibility);
}

/// Creates a resource (admins of the municipality, or program staff for their own
/// organization).
pub async fn create_resource(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewResource,
) -> AppResult<Outcome<childcare_resource::Model>> {
    let me = viewer
        .require_role(&[
            Role::PlatformAdmin,
            Role::MunicipalAdmin,
            Role::ProgramStaff,
        ])?
        .clone();
    let provider_id = input.provider_id.or(if me.role == Role::ProgramStaff {
        me.organization_id
    } else {
        None
    });
    let Some(provider_id) = provider_id else {
        return Ok(Err(vec![FieldError::input(
            "providerId",
            FieldErrorCode::Required,
            "運営団体を指定してください。",
        )]));
    };
    let Some(provider) = organization::Entity::find_by_id(provider_id)
        .one(db)
        .await?
    else {
        return Ok(Err(vec![FieldError::input(
            "providerId",
            FieldErrorCode::NotFound,
            "指定された運営団体が見つかりません。",
        )]));
    };
    if !edits(&me, provider.municipality_id, provider.id) {
        return Err(AppError::Forbidden);
    }
    let checked = match check_fields(&input.fields) {
        Ok(checked) => checked,
        Err(errors) => return Ok(Err(errors)),
    };
    #[derive(Serialize)]
    struct Fingerprint {
        provider: Uuid,
        name: String,
        postal_code: String,
        publish: bool,
    }
    let fingerprint = Fingerprint {
        provider: provider.id,
        name: checked.name.clone(),
        postal_code: checked.postal_code.clone(),
        publish: input.publish,
    };
    let created = idempotency::run_once(
        db,
        &KeyScope::user(me.id, "createChildcareResource"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let now = now();
            let id = Uuid::now_v7();
            let mut model = childcare_resource::ActiveModel {
                id: Set(id),
                municipality_id: Set(provider.municipality_id),
                provider_organization_id: Set(provider.id),
                published: Set(input.publish),
                created_by: Set(me.id),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            apply(&mut model, checked);
            model.insert(txn).await?;
            outbox::enqueue(
                txn,
                sources::CHILDCARE_RESOURCE,
                id,
                provider.municipality_id,
            )
            .await?;
            Ok(Ok(id))
        },
    )
    .await?;
    idempotency::load_created::<childcare_resource::Entity>(db, created).await
}

/// Locks a resource the viewer edits, in `txn`.
async fn editable(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<childcare_resource::Model> {
    viewer.require_user()?;
    let resource = childcare_resource::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .filter(|resource| can_see(viewer, resource))
        .ok_or(AppError::NotFound)?;
    if viewer_edits(viewer, &resource) {
        Ok(resource)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Marks a resource changed and queues its search document, in `txn`.
async fn touch(
    txn: &DatabaseTransaction,
    resource: childcare_resource::Model,
) -> AppResult<childcare_resource::Model> {
    let (id, municipality_id) = (resource.id, resource.municipality_id);
    let mut model = resource.into_active_model();
    model.updated_at = Set(now());
    let updated = model.update(txn).await?;
    outbox::enqueue(txn, sources::CHILDCARE_RESOURCE, id, municipality_id).await?;
    Ok(updated)
}

/// Changes a resource its editor may edit; publishes or unpublishes it.
pub async fn update_resource(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    changes: ResourceChanges,
) -> AppResult<Outcome<childcare_resource::Model>> {
    let txn = db::begin_write(db).await?;
    let resource = editable(&txn, viewer, id).await?;
    let mut fields = ResourceFields::from(&resource);
    let keep = |field: &mut Option<String>, change: Option<Option<String>>| {
        if let Some(change) = change {
            *field = change;
        }
    };
    if let Some(kind) = changes.kind {
        fields.kind = kind;
    }
    for (field, change) in [
        (&mut fields.name, changes.name),
        (&mut fields.name_kana, changes.name_kana),
        (&mut fields.description, changes.description),
        (&mut fields.postal_code, changes.postal_code),
        (&mut fields.city, changes.city),
        (&mut fields.street, changes.street),
    ] {
        if let Some(change) = change {
            *field = change;
        }
    }
    if let Some(code) = changes.prefecture_code {
        fields.prefecture_code = code;
    }
    if let Some(location) = changes.location {
        fields.latitude = location.map(|(lat, _)| lat);
        fields.longitude = location.map(|(_, lon)| lon);
    }
    keep(&mut fields.phone, changes.phone);
    keep(&mut fields.url, changes.url);
    keep(&mut fields.fee, changes.fee);
    keep(&mut fields.accessibility, changes.accessibility);
    if let Some(value) = changes.expectant_parents {
        fields.expectant_parents = value;
    }
    if let Some((min, max)) = changes.child_age_range {
        fields.child_min_age_months = min;
        fields.child_max_age_months = max;
    }
    if let Some(value) = changes.residents_only {
        fields.residents_only = value;
    }
    if let Some(languages) = changes.languages {
        fields.languages = languages;
    }
    let checked = match check_fields(&fields) {
        Ok(checked) => checked,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut model = resource.into_active_model();
    apply(&mut model, checked);
    if let Some(published) = changes.published {
        model.published = Set(published);
    }
    let updated = model.update(&txn).await?;
    let updated = touch(&txn, updated).await?;
    txn.commit().await?;
    Ok(Ok(updated))
}

/// Replaces the weekly hours of a resource: (weekday 0–6, opens `HH:MM`, closes `HH:MM`).
pub async fn set_opening_hours(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    weekly: Vec<(i16, String, String)>,
) -> AppResult<Outcome<childcare_resource::Model>> {
    let mut problems = Problems::new();
    let mut per_day: HashMap<i16, Vec<Interval>> = HashMap::new();
    for (index, (weekday, opens, closes)) in weekly.iter().enumerate() {
        let field = format!("weekly.{index}");
        if !(0..=6).contains(weekday) {
            problems.push(FieldError::input(
                &field,
                FieldErrorCode::Invalid,
                "曜日が正しくありません。",
            ));
            continue;
        }
        let opens = problems.check(hours::parse_minute(&field, opens));
        let closes = problems.check(hours::parse_minute(&field, closes));
        if let (Some(opens), Some(closes)) = (opens, closes) {
            per_day
                .entry(*weekday)
                .or_default()
                .push(Interval { opens, closes });
        }
    }
    let mut checked = Vec::new();
    for (weekday, intervals) in per_day {
        if let Some(intervals) = problems.check(hours::check_intervals("weekly", intervals)) {
            checked.extend(intervals.into_iter().map(|interval| (weekday, interval)));
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let txn = db::begin_write(db).await?;
    let resource = editable(&txn, viewer, id).await?;
    childcare_opening_hours::Entity::delete_many()
        .filter(childcare_opening_hours::Column::ResourceId.eq(resource.id))
        .exec(&txn)
        .await?;
    for (weekday, interval) in checked {
        childcare_opening_hours::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(resource.municipality_id),
            resource_id: Set(resource.id),
            weekday: Set(weekday),
            opens_minute: Set(interval.opens),
            closes_minute: Set(interval.closes),
        }
        .insert(&txn)
        .await?;
    }
    let updated = touch(&txn, resource).await?;
    txn.commit().await?;
    Ok(Ok(updated))
}

/// Sets the hours of one date (closed, or the given intervals), replacing the weekly
/// hours of that day and any earlier exception for it.
pub async fn set_hours_exception(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    date: NaiveDate,
    closed: bool,
    intervals: Vec<(String, String)>,
    note: Option<String>,
) -> AppResult<Outcome<childcare_resource::Model>> {
    let mut problems = Problems::new();
    if closed != intervals.is_empty() {
        problems.push(FieldError::input(
            "intervals",
            FieldErrorCode::Invalid,
            "休業日には時間帯を指定せず、特別営業日には時間帯を1つ以上指定してください。",
        ));
    }
    let mut parsed = Vec::new();
    for (index, (opens, closes)) in intervals.iter().enumerate() {
        let field = format!("intervals.{index}");
        let opens = problems.check(hours::parse_minute(&field, opens));
        let closes = problems.check(hours::parse_minute(&field, closes));
        if let (Some(opens), Some(closes)) = (opens, closes) {
            parsed.push(Interval { opens, closes });
        }
    }
    let parsed = if problems.is_empty() {
        problems.check(hours::check_intervals("intervals", parsed))
    } else {
        None
    };
    let note = problems.check(optional_line("note", note.as_deref(), MAX_LINE));
    let (Some(parsed), Some(note)) = (parsed, note) else {
        return Ok(Err(problems.into_vec()));
    };
    let txn = db::begin_write(db).await?;
    let resource = editable(&txn, viewer, id).await?;
    use childcare_hours_exception::Column;
    childcare_hours_exception::Entity::delete_many()
        .filter(Column::ResourceId.eq(resource.id))
        .filter(Column::Date.eq(date))
        .exec(&txn)
        .await?;
    childcare_hours_exception::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(resource.municipality_id),
        resource_id: Set(resource.id),
        date: Set(date),
        intervals: Set(hours::encode_intervals(&parsed)),
        note: Set(note),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    let updated = touch(&txn, resource).await?;
    txn.commit().await?;
    Ok(Ok(updated))
}

/// Removes the exception of one date: the weekly hours apply again.
pub async fn remove_hours_exception(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    date: NaiveDate,
) -> AppResult<Outcome<childcare_resource::Model>> {
    let txn = db::begin_write(db).await?;
    let resource = editable(&txn, viewer, id).await?;
    use childcare_hours_exception::Column;
    let removed = childcare_hours_exception::Entity::delete_many()
        .filter(Column::ResourceId.eq(resource.id))
        .filter(Column::Date.eq(date))
        .exec(&txn)
        .await?;
    if removed.rows_affected == 0 {
        return Ok(Err(vec![FieldError::input(
            "date",
            FieldErrorCode::NotFound,
            "この日付の特別営業・休業の設定はありません。",
        )]));
    }
    let updated = touch(&txn, resource).await?;
    txn.commit().await?;
    Ok(Ok(updated))
}

// ---------------------------------------------------------------------------------------
// Visits

/// Records the visitors of a resource on a date; recording the same date again replaces
/// the counts.
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
pub async fn usage_report(
    state: &AppState,
    viewer: &Viewer,
    municipality_id: Uuid,
    fiscal_year: i32,
) -> AppResult<Vec<UsageRow>> {
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
        .all(&state.db)
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
pub async fn plaza_visits(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    fiscal_year: i32,
) -> AppResult<(i64, i64, i64)> {
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

/// Satisfaction answers of temporary childcare (一時保育) in a fiscal year:
/// (answers, sum of scores, answers scoring 4 or 5).
pub async fn temporary_childcare_satisfaction(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    fiscal_year: i32,
) -> AppResult<(i64, i64, i64)> {
    let temporary = childcare_resource::Entity::find()
        .select_only()
        .column(childcare_resource::Column::Id)
        .filter(childcare_resource::Column::MunicipalityId.eq(municipality_id))
        .filter(childcare_resource::Column::Kind.eq(ResourceKind::TemporaryChildcare));
    use childcare_survey::Column;
    let scores: Vec<(i16, i64)> = childcare_survey::Entity::find()
        .select_only()
        .column(Column::Score)
        .column_as(Column::Id.count(), "answers")
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::FiscalYear.eq(fiscal_year))
        .filter(Column::ResourceId.in_subquery(temporary.into_query()))
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

// ---------------------------------------------------------------------------------------
// Booking rules and slots

/// Sets the booking rules of a resource; it takes bookings from then on.
pub async fn set_booking_rules(
    db: &DatabaseConnection,
    viewer: &Viewer,
    resource_id: Uuid,
    input: BookingRules,
) -> AppResult<Outcome<childcare_booking_rule::Model>> {
    let mut problems = Problems::new();
    let mut bounded = |field: &str, value: i32, max: i32, label: &str| {
        if !(0..=max).contains(&value) {
            problems.push(FieldError::input(
                field,
                FieldErrorCode::Invalid,
                format!("{label}は0〜{max}で入力してください。"),
            ));
        }
    };
    bounded(
        "opensDaysBefore",
        input.opens_days_before,
        365,
        "受付開始日数",
    );
    bounded(
        "monthlyLimitHours",
        input.monthly_limit_hours,
        744,
        "月あたりの上限時間",
    );
    bounded(
        "minAgeMonths",
        input.min_age_months,
        MAX_AGE_MONTHS,
        "対象月齢",
    );
    bounded(
        "maxAgeMonths",
        input.max_age_months,
        MAX_AGE_MONTHS,
        "対象月齢",
    );
    bounded(
        "cancelDeadlineHours",
        input.cancel_deadline_hours,
        720,
        "キャンセル期限",
    );
    bounded("noShowLimit", input.no_show_limit, 100, "無断欠席の回数");
    bounded(
        "noShowWindowDays",
        input.no_show_window_days,
        365,
        "無断欠席を数える日数",
    );
    bounded(
        "restrictionDays",
        input.restriction_days,
        365,
        "予約制限の日数",
    );
    if input.min_age_months > input.max_age_months {
        problems.push(FieldError::input(
            "minAgeMonths",
            FieldErrorCode::Invalid,
            "対象月齢の下限は上限以下にしてください。",
        ));
    }
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let txn = db::begin_write(db).await?;
    let resource = editable(&txn, viewer, resource_id).await?;
    childcare_booking_rule::Entity::delete_by_id(resource.id)
        .exec(&txn)
        .await?;
    let rule = childcare_booking_rule::ActiveModel {
        resource_id: Set(resource.id),
        municipality_id: Set(resource.municipality_id),
        opens_days_before: Set(input.opens_days_before),
        monthly_limit_hours: Set(input.monthly_limit_hours),
        min_age_months: Set(input.min_age_months),
        max_age_months: Set(input.max_age_months),
        cancel_deadline_hours: Set(input.cancel_deadline_hours),
        no_show_limit: Set(input.no_show_limit),
        no_show_window_days: Set(input.no_show_window_days),
        restriction_days: Set(input.restriction_days),
        updated_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Ok(rule))
}

/// A local date and minute in Tokyo as a UTC instant.
fn tokyo_instant(date: NaiveDate, minute: i32) -> DateTime<Utc> {
    fiscal::midnight(date) + Duration::minutes(i64::from(minute))
}

/// Creates slots of one time on one date or on the given weekdays of a range of dates.
pub async fn create_slots(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewSlots,
) -> AppResult<Outcome<Vec<childcare_slot::Model>>> {
    let me = viewer.require_user()?.clone();
    let resource = find_resource_for_edit(db, viewer, input.resource_id).await?;
    let mut problems = Problems::new();
    let starts = problems.check(hours::parse_minute("startTime", &input.starts));
    let ends = problems.check(hours::parse_minute("endTime", &input.ends));
    if let (Some(starts), Some(ends)) = (starts, ends)
        && starts >= ends
    {
        problems.push(FieldError::input(
            "endTime",
            FieldErrorCode::Invalid,
            "終了時刻は開始時刻より後にしてください。",
        ));
    }
    if !(1..=MAX_CAPACITY).contains(&input.capacity) {
        problems.push(FieldError::input(
            "capacity",
            FieldErrorCode::Invalid,
            format!("定員は1〜{MAX_CAPACITY}人で入力してください。"),
        ));
    }
    let until = input.until.unwrap_or(input.from);
    if until < input.from || (until - input.from).num_days() >= MAX_SLOT_DAYS {
        problems.push(FieldError::input(
            "until",
            FieldErrorCode::Invalid,
            format!("期間は開始日から{MAX_SLOT_DAYS}日以内で指定してください。"),
        ));
    }
    if input.weekdays.iter().any(|day| !(0..=6).contains(day)) {
        problems.push(FieldError::input(
            "weekdays",
            FieldErrorCode::Invalid,
            "曜日が正しくありません。",
        ));
    }
    if input.from < fiscal::date_of(now()) {
        problems.push(FieldError::input(
            "from",
            FieldErrorCode::Invalid,
            "過去の日付には枠を作れません。",
        ));
    }
    let has_rules = childcare_booking_rule::Entity::find_by_id(resource.id)
        .one(db)
        .await?
        .is_some();
    if !has_rules {
        problems.push(FieldError::whole(
            FieldErrorCode::InvalidState,
            "先に予約ルールを設定してください。",
        ));
    }
    let (Some(starts), Some(ends)) = (starts, ends) else {
        return Ok(Err(problems.into_vec()));
    };
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let dates: Vec<NaiveDate> = input
        .from
        .iter_days()
        .take_while(|day| *day <= until)
        .filter(|day| {
            input.weekdays.is_empty() || input.weekdays.contains(&hours::weekday_index(*day))
        })
        .collect();
    if dates.is_empty() {
        return Ok(Err(vec![FieldError::input(
            "weekdays",
            FieldErrorCode::Invalid,
            "指定した期間に該当する曜日がありません。",
        )]));
    }
    #[derive(Serialize)]
    struct Fingerprint {
        resource: Uuid,
        dates: Vec<String>,
        starts: i32,
        ends: i32,
        capacity: i32,
    }
    let fingerprint = Fingerprint {
        resource: resource.id,
        dates: dates.iter().map(ToString::to_string).collect(),
        starts,
        ends,
        capacity: input.capacity,
    };
    let created = idempotency::run_once(
        db,
        &KeyScope::user(me.id, "createChildcareSlots"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let now = now();
            let instants: Vec<DateTime<Utc>> = dates
                .iter()
                .map(|date| tokyo_instant(*date, starts))
                .collect();
            let taken = childcare_slot::Entity::find()
                .filter(childcare_slot::Column::ResourceId.eq(resource.id))
                .filter(childcare_slot::Column::StartsAt.is_in(instants.clone()))
                .all(txn)
                .await?;
            if let Some(slot) = taken.first() {
                return Ok(Err(vec![FieldError::input(
                    "from",
                    FieldErrorCode::Taken,
                    format!("{}の同じ時刻の枠はすでにあります。", slot.date),
                )]));
            }
            let mut ids = Vec::with_capacity(dates.len());
            for (date, starts_at) in dates.iter().zip(instants) {
                let id = Uuid::now_v7();
                childcare_slot::ActiveModel {
                    id: Set(id),
                    municipality_id: Set(resource.municipality_id),
                    resource_id: Set(resource.id),
                    date: Set(*date),
                    starts_at: Set(starts_at),
                    ends_at: Set(tokyo_instant(*date, ends)),
                    capacity: Set(input.capacity),
                    children_booked: Set(0),
                    created_at: Set(now),
                }
                .insert(txn)
                .await?;
                ids.push(id);
            }
            Ok(Ok(ids))
        },
    )
    .await?;
    match created {
        Ok(ids) => Ok(Ok(childcare_slot::Entity::find()
            .filter(childcare_slot::Column::Id.is_in(ids))
            .order_by_asc(childcare_slot::Column::StartsAt)
            .all(db)
            .await?)),
        Err(errors) => Ok(Err(errors)),
    }
}

async fn find_resource_for_edit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<childcare_resource::Model> {
    viewer.require_user()?;
    let resource = resource_of(db, id).await?;
    if !can_see(viewer, &resource) {
        return Err(AppError::NotFound);
    }
    if viewer_edits(viewer, &resource) {
        Ok(resource)
    } else {
        Err(AppError::Forbidden)
    }
}

// ---------------------------------------------------------------------------------------
// Bookings

struct ChildToBook {
    existing: Option<childcare_child::Model>,
    name: String,
    name_kana: String,
    birth_date: NaiveDate,
}

/// Books temporary childcare for some of the guardian's children, one booking per slot
/// (day), all in one group. Every rule is checked under the slot locks; a refusal names
/// the rule and books nothing.
pub async fn book(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewBooking,
) -> AppResult<Outcome<Vec<childcare_booking::Model>>> {
    let me = viewer.require_role(&[Role::Resident])?.clone();
    let mut problems = Problems::new();
    let mut slot_ids = input.slot_ids.clone();
    slot_ids.sort();
    slot_ids.dedup();
    if slot_ids.is_empty() || slot_ids.len() != input.slot_ids.len() {
        problems.push(FieldError::input(
            "slotIds",
            FieldErrorCode::Invalid,
            "予約する枠を重複なく1つ以上選んでください。",
        ));
    }
    if slot_ids.len() > MAX_BOOKING_DAYS {
        problems.push(FieldError::input(
            "slotIds",
            FieldErrorCode::TooLong,
            format!("一度に予約できるのは{MAX_BOOKING_DAYS}日までです。"),
        ));
    }
    if input.children.is_empty() || input.children.len() > MAX_CHILDREN {
        problems.push(FieldError::input(
            "children",
            FieldErrorCode::Invalid,
            format!("お子さまは1〜{MAX_CHILDREN}人で指定してください。"),
        ));
    }
    let note = problems
        .check(optional_line("note", input.note.as_deref(), 500))
        .flatten();
    let slots = childcare_slot::Entity::find()
        .filter(childcare_slot::Column::Id.is_in(slot_ids.clone()))
        .all(db)
        .await?;
    if slots.len() != slot_ids.len() {
        return Err(AppError::NotFound);
    }
    let Some(resource_id) = slots.first().map(|slot| slot.resource_id) else {
        return Ok(Err(problems.into_vec()));
    };
    let resource = resource_of(db, resource_id).await?;
    if !can_see(viewer, &resource) {
        return Err(AppError::NotFound);
    }
    if slots.iter().any(|slot| slot.resource_id != resource.id) {
        problems.push(FieldError::input(
            "slotIds",
            FieldErrorCode::Invalid,
            "一度に予約できるのは同じ施設の枠だけです。",
        ));
    }
    let mut dates: Vec<NaiveDate> = slots.iter().map(|slot| slot.date).collect();
    dates.sort();
    dates.dedup();
    if dates.len() != slots.len() {
        problems.push(FieldError::input(
            "slotIds",
            FieldErrorCode::Invalid,
            "1日に予約できる枠は1つです。",
        ));
    }
    if me.municipality_id != Some(resource.municipality_id) {
        problems.push(FieldError::input(
            "slotIds",
            FieldErrorCode::NotEligible,
            "一時保育はこの市町村にお住まいの方（住民アカウント）のみ予約できます。",
        ));
    }
    let Some(rules) = childcare_booking_rule::Entity::find_by_id(resource.id)
        .one(db)
        .await?
    else {
        problems.push(FieldError::input(
            "slotIds",
            FieldErrorCode::NotAllowed,
            "この施設はインターネット予約を受け付けていません。",
        ));
        return Ok(Err(problems.into_vec()));
    };
    let registered_ids: Vec<Uuid> = input
        .children
        .iter()
        .filter_map(|child| match child {
            ChildRef::Registered(id) => Some(*id),
            ChildRef::New { .. } => None,
        })
        .collect();
    let registered: HashMap<Uuid, childcare_child::Model> = childcare_child::Entity::find()
        .filter(childcare_child::Column::Id.is_in(registered_ids))
        .filter(childcare_child::Column::GuardianUserId.eq(me.id))
        .all(db)
        .await?
        .into_iter()
        .map(|child| (child.id, child))
        .collect();
    let today = fiscal::date_of(now());
    let mut children = Vec::new();
    for (index, child) in input.children.iter().enumerate() {
        let field = format!("children.{index}");
        match child {
            ChildRef::Registered(id) => match registered.get(id) {
                Some(child) => {
                    if children
                        .iter()
                        .any(|c: &ChildToBook| c.existing.as_ref().is_some_and(|e| e.id == *id))
                    {
                        problems.push(FieldError::input(
                            &field,
                            FieldErrorCode::Invalid,
                            "同じお子さまが重複しています。",
                        ));
                        continue;
                    }
                    children.push(ChildToBook {
                        existing: Some(child.clone()),
                        name: child.name.clone(),
                        name_kana: child.name_kana.clone(),
                        birth_date: child.birth_date,
                    });
                }
                None => problems.push(FieldError::input(
                    &field,
                    FieldErrorCode::NotFound,
                    "登録されたお子さまが見つかりません。",
                )),
            },
            ChildRef::New {
                name,
                name_kana,
                birth_date,
            } => {
                let name = problems.check(text::required(&format!("{field}.name"), name, 100));
                let kana =
                    problems.check(Kana::parse(&format!("{field}.nameKana"), name_kana, 100));
                let Some(birth_date) = birth_date else {
                    problems.push(FieldError::input(
                        &format!("{field}.birthDate"),
                        FieldErrorCode::Required,
                        "お子さまの生年月日を入力してください。",
                    ));
                    continue;
                };
                if *birth_date > today {
                    problems.push(FieldError::input(
                        &format!("{field}.birthDate"),
                        FieldErrorCode::Invalid,
                        "生年月日が未来の日付です。",
                    ));
                    continue;
                }
                if let (Some(name), Some(kana)) = (name, kana) {
                    children.push(ChildToBook {
                        existing: None,
                        name,
                        name_kana: kana.as_str().to_owned(),
                        birth_date: *birth_date,
                    });
                }
            }
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }

    #[derive(Serialize)]
    struct Fingerprint {
        slots: Vec<Uuid>,
        children: Vec<(Option<Uuid>, String, String)>,
    }
    let fingerprint = Fingerprint {
        slots: slot_ids.clone(),
        children: children
            .iter()
            .map(|c| {
                (
                    c.existing.as_ref().map(|e| e.id),
                    c.name_kana.clone(),
                    c.birth_date.to_string(),
                )
            })
            .collect(),
    };
    let created = idempotency::run_once(
        db,
        &KeyScope::user(me.id, "bookTemporaryChildcare"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            // One guardian's bookings are serialized on their account row, then every slot
            // is locked in id order, so concurrent bookings never deadlock.
            user::Entity::find_by_id(me.id)
                .lock_exclusive()
                .one(txn)
                .await?;
            let mut locked = Vec::with_capacity(slot_ids.len());
            for id in &slot_ids {
                locked.push(
                    childcare_slot::Entity::find_by_id(*id)
                        .lock_exclusive()
                        .one(txn)
                        .await?
                        .ok_or(AppError::NotFound)?,
                );
            }
            locked.sort_by_key(|slot| slot.starts_at);
            let now = now();
            let refusals =
                booking_refusals(txn, &me, &rules, &locked, &slot_ids, &children, now).await?;
            if !refusals.is_empty() {
                return Ok(Err(refusals));
            }
            let mut child_ids = Vec::with_capacity(children.len());
            for child in &children {
                let id = match &child.existing {
                    Some(existing) => existing.id,
                    None => {
                        let id = Uuid::now_v7();
                        childcare_child::ActiveModel {
                            id: Set(id),
                            municipality_id: Set(resource.municipality_id),
                            guardian_user_id: Set(me.id),
                            name: Set(child.name.clone()),
                            name_kana: Set(child.name_kana.clone()),
                            birth_date: Set(child.birth_date),
                            created_at: Set(now),
                        }
                        .insert(txn)
                        .await?;
                        id
                    }
                };
                child_ids.push((id, child.birth_date));
            }
            let group_id = Uuid::now_v7();
            let mut ids = Vec::with_capacity(locked.len());
            for slot in &locked {
                let id = Uuid::now_v7();
                childcare_booking::ActiveModel {
                    id: Set(id),
                    municipality_id: Set(slot.municipality_id),
                    resource_id: Set(slot.resource_id),
                    slot_id: Set(slot.id),
                    group_id: Set(group_id),
                    guardian_user_id: Set(me.id),
                    status: Set(BookingStatus::Booked),
                    children: Set(i32::try_from(child_ids.len()).unwrap_or(i32::MAX)),
                    minutes: Set(slot_minutes(slot)),
                    date: Set(slot.date),
                    starts_at: Set(slot.starts_at),
                    note: Set(note.clone()),
                    cancelled_at: Set(None),
                    marked_at: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(txn)
                .await?;
                for (child_id, birth_date) in &child_ids {
                    childcare_booking_child::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        municipality_id: Set(slot.municipality_id),
                        booking_id: Set(id),
                        child_id: Set(*child_id),
                        age_months: Set(months_between(*birth_date, slot.date)),
                    }
                    .insert(txn)
                    .await?;
                }
                recount(txn, slot.id).await?;
                ids.push(id);
            }
            Ok(Ok(ids))
        },
    )
    .await?;
    match created {
        Ok(ids) => Ok(Ok(childcare_booking::Entity::find()
            .filter(childcare_booking::Column::Id.is_in(ids))
            .order_by_asc(childcare_booking::Column::StartsAt)
            .all(db)
            .await?)),
        Err(errors) => Ok(Err(errors)),
    }
}

fn slot_minutes(slot: &childcare_slot::Model) -> i32 {
    i32::try_from((slot.ends_at - slot.starts_at).num_minutes()).unwrap_or(i32::MAX)
}

/// Every booking rule the request breaks, with the slots locked.
async fn booking_refusals(
    txn: &DatabaseTransaction,
    me: &AuthUser,
    rules: &childcare_booking_rule::Model,
    slots: &[childcare_slot::Model],
    requested_order: &[Uuid],
    children: &[ChildToBook],
    now: DateTime<Utc>,
) -> AppResult<Vec<FieldError>> {
    let mut problems = Vec::new();
    let today = fiscal::date_of(now);
    let field_of = |slot: &childcare_slot::Model| {
        let index = requested_order
            .iter()
            .position(|id| *id == slot.id)
            .unwrap_or(0);
        format!("slotIds.{index}")
    };
    let count = i32::try_from(children.len()).unwrap_or(i32::MAX);
    for slot in slots {
        let field = field_of(slot);
        if slot.starts_at <= now {
            problems.push(FieldError::input(
                &field,
                FieldErrorCode::RegistrationClosed,
                format!("{}の枠は受付を終了しました。", slot.date),
            ));
            continue;
        }
        let opens_at = rules::booking_opens_at(slot.date, rules.opens_days_before);
        if now < opens_at {
            problems.push(FieldError::input(
                &field,
                FieldErrorCode::BookingNotYetOpen,
                format!(
                    "{}の予約受付は{}の0時から始まります（{}日前から）。",
                    slot.date,
                    opens_at.with_timezone(&Tokyo).date_naive(),
                    rules.opens_days_before
                ),
            ));
        }
        for child in children {
            let age = months_between(child.birth_date, slot.date);
            if age < rules.min_age_months || age > rules.max_age_months {
                problems.push(FieldError::input(
                    &field,
                    FieldErrorCode::AgeOutOfRange,
                    format!(
                        "{}さんは{}時点で{age}か月です。対象は{}〜{}か月のお子さまです。",
                        child.name, slot.date, rules.min_age_months, rules.max_age_months
                    ),
                ));
            }
        }
        let held = held(txn, slot.id).await?;
        if held + count > slot.capacity {
            problems.push(FieldError::input(
                &field,
                FieldErrorCode::Full,
                format!(
                    "{}の枠は残り{}人分です（{}人で申し込まれています）。",
                    slot.date,
                    (slot.capacity - held).max(0),
                    count
                ),
            ));
        }
    }

    // Repeated no-shows at this resource restrict new bookings for a while.
    let window = i64::from(rules.no_show_window_days) + i64::from(rules.restriction_days);
    let no_shows: Vec<NaiveDate> = childcare_booking::Entity::find()
        .select_only()
        .column(childcare_booking::Column::Date)
        .filter(childcare_booking::Column::GuardianUserId.eq(me.id))
        .filter(childcare_booking::Column::ResourceId.eq(rules.resource_id))
        .filter(childcare_booking::Column::Status.eq(BookingStatus::NoShow))
        .filter(childcare_booking::Column::Date.gte(today - Duration::days(window)))
        .into_tuple()
        .all(txn)
        .await?;
    if let Some(until) = rules::restricted_until(
        no_shows,
        rules.no_show_limit,
        rules.no_show_window_days,
        rules.restriction_days,
        today,
    ) {
        problems.push(FieldError::input(
            "slotIds",
            FieldErrorCode::BookingRestricted,
            format!(
                "{}日以内に{}回の無断キャンセルがあったため、{until}まで新しい予約はできません。",
                rules.no_show_window_days, rules.no_show_limit
            ),
        ));
    }

    let existing: Vec<Uuid> = children
        .iter()
        .filter_map(|child| child.existing.as_ref().map(|e| e.id))
        .collect();
    let mut usage_so_far = HashMap::new();
    if !existing.is_empty() {
        let first = slots.iter().map(|s| s.date).min().unwrap_or(today);
        let last = slots.iter().map(|s| s.date).max().unwrap_or(today);
        let month_start =
            |date: NaiveDate| date - Duration::days(i64::from(chrono::Datelike::day0(&date)));
        let booked: Vec<(Uuid, Uuid, NaiveDate, i32)> = childcare_booking_child::Entity::find()
            .select_only()
            .column(childcare_booking_child::Column::ChildId)
            .column(childcare_booking::Column::SlotId)
            .column(childcare_booking::Column::Date)
            .column(childcare_booking::Column::Minutes)
            .join(
                sea_orm::JoinType::InnerJoin,
                childcare_booking_child::Entity::belongs_to(childcare_booking::Entity)
                    .from(childcare_booking_child::Column::BookingId)
                    .to(childcare_booking::Column::Id)
                    .into(),
            )
            .filter(childcare_booking_child::Column::ChildId.is_in(existing))
            .filter(childcare_booking::Column::ResourceId.eq(rules.resource_id))
            .filter(childcare_booking::Column::Status.is_in(ACTIVE))
            .filter(childcare_booking::Column::Date.gte(month_start(first)))
            .filter(childcare_booking::Column::Date.lt(month_start(last) + Duration::days(31)))
            .into_tuple()
            .all(txn)
            .await?;
        let mut usage: HashMap<(Uuid, (i32, u32)), i64> = HashMap::new();
        let mut already_booked = false;
        for (child, slot_id, date, minutes) in booked {
            if slots.iter().any(|slot| slot.id == slot_id) {
                already_booked = true;
                let name = children
                    .iter()
                    .find(|c| c.existing.as_ref().is_some_and(|e| e.id == child))
                    .map_or("", |c| c.name.as_str());
                problems.push(FieldError::input(
                    "children",
                    FieldErrorCode::Taken,
                    format!("{name}さんは{date}の枠をすでに予約しています。"),
                ));
            }
            *usage.entry((child, rules::month_of(date))).or_default() += i64::from(minutes);
        }
        if already_booked {
            // The monthly hours of a day booked twice mean nothing; the duplicate is the rule.
            return Ok(problems);
        }
        usage_so_far = usage;
    }
    let new = new_children_usage(children, slots);
    report_monthly(&mut problems, rules, children, &usage_so_far, &new);
    Ok(problems)
}

/// Usage keys: registered children by id; new ones by a key made from their position.
fn child_key(index: usize, child: &ChildToBook) -> Uuid {
    child
        .existing
        .as_ref()
        .map_or(Uuid::from_u128(index as u128 + 1), |e| e.id)
}

fn new_children_usage(
    children: &[ChildToBook],
    slots: &[childcare_slot::Model],
) -> Vec<(Uuid, NaiveDate, i32)> {
    children
        .iter()
        .enumerate()
        .flat_map(|(index, child)| {
            slots
                .iter()
                .map(move |slot| (child_key(index, child), slot.date, slot_minutes(slot)))
        })
        .collect()
}

fn report_monthly(
    problems: &mut Vec<FieldError>,
    rules: &childcare_booking_rule::Model,
    children: &[ChildToBook],
    usage: &HashMap<(Uuid, (i32, u32)), i64>,
    new: &[(Uuid, NaiveDate, i32)],
) {
    let limit = i64::from(rules.monthly_limit_hours) * 60;
    for (key, (year, month), total) in rules::over_monthly_limit(usage, new, limit) {
        let name = children
            .iter()
            .enumerate()
            .find(|(index, child)| child_key(*index, child) == key)
            .map_or("", |(_, child)| child.name.as_str());
        problems.push(FieldError::input(
            "children",
            FieldErrorCode::MonthlyLimitExceeded,
            format!(
                "{name}さんの{year}年{month}月の利用は{}時間までです（この予約で{}時間{}分になります）。",
                rules.monthly_limit_hours,
                total / 60,
                total % 60
            ),
        ));
    }
}

/// Children held on a slot by active bookings.
async fn held(txn: &DatabaseTransaction, slot_id: Uuid) -> AppResult<i32> {
    use childcare_booking::Column;
    let held: Option<i64> = childcare_booking::Entity::find()
        .select_only()
        .column_as(Column::Children.sum(), "children")
        .filter(Column::SlotId.eq(slot_id))
        .filter(Column::Status.is_in(ACTIVE))
        .into_tuple()
        .one(txn)
        .await?
        .flatten();
    Ok(i32::try_from(held.unwrap_or(0)).unwrap_or(i32::MAX))
}

/// Writes the children held back onto the locked slot.
async fn recount(txn: &DatabaseTransaction, slot_id: Uuid) -> AppResult<()> {
    let held = held(txn, slot_id).await?;
    childcare_slot::Entity::update_many()
        .col_expr(
            childcare_slot::Column::ChildrenBooked,
            sea_orm::sea_query::Expr::value(held),
        )
        .filter(childcare_slot::Column::Id.eq(slot_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Cancels a booking (its guardian until the deadline, or the resource's editors), or
/// every open booking of its group with `whole_group`.
pub async fn cancel_booking(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    whole_group: bool,
) -> AppResult<Outcome<Vec<childcare_booking::Model>>> {
    let me = viewer.require_user()?.clone();
    let txn = db::begin_write(db).await?;
    let booking = childcare_booking::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let resource = resource_of(&txn, booking.resource_id).await?;
    let guardian = booking.guardian_user_id == me.id;
    let staff = viewer_edits(viewer, &resource);
    if !guardian && !staff {
        return Err(AppError::NotFound);
    }
    let targets: Vec<childcare_booking::Model> = if whole_group {
        childcare_booking::Entity::find()
            .filter(childcare_booking::Column::GroupId.eq(booking.group_id))
            .filter(childcare_booking::Column::Status.eq(BookingStatus::Booked))
            .order_by_asc(childcare_booking::Column::SlotId)
            .all(&txn)
            .await?
    } else {
        vec![booking.clone()]
    };
    if targets.is_empty() || (!whole_group && booking.status != BookingStatus::Booked) {
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "取り消せる予約がありません（取消済み、または利用日を過ぎています）。",
        )]));
    }
    let rules = childcare_booking_rule::Entity::find_by_id(resource.id)
        .one(&txn)
        .await?;
    let now = now();
    if !staff {
        let deadline_hours = rules.as_ref().map_or(0, |r| r.cancel_deadline_hours);
        for target in &targets {
            let deadline = target.starts_at - Duration::hours(i64::from(deadline_hours));
            if now > deadline {
                return Ok(Err(vec![FieldError::input(
                    "id",
                    FieldErrorCode::DeadlinePassed,
                    format!(
                        "{}の予約の取消期限（開始{}時間前）を過ぎています。施設にご連絡ください。",
                        target.date, deadline_hours
                    ),
                )]));
            }
        }
    }
    let mut slot_ids: Vec<Uuid> = targets.iter().map(|t| t.slot_id).collect();
    slot_ids.sort();
    slot_ids.dedup();
    for slot_id in &slot_ids {
        childcare_slot::Entity::find_by_id(*slot_id)
            .lock_exclusive()
            .one(&txn)
            .await?;
    }
    let mut cancelled = Vec::with_capacity(targets.len());
    for target in targets {
        let mut model = target.into_active_model();
        model.status = Set(BookingStatus::Cancelled);
        model.cancelled_at = Set(Some(now));
        model.updated_at = Set(now);
        cancelled.push(model.update(&txn).await?);
    }
    for slot_id in &slot_ids {
        recount(&txn, *slot_id).await?;
    }
    txn.commit().await?;
    cancelled.sort_by_key(|b| b.starts_at);
    Ok(Ok(cancelled))
}

/// Marks a booking attended or no-show, once its slot has started (the resource's editors).
pub async fn mark_attendance(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    attended: bool,
) -> AppResult<Outcome<childcare_booking::Model>> {
    viewer.require_user()?;
    let txn = db::begin_write(db).await?;
    let booking = childcare_booking::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let resource = resource_of(&txn, booking.resource_id).await?;
    if !viewer_edits(viewer, &resource) {
        return Err(
            if viewer
                .user
                .as_ref()
                .is_some_and(|me| me.id == booking.guardian_user_id)
            {
                AppError::Forbidden
            } else {
                AppError::NotFound
            },
        );
    }
    let now = now();
    if booking.status == BookingStatus::Cancelled {
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "取り消された予約には出欠を付けられません。",
        )]));
    }
    if booking.starts_at > now {
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "出欠は利用開始後に付けてください。",
        )]));
    }
    let mut model = booking.into_active_model();
    model.status = Set(if attended {
        BookingStatus::Attended
    } else {
        BookingStatus::NoShow
    });
    model.marked_at = Set(Some(now));
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    txn.commit().await?;
    Ok(Ok(updated))
}

/// Records the guardian's one satisfaction answer after an attended booking.
pub async fn submit_survey(
    db: &DatabaseConnection,
    viewer: &Viewer,
    booking_id: Uuid,
    score: i32,
    comment: Option<String>,
) -> AppResult<Outcome<childcare_survey::Model>> {
    let me = viewer.require_user()?.clone();
    let booking = childcare_booking::Entity::find_by_id(booking_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if booking.guardian_user_id != me.id {
        let resource = resource_of(db, booking.resource_id).await?;
        return Err(if viewer_edits(viewer, &resource) {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    let mut problems = Problems::new();
    if !(1..=5).contains(&score) {
        problems.push(FieldError::input(
            "score",
            FieldErrorCode::Invalid,
            "満足度は1〜5で選んでください。",
        ));
    }
    let comment = match comment.as_deref().map(text::normalize) {
        Some(value) if !value.is_empty() => problems
            .check(long_text("comment", &value, MAX_NOTE))
            .map(Some),
        _ => Some(None),
    };
    if booking.status != BookingStatus::Attended {
        problems.push(FieldError::whole(
            FieldErrorCode::InvalidState,
            "アンケートは利用されたご予約についてのみ回答できます。",
        ));
    }
    let Some(comment) = comment else {
        return Ok(Err(problems.into_vec()));
    };
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let txn = db::begin_write(db).await?;
    let answered = childcare_survey::Entity::find()
        .filter(childcare_survey::Column::BookingId.eq(booking.id))
        .one(&txn)
        .await?
        .is_some();
    if answered {
        return Ok(Err(vec![FieldError::whole(
            FieldErrorCode::Taken,
            "このご予約のアンケートには回答済みです。",
        )]));
    }
    let survey = childcare_survey::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(booking.municipality_id),
        resource_id: Set(booking.resource_id),
        booking_id: Set(booking.id),
        score: Set(i16::try_from(score).unwrap_or(0)),
        comment: Set(comment),
        fiscal_year: Set(fiscal::year_of_date(booking.date)),
        submitted_at: Set(now()),
    }
    .insert(&txn)
    .await;
    match survey {
        Ok(survey) => {
            txn.commit().await?;
            Ok(Ok(survey))
        }
        Err(error) if crate::error::is_unique_violation(&error) => {
            Ok(Err(vec![FieldError::whole(
                FieldErrorCode::Taken,
                "このご予約のアンケートには回答済みです。",
            )]))
        }
        Err(error) => Err(error.into()),
    }
}

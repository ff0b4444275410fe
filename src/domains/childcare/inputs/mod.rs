//! GraphQL inputs of the childcare domain and payloads of its mutations; those of the
//! daily tools (slot changes, waitlist, children, booking history) are in [`daily`].

mod daily;

pub use daily::*;

use async_graphql::{Enum, ID, InputObject, MaybeUndefined, SimpleObject};
use chrono::{DateTime, Utc};

use uuid::Uuid;

use super::{
    service::{self, ChildRef},
    types::{
        ChildcareBooking, ChildcareBookingRules, ChildcareResource, ChildcareResourceKind,
        ChildcareSlot, ChildcareSurveyResponse, ChildcareVisitRecord, Weekday,
    },
};
use crate::graphql::ids::NodeKind;
use crate::graphql::scalars::Date;
use crate::{
    error::AppError,
    graphql::{ids, payload::UserError},
};

/// A point on the map (WGS 84).
#[derive(Debug, Clone, Copy, InputObject)]
pub struct GeoPointInput {
    /// Latitude in degrees (-90 to 90).
    pub latitude: f64,
    /// Longitude in degrees (-180 to 180).
    pub longitude: f64,
}

/// Which resources to list.
#[derive(Debug, Default, InputObject)]
pub struct ChildcareResourceFilter {
    /// Only these kinds (any when empty).
    #[graphql(default)]
    pub kinds: Vec<ChildcareResourceKind>,
    /// Former name of `kinds`; both may be given, and their values add up.
    #[graphql(default, name = "kind", deprecation = "Use kinds")]
    pub kind_deprecated: Vec<ChildcareResourceKind>,
    /// Only this municipality.
    pub municipality_id: Option<ID>,
    /// Only resources open to a child of this age in months.
    pub child_age_months: Option<i32>,
    /// Only resources open to expectant parents.
    #[graphql(default)]
    pub expectant_parents: bool,
    /// Only resources open right now (Japan time, exceptions applied).
    #[graphql(default)]
    pub open_now: bool,
    /// Only resources open at this instant (Japan time, exceptions applied).
    pub open_at: Option<DateTime<Utc>>,
    /// Measure distances from this point: each resource then has `distanceMetres`.
    pub near: Option<GeoPointInput>,
    /// With `near`: only resources within this many metres.
    pub within_metres: Option<f64>,
}

/// What to order resources by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
pub enum ChildcareResourceOrderField {
    /// By kana reading of the name (五十音順).
    #[default]
    Name,
    /// Nearest to `filter.near` first; resources without a location last.
    Distance,
}

/// How to order resources.
#[derive(Debug, Clone, Copy, Default, InputObject)]
pub struct ChildcareResourceOrder {
    /// The sort key.
    #[graphql(default)]
    pub field: ChildcareResourceOrderField,
}

/// A postal address in Japan.
#[derive(Debug, Clone, InputObject)]
pub struct JapaneseAddressInput {
    /// Postal code `NNN-NNNN` (full-width digits accepted).
    pub postal_code: String,
    /// JIS X 0401 prefecture code (1–47), e.g. 10 for 群馬県.
    pub prefecture_code: i32,
    /// City, ward or town, e.g. 前橋市.
    pub city: String,
    /// Street and building.
    pub street: String,
}

/// An age range of children in months.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct ChildcareAgeRangeInput {
    /// Youngest age in months; null for no lower bound.
    pub min_months: Option<i32>,
    /// Oldest age in months; null for no upper bound.
    pub max_months: Option<i32>,
}

/// Add a resource to the directory (admins of the municipality, or program staff for
/// their own organization).
#[derive(Debug, InputObject)]
pub struct CreateChildcareResourceInput {
    /// Provider organization; program staff may omit it (their own is used).
    pub provider_id: Option<ID>,
    /// Kind of resource.
    pub kind: ChildcareResourceKind,
    /// Name (at most 200 characters).
    pub name: String,
    /// Kana reading of the name (hiragana is converted).
    pub name_kana: String,
    /// Description (at most 5000 characters; line breaks kept).
    pub description: String,
    /// Address.
    pub address: JapaneseAddressInput,
    /// Location on the map.
    pub location: Option<GeoPointInput>,
    /// Phone number (full-width digits and hyphens accepted).
    pub phone: Option<String>,
    /// Web page (http or https).
    pub url: Option<String>,
    /// Fee as residents read it, e.g. 無料.
    pub fee: Option<String>,
    /// Open to expectant parents.
    #[graphql(default)]
    pub expectant_parents: bool,
    /// Ages of children accepted, in months.
    pub child_age_range: Option<ChildcareAgeRangeInput>,
    /// Only residents of the municipality.
    #[graphql(default)]
    pub residents_only: bool,
    /// Languages spoken (codes such as `ja`, `en`, `pt-BR`).
    #[graphql(default)]
    pub languages: Vec<String>,
    /// Accessibility notes.
    pub accessibility: Option<String>,
    /// Publish at once; otherwise only its editors see it.
    #[graphql(default)]
    pub publish: bool,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// Change a resource you edit. Absent fields stay as they are; `null` clears optional ones.
#[derive(Debug, InputObject)]
pub struct UpdateChildcareResourceInput {
    /// The resource.
    pub id: ID,
    /// New kind.
    pub kind: Option<ChildcareResourceKind>,
    /// New name.
    pub name: Option<String>,
    /// New kana reading.
    pub name_kana: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New address.
    pub address: Option<JapaneseAddressInput>,
    /// New location; `null` removes it.
    pub location: MaybeUndefined<GeoPointInput>,
    /// New phone; `null` removes it.
    pub phone: MaybeUndefined<String>,
    /// New web page; `null` removes it.
    pub url: MaybeUndefined<String>,
    /// New fee; `null` removes it.
    pub fee: MaybeUndefined<String>,
    /// Open to expectant parents.
    pub expectant_parents: Option<bool>,
    /// New child age range; `null` removes it.
    pub child_age_range: MaybeUndefined<ChildcareAgeRangeInput>,
    /// Only residents of the municipality.
    pub residents_only: Option<bool>,
    /// New languages.
    pub languages: Option<Vec<String>>,
    /// New accessibility notes; `null` removes them.
    pub accessibility: MaybeUndefined<String>,
    /// Publish (true) or withdraw (false).
    pub published: Option<bool>,
}

/// One opening interval of a weekday.
#[derive(Debug, Clone, InputObject)]
pub struct WeeklyIntervalInput {
    /// The weekday.
    pub weekday: Weekday,
    /// Opening time `HH:MM` (Japan).
    pub opens: String,
    /// Closing time `HH:MM` (Japan; `24:00` for midnight).
    pub closes: String,
}

/// Replace the weekly hours of a resource you edit (several intervals per weekday allowed;
/// weekdays without intervals are closed).
#[derive(Debug, InputObject)]
pub struct SetChildcareOpeningHoursInput {
    /// The resource.
    pub resource_id: ID,
    /// Every interval of the week.
    pub hours: Vec<WeeklyIntervalInput>,
}

/// An opening interval of one date.
#[derive(Debug, Clone, InputObject)]
pub struct OpeningIntervalInput {
    /// Opening time `HH:MM` (Japan).
    pub opens: String,
    /// Closing time `HH:MM` (Japan).
    pub closes: String,
}

/// Set the hours of one date of a resource you edit: closed, or special hours. It replaces
/// that day's weekly hours (and any earlier exception for the date).
#[derive(Debug, InputObject)]
pub struct SetChildcareHoursExceptionInput {
    /// The resource.
    pub resource_id: ID,
    /// The date (Japan).
    pub date: Date,
    /// Closed all day (give no intervals).
    #[graphql(default)]
    pub closed: bool,
    /// The special intervals (when not closed).
    #[graphql(default)]
    pub intervals: Vec<OpeningIntervalInput>,
    /// Why, e.g. 年末年始休館.
    pub note: Option<String>,
}

/// Remove the exception of one date: the weekly hours apply again.
#[derive(Debug, InputObject)]
pub struct RemoveChildcareHoursExceptionInput {
    /// The resource.
    pub resource_id: ID,
    /// The date (Japan).
    pub date: Date,
}

/// The resource after a change, or why it was refused.
#[derive(Debug, SimpleObject)]
pub struct ChildcareResourcePayload {
    /// The resource; null when refused.
    pub resource: Option<ChildcareResource>,
    /// Why the change was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Record the visitors of a resource on a date (its staff). Recording the same date again
/// replaces the counts.
#[derive(Debug, InputObject)]
pub struct RecordChildcareVisitsInput {
    /// The resource.
    pub resource_id: ID,
    /// The date (Japan), today or earlier.
    pub date: Date,
    /// Adults who came.
    pub adults: i32,
    /// Children who came.
    pub children: i32,
}

/// The visit record, or why it was refused.
#[derive(Debug, SimpleObject)]
pub struct RecordChildcareVisitsPayload {
    /// The record; null when refused.
    pub visit: Option<ChildcareVisitRecord>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Set the booking rules of a resource you edit; it takes temporary childcare bookings
/// from then on.
#[derive(Debug, InputObject)]
pub struct SetChildcareBookingRulesInput {
    /// The resource.
    pub resource_id: ID,
    /// Booking for a date opens at 00:00 JST this many days before it.
    pub opens_days_before: i32,
    /// Hours one child may be booked per calendar month.
    pub monthly_limit_hours: i32,
    /// Youngest age accepted in months, on the booked date.
    pub min_age_months: i32,
    /// Oldest age accepted in months, on the booked date.
    pub max_age_months: i32,
    /// Guardians may cancel until this many hours before the start.
    pub cancel_deadline_hours: i32,
    /// This many no-shows … (0 turns the restriction off).
    pub no_show_limit: i32,
    /// … within this many days …
    pub no_show_window_days: i32,
    /// … restrict new bookings for this many days.
    pub restriction_days: i32,
}

/// The booking rules, or why they were refused.
#[derive(Debug, SimpleObject)]
pub struct ChildcareBookingRulesPayload {
    /// The rules; null when refused.
    pub rules: Option<ChildcareBookingRules>,
    /// Why they were refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Create slots of one time on a date, or on the given weekdays of a range of dates.
#[derive(Debug, InputObject)]
pub struct CreateChildcareSlotsInput {
    /// The resource (with booking rules).
    pub resource_id: ID,
    /// First date (Japan).
    pub from: Date,
    /// Last date, inclusive (the first date when absent; at most 184 days).
    pub until: Option<Date>,
    /// Weekdays of the range to create slots on (every day when empty).
    #[graphql(default)]
    pub weekdays: Vec<Weekday>,
    /// Start `HH:MM` (Japan).
    pub start_time: String,
    /// End `HH:MM` (Japan).
    pub end_time: String,
    /// Children each slot takes.
    pub capacity: i32,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// The slots created, or why none were.
#[derive(Debug, SimpleObject)]
pub struct CreateChildcareSlotsPayload {
    /// The slots, by start; empty when refused.
    pub slots: Vec<ChildcareSlot>,
    /// Why they were refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// A child to book: one you registered before (`childId`), or a new one (name, kana and
/// birth date), who is then registered for next time.
#[derive(Debug, Clone, InputObject)]
pub struct ChildcareBookingChildInput {
    /// A child you registered before.
    pub child_id: Option<ID>,
    /// Name of a new child.
    pub name: Option<String>,
    /// Kana reading of a new child's name.
    pub name_kana: Option<String>,
    /// Birth date of a new child.
    pub birth_date: Option<Date>,
}

/// Book temporary childcare (一時保育) for your children: one slot per day, several
/// days at once make a group with one booking per day.
#[derive(Debug, InputObject)]
pub struct BookTemporaryChildcareInput {
    /// The slots, one per day, of one resource.
    pub slot_ids: Vec<ID>,
    /// The children (1–5).
    pub children: Vec<ChildcareBookingChildInput>,
    /// A note for the staff (allergies, what to bring back, …).
    pub note: Option<String>,
    /// When a day has not enough places, join its waitlist (キャンセル待ち) instead of
    /// being refused: that day's booking is `WAITLISTED` and is confirmed automatically,
    /// in turn, when places free. Every other rule applies as for booking.
    #[graphql(default)]
    pub join_waitlist_if_full: bool,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// The bookings made, or why none were.
#[derive(Debug, SimpleObject)]
pub struct BookTemporaryChildcarePayload {
    /// One booking per day, by date; empty when refused.
    pub bookings: Vec<ChildcareBooking>,
    /// Why the request was refused (each names its rule); empty on success.
    pub user_errors: Vec<UserError>,
}

/// Cancel a booking: yours until the cancellation deadline, or any of a resource you
/// staff.
#[derive(Debug, InputObject)]
pub struct CancelChildcareBookingInput {
    /// The booking.
    pub id: ID,
    /// Cancel every open booking of its group (all days booked together), not only this
    /// one.
    #[graphql(default)]
    pub cancel_whole_group: bool,
}

/// The bookings cancelled, or why not.
#[derive(Debug, SimpleObject)]
pub struct CancelChildcareBookingPayload {
    /// The bookings cancelled, by date; empty when refused.
    pub bookings: Vec<ChildcareBooking>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Mark whether the children of a booking came (staff, once the slot has started).
#[derive(Debug, InputObject)]
pub struct MarkChildcareAttendanceInput {
    /// The booking.
    pub id: ID,
    /// They came (true) or did not come (false, a no-show).
    pub attended: bool,
}

/// The booking after a change, or why it was refused.
#[derive(Debug, SimpleObject)]
pub struct ChildcareBookingPayload {
    /// The booking; null when refused.
    pub booking: Option<ChildcareBooking>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Answer the satisfaction survey of a booking your children attended (once).
#[derive(Debug, InputObject)]
pub struct SubmitChildcareSurveyInput {
    /// The booking.
    pub booking_id: ID,
    /// 1 (dissatisfied) – 5 (very satisfied).
    pub score: i32,
    /// Comment (at most 2000 characters).
    pub comment: Option<String>,
}

/// The answer, or why it was refused.
#[derive(Debug, SimpleObject)]
pub struct SubmitChildcareSurveyPayload {
    /// The answer; null when refused.
    pub survey: Option<ChildcareSurveyResponse>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

impl TryFrom<ChildcareResourceFilter> for service::ResourceFilter {
    type Error = AppError;

    fn try_from(filter: ChildcareResourceFilter) -> Result<Self, AppError> {
        Ok(Self {
            kinds: crate::graphql::with_former(filter.kinds, filter.kind_deprecated)
                .into_iter()
                .map(Into::into)
                .collect(),
            municipality_id: ids::decode_optional(
                filter.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            child_age_months: filter.child_age_months,
            expectant_parents: filter.expectant_parents,
            open_at: filter.open_at.or(filter.open_now.then(Utc::now)),
            near: filter.near.map(|p| (p.latitude, p.longitude)),
            within_metres: filter.within_metres,
        })
    }
}

impl From<ChildcareResourceOrder> for service::ResourceOrder {
    fn from(order: ChildcareResourceOrder) -> Self {
        match order.field {
            ChildcareResourceOrderField::Name => Self::Name,
            ChildcareResourceOrderField::Distance => Self::Distance,
        }
    }
}

impl TryFrom<CreateChildcareResourceInput> for service::NewResource {
    type Error = AppError;

    fn try_from(input: CreateChildcareResourceInput) -> Result<Self, AppError> {
        let range = input.child_age_range;
        Ok(Self {
            provider_id: ids::decode_optional(input.provider_id.as_ref(), NodeKind::Organization)?,
            fields: service::ResourceFields {
                kind: input.kind.into(),
                name: input.name,
                name_kana: input.name_kana,
                description: input.description,
                postal_code: input.address.postal_code,
                prefecture_code: input.address.prefecture_code,
                city: input.address.city,
                street: input.address.street,
                latitude: input.location.map(|p| p.latitude),
                longitude: input.location.map(|p| p.longitude),
                phone: input.phone,
                url: input.url,
                fee: input.fee,
                expectant_parents: input.expectant_parents,
                child_min_age_months: range.and_then(|r| r.min_months),
                child_max_age_months: range.and_then(|r| r.max_months),
                residents_only: input.residents_only,
                languages: input.languages,
                accessibility: input.accessibility,
            },
            publish: input.publish,
            idempotency_key: input.idempotency_key,
        })
    }
}

/// The changes only; the resolver decodes the resource id.
impl From<UpdateChildcareResourceInput> for service::ResourceChanges {
    fn from(input: UpdateChildcareResourceInput) -> Self {
        let address = input.address;
        Self {
            kind: input.kind.map(Into::into),
            name: input.name,
            name_kana: input.name_kana,
            description: input.description,
            postal_code: address.as_ref().map(|a| a.postal_code.clone()),
            prefecture_code: address.as_ref().map(|a| a.prefecture_code),
            city: address.as_ref().map(|a| a.city.clone()),
            street: address.as_ref().map(|a| a.street.clone()),
            location: Option::<Option<_>>::from(input.location)
                .map(|p| p.map(|p| (p.latitude, p.longitude))),
            phone: input.phone.into(),
            url: input.url.into(),
            fee: input.fee.into(),
            expectant_parents: input.expectant_parents,
            child_age_range: Option::<Option<_>>::from(input.child_age_range)
                .map(|r| r.map_or((None, None), |r| (r.min_months, r.max_months))),
            residents_only: input.residents_only,
            languages: input.languages,
            accessibility: input.accessibility.into(),
            published: input.published,
        }
    }
}

/// The rules only; the resolver decodes the resource id.
impl From<SetChildcareBookingRulesInput> for service::BookingRules {
    fn from(input: SetChildcareBookingRulesInput) -> Self {
        Self {
            opens_days_before: input.opens_days_before,
            monthly_limit_hours: input.monthly_limit_hours,
            min_age_months: input.min_age_months,
            max_age_months: input.max_age_months,
            cancel_deadline_hours: input.cancel_deadline_hours,
            no_show_limit: input.no_show_limit,
            no_show_window_days: input.no_show_window_days,
            restriction_days: input.restriction_days,
        }
    }
}

impl TryFrom<CreateChildcareSlotsInput> for service::NewSlots {
    type Error = AppError;

    fn try_from(input: CreateChildcareSlotsInput) -> Result<Self, AppError> {
        Ok(Self {
            resource_id: ids::decode_as(&input.resource_id, NodeKind::ChildcareResource)?,
            from: input.from.into(),
            until: input.until.map(Into::into),
            weekdays: input.weekdays.iter().map(|day| day.index()).collect(),
            starts: input.start_time,
            ends: input.end_time,
            capacity: input.capacity,
            idempotency_key: input.idempotency_key,
        })
    }
}

impl TryFrom<ChildcareBookingChildInput> for ChildRef {
    type Error = AppError;

    fn try_from(child: ChildcareBookingChildInput) -> Result<Self, AppError> {
        Ok(match child.child_id {
            Some(id) => Self::Registered(ids::decode_as(&id, NodeKind::ChildcareChild)?),
            None => Self::New {
                name: child.name.unwrap_or_default(),
                name_kana: child.name_kana.unwrap_or_default(),
                birth_date: child.birth_date.map(Into::into),
            },
        })
    }
}

/// Every slot id is decoded before any child's.
impl TryFrom<BookTemporaryChildcareInput> for service::NewBooking {
    type Error = AppError;

    fn try_from(input: BookTemporaryChildcareInput) -> Result<Self, AppError> {
        let slot_ids = input
            .slot_ids
            .iter()
            .map(|id| ids::decode_as(id, NodeKind::ChildcareSlot))
            .collect::<Result<Vec<Uuid>, _>>()?;
        let children = input
            .children
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<Vec<ChildRef>, _>>()?;
        Ok(Self {
            slot_ids,
            children,
            note: input.note,
            join_waitlist_if_full: input.join_waitlist_if_full,
            idempotency_key: input.idempotency_key,
        })
    }
}

//! Resources: kinds, hours, address, eligibility, the resource itself, and its temporary
//! childcare booking rules and slots.

use async_graphql::{
    ComplexObject, Context, Enum, ID, Result, ResultExt, SimpleObject, dataloader::DataLoader,
};
use chrono::{DateTime, Duration, Utc};
use entity::{
    childcare_booking_rule, childcare_hours_exception, childcare_resource, childcare_slot,
};

use crate::domains::childcare::{
    hours::{self, Interval, Schedule},
    loaders::{ExceptionsOf, ResourceById, RulesOf, SlotsOf, WeeklyHoursOf},
    service,
};
use crate::graphql::ids::NodeKind;
use crate::graphql::scalars::Date;
use crate::{
    connection,
    domains::identity::{
        loaders::{IdentityLoader, municipality, organization},
        types::{Municipality, Organization},
    },
    error::AppError,
    fiscal,
    graphql::ids,
};

use super::loader;

connection!(
    ChildcareResource,
    ChildcareResourceConnection,
    ChildcareResourceEdge
);

/// Most days `slots` lists at once.
const MAX_SLOT_RANGE_DAYS: i64 = 92;

/// What kind of help a resource offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ChildcareResourceKind {
    /// Child-rearing plaza or play room (子育てひろば: 親子元気ルーム, プレイルーム).
    Plaza,
    /// Nursery experience service (元気保育園: consultation, diaper change and childcare
    /// experience for expectant parents and families with children up to 3).
    NurseryExperience,
    /// Temporary childcare (一時保育), bookable online when it has booking rules.
    TemporaryChildcare,
    /// Parenting consultation (子育て相談).
    Consultation,
    /// Home-visit consultation (訪問相談).
    HomeVisit,
    /// Parenting class (子育て学級).
    ParentingClass,
    /// Anything else.
    Other,
}

crate::enum_mirror!(
    ChildcareResourceKind,
    childcare_resource::ResourceKind,
    [
        Plaza,
        NurseryExperience,
        TemporaryChildcare,
        Consultation,
        HomeVisit,
        ParentingClass,
        Other
    ]
);

/// The Japanese label of a kind, as residents read it.
pub fn kind_label(kind: childcare_resource::ResourceKind) -> &'static str {
    use childcare_resource::ResourceKind as K;
    match kind {
        K::Plaza => "子育てひろば",
        K::NurseryExperience => "保育体験・育児相談",
        K::TemporaryChildcare => "一時保育",
        K::Consultation => "子育て相談",
        K::HomeVisit => "訪問相談",
        K::ParentingClass => "子育て学級",
        K::Other => "その他",
    }
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Weekday {
    /// 月曜日.
    Monday,
    /// 火曜日.
    Tuesday,
    /// 水曜日.
    Wednesday,
    /// 木曜日.
    Thursday,
    /// 金曜日.
    Friday,
    /// 土曜日.
    Saturday,
    /// 日曜日.
    Sunday,
}

/// Every weekday, Monday first (index = stored weekday number).
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

impl Weekday {
    /// 0 = Monday … 6 = Sunday.
    pub fn index(self) -> i16 {
        WEEKDAYS
            .iter()
            .position(|day| *day == self)
            .and_then(|i| i16::try_from(i).ok())
            .unwrap_or(0)
    }

    fn of(index: i16) -> Self {
        usize::try_from(index)
            .ok()
            .and_then(|i| WEEKDAYS.get(i).copied())
            .unwrap_or(Weekday::Monday)
    }
}

/// An opening interval of one day, in Japan time.
#[derive(Debug, Clone, SimpleObject)]
pub struct OpeningInterval {
    /// Opening time `HH:MM`.
    pub opens: String,
    /// Closing time `HH:MM` (`24:00` for midnight).
    pub closes: String,
}

impl From<Interval> for OpeningInterval {
    fn from(interval: Interval) -> Self {
        Self {
            opens: hours::format_minute(interval.opens),
            closes: hours::format_minute(interval.closes),
        }
    }
}

/// The regular hours of one weekday.
#[derive(Debug, Clone, SimpleObject)]
pub struct WeeklyOpeningHours {
    /// The weekday.
    pub weekday: Weekday,
    /// Its intervals, earliest first; empty when closed that weekday.
    pub intervals: Vec<OpeningInterval>,
}

/// Hours of one date that replace that day's weekly hours: closed, or special hours.
#[derive(Debug, Clone, SimpleObject)]
pub struct HoursException {
    /// The date (Japan).
    pub date: Date,
    /// Closed all day.
    pub closed: bool,
    /// The special intervals; empty when closed.
    pub intervals: Vec<OpeningInterval>,
    /// Why, e.g. 年末年始休館.
    pub note: Option<String>,
}

impl From<childcare_hours_exception::Model> for HoursException {
    fn from(model: childcare_hours_exception::Model) -> Self {
        let intervals = hours::decode_intervals(&model.intervals);
        Self {
            date: model.date.into(),
            closed: intervals.is_empty(),
            intervals: intervals.into_iter().map(Into::into).collect(),
            note: model.note,
        }
    }
}

/// The hours of one date, exceptions applied.
#[derive(Debug, Clone, SimpleObject)]
pub struct DayOpeningHours {
    /// The date (Japan).
    pub date: Date,
    /// Its weekday.
    pub weekday: Weekday,
    /// Closed all day.
    pub closed: bool,
    /// Intervals, earliest first.
    pub intervals: Vec<OpeningInterval>,
    /// Whether a dated exception replaced the weekly hours.
    pub exception: bool,
    /// The note of the exception, if any.
    pub note: Option<String>,
}

/// A postal address in Japan.
#[derive(Debug, Clone, SimpleObject)]
pub struct JapaneseAddress {
    /// Postal code `NNN-NNNN`.
    pub postal_code: String,
    /// JIS X 0401 prefecture code (1–47).
    pub prefecture_code: i32,
    /// Prefecture name, e.g. 群馬県.
    pub prefecture: String,
    /// City, ward or town, e.g. 前橋市.
    pub city: String,
    /// Street and building.
    pub street: String,
}

/// A point on the map (WGS 84).
#[derive(Debug, Clone, SimpleObject)]
pub struct GeoPoint {
    /// Latitude in degrees.
    pub latitude: f64,
    /// Longitude in degrees.
    pub longitude: f64,
}

/// Ages of children accepted, in months.
#[derive(Debug, Clone, SimpleObject)]
pub struct ChildcareAgeRange {
    /// Youngest age in months; null for no lower bound.
    pub min_months: Option<i32>,
    /// Oldest age in months; null for no upper bound.
    pub max_months: Option<i32>,
}

/// Who may use a resource.
#[derive(Debug, Clone, SimpleObject)]
pub struct ChildcareEligibility {
    /// Open to expectant parents (妊娠中の方).
    pub expectant_parents: bool,
    /// Ages of children accepted; null for any age.
    pub child_age_range: Option<ChildcareAgeRange>,
    /// Only residents of the municipality.
    pub residents_only: bool,
}

/// A place or service of the childcare directory. Published resources are public; others
/// are seen by the municipality's admins and the provider's program staff.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct ChildcareResource {
    #[graphql(skip)]
    pub model: childcare_resource::Model,
    /// Metres from the point given in `filter.near`; null without a point or a location.
    pub distance_metres: Option<f64>,
}

impl From<childcare_resource::Model> for ChildcareResource {
    fn from(model: childcare_resource::Model) -> Self {
        Self {
            model,
            distance_metres: None,
        }
    }
}

impl From<service::Listed> for ChildcareResource {
    fn from(listed: service::Listed) -> Self {
        let mut resource = Self::from(listed.resource);
        resource.distance_metres = listed.distance_metres.map(|d| d.round());
        resource
    }
}

impl ChildcareResource {
    async fn schedule(
        &self,
        ctx: &Context<'_>,
    ) -> Result<(Schedule, Vec<childcare_hours_exception::Model>)> {
        let loader = loader(ctx)?;
        let weekly = loader
            .load_one(WeeklyHoursOf(self.model.id))
            .await?
            .unwrap_or_default();
        let exceptions = loader
            .load_one(ExceptionsOf(self.model.id))
            .await?
            .unwrap_or_default();
        let schedule = Schedule {
            weekly: weekly
                .iter()
                .map(|row| {
                    (
                        row.weekday,
                        Interval {
                            opens: row.opens_minute,
                            closes: row.closes_minute,
                        },
                    )
                })
                .collect(),
            exceptions: exceptions
                .iter()
                .map(|row| (row.date, hours::decode_intervals(&row.intervals)))
                .collect(),
        };
        Ok((schedule, exceptions))
    }
}

#[ComplexObject]
impl ChildcareResource {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::ChildcareResource, self.model.id)
    }

    /// Kind of resource.
    async fn kind(&self) -> ChildcareResourceKind {
        self.model.kind.into()
    }

    /// Name, e.g. 親子元気ルーム.
    async fn name(&self) -> &str {
        &self.model.name
    }

    /// Kana reading of the name.
    async fn name_kana(&self) -> &str {
        &self.model.name_kana
    }

    /// Description (several lines).
    async fn description(&self) -> &str {
        &self.model.description
    }

    /// Address.
    async fn address(&self) -> JapaneseAddress {
        JapaneseAddress {
            postal_code: self.model.postal_code.clone(),
            prefecture_code: i32::from(self.model.prefecture_code),
            prefecture: crate::japan::prefecture(self.model.prefecture_code)
                .map(|(ja, _)| ja.to_owned())
                .unwrap_or_default(),
            city: self.model.city.clone(),
            street: self.model.street.clone(),
        }
    }

    /// Location on the map, if known.
    async fn location(&self) -> Option<GeoPoint> {
        self.model
            .latitude
            .zip(self.model.longitude)
            .map(|(latitude, longitude)| GeoPoint {
                latitude,
                longitude,
            })
    }

    /// Phone number.
    async fn phone(&self) -> Option<&str> {
        self.model.phone.as_deref()
    }

    /// Web page.
    async fn url(&self) -> Option<&str> {
        self.model.url.as_deref()
    }

    /// Fee, e.g. 無料 or 1時間 300円.
    async fn fee(&self) -> Option<&str> {
        self.model.fee.as_deref()
    }

    /// Who may use it.
    async fn eligibility(&self) -> ChildcareEligibility {
        let (min, max) = (
            self.model.child_min_age_months,
            self.model.child_max_age_months,
        );
        ChildcareEligibility {
            expectant_parents: self.model.expectant_parents,
            child_age_range: (min.is_some() || max.is_some()).then_some(ChildcareAgeRange {
                min_months: min,
                max_months: max,
            }),
            residents_only: self.model.residents_only,
        }
    }

    /// Languages spoken (codes such as `ja`, `en`, `pt-BR`).
    async fn languages(&self) -> Vec<String> {
        service::decode_languages(&self.model.languages)
    }

    /// Accessibility notes (barrier-free access, nursing room, stroller parking, …).
    async fn accessibility(&self) -> Option<&str> {
        self.model.accessibility.as_deref()
    }

    /// Whether it is public.
    async fn published(&self) -> bool {
        self.model.published
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }

    /// The municipality it belongs to.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Municipality> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        crate::graphql::present(
            municipality(loader, self.model.municipality_id)
                .await?
                .map(Municipality::from),
            "municipality",
        )
    }

    /// The provider organization that runs it.
    async fn provider(&self, ctx: &Context<'_>) -> Result<Organization> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        crate::graphql::present(
            organization(loader, self.model.provider_organization_id)
                .await?
                .map(Organization::from),
            "provider",
        )
    }

    /// Regular hours, Monday to Sunday (empty intervals when closed that weekday).
    async fn weekly_hours(&self, ctx: &Context<'_>) -> Result<Vec<WeeklyOpeningHours>> {
        let (schedule, _) = self.schedule(ctx).await?;
        Ok(WEEKDAYS
            .iter()
            .map(|weekday| {
                let mut intervals: Vec<Interval> = schedule
                    .weekly
                    .iter()
                    .filter(|(day, _)| *day == weekday.index())
                    .map(|(_, interval)| *interval)
                    .collect();
                intervals.sort();
                WeeklyOpeningHours {
                    weekday: *weekday,
                    intervals: intervals.into_iter().map(Into::into).collect(),
                }
            })
            .collect())
    }

    /// Dated exceptions (closed days, special hours) by date.
    async fn hours_exceptions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only from this date on (all when absent).")] from: Option<Date>,
        #[graphql(desc = "Only until this date, inclusive (all when absent).")] until: Option<Date>,
    ) -> Result<Vec<HoursException>> {
        let (from, until) = (from.map(|d| d.0), until.map(|d| d.0));
        let (_, exceptions) = self.schedule(ctx).await?;
        Ok(exceptions
            .into_iter()
            .filter(|e| from.is_none_or(|from| e.date >= from))
            .filter(|e| until.is_none_or(|until| e.date <= until))
            .map(Into::into)
            .collect())
    }

    /// The hours of one date (Japan), with that date's exception applied.
    async fn opening_hours_on(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The date.")] date: Date,
    ) -> Result<DayOpeningHours> {
        let date = date.0;
        let (schedule, exceptions) = self.schedule(ctx).await?;
        let day = schedule.on(date);
        Ok(DayOpeningHours {
            date: date.into(),
            weekday: Weekday::of(hours::weekday_index(date)),
            closed: day.intervals.is_empty(),
            intervals: day.intervals.into_iter().map(Into::into).collect(),
            exception: day.exception,
            note: exceptions
                .into_iter()
                .find(|e| e.date == date)
                .and_then(|e| e.note),
        })
    }

    /// Whether it is open at an instant (read in Japan time, exceptions applied).
    async fn is_open_at(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The instant.")] time: DateTime<Utc>,
    ) -> Result<bool> {
        Ok(self.schedule(ctx).await?.0.is_open_at(time))
    }

    /// Whether it is open right now.
    async fn is_open_now(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.schedule(ctx).await?.0.is_open_at(Utc::now()))
    }

    /// Booking rules; null when it takes no online bookings.
    async fn booking_rules(&self, ctx: &Context<'_>) -> Result<Option<ChildcareBookingRules>> {
        Ok(loader(ctx)?
            .load_one(RulesOf(self.model.id))
            .await?
            .map(Into::into))
    }

    /// Bookable slots between two dates (at most 92 days), by start.
    async fn slots(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First date (today in Japan when absent).")] from: Option<Date>,
        #[graphql(desc = "Last date, inclusive (30 days after `from` when absent).")] until: Option<
            Date,
        >,
    ) -> Result<Vec<ChildcareSlot>> {
        let from = from.map_or_else(fiscal::today, |d| d.0);
        let until = until.map_or(from + Duration::days(30), |d| d.0);
        if until < from || (until - from).num_days() > MAX_SLOT_RANGE_DAYS {
            return Err(AppError::BadUserInput(format!(
                "`until` must be within {MAX_SLOT_RANGE_DAYS} days after `from`"
            )))
            .extend();
        }
        Ok(loader(ctx)?
            .load_one(SlotsOf {
                resource_id: self.model.id,
                from,
                until,
            })
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// Booking rules of a resource that takes temporary childcare bookings.
#[derive(Debug, Clone, SimpleObject)]
pub struct ChildcareBookingRules {
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
    /// This many no-shows …
    pub no_show_limit: i32,
    /// … within this many days …
    pub no_show_window_days: i32,
    /// … restrict new bookings for this many days.
    pub restriction_days: i32,
}

impl From<childcare_booking_rule::Model> for ChildcareBookingRules {
    fn from(model: childcare_booking_rule::Model) -> Self {
        Self {
            opens_days_before: model.opens_days_before,
            monthly_limit_hours: model.monthly_limit_hours,
            min_age_months: model.min_age_months,
            max_age_months: model.max_age_months,
            cancel_deadline_hours: model.cancel_deadline_hours,
            no_show_limit: model.no_show_limit,
            no_show_window_days: model.no_show_window_days,
            restriction_days: model.restriction_days,
        }
    }
}

/// A bookable period of temporary childcare on one date.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct ChildcareSlot {
    #[graphql(skip)]
    pub model: childcare_slot::Model,
    /// The date (Japan).
    pub date: Date,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Children it takes.
    pub capacity: i32,
    /// Children it can still take (0 once cancelled).
    pub places_remaining: i32,
    /// A note for families (what to bring, a change of room, …).
    pub note: Option<String>,
    /// Whether the facility cancelled it (中止); it can no longer be booked.
    pub cancelled: bool,
    /// When it was cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why it was cancelled, as told to the families.
    pub cancel_reason: Option<String>,
}

impl From<childcare_slot::Model> for ChildcareSlot {
    fn from(model: childcare_slot::Model) -> Self {
        Self {
            date: model.date.into(),
            starts_at: model.starts_at,
            ends_at: model.ends_at,
            capacity: model.capacity,
            places_remaining: if model.cancelled_at.is_some() {
                0
            } else {
                (model.capacity - model.children_booked).max(0)
            },
            note: model.note.clone(),
            cancelled: model.cancelled_at.is_some(),
            cancelled_at: model.cancelled_at,
            cancel_reason: model.cancel_reason.clone(),
            model,
        }
    }
}

#[ComplexObject]
impl ChildcareSlot {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::ChildcareSlot, self.model.id)
    }

    /// The resource.
    async fn resource(&self, ctx: &Context<'_>) -> Result<ChildcareResource> {
        crate::graphql::present(
            loader(ctx)?
                .load_one(ResourceById(self.model.resource_id))
                .await?
                .map(Into::into),
            "resource",
        )
    }
}

//! GraphQL objects of a clinic's day and of the municipality's health staff: the day list,
//! the settings and the counts of what the checks caught.

use async_graphql::{ID, SimpleObject};

use super::super::service;
use super::{HealthChild, VaccinationBooking, VaccinationForm, VaccinationSlot};
use crate::graphql::{
    ids::{NodeKind, encode},
    scalars::Date,
};

/// One child on a clinic's day list.
#[derive(SimpleObject)]
pub struct ClinicDayEntry {
    /// The booking, when the child was booked.
    pub booking: Option<VaccinationBooking>,
    /// The booking's slot.
    pub slot: Option<VaccinationSlot>,
    /// The child.
    pub child: HealthChild,
    /// The forms of the visit, with their state.
    pub forms: Vec<VaccinationForm>,
}

/// A clinic's day: the bookings with their forms, and the forms brought without a booking.
#[derive(SimpleObject)]
pub struct ClinicDay {
    /// The day.
    pub day: Date,
    /// The entries, by slot time; forms without a booking last.
    pub entries: Vec<ClinicDayEntry>,
}

impl From<service::Day> for ClinicDay {
    fn from(day: service::Day) -> Self {
        Self {
            day: day.day.into(),
            entries: day
                .entries
                .into_iter()
                .map(|e| ClinicDayEntry {
                    booking: e.booking.map(VaccinationBooking),
                    slot: e.slot.map(VaccinationSlot),
                    child: HealthChild(e.child, None),
                    forms: e.forms.into_iter().map(VaccinationForm).collect(),
                })
                .collect(),
        }
    }
}

crate::enum_mirror! {
    /// How 「N月以上の間隔」 ends when the same day does not exist N months later.
    MonthEndRule = super::super::dates::MonthEnd {
        /// From the 1st of the following month (MHLW: 11/30 + 3 months → 3/1).
        NextMonthFirst,
        /// From the last day of the month (8/30 + 6 months → 2/28).
        LastDayOfMonth,
    }
}

/// A municipality's health settings.
#[derive(SimpleObject)]
pub struct HealthSettings {
    /// How an interval of months ends on a missing day.
    pub month_end: MonthEndRule,
    /// The temperature (℃) from which the 予診 may not judge a vaccination possible.
    pub fever_threshold: f64,
    /// The day of the month after the service month by which a clinic's fee claim
    /// (委託料請求) is due.
    pub fee_claim_due_day: i32,
}

impl From<service::Settings> for HealthSettings {
    fn from(settings: service::Settings) -> Self {
        Self {
            month_end: settings.month_end.into(),
            fever_threshold: settings.fever_threshold,
            fee_claim_due_day: i32::try_from(settings.fee_claim_due_day).unwrap_or(10),
        }
    }
}

/// How many findings of one category the checks caught, or clinics went ahead with.
#[derive(SimpleObject)]
pub struct VaccinationCheckCount {
    /// `BOOKING`, `SUBMISSION` or `CONFIRMATION`.
    pub stage: String,
    /// `CAUGHT` (a block stopped it) or `OVERRIDDEN` (a clinic went ahead on a warning).
    pub outcome: String,
    /// The error category.
    pub category: String,
    /// The clinic's global id, when the check ran for one.
    pub clinic_id: Option<ID>,
    /// How many.
    pub count: i32,
}

impl From<service::CheckCount> for VaccinationCheckCount {
    fn from(c: service::CheckCount) -> Self {
        Self {
            stage: c.stage.to_uppercase(),
            outcome: c.outcome.to_uppercase(),
            category: c.category,
            clinic_id: c.clinic_id.map(|id| encode(NodeKind::Organization, id)),
            count: i32::try_from(c.count).unwrap_or(i32::MAX),
        }
    }
}

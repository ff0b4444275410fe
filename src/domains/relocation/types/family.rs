//! What a family sees of its inquiry, with its reference code and token: the receipt, the
//! status page and the next appointment. No personal data.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};

use super::{AppointmentKind, InquiryStage};
use crate::domains::relocation::service;

/// What a family receives after sending an inquiry. Keep both: the token is shown once.
#[derive(Debug, Clone, SimpleObject)]
pub struct RelocationInquiryReceipt {
    /// Reference code to quote on the phone, e.g. `MB-7K3Q-9F2D`.
    pub reference_code: String,
    /// Secret token to check the status or withdraw consent. Shown only here; a retry with
    /// the same idempotency key returns a new token and the old one stops working.
    pub tracking_token: String,
}

impl From<service::Receipt> for RelocationInquiryReceipt {
    fn from(r: service::Receipt) -> Self {
        Self {
            reference_code: r.reference_code,
            tracking_token: r.tracking_token,
        }
    }
}

/// What a family sees of its inquiry: no personal data.
#[derive(Debug, Clone, SimpleObject)]
pub struct RelocationInquiryStatus {
    /// Reference code.
    pub reference_code: String,
    /// Where the inquiry stands.
    pub stage: InquiryStage,
    /// Display name of the concierge in charge; null while unassigned.
    pub concierge_name: Option<String>,
    /// When the next appointment to come takes place; null when none is scheduled.
    pub next_appointment_at: Option<DateTime<Utc>>,
    /// The next appointment to come (time, kind and place); null when none is scheduled
    /// or the inquiry is no longer worked on.
    pub next_appointment: Option<FamilyAppointment>,
    /// When the inquiry was received.
    pub received_at: DateTime<Utc>,
}

impl From<service::PublicStatus> for RelocationInquiryStatus {
    fn from(s: service::PublicStatus) -> Self {
        Self {
            reference_code: s.reference_code,
            stage: s.stage.into(),
            concierge_name: s.concierge_name,
            next_appointment_at: s.next_appointment_at,
            next_appointment: s.next_appointment.map(Into::into),
            received_at: s.received_at,
        }
    }
}

/// An appointment with the family, as the family sees it on its status page.
#[derive(Debug, Clone, SimpleObject)]
pub struct FamilyAppointment {
    /// When it takes place.
    pub at: DateTime<Utc>,
    /// Visit, trial stay or online consultation.
    pub kind: AppointmentKind,
    /// Where (or how to join), as the concierge gave it; null when the concierge will tell.
    pub place: Option<String>,
}

impl From<service::NextAppointment> for FamilyAppointment {
    fn from(a: service::NextAppointment) -> Self {
        Self {
            at: a.at,
            kind: a.kind.into(),
            place: a.place,
        }
    }
}

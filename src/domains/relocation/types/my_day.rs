//! A concierge's day: the open tasks and the appointments to come of the inquiries they
//! hold, each with its inquiry.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use entity::{inquiry_event, inquiry_task, relocation_inquiry};

use super::{AppointmentKind, InquiryTask, RelocationInquiry};
use crate::connection;

connection!(ConciergeTask, ConciergeTaskConnection, ConciergeTaskEdge);
connection!(
    ConciergeAppointment,
    ConciergeAppointmentConnection,
    ConciergeAppointmentEdge
);

/// An open task of an inquiry you hold, with the inquiry.
#[derive(Debug, Clone, SimpleObject)]
pub struct ConciergeTask {
    /// The task.
    pub task: InquiryTask,
    /// The inquiry it is about.
    pub inquiry: RelocationInquiry,
}

impl From<(inquiry_task::Model, relocation_inquiry::Model)> for ConciergeTask {
    fn from((task, inquiry): (inquiry_task::Model, relocation_inquiry::Model)) -> Self {
        Self {
            task: task.into(),
            inquiry: inquiry.into(),
        }
    }
}

/// An appointment to come with the family of an inquiry you hold.
#[derive(Debug, Clone, SimpleObject)]
pub struct ConciergeAppointment {
    /// When it takes place.
    pub scheduled_at: DateTime<Utc>,
    /// Visit, trial stay or online consultation.
    pub kind: Option<AppointmentKind>,
    /// Where (or the meeting link's description).
    pub place: Option<String>,
    /// The inquiry it is about.
    pub inquiry: RelocationInquiry,
}

impl From<(inquiry_event::Model, relocation_inquiry::Model)> for ConciergeAppointment {
    fn from((event, inquiry): (inquiry_event::Model, relocation_inquiry::Model)) -> Self {
        Self {
            scheduled_at: event.scheduled_at.unwrap_or(event.created_at),
            kind: event.appointment_kind.map(Into::into),
            place: event.body,
            inquiry: inquiry.into(),
        }
    }
}

//! What opening one relocation inquiry shows besides its own fields: its timeline, its
//! tasks, other open inquiries that may be the same family, and who read its personal data.

use async_graphql::{ComplexObject, Context, ID, Result, SimpleObject, dataloader::DataLoader};
use chrono::{DateTime, Utc};
use entity::{inquiry_event, personal_data_access_log, relocation_inquiry};
use uuid::Uuid;

use super::{AppointmentKind, ContactChannel, InquiryStage};
use crate::domains::relocation::loaders::{RelocationLoader, StaffName};
use crate::graphql::ids::NodeKind;
use crate::graphql::scalars::Date;
use crate::{connection, enum_mirror as mirror, graphql::ids};

connection!(
    InquiryAccessLogEntry,
    InquiryAccessLogConnection,
    InquiryAccessLogEdge
);

mirror! {
    /// What a timeline entry records.
    TimelineEntryKind = inquiry_event::EventKind {
        /// The family sent the inquiry.
        Submitted,
        /// The stage changed.
        StageChanged,
        /// A concierge was assigned.
        Assigned,
        /// A concierge was taken off the inquiry.
        Unassigned,
        /// A note.
        Note,
        /// A contact with the family.
        Contact,
        /// An appointment was scheduled.
        Appointment,
        /// A task was created.
        Task,
        /// The move-in was recorded.
        MovedIn,
        /// The family withdrew consent.
        ConsentWithdrawn,
        /// Personal data was anonymized after the retention period.
        Anonymized,
        /// The family wrote to its concierge with its tracking token (the text is the body).
        FamilyMessage,
        /// The family changed its contact details or desired timing with its tracking token;
        /// the body names the fields changed, never their values.
        DetailsUpdated,
    }
}

/// An open inquiry that shares an email or a phone number with another: its reference
/// and stage only, no personal data (open it by id to read it, as your role allows).
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct PossibleDuplicate {
    #[graphql(skip)]
    pub uuid: Uuid,
    /// Reference code, e.g. `MB-7K3Q-9F2D`.
    pub reference_code: String,
    /// Where it stands.
    pub stage: InquiryStage,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Whether the email is the same.
    pub same_email: bool,
    /// Whether the phone number is the same.
    pub same_phone: bool,
}

#[ComplexObject]
impl PossibleDuplicate {
    /// Global id of the inquiry (a `RelocationInquiry`).
    async fn inquiry_id(&self) -> ID {
        ids::encode(NodeKind::RelocationInquiry, self.uuid)
    }
}

/// One entry of an inquiry's timeline.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct TimelineEntry {
    #[graphql(skip)]
    pub actor: Option<Uuid>,
    #[graphql(skip)]
    pub concierge: Option<Uuid>,
    /// What happened.
    pub kind: TimelineEntryKind,
    /// The stage before (stage changes).
    pub from_stage: Option<InquiryStage>,
    /// The stage after (stage changes).
    pub to_stage: Option<InquiryStage>,
    /// Contact channel (contacts).
    pub channel: Option<ContactChannel>,
    /// Note, reason, contact summary, task text or appointment place; null once the
    /// personal data was erased.
    pub body: Option<String>,
    /// When the appointment takes place (appointments) or the contact took place
    /// (contacts).
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Visit, trial stay or online consultation (appointments).
    pub appointment_kind: Option<AppointmentKind>,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

impl From<inquiry_event::Model> for TimelineEntry {
    fn from(m: inquiry_event::Model) -> Self {
        use sea_orm::ActiveEnum;
        let stage = |s: Option<String>| {
            s.and_then(|s| relocation_inquiry::InquiryStage::try_from_value(&s).ok())
                .map(InquiryStage::from)
        };
        Self {
            actor: m.actor_user_id,
            concierge: m.concierge_id,
            kind: m.kind.into(),
            from_stage: stage(m.from_stage),
            to_stage: stage(m.to_stage),
            channel: m.channel.map(Into::into),
            body: m.body,
            scheduled_at: m.scheduled_at,
            appointment_kind: m.appointment_kind.map(Into::into),
            created_at: m.created_at,
        }
    }
}

#[ComplexObject]
impl TimelineEntry {
    /// Who did it; null for the family or automatic assignment.
    async fn actor_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let Some(id) = self.actor else {
            return Ok(None);
        };
        ctx.data::<DataLoader<RelocationLoader>>()?
            .load_one(StaffName(id))
            .await
    }

    /// The concierge assigned or unassigned.
    async fn concierge_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let Some(id) = self.concierge else {
            return Ok(None);
        };
        ctx.data::<DataLoader<RelocationLoader>>()?
            .load_one(StaffName(id))
            .await
    }
}

/// A to-do on an inquiry, with a due date and an owner.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct InquiryTask {
    #[graphql(skip)]
    pub uuid: Uuid,
    #[graphql(skip)]
    pub owner: Option<Uuid>,
    #[graphql(skip)]
    pub inquiry: Uuid,
    /// What to do.
    pub title: String,
    /// When it is due (municipal date).
    pub due_on: Date,
    /// Scheduled automatically after "not now" or a move-in.
    pub follow_up: bool,
    /// When it was done; null while open.
    pub done_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<entity::inquiry_task::Model> for InquiryTask {
    fn from(m: entity::inquiry_task::Model) -> Self {
        Self {
            uuid: m.id,
            owner: m.owner_user_id,
            inquiry: m.inquiry_id,
            title: m.title,
            due_on: m.due_on.into(),
            follow_up: m.follow_up,
            done_at: m.done_at,
            created_at: m.created_at,
        }
    }
}

#[ComplexObject]
impl InquiryTask {
    /// Id of the task (to complete it).
    async fn id(&self) -> ID {
        ids::encode(NodeKind::InquiryTask, self.uuid)
    }

    /// Global id of the inquiry.
    async fn inquiry_id(&self) -> ID {
        ids::encode(NodeKind::RelocationInquiry, self.inquiry)
    }

    /// Whether it is open past its due day (in Japan).
    async fn overdue(&self) -> bool {
        self.done_at.is_none() && self.due_on.0 < crate::fiscal::date_of(crate::db::now())
    }

    /// Global id of the owner (a `User`).
    async fn owner_id(&self) -> Option<ID> {
        self.owner.map(|id| ids::encode(NodeKind::User, id))
    }

    /// Display name of the owner.
    async fn owner_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let Some(id) = self.owner else {
            return Ok(None);
        };
        ctx.data::<DataLoader<RelocationLoader>>()?
            .load_one(StaffName(id))
            .await
    }
}

/// One read of an inquiry's personal data by staff.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct InquiryAccessLogEntry {
    #[graphql(skip)]
    pub inquiry: Uuid,
    #[graphql(skip)]
    pub user: Uuid,
    /// What was read: `inquiry` (one inquiry) or `list` (a pipeline list or search).
    pub purpose: String,
    /// When it was read.
    pub read_at: DateTime<Utc>,
}

impl From<personal_data_access_log::Model> for InquiryAccessLogEntry {
    fn from(m: personal_data_access_log::Model) -> Self {
        Self {
            inquiry: m.subject_id,
            user: m.actor_user_id,
            purpose: m.accessed,
            read_at: m.accessed_at,
        }
    }
}

#[ComplexObject]
impl InquiryAccessLogEntry {
    /// Global id of the inquiry read.
    async fn inquiry_id(&self) -> ID {
        ids::encode(NodeKind::RelocationInquiry, self.inquiry)
    }

    /// Global id of the staff member who read it (a `User`).
    async fn user_id(&self) -> ID {
        ids::encode(NodeKind::User, self.user)
    }

    /// Display name of the staff member who read it.
    async fn user_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        ctx.data::<DataLoader<RelocationLoader>>()?
            .load_one(StaffName(self.user))
            .await
    }
}

//! GraphQL inputs of the relocation domain and payloads of its mutations.

use async_graphql::{ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    service,
    types::{
        AppointmentKind, AssignmentStrategy, CloseReason, ConciergeLeave, ConciergeProfile,
        ContactChannel, InquiryStage, InquiryTask, RelocationInquiry, RelocationInquiryReceipt,
        RelocationInquiryStatus, RelocationInterest, RelocationSettings,
    },
};
use crate::graphql::ids::NodeKind;
use crate::graphql::scalars::Date;
use crate::{
    error::AppError,
    graphql::{ids, payload::UserError},
};

/// A family's relocation inquiry (no account needed).
#[derive(Debug, InputObject)]
pub struct SubmitRelocationInquiryInput {
    /// The municipality asked.
    pub municipality_id: ID,
    /// Name (at most 100 characters).
    pub name: String,
    /// Kana reading of the name (フリガナ).
    pub name_kana: String,
    /// Email; give an email, a phone number or both.
    pub email: Option<String>,
    /// Phone number; hyphens and full-width digits are accepted.
    pub phone: Option<String>,
    /// Current prefecture (JIS X 0401 code, 1–47).
    pub prefecture_code: Option<i32>,
    /// Adults moving (1–20).
    pub adults: i32,
    /// Birth month of each child moving, `YYYY-MM`.
    #[graphql(default)]
    pub children_birth_months: Vec<String>,
    /// What the family is interested in.
    #[graphql(default)]
    pub interests: Vec<RelocationInterest>,
    /// Desired area within the municipality.
    pub desired_area: Option<String>,
    /// Desired timing, e.g. 2027年春.
    pub desired_timing: Option<String>,
    /// How the family prefers to be contacted.
    #[graphql(default_with = "ContactChannel::Email")]
    pub preferred_channel: ContactChannel,
    /// Preferred language (BCP 47 tag, default `ja`).
    pub preferred_language: Option<String>,
    /// Free-text message (at most 2000 characters).
    pub message: Option<String>,
    /// Explicit consent to the privacy notice; required.
    pub consent_to_privacy_notice: bool,
    /// Retrying with the same key returns the first inquiry (with a new tracking token) and
    /// creates nothing. Use an unguessable value, e.g. a random UUID.
    pub idempotency_key: Option<String>,
}

/// Result of `submitRelocationInquiry`.
#[derive(Debug, SimpleObject)]
pub struct SubmitRelocationInquiryPayload {
    /// The reference code and tracking token; null when refused.
    pub receipt: Option<RelocationInquiryReceipt>,
    /// Why the inquiry was refused.
    pub user_errors: Vec<UserError>,
}

/// Withdraw consent: the inquiry's personal data is erased at once.
#[derive(Debug, InputObject)]
pub struct WithdrawRelocationConsentInput {
    /// Reference code of the inquiry.
    pub reference_code: String,
    /// Tracking token received with it.
    pub tracking_token: String,
}

/// Result of `withdrawRelocationConsent`.
#[derive(Debug, SimpleObject)]
pub struct WithdrawRelocationConsentPayload {
    /// The inquiry's status after withdrawal; null when the code or token is wrong.
    pub status: Option<RelocationInquiryStatus>,
    /// Why the withdrawal was refused.
    pub user_errors: Vec<UserError>,
}

/// A message from the family to its concierge, with the reference code and tracking token.
#[derive(Debug, InputObject)]
pub struct SendInquiryMessageInput {
    /// Reference code of the inquiry.
    pub reference_code: String,
    /// Tracking token received with it.
    pub tracking_token: String,
    /// The message (at most 2000 characters).
    pub body: String,
}

/// The family's new contact details or desired timing, with the reference code and
/// tracking token. An omitted field stays as it is; an empty string clears it (an email or
/// a phone must remain).
#[derive(Debug, InputObject)]
pub struct UpdateInquiryDetailsInput {
    /// Reference code of the inquiry.
    pub reference_code: String,
    /// Tracking token received with it.
    pub tracking_token: String,
    /// New email.
    pub email: Option<String>,
    /// New phone number; hyphens and full-width digits are accepted.
    pub phone: Option<String>,
    /// New desired timing of the move, e.g. 2027年春 (at most 100 characters).
    pub desired_timing: Option<String>,
}

impl From<UpdateInquiryDetailsInput> for service::DetailsChanges {
    fn from(input: UpdateInquiryDetailsInput) -> Self {
        Self {
            email: input.email,
            phone: input.phone,
            desired_timing: input.desired_timing,
        }
    }
}

/// Result of what the family does with its tracking token (`sendInquiryMessage`,
/// `updateInquiryDetails`).
#[derive(Debug, SimpleObject)]
pub struct InquiryStatusPayload {
    /// The inquiry's status afterwards; null when the code or token is wrong or nothing was
    /// done.
    pub status: Option<RelocationInquiryStatus>,
    /// Why it was refused: `NOT_FOUND` for a wrong code or token, `INVALID_STATE` for a
    /// closed or erased inquiry, field errors for the input.
    pub user_errors: Vec<UserError>,
}

/// Create or replace a concierge's profile (administrators).
#[derive(Debug, InputObject)]
pub struct SaveConciergeProfileInput {
    /// The concierge's account (a `User` with the concierge role).
    pub user_id: ID,
    /// Interests they specialize in. Unchanged when omitted; none for a new profile.
    pub specialties: Option<Vec<RelocationInterest>>,
    /// Languages they speak (BCP 47 tags, e.g. `ja`, `en`). Unchanged when omitted; none
    /// for a new profile.
    pub languages: Option<Vec<String>>,
    /// Areas they know (at most 30). Unchanged when omitted; none for a new profile.
    pub areas: Option<Vec<String>>,
    /// Most active inquiries at once (0–500). Unchanged when omitted; required for a new
    /// profile.
    pub capacity: Option<i32>,
    /// Whether they take new inquiries. Unchanged when omitted; on for a new profile.
    pub available: Option<bool>,
    /// Whether they may read every inquiry of the municipality, not only their own and the
    /// unassigned queue (they still work only on inquiries they hold). Unchanged when
    /// omitted; off for a new profile.
    pub sees_all_inquiries: Option<bool>,
}

/// Result of mutations that change a concierge profile.
#[derive(Debug, SimpleObject)]
pub struct ConciergeProfilePayload {
    /// The profile; null when refused.
    pub profile: Option<ConciergeProfile>,
    /// Why the change was refused.
    pub user_errors: Vec<UserError>,
}

/// Turn a concierge's availability on or off (administrators, or concierges for
/// themselves).
#[derive(Debug, InputObject)]
pub struct SetConciergeAvailabilityInput {
    /// The concierge; omit for yourself.
    pub user_id: Option<ID>,
    /// Whether they take new inquiries.
    pub available: bool,
}

/// Record a leave period (administrators, or concierges for themselves).
#[derive(Debug, InputObject)]
pub struct AddConciergeLeaveInput {
    /// The concierge; omit for yourself.
    pub user_id: Option<ID>,
    /// Start (inclusive).
    pub starts_at: DateTime<Utc>,
    /// End (exclusive).
    pub ends_at: DateTime<Utc>,
    /// Note, e.g. 夏季休暇.
    pub note: Option<String>,
}

/// Result of `addConciergeLeave`.
#[derive(Debug, SimpleObject)]
pub struct AddConciergeLeavePayload {
    /// The leave period; null when refused.
    pub leave: Option<ConciergeLeave>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// End or cancel a leave period; waiting inquiries are assigned at once.
#[derive(Debug, InputObject)]
pub struct RemoveConciergeLeaveInput {
    /// The leave period.
    pub leave_id: ID,
}

/// Change a municipality's relocation settings (administrators). Absent fields stay.
#[derive(Debug, InputObject)]
pub struct UpdateRelocationSettingsInput {
    /// The municipality; municipal admins may omit it.
    pub municipality_id: Option<ID>,
    /// How new inquiries are assigned.
    pub strategy: Option<AssignmentStrategy>,
    /// Months until a follow-up (1–60).
    pub follow_up_months: Option<i32>,
    /// Business minutes until the first response is due.
    pub first_response_minutes: Option<i32>,
    /// Opening, minutes after midnight JST.
    pub business_day_start_minute: Option<i32>,
    /// Closing, minutes after midnight JST.
    pub business_day_end_minute: Option<i32>,
    /// Closed days besides weekends (replaces the list).
    pub holidays: Option<Vec<Date>>,
    /// Days a closed inquiry keeps its personal data (30–3650).
    pub retention_days: Option<i32>,
}

/// Result of `updateRelocationSettings`.
#[derive(Debug, SimpleObject)]
pub struct UpdateRelocationSettingsPayload {
    /// The settings; null when refused.
    pub settings: Option<RelocationSettings>,
    /// Why the change was refused.
    pub user_errors: Vec<UserError>,
}

/// Give an unassigned inquiry to a concierge (administrators).
#[derive(Debug, InputObject)]
pub struct AssignInquiryInput {
    /// The inquiry.
    pub inquiry_id: ID,
    /// The concierge (a `User`); must be available, not on leave and below capacity.
    pub concierge_id: ID,
}

/// Move an assigned inquiry to another concierge (administrators).
#[derive(Debug, InputObject)]
pub struct ReassignInquiryInput {
    /// The inquiry.
    pub inquiry_id: ID,
    /// The new concierge; must be available, not on leave and below capacity.
    pub concierge_id: ID,
    /// Why; kept on the timeline.
    pub reason: String,
}

/// Take an inquiry off its concierge (administrators). It goes to another concierge with
/// room at once, or waits in the queue.
#[derive(Debug, InputObject)]
pub struct UnassignInquiryInput {
    /// The inquiry.
    pub inquiry_id: ID,
    /// Why; kept on the timeline.
    pub reason: String,
}

/// Move an inquiry along the pipeline (its concierge or an administrator).
#[derive(Debug, InputObject)]
pub struct MoveInquiryStageInput {
    /// The inquiry.
    pub inquiry_id: ID,
    /// The next stage: contacted, consulting, visit scheduled or decided.
    pub stage: InquiryStage,
    /// Note for the timeline.
    pub note: Option<String>,
}

/// Close an inquiry without a move-in (its concierge or an administrator).
#[derive(Debug, InputObject)]
pub struct CloseInquiryInput {
    /// The inquiry.
    pub inquiry_id: ID,
    /// Why it is closed; "not now" schedules a follow-up task.
    pub reason: CloseReason,
    /// Note for the timeline.
    pub note: Option<String>,
}

/// Record that a family moved in (its concierge or an administrator).
#[derive(Debug, InputObject)]
pub struct RecordMoveInInput {
    /// The inquiry (must be decided).
    pub inquiry_id: ID,
    /// Date of the move.
    pub moved_in_on: Date,
    /// Number of people who moved.
    pub people_moved: i32,
    /// Area moved to.
    pub area: Option<String>,
}

/// Result of mutations that change an inquiry.
#[derive(Debug, SimpleObject)]
pub struct RelocationInquiryPayload {
    /// The inquiry; null when refused.
    pub inquiry: Option<RelocationInquiry>,
    /// Why the change was refused.
    pub user_errors: Vec<UserError>,
}

/// Which inquiries a pipeline list shows.
#[derive(Debug, Default, InputObject)]
pub struct RelocationInquiryFilter {
    /// The municipality; staff of one municipality may omit it.
    pub municipality_id: Option<ID>,
    /// Only these stages.
    #[graphql(default)]
    pub stages: Vec<InquiryStage>,
    /// Only inquiries of this concierge (a `User`).
    pub concierge_id: Option<ID>,
    /// Only unassigned inquiries.
    #[graphql(default)]
    pub unassigned: bool,
    /// Only inquiries with this interest.
    pub interest: Option<RelocationInterest>,
    /// Only inquiries past their first-response deadline.
    #[graphql(default)]
    pub overdue: bool,
    /// Received at or after.
    pub received_from: Option<DateTime<Utc>>,
    /// Received before.
    pub received_until: Option<DateTime<Utc>>,
    /// Search over name, kana, email, phone and reference code (width and case folded).
    pub search: Option<String>,
}

/// Add a note to an inquiry's timeline (its concierge or an administrator).
#[derive(Debug, InputObject)]
pub struct AddInquiryNoteInput {
    /// The inquiry.
    pub inquiry_id: ID,
    /// The note (at most 2000 characters).
    pub body: String,
}

/// Log a contact with the family (its concierge or an administrator). The first contact
/// is the first response of the SLA and moves an assigned inquiry to contacted.
#[derive(Debug, InputObject)]
pub struct LogInquiryContactInput {
    /// The inquiry.
    pub inquiry_id: ID,
    /// How the family was contacted.
    pub channel: ContactChannel,
    /// What was said (at most 2000 characters).
    pub summary: String,
    /// When the contact took place; not in the future.
    pub at: DateTime<Utc>,
}

/// Schedule an appointment with the family (its concierge or an administrator).
#[derive(Debug, InputObject)]
pub struct ScheduleInquiryAppointmentInput {
    /// The inquiry (not closed or moved in).
    pub inquiry_id: ID,
    /// When it takes place; in the future.
    pub at: DateTime<Utc>,
    /// Visit, trial stay or online consultation.
    pub kind: AppointmentKind,
    /// Where, e.g. 真鶴町役場 2階 (at most 100 characters).
    pub place: Option<String>,
}

/// Create a task on an inquiry (its concierge or an administrator).
#[derive(Debug, InputObject)]
pub struct CreateInquiryTaskInput {
    /// The inquiry.
    pub inquiry_id: ID,
    /// What to do (at most 100 characters).
    pub title: String,
    /// When it is due (municipal date).
    pub due_on: Date,
    /// Who does it (a `User`: a concierge or administrator of the municipality); the
    /// inquiry's concierge when omitted.
    pub assignee_id: Option<ID>,
}

/// Mark a task done (the inquiry's concierge or an administrator).
#[derive(Debug, InputObject)]
pub struct CompleteInquiryTaskInput {
    /// The task.
    pub task_id: ID,
}

/// Result of mutations that create or change a task.
#[derive(Debug, SimpleObject)]
pub struct InquiryTaskPayload {
    /// The task; null when refused.
    pub task: Option<InquiryTask>,
    /// Why the change was refused.
    pub user_errors: Vec<UserError>,
}

/// Anonymize inquiries closed longer than the retention period (administrators).
#[derive(Debug, Default, InputObject)]
pub struct PurgeClosedInquiriesInput {
    /// The municipality; municipal admins may omit it.
    pub municipality_id: Option<ID>,
}

/// Result of `purgeClosedInquiries`.
#[derive(Debug, SimpleObject)]
pub struct PurgeClosedInquiriesPayload {
    /// Inquiries anonymized now.
    pub anonymized_count: u64,
    /// The retention period applied, in days after closing or moving in.
    pub retention_days: i32,
    /// Why the purge was refused.
    pub user_errors: Vec<UserError>,
}

impl TryFrom<SubmitRelocationInquiryInput> for service::NewInquiry {
    type Error = AppError;

    fn try_from(input: SubmitRelocationInquiryInput) -> Result<Self, AppError> {
        Ok(Self {
            municipality_id: ids::decode_as(&input.municipality_id, NodeKind::Municipality)?,
            name: input.name,
            name_kana: input.name_kana,
            email: input.email,
            phone: input.phone,
            prefecture_code: input.prefecture_code,
            adults: input.adults,
            children_birth_months: input.children_birth_months,
            interests: input.interests.into_iter().map(Into::into).collect(),
            desired_area: input.desired_area,
            desired_timing: input.desired_timing,
            preferred_channel: Some(input.preferred_channel.into()),
            preferred_language: input.preferred_language,
            message: input.message,
            consent: input.consent_to_privacy_notice,
            idempotency_key: input.idempotency_key,
        })
    }
}

impl TryFrom<SaveConciergeProfileInput> for service::ProfileInput {
    type Error = AppError;

    fn try_from(input: SaveConciergeProfileInput) -> Result<Self, AppError> {
        Ok(Self {
            user_id: ids::decode_as(&input.user_id, NodeKind::User)?,
            specialties: input
                .specialties
                .map(|list| list.into_iter().map(Into::into).collect()),
            languages: input.languages,
            areas: input.areas,
            capacity: input.capacity,
            available: input.available,
            sees_all_inquiries: input.sees_all_inquiries,
        })
    }
}

/// The changes only; the resolver decodes the municipality id.
impl From<UpdateRelocationSettingsInput> for service::SettingsChanges {
    fn from(input: UpdateRelocationSettingsInput) -> Self {
        Self {
            strategy: input.strategy.map(Into::into),
            follow_up_months: input.follow_up_months,
            first_response_minutes: input.first_response_minutes,
            business_day_start_minute: input.business_day_start_minute,
            business_day_end_minute: input.business_day_end_minute,
            holidays: input
                .holidays
                .map(|days| days.into_iter().map(Into::into).collect()),
            retention_days: input.retention_days,
        }
    }
}

impl TryFrom<MoveInquiryStageInput> for service::StageMove {
    type Error = AppError;

    fn try_from(input: MoveInquiryStageInput) -> Result<Self, AppError> {
        Ok(Self {
            inquiry_id: ids::decode_as(&input.inquiry_id, NodeKind::RelocationInquiry)?,
            to: input.stage.into(),
            note: input.note,
        })
    }
}

/// The outcome only; the resolver decodes the inquiry id.
impl From<RecordMoveInInput> for service::MoveIn {
    fn from(input: RecordMoveInInput) -> Self {
        Self {
            moved_in_on: input.moved_in_on.into(),
            people: input.people_moved,
            area: input.area,
        }
    }
}

/// The appointment only; the resolver decodes the inquiry id.
impl From<ScheduleInquiryAppointmentInput> for service::Appointment {
    fn from(input: ScheduleInquiryAppointmentInput) -> Self {
        Self {
            at: input.at,
            kind: input.kind.into(),
            place: input.place,
        }
    }
}

/// The task only; the resolver decodes the inquiry id first.
impl TryFrom<CreateInquiryTaskInput> for service::NewTask {
    type Error = AppError;

    fn try_from(input: CreateInquiryTaskInput) -> Result<Self, AppError> {
        Ok(Self {
            title: input.title,
            due_on: input.due_on.into(),
            owner_id: ids::decode_optional(input.assignee_id.as_ref(), NodeKind::User)?,
        })
    }
}

impl TryFrom<RelocationInquiryFilter> for service::InquiryFilter {
    type Error = AppError;

    fn try_from(filter: RelocationInquiryFilter) -> Result<Self, AppError> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                filter.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            stages: filter.stages.into_iter().map(Into::into).collect(),
            concierge_id: ids::decode_optional(filter.concierge_id.as_ref(), NodeKind::User)?,
            unassigned: filter.unassigned,
            interest: filter.interest.map(Into::into),
            overdue: filter.overdue,
            received_from: filter.received_from,
            received_until: filter.received_until,
            search: filter.search,
        })
    }
}

/// Order of the pipeline list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, async_graphql::Enum)]
pub enum RelocationInquiryOrderBy {
    /// Newest received first.
    #[default]
    Received,
    /// Most recently worked on first: a stage change, contact, note, task or appointment.
    LastActivity,
    /// The first-response deadline (SLA) soonest first.
    SlaDue,
}

impl From<RelocationInquiryOrderBy> for service::InquiryOrder {
    fn from(order: RelocationInquiryOrderBy) -> Self {
        match order {
            RelocationInquiryOrderBy::Received => Self::Received,
            RelocationInquiryOrderBy::LastActivity => Self::LastActivity,
            RelocationInquiryOrderBy::SlaDue => Self::SlaDue,
        }
    }
}

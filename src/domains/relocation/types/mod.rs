//! GraphQL objects of the relocation domain, built from the database models: the
//! inquiries as lists show them, concierges and settings here; what opening one inquiry
//! shows besides (its timeline, tasks, possible duplicates and access log) in [`inquiry`].

use async_graphql::{
    ComplexObject, Context, Enum, ID, Result, SimpleObject, dataloader::DataLoader,
};
use chrono::{DateTime, Utc};
use entity::{concierge_leave, concierge_profile, relocation_inquiry, relocation_setting};
use uuid::Uuid;

use super::{
    loaders::{RelocationLoader, StaffName},
    service,
};
use crate::graphql::ids::NodeKind;
use crate::graphql::scalars::Date;
use crate::{connection, enum_mirror as mirror, graphql::ids};

mod family;
mod inquiry;
mod my_day;
pub use family::{FamilyAppointment, RelocationInquiryReceipt, RelocationInquiryStatus};
pub use inquiry::{
    InquiryAccessLogConnection, InquiryAccessLogEdge, InquiryAccessLogEntry, InquiryTask,
    PossibleDuplicate, TimelineEntry, TimelineEntryKind,
};
pub use my_day::{
    ConciergeAppointment, ConciergeAppointmentConnection, ConciergeTask, ConciergeTaskConnection,
};

connection!(
    RelocationInquiry,
    RelocationInquiryConnection,
    RelocationInquiryEdge
);

mirror! {
    /// Where an inquiry stands in the concierge pipeline.
    InquiryStage = relocation_inquiry::InquiryStage {
        /// Received, waiting for a concierge (新規).
        New,
        /// A concierge was assigned (担当決定).
        Assigned,
        /// The concierge made first contact (初回連絡済み).
        Contacted,
        /// Consultation in progress (相談中).
        Consulting,
        /// A visit or trial stay is scheduled (現地訪問・お試し滞在予定).
        VisitScheduled,
        /// The family decided to move (移住決定).
        Decided,
        /// The family moved in (移住済み); counts toward the move-in KPI.
        MovedIn,
        /// Closed without a move-in, with a reason (終了).
        Closed,
    }
}

mirror! {
    /// Why an inquiry was closed without a move-in.
    CloseReason = relocation_inquiry::CloseReason {
        /// Not now; a follow-up is scheduled (今は見送り).
        NotNow,
        /// Chose another place (他地域に決定).
        ChoseElsewhere,
        /// Could not be reached (連絡不通).
        Unreachable,
        /// The family withdrew consent; personal data was erased (同意撤回).
        ConsentWithdrawn,
        /// Any other reason (その他).
        Other,
    }
}

mirror! {
    /// What a family is interested in; also a concierge's specialties.
    RelocationInterest = relocation_inquiry::Interest {
        /// Housing, vacant-house bank (住まい).
        Housing,
        /// Jobs and remote work (仕事).
        Work,
        /// Childcare and child-rearing support (子育て).
        Childcare,
        /// Schools and education (教育).
        Education,
        /// Starting a business (起業).
        BusinessStartup,
        /// Farming (就農).
        Farming,
        /// Medical care and health (医療).
        Healthcare,
        /// Anything else (その他).
        Other,
    }
}

mirror! {
    /// How a family or a concierge gets in touch.
    ContactChannel = relocation_inquiry::ContactChannel {
        /// By phone.
        Phone,
        /// By email.
        Email,
        /// Online meeting.
        Online,
        /// In person.
        InPerson,
    }
}

mirror! {
    /// How new inquiries are given to concierges.
    AssignmentStrategy = relocation_setting::AssignmentStrategy {
        /// In turn, skipping anyone away or full.
        RoundRobin,
        /// To whoever is least full: active inquiries as a share of capacity.
        LeastLoaded,
        /// To the best overlap of interests, language and area, then whoever is least full.
        SpecialtyMatch,
    }
}

/// A relocation inquiry (移住相談) with the family's personal data. Only the municipality's
/// administrators and its concierges see it; every read is written to the access log.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct RelocationInquiry {
    #[graphql(skip)]
    pub uuid: Uuid,
    #[graphql(skip)]
    pub concierge_id: Option<Uuid>,
    #[graphql(skip)]
    pub municipality_id: Uuid,
    #[graphql(skip)]
    pub email_digest: Option<String>,
    #[graphql(skip)]
    pub phone_digest: Option<String>,
    /// Reference code for phone calls, e.g. `MB-7K3Q-9F2D`.
    pub reference_code: String,
    /// Where the inquiry stands.
    pub stage: InquiryStage,
    /// Why it was closed, when closed.
    pub close_reason: Option<CloseReason>,
    /// When the current concierge was assigned.
    pub assigned_at: Option<DateTime<Utc>>,
    /// Name (氏名); null once erased.
    pub name: Option<String>,
    /// Kana reading of the name (フリガナ); null once erased.
    pub name_kana: Option<String>,
    /// Email; null if not given or erased.
    pub email: Option<String>,
    /// Phone; null if not given or erased.
    pub phone: Option<String>,
    /// Current prefecture (JIS X 0401 code); null if not given or erased.
    pub prefecture_code: Option<i32>,
    /// Adults in the household.
    pub adults: i32,
    /// Children in the household.
    pub children: i32,
    /// Children's birth months (`YYYY-MM`); empty once erased.
    pub children_birth_months: Vec<String>,
    /// Interests.
    pub interests: Vec<RelocationInterest>,
    /// Desired area.
    pub desired_area: Option<String>,
    /// Desired timing, e.g. 2027年春.
    pub desired_timing: Option<String>,
    /// Preferred contact channel.
    pub preferred_channel: ContactChannel,
    /// Preferred language (BCP 47 tag).
    pub preferred_language: String,
    /// The family's message.
    pub message: Option<String>,
    /// First response due by (municipal business hours).
    pub first_response_due_at: DateTime<Utc>,
    /// When the family was first contacted.
    pub first_responded_at: Option<DateTime<Utc>>,
    /// Next scheduled appointment.
    pub next_appointment_at: Option<DateTime<Utc>>,
    /// Move-in date, once recorded.
    pub moved_in_on: Option<Date>,
    /// People who moved in, once recorded.
    pub people_moved: Option<i32>,
    /// Area moved to.
    pub moved_in_area: Option<String>,
    /// When it was closed or moved in.
    pub closed_at: Option<DateTime<Utc>>,
    /// When the personal data was erased (consent withdrawn or retention ended).
    pub erased_at: Option<DateTime<Utc>>,
    /// When it was received.
    pub created_at: DateTime<Utc>,
}

impl From<relocation_inquiry::Model> for RelocationInquiry {
    fn from(m: relocation_inquiry::Model) -> Self {
        Self {
            uuid: m.id,
            concierge_id: m.assigned_concierge_id,
            municipality_id: m.municipality_id,
            email_digest: m.email_digest,
            phone_digest: m.phone_digest,
            reference_code: m.reference_code,
            stage: m.stage.into(),
            close_reason: m.close_reason.map(Into::into),
            assigned_at: m.assigned_at,
            name: m.name,
            name_kana: m.name_kana,
            email: m.email,
            phone: m.phone,
            prefecture_code: m.prefecture_code.map(i32::from),
            adults: m.adults,
            children: m.children,
            children_birth_months: m
                .children_birth_months
                .and_then(|json| serde_json::from_str(&json).ok())
                .unwrap_or_default(),
            interests: service::split(&m.interests)
                .filter_map(|s| {
                    <relocation_inquiry::Interest as sea_orm::ActiveEnum>::try_from_value(
                        &s.to_owned(),
                    )
                    .ok()
                })
                .map(Into::into)
                .collect(),
            desired_area: m.desired_area,
            desired_timing: m.desired_timing,
            preferred_channel: m.preferred_channel.into(),
            preferred_language: m.preferred_language,
            message: m.message,
            first_response_due_at: m.first_response_due_at,
            first_responded_at: m.first_responded_at,
            next_appointment_at: m.next_appointment_at,
            moved_in_on: m.moved_in_on.map(Into::into),
            people_moved: m.people_moved,
            moved_in_area: m.moved_in_area,
            closed_at: m.closed_at,
            erased_at: m.erased_at,
            created_at: m.created_at,
        }
    }
}

#[ComplexObject]
impl RelocationInquiry {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::RelocationInquiry, self.uuid)
    }

    /// Global id of the assigned concierge (a `User`); null while unassigned.
    async fn concierge_id(&self) -> Option<ID> {
        self.concierge_id.map(|id| ids::encode(NodeKind::User, id))
    }

    /// Display name of the assigned concierge; null while unassigned.
    async fn concierge_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let Some(id) = self.concierge_id else {
            return Ok(None);
        };
        ctx.data::<DataLoader<RelocationLoader>>()?
            .load_one(StaffName(id))
            .await
    }

    /// Whether the first response is past its deadline.
    async fn overdue(&self) -> bool {
        service::is_overdue(
            self.first_responded_at,
            self.stage.into(),
            self.first_response_due_at,
            crate::db::now(),
        )
    }

    /// Tasks on the inquiry, open ones first, by due date.
    async fn tasks(&self, ctx: &Context<'_>) -> Result<Vec<InquiryTask>> {
        use async_graphql::ErrorExtensions;
        let (state, _) = crate::graphql::context(ctx)?;
        let rows = service::tasks_for(&state.db, self.uuid, self.municipality_id)
            .await
            .map_err(|e| e.extend())?;
        Ok(rows.into_iter().map(InquiryTask::from).collect())
    }

    /// Other open inquiries of the municipality (not moved in or closed) with the same
    /// email or phone number, compared after folding case, full-width characters and
    /// hyphens: perhaps the same family asking twice. Oldest first, at most 20; empty once
    /// the personal data is erased.
    async fn possible_duplicates(&self, ctx: &Context<'_>) -> Result<Vec<PossibleDuplicate>> {
        use async_graphql::ErrorExtensions;
        let (state, _) = crate::graphql::context(ctx)?;
        let probe = service::Probe {
            inquiry_id: self.uuid,
            municipality_id: self.municipality_id,
            email_digest: self.email_digest.clone(),
            phone_digest: self.phone_digest.clone(),
        };
        let rows = service::possible_duplicates(&state.db, &probe)
            .await
            .map_err(|e| e.extend())?;
        Ok(rows
            .into_iter()
            .map(|m| PossibleDuplicate {
                same_email: m.email_digest.is_some() && m.email_digest == probe.email_digest,
                same_phone: m.phone_digest.is_some() && m.phone_digest == probe.phone_digest,
                uuid: m.id,
                reference_code: m.reference_code,
                stage: m.stage.into(),
                received_at: m.created_at,
            })
            .collect())
    }

    /// Everything that happened to the inquiry, oldest first.
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Vec<TimelineEntry>> {
        use async_graphql::ErrorExtensions;
        let (state, _) = crate::graphql::context(ctx)?;
        let rows = service::timeline_for(&state.db, self.uuid, self.municipality_id)
            .await
            .map_err(|e| e.extend())?;
        Ok(rows.into_iter().map(TimelineEntry::from).collect())
    }
}

/// A relocation concierge's working profile.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct ConciergeProfile {
    #[graphql(skip)]
    pub user_uuid: Uuid,
    /// Interests they specialize in.
    pub specialties: Vec<RelocationInterest>,
    /// Languages they speak (BCP 47 tags).
    pub languages: Vec<String>,
    /// Areas they know.
    pub areas: Vec<String>,
    /// Most active inquiries at once.
    pub capacity: i32,
    /// Whether they take new inquiries (leave periods aside).
    pub available: bool,
    /// Whether they may read every inquiry of the municipality (an administrator widened
    /// their view), not only their own and the unassigned queue.
    pub sees_all_inquiries: bool,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<concierge_profile::Model> for ConciergeProfile {
    fn from(m: concierge_profile::Model) -> Self {
        Self {
            user_uuid: m.user_id,
            specialties: service::split(&m.specialties)
                .filter_map(|s| {
                    <relocation_inquiry::Interest as sea_orm::ActiveEnum>::try_from_value(
                        &s.to_owned(),
                    )
                    .ok()
                })
                .map(Into::into)
                .collect(),
            languages: service::split(&m.languages).map(str::to_owned).collect(),
            areas: service::split(&m.areas).map(str::to_owned).collect(),
            capacity: m.capacity,
            available: m.available,
            sees_all_inquiries: m.sees_all_inquiries,
            updated_at: m.updated_at,
        }
    }
}

#[ComplexObject]
impl ConciergeProfile {
    /// Global id of the concierge's account (a `User`).
    async fn user_id(&self) -> ID {
        ids::encode(NodeKind::User, self.user_uuid)
    }

    /// The concierge's display name.
    async fn display_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        ctx.data::<DataLoader<RelocationLoader>>()?
            .load_one(StaffName(self.user_uuid))
            .await
    }

    /// Active inquiries they hold now.
    async fn active_inquiries(&self, ctx: &Context<'_>) -> Result<i32> {
        use async_graphql::ErrorExtensions;
        let (state, _) = crate::graphql::context(ctx)?;
        let n = service::load_of(&state.db, self.user_uuid)
            .await
            .map_err(|e| e.extend())?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }

    /// Leave periods that have not ended, earliest first.
    async fn leaves(&self, ctx: &Context<'_>) -> Result<Vec<ConciergeLeave>> {
        use async_graphql::ErrorExtensions;
        let (state, _) = crate::graphql::context(ctx)?;
        let rows = service::current_leaves(&state.db, self.user_uuid, crate::db::now())
            .await
            .map_err(|e| e.extend())?;
        Ok(rows.into_iter().map(ConciergeLeave::from).collect())
    }
}

/// A period a concierge is away; nothing is assigned to them during it.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct ConciergeLeave {
    #[graphql(skip)]
    pub uuid: Uuid,
    /// Start (inclusive).
    pub starts_at: DateTime<Utc>,
    /// End (exclusive).
    pub ends_at: DateTime<Utc>,
    /// Note, e.g. 育児休業.
    pub note: Option<String>,
}

impl From<concierge_leave::Model> for ConciergeLeave {
    fn from(m: concierge_leave::Model) -> Self {
        Self {
            uuid: m.id,
            starts_at: m.starts_at,
            ends_at: m.ends_at,
            note: m.note,
        }
    }
}

#[ComplexObject]
impl ConciergeLeave {
    /// Id of the leave period (to remove it).
    async fn id(&self) -> ID {
        ids::encode(NodeKind::ConciergeLeave, self.uuid)
    }
}

/// Relocation settings of a municipality.
#[derive(Debug, Clone, SimpleObject)]
pub struct RelocationSettings {
    /// How new inquiries are assigned.
    pub strategy: AssignmentStrategy,
    /// Months after "not now" or a move-in until the follow-up task is due.
    pub follow_up_months: i32,
    /// Business minutes until the first response is due.
    pub first_response_minutes: i32,
    /// Opening, minutes after midnight JST.
    pub business_day_start_minute: i32,
    /// Closing, minutes after midnight JST.
    pub business_day_end_minute: i32,
    /// Closed days besides weekends.
    pub holidays: Vec<Date>,
    /// Days a closed inquiry keeps its personal data.
    pub retention_days: i32,
}

impl From<relocation_setting::Model> for RelocationSettings {
    fn from(m: relocation_setting::Model) -> Self {
        Self {
            holidays: service::holidays(&m).into_iter().map(Into::into).collect(),
            strategy: m.strategy.into(),
            follow_up_months: m.follow_up_months,
            first_response_minutes: m.first_response_minutes,
            business_day_start_minute: m.business_day_start_minute,
            business_day_end_minute: m.business_day_end_minute,
            retention_days: m.retention_days,
        }
    }
}

/// Inquiries in one stage.
#[derive(Debug, Clone, SimpleObject)]
pub struct StageCount {
    /// The stage.
    pub stage: InquiryStage,
    /// Inquiries in it that you can see.
    pub count: u64,
}

/// What a concierge hears about their inquiries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum InquiryEventKind {
    /// An inquiry was assigned to you.
    Assigned,
    /// An inquiry you hold changed.
    Changed,
    /// An inquiry was taken off you.
    Unassigned,
}

/// A live update about one of your inquiries; fetch it with `node(id:)`.
#[derive(Debug, Clone, SimpleObject)]
pub struct InquiryEvent {
    /// What happened.
    pub kind: InquiryEventKind,
    /// Global id of the inquiry.
    pub inquiry_id: ID,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

/// What kind of appointment is scheduled with a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum AppointmentKind {
    /// A visit to the municipality (現地訪問).
    Visit,
    /// A trial stay (お試し滞在).
    TrialStay,
    /// An online consultation (オンライン相談).
    OnlineConsultation,
}

impl From<service::AppointmentKind> for AppointmentKind {
    fn from(value: service::AppointmentKind) -> Self {
        match value {
            service::AppointmentKind::Visit => Self::Visit,
            service::AppointmentKind::TrialStay => Self::TrialStay,
            service::AppointmentKind::OnlineConsultation => Self::OnlineConsultation,
        }
    }
}

impl From<AppointmentKind> for service::AppointmentKind {
    fn from(value: AppointmentKind) -> Self {
        match value {
            AppointmentKind::Visit => Self::Visit,
            AppointmentKind::TrialStay => Self::TrialStay,
            AppointmentKind::OnlineConsultation => Self::OnlineConsultation,
        }
    }
}

/// Inquiries that reached one stage in a fiscal year.
#[derive(Debug, Clone, SimpleObject)]
pub struct FunnelStep {
    /// The stage.
    pub stage: InquiryStage,
    /// Inquiries that reached it in the year (`new`: inquiries received in the year).
    pub inquiries: u64,
}

/// How many inquiries reached each stage of the pipeline in one fiscal year (年度, 1 April
/// to 31 March, Asia/Tokyo).
#[derive(Debug, Clone, SimpleObject)]
pub struct RelocationFunnel {
    /// The fiscal year, e.g. 2026 for 1 April 2026 – 31 March 2027.
    pub fiscal_year: i32,
    /// Start of the year (inclusive).
    pub from: DateTime<Utc>,
    /// End of the year (exclusive).
    pub until: DateTime<Utc>,
    /// One step per stage, in pipeline order.
    pub steps: Vec<FunnelStep>,
}

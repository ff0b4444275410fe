//! GraphQL objects of the programs domain, built from the database models.

use async_graphql::{
    ComplexObject, Context, Enum, ID, Result, ResultExt, SimpleObject, dataloader::DataLoader,
};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    program, program_session, program_survey, registration, registration_child,
    registration_status_change,
};
use uuid::Uuid;

use super::{
    loaders::{
        AttendanceOf, ChildrenOf, ConfirmedPlace, HistoryOf, ProgramById, ProgramsLoader,
        SessionById, SessionsOfProgram, SurveyOf, SurveyScoresOf, WaitlistOf,
    },
    registration::decode_set,
    service,
};
use crate::paging::PageArgs;
use crate::{
    connection,
    domains::identity::{
        loaders::{IdentityLoader, MunicipalityId, OrganizationId, UserId},
        types::{Municipality, Organization},
    },
    graphql::{connection::page_cost, context, ids},
};

connection!(Program, ProgramConnection, ProgramEdge);
connection!(ProgramSession, ProgramSessionConnection, ProgramSessionEdge);
connection!(Registration, RegistrationConnection, RegistrationEdge);

use crate::enum_mirror as mirror;

/// What kind of program it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProgramKind {
    /// Career seminar, e.g. 女性活躍推進セミナー (often with 託児).
    CareerSeminar,
    /// Education workshop by a museum, library or nature centre (鑑賞会・体験学習).
    EducationWorkshop,
    /// Parenting class or course (子育て学級・子育て親子支援講座).
    ParentingClass,
    /// Relocation fair or consultation day (移住相談会).
    RelocationFair,
    /// Childcare experience session, e.g. for expectant parents (元気保育園の体験).
    ChildcareExperience,
    /// Anything else.
    Other,
}
mirror!(
    ProgramKind,
    program::ProgramKind,
    [
        CareerSeminar,
        EducationWorkshop,
        ParentingClass,
        RelocationFair,
        ChildcareExperience,
        Other
    ]
);

/// A category tag of a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProgramCategory {
    /// Art (美術).
    Art,
    /// Nature (自然).
    Nature,
    /// History (歴史).
    History,
    /// Science (科学).
    Science,
    /// Reading and books (読書).
    Reading,
    /// Career and work (キャリア).
    Career,
    /// Parenting (子育て).
    Parenting,
    /// Childcare (保育).
    Childcare,
    /// Relocation (移住).
    Relocation,
    /// Health (健康).
    Health,
    /// Anything else.
    Other,
}
mirror!(
    ProgramCategory,
    program::ProgramCategory,
    [
        Art, Nature, History, Science, Reading, Career, Parenting, Childcare, Relocation, Health,
        Other
    ]
);

/// Who a program is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProgramAudience {
    /// Women (for example career seminars for women).
    Women,
    /// Expectant parents (妊娠中の方とそのパートナー).
    ExpectantParents,
    /// Guardians of children (保護者).
    Guardians,
    /// Children, who take part with a guardian: a party must include a child of the age
    /// range.
    Children,
    /// Everyone.
    Everyone,
}
mirror!(
    ProgramAudience,
    program::Audience,
    [Women, ExpectantParents, Guardians, Children, Everyone]
);

/// Where a program stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProgramStatus {
    /// Being prepared; seen only by its managers (下書き).
    Draft,
    /// Public and open for registration on its sessions (公開中).
    Published,
    /// Cancelled; its upcoming sessions were cancelled (中止). Final.
    Cancelled,
}
mirror!(
    ProgramStatus,
    program::ProgramStatus,
    [Draft, Published, Cancelled]
);

/// Whether a session takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProgramSessionStatus {
    /// Takes place as planned.
    Scheduled,
    /// Cancelled; every registration was cancelled and notified.
    Cancelled,
}
mirror!(
    ProgramSessionStatus,
    program_session::SessionStatus,
    [Scheduled, Cancelled]
);

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum RegistrationStatus {
    /// The whole party has its places (申込確定).
    Confirmed,
    /// Waiting for places (キャンセル待ち), with a position.
    Waitlisted,
    /// Freed places are held for the party until `offerExpiresAt`: accept or decline.
    Offered,
    /// Cancelled; see `cancelReason`.
    Cancelled,
    /// Checked in at the session (出席).
    Attended,
    /// Did not come (欠席).
    NoShow,
}
mirror!(
    RegistrationStatus,
    registration::RegistrationStatus,
    [Confirmed, Waitlisted, Offered, Cancelled, Attended, NoShow]
);

/// One step in the history of a registration.
#[derive(Debug, Clone, SimpleObject)]
pub struct RegistrationStatusChange {
    /// The status before; null for the registration itself.
    pub from_status: Option<RegistrationStatus>,
    /// The status after.
    pub to_status: RegistrationStatus,
    /// When it changed.
    pub changed_at: DateTime<Utc>,
    /// Whether municipal or program staff made the change (rather than the registrant or
    /// the system, e.g. an offer that expired).
    pub changed_by_staff: bool,
    /// Why, when recorded: a cancellation reason code (`registrant`, `session_cancelled`,
    /// `offer_expired`, …) or a staff note.
    pub reason: Option<String>,
}

impl RegistrationStatusChange {
    /// The change as the API shows it; `None` for a status this version does not know.
    fn new(change: registration_status_change::Model, registrant: Option<Uuid>) -> Option<Self> {
        use sea_orm::ActiveEnum;
        let status = |value: &str| {
            registration::RegistrationStatus::try_from_value(&value.to_owned())
                .ok()
                .map(RegistrationStatus::from)
        };
        Some(Self {
            from_status: match &change.from_status {
                Some(value) => Some(status(value)?),
                None => None,
            },
            to_status: status(&change.to_status)?,
            changed_at: change.created_at,
            changed_by_staff: change
                .actor_user_id
                .is_some_and(|actor| Some(actor) != registrant),
            reason: change.reason,
        })
    }
}

/// Why a registration was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum RegistrationCancelReason {
    /// The registrant cancelled.
    Registrant,
    /// The organizer's staff cancelled.
    Staff,
    /// The session was cancelled.
    SessionCancelled,
    /// The registrant declined a waitlist offer.
    OfferDeclined,
    /// A waitlist offer expired unanswered.
    OfferExpired,
}
mirror!(
    RegistrationCancelReason,
    registration::CancelReason,
    [
        Registrant,
        Staff,
        SessionCancelled,
        OfferDeclined,
        OfferExpired
    ]
);

/// Ages of children a program accepts, in months on the session date.
#[derive(Debug, Clone, SimpleObject)]
pub struct ChildAgeRange {
    /// Youngest accepted age in months; null for no lower bound.
    pub min_months: Option<i32>,
    /// Oldest accepted age in months; null for no upper bound.
    pub max_months: Option<i32>,
}

/// A program: a seminar, workshop, class, experience session or fair with its sessions.
/// Published and cancelled programs are public; drafts are seen by the municipality's
/// admins and the organizer's program staff.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct Program {
    #[graphql(skip)]
    pub uuid: Uuid,
    #[graphql(skip)]
    pub model: program::Model,
    /// Kind of program.
    pub kind: ProgramKind,
    /// Title, e.g. 女性活躍推進セミナー.
    pub title: String,
    /// One-paragraph summary for lists.
    pub summary: String,
    /// Full description (several lines).
    pub description: String,
    /// Category tags.
    pub categories: Vec<ProgramCategory>,
    /// Who it is for.
    pub audiences: Vec<ProgramAudience>,
    /// Ages of children accepted, if limited.
    pub child_age_range: Option<ChildAgeRange>,
    /// Only residents of the municipality may register (signed in with a resident account).
    pub residents_only: bool,
    /// Largest party (adults and children) one registration may bring.
    pub max_party_size: i32,
    /// Fee in yen per party (0 = free).
    pub fee_yen: i32,
    /// Accessibility notes (barrier-free access, nursing room, …).
    pub accessibility_notes: Option<String>,
    /// Where it stands.
    pub status: ProgramStatus,
    /// When it was first published.
    pub published_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<program::Model> for Program {
    fn from(model: program::Model) -> Self {
        let child_age_range = (model.child_min_age_months.is_some()
            || model.child_max_age_months.is_some())
        .then_some(ChildAgeRange {
            min_months: model.child_min_age_months,
            max_months: model.child_max_age_months,
        });
        Self {
            uuid: model.id,
            kind: model.kind.into(),
            title: model.title.clone(),
            summary: model.summary.clone(),
            description: model.description.clone(),
            categories: decode_set::<program::ProgramCategory>(&model.categories)
                .into_iter()
                .map(Into::into)
                .collect(),
            audiences: decode_set::<program::Audience>(&model.audiences)
                .into_iter()
                .map(Into::into)
                .collect(),
            child_age_range,
            residents_only: model.residents_only,
            max_party_size: model.max_party_size,
            fee_yen: model.fee_yen,
            accessibility_notes: model.accessibility_notes.clone(),
            status: model.status.into(),
            published_at: model.published_at,
            created_at: model.created_at,
            updated_at: model.updated_at,
            model,
        }
    }
}

#[ComplexObject]
impl Program {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("Program", self.uuid)
    }

    /// The municipality running it.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Option<Municipality>> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(loader
            .load_one(MunicipalityId(self.model.municipality_id))
            .await?
            .map(Municipality::from))
    }

    /// The organizer organization (museum, library, support centre, …).
    async fn organizer(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(loader
            .load_one(OrganizationId(self.model.organizer_organization_id))
            .await?
            .map(Organization::from))
    }

    /// Its sessions by start time.
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only sessions that have not started and are not cancelled.",
            default
        )]
        upcoming_only: bool,
    ) -> Result<Vec<ProgramSession>> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        let now = Utc::now();
        Ok(loader
            .load_one(SessionsOfProgram(self.uuid))
            .await?
            .unwrap_or_default()
            .into_iter()
            .filter(|session| {
                !upcoming_only
                    || (session.starts_at > now
                        && session.status == program_session::SessionStatus::Scheduled)
            })
            .map(ProgramSession::from)
            .collect())
    }

    /// Satisfaction survey answers (満足度); null unless you manage the program.
    async fn survey_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only sessions of this fiscal year (年度, April–March).")]
        fiscal_year: Option<i32>,
    ) -> Result<Option<SurveySummary>> {
        let (_, viewer) = context(ctx)?;
        if !service::viewer_manages(viewer, &self.model) {
            return Ok(None);
        }
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        let scores = loader
            .load_one(SurveyScoresOf {
                program_id: self.uuid,
                fiscal_year,
            })
            .await?
            .unwrap_or_default();
        Ok(Some(service::SurveySummary::of(scores).into()))
    }
}

/// Satisfaction survey answers summarized.
#[derive(Debug, Clone, SimpleObject)]
pub struct SurveySummary {
    /// Number of answers.
    pub responses: u64,
    /// Mean score (1–5); null without answers.
    pub mean_score: Option<f64>,
    /// Share (0–1) of answers scoring 4 or 5; null without answers.
    pub satisfied_share: Option<f64>,
}

impl From<service::SurveySummary> for SurveySummary {
    fn from(summary: service::SurveySummary) -> Self {
        Self {
            responses: summary.responses,
            mean_score: summary.mean_score,
            satisfied_share: summary.satisfied_share,
        }
    }
}

/// One date of a program, with its places and registration window.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct ProgramSession {
    #[graphql(skip)]
    pub model: program_session::Model,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Venue, e.g. 前橋市男女共同参画センター 研修室; null for online sessions.
    pub venue: Option<String>,
    /// Whether it takes place online (the link is shown to confirmed registrants).
    pub is_online: bool,
    /// Seats, in people (adults and children who stay with them).
    pub capacity: i32,
    /// Children the 託児 can look after during the session.
    pub childcare_slots: i32,
    /// Seats still free (places held by open waitlist offers are not free).
    pub seats_remaining: i32,
    /// Childcare slots still free.
    pub childcare_slots_remaining: i32,
    /// When registration opens.
    pub registration_opens_at: DateTime<Utc>,
    /// When registration closes.
    pub registration_closes_at: DateTime<Utc>,
    /// Until when registrants may cancel a confirmed place themselves.
    pub cancellation_deadline: DateTime<Utc>,
    /// Whether it takes place.
    pub status: ProgramSessionStatus,
    /// When it was cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
}

impl From<program_session::Model> for ProgramSession {
    fn from(model: program_session::Model) -> Self {
        Self {
            starts_at: model.starts_at,
            ends_at: model.ends_at,
            venue: model.venue.clone(),
            is_online: model.online_url.is_some(),
            capacity: model.capacity,
            childcare_slots: model.childcare_slots,
            seats_remaining: (model.capacity - model.seats_taken).max(0),
            childcare_slots_remaining: (model.childcare_slots - model.childcare_taken).max(0),
            registration_opens_at: model.registration_opens_at,
            registration_closes_at: model.registration_closes_at,
            cancellation_deadline: model.cancellation_deadline,
            status: model.status.into(),
            cancelled_at: model.cancelled_at,
            cancel_reason: model.cancel_reason.clone(),
            model,
        }
    }
}

impl ProgramSession {
    async fn program_model(&self, ctx: &Context<'_>) -> Result<Option<program::Model>> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        loader.load_one(ProgramById(self.model.program_id)).await
    }

    async fn managed(&self, ctx: &Context<'_>) -> Result<bool> {
        let (_, viewer) = context(ctx)?;
        if viewer.user.is_none() {
            return Ok(false);
        }
        Ok(self
            .program_model(ctx)
            .await?
            .is_some_and(|program| service::viewer_manages(viewer, &program)))
    }
}

#[ComplexObject]
impl ProgramSession {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("ProgramSession", self.model.id)
    }

    /// The program.
    async fn program(&self, ctx: &Context<'_>) -> Result<Option<Program>> {
        Ok(self.program_model(ctx).await?.map(Program::from))
    }

    /// Whether registration is open right now.
    async fn registration_open(&self) -> bool {
        let now = Utc::now();
        self.model.status == program_session::SessionStatus::Scheduled
            && self.model.registration_opens_at <= now
            && now < self.model.registration_closes_at
    }

    /// Parties waiting for places.
    async fn waitlist_length(&self, ctx: &Context<'_>) -> Result<i32> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        let waiting = loader
            .load_one(WaitlistOf(self.model.id))
            .await?
            .unwrap_or_default();
        Ok(i32::try_from(waiting.len()).unwrap_or(i32::MAX))
    }

    /// The online link; null unless you hold a confirmed place or manage the program.
    async fn online_url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let Some(url) = &self.model.online_url else {
            return Ok(None);
        };
        let (_, viewer) = context(ctx)?;
        let Some(me) = &viewer.user else {
            return Ok(None);
        };
        if self.managed(ctx).await? {
            return Ok(Some(url.clone()));
        }
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        let confirmed = loader
            .load_one(ConfirmedPlace {
                user_id: me.id,
                session_id: self.model.id,
            })
            .await?
            .unwrap_or(false);
        Ok(confirmed.then(|| url.clone()))
    }

    /// Registrations per status (出席者数); null unless you manage the program.
    async fn attendance(&self, ctx: &Context<'_>) -> Result<Option<SessionAttendance>> {
        if !self.managed(ctx).await? {
            return Ok(None);
        }
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        let counts = loader
            .load_one(AttendanceOf(self.model.id))
            .await?
            .unwrap_or_default();
        Ok(Some(SessionAttendance {
            confirmed: counts.confirmed,
            attended: counts.attended,
            attended_people: counts.attended_people,
            no_show: counts.no_show,
            waitlisted: counts.waitlisted,
            offered: counts.offered,
        }))
    }

    /// The roster in registration order, with personal data (the program's managers only).
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn registrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these statuses (all when empty).", default)] status: Vec<
            RegistrationStatus,
        >,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<RegistrationConnection> {
        let (state, viewer) = context(ctx)?;
        let page = PageArgs::new(first, after, last, before);
        let statuses = status.into_iter().map(Into::into).collect();
        Ok(
            service::list_roster(state, viewer, &self.model, statuses, page)
                .await
                .extend()?
                .into_connection(),
        )
    }
}

/// Registrations of one session per status.
#[derive(Debug, Clone, SimpleObject)]
pub struct SessionAttendance {
    /// Parties confirmed and not yet checked in.
    pub confirmed: u64,
    /// Parties checked in.
    pub attended: u64,
    /// People (adults and children) checked in.
    pub attended_people: u64,
    /// Parties marked no-show.
    pub no_show: u64,
    /// Parties waiting.
    pub waitlisted: u64,
    /// Parties with an open waitlist offer.
    pub offered: u64,
}

/// A child in a registered party.
#[derive(Debug, Clone, SimpleObject)]
pub struct RegisteredChild {
    /// Birth date, if given.
    pub birth_date: Option<NaiveDate>,
    /// Age in whole months on the session date (Asia/Tokyo).
    pub age_months_at_session: i32,
    /// Whether the child stays in the 託児 during the session.
    pub needs_childcare: bool,
}

impl From<registration_child::Model> for RegisteredChild {
    fn from(model: registration_child::Model) -> Self {
        Self {
            birth_date: model.birth_date,
            age_months_at_session: model.age_months_at_session,
            needs_childcare: model.needs_childcare,
        }
    }
}

/// Who registered: an account holder or a guest (personal data).
#[derive(Debug, Clone, SimpleObject)]
pub struct Registrant {
    /// Name.
    pub name: String,
    /// Kana reading (フリガナ).
    pub name_kana: String,
    /// Email address.
    pub email: String,
    /// Phone number; null for account holders.
    pub phone: Option<String>,
    /// Whether they registered as a guest, without an account.
    pub guest: bool,
}

/// A satisfaction survey answer.
#[derive(Debug, Clone, SimpleObject)]
pub struct SurveyResponse {
    /// 1 (dissatisfied) – 5 (very satisfied).
    pub score: i32,
    /// Comment, if any.
    pub comment: Option<String>,
    /// Fiscal year (年度) of the session.
    pub fiscal_year: i32,
    /// When it was answered.
    pub submitted_at: DateTime<Utc>,
}

impl From<program_survey::Model> for SurveyResponse {
    fn from(model: program_survey::Model) -> Self {
        Self {
            score: i32::from(model.score),
            comment: model.comment,
            fiscal_year: model.fiscal_year,
            submitted_at: model.submitted_at,
        }
    }
}

/// A party's registration for a session. Seen only by its registrant and the program's
/// managers.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct Registration {
    #[graphql(skip)]
    pub model: registration::Model,
    /// Where it stands.
    pub status: RegistrationStatus,
    /// Adults in the party.
    pub adults: i32,
    /// Children in the party.
    pub child_count: i32,
    /// Seats the party takes (adults and children who stay with them).
    pub seats: i32,
    /// Childcare slots the party takes.
    pub childcare_slots: i32,
    /// Until when a waitlist offer holds; null unless offered.
    pub offer_expires_at: Option<DateTime<Utc>>,
    /// Short code to show at the reception (受付番号).
    pub check_in_code: String,
    /// When the party was checked in.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// When it was cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why it was cancelled.
    pub cancel_reason: Option<RegistrationCancelReason>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl From<registration::Model> for Registration {
    fn from(model: registration::Model) -> Self {
        Self {
            status: model.status.into(),
            adults: model.adults,
            child_count: model.children,
            seats: model.seats,
            childcare_slots: model.childcare,
            offer_expires_at: model.offer_expires_at,
            check_in_code: model.check_in_code.clone(),
            checked_in_at: model.checked_in_at,
            cancelled_at: model.cancelled_at,
            cancel_reason: model.cancel_reason.map(Into::into),
            created_at: model.created_at,
            model,
        }
    }
}

impl From<service::Registered> for Registration {
    fn from(registered: service::Registered) -> Self {
        registered.registration.into()
    }
}

#[ComplexObject]
impl Registration {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("Registration", self.model.id)
    }

    /// The session.
    async fn session(&self, ctx: &Context<'_>) -> Result<Option<ProgramSession>> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        Ok(loader
            .load_one(SessionById(self.model.session_id))
            .await?
            .map(ProgramSession::from))
    }

    /// The program.
    async fn program(&self, ctx: &Context<'_>) -> Result<Option<Program>> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        Ok(loader
            .load_one(ProgramById(self.model.program_id))
            .await?
            .map(Program::from))
    }

    /// The children with their ages on the session date.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<RegisteredChild>> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        Ok(loader
            .load_one(ChildrenOf(self.model.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(RegisteredChild::from)
            .collect())
    }

    /// Every change of status, oldest first: registered, offered, confirmed, cancelled, …
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<RegistrationStatusChange>> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        let registrant = self.model.user_id;
        Ok(loader
            .load_one(HistoryOf(self.model.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .filter_map(|change| RegistrationStatusChange::new(change, registrant))
            .collect())
    }

    /// Position on the waitlist (1 = next); null unless waitlisted.
    async fn waitlist_position(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        if self.model.status != registration::RegistrationStatus::Waitlisted {
            return Ok(None);
        }
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        let waiting = loader
            .load_one(WaitlistOf(self.model.session_id))
            .await?
            .unwrap_or_default();
        Ok(waiting
            .iter()
            .position(|id| *id == self.model.id)
            .and_then(|index| i32::try_from(index + 1).ok()))
    }

    /// Who registered.
    async fn registrant(&self, ctx: &Context<'_>) -> Result<Option<Registrant>> {
        let Some(user_id) = self.model.user_id else {
            return Ok(Some(Registrant {
                name: self.model.guest_name.clone().unwrap_or_default(),
                name_kana: self.model.guest_kana.clone().unwrap_or_default(),
                email: self.model.guest_email.clone().unwrap_or_default(),
                phone: self.model.guest_phone.clone(),
                guest: true,
            }));
        };
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(loader
            .load_one(UserId(user_id))
            .await?
            .map(|user| Registrant {
                name: user.display_name,
                name_kana: user.display_name_kana,
                email: user.email,
                phone: None,
                guest: false,
            }))
    }

    /// The online link of the session, once the place is confirmed.
    async fn online_url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        use registration::RegistrationStatus as S;
        if !matches!(self.model.status, S::Confirmed | S::Attended) {
            return Ok(None);
        }
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        Ok(loader
            .load_one(SessionById(self.model.session_id))
            .await?
            .and_then(|session| session.online_url))
    }

    /// The satisfaction survey answer, once given.
    async fn survey(&self, ctx: &Context<'_>) -> Result<Option<SurveyResponse>> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        Ok(loader
            .load_one(SurveyOf(self.model.id))
            .await?
            .map(SurveyResponse::from))
    }
}

/// What happened to one of your registrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum RegistrationEventKind {
    /// Your party's places are confirmed.
    Confirmed,
    /// Your party joined the waitlist.
    Waitlisted,
    /// Places were freed for your party: accept before the offer expires.
    Offered,
    /// Your offer expired and passed on.
    OfferExpired,
    /// Your registration was cancelled.
    Cancelled,
    /// The session was cancelled; your registration with it.
    SessionCancelled,
    /// Your party was checked in.
    CheckedIn,
}

impl RegistrationEventKind {
    /// The kind of an event-bus topic, if it is a registration topic.
    pub fn from_topic(topic: &str) -> Option<Self> {
        Some(match topic.strip_prefix("programs.registration.")? {
            "confirmed" => Self::Confirmed,
            "waitlisted" => Self::Waitlisted,
            "offered" => Self::Offered,
            "offer_expired" => Self::OfferExpired,
            "cancelled" => Self::Cancelled,
            "session_cancelled" => Self::SessionCancelled,
            "checked_in" => Self::CheckedIn,
            _ => return None,
        })
    }
}

/// A change to one of your registrations, as it happens.
#[derive(Debug, Clone, SimpleObject)]
pub struct RegistrationEvent {
    /// What happened.
    pub kind: RegistrationEventKind,
    /// Global id of the registration (fetch it with `node`).
    pub registration_id: ID,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

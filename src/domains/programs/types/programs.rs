//! Programs and their sessions: the two objects reference each other (a program lists its
//! sessions, a session names its program), so they live together; with survey summaries
//! and attendance.

use async_graphql::{
    ComplexObject, Context, ID, Result, ResultExt, SimpleObject, dataloader::DataLoader,
};
use chrono::{DateTime, Utc};
use entity::{program, program_session};
use uuid::Uuid;

use super::{
    ProgramAudience, ProgramCategory, ProgramKind, ProgramSessionStatus, ProgramStatus,
    RegistrationConnection, RegistrationStatus,
};
use crate::graphql::ids::NodeKind;
use crate::share;
use crate::{
    domains::{
        identity::{
            loaders::{IdentityLoader, MunicipalityId, OrganizationId},
            types::{Municipality, Organization},
        },
        programs::{
            loaders::{
                AttendanceOf, ConfirmedPlace, ProgramById, ProgramsLoader, SessionsOfProgram,
                SurveyScoresOf, WaitlistOf,
            },
            registration::decode_set,
            service,
        },
    },
    graphql::{connection::page_cost, context, ids},
};

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
    /// Reading of the title in katakana (フリガナ), e.g. ジョセイカツヤクスイシンセミナー, if
    /// given.
    pub title_reading: Option<String>,
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
    /// When its first session not cancelled starts; null while it has none.
    pub starts_at: Option<DateTime<Utc>>,
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
            title_reading: model.title_reading.clone(),
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
            starts_at: (model.first_session_at != service::no_session_yet())
                .then_some(model.first_session_at),
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
        ids::encode(NodeKind::Program, self.uuid)
    }

    /// The municipality running it.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Municipality> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        crate::graphql::present(
            loader
                .load_one(MunicipalityId(self.model.municipality_id))
                .await?
                .map(Municipality::from),
            "municipality",
        )
    }

    /// The organizer organization (museum, library, support centre, …).
    async fn organizer(&self, ctx: &Context<'_>) -> Result<Organization> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        crate::graphql::present(
            loader
                .load_one(OrganizationId(self.model.organizer_organization_id))
                .await?
                .map(Organization::from),
            "organizer",
        )
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
        let now = crate::db::now();
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
        fiscal_year
            .map(crate::fiscal::checked_year)
            .transpose()
            .extend()?;
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
    /// Mean score (1–5), rounded half up to two decimals; null without answers.
    pub mean_score: Option<f64>,
    /// Percent of answers scoring 4 or 5, rounded half up to one decimal (1 of 3 is 33.3);
    /// null without answers.
    pub satisfied_percent: Option<f64>,
    /// Share (0–1) of answers scoring 4 or 5, rounded to four decimals; null without
    /// answers.
    #[graphql(deprecation = "Use satisfiedPercent")]
    pub satisfied_share: Option<f64>,
}

impl From<service::SurveySummary> for SurveySummary {
    fn from(summary: service::SurveySummary) -> Self {
        Self {
            responses: summary.responses,
            mean_score: summary.mean_score.map(|mean| share::round_to(mean, 2)),
            satisfied_percent: share::percent_of_counts(summary.satisfied, summary.responses),
            satisfied_share: share::fraction_of_counts(summary.satisfied, summary.responses),
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
        ids::encode(NodeKind::ProgramSession, self.model.id)
    }

    /// The program.
    async fn program(&self, ctx: &Context<'_>) -> Result<Program> {
        crate::graphql::present(self.program_model(ctx).await?.map(Program::from), "program")
    }

    /// Whether registration is open right now.
    async fn registration_open(&self) -> bool {
        let now = crate::db::now();
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
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        let statuses = status.into_iter().map(Into::into).collect();
        Ok(
            service::list_roster(state.into(), viewer, &self.model, statuses, page)
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

//! Programs and their sessions: the two objects reference each other (a program lists its
//! sessions, a session names its program), so they live together; with survey summaries
//! and attendance.

use async_graphql::{Context, ID, Object, Result, ResultExt, SimpleObject, dataloader::DataLoader};
use chrono::{DateTime, Utc};
use entity::{program, program_session};
use tokio::sync::OnceCell;
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
            loaders::{IdentityLoader, municipality, organization},
            types::{Municipality, Organization},
        },
        programs::{
            loaders::{
                AttendanceOf, ConfirmedPlace, ProgramById, ProgramsLoader, SessionById,
                SessionCardsOf, SessionsOfProgram, SurveyScoresOf, WaitlistOf,
            },
            registration::decode_set,
            service::{self, ProgramCard, SessionCard},
        },
    },
    graphql::{
        connection::{asks_only, page_cost},
        context, ids,
    },
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
///
/// Its fields are read from the row when asked for, so a list pays only for what it shows.
/// A list that asks only for [`Program::CARD_FIELDS`] reads cards; any other field reads the
/// whole row once, through the loader.
#[derive(Debug, Clone)]
pub struct Program {
    pub uuid: Uuid,
    card: ProgramCard,
    whole: OnceCell<program::Model>,
}

impl From<program::Model> for Program {
    fn from(model: program::Model) -> Self {
        Self {
            uuid: model.id,
            card: ProgramCard::from(&model),
            whole: OnceCell::new_with(Some(model)),
        }
    }
}

impl From<ProgramCard> for Program {
    fn from(card: ProgramCard) -> Self {
        Self {
            uuid: card.id,
            card,
            whole: OnceCell::new(),
        }
    }
}

impl Program {
    /// The fields a [`ProgramCard`] answers without the whole row.
    pub const CARD_FIELDS: &[&str] = &[
        "id",
        "kind",
        "title",
        "summary",
        "status",
        "startsAt",
        "municipality",
        "organizer",
        "sessions",
    ];

    /// Where it stands.
    pub fn status(&self) -> ProgramStatus {
        self.card.status.into()
    }

    /// The whole row: as read, or read now (once) when the program came as a card.
    async fn whole(&self, ctx: &Context<'_>) -> Result<&program::Model> {
        self.whole
            .get_or_try_init(|| async {
                let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
                crate::graphql::present(loader.load_one(ProgramById(self.uuid)).await?, "program")
            })
            .await
    }
}

/// A program: a seminar, workshop, class, experience session or fair with its sessions.
/// Published and cancelled programs are public; drafts are seen by the municipality's
/// admins and the organizer's program staff.
// `serial`: the fields of one program resolve one after another. A list resolves its items
// at once, so loaders still batch across the items, and each item saves the set of
// concurrent tasks async-graphql otherwise makes for its fields (see `bench/read-paths.sh`).
#[Object(serial)]
impl Program {
    /// Kind of program.
    async fn kind(&self) -> ProgramKind {
        self.card.kind.into()
    }

    /// Title, e.g. 女性活躍推進セミナー.
    async fn title(&self) -> &str {
        &self.card.title
    }

    /// Reading of the title in katakana (フリガナ), e.g. ジョセイカツヤクスイシンセミナー, if
    /// given.
    async fn title_reading(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(self.whole(ctx).await?.title_reading.as_deref())
    }

    /// One-paragraph summary for lists.
    async fn summary(&self) -> &str {
        &self.card.summary
    }

    /// Full description (several lines).
    async fn description(&self, ctx: &Context<'_>) -> Result<&str> {
        Ok(&self.whole(ctx).await?.description)
    }

    /// Category tags.
    async fn categories(&self, ctx: &Context<'_>) -> Result<Vec<ProgramCategory>> {
        Ok(
            decode_set::<program::ProgramCategory>(&self.whole(ctx).await?.categories)
                .into_iter()
                .map(Into::into)
                .collect(),
        )
    }

    /// Who it is for.
    async fn audiences(&self, ctx: &Context<'_>) -> Result<Vec<ProgramAudience>> {
        Ok(
            decode_set::<program::Audience>(&self.whole(ctx).await?.audiences)
                .into_iter()
                .map(Into::into)
                .collect(),
        )
    }

    /// Ages of children accepted, if limited.
    async fn child_age_range(&self, ctx: &Context<'_>) -> Result<Option<ChildAgeRange>> {
        let model = self.whole(ctx).await?;
        Ok(
            (model.child_min_age_months.is_some() || model.child_max_age_months.is_some())
                .then_some(ChildAgeRange {
                    min_months: model.child_min_age_months,
                    max_months: model.child_max_age_months,
                }),
        )
    }

    /// Only residents of the municipality may register (signed in with a resident account).
    async fn residents_only(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.whole(ctx).await?.residents_only)
    }

    /// Largest party (adults and children) one registration may bring.
    async fn max_party_size(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(self.whole(ctx).await?.max_party_size)
    }

    /// Fee in yen per party (0 = free).
    async fn fee_yen(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(self.whole(ctx).await?.fee_yen)
    }

    /// Accessibility notes (barrier-free access, nursing room, …).
    async fn accessibility_notes(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(self.whole(ctx).await?.accessibility_notes.as_deref())
    }

    /// Where it stands.
    #[graphql(name = "status")]
    async fn status_field(&self) -> ProgramStatus {
        self.status()
    }

    /// When it was first published.
    async fn published_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        Ok(self.whole(ctx).await?.published_at)
    }

    /// When its first session not cancelled starts; null while it has none.
    async fn starts_at(&self) -> Option<DateTime<Utc>> {
        (self.card.first_session_at != service::no_session_yet())
            .then_some(self.card.first_session_at)
    }

    /// When it was created.
    async fn created_at(&self, ctx: &Context<'_>) -> Result<DateTime<Utc>> {
        Ok(self.whole(ctx).await?.created_at)
    }

    /// When it last changed.
    async fn updated_at(&self, ctx: &Context<'_>) -> Result<DateTime<Utc>> {
        Ok(self.whole(ctx).await?.updated_at)
    }

    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Program, self.uuid)
    }

    /// The municipality running it.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Municipality> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        crate::graphql::present(
            municipality(loader, self.card.municipality_id)
                .await?
                .map(Municipality::from),
            "municipality",
        )
    }

    /// The organizer organization (museum, library, support centre, …).
    async fn organizer(&self, ctx: &Context<'_>) -> Result<Organization> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        crate::graphql::present(
            organization(loader, self.card.organizer_organization_id)
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
        let key = SessionsOfProgram {
            program_id: self.uuid,
            upcoming: upcoming_only,
        };
        Ok(if asks_only(&ctx.field(), ProgramSession::CARD_FIELDS) {
            sessions_as(loader.load_one(SessionCardsOf(key)).await?)
        } else {
            sessions_as(loader.load_one(key).await?)
        })
    }

    /// Satisfaction survey answers (満足度); null unless you manage the program.
    async fn survey_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only sessions of this fiscal year (年度, April–March).")]
        fiscal_year: Option<i32>,
    ) -> Result<Option<SurveySummary>> {
        let (_, viewer) = context(ctx)?;
        if !service::viewer_manages(viewer, self.whole(ctx).await?) {
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
///
/// Its fields are read from the row when asked for, so a list pays only for what it shows.
/// A list that asks only for [`ProgramSession::CARD_FIELDS`] reads cards; any other field
/// reads the whole row once, through the loader.
#[derive(Debug, Clone)]
pub struct ProgramSession {
    card: SessionCard,
    whole: OnceCell<program_session::Model>,
}

impl From<program_session::Model> for ProgramSession {
    fn from(model: program_session::Model) -> Self {
        Self {
            card: SessionCard::from(&model),
            whole: OnceCell::new_with(Some(model)),
        }
    }
}

impl From<SessionCard> for ProgramSession {
    fn from(card: SessionCard) -> Self {
        Self {
            card,
            whole: OnceCell::new(),
        }
    }
}

/// Sessions as GraphQL objects, none for a program without any.
fn sessions_as<R: Into<ProgramSession>>(rows: Option<Vec<R>>) -> Vec<ProgramSession> {
    rows.unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect()
}

impl ProgramSession {
    /// The fields a [`SessionCard`] answers without the whole row.
    pub const CARD_FIELDS: &[&str] = &[
        "id",
        "startsAt",
        "endsAt",
        "capacity",
        "seatsRemaining",
        "status",
        "registrationOpensAt",
        "registrationClosesAt",
        "registrationOpen",
        "program",
        "waitlistLength",
        "attendance",
    ];

    /// The whole row: as read, or read now (once) when the session came as a card.
    async fn whole(&self, ctx: &Context<'_>) -> Result<&program_session::Model> {
        self.whole
            .get_or_try_init(|| async {
                let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
                crate::graphql::present(
                    loader.load_one(SessionById(self.card.id)).await?,
                    "session",
                )
            })
            .await
    }

    async fn program_model(&self, ctx: &Context<'_>) -> Result<Option<program::Model>> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        loader.load_one(ProgramById(self.card.program_id)).await
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

/// One date of a program, with its places and registration window.
// `serial`, as `Program`: a list's items resolve at once, each item's fields in turn.
#[Object(serial)]
impl ProgramSession {
    /// Start.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.card.starts_at
    }

    /// End.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.card.ends_at
    }

    /// Venue, e.g. 前橋市男女共同参画センター 研修室; null for online sessions.
    async fn venue(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(self.whole(ctx).await?.venue.as_deref())
    }

    /// Whether it takes place online (the link is shown to confirmed registrants).
    async fn is_online(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.whole(ctx).await?.online_url.is_some())
    }

    /// Seats, in people (adults and children who stay with them).
    async fn capacity(&self) -> i32 {
        self.card.capacity
    }

    /// Children the 託児 can look after during the session.
    async fn childcare_slots(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(self.whole(ctx).await?.childcare_slots)
    }

    /// Seats still free (places held by open waitlist offers are not free).
    async fn seats_remaining(&self) -> i32 {
        (self.card.capacity - self.card.seats_taken).max(0)
    }

    /// Childcare slots still free.
    async fn childcare_slots_remaining(&self, ctx: &Context<'_>) -> Result<i32> {
        let whole = self.whole(ctx).await?;
        Ok((whole.childcare_slots - whole.childcare_taken).max(0))
    }

    /// When registration opens.
    async fn registration_opens_at(&self) -> DateTime<Utc> {
        self.card.registration_opens_at
    }

    /// When registration closes.
    async fn registration_closes_at(&self) -> DateTime<Utc> {
        self.card.registration_closes_at
    }

    /// Until when registrants may cancel a confirmed place themselves.
    async fn cancellation_deadline(&self, ctx: &Context<'_>) -> Result<DateTime<Utc>> {
        Ok(self.whole(ctx).await?.cancellation_deadline)
    }

    /// Whether it takes place.
    async fn status(&self) -> ProgramSessionStatus {
        self.card.status.into()
    }

    /// When it was cancelled.
    async fn cancelled_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        Ok(self.whole(ctx).await?.cancelled_at)
    }

    /// Why it was cancelled.
    async fn cancel_reason(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(self.whole(ctx).await?.cancel_reason.as_deref())
    }

    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::ProgramSession, self.card.id)
    }

    /// The program.
    async fn program(&self, ctx: &Context<'_>) -> Result<Program> {
        crate::graphql::present(self.program_model(ctx).await?.map(Program::from), "program")
    }

    /// Whether registration is open right now.
    async fn registration_open(&self) -> bool {
        let now = crate::db::now();
        self.card.status == program_session::SessionStatus::Scheduled
            && self.card.registration_opens_at <= now
            && now < self.card.registration_closes_at
    }

    /// Parties waiting for places.
    async fn waitlist_length(&self, ctx: &Context<'_>) -> Result<i32> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        let waiting = loader
            .load_one(WaitlistOf(self.card.id))
            .await?
            .unwrap_or_default();
        Ok(i32::try_from(waiting.len()).unwrap_or(i32::MAX))
    }

    /// The online link; null unless you hold a confirmed place or manage the program.
    async fn online_url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let Some(url) = &self.whole(ctx).await?.online_url else {
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
                session_id: self.card.id,
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
            .load_one(AttendanceOf(self.card.id))
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
        let session = self.whole(ctx).await?;
        // Boxed: async-graphql boxes the future of every field of a session at the size of
        // the largest, and the roster's read (paging and the access log) is by far the
        // largest.
        let roster = Box::pin(service::list_roster(
            state.into(),
            viewer,
            session,
            statuses,
            page,
        ));
        Ok(roster.await.extend()?.into_connection())
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

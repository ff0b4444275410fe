//! Registrations, their history, children, registrant, survey and events.

use async_graphql::{
    ComplexObject, Context, Enum, ID, Result, SimpleObject, dataloader::DataLoader,
};
use chrono::{DateTime, Utc};
use entity::{program_survey, registration, registration_child, registration_status_change};
use uuid::Uuid;

use crate::domains::programs::{
    loaders::{
        ChildrenOf, HistoryOf, ProgramById, ProgramsLoader, SessionById, SurveyOf, WaitlistOf,
    },
    service,
};
use crate::graphql::ids::NodeKind;
use crate::graphql::scalars::Date;
use crate::{
    domains::identity::loaders::{IdentityLoader, UserId},
    graphql::ids,
};

use super::{
    RegistrationCancelReason, RegistrationStatus,
    programs::{Program, ProgramSession},
};

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

/// A child in a registered party.
#[derive(Debug, Clone, SimpleObject)]
pub struct RegisteredChild {
    /// Birth date, if given.
    pub birth_date: Option<Date>,
    /// Age in whole months on the session date (Asia/Tokyo).
    pub age_months_at_session: i32,
    /// Whether the child stays in the 託児 during the session.
    pub needs_childcare: bool,
}

impl From<registration_child::Model> for RegisteredChild {
    fn from(model: registration_child::Model) -> Self {
        Self {
            birth_date: model.birth_date.map(Into::into),
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
        ids::encode(NodeKind::Registration, self.model.id)
    }

    /// The session.
    async fn session(&self, ctx: &Context<'_>) -> Result<ProgramSession> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        crate::graphql::present(
            loader
                .load_one(SessionById(self.model.session_id))
                .await?
                .map(ProgramSession::from),
            "session",
        )
    }

    /// The program.
    async fn program(&self, ctx: &Context<'_>) -> Result<Program> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        crate::graphql::present(
            loader
                .load_one(ProgramById(self.model.program_id))
                .await?
                .map(Program::from),
            "program",
        )
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

    /// What the registration's check-in QR code encodes: its id and check-in code, signed
    /// by the server so that it cannot be guessed or altered. Show it as a QR code; staff
    /// scan it into `checkInRegistration(qrPayload:)`.
    async fn check_in_qr_payload(&self, ctx: &Context<'_>) -> Result<String> {
        let (state, _) = crate::graphql::context(ctx)?;
        Ok(service::check_in_payload(&state.limits, &self.model))
    }

    /// Where the registrant downloads the session as an iCalendar event: a path of this
    /// server, to call with the registrant's bearer token or with `?token=` and the guest's
    /// manage token.
    async fn calendar_path(&self) -> String {
        format!(
            "/calendar/registrations/{}.ics",
            ids::encode(NodeKind::Registration, self.model.id).as_str()
        )
    }

    /// Whether municipal or program staff made the registration on the party's behalf
    /// (a walk-in at the door) rather than the registrant.
    async fn created_by_staff(&self, ctx: &Context<'_>) -> Result<bool> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        let registrant = self.model.user_id;
        Ok(loader
            .load_one(HistoryOf(self.model.id))
            .await?
            .unwrap_or_default()
            .iter()
            .find(|change| change.from_status.is_none())
            .and_then(|change| change.actor_user_id)
            .is_some_and(|actor| Some(actor) != registrant))
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

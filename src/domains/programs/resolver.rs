//! GraphQL entry points of the programs domain: adapters of a few lines over the service.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result, ResultExt, Subscription};
use entity::program;
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use super::{
    inputs::{
        CancelProgramSessionInput, CancelProgramSessionPayload, CheckInRegistrationInput,
        CreateProgramInput, CreateProgramPayload, CreateProgramSessionsInput,
        CreateProgramSessionsPayload, MarkNoShowsInput, MarkNoShowsPayload,
        MessageSessionRegistrantsInput, MessageSessionRegistrantsPayload, ProgramFilter,
        ProgramOrderBy, ProgramSessionFilter, RegisterForSeriesInput, RegisterForSeriesPayload,
        RegisterForSessionInput, RegisterForSessionPayload, RegisterWalkInInput,
        RegisterWalkInPayload, RegistrationPayload, RegistrationRefInput, SubmitProgramSurveyInput,
        SubmitProgramSurveyPayload, UpdateProgramInput, UpdateProgramPayload,
        UpdateProgramSessionInput, UpdateProgramSessionPayload,
    },
    service::{self, CheckInRef, RegistrationRef},
    types::{
        Program, ProgramConnection, ProgramKind, ProgramSession, ProgramSessionConnection,
        Registration, RegistrationConnection, RegistrationEvent, RegistrationEventKind,
        SurveySummary,
    },
};
use crate::graphql::guard::SignedIn;
use crate::graphql::ids::NodeKind;
use crate::{
    error::AppError,
    graphql::{
        connection::{items_ask_only, page_cost},
        context, ids,
        payload::split,
    },
};

/// Queries of the programs domain.
#[derive(Default)]
pub struct ProgramsQuery;

#[Object]
impl ProgramsQuery {
    /// Programs you can see (published and cancelled ones for everyone, drafts for their
    /// managers), newest first unless `orderBy` says otherwise.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn programs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which programs.", default)] filter: ProgramFilter,
        #[graphql(desc = "Order of the list.", default)] order_by: ProgramOrderBy,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<ProgramConnection> {
        let (state, viewer) = context(ctx)?;
        let filter = service::ProgramFilter::try_from(filter).extend()?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        let cards = items_ask_only(ctx, Program::CARD_FIELDS);
        let (ctx, order) = (state.into(), order_by.into());
        Ok(if cards {
            service::list_programs::<service::ProgramCard>(ctx, viewer, filter, order, page)
                .await
                .extend()?
                .into_connection()
        } else {
            service::list_programs::<program::Model>(ctx, viewer, filter, order, page)
                .await
                .extend()?
                .into_connection()
        })
    }

    /// Sessions of programs you can see, by start time.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn program_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which sessions.", default)] filter: ProgramSessionFilter,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<ProgramSessionConnection> {
        let (state, viewer) = context(ctx)?;
        let filter = service::SessionFilter::try_from(filter).extend()?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(service::list_sessions(state.into(), viewer, filter, page)
            .await
            .extend()?
            .into_connection())
    }

    /// Your own registrations, newest first.
    #[graphql(
        guard = "SignedIn",
        complexity = "page_cost(first, last, child_complexity)"
    )]
    async fn my_registrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<RegistrationConnection> {
        let (state, viewer) = context(ctx)?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(service::list_my_registrations(state.into(), viewer, page)
            .await
            .extend()?
            .into_connection())
    }

    /// A guest's registration by its manage token; null if the token is unknown.
    async fn registration_by_manage_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The manage token returned by `registerForSession`.")]
        manage_token: String,
    ) -> Result<Option<Registration>> {
        let (state, _) = context(ctx)?;
        match service::find_by_manage_token(state.into(), &manage_token).await {
            Ok(registration) => Ok(Some(registration.into())),
            Err(AppError::NotFound) => Ok(None),
            Err(error) => Err(error.extend()),
        }
    }

    /// Satisfaction survey answers of a municipality's programs (its admins), optionally of
    /// one kind and one fiscal year (年度).
    async fn program_survey_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the municipality.")] municipality_id: ID,
        #[graphql(desc = "Only programs of this kind.")] kind: Option<ProgramKind>,
        #[graphql(desc = "Only sessions of this fiscal year (April–March).")] fiscal_year: Option<
            i32,
        >,
    ) -> Result<SurveySummary> {
        let (state, viewer) = context(ctx)?;
        let municipality_id = ids::decode_as(&municipality_id, NodeKind::Municipality).extend()?;
        Ok(service::municipality_survey_summary(
            state.into(),
            viewer,
            municipality_id,
            kind.map(Into::into),
            fiscal_year,
        )
        .await
        .extend()?
        .into())
    }
}

/// Mutations of the programs domain.
#[derive(Default)]
pub struct ProgramsMutation;

#[Object]
impl ProgramsMutation {
    /// Create a program (admins of the municipality, or program staff for their own
    /// organization), as a draft or published.
    #[graphql(guard = "SignedIn")]
    async fn create_program(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new program.")] input: CreateProgramInput,
    ) -> Result<CreateProgramPayload> {
        let (state, viewer) = context(ctx)?;
        let new_program = service::NewProgram::try_from(input).extend()?;
        let outcome = service::create_program(state.into(), viewer, new_program)
            .await
            .extend()?;
        let (program, user_errors) = split(outcome);
        Ok(CreateProgramPayload {
            program,
            user_errors,
        })
    }

    /// Change a program you manage; publish or cancel it.
    #[graphql(guard = "SignedIn")]
    async fn update_program(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The program and its changes.")] input: UpdateProgramInput,
    ) -> Result<UpdateProgramPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::Program).extend()?;
        let changes = input.into();
        let outcome = service::update_program(state.into(), viewer, id, changes)
            .await
            .extend()?;
        let (program, user_errors) = split(outcome);
        Ok(UpdateProgramPayload {
            program,
            user_errors,
        })
    }

    /// Add a session, or a weekly or monthly series of sessions, to a program you manage.
    #[graphql(guard = "SignedIn")]
    async fn create_program_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session (or first of the series).")]
        input: CreateProgramSessionsInput,
    ) -> Result<CreateProgramSessionsPayload> {
        let (state, viewer) = context(ctx)?;
        let new_sessions = service::NewSessions::try_from(input).extend()?;
        let outcome = service::create_sessions(state.into(), viewer, new_sessions)
            .await
            .extend()?;
        Ok(match outcome {
            Ok(sessions) => CreateProgramSessionsPayload {
                sessions: sessions.into_iter().map(ProgramSession::from).collect(),
                user_errors: Vec::new(),
            },
            Err(errors) => CreateProgramSessionsPayload {
                sessions: Vec::new(),
                user_errors: errors.into_iter().map(Into::into).collect(),
            },
        })
    }

    /// Change a session of a program you manage (times, venue, places, deadlines).
    #[graphql(guard = "SignedIn")]
    async fn update_program_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session and its changes.")] input: UpdateProgramSessionInput,
    ) -> Result<UpdateProgramSessionPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::ProgramSession).extend()?;
        let changes = input.into();
        let outcome = service::update_session(state.into(), viewer, id, changes)
            .await
            .extend()?;
        let (session, user_errors) = split(outcome);
        Ok(UpdateProgramSessionPayload {
            session,
            user_errors,
        })
    }

    /// Cancel a session of a program you manage: every registration is cancelled, every
    /// seat released and every registrant notified.
    #[graphql(guard = "SignedIn")]
    async fn cancel_program_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session and the reason.")] input: CancelProgramSessionInput,
    ) -> Result<CancelProgramSessionPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::ProgramSession).extend()?;
        let outcome = service::cancel_session(state.into(), viewer, id, &input.reason)
            .await
            .extend()?;
        let (session, user_errors) = split(outcome);
        Ok(CancelProgramSessionPayload {
            session,
            user_errors,
        })
    }

    /// Register a party for a session, signed in or as a guest. Confirmed if the whole
    /// party fits (seats and childcare slots), else waitlisted; never a partial party.
    /// Limited per client address.
    async fn register_for_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session and the party.")] input: RegisterForSessionInput,
    ) -> Result<RegisterForSessionPayload> {
        let (state, viewer) = context(ctx)?;
        let new_registration = service::NewRegistration::try_from(input).extend()?;
        let outcome = service::register(state.into(), viewer, new_registration)
            .await
            .extend()?;
        Ok(match outcome {
            Ok(registered) => RegisterForSessionPayload {
                manage_token: registered.manage_token.clone(),
                registration: Some(registered.into()),
                user_errors: Vec::new(),
            },
            Err(errors) => RegisterForSessionPayload {
                registration: None,
                manage_token: None,
                user_errors: errors.into_iter().map(Into::into).collect(),
            },
        })
    }

    /// Register your party for every upcoming session of a program (a weekly class) in one
    /// call. Each session is registered on its own, so its capacity holds: confirmed where
    /// the party fits, waitlisted where it does not, refused with reasons where a rule says
    /// no. Sessions done before a failure stay registered; retry with the same key.
    #[graphql(guard = "SignedIn")]
    async fn register_for_series(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The program and the party.")] input: RegisterForSeriesInput,
    ) -> Result<RegisterForSeriesPayload> {
        let (state, viewer) = context(ctx)?;
        let series = service::SeriesRegistration::try_from(input).extend()?;
        let outcome = service::register_for_series(state.into(), viewer, series)
            .await
            .extend()?;
        Ok(match outcome {
            Ok(results) => RegisterForSeriesPayload {
                sessions: results.into_iter().map(Into::into).collect(),
                user_errors: Vec::new(),
            },
            Err(errors) => RegisterForSeriesPayload {
                sessions: Vec::new(),
                user_errors: errors.into_iter().map(Into::into).collect(),
            },
        })
    }

    /// Send a message to the confirmed registrants of a session you manage (and, if asked,
    /// the waitlisted ones) through their notification channels, once per idempotency key.
    #[graphql(guard = "SignedIn")]
    async fn message_session_registrants(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session and the message.")] input: MessageSessionRegistrantsInput,
    ) -> Result<MessageSessionRegistrantsPayload> {
        let (state, viewer) = context(ctx)?;
        let message = service::SessionMessage::try_from(input).extend()?;
        let outcome = service::message_registrants(state.into(), viewer, message)
            .await
            .extend()?;
        Ok(match outcome {
            Ok(sent) => MessageSessionRegistrantsPayload {
                recipient_count: sent.recipients,
                queued_count: sent.queued,
                user_errors: Vec::new(),
            },
            Err(errors) => MessageSessionRegistrantsPayload {
                recipient_count: 0,
                queued_count: 0,
                user_errors: errors.into_iter().map(Into::into).collect(),
            },
        })
    }

    /// Register a walk-in guest party at the door (staff of the program), optionally checking
    /// it in at once. Capacity holds: confirmed if the whole party fits, else waitlisted.
    #[graphql(guard = "SignedIn")]
    async fn register_walk_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session, the guest and the party.")] input: RegisterWalkInInput,
    ) -> Result<RegisterWalkInPayload> {
        let (state, viewer) = context(ctx)?;
        let walk_in = service::WalkIn::try_from(input).extend()?;
        let outcome = service::register_walk_in(state.into(), viewer, walk_in)
            .await
            .extend()?;
        Ok(match outcome {
            Ok(registered) => RegisterWalkInPayload {
                manage_token: registered.manage_token.clone(),
                registration: Some(registered.into()),
                user_errors: Vec::new(),
            },
            Err(errors) => RegisterWalkInPayload {
                registration: None,
                manage_token: None,
                user_errors: errors.into_iter().map(Into::into).collect(),
            },
        })
    }

    /// Cancel a registration: yours (a confirmed place until the cancellation deadline), or
    /// any of a program you manage. Freed places are offered to the waitlist.
    async fn cancel_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The registration.")] input: RegistrationRefInput,
    ) -> Result<RegistrationPayload> {
        let (state, viewer) = context(ctx)?;
        let reference = RegistrationRef::try_from(input).extend()?;
        let outcome = service::cancel_registration(state.into(), viewer, reference)
            .await
            .extend()?;
        let (registration, user_errors) = split(outcome);
        Ok(RegistrationPayload {
            registration,
            user_errors,
        })
    }

    /// Accept the waitlist offer of your registration before it expires: the places become
    /// yours.
    async fn accept_waitlist_offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The registration.")] input: RegistrationRefInput,
    ) -> Result<RegistrationPayload> {
        let (state, viewer) = context(ctx)?;
        let reference = RegistrationRef::try_from(input).extend()?;
        let outcome = service::respond_to_offer(state.into(), viewer, reference, true)
            .await
            .extend()?;
        let (registration, user_errors) = split(outcome);
        Ok(RegistrationPayload {
            registration,
            user_errors,
        })
    }

    /// Decline the waitlist offer of your registration: it leaves the waitlist and the
    /// places pass on.
    async fn decline_waitlist_offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The registration.")] input: RegistrationRefInput,
    ) -> Result<RegistrationPayload> {
        let (state, viewer) = context(ctx)?;
        let reference = RegistrationRef::try_from(input).extend()?;
        let outcome = service::respond_to_offer(state.into(), viewer, reference, false)
            .await
            .extend()?;
        let (registration, user_errors) = split(outcome);
        Ok(RegistrationPayload {
            registration,
            user_errors,
        })
    }

    /// Check a confirmed party in (staff of the program), from two hours before the start.
    #[graphql(guard = "SignedIn")]
    async fn check_in_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The registration, or the session and check-in code.")]
        input: CheckInRegistrationInput,
    ) -> Result<RegistrationPayload> {
        let (state, viewer) = context(ctx)?;
        let reference = CheckInRef::try_from(input).extend()?;
        let outcome = service::check_in(state.into(), viewer, reference)
            .await
            .extend()?;
        let (registration, user_errors) = split(outcome);
        Ok(RegistrationPayload {
            registration,
            user_errors,
        })
    }

    /// After a session ended, mark its confirmed registrations not checked in as no-shows.
    #[graphql(guard = "SignedIn")]
    async fn mark_no_shows(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session.")] input: MarkNoShowsInput,
    ) -> Result<MarkNoShowsPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.session_id, NodeKind::ProgramSession).extend()?;
        let outcome = service::mark_no_shows(state.into(), viewer, id)
            .await
            .extend()?;
        Ok(match outcome {
            Ok((session, marked_count)) => MarkNoShowsPayload {
                session: Some(session.into()),
                marked_count,
                user_errors: Vec::new(),
            },
            Err(errors) => MarkNoShowsPayload {
                session: None,
                marked_count: 0,
                user_errors: errors.into_iter().map(Into::into).collect(),
            },
        })
    }

    /// Answer the satisfaction survey of a session you attended (once).
    async fn submit_program_survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The registration and the answer.")] input: SubmitProgramSurveyInput,
    ) -> Result<SubmitProgramSurveyPayload> {
        let (state, viewer) = context(ctx)?;
        let reference = RegistrationRef::try_from(input.registration).extend()?;
        let outcome =
            service::submit_survey(state.into(), viewer, reference, input.score, input.comment)
                .await
                .extend()?;
        let (survey, user_errors) = split(outcome);
        Ok(SubmitProgramSurveyPayload {
            survey,
            user_errors,
        })
    }
}

/// Subscriptions of the programs domain.
#[derive(Default)]
pub struct ProgramsSubscription;

#[Subscription]
impl ProgramsSubscription {
    /// Changes to your own registrations as they happen: confirmations, waitlist offers,
    /// expiries, cancellations (a cancelled session included) and check-ins.
    #[graphql(guard = "SignedIn")]
    async fn my_registration_events(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = RegistrationEvent> + use<>> {
        let (state, viewer) = context(ctx)?;
        let me = viewer.require_user().extend()?.id;
        let events = BroadcastStream::new(state.events.subscribe());
        Ok(events.filter_map(move |event| async move {
            let event = event.ok()?;
            if event.user_id != Some(me) {
                return None;
            }
            Some(RegistrationEvent {
                kind: RegistrationEventKind::from_topic(&event.topic)?,
                registration_id: ids::encode(NodeKind::Registration, event.subject_id),
                occurred_at: event.occurred_at,
            })
        }))
    }
}

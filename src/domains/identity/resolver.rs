//! GraphQL entry points of the identity domain: adapters of a few lines over the service.

use async_graphql::{Context, Object, Result, ResultExt, Subscription};
use futures_util::{Stream, StreamExt};
use secrecy::SecretString;
use tokio_stream::wrappers::BroadcastStream;

use super::{
    inputs::{
        ChangePasswordInput, ChangePasswordPayload, CreateOrganizationInput,
        CreateOrganizationPayload, CreateUserInput, CreateUserPayload, DeactivateUserInput,
        DeactivateUserPayload, LogInInput, LogInPayload, LogOutInput, LogOutPayload, SignUpInput,
        SignUpPayload, UpdateUserInput, UpdateUserPayload, UserFilter, UserOrderBy,
    },
    service::{self, SignedIn},
    types::{
        AccountEvent, AccountEventKind, Municipality, MunicipalityConnection, Session, User,
        UserConnection,
    },
};
use crate::graphql::guard::{RoleGuard, SignedIn as SignedInGuard};
use crate::graphql::ids::NodeKind;
use crate::{
    auth::ADMINS,
    graphql::{connection::page_cost, context, ids, payload::split},
};

/// Queries of the identity domain.
#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The signed-in user, or null for anonymous visitors.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let (state, viewer) = context(ctx)?;
        Ok(service::me(state.into(), &state.sessions, viewer)
            .await
            .extend()?
            .map(User::from))
    }

    /// Municipalities using tsunagu, by JIS code.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn municipalities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<MunicipalityConnection> {
        let (state, _) = context(ctx)?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(service::list_municipalities(state.into(), page)
            .await
            .extend()?
            .into_connection())
    }

    /// One municipality by its JIS code, e.g. `14384` for 真鶴町.
    async fn municipality(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Five-digit local government code.")] jis_code: String,
    ) -> Result<Option<Municipality>> {
        let (state, _) = context(ctx)?;
        Ok(service::find_municipality_by_code(&state.db, &jis_code)
            .await
            .extend()?
            .map(Municipality::from))
    }

    /// Accounts the viewer administers (administrators only).
    #[graphql(
        guard = "RoleGuard(ADMINS)",
        complexity = "page_cost(first, last, child_complexity)"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which accounts.", default)] filter: UserFilter,
        #[graphql(desc = "Order of the list.", default)] order_by: UserOrderBy,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<UserConnection> {
        let (state, viewer) = context(ctx)?;
        let filter = service::UserFilter::try_from(filter).extend()?;
        let order = order_by.into();
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(
            service::list_users(state.into(), viewer, filter, order, page)
                .await
                .extend()?
                .into_connection(),
        )
    }
}

/// Mutations of the identity domain.
#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Create a resident account in a municipality and sign in. Rate-limited per client.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account.")] input: SignUpInput,
    ) -> Result<SignUpPayload> {
        let (state, viewer) = context(ctx)?;
        let outcome = service::sign_up(state.into(), viewer, input.into())
            .await
            .extend()?;
        let (session, user_errors) = split::<SignedIn, Session>(outcome);
        Ok(SignUpPayload {
            session,
            user_errors,
        })
    }

    /// Sign in with email and password. Too many failures lock the email for a while
    /// (`RATE_LIMITED` with `retryAfterSeconds`).
    async fn log_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Email and password.")] input: LogInInput,
    ) -> Result<LogInPayload> {
        let (state, viewer) = context(ctx)?;
        let password = SecretString::from(input.password);
        let outcome = service::log_in(state.into(), viewer, &input.email, password)
            .await
            .extend()?;
        let (session, user_errors) = split::<SignedIn, Session>(outcome);
        Ok(LogInPayload {
            session,
            user_errors,
        })
    }

    /// Sign out: end this session, or every session of the account.
    #[graphql(guard = "SignedInGuard")]
    async fn log_out(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which sessions to end; this one by default.", default)]
        input: LogOutInput,
    ) -> Result<LogOutPayload> {
        let (state, viewer) = context(ctx)?;
        let ended_sessions = service::log_out(state.into(), viewer, input.everywhere)
            .await
            .extend()?;
        Ok(LogOutPayload {
            ended_sessions,
            user_errors: Vec::new(),
        })
    }

    /// Change your own password: give the current one and a new one that passes the same
    /// strength rules as sign-up. A wrong current password counts as a failed login (too
    /// many lock the account for a while: `RATE_LIMITED`). Every other session of the
    /// account ends at once (this one stays signed in), and you receive a message that
    /// cannot be turned off.
    #[graphql(guard = "SignedInGuard")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The current and the new password.")] input: ChangePasswordInput,
    ) -> Result<ChangePasswordPayload> {
        let (state, viewer) = context(ctx)?;
        let current = SecretString::from(input.current_password);
        let new = SecretString::from(input.new_password);
        let outcome = service::change_password(state.into(), viewer, current, new)
            .await
            .extend()?;
        Ok(match outcome {
            Ok(changed) => ChangePasswordPayload {
                user: Some(changed.user.into()),
                ended_sessions: changed.ended_sessions,
                user_errors: Vec::new(),
            },
            Err(errors) => ChangePasswordPayload {
                user: None,
                ended_sessions: 0,
                user_errors: errors.into_iter().map(Into::into).collect(),
            },
        })
    }

    /// Create an account (administrators: municipal admins in their own municipality,
    /// platform admins anywhere).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account.")] input: CreateUserInput,
    ) -> Result<CreateUserPayload> {
        let (state, viewer) = context(ctx)?;
        let new_user = service::NewUser::try_from(input).extend()?;
        let outcome = service::create_user(state.into(), viewer, new_user)
            .await
            .extend()?;
        let (user, user_errors) = split(outcome);
        Ok(CreateUserPayload { user, user_errors })
    }

    /// Change an account: your own names, or (administrators) names, role and organization
    /// of accounts you administer.
    #[graphql(guard = "SignedInGuard")]
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account and its changes.")] input: UpdateUserInput,
    ) -> Result<UpdateUserPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::User).extend()?;
        let changes = service::UserChanges::try_from(input).extend()?;
        let outcome = service::update_user(state.into(), viewer, id, changes)
            .await
            .extend()?;
        let (user, user_errors) = split(outcome);
        Ok(UpdateUserPayload { user, user_errors })
    }

    /// Deactivate an account you administer; its sessions end at once.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account to deactivate.")] input: DeactivateUserInput,
    ) -> Result<DeactivateUserPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::User).extend()?;
        let outcome = service::deactivate_user(state.into(), viewer, id)
            .await
            .extend()?;
        let (user, user_errors) = split(outcome);
        Ok(DeactivateUserPayload { user, user_errors })
    }

    /// Register an organization in a municipality you administer.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new organization.")] input: CreateOrganizationInput,
    ) -> Result<CreateOrganizationPayload> {
        let (state, viewer) = context(ctx)?;
        let new_organization = service::NewOrganization::try_from(input).extend()?;
        let outcome = service::create_organization(state.into(), viewer, new_organization)
            .await
            .extend()?;
        let (organization, user_errors) = split(outcome);
        Ok(CreateOrganizationPayload {
            organization,
            user_errors,
        })
    }
}

impl From<SignedIn> for Session {
    fn from(signed_in: SignedIn) -> Self {
        Self {
            token: signed_in.session.token,
            expires_at: signed_in.session.expires_at,
            user: signed_in.user.into(),
        }
    }
}

/// Subscriptions of the identity domain.
#[derive(Default)]
pub struct IdentitySubscription;

#[Subscription]
impl IdentitySubscription {
    /// Changes to your own account as they happen (for example a deactivation, so the
    /// frontend can sign out).
    #[graphql(guard = "SignedInGuard")]
    async fn account_events(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = AccountEvent> + use<>> {
        let (state, viewer) = context(ctx)?;
        let me = viewer.require_user().extend()?.id;
        let events = BroadcastStream::new(state.events.subscribe());
        Ok(events.filter_map(move |event| async move {
            let event = event.ok()?;
            if event.user_id != Some(me) {
                return None;
            }
            let kind = match event.topic.as_str() {
                crate::auth::session::ACCOUNT_UPDATED => AccountEventKind::Updated,
                crate::auth::session::ACCOUNT_DEACTIVATED => AccountEventKind::Deactivated,
                crate::auth::session::PASSWORD_CHANGED => AccountEventKind::PasswordChanged,
                _ => return None,
            };
            Some(AccountEvent {
                kind,
                user_id: ids::encode(NodeKind::User, event.subject_id),
                occurred_at: event.occurred_at,
            })
        }))
    }
}

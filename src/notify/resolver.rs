//! The inbox in the schema: `myNotifications`, `unreadNotificationCount`, the marks, the
//! guests' opt-out, and the `notificationReceived` subscription.

use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, Object, Result, ResultExt, SimpleObject,
    Subscription,
};
use chrono::{DateTime, Utc};
use entity::notification;
use futures_util::{Stream, StreamExt};
use sea_orm::EntityTrait;
use tokio_stream::wrappers::BroadcastStream;

use super::{
    deliveries, inbox, opt_out,
    preferences::{self, Catalogue},
};
use crate::{
    auth::Role,
    connection,
    error::{AppError, FieldError, FieldErrorCode},
    graphql::{
        connection::{page_args, page_cost},
        context,
        guard::{RoleGuard, SignedIn},
        ids::{self, NodeKind},
        payload::UserError,
    },
    state::ServiceContext,
};

connection!(Notification, NotificationConnection, NotificationEdge);

/// A message to the signed-in reader in the in-app inbox.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct Notification {
    #[graphql(skip)]
    pub uuid: uuid::Uuid,
    /// What it is about, e.g. `programs.place_offered` (the README lists every kind).
    pub kind: String,
    /// Subject line (Japanese).
    pub title: String,
    /// The message (Japanese plain text).
    pub body: String,
    #[graphql(skip)]
    pub path: Option<String>,
    /// Whether it has been read.
    pub read: bool,
    /// When it was read.
    pub read_at: Option<DateTime<Utc>>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

impl From<notification::Model> for Notification {
    fn from(model: notification::Model) -> Self {
        Self {
            uuid: model.id,
            kind: model.kind,
            title: model.title,
            body: model.body,
            path: model.link,
            read: model.unread == 0,
            read_at: model.read_at,
            created_at: model.created_at,
        }
    }
}

#[ComplexObject]
impl Notification {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Notification, self.uuid)
    }

    /// Where to act on it in the frontend (an absolute URL).
    async fn link(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let (state, _) = context(ctx)?;
        Ok(self
            .path
            .as_deref()
            .map(|path| super::link(&state.limits.notify, path)))
    }
}

/// Input of `markNotificationRead`.
#[derive(Debug, InputObject)]
pub struct MarkNotificationReadInput {
    /// The message (a `Notification` id).
    pub id: ID,
}

/// Result of `markNotificationRead`.
#[derive(Debug, SimpleObject)]
pub struct MarkNotificationReadPayload {
    /// The message, now read.
    pub notification: Option<Notification>,
    /// Why nothing was marked (an unknown id, or somebody else's message).
    pub user_errors: Vec<UserError>,
}

/// Result of `markAllNotificationsRead`.
#[derive(Debug, SimpleObject)]
pub struct MarkAllNotificationsReadPayload {
    /// How many messages were unread and are now read.
    pub marked: u64,
    /// Always empty; present for uniformity.
    pub user_errors: Vec<UserError>,
}

/// Input of `optOutOfNotifications`.
#[derive(Debug, InputObject)]
pub struct OptOutOfNotificationsInput {
    /// The token of the link at the end of the email.
    pub token: String,
}

/// Result of `optOutOfNotifications`.
#[derive(Debug, SimpleObject)]
pub struct OptOutOfNotificationsPayload {
    /// The kind of message no longer sent to the address.
    pub kind: Option<String>,
    /// Why nothing changed (an unknown token).
    pub user_errors: Vec<UserError>,
}

/// A way of hearing of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum NotificationChannel {
    /// The in-app inbox (and its live subscription).
    Inbox,
    /// Email to the account's address.
    Email,
}

impl NotificationChannel {
    fn code(self) -> &'static str {
        match self {
            Self::Inbox => super::INBOX,
            Self::Email => super::EMAIL,
        }
    }
}

/// How you hear of one kind of message.
#[derive(Debug, Clone, SimpleObject)]
pub struct NotificationPreference {
    /// The kind, e.g. `programs.place_offered`.
    pub kind: String,
    /// What the kind is, in Japanese.
    pub label: String,
    /// Whether the kind cannot be turned off (only moved between channels): you must act
    /// on it or know of it for a booking to hold.
    pub required: bool,
    /// Shown in the in-app inbox.
    pub inbox: bool,
    /// Sent by email.
    pub email: bool,
}

impl From<preferences::Preference> for NotificationPreference {
    fn from(preference: preferences::Preference) -> Self {
        Self {
            kind: preference.kind.code.to_owned(),
            label: preference.kind.label.to_owned(),
            required: preference.kind.required,
            inbox: preference.inbox,
            email: preference.email,
        }
    }
}

/// Input of `setNotificationPreference`.
#[derive(Debug, InputObject)]
pub struct SetNotificationPreferenceInput {
    /// The kind, e.g. `programs.registration_confirmed`.
    pub kind: String,
    /// The channel to turn on or off.
    pub channel: NotificationChannel,
    /// On or off.
    pub enabled: bool,
}

/// Result of `setNotificationPreference`.
#[derive(Debug, SimpleObject)]
pub struct SetNotificationPreferencePayload {
    /// How you now hear of the kind.
    pub preference: Option<NotificationPreference>,
    /// Why nothing changed (an unknown kind, or the last channel of a required kind).
    pub user_errors: Vec<UserError>,
}

connection!(
    NotificationDelivery,
    NotificationDeliveryConnection,
    NotificationDeliveryEdge
);

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum NotificationDeliveryState {
    /// Not tried yet.
    Pending,
    /// The last attempt failed (see `lastError`); it will be tried again at `nextAttemptAt`.
    Failed,
    /// Accepted by the channel (the mail server, or the inbox).
    Sent,
    /// No more attempts: refused for good, or failed too many times (see `lastError`).
    GivenUp,
}

impl From<deliveries::DeliveryState> for NotificationDeliveryState {
    fn from(state: deliveries::DeliveryState) -> Self {
        match state {
            deliveries::DeliveryState::Pending => Self::Pending,
            deliveries::DeliveryState::Failed => Self::Failed,
            deliveries::DeliveryState::Sent => Self::Sent,
            deliveries::DeliveryState::GivenUp => Self::GivenUp,
        }
    }
}

impl From<NotificationDeliveryState> for deliveries::DeliveryState {
    fn from(state: NotificationDeliveryState) -> Self {
        match state {
            NotificationDeliveryState::Pending => Self::Pending,
            NotificationDeliveryState::Failed => Self::Failed,
            NotificationDeliveryState::Sent => Self::Sent,
            NotificationDeliveryState::GivenUp => Self::GivenUp,
        }
    }
}

/// The delivery of one message on one channel, as staff see it.
#[derive(Debug, Clone, SimpleObject)]
pub struct NotificationDelivery {
    /// What the message is about, e.g. `relocation.inquiry_received`.
    pub kind: String,
    /// Its subject line (Japanese).
    pub title: String,
    /// The channel.
    pub channel: Option<NotificationChannel>,
    /// The recipient's address, masked (`ha***@example.jp`) for every viewer: enough to
    /// tell whether it went to the right person, not to write to them.
    pub recipient: String,
    /// Whether it went to a guest (an address typed in a form) rather than an account.
    pub to_guest: bool,
    /// Where it stands.
    pub state: NotificationDeliveryState,
    /// Attempts so far.
    pub attempts: i32,
    /// Why the last attempt failed, with addresses masked.
    pub last_error: Option<String>,
    /// When the message was written (with the change it reports).
    pub created_at: DateTime<Utc>,
    /// When it was accepted by the channel.
    pub sent_at: Option<DateTime<Utc>>,
    /// When it will be tried next, while not sent and not given up.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl From<deliveries::DeliveryView> for NotificationDelivery {
    fn from(view: deliveries::DeliveryView) -> Self {
        let next_attempt_at = deliveries::next_attempt(&view);
        Self {
            kind: view.notification.kind,
            title: view.notification.title,
            channel: match view.delivery.channel.as_str() {
                super::INBOX => Some(NotificationChannel::Inbox),
                super::EMAIL => Some(NotificationChannel::Email),
                _ => None,
            },
            recipient: view.recipient,
            to_guest: view.notification.user_id.is_none(),
            state: view.state.into(),
            attempts: view.delivery.attempts,
            last_error: view.last_error,
            created_at: view.delivery.created_at,
            sent_at: view.delivery.sent_at,
            next_attempt_at,
        }
    }
}

/// Which deliveries to list.
#[derive(Debug, Default, InputObject)]
pub struct NotificationDeliveryFilter {
    /// Only this kind, e.g. `relocation.appointment_scheduled`.
    pub kind: Option<String>,
    /// Only this channel.
    pub channel: Option<NotificationChannel>,
    /// Only deliveries in this state.
    pub state: Option<NotificationDeliveryState>,
    /// Only messages about this relocation inquiry (one you may read; else `NOT_FOUND`).
    pub inquiry_id: Option<ID>,
}

fn catalogue<'a>(ctx: &Context<'a>) -> Result<&'a Catalogue> {
    ctx.data::<Catalogue>()
}

/// Queries of the inbox.
#[derive(Default)]
pub struct NotifyQuery;

#[Object]
impl NotifyQuery {
    /// Your messages: unread first, newest first within each.
    #[graphql(
        guard = "SignedIn",
        complexity = "page_cost(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn my_notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the unread ones.", default)] unread_only: bool,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<NotificationConnection> {
        let (state, viewer) = context(ctx)?;
        let page = page_args(ctx, first, after, last, before);
        Ok(inbox::list_mine(state.into(), viewer, unread_only, page)
            .await
            .extend()?
            .into_connection())
    }

    /// How you hear of each kind of message (every channel is on until you turn it off).
    #[graphql(guard = "SignedIn")]
    async fn my_notification_preferences(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<NotificationPreference>> {
        let (state, viewer) = context(ctx)?;
        Ok(
            preferences::list_mine(state.into(), viewer, catalogue(ctx)?)
                .await
                .extend()?
                .into_iter()
                .map(NotificationPreference::from)
                .collect(),
        )
    }

    /// Whether messages went out (staff): a concierge sees the deliveries of messages about
    /// the inquiries they hold, a municipal administrator those of their municipality, a
    /// platform administrator all. Newest first. Recipients are masked.
    #[graphql(
        guard = "RoleGuard(&[Role::PlatformAdmin, Role::MunicipalAdmin, Role::Concierge])",
        complexity = "page_cost(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn notification_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which deliveries.", default)] filter: NotificationDeliveryFilter,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<NotificationDeliveryConnection> {
        let (state, viewer) = context(ctx)?;
        let inquiry_id = filter
            .inquiry_id
            .as_ref()
            .map(|id| ids::decode_as(id, NodeKind::RelocationInquiry))
            .transpose()
            .extend()?;
        let filter = deliveries::DeliveryFilter {
            kind: filter.kind,
            channel: filter.channel.map(NotificationChannel::code),
            state: filter.state.map(Into::into),
            inquiry_id,
        };
        let page = page_args(ctx, first, after, last, before);
        Ok(deliveries::list(state.into(), viewer, filter, page)
            .await
            .extend()?
            .into_connection())
    }

    /// How many of your messages are unread.
    #[graphql(guard = "SignedIn")]
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<u64> {
        let (state, viewer) = context(ctx)?;
        inbox::unread_count(state.into(), viewer).await.extend()
    }
}

/// Mutations of the inbox and of guests' opt-out.
#[derive(Default)]
pub struct NotifyMutation;

#[Object]
impl NotifyMutation {
    /// Mark one of your messages read.
    #[graphql(guard = "SignedIn")]
    async fn mark_notification_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which message.")] input: MarkNotificationReadInput,
    ) -> Result<MarkNotificationReadPayload> {
        let (state, viewer) = context(ctx)?;
        let not_found = || MarkNotificationReadPayload {
            notification: None,
            user_errors: vec![UserError::from(FieldError::input(
                "id",
                FieldErrorCode::NotFound,
                "お知らせが見つかりません。",
            ))],
        };
        let Ok(id) = ids::decode_as(&input.id, NodeKind::Notification) else {
            return Ok(not_found());
        };
        match inbox::mark_read(state.into(), viewer, id).await {
            Ok(model) => Ok(MarkNotificationReadPayload {
                notification: Some(model.into()),
                user_errors: Vec::new(),
            }),
            Err(AppError::NotFound) => Ok(not_found()),
            Err(error) => Err(error).extend(),
        }
    }

    /// Turn a channel on or off for one kind of message to you. A required kind keeps at
    /// least one channel.
    #[graphql(guard = "SignedIn")]
    async fn set_notification_preference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The kind, the channel and on or off.")]
        input: SetNotificationPreferenceInput,
    ) -> Result<SetNotificationPreferencePayload> {
        let (state, viewer) = context(ctx)?;
        let outcome = preferences::set_mine(
            state.into(),
            viewer,
            catalogue(ctx)?,
            &input.kind,
            input.channel.code(),
            input.enabled,
        )
        .await
        .extend()?;
        let (preference, user_errors) = crate::graphql::payload::split(outcome);
        Ok(SetNotificationPreferencePayload {
            preference,
            user_errors,
        })
    }

    /// Mark every one of your messages read.
    #[graphql(guard = "SignedIn")]
    async fn mark_all_notifications_read(
        &self,
        ctx: &Context<'_>,
    ) -> Result<MarkAllNotificationsReadPayload> {
        let (state, viewer) = context(ctx)?;
        let marked = inbox::mark_all_read(state.into(), viewer).await.extend()?;
        Ok(MarkAllNotificationsReadPayload {
            marked,
            user_errors: Vec::new(),
        })
    }

    /// Stop the kind of message an email to a guest was, with the token of its opt-out link
    /// (no account needed; the same as opening the link).
    async fn opt_out_of_notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token.")] input: OptOutOfNotificationsInput,
    ) -> Result<OptOutOfNotificationsPayload> {
        let (state, _) = context(ctx)?;
        match opt_out::opt_out(ServiceContext::from(state), &input.token).await {
            Ok(done) => Ok(OptOutOfNotificationsPayload {
                kind: Some(done.kind),
                user_errors: Vec::new(),
            }),
            Err(AppError::NotFound) => Ok(OptOutOfNotificationsPayload {
                kind: None,
                user_errors: vec![UserError::from(FieldError::input(
                    "token",
                    FieldErrorCode::NotFound,
                    "配信停止のリンクが正しくありません。",
                ))],
            }),
            Err(error) => Err(error).extend(),
        }
    }
}

/// Subscriptions of the inbox.
#[derive(Default)]
pub struct NotifySubscription;

#[Subscription]
impl NotifySubscription {
    /// Your new messages as they arrive.
    #[graphql(guard = "SignedIn")]
    async fn notification_received(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Notification> + use<>> {
        let (state, viewer) = context(ctx)?;
        let me = viewer.require_user().extend()?.id;
        let db = state.db.clone();
        let events = BroadcastStream::new(state.events.subscribe());
        Ok(events.filter_map(move |event| {
            let db = db.clone();
            async move {
                let event = event.ok()?;
                if event.topic != super::TOPIC_RECEIVED || event.user_id != Some(me) {
                    return None;
                }
                let model = notification::Entity::find_by_id(event.subject_id)
                    .one(&db)
                    .await
                    .ok()??;
                (model.user_id == Some(me)).then(|| model.into())
            }
        }))
    }
}

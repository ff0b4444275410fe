//! Each account's choice, per kind of message and channel, of how it hears: every channel
//! is on until turned off; a kind the reader must not miss keeps at least one channel.

use std::collections::HashSet;

use entity::notification_preference::{self as preference, Column};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::OnConflict,
};
use uuid::Uuid;

use super::{CHANNELS, EMAIL, INBOX, Kind};
use crate::{
    auth::Viewer,
    error::{AppResult, FieldError, FieldErrorCode, Outcome},
    state::ServiceContext,
};

/// Every kind of message of every domain (handed down by the app, which knows them all).
#[derive(Debug, Clone, Default)]
pub struct Catalogue(pub Vec<Kind>);

impl Catalogue {
    fn find(&self, code: &str) -> Option<Kind> {
        self.0.iter().copied().find(|kind| kind.code == code)
    }
}

/// How an account hears of one kind of message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preference {
    /// The kind.
    pub kind: Kind,
    /// In the in-app inbox.
    pub inbox: bool,
    /// By email.
    pub email: bool,
}

/// The channels each account hears each kind on, read once for many messages.
pub(super) struct Channels {
    /// (account, kind code, channel) turned off.
    off: Vec<(Uuid, String, String)>,
}

impl Channels {
    /// The channels `user_id` hears of `kind` on.
    pub(super) fn of(&self, user_id: Uuid, kind: Kind) -> Vec<&'static str> {
        let mut on: Vec<&'static str> = CHANNELS
            .iter()
            .copied()
            .filter(|channel| {
                !self.off.iter().any(|(user, code, off)| {
                    *user == user_id && code == kind.code && off == channel
                })
            })
            .collect();
        if on.is_empty() && kind.required {
            on.push(INBOX);
        }
        on
    }
}

/// The channels of every (account, kind) in `wanted`, in the transaction of the change.
pub(super) async fn channels_of(
    txn: &impl ConnectionTrait,
    wanted: &[(Uuid, Kind)],
) -> Result<Channels, DbErr> {
    if wanted.is_empty() {
        return Ok(Channels { off: Vec::new() });
    }
    let users: HashSet<Uuid> = wanted.iter().map(|(user, _)| *user).collect();
    let kinds: HashSet<&str> = wanted.iter().map(|(_, kind)| kind.code).collect();
    let off = preference::Entity::find()
        .select_only()
        .column(Column::UserId)
        .column(Column::Kind)
        .column(Column::Channel)
        .filter(Column::UserId.is_in(users))
        .filter(Column::Kind.is_in(kinds))
        .filter(Column::Enabled.eq(false))
        .into_tuple()
        .all(txn)
        .await?;
    Ok(Channels { off })
}

/// The signed-in account's choices for every kind.
pub async fn list_mine(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    catalogue: &Catalogue,
) -> AppResult<Vec<Preference>> {
    let me = viewer.require_user()?;
    let rows = preference::Entity::find()
        .filter(Column::UserId.eq(me.id))
        .all(ctx.db)
        .await?;
    let enabled = |kind: &Kind, channel: &str| {
        rows.iter()
            .find(|row| row.kind == kind.code && row.channel == channel)
            .is_none_or(|row| row.enabled)
    };
    Ok(catalogue
        .0
        .iter()
        .map(|kind| Preference {
            kind: *kind,
            inbox: enabled(kind, INBOX),
            email: enabled(kind, EMAIL),
        })
        .collect())
}

/// Turns `channel` on or off for messages of `kind` to the signed-in account. A kind the
/// reader must not miss cannot lose its last channel.
pub async fn set_mine(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    catalogue: &Catalogue,
    kind: &str,
    channel: &'static str,
    enabled: bool,
) -> AppResult<Outcome<Preference>> {
    let me = viewer.require_user()?;
    let Some(kind) = catalogue.find(kind) else {
        return Ok(Err(vec![FieldError::input(
            "kind",
            FieldErrorCode::NotFound,
            "そのお知らせの種類はありません。",
        )]));
    };
    let current = list_mine(ctx, viewer, catalogue)
        .await?
        .into_iter()
        .find(|preference| preference.kind == kind)
        .unwrap_or(Preference {
            kind,
            inbox: true,
            email: true,
        });
    let wanted = Preference {
        inbox: if channel == INBOX {
            enabled
        } else {
            current.inbox
        },
        email: if channel == EMAIL {
            enabled
        } else {
            current.email
        },
        ..current
    };
    if kind.required && !wanted.inbox && !wanted.email {
        return Ok(Err(vec![FieldError::input(
            "enabled",
            FieldErrorCode::NotAllowed,
            format!(
                "「{}」は申込みや予約の有効性にかかわるため、すべての受け取り方を停止することはできません。受け取り方（アプリ内・メール）を切り替えてください。",
                kind.label
            ),
        )]));
    }
    preference::Entity::insert(preference::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(me.id),
        kind: Set(kind.code.to_owned()),
        channel: Set(channel.to_owned()),
        enabled: Set(enabled),
        updated_at: Set(ctx.now()),
    })
    .on_conflict(
        OnConflict::columns([Column::UserId, Column::Kind, Column::Channel])
            .update_columns([Column::Enabled, Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(ctx.db)
    .await?;
    Ok(Ok(wanted))
}

//! Sessions: opaque bearer tokens, stored only as SHA-256 digests, with expiry and
//! revocation.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entity::{session, user};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AuthUser;
use crate::{
    cache::{Generational, Weight},
    error::{AppError, AppResult},
    events::{self, Event},
};

/// Event topic announcing that one session ended (`subject_id` is the session).
pub const SESSION_ENDED: &str = "session.ended";
/// Event topic announcing that every session of an account ended (`subject_id` is the user).
pub const ALL_SESSIONS_ENDED: &str = "session.all_ended";
/// Event topic announcing that an account was deactivated (`subject_id` is the user).
pub const ACCOUNT_DEACTIVATED: &str = "account.deactivated";
/// Event topic announcing that an account's password changed and its other sessions ended
/// (`subject_id` is the user; the session that changed it lives on).
pub const PASSWORD_CHANGED: &str = "account.password_changed";
/// Event topic announcing that an account's role, organization or details changed
/// (`subject_id` is the user).
pub const ACCOUNT_UPDATED: &str = "account.updated";

/// How long a session once looked up is trusted without asking the database again.
/// Ending a session, or changing or deactivating an account, drops every cached session at
/// once on every replica (through the event bus); this bounds what a missed event leaves.
pub const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(30);
/// Most sessions cached.
const CACHE_ITEMS: usize = 100_000;

/// Prefix that makes tokens recognizable in logs and secret scanners.
const TOKEN_PREFIX: &str = "tsu_";

/// A freshly issued session: the token is shown once and never stored.
#[derive(Debug, Clone)]
pub struct IssuedSession {
    /// The bearer token to send as `Authorization: Bearer …`.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Creates a session for `user_id` lasting `ttl`.
pub async fn issue(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    ttl: std::time::Duration,
) -> AppResult<IssuedSession> {
    let mut secret = [0_u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(secret));
    let now = Utc::now();
    let expires_at = now + chrono::Duration::from_std(ttl).map_err(AppError::internal)?;
    session::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        token_hash: Set(digest(&token)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(IssuedSession { token, expires_at })
}

/// A live session as looked up: its user and when it expires.
#[derive(Clone)]
struct Live {
    user: AuthUser,
    expires_at: DateTime<Utc>,
}

impl Weight for Live {}

/// An account as read with one of its sessions, without its password hash.
#[derive(Clone)]
struct Account(std::sync::Arc<user::Model>);

impl Weight for Account {}

/// Sessions recently looked up, by token digest, so that a signed-in request does not read
/// the database to learn who sent it, and their accounts, so that `me` does not either.
/// Only live sessions are kept; see [`CACHE_TTL`].
pub struct SessionCache {
    sessions: Generational<String, Live>,
    accounts: Generational<Uuid, Account>,
}

impl Default for SessionCache {
    fn default() -> Self {
        Self {
            sessions: Generational::new(CACHE_ITEMS, CACHE_ITEMS as u64, CACHE_TTL),
            accounts: Generational::new(CACHE_ITEMS, CACHE_ITEMS as u64, CACHE_TTL),
        }
    }
}

impl SessionCache {
    /// Drops every cached session when `event` may have ended one or changed its account
    /// (a changed password ends the account's other sessions).
    pub fn hear(&self, event: &Event) {
        if matches!(
            event.topic.as_str(),
            SESSION_ENDED
                | ALL_SESSIONS_ENDED
                | ACCOUNT_DEACTIVATED
                | ACCOUNT_UPDATED
                | PASSWORD_CHANGED
                | events::RECONNECTED
        ) {
            self.sessions.invalidate_all();
            self.accounts.invalidate_all();
        }
    }

    /// The account `user_id` as read with one of its sessions lately (without its password
    /// hash), if nothing has changed an account since.
    pub fn account(&self, user_id: Uuid) -> Option<user::Model> {
        self.accounts
            .get(&user_id)
            .map(|Account(model)| model.as_ref().clone())
    }
}

/// The user behind `token`, or `UNAUTHENTICATED` if the token is unknown, expired or
/// revoked, or the account is deactivated. Served from `cache` when the session was looked
/// up lately and nothing has ended a session or changed an account since.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    cache: &SessionCache,
    token: &str,
) -> AppResult<AuthUser> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Err(AppError::Unauthenticated);
    }
    let digest = digest(token);
    if let Some(live) = cache.sessions.get(&digest) {
        return if live.expires_at > Utc::now() {
            Ok(live.user)
        } else {
            Err(AppError::Unauthenticated)
        };
    }
    let generation = cache.sessions.generation();
    let account_generation = cache.accounts.generation();
    let found = session::Entity::find()
        .filter(session::Column::TokenHash.eq(digest.as_str()))
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    let Some((session, Some(user))) = found else {
        return Err(AppError::Unauthenticated);
    };
    if session.revoked_at.is_some()
        || session.expires_at <= Utc::now()
        || user.deactivated_at.is_some()
    {
        return Err(AppError::Unauthenticated);
    }
    let account = user::Model {
        password_hash: String::new(),
        ..user
    };
    let user = AuthUser {
        id: account.id,
        role: account.role,
        municipality_id: account.municipality_id,
        organization_id: account.organization_id,
        session_id: session.id,
    };
    cache.accounts.insert(
        account_generation,
        account.id,
        Account(std::sync::Arc::new(account)),
    );
    cache.sessions.insert(
        generation,
        digest,
        Live {
            user: user.clone(),
            expires_at: session.expires_at,
        },
    );
    Ok(user)
}

/// When session `session_id` expires, or `None` if it has already ended (expired, revoked,
/// or its account deactivated).
pub async fn live_until(
    db: &impl ConnectionTrait,
    session_id: Uuid,
) -> AppResult<Option<DateTime<Utc>>> {
    let found = session::Entity::find_by_id(session_id)
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    Ok(match found {
        Some((session, Some(user)))
            if session.revoked_at.is_none()
                && session.expires_at > Utc::now()
                && user.deactivated_at.is_none() =>
        {
            Some(session.expires_at)
        }
        _ => None,
    })
}

/// Revokes one session.
pub async fn revoke(db: &impl ConnectionTrait, session_id: Uuid) -> AppResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes every live session of `user_id`.
pub async fn revoke_all(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<u64> {
    let result = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Deletes sessions that ended more than `days` ago.
pub async fn prune(db: &impl ConnectionTrait, days: i64) -> AppResult<u64> {
    let cutoff = Utc::now() - chrono::Duration::days(days);
    let result = session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

fn digest(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

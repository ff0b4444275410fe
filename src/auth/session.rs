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
use crate::error::{AppError, AppResult};

/// Event topic announcing that one session ended (`subject_id` is the session).
pub const SESSION_ENDED: &str = "session.ended";
/// Event topic announcing that every session of an account ended (`subject_id` is the user).
pub const ALL_SESSIONS_ENDED: &str = "session.all_ended";
/// Event topic announcing that an account was deactivated (`subject_id` is the user).
pub const ACCOUNT_DEACTIVATED: &str = "account.deactivated";

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

/// The user behind `token`, or `UNAUTHENTICATED` if the token is unknown, expired or
/// revoked, or the account is deactivated.
pub async fn authenticate(db: &impl ConnectionTrait, token: &str) -> AppResult<AuthUser> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Err(AppError::Unauthenticated);
    }
    let found = session::Entity::find()
        .filter(session::Column::TokenHash.eq(digest(token)))
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
    Ok(AuthUser {
        id: user.id,
        role: user.role,
        municipality_id: user.municipality_id,
        organization_id: user.organization_id,
        session_id: session.id,
    })
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

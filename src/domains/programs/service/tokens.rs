//! Check-in codes and manage tokens.

use std::collections::HashSet;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::registration::{self};
use rand::Rng;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QuerySelect, sea_query::Expr,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Characters of check-in codes: no 0/O or 1/I to misread.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

pub(super) async fn by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> AppResult<registration::Model> {
    registration::Entity::find()
        .filter(registration::Column::ManageTokenHash.eq(hash_token(token)))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// `count` check-in codes, different from each other and from every code of the session,
/// checked in one statement per round (a round is repeated only for codes already taken).
pub(super) async fn free_check_in_codes(
    txn: &DatabaseTransaction,
    session_id: Uuid,
    count: usize,
) -> AppResult<Vec<String>> {
    let mut codes: Vec<String> = Vec::with_capacity(count);
    let mut chosen: HashSet<String> = HashSet::with_capacity(count);
    for _ in 0..20 {
        let wanted = count - codes.len();
        if wanted == 0 {
            break;
        }
        let mut candidates = Vec::with_capacity(wanted);
        {
            let mut rng = rand::rng();
            while candidates.len() < wanted {
                let code: String = (0..6)
                    .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
                    .collect();
                if !chosen.contains(&code) && !candidates.contains(&code) {
                    candidates.push(code);
                }
            }
        }
        let taken: HashSet<String> = registration::Entity::find()
            .select_only()
            .column(registration::Column::CheckInCode)
            .filter(registration::Column::SessionId.eq(session_id))
            .filter(registration::Column::CheckInCode.is_in(candidates.iter().map(String::as_str)))
            .into_tuple::<String>()
            .all(txn)
            .await?
            .into_iter()
            .collect();
        for code in candidates {
            if !taken.contains(&code) {
                chosen.insert(code.clone());
                codes.push(code);
            }
        }
    }
    if codes.len() < count {
        return Err(AppError::internal(anyhow::anyhow!(
            "no free check-in code on session {session_id}"
        )));
    }
    Ok(codes)
}

pub(super) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 (hex) of a manage token: what the database keeps.
pub fn hash_token(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.trim().as_bytes()))
}

pub(super) async fn rotate_token(db: &DatabaseConnection, id: Uuid) -> AppResult<String> {
    let token = new_token();
    registration::Entity::update_many()
        .col_expr(
            registration::Column::ManageTokenHash,
            Expr::value(hash_token(&token)),
        )
        .filter(registration::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::{hash_token, new_token};

    #[test]
    fn tokens_are_kept_as_sha256() {
        let token = new_token();
        assert_eq!(hash_token(&token).len(), 64);
        assert_ne!(hash_token(&token), token);
    }
}

//! Claiming a child entered from paper. A clinic enters a child no guardian has registered
//! in the app from the paper 予診票 the family brought; the clinic (or the municipality's
//! health staff) then issues a one-time claim code for the family, and a guardian who
//! signs up later links the child — with every form and dose entered so far — to their
//! account by the code and the child's birth date.
//!
//! Only a digest of the code is kept. A new code replaces the earlier one; a code works
//! once, for [`CLAIM_CODE_DAYS`] days, and only for a resident of the child's municipality.

use chrono::{DateTime, NaiveDate, Utc};
use entity::health_child as child;
use rand::Rng;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::{Role, Viewer};
use crate::error::{AppError, AppResult, FieldError, FieldErrorCode};
use crate::state::ServiceContext;

/// How long a claim code works.
pub const CLAIM_CODE_DAYS: u64 = 180;

/// Characters of claim codes: no 0/O or 1/I to misread from a printout.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Characters in a claim code (60 bits), shown in groups of four.
const LENGTH: usize = 12;

/// A claim code issued for a child, shown once.
#[derive(Debug, Clone)]
pub struct IssuedClaimCode {
    /// The code, e.g. `K7QM-2XHD-9PRT`.
    pub code: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

fn new_code() -> String {
    let mut rng = rand::rng();
    let raw: String = (0..LENGTH)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    raw.as_bytes()
        .chunks(4)
        .map(|group| String::from_utf8_lossy(group).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The code as typed, folded: full-width to ASCII, upper case, without spaces or hyphens.
fn normalized(code: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    code.nfkc()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn digest(code: &str) -> String {
    format!("{:x}", Sha256::digest(normalized(code).as_bytes()))
}

/// Issues a claim code for a child no guardian has claimed: the clinic that entered the
/// child, or the health staff of its municipality. Replaces any earlier code.
#[tracing::instrument(skip_all)]
pub async fn issue_claim_code(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    child_id: Uuid,
) -> AppResult<Result<IssuedClaimCode, Vec<FieldError>>> {
    let me = viewer.require_user()?;
    let model = child::Entity::find_by_id(child_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let entered_here = match super::access::clinic_of(ctx.db, me).await? {
        Some(clinic) => model.entered_by_clinic_id == Some(clinic.id),
        None => false,
    };
    if !entered_here && !me.administers(model.municipality_id) {
        return Err(AppError::NotFound);
    }
    if model.guardian_user_id.is_some() {
        return Ok(Err(vec![FieldError::input(
            "childId",
            FieldErrorCode::InvalidState,
            "このお子さまは保護者のアカウントに登録済みです。",
        )]));
    }
    let code = new_code();
    let expires_at = ctx.now() + chrono::Days::new(CLAIM_CODE_DAYS);
    let mut active: child::ActiveModel = model.into();
    active.claim_code_digest = Set(Some(digest(&code)));
    active.claim_code_expires_at = Set(Some(expires_at));
    active.update(ctx.db).await?;
    Ok(Ok(IssuedClaimCode { code, expires_at }))
}

/// Links the child of `code` to the signed-in resident when the birth date matches, the
/// code is unused and in force, and the resident lives in the child's municipality. Every
/// other case is the same `NOT_FOUND`, so a code cannot be probed. A retry by the
/// guardian who claimed answers the child again.
#[tracing::instrument(skip_all)]
pub async fn claim_child(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    code: &str,
    birth_date: NaiveDate,
) -> AppResult<Result<child::Model, Vec<FieldError>>> {
    let me = viewer.require_role(&[Role::Resident])?;
    let not_found = || {
        Ok(Err(vec![FieldError::input(
            "claimCode",
            FieldErrorCode::NotFound,
            "コードか生年月日が違うか、コードの有効期限が切れています。",
        )]))
    };
    if normalized(code).len() != LENGTH {
        return not_found();
    }
    let digest = digest(code);
    let Some(model) = child::Entity::find()
        .filter(child::Column::ClaimCodeDigest.eq(digest.as_str()))
        .one(ctx.db)
        .await?
    else {
        return not_found();
    };
    if model.birth_date != birth_date || me.municipality_id != Some(model.municipality_id) {
        return not_found();
    }
    if model.guardian_user_id == Some(me.id) {
        return Ok(Ok(model));
    }
    let in_force = model.claim_code_expires_at.is_some_and(|at| at > ctx.now());
    if model.guardian_user_id.is_some() || !in_force {
        return not_found();
    }
    // Claimed under the code's digest, so two guardians racing on one code cannot both win.
    let claimed = child::Entity::update_many()
        .col_expr(
            child::Column::GuardianUserId,
            sea_orm::sea_query::Expr::value(me.id),
        )
        .col_expr(
            child::Column::ClaimCodeExpiresAt,
            sea_orm::sea_query::Expr::value(ctx.now()),
        )
        .filter(child::Column::Id.eq(model.id))
        .filter(child::Column::ClaimCodeDigest.eq(digest.as_str()))
        .filter(child::Column::GuardianUserId.is_null())
        .exec(ctx.db)
        .await?;
    if claimed.rows_affected != 1 {
        return not_found();
    }
    Ok(Ok(child::Entity::find_by_id(model.id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_however_they_are_typed() {
        let code = new_code();
        assert_eq!(code.len(), LENGTH + 2);
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(digest(&typed), digest(&code));
        let wide: String = code
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
                } else {
                    c
                }
            })
            .collect();
        assert_eq!(normalized(&wide), normalized(&code));
        assert_ne!(digest(&new_code()), digest(&code));
    }
}

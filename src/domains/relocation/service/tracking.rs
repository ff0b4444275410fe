//! What the family does with its reference code and tracking token: reading the stage and
//! withdrawing consent. The codes and tokens themselves.

use super::commit;
use crate::state::ServiceContext;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entity::{
    inquiry_event::{self, AppointmentKind, EventKind},
    municipality,
    relocation_inquiry::{self, CloseReason, InquiryStage},
    user,
};
use rand::{Rng, RngCore};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    db,
    error::{AppError, AppResult},
    text,
};

use super::retention::erase;
use super::{TOPIC_CHANGED, change, timeline};
use super::{assigning::drain_backlog, settings::lock_municipality};

/// Characters of the reference code: no 0/O, 1/I/L, so it can be read over the phone.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Prefix of tracking tokens.
const TOKEN_PREFIX: &str = "trk_";

/// What a family may see of its inquiry.
#[derive(Debug, Clone)]
pub struct PublicStatus {
    /// Reference code.
    pub reference_code: String,
    /// Stage.
    pub stage: InquiryStage,
    /// The concierge's display name, once assigned.
    pub concierge_name: Option<String>,
    /// Next appointment.
    pub next_appointment_at: Option<DateTime<Utc>>,
    /// The next appointment to come: time, kind and place.
    pub next_appointment: Option<NextAppointment>,
    /// When the inquiry was received.
    pub received_at: DateTime<Utc>,
}

/// The family's next appointment, as staff scheduled it.
#[derive(Debug, Clone)]
pub struct NextAppointment {
    /// When it takes place.
    pub at: DateTime<Utc>,
    /// Visit, trial stay or online consultation.
    pub kind: AppointmentKind,
    /// Where, when staff gave a place.
    pub place: Option<String>,
}

/// What a family may see of its inquiry, or `None` for an unknown code or a wrong token
/// (the same answer, so a code cannot be probed).
#[tracing::instrument(skip_all)]
pub async fn public_status(
    ctx: ServiceContext<'_>,
    reference_code: &str,
    tracking_token: &str,
) -> AppResult<Option<PublicStatus>> {
    let Some(inquiry) = find_tracked(ctx.db, reference_code, tracking_token).await? else {
        return Ok(None);
    };
    status_of(ctx.db, inquiry, ctx.now()).await.map(Some)
}

/// The inquiry of a reference code whose tracking token is `tracking_token`; `None` for an
/// unknown code or a wrong token alike.
pub(super) async fn find_tracked(
    db: &DatabaseConnection,
    reference_code: &str,
    tracking_token: &str,
) -> AppResult<Option<relocation_inquiry::Model>> {
    let code = text::normalize(reference_code).to_uppercase();
    let found = relocation_inquiry::Entity::find()
        .filter(relocation_inquiry::Column::ReferenceCode.eq(code))
        .one(db)
        .await?;
    Ok(found.filter(|i| token_matches(i, tracking_token)))
}

/// What the family may see of `inquiry` at `now`.
pub(super) async fn status_of(
    db: &impl ConnectionTrait,
    inquiry: relocation_inquiry::Model,
    now: DateTime<Utc>,
) -> AppResult<PublicStatus> {
    let concierge_name = match inquiry.assigned_concierge_id {
        Some(id) => user::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|u| u.display_name),
        None => None,
    };
    // The earliest appointment still to come, only while the inquiry is worked on.
    let next = if inquiry.stage.is_active() {
        inquiry_event::Entity::find()
            .filter(inquiry_event::Column::InquiryId.eq(inquiry.id))
            .filter(inquiry_event::Column::Kind.eq(EventKind::Appointment))
            .filter(inquiry_event::Column::ScheduledAt.gt(now))
            .order_by_asc(inquiry_event::Column::ScheduledAt)
            .order_by_asc(inquiry_event::Column::Id)
            .one(db)
            .await?
    } else {
        None
    };
    let next_appointment = next.and_then(|event| {
        Some(NextAppointment {
            at: event.scheduled_at?,
            kind: event.appointment_kind?,
            place: event.body,
        })
    });
    Ok(PublicStatus {
        reference_code: inquiry.reference_code,
        stage: inquiry.stage,
        concierge_name,
        next_appointment_at: next_appointment.as_ref().map(|a| a.at),
        next_appointment,
        received_at: inquiry.created_at,
    })
}

fn token_matches(inquiry: &relocation_inquiry::Model, token: &str) -> bool {
    let given = digest(token.trim());
    // Compare digests in full, not stopping at the first difference.
    given.len() == inquiry.tracking_token_hash.len()
        && given
            .bytes()
            .zip(inquiry.tracking_token_hash.bytes())
            .fold(0_u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The family withdraws consent: personal data is erased at once, the inquiry is closed
/// and its counts stay. `None` for an unknown code or a wrong token.
#[tracing::instrument(skip_all)]
pub async fn withdraw_consent(
    ctx: ServiceContext<'_>,
    reference_code: &str,
    tracking_token: &str,
) -> AppResult<Option<PublicStatus>> {
    let Some(found) = find_tracked(ctx.db, reference_code, tracking_token).await? else {
        return Ok(None);
    };
    let now = ctx.now();
    let txn = db::begin_write(ctx.db).await?;
    lock_municipality(&txn, found.municipality_id).await?;
    let inquiry = relocation_inquiry::Entity::find_by_id(found.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let holder = inquiry.assigned_concierge_id;
    let was_active = inquiry.stage.is_active();
    let mut changes = Vec::new();
    if inquiry.erased_at.is_none() {
        let stage = inquiry.stage;
        let erased = erase(
            &txn,
            inquiry,
            now,
            was_active.then_some(CloseReason::ConsentWithdrawn),
        )
        .await?;
        let mut event = timeline(&txn, &erased, EventKind::ConsentWithdrawn, None, now);
        if was_active {
            event.from_stage = Set(Some(stage.to_value()));
            event.to_stage = Set(Some(InquiryStage::Closed.to_value()));
        }
        event.insert(&txn).await?;
        if holder.is_some() {
            changes.push(change(&erased, holder, TOPIC_CHANGED, now));
        }
        if was_active {
            changes.extend(drain_backlog(&txn, erased.municipality_id, now, None).await?);
        }
    }
    commit(ctx, txn, &changes).await?;
    let inquiry = relocation_inquiry::Entity::find_by_id(found.id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    status_of(ctx.db, inquiry, now).await.map(Some)
}

pub(super) fn new_token() -> String {
    let mut secret = [0_u8; 32];
    rand::rng().fill_bytes(&mut secret);
    format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(secret))
}

pub(super) fn digest(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// Two letters for the municipality's codes: the first letter of its English name and the
/// next consonant (Maebashi → MB, Manazuru → MN, Kitakyushu → KT).
pub(super) async fn code_prefix(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
) -> AppResult<String> {
    let name = municipality::Entity::find_by_id(municipality_id)
        .one(db)
        .await?
        .map(|m| m.name_en)
        .unwrap_or_default();
    Ok(prefix_of(&name))
}

fn prefix_of(name: &str) -> String {
    let letters: Vec<char> = name
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let first = letters.first().copied().unwrap_or('R');
    let second = letters
        .iter()
        .skip(1)
        .find(|c| !"AEIOUY".contains(**c))
        .copied()
        .unwrap_or('X');
    format!("{first}{second}")
}

fn random_code(prefix: &str) -> String {
    let mut rng = rand::rng();
    let mut code = format!("{prefix}-");
    for i in 0..8 {
        if i == 4 {
            code.push('-');
        }
        let index = rng.random_range(0..CODE_ALPHABET.len());
        code.push(char::from(CODE_ALPHABET[index]));
    }
    code
}

pub(super) async fn unused_code(txn: &DatabaseTransaction, prefix: &str) -> AppResult<String> {
    for _ in 0..8 {
        let code = random_code(prefix);
        let taken = relocation_inquiry::Entity::find()
            .filter(relocation_inquiry::Column::ReferenceCode.eq(code.clone()))
            .one(txn)
            .await?
            .is_some();
        if !taken {
            return Ok(code);
        }
    }
    Err(AppError::internal(anyhow::anyhow!(
        "no free reference code after 8 tries"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_code_prefixes_read_like_the_town() {
        assert_eq!(prefix_of("Maebashi"), "MB");
        assert_eq!(prefix_of("Manazuru"), "MN");
        assert_eq!(prefix_of("Kitakyushu"), "KT");
    }
}

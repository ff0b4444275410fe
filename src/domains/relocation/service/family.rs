//! What a family does with its reference code and tracking token besides reading its
//! stage: writing to its concierge, and correcting its contact details and desired timing.
//! Both are refused once the inquiry is closed or its personal data erased.

use super::commit;
use crate::state::ServiceContext;
use entity::{inquiry_event::EventKind, relocation_inquiry};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};

use crate::domains::relocation::{notices, states};
use crate::{
    auth::Viewer,
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    rate_limit::Quota,
    text::{self, Email, optional_line},
};

use super::duplicates::{email_digest, phone_digest};
use super::settings::lock_municipality;
use super::submission::parse_phone;
use super::tracking::{PublicStatus, find_tracked, status_of};
use super::{MAX_LINE, MAX_TEXT, TOPIC_CHANGED, change, search_key, timeline};

/// What the family changes; `None` leaves a field as it is, a blank value clears it.
#[derive(Debug, Clone, Default)]
pub struct DetailsChanges {
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Desired timing of the move.
    pub desired_timing: Option<String>,
}

/// Counts a call of the family's tracked mutations per client address.
async fn hit(ctx: ServiceContext<'_>, viewer: &Viewer) -> AppResult<()> {
    ctx.hit(
        &format!("relocation-family:{}", viewer.client_ip),
        Quota::per_minute(ctx.limits.public_rate_per_minute),
    )
    .await
}

/// Why the family can no longer act on `inquiry`, if it cannot.
fn refusal(inquiry: &relocation_inquiry::Model) -> Option<FieldError> {
    if inquiry.erased_at.is_some() {
        return Some(FieldError::whole(
            FieldErrorCode::InvalidState,
            "この相談は個人情報が削除済みのため、お受けできません。あらためてご相談ください。",
        ));
    }
    if !inquiry.stage.is_active() {
        return Some(FieldError::whole(
            FieldErrorCode::InvalidState,
            format!(
                "この相談は「{}」のため、お受けできません。あらためてご相談ください。",
                states::label(inquiry.stage)
            ),
        ));
    }
    None
}

/// The family writes to its concierge: the message goes on the inquiry's timeline and the
/// concierge holding it hears of it (while nobody holds it, the municipality's
/// administrators). `None` for an unknown code or a wrong token. Rate-limited per client.
#[tracing::instrument(skip_all)]
pub async fn send_family_message(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    reference_code: &str,
    tracking_token: &str,
    body: &str,
) -> AppResult<Option<Outcome<PublicStatus>>> {
    hit(ctx, viewer).await?;
    let body = match text::required("body", body.trim(), MAX_TEXT) {
        Ok(body) => body,
        Err(error) => return Ok(Some(Err(vec![error]))),
    };
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
    if let Some(error) = refusal(&inquiry) {
        return Ok(Some(Err(vec![error])));
    }
    let mut event = timeline(&txn, &inquiry, EventKind::FamilyMessage, None, now);
    event.body = Set(Some(body));
    let event = event.insert(&txn).await?;
    let mut model = inquiry.into_active_model();
    model.updated_at = Set(now);
    let inquiry = model.update(&txn).await?;
    if ctx.notifies() {
        notices::family_message(&txn, &inquiry, event.id, now).await?;
    }
    let changes = vec![change(
        &inquiry,
        inquiry.assigned_concierge_id,
        TOPIC_CHANGED,
        now,
    )];
    commit(ctx, txn, &changes).await?;
    status_of(ctx.db, inquiry, now).await.map(|s| Some(Ok(s)))
}

/// The family changes its email, phone or desired timing. The timeline records which
/// fields changed, never their values (staff read those on the inquiry, in the access
/// log). An email or a phone must remain. `None` for an unknown code or a wrong token.
/// Rate-limited per client.
#[tracing::instrument(skip_all)]
pub async fn update_family_details(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    reference_code: &str,
    tracking_token: &str,
    changes: DetailsChanges,
) -> AppResult<Option<Outcome<PublicStatus>>> {
    hit(ctx, viewer).await?;
    let mut problems = Problems::new();
    if changes.email.is_none() && changes.phone.is_none() && changes.desired_timing.is_none() {
        problems.push(FieldError::whole(
            FieldErrorCode::Required,
            "変更する項目を入力してください。",
        ));
    }
    // Some(None): clear the field; None: leave it.
    let email: Option<Option<String>> = match changes.email.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(email) => problems
            .check(Email::parse("email", email))
            .map(|e| Some(e.as_str().to_owned())),
    };
    let phone: Option<Option<String>> = match changes.phone.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(phone) => problems.check(parse_phone("phone", phone)).map(Some),
    };
    let timing: Option<Option<String>> = match changes.desired_timing.as_deref() {
        None => None,
        Some(timing) => problems.check(optional_line("desiredTiming", Some(timing), MAX_LINE)),
    };
    if !problems.is_empty() {
        return Ok(Some(Err(problems.into_vec())));
    }
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
    if let Some(error) = refusal(&inquiry) {
        return Ok(Some(Err(vec![error])));
    }
    let new_email = email.clone().unwrap_or_else(|| inquiry.email.clone());
    let new_phone = phone.clone().unwrap_or_else(|| inquiry.phone.clone());
    let new_timing = timing
        .clone()
        .unwrap_or_else(|| inquiry.desired_timing.clone());
    if new_email.is_none() && new_phone.is_none() {
        return Ok(Some(Err(vec![FieldError::input(
            "email",
            FieldErrorCode::Required,
            "メールアドレスか電話番号のどちらかを残してください。",
        )])));
    }
    let mut changed = Vec::new();
    if new_email != inquiry.email {
        changed.push("メールアドレス");
    }
    if new_phone != inquiry.phone {
        changed.push("電話番号");
    }
    if new_timing != inquiry.desired_timing {
        changed.push("希望時期");
    }
    if changed.is_empty() {
        drop(txn);
        return status_of(ctx.db, inquiry, now).await.map(|s| Some(Ok(s)));
    }
    let search = search_text(&inquiry, new_email.as_deref(), new_phone.as_deref());
    let mut model = inquiry.into_active_model();
    model.email_digest = Set(new_email.as_deref().and_then(email_digest));
    model.phone_digest = Set(new_phone.as_deref().and_then(phone_digest));
    model.email = Set(new_email);
    model.phone = Set(new_phone);
    model.desired_timing = Set(new_timing);
    model.search_text = Set(search);
    model.updated_at = Set(now);
    let inquiry = model.update(&txn).await?;
    let mut event = timeline(&txn, &inquiry, EventKind::DetailsUpdated, None, now);
    event.body = Set(Some(format!(
        "ご家族が変更しました: {}",
        changed.join("、")
    )));
    event.insert(&txn).await?;
    let changes = vec![change(
        &inquiry,
        inquiry.assigned_concierge_id,
        TOPIC_CHANGED,
        now,
    )];
    commit(ctx, txn, &changes).await?;
    status_of(ctx.db, inquiry, now).await.map(|s| Some(Ok(s)))
}

/// The staff search text of `inquiry` with a new email and phone (as the submission builds
/// it: name, kana, email, phone, reference code).
fn search_text(
    inquiry: &relocation_inquiry::Model,
    email: Option<&str>,
    phone: Option<&str>,
) -> String {
    [
        inquiry.name.as_deref(),
        inquiry.name_kana.as_deref(),
        email,
        phone,
        Some(inquiry.reference_code.as_str()),
    ]
    .into_iter()
    .flatten()
    .map(search_key)
    .collect::<Vec<_>>()
    .join("|")
}

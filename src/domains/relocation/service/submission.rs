//! A family's inquiry as submitted: checks, reference code and tracking token, and the
//! assignment that follows at once.

use std::sync::Mutex;

use super::{announce, notify_assigned};
use crate::domains::relocation::notices;
use crate::state::ServiceContext;
use chrono::NaiveDate;
use entity::{
    inquiry_event::EventKind,
    municipality,
    relocation_inquiry::{self, ContactChannel, InquiryStage, Interest},
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    QueryFilter,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domains::relocation::sla;
use crate::{
    auth::Viewer,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    idempotency::{self, KeyScope},
    rate_limit::Quota,
    text::{self, Email, Kana, optional_line},
};

use super::duplicates::{email_digest, phone_digest};
use super::settings::{business_hours, settings_of};
use super::tracking::{code_prefix, digest, new_token, unused_code};
use super::{Change, MAX_LINE, MAX_PEOPLE, delimited, optional_text, search_key, timeline};
use super::{assigning::drain_backlog, settings::lock_municipality};

/// A family's inquiry, as typed.
#[derive(Debug, Clone, Default)]
pub struct NewInquiry {
    /// The municipality asked.
    pub municipality_id: Uuid,
    /// Name.
    pub name: String,
    /// Kana reading of the name.
    pub name_kana: String,
    /// Email, if any.
    pub email: Option<String>,
    /// Phone, if any.
    pub phone: Option<String>,
    /// Current prefecture (JIS X 0401), if given.
    pub prefecture_code: Option<i32>,
    /// Adults moving.
    pub adults: i32,
    /// Children's birth months, `YYYY-MM`.
    pub children_birth_months: Vec<String>,
    /// Interests.
    pub interests: Vec<Interest>,
    /// Desired area.
    pub desired_area: Option<String>,
    /// Desired timing.
    pub desired_timing: Option<String>,
    /// Preferred contact channel.
    pub preferred_channel: Option<ContactChannel>,
    /// Preferred language tag.
    pub preferred_language: Option<String>,
    /// Free text.
    pub message: Option<String>,
    /// Consent to the privacy notice.
    pub consent: bool,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// What a family receives after submitting: the code and the token, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Receipt {
    /// The inquiry.
    pub inquiry_id: Uuid,
    /// Human-readable reference code.
    pub reference_code: String,
    /// Secret tracking token.
    pub tracking_token: String,
}

/// Receives a family's inquiry: rate-limited per client address, idempotent, assigned at
/// once when a concierge has room.
#[tracing::instrument(skip_all)]
pub async fn submit_inquiry(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: NewInquiry,
) -> AppResult<Outcome<Receipt>> {
    if let Some(limiter) = ctx.limiter {
        limiter
            .hit(
                &format!("relocation-inquiry:{}", viewer.client_ip),
                Quota::per_minute(ctx.limits.public_rate_per_minute),
            )
            .await?;
    }
    create_inquiry(ctx, input).await
}

#[derive(Debug, Clone, Serialize)]
struct Checked {
    municipality_id: Uuid,
    name: String,
    name_kana: String,
    email: Option<String>,
    phone: Option<String>,
    prefecture_code: Option<i16>,
    adults: i32,
    children_birth_months: Vec<String>,
    interests: Vec<String>,
    desired_area: Option<String>,
    desired_timing: Option<String>,
    preferred_channel: String,
    preferred_language: String,
    message: Option<String>,
}

/// The stored result of a submission: the token is not kept, only its digest.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Submitted {
    inquiry_id: Uuid,
    reference_code: String,
}

/// Stores an inquiry received at `now` and assigns what can be assigned; the rules of
/// [`submit_inquiry`] without the rate limit.
///
/// A retry with the same idempotency key returns the same inquiry and reference code with
/// a fresh tracking token (the token of the first call stops working): the token is stored
/// only as a digest, so it cannot be shown twice.
#[tracing::instrument(skip_all)]
pub async fn create_inquiry(
    ctx: ServiceContext<'_>,
    input: NewInquiry,
) -> AppResult<Outcome<Receipt>> {
    let now = ctx.now();
    let checked = match check_inquiry(ctx.db, &input, crate::fiscal::date_of(now)).await? {
        Ok(checked) => checked,
        Err(errors) => return Ok(Err(errors)),
    };
    let settings = settings_of(ctx.db, checked.municipality_id).await?;
    let prefix = code_prefix(ctx.db, checked.municipality_id).await?;
    let issued: Mutex<Option<(Uuid, String)>> = Mutex::new(None);
    let changes: Mutex<Vec<Change>> = Mutex::new(Vec::new());
    let created = idempotency::run_once(
        ctx.db,
        &KeyScope::public("submitRelocationInquiry"),
        input.idempotency_key.as_deref(),
        &checked,
        async |txn| {
            lock_municipality(txn, checked.municipality_id).await?;
            let reference_code = unused_code(txn, &prefix).await?;
            let token = new_token();
            let id = Uuid::now_v7();
            let due = sla::add_business_minutes(
                now,
                u32::try_from(settings.first_response_minutes).unwrap_or(0),
                &business_hours(&settings),
            );
            let search_text = search_text(&checked, &reference_code);
            let inquiry = relocation_inquiry::ActiveModel {
                id: Set(id),
                municipality_id: Set(checked.municipality_id),
                reference_code: Set(reference_code.clone()),
                tracking_token_hash: Set(digest(&token)),
                stage: Set(InquiryStage::New),
                close_reason: Set(None),
                assigned_concierge_id: Set(None),
                assigned_at: Set(None),
                name: Set(Some(checked.name.clone())),
                name_kana: Set(Some(checked.name_kana.clone())),
                email: Set(checked.email.clone()),
                phone: Set(checked.phone.clone()),
                prefecture_code: Set(checked.prefecture_code),
                children_birth_months: Set(Some(
                    serde_json::to_string(&checked.children_birth_months)
                        .map_err(AppError::internal)?,
                )),
                adults: Set(checked.adults),
                children: Set(i32::try_from(checked.children_birth_months.len()).unwrap_or(0)),
                interests: Set(delimited(checked.interests.iter().map(String::as_str))),
                desired_area: Set(checked.desired_area.clone()),
                desired_timing: Set(checked.desired_timing.clone()),
                preferred_channel: Set(ContactChannel::try_from_value(&checked.preferred_channel)
                    .unwrap_or(ContactChannel::Email)),
                preferred_language: Set(checked.preferred_language.clone()),
                message: Set(checked.message.clone()),
                search_text: Set(search_text),
                email_digest: Set(checked.email.as_deref().and_then(email_digest)),
                phone_digest: Set(checked.phone.as_deref().and_then(phone_digest)),
                consent_at: Set(now),
                erased_at: Set(None),
                first_response_due_at: Set(due),
                first_responded_at: Set(None),
                next_appointment_at: Set(None),
                moved_in_on: Set(None),
                people_moved: Set(None),
                moved_in_area: Set(None),
                closed_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
            timeline(txn, &inquiry, EventKind::Submitted, None, now)
                .insert(txn)
                .await?;
            let assigned = drain_backlog(txn, checked.municipality_id, now, None).await?;
            if ctx.notifies() {
                notices::received(txn, &inquiry).await?;
                notify_assigned(ctx, txn, &assigned).await?;
            }
            if let Ok(mut slot) = issued.lock() {
                *slot = Some((id, token));
            }
            if let Ok(mut slot) = changes.lock() {
                *slot = assigned;
            }
            Ok(Ok(Submitted {
                inquiry_id: id,
                reference_code,
            }))
        },
    )
    .await?;
    let submitted = match created {
        Ok(submitted) => submitted,
        Err(errors) => return Ok(Err(errors)),
    };
    let fresh = issued.into_inner().ok().flatten();
    let tracking_token = match fresh {
        Some((id, token)) if id == submitted.inquiry_id => {
            let changes = changes.into_inner().unwrap_or_default();
            announce(ctx, &changes).await;
            token
        }
        _ => {
            // A replay: the first token is known only as a digest, so issue a new one.
            let token = new_token();
            relocation_inquiry::Entity::update_many()
                .col_expr(
                    relocation_inquiry::Column::TrackingTokenHash,
                    sea_orm::sea_query::Expr::value(digest(&token)),
                )
                .filter(relocation_inquiry::Column::Id.eq(submitted.inquiry_id))
                .exec(ctx.db)
                .await?;
            token
        }
    };
    Ok(Ok(Receipt {
        inquiry_id: submitted.inquiry_id,
        reference_code: submitted.reference_code,
        tracking_token,
    }))
}

async fn check_inquiry(
    db: &DatabaseConnection,
    input: &NewInquiry,
    today: NaiveDate,
) -> AppResult<Outcome<Checked>> {
    let mut problems = Problems::new();
    if !input.consent {
        problems.push(FieldError::input(
            "consentToPrivacyNotice",
            FieldErrorCode::Required,
            "個人情報の取り扱いへの同意が必要です。",
        ));
    }
    if municipality::Entity::find_by_id(input.municipality_id)
        .one(db)
        .await?
        .is_none()
    {
        problems.push(FieldError::input(
            "municipalityId",
            FieldErrorCode::NotFound,
            "指定された自治体が見つかりません。",
        ));
    }
    let name = problems.check(text::required("name", &input.name, MAX_LINE));
    let kana = problems.check(Kana::parse("nameKana", &input.name_kana, MAX_LINE));
    let (email, phone) = check_contact(&mut problems, input);
    let prefecture_code = check_prefecture(&mut problems, input.prefecture_code);
    let children = check_household(&mut problems, input, today);
    let mut interests: Vec<String> = input.interests.iter().map(|i| i.to_value()).collect();
    interests.sort();
    interests.dedup();
    let desired_area = problems.check(optional_line(
        "desiredArea",
        input.desired_area.as_deref(),
        MAX_LINE,
    ));
    let desired_timing = problems.check(optional_line(
        "desiredTiming",
        input.desired_timing.as_deref(),
        MAX_LINE,
    ));
    let language = check_language(&mut problems, input.preferred_language.as_deref());
    let message = problems.check(optional_text("message", input.message.as_deref()));
    let (
        Some(name),
        Some(kana),
        Some(email),
        Some(phone),
        Some(desired_area),
        Some(desired_timing),
        Some(message),
        true,
    ) = (
        name,
        kana,
        email,
        phone,
        desired_area,
        desired_timing,
        message,
        problems.is_empty(),
    )
    else {
        return Ok(Err(problems.into_vec()));
    };
    Ok(Ok(Checked {
        municipality_id: input.municipality_id,
        name,
        name_kana: kana.as_str().to_owned(),
        email,
        phone,
        prefecture_code,
        adults: input.adults,
        children_birth_months: children,
        interests,
        desired_area,
        desired_timing,
        preferred_channel: input
            .preferred_channel
            .unwrap_or(ContactChannel::Email)
            .to_value(),
        preferred_language: language.to_lowercase(),
        message,
    }))
}

/// The email and phone, normalized; at least one of them is required.
fn check_contact(
    problems: &mut Problems,
    input: &NewInquiry,
) -> (Option<Option<String>>, Option<Option<String>>) {
    let email = match input
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(email) => problems
            .check(Email::parse("email", email))
            .map(|e| Some(e.as_str().to_owned())),
        None => Some(None),
    };
    let phone = match input
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(phone) => problems.check(parse_phone("phone", phone)).map(Some),
        None => Some(None),
    };
    if matches!((&email, &phone), (Some(None), Some(None))) {
        problems.push(FieldError::input(
            "email",
            FieldErrorCode::Required,
            "メールアドレスか電話番号のどちらかを入力してください。",
        ));
    }
    (email, phone)
}

/// The prefecture code, if given and valid.
fn check_prefecture(problems: &mut Problems, code: Option<i32>) -> Option<i16> {
    match code {
        Some(code) => match i16::try_from(code)
            .ok()
            .filter(|code| crate::japan::prefecture(*code).is_some())
        {
            Some(code) => Some(code),
            None => {
                problems.push(FieldError::input(
                    "prefectureCode",
                    FieldErrorCode::Invalid,
                    "都道府県コードは1〜47で指定してください。",
                ));
                None
            }
        },
        None => None,
    }
}

/// The household: adults within bounds and the children's birth months, `YYYY-MM`.
fn check_household(problems: &mut Problems, input: &NewInquiry, today: NaiveDate) -> Vec<String> {
    if !(1..=MAX_PEOPLE).contains(&input.adults) {
        problems.push(FieldError::input(
            "adults",
            FieldErrorCode::Invalid,
            format!("大人の人数は1〜{MAX_PEOPLE}人で入力してください。"),
        ));
    }
    let mut children = Vec::new();
    if input.children_birth_months.len() > MAX_PEOPLE as usize {
        problems.push(FieldError::input(
            "childrenBirthMonths",
            FieldErrorCode::Invalid,
            format!("お子さまは{MAX_PEOPLE}人までです。"),
        ));
    }
    for month in &input.children_birth_months {
        match parse_month(month, today) {
            Some(month) => children.push(month),
            None => {
                problems.push(FieldError::input(
                    "childrenBirthMonths",
                    FieldErrorCode::Invalid,
                    "お子さまの生年月は「2020-04」の形で入力してください。",
                ));
                break;
            }
        }
    }
    children
}

/// The preferred language tag (`ja` when none), checked but not yet lowercased.
fn check_language(problems: &mut Problems, given: Option<&str>) -> String {
    let language = text::normalize(given.unwrap_or("ja"));
    let language = if language.is_empty() {
        "ja".to_owned()
    } else {
        language
    };
    if language.len() > 16
        || !language
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        problems.push(FieldError::input(
            "preferredLanguage",
            FieldErrorCode::Invalid,
            "言語は「ja」「en」などの言語コードで指定してください。",
        ));
    }
    language
}

fn search_text(checked: &Checked, reference_code: &str) -> String {
    [
        Some(checked.name.as_str()),
        Some(checked.name_kana.as_str()),
        checked.email.as_deref(),
        checked.phone.as_deref(),
        Some(reference_code),
    ]
    .into_iter()
    .flatten()
    .map(search_key)
    .collect::<Vec<_>>()
    .join("|")
}

pub(super) fn parse_phone(field: &str, value: &str) -> Result<String, FieldError> {
    let normalized = text::normalize(value).replace(['ー', '−', '‐', '―'], "-");
    let digits: String = normalized.chars().filter(char::is_ascii_digit).collect();
    let allowed = normalized
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == '+' || c == ' ' || c == '(' || c == ')');
    if !allowed || !(10..=15).contains(&digits.len()) {
        return Err(FieldError::input(
            field,
            FieldErrorCode::Invalid,
            "電話番号は「090-1234-5678」のように入力してください。",
        ));
    }
    Ok(normalized)
}

fn parse_month(value: &str, today: NaiveDate) -> Option<String> {
    let value = text::normalize(value);
    let (year, month) = value.split_once('-')?;
    let year: i32 = year.parse().ok()?;
    let month: u32 = month.parse().ok()?;
    let date = NaiveDate::from_ymd_opt(year, month, 1)?;
    (date <= today && year >= chrono::Datelike::year(&today) - 25)
        .then(|| format!("{year:04}-{month:02}"))
}

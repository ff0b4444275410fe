//! Walk-ins: the organizer's staff register a guest party at the door, on the guest's
//! behalf, and may check it in at once.

use std::sync::Mutex;

use chrono::Duration;
use entity::{
    program_session,
    registration::{self, RegistrationStatus},
};
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    domains::programs::registration::{self as rules, ChildInput},
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    fiscal,
    idempotency::{self, KeyScope},
    state::ServiceContext,
    text::{self, Email, Kana},
};

use super::{
    MAX_PARTY, Registered,
    attendance::CHECK_IN_OPENS_HOURS,
    lookup::program_of,
    moves::{event, move_registration},
    registering::{Applicant, Guest, register_in},
    tokens::{new_token, rotate_token},
    visibility::manages,
};

/// A guest party registered at the door.
#[derive(Debug, Clone)]
pub struct WalkIn {
    /// The session.
    pub session_id: Uuid,
    /// The guest's name.
    pub name: String,
    /// Kana reading, if given.
    pub kana: Option<String>,
    /// Email, if given: the guest then gets the usual messages and a manage token.
    pub email: Option<String>,
    /// Phone, if given.
    pub phone: Option<String>,
    /// Adults.
    pub adults: i32,
    /// Children.
    pub children: Vec<ChildInput>,
    /// Check the party in at once when it gets its places.
    pub check_in: bool,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct WalkInId(Uuid);

/// Registers a walk-in guest party (the program's managers; anyone else: `NOT_FOUND`).
/// The capacity rules hold: confirmed if the whole party fits, else waitlisted (never
/// checked in then). The registration window does not apply at the door, only that the
/// session has not ended; checking in at once needs the check-in window (two hours before
/// the start). The history records the staff member as the one who registered.
#[tracing::instrument(skip_all, fields(session_id = %input.session_id))]
pub async fn register_walk_in(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: WalkIn,
) -> AppResult<Outcome<Registered>> {
    let me = viewer.require_user()?.clone();
    let session = program_session::Entity::find_by_id(input.session_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let program = program_of(ctx.db, &session).await?;
    if !manages(&me, &program) {
        return Err(AppError::NotFound);
    }
    let now = ctx.now();
    let mut problems = Problems::new();
    let name = problems.check(text::required("name", &input.name, 100));
    let optional = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let kana = match optional(&input.kana) {
        Some(kana) => problems
            .check(Kana::parse("nameKana", &kana, 100))
            .map(|kana| kana.as_str().to_owned()),
        None => Some(String::new()),
    };
    let email = match optional(&input.email) {
        Some(email) => problems
            .check(Email::parse("email", &email))
            .map(|email| email.as_str().to_owned()),
        None => Some(String::new()),
    };
    let phone = match optional(&input.phone) {
        Some(phone) => problems.check(text::phone("phone", &phone)),
        None => Some(String::new()),
    };
    if !(1..=MAX_PARTY).contains(&input.adults) {
        problems.push(FieldError::input(
            "adults",
            FieldErrorCode::Invalid,
            "大人の人数は1人以上で入力してください。",
        ));
    }
    let children = match rules::children_at(
        &input.children,
        fiscal::date_of(now),
        fiscal::date_of(session.starts_at),
    ) {
        Ok(children) => children,
        Err(errors) => {
            for error in errors {
                problems.push(error);
            }
            Vec::new()
        }
    };
    if input.check_in && now < session.starts_at - Duration::hours(CHECK_IN_OPENS_HOURS) {
        problems.push(FieldError::input(
            "checkIn",
            FieldErrorCode::InvalidState,
            "受付は開始の2時間前からです。",
        ));
    }
    let (Some(name), Some(kana), Some(email), Some(phone), true) =
        (name, kana, email, phone, problems.is_empty())
    else {
        return Ok(Err(problems.into_vec()));
    };
    let guest = Guest {
        name,
        kana,
        email,
        phone,
    };
    let token = (!guest.email.is_empty()).then(new_token);

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        session: Uuid,
        name: &'a str,
        adults: i32,
        children: usize,
        check_in: bool,
    }
    let fingerprint = Fingerprint {
        session: session.id,
        name: &guest.name,
        adults: input.adults,
        children: children.len(),
        check_in: input.check_in,
    };
    let applicant = Applicant {
        me: None,
        staff: Some(&me),
        guest: Some(&guest),
        adults: input.adults,
        children: &children,
        token: token.as_deref(),
        at_the_door: true,
    };
    let events = Mutex::new(Vec::new());
    let created_here = Mutex::new(false);
    let outcome = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "registerWalkIn"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let (registration, mut announced) =
                match register_in(txn, ctx, session.id, &applicant).await? {
                    Ok(registered) => registered,
                    Err(refusals) => return Ok(Err(refusals)),
                };
            let id = registration.id;
            if input.check_in && registration.status == RegistrationStatus::Confirmed {
                let now = ctx.now();
                let moved = move_registration(
                    txn,
                    Some(me.id),
                    registration,
                    RegistrationStatus::Attended,
                    None,
                    None,
                    now,
                )
                .await?;
                announced.push(event(&moved, "checked_in", now));
            }
            if let Ok(mut events) = events.lock() {
                events.extend(announced);
            }
            if let Ok(mut created) = created_here.lock() {
                *created = true;
            }
            Ok(Ok(WalkInId(id)))
        },
    )
    .await?;
    let WalkInId(id) = match outcome {
        Ok(id) => id,
        Err(errors) => return Ok(Err(errors)),
    };
    let created = created_here.lock().map(|created| *created).unwrap_or(false);
    let manage_token = match (token, created) {
        (Some(token), true) => Some(token),
        (Some(_), false) => Some(rotate_token(ctx.db, id).await?),
        (None, _) => None,
    };
    ctx.announce(events.into_inner().unwrap_or_default()).await;
    let registration = registration::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Ok(Registered {
        registration,
        manage_token,
    }))
}

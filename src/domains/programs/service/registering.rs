//! Registering a party for a session.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Tokyo;
use entity::{
    municipality,
    program::{self, ProgramStatus},
    program_session::{self, SessionStatus},
    registration::{self, RegistrationStatus},
    registration_child,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    auth::{AuthUser, Viewer},
    domains::programs::{
        notices,
        registration::{self as rules, Child, ChildInput, Party},
        states::ACTIVE,
    },
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    events::Event,
    fiscal,
    idempotency::{self, KeyScope},
    rate_limit::Quota,
    state::ServiceContext,
    text::{self, Email, Kana},
};

use super::{
    MAX_PARTY, RegistrationRef,
    capacity::{settle_counted, write_totals},
    lookup::{lock_session, program_of},
    moves::{event, record_change},
    together,
    tokens::{free_check_in_code, hash_token, new_token, rotate_token},
    visibility::{can_see_program, manages},
};

/// A guest's contact details.
#[derive(Debug, Clone, Default)]
pub struct GuestInput {
    /// Name.
    pub name: String,
    /// Kana reading.
    pub kana: String,
    /// Email.
    pub email: String,
    /// Phone.
    pub phone: String,
}

/// A party registering for a session.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    /// The session.
    pub session_id: Uuid,
    /// Adults.
    pub adults: i32,
    /// Children.
    pub children: Vec<ChildInput>,
    /// Contact details when not signed in, or of a walk-in guest that the programme's staff
    /// register at the door.
    pub guest: Option<GuestInput>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// A registration just made; the manage token is only ever returned here.
#[derive(Debug, Clone)]
pub struct Registered {
    /// The registration.
    pub registration: registration::Model,
    /// The guest's manage token.
    pub manage_token: Option<String>,
}

/// What the idempotency key stores of a registration: its id only, never the token.
#[derive(Serialize, Deserialize)]
struct RegisteredId(Uuid);

/// Registers a party for a session: a signed-in user, or a guest with contact details who
/// gets a manage token — also a walk-in guest registered by staff who manage the programme,
/// which the registration's history records as a staff action. Confirmed if the whole
/// party fits, else waitlisted; refusals name the rule. Rate-limited per client address.
#[tracing::instrument(skip_all, fields(session_id = %input.session_id))]
pub async fn register(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: NewRegistration,
) -> AppResult<Outcome<Registered>> {
    limit_public(ctx, viewer, "register").await?;
    let session = program_session::Entity::find_by_id(input.session_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let program = program_of(ctx.db, &session).await?;
    if !can_see_program(viewer, &program) {
        return Err(AppError::NotFound);
    }
    let signed_in = viewer.user.clone();
    // Staff who manage the programme register a walk-in guest on the guest's behalf.
    let staff = signed_in
        .clone()
        .filter(|staff| input.guest.is_some() && manages(staff, &program));
    let me = if staff.is_some() { None } else { signed_in };
    let (guest, children) = match check_party(me.as_ref(), &input, &session, ctx.now()) {
        Ok(checked) => checked,
        Err(errors) => return Ok(Err(errors)),
    };
    let token = guest.is_some().then(new_token);

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        session: Uuid,
        adults: i32,
        children: Vec<(Option<String>, i32, bool)>,
        guest: Option<&'a str>,
    }
    let fingerprint = Fingerprint {
        session: session.id,
        adults: input.adults,
        children: children
            .iter()
            .map(|c| {
                (
                    c.birth_date.map(|d| d.to_string()),
                    c.age_months_at_session,
                    c.needs_childcare,
                )
            })
            .collect(),
        guest: guest.as_ref().map(|g| g.email.as_str()),
    };
    let scope = match me.as_ref().or(staff.as_ref()) {
        Some(user) => KeyScope::user(user.id, "registerForSession"),
        None => KeyScope::public("registerForSession"),
    };
    let applicant = Applicant {
        me: me.as_ref(),
        staff: staff.as_ref(),
        guest: guest.as_ref(),
        adults: input.adults,
        children: &children,
        token: token.as_deref(),
        at_the_door: false,
    };
    let events = Mutex::new(Vec::new());
    let created_here = Mutex::new(false);
    let queues = ctx
        .queues
        .filter(|_| input.idempotency_key.is_none() && staff.is_none());
    let outcome = if let Some(queues) = queues {
        // Without a key, the registration may share its transaction with others for the
        // same session.
        let party = together::Party {
            me: me.clone(),
            guest: guest.clone(),
            adults: input.adults,
            children: children.clone(),
            token: token.clone(),
        };
        match together::register(ctx, queues, session.id, party).await? {
            Ok((id, announced)) => {
                if let Ok(mut events) = events.lock() {
                    events.extend(announced);
                }
                if let Ok(mut created) = created_here.lock() {
                    *created = true;
                }
                Ok(RegisteredId(id))
            }
            Err(refusals) => Err(refusals),
        }
    } else {
        idempotency::run_once(
            ctx.db,
            &scope,
            input.idempotency_key.as_deref(),
            &fingerprint,
            async |txn| {
                let (id, announced) = match register_in(txn, ctx, session.id, &applicant).await? {
                    Ok(registered) => registered,
                    // Expired offers passed on stay passed on only if a later call commits.
                    Err(refusals) => return Ok(Err(refusals)),
                };
                if let Ok(mut events) = events.lock() {
                    events.extend(announced);
                }
                if let Ok(mut created) = created_here.lock() {
                    *created = true;
                }
                Ok(Ok(RegisteredId(id)))
            },
        )
        .await?
    };
    let RegisteredId(id) = match outcome {
        Ok(id) => id,
        Err(errors) => return Ok(Err(errors)),
    };
    let created = created_here.lock().map(|created| *created).unwrap_or(false);
    let manage_token = match (token, created) {
        (Some(token), true) => Some(token),
        // A retry of a guest registration: the first answer (and token) may have been lost,
        // and only a hash is kept, so the retry gets a new token that replaces the old one.
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

/// Who registers, checked: the account or the guest, the party, and the guest's new
/// manage token.
pub(super) struct Applicant<'a> {
    pub(super) me: Option<&'a AuthUser>,
    /// The staff member registering a walk-in guest, if it is one.
    pub(super) staff: Option<&'a AuthUser>,
    pub(super) guest: Option<&'a Guest>,
    pub(super) adults: i32,
    pub(super) children: &'a [Child],
    pub(super) token: Option<&'a str>,
    /// Registered by staff at the door: the registration window does not apply, only that
    /// the session has not ended.
    pub(super) at_the_door: bool,
}

/// Checks the contact details and the party before anything is locked: the guest's
/// details (unless signed in), the adults, and the children's ages on the session date.
pub(super) fn check_party(
    me: Option<&AuthUser>,
    input: &NewRegistration,
    session: &program_session::Model,
    now: DateTime<Utc>,
) -> Result<(Option<Guest>, Vec<Child>), Vec<FieldError>> {
    let mut problems = Problems::new();
    let guest = match (me, &input.guest) {
        (Some(_), None) => None,
        (Some(_), Some(_)) => {
            problems.push(FieldError::input(
                "guest",
                FieldErrorCode::NotAllowed,
                "ログイン中はご自身の申込みになります。ゲストとして申し込むにはログアウトしてください（受付での代理申込みは講座の担当者が行えます）。",
            ));
            None
        }
        (None, Some(guest)) => check_guest(&mut problems, guest),
        (None, None) => {
            problems.push(FieldError::input(
                "guest",
                FieldErrorCode::Required,
                "ログインするか、お名前と連絡先を入力してください。",
            ));
            None
        }
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
    if problems.is_empty() {
        Ok((guest, children))
    } else {
        Err(problems.into_vec())
    }
}

/// The registration itself, inside the write transaction: locks the session, passes on
/// expired offers, checks every rule, then confirms the party if it fits the places left
/// or waitlists it. Returns the new registration's id and the events to announce.
pub(super) async fn register_in(
    txn: &DatabaseTransaction,
    ctx: ServiceContext<'_>,
    session_id: Uuid,
    applicant: &Applicant<'_>,
) -> AppResult<Result<(Uuid, Vec<Event>), Vec<FieldError>>> {
    let mut desk = Desk::open(txn, ctx, session_id).await?;
    let (id, registered) = match desk.register(txn, ctx, applicant).await? {
        Ok(registered) => registered,
        Err(refusals) => return Ok(Err(refusals)),
    };
    let mut announced = desk.close(txn).await?;
    announced.push(registered);
    Ok(Ok((id, announced)))
}

/// A session locked for registering, settled once, counting the places held as it takes
/// one party after another in the same transaction.
pub(super) struct Desk {
    session: program_session::Model,
    program: program::Model,
    seats: i32,
    childcare: i32,
    now: DateTime<Utc>,
    /// Offers that settling expired or made.
    settled: Vec<Event>,
    /// A party was confirmed: the totals on the session row change.
    confirmed: bool,
}

impl Desk {
    /// Locks the session, then passes on expired offers and offers free places to the
    /// parties waiting (they come before any newcomer).
    pub(super) async fn open(
        txn: &DatabaseTransaction,
        ctx: ServiceContext<'_>,
        session_id: Uuid,
    ) -> AppResult<Self> {
        let session = lock_session(txn, session_id).await?;
        // Taken once the session is locked, so registration times follow the order in
        // which parties were given a place or a waitlist position.
        let now = ctx.now();
        let program = program_of(txn, &session).await?;
        let settled = settle_counted(txn, &session, ctx, now).await?;
        // Moves rewrote the session's totals: read the row as it is now.
        let session = if settled.events.is_empty() {
            session
        } else {
            lock_session(txn, session.id).await?
        };
        Ok(Self {
            session,
            program,
            seats: settled.seats,
            childcare: settled.childcare,
            now,
            settled: settled.events,
            confirmed: false,
        })
    }

    /// Checks every rule for one party, then confirms it if it fits the places left or
    /// waitlists it. Returns the registration's id and its event.
    pub(super) async fn register(
        &mut self,
        txn: &DatabaseTransaction,
        ctx: ServiceContext<'_>,
        applicant: &Applicant<'_>,
    ) -> AppResult<Result<(Uuid, Event), Vec<FieldError>>> {
        let (program, session, now) = (&self.program, &self.session, self.now);
        let refusals = refusals(
            txn,
            program,
            session,
            applicant.me,
            applicant.guest,
            applicant.adults,
            applicant.children,
            applicant.at_the_door,
            now,
        )
        .await?;
        if !refusals.is_empty() {
            return Ok(Err(refusals));
        }
        let party = Party::of(applicant.adults, applicant.children);
        // Free places were offered to every waiting party that fits them when the desk
        // opened, so what is left may go to a newcomer that fits it.
        let fits = party.fits(
            session.capacity - self.seats,
            session.childcare_slots - self.childcare,
        );
        let status = if fits {
            RegistrationStatus::Confirmed
        } else {
            RegistrationStatus::Waitlisted
        };
        let registration =
            insert_registration(txn, session, applicant, &party, status, now).await?;
        if ctx.notifies() {
            notices::registered(txn, program, session, &registration).await?;
        }
        if fits {
            self.seats += party.seats;
            self.childcare += party.childcare;
            self.confirmed = true;
        }
        let registered = event(
            &registration,
            if fits { "confirmed" } else { "waitlisted" },
            now,
        );
        Ok(Ok((registration.id, registered)))
    }

    /// Writes the places now held onto the session; returns the events of settling.
    pub(super) async fn close(self, txn: &DatabaseTransaction) -> AppResult<Vec<Event>> {
        if self.confirmed {
            write_totals(txn, self.session, self.seats, self.childcare, self.now).await?;
        }
        Ok(self.settled)
    }
}

/// Inserts the registration with a free check-in code, its children and the first entry
/// of its history.
async fn insert_registration(
    txn: &DatabaseTransaction,
    session: &program_session::Model,
    applicant: &Applicant<'_>,
    party: &Party,
    status: RegistrationStatus,
    now: DateTime<Utc>,
) -> AppResult<registration::Model> {
    let (me, guest) = (applicant.me, applicant.guest);
    let id = Uuid::now_v7();
    let code = free_check_in_code(txn, session.id).await?;
    let registration = registration::ActiveModel {
        id: Set(id),
        municipality_id: Set(session.municipality_id),
        program_id: Set(session.program_id),
        session_id: Set(session.id),
        user_id: Set(me.map(|me| me.id)),
        guest_name: Set(guest.map(|g| g.name.clone())),
        guest_kana: Set(guest.map(|g| g.kana.clone())),
        // A walk-in guest may give no email or phone.
        guest_email: Set(guest.map(|g| g.email.clone()).filter(|e| !e.is_empty())),
        guest_phone: Set(guest.map(|g| g.phone.clone()).filter(|p| !p.is_empty())),
        manage_token_hash: Set(applicant.token.map(hash_token)),
        adults: Set(party.adults),
        children: Set(party.children),
        seats: Set(party.seats),
        childcare: Set(party.childcare),
        status: Set(status),
        check_in_code: Set(code),
        offer_expires_at: Set(None),
        checked_in_at: Set(None),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    for child in applicant.children {
        registration_child::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(session.municipality_id),
            registration_id: Set(id),
            birth_date: Set(child.birth_date),
            age_months_at_session: Set(child.age_months_at_session),
            needs_childcare: Set(child.needs_childcare),
        }
        .insert(txn)
        .await?;
    }
    let actor = me.or(applicant.staff).map(|user| user.id);
    record_change(txn, actor, &registration, None, None, now).await?;
    Ok(registration)
}

/// Counts a call of a public mutation against the client's address.
pub(super) async fn limit_public(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    operation: &str,
) -> AppResult<()> {
    if let Some(limiter) = ctx.limiter {
        limiter
            .hit(
                &format!("{operation}:{}", viewer.client_ip),
                Quota::per_minute(ctx.limits.public_rate_per_minute),
            )
            .await?;
    }
    Ok(())
}

/// Counts a call made with a manage token (no account) against the client's address.
pub(super) async fn limit_token_use(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    reference: &RegistrationRef,
) -> AppResult<()> {
    match reference {
        RegistrationRef::Token(_) => limit_public(ctx, viewer, "manage-token").await,
        RegistrationRef::Id(_) => Ok(()),
    }
}

/// Validated guest details; a walk-in guest's email and phone may be empty.
#[derive(Clone)]
pub(super) struct Guest {
    pub(super) name: String,
    pub(super) kana: String,
    pub(super) email: String,
    pub(super) phone: String,
}

fn check_guest(problems: &mut Problems, guest: &GuestInput) -> Option<Guest> {
    let name = problems.check(text::required("guest.name", &guest.name, 100));
    let kana = problems.check(Kana::parse("guest.nameKana", &guest.kana, 100));
    let email = problems.check(Email::parse("guest.email", &guest.email));
    let phone = problems.check(text::phone("guest.phone", &guest.phone));
    Some(Guest {
        name: name?,
        kana: kana?.as_str().to_owned(),
        email: email?.as_str().to_owned(),
        phone: phone?,
    })
}

/// Every rule the registration breaks, checked inside the locked transaction.
#[allow(clippy::too_many_arguments)]
async fn refusals(
    txn: &DatabaseTransaction,
    program: &program::Model,
    session: &program_session::Model,
    me: Option<&AuthUser>,
    guest: Option<&Guest>,
    adults: i32,
    children: &[Child],
    at_the_door: bool,
    now: DateTime<Utc>,
) -> AppResult<Vec<FieldError>> {
    let mut problems = Vec::new();
    if program.status != ProgramStatus::Published || session.status != SessionStatus::Scheduled {
        problems.push(FieldError::input(
            "sessionId",
            FieldErrorCode::InvalidState,
            "この回は申込みを受け付けていません（中止または非公開）。",
        ));
        return Ok(problems);
    }
    if at_the_door {
        if now >= session.ends_at {
            problems.push(FieldError::input(
                "sessionId",
                FieldErrorCode::InvalidState,
                "終了した回には受付できません。",
            ));
        }
    } else if now < session.registration_opens_at {
        problems.push(FieldError::input(
            "sessionId",
            FieldErrorCode::RegistrationClosed,
            format!(
                "申込受付は{}からです。",
                session
                    .registration_opens_at
                    .with_timezone(&Tokyo)
                    .format("%Y年%-m月%-d日 %H:%M")
            ),
        ));
    } else if now >= session.registration_closes_at {
        problems.push(FieldError::input(
            "sessionId",
            FieldErrorCode::RegistrationClosed,
            "申込受付は締め切りました。",
        ));
    }
    if program.residents_only
        && me.and_then(|me| me.municipality_id) != Some(program.municipality_id)
    {
        let name = municipality::Entity::find_by_id(program.municipality_id)
            .one(txn)
            .await?
            .map(|m| m.name_ja)
            .unwrap_or_default();
        problems.push(FieldError::input(
            "sessionId",
            FieldErrorCode::NotEligible,
            format!("このプログラムは{name}にお住まいの方が対象です。{name}の住民の方のアカウントでログインしてお申し込みください。"),
        ));
    }
    problems.extend(rules::eligibility_problems(program, adults, children));
    let party = Party::of(adults, children);
    if party.seats > session.capacity || party.childcare > session.childcare_slots {
        problems.push(FieldError::input(
            "children",
            FieldErrorCode::NotEligible,
            format!(
                "この回の定員（{}人、託児{}人）を超える人数では申し込めません。",
                session.capacity, session.childcare_slots
            ),
        ));
    }
    let mut twice = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session.id))
        .filter(registration::Column::Status.is_in(ACTIVE));
    twice = match (me, guest) {
        (Some(me), _) => twice.filter(registration::Column::UserId.eq(me.id)),
        (None, Some(guest)) if !guest.email.is_empty() => {
            twice.filter(registration::Column::GuestEmail.eq(guest.email.as_str()))
        }
        (None, _) => return Ok(problems),
    };
    if twice.count(txn).await? > 0 {
        problems.push(FieldError::input(
            "sessionId",
            FieldErrorCode::Taken,
            "この回にはすでに申し込まれています。",
        ));
    }
    Ok(problems)
}

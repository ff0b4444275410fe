//! Registering a party for a session.

use std::{collections::HashSet, sync::Mutex};

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Tokyo;
use entity::{
    municipality,
    program::{self, ProgramStatus},
    program_session::{self, SessionStatus},
    registration::{self, RegistrationStatus},
    registration_child, registration_status_change,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect,
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
    moves::{change, event},
    together,
    tokens::{free_check_in_codes, hash_token, new_token, rotate_token},
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
    let (session, program) = program_session::Entity::find_by_id(input.session_id)
        .find_also_related(program::Entity)
        .one(ctx.db)
        .await?
        .and_then(|(session, program)| Some((session, program?)))
        .ok_or(AppError::NotFound)?;
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
    // The registration as written, when this call wrote it and has it at hand.
    let mut written = None;
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
            Ok((registration, announced)) => {
                if let Ok(mut events) = events.lock() {
                    events.extend(announced);
                }
                if let Ok(mut created) = created_here.lock() {
                    *created = true;
                }
                let id = registration.id;
                written = Some(registration);
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
                let (registration, announced) =
                    match register_in(txn, ctx, session.id, &applicant).await? {
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
                Ok(Ok(RegisteredId(registration.id)))
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
    let registration = match written {
        Some(registration) => registration,
        None => registration::Entity::find_by_id(id)
            .one(ctx.db)
            .await?
            .ok_or(AppError::NotFound)?,
    };
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
/// or waitlists it. Returns the new registration and the events to announce.
pub(super) async fn register_in(
    txn: &DatabaseTransaction,
    ctx: ServiceContext<'_>,
    session_id: Uuid,
    applicant: &Applicant<'_>,
) -> AppResult<Result<(registration::Model, Vec<Event>), Vec<FieldError>>> {
    let mut desk = Desk::open(txn, ctx, session_id, std::slice::from_ref(applicant)).await?;
    let registered = match desk.register(txn, applicant).await? {
        Ok((_, registered)) => registered,
        Err(refusals) => return Ok(Err(refusals)),
    };
    let (written, mut announced) = desk.close(txn, ctx).await?;
    let registration = written
        .into_iter()
        .next()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the desk wrote no registration")))?;
    announced.push(registered);
    Ok(Ok((registration, announced)))
}

/// A session locked for registering, settled once, taking one party after another in the
/// same transaction: each is checked and placed as if alone, against the places and the
/// registrations of those before it. What they make is written when the desk closes, in
/// a fixed number of statements however many parties there were.
pub(super) struct Desk {
    session: program_session::Model,
    program: program::Model,
    seats: i32,
    childcare: i32,
    now: DateTime<Utc>,
    /// Offers that settling expired or made.
    settled: Vec<Event>,
    /// Accounts and guest addresses (of the parties expected) already registered for the
    /// session, and those registered at this desk.
    holders: Holders,
    /// The registrations made at this desk, to write.
    made: Vec<Made>,
}

/// Who holds an active registration for the session.
#[derive(Default)]
struct Holders {
    accounts: HashSet<Uuid>,
    guests: HashSet<String>,
}

impl Holders {
    /// The account or guest address whose second registration would be refused, if any.
    fn key(applicant: &Applicant<'_>) -> Option<Holder> {
        match (applicant.me, applicant.guest) {
            (Some(me), _) => Some(Holder::Account(me.id)),
            (None, Some(guest)) if !guest.email.is_empty() => {
                Some(Holder::Guest(guest.email.clone()))
            }
            (None, _) => None,
        }
    }

    fn holds(&self, holder: &Holder) -> bool {
        match holder {
            Holder::Account(id) => self.accounts.contains(id),
            Holder::Guest(email) => self.guests.contains(email),
        }
    }

    fn add(&mut self, holder: Holder) {
        match holder {
            Holder::Account(id) => self.accounts.insert(id),
            Holder::Guest(email) => self.guests.insert(email),
        };
    }
}

enum Holder {
    Account(Uuid),
    Guest(String),
}

/// A registration made at the desk: its row (without its check-in code until written),
/// its children and who made it.
struct Made {
    registration: registration::Model,
    children: Vec<registration_child::ActiveModel>,
    actor: Option<Uuid>,
}

impl Desk {
    /// Locks the session, then passes on expired offers and offers free places to the
    /// parties waiting (they come before any newcomer), and reads which of `expected`
    /// already hold a registration for it.
    pub(super) async fn open(
        txn: &DatabaseTransaction,
        ctx: ServiceContext<'_>,
        session_id: Uuid,
        expected: &[Applicant<'_>],
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
        let holders = holders(txn, session.id, expected).await?;
        Ok(Self {
            session,
            program,
            seats: settled.seats,
            childcare: settled.childcare,
            now,
            settled: settled.events,
            holders,
            made: Vec::new(),
        })
    }

    /// Checks every rule for one party, then confirms it if it fits the places left or
    /// waitlists it. Returns the registration's id and its event.
    pub(super) async fn register(
        &mut self,
        txn: &DatabaseTransaction,
        applicant: &Applicant<'_>,
    ) -> AppResult<Result<(Uuid, Event), Vec<FieldError>>> {
        let (program, session, now) = (&self.program, &self.session, self.now);
        let holder = Holders::key(applicant);
        let twice = holder
            .as_ref()
            .is_some_and(|holder| self.holders.holds(holder));
        let refusals = refusals(txn, program, session, applicant, twice, now).await?;
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
        let made = made(session, applicant, &party, status, now);
        if fits {
            self.seats += party.seats;
            self.childcare += party.childcare;
        }
        if let Some(holder) = holder {
            self.holders.add(holder);
        }
        let registered = event(
            &made.registration,
            if fits { "confirmed" } else { "waitlisted" },
            now,
        );
        let id = made.registration.id;
        self.made.push(made);
        Ok(Ok((id, registered)))
    }

    /// Writes the registrations made, with their check-in codes, children, history and
    /// messages, and the places now held onto the session; returns the registrations as
    /// written, in the order made, and the events of settling.
    pub(super) async fn close(
        self,
        txn: &DatabaseTransaction,
        ctx: ServiceContext<'_>,
    ) -> AppResult<(Vec<registration::Model>, Vec<Event>)> {
        if self.made.is_empty() {
            return Ok((Vec::new(), self.settled));
        }
        let codes = free_check_in_codes(txn, self.session.id, self.made.len()).await?;
        let mut registrations = Vec::with_capacity(self.made.len());
        let mut children = Vec::new();
        let mut history = Vec::with_capacity(self.made.len());
        for (made, code) in self.made.into_iter().zip(codes) {
            let mut registration = made.registration;
            registration.check_in_code = code;
            history.push(change(made.actor, &registration, None, None, self.now));
            children.extend(made.children);
            registrations.push(registration);
        }
        registration::Entity::insert_many(
            registrations
                .iter()
                .map(|registration| registration.clone().into_active_model()),
        )
        .exec_without_returning(txn)
        .await?;
        if !children.is_empty() {
            registration_child::Entity::insert_many(children)
                .exec_without_returning(txn)
                .await?;
        }
        registration_status_change::Entity::insert_many(history)
            .exec_without_returning(txn)
            .await?;
        if ctx.notifies() {
            notices::registered(txn, &self.program, &self.session, &registrations).await?;
        }
        let confirmed = registrations
            .iter()
            .any(|registration| registration.status == RegistrationStatus::Confirmed);
        if confirmed {
            write_totals(txn, self.session, self.seats, self.childcare, self.now).await?;
        }
        Ok((registrations, self.settled))
    }
}

/// Which of `expected` already hold an active registration for the session, in one
/// statement.
async fn holders(
    txn: &DatabaseTransaction,
    session_id: Uuid,
    expected: &[Applicant<'_>],
) -> AppResult<Holders> {
    let mut accounts = Vec::new();
    let mut guests = Vec::new();
    for applicant in expected {
        match Holders::key(applicant) {
            Some(Holder::Account(id)) => accounts.push(id),
            Some(Holder::Guest(email)) => guests.push(email),
            None => {}
        }
    }
    if accounts.is_empty() && guests.is_empty() {
        return Ok(Holders::default());
    }
    let rows: Vec<(Option<Uuid>, Option<String>)> = registration::Entity::find()
        .select_only()
        .column(registration::Column::UserId)
        .column(registration::Column::GuestEmail)
        .filter(registration::Column::SessionId.eq(session_id))
        .filter(registration::Column::Status.is_in(ACTIVE))
        .filter(
            Condition::any()
                .add(registration::Column::UserId.is_in(accounts))
                .add(registration::Column::GuestEmail.is_in(guests)),
        )
        .into_tuple()
        .all(txn)
        .await?;
    let mut holders = Holders::default();
    for (user, email) in rows {
        match (user, email) {
            (Some(user), _) => holders.add(Holder::Account(user)),
            (None, Some(email)) => holders.add(Holder::Guest(email)),
            (None, None) => {}
        }
    }
    Ok(holders)
}

/// The registration `applicant` makes, with its children and history's actor; its
/// check-in code is chosen when it is written.
fn made(
    session: &program_session::Model,
    applicant: &Applicant<'_>,
    party: &Party,
    status: RegistrationStatus,
    now: DateTime<Utc>,
) -> Made {
    let (me, guest) = (applicant.me, applicant.guest);
    let id = Uuid::now_v7();
    let registration = registration::Model {
        id,
        municipality_id: session.municipality_id,
        program_id: session.program_id,
        session_id: session.id,
        user_id: me.map(|me| me.id),
        guest_name: guest.map(|g| g.name.clone()),
        guest_kana: guest.map(|g| g.kana.clone()),
        // A walk-in guest may give no email or phone.
        guest_email: guest.map(|g| g.email.clone()).filter(|e| !e.is_empty()),
        guest_phone: guest.map(|g| g.phone.clone()).filter(|p| !p.is_empty()),
        manage_token_hash: applicant.token.map(hash_token),
        adults: party.adults,
        children: party.children,
        seats: party.seats,
        childcare: party.childcare,
        status,
        check_in_code: String::new(),
        offer_expires_at: None,
        checked_in_at: None,
        cancelled_at: None,
        cancel_reason: None,
        created_at: now,
        updated_at: now,
    };
    let children = applicant
        .children
        .iter()
        .map(|child| registration_child::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(session.municipality_id),
            registration_id: Set(id),
            birth_date: Set(child.birth_date),
            age_months_at_session: Set(child.age_months_at_session),
            needs_childcare: Set(child.needs_childcare),
        })
        .collect();
    Made {
        registration,
        children,
        actor: me.or(applicant.staff).map(|user| user.id),
    }
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

/// Every rule the registration breaks, checked inside the locked transaction; `twice`
/// when the account or guest already holds a registration for the session.
async fn refusals(
    txn: &DatabaseTransaction,
    program: &program::Model,
    session: &program_session::Model,
    applicant: &Applicant<'_>,
    twice: bool,
    now: DateTime<Utc>,
) -> AppResult<Vec<FieldError>> {
    let (me, at_the_door) = (applicant.me, applicant.at_the_door);
    let (adults, children) = (applicant.adults, applicant.children);
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
    if twice {
        problems.push(FieldError::input(
            "sessionId",
            FieldErrorCode::Taken,
            "この回にはすでに申し込まれています。",
        ));
    }
    Ok(problems)
}

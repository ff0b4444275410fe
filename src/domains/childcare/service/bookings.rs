//! Booking temporary childcare.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    childcare_booking::{self, BookingStatus},
    childcare_booking_child, childcare_booking_rule, childcare_child, childcare_resource,
    childcare_slot, user,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    auth::{AuthUser, Role, Viewer},
    db::now,
    domains::{childcare::notices, programs::registration::months_between},
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    fiscal,
    idempotency::{self, KeyScope},
    state::ServiceContext,
    text::{self, Kana, optional_line},
};

use super::{
    capacity::{recount, slot_minutes},
    reads::resource_of,
    refusals::{ChildToBook, Request, booking_refusals},
    visibility::can_see,
    waitlist::waitlist_position,
};

/// Most days one booking may cover.
const MAX_BOOKING_DAYS: usize = 14;
/// Most children in one booking.
const MAX_CHILDREN: usize = 5;

/// A child in a booking request.
#[derive(Debug, Clone)]
pub enum ChildRef {
    /// A child the guardian registered before.
    Registered(Uuid),
    /// A new child, registered under the guardian for next time.
    New {
        /// Name.
        name: String,
        /// Kana reading.
        name_kana: String,
        /// Birth date.
        birth_date: Option<NaiveDate>,
    },
}

/// A booking request.
#[derive(Debug, Clone)]
pub struct NewBooking {
    /// One slot per day.
    pub slot_ids: Vec<Uuid>,
    /// The children.
    pub children: Vec<ChildRef>,
    /// A note for the staff (allergies, …).
    pub note: Option<String>,
    /// Wait on a full slot (キャンセル待ち) instead of being refused; every other rule
    /// still applies.
    pub join_waitlist_if_full: bool,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Books temporary childcare for some of the guardian's children, one booking per slot
/// (day), all in one group. Every rule is checked under the slot locks; a refusal names
/// the rule and books nothing. With `join_waitlist_if_full`, the days without enough
/// places are waited on (status `waitlisted`) instead of refused.
#[tracing::instrument(skip_all)]
pub async fn book(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: NewBooking,
) -> AppResult<Outcome<Vec<childcare_booking::Model>>> {
    let db = ctx.db;
    let me = viewer.require_role(&[Role::Resident])?.clone();
    let mut problems = Problems::new();
    let (slot_ids, note) = check_request(&mut problems, &input);
    let slots = childcare_slot::Entity::find()
        .filter(childcare_slot::Column::Id.is_in(slot_ids.clone()))
        .all(db)
        .await?;
    if slots.len() != slot_ids.len() {
        return Err(AppError::NotFound);
    }
    let Some(resource_id) = slots.first().map(|slot| slot.resource_id) else {
        return Ok(Err(problems.into_vec()));
    };
    let resource = resource_of(db, resource_id).await?;
    if !can_see(viewer, &resource) {
        return Err(AppError::NotFound);
    }
    check_slots(&mut problems, &me, &resource, &slots);
    let Some(rules) = childcare_booking_rule::Entity::find_by_id(resource.id)
        .one(db)
        .await?
    else {
        problems.push(FieldError::input(
            "slotIds",
            FieldErrorCode::NotAllowed,
            "この施設はインターネット予約を受け付けていません。",
        ));
        return Ok(Err(problems.into_vec()));
    };
    let mut children = children_to_book(db, &me, &input.children, &mut problems).await?;
    // A retry must match the request as it was typed, before any child is recognised.
    let fingerprint = Fingerprint::of(&slot_ids, &children, input.join_waitlist_if_full);
    resolve_children(db, &me, &mut children, &mut problems).await?;
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }

    let created = idempotency::run_once(
        db,
        &KeyScope::user(me.id, "bookTemporaryChildcare"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let locked = lock_slots(txn, me.id, &slot_ids).await?;
            // A child registered by a booking that committed meanwhile is the same child.
            let mut children = children.clone();
            match_registered(txn, me.id, &mut children).await?;
            let now = now();
            let request = Request {
                guardian_id: me.id,
                slots: &locked,
                requested_order: &slot_ids,
                children: &children,
                join_waitlist: input.join_waitlist_if_full,
                promoting: None,
            };
            let verdict = booking_refusals(txn, &rules, &request, now).await?;
            if !verdict.refusals.is_empty() {
                return Ok(Err(verdict.refusals));
            }
            let child_ids =
                register_children(txn, resource.municipality_id, me.id, &children, now).await?;
            let new = NewRows {
                guardian_id: me.id,
                child_ids: &child_ids,
                note: note.as_ref(),
                full: &verdict.full,
                now,
            };
            let ids = insert_bookings(txn, &locked, &new).await?;
            if ctx.notifies() {
                let made = childcare_booking::Entity::find()
                    .filter(childcare_booking::Column::Id.is_in(ids.clone()))
                    .order_by_asc(childcare_booking::Column::StartsAt)
                    .all(txn)
                    .await?;
                let (waiting, booked): (Vec<_>, Vec<_>) = made
                    .into_iter()
                    .partition(|booking| booking.status == BookingStatus::Waitlisted);
                notices::booked(txn, &resource, &booked, rules.cancel_deadline_hours).await?;
                let mut positions = Vec::with_capacity(waiting.len());
                for booking in waiting {
                    let position = waitlist_position(txn, &booking).await?.unwrap_or(1);
                    positions.push((booking, position));
                }
                notices::waitlisted(txn, &resource, &positions).await?;
            }
            Ok(Ok(ids))
        },
    )
    .await?;
    match created {
        Ok(ids) => Ok(Ok(childcare_booking::Entity::find()
            .filter(childcare_booking::Column::Id.is_in(ids))
            .order_by_asc(childcare_booking::Column::StartsAt)
            .all(db)
            .await?)),
        Err(errors) => Ok(Err(errors)),
    }
}

/// Checks the shape of a request: distinct slots, how many days and children, the note.
/// Returns the slot ids in id order and the note.
fn check_request(problems: &mut Problems, input: &NewBooking) -> (Vec<Uuid>, Option<String>) {
    let mut slot_ids = input.slot_ids.clone();
    slot_ids.sort();
    slot_ids.dedup();
    if slot_ids.is_empty() || slot_ids.len() != input.slot_ids.len() {
        problems.push(FieldError::input(
            "slotIds",
            FieldErrorCode::Invalid,
            "予約する枠を重複なく1つ以上選んでください。",
        ));
    }
    if slot_ids.len() > MAX_BOOKING_DAYS {
        problems.push(FieldError::input(
            "slotIds",
            FieldErrorCode::TooLong,
            format!("一度に予約できるのは{MAX_BOOKING_DAYS}日までです。"),
        ));
    }
    if input.children.is_empty() || input.children.len() > MAX_CHILDREN {
        problems.push(FieldError::input(
            "children",
            FieldErrorCode::Invalid,
            format!("お子さまは1〜{MAX_CHILDREN}人で指定してください。"),
        ));
    }
    let note = problems
        .check(optional_line("note", input.note.as_deref(), 500))
        .flatten();
    (slot_ids, note)
}

/// Checks that the slots are of one resource, one a day, and that the guardian lives in its
/// municipality.
fn check_slots(
    problems: &mut Problems,
    me: &AuthUser,
    resource: &childcare_resource::Model,
    slots: &[childcare_slot::Model],
) {
    if slots.iter().any(|slot| slot.resource_id != resource.id) {
        problems.push(FieldError::input(
            "slotIds",
            FieldErrorCode::Invalid,
            "一度に予約できるのは同じ施設の枠だけです。",
        ));
    }
    let mut dates: Vec<NaiveDate> = slots.iter().map(|slot| slot.date).collect();
    dates.sort();
    dates.dedup();
    if dates.len() != slots.len() {
        problems.push(FieldError::input(
            "slotIds",
            FieldErrorCode::Invalid,
            "1日に予約できる枠は1つです。",
        ));
    }
    if me.municipality_id != Some(resource.municipality_id) {
        problems.push(FieldError::input(
            "slotIds",
            FieldErrorCode::NotEligible,
            "一時保育はこの市町村にお住まいの方（住民アカウント）のみ予約できます。",
        ));
    }
}

/// The children of a request: the guardian's registered ones, and new ones checked.
async fn children_to_book(
    db: &DatabaseConnection,
    me: &AuthUser,
    requested: &[ChildRef],
    problems: &mut Problems,
) -> AppResult<Vec<ChildToBook>> {
    let registered_ids: Vec<Uuid> = requested
        .iter()
        .filter_map(|child| match child {
            ChildRef::Registered(id) => Some(*id),
            ChildRef::New { .. } => None,
        })
        .collect();
    let registered: HashMap<Uuid, childcare_child::Model> = childcare_child::Entity::find()
        .filter(childcare_child::Column::Id.is_in(registered_ids))
        .filter(childcare_child::Column::GuardianUserId.eq(me.id))
        .filter(childcare_child::Column::RemovedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|child| (child.id, child))
        .collect();
    let today = fiscal::date_of(now());
    let mut children: Vec<ChildToBook> = Vec::new();
    for (index, child) in requested.iter().enumerate() {
        let field = format!("children.{index}");
        match child {
            ChildRef::Registered(id) => match registered.get(id) {
                Some(child) => {
                    if children
                        .iter()
                        .any(|c: &ChildToBook| c.existing.as_ref().is_some_and(|e| e.id == *id))
                    {
                        problems.push(FieldError::input(
                            &field,
                            FieldErrorCode::Invalid,
                            "同じお子さまが重複しています。",
                        ));
                        continue;
                    }
                    children.push(ChildToBook {
                        existing: Some(child.clone()),
                        name: child.name.clone(),
                        name_kana: child.name_kana.clone(),
                        birth_date: child.birth_date,
                    });
                }
                None => problems.push(FieldError::input(
                    &field,
                    FieldErrorCode::NotFound,
                    "登録されたお子さまが見つかりません。",
                )),
            },
            ChildRef::New {
                name,
                name_kana,
                birth_date,
            } => {
                let name = problems.check(text::required(&format!("{field}.name"), name, 100));
                let kana =
                    problems.check(Kana::parse(&format!("{field}.nameKana"), name_kana, 100));
                let Some(birth_date) = birth_date else {
                    problems.push(FieldError::input(
                        &format!("{field}.birthDate"),
                        FieldErrorCode::Required,
                        "お子さまの生年月日を入力してください。",
                    ));
                    continue;
                };
                if *birth_date > today {
                    problems.push(FieldError::input(
                        &format!("{field}.birthDate"),
                        FieldErrorCode::Invalid,
                        "生年月日が未来の日付です。",
                    ));
                    continue;
                }
                if let (Some(name), Some(kana)) = (name, kana) {
                    children.push(ChildToBook {
                        existing: None,
                        name,
                        name_kana: kana.as_str().to_owned(),
                        birth_date: *birth_date,
                    });
                }
            }
        }
    }
    Ok(children)
}

/// Resolves the new children of a request to the guardian's registered ones where they are
/// the same child, and refuses a child named twice.
async fn resolve_children(
    db: &impl ConnectionTrait,
    me: &AuthUser,
    children: &mut [ChildToBook],
    problems: &mut Problems,
) -> AppResult<()> {
    match_registered(db, me.id, children).await?;
    let mut seen = HashSet::new();
    for (index, child) in children.iter().enumerate() {
        let key = match &child.existing {
            Some(existing) => identity(&existing.name, &existing.name_kana, existing.birth_date),
            None => identity(&child.name, &child.name_kana, child.birth_date),
        };
        if !seen.insert(key) {
            problems.push(FieldError::input(
                &format!("children.{index}"),
                FieldErrorCode::Invalid,
                "同じお子さまが重複しています。",
            ));
        }
    }
    Ok(())
}

/// What makes two typed children one: name and reading compared without their spaces
/// (`八幡 なぎ` and `八幡なぎ`, `ヤハタ ナギ` and `ヤハタナギ`), and the birth date.
pub(super) fn identity(
    name: &str,
    kana: &str,
    birth_date: NaiveDate,
) -> (String, String, NaiveDate) {
    let squeezed = |text: &str| text.chars().filter(|c| !c.is_whitespace()).collect();
    (squeezed(name), squeezed(kana), birth_date)
}

/// Finds, for each new child, a child the guardian registered before with the same name,
/// reading and birth date: typing a child in again books that child (with its monthly
/// limit and its one place a day), never a second record of it.
async fn match_registered(
    db: &impl ConnectionTrait,
    guardian_id: Uuid,
    children: &mut [ChildToBook],
) -> AppResult<()> {
    if children.iter().all(|child| child.existing.is_some()) {
        return Ok(());
    }
    let registered = childcare_child::Entity::find()
        .filter(childcare_child::Column::GuardianUserId.eq(guardian_id))
        .filter(childcare_child::Column::RemovedAt.is_null())
        .all(db)
        .await?;
    for child in children.iter_mut().filter(|child| child.existing.is_none()) {
        let key = identity(&child.name, &child.name_kana, child.birth_date);
        child.existing = registered
            .iter()
            .find(|known| identity(&known.name, &known.name_kana, known.birth_date) == key)
            .cloned();
    }
    Ok(())
}

/// What a repeated request must match to replay its first answer.
#[derive(Serialize)]
struct Fingerprint {
    slots: Vec<Uuid>,
    children: Vec<(Option<Uuid>, String, String)>,
    waitlist: bool,
}

impl Fingerprint {
    fn of(slot_ids: &[Uuid], children: &[ChildToBook], waitlist: bool) -> Self {
        Self {
            waitlist,
            slots: slot_ids.to_vec(),
            children: children
                .iter()
                .map(|c| {
                    (
                        c.existing.as_ref().map(|e| e.id),
                        c.name_kana.clone(),
                        c.birth_date.to_string(),
                    )
                })
                .collect(),
        }
    }
}

/// Locks the guardian's account row, then every slot in id order; returns the slots by
/// start.
async fn lock_slots(
    txn: &DatabaseTransaction,
    guardian_id: Uuid,
    slot_ids: &[Uuid],
) -> AppResult<Vec<childcare_slot::Model>> {
    // One guardian's bookings are serialized on their account row, then every slot
    // is locked in id order, so concurrent bookings never deadlock.
    user::Entity::find_by_id(guardian_id)
        .lock_exclusive()
        .one(txn)
        .await?;
    let mut locked = Vec::with_capacity(slot_ids.len());
    for id in slot_ids {
        locked.push(
            childcare_slot::Entity::find_by_id(*id)
                .lock_exclusive()
                .one(txn)
                .await?
                .ok_or(AppError::NotFound)?,
        );
    }
    locked.sort_by_key(|slot| slot.starts_at);
    Ok(locked)
}

/// Registers the new children under the guardian; returns every child's id and birth date.
async fn register_children(
    txn: &DatabaseTransaction,
    municipality_id: Uuid,
    guardian_id: Uuid,
    children: &[ChildToBook],
    now: DateTime<Utc>,
) -> AppResult<Vec<(Uuid, NaiveDate)>> {
    let mut child_ids = Vec::with_capacity(children.len());
    for child in children {
        let id = match &child.existing {
            Some(existing) => existing.id,
            None => {
                let id = Uuid::now_v7();
                childcare_child::ActiveModel {
                    id: Set(id),
                    municipality_id: Set(municipality_id),
                    guardian_user_id: Set(guardian_id),
                    name: Set(child.name.clone()),
                    name_kana: Set(child.name_kana.clone()),
                    birth_date: Set(child.birth_date),
                    created_at: Set(now),
                    notes: Set(None),
                    removed_at: Set(None),
                }
                .insert(txn)
                .await?;
                id
            }
        };
        child_ids.push((id, child.birth_date));
    }
    Ok(child_ids)
}

/// The bookings to insert, one per slot.
struct NewRows<'a> {
    guardian_id: Uuid,
    /// Every child's id and birth date.
    child_ids: &'a [(Uuid, NaiveDate)],
    note: Option<&'a String>,
    /// Slots waited on rather than booked.
    full: &'a [Uuid],
    now: DateTime<Utc>,
}

/// Inserts one booking per locked slot (waiting on the full ones), all in one group, with
/// its children, and recounts each slot; returns the booking ids.
async fn insert_bookings(
    txn: &DatabaseTransaction,
    locked: &[childcare_slot::Model],
    new: &NewRows<'_>,
) -> AppResult<Vec<Uuid>> {
    let NewRows {
        guardian_id,
        child_ids,
        note,
        full,
        now,
    } = *new;
    let group_id = Uuid::now_v7();
    let mut ids = Vec::with_capacity(locked.len());
    for slot in locked {
        let id = Uuid::now_v7();
        childcare_booking::ActiveModel {
            id: Set(id),
            municipality_id: Set(slot.municipality_id),
            resource_id: Set(slot.resource_id),
            slot_id: Set(slot.id),
            group_id: Set(group_id),
            guardian_user_id: Set(guardian_id),
            status: Set(if full.contains(&slot.id) {
                BookingStatus::Waitlisted
            } else {
                BookingStatus::Booked
            }),
            children: Set(i32::try_from(child_ids.len()).unwrap_or(i32::MAX)),
            minutes: Set(slot_minutes(slot)),
            date: Set(slot.date),
            starts_at: Set(slot.starts_at),
            note: Set(note.cloned()),
            cancelled_at: Set(None),
            marked_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            cancel_reason: Set(None),
        }
        .insert(txn)
        .await?;
        for (child_id, birth_date) in child_ids {
            childcare_booking_child::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(slot.municipality_id),
                booking_id: Set(id),
                child_id: Set(*child_id),
                age_months: Set(months_between(*birth_date, slot.date)),
            }
            .insert(txn)
            .await?;
        }
        recount(txn, slot.id).await?;
        ids.push(id);
    }
    Ok(ids)
}

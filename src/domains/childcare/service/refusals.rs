//! The booking rules a request breaks, checked with its slots locked.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Asia::Tokyo;
use entity::{
    childcare_booking::{self, BookingStatus},
    childcare_booking_child, childcare_booking_rule, childcare_child, childcare_slot,
};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use crate::{
    domains::childcare::booking as rules,
    domains::programs::registration::months_between,
    error::{AppResult, FieldError, FieldErrorCode},
    fiscal,
};

use super::{
    ACTIVE,
    capacity::{held, slot_minutes},
};

/// A child of a booking request, checked.
#[derive(Debug, Clone)]
pub(super) struct ChildToBook {
    /// The registered child, or none for a new one.
    pub(super) existing: Option<childcare_child::Model>,
    /// Name.
    pub(super) name: String,
    /// Kana reading.
    pub(super) name_kana: String,
    /// Birth date.
    pub(super) birth_date: NaiveDate,
}

/// What the rules say of a request.
pub(super) struct Verdict {
    /// Every rule the request breaks; nothing may be booked when there is one.
    pub(super) refusals: Vec<FieldError>,
    /// The slots without enough places, waited on instead of refused when the request
    /// joins waitlists.
    pub(super) full: Vec<Uuid>,
}

/// A request to hold places, as the rules see it: a new booking, or a waiting booking
/// about to be confirmed.
pub(super) struct Request<'a> {
    /// The guardian asking.
    pub(super) guardian_id: Uuid,
    /// The slots, locked, by start.
    pub(super) slots: &'a [childcare_slot::Model],
    /// The slot ids in the order the request named them (for the error fields).
    pub(super) requested_order: &'a [Uuid],
    /// The children.
    pub(super) children: &'a [ChildToBook],
    /// Wait on a full slot instead of being refused.
    pub(super) join_waitlist: bool,
    /// The waiting booking being confirmed: its own row is not a second booking of its
    /// day, and the hours it would hold are counted once.
    pub(super) promoting: Option<Uuid>,
}

/// Every booking rule the request breaks, with the slots locked. With `join_waitlist`, a
/// slot without enough places is not a refusal but goes into [`Verdict::full`]: every
/// other rule holds for waiting as for booking.
pub(super) async fn booking_refusals(
    txn: &DatabaseTransaction,
    rules: &childcare_booking_rule::Model,
    request: &Request<'_>,
    now: DateTime<Utc>,
) -> AppResult<Verdict> {
    let mut problems = Vec::new();
    let today = fiscal::date_of(now);
    let full = slot_refusals(txn, &mut problems, rules, request, now).await?;
    no_show_refusal(txn, &mut problems, request.guardian_id, rules, today).await?;
    monthly_refusals(txn, &mut problems, rules, request, today).await?;
    Ok(Verdict {
        refusals: problems,
        full,
    })
}

/// Each slot: cancelled, started, not open yet, children outside the ages, not enough
/// places (returned instead when joining waitlists).
async fn slot_refusals(
    txn: &DatabaseTransaction,
    problems: &mut Vec<FieldError>,
    rules: &childcare_booking_rule::Model,
    request: &Request<'_>,
    now: DateTime<Utc>,
) -> AppResult<Vec<Uuid>> {
    let Request {
        slots,
        requested_order,
        children,
        join_waitlist,
        ..
    } = *request;
    let mut full = Vec::new();
    let field_of = |slot: &childcare_slot::Model| {
        let index = requested_order
            .iter()
            .position(|id| *id == slot.id)
            .unwrap_or(0);
        format!("slotIds.{index}")
    };
    let count = i32::try_from(children.len()).unwrap_or(i32::MAX);
    for slot in slots {
        let field = field_of(slot);
        if slot.cancelled_at.is_some() {
            problems.push(FieldError::input(
                &field,
                FieldErrorCode::RegistrationClosed,
                format!("{}の枠は中止になりました。", slot.date),
            ));
            continue;
        }
        if slot.starts_at <= now {
            problems.push(FieldError::input(
                &field,
                FieldErrorCode::RegistrationClosed,
                format!("{}の枠は受付を終了しました。", slot.date),
            ));
            continue;
        }
        let opens_at = rules::booking_opens_at(slot.date, rules.opens_days_before);
        if now < opens_at {
            problems.push(FieldError::input(
                &field,
                FieldErrorCode::BookingNotYetOpen,
                format!(
                    "{}の予約受付は{}の0時から始まります（{}日前から）。",
                    slot.date,
                    opens_at.with_timezone(&Tokyo).date_naive(),
                    rules.opens_days_before
                ),
            ));
        }
        for child in children {
            let age = months_between(child.birth_date, slot.date);
            if age < rules.min_age_months || age > rules.max_age_months {
                problems.push(FieldError::input(
                    &field,
                    FieldErrorCode::AgeOutOfRange,
                    format!(
                        "{}さんは{}時点で{age}か月です。対象は{}〜{}か月のお子さまです。",
                        child.name, slot.date, rules.min_age_months, rules.max_age_months
                    ),
                ));
            }
        }
        let held = held(txn, slot.id).await?;
        if held + count > slot.capacity && join_waitlist {
            full.push(slot.id);
        } else if held + count > slot.capacity {
            problems.push(FieldError::input(
                &field,
                FieldErrorCode::Full,
                format!(
                    "{}の枠は残り{}人分です（{}人で申し込まれています）。",
                    slot.date,
                    (slot.capacity - held).max(0),
                    count
                ),
            ));
        }
    }

    Ok(full)
}

/// Repeated no-shows at this resource restrict new bookings for a while.
async fn no_show_refusal(
    txn: &DatabaseTransaction,
    problems: &mut Vec<FieldError>,
    guardian_id: Uuid,
    rules: &childcare_booking_rule::Model,
    today: NaiveDate,
) -> AppResult<()> {
    let window = i64::from(rules.no_show_window_days) + i64::from(rules.restriction_days);
    let no_shows: Vec<NaiveDate> = childcare_booking::Entity::find()
        .select_only()
        .column(childcare_booking::Column::Date)
        .filter(childcare_booking::Column::GuardianUserId.eq(guardian_id))
        .filter(childcare_booking::Column::ResourceId.eq(rules.resource_id))
        .filter(childcare_booking::Column::Status.eq(BookingStatus::NoShow))
        .filter(childcare_booking::Column::Date.gte(today - Duration::days(window)))
        .into_tuple()
        .all(txn)
        .await?;
    if let Some(until) = rules::restricted_until(
        no_shows,
        rules.no_show_limit,
        rules.no_show_window_days,
        rules.restriction_days,
        today,
    ) {
        problems.push(FieldError::input(
            "slotIds",
            FieldErrorCode::BookingRestricted,
            format!(
                "{}日以内に{}回の無断キャンセルがあったため、{until}まで新しい予約はできません。",
                rules.no_show_window_days, rules.no_show_limit
            ),
        ));
    }

    Ok(())
}

/// The registered children's days already booked in these slots, or, when none, the
/// monthly hours the booking would exceed.
async fn monthly_refusals(
    txn: &DatabaseTransaction,
    problems: &mut Vec<FieldError>,
    rules: &childcare_booking_rule::Model,
    request: &Request<'_>,
    today: NaiveDate,
) -> AppResult<()> {
    let Request {
        slots,
        children,
        promoting,
        ..
    } = *request;
    let existing: Vec<Uuid> = children
        .iter()
        .filter_map(|child| child.existing.as_ref().map(|e| e.id))
        .collect();
    let mut usage_so_far = HashMap::new();
    if !existing.is_empty() {
        let first = slots.iter().map(|s| s.date).min().unwrap_or(today);
        let last = slots.iter().map(|s| s.date).max().unwrap_or(today);
        let month_start =
            |date: NaiveDate| date - Duration::days(i64::from(chrono::Datelike::day0(&date)));
        let booked: Vec<(Uuid, Uuid, NaiveDate, i32, BookingStatus)> =
            childcare_booking_child::Entity::find()
                .select_only()
                .column(childcare_booking_child::Column::ChildId)
                .column(childcare_booking::Column::SlotId)
                .column(childcare_booking::Column::Date)
                .column(childcare_booking::Column::Minutes)
                .column(childcare_booking::Column::Status)
                .join(
                    sea_orm::JoinType::InnerJoin,
                    childcare_booking_child::Entity::belongs_to(childcare_booking::Entity)
                        .from(childcare_booking_child::Column::BookingId)
                        .to(childcare_booking::Column::Id)
                        .into(),
                )
                .filter(childcare_booking_child::Column::ChildId.is_in(existing))
                .filter(childcare_booking::Column::ResourceId.eq(rules.resource_id))
                // A waiting booking holds no hours but is the child's place on that day.
                .filter(
                    childcare_booking::Column::Status
                        .is_in(ACTIVE.into_iter().chain([BookingStatus::Waitlisted])),
                )
                .filter(childcare_booking::Column::Date.gte(month_start(first)))
                .filter(childcare_booking::Column::Date.lt(month_start(last) + Duration::days(31)))
                .apply_if(promoting, |query, id| {
                    query.filter(childcare_booking::Column::Id.ne(id))
                })
                .into_tuple()
                .all(txn)
                .await?;
        let mut usage: HashMap<(Uuid, (i32, u32)), i64> = HashMap::new();
        let mut already_booked = false;
        for (child, slot_id, date, minutes, status) in booked {
            if slots.iter().any(|slot| slot.id == slot_id) {
                already_booked = true;
                let name = children
                    .iter()
                    .find(|c| c.existing.as_ref().is_some_and(|e| e.id == child))
                    .map_or("", |c| c.name.as_str());
                problems.push(FieldError::input(
                    "children",
                    FieldErrorCode::Taken,
                    format!(
                        "{name}さんは{date}の枠をすでに予約しています（キャンセル待ちを含む）。"
                    ),
                ));
            }
            if status == BookingStatus::Waitlisted {
                continue;
            }
            *usage.entry((child, rules::month_of(date))).or_default() += i64::from(minutes);
        }
        if already_booked {
            // The monthly hours of a day booked twice mean nothing; the duplicate is the rule.
            return Ok(());
        }
        usage_so_far = usage;
    }
    let new = new_children_usage(children, slots);
    report_monthly(problems, rules, children, &usage_so_far, &new);
    Ok(())
}

/// Usage keys: registered children by id; new ones by a key made from their position.
fn child_key(index: usize, child: &ChildToBook) -> Uuid {
    child
        .existing
        .as_ref()
        .map_or(Uuid::from_u128(index as u128 + 1), |e| e.id)
}

fn new_children_usage(
    children: &[ChildToBook],
    slots: &[childcare_slot::Model],
) -> Vec<(Uuid, NaiveDate, i32)> {
    children
        .iter()
        .enumerate()
        .flat_map(|(index, child)| {
            slots
                .iter()
                .map(move |slot| (child_key(index, child), slot.date, slot_minutes(slot)))
        })
        .collect()
}

fn report_monthly(
    problems: &mut Vec<FieldError>,
    rules: &childcare_booking_rule::Model,
    children: &[ChildToBook],
    usage: &HashMap<(Uuid, (i32, u32)), i64>,
    new: &[(Uuid, NaiveDate, i32)],
) {
    let limit = i64::from(rules.monthly_limit_hours) * 60;
    for (key, (year, month), total) in rules::over_monthly_limit(usage, new, limit) {
        let name = children
            .iter()
            .enumerate()
            .find(|(index, child)| child_key(*index, child) == key)
            .map_or("", |(_, child)| child.name.as_str());
        problems.push(FieldError::input(
            "children",
            FieldErrorCode::MonthlyLimitExceeded,
            format!(
                "{name}さんの{year}年{month}月の利用は{}時間までです（この予約で{}時間{}分になります）。",
                rules.monthly_limit_hours,
                total / 60,
                total % 60
            ),
        ));
    }
}

//! Booking rules of a resource and the slots it takes bookings for.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{
    childcare_booking_rule,
    childcare_resource::{self},
    childcare_slot,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    auth::Viewer,
    db::{self, now},
    domains::childcare::hours::{self},
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    fiscal,
    idempotency::{self, KeyScope},
};

use super::{
    MAX_AGE_MONTHS,
    reads::resource_of,
    resources::editable,
    visibility::{can_see, viewer_edits},
};

/// Most days one slot series may span.
const MAX_SLOT_DAYS: i64 = 184;

/// Largest capacity of a slot.
pub(super) const MAX_CAPACITY: i32 = 200;

/// A slot series to create.
#[derive(Debug, Clone)]
pub struct NewSlots {
    /// The resource.
    pub resource_id: Uuid,
    /// First date.
    pub from: NaiveDate,
    /// Last date (the first when absent).
    pub until: Option<NaiveDate>,
    /// Weekdays (0 = Monday … 6 = Sunday) the range keeps; every day when empty.
    pub weekdays: Vec<i16>,
    /// Start `HH:MM`.
    pub starts: String,
    /// End `HH:MM`.
    pub ends: String,
    /// Children per slot.
    pub capacity: i32,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Booking rules as given.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BookingRules {
    /// Days before the date booking opens (at 00:00 JST).
    pub opens_days_before: i32,
    /// Hours per child per month.
    pub monthly_limit_hours: i32,
    /// Youngest age in months.
    pub min_age_months: i32,
    /// Oldest age in months.
    pub max_age_months: i32,
    /// Cancellation deadline in hours before the start.
    pub cancel_deadline_hours: i32,
    /// No-shows that restrict…
    pub no_show_limit: i32,
    /// …within this many days…
    pub no_show_window_days: i32,
    /// …for this many days.
    pub restriction_days: i32,
}

/// Sets the booking rules of a resource; it takes bookings from then on.
#[tracing::instrument(skip_all, fields(resource_id = %resource_id))]
pub async fn set_booking_rules(
    db: &DatabaseConnection,
    viewer: &Viewer,
    resource_id: Uuid,
    input: BookingRules,
) -> AppResult<Outcome<childcare_booking_rule::Model>> {
    let mut problems = Problems::new();
    let mut bounded = |field: &str, value: i32, max: i32, label: &str| {
        if !(0..=max).contains(&value) {
            problems.push(FieldError::input(
                field,
                FieldErrorCode::Invalid,
                format!("{label}は0〜{max}で入力してください。"),
            ));
        }
    };
    bounded(
        "opensDaysBefore",
        input.opens_days_before,
        365,
        "受付開始日数",
    );
    bounded(
        "monthlyLimitHours",
        input.monthly_limit_hours,
        744,
        "月あたりの上限時間",
    );
    bounded(
        "minAgeMonths",
        input.min_age_months,
        MAX_AGE_MONTHS,
        "対象月齢",
    );
    bounded(
        "maxAgeMonths",
        input.max_age_months,
        MAX_AGE_MONTHS,
        "対象月齢",
    );
    bounded(
        "cancelDeadlineHours",
        input.cancel_deadline_hours,
        720,
        "キャンセル期限",
    );
    bounded("noShowLimit", input.no_show_limit, 100, "無断欠席の回数");
    bounded(
        "noShowWindowDays",
        input.no_show_window_days,
        365,
        "無断欠席を数える日数",
    );
    bounded(
        "restrictionDays",
        input.restriction_days,
        365,
        "予約制限の日数",
    );
    if input.min_age_months > input.max_age_months {
        problems.push(FieldError::input(
            "minAgeMonths",
            FieldErrorCode::Invalid,
            "対象月齢の下限は上限以下にしてください。",
        ));
    }
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let txn = db::begin_write(db).await?;
    let resource = editable(&txn, viewer, resource_id).await?;
    childcare_booking_rule::Entity::delete_by_id(resource.id)
        .exec(&txn)
        .await?;
    let rule = childcare_booking_rule::ActiveModel {
        resource_id: Set(resource.id),
        municipality_id: Set(resource.municipality_id),
        opens_days_before: Set(input.opens_days_before),
        monthly_limit_hours: Set(input.monthly_limit_hours),
        min_age_months: Set(input.min_age_months),
        max_age_months: Set(input.max_age_months),
        cancel_deadline_hours: Set(input.cancel_deadline_hours),
        no_show_limit: Set(input.no_show_limit),
        no_show_window_days: Set(input.no_show_window_days),
        restriction_days: Set(input.restriction_days),
        updated_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Ok(rule))
}

/// A local date and minute in Tokyo as a UTC instant.
pub(super) fn tokyo_instant(date: NaiveDate, minute: i32) -> DateTime<Utc> {
    fiscal::midnight(date) + Duration::minutes(i64::from(minute))
}

/// Creates slots of one time on one date or on the given weekdays of a range of dates.
#[tracing::instrument(skip_all)]
pub async fn create_slots(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewSlots,
) -> AppResult<Outcome<Vec<childcare_slot::Model>>> {
    let me = viewer.require_user()?.clone();
    let resource = find_resource_for_edit(db, viewer, input.resource_id).await?;
    let mut problems = Problems::new();
    let starts = problems.check(hours::parse_minute("startTime", &input.starts));
    let ends = problems.check(hours::parse_minute("endTime", &input.ends));
    if let (Some(starts), Some(ends)) = (starts, ends)
        && starts >= ends
    {
        problems.push(FieldError::input(
            "endTime",
            FieldErrorCode::Invalid,
            "終了時刻は開始時刻より後にしてください。",
        ));
    }
    if !(1..=MAX_CAPACITY).contains(&input.capacity) {
        problems.push(FieldError::input(
            "capacity",
            FieldErrorCode::Invalid,
            format!("定員は1〜{MAX_CAPACITY}人で入力してください。"),
        ));
    }
    let until = input.until.unwrap_or(input.from);
    if until < input.from || (until - input.from).num_days() >= MAX_SLOT_DAYS {
        problems.push(FieldError::input(
            "until",
            FieldErrorCode::Invalid,
            format!("期間は開始日から{MAX_SLOT_DAYS}日以内で指定してください。"),
        ));
    }
    if input.weekdays.iter().any(|day| !(0..=6).contains(day)) {
        problems.push(FieldError::input(
            "weekdays",
            FieldErrorCode::Invalid,
            "曜日が正しくありません。",
        ));
    }
    if input.from < fiscal::date_of(now()) {
        problems.push(FieldError::input(
            "from",
            FieldErrorCode::Invalid,
            "過去の日付には枠を作れません。",
        ));
    }
    let has_rules = childcare_booking_rule::Entity::find_by_id(resource.id)
        .one(db)
        .await?
        .is_some();
    if !has_rules {
        problems.push(FieldError::whole(
            FieldErrorCode::InvalidState,
            "先に予約ルールを設定してください。",
        ));
    }
    let (Some(starts), Some(ends)) = (starts, ends) else {
        return Ok(Err(problems.into_vec()));
    };
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let dates: Vec<NaiveDate> = input
        .from
        .iter_days()
        .take_while(|day| *day <= until)
        .filter(|day| {
            input.weekdays.is_empty() || input.weekdays.contains(&hours::weekday_index(*day))
        })
        .collect();
    if dates.is_empty() {
        return Ok(Err(vec![FieldError::input(
            "weekdays",
            FieldErrorCode::Invalid,
            "指定した期間に該当する曜日がありません。",
        )]));
    }
    #[derive(Serialize)]
    struct Fingerprint {
        resource: Uuid,
        dates: Vec<String>,
        starts: i32,
        ends: i32,
        capacity: i32,
    }
    let fingerprint = Fingerprint {
        resource: resource.id,
        dates: dates.iter().map(ToString::to_string).collect(),
        starts,
        ends,
        capacity: input.capacity,
    };
    let created = idempotency::run_once(
        db,
        &KeyScope::user(me.id, "createChildcareSlots"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let now = now();
            let instants: Vec<DateTime<Utc>> = dates
                .iter()
                .map(|date| tokyo_instant(*date, starts))
                .collect();
            let taken = childcare_slot::Entity::find()
                .filter(childcare_slot::Column::ResourceId.eq(resource.id))
                .filter(childcare_slot::Column::StartsAt.is_in(instants.clone()))
                // A cancelled slot frees its time for a new one.
                .filter(childcare_slot::Column::CancelledAt.is_null())
                .all(txn)
                .await?;
            if let Some(slot) = taken.first() {
                return Ok(Err(vec![FieldError::input(
                    "from",
                    FieldErrorCode::Taken,
                    format!("{}の同じ時刻の枠はすでにあります。", slot.date),
                )]));
            }
            let mut ids = Vec::with_capacity(dates.len());
            for (date, starts_at) in dates.iter().zip(instants) {
                let id = Uuid::now_v7();
                childcare_slot::ActiveModel {
                    id: Set(id),
                    municipality_id: Set(resource.municipality_id),
                    resource_id: Set(resource.id),
                    date: Set(*date),
                    starts_at: Set(starts_at),
                    ends_at: Set(tokyo_instant(*date, ends)),
                    capacity: Set(input.capacity),
                    children_booked: Set(0),
                    created_at: Set(now),
                    note: Set(None),
                    cancelled_at: Set(None),
                    cancel_reason: Set(None),
                }
                .insert(txn)
                .await?;
                ids.push(id);
            }
            Ok(Ok(ids))
        },
    )
    .await?;
    match created {
        Ok(ids) => Ok(Ok(childcare_slot::Entity::find()
            .filter(childcare_slot::Column::Id.is_in(ids))
            .order_by_asc(childcare_slot::Column::StartsAt)
            .all(db)
            .await?)),
        Err(errors) => Ok(Err(errors)),
    }
}

pub(super) async fn find_resource_for_edit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<childcare_resource::Model> {
    viewer.require_user()?;
    let resource = resource_of(db, id).await?;
    if !can_see(viewer, &resource) {
        return Err(AppError::NotFound);
    }
    if viewer_edits(viewer, &resource) {
        Ok(resource)
    } else {
        Err(AppError::Forbidden)
    }
}

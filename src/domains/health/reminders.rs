//! The reminders of the health domain, due by the clock: the evening before a vaccination
//! booking, and, once per child, dose and month, that a dose becomes due next month (from
//! the child's schedule, computed by [`super::schedule`] as the guardian sees it). Both read
//! in a fixed number of statements however many children and bookings there are: the
//! catalogue once, the children in one statement, their doses one statement per
//! [`super::loaders::BATCH`] children.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use chrono_tz::Asia::Tokyo;
use entity::{
    health_booking::{self as booking, BookingStatus},
    health_child as child, health_setting as setting, health_slot as slot,
    health_vaccination as vaccination, organization,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{
    catalogue::{Catalogue, Sex},
    dates::{MonthEnd, last_day_of_month},
    schedule::{self, DoseLine, DoseState, GivenDose, Why},
};
use crate::{
    config::NotifySettings,
    error::AppResult,
    notify::{
        Kind, Notice, Recipient,
        schedule::{DAY_BEFORE_WINDOW, day_before_is_due},
        when,
    },
    state::ServiceContext,
};

/// The evening before a vaccination booking.
pub const BOOKING_REMINDER: Kind =
    Kind::optional("health.booking_reminder", "予防接種の予約の前日のお知らせ");
/// A dose of the child's schedule becomes due next month.
pub const DOSE_DUE_NEXT_MONTH: Kind = Kind::optional(
    "health.dose_due_next_month",
    "来月に受けられる予防接種のお知らせ",
);

/// Every reminder of the domain.
pub const REMINDER_KINDS: &[Kind] = &[BOOKING_REMINDER, DOSE_DUE_NEXT_MONTH];

/// The reminders due at `now`.
pub async fn due(
    db: &DatabaseConnection,
    settings: &NotifySettings,
    now: DateTime<Utc>,
) -> AppResult<Vec<Notice>> {
    let catalogue = super::service::load_catalogue(ServiceContext::quiet(db)).await?;
    let mut notices = bookings_due(db, &catalogue, settings, now).await?;
    notices.extend(doses_due_next_month(db, catalogue, now).await?);
    Ok(notices)
}

/// Bookings of slots that start within the window and whose reminder hour has come.
async fn bookings_due(
    db: &DatabaseConnection,
    catalogue: &Catalogue,
    settings: &NotifySettings,
    now: DateTime<Utc>,
) -> AppResult<Vec<Notice>> {
    let slots: HashMap<Uuid, slot::Model> = slot::Entity::find()
        .filter(slot::Column::CancelledAt.is_null())
        .filter(slot::Column::StartsAt.gt(now))
        .filter(slot::Column::StartsAt.lte(now + DAY_BEFORE_WINDOW))
        .all(db)
        .await?
        .into_iter()
        .filter(|s| day_before_is_due(s.starts_at, settings.reminder_hour, now))
        .map(|s| (s.id, s))
        .collect();
    if slots.is_empty() {
        return Ok(Vec::new());
    }
    let bookings = booking::Entity::find()
        .filter(booking::Column::SlotId.is_in(slots.keys().copied()))
        .filter(booking::Column::Status.eq(BookingStatus::Booked))
        .all(db)
        .await?;
    if bookings.is_empty() {
        return Ok(Vec::new());
    }
    let children: HashMap<Uuid, String> = child::Entity::find()
        .select_only()
        .column(child::Column::Id)
        .column(child::Column::Name)
        .filter(child::Column::Id.is_in(bookings.iter().map(|b| b.child_id)))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let clinics: HashMap<Uuid, String> = organization::Entity::find()
        .select_only()
        .column(organization::Column::Id)
        .column(organization::Column::Name)
        .filter(organization::Column::Id.is_in(bookings.iter().map(|b| b.clinic_id)))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(bookings
        .iter()
        .filter_map(|b| {
            let slot = slots.get(&b.slot_id)?;
            let child = children.get(&b.child_id)?;
            let clinic = clinics.get(&b.clinic_id)?;
            Some(booking_reminder(b, slot, child, clinic, catalogue))
        })
        .collect())
}

fn booking_reminder(
    b: &booking::Model,
    slot: &slot::Model,
    child: &str,
    clinic: &str,
    catalogue: &Catalogue,
) -> Notice {
    let vaccines = serde_json::from_str::<Vec<String>>(&b.products)
        .unwrap_or_default()
        .iter()
        .map(|code| {
            catalogue
                .product(code)
                .map_or(code.as_str(), |p| p.name.as_str())
        })
        .collect::<Vec<_>>()
        .join("、");
    Notice {
        recipient: Recipient::Account(b.guardian_user_id),
        municipality_id: Some(b.municipality_id),
        kind: BOOKING_REMINDER,
        subject_id: b.id,
        occasion: slot.starts_at.to_rfc3339(),
        title: format!("【明日のご予約】{child}さんの予防接種"),
        body: format!(
            "明日は予防接種のご予約日です。予診票をアプリで事前に入力・送信し、母子健康手帳をお持ちください。当日の体温が高い場合は接種できないことがあります。\n\nお子さま: {child}さん\n日時: {} 〜 {}\n医療機関: {clinic}\n予定のワクチン: {vaccines}\n\nご都合が悪くなった場合は、予約の詳細から取り消してください。",
            when(slot.starts_at),
            slot.ends_at.with_timezone(&Tokyo).format("%H:%M"),
        ),
        link: Some(format!("/mypage/health/bookings/{}", b.id)),
    }
}

/// A child as the dose reminder reads it.
struct ChildRow {
    id: Uuid,
    municipality_id: Uuid,
    guardian_user_id: Uuid,
    name: String,
    birth_date: NaiveDate,
    sex: String,
}

/// Every dose that becomes allowed next month (Japan time), for every child with a
/// guardian (a child entered by a clinic from paper has nobody to tell until claimed).
async fn doses_due_next_month(
    db: &DatabaseConnection,
    catalogue: Catalogue,
    now: DateTime<Utc>,
) -> AppResult<Vec<Notice>> {
    let today = now.with_timezone(&Tokyo).date_naive();
    let Some(next_month) = today
        .with_day(1)
        .and_then(|first| first.checked_add_months(Months::new(1)))
    else {
        return Ok(Vec::new());
    };
    let month_end_day = last_day_of_month(next_month);
    let children: Vec<ChildRow> = child::Entity::find()
        .select_only()
        .column(child::Column::Id)
        .column(child::Column::MunicipalityId)
        .column(child::Column::GuardianUserId)
        .column(child::Column::Name)
        .column(child::Column::BirthDate)
        .column(child::Column::Sex)
        .filter(child::Column::GuardianUserId.is_not_null())
        .order_by_asc(child::Column::Id)
        .into_tuple::<(Uuid, Uuid, Uuid, String, NaiveDate, String)>()
        .all(db)
        .await?
        .into_iter()
        .map(
            |(id, municipality_id, guardian_user_id, name, birth_date, sex)| ChildRow {
                id,
                municipality_id,
                guardian_user_id,
                name,
                birth_date,
                sex,
            },
        )
        .collect();
    if children.is_empty() {
        return Ok(Vec::new());
    }
    let month_ends: HashMap<Uuid, MonthEnd> = setting::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            let rule = if row.month_end == "last_day_of_month" {
                MonthEnd::LastDayOfMonth
            } else {
                MonthEnd::NextMonthFirst
            };
            (row.municipality_id, rule)
        })
        .collect();
    let mut history: HashMap<Uuid, Vec<GivenDose>> = HashMap::new();
    for chunk in children.chunks(super::loaders::BATCH) {
        let rows: Vec<(Uuid, String, NaiveDate)> = vaccination::Entity::find()
            .select_only()
            .column(vaccination::Column::ChildId)
            .column(vaccination::Column::ProductCode)
            .column(vaccination::Column::VaccinatedOn)
            .filter(vaccination::Column::ChildId.is_in(chunk.iter().map(|c| c.id)))
            .filter(vaccination::Column::SupersededAt.is_null())
            .order_by_asc(vaccination::Column::VaccinatedOn)
            .order_by_asc(vaccination::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        for (child_id, product, date) in rows {
            history
                .entry(child_id)
                .or_default()
                .push(GivenDose { product, date });
        }
    }
    // One catalogue per month-end rule in use (there are two rules).
    let mut catalogues: Vec<Catalogue> = Vec::new();
    let mut notices = Vec::new();
    for c in &children {
        let month_end = month_ends
            .get(&c.municipality_id)
            .copied()
            .unwrap_or_default();
        let index = match catalogues.iter().position(|c| c.month_end == month_end) {
            Some(index) => index,
            None => {
                catalogues.push(Catalogue {
                    month_end,
                    ..catalogue.clone()
                });
                catalogues.len() - 1
            }
        };
        let catalogue = &catalogues[index];
        let facts = schedule::Child {
            birth: c.birth_date,
            sex: if c.sex == "FEMALE" {
                Sex::Female
            } else {
                Sex::Male
            },
        };
        let given = history.get(&c.id).map(Vec::as_slice).unwrap_or_default();
        for line in schedule::schedule(catalogue, facts, given, today) {
            let becomes_due = line.state == DoseState::NotYet
                && matches!(line.why, Some(Why::Age | Why::Interval))
                && line
                    .earliest
                    .is_some_and(|day| day >= next_month && day <= month_end_day);
            if becomes_due {
                notices.push(dose_reminder(c, &line, catalogue, next_month));
            }
        }
    }
    Ok(notices)
}

fn dose_reminder(c: &ChildRow, line: &DoseLine, catalogue: &Catalogue, month: NaiveDate) -> Notice {
    let vaccine = catalogue
        .series(&line.series)
        .map_or(line.antigen.as_str(), |series| series.name.as_str());
    let from = line
        .earliest
        .map(|day| day.format("%Y年%-m月%-d日").to_string())
        .unwrap_or_default();
    let until = line
        .latest
        .map(|day| {
            format!(
                "（公費で受けられるのは{}まで）",
                day.format("%Y年%-m月%-d日")
            )
        })
        .unwrap_or_default();
    Notice {
        recipient: Recipient::Account(c.guardian_user_id),
        municipality_id: Some(c.municipality_id),
        kind: DOSE_DUE_NEXT_MONTH,
        subject_id: c.id,
        occasion: format!("{}#{}@{}", line.series, line.dose, month.format("%Y-%m")),
        title: format!(
            "【来月の予防接種】{}さんの{} {}",
            c.name, vaccine, line.label
        ),
        body: format!(
            "{}さんは来月、次の予防接種を受けられるようになります。アプリから協力医療機関の空き枠を選んで予約してください。\n\nお子さま: {}さん\nワクチン: {} {}\n受けられる日: {from}から{until}\n\n接種の時期はお子さまのスケジュールでも確認できます。",
            c.name, c.name, vaccine, line.label,
        ),
        link: Some(format!("/mypage/health/children/{}", c.id)),
    }
}

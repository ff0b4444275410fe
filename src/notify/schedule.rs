//! Reminders: messages due by the clock rather than caused by a change (the evening before a
//! session, three hours before an offer lapses, the month before a dose is due).
//!
//! Every replica runs a pass every `reminder_poll_ms`. A pass asks each domain's
//! `reminders.rs` for the reminders due now among the records of a bounded window (what
//! starts in the next two days, say), each domain reading them in a fixed number of
//! statements. [`write`] drops those already written with one look-up of their dedupe keys
//! and enqueues the rest in one transaction. Exactly-once does not rest on timing: two
//! replicas writing the same reminder at once both insert under the unique dedupe key, and
//! the second insert is a no-op.

use std::collections::HashSet;

use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;
use entity::notification;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::{Notice, dedupe_key, enqueue};

/// The farthest ahead a day-before reminder looks: a record starting later is not due yet
/// whatever the hour.
pub const DAY_BEFORE_WINDOW: chrono::Duration = chrono::Duration::hours(48);

/// Dedupe keys looked up per statement.
const KEYS_PER_LOOKUP: usize = 1000;

/// The moment the reminder of something starting at `starts_at` goes out: `hour` o'clock
/// (Japan time) of the day before.
pub fn day_before(starts_at: DateTime<Utc>, hour: u32) -> DateTime<Utc> {
    let day = starts_at.with_timezone(&Tokyo).date_naive();
    let eve = day.checked_sub_days(Days::new(1)).unwrap_or(day);
    let time = NaiveTime::from_hms_opt(hour.min(23), 0, 0).unwrap_or(NaiveTime::MIN);
    Tokyo
        .from_local_datetime(&eve.and_time(time))
        .earliest()
        .map_or(starts_at, |at| at.with_timezone(&Utc))
}

/// Whether the day-before reminder of something starting at `starts_at` is due at `now`:
/// its hour has come and the thing has not started (a reminder missed while no replica
/// ran still goes out, late, until then).
pub fn day_before_is_due(starts_at: DateTime<Utc>, hour: u32, now: DateTime<Utc>) -> bool {
    day_before(starts_at, hour) <= now && now < starts_at
}

/// Writes the `notices` not written before; returns how many it wrote. Reminders already
/// written cost one look-up per thousand, so a pass over a window mostly reminded costs a
/// fixed number of statements.
pub async fn write(db: &DatabaseConnection, notices: Vec<Notice>) -> Result<usize, DbErr> {
    if notices.is_empty() {
        return Ok(0);
    }
    let mut keyed: Vec<(String, Notice)> = notices
        .into_iter()
        .map(|notice| {
            let key = dedupe_key(
                &notice.recipient,
                notice.kind,
                notice.subject_id,
                &notice.occasion,
            );
            (key, notice)
        })
        .collect();
    // Written in the order of their keys, so two replicas writing overlapping reminders
    // wait on each other's rows in one order and never deadlock.
    keyed.sort_by(|(a, _), (b, _)| a.cmp(b));
    let mut written: HashSet<String> = HashSet::new();
    for chunk in keyed.chunks(KEYS_PER_LOOKUP) {
        let keys: Vec<String> = notification::Entity::find()
            .select_only()
            .column(notification::Column::DedupeKey)
            .filter(notification::Column::DedupeKey.is_in(chunk.iter().map(|(key, _)| key.clone())))
            .into_tuple()
            .all(db)
            .await?;
        written.extend(keys);
    }
    let fresh: Vec<Notice> = keyed
        .into_iter()
        .filter(|(key, _)| !written.contains(key))
        .map(|(_, notice)| notice)
        .collect();
    if fresh.is_empty() {
        return Ok(0);
    }
    let txn = crate::db::begin_write(db).await?;
    let mut count = 0;
    for notice in fresh {
        if enqueue(&txn, notice).await? {
            count += 1;
        }
    }
    txn.commit().await?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn the_reminder_goes_out_at_the_hour_of_the_japanese_day_before() {
        // 10:00 JST on 10 December: the reminder is 18:00 JST on 9 December.
        assert_eq!(
            day_before(at("2026-12-10T01:00:00Z"), 18),
            at("2026-12-09T09:00:00Z")
        );
        // 08:00 JST on 1 January is still 31 December in UTC: the day is Japan's.
        assert_eq!(
            day_before(at("2026-12-31T23:00:00Z"), 18),
            at("2026-12-31T09:00:00Z")
        );
    }

    #[test]
    fn a_reminder_is_due_from_its_hour_until_the_start() {
        let start = at("2026-12-10T01:00:00Z");
        assert!(!day_before_is_due(start, 18, at("2026-12-09T08:59:59Z")));
        assert!(day_before_is_due(start, 18, at("2026-12-09T09:00:00Z")));
        assert!(day_before_is_due(start, 18, at("2026-12-10T00:59:59Z")));
        assert!(!day_before_is_due(start, 18, start));
    }
}

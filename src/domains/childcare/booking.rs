//! The pure rules of temporary childcare bookings: when booking opens, no-show
//! restrictions, monthly hours per child. No database here.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use uuid::Uuid;

/// When booking for `date` opens: 00:00 JST `days_before` days before it.
pub fn booking_opens_at(date: NaiveDate, days_before: i32) -> DateTime<Utc> {
    crate::fiscal::midnight(date - Duration::days(i64::from(days_before)))
}

/// The day new bookings are allowed again, if `limit` no-shows fall within `window_days`
/// of each other and the restriction of `restriction_days` after the last of them still
/// runs on `today`.
pub fn restricted_until(
    mut no_show_dates: Vec<NaiveDate>,
    limit: i32,
    window_days: i32,
    restriction_days: i32,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let limit = usize::try_from(limit).ok().filter(|limit| *limit > 0)?;
    if restriction_days <= 0 {
        return None;
    }
    no_show_dates.sort();
    let mut until = None;
    for end in (limit - 1)..no_show_dates.len() {
        let first = no_show_dates[end + 1 - limit];
        let last = no_show_dates[end];
        if (last - first).num_days() < i64::from(window_days) {
            let lifted = last + Duration::days(i64::from(restriction_days));
            if today < lifted {
                until = Some(until.map_or(lifted, |u: NaiveDate| u.max(lifted)));
            }
        }
    }
    until
}

/// (year, month) of a date.
pub fn month_of(date: NaiveDate) -> (i32, u32) {
    (date.year(), date.month())
}

/// The children and months over `limit_minutes`, given what each child already has
/// booked per month and the new bookings as (child, date, minutes).
pub fn over_monthly_limit(
    booked: &HashMap<(Uuid, (i32, u32)), i64>,
    new: &[(Uuid, NaiveDate, i32)],
    limit_minutes: i64,
) -> Vec<(Uuid, (i32, u32), i64)> {
    let mut totals = booked.clone();
    for (child, date, minutes) in new {
        *totals.entry((*child, month_of(*date))).or_default() += i64::from(*minutes);
    }
    let mut over: Vec<(Uuid, (i32, u32), i64)> = totals
        .into_iter()
        .filter(|((child, month), total)| {
            *total > limit_minutes
                && new
                    .iter()
                    .any(|(c, date, _)| c == child && month_of(*date) == *month)
        })
        .map(|((child, month), total)| (child, month, total))
        .collect();
    over.sort();
    over
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn booking_opens_at_midnight_in_tokyo() {
        assert_eq!(
            booking_opens_at(date(2026, 12, 15), 14).to_rfc3339(),
            "2026-11-30T15:00:00+00:00"
        );
    }

    #[test]
    fn no_shows_close_together_restrict_for_a_while() {
        let today = date(2026, 12, 1);
        // Two no-shows within 30 days restrict for 14 days after the second.
        let two = vec![date(2026, 11, 10), date(2026, 11, 25)];
        assert_eq!(
            restricted_until(two.clone(), 2, 30, 14, today),
            Some(date(2026, 12, 9))
        );
        assert_eq!(
            restricted_until(two.clone(), 2, 30, 14, date(2026, 12, 9)),
            None
        );
        assert_eq!(
            restricted_until(two, 3, 30, 14, today),
            None,
            "limit not reached"
        );
        let apart = vec![date(2026, 9, 1), date(2026, 11, 25)];
        assert_eq!(
            restricted_until(apart, 2, 30, 14, today),
            None,
            "too far apart"
        );
        assert_eq!(
            restricted_until(vec![date(2026, 11, 30)], 0, 30, 14, today),
            None
        );
    }

    #[test]
    fn monthly_hours_count_what_is_booked_and_what_is_asked() {
        let child = Uuid::nil();
        let mut booked = HashMap::new();
        booked.insert((child, (2026, 12)), 600);
        let new = [
            (child, date(2026, 12, 20), 240),
            (child, date(2027, 1, 5), 240),
        ];
        let over = over_monthly_limit(&booked, &new, 720);
        assert_eq!(over, vec![(child, (2026, 12), 840)]);
        assert!(over_monthly_limit(&booked, &new[1..], 720).is_empty());
    }
}

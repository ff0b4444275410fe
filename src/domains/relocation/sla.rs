//! First-response deadlines in municipal business hours (Asia/Tokyo): weekdays between a
//! start and end time, skipping a list of holidays.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Asia::Tokyo;

/// When a municipality's office answers inquiries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    /// Opening, minutes after midnight JST (510 = 8:30).
    pub start_minute: u32,
    /// Closing, minutes after midnight JST (1035 = 17:15).
    pub end_minute: u32,
    /// Closed days besides Saturdays and Sundays.
    pub holidays: BTreeSet<NaiveDate>,
}

impl Default for BusinessHours {
    fn default() -> Self {
        Self {
            start_minute: 8 * 60 + 30,
            end_minute: 17 * 60 + 15,
            holidays: BTreeSet::new(),
        }
    }
}

impl BusinessHours {
    /// Whether the office is open at all on `date`.
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&date)
    }
}

/// The moment `minutes` business minutes after `from`. Time outside business hours does
/// not count: an inquiry sent on Friday evening with a one-day deadline is due on Monday
/// evening (or later after holidays).
pub fn add_business_minutes(
    from: DateTime<Utc>,
    minutes: u32,
    hours: &BusinessHours,
) -> DateTime<Utc> {
    let local = from.with_timezone(&Tokyo);
    let mut date = local.date_naive();
    let mut second_of_day = i64::from(local.num_seconds_from_midnight());
    let mut remaining = i64::from(minutes) * 60;
    let open = i64::from(hours.start_minute) * 60;
    let close = i64::from(hours.end_minute.max(hours.start_minute)) * 60;
    // Ten years of closed days means a misconfiguration; give up rather than loop forever.
    for _ in 0..3660 {
        if hours.is_business_day(date) {
            let start = second_of_day.max(open);
            if start < close {
                let available = close - start;
                if remaining <= available {
                    return at(date, start + remaining);
                }
                remaining -= available;
            }
        }
        date = date.succ_opt().unwrap_or(date);
        second_of_day = 0;
    }
    from + Duration::seconds(i64::from(minutes) * 60)
}

fn at(date: NaiveDate, second_of_day: i64) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::seconds(second_of_day);
    Tokyo
        .from_local_datetime(&naive)
        .earliest()
        .map_or_else(|| naive.and_utc(), |time| time.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jst(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Tokyo
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn a_deadline_within_the_day_moves_by_the_minutes() {
        // Wednesday 2026-11-25 10:00 JST + 60 business minutes.
        let due = add_business_minutes(jst(2026, 11, 25, 10, 0), 60, &BusinessHours::default());
        assert_eq!(due, jst(2026, 11, 25, 11, 0));
    }

    #[test]
    fn evenings_weekends_and_holidays_do_not_count() {
        let mut hours = BusinessHours::default();
        // Friday 17:00 + one business day (465 min) → 15 min on Friday, then Monday is a
        // holiday, so Tuesday 8:30 + 450 min = 16:00.
        hours
            .holidays
            .insert(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default());
        let due = add_business_minutes(jst(2026, 11, 27, 17, 0), 465, &hours);
        assert_eq!(due, jst(2026, 12, 1, 16, 0));
    }

    #[test]
    fn an_inquiry_sent_at_night_counts_from_the_next_opening() {
        let due = add_business_minutes(jst(2026, 11, 25, 22, 0), 30, &BusinessHours::default());
        assert_eq!(due, jst(2026, 11, 26, 9, 0));
    }
}

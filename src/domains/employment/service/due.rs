//! When follow-up checkpoints fall due.

use chrono::{DateTime, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;
use entity::employment_follow_up as follow_up;

use super::DUE_WINDOW_DAYS;
use crate::error::{AppError, AppResult};

/// The day a checkpoint `months` after `start` falls due (end of month when shorter).
pub(super) fn due_on(start: NaiveDate, months: u32) -> Option<NaiveDate> {
    start.checked_add_months(Months::new(months))
}

/// Midnight of `date` in Japan, as an instant.
pub(super) fn start_of_day(date: NaiveDate) -> AppResult<DateTime<Utc>> {
    date.and_hms_opt(0, 0, 0)
        .and_then(|local| Tokyo.from_local_datetime(&local).single())
        .map(|time| time.with_timezone(&Utc))
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no midnight on {date}")))
}

/// Where an open checkpoint stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueState {
    /// Due more than [`DUE_WINDOW_DAYS`] days from now.
    Upcoming,
    /// Due within [`DUE_WINDOW_DAYS`] days, or today.
    Due,
    /// Its due date has passed without an answer.
    Overdue,
    /// Answered.
    Recorded,
}

/// The due state of a checkpoint on `today`.
pub fn due_state(checkpoint: &follow_up::Model, today: NaiveDate) -> DueState {
    if checkpoint.recorded_at.is_some() {
        DueState::Recorded
    } else if checkpoint.due_on < today {
        DueState::Overdue
    } else if checkpoint.due_on <= today + chrono::Duration::days(DUE_WINDOW_DAYS) {
        DueState::Due
    } else {
        DueState::Upcoming
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn checkpoints_fall_due_on_the_same_day_or_the_end_of_a_shorter_month() {
        assert_eq!(due_on(date("2026-01-15"), 3), Some(date("2026-04-15")));
        assert_eq!(due_on(date("2025-11-30"), 3), Some(date("2026-02-28")));
    }
}

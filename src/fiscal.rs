//! Days and fiscal years (年度) in Japan, for every domain alike: fiscal year N runs from
//! 1 April N 0:00 JST to 1 April N+1 0:00 JST. Reports, surveys, KPIs and their drill-downs
//! all place a record in its year through these functions, so a record counts in the same
//! year on every screen.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;

use crate::error::{AppError, AppResult, FieldError, FieldErrorCode};

/// The first fiscal year tsunagu accepts, in every argument and every date it stores.
pub const FIRST_YEAR: i32 = 2000;
/// The last fiscal year tsunagu accepts.
pub const LAST_YEAR: i32 = 2100;

/// `year` if it is a fiscal year tsunagu accepts ([`FIRST_YEAR`]–[`LAST_YEAR`]), else the
/// one `BAD_USER_INPUT` every query answers.
pub fn checked_year(year: i32) -> AppResult<i32> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&year) {
        Ok(year)
    } else {
        Err(AppError::BadUserInput(format!(
            "fiscalYear must be between {FIRST_YEAR} and {LAST_YEAR}"
        )))
    }
}

/// Whether a scheduled or recorded day falls in an accepted fiscal year.
pub fn accepts(date: NaiveDate) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&year_of_date(date))
}

/// `date` for the input field `field` if it falls in an accepted fiscal year, else the one
/// `INVALID` user error every input answers (e.g. for a year 9999 typo).
pub fn check_date(field: &str, date: NaiveDate) -> Result<NaiveDate, FieldError> {
    if accepts(date) {
        Ok(date)
    } else {
        Err(FieldError::input(
            field,
            FieldErrorCode::Invalid,
            format!(
                "日付は{FIRST_YEAR}年4月1日から{}年3月31日までで指定してください。",
                LAST_YEAR + 1
            ),
        ))
    }
}

/// Today in Japan.
pub fn today() -> NaiveDate {
    date_of(Utc::now())
}

/// The calendar day of `at` in Japan.
pub fn date_of(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Tokyo).date_naive()
}

/// 00:00 in Japan on `date`, as an instant.
pub fn midnight(date: NaiveDate) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::MIN);
    Tokyo
        .from_local_datetime(&local)
        .earliest()
        .map_or_else(|| local.and_utc(), |at| at.with_timezone(&Utc))
}

/// The fiscal year of a day: April of year N to March of N+1 is N.
pub fn year_of_date(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// The fiscal year of an instant, by its day in Japan.
pub fn year_of(at: DateTime<Utc>) -> i32 {
    year_of_date(date_of(at))
}

/// The first and last day of fiscal year `year`, if it is an accepted one.
pub fn dates(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    checked_year(year).ok()?;
    let first = NaiveDate::from_ymd_opt(year, 4, 1)?;
    let last = NaiveDate::from_ymd_opt(year.checked_add(1)?, 3, 31)?;
    Some((first, last))
}

/// The first instant of fiscal year `year` and the first of the next one (exclusive).
pub fn bounds(year: i32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (first, last) = dates(year)?;
    Some((midnight(first), midnight(last + Duration::days(1))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap_or_default()
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn one_range_of_years_and_days_is_accepted() {
        assert!(checked_year(2000).is_ok() && checked_year(2100).is_ok());
        assert!(checked_year(1999).is_err() && checked_year(-5).is_err());
        assert!(dates(2101).is_none() && bounds(-5).is_none());
        assert!(check_date("d", date("2101-03-31")).is_ok());
        assert!(check_date("d", date("2101-04-01")).is_err());
        assert!(check_date("d", date("9999-01-01")).is_err());
        assert!(check_date("d", date("2000-03-31")).is_err());
    }

    #[test]
    fn fiscal_years_turn_on_the_first_of_april_in_japan() {
        assert_eq!(year_of_date(date("2026-03-31")), 2025);
        assert_eq!(year_of_date(date("2026-04-01")), 2026);
        assert_eq!(year_of(at("2026-03-31T14:59:59Z")), 2025);
        assert_eq!(
            year_of(at("2026-03-31T15:00:00Z")),
            2026,
            "1 April in Tokyo"
        );
        assert_eq!(year_of(at("2027-01-10T00:00:00Z")), 2026);
        assert_eq!(dates(2025), Some((date("2025-04-01"), date("2026-03-31"))));
        let (start, end) = bounds(2026).unwrap_or_default();
        assert_eq!(start.to_rfc3339(), "2026-03-31T15:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2027-03-31T15:00:00+00:00");
        assert_eq!(dates(i32::MAX), None);
    }

    #[test]
    fn days_start_at_midnight_in_tokyo() {
        assert_eq!(
            midnight(date("2026-12-15")).to_rfc3339(),
            "2026-12-14T15:00:00+00:00"
        );
        assert_eq!(date_of(at("2026-12-14T15:00:00Z")), date("2026-12-15"));
    }
}

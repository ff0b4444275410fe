//! The legal date arithmetic of the vaccination rules (予防接種法施行令, 実施規則 and the
//! 実施要領), in Japanese calendar days only, never instants. Ages follow 年齢計算ニ関スル法律
//! and 民法 第143条: a period counted from the birth day ends on the day before the
//! corresponding day, or on the last day of the month when that day does not exist.
//!
//! Every rule of the catalogue and every check goes through these functions, so a date is
//! computed one way on every screen. The one rule the sources disagree on (an interval of
//! months ending on a day the month does not have) is a parameter, [`MonthEnd`], with the
//! MHLW reading as the default.

use chrono::{Datelike, Days, Months, NaiveDate};

/// What 「N月以上の間隔」 means when the same day does not exist N months later.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MonthEnd {
    /// The month has elapsed on its last day, so the dose is allowed from the 1st of the
    /// following month (MHLW: 11/30 + 3 months → 3/1).
    #[default]
    NextMonthFirst,
    /// The dose is allowed from the last day of the month (南九州市: 8/30 + 6 months → 2/28).
    LastDayOfMonth,
}

/// The last day of the month `date` falls in.
pub fn last_day_of_month(date: NaiveDate) -> NaiveDate {
    let first = date.with_day(1).unwrap_or(date);
    first
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(date)
}

/// The day corresponding to `date` `months` later, or `None` when that month is too short.
fn corresponding_day(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    let first = date.with_day(1)?.checked_add_months(Months::new(months))?;
    first.with_day(date.day())
}

/// The first day of the month `months` after the month of `date`.
fn first_of_month_after(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.with_day(1)?.checked_add_months(Months::new(months))
}

/// The last day of a period of `months` months counted from `start` inclusive (民法 第143条).
fn period_end(start: NaiveDate, months: u32) -> Option<NaiveDate> {
    match corresponding_day(start, months) {
        Some(day) => day.pred_opt(),
        None => first_of_month_after(start, months).map(last_day_of_month),
    }
}

/// 「X歳に達した時」: the day a person born on `birth` reaches age `years`, the day before the
/// birthday. It is also the last day of 「X歳に至るまで／未満」.
pub fn reach_age(birth: NaiveDate, years: u32) -> Option<NaiveDate> {
    period_end(birth, years.checked_mul(12)?)
}

/// 「生後N月」: the day before the same day of the month N months after birth, or the last day
/// of that month when the day does not exist (7/31 birth → 生後2月 = 9/30).
pub fn months_after_birth(birth: NaiveDate, months: u32) -> Option<NaiveDate> {
    period_end(birth, months)
}

/// 「出生N週M日後」: the birth date is 0w0d, the next day 0w1d.
pub fn weeks_after_birth(birth: NaiveDate, weeks: u32, days: u32) -> Option<NaiveDate> {
    let total = u64::from(weeks) * 7 + u64::from(days);
    birth.checked_add_days(Days::new(total))
}

/// 「N日以上の間隔をおいて」: the first day the next dose is allowed, the previous dose plus
/// N+1 days (27日以上 → the same weekday four weeks later).
pub fn after_days(previous: NaiveDate, days: u32) -> Option<NaiveDate> {
    previous.checked_add_days(Days::new(u64::from(days) + 1))
}

/// 「N月以上の間隔をおいて」: the first day the next dose is allowed, the same day N months
/// later; when that day does not exist, as `month_end` says.
pub fn after_months(previous: NaiveDate, months: u32, month_end: MonthEnd) -> Option<NaiveDate> {
    if let Some(day) = corresponding_day(previous, months) {
        return Some(day);
    }
    let month = first_of_month_after(previous, months)?;
    match month_end {
        MonthEnd::NextMonthFirst => month.checked_add_months(Months::new(1)),
        MonthEnd::LastDayOfMonth => Some(last_day_of_month(month)),
    }
}

/// 「N月半以上の間隔をおいて」: N months as [`after_months`], plus half of the month that
/// date falls in: 14, 15, 15 or 16 days for a month of 28, 29, 30 or 31 days (MHLW 9価
/// material).
pub fn after_months_and_half(
    previous: NaiveDate,
    months: u32,
    month_end: MonthEnd,
) -> Option<NaiveDate> {
    let base = after_months(previous, months, month_end)?;
    let half = match last_day_of_month(base).day() {
        28 => 14,
        29 | 30 => 15,
        _ => 16,
    };
    base.checked_add_days(Days::new(half))
}

/// The fiscal year (年度) a day falls in: April of N to March of N+1 is N.
pub fn fiscal_year(date: NaiveDate) -> i32 {
    crate::fiscal::year_of_date(date)
}

/// 「X歳となる日の属する年度」: the fiscal year of the day the person reaches age `years`.
pub fn fiscal_year_reaching(birth: NaiveDate, years: u32) -> Option<i32> {
    reach_age(birth, years).map(fiscal_year)
}

/// The day a child enters primary school (学校教育法 第17条): the first 1 April after the
/// day the child reaches 6, so a child born on 1 April enters a year before one born on
/// 2 April.
pub fn school_entry(birth: NaiveDate) -> Option<NaiveDate> {
    let next_day = reach_age(birth, 6)?.succ_opt()?;
    let april = NaiveDate::from_ymd_opt(next_day.year(), 4, 1)?;
    if next_day <= april {
        Some(april)
    } else {
        NaiveDate::from_ymd_opt(next_day.year() + 1, 4, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn a_person_reaches_an_age_the_day_before_the_birthday() {
        let table = [
            ("2020-04-02", 1, "2021-04-01"),
            ("2020-04-01", 1, "2021-03-31"),
            ("2020-01-01", 1, "2020-12-31"),
            ("2020-02-29", 1, "2021-02-28"),
            ("2020-03-01", 1, "2021-02-28"),
            ("2019-03-01", 1, "2020-02-29"),
            ("2013-06-15", 12, "2025-06-14"),
        ];
        for (birth, years, reached) in table {
            assert_eq!(
                reach_age(d(birth), years),
                Some(d(reached)),
                "{birth} + {years}"
            );
        }
    }

    #[test]
    fn months_after_birth_end_on_the_last_day_when_the_day_is_missing() {
        let table = [
            ("2024-07-31", 2, "2024-09-30"),
            ("2024-07-30", 2, "2024-09-29"),
            ("2024-07-01", 2, "2024-08-31"),
            ("2024-05-15", 2, "2024-07-14"),
            ("2023-12-31", 2, "2024-02-29"),
            ("2024-12-30", 2, "2025-02-28"),
            ("2024-05-15", 60, "2029-05-14"),
        ];
        for (birth, months, day) in table {
            assert_eq!(
                months_after_birth(d(birth), months),
                Some(d(day)),
                "{birth} + {months}"
            );
        }
    }

    #[test]
    fn weeks_after_birth_count_the_birth_day_as_zero() {
        let birth = d("2020-08-01");
        assert_eq!(weeks_after_birth(birth, 0, 1), Some(d("2020-08-02")));
        assert_eq!(weeks_after_birth(birth, 6, 0), Some(d("2020-09-12")));
        assert_eq!(weeks_after_birth(birth, 14, 6), Some(d("2020-11-13")));
        assert_eq!(weeks_after_birth(birth, 15, 0), Some(d("2020-11-14")));
        assert_eq!(weeks_after_birth(birth, 24, 0), Some(d("2021-01-16")));
        assert_eq!(weeks_after_birth(birth, 32, 0), Some(d("2021-03-13")));
    }

    #[test]
    fn an_interval_of_days_allows_the_next_dose_a_day_after_the_count() {
        let table = [
            ("2024-04-01", 6, "2024-04-08"),
            ("2024-04-01", 20, "2024-04-22"),
            ("2024-04-01", 27, "2024-04-29"),
            ("2024-04-01", 60, "2024-06-01"),
            ("2024-04-01", 139, "2024-08-19"),
        ];
        for (previous, days, allowed) in table {
            assert_eq!(
                after_days(d(previous), days),
                Some(d(allowed)),
                "{previous} + {days}"
            );
        }
        // 27日以上 is the same weekday four weeks later.
        let allowed = after_days(d("2024-04-01"), 27).unwrap_or(NaiveDate::MIN);
        assert_eq!(allowed.weekday(), d("2024-04-01").weekday());
    }

    #[test]
    fn an_interval_of_months_moves_to_the_first_of_the_next_month_when_the_day_is_missing() {
        let mhlw = MonthEnd::NextMonthFirst;
        let table = [
            ("2024-11-30", 3, "2025-03-01"),
            ("2023-11-30", 3, "2024-03-01"),
            ("2024-01-15", 6, "2024-07-15"),
            ("2024-08-31", 6, "2025-03-01"),
            ("2024-08-30", 6, "2025-03-01"),
            ("2024-03-31", 1, "2024-05-01"),
            ("2024-01-31", 7, "2024-08-31"),
        ];
        for (previous, months, allowed) in table {
            let got = after_months(d(previous), months, mhlw);
            assert_eq!(got, Some(d(allowed)), "{previous} + {months}");
        }
    }

    #[test]
    fn the_other_reading_of_a_missing_month_end_keeps_the_last_day() {
        let last = MonthEnd::LastDayOfMonth;
        assert_eq!(
            after_months(d("2024-08-30"), 6, last),
            Some(d("2025-02-28"))
        );
        assert_eq!(
            after_months(d("2024-11-30"), 3, last),
            Some(d("2025-02-28"))
        );
        assert_eq!(
            after_months(d("2024-01-15"), 6, last),
            Some(d("2024-07-15"))
        );
    }

    #[test]
    fn a_half_month_is_half_of_the_month_the_date_falls_in() {
        let mhlw = MonthEnd::NextMonthFirst;
        let table = [
            ("2025-01-10", 2, "2025-03-26"),
            ("2024-12-10", 2, "2025-02-24"),
            ("2023-12-10", 2, "2024-02-25"),
            ("2025-02-10", 2, "2025-04-25"),
        ];
        for (previous, months, allowed) in table {
            let got = after_months_and_half(d(previous), months, mhlw);
            assert_eq!(got, Some(d(allowed)), "{previous} + {months}.5");
        }
    }

    #[test]
    fn fiscal_years_follow_the_day_the_age_is_reached() {
        // Born 1 April: reaches 12 on 31 March, so 小6 is the year before a 2 April birth.
        assert_eq!(fiscal_year_reaching(d("2013-04-01"), 12), Some(2024));
        assert_eq!(fiscal_year_reaching(d("2013-04-02"), 12), Some(2025));
        assert_eq!(fiscal_year(d("2025-03-31")), 2024);
    }

    #[test]
    fn school_entry_separates_the_first_of_april_from_the_second() {
        assert_eq!(school_entry(d("2019-04-01")), Some(d("2025-04-01")));
        assert_eq!(school_entry(d("2019-04-02")), Some(d("2026-04-01")));
        assert_eq!(school_entry(d("2020-03-31")), Some(d("2026-04-01")));
    }
}

//! The scalars of the schema that are ours: `Date`, and the wording of `DateTime`.
//!
//! A day is its own scalar, named as clients expect (`Date`, not chrono's `NaiveDate`), and
//! it refuses on input every day outside the fiscal years tsunagu accepts, so a year 9999
//! typo never reaches a service.

use std::ops::Deref;

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

use crate::fiscal;

/// The description of the `DateTime` scalar (async-graphql's own speaks of Rust types).
pub const DATE_TIME_DESCRIPTION: &str = "An instant, as an RFC 3339 timestamp with its offset, e.g. `2026-04-01T09:30:00+09:00`.\n\
Any offset is accepted on input; answers are given in UTC (`2026-04-01T00:30:00+00:00`).";

/// A calendar day (the schema's `Date`), as the services use it: a [`NaiveDate`] inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

/// A calendar date in ISO 8601, `YYYY-MM-DD` (e.g. `2026-04-01`): a day in Japan, without
/// a time or an offset. As input it must fall in an accepted fiscal year, 2000-04-01 to
/// 2101-03-31 (fiscal years 2000–2100); a day outside them or any other format is refused
/// with `BAD_USER_INPUT`.
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => Date::parse_text(text).map_err(InputValueError::custom),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl Date {
    /// The day written `YYYY-MM-DD`, if it is one and falls in an accepted fiscal year;
    /// else the message the client reads.
    pub fn parse_text(text: &str) -> Result<Date, String> {
        let shaped = text.len() == 10
            && text.bytes().enumerate().all(|(i, byte)| match i {
                4 | 7 => byte == b'-',
                _ => byte.is_ascii_digit(),
            });
        let date = shaped
            .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
            .flatten()
            .ok_or_else(|| {
                format!("`{text}` is not a date; write it YYYY-MM-DD, e.g. 2026-04-01")
            })?;
        if fiscal::accepts(date) {
            Ok(Date(date))
        } else {
            Err(format!(
                "{text} is outside the accepted dates, {}-04-01 to {}-03-31 (fiscal years {}–{})",
                fiscal::FIRST_YEAR,
                fiscal::LAST_YEAR + 1,
                fiscal::FIRST_YEAR,
                fiscal::LAST_YEAR
            ))
        }
    }
}

impl From<NaiveDate> for Date {
    fn from(date: NaiveDate) -> Self {
        Date(date)
    }
}

impl From<Date> for NaiveDate {
    fn from(date: Date) -> Self {
        date.0
    }
}

impl Deref for Date {
    type Target = NaiveDate;

    fn deref(&self) -> &NaiveDate {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_read_only_as_yyyy_mm_dd() {
        let day = NaiveDate::from_ymd_opt(2026, 4, 1);
        assert_eq!(Date::parse_text("2026-04-01").ok().map(|d| d.0), day);
        for malformed in [
            "2026-4-1",
            "2026/04/01",
            "20260401",
            "2026-02-30",
            "+2026-04-01",
            "",
        ] {
            assert!(Date::parse_text(malformed).is_err(), "{malformed}");
        }
    }

    #[test]
    fn a_date_outside_the_accepted_fiscal_years_is_refused() {
        assert!(Date::parse_text("2000-04-01").is_ok());
        assert!(Date::parse_text("2101-03-31").is_ok());
        assert!(Date::parse_text("2000-03-31").is_err());
        assert!(Date::parse_text("2101-04-01").is_err());
        assert!(Date::parse_text("9999-01-15").is_err());
    }

    #[test]
    fn a_date_is_written_as_it_is_read() {
        let date = Date::parse_text("2030-12-05").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(date.to_value(), Value::String("2030-12-05".into()));
    }
}

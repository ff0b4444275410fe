//! The pure rules of opening hours and places: weekly intervals, dated exceptions that
//! replace a day's weekly hours, "open at" in Asia/Tokyo, and distances. No database here.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Asia::Tokyo;

use crate::error::{FieldError, FieldErrorCode};

/// Minutes in a day: an interval may close at 24:00 at the latest.
pub const DAY_MINUTES: i32 = 24 * 60;

/// An opening interval in minutes after midnight (Asia/Tokyo), `opens < closes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    /// Opening minute.
    pub opens: i32,
    /// Closing minute (exclusive).
    pub closes: i32,
}

impl Interval {
    /// Whether `minute` falls in the interval.
    pub fn contains(&self, minute: i32) -> bool {
        self.opens <= minute && minute < self.closes
    }
}

/// `HH:MM` of a minute after midnight.
pub fn format_minute(minute: i32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// The minute after midnight of `HH:MM` (`24:00` allowed as a closing time).
pub fn parse_minute(field: &str, value: &str) -> Result<i32, FieldError> {
    let invalid = || {
        FieldError::input(
            field,
            FieldErrorCode::Invalid,
            "時刻は「09:30」の形式（00:00〜24:00）で入力してください。",
        )
    };
    let normalized = crate::text::normalize(value).replace('：', ":");
    let (hours, minutes) = normalized.split_once(':').ok_or_else(invalid)?;
    let hours: i32 = hours.parse().map_err(|_| invalid())?;
    let minutes: i32 = minutes.parse().map_err(|_| invalid())?;
    if !(0..60).contains(&minutes) || !(0..=24).contains(&hours) || (hours == 24 && minutes > 0) {
        return Err(invalid());
    }
    Ok(hours * 60 + minutes)
}

/// Checks a day's intervals: each opens before it closes, none overlap. Returns them sorted.
pub fn check_intervals(
    field: &str,
    mut intervals: Vec<Interval>,
) -> Result<Vec<Interval>, FieldError> {
    intervals.sort();
    for interval in &intervals {
        if interval.opens >= interval.closes || interval.opens < 0 || interval.closes > DAY_MINUTES
        {
            return Err(FieldError::input(
                field,
                FieldErrorCode::Invalid,
                "終了時刻は開始時刻より後にしてください（日をまたぐ時間帯は分けて登録してください）。",
            ));
        }
    }
    if intervals
        .windows(2)
        .any(|pair| pair[1].opens < pair[0].closes)
    {
        return Err(FieldError::input(
            field,
            FieldErrorCode::Invalid,
            "同じ日の時間帯が重なっています。",
        ));
    }
    Ok(intervals)
}

/// Stores intervals as `opens-closes` pairs: `570-990,1020-1080`.
pub fn encode_intervals(intervals: &[Interval]) -> String {
    intervals
        .iter()
        .map(|i| format!("{}-{}", i.opens, i.closes))
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads intervals back from [`encode_intervals`], skipping malformed parts.
pub fn decode_intervals(stored: &str) -> Vec<Interval> {
    stored
        .split(',')
        .filter_map(|part| {
            let (opens, closes) = part.split_once('-')?;
            Some(Interval {
                opens: opens.trim().parse().ok()?,
                closes: closes.trim().parse().ok()?,
            })
        })
        .collect()
}

/// The weekly hours (weekday 0 = Monday … 6 = Sunday) and dated exceptions of one resource.
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    /// Weekly intervals as (weekday, interval).
    pub weekly: Vec<(i16, Interval)>,
    /// Exceptions as (date, intervals; empty = closed).
    pub exceptions: Vec<(NaiveDate, Vec<Interval>)>,
}

/// A day's hours and where they come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayHours {
    /// The date (Asia/Tokyo).
    pub date: NaiveDate,
    /// Opening intervals, sorted; empty when closed.
    pub intervals: Vec<Interval>,
    /// Whether a dated exception replaced the weekly hours.
    pub exception: bool,
}

impl Schedule {
    /// The hours on `date`: its exception if there is one, else that weekday's hours.
    pub fn on(&self, date: NaiveDate) -> DayHours {
        if let Some((_, intervals)) = self.exceptions.iter().find(|(day, _)| *day == date) {
            let mut intervals = intervals.clone();
            intervals.sort();
            return DayHours {
                date,
                intervals,
                exception: true,
            };
        }
        let weekday = weekday_index(date);
        let mut intervals: Vec<Interval> = self
            .weekly
            .iter()
            .filter(|(day, _)| *day == weekday)
            .map(|(_, interval)| *interval)
            .collect();
        intervals.sort();
        DayHours {
            date,
            intervals,
            exception: false,
        }
    }

    /// Whether the resource is open at `at`, read in Asia/Tokyo.
    pub fn is_open_at(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&Tokyo);
        let minute = i32::try_from(local.hour() * 60 + local.minute()).unwrap_or(0);
        self.on(local.date_naive())
            .intervals
            .iter()
            .any(|interval| interval.contains(minute))
    }
}

/// 0 = Monday … 6 = Sunday.
pub fn weekday_index(date: NaiveDate) -> i16 {
    i16::try_from(date.weekday().num_days_from_monday()).unwrap_or(0)
}

/// Great-circle distance in metres between two points (haversine, mean Earth radius).
pub fn distance_metres(from: (f64, f64), to: (f64, f64)) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (lat1, lon1) = (from.0.to_radians(), from.1.to_radians());
    let (lat2, lon2) = (to.0.to_radians(), to.1.to_radians());
    let a = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap_or_default()
    }

    fn plaza() -> Schedule {
        // Tue–Sun 9:30–16:30, Saturday also 18:00–20:00; 29 December closed; 3 January
        // opens only in the morning.
        let mut weekly: Vec<(i16, Interval)> = (1..=6)
            .map(|day| {
                (
                    day,
                    Interval {
                        opens: 570,
                        closes: 990,
                    },
                )
            })
            .collect();
        weekly.push((
            5,
            Interval {
                opens: 1080,
                closes: 1200,
            },
        ));
        Schedule {
            weekly,
            exceptions: vec![
                (date(2026, 12, 29), vec![]),
                (
                    date(2027, 1, 3),
                    vec![Interval {
                        opens: 600,
                        closes: 720,
                    }],
                ),
            ],
        }
    }

    #[test]
    fn times_parse_and_print_as_hours_and_minutes() {
        assert_eq!(parse_minute("t", "09:30"), Ok(570));
        assert_eq!(parse_minute("t", "０９：３０"), Ok(570));
        assert_eq!(parse_minute("t", "24:00"), Ok(1440));
        assert!(parse_minute("t", "24:01").is_err());
        assert!(parse_minute("t", "9時").is_err());
        assert_eq!(format_minute(990), "16:30");
    }

    #[test]
    fn intervals_must_open_before_they_close_and_not_overlap() {
        let i = |opens, closes| Interval { opens, closes };
        assert!(check_intervals("h", vec![i(600, 540)]).is_err());
        assert!(check_intervals("h", vec![i(540, 720), i(700, 800)]).is_err());
        assert_eq!(
            check_intervals("h", vec![i(780, 900), i(540, 720)]),
            Ok(vec![i(540, 720), i(780, 900)])
        );
        assert_eq!(
            decode_intervals(&encode_intervals(&[i(540, 720), i(780, 900)])),
            [i(540, 720), i(780, 900)]
        );
    }

    #[test]
    fn an_exception_replaces_the_weekly_hours_of_its_date() {
        let schedule = plaza();
        // 2026-12-29 is a Tuesday, normally open.
        assert!(schedule.on(date(2026, 12, 29)).intervals.is_empty());
        assert!(schedule.on(date(2026, 12, 29)).exception);
        assert_eq!(schedule.on(date(2027, 1, 3)).intervals.len(), 1);
        assert_eq!(
            schedule.on(date(2026, 12, 5)).intervals.len(),
            2,
            "Saturday"
        );
        assert!(
            schedule.on(date(2026, 12, 7)).intervals.is_empty(),
            "Monday"
        );
    }

    #[test]
    fn open_at_is_read_in_tokyo_across_the_day_boundary() {
        let schedule = plaza();
        // Monday 2026-12-07 23:30 UTC is Tuesday 08:30 in Tokyo: not yet open.
        assert!(!schedule.is_open_at(at("2026-12-07T23:30:00Z")));
        // Tuesday 00:30 UTC is 09:30 in Tokyo: open.
        assert!(schedule.is_open_at(at("2026-12-08T00:30:00Z")));
        // 07:29 UTC = 16:29 JST open; 07:30 UTC = 16:30 JST closed.
        assert!(schedule.is_open_at(at("2026-12-08T07:29:00Z")));
        assert!(!schedule.is_open_at(at("2026-12-08T07:30:00Z")));
        // Saturday evening interval.
        assert!(schedule.is_open_at(at("2026-12-05T09:30:00Z")));
        // The closed exception day.
        assert!(!schedule.is_open_at(at("2026-12-29T02:00:00Z")));
    }

    #[test]
    fn distances_follow_the_great_circle() {
        // 前橋市役所 to 真鶴町役場, about 150 km.
        let d = distance_metres((36.3895, 139.0634), (35.1583, 139.1378));
        assert!((135_000.0..140_000.0).contains(&d), "{d}");
        assert!(distance_metres((35.0, 139.0), (35.0, 139.0)) < 0.001);
    }
}

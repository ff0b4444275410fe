//! What the demo data of every domain shares: the password of the demo accounts, the days
//! its history is placed on, and the check that a service call made for it succeeded.
//! Each domain loads its own demo records (`domains/<d>/demo.rs`); `app::demo` runs them
//! in order.

use std::net::IpAddr;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    auth::{AuthUser, Role, Viewer},
    error::{AppResult, Outcome},
    fiscal,
};

/// Password of every demo account. Demo data is for trying the API, never for production.
pub const DEMO_PASSWORD: &str = "tsunagu-demo-2026!";

/// A demo account, for printing.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    /// Login email.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Municipality name, if any.
    pub municipality: Option<String>,
}

/// The day `share` (0 to 1) of the way through the fiscal year `years_back` years before
/// the current one: where the demo places its history. In the current year the share is of
/// the days already past, up to yesterday, so every fiscal year the demo covers has
/// records whatever the day it is loaded on (on 1 April, the current year's fall on that
/// day).
pub fn demo_day(years_back: i32, share: f64) -> NaiveDate {
    day_in_year(fiscal::today(), years_back, share)
}

/// 10:00 in Japan on `date`.
pub fn at_ten(date: NaiveDate) -> DateTime<Utc> {
    fiscal::midnight(date) + Duration::hours(10)
}

fn day_in_year(today: NaiveDate, years_back: i32, share: f64) -> NaiveDate {
    let year = fiscal::year_of_date(today) - years_back;
    let Some((first, last)) = fiscal::dates(year) else {
        return today;
    };
    let last = if years_back <= 0 {
        first.max(today - Duration::days(1))
    } else {
        last
    };
    let span = (last - first).num_days();
    // Rounded to whole days; the span is at most 365.
    let offset = (span as f64 * share.clamp(0.0, 1.0)).round() as i64;
    first + Duration::days(offset)
}

/// The record of a service call that must succeed.
pub fn done<T>(outcome: AppResult<Outcome<T>>) -> anyhow::Result<T> {
    match outcome? {
        Ok(value) => Ok(value),
        Err(errors) => Err(anyhow::anyhow!(
            "demo data refused: {}",
            errors
                .iter()
                .map(|error| format!("{}: {}", error.field.join("."), error.message))
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

/// The demo accounts of one municipality, as viewers for the services the demo calls.
#[derive(Clone)]
pub struct DemoTown<'a> {
    pub db: &'a DatabaseConnection,
    pub municipality_id: Uuid,
    pub admin: Viewer,
    pub partner: Viewer,
    pub resident: Viewer,
    /// When its steps happen: now, or a time in the past.
    pub at: Option<DateTime<Utc>>,
}

impl<'a> DemoTown<'a> {
    /// The demo accounts of the municipality `slug`.
    pub async fn load(db: &'a DatabaseConnection, slug: &str) -> anyhow::Result<Self> {
        let account = |suffix: &str| {
            let email = format!("{slug}-{suffix}@example.jp");
            async move {
                let user = entity::user::Entity::find()
                    .filter(entity::user::Column::Email.eq(email.as_str()))
                    .one(db)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("demo account {email} missing"))?;
                Ok::<_, anyhow::Error>(Viewer {
                    user: Some(AuthUser {
                        id: user.id,
                        role: user.role,
                        municipality_id: user.municipality_id,
                        organization_id: user.organization_id,
                        session_id: Uuid::nil(),
                    }),
                    client_ip: IpAddr::from([127, 0, 0, 1]),
                })
            }
        };
        let admin = account("admin").await?;
        let municipality_id = admin
            .user
            .as_ref()
            .and_then(|user| user.municipality_id)
            .ok_or_else(|| anyhow::anyhow!("demo admin of {slug} has no municipality"))?;
        Ok(Self {
            db,
            municipality_id,
            admin,
            partner: account("partner").await?,
            resident: account("resident").await?,
            at: None,
        })
    }

    /// The same accounts, acting at `at`.
    pub fn as_of(&self, at: DateTime<Utc>) -> Self {
        Self {
            at: Some(at),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn demo_history_falls_in_its_fiscal_year_and_in_the_past() {
        let today = date("2026-12-01");
        assert_eq!(day_in_year(today, 1, 0.0), date("2025-04-01"));
        assert_eq!(day_in_year(today, 1, 1.0), date("2026-03-31"));
        assert_eq!(day_in_year(today, 2, 0.5), date("2024-09-30"));
        // The current year: only the days already past, up to yesterday.
        assert_eq!(day_in_year(today, 0, 1.0), date("2026-11-30"));
        assert_eq!(day_in_year(today, 0, 0.5), date("2026-08-01"));
        // Early in a year, still in that year.
        let second_day = date("2027-04-02");
        assert_eq!(day_in_year(second_day, 0, 0.9), date("2027-04-01"));
        assert_eq!(day_in_year(date("2027-04-01"), 0, 0.5), date("2027-04-01"));
        assert_eq!(day_in_year(second_day, 1, 0.99), date("2027-03-27"));
    }
}

//! A municipality's relocation settings: assignment strategy, follow-up months, SLA hours,
//! holidays and retention.

use std::collections::BTreeSet;

use crate::state::ServiceContext;
use chrono::{DateTime, NaiveDate, Utc};
use entity::relocation_setting::{self, AssignmentStrategy};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseTransaction, DbBackend,
    EntityTrait, Statement,
};
use uuid::Uuid;

use crate::domains::relocation::sla::BusinessHours;
use crate::{
    auth::Viewer,
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
};

use super::{DEFAULT_FIRST_RESPONSE_MINUTES, DEFAULT_FOLLOW_UP_MONTHS, DEFAULT_RETENTION_DAYS};

/// Serializes assignment decisions of one municipality for the rest of `txn`.
///
/// On PostgreSQL a transaction-scoped advisory lock keyed by the municipality; on SQLite
/// the write transaction (`BEGIN IMMEDIATE`) already holds the database's only write lock.
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id))]
pub async fn lock_municipality(txn: &DatabaseTransaction, municipality_id: Uuid) -> AppResult<()> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let bits = municipality_id.as_u128();
    let key = ((bits >> 64) as u64 ^ bits as u64) as i64;
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [key.into()],
    ))
    .await?;
    Ok(())
}

/// The settings of a municipality (defaults when none were saved).
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id))]
pub async fn settings_of(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
) -> AppResult<relocation_setting::Model> {
    Ok(relocation_setting::Entity::find_by_id(municipality_id)
        .one(db)
        .await?
        .unwrap_or_else(|| default_settings(municipality_id)))
}

fn default_settings(municipality_id: Uuid) -> relocation_setting::Model {
    let hours = BusinessHours::default();
    relocation_setting::Model {
        municipality_id,
        strategy: AssignmentStrategy::SpecialtyMatch,
        last_assigned_concierge_id: None,
        follow_up_months: DEFAULT_FOLLOW_UP_MONTHS,
        first_response_minutes: DEFAULT_FIRST_RESPONSE_MINUTES,
        business_day_start_minute: i32::try_from(hours.start_minute).unwrap_or(510),
        business_day_end_minute: i32::try_from(hours.end_minute).unwrap_or(1035),
        holidays: "[]".into(),
        retention_days: DEFAULT_RETENTION_DAYS,
        updated_at: DateTime::<Utc>::UNIX_EPOCH,
    }
}

/// Business hours of `settings`.
pub fn business_hours(settings: &relocation_setting::Model) -> BusinessHours {
    BusinessHours {
        start_minute: u32::try_from(settings.business_day_start_minute).unwrap_or(510),
        end_minute: u32::try_from(settings.business_day_end_minute).unwrap_or(1035),
        holidays: holidays(settings),
    }
}

/// The holidays of `settings`.
pub fn holidays(settings: &relocation_setting::Model) -> BTreeSet<NaiveDate> {
    serde_json::from_str(&settings.holidays).unwrap_or_default()
}

/// Settings as changed by an administrator; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct SettingsChanges {
    /// Assignment strategy.
    pub strategy: Option<AssignmentStrategy>,
    /// Months until a follow-up.
    pub follow_up_months: Option<i32>,
    /// Business minutes until the first response is due.
    pub first_response_minutes: Option<i32>,
    /// Opening minute.
    pub business_day_start_minute: Option<i32>,
    /// Closing minute.
    pub business_day_end_minute: Option<i32>,
    /// Holidays (replaces the list).
    pub holidays: Option<Vec<NaiveDate>>,
    /// Retention of closed inquiries in days.
    pub retention_days: Option<i32>,
}

/// Changes a municipality's relocation settings (its administrators).
#[tracing::instrument(skip_all, fields(municipality_id = ?municipality_id))]
pub async fn update_settings(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
    changes: SettingsChanges,
) -> AppResult<Outcome<relocation_setting::Model>> {
    let me = viewer.require_user()?;
    let municipality_id = municipality_id
        .or(me.municipality_id)
        .ok_or_else(|| AppError::BadUserInput("give a municipalityId".into()))?;
    viewer.require_admin_of(municipality_id)?;
    let mut problems = Problems::new();
    let mut range = |field: &str, value: Option<i32>, min: i32, max: i32| {
        if value.is_some_and(|v| !(min..=max).contains(&v)) {
            problems.push(FieldError::input(
                field,
                FieldErrorCode::Invalid,
                format!("{min}〜{max}の範囲で指定してください。"),
            ));
        }
    };
    range("followUpMonths", changes.follow_up_months, 1, 60);
    range(
        "firstResponseMinutes",
        changes.first_response_minutes,
        15,
        10 * 465,
    );
    range(
        "businessDayStartMinute",
        changes.business_day_start_minute,
        0,
        1439,
    );
    range(
        "businessDayEndMinute",
        changes.business_day_end_minute,
        1,
        1440,
    );
    range("retentionDays", changes.retention_days, 30, 3650);
    let txn = db::begin_write(ctx.db).await?;
    lock_municipality(&txn, municipality_id).await?;
    let current = settings_of(&txn, municipality_id).await?;
    let start = changes
        .business_day_start_minute
        .unwrap_or(current.business_day_start_minute);
    let end = changes
        .business_day_end_minute
        .unwrap_or(current.business_day_end_minute);
    if start >= end {
        problems.push(FieldError::input(
            "businessDayEndMinute",
            FieldErrorCode::Invalid,
            "終業時刻は始業時刻より後にしてください。",
        ));
    }
    for day in changes.holidays.iter().flatten() {
        if let Err(error) = crate::fiscal::check_date("holidays", *day) {
            problems.push(error);
            break;
        }
    }
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }
    let holidays = match changes.holidays {
        Some(mut days) => {
            days.sort();
            days.dedup();
            serde_json::to_string(&days).map_err(AppError::internal)?
        }
        None => current.holidays.clone(),
    };
    let exists = relocation_setting::Entity::find_by_id(municipality_id)
        .one(&txn)
        .await?
        .is_some();
    let model = relocation_setting::ActiveModel {
        municipality_id: Set(municipality_id),
        strategy: Set(changes.strategy.unwrap_or(current.strategy)),
        last_assigned_concierge_id: Set(current.last_assigned_concierge_id),
        follow_up_months: Set(changes.follow_up_months.unwrap_or(current.follow_up_months)),
        first_response_minutes: Set(changes
            .first_response_minutes
            .unwrap_or(current.first_response_minutes)),
        business_day_start_minute: Set(start),
        business_day_end_minute: Set(end),
        holidays: Set(holidays),
        retention_days: Set(changes.retention_days.unwrap_or(current.retention_days)),
        updated_at: Set(ctx.now()),
    };
    let saved = if exists {
        model.update(&txn).await?
    } else {
        model.insert(&txn).await?
    };
    txn.commit().await?;
    Ok(Ok(saved))
}

//! Each municipality's health settings: the readings the sources disagree on, or a city
//! decides. Without a row the defaults apply (MHLW's month-end rule, 37.5℃).

use entity::health_setting as setting;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, sea_query::OnConflict};
use uuid::Uuid;

use super::super::dates::MonthEnd;
use crate::auth::Viewer;
use crate::error::{AppResult, FieldError, FieldErrorCode};
use crate::state::ServiceContext;

/// The fever threshold when a municipality sets none: 37.5℃ (明らかな発熱).
pub const DEFAULT_FEVER_THRESHOLD: f64 = 37.5;

/// A municipality's health settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// How an interval of months ends on a missing day.
    pub month_end: MonthEnd,
    /// The temperature (℃) from which the 予診 may not judge a vaccination possible.
    pub fever_threshold: f64,
    /// The day of the month after the service month by which a fee claim is due.
    pub fee_claim_due_day: u32,
}

/// The day a fee claim is due when a municipality sets none: the 10th of the next month.
pub const DEFAULT_FEE_CLAIM_DUE_DAY: u32 = 10;

impl Default for Settings {
    fn default() -> Self {
        Self {
            month_end: MonthEnd::NextMonthFirst,
            fever_threshold: DEFAULT_FEVER_THRESHOLD,
            fee_claim_due_day: DEFAULT_FEE_CLAIM_DUE_DAY,
        }
    }
}

fn month_end_text(month_end: MonthEnd) -> &'static str {
    match month_end {
        MonthEnd::NextMonthFirst => "next_month_first",
        MonthEnd::LastDayOfMonth => "last_day_of_month",
    }
}

/// The settings of `municipality_id` (the defaults while it has set none).
pub async fn settings_of(db: &impl ConnectionTrait, municipality_id: Uuid) -> AppResult<Settings> {
    let row = setting::Entity::find_by_id(municipality_id).one(db).await?;
    Ok(row.map_or_else(Settings::default, |row| Settings {
        month_end: if row.month_end == "last_day_of_month" {
            MonthEnd::LastDayOfMonth
        } else {
            MonthEnd::NextMonthFirst
        },
        fever_threshold: row.fever_threshold,
        fee_claim_due_day: u32::try_from(row.fee_claim_due_day)
            .unwrap_or(DEFAULT_FEE_CLAIM_DUE_DAY),
    }))
}

/// A change of the settings; what is not given stays.
#[derive(Clone, Copy, Debug, Default)]
pub struct SettingsChange {
    /// The municipality; the administrator's own when not given.
    pub municipality_id: Option<Uuid>,
    /// The month-end rule.
    pub month_end: Option<MonthEnd>,
    /// The fever threshold in ℃ (37.0–38.5).
    pub fever_threshold: Option<f64>,
    /// The fee claim due day (1–28) of the month after the service month.
    pub fee_claim_due_day: Option<u32>,
}

/// The settings of the municipality the viewer administers.
pub async fn settings_for_admin(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
) -> AppResult<Settings> {
    let (_, municipality_id) = super::access::admin_municipality(viewer, municipality_id)?;
    settings_of(ctx.db, municipality_id).await
}

/// Changes a municipality's settings (its administrators).
#[tracing::instrument(skip_all)]
pub async fn update_settings(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    change: SettingsChange,
) -> AppResult<Result<Settings, Vec<FieldError>>> {
    let (_, municipality_id) = super::access::admin_municipality(viewer, change.municipality_id)?;
    if let Some(threshold) = change.fever_threshold
        && !(37.0..=38.5).contains(&threshold)
    {
        return Ok(Err(vec![FieldError::input(
            "feverThreshold",
            FieldErrorCode::Invalid,
            "発熱とみなす体温は37.0〜38.5℃の範囲で指定してください。",
        )]));
    }
    if change
        .fee_claim_due_day
        .is_some_and(|day| !(1..=28).contains(&day))
    {
        return Ok(Err(vec![FieldError::input(
            "feeClaimDueDay",
            FieldErrorCode::Invalid,
            "請求の締切日は1〜28日で指定してください。",
        )]));
    }
    let current = settings_of(ctx.db, municipality_id).await?;
    let next = Settings {
        month_end: change.month_end.unwrap_or(current.month_end),
        fever_threshold: change.fever_threshold.unwrap_or(current.fever_threshold),
        fee_claim_due_day: change
            .fee_claim_due_day
            .unwrap_or(current.fee_claim_due_day),
    };
    setting::Entity::insert(setting::ActiveModel {
        municipality_id: Set(municipality_id),
        month_end: Set(month_end_text(next.month_end).to_owned()),
        fever_threshold: Set(next.fever_threshold),
        fee_claim_due_day: Set(i32::try_from(next.fee_claim_due_day).unwrap_or(10)),
        updated_at: Set(ctx.now()),
    })
    .on_conflict(
        OnConflict::column(setting::Column::MunicipalityId)
            .update_columns([
                setting::Column::MonthEnd,
                setting::Column::FeverThreshold,
                setting::Column::FeeClaimDueDay,
                setting::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(ctx.db)
    .await?;
    Ok(Ok(next))
}

//! Each municipality's fee schedule (委託料単価表) per fiscal year: a price per vaccine
//! product (optionally per series and dose) with its lower 予診のみ price, and a price per
//! checkup and dental checkup type. Kitakyushu's own table is not public, so it is data
//! the city's health staff enter, never code. Setting a line again replaces its prices.

use entity::health_fee_schedule_line::{self as line, FeeService};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::OnConflict,
};
use uuid::Uuid;

use super::access::fee_actor;
use crate::auth::Viewer;
use crate::error::{AppResult, FieldError, FieldErrorCode, Problems};
use crate::state::ServiceContext;

/// One price to set.
#[derive(Clone, Debug)]
pub struct NewPrice {
    /// What it prices.
    pub service: FeeService,
    /// The vaccine product (vaccinations).
    pub product_code: Option<String>,
    /// Only this series of the product.
    pub series_code: Option<String>,
    /// Only this dose of the series.
    pub dose_number: Option<i32>,
    /// The checkup type key (checkups).
    pub checkup_key: Option<String>,
    /// Yen.
    pub price: i64,
    /// Yen for 予診のみ (vaccinations).
    pub deferral_price: Option<i64>,
}

/// Prices to set for one municipality and fiscal year.
#[derive(Clone, Debug)]
pub struct NewSchedule {
    /// The municipality; the administrator's own when not given.
    pub municipality_id: Option<Uuid>,
    /// The fiscal year (年度).
    pub fiscal_year: i32,
    /// The prices.
    pub lines: Vec<NewPrice>,
}

/// The schedule of `municipality_id` for `fiscal_year`.
pub async fn schedule_of(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    fiscal_year: i32,
) -> AppResult<Vec<line::Model>> {
    Ok(line::Entity::find()
        .filter(line::Column::MunicipalityId.eq(municipality_id))
        .filter(line::Column::FiscalYear.eq(fiscal_year))
        .order_by_asc(line::Column::ServiceKind)
        .order_by_asc(line::Column::ProductCode)
        .order_by_asc(line::Column::SeriesCode)
        .order_by_asc(line::Column::DoseNumber)
        .order_by_asc(line::Column::CheckupKey)
        .all(db)
        .await?)
}

/// The fee schedule for a year: the municipality's health staff, its clinics and its
/// associations.
pub async fn fee_schedule(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
    fiscal_year: i32,
) -> AppResult<Vec<line::Model>> {
    let actor = fee_actor(ctx.db, viewer, municipality_id).await?;
    crate::fiscal::checked_year(fiscal_year)?;
    schedule_of(ctx.db, actor.municipality_id(), fiscal_year).await
}

/// The key columns of a line as stored ("any" as empty or 0).
type Key = (FeeService, String, String, i32, String);

/// Sets prices (the municipality's health staff); each line is created or replaced.
/// Returns the year's whole schedule.
#[tracing::instrument(skip_all)]
pub async fn set_fee_schedule(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    new: NewSchedule,
) -> AppResult<Result<Vec<line::Model>, Vec<FieldError>>> {
    let (user_id, municipality_id) =
        super::access::city(ctx.db, viewer, new.municipality_id).await?;
    let mut errors = Problems::new();
    if crate::fiscal::checked_year(new.fiscal_year).is_err() {
        errors.push(FieldError::input(
            "fiscalYear",
            FieldErrorCode::Invalid,
            "年度が範囲外です。",
        ));
    }
    if new.lines.is_empty() {
        errors.push(FieldError::input(
            "lines",
            FieldErrorCode::Required,
            "単価を1件以上入力してください。",
        ));
    }
    let catalogue = super::super::catalogue::load_catalogue(ctx).await?;
    let mut keys: Vec<Key> = Vec::new();
    for (i, price) in new.lines.iter().enumerate() {
        let field = |name: &str| format!("lines.{i}.{name}");
        if price.price < 0 {
            errors.push(FieldError::input(
                &field("price"),
                FieldErrorCode::Invalid,
                "単価は0円以上で入力してください。",
            ));
        }
        if let Some(deferral) = price.deferral_price
            && (deferral < 0 || deferral > price.price.max(0))
        {
            errors.push(FieldError::input(
                &field("deferralPrice"),
                FieldErrorCode::Invalid,
                "予診のみの単価は0円以上、接種の単価以下で入力してください。",
            ));
        }
        let text = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let (product, series, dose, checkup) = (
            text(&price.product_code),
            text(&price.series_code),
            price.dose_number,
            text(&price.checkup_key),
        );
        match price.service {
            FeeService::Vaccination => {
                match product.as_deref().map(|code| catalogue.product(code)) {
                    None => errors.push(FieldError::input(
                        &field("productCode"),
                        FieldErrorCode::Required,
                        "ワクチンの製品コードを入力してください。",
                    )),
                    Some(None) => errors.push(FieldError::input(
                        &field("productCode"),
                        FieldErrorCode::NotFound,
                        "ワクチンの製品コードがカタログにありません。",
                    )),
                    Some(Some(_)) => {}
                }
                if let Some(code) = &series {
                    match catalogue.series(code) {
                        Some(found)
                            if product.as_ref().is_some_and(|p| found.products.contains(p)) =>
                        {
                            if dose.is_some_and(|d| {
                                d < 1 || u32::try_from(d).unwrap_or(0) > found.dose_count()
                            }) {
                                errors.push(FieldError::input(
                                    &field("doseNumber"),
                                    FieldErrorCode::Invalid,
                                    "回数がこのシリーズにありません。",
                                ));
                            }
                        }
                        _ => errors.push(FieldError::input(
                            &field("seriesCode"),
                            FieldErrorCode::NotFound,
                            "このワクチンのシリーズコードがカタログにありません。",
                        )),
                    }
                } else if dose.is_some() {
                    errors.push(FieldError::input(
                        &field("doseNumber"),
                        FieldErrorCode::Invalid,
                        "回数を指定するときはシリーズコードも入力してください。",
                    ));
                }
                if checkup.is_some() {
                    errors.push(FieldError::input(
                        &field("checkupKey"),
                        FieldErrorCode::Invalid,
                        "予防接種の単価に健診の種類は指定できません。",
                    ));
                }
            }
            FeeService::Checkup | FeeService::DentalCheckup => {
                match &checkup {
                    None => errors.push(FieldError::input(
                        &field("checkupKey"),
                        FieldErrorCode::Required,
                        "健診の種類を入力してください。",
                    )),
                    Some(key) if key.chars().count() > 40 => errors.push(FieldError::input(
                        &field("checkupKey"),
                        FieldErrorCode::TooLong,
                        "健診の種類は40文字以内で入力してください。",
                    )),
                    Some(_) => {}
                }
                if product.is_some() || series.is_some() || dose.is_some() {
                    errors.push(FieldError::input(
                        &field("productCode"),
                        FieldErrorCode::Invalid,
                        "健診の単価にワクチンは指定できません。",
                    ));
                }
                if price.deferral_price.is_some() {
                    errors.push(FieldError::input(
                        &field("deferralPrice"),
                        FieldErrorCode::Invalid,
                        "予診のみの単価は予防接種だけに指定できます。",
                    ));
                }
            }
        }
        let key = (
            price.service,
            product.unwrap_or_default(),
            series.unwrap_or_default(),
            dose.unwrap_or(0),
            checkup.unwrap_or_default(),
        );
        if keys.contains(&key) {
            errors.push(FieldError::input(
                &field("productCode"),
                FieldErrorCode::Taken,
                "同じ対象の単価が重複しています。",
            ));
        }
        keys.push(key);
    }
    if let Err(errors) = errors.finish() {
        return Ok(Err(errors));
    }
    let now = ctx.now();
    let txn = crate::db::begin_write(ctx.db).await?;
    for ((service, product, series, dose, checkup), price) in keys.into_iter().zip(&new.lines) {
        line::Entity::insert(line::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(municipality_id),
            fiscal_year: Set(new.fiscal_year),
            service_kind: Set(service),
            product_code: Set(product),
            series_code: Set(series),
            dose_number: Set(dose),
            checkup_key: Set(checkup),
            price: Set(price.price),
            deferral_price: Set(price.deferral_price),
            updated_by: Set(user_id),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                line::Column::MunicipalityId,
                line::Column::FiscalYear,
                line::Column::ServiceKind,
                line::Column::ProductCode,
                line::Column::SeriesCode,
                line::Column::DoseNumber,
                line::Column::CheckupKey,
            ])
            .update_columns([
                line::Column::Price,
                line::Column::DeferralPrice,
                line::Column::UpdatedBy,
                line::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(Ok(
        schedule_of(ctx.db, municipality_id, new.fiscal_year).await?
    ))
}

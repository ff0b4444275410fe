//! Loading the catalogue: three statements whatever the number of children it is used for.

use entity::{
    health_dose_rule as rule, health_vaccine_product as product, health_vaccine_series as series,
};
use sea_orm::{EntityTrait, QueryOrder};
use serde::de::DeserializeOwned;

use super::super::catalogue::{Catalogue, DoseRule, Product, Route, Series, Sex};
use crate::auth::{ADMINS, Viewer};
use crate::error::{AppError, AppResult};
use crate::state::ServiceContext;

fn json<T: DeserializeOwned>(text: &str) -> AppResult<T> {
    serde_json::from_str(text).map_err(AppError::internal)
}

fn optional<T: DeserializeOwned>(text: Option<&str>) -> AppResult<Option<T>> {
    text.map(json).transpose()
}

fn route(text: &str) -> AppResult<Route> {
    json(&format!("\"{text}\""))
}

fn sex(text: Option<&str>) -> AppResult<Option<Sex>> {
    text.map(|text| json(&format!("\"{text}\""))).transpose()
}

/// The whole catalogue, every version of every row.
#[tracing::instrument(skip_all)]
pub async fn load_catalogue(ctx: ServiceContext<'_>) -> AppResult<Catalogue> {
    let products = product::Entity::find()
        .order_by_asc(product::Column::Position)
        .all(ctx.db)
        .await?;
    let series_rows = series::Entity::find()
        .order_by_asc(series::Column::Position)
        .all(ctx.db)
        .await?;
    let rules = rule::Entity::find()
        .order_by_asc(rule::Column::Id)
        .all(ctx.db)
        .await?;
    let products = products
        .into_iter()
        .map(|row| {
            Ok(Product {
                route: route(&row.route)?,
                absolute_until: optional(row.absolute_until.as_deref())?,
                may_follow: json(&row.may_follow)?,
                code: row.code,
                name: row.name,
                antigen: row.antigen,
                live: row.live,
                dose_ml: row.dose_ml,
                valid_from: row.valid_from,
                valid_to: row.valid_to,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let mut all_series = Vec::with_capacity(series_rows.len());
    for row in series_rows {
        let doses = rules
            .iter()
            .filter(|rule| rule.series_code == row.code)
            .map(|rule| {
                Ok(DoseRule {
                    dose: u32::try_from(rule.dose).map_err(AppError::internal)?,
                    label: rule.label.clone(),
                    eligible: json(&rule.eligible)?,
                    standard: optional(rule.standard.as_deref())?,
                    min_intervals: json(&rule.min_intervals)?,
                    standard_intervals: json(&rule.standard_intervals)?,
                    skip_if: optional(rule.skip_if.as_deref())?,
                    valid_from: rule.valid_from,
                    valid_to: rule.valid_to,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        all_series.push(Series {
            products: json(&row.products)?,
            sex: sex(row.sex.as_deref())?,
            conflicts_with: json(&row.conflicts_with)?,
            code: row.code,
            antigen: row.antigen,
            name: row.name,
            born_from: row.born_from,
            valid_from: row.valid_from,
            valid_to: row.valid_to,
            doses,
        });
    }
    Ok(Catalogue {
        products,
        series: all_series,
        month_end: Default::default(),
    })
}

/// The catalogue for municipal health staff (municipal admins) and platform admins.
#[tracing::instrument(skip_all)]
pub async fn catalogue_for_staff(ctx: ServiceContext<'_>, viewer: &Viewer) -> AppResult<Catalogue> {
    viewer.require_role(ADMINS)?;
    load_catalogue(ctx).await
}

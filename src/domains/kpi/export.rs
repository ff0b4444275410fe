//! KPI report downloads for administrators: `GET /reports/kpi.csv` (UTF-8 with a BOM, so
//! spreadsheet software opens it as UTF-8; CRLF line endings, as Excel on Windows expects;
//! Japanese column headers) and
//! `GET /reports/kpi.json`, both `?municipality=JIS&fiscalYear=N` with a bearer token. They
//! compute the same report as the `kpiReport` query.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::service::{self, KpiValue, Report};
use crate::{
    auth::viewer_of,
    error::{AppError, AppResult},
    state::AppState,
};

/// Column headers of the CSV, in order.
pub const CSV_HEADERS: [&str; 14] = [
    "自治体コード",
    "自治体名",
    "年度",
    "指標キー",
    "指標名",
    "単位",
    "値",
    "分子",
    "分母",
    "前年度の値",
    "前年度からの増減",
    "目標値",
    "基準値",
    "目標達成",
];

/// Query string of the downloads.
#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    /// JIS code of the municipality.
    municipality: Option<String>,
    /// Fiscal year.
    #[serde(rename = "fiscalYear")]
    fiscal_year: Option<String>,
}

/// `GET /reports/kpi.csv`.
pub async fn kpi_csv(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Response {
    match load(&state, &headers, peer, &query).await {
        Ok(report) => match csv(&report) {
            Ok(body) => (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!(
                            "attachment; filename=\"kpi-{}-{}.csv\"",
                            report.municipality.jis_code, report.fiscal_year
                        ),
                    ),
                ],
                body,
            )
                .into_response(),
            Err(error) => refused(&error),
        },
        Err(error) => refused(&error),
    }
}

/// `GET /reports/kpi.json`.
pub async fn kpi_json(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Response {
    match load(&state, &headers, peer, &query).await {
        Ok(report) => (
            [(header::CONTENT_TYPE, "application/json")],
            json_body(&report).to_string(),
        )
            .into_response(),
        Err(error) => refused(&error),
    }
}

async fn load(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    query: &ReportQuery,
) -> AppResult<Report> {
    let viewer = viewer_of(state, headers, peer).await?;
    viewer.require_user()?;
    let code = query
        .municipality
        .as_deref()
        .filter(|code| !code.trim().is_empty())
        .ok_or_else(|| AppError::BadUserInput("give `municipality` (a JIS code)".into()))?;
    let year = query
        .fiscal_year
        .as_deref()
        .and_then(|year| year.trim().parse::<i32>().ok())
        .ok_or_else(|| AppError::BadUserInput("give `fiscalYear` as a number".into()))?;
    service::report(&state.db, &viewer, code, year).await
}

fn refused(error: &AppError) -> Response {
    let status = match error {
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::BadUserInput(_) => StatusCode::BAD_REQUEST,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(cause) => {
            tracing::error!(error = ?cause, "KPI report download failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let body = json!({ "errors": [{ "message": error.to_string(), "extensions": { "code": error.code() } }] });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

fn number(value: Option<f64>) -> String {
    value.map(|v| format!("{}", round(v))).unwrap_or_default()
}

/// Values rounded to four decimals, so that 2/3 does not print seventeen digits.
fn round(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

/// The report as CSV text, with a byte-order mark and CRLF line endings (RFC 4180).
pub fn csv(report: &Report) -> AppResult<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        writer
            .write_record(CSV_HEADERS)
            .map_err(AppError::internal)?;
        for value in &report.values {
            writer
                .write_record(row(report, value))
                .map_err(AppError::internal)?;
        }
        writer.flush().map_err(AppError::internal)?;
    }
    Ok(out)
}

fn row(report: &Report, value: &KpiValue) -> [String; 14] {
    let kpi = value.definition;
    [
        report.municipality.jis_code.clone(),
        report.municipality.name_ja.clone(),
        report.fiscal_year.to_string(),
        kpi.key.to_owned(),
        kpi.name_ja.to_owned(),
        kpi.unit.label_ja().to_owned(),
        number(value.value),
        number(Some(value.numerator)),
        number(value.denominator),
        number(value.previous_value),
        number(value.change),
        number(value.target),
        number(value.baseline),
        match value.target_met {
            Some(true) => "達成".to_owned(),
            Some(false) => "未達成".to_owned(),
            None => String::new(),
        },
    ]
}

/// The report as JSON, with the same numbers as the CSV (unrounded).
pub fn json_body(report: &Report) -> serde_json::Value {
    json!({
        "municipalityCode": report.municipality.jis_code,
        "municipalityName": report.municipality.name_ja,
        "fiscalYear": report.fiscal_year,
        "periodStart": report.period_start,
        "periodEnd": report.period_end,
        "kpis": report.values.iter().map(|value| json!({
            "key": value.definition.key,
            "nameJa": value.definition.name_ja,
            "nameEn": value.definition.name_en,
            "unit": value.definition.unit.label_ja(),
            "value": value.value,
            "numerator": value.numerator,
            "denominator": value.denominator,
            "previousValue": value.previous_value,
            "change": value.change,
            "target": value.target,
            "baseline": value.baseline,
            "targetMet": value.target_met,
        })).collect::<Vec<_>>(),
    })
}

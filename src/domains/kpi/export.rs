//! KPI report downloads for administrators: `GET /reports/kpi.csv` (UTF-8 with a BOM, so
//! spreadsheet software opens it as UTF-8; CRLF line endings, as Excel on Windows expects;
//! Japanese column headers) and
//! `GET /reports/kpi.json`, both `?municipality=JIS&fiscalYear=N` with a bearer token. They
//! compute the same report as the `kpiReport` query. `GET /reports/kpi/{key}/records.csv`
//! (same query string) lists the records behind one KPI's value, as the `kpiRecords` query
//! does: every KPI of the registry has them.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Path, Query, State},
    http::HeaderMap,
    response::Response,
};
use serde_json::json;

use super::{
    registry,
    service::{self, KpiRecord, KpiValue, PartRole, Report},
};
use crate::{
    download::{self, ReportQuery},
    error::AppResult,
    graphql::ids,
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

/// `GET /reports/kpi.csv`.
pub async fn kpi_csv(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Response {
    match load(&state, &headers, peer, &query)
        .await
        .and_then(|report| Ok((csv(&report)?, report)))
    {
        Ok((body, report)) => download::csv_response(
            &format!(
                "kpi-{}-{}.csv",
                report.municipality.jis_code, report.fiscal_year
            ),
            body,
        ),
        Err(error) => download::refused("KPI report", &error),
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
        Ok(report) => download::json_response(&json_body(&report)),
        Err(error) => download::refused("KPI report", &error),
    }
}

async fn load(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    query: &ReportQuery,
) -> AppResult<Report> {
    let viewer = download::signed_in_viewer(state, headers, peer).await?;
    let (code, year) = (query.municipality()?, query.fiscal_year()?);
    service::report(&state.db, &viewer, code, year).await
}

/// Column headers of the records CSV, in order.
pub const RECORD_CSV_HEADERS: [&str; 10] = [
    "自治体コード",
    "指標キー",
    "指標名",
    "区分",
    "年度",
    "記録の種類",
    "記録ID",
    "計上日",
    "計上値",
    "内容",
];

/// `GET /reports/kpi/{key}/records.csv`.
pub async fn kpi_records_csv(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Response {
    let loaded = async {
        let viewer = download::signed_in_viewer(&state, &headers, peer).await?;
        let (code, year) = (query.municipality()?, query.fiscal_year()?);
        let records = service::records(&state.db, &viewer, code, year, &key).await?;
        Ok((code.to_owned(), year, records_csv(code, &key, &records)?))
    };
    match loaded.await {
        Ok((code, year, body)) => {
            download::csv_response(&format!("kpi-records-{key}-{code}-{year}.csv"), body)
        }
        Err(error) => download::refused("KPI records", &error),
    }
}

/// The records behind KPI `key` as CSV text, numerator first, with a byte-order mark and
/// CRLF line endings (RFC 4180).
pub fn records_csv(code: &str, key: &str, records: &[KpiRecord]) -> AppResult<Vec<u8>> {
    let name = registry::find(key).map_or("", |kpi| kpi.name_ja);
    download::csv_table(
        &RECORD_CSV_HEADERS,
        records.iter().map(|r| {
            [
                code.to_owned(),
                key.to_owned(),
                name.to_owned(),
                match r.role {
                    PartRole::Numerator => "分子".to_owned(),
                    PartRole::Denominator => "分母".to_owned(),
                },
                r.fiscal_year.to_string(),
                r.record.record_type.name().to_owned(),
                ids::encode(r.record.record_type, r.record.record_id).to_string(),
                r.record.occurred_on.format("%Y-%m-%d").to_string(),
                number(Some(r.record.weight)),
                r.record.label.clone(),
            ]
        }),
    )
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
    download::csv_table(
        &CSV_HEADERS,
        report.values.iter().map(|value| row(report, value)),
    )
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

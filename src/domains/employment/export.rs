//! The published employment report as a download for the municipality's employment team:
//! `GET /reports/employment.csv?municipality=JIS&fiscalYear=N` with a bearer token. The
//! same report as `employmentReport(audience: PUBLISHED)`: counts below the suppression
//! threshold are withheld (an empty value, 秘匿 in the last column), so the file can be
//! handed on as it is. One row per figure, Japanese headers, UTF-8 with a BOM and CRLF.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Query, State},
    http::HeaderMap,
    response::Response,
};
use entity::employment_placement::EmploymentType;

use super::service::{self, Count, Report};
use crate::{
    download::{self, ReportQuery},
    error::AppResult,
    share,
    state::AppState,
};

/// Column headers of the CSV, in order.
pub const CSV_HEADERS: [&str; 8] = [
    "自治体コード",
    "自治体名",
    "年度",
    "区分",
    "項目",
    "値",
    "単位",
    "秘匿",
];

/// `GET /reports/employment.csv`.
pub async fn employment_csv(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Response {
    match load(&state, &headers, peer, &query)
        .await
        .and_then(|(town, report)| Ok((csv(&town, &report)?, town, report)))
    {
        Ok((body, town, report)) => download::csv_response(
            &format!("employment-{}-{}.csv", town.jis_code, report.fiscal_year),
            body,
        ),
        Err(error) => download::refused("employment report", &error),
    }
}

async fn load(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    query: &ReportQuery,
) -> AppResult<(entity::municipality::Model, Report)> {
    let viewer = download::signed_in_viewer(state, headers, peer).await?;
    let (code, year) = (query.municipality()?, query.fiscal_year()?);
    service::published_report_for_team(
        &state.db,
        &viewer,
        code,
        year,
        state.limits.employment_suppression_threshold,
    )
    .await
}

/// Japanese name of an employment type, as the report prints it.
pub fn employment_type_label(kind: EmploymentType) -> &'static str {
    match kind {
        EmploymentType::Regular => "正規雇用",
        EmploymentType::Contract => "契約社員",
        EmploymentType::PartTime => "パート・アルバイト",
        EmploymentType::Dispatch => "派遣",
        EmploymentType::SelfEmployed => "自営・フリーランス",
        EmploymentType::Other => "その他",
    }
}

/// One figure: section, item, value, unit, withheld.
type Figure = (&'static str, String, String, &'static str, bool);

fn count(section: &'static str, item: impl Into<String>, count: Count) -> Figure {
    (
        section,
        item.into(),
        count.value.map(|v| v.to_string()).unwrap_or_default(),
        "人",
        count.suppressed,
    )
}

/// A share of two shown counts in percent (one decimal); withheld with either count.
fn rate(section: &'static str, item: &str, part: Count, whole: Count) -> Figure {
    let value = service::rate_parts(part, whole)
        .and_then(|(n, d)| share::percent_of_counts(n, d))
        .map(|v| v.to_string())
        .unwrap_or_default();
    (
        section,
        item.to_owned(),
        value,
        "%",
        part.suppressed || whole.suppressed,
    )
}

/// The figures of the report, in the order of the GraphQL report.
pub fn figures(report: &Report) -> Vec<Figure> {
    let mut out = vec![
        count("支援対象者", "登録者数", report.enrollments),
        count("就職", "就職者数", report.placements),
    ];
    out.extend(
        report
            .placements_by_type
            .iter()
            .map(|(kind, n)| count("雇用形態別の就職者数", employment_type_label(*kind), *n)),
    );
    out.push(count(
        "女性の正規雇用率",
        "正規雇用で就職した女性",
        report.women_regular,
    ));
    out.push(count(
        "女性の正規雇用率",
        "就職した女性",
        report.women_placed,
    ));
    out.push(rate(
        "女性の正規雇用率",
        "正規雇用率",
        report.women_regular,
        report.women_placed,
    ));
    out.push(count(
        "正規雇用への転換",
        "転換した就職者数",
        report.converted_to_regular,
    ));
    for retention in &report.retention {
        let section = "定着状況";
        let months = retention.checkpoint_months;
        out.push(count(
            section,
            format!("{months}か月後の回答数"),
            retention.answered,
        ));
        out.push(count(
            section,
            format!("{months}か月後の継続就労者数"),
            retention.still_employed,
        ));
        out.push(rate(
            section,
            &format!("{months}か月後の定着率"),
            retention.still_employed,
            retention.answered,
        ));
    }
    out
}

/// The report as CSV text, with a byte-order mark and CRLF line endings (RFC 4180).
pub fn csv(town: &entity::municipality::Model, report: &Report) -> AppResult<Vec<u8>> {
    download::csv_table(
        &CSV_HEADERS,
        figures(report)
            .into_iter()
            .map(|(section, item, value, unit, withheld)| {
                [
                    town.jis_code.clone(),
                    town.name_ja.clone(),
                    report.fiscal_year.to_string(),
                    section.to_owned(),
                    item,
                    value,
                    unit.to_owned(),
                    if withheld {
                        "秘匿".to_owned()
                    } else {
                        String::new()
                    },
                ]
            }),
    )
}

//! The pipeline download for administrators: `GET /reports/relocation-pipeline.csv
//! ?municipality=JIS` with a bearer token, one row per inquiry (UTF-8 with a BOM, so
//! spreadsheet software opens it as UTF-8; CRLF line endings, as Excel on Windows expects;
//! Japanese column headers). Reference codes, stages, dates and counts only.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Query, State},
    http::HeaderMap,
    response::Response,
};
use chrono::{DateTime, FixedOffset, Utc};

use super::{service, states};
use crate::{
    download::{self, ReportQuery},
    error::AppResult,
    graphql::ids::{self, NodeKind},
    state::AppState,
};

/// Column headers of the CSV, in order.
pub const CSV_HEADERS: [&str; 12] = [
    "受付番号",
    "段階",
    "受付日時",
    "担当割り当て日時",
    "最終対応日時",
    "終了日時",
    "メモ件数",
    "連絡件数",
    "予定件数",
    "タスク件数",
    "担当コンシェルジュID",
    "担当コンシェルジュ",
];

/// `GET /reports/relocation-pipeline.csv`.
pub async fn pipeline_csv(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Response {
    match load(&state, &headers, peer, &query)
        .await
        .and_then(|(town, rows)| Ok((town, csv(&rows)?)))
    {
        Ok((town, body)) => {
            download::csv_response(&format!("relocation-pipeline-{}.csv", town.jis_code), body)
        }
        Err(error) => download::refused("relocation pipeline", &error),
    }
}

async fn load(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    query: &ReportQuery,
) -> AppResult<(entity::municipality::Model, Vec<service::PipelineRow>)> {
    let viewer = download::signed_in_viewer(state, headers, peer).await?;
    service::pipeline_rows(&state.db, &viewer, query.municipality()?).await
}

/// A time in Japan, as Excel reads it (`2026-04-01 09:30`); empty when absent.
fn jst(at: Option<DateTime<Utc>>) -> String {
    let Some(japan) = FixedOffset::east_opt(9 * 3600) else {
        return String::new();
    };
    at.map(|at| {
        at.with_timezone(&japan)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

/// The rows as CSV text, with a byte-order mark and CRLF line endings (RFC 4180).
pub fn csv(rows: &[service::PipelineRow]) -> AppResult<Vec<u8>> {
    download::csv_table(
        &CSV_HEADERS,
        rows.iter().map(|row| {
            [
                row.reference_code.clone(),
                states::label(row.stage).to_owned(),
                jst(Some(row.received_at)),
                jst(row.assigned_at),
                jst(Some(row.last_activity_at)),
                jst(row.closed_at),
                row.notes.to_string(),
                row.contacts.to_string(),
                row.appointments.to_string(),
                row.tasks.to_string(),
                row.concierge_id
                    .map(|id| ids::encode(NodeKind::User, id).to_string())
                    .unwrap_or_default(),
                row.concierge_name.clone().unwrap_or_default(),
            ]
        }),
    )
}

//! The pipeline download for administrators: `GET /reports/relocation-pipeline.csv
//! ?municipality=JIS` with a bearer token, one row per inquiry (UTF-8 with a BOM, so
//! spreadsheet software opens it as UTF-8; CRLF line endings, as Excel on Windows expects;
//! Japanese column headers). Reference codes, stages, dates and counts only.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;
use serde_json::json;

use super::{service, states};
use crate::{
    auth::viewer_of,
    error::{AppError, AppResult},
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

/// Query string of the download.
#[derive(Debug, Deserialize)]
pub struct PipelineQuery {
    /// JIS code of the municipality.
    municipality: Option<String>,
}

/// `GET /reports/relocation-pipeline.csv`.
pub async fn pipeline_csv(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<PipelineQuery>,
) -> Response {
    match load(&state, &headers, peer, &query).await {
        Ok((town, rows)) => match csv(&rows) {
            Ok(body) => (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!(
                            "attachment; filename=\"relocation-pipeline-{}.csv\"",
                            town.jis_code
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

async fn load(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    query: &PipelineQuery,
) -> AppResult<(entity::municipality::Model, Vec<service::PipelineRow>)> {
    let viewer = viewer_of(state, headers, peer).await?;
    viewer.require_user()?;
    let code = query
        .municipality
        .as_deref()
        .filter(|code| !code.trim().is_empty())
        .ok_or_else(|| AppError::BadUserInput("give `municipality` (a JIS code)".into()))?;
    service::pipeline_rows(&state.db, &viewer, code).await
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
            tracing::error!(error = ?cause, "relocation pipeline download failed");
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
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        writer
            .write_record(CSV_HEADERS)
            .map_err(AppError::internal)?;
        for row in rows {
            writer
                .write_record([
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
                ])
                .map_err(AppError::internal)?;
        }
        writer.flush().map_err(AppError::internal)?;
    }
    Ok(out)
}

//! Fee claim downloads a clerk opens in Excel (UTF-8 with a BOM, CRLF, Japanese headers),
//! with a bearer token; refusals are typed JSON errors with their HTTP status.
//! `GET /reports/health/fee-claims/{id}/claim.csv`: a clinic's claim as the paper 請求書
//! prints it, count × unit price per service and price, with the total.
//! `GET /reports/health/fee-batches/{id}/batch.csv`: an association's batch, one line per
//! clinic with its total.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Path, State},
    http::HeaderMap,
    response::Response,
};
use chrono::Datelike;
use entity::{health_fee_claim::ClaimStatus, health_fee_claim_line::LineService};

use super::service::fees::{self, BatchView, ClaimView};
use crate::{
    download,
    error::{AppError, AppResult},
    graphql::ids::{self, NodeKind},
    state::AppState,
};

/// Column headers of a claim.
pub const CLAIM_HEADERS: [&str; 10] = [
    "医療機関",
    "請求月",
    "区分",
    "ワクチン・健診",
    "シリーズ",
    "回",
    "単価",
    "件数",
    "金額",
    "備考",
];

/// Column headers of a batch.
pub const BATCH_HEADERS: [&str; 6] = ["医師会", "請求月", "医療機関", "状態", "件数", "金額"];

fn service_ja(service: LineService) -> &'static str {
    match service {
        LineService::Vaccination => "予防接種",
        LineService::Deferral => "予診のみ",
        LineService::Checkup => "乳幼児健診",
        LineService::DentalCheckup => "歯科健診",
    }
}

fn status_ja(status: ClaimStatus) -> &'static str {
    match status {
        ClaimStatus::Draft => "作成中",
        ClaimStatus::Submitted => "提出済み",
        ClaimStatus::Returned => "差戻し",
        ClaimStatus::Accepted => "受理",
        ClaimStatus::Paid => "支払済み",
    }
}

fn month_ja(month: chrono::NaiveDate) -> String {
    format!("{}年{}月", month.year(), month.month())
}

/// A claim as CSV: one row per item, then the total.
pub fn claim_csv(view: &ClaimView) -> AppResult<Vec<u8>> {
    let clinic = view.clinic.name.clone();
    let month = month_ja(view.claim.month);
    let items = fees::items_of(&view.lines);
    let mut rows: Vec<[String; 10]> = items
        .iter()
        .map(|item| {
            [
                clinic.clone(),
                month.clone(),
                service_ja(item.service).to_owned(),
                if item.checkup_key.is_empty() {
                    item.product_code.clone()
                } else {
                    item.checkup_key.clone()
                },
                item.series_code.clone().unwrap_or_default(),
                item.dose_number.map(|d| d.to_string()).unwrap_or_default(),
                item.unit_price.map(|p| p.to_string()).unwrap_or_default(),
                item.count.to_string(),
                item.amount().map(|a| a.to_string()).unwrap_or_default(),
                if item.unit_price.is_none() {
                    "単価未登録".to_owned()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    let count: i64 = items.iter().map(|i| i.count).sum();
    let total: i64 = items.iter().filter_map(fees::ClaimItem::amount).sum();
    rows.push([
        clinic,
        month,
        "合計".to_owned(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        count.to_string(),
        total.to_string(),
        String::new(),
    ]);
    download::csv_table(&CLAIM_HEADERS, rows)
}

/// A batch as CSV: one row per clinic, then the total.
pub fn batch_csv(view: &BatchView) -> AppResult<Vec<u8>> {
    let association = view.association.name.clone();
    let month = month_ja(view.batch.month);
    let mut rows: Vec<[String; 6]> = Vec::new();
    let (mut count, mut total) = (0usize, 0i64);
    for claim in &view.claims {
        let amount: i64 = claim.lines.iter().filter_map(|l| l.unit_price).sum();
        count += claim.lines.len();
        total += amount;
        rows.push([
            association.clone(),
            month.clone(),
            claim.clinic.name.clone(),
            status_ja(claim.claim.status).to_owned(),
            claim.lines.len().to_string(),
            amount.to_string(),
        ]);
    }
    rows.push([
        association,
        month,
        "合計".to_owned(),
        String::new(),
        count.to_string(),
        total.to_string(),
    ]);
    download::csv_table(&BATCH_HEADERS, rows)
}

fn decoded(id: &str, kind: NodeKind) -> AppResult<uuid::Uuid> {
    // An id of another kind is as unknown as someone else's claim.
    ids::decode_as(&id.to_owned().into(), kind).map_err(|_| AppError::NotFound)
}

/// `GET /reports/health/fee-claims/{id}/claim.csv`.
pub async fn fee_claim_csv(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let outcome = async {
        let viewer = download::signed_in_viewer(&state, &headers, peer).await?;
        let id = decoded(&id, NodeKind::HealthFeeClaim)?;
        let view = fees::find_fee_claim((&state).into(), &viewer, id).await?;
        Ok::<_, AppError>((view.claim.month, claim_csv(&view)?))
    }
    .await;
    match outcome {
        Ok((month, body)) => {
            download::csv_response(&format!("fee-claim-{}.csv", month.format("%Y%m")), body)
        }
        Err(error) => download::refused("fee claim", &error),
    }
}

/// `GET /reports/health/fee-batches/{id}/batch.csv`.
pub async fn fee_batch_csv(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let outcome = async {
        let viewer = download::signed_in_viewer(&state, &headers, peer).await?;
        let id = decoded(&id, NodeKind::HealthFeeBatch)?;
        let view = fees::find_fee_batch((&state).into(), &viewer, id).await?;
        Ok::<_, AppError>((view.batch.month, batch_csv(&view)?))
    }
    .await;
    match outcome {
        Ok((month, body)) => {
            download::csv_response(&format!("fee-batch-{}.csv", month.format("%Y%m")), body)
        }
        Err(error) => download::refused("fee batch", &error),
    }
}

//! What every plain-HTTP download under `/reports/…` shares: the signed-in viewer of the
//! bearer token, spreadsheet-ready CSV (UTF-8 with a byte-order mark, so spreadsheet
//! software opens it as UTF-8; CRLF line endings, as Excel on Windows expects), the response
//! headers, the query string of municipality reports, and the refusal: a JSON body with the
//! same `extensions.code` as GraphQL errors and the matching HTTP status. Knows no domain;
//! each domain's download builds its rows and calls these.

use std::net::SocketAddr;

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    auth::{Viewer, viewer_of},
    error::{AppError, AppResult},
    state::AppState,
};

/// The viewer of a download's bearer token; `UNAUTHENTICATED` without one.
pub async fn signed_in_viewer(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> AppResult<Viewer> {
    let viewer = viewer_of(state, headers, peer).await?;
    viewer.require_user()?;
    Ok(viewer)
}

/// Query string of the reports of one municipality (and fiscal year):
/// `?municipality=JIS&fiscalYear=N`.
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    /// JIS code of the municipality.
    municipality: Option<String>,
    /// Fiscal year.
    #[serde(rename = "fiscalYear")]
    fiscal_year: Option<String>,
}

impl ReportQuery {
    /// The JIS code given, or `BAD_USER_INPUT`.
    pub fn municipality(&self) -> AppResult<&str> {
        self.municipality
            .as_deref()
            .map(str::trim)
            .filter(|code| !code.is_empty())
            .ok_or_else(|| AppError::BadUserInput("give `municipality` (a JIS code)".into()))
    }

    /// The fiscal year given, or `BAD_USER_INPUT`.
    pub fn fiscal_year(&self) -> AppResult<i32> {
        self.fiscal_year
            .as_deref()
            .and_then(|year| year.trim().parse::<i32>().ok())
            .ok_or_else(|| AppError::BadUserInput("give `fiscalYear` as a number".into()))
    }
}

/// A table as CSV text for spreadsheets: a byte-order mark, the header row, then the rows,
/// every line ending with CRLF (RFC 4180).
pub fn csv_table<R, T>(headers: &[&str], rows: impl IntoIterator<Item = R>) -> AppResult<Vec<u8>>
where
    R: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        writer.write_record(headers).map_err(AppError::internal)?;
        for row in rows {
            writer.write_record(row).map_err(AppError::internal)?;
        }
        writer.flush().map_err(AppError::internal)?;
    }
    Ok(out)
}

/// A CSV attachment named `filename`; never stored by caches, since every download is one
/// viewer's.
pub fn csv_response(filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// A JSON document.
pub fn json_response(body: &serde_json::Value) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// An HTML page (a printable sheet).
pub fn html_response(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// The response of a refused or failed download `what` (named in the log): the HTTP status
/// of the error, and `{"errors":[{"message","extensions":{"code"}}]}` as GraphQL would
/// answer; `401` carries `WWW-Authenticate: Bearer`.
pub fn refused(what: &str, error: &AppError) -> Response {
    let status = match error {
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::BadUserInput(_) => StatusCode::BAD_REQUEST,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(cause) => {
            tracing::error!(error = ?cause, download = what, "download failed");
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

/// Like [`refused`], but `FORBIDDEN` answers `404 NOT_FOUND`: for downloads of one record,
/// where a refusal must not tell that the record exists.
pub fn refused_as_unknown(what: &str, error: &AppError) -> Response {
    match error {
        AppError::Forbidden => refused(what, &AppError::NotFound),
        other => refused(what, other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_starts_with_a_byte_order_mark_and_ends_every_line_with_crlf() {
        let body = csv_table(&["名前", "件数"], [["真鶴, 町", "3"], ["前橋\"市", "1"]])
            .unwrap_or_default();
        assert_eq!(
            String::from_utf8(body).unwrap_or_default(),
            "\u{feff}名前,件数\r\n\"真鶴, 町\",3\r\n\"前橋\"\"市\",1\r\n"
        );
    }

    #[test]
    fn the_report_query_wants_a_code_and_a_numeric_year() {
        let query = ReportQuery {
            municipality: Some(" 14384 ".into()),
            fiscal_year: Some("abc".into()),
        };
        assert_eq!(query.municipality().ok(), Some("14384"));
        assert!(matches!(
            query.fiscal_year(),
            Err(AppError::BadUserInput(_))
        ));
        assert!(ReportQuery::default().municipality().is_err());
    }
}

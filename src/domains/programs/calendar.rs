//! The iCalendar feed of a published program (`GET /calendar/programs/{id}.ics`): one event
//! per session, so residents can subscribe from their calendar app. Public data only: the
//! online link of a session is never in the feed.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use entity::{
    program::{self, ProgramStatus},
    program_session::{self, SessionStatus},
    registration::{self, RegistrationStatus},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use super::service;
use crate::graphql::ids::NodeKind;
use crate::{
    auth::viewer_of,
    error::{AppError, AppResult},
    graphql::ids,
    state::AppState,
};

/// `GET /calendar/programs/{id}.ics`: the sessions of a published or cancelled program.
pub async fn program_calendar(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(id) = file.strip_suffix(".ics") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match feed(&state, id).await {
        Ok(Some(body)) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            body,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(error = ?error, "calendar feed failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn feed(state: &AppState, id: &str) -> AppResult<Option<String>> {
    let Ok(uuid) = ids::decode_as(&id.to_owned().into(), NodeKind::Program) else {
        return Ok(None);
    };
    let Some(program) = program::Entity::find_by_id(uuid)
        .one(&state.db)
        .await?
        .filter(|program| program.status != ProgramStatus::Draft)
    else {
        return Ok(None);
    };
    let sessions = program_session::Entity::find()
        .filter(program_session::Column::ProgramId.eq(program.id))
        .order_by_asc(program_session::Column::StartsAt)
        .all(&state.db)
        .await?;
    Ok(Some(render(&program, &sessions)))
}

/// The feed as iCalendar text (RFC 5545): CRLF line ends, long lines folded.
pub fn render(program: &program::Model, sessions: &[program_session::Model]) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//tsunagu//programs//JA".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        format!("X-WR-CALNAME:{}", escape(&program.title)),
        "X-WR-TIMEZONE:Asia/Tokyo".to_owned(),
    ];
    for session in sessions {
        let cancelled = session.status == SessionStatus::Cancelled
            || program.status == ProgramStatus::Cancelled;
        lines.push("BEGIN:VEVENT".to_owned());
        lines.push(format!("UID:{}@tsunagu", session.id));
        lines.push(format!("DTSTAMP:{}", stamp(session.updated_at)));
        lines.push(format!("DTSTART:{}", stamp(session.starts_at)));
        lines.push(format!("DTEND:{}", stamp(session.ends_at)));
        lines.push(format!("SUMMARY:{}", escape(&program.title)));
        lines.push(format!("DESCRIPTION:{}", escape(&program.summary)));
        let location = match (&session.venue, &session.online_url) {
            (Some(venue), _) => Some(venue.clone()),
            (None, Some(_)) => Some("オンライン".to_owned()),
            (None, None) => None,
        };
        if let Some(location) = location {
            lines.push(format!("LOCATION:{}", escape(&location)));
        }
        lines.push(format!(
            "STATUS:{}",
            if cancelled { "CANCELLED" } else { "CONFIRMED" }
        ));
        lines.push("END:VEVENT".to_owned());
    }
    lines.push("END:VCALENDAR".to_owned());
    lines
        .iter()
        .map(|line| fold(line))
        .collect::<Vec<_>>()
        .join("")
}

/// Query string of a registration's calendar event.
#[derive(Debug, Deserialize)]
pub struct RegistrationCalendarQuery {
    /// The guest's manage token, instead of a bearer token.
    token: Option<String>,
}

/// `GET /calendar/registrations/{id}.ics`: the session of one registration as an iCalendar
/// event, for its registrant (bearer token of the account, or `?token=` with the guest's
/// manage token) and the program's managers. `401` without either, `404` for anyone else.
pub async fn registration_calendar(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(query): Query<RegistrationCalendarQuery>,
) -> Response {
    let Some(id) = file.strip_suffix(".ics") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match registration_event(&state, &headers, peer, id, query.token.as_deref()).await {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            body,
        )
            .into_response(),
        Err(AppError::Unauthenticated) => {
            let mut response = StatusCode::UNAUTHORIZED.into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
        Err(AppError::NotFound | AppError::Forbidden | AppError::BadUserInput(_)) => {
            StatusCode::NOT_FOUND.into_response()
        }
        Err(AppError::RateLimited { .. }) => StatusCode::TOO_MANY_REQUESTS.into_response(),
        Err(error) => {
            tracing::error!(error = ?error, "registration calendar failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn registration_event(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    id: &str,
    token: Option<&str>,
) -> AppResult<String> {
    let uuid = ids::decode_as(&id.to_owned().into(), NodeKind::Registration)
        .map_err(|_| AppError::NotFound)?;
    let registration = match token {
        Some(token) => service::find_by_manage_token(state.into(), token)
            .await
            .ok()
            .filter(|registration| registration.id == uuid)
            .ok_or(AppError::NotFound)?,
        None => {
            let viewer = viewer_of(state, headers, peer).await?;
            viewer.require_user()?;
            service::find_registration(state.into(), &viewer, uuid).await?
        }
    };
    let session = program_session::Entity::find_by_id(registration.session_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let program = program::Entity::find_by_id(registration.program_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(render_registration(&program, &session, &registration))
}

/// One registration's session as an iCalendar event (RFC 5545), times in UTC: the program
/// as its summary, the venue, the check-in code and party in the description. Cancelled
/// when the registration or the session is; tentative while waitlisted or offered.
pub fn render_registration(
    program: &program::Model,
    session: &program_session::Model,
    registration: &registration::Model,
) -> String {
    let status = match registration.status {
        _ if session.status == SessionStatus::Cancelled => "CANCELLED",
        RegistrationStatus::Cancelled => "CANCELLED",
        RegistrationStatus::Waitlisted | RegistrationStatus::Offered => "TENTATIVE",
        _ => "CONFIRMED",
    };
    let location = match (&session.venue, &session.online_url) {
        (Some(venue), _) => Some(venue.clone()),
        (None, Some(_)) => Some("オンライン".to_owned()),
        (None, None) => None,
    };
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//tsunagu//programs//JA".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:registration-{}@tsunagu", registration.id),
        format!(
            "DTSTAMP:{}",
            stamp(std::cmp::max(registration.updated_at, session.updated_at))
        ),
        format!("DTSTART:{}", stamp(session.starts_at)),
        format!("DTEND:{}", stamp(session.ends_at)),
        format!("SUMMARY:{}", escape(&program.title)),
    ];
    if let Some(location) = location {
        lines.push(format!("LOCATION:{}", escape(&location)));
    }
    lines.push(format!(
        "DESCRIPTION:{}",
        escape(&format!(
            "受付番号: {}\n人数: 大人{}人・子ども{}人\n{}",
            registration.check_in_code, registration.adults, registration.children, program.summary
        ))
    ));
    lines.push(format!("STATUS:{status}"));
    lines.push("END:VEVENT".to_owned());
    lines.push("END:VCALENDAR".to_owned());
    lines.iter().map(|line| fold(line)).collect()
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets without splitting a character, and ends it with CRLF.
fn fold(line: &str) -> String {
    let mut folded = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            folded.push_str("\r\n ");
            width = 1;
        }
        folded.push(c);
        width += len;
    }
    folded.push_str("\r\n");
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_japanese_lines_fold_between_characters_at_75_octets() {
        let line = format!("SUMMARY:{}", "子育て".repeat(20));
        let folded = fold(&line);
        for part in folded.split("\r\n").filter(|part| !part.is_empty()) {
            assert!(part.len() <= 75, "{part}");
        }
        assert_eq!(folded.replace("\r\n ", "").trim_end(), line);
    }

    #[test]
    fn text_values_escape_separators_and_line_breaks() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}

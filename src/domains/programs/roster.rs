//! Roster downloads of a session for its organizer's staff and the municipality's
//! administrators, with a bearer token:
//! - `GET /reports/programs/sessions/{id}/roster.csv`: UTF-8 with a BOM and CRLF line
//!   endings, so Excel opens it as it is, Japanese column headers;
//! - `GET /reports/programs/sessions/{id}/roster.html`: a printable sign-in sheet (受付表)
//!   with a signature column.
//!
//! Both list every registration not cancelled and write each to the personal-data access
//! log. Anyone else gets 404, whether or not the session exists.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Path, State},
    http::HeaderMap,
    response::Response,
};
use chrono::{DateTime, Utc};
use chrono_tz::Asia::Tokyo;
use entity::registration::RegistrationStatus;

use super::service::{self, Roster, RosterLine};
use crate::{
    download,
    error::{AppError, AppResult},
    graphql::ids::{self, NodeKind},
    state::AppState,
};

/// Column headers of the CSV, in order.
pub const CSV_HEADERS: [&str; 14] = [
    "受付番号",
    "状態",
    "氏名",
    "フリガナ",
    "電話番号",
    "メールアドレス",
    "人数",
    "大人",
    "子ども",
    "託児",
    "子どもの月齢（開催日時点）",
    "受付済み",
    "受付日時",
    "申込日時",
];

/// `GET /reports/programs/sessions/{id}/roster.csv`.
pub async fn roster_csv(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    match load(&state, &headers, peer, &id)
        .await
        .and_then(|roster| Ok((csv(&roster)?, roster)))
    {
        Ok((body, roster)) => download::csv_response(
            &format!(
                "roster-{}.csv",
                local(roster.session.starts_at).format("%Y%m%d-%H%M")
            ),
            body,
        ),
        Err(error) => download::refused_as_unknown("session roster", &error),
    }
}

/// `GET /reports/programs/sessions/{id}/roster.html`.
pub async fn roster_html(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    match load(&state, &headers, peer, &id).await {
        Ok(roster) => download::html_response(sign_in_sheet(&roster)),
        Err(error) => download::refused_as_unknown("session roster", &error),
    }
}

async fn load(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    id: &str,
) -> AppResult<Roster> {
    let viewer = download::signed_in_viewer(state, headers, peer).await?;
    // An id that is not a session's is as unknown as a session of someone else.
    let session_id = ids::decode_as(&id.to_owned().into(), NodeKind::ProgramSession)
        .map_err(|_| AppError::NotFound)?;
    service::session_roster(state.into(), &viewer, session_id).await
}

fn local(at: DateTime<Utc>) -> DateTime<chrono_tz::Tz> {
    at.with_timezone(&Tokyo)
}

fn time(at: DateTime<Utc>) -> String {
    local(at).format("%Y/%m/%d %H:%M").to_string()
}

/// How staff read a registration's status.
pub fn status_label(status: RegistrationStatus) -> &'static str {
    match status {
        RegistrationStatus::Confirmed => "申込確定",
        RegistrationStatus::Waitlisted => "キャンセル待ち",
        RegistrationStatus::Offered => "繰り上げ案内中",
        RegistrationStatus::Cancelled => "取消",
        RegistrationStatus::Attended => "出席",
        RegistrationStatus::NoShow => "欠席",
    }
}

/// The children's ages, e.g. `18か月（託児）・40か月`.
fn children_ages(line: &RosterLine) -> String {
    line.children
        .iter()
        .map(|child| {
            if child.needs_childcare {
                format!("{}か月（託児）", child.age_months_at_session)
            } else {
                format!("{}か月", child.age_months_at_session)
            }
        })
        .collect::<Vec<_>>()
        .join("・")
}

/// The roster as CSV, with a byte-order mark and CRLF line endings (RFC 4180).
pub fn csv(roster: &Roster) -> AppResult<Vec<u8>> {
    download::csv_table(&CSV_HEADERS, roster.lines.iter().map(row))
}

fn row(line: &RosterLine) -> [String; 14] {
    let r = &line.registration;
    [
        r.check_in_code.clone(),
        status_label(r.status).to_owned(),
        line.name.clone(),
        line.kana.clone(),
        line.phone.clone().unwrap_or_default(),
        line.email.clone(),
        (r.adults + r.children).to_string(),
        r.adults.to_string(),
        r.children.to_string(),
        r.childcare.to_string(),
        children_ages(line),
        if r.checked_in_at.is_some() {
            "済".to_owned()
        } else {
            String::new()
        },
        r.checked_in_at.map(time).unwrap_or_default(),
        time(r.created_at),
    ]
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The printable sign-in sheet (受付表): one row per party, with a column to sign.
pub fn sign_in_sheet(roster: &Roster) -> String {
    let session = &roster.session;
    let title = escape_html(&roster.program.title);
    let when = format!(
        "{} 〜 {}",
        time(session.starts_at),
        local(session.ends_at).format("%H:%M")
    );
    let venue = escape_html(session.venue.as_deref().unwrap_or("オンライン"));
    let people: i32 = roster
        .lines
        .iter()
        .filter(|line| line.registration.status != RegistrationStatus::Waitlisted)
        .map(|line| line.registration.adults + line.registration.children)
        .sum();
    let mut rows = String::new();
    for (index, line) in roster.lines.iter().enumerate() {
        let r = &line.registration;
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}<br><small>{}</small></td><td>{}</td><td>大人{} 子ども{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"sign\"></td></tr>\n",
            index + 1,
            escape_html(&r.check_in_code),
            escape_html(&line.name),
            escape_html(&line.kana),
            escape_html(line.phone.as_deref().unwrap_or("")),
            r.adults,
            r.children,
            escape_html(&children_ages(line)),
            status_label(r.status),
            if r.checked_in_at.is_some() { "✓" } else { "" },
        ));
    }
    format!(
        r#"<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>受付表 {title}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #333; padding: 4px 6px; text-align: left; vertical-align: top; }}
td.sign {{ width: 10em; height: 2.2em; }}
@media print {{ body {{ margin: 0; }} }}
</style>
</head>
<body>
<h1>受付表（参加者名簿）</h1>
<p>講座: {title}<br>日時: {when}<br>会場: {venue}<br>参加予定: {parties}組 {people}人</p>
<table>
<thead><tr><th>No.</th><th>受付番号</th><th>氏名</th><th>電話番号</th><th>人数</th><th>子どもの月齢</th><th>状態</th><th>受付</th><th>署名</th></tr></thead>
<tbody>
{rows}</tbody>
</table>
</body>
</html>
"#,
        parties = roster
            .lines
            .iter()
            .filter(|line| line.registration.status != RegistrationStatus::Waitlisted)
            .count(),
    )
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn html_special_characters_are_escaped() {
        assert_eq!(
            escape_html(r#"<b>"A&B's"</b>"#),
            "&lt;b&gt;&quot;A&amp;B&#39;s&quot;&lt;/b&gt;"
        );
    }
}

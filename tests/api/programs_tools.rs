//! Programs: the organizer's daily tools — roster downloads, list orderings and filters,
//! walk-ins, registering for a whole series, signed QR check-in, a registration's
//! calendar event and messages to a session's registrants.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::programs::{Town, child, guest, town};

impl Town {
    /// A GET of `path` with `token` as bearer.
    async fn download(&self, token: Option<&str>, path: &str) -> reqwest::Response {
        let mut request = self.app.request(Method::GET, path);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    /// A query as `token`, asserting no error.
    async fn query(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.app.graphql(token, query, variables).await;
        assert_eq!(crate::helpers::error_code(&body), None, "{body}");
        body["data"].clone()
    }
}

// ---------------------------------------------------------------------------------------
// Roster export

#[tokio::test]
async fn staff_download_a_sessions_roster_as_excel_csv_and_a_printable_escaped_sign_in_sheet() {
    let t = town().await;
    let program = t
        .program(t.staff, "親子で<鑑賞>会 & おはなし", json!({}))
        .await;
    let session = t.session(t.staff, &program, 4, 1).await;
    let resident = t
        .register(
            Some(t.resident),
            json!({ "sessionId": session, "adults": 1, "children": [child(20, true), child(40, false)] }),
        )
        .await;
    let mut odd = guest(1);
    odd["name"] = json!("山田 <b>花子</b> & \"家族\"");
    let guest_party = t
        .register(
            None,
            json!({ "sessionId": session, "adults": 1, "guest": odd }),
        )
        .await;
    // Two seats left of four: this party of three waits.
    let waiting = t
        .register(
            None,
            json!({ "sessionId": session, "adults": 3, "guest": guest(2) }),
        )
        .await;
    assert_eq!(waiting["registration"]["status"], "WAITLISTED");

    let path = format!("/reports/programs/sessions/{session}/roster.csv");
    let response = t.download(Some(t.staff), &path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let bytes = response.bytes().await.unwrap();
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "UTF-8 byte-order mark"
    );
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.ends_with("\r\n"), "{text:?}");
    assert_eq!(text.matches("\r\n").count(), text.matches('\n').count());
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headers[0], "受付番号");
    assert_eq!(headers[2], "氏名");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3, "{text}");
    // Registration order; the account holder's name comes from the account.
    assert_eq!(
        &rows[0][0],
        resident["registration"]["checkInCode"].as_str().unwrap()
    );
    assert_eq!(&rows[0][1], "申込確定");
    assert_eq!(&rows[0][6], "3", "party size");
    assert_eq!(&rows[0][9], "1", "childcare");
    assert_eq!(&rows[0][10], "20か月（託児）・40か月");
    assert!(!rows[0][2].is_empty());
    assert_eq!(
        &rows[1][2], "山田 <b>花子</b> & \"家族\"",
        "CSV keeps the text"
    );
    assert_eq!(
        &rows[1][0],
        guest_party["registration"]["checkInCode"].as_str().unwrap()
    );
    assert_eq!(&rows[1][5], "hanako1@example.jp");
    assert_eq!(&rows[2][1], "キャンセル待ち");

    let path = format!("/reports/programs/sessions/{session}/roster.html");
    let response = t.download(Some(t.admin), &path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("受付表"), "{html}");
    assert!(html.contains("<th>署名</th>"), "{html}");
    assert!(
        html.contains("親子で&lt;鑑賞&gt;会 &amp; おはなし"),
        "{html}"
    );
    assert!(
        html.contains("山田 &lt;b&gt;花子&lt;/b&gt; &amp; &quot;家族&quot;"),
        "{html}"
    );
    assert!(
        !html.contains("<b>花子"),
        "nothing a registrant wrote is markup"
    );
    assert!(html.contains("参加予定: 2組 4人"), "{html}");

    // Every export is in the personal-data access log, by whom and of which registration.
    let log = t
        .query(
            Some(t.admin),
            "query($f: PersonalDataAccessLogFilter) { personalDataAccessLog(filter: $f, first: 100) { nodes { subjectKind subjectId accessed actorName } } }",
            json!({ "f": { "subjectId": resident["registration"]["id"] } }),
        )
        .await;
    let exports: Vec<&Value> = log["personalDataAccessLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["accessed"] == "roster_export")
        .collect();
    assert_eq!(exports.len(), 2, "{log}");
    assert!(
        exports
            .iter()
            .all(|row| row["subjectKind"] == "registration")
    );
}

#[tokio::test]
async fn a_roster_is_not_found_for_another_organization_a_resident_or_an_unknown_session() {
    let t = town().await;
    let program = t.program(t.staff, "版画の会", json!({})).await;
    let session = t.session(t.staff, &program, 4, 0).await;
    t.register(Some(t.resident), json!({ "sessionId": session }))
        .await;
    for suffix in ["csv", "html"] {
        let path = format!("/reports/programs/sessions/{session}/roster.{suffix}");
        for (who, token, status) in [
            ("anonymous", None, StatusCode::UNAUTHORIZED),
            ("resident", Some(t.resident), StatusCode::NOT_FOUND),
            (
                "registrant's neighbour",
                Some(t.concierge),
                StatusCode::NOT_FOUND,
            ),
            (
                "other town's staff",
                Some(t.maebashi_staff),
                StatusCode::NOT_FOUND,
            ),
            (
                "other town's admin",
                Some(t.maebashi_admin),
                StatusCode::NOT_FOUND,
            ),
        ] {
            let response = t.download(token, &path).await;
            assert_eq!(response.status(), status, "{who} {suffix}");
            let body = response.text().await.unwrap();
            assert!(!body.contains("受付番号"), "{who}: {body}");
        }
        let unknown = format!("/reports/programs/sessions/{program}/roster.{suffix}");
        let response = t.download(Some(t.staff), &unknown).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "a program's id");
    }
    // Refusals read nothing.
    let log = t
        .query(
            Some(t.admin),
            "query { personalDataAccessLog(first: 100) { nodes { accessed } } }",
            json!({}),
        )
        .await;
    assert!(
        log["personalDataAccessLog"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["accessed"] != "roster_export"),
        "{log}"
    );
}

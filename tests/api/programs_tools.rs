//! Programs: the organizer's daily tools — roster downloads, list orderings and filters,
//! walk-ins, registering for a whole series, signed QR check-in, a registration's
//! calendar event and messages to a session's registrants.

use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::smtp::SmtpServer;
use crate::helpers::spawn_app_with;
use crate::programs::{Town, at, child, guest, move_session, town, town_with};

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

// ---------------------------------------------------------------------------------------
// Orderings and filters

impl Town {
    /// Every program `filter` lists in `order`, walking pages of `size`: (title, startsAt).
    async fn walk(
        &self,
        token: Option<&str>,
        order: &str,
        filter: Value,
        size: i32,
    ) -> Vec<(String, Value)> {
        let mut after = Value::Null;
        let mut seen = Vec::new();
        loop {
            let data = self
                .query(
                    token,
                    "query($o: ProgramOrderBy!, $f: ProgramFilter, $n: Int, $a: String) { programs(orderBy: $o, filter: $f, first: $n, after: $a) { nodes { title startsAt } pageInfo { hasNextPage endCursor } } }",
                    json!({ "o": order, "f": filter, "n": size, "a": after }),
                )
                .await;
            let connection = &data["programs"];
            for node in connection["nodes"].as_array().unwrap() {
                seen.push((
                    node["title"].as_str().unwrap().to_owned(),
                    node["startsAt"].clone(),
                ));
            }
            if connection["pageInfo"]["hasNextPage"] != json!(true) {
                return seen;
            }
            after = connection["pageInfo"]["endCursor"].clone();
        }
    }

    /// A session of `program` starting `days` from now.
    async fn session_in(&self, program: &str, days: i64, capacity: i32, childcare: i32) -> String {
        let payload = self
            .ok(
                Some(self.staff),
                "createProgramSessions",
                json!({
                    "programId": program,
                    "startsAt": at(Duration::days(days)),
                    "endsAt": at(Duration::days(days) + Duration::hours(2)),
                    "venue": "真鶴町民センター",
                    "capacity": capacity,
                    "childcareSlots": childcare,
                }),
                "sessions { id }",
            )
            .await;
        payload["sessions"][0]["id"].as_str().unwrap().to_owned()
    }
}

fn positions(list: &[(String, Value)], titles: &[&str]) -> Vec<usize> {
    titles
        .iter()
        .map(|title| {
            list.iter()
                .position(|(t, _)| t == title)
                .unwrap_or_else(|| panic!("{title} not listed in {list:?}"))
        })
        .collect()
}

#[tokio::test]
async fn programs_list_by_start_date_title_or_newest_with_cursors_stable_across_pages() {
    let t = town().await;
    // Created in this order; titles and start dates in other orders.
    let late = t.program(t.staff, "い 秋の写生会", json!({})).await;
    t.session_in(&late, 40, 10, 0).await;
    t.session_in(&late, 20, 10, 0).await;
    let early = t.program(t.staff, "う 春の鑑賞会", json!({})).await;
    let early_session = t.session_in(&early, 5, 10, 0).await;
    t.program(t.staff, "あ 日程未定の講座", json!({})).await;
    let ours = ["い 秋の写生会", "う 春の鑑賞会", "あ 日程未定の講座"];

    for order in ["NEWEST", "START_DATE", "TITLE"] {
        let whole = t.walk(None, order, json!({}), 100).await;
        for size in [1, 2, 3] {
            assert_eq!(
                t.walk(None, order, json!({}), size).await,
                whole,
                "{order} in pages of {size}"
            );
        }
        let at_ = positions(&whole, &ours);
        match order {
            "NEWEST" => assert!(at_[2] < at_[1] && at_[1] < at_[0], "{whole:?}"),
            "START_DATE" => {
                assert!(at_[1] < at_[0] && at_[0] < at_[2], "{whole:?}");
                // Start dates never go down; programs without a session come last.
                let starts: Vec<&Value> = whole.iter().map(|(_, s)| s).collect();
                let dated: Vec<&str> = starts.iter().filter_map(|s| s.as_str()).collect();
                let mut sorted = dated.clone();
                sorted.sort_by_key(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap());
                assert_eq!(dated, sorted);
                let first_undated = starts.iter().position(|s| s.is_null()).unwrap();
                assert!(starts[first_undated..].iter().all(|s| s.is_null()));
                assert_eq!(whole[at_[2]].1, Value::Null);
            }
            _ => assert!(at_[2] < at_[0] && at_[0] < at_[1], "{whole:?}"),
        }
    }
    // The start date follows the first session not cancelled.
    t.ok(
        Some(t.staff),
        "cancelProgramSession",
        json!({ "id": early_session, "reason": "講師の都合により中止します。" }),
        "session { id }",
    )
    .await;
    let whole = t.walk(None, "START_DATE", json!({}), 100).await;
    let at_ = positions(&whole, &ours);
    assert!(at_[0] < at_[1], "{whole:?}");
    assert_eq!(whole[at_[1]].1, Value::Null);
    let late_start = whole[at_[0]].1.as_str().unwrap();
    let expected = chrono::Utc::now() + Duration::days(20);
    let late_start = chrono::DateTime::parse_from_rfc3339(late_start).unwrap();
    assert!(
        (late_start.to_utc() - expected).num_minutes().abs() < 5,
        "{late_start}"
    );
}

#[tokio::test]
async fn programs_and_sessions_filter_on_free_childcare_slots() {
    let t = town().await;
    let with = t.program(t.staff, "託児つき 親子講座", json!({})).await;
    let session = t.session_in(&with, 10, 10, 1).await;
    let without = t.program(t.staff, "託児なし 講座", json!({})).await;
    t.session_in(&without, 10, 10, 0).await;
    let filter = json!({ "hasFreeChildcare": true });
    let listed = t.walk(None, "NEWEST", filter.clone(), 100).await;
    let titles: Vec<&str> = listed.iter().map(|(t, _)| t.as_str()).collect();
    assert!(titles.contains(&"託児つき 親子講座"), "{titles:?}");
    assert!(!titles.contains(&"託児なし 講座"), "{titles:?}");
    let sessions = async || -> Vec<String> {
        let data = t
            .query(
                None,
                "query($f: ProgramSessionFilter) { programSessions(filter: $f, first: 100) { nodes { id childcareSlotsRemaining } } }",
                json!({ "f": filter }),
            )
            .await;
        let nodes = data["programSessions"]["nodes"].as_array().unwrap().clone();
        assert!(
            nodes
                .iter()
                .all(|n| n["childcareSlotsRemaining"].as_i64().unwrap() > 0)
        );
        nodes
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(sessions().await.contains(&session));

    // The one slot is taken: neither the session nor the program is listed any more.
    t.register(
        Some(t.resident),
        json!({ "sessionId": session, "children": [child(20, true)] }),
    )
    .await;
    assert!(!sessions().await.contains(&session));
    let listed = t.walk(None, "NEWEST", filter.clone(), 100).await;
    assert!(
        listed.iter().all(|(title, _)| title != "託児つき 親子講座"),
        "{listed:?}"
    );
    // Without the filter both are there.
    let all = t.walk(None, "NEWEST", json!({}), 100).await;
    positions(&all, &["託児つき 親子講座", "託児なし 講座"]);
}

// ---------------------------------------------------------------------------------------
// Walk-ins

const WALK_IN: &str = "registration { id status adults childCount checkedInAt createdByStaff registrant { name nameKana email phone guest } history { toStatus changedByStaff } } manageToken";

#[tokio::test]
async fn staff_register_a_walk_in_party_at_the_door_and_check_it_in_at_once() {
    let t = town().await;
    let program = t.program(t.staff, "親子で版画", json!({})).await;
    let session = t.session(t.staff, &program, 3, 1).await;
    // Too early to check in: refused, nothing registered.
    let refused = t
        .refused(
            Some(t.staff),
            "registerWalkIn",
            json!({ "sessionId": session, "name": "当日 太郎", "checkIn": true }),
        )
        .await;
    assert_eq!(refused[0].0, "INVALID_STATE", "{refused:?}");
    assert_eq!(t.session_state(None, &session).await["seatsRemaining"], 3);

    move_session(
        &t.app,
        &session,
        chrono::Utc::now() + Duration::hours(1),
        chrono::Utc::now() - Duration::hours(1),
    )
    .await;
    let payload = t
        .ok(
            Some(t.staff),
            "registerWalkIn",
            json!({
                "sessionId": session,
                "name": "当日 太郎",
                "adults": 1,
                "children": [child(30, true)],
                "checkIn": true,
            }),
            WALK_IN,
        )
        .await;
    let registration = &payload["registration"];
    assert_eq!(registration["status"], "ATTENDED", "{payload}");
    assert!(registration["checkedInAt"].is_string());
    assert_eq!(registration["createdByStaff"], true);
    assert_eq!(registration["registrant"]["name"], "当日 太郎");
    assert_eq!(registration["registrant"]["email"], "");
    assert_eq!(registration["registrant"]["phone"], Value::Null);
    assert_eq!(
        registration["history"],
        json!([
            { "toStatus": "CONFIRMED", "changedByStaff": true },
            { "toStatus": "ATTENDED", "changedByStaff": true },
        ])
    );
    assert_eq!(payload["manageToken"], Value::Null, "no email, no token");
    let state = t.session_state(None, &session).await;
    assert_eq!(state["seatsRemaining"], 2);
    assert_eq!(state["childcareSlotsRemaining"], 0);

    // A guest who gives an email is registered without checking in and gets a token.
    let payload = t
        .ok(
            Some(t.staff),
            "registerWalkIn",
            json!({
                "sessionId": session,
                "name": "当日 花子",
                "nameKana": "とうじつ はなこ",
                "email": "walkin@example.jp",
                "phone": "090-1111-2222",
            }),
            WALK_IN,
        )
        .await;
    assert_eq!(payload["registration"]["status"], "CONFIRMED");
    assert!(payload["manageToken"].is_string());
    assert_eq!(
        payload["registration"]["registrant"]["phone"],
        "090-1111-2222"
    );

    // A registrant's own registration is not the staff's.
    let own = t
        .register(Some(t.resident), json!({ "sessionId": session }))
        .await;
    let own = t
        .node(
            Some(t.staff),
            own["registration"]["id"].as_str().unwrap(),
            "createdByStaff",
        )
        .await;
    assert_eq!(own["createdByStaff"], false);
}

#[tokio::test]
async fn a_walk_in_keeps_the_capacity_rules_and_only_the_programs_staff_may_register_one() {
    let t = town().await;
    let program = t.program(t.staff, "満席の講座", json!({})).await;
    let session = t.session(t.staff, &program, 2, 0).await;
    t.register(
        Some(t.resident),
        json!({ "sessionId": session, "adults": 2 }),
    )
    .await;
    move_session(
        &t.app,
        &session,
        chrono::Utc::now() + Duration::hours(1),
        chrono::Utc::now() - Duration::hours(1),
    )
    .await;
    let payload = t
        .ok(
            Some(t.admin),
            "registerWalkIn",
            json!({ "sessionId": session, "name": "当日 次郎", "checkIn": true }),
            WALK_IN,
        )
        .await;
    // Full: waitlisted, and so not checked in.
    assert_eq!(payload["registration"]["status"], "WAITLISTED", "{payload}");
    assert_eq!(payload["registration"]["checkedInAt"], Value::Null);
    assert_eq!(t.session_state(None, &session).await["seatsRemaining"], 0);

    for (who, token) in [
        ("resident", t.resident),
        ("other town's staff", t.maebashi_staff),
        ("other town's admin", t.maebashi_admin),
    ] {
        let code = t
            .denied(
                Some(token),
                "registerWalkIn",
                json!({ "sessionId": session, "name": "不正 三郎" }),
            )
            .await;
        assert_eq!(code, "NOT_FOUND", "{who}");
    }
    let problems = t
        .refused(
            Some(t.staff),
            "registerWalkIn",
            json!({ "sessionId": session, "name": " ", "email": "not-an-email", "adults": 0 }),
        )
        .await;
    assert_eq!(problems.len(), 3, "{problems:?}");
}

// ---------------------------------------------------------------------------------------
// Series

const SERIES: &str = "sessions { outcome session { id } registration { id status waitlistPosition } reasons { code message } }";

#[tokio::test]
async fn a_party_registers_for_every_upcoming_session_of_a_weekly_class_waitlisted_where_one_is_full()
 {
    let t = town().await;
    let program = t.program(t.staff, "毎週の親子リトミック", json!({})).await;
    let payload = t
        .ok(
            Some(t.staff),
            "createProgramSessions",
            json!({
                "programId": program,
                "startsAt": at(Duration::days(7)),
                "endsAt": at(Duration::days(7) + Duration::hours(1)),
                "venue": "真鶴町民センター 和室",
                "capacity": 2,
                "childcareSlots": 0,
                "repeat": { "frequency": "WEEKLY", "count": 3 },
            }),
            "sessions { id }",
        )
        .await;
    let sessions: Vec<String> = payload["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sessions.len(), 3);
    // The second week is already full.
    t.register(
        None,
        json!({ "sessionId": sessions[1], "adults": 2, "guest": guest(1) }),
    )
    .await;

    let input = json!({ "programId": program, "adults": 1, "children": [child(30, false)], "idempotencyKey": "term-1" });
    let payload = t
        .ok(Some(t.resident), "registerForSeries", input.clone(), SERIES)
        .await;
    let results = payload["sessions"].as_array().unwrap();
    let outcomes: Vec<&str> = results
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["CONFIRMED", "WAITLISTED", "CONFIRMED"],
        "{payload}"
    );
    let ids: Vec<&str> = results
        .iter()
        .map(|r| r["session"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, sessions.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(results[1]["registration"]["waitlistPosition"], 1);
    assert_eq!(results[0]["registration"]["status"], "CONFIRMED");
    for (session, left) in [(&sessions[0], 0), (&sessions[1], 0), (&sessions[2], 0)] {
        assert_eq!(t.session_state(None, session).await["seatsRemaining"], left);
    }
    // A retry with the same key answers the same registrations and creates nothing.
    let again = t
        .ok(Some(t.resident), "registerForSeries", input, SERIES)
        .await;
    let first_ids: Vec<&Value> = results.iter().map(|r| &r["registration"]["id"]).collect();
    let again_ids: Vec<&Value> = again["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["registration"]["id"])
        .collect();
    assert_eq!(first_ids, again_ids);
    // Without the key, every session says it is already registered.
    let twice = t
        .ok(
            Some(t.resident),
            "registerForSeries",
            json!({ "programId": program, "adults": 1, "children": [child(30, false)] }),
            SERIES,
        )
        .await;
    for result in twice["sessions"].as_array().unwrap() {
        assert_eq!(result["outcome"], "REFUSED", "{twice}");
        assert_eq!(result["reasons"][0]["code"], "TAKEN", "{twice}");
    }
    // An invalid party is refused as a whole.
    let refused = t
        .refused(
            Some(t.maebashi_resident),
            "registerForSeries",
            json!({ "programId": program, "adults": 0 }),
        )
        .await;
    assert_eq!(refused[0].0, "INVALID");
    assert_eq!(
        t.session_state(None, &sessions[2]).await["seatsRemaining"],
        0
    );
}

// ---------------------------------------------------------------------------------------
// Messages to registrants

#[tokio::test]
async fn staff_message_a_sessions_confirmed_registrants_once_per_key_by_email() {
    let smtp = SmtpServer::start().await;
    let t = town_with(spawn_app_with(|limits| smtp.configure(limits)).await).await;
    let program = t.program(t.staff, "親子でおはなし会", json!({})).await;
    let session = t.session(t.staff, &program, 2, 0).await;
    t.register(Some(t.resident), json!({ "sessionId": session }))
        .await;
    t.register(None, json!({ "sessionId": session, "guest": guest(1) }))
        .await;
    let waiting = t
        .register(
            None,
            json!({ "sessionId": session, "adults": 2, "guest": guest(2) }),
        )
        .await;
    assert_eq!(waiting["registration"]["status"], "WAITLISTED");

    let input = json!({
        "sessionId": session,
        "subject": "会場変更のお知らせ",
        "body": "会場が2階の和室に変わりました。\n上履きをお持ちください。",
        "idempotencyKey": "room-change",
    });
    let sent = t
        .ok(
            Some(t.staff),
            "messageSessionRegistrants",
            input.clone(),
            "recipientCount queuedCount",
        )
        .await;
    assert_eq!(
        (
            sent["recipientCount"].as_u64(),
            sent["queuedCount"].as_u64()
        ),
        (Some(2), Some(2))
    );
    let about = |address: &str| {
        smtp.mails_to(address)
            .into_iter()
            .filter(|mail| mail.subject().contains("会場変更のお知らせ"))
            .collect::<Vec<_>>()
    };
    for address in ["manazuru-resident@example.jp", "hanako1@example.jp"] {
        let mails = smtp.wait_for(address, 2).await;
        let ours: Vec<_> = mails
            .iter()
            .filter(|m| m.subject().contains("会場変更"))
            .collect();
        assert_eq!(ours.len(), 1, "{address}");
        assert!(ours[0].subject().contains("親子でおはなし会"));
        assert!(
            ours[0].text().contains("上履きをお持ちください。"),
            "{}",
            ours[0].text()
        );
    }
    // The same key again: nobody is written to twice.
    let again = t
        .ok(
            Some(t.staff),
            "messageSessionRegistrants",
            input,
            "recipientCount queuedCount",
        )
        .await;
    assert_eq!(again["queuedCount"], 0);
    // A new message, also to the waitlist.
    let sent = t
        .ok(
            Some(t.staff),
            "messageSessionRegistrants",
            json!({
                "sessionId": session,
                "subject": "持ち物のご案内",
                "body": "タオルをお持ちください。",
                "includeWaitlisted": true,
                "idempotencyKey": "bring-towel",
            }),
            "recipientCount queuedCount",
        )
        .await;
    assert_eq!(sent["queuedCount"], 3);
    let mails = smtp.wait_for("hanako2@example.jp", 2).await;
    assert!(mails.iter().any(|m| m.subject().contains("持ち物のご案内")));
    assert!(
        !mails.iter().any(|m| m.subject().contains("会場変更")),
        "waitlisted got only the second"
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(about("manazuru-resident@example.jp").len(), 1);
    assert_eq!(about("hanako1@example.jp").len(), 1);

    // Only the program's managers; a refused message sends nothing.
    for token in [t.resident, t.maebashi_staff, t.maebashi_admin] {
        let code = t
            .denied(
                Some(token),
                "messageSessionRegistrants",
                json!({ "sessionId": session, "subject": "x", "body": "y", "idempotencyKey": "z" }),
            )
            .await;
        assert_eq!(code, "NOT_FOUND");
    }
    let problems = t
        .refused(
            Some(t.staff),
            "messageSessionRegistrants",
            json!({ "sessionId": session, "subject": " ", "body": "本文", "idempotencyKey": "" }),
        )
        .await;
    assert_eq!(problems.len(), 2, "{problems:?}");
}

// ---------------------------------------------------------------------------------------
// QR check-in and the registration's calendar event

#[tokio::test]
async fn staff_check_in_by_the_signed_qr_payload_and_a_forged_one_changes_nothing() {
    let t = town().await;
    let program = t.program(t.staff, "QR受付の講座", json!({})).await;
    let session = t.session(t.staff, &program, 5, 0).await;
    let mine = t
        .register(Some(t.resident), json!({ "sessionId": session }))
        .await;
    let id = mine["registration"]["id"].as_str().unwrap().to_owned();
    let code = mine["registration"]["checkInCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let qr = t.node(Some(t.resident), &id, "checkInQrPayload").await["checkInQrPayload"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(qr.starts_with("TSUNAGU-CHECKIN.1."), "{qr}");
    assert!(qr.contains(&code));
    move_session(
        &t.app,
        &session,
        chrono::Utc::now() + Duration::hours(1),
        chrono::Utc::now() - Duration::hours(1),
    )
    .await;

    let other_code = if code.starts_with('A') { "B" } else { "A" };
    let forged = [
        qr.replacen(&code, &format!("{other_code}{}", &code[1..]), 1),
        format!("{}x", &qr[..qr.len() - 1]),
        qr.replace("TSUNAGU-CHECKIN.1.", "TSUNAGU-CHECKIN.2."),
        "TSUNAGU-CHECKIN.1.abc.DEF.ghi".to_owned(),
    ];
    for payload in forged {
        let refused = t
            .refused(
                Some(t.staff),
                "checkInRegistration",
                json!({ "qrPayload": payload }),
            )
            .await;
        assert_eq!(refused[0].0, "INVALID", "{payload}");
    }
    let state = t.node(Some(t.staff), &id, "status checkedInAt").await;
    assert_eq!(state["status"], "CONFIRMED", "nothing changed");
    // Another organization's staff cannot use a genuine payload.
    let code = t
        .denied(
            Some(t.maebashi_staff),
            "checkInRegistration",
            json!({ "qrPayload": qr }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    let done = t
        .ok(
            Some(t.staff),
            "checkInRegistration",
            json!({ "qrPayload": qr }),
            "registration { status checkedInAt }",
        )
        .await;
    assert_eq!(done["registration"]["status"], "ATTENDED");
}

#[tokio::test]
async fn a_registrant_downloads_the_session_as_an_escaped_folded_icalendar_event() {
    let t = town().await;
    let title = "版画, 水彩; それから\\長い長い長い長い長い長い長い長い長い長い長い長い題名の講座";
    let program = t.program(t.staff, title, json!({})).await;
    let session = t.session(t.staff, &program, 5, 0).await;
    let mine = t
        .register(Some(t.resident), json!({ "sessionId": session }))
        .await;
    let id = mine["registration"]["id"].as_str().unwrap().to_owned();
    let path = t.node(Some(t.resident), &id, "calendarPath").await["calendarPath"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(path, format!("/calendar/registrations/{id}.ics"));
    let response = t.download(Some(t.resident), &path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let ics = response.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
    assert!(ics.ends_with("END:VCALENDAR\r\n"), "{ics}");
    assert_eq!(
        ics.matches("\r\n").count(),
        ics.matches('\n').count(),
        "CRLF only"
    );
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "folded at 75 octets: {line}");
    }
    let unfolded = ics.replace("\r\n ", "");
    let uuid = crate::programs::uuid_of(&id);
    assert!(
        unfolded.contains(&format!("UID:registration-{uuid}@tsunagu\r\n")),
        "{unfolded}"
    );
    assert!(unfolded.contains(
        "SUMMARY:版画\\, 水彩\\; それから\\\\長い長い長い長い長い長い長い長い長い長い長い長い題名の講座\r\n"
    ), "{unfolded}");
    assert!(unfolded.contains("LOCATION:真鶴町立中川一政美術館 展示室\r\n"));
    assert!(unfolded.contains("STATUS:CONFIRMED\r\n"));
    let start = unfolded
        .lines()
        .find_map(|line| line.strip_prefix("DTSTART:"))
        .unwrap();
    let start = chrono::NaiveDateTime::parse_from_str(start, "%Y%m%dT%H%M%SZ").unwrap();
    let expected = (chrono::Utc::now() + Duration::days(10)).naive_utc();
    assert!((start - expected).num_minutes().abs() < 5, "{start}");
    assert!(unfolded.contains(&format!(
        "受付番号: {}",
        mine["registration"]["checkInCode"].as_str().unwrap()
    )));

    // A guest with the manage token; nobody else.
    let guest_party = t
        .register(None, json!({ "sessionId": session, "guest": guest(1) }))
        .await;
    let token = guest_party["manageToken"].as_str().unwrap();
    let guest_id = guest_party["registration"]["id"].as_str().unwrap();
    let guest_path = format!("/calendar/registrations/{guest_id}.ics?token={token}");
    assert_eq!(t.download(None, &guest_path).await.status(), StatusCode::OK);
    let wrong = format!("{path}?token={token}");
    assert_eq!(
        t.download(None, &wrong).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.download(None, &path).await.status(),
        StatusCode::UNAUTHORIZED
    );
    for token in [t.maebashi_resident, t.maebashi_staff, t.concierge] {
        assert_eq!(
            t.download(Some(token), &path).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        t.download(Some(t.staff), &path).await.status(),
        StatusCode::OK
    );
}

//! Notifications: messages written with the change that causes them, delivered over a real
//! SMTP conversation (a small SMTP server runs inside each test) and kept in the in-app
//! inbox; retries, no duplicates, nothing lost across a restart, one send with two
//! servers, the live subscription and guests' opt-out.

use std::time::Duration;

use crate::helpers::{
    TestApp, error_code,
    smtp::{Mail, SmtpServer},
    spawn_app_with, user_error_codes,
};
use chrono::Utc;
use futures_util::{SinkExt, StreamExt, future::join_all};
use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

// ---------------------------------------------------------------------------------------
// The town

/// A server talking to its own SMTP server, with the museum's staff and a resident
/// signed in and a program of the museum.
struct Town {
    app: TestApp,
    smtp: SmtpServer,
    staff: String,
    resident: String,
    program: String,
}

async fn town() -> Town {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|limits| smtp.configure(limits)).await;
    town_with(app, smtp).await
}

async fn town_with(app: TestApp, smtp: SmtpServer) -> Town {
    let staff = app.login_demo("manazuru-staff@example.jp").await;
    let resident = app.login_demo("manazuru-resident@example.jp").await;
    let mut town = Town {
        app,
        smtp,
        staff,
        resident,
        program: String::new(),
    };
    let payload = town
        .ok(
            Some(&town.staff.clone()),
            "createProgram",
            "CreateProgramInput",
            json!({
                "kind": "EDUCATION_WORKSHOP",
                "title": "親子で楽しむ美術館ワークショップ",
                "summary": "学芸員と作品を鑑賞します。",
                "description": "作品を見て感じたことを話し合います。",
                "categories": ["ART"],
                "publish": true,
            }),
            "program { id }",
        )
        .await;
    town.program = payload["program"]["id"].as_str().unwrap().to_owned();
    town
}

const RESIDENT_EMAIL: &str = "manazuru-resident@example.jp";

fn guest(n: usize) -> Value {
    json!({
        "name": format!("通知 花子{n}"),
        "nameKana": "つうち はなこ",
        "email": format!("notify-guest{n}@example.jp"),
        "phone": "090-1234-5678",
    })
}

impl Town {
    async fn ok(
        &self,
        token: Option<&str>,
        mutation: &str,
        input_type: &str,
        input: Value,
        selection: &str,
    ) -> Value {
        self.ok_on(&self.app, token, mutation, input_type, input, selection)
            .await
    }

    async fn ok_on(
        &self,
        app: &TestApp,
        token: Option<&str>,
        mutation: &str,
        input_type: &str,
        input: Value,
        selection: &str,
    ) -> Value {
        let query = format!(
            "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {selection} userErrors {{ field code message }} }} }}"
        );
        let body = app.graphql(token, &query, json!({ "input": input })).await;
        assert_eq!(error_code(&body), None, "{mutation}: {body}");
        let payload = body["data"][mutation].clone();
        assert_eq!(
            user_error_codes(&payload),
            Vec::<String>::new(),
            "{mutation}: {body}"
        );
        payload
    }

    /// A session of the program in ten days, with `capacity` seats.
    async fn session(&self, capacity: i32) -> String {
        let start = Utc::now() + chrono::Duration::days(10);
        let payload = self
            .ok(
                Some(&self.staff),
                "createProgramSessions",
                "CreateProgramSessionsInput",
                json!({
                    "programId": self.program,
                    "startsAt": start.to_rfc3339(),
                    "endsAt": (start + chrono::Duration::hours(2)).to_rfc3339(),
                    "venue": "真鶴町立中川一政美術館 展示室",
                    "capacity": capacity,
                    "childcareSlots": 0,
                }),
                "sessions { id }",
            )
            .await;
        payload["sessions"][0]["id"].as_str().unwrap().to_owned()
    }

    async fn register(&self, token: Option<&str>, input: Value) -> Value {
        self.register_on(&self.app, token, input).await
    }

    async fn register_on(&self, app: &TestApp, token: Option<&str>, input: Value) -> Value {
        self.ok_on(
            app,
            token,
            "registerForSession",
            "RegisterForSessionInput",
            input,
            "registration { id status checkInCode } manageToken",
        )
        .await
    }

    async fn inbox(&self, token: &str) -> Value {
        let body = self
            .app
            .graphql(
                Some(token),
                "{ unreadNotificationCount myNotifications(first: 10) { totalCount nodes { id kind title body link read readAt } } }",
                json!({}),
            )
            .await;
        assert_eq!(error_code(&body), None, "{body}");
        body["data"].clone()
    }
}

// ---------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn a_confirmed_registration_is_emailed_in_japanese_and_kept_in_the_inbox() {
    let t = town().await;
    let session = t.session(10).await;
    let registered = t
        .register(Some(&t.resident), json!({ "sessionId": session }))
        .await;
    let code = registered["registration"]["checkInCode"].as_str().unwrap();

    let mails = t.smtp.wait_for(RESIDENT_EMAIL, 1).await;
    let mail = &mails[0];
    assert_eq!(
        mail.subject(),
        "【申込完了】親子で楽しむ美術館ワークショップ"
    );
    assert!(
        mail.header("From")
            .unwrap()
            .contains("no-reply@manazuru.example.jp")
    );
    assert!(mail.header("To").unwrap().contains(RESIDENT_EMAIL));
    assert!(mail.header("Message-ID").is_some());
    assert!(
        mail.header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative"),
        "{:?}",
        mail.header("Content-Type")
    );
    let text = mail.text();
    assert!(text.contains("お申込みを受け付けました。"), "{text}");
    assert!(
        text.contains("会場: 真鶴町立中川一政美術館 展示室"),
        "{text}"
    );
    assert!(text.contains(&format!("受付番号: {code}")), "{text}");
    assert!(
        text.contains("https://tsunagu.example.jp/mypage/registrations/"),
        "links start at the public base URL: {text}"
    );
    let html = mail.part("text/html");
    assert!(
        html.contains("<a href=\"https://tsunagu.example.jp/mypage/registrations/"),
        "{html}"
    );
    assert_eq!(
        mail.header("List-Unsubscribe"),
        None,
        "accounts manage their messages signed in"
    );

    // The same message waits in the inbox, unread.
    let inbox = t.inbox(&t.resident).await;
    assert_eq!(inbox["unreadNotificationCount"], 1, "{inbox}");
    let message = &inbox["myNotifications"]["nodes"][0];
    assert_eq!(message["kind"], "programs.registration_confirmed");
    assert_eq!(
        message["title"],
        "【申込完了】親子で楽しむ美術館ワークショップ"
    );
    assert_eq!(message["read"], false);
    let id = message["id"].as_str().unwrap().to_owned();

    // Nobody else reads or marks it.
    let other = t.app.login_demo("maebashi-resident@example.jp").await;
    assert_eq!(t.inbox(&other).await["myNotifications"]["totalCount"], 0);
    let body = t
        .app
        .graphql(
            Some(&other),
            "mutation($input: MarkNotificationReadInput!) { markNotificationRead(input: $input) { notification { id } userErrors { code } } }",
            json!({ "input": { "id": id } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["markNotificationRead"]),
        vec!["NOT_FOUND"],
        "{body}"
    );
    let node = t
        .app
        .graphql(
            Some(&other),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert!(node["data"]["node"].is_null(), "{node}");

    // The reader marks it read.
    let marked = t
        .ok(
            Some(&t.resident),
            "markNotificationRead",
            "MarkNotificationReadInput",
            json!({ "id": id }),
            "notification { read readAt }",
        )
        .await;
    assert_eq!(marked["notification"]["read"], true);
    assert!(marked["notification"]["readAt"].is_string());
    assert_eq!(t.inbox(&t.resident).await["unreadNotificationCount"], 0);
    assert_eq!(
        eventually_metric(&t.app, "outcome=\"sent\"", 2).await,
        2,
        "one email and one inbox delivery"
    );
}

/// The notifications counter with `label`, once it reaches `expected` (or after 5 s): a
/// delivery is counted just after the other side accepted it.
async fn eventually_metric(app: &TestApp, label: &str, expected: u64) -> u64 {
    let mut value = 0;
    for _ in 0..100 {
        value = app.metric("tsunagu_notifications_total", label).await;
        if value >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    value
}

#[tokio::test]
async fn unread_messages_come_first_and_all_can_be_marked_read() {
    let t = town().await;
    let first = t.session(10).await;
    let second = t.session(10).await;
    t.register(Some(&t.resident), json!({ "sessionId": first }))
        .await;
    t.register(Some(&t.resident), json!({ "sessionId": second }))
        .await;
    let inbox = t.inbox(&t.resident).await;
    assert_eq!(inbox["unreadNotificationCount"], 2, "{inbox}");
    let oldest = inbox["myNotifications"]["nodes"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.ok(
        Some(&t.resident),
        "markNotificationRead",
        "MarkNotificationReadInput",
        json!({ "id": oldest }),
        "notification { id }",
    )
    .await;
    t.register(
        Some(&t.resident),
        json!({ "sessionId": t.session(10).await }),
    )
    .await;
    let inbox = t.inbox(&t.resident).await;
    let nodes = inbox["myNotifications"]["nodes"].as_array().unwrap();
    let read: Vec<bool> = nodes.iter().map(|n| n["read"].as_bool().unwrap()).collect();
    assert_eq!(read, vec![false, false, true], "unread first: {inbox}");
    assert_eq!(nodes[2]["id"], oldest.as_str());

    let body = t
        .app
        .graphql(
            Some(&t.resident),
            "mutation { markAllNotificationsRead { marked userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["markAllNotificationsRead"]["marked"], 2,
        "{body}"
    );
    assert_eq!(t.inbox(&t.resident).await["unreadNotificationCount"], 0);
    let anonymous = t
        .app
        .graphql(None, "{ unreadNotificationCount }", json!({}))
        .await;
    assert_eq!(
        error_code(&anonymous),
        Some("UNAUTHENTICATED"),
        "{anonymous}"
    );
}

#[tokio::test]
async fn a_refused_send_is_retried_and_then_delivered() {
    let t = town().await;
    let session = t.session(10).await;
    t.smtp.refuse_next(2);
    t.register(None, json!({ "sessionId": session, "guest": guest(1) }))
        .await;
    let mails = t.smtp.wait_for("notify-guest1@example.jp", 1).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(t.smtp.refused(), 2);

    // The worker records the delivery once the mail server has accepted it, so the row may
    // still read `pending` for a moment after the mail arrived.
    let db = Database::connect(&t.app.database_url).await.unwrap();
    let mut deliveries = Vec::new();
    for _ in 0..100 {
        deliveries = entity::notification_delivery::Entity::find()
            .filter(entity::notification_delivery::Column::Channel.eq("email"))
            .all(&db)
            .await
            .unwrap();
        if deliveries
            .iter()
            .all(|delivery| delivery.state != "pending")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].state, "sent");
    assert_eq!(deliveries[0].attempts, 3, "two refused, the third accepted");
    assert!(deliveries[0].sent_at.is_some());
    assert_eq!(eventually_metric(&t.app, "outcome=\"retried\"", 2).await, 2);
}

#[tokio::test]
async fn a_message_refused_too_often_is_given_up_with_the_reason_kept() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|limits| {
        smtp.configure(limits);
        limits.notify.max_attempts = 2;
    })
    .await;
    let t = town_with(app, smtp).await;
    let session = t.session(10).await;
    t.smtp.refuse_next(100);
    t.register(None, json!({ "sessionId": session, "guest": guest(2) }))
        .await;
    let db = Database::connect(&t.app.database_url).await.unwrap();
    let mut failed = None;
    for _ in 0..200 {
        let row = entity::notification_delivery::Entity::find()
            .filter(entity::notification_delivery::Column::Channel.eq("email"))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        if row.state == "failed" {
            failed = Some(row);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let failed = failed.expect("given up");
    assert_eq!(failed.attempts, 2);
    assert!(
        failed.last_error.unwrap().contains("451"),
        "the reason is kept"
    );
    assert!(t.smtp.mails().is_empty());
    assert_eq!(eventually_metric(&t.app, "outcome=\"failed\"", 1).await, 1);
}

#[tokio::test]
async fn a_retried_registration_notifies_once() {
    let t = town().await;
    let session = t.session(10).await;
    let input =
        json!({ "sessionId": session, "guest": guest(3), "idempotencyKey": "guest-3-once" });
    let first = t.register(None, input.clone()).await;
    let again = t.register(None, input).await;
    assert_eq!(first["registration"]["id"], again["registration"]["id"]);
    t.smtp.wait_for("notify-guest3@example.jp", 1).await;
    // A later message to someone else is sent after any duplicate would have been.
    t.register(None, json!({ "sessionId": session, "guest": guest(4) }))
        .await;
    t.smtp.wait_for("notify-guest4@example.jp", 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(t.smtp.mails_to("notify-guest3@example.jp").len(), 1);
}

#[tokio::test]
async fn guests_registering_together_each_hear_their_own_waitlist_position() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|limits| {
        smtp.configure(limits);
        limits.public_rate_per_minute = 1000;
    })
    .await;
    let t = town_with(app, smtp).await;
    let session = t.session(2).await;
    let (t, session) = (&t, &session);
    let calls = (10..30).map(|n| async move {
        let payload = t
            .register(None, json!({ "sessionId": session, "guest": guest(n) }))
            .await;
        (n, payload)
    });
    let answers = join_all(calls).await;
    let mut waiting = 0;
    for (n, payload) in answers {
        let status = payload["registration"]["status"].as_str().unwrap();
        let id = payload["registration"]["id"].as_str().unwrap();
        let mail = t
            .smtp
            .wait_for(&format!("notify-guest{n}@example.jp"), 1)
            .await;
        let text = mail[0].text();
        if status == "WAITLISTED" {
            waiting += 1;
            let position = t.app.graphql(
                Some(&t.staff),
                "query($id: ID!) { node(id: $id) { ... on Registration { waitlistPosition } } }",
                json!({ "id": id }),
            )
            .await["data"]["node"]["waitlistPosition"]
                .as_i64()
                .unwrap();
            assert!(
                text.contains(&format!("キャンセル待ち（{position}番目）")),
                "{n}: position {position}: {text}"
            );
        } else {
            assert_eq!(status, "CONFIRMED");
            let code = payload["registration"]["checkInCode"].as_str().unwrap();
            assert!(text.contains(&format!("受付番号: {code}")), "{text}");
        }
    }
    assert_eq!(waiting, 18);
}

#[tokio::test]
async fn waitlisted_guests_hear_their_position_and_then_the_offer_with_its_deadline() {
    let t = town().await;
    let session = t.session(1).await;
    let confirmed = t
        .register(Some(&t.resident), json!({ "sessionId": session }))
        .await;
    t.register(None, json!({ "sessionId": session, "guest": guest(5) }))
        .await;
    let waiting = t.smtp.wait_for("notify-guest5@example.jp", 1).await;
    assert_eq!(
        waiting[0].subject(),
        "【キャンセル待ち】親子で楽しむ美術館ワークショップ"
    );
    assert!(
        waiting[0].text().contains("キャンセル待ち（1番目）"),
        "{}",
        waiting[0].text()
    );
    let unsubscribe = waiting[0]
        .header("List-Unsubscribe")
        .expect("guests may opt out");
    assert!(
        unsubscribe.starts_with("<https://tsunagu.example.jp/notifications/opt-out?token="),
        "{unsubscribe}"
    );
    assert_eq!(
        waiting[0].header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );

    t.ok(
        Some(&t.resident),
        "cancelRegistration",
        "RegistrationRefInput",
        json!({ "id": confirmed["registration"]["id"] }),
        "registration { status }",
    )
    .await;
    let mails = t.smtp.wait_for("notify-guest5@example.jp", 2).await;
    let offer = &mails[1];
    assert_eq!(
        offer.subject(),
        "【要手続き】お席をご用意しました: 親子で楽しむ美術館ワークショップ"
    );
    let text = offer.text();
    assert!(text.contains("承諾の期限: "), "{text}");
    assert!(
        text.contains("までに申込み詳細から「参加する」を選んでください"),
        "{text}"
    );
}

#[tokio::test]
async fn a_guest_who_opted_out_gets_no_more_of_that_kind_but_still_hears_of_a_cancellation() {
    let t = town().await;
    let session = t.session(10).await;
    t.register(None, json!({ "sessionId": session, "guest": guest(6) }))
        .await;
    let mails = t.smtp.wait_for("notify-guest6@example.jp", 1).await;
    let link = mails[0].header("List-Unsubscribe").unwrap();
    let token = link
        .trim_matches(['<', '>'])
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();

    // A wrong token changes nothing.
    let wrong = t
        .app
        .request(reqwest::Method::GET, "/notifications/opt-out?token=nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
    // The link of the email (the frontend's proxy forwards it to this route).
    let opened = t
        .app
        .request(
            reqwest::Method::GET,
            &format!("/notifications/opt-out?token={token}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);
    assert!(opened.text().await.unwrap().contains("配信を停止しました"));
    // The same through GraphQL, twice: nothing more changes.
    let payload = t
        .ok(
            None,
            "optOutOfNotifications",
            "OptOutOfNotificationsInput",
            json!({ "token": token }),
            "kind",
        )
        .await;
    assert_eq!(payload["kind"], "programs.registration_confirmed");

    let other_session = t.session(10).await;
    t.register(
        None,
        json!({ "sessionId": other_session, "guest": guest(6) }),
    )
    .await;
    t.register(
        None,
        json!({ "sessionId": other_session, "guest": guest(7) }),
    )
    .await;
    t.smtp.wait_for("notify-guest7@example.jp", 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        t.smtp.mails_to("notify-guest6@example.jp").len(),
        1,
        "no second confirmation after opting out"
    );

    // A cancelled session is told regardless.
    t.ok(
        Some(&t.staff),
        "cancelProgramSession",
        "CancelProgramSessionInput",
        json!({ "id": other_session, "reason": "台風接近のため中止します。" }),
        "session { status }",
    )
    .await;
    let mails = t.smtp.wait_for("notify-guest6@example.jp", 2).await;
    assert_eq!(
        mails[1].subject(),
        "【中止】親子で楽しむ美術館ワークショップ"
    );
    assert!(
        mails[1]
            .text()
            .contains("中止の理由: 台風接近のため中止します。")
    );
    assert_eq!(
        mails[1].header("List-Unsubscribe"),
        None,
        "a required message"
    );
}

#[tokio::test]
async fn a_message_committed_before_a_server_died_is_sent_after_restart() {
    let smtp = SmtpServer::start().await;
    // Servers that look for due messages only once an hour: as if they died after the
    // commit and before sending.
    let slow = |limits: &mut tsunagu::config::Limits| {
        smtp.configure(limits);
        limits.notify.poll_ms = 3_600_000;
    };
    let app = spawn_app_with(slow).await;
    let t = town_with(app, smtp.clone()).await;
    let session = t.session(10).await;
    let doomed = t.app.spawn_replica_with(slow).await;
    t.register_on(
        &doomed,
        None,
        json!({ "sessionId": session, "guest": guest(8) }),
    )
    .await;
    doomed.stop().await;
    // And a replica that claimed the message died mid-send: its lease still runs.
    let db = Database::connect(&t.app.database_url).await.unwrap();
    entity::notification_delivery::Entity::update_many()
        .col_expr(
            entity::notification_delivery::Column::LeaseUntil,
            Expr::value(Utc::now() + chrono::Duration::milliseconds(500)),
        )
        .col_expr(
            entity::notification_delivery::Column::Attempts,
            Expr::value(1),
        )
        .exec(&db)
        .await
        .unwrap();
    assert!(smtp.mails().is_empty());

    let restarted = t
        .app
        .spawn_replica_with(|limits| smtp.configure(limits))
        .await;
    let mails = smtp.wait_for("notify-guest8@example.jp", 1).await;
    assert_eq!(
        mails[0].subject(),
        "【申込完了】親子で楽しむ美術館ワークショップ"
    );
    let row = entity::notification_delivery::Entity::find()
        .filter(entity::notification_delivery::Column::Channel.eq("email"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.attempts, 2, "the dead replica's attempt counts");
    restarted.stop().await;
}

#[tokio::test]
async fn two_servers_on_one_database_send_each_message_once() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|limits| smtp.configure(limits)).await;
    let t = town_with(app, smtp.clone()).await;
    let replica = t
        .app
        .spawn_replica_with(|limits| smtp.configure(limits))
        .await;
    let session = t.session(100).await;
    for n in 0..20 {
        let server = if n % 2 == 0 { &t.app } else { &replica };
        t.register_on(
            server,
            None,
            json!({ "sessionId": session, "guest": guest(100 + n) }),
        )
        .await;
    }
    for n in 0..20 {
        smtp.wait_for(&format!("notify-guest{}@example.jp", 100 + n), 1)
            .await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.mails().len(), 20, "each message sent once");
    let sent = t
        .app
        .metric("tsunagu_notifications_total", "channel=\"email\"")
        .await
        + replica
            .metric("tsunagu_notifications_total", "channel=\"email\"")
            .await;
    assert_eq!(sent, 20, "each delivery counted once, as sent");
    replica.stop().await;
}

#[tokio::test]
async fn new_messages_arrive_live_on_the_inbox_subscription() {
    let t = town().await;
    let session = t.session(10).await;
    let mut request = format!("ws://{}/graphql/ws", t.app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = connect_async(request).await.unwrap();
    let send = |value: Value| Message::text(value.to_string());
    socket
        .send(send(
            json!({ "type": "connection_init", "payload": { "token": t.resident } }),
        ))
        .await
        .unwrap();
    socket
        .send(send(json!({
            "id": "1",
            "type": "subscribe",
            "payload": { "query": "subscription { notificationReceived { id kind title read } }" }
        })))
        .await
        .unwrap();
    // Anybody else's messages are not heard.
    t.register(None, json!({ "sessionId": session, "guest": guest(9) }))
        .await;
    t.smtp.wait_for("notify-guest9@example.jp", 1).await;
    t.register(Some(&t.resident), json!({ "sessionId": session }))
        .await;
    let heard = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] == "next" {
                    return value;
                }
            }
        }
        Value::Null
    })
    .await
    .expect("a message heard in time");
    let received = &heard["payload"]["data"]["notificationReceived"];
    assert_eq!(
        received["kind"], "programs.registration_confirmed",
        "{heard}"
    );
    assert_eq!(
        received["title"],
        "【申込完了】親子で楽しむ美術館ワークショップ"
    );
    assert_eq!(received["read"], false);
}

#[tokio::test]
async fn without_a_mail_server_emails_are_written_to_the_mailbox_directory() {
    let mailbox = tempfile::tempdir().unwrap();
    let dir = mailbox.path().to_path_buf();
    let app = spawn_app_with(|limits| {
        limits.public_rate_per_minute = 1000;
        limits.notify.mailbox_dir = Some(dir);
        limits.notify.poll_ms = 100;
    })
    .await;
    let t = town_with(app, SmtpServer::start().await).await;
    let session = t.session(10).await;
    t.register(None, json!({ "sessionId": session, "guest": guest(10) }))
        .await;
    let mut files = Vec::new();
    for _ in 0..200 {
        files = std::fs::read_dir(mailbox.path())
            .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        if !files.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().unwrap(), "eml");
    let raw = std::fs::read_to_string(&files[0]).unwrap();
    let mail = Mail::from_file(raw);
    assert!(
        mail.header("To")
            .unwrap()
            .contains("notify-guest10@example.jp")
    );
    assert_eq!(
        mail.subject(),
        "【申込完了】親子で楽しむ美術館ワークショップ"
    );
    assert!(mail.text().contains("お申込みを受け付けました。"));
    assert!(
        t.smtp.mails().is_empty(),
        "nothing claimed as sent over SMTP"
    );
}

#[tokio::test]
async fn an_account_chooses_channels_per_kind_but_keeps_one_for_required_kinds() {
    let t = town().await;
    let set = "mutation($input: SetNotificationPreferenceInput!) { setNotificationPreference(input: $input) { preference { kind required inbox email } userErrors { code message } } }";
    let call = async |kind: &str, channel: &str, enabled: bool| {
        let body = t
            .app
            .graphql(
                Some(&t.resident),
                set,
                json!({ "input": { "kind": kind, "channel": channel, "enabled": enabled } }),
            )
            .await;
        assert_eq!(error_code(&body), None, "{body}");
        body["data"]["setNotificationPreference"].clone()
    };
    let listed = t
        .app
        .graphql(
            Some(&t.resident),
            "{ myNotificationPreferences { kind label required inbox email } }",
            json!({}),
        )
        .await;
    let offered = listed["data"]["myNotificationPreferences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "programs.place_offered")
        .cloned()
        .unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(offered["required"], true);
    assert_eq!(
        (offered["inbox"].clone(), offered["email"].clone()),
        (json!(true), json!(true))
    );

    // A required kind moves to the inbox, but cannot be turned off altogether.
    let moved = call("programs.place_offered", "EMAIL", false).await;
    assert_eq!(moved["preference"]["email"], false, "{moved}");
    assert_eq!(moved["preference"]["inbox"], true);
    let refused = call("programs.place_offered", "INBOX", false).await;
    assert_eq!(user_error_codes(&refused), vec!["NOT_ALLOWED"], "{refused}");
    let unknown = call("programs.nothing", "EMAIL", false).await;
    assert_eq!(user_error_codes(&unknown), vec!["NOT_FOUND"], "{unknown}");

    // Confirmations: inbox only.
    call("programs.registration_confirmed", "EMAIL", false).await;
    let session = t.session(10).await;
    t.register(Some(&t.resident), json!({ "sessionId": session }))
        .await;
    t.register(None, json!({ "sessionId": session, "guest": guest(11) }))
        .await;
    t.smtp.wait_for("notify-guest11@example.jp", 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        t.smtp.mails_to(RESIDENT_EMAIL).is_empty(),
        "no email of a kind turned off"
    );
    let inbox = t.inbox(&t.resident).await;
    let titles: Vec<&str> = inbox["myNotifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"【申込完了】親子で楽しむ美術館ワークショップ"),
        "{inbox}"
    );

    // Turned off everywhere: not even in the inbox.
    call("programs.registration_confirmed", "INBOX", false).await;
    let before = t.inbox(&t.resident).await["myNotifications"]["totalCount"].clone();
    t.register(
        Some(&t.resident),
        json!({ "sessionId": t.session(10).await }),
    )
    .await;
    assert_eq!(
        t.inbox(&t.resident).await["myNotifications"]["totalCount"],
        before
    );
}

#[tokio::test]
async fn a_resident_who_signs_up_is_welcomed_by_email_and_in_the_inbox() {
    let t = town().await;
    let body = t
        .app
        .graphql(
            None,
            "mutation($input: SignUpInput!) { signUp(input: $input) { session { token } userErrors { code } } }",
            json!({ "input": {
                "municipalityCode": "14384",
                "email": "welcome.manazuru@example.jp",
                "password": "umi-to-ishi-no-machi-42",
                "displayName": "真鶴 花",
                "displayNameKana": "まなづる はな",
            }}),
        )
        .await;
    let token = body["data"]["signUp"]["session"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let mails = t.smtp.wait_for("welcome.manazuru@example.jp", 1).await;
    assert_eq!(mails[0].subject(), "【真鶴町】tsunagu へようこそ");
    assert!(
        mails[0]
            .header("To")
            .unwrap()
            .contains("welcome.manazuru@example.jp")
    );
    let text = mails[0].text();
    assert!(text.starts_with("真鶴 花 様"), "{text}");
    assert!(text.contains("https://tsunagu.example.jp/mypage"), "{text}");
    let inbox = t.inbox(&token).await;
    assert_eq!(inbox["unreadNotificationCount"], 1, "{inbox}");
    assert_eq!(
        inbox["myNotifications"]["nodes"][0]["kind"],
        "identity.welcome"
    );
}

fn uuid_of(id: &str) -> uuid::Uuid {
    tsunagu::graphql::ids::decode(&id.to_owned().into())
        .unwrap()
        .expect("an id of ours")
        .1
}

#[tokio::test]
async fn an_offer_that_lapses_or_is_declined_is_told_once_to_the_party_that_had_it() {
    let t = town().await;
    let session = t.session(1).await;
    let holder = t
        .register(Some(&t.resident), json!({ "sessionId": session }))
        .await;
    let lapsing = t
        .register(None, json!({ "sessionId": session, "guest": guest(11) }))
        .await;
    let declining = t
        .register(None, json!({ "sessionId": session, "guest": guest(12) }))
        .await;
    t.ok(
        Some(&t.resident),
        "cancelRegistration",
        "RegistrationRefInput",
        json!({ "id": holder["registration"]["id"] }),
        "registration { status }",
    )
    .await;
    t.smtp
        .wait_for_titled("notify-guest11@example.jp", "【要手続き】", 1)
        .await;

    // The offer runs out, as the clock would bring it; the next read passes it on.
    let db = Database::connect(&t.app.database_url).await.unwrap();
    entity::registration::Entity::update_many()
        .col_expr(
            entity::registration::Column::OfferExpiresAt,
            Expr::value(Utc::now() - chrono::Duration::minutes(1)),
        )
        .filter(
            entity::registration::Column::Id
                .eq(uuid_of(lapsing["registration"]["id"].as_str().unwrap())),
        )
        .exec(&db)
        .await
        .unwrap();
    db.close().await.ok();
    let read = t
        .app
        .graphql(
            None,
            "query($id: ID!) { node(id: $id) { ... on ProgramSession { seatsRemaining } } }",
            json!({ "id": session }),
        )
        .await;
    assert_eq!(read["data"]["node"]["seatsRemaining"], 0, "{read}");

    let lapsed = t
        .smtp
        .wait_for_titled("notify-guest11@example.jp", "【期限切れ】", 1)
        .await;
    assert_eq!(
        lapsed[0].subject(),
        "【期限切れ】繰り上げのご案内が終了しました: 親子で楽しむ美術館ワークショップ"
    );
    let text = lapsed[0].text();
    assert!(
        text.contains("までにお手続きがなかったため、次にお待ちの方へご案内しました。"),
        "{text}"
    );
    assert!(text.contains("承諾の期限（"), "{text}");
    assert!(
        text.contains("当日はご来場なさらないようお願いいたします"),
        "{text}"
    );
    assert!(
        text.contains("講座: 親子で楽しむ美術館ワークショップ"),
        "{text}"
    );
    assert!(
        text.contains("会場: 真鶴町立中川一政美術館 展示室"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "https://tsunagu.example.jp/programs/{}",
            uuid_of(&t.program)
        )),
        "{text}"
    );
    assert_eq!(
        lapsed[0].header("List-Unsubscribe"),
        None,
        "losing a place cannot be turned off"
    );

    // The place went to the next guest, who declines it.
    t.smtp
        .wait_for_titled("notify-guest12@example.jp", "【要手続き】", 1)
        .await;
    let declined = t
        .ok(
            None,
            "declineWaitlistOffer",
            "RegistrationRefInput",
            json!({ "manageToken": declining["manageToken"] }),
            "registration { status cancelReason }",
        )
        .await;
    assert_eq!(declined["registration"]["cancelReason"], "OFFER_DECLINED");
    let passed = t
        .smtp
        .wait_for_titled("notify-guest12@example.jp", "【辞退受付】", 1)
        .await;
    let text = passed[0].text();
    assert!(text.contains("お席の辞退を承りました。"), "{text}");
    assert!(text.contains("人数: 大人1人"), "{text}");

    // A later message to someone else goes out after any duplicate would have.
    t.register(
        None,
        json!({ "sessionId": t.session(5).await, "guest": guest(13) }),
    )
    .await;
    t.smtp.wait_for("notify-guest13@example.jp", 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let passed_on = |address: &str| {
        t.smtp.mails_titled(address, "【期限切れ】").len()
            + t.smtp.mails_titled(address, "【辞退受付】").len()
    };
    assert_eq!(passed_on("notify-guest11@example.jp"), 1);
    assert_eq!(passed_on("notify-guest12@example.jp"), 1);
    assert_eq!(
        passed_on(RESIDENT_EMAIL),
        0,
        "the resident cancelled themself"
    );
}

#[tokio::test]
async fn moving_a_session_tells_each_confirmed_and_waiting_registrant_old_and_new_and_a_new_capacity_tells_no_one()
 {
    let t = town().await;
    let session = t.session(1).await;
    let before = t
        .app
        .graphql(
            None,
            "query($id: ID!) { node(id: $id) { ... on ProgramSession { startsAt } } }",
            json!({ "id": session }),
        )
        .await;
    let old_start: chrono::DateTime<Utc> = before["data"]["node"]["startsAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    t.register(Some(&t.resident), json!({ "sessionId": session }))
        .await;
    t.register(None, json!({ "sessionId": session, "guest": guest(14) }))
        .await;
    let gone = t
        .register(None, json!({ "sessionId": session, "guest": guest(15) }))
        .await;
    t.ok(
        None,
        "cancelRegistration",
        "RegistrationRefInput",
        json!({ "manageToken": gone["manageToken"] }),
        "registration { status }",
    )
    .await;
    let update = |input: Value| {
        t.ok(
            Some(&t.staff),
            "updateProgramSession",
            "UpdateProgramSessionInput",
            input,
            "session { id }",
        )
    };
    // What does not concern those who come tells no one.
    update(json!({ "id": session, "childcareSlots": 3 })).await;
    let new_start = old_start + chrono::Duration::days(1) + chrono::Duration::hours(3);
    update(json!({
        "id": session,
        "startsAt": new_start.to_rfc3339(),
        "endsAt": (new_start + chrono::Duration::hours(2)).to_rfc3339(),
        "venue": "真鶴町民会館 大ホール",
    }))
    .await;

    let day = |at: chrono::DateTime<Utc>| {
        at.with_timezone(&chrono_tz::Asia::Tokyo)
            .format("%Y年%-m月%-d日")
            .to_string()
    };
    let title = "【日時・会場変更】親子で楽しむ美術館ワークショップ";
    for address in [RESIDENT_EMAIL, "notify-guest14@example.jp"] {
        let mails = t.smtp.wait_for_titled(address, title, 1).await;
        let text = mails[0].text();
        assert!(
            text.contains("お申込みいただいた講座の日時・会場が変更になりました。"),
            "{text}"
        );
        assert!(
            text.contains("会場: 真鶴町立中川一政美術館 展示室 → 真鶴町民会館 大ホール"),
            "{text}"
        );
        let line = text
            .lines()
            .find(|line| line.starts_with("日時: ") && line.contains(" → "))
            .unwrap_or_else(|| panic!("no old → new time in {text}"));
        let (old, new) = line.split_once(" → ").unwrap();
        assert!(old.contains(&day(old_start)), "{line}");
        assert!(new.contains(&day(new_start)), "{line}");
        assert!(
            new.contains(
                &new_start
                    .with_timezone(&chrono_tz::Asia::Tokyo)
                    .format("%H:%M")
                    .to_string()
            ),
            "{line}"
        );
        assert!(
            text.lines()
                .any(|line| line == "会場: 真鶴町民会館 大ホール"),
            "the session as it now is: {text}"
        );
        assert_eq!(
            mails[0].header("List-Unsubscribe"),
            None,
            "a move cannot be turned off"
        );
    }
    let waiting = t
        .smtp
        .mails_titled("notify-guest14@example.jp", title)
        .remove(0)
        .text();
    assert!(
        waiting.contains("キャンセル待ちでお申込みの方にもお知らせしています"),
        "{waiting}"
    );
    let inbox = t.inbox(&t.resident).await;
    let kinds: Vec<&str> = inbox["myNotifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "programs.session_changed")
            .count(),
        1,
        "{inbox}"
    );

    // A later message to someone else goes out after any duplicate would have.
    t.register(
        None,
        json!({ "sessionId": t.session(5).await, "guest": guest(16) }),
    )
    .await;
    t.smtp.wait_for("notify-guest16@example.jp", 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    for address in [RESIDENT_EMAIL, "notify-guest14@example.jp"] {
        assert_eq!(
            t.smtp
                .mails_titled(address, "【")
                .iter()
                .filter(|m| m.subject().contains("変更】"))
                .count(),
            1,
            "{address}"
        );
    }
    assert!(
        t.smtp
            .mails_to("notify-guest15@example.jp")
            .iter()
            .all(|m| !m.subject().contains("変更】")),
        "a cancelled registrant hears nothing"
    );
}

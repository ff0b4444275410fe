//! Live updates over WebSocket (`graphql-transport-ws`) and the event bus behind them.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::helpers::{TestApp, spawn_app};

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `/graphql/ws` and sends `connection_init` with `payload`; returns the socket and
/// the server's first answer.
async fn connect(app: &TestApp, payload: Value) -> (Socket, Value) {
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = connect_async(request).await.unwrap();
    socket
        .send(Message::text(
            json!({ "type": "connection_init", "payload": payload }).to_string(),
        ))
        .await
        .unwrap();
    let answer = next_message(&mut socket, Duration::from_secs(5))
        .await
        .unwrap_or(Value::Null);
    (socket, answer)
}

/// The next JSON message, or `None` on close or after `wait`.
async fn next_message(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(wait, socket.next())
            .await
            .ok()??
            .ok()?;
        match message {
            Message::Text(text) => return serde_json::from_str(&text).ok(),
            Message::Close(frame) => {
                return Some(json!({ "type": "close", "code": frame.map(|f| u16::from(f.code)) }));
            }
            _ => {}
        }
    }
}

async fn subscribe_to_account_events(socket: &mut Socket) {
    socket
        .send(Message::text(
            json!({
                "id": "1",
                "type": "subscribe",
                "payload": { "query": "subscription { accountEvents { kind userId occurredAt } }" }
            })
            .to_string(),
        ))
        .await
        .unwrap();
}

/// Renames `user_id` through `app` until the subscriber hears an `UPDATED` event: the
/// subscription becomes live some moments after `subscribe` is sent, with no ack in the
/// protocol, so the first renames may go unheard.
async fn rename_until_heard(
    app: &TestApp,
    admin: &str,
    user_id: &str,
    socket: &mut Socket,
) -> Value {
    for attempt in 0..50 {
        let body = app
            .graphql(
                Some(admin),
                "mutation($id: ID!, $name: String!) { updateUser(input: { id: $id, displayName: $name }) { user { id } } }",
                json!({ "id": user_id, "name": format!("名前 {attempt}") }),
            )
            .await;
        assert!(
            body["data"]["updateUser"]["user"]["id"].is_string(),
            "{body}"
        );
        if let Some(message) = next_message(socket, Duration::from_millis(200)).await {
            return message;
        }
    }
    panic!("no account event arrived");
}

#[tokio::test]
async fn a_user_hears_their_own_deactivation_live() {
    let app = spawn_app().await;
    let admin = app.login_demo("maebashi-admin@example.jp").await;
    let concierge = app.login_demo("maebashi-concierge@example.jp").await;
    let concierge_id = app.my_id(&concierge).await;

    let (mut socket, ack) = connect(
        &app,
        json!({ "authorization": format!("Bearer {concierge}") }),
    )
    .await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    subscribe_to_account_events(&mut socket).await;

    let updated = rename_until_heard(&app, &admin, &concierge_id, &mut socket).await;
    assert_eq!(updated["type"], "next", "{updated}");
    assert_eq!(
        updated["payload"]["data"]["accountEvents"]["kind"],
        "UPDATED"
    );
    assert_eq!(
        updated["payload"]["data"]["accountEvents"]["userId"],
        concierge_id
    );

    let body = app
        .graphql(
            Some(&admin),
            "mutation($id: ID!) { deactivateUser(input: { id: $id }) { user { active } } }",
            json!({ "id": concierge_id }),
        )
        .await;
    assert_eq!(body["data"]["deactivateUser"]["user"]["active"], false);
    let mut kinds = Vec::new();
    while let Some(message) = next_message(&mut socket, Duration::from_secs(2)).await {
        kinds.push(message["payload"]["data"]["accountEvents"]["kind"].clone());
        if kinds.last() == Some(&json!("DEACTIVATED")) {
            break;
        }
    }
    assert_eq!(kinds.last(), Some(&json!("DEACTIVATED")), "{kinds:?}");
    // Then the connection ends with the account.
    let closed = close_of(&mut socket).await;
    assert_eq!(closed, Some(4403));
}

/// Waits (at most ten seconds) for the server to close `socket`; its close code.
async fn close_of(socket: &mut Socket) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        match next_message(socket, Duration::from_secs(10)).await {
            Some(message) if message["type"] == "close" => {
                return message["code"]
                    .as_u64()
                    .and_then(|code| u16::try_from(code).ok());
            }
            Some(_) => {}
            None => return None,
        }
    }
    None
}

#[tokio::test]
async fn logging_out_closes_the_sessions_live_connections_on_every_replica() {
    let app = spawn_app().await;
    let other = if app.on_postgres() {
        Some(app.spawn_replica().await)
    } else {
        None
    };
    let writer = other.as_ref().unwrap_or(&app);
    let resident = app.login_demo("maebashi-resident@example.jp").await;
    let other_session = app.login_demo("maebashi-resident@example.jp").await;

    let (mut socket, ack) = connect(&app, json!({ "token": resident })).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    subscribe_to_account_events(&mut socket).await;
    let (mut other_socket, ack) = connect(&app, json!({ "token": other_session })).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");

    let body = writer
        .graphql(
            Some(&resident),
            "mutation { logOut { endedSessions } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["logOut"]["endedSessions"], 1, "{body}");
    assert_eq!(close_of(&mut socket).await, Some(4403));
    // The account's other session stays connected until it signs out everywhere.
    assert_eq!(
        next_message(&mut other_socket, Duration::from_millis(800)).await,
        None
    );
    let body = writer
        .graphql(
            Some(&other_session),
            "mutation { logOut(input: { everywhere: true }) { endedSessions } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["logOut"]["endedSessions"], 1, "{body}");
    assert_eq!(close_of(&mut other_socket).await, Some(4403));
}

#[tokio::test]
async fn a_live_connection_closes_when_its_session_expires() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let app = spawn_app().await;
    let resident = app.login_demo("maebashi-resident@example.jp").await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    entity::session::Entity::update_many()
        .col_expr(
            entity::session::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() + chrono::Duration::seconds(2)),
        )
        .filter(entity::session::Column::RevokedAt.is_null())
        .exec(&db)
        .await
        .unwrap();
    db.close().await.unwrap();

    let (mut socket, ack) = connect(&app, json!({ "token": resident })).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    subscribe_to_account_events(&mut socket).await;
    assert_eq!(close_of(&mut socket).await, Some(4403));
}

#[tokio::test]
async fn a_user_does_not_hear_events_of_other_accounts() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let staff = app.login_demo("manazuru-staff@example.jp").await;
    let resident = app.login_demo("manazuru-resident@example.jp").await;
    let staff_id = app.my_id(&staff).await;
    let resident_id = app.my_id(&resident).await;

    let (mut resident_socket, ack) = connect(&app, json!({ "token": resident.clone() })).await;
    assert_eq!(ack["type"], "connection_ack");
    subscribe_to_account_events(&mut resident_socket).await;
    let (mut staff_socket, _) = connect(&app, json!({ "token": staff })).await;
    subscribe_to_account_events(&mut staff_socket).await;

    // Once the staff member hears a rename of their own, the resident's subscription
    // (opened first) is live too; it must have heard nothing.
    let heard = rename_until_heard(&app, &admin, &staff_id, &mut staff_socket).await;
    assert_eq!(
        heard["payload"]["data"]["accountEvents"]["userId"],
        staff_id
    );
    let renamed_me = rename_until_heard(&app, &admin, &resident_id, &mut resident_socket).await;
    assert_eq!(
        renamed_me["payload"]["data"]["accountEvents"]["userId"], resident_id,
        "the resident heard someone else's event: {renamed_me}"
    );
}

#[tokio::test]
async fn subscribing_without_a_session_is_refused() {
    let app = spawn_app().await;
    let (_, answer) = connect(&app, json!({ "token": "tsu_not-a-real-token" })).await;
    assert_eq!(answer["type"], "close", "{answer}");
    assert_eq!(answer["code"], 4403, "{answer}");

    let (mut socket, ack) = connect(&app, json!({})).await;
    assert_eq!(ack["type"], "connection_ack");
    subscribe_to_account_events(&mut socket).await;
    let answer = next_message(&mut socket, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(answer["type"], "next", "{answer}");
    assert!(answer["payload"]["data"].is_null(), "{answer}");
    assert_eq!(
        answer["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{answer}"
    );
}

#[tokio::test]
async fn a_subscription_with_two_root_fields_is_refused() {
    let app = spawn_app().await;
    let resident = app.login_demo("maebashi-resident@example.jp").await;
    let (mut socket, ack) = connect(
        &app,
        json!({ "authorization": format!("Bearer {resident}") }),
    )
    .await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    for (id, query) in [
        (
            "1",
            "subscription { accountEvents { kind } myRegistrationEvents { kind } }",
        ),
        (
            "2",
            "subscription { ...Both } fragment Both on Subscription { accountEvents { kind } myInquiryEvents { kind } }",
        ),
    ] {
        socket
            .send(Message::text(
                json!({ "id": id, "type": "subscribe", "payload": { "query": query } }).to_string(),
            ))
            .await
            .unwrap();
        let answer = next_message(&mut socket, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(answer["id"], id, "{answer}");
        assert!(answer["payload"]["data"].is_null(), "{answer}");
        assert_eq!(
            answer["payload"]["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{answer}"
        );
        let end = next_message(&mut socket, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(end["type"], "complete", "{end}");
    }
}

#[tokio::test]
async fn a_subscriber_on_one_replica_hears_a_change_made_on_another() {
    let app = spawn_app().await;
    // On PostgreSQL the replicas share only the database and hear each other through
    // LISTEN/NOTIFY; on SQLite (one process by design) both sides use the same server.
    let other = if app.on_postgres() {
        Some(app.spawn_replica().await)
    } else {
        None
    };
    let writer = other.as_ref().unwrap_or(&app);
    let admin = writer.login_demo("kitakyushu-admin@example.jp").await;
    let partner = app.login_demo("kitakyushu-partner@example.jp").await;
    let partner_id = app.my_id(&partner).await;

    let (mut socket, ack) = connect(&app, json!({ "token": partner })).await;
    assert_eq!(ack["type"], "connection_ack");
    subscribe_to_account_events(&mut socket).await;
    let heard = rename_until_heard(writer, &admin, &partner_id, &mut socket).await;
    assert_eq!(
        heard["payload"]["data"]["accountEvents"]["kind"], "UPDATED",
        "{heard}"
    );
}

/// Runs a GraphQL mutation with a single `input` and returns its payload, asserting no
/// top-level error and no `userErrors`.
async fn mutate(
    app: &TestApp,
    token: &str,
    mutation: &str,
    input: Value,
    selection: &str,
) -> Value {
    let mut chars = mutation.chars();
    let first = chars.next().unwrap().to_uppercase();
    let query = format!(
        "mutation($input: {first}{}Input!) {{ {mutation}(input: $input) {{ {selection} userErrors {{ code message }} }} }}",
        chars.as_str()
    );
    let body = app
        .graphql(Some(token), &query, json!({ "input": input }))
        .await;
    let payload = body["data"][mutation].clone();
    assert!(
        payload["userErrors"].as_array().is_some_and(Vec::is_empty),
        "{mutation}: {body}"
    );
    payload
}

/// The kind and inquiry of every `myInquiryEvents` message arriving within `wait` of the
/// previous one.
async fn inquiry_events(socket: &mut Socket, wait: Duration) -> Vec<(String, String)> {
    let mut heard = Vec::new();
    while let Some(message) = next_message(socket, wait).await {
        let event = &message["payload"]["data"]["myInquiryEvents"];
        heard.push((
            event["kind"].as_str().unwrap_or_default().to_owned(),
            event["inquiryId"].as_str().unwrap_or_default().to_owned(),
        ));
    }
    heard
}

#[tokio::test]
async fn a_concierge_hears_live_when_an_inquiry_is_assigned_to_them_changed_and_taken_off() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let concierge = app.login_demo("manazuru-concierge@example.jp").await;
    let colleague = app.login_demo("manazuru-concierge2@example.jp").await;
    let me = app.my_id(&concierge).await;
    let manazuru = app.municipality_id("14384").await;

    // Everyone is full but the concierge, who has room for the waiting queue and more.
    let profiles = app
        .graphql(
            Some(&admin),
            "{ conciergeProfiles { userId activeInquiries } }",
            json!({}),
        )
        .await;
    for profile in profiles["data"]["conciergeProfiles"].as_array().unwrap() {
        let load = profile["activeInquiries"].as_i64().unwrap();
        let room = 10 * i64::from(profile["userId"] == me.as_str());
        mutate(
            &app,
            &admin,
            "saveConciergeProfile",
            json!({ "userId": profile["userId"], "capacity": load + room, "available": true, "languages": ["ja"] }),
            "profile { capacity }",
        )
        .await;
    }

    let subscription = json!({
        "id": "1",
        "type": "subscribe",
        "payload": { "query": "subscription { myInquiryEvents { kind inquiryId occurredAt } }" }
    })
    .to_string();
    let (mut colleague_socket, ack) = connect(&app, json!({ "token": colleague })).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    colleague_socket
        .send(Message::text(subscription.clone()))
        .await
        .unwrap();
    let (mut socket, ack) = connect(&app, json!({ "token": concierge })).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    socket.send(Message::text(subscription)).await.unwrap();

    let submitted = app
        .graphql(
            None,
            "mutation($input: SubmitRelocationInquiryInput!) { submitRelocationInquiry(input: $input) { receipt { referenceCode } } }",
            json!({ "input": {
                "municipalityId": manazuru,
                "name": "真鶴 花子",
                "nameKana": "マナヅル ハナコ",
                "email": "hanako@example.jp",
                "adults": 1,
                "interests": ["HOUSING"],
                "consentToPrivacyNotice": true
            } }),
        )
        .await;
    let code = submitted["data"]["submitRelocationInquiry"]["receipt"]["referenceCode"]
        .as_str()
        .unwrap_or_else(|| panic!("{submitted}"))
        .to_owned();
    let found = app
        .graphql(
            Some(&admin),
            "query($q: String!) { relocationInquiries(filter: { search: $q }) { nodes { id conciergeId } } }",
            json!({ "q": code }),
        )
        .await;
    let inquiry = found["data"]["relocationInquiries"]["nodes"][0].clone();
    assert_eq!(inquiry["conciergeId"], me.as_str(), "{found}");
    let inquiry_id = inquiry["id"].as_str().unwrap().to_owned();

    // The subscription goes live a moment after it is sent, with no acknowledgement: take
    // the inquiry off and give it back until the concierge hears it.
    let mut heard = Vec::new();
    for _ in 0..50 {
        heard.extend(inquiry_events(&mut socket, Duration::from_millis(100)).await);
        if heard.iter().any(|(kind, _)| kind == "ASSIGNED") {
            break;
        }
        mutate(
            &app,
            &admin,
            "unassignInquiry",
            json!({ "inquiryId": inquiry_id, "reason": "担当の調整" }),
            "inquiry { id }",
        )
        .await;
        mutate(
            &app,
            &admin,
            "assignInquiry",
            json!({ "inquiryId": inquiry_id, "conciergeId": me }),
            "inquiry { id }",
        )
        .await;
    }
    assert!(
        heard.contains(&("ASSIGNED".to_owned(), inquiry_id.clone())),
        "{heard:?}"
    );
    heard.extend(inquiry_events(&mut socket, Duration::from_millis(300)).await);

    // Live now: each change arrives, in order.
    mutate(
        &app,
        &admin,
        "moveInquiryStage",
        json!({ "inquiryId": inquiry_id, "stage": "CONTACTED" }),
        "inquiry { stage }",
    )
    .await;
    mutate(
        &app,
        &admin,
        "unassignInquiry",
        json!({ "inquiryId": inquiry_id, "reason": "長期不在のため" }),
        "inquiry { id }",
    )
    .await;
    let live = inquiry_events(&mut socket, Duration::from_secs(2)).await;
    assert_eq!(
        live,
        [
            ("CHANGED".to_owned(), inquiry_id.clone()),
            ("UNASSIGNED".to_owned(), inquiry_id.clone())
        ]
    );
    // The colleague, subscribed first and full all along, heard nothing of it.
    let overheard = inquiry_events(&mut colleague_socket, Duration::from_millis(300)).await;
    assert!(
        overheard.iter().all(|(_, id)| *id != inquiry_id),
        "{overheard:?}"
    );
}

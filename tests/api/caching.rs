//! The response cache of anonymous public reads and the session cache: what is served
//! again, and that a change is seen by the next read.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use reqwest::header;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app_with, user_error_codes};

const PROGRAMS: &str =
    "query($n: Int!) { programs(first: $n) { nodes { id title sessions { id seatsRemaining } } } }";

async fn app() -> TestApp {
    spawn_app_with(|limits| limits.public_rate_per_minute = 1000).await
}

async fn hits(app: &TestApp) -> u64 {
    app.metric("tsunagu_response_cache_total", "result=\"hit\"")
        .await
}

async fn ok(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    let body = app.graphql(token, query, variables).await;
    assert_eq!(error_code(&body), None, "{body}");
    body["data"].clone()
}

/// A published programme of 真鶴町's museum with one session of `capacity` places.
async fn programme(app: &TestApp, staff: &str, title: &str, capacity: i32) -> (String, String) {
    let created = ok(
        app,
        Some(staff),
        "mutation($input: CreateProgramInput!) { createProgram(input: $input) { program { id } userErrors { code } } }",
        json!({ "input": {
            "kind": "EDUCATION_WORKSHOP",
            "title": title,
            "summary": "学芸員と作品を鑑賞します。",
            "description": "作品を見て感じたことを話し合います。",
            "categories": ["ART"],
            "publish": true,
        } }),
    )
    .await;
    let program = created["createProgram"]["program"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let starts = Utc::now() + Duration::days(10);
    let sessions = ok(
        app,
        Some(staff),
        "mutation($input: CreateProgramSessionsInput!) { createProgramSessions(input: $input) { sessions { id } userErrors { code } } }",
        json!({ "input": {
            "programId": program,
            "startsAt": starts.to_rfc3339(),
            "endsAt": (starts + Duration::hours(2)).to_rfc3339(),
            "venue": "真鶴町立中川一政美術館",
            "capacity": capacity,
            "childcareSlots": 0,
        } }),
    )
    .await;
    let session = sessions["createProgramSessions"]["sessions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (program, session)
}

/// The places left on `session` as the anonymous list shows them.
async fn seats_remaining(app: &TestApp, session: &str) -> i64 {
    let data = ok(app, None, PROGRAMS, json!({ "n": 100 })).await;
    data["programs"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|program| program["sessions"].as_array().unwrap().iter())
        .find(|s| s["id"] == session)
        .unwrap_or_else(|| panic!("session {session} listed: {data}"))["seatsRemaining"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_repeated_anonymous_read_is_served_from_the_cache_and_a_signed_in_one_never() {
    let app = app().await;
    let staff = app.login_demo("manazuru-staff@example.jp").await;
    let variables = json!({ "n": 5 });
    let first = ok(&app, None, PROGRAMS, variables.clone()).await;
    let before = hits(&app).await;
    let again = ok(&app, None, PROGRAMS, variables.clone()).await;
    assert_eq!(again, first);
    assert_eq!(hits(&app).await, before + 1, "the second read is a hit");

    // Other variables are another request.
    ok(&app, None, PROGRAMS, json!({ "n": 6 })).await;
    assert_eq!(hits(&app).await, before + 1);
    // A signed-in viewer is answered afresh every time.
    ok(&app, Some(&staff), PROGRAMS, variables.clone()).await;
    ok(&app, Some(&staff), PROGRAMS, variables.clone()).await;
    assert_eq!(hits(&app).await, before + 1);
    // So is a client that asks for a fresh answer.
    let fresh = app
        .post_graphql_with(
            &[(header::CACHE_CONTROL, "no-cache")],
            json!({ "query": PROGRAMS, "variables": variables }),
        )
        .await;
    assert_eq!(fresh.status(), 200);
    assert_eq!(hits(&app).await, before + 1);
    // A read that is not of public data never enters.
    let me = "{ me { id } }";
    ok(&app, None, me, json!({})).await;
    ok(&app, None, me, json!({})).await;
    assert_eq!(hits(&app).await, before + 1);
}

#[tokio::test]
async fn a_registration_changes_seats_remaining_in_the_next_read() {
    let app = app().await;
    let staff = app.login_demo("manazuru-staff@example.jp").await;
    let (_, session) = programme(&app, &staff, "キャッシュ確認の鑑賞会", 10).await;
    assert_eq!(seats_remaining(&app, &session).await, 10);
    assert_eq!(seats_remaining(&app, &session).await, 10);
    let registered = ok(
        &app,
        None,
        "mutation($input: RegisterForSessionInput!) { registerForSession(input: $input) { registration { status } userErrors { code } } }",
        json!({ "input": {
            "sessionId": session,
            "adults": 2,
            "guest": {
                "name": "申込 花子",
                "nameKana": "もうしこみ はなこ",
                "email": "cache-check@example.jp",
                "phone": "090-1234-5678",
            },
        } }),
    )
    .await;
    assert_eq!(
        user_error_codes(&registered["registerForSession"]),
        Vec::<String>::new()
    );
    assert_eq!(seats_remaining(&app, &session).await, 8);
}

#[tokio::test]
async fn an_unpublished_article_leaves_the_next_list() {
    let app = app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let created = ok(
        &app,
        Some(&admin),
        "mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { id } userErrors { code } } }",
        json!({ "input": {
            "kind": "NEWS",
            "title": "キャッシュ確認のお知らせ",
            "summary": "町からのお知らせです。",
            "body": "本文です。",
        } }),
    )
    .await;
    let id = created["createArticle"]["article"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &app,
        Some(&admin),
        "mutation($id: ID!) { publishArticle(input: { id: $id }) { userErrors { code } } }",
        json!({ "id": id }),
    )
    .await;
    let listed = async || -> bool {
        let data = ok(
            &app,
            None,
            "{ articles(first: 100) { nodes { id } } }",
            json!({}),
        )
        .await;
        data["articles"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|article| article["id"] == id)
    };
    assert!(listed().await);
    assert!(listed().await, "served again while published");
    ok(
        &app,
        Some(&admin),
        "mutation($id: ID!) { unpublishArticle(input: { id: $id }) { userErrors { code } } }",
        json!({ "id": id }),
    )
    .await;
    assert!(!listed().await, "gone from the very next read");
}

#[tokio::test]
async fn what_staff_see_is_never_served_to_anyone_else() {
    let app = app().await;
    let staff = app.login_demo("manazuru-staff@example.jp").await;
    let query = "{ programs(first: 50) { nodes { title surveySummary { responses } } } }";
    let seen_by_staff = app.graphql(Some(&staff), query, json!({})).await;
    let managed = |body: &Value| -> usize {
        body["data"]["programs"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|program| !program["surveySummary"].is_null())
            .count()
    };
    assert!(managed(&seen_by_staff) > 0, "{seen_by_staff}");
    for _ in 0..2 {
        let anonymous = app.graphql(None, query, json!({})).await;
        assert_eq!(managed(&anonymous), 0, "{anonymous}");
    }
    // And the other way round: an anonymous answer is not served to staff.
    let again = app.graphql(Some(&staff), query, json!({})).await;
    assert_eq!(managed(&again), managed(&seen_by_staff));
}

#[tokio::test]
async fn a_change_made_on_another_replica_is_seen_within_the_second() {
    let app = app().await;
    let replica = app.spawn_replica().await;
    let staff = app.login_demo("manazuru-staff@example.jp").await;
    let (_, session) = programme(&app, &staff, "二台目で見る鑑賞会", 10).await;
    assert_eq!(seats_remaining(&replica, &session).await, 10);
    ok(
        &app,
        Some(&staff),
        "mutation($input: UpdateProgramSessionInput!) { updateProgramSession(input: $input) { userErrors { code } } }",
        json!({ "input": { "id": session, "capacity": 12 } }),
    )
    .await;
    let started = std::time::Instant::now();
    loop {
        let seats = seats_remaining(&replica, &session).await;
        if seats == 12 {
            break;
        }
        assert!(
            started.elapsed() < StdDuration::from_secs(3),
            "the replica still answers {seats} places"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    replica.stop().await;
}

#[tokio::test]
async fn a_session_is_refused_at_once_after_log_out_even_though_it_was_cached() {
    let app = app().await;
    let token = app.login_demo("manazuru-resident@example.jp").await;
    let me = "{ me { id } }";
    for _ in 0..3 {
        let data = ok(&app, Some(&token), me, json!({})).await;
        assert!(data["me"]["id"].is_string());
    }
    let cached = app
        .cheapest_statements(3, async || {
            ok(&app, Some(&token), me, json!({})).await;
        })
        .await;
    ok(
        &app,
        Some(&token),
        "mutation { logOut { userErrors { code } } }",
        json!({}),
    )
    .await;
    let body = app.graphql(Some(&token), me, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    // The session and its account came from the cache.
    assert_eq!(cached, 0, "statements of a signed-in `me`");
}

#[tokio::test]
async fn logging_out_on_one_replica_refuses_the_cached_session_on_another() {
    let app = app().await;
    // On PostgreSQL the replicas share only the database and hear each other through
    // LISTEN/NOTIFY; on SQLite (one process by design) both sides use the same server.
    let other = if app.on_postgres() {
        Some(app.spawn_replica().await)
    } else {
        None
    };
    let reader = other.as_ref().unwrap_or(&app);
    let token = app.login_demo("manazuru-resident@example.jp").await;
    let me = "{ me { id } }";
    for _ in 0..2 {
        let data = ok(reader, Some(&token), me, json!({})).await;
        assert!(data["me"]["id"].is_string());
    }
    ok(
        &app,
        Some(&token),
        "mutation { logOut { userErrors { code } } }",
        json!({}),
    )
    .await;
    let started = std::time::Instant::now();
    loop {
        let body = reader.graphql(Some(&token), me, json!({})).await;
        if error_code(&body) == Some("UNAUTHENTICATED") {
            break;
        }
        assert!(
            started.elapsed() < StdDuration::from_secs(2),
            "the other replica still accepts the ended session: {body}"
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    if let Some(other) = other {
        other.stop().await;
    }
}

#[tokio::test]
async fn me_shows_a_change_to_the_account_at_once_though_it_was_cached() {
    let app = app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let token = app.login_demo("manazuru-resident@example.jp").await;
    let me = "{ me { id displayName role } }";
    let before = ok(&app, Some(&token), me, json!({})).await;
    ok(&app, Some(&token), me, json!({})).await;
    let changed = ok(
        &app,
        Some(&admin),
        "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { displayName } userErrors { code } } }",
        json!({ "input": { "id": before["me"]["id"], "displayName": "真鶴 花子（改）" } }),
    )
    .await;
    assert_eq!(
        changed["updateUser"]["user"]["displayName"], "真鶴 花子（改）",
        "{changed}"
    );
    let after = ok(&app, Some(&token), me, json!({})).await;
    assert_eq!(after["me"]["displayName"], "真鶴 花子（改）");
}

#[tokio::test]
async fn the_organizers_and_municipalities_of_a_list_cost_no_statement_once_read_and_a_new_one_is_seen_at_once()
 {
    let app = app().await;
    let staff = app.login_demo("manazuru-staff@example.jp").await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let bare = "{ programs(first: 20) { nodes { id } } }";
    let named =
        "{ programs(first: 20) { nodes { id organizer { name } municipality { nameJa } } } }";
    let mut costs = Vec::new();
    for query in [bare, named] {
        costs.push(
            app.cheapest_statements(3, async || {
                ok(&app, Some(&staff), query, json!({})).await;
            })
            .await,
        );
    }
    assert_eq!(
        costs[0], costs[1],
        "statements without and with the organizers: {costs:?}"
    );

    // An organization created now is named by the next read.
    let created = ok(
        &app,
        Some(&admin),
        "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } userErrors { code } } }",
        json!({ "input": { "kind": "MUSEUM", "name": "真鶴町立 海の資料館", "nameKana": "マナヅルチョウリツ ウミノシリョウカン" } }),
    )
    .await;
    let organization = created["createOrganization"]["organization"]["id"].clone();
    assert!(organization.is_string(), "{created}");
    let program = ok(
        &app,
        Some(&admin),
        "mutation($input: CreateProgramInput!) { createProgram(input: $input) { program { id organizer { name } } userErrors { code } } }",
        json!({ "input": {
            "organizerId": organization,
            "kind": "EDUCATION_WORKSHOP",
            "title": "海の資料館 標本づくり",
            "summary": "貝殻の標本をつくります。",
            "description": "磯で拾った貝殻を分類し、標本箱に収めます。",
            "categories": ["NATURE"],
            "publish": true,
        } }),
    )
    .await;
    assert_eq!(
        program["createProgram"]["program"]["organizer"]["name"], "真鶴町立 海の資料館",
        "{program}"
    );
    let listed = ok(&app, Some(&staff), named, json!({})).await;
    let id = &program["createProgram"]["program"]["id"];
    let node = listed["programs"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|node| &node["id"] == id)
        .unwrap_or_else(|| panic!("the new programme is listed: {listed}"));
    assert_eq!(node["organizer"]["name"], "真鶴町立 海の資料館", "{node}");
}

//! Accounts, sessions, roles and municipality boundaries.

use serde_json::json;

use tsunagu::demo::DEMO_PASSWORD;

use crate::helpers::{error_code, smtp::SmtpServer, spawn_app, spawn_app_with, user_error_codes};

const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) { session { token expiresAt user { id email displayName displayNameKana role municipality { jisCode } } } userErrors { field code message } } }";

#[tokio::test]
async fn resident_signs_up_and_sees_themself_as_me() {
    let app = spawn_app().await;
    let body = app
        .graphql(
            None,
            SIGN_UP,
            json!({ "input": {
                "municipalityCode": "１４３８４",
                "email": "Ｈａｎａ.Manazuru@Example.JP",
                "password": "umi-to-ishi-no-machi-42",
                "displayName": "真鶴 花",
                "displayNameKana": "まなづる はな",
            }}),
        )
        .await;
    let payload = &body["data"]["signUp"];
    assert_eq!(user_error_codes(payload), Vec::<String>::new(), "{body}");
    let user = &payload["session"]["user"];
    assert_eq!(user["email"], "hana.manazuru@example.jp");
    assert_eq!(user["displayNameKana"], "マナヅル ハナ");
    assert_eq!(user["role"], "RESIDENT");
    assert_eq!(user["municipality"]["jisCode"], "14384");

    let token = payload["session"]["token"].as_str().unwrap();
    let me = app
        .graphql(Some(token), "{ me { email role } }", json!({}))
        .await;
    assert_eq!(me["data"]["me"]["email"], "hana.manazuru@example.jp");
    assert_eq!(error_code(&me), None);
}

#[tokio::test]
async fn sign_up_refuses_bad_input_field_by_field_and_creates_nothing() {
    let app = spawn_app().await;
    let body = app
        .graphql(
            None,
            SIGN_UP,
            json!({ "input": {
                "municipalityCode": "99999",
                "email": "not-an-email",
                "password": "password",
                "displayName": "  ",
                "displayNameKana": "真鶴",
            }}),
        )
        .await;
    let payload = &body["data"]["signUp"];
    assert!(payload["session"].is_null());
    let mut fields: Vec<String> = payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"][1].as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "displayName",
            "displayNameKana",
            "email",
            "municipalityCode",
            "password"
        ]
    );
    assert!(
        payload["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| !e["message"].as_str().unwrap().is_empty())
    );
    let admin = app.login_demo("platform-admin@example.jp").await;
    let users = app
        .graphql(Some(&admin), "{ users { totalCount } }", json!({}))
        .await;
    assert_eq!(users["data"]["users"]["totalCount"], 27, "{users}");
}

#[tokio::test]
async fn sign_up_refuses_weak_passwords_and_taken_emails() {
    let app = spawn_app().await;
    let input = |email: &str, password: &str| {
        json!({ "input": {
            "municipalityCode": "10201",
            "email": email,
            "password": password,
            "displayName": "前橋 一郎",
            "displayNameKana": "マエバシ イチロウ",
        }})
    };
    for weak in ["short", "1234567890", "maebashi1234"] {
        let body = app
            .graphql(None, SIGN_UP, input("ichiro@example.jp", weak))
            .await;
        let codes = user_error_codes(&body["data"]["signUp"]);
        assert!(
            codes == ["TOO_SHORT"] || codes == ["WEAK_PASSWORD"],
            "{weak}: {body}"
        );
    }
    let body = app
        .graphql(
            None,
            SIGN_UP,
            input(
                "ＭＡＥＢＡＳＨＩ-RESIDENT@example.jp",
                "akagi-yama-no-kaze-77",
            ),
        )
        .await;
    assert_eq!(user_error_codes(&body["data"]["signUp"]), ["TAKEN"]);
}

const LOG_IN: &str = "mutation($input: LogInInput!) { logIn(input: $input) { session { token user { email } } userErrors { field code message } } }";

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong_password = app
        .graphql(
            None,
            LOG_IN,
            json!({ "input": { "email": "maebashi-admin@example.jp", "password": "not-the-password" } }),
        )
        .await;
    let unknown_email = app
        .graphql(
            None,
            LOG_IN,
            json!({ "input": { "email": "nobody@example.jp", "password": "not-the-password" } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&wrong_password["data"]["logIn"]),
        ["INVALID_CREDENTIALS"]
    );
    assert_eq!(wrong_password, unknown_email);
}

#[tokio::test]
async fn repeated_failed_logins_lock_the_email_even_for_the_right_password() {
    let app = crate::helpers::spawn_app_with(|limits| limits.login_max_failures = 3).await;
    let attempt = |email: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.graphql(
                None,
                LOG_IN,
                json!({ "input": { "email": email, "password": password } }),
            )
            .await
        }
    };
    for _ in 0..3 {
        let body = attempt("manazuru-admin@example.jp", "guess-guess-guess").await;
        assert_eq!(
            user_error_codes(&body["data"]["logIn"]),
            ["INVALID_CREDENTIALS"]
        );
        attempt("ghost@example.jp", "guess-guess-guess").await;
    }
    let locked = attempt("manazuru-admin@example.jp", tsunagu::demo::DEMO_PASSWORD).await;
    assert_eq!(error_code(&locked), Some("RATE_LIMITED"), "{locked}");
    // Locked for the whole lockout from the last failure, not until a clock window ends.
    let retry_after = locked["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap();
    assert!(
        (15 * 60 - 10..=15 * 60).contains(&retry_after),
        "locked for {retry_after} s"
    );
    let ghost = attempt("ghost@example.jp", "guess-guess-guess").await;
    assert_eq!(
        error_code(&ghost),
        Some("RATE_LIMITED"),
        "unknown emails lock alike"
    );
    // Other accounts are not affected.
    app.login_demo("manazuru-staff@example.jp").await;
}

#[tokio::test]
async fn logging_out_ends_the_session_and_everywhere_ends_all_of_them() {
    let app = spawn_app().await;
    let first = app.login_demo("kitakyushu-resident@example.jp").await;
    let second = app.login_demo("kitakyushu-resident@example.jp").await;
    let third = app.login_demo("kitakyushu-resident@example.jp").await;

    let body = app
        .graphql(
            Some(&first),
            "mutation { logOut { endedSessions } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["logOut"]["endedSessions"], 1, "{body}");
    let refused = app
        .post_graphql(Some(&first), json!({ "query": "{ me { id } }" }))
        .await;
    assert_eq!(refused.status(), 401);
    let refused: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(error_code(&refused), Some("UNAUTHENTICATED"));

    let body = app
        .graphql(
            Some(&second),
            "mutation { logOut(input: { everywhere: true }) { endedSessions } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["logOut"]["endedSessions"], 2, "{body}");
    for token in [&second, &third] {
        let response = app
            .post_graphql(Some(token), json!({ "query": "{ me { id } }" }))
            .await;
        assert_eq!(response.status(), 401);
    }
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    let app = crate::helpers::spawn_app_with(|limits| limits.session_ttl_hours = 0).await;
    let token = app.login_demo("maebashi-resident@example.jp").await;
    let response = app
        .post_graphql(Some(&token), json!({ "query": "{ me { id } }" }))
        .await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn anonymous_visitors_get_no_me_and_cannot_log_out() {
    let app = spawn_app().await;
    let body = app.graphql(None, "{ me { id } }", json!({})).await;
    assert!(body["data"]["me"].is_null());
    assert_eq!(error_code(&body), None);
    let body = app
        .graphql(None, "mutation { logOut { endedSessions } }", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

const CREATE_USER: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id email role municipality { jisCode } organization { name } } userErrors { field code message } } }";

fn new_user(email: &str, role: &str) -> serde_json::Value {
    json!({
        "email": email,
        "password": "shin-ki-ni-hairu-hito-2026",
        "displayName": "新井 翼",
        "displayNameKana": "アライ ツバサ",
        "role": role,
    })
}

#[tokio::test]
async fn only_administrators_reach_the_guarded_fields() {
    let app = spawn_app().await;
    let admin_only = [
        ("{ users { totalCount } }", json!({})),
        (
            CREATE_USER,
            json!({ "input": new_user("x1@example.jp", "CONCIERGE") }),
        ),
        (
            "mutation($id: ID!) { deactivateUser(input: { id: $id }) { user { id } } }",
            json!({ "id": "VXNlcjowMWEyMTEzNy1hNTBlLTczZWItYTA2My00NWMxNGVkODcxNTg" }),
        ),
        (
            "mutation { createOrganization(input: { kind: NONPROFIT, name: \"NPO\", nameKana: \"エヌピーオー\" }) { organization { id } } }",
            json!({}),
        ),
    ];
    for (query, variables) in &admin_only {
        let body = app.graphql(None, query, variables.clone()).await;
        assert_eq!(
            error_code(&body),
            Some("UNAUTHENTICATED"),
            "anonymous: {query}"
        );
    }
    for role in ["concierge", "staff", "partner", "resident"] {
        let token = app.login_demo(&format!("maebashi-{role}@example.jp")).await;
        for (query, variables) in &admin_only {
            let body = app.graphql(Some(&token), query, variables.clone()).await;
            assert_eq!(
                error_code(&body),
                Some("FORBIDDEN"),
                "{role}: {query}: {body}"
            );
        }
    }
    let signed_in_only = [
        "mutation { logOut { endedSessions } }",
        "mutation { updateUser(input: { id: \"VXNlcjowMWEyMTEzNy1hNTBlLTczZWItYTA2My00NWMxNGVkODcxNTg\", displayName: \"x\" }) { user { id } } }",
    ];
    for query in signed_in_only {
        let body = app.graphql(None, query, json!({})).await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{query}");
    }
}

#[tokio::test]
async fn a_municipal_admin_sees_and_changes_only_their_own_municipality() {
    let app = spawn_app().await;
    let maebashi = app.login_demo("maebashi-admin@example.jp").await;
    let manazuru_admin = app.login_demo("manazuru-admin@example.jp").await;
    let manazuru_resident = app.login_demo("manazuru-resident@example.jp").await;
    let manazuru_resident_id = app.my_id(&manazuru_resident).await;
    let manazuru_id = app.municipality_id("14384").await;

    let users = app
        .graphql(
            Some(&maebashi),
            "{ users(first: 50) { totalCount nodes { email municipality { jisCode } } } }",
            json!({}),
        )
        .await;
    assert_eq!(users["data"]["users"]["totalCount"], 7, "{users}");
    assert!(
        users["data"]["users"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["municipality"]["jisCode"] == "10201")
    );
    let filtered = app
        .graphql(
            Some(&maebashi),
            "query($m: ID!) { users(filter: { municipalityId: $m }) { totalCount } }",
            json!({ "m": manazuru_id }),
        )
        .await;
    assert_eq!(error_code(&filtered), Some("FORBIDDEN"));

    let node = app
        .graphql(
            Some(&maebashi),
            "query($id: ID!) { node(id: $id) { ... on User { email } } }",
            json!({ "id": manazuru_resident_id }),
        )
        .await;
    assert!(node["data"]["node"].is_null(), "{node}");

    let rename = app
        .graphql(
            Some(&maebashi),
            "mutation($id: ID!) { updateUser(input: { id: $id, displayName: \"乗っ取り\" }) { user { id } } }",
            json!({ "id": manazuru_resident_id }),
        )
        .await;
    assert_eq!(error_code(&rename), Some("NOT_FOUND"));
    let deactivate = app
        .graphql(
            Some(&maebashi),
            "mutation($id: ID!) { deactivateUser(input: { id: $id }) { user { id } } }",
            json!({ "id": manazuru_resident_id }),
        )
        .await;
    assert_eq!(error_code(&deactivate), Some("NOT_FOUND"));

    let mut input = new_user("intruder@example.jp", "CONCIERGE");
    input["municipalityId"] = json!(manazuru_id);
    let create = app
        .graphql(Some(&maebashi), CREATE_USER, json!({ "input": input }))
        .await;
    assert_eq!(error_code(&create), Some("FORBIDDEN"));
    let organization = app
        .graphql(
            Some(&maebashi),
            "mutation($m: ID!) { createOrganization(input: { municipalityId: $m, kind: NONPROFIT, name: \"NPO\", nameKana: \"エヌピーオー\" }) { organization { id } } }",
            json!({ "m": manazuru_id }),
        )
        .await;
    assert_eq!(error_code(&organization), Some("FORBIDDEN"));

    // Nothing changed in Manazuru.
    let me = app
        .graphql(
            Some(&manazuru_resident),
            "{ me { displayName active } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["me"]["displayName"], "貴船 愛");
    assert_eq!(me["data"]["me"]["active"], true);
    let users = app
        .graphql(Some(&manazuru_admin), "{ users { totalCount } }", json!({}))
        .await;
    assert_eq!(users["data"]["users"]["totalCount"], 7);
}

#[tokio::test]
async fn a_municipal_admin_creates_staff_in_their_municipality_and_they_can_log_in() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let organizations = app
        .graphql(
            None,
            "{ municipality(jisCode: \"14384\") { organizations(kind: MUSEUM, first: 1) { nodes { id name } } } }",
            json!({}),
        )
        .await;
    let museum = &organizations["data"]["municipality"]["organizations"]["nodes"][0];
    let mut input = new_user("curator@example.jp", "PROGRAM_STAFF");
    input["organizationId"] = museum["id"].clone();
    let body = app
        .graphql(Some(&admin), CREATE_USER, json!({ "input": input }))
        .await;
    let user = &body["data"]["createUser"]["user"];
    assert_eq!(user["role"], "PROGRAM_STAFF", "{body}");
    assert_eq!(user["municipality"]["jisCode"], "14384");
    assert_eq!(user["organization"]["name"], museum["name"]);

    let token = app
        .login("curator@example.jp", "shin-ki-ni-hairu-hito-2026")
        .await;
    let me = app
        .graphql(Some(&token), "{ me { role } }", json!({}))
        .await;
    assert_eq!(me["data"]["me"]["role"], "PROGRAM_STAFF");

    // An organization of another municipality is refused, and so is a platform admin.
    let maebashi_orgs = app
        .graphql(
            None,
            "{ municipality(jisCode: \"10201\") { organizations(first: 1) { nodes { id } } } }",
            json!({}),
        )
        .await;
    let mut input = new_user("curator2@example.jp", "PROGRAM_STAFF");
    input["organizationId"] =
        maebashi_orgs["data"]["municipality"]["organizations"]["nodes"][0]["id"].clone();
    let body = app
        .graphql(Some(&admin), CREATE_USER, json!({ "input": input }))
        .await;
    assert_eq!(user_error_codes(&body["data"]["createUser"]), ["NOT_FOUND"]);
    let body = app
        .graphql(
            Some(&admin),
            CREATE_USER,
            json!({ "input": new_user("boss@example.jp", "PLATFORM_ADMIN") }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
}

#[tokio::test]
async fn retrying_create_user_with_the_same_key_returns_the_first_user() {
    let app = spawn_app().await;
    let admin = app.login_demo("kitakyushu-admin@example.jp").await;
    let mut input = new_user("retry@example.jp", "CONCIERGE");
    input["idempotencyKey"] = json!("0b7c9a8e-create-concierge");
    let concurrent = futures_util::future::join_all(
        (0..4).map(|_| app.graphql(Some(&admin), CREATE_USER, json!({ "input": input.clone() }))),
    )
    .await;
    let later = app
        .graphql(Some(&admin), CREATE_USER, json!({ "input": input.clone() }))
        .await;
    let id = later["data"]["createUser"]["user"]["id"].clone();
    assert!(id.is_string(), "{later}");
    for body in &concurrent {
        assert_eq!(body["data"]["createUser"]["user"]["id"], id, "{body}");
    }

    input["displayName"] = json!("別の人");
    let reused = app
        .graphql(Some(&admin), CREATE_USER, json!({ "input": input }))
        .await;
    assert_eq!(
        user_error_codes(&reused["data"]["createUser"]),
        ["IDEMPOTENCY_KEY_REUSED"]
    );
    let users = app
        .graphql(
            Some(&admin),
            "{ users(filter: { role: CONCIERGE }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(users["data"]["users"]["totalCount"], 4, "{users}");
}

#[tokio::test]
async fn users_rename_themselves_but_cannot_change_their_role() {
    let app = spawn_app().await;
    let resident = app.login_demo("maebashi-resident@example.jp").await;
    let id = app.my_id(&resident).await;
    let body = app
        .graphql(
            Some(&resident),
            "mutation($id: ID!) { updateUser(input: { id: $id, displayName: \"群馬 はな\", displayNameKana: \"ぐんま はな\" }) { user { displayName displayNameKana } userErrors { code } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        body["data"]["updateUser"]["user"]["displayNameKana"], "グンマ ハナ",
        "{body}"
    );
    let body = app
        .graphql(
            Some(&resident),
            "mutation($id: ID!) { updateUser(input: { id: $id, role: MUNICIPAL_ADMIN }) { user { role } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));

    let admin = app.login_demo("maebashi-admin@example.jp").await;
    let admin_id = app.my_id(&admin).await;
    let body = app
        .graphql(
            Some(&admin),
            "mutation($id: ID!) { updateUser(input: { id: $id, role: RESIDENT }) { user { role } userErrors { field code } } }",
            json!({ "id": admin_id }),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["updateUser"]),
        ["NOT_ALLOWED"]
    );
    let body = app
        .graphql(
            Some(&admin),
            "mutation($id: ID!) { updateUser(input: { id: $id, role: CONCIERGE }) { user { role } userErrors { code } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        body["data"]["updateUser"]["user"]["role"], "CONCIERGE",
        "{body}"
    );
}

#[tokio::test]
async fn a_deactivated_user_loses_every_session_and_cannot_log_in() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let partner = app.login_demo("manazuru-partner@example.jp").await;
    let partner_id = app.my_id(&partner).await;
    let admin_id = app.my_id(&admin).await;

    let body = app
        .graphql(
            Some(&admin),
            "mutation($id: ID!) { deactivateUser(input: { id: $id }) { user { active } userErrors { code } } }",
            json!({ "id": partner_id }),
        )
        .await;
    assert_eq!(
        body["data"]["deactivateUser"]["user"]["active"], false,
        "{body}"
    );
    let response = app
        .post_graphql(Some(&partner), json!({ "query": "{ me { id } }" }))
        .await;
    assert_eq!(response.status(), 401);
    let body = app
        .graphql(
            None,
            LOG_IN,
            json!({ "input": { "email": "manazuru-partner@example.jp", "password": tsunagu::demo::DEMO_PASSWORD } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["logIn"]),
        ["INVALID_CREDENTIALS"]
    );

    let body = app
        .graphql(
            Some(&admin),
            "mutation($id: ID!) { deactivateUser(input: { id: $id }) { user { active } userErrors { code } } }",
            json!({ "id": admin_id }),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["deactivateUser"]),
        ["NOT_ALLOWED"]
    );
}

#[tokio::test]
async fn organizations_are_unique_by_name_within_a_municipality() {
    let app = spawn_app().await;
    let admin = app.login_demo("maebashi-admin@example.jp").await;
    let create = |name: &'static str, url: &'static str| {
        let app = &app;
        let admin = &admin;
        async move {
            app.graphql(
                Some(admin),
                "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { name kind websiteUrl municipality { jisCode } } userErrors { field code } } }",
                json!({ "input": { "kind": "NONPROFIT", "name": name, "nameKana": "まえばしこそだてネット", "websiteUrl": url } }),
            )
            .await
        }
    };
    let body = create("NPO法人まえばし子育てネット", "https://example.jp/npo").await;
    let organization = &body["data"]["createOrganization"]["organization"];
    assert_eq!(organization["municipality"]["jisCode"], "10201", "{body}");
    assert_eq!(organization["kind"], "NONPROFIT");
    let again = create("NPO法人まえばし子育てネット", "https://example.jp/npo").await;
    assert_eq!(
        user_error_codes(&again["data"]["createOrganization"]),
        ["TAKEN"]
    );
    let bad_url = create("別のNPO", "javascript:alert(1)").await;
    assert_eq!(
        user_error_codes(&bad_url["data"]["createOrganization"]),
        ["INVALID"]
    );
}

#[tokio::test]
async fn sign_up_is_rate_limited_per_client() {
    let app = crate::helpers::spawn_app_with(|limits| limits.public_rate_per_minute = 2).await;
    let mut last = serde_json::Value::Null;
    for i in 0..3 {
        last = app
            .graphql(
                None,
                SIGN_UP,
                json!({ "input": {
                    "municipalityCode": "40100",
                    "email": format!("family{i}@example.jp"),
                    "password": "kokura-castle-sakura-9",
                    "displayName": "小倉 家族",
                    "displayNameKana": "コクラ カゾク",
                }}),
            )
            .await;
    }
    assert_eq!(error_code(&last), Some("RATE_LIMITED"), "{last}");
    assert!(
        last["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_u64()
            .unwrap()
            >= 1
    );
}

#[tokio::test]
async fn listing_users_costs_the_same_statements_for_any_page_size() {
    let app = spawn_app().await;
    let admin = app.login_demo("platform-admin@example.jp").await;
    let mut costs = Vec::new();
    for first in [2, 16] {
        let cost = app
            .cheapest_statements(3, async || {
                let body = app
                    .graphql(
                        Some(&admin),
                        "query($first: Int!) { users(first: $first) { totalCount nodes { email municipality { nameJa } organization { name municipality { jisCode } } } } }",
                        json!({ "first": first }),
                    )
                    .await;
                let nodes = body["data"]["users"]["nodes"].as_array().unwrap();
                assert_eq!(nodes.len(), first, "{body}");
            })
            .await;
        costs.push(cost);
    }
    assert_eq!(
        costs[0], costs[1],
        "statements for 2 vs 16 users: {costs:?}"
    );
    assert!(costs[0] <= 6, "statements per request: {costs:?}");
}

#[tokio::test]
async fn loading_the_demo_data_twice_duplicates_nothing() {
    let app = spawn_app().await;
    let db = tsunagu::db::connect(&app.database_url).await.unwrap();
    let accounts = tsunagu::app::demo::load(&db).await.unwrap();
    assert_eq!(accounts.len(), 27);
    let admin = app.login_demo("platform-admin@example.jp").await;
    let body = app
        .graphql(
            Some(&admin),
            "{ users { totalCount } municipalities { totalCount nodes { jisCode organizations { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["users"]["totalCount"], 27, "{body}");
    let municipalities = &body["data"]["municipalities"];
    assert_eq!(municipalities["totalCount"], 3);
    let organizations: Vec<(String, u64)> = municipalities["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["jisCode"].as_str().unwrap().to_owned(),
                m["organizations"]["totalCount"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        organizations,
        [
            ("10201".into(), 5),
            ("14384".into(), 7),
            ("40100".into(), 9)
        ]
    );
}

#[tokio::test]
async fn an_argument_that_cannot_be_coerced_is_bad_user_input_not_internal() {
    let app = spawn_app().await;
    let admin = app.login_demo("maebashi-admin@example.jp").await;
    let body = app
        .graphql(
            Some(&admin),
            "query($filter: UserFilter) { users(filter: $filter) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

const CHANGE_PASSWORD: &str = "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { user { email } endedSessions userErrors { field code message } } }";
const HOLDER: &str = "manazuru-resident@example.jp";
const NEW_PASSWORD: &str = "kaigan-no-hoshizora-73!";
const PASSWORD_CHANGED: &str = "【重要】パスワードが変更されました";

/// Whether `token` still signs requests in.
async fn signed_in(app: &crate::helpers::TestApp, token: &str) -> bool {
    let response = app
        .post_graphql(Some(token), json!({ "query": "{ me { email } }" }))
        .await;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap();
    match status.as_u16() {
        200 => {
            assert_eq!(body["data"]["me"]["email"], HOLDER, "{body}");
            true
        }
        401 => {
            assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
            false
        }
        other => panic!("{other}: {body}"),
    }
}

/// Whether `password` logs the holder in.
async fn logs_in(app: &crate::helpers::TestApp, password: &str) -> bool {
    let body = app
        .graphql(
            None,
            LOG_IN,
            json!({ "input": { "email": HOLDER, "password": password } }),
        )
        .await;
    !body["data"]["logIn"]["session"]["token"].is_null()
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_ends_the_others_and_tells_the_holder() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|limits| smtp.configure(limits)).await;
    let here = app.login_demo(HOLDER).await;
    let elsewhere = app.login_demo(HOLDER).await;
    // Both sessions were looked up (and cached) before the change.
    assert!(signed_in(&app, &here).await);
    assert!(signed_in(&app, &elsewhere).await);

    let body = app
        .graphql(
            Some(&here),
            CHANGE_PASSWORD,
            json!({ "input": { "currentPassword": DEMO_PASSWORD, "newPassword": NEW_PASSWORD } }),
        )
        .await;
    let payload = &body["data"]["changePassword"];
    assert_eq!(user_error_codes(payload), Vec::<String>::new(), "{body}");
    assert_eq!(payload["user"]["email"], HOLDER);
    assert_eq!(payload["endedSessions"], 1, "{body}");

    assert!(
        !signed_in(&app, &elsewhere).await,
        "the other session ends at once"
    );
    assert!(signed_in(&app, &here).await, "this session stays");
    assert!(!logs_in(&app, DEMO_PASSWORD).await);
    assert!(logs_in(&app, NEW_PASSWORD).await);

    let mails = smtp.wait_for_titled(HOLDER, PASSWORD_CHANGED, 1).await;
    assert!(mails[0].header("To").unwrap().contains(HOLDER));
    assert_eq!(mails[0].subject(), PASSWORD_CHANGED);
    let text = mails[0].text();
    assert!(text.starts_with("貴船 愛 様"), "{text}");
    assert!(
        text.contains(&format!(
            "tsunagu のアカウント（{HOLDER}）のパスワードが変更されました"
        )),
        "{text}"
    );
    assert!(
        text.contains("変更の操作をした端末を除き、すべての端末でログアウトしました"),
        "{text}"
    );
    assert!(text.contains("至急真鶴町までご連絡ください"), "{text}");
    assert!(text.contains("https://tsunagu.example.jp/mypage"), "{text}");
    assert_eq!(
        mails[0].header("List-Unsubscribe"),
        None,
        "a security message cannot be stopped"
    );

    // A security message is required: the holder cannot switch off its last channel.
    let set = |channel: &str| json!({ "input": { "kind": "identity.password_changed", "channel": channel, "enabled": false } });
    let query = "mutation($input: SetNotificationPreferenceInput!) { setNotificationPreference(input: $input) { userErrors { code } } }";
    let first = app.graphql(Some(&here), query, set("EMAIL")).await;
    assert_eq!(
        user_error_codes(&first["data"]["setNotificationPreference"]),
        Vec::<String>::new(),
        "{first}"
    );
    let last = app.graphql(Some(&here), query, set("INBOX")).await;
    assert_eq!(
        user_error_codes(&last["data"]["setNotificationPreference"]),
        vec!["NOT_ALLOWED"],
        "{last}"
    );
    let inbox = app
        .graphql(
            Some(&here),
            "{ myNotifications(first: 10) { nodes { kind title } } }",
            json!({}),
        )
        .await;
    let kinds: Vec<&str> = inbox["data"]["myNotifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert_eq!(kinds, vec!["identity.password_changed"], "{inbox}");
}

#[tokio::test]
async fn a_wrong_current_password_or_a_weak_new_one_changes_nothing() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|limits| smtp.configure(limits)).await;
    let here = app.login_demo(HOLDER).await;
    let elsewhere = app.login_demo(HOLDER).await;

    let anonymous = app
        .graphql(
            None,
            CHANGE_PASSWORD,
            json!({ "input": { "currentPassword": DEMO_PASSWORD, "newPassword": NEW_PASSWORD } }),
        )
        .await;
    assert_eq!(
        error_code(&anonymous),
        Some("UNAUTHENTICATED"),
        "{anonymous}"
    );

    let wrong = app
        .graphql(
            Some(&here),
            CHANGE_PASSWORD,
            json!({ "input": { "currentPassword": "not-my-password-9", "newPassword": NEW_PASSWORD } }),
        )
        .await;
    let payload = &wrong["data"]["changePassword"];
    assert!(payload["user"].is_null(), "{wrong}");
    assert_eq!(payload["endedSessions"], 0);
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["input", "currentPassword"])
    );
    assert_eq!(payload["userErrors"][0]["code"], "INVALID_CREDENTIALS");
    assert_eq!(
        payload["userErrors"][0]["message"],
        "現在のパスワードが正しくありません。"
    );

    for (weak, code) in [("short1", "TOO_SHORT"), ("password1234", "WEAK_PASSWORD")] {
        let body = app
            .graphql(
                Some(&here),
                CHANGE_PASSWORD,
                json!({ "input": { "currentPassword": DEMO_PASSWORD, "newPassword": weak } }),
            )
            .await;
        let payload = &body["data"]["changePassword"];
        assert!(payload["user"].is_null(), "{body}");
        assert_eq!(
            payload["userErrors"][0]["field"],
            json!(["input", "newPassword"]),
            "{body}"
        );
        assert_eq!(payload["userErrors"][0]["code"], code, "{body}");
    }
    let same = app
        .graphql(
            Some(&here),
            CHANGE_PASSWORD,
            json!({ "input": { "currentPassword": DEMO_PASSWORD, "newPassword": DEMO_PASSWORD } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&same["data"]["changePassword"]),
        vec!["NOT_ALLOWED"],
        "{same}"
    );

    // Nothing changed: both sessions work, the old password still logs in, no message.
    assert!(signed_in(&app, &here).await);
    assert!(signed_in(&app, &elsewhere).await);
    assert!(logs_in(&app, DEMO_PASSWORD).await);
    assert!(!logs_in(&app, NEW_PASSWORD).await);

    // The one change that goes through is the one message the holder receives.
    let body = app
        .graphql(
            Some(&here),
            CHANGE_PASSWORD,
            json!({ "input": { "currentPassword": DEMO_PASSWORD, "newPassword": NEW_PASSWORD } }),
        )
        .await;
    assert_eq!(body["data"]["changePassword"]["endedSessions"], 2, "{body}");
    smtp.wait_for_titled(HOLDER, PASSWORD_CHANGED, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.mails_titled(HOLDER, PASSWORD_CHANGED).len(), 1);
}

#[tokio::test]
async fn repeated_wrong_current_passwords_lock_the_account_like_failed_logins() {
    let app = spawn_app_with(|limits| limits.login_max_failures = 2).await;
    let here = app.login_demo(HOLDER).await;
    for _ in 0..2 {
        let body = app
            .graphql(
                Some(&here),
                CHANGE_PASSWORD,
                json!({ "input": { "currentPassword": "guess-guess-guess-1", "newPassword": NEW_PASSWORD } }),
            )
            .await;
        assert_eq!(
            user_error_codes(&body["data"]["changePassword"]),
            vec!["INVALID_CREDENTIALS"],
            "{body}"
        );
    }
    let locked = app
        .graphql(
            Some(&here),
            CHANGE_PASSWORD,
            json!({ "input": { "currentPassword": DEMO_PASSWORD, "newPassword": NEW_PASSWORD } }),
        )
        .await;
    assert_eq!(error_code(&locked), Some("RATE_LIMITED"), "{locked}");
    assert!(!logs_in(&app, NEW_PASSWORD).await);
}

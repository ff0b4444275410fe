//! Relocation inquiries: public submission and status, consent, privacy per role and
//! municipality, assignment within capacity, the backlog, and the pipeline.

use chrono::SubsecRound;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app, spawn_app_with, user_error_codes};

const SUBMIT: &str = "mutation($input: SubmitRelocationInquiryInput!) { submitRelocationInquiry(input: $input) { receipt { referenceCode trackingToken } userErrors { field code message } } }";
const STATUS: &str = "query($code: String!, $token: String!) { relocationInquiryStatus(referenceCode: $code, trackingToken: $token) { referenceCode stage conciergeName nextAppointmentAt } }";
const PROFILES: &str =
    "{ conciergeProfiles { userId displayName capacity available activeInquiries } }";
const INQUIRY: &str = "query($id: ID!) { node(id: $id) { ... on RelocationInquiry { id referenceCode stage name email phone conciergeId adults children } } }";

fn family(municipality: &str, name: &str) -> Value {
    json!({
        "municipalityId": municipality,
        "name": name,
        "nameKana": "ヤマダ ハナコ",
        "email": "ｈａｎａｋｏ@Example.jp",
        "phone": "０９０ー１２３４ー５６７８",
        "adults": 2,
        "childrenBirthMonths": ["2020-04"],
        "interests": ["HOUSING", "CHILDCARE"],
        "desiredArea": "北部",
        "preferredChannel": "EMAIL",
        "consentToPrivacyNotice": true
    })
}

async fn submit(app: &TestApp, input: Value) -> Value {
    let body = app.graphql(None, SUBMIT, json!({ "input": input })).await;
    assert_eq!(error_code(&body), None, "{body}");
    body["data"]["submitRelocationInquiry"].clone()
}

async fn status(app: &TestApp, code: &str, token: &str) -> Value {
    let body = app
        .graphql(None, STATUS, json!({ "code": code, "token": token }))
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    body["data"]["relocationInquiryStatus"].clone()
}

/// The inquiry id of a reference code, as the municipality's admin finds it by search.
async fn inquiry_id(app: &TestApp, admin: &str, code: &str) -> String {
    let body = app
        .graphql(
            Some(admin),
            "query($q: String!) { relocationInquiries(filter: { search: $q }) { nodes { id referenceCode } } }",
            json!({ "q": code }),
        )
        .await;
    body["data"]["relocationInquiries"]["nodes"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no inquiry {code}: {body}"))
        .to_owned()
}

async fn profiles(app: &TestApp, token: &str) -> Vec<Value> {
    let body = app.graphql(Some(token), PROFILES, json!({})).await;
    assert_eq!(error_code(&body), None, "{body}");
    body["data"]["conciergeProfiles"]
        .as_array()
        .unwrap()
        .clone()
}

async fn unassigned(app: &TestApp, token: &str) -> i64 {
    let body = app
        .graphql(
            Some(token),
            "{ relocationInquiries(filter: { unassigned: true, stages: [NEW, CONTACTED, CONSULTING, VISIT_SCHEDULED, DECIDED] }, first: 1) { totalCount } }",
            json!({}),
        )
        .await;
    body["data"]["relocationInquiries"]["totalCount"]
        .as_i64()
        .unwrap_or_else(|| panic!("{body}"))
}

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
        "mutation($input: {first}{}Input!) {{ {mutation}(input: $input) {{ {selection} userErrors {{ field code message }} }} }}",
        chars.as_str()
    );
    let body = app
        .graphql(Some(token), &query, json!({ "input": input }))
        .await;
    assert_eq!(error_code(&body), None, "{mutation}: {body}");
    body["data"][mutation].clone()
}

async fn save_profile(app: &TestApp, admin: &str, profile: &Value, capacity: i64, available: bool) {
    let payload = mutate(
        app,
        admin,
        "saveConciergeProfile",
        json!({ "userId": profile["userId"], "capacity": capacity, "available": available, "languages": ["ja"] }),
        "profile { capacity }",
    )
    .await;
    assert_eq!(
        user_error_codes(&payload),
        Vec::<String>::new(),
        "{payload}"
    );
}

#[tokio::test]
async fn a_family_submits_without_an_account_and_sees_its_stage_but_no_personal_data() {
    let app = spawn_app().await;
    let manazuru = app.municipality_id("14384").await;
    let payload = submit(&app, family(&manazuru, "山田 花子")).await;
    assert_eq!(
        user_error_codes(&payload),
        Vec::<String>::new(),
        "{payload}"
    );
    let code = payload["receipt"]["referenceCode"].as_str().unwrap();
    let token = payload["receipt"]["trackingToken"].as_str().unwrap();
    assert!(code.starts_with("MN-"), "{code}");
    assert_eq!(code.len(), "MN-XXXX-XXXX".len());
    assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");

    let seen = status(&app, code, token).await;
    assert_eq!(seen["referenceCode"], code);
    let text = seen.to_string();
    assert!(!text.contains("山田") && !text.contains("hanako"), "{seen}");
    // A wrong token and an unknown code get the same answer.
    assert_eq!(status(&app, code, "trk_wrong").await, Value::Null);
    assert_eq!(status(&app, "MN-2222-2222", token).await, Value::Null);

    // Staff find it by name, kana, email or phone typed any width.
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    for query in ["山田 花子", "ﾔﾏﾀﾞ", "HANAKO@example.JP", "09012345678", code] {
        let body = app
            .graphql(
                Some(&admin),
                "query($q: String!) { relocationInquiries(filter: { search: $q }) { nodes { referenceCode email phone } } }",
                json!({ "q": query }),
            )
            .await;
        assert_eq!(
            body["data"]["relocationInquiries"]["nodes"][0]["referenceCode"], code,
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn an_inquiry_without_consent_or_contact_is_refused_in_japanese_and_nothing_is_stored() {
    let app = spawn_app().await;
    let manazuru = app.municipality_id("14384").await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let before = unassigned(&app, &admin).await;
    let mut input = family(&manazuru, "山田 花子");
    input["consentToPrivacyNotice"] = json!(false);
    input["email"] = Value::Null;
    input["phone"] = Value::Null;
    input["childrenBirthMonths"] = json!(["2020-13"]);
    let payload = submit(&app, input).await;
    assert!(payload["receipt"].is_null());
    let codes = user_error_codes(&payload);
    assert!(codes.contains(&"REQUIRED".to_owned()), "{payload}");
    assert!(codes.contains(&"INVALID".to_owned()), "{payload}");
    for error in payload["userErrors"].as_array().unwrap() {
        assert!(!error["message"].as_str().unwrap().is_ascii(), "{error}");
    }
    assert_eq!(unassigned(&app, &admin).await, before);
}

#[tokio::test]
async fn retrying_a_submission_with_the_same_key_returns_the_same_inquiry_with_a_fresh_token() {
    let app = spawn_app().await;
    let manazuru = app.municipality_id("14384").await;
    let mut input = family(&manazuru, "山田 花子");
    input["idempotencyKey"] = json!("8f1c2d3e-retry-key");
    let first = submit(&app, input.clone()).await;
    let second = submit(&app, input.clone()).await;
    let code = first["receipt"]["referenceCode"].as_str().unwrap();
    assert_eq!(second["receipt"]["referenceCode"], code);
    let old = first["receipt"]["trackingToken"].as_str().unwrap();
    let new = second["receipt"]["trackingToken"].as_str().unwrap();
    assert_ne!(old, new);
    assert_eq!(status(&app, code, old).await, Value::Null);
    assert_eq!(status(&app, code, new).await["referenceCode"], code);

    input["name"] = json!("別人 太郎");
    let reused = submit(&app, input).await;
    assert_eq!(user_error_codes(&reused), vec!["IDEMPOTENCY_KEY_REUSED"]);
}

#[tokio::test]
async fn public_submissions_are_rate_limited_per_client() {
    let app = spawn_app_with(|limits| limits.public_rate_per_minute = 2).await;
    let manazuru = app.municipality_id("14384").await;
    for _ in 0..2 {
        let payload = submit(&app, family(&manazuru, "山田 花子")).await;
        assert_eq!(user_error_codes(&payload), Vec::<String>::new());
    }
    let body = app
        .graphql(
            None,
            SUBMIT,
            json!({ "input": family(&manazuru, "山田 花子") }),
        )
        .await;
    assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
}

#[tokio::test]
async fn withdrawing_consent_erases_personal_data_at_once_and_keeps_the_counts() {
    let app = spawn_app().await;
    let manazuru = app.municipality_id("14384").await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let payload = submit(&app, family(&manazuru, "消去 される")).await;
    let code = payload["receipt"]["referenceCode"].as_str().unwrap();
    let token = payload["receipt"]["trackingToken"].as_str().unwrap();
    let id = inquiry_id(&app, &admin, code).await;

    let wrong = mutate(
        &app,
        &admin,
        "withdrawRelocationConsent",
        json!({ "referenceCode": code, "trackingToken": "trk_nope" }),
        "status { stage }",
    )
    .await;
    assert_eq!(user_error_codes(&wrong), vec!["NOT_FOUND"]);

    let body = app
        .graphql(
            None,
            "mutation($input: WithdrawRelocationConsentInput!) { withdrawRelocationConsent(input: $input) { status { stage } userErrors { code } } }",
            json!({ "input": { "referenceCode": code, "trackingToken": token } }),
        )
        .await;
    assert_eq!(
        body["data"]["withdrawRelocationConsent"]["status"]["stage"], "CLOSED",
        "{body}"
    );
    let seen = app
        .graphql(Some(&admin), INQUIRY, json!({ "id": id }))
        .await;
    let inquiry = &seen["data"]["node"];
    assert_eq!(inquiry["name"], Value::Null, "{seen}");
    assert_eq!(inquiry["email"], Value::Null);
    assert_eq!(inquiry["phone"], Value::Null);
    assert_eq!(inquiry["adults"], 2);
    assert_eq!(inquiry["children"], 1);
    let search = app
        .graphql(
            Some(&admin),
            "{ relocationInquiries(filter: { search: \"消去\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(search["data"]["relocationInquiries"]["totalCount"], 0);
}

#[tokio::test]
async fn anonymous_callers_and_other_municipalities_never_see_an_inquiry() {
    let app = spawn_app().await;
    let manazuru = app.municipality_id("14384").await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let payload = submit(&app, family(&manazuru, "秘密 花子")).await;
    let code = payload["receipt"]["referenceCode"].as_str().unwrap();
    let id = inquiry_id(&app, &admin, code).await;

    let anonymous = app.graphql(None, INQUIRY, json!({ "id": id })).await;
    assert_eq!(anonymous["data"]["node"], Value::Null, "{anonymous}");
    let list = app
        .graphql(None, "{ relocationInquiries { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&list), Some("UNAUTHENTICATED"), "{list}");

    for email in [
        "maebashi-concierge@example.jp",
        "maebashi-admin@example.jp",
        "manazuru-resident@example.jp",
        "manazuru-staff@example.jp",
    ] {
        let token = app.login_demo(email).await;
        let seen = app
            .graphql(Some(&token), INQUIRY, json!({ "id": id }))
            .await;
        assert_eq!(seen["data"]["node"], Value::Null, "{email}: {seen}");
        let search = app
            .graphql(
                Some(&token),
                "query($q: String!) { relocationInquiries(filter: { search: $q }) { totalCount } }",
                json!({ "q": code }),
            )
            .await;
        let total = search["data"]["relocationInquiries"]["totalCount"].as_i64();
        assert!(total.is_none() || total == Some(0), "{email}: {search}");
    }
    // The concierge who holds it sees it; a colleague does not.
    let seen = app
        .graphql(Some(&admin), INQUIRY, json!({ "id": id }))
        .await;
    let holder = seen["data"]["node"]["conciergeId"]
        .as_str()
        .map(str::to_owned);
    for email in [
        "manazuru-concierge@example.jp",
        "manazuru-concierge2@example.jp",
        "manazuru-concierge3@example.jp",
    ] {
        let token = app.login_demo(email).await;
        let me = app.my_id(&token).await;
        let seen = app
            .graphql(Some(&token), INQUIRY, json!({ "id": id }))
            .await;
        let visible = !seen["data"]["node"].is_null();
        assert_eq!(
            visible,
            holder.is_none() || holder.as_deref() == Some(me.as_str()),
            "{email}: {seen}"
        );
    }
}

#[tokio::test]
async fn nobody_on_leave_gets_work_and_the_backlog_drains_when_capacity_frees() {
    let app = spawn_app_with(|limits| limits.public_rate_per_minute = 100).await;
    let manazuru = app.municipality_id("14384").await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let team = profiles(&app, &admin).await;
    assert_eq!(team.len(), 3);
    let away = &team[0];
    let now = chrono::Utc::now();
    let leave = mutate(
        &app,
        &admin,
        "addConciergeLeave",
        json!({
            "userId": away["userId"],
            "startsAt": (now - chrono::Duration::hours(1)).to_rfc3339(),
            "endsAt": (now + chrono::Duration::days(3)).to_rfc3339(),
            "note": "夏季休暇"
        }),
        "leave { id }",
    )
    .await;
    let leave_id = leave["leave"]["id"].as_str().unwrap().to_owned();
    // Room for everyone but the one on leave.
    for profile in &team {
        save_profile(&app, &admin, profile, 20, true).await;
    }
    let away_load = profiles(&app, &admin).await[0]["activeInquiries"].clone();
    for n in 0..6 {
        submit(&app, family(&manazuru, &format!("家族 {n}"))).await;
    }
    assert_eq!(
        profiles(&app, &admin).await[0]["activeInquiries"],
        away_load
    );
    assert_eq!(unassigned(&app, &admin).await, 0);

    // Fill everyone: capacity = current load; the next families wait.
    for profile in profiles(&app, &admin).await {
        let load = profile["activeInquiries"].as_i64().unwrap();
        save_profile(&app, &admin, &profile, load, true).await;
    }
    for n in 0..4 {
        submit(&app, family(&manazuru, &format!("待機 {n}"))).await;
    }
    assert_eq!(unassigned(&app, &admin).await, 4);

    // Capacity rises: two are assigned at once.
    let second = profiles(&app, &admin).await[1].clone();
    let load = second["activeInquiries"].as_i64().unwrap();
    save_profile(&app, &admin, &second, load + 2, true).await;
    assert_eq!(unassigned(&app, &admin).await, 2);

    // The one on leave returns with room: the rest is assigned.
    let returning = profiles(&app, &admin).await[0].clone();
    let load = returning["activeInquiries"].as_i64().unwrap();
    save_profile(&app, &admin, &returning, load + 5, true).await;
    assert_eq!(unassigned(&app, &admin).await, 2, "still on leave");
    let removed = mutate(
        &app,
        &admin,
        "removeConciergeLeave",
        json!({ "leaveId": leave_id }),
        "profile { activeInquiries }",
    )
    .await;
    assert_eq!(
        user_error_codes(&removed),
        Vec::<String>::new(),
        "{removed}"
    );
    assert_eq!(unassigned(&app, &admin).await, 0);

    // Closing frees capacity too.
    let third = profiles(&app, &admin).await[2].clone();
    let load = third["activeInquiries"].as_i64().unwrap();
    save_profile(&app, &admin, &third, load, true).await;
    let first = profiles(&app, &admin).await[0].clone();
    save_profile(
        &app,
        &admin,
        &first,
        first["activeInquiries"].as_i64().unwrap(),
        true,
    )
    .await;
    let second = profiles(&app, &admin).await[1].clone();
    save_profile(
        &app,
        &admin,
        &second,
        second["activeInquiries"].as_i64().unwrap(),
        true,
    )
    .await;
    let waiting = submit(&app, family(&manazuru, "最後 家族")).await;
    assert_eq!(unassigned(&app, &admin).await, 1);
    let body = app
        .graphql(
            Some(&admin),
            "{ relocationInquiries(filter: { stages: [ASSIGNED] }, first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    let held = body["data"]["relocationInquiries"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let closed = mutate(
        &app,
        &admin,
        "closeInquiry",
        json!({ "inquiryId": held, "reason": "CHOSE_ELSEWHERE" }),
        "inquiry { stage }",
    )
    .await;
    assert_eq!(closed["inquiry"]["stage"], "CLOSED", "{closed}");
    assert_eq!(unassigned(&app, &admin).await, 0);
    let code = waiting["receipt"]["referenceCode"].as_str().unwrap();
    let token = waiting["receipt"]["trackingToken"].as_str().unwrap();
    let seen = status(&app, code, token).await;
    assert_eq!(seen["stage"], "ASSIGNED", "{seen}");
    assert!(seen["conciergeName"].is_string());

    // Reopening gives the closed inquiry back to its concierge: refused while they are
    // full, as assigning them one would be; allowed once they have room.
    let reopen = || {
        mutate(
            &app,
            &admin,
            "moveInquiryStage",
            json!({ "inquiryId": held, "stage": "CONTACTED" }),
            "inquiry { stage }",
        )
    };
    let full = reopen().await;
    assert_eq!(user_error_codes(&full), vec!["NOT_ALLOWED"], "{full}");
    let before = profiles(&app, &admin).await;
    for profile in &before {
        let load = profile["activeInquiries"].as_i64().unwrap();
        save_profile(&app, &admin, profile, load + 1, true).await;
    }
    let reopened = reopen().await;
    assert_eq!(reopened["inquiry"]["stage"], "CONTACTED", "{reopened}");
    let after = profiles(&app, &admin).await;
    let total = |team: &[Value]| -> i64 {
        team.iter()
            .map(|p| p["activeInquiries"].as_i64().unwrap())
            .sum()
    };
    assert_eq!(total(&after), total(&before) + 1);
    assert!(
        after
            .iter()
            .all(|p| p["activeInquiries"].as_i64() <= p["capacity"].as_i64()),
        "{after:?}"
    );
}

#[tokio::test]
async fn two_hundred_concurrent_submissions_never_exceed_any_capacity() {
    let app = spawn_app_with(|limits| limits.public_rate_per_minute = 1000).await;
    let kitakyushu = app.municipality_id("40100").await;
    let admin = app.login_demo("kitakyushu-admin@example.jp").await;
    let team = profiles(&app, &admin).await;
    let now = chrono::Utc::now();
    let leave = mutate(
        &app,
        &admin,
        "addConciergeLeave",
        json!({
            "userId": team[2]["userId"],
            "startsAt": (now - chrono::Duration::hours(1)).to_rfc3339(),
            "endsAt": (now + chrono::Duration::days(1)).to_rfc3339()
        }),
        "leave { id }",
    )
    .await;
    let leave_id = leave["leave"]["id"].as_str().unwrap().to_owned();
    let before: Vec<i64> = team
        .iter()
        .map(|p| p["activeInquiries"].as_i64().unwrap())
        .collect();
    let capacities = [before[0] + 30, before[1] + 20, before[2] + 40];
    for (profile, capacity) in team.iter().zip(capacities) {
        save_profile(&app, &admin, profile, capacity, true).await;
    }
    let waiting_before = unassigned(&app, &admin).await;
    // Saving the profiles may have assigned waiting inquiries: count loads afresh.
    let base: Vec<i64> = profiles(&app, &admin)
        .await
        .iter()
        .map(|p| p["activeInquiries"].as_i64().unwrap())
        .collect();
    assert_eq!(base[2], before[2], "on leave");

    let submissions = (0..200).map(|n| {
        let app = &app;
        let input = family(&kitakyushu, &format!("同時 {n}"));
        async move { submit(app, input).await }
    });
    for payload in join_all(submissions).await {
        assert_eq!(
            user_error_codes(&payload),
            Vec::<String>::new(),
            "{payload}"
        );
    }

    let after = profiles(&app, &admin).await;
    assert_eq!(after[0]["activeInquiries"].as_i64(), Some(capacities[0]));
    assert_eq!(after[1]["activeInquiries"].as_i64(), Some(capacities[1]));
    assert_eq!(
        after[2]["activeInquiries"].as_i64(),
        Some(before[2]),
        "on leave"
    );
    let room = capacities[0] - base[0] + capacities[1] - base[1];
    assert_eq!(unassigned(&app, &admin).await, waiting_before + 200 - room);

    // The leave ends: the backlog drains into the returning concierge's room.
    mutate(
        &app,
        &admin,
        "removeConciergeLeave",
        json!({ "leaveId": leave_id }),
        "profile { capacity }",
    )
    .await;
    let after = profiles(&app, &admin).await;
    assert_eq!(after[2]["activeInquiries"].as_i64(), Some(capacities[2]));
    assert_eq!(
        unassigned(&app, &admin).await,
        waiting_before + 200 - room - (capacities[2] - base[2])
    );
}

#[tokio::test]
async fn closures_racing_submissions_hand_each_freed_place_to_the_oldest_waiting_and_no_more() {
    let app = spawn_app_with(|limits| limits.public_rate_per_minute = 1000).await;
    let kitakyushu = app.municipality_id("40100").await;
    let admin = app.login_demo("kitakyushu-admin@example.jp").await;
    for profile in profiles(&app, &admin).await {
        let load = profile["activeInquiries"].as_i64().unwrap();
        save_profile(&app, &admin, &profile, load + 5, true).await;
    }
    let capacities: Vec<i64> = profiles(&app, &admin)
        .await
        .iter()
        .map(|p| p["capacity"].as_i64().unwrap())
        .collect();
    // Fill every place and leave a backlog.
    let first_wave = (0..40).map(|n| submit(&app, family(&kitakyushu, &format!("先行 {n}"))));
    join_all(first_wave).await;
    let waiting_before = unassigned(&app, &admin).await;
    let held = app
        .graphql(
            Some(&admin),
            "{ relocationInquiries(filter: { stages: [ASSIGNED] }, first: 100) { nodes { id } } }",
            json!({}),
        )
        .await;
    let to_close: Vec<String> = held["data"]["relocationInquiries"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .take(12)
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(to_close.len(), 12, "{held}");

    // Twelve closures and forty more submissions at once.
    let close = "mutation($input: CloseInquiryInput!) { closeInquiry(input: $input) { inquiry { stage } userErrors { code } } }";
    let closures = to_close.iter().map(|id| {
        let app = &app;
        let admin = &admin;
        async move {
            let body = app
                .graphql(
                    Some(admin),
                    close,
                    json!({ "input": { "inquiryId": id, "reason": "CHOSE_ELSEWHERE" } }),
                )
                .await;
            assert_eq!(
                body["data"]["closeInquiry"]["inquiry"]["stage"], "CLOSED",
                "{body}"
            );
        }
    });
    let second_wave = (0..40).map(|n| {
        let app = &app;
        let input = family(&kitakyushu, &format!("後続 {n}"));
        async move {
            submit(app, input).await;
        }
    });
    futures_util::future::join(join_all(closures), join_all(second_wave)).await;

    // Everyone is exactly full: each freed place went to someone waiting, none twice.
    let after: Vec<i64> = profiles(&app, &admin)
        .await
        .iter()
        .map(|p| p["activeInquiries"].as_i64().unwrap())
        .collect();
    assert_eq!(after, capacities);
    assert_eq!(unassigned(&app, &admin).await, waiting_before + 40 - 12);
}

#[tokio::test]
async fn skipped_or_final_stages_are_refused_with_invalid_state() {
    let app = spawn_app().await;
    let manazuru = app.municipality_id("14384").await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    for profile in profiles(&app, &admin).await {
        let load = profile["activeInquiries"].as_i64().unwrap();
        save_profile(&app, &admin, &profile, load + 1, true).await;
    }
    let payload = submit(&app, family(&manazuru, "段階 家族")).await;
    let id = inquiry_id(
        &app,
        &admin,
        payload["receipt"]["referenceCode"].as_str().unwrap(),
    )
    .await;
    let step = async |stage: &str| {
        user_error_codes(
            &mutate(
                &app,
                &admin,
                "moveInquiryStage",
                json!({ "inquiryId": id, "stage": stage }),
                "inquiry { stage }",
            )
            .await,
        )
    };
    assert_eq!(step("CONSULTING").await, vec!["INVALID_STATE"]);
    assert_eq!(step("CONTACTED").await, Vec::<String>::new());
    assert_eq!(step("DECIDED").await, vec!["INVALID_STATE"]);
    assert_eq!(step("CONSULTING").await, Vec::<String>::new());
    assert_eq!(step("DECIDED").await, Vec::<String>::new());
    // A move-in is recorded once it happened, and not before the family first asked.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    for (moved_in_on, why) in [
        (today + chrono::Duration::days(1), "tomorrow"),
        (today - chrono::Duration::days(400), "before the inquiry"),
    ] {
        let refused = mutate(
            &app,
            &admin,
            "recordMoveIn",
            json!({ "inquiryId": id, "movedInOn": moved_in_on, "peopleMoved": 3 }),
            "inquiry { stage }",
        )
        .await;
        assert_eq!(
            user_error_codes(&refused),
            vec!["INVALID"],
            "{why}: {refused}"
        );
        assert_eq!(
            refused["userErrors"][0]["field"],
            json!(["input", "movedInOn"]),
            "{refused}"
        );
    }
    let moved = mutate(
        &app,
        &admin,
        "recordMoveIn",
        json!({ "inquiryId": id, "movedInOn": today, "peopleMoved": 3, "area": "北部" }),
        "inquiry { stage peopleMoved timeline { kind toStage actorName } }",
    )
    .await;
    assert_eq!(moved["inquiry"]["stage"], "MOVED_IN", "{moved}");
    let timeline = moved["inquiry"]["timeline"].as_array().unwrap();
    assert!(
        timeline.iter().any(|e| e["kind"] == "TASK"),
        "follow-up: {moved}"
    );
    assert_eq!(timeline[0]["kind"], "SUBMITTED");
    let closed = mutate(
        &app,
        &admin,
        "closeInquiry",
        json!({ "inquiryId": id, "reason": "OTHER" }),
        "inquiry { stage }",
    )
    .await;
    assert_eq!(user_error_codes(&closed), vec!["INVALID_STATE"]);
}

#[tokio::test]
async fn a_leave_that_runs_out_gets_the_waiting_inquiries_at_once_without_anyone_touching_anything()
{
    // The backstop pass is an hour away: only waking at the end of the leave can do it.
    let app = spawn_app_with(|limits| {
        limits.public_rate_per_minute = 100;
        limits.assignment_sweep_secs = 3600;
    })
    .await;
    let manazuru = app.municipality_id("14384").await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let team = profiles(&app, &admin).await;
    let away = team[0].clone();
    let ends_at = chrono::Utc::now() + chrono::Duration::seconds(3);
    let leave = mutate(
        &app,
        &admin,
        "addConciergeLeave",
        json!({
            "userId": away["userId"],
            "startsAt": (ends_at - chrono::Duration::days(1)).to_rfc3339(),
            "endsAt": ends_at.to_rfc3339(),
            "note": "短期休暇"
        }),
        "leave { id }",
    )
    .await;
    assert_eq!(user_error_codes(&leave), Vec::<String>::new(), "{leave}");
    // Everyone is full; the one on leave has room for two once back.
    for profile in profiles(&app, &admin).await {
        let load = profile["activeInquiries"].as_i64().unwrap();
        let room = if profile["userId"] == away["userId"] {
            2
        } else {
            0
        };
        save_profile(&app, &admin, &profile, load + room, true).await;
    }
    let away_load = profiles(&app, &admin).await[0]["activeInquiries"]
        .as_i64()
        .unwrap();
    let waiting_before = unassigned(&app, &admin).await;
    for n in 0..2 {
        submit(&app, family(&manazuru, &format!("休暇明け {n}"))).await;
    }
    if chrono::Utc::now() < ends_at {
        assert_eq!(
            unassigned(&app, &admin).await,
            waiting_before + 2,
            "on leave"
        );
    }

    // Nothing else happens: the server wakes when the leave ends.
    let deadline = ends_at + chrono::Duration::seconds(5);
    loop {
        let load = profiles(&app, &admin).await[0]["activeInquiries"]
            .as_i64()
            .unwrap();
        if load == away_load + 2 {
            break;
        }
        assert!(
            chrono::Utc::now() < deadline,
            "still waiting after the leave ended: load {load}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(unassigned(&app, &admin).await, waiting_before);
}

/// A fresh inquiry in Manazuru with a concierge: its id, the holder's token and the
/// receipt.
async fn held_inquiry(app: &TestApp, admin: &str, name: &str) -> (String, String, Value) {
    let manazuru = app.municipality_id("14384").await;
    for profile in profiles(app, admin).await {
        let load = profile["activeInquiries"].as_i64().unwrap();
        save_profile(app, admin, &profile, load + 1, true).await;
    }
    let payload = submit(app, family(&manazuru, name)).await;
    let code = payload["receipt"]["referenceCode"].as_str().unwrap();
    let id = inquiry_id(app, admin, code).await;
    let seen = app.graphql(Some(admin), INQUIRY, json!({ "id": id })).await;
    let holder = seen["data"]["node"]["conciergeId"]
        .as_str()
        .unwrap()
        .to_owned();
    for email in [
        "manazuru-concierge@example.jp",
        "manazuru-concierge2@example.jp",
        "manazuru-concierge3@example.jp",
    ] {
        let token = app.login_demo(email).await;
        if app.my_id(&token).await == holder {
            return (id, token, payload["receipt"].clone());
        }
    }
    panic!("holder {holder} is not a demo concierge");
}

#[tokio::test]
async fn the_concierge_works_an_inquiry_with_notes_contacts_appointments_and_tasks() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let (id, concierge, receipt) = held_inquiry(&app, &admin, "記録 花子").await;
    let now = chrono::Utc::now();

    let noted = mutate(
        &app,
        &concierge,
        "addInquiryNote",
        json!({ "inquiryId": id, "body": "空き家バンクに関心あり" }),
        "inquiry { id }",
    )
    .await;
    assert_eq!(user_error_codes(&noted), Vec::<String>::new(), "{noted}");

    let future = mutate(
        &app,
        &concierge,
        "logInquiryContact",
        json!({ "inquiryId": id, "channel": "PHONE", "summary": "初回のお電話", "at": (now + chrono::Duration::days(1)).to_rfc3339() }),
        "inquiry { id }",
    )
    .await;
    assert_eq!(user_error_codes(&future), vec!["INVALID"], "{future}");
    let contacted_at = chrono::Utc::now().trunc_subsecs(3);
    let contacted = mutate(
        &app,
        &concierge,
        "logInquiryContact",
        json!({ "inquiryId": id, "channel": "PHONE", "summary": "初回のお電話", "at": contacted_at.to_rfc3339() }),
        "inquiry { stage firstRespondedAt overdue }",
    )
    .await;
    assert_eq!(
        user_error_codes(&contacted),
        Vec::<String>::new(),
        "{contacted}"
    );
    assert_eq!(contacted["inquiry"]["stage"], "CONTACTED", "{contacted}");
    assert_eq!(contacted["inquiry"]["overdue"], false);
    let first: chrono::DateTime<chrono::Utc> = contacted["inquiry"]["firstRespondedAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (first - contacted_at).num_seconds().abs() < 1,
        "{contacted}"
    );
    // A second contact does not move the first response.
    let again = mutate(
        &app,
        &concierge,
        "logInquiryContact",
        json!({ "inquiryId": id, "channel": "EMAIL", "summary": "資料を送付", "at": now.to_rfc3339() }),
        "inquiry { firstRespondedAt }",
    )
    .await;
    assert_eq!(
        again["inquiry"]["firstRespondedAt"],
        contacted["inquiry"]["firstRespondedAt"]
    );

    let later = now + chrono::Duration::days(10);
    let sooner = now + chrono::Duration::days(3);
    for (at, kind) in [(later, "TRIAL_STAY"), (sooner, "VISIT")] {
        let scheduled = mutate(
            &app,
            &concierge,
            "scheduleInquiryAppointment",
            json!({ "inquiryId": id, "at": at.to_rfc3339(), "kind": kind, "place": "真鶴町役場" }),
            "inquiry { nextAppointmentAt }",
        )
        .await;
        assert_eq!(
            user_error_codes(&scheduled),
            Vec::<String>::new(),
            "{scheduled}"
        );
    }
    let code = receipt["referenceCode"].as_str().unwrap();
    let token = receipt["trackingToken"].as_str().unwrap();
    let seen = status(&app, code, token).await;
    let next: chrono::DateTime<chrono::Utc> =
        seen["nextAppointmentAt"].as_str().unwrap().parse().unwrap();
    assert!((next - sooner).num_seconds().abs() < 1, "{seen}");

    // A year 9999 typo is refused, like every date outside the fiscal years 2000–2100.
    let typo = app
        .graphql(
            Some(&concierge),
            "mutation($input: CreateInquiryTaskInput!) { createInquiryTask(input: $input) { task { id } } }",
            json!({ "input": { "inquiryId": id, "title": "住宅補助の資料を送る", "dueOn": "9999-01-15" } }),
        )
        .await;
    assert_eq!(error_code(&typo), Some("BAD_USER_INPUT"), "{typo}");
    assert!(
        typo["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("2000-04-01 to 2101-03-31")),
        "{typo}"
    );
    let created = mutate(
        &app,
        &concierge,
        "createInquiryTask",
        json!({ "inquiryId": id, "title": "住宅補助の資料を送る", "dueOn": "2030-01-15" }),
        "task { id ownerId dueOn doneAt }",
    )
    .await;
    assert_eq!(
        user_error_codes(&created),
        Vec::<String>::new(),
        "{created}"
    );
    assert_eq!(
        created["task"]["ownerId"],
        app.my_id(&concierge).await.as_str()
    );
    let task_id = created["task"]["id"].as_str().unwrap();
    let done = mutate(
        &app,
        &concierge,
        "completeInquiryTask",
        json!({ "taskId": task_id }),
        "task { doneAt }",
    )
    .await;
    assert!(done["task"]["doneAt"].is_string(), "{done}");
    let twice = mutate(
        &app,
        &concierge,
        "completeInquiryTask",
        json!({ "taskId": task_id }),
        "task { doneAt }",
    )
    .await;
    assert_eq!(user_error_codes(&twice), vec!["INVALID_STATE"]);

    let body = app
        .graphql(
            Some(&admin),
            "query($id: ID!) { node(id: $id) { ... on RelocationInquiry { tasks { title doneAt } timeline { kind channel body appointmentKind scheduledAt actorName } } } }",
            json!({ "id": id }),
        )
        .await;
    let inquiry = &body["data"]["node"];
    // The refused year 9999 task left nothing behind.
    assert_eq!(inquiry["tasks"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(
        inquiry["tasks"][0]["title"], "住宅補助の資料を送る",
        "{body}"
    );
    let timeline = inquiry["timeline"].as_array().unwrap();
    let kinds: Vec<&str> = timeline.iter().filter_map(|e| e["kind"].as_str()).collect();
    for kind in ["NOTE", "CONTACT", "APPOINTMENT", "TASK", "STAGE_CHANGED"] {
        assert!(kinds.contains(&kind), "{kind}: {body}");
    }
    let contact = timeline.iter().find(|e| e["kind"] == "CONTACT").unwrap();
    assert_eq!(contact["channel"], "PHONE");
    assert!(contact["actorName"].is_string(), "{contact}");
    let visit = timeline
        .iter()
        .find(|e| e["appointmentKind"] == "VISIT")
        .unwrap();
    assert_eq!(visit["body"], "真鶴町役場");
}

#[tokio::test]
async fn only_the_holder_or_an_admin_of_the_municipality_works_an_inquiry() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let (id, concierge, _) = held_inquiry(&app, &admin, "権限 花子").await;
    let me = app.my_id(&concierge).await;
    let mut colleague = None;
    for email in [
        "manazuru-concierge@example.jp",
        "manazuru-concierge2@example.jp",
        "manazuru-concierge3@example.jp",
    ] {
        let token = app.login_demo(email).await;
        if app.my_id(&token).await != me {
            colleague = Some(token);
            break;
        }
    }
    let colleague = colleague.unwrap();
    let other = app.login_demo("maebashi-concierge@example.jp").await;
    let other_admin = app.login_demo("maebashi-admin@example.jp").await;
    let attempts = [
        (
            "AddInquiryNoteInput",
            "addInquiryNote",
            json!({ "inquiryId": id, "body": "メモ" }),
            "inquiry { id }",
        ),
        (
            "LogInquiryContactInput",
            "logInquiryContact",
            json!({ "inquiryId": id, "channel": "EMAIL", "summary": "連絡", "at": chrono::Utc::now().to_rfc3339() }),
            "inquiry { id }",
        ),
        (
            "ScheduleInquiryAppointmentInput",
            "scheduleInquiryAppointment",
            json!({ "inquiryId": id, "kind": "ONLINE_CONSULTATION", "at": (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339() }),
            "inquiry { id }",
        ),
        (
            "CreateInquiryTaskInput",
            "createInquiryTask",
            json!({ "inquiryId": id, "title": "確認", "dueOn": "2030-01-01" }),
            "task { id }",
        ),
    ];
    for token in [&other, &other_admin, &colleague] {
        for (input, mutation, variables, selection) in &attempts {
            let body = app
                .graphql(
                    Some(token),
                    &format!("mutation($input: {input}!) {{ {mutation}(input: $input) {{ {selection} userErrors {{ code }} }} }}"),
                    json!({ "input": variables }),
                )
                .await;
            assert_eq!(error_code(&body), Some("NOT_FOUND"), "{mutation}: {body}");
        }
    }
    // The municipality's admin may; the task goes to the holder by default.
    let created = mutate(
        &app,
        &admin,
        "createInquiryTask",
        json!({ "inquiryId": id, "title": "引き継ぎ確認", "dueOn": "2030-01-01" }),
        "task { id ownerId }",
    )
    .await;
    assert_eq!(created["task"]["ownerId"], me.as_str(), "{created}");
    let task_id = created["task"]["id"].as_str().unwrap();
    for token in [&other, &colleague] {
        let body = app
            .graphql(
                Some(token),
                "mutation($input: CompleteInquiryTaskInput!) { completeInquiryTask(input: $input) { task { id } userErrors { code } } }",
                json!({ "input": { "taskId": task_id } }),
            )
            .await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    }
    let noted = mutate(
        &app,
        &admin,
        "addInquiryNote",
        json!({ "inquiryId": id, "body": "管理者メモ" }),
        "inquiry { id }",
    )
    .await;
    assert_eq!(user_error_codes(&noted), Vec::<String>::new(), "{noted}");
}

#[tokio::test]
async fn an_admin_can_widen_a_concierges_view_to_every_inquiry_but_not_their_work() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let (id, holder, _) = held_inquiry(&app, &admin, "閲覧 花子").await;
    let holder_id = app.my_id(&holder).await;
    let mut colleague = None;
    for email in [
        "manazuru-concierge@example.jp",
        "manazuru-concierge2@example.jp",
        "manazuru-concierge3@example.jp",
    ] {
        let token = app.login_demo(email).await;
        if app.my_id(&token).await != holder_id {
            colleague = Some(token);
            break;
        }
    }
    let colleague = colleague.unwrap();
    let colleague_id = app.my_id(&colleague).await;
    let widen = async |on: Option<bool>| {
        let mut input = json!({ "userId": colleague_id, "capacity": 5, "available": true, "languages": ["ja"] });
        if let Some(on) = on {
            input["seesAllInquiries"] = json!(on);
        }
        let payload = mutate(
            &app,
            &admin,
            "saveConciergeProfile",
            input,
            "profile { seesAllInquiries }",
        )
        .await;
        assert_eq!(
            user_error_codes(&payload),
            Vec::<String>::new(),
            "{payload}"
        );
        payload["profile"]["seesAllInquiries"].as_bool().unwrap()
    };
    let total = async |token: &str| {
        let body = app
            .graphql(
                Some(token),
                "{ relocationInquiries(first: 1) { totalCount } }",
                json!({}),
            )
            .await;
        body["data"]["relocationInquiries"]["totalCount"]
            .as_i64()
            .unwrap_or_else(|| panic!("{body}"))
    };
    let read = async |token: &str| {
        app.graphql(Some(token), INQUIRY, json!({ "id": id })).await["data"]["node"]["name"].clone()
    };
    let everything = total(&admin).await;

    // By default: their own and the queue only.
    assert!(!widen(None).await);
    assert_eq!(read(&colleague).await, Value::Null);
    assert!(total(&colleague).await < everything);

    // Widened: every inquiry of the municipality, and the read is logged.
    assert!(widen(Some(true)).await);
    assert_eq!(read(&colleague).await, "閲覧 花子");
    assert_eq!(total(&colleague).await, everything);
    let log = app
        .graphql(
            Some(&admin),
            "query($id: ID) { inquiryAccessLog(inquiryId: $id) { nodes { userId purpose } } }",
            json!({ "id": id }),
        )
        .await;
    assert!(
        log["data"]["inquiryAccessLog"]["nodes"]
            .as_array()
            .is_some_and(|rows| rows.iter().any(|r| r["userId"] == colleague_id.as_str())),
        "{log}"
    );
    // Reading is not working: the holder works on it, the colleague is refused.
    let body = app
        .graphql(
            Some(&colleague),
            "mutation($input: AddInquiryNoteInput!) { addInquiryNote(input: $input) { inquiry { id } } }",
            json!({ "input": { "inquiryId": id, "body": "横からのメモ" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    // Saving the profile again without the flag keeps it; another municipality sees nothing.
    assert!(widen(None).await);
    let other = app.login_demo("maebashi-concierge@example.jp").await;
    assert_eq!(read(&other).await, Value::Null);
    assert!(!widen(Some(false)).await);
    assert_eq!(read(&colleague).await, Value::Null);
}

#[tokio::test]
async fn admins_see_every_staff_read_in_the_access_log_and_concierges_cannot_read_it() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let (id, concierge, _) = held_inquiry(&app, &admin, "閲覧 花子").await;
    let me = app.my_id(&concierge).await;
    let seen = app
        .graphql(Some(&concierge), INQUIRY, json!({ "id": id }))
        .await;
    assert_eq!(seen["data"]["node"]["name"], "閲覧 花子", "{seen}");

    const LOG: &str = "query($inquiry: ID, $user: ID) { inquiryAccessLog(inquiryId: $inquiry, userId: $user, first: 10) { totalCount nodes { inquiryId userId userName purpose readAt } } }";
    let body = app
        .graphql(Some(&admin), LOG, json!({ "inquiry": id, "user": me }))
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    let log = &body["data"]["inquiryAccessLog"];
    assert_eq!(log["totalCount"], 1, "{body}");
    let entry = &log["nodes"][0];
    assert_eq!(entry["inquiryId"], id.as_str());
    assert_eq!(entry["purpose"], "inquiry");
    assert!(entry["userName"].is_string(), "{entry}");
    // The admin's own reads are logged too (the search that found the inquiry).
    let all = app
        .graphql(Some(&admin), LOG, json!({ "inquiry": id }))
        .await;
    let readers: Vec<&str> = all["data"]["inquiryAccessLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["userId"].as_str())
        .collect();
    assert!(readers.contains(&me.as_str()), "{all}");
    assert!(readers.contains(&app.my_id(&admin).await.as_str()), "{all}");

    // The same reads are in the access log every domain shares, as reads of the inquiry.
    let shared = app
        .graphql(
            Some(&admin),
            "query($f: PersonalDataAccessLogFilter) { personalDataAccessLog(filter: $f, first: 10) { totalCount nodes { subjectKind subjectId actorId accessed } } }",
            json!({ "f": { "subjectKind": "relocation_inquiry", "actorId": me } }),
        )
        .await;
    assert_eq!(error_code(&shared), None, "{shared}");
    let rows = shared["data"]["personalDataAccessLog"]["nodes"]
        .as_array()
        .unwrap();
    assert_eq!(rows.len(), 1, "{shared}");
    assert_eq!(rows[0]["subjectId"], id.as_str(), "{shared}");
    assert_eq!(rows[0]["accessed"], "inquiry", "{shared}");

    // Work whose answer carries the family's details is logged with the work.
    let noted = mutate(
        &app,
        &concierge,
        "addInquiryNote",
        json!({ "inquiryId": id, "body": "電話で希望を確認" }),
        "inquiry { name email }",
    )
    .await;
    assert_eq!(noted["inquiry"]["name"], "閲覧 花子", "{noted}");
    let moved = mutate(
        &app,
        &admin,
        "moveInquiryStage",
        json!({ "inquiryId": id, "stage": "CONTACTED" }),
        "inquiry { name }",
    )
    .await;
    let accessed = async |actor: &str| -> Vec<String> {
        let body = app
            .graphql(
                Some(&admin),
                "query($f: PersonalDataAccessLogFilter) { personalDataAccessLog(filter: $f, first: 50) { nodes { accessed } } }",
                json!({ "f": { "subjectId": id, "actorId": actor } }),
            )
            .await;
        body["data"]["personalDataAccessLog"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["accessed"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(accessed(&me).await.contains(&"work".to_owned()));
    assert_eq!(user_error_codes(&moved), Vec::<String>::new(), "{moved}");
    let admin_id = app.my_id(&admin).await;
    let by_admin = accessed(&admin_id).await;
    assert!(by_admin.contains(&"stage".to_owned()), "{by_admin:?}");

    let denied = app
        .graphql(Some(&concierge), LOG, json!({ "inquiry": id }))
        .await;
    assert_eq!(error_code(&denied), Some("FORBIDDEN"), "{denied}");
    let manazuru = app.municipality_id("14384").await;
    let other_admin = app.login_demo("maebashi-admin@example.jp").await;
    let denied = app
        .graphql(
            Some(&other_admin),
            "query($m: ID) { inquiryAccessLog(municipalityId: $m) { totalCount } }",
            json!({ "m": manazuru }),
        )
        .await;
    assert_eq!(error_code(&denied), Some("FORBIDDEN"), "{denied}");
}

/// Stores an inquiry as if it had been sent at `at` (through the service, with its clock).
async fn submit_at(
    app: &TestApp,
    municipality: &str,
    name: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> String {
    use tsunagu::{
        domains::relocation::service::{self, NewInquiry},
        state::ServiceContext,
    };
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let municipality_id = tsunagu::graphql::ids::decode_as(
        &async_graphql::ID(municipality.to_owned()),
        tsunagu::graphql::ids::NodeKind::Municipality,
    )
    .unwrap();
    let receipt = service::create_inquiry(
        ServiceContext::quiet(&db).as_of(at),
        NewInquiry {
            municipality_id,
            name: name.to_owned(),
            name_kana: "キゲン タロウ".to_owned(),
            email: Some("kigen@example.jp".to_owned()),
            adults: 1,
            consent: true,
            ..NewInquiry::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    db.close().await.ok();
    receipt.reference_code
}

#[tokio::test]
async fn an_inquiry_not_contacted_within_business_hours_is_flagged_overdue_and_listable() {
    let app = spawn_app().await;
    let manazuru = app.municipality_id("14384").await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let typo = app
        .graphql(
            Some(&admin),
            "mutation($input: UpdateRelocationSettingsInput!) { updateRelocationSettings(input: $input) { settings { holidays } } }",
            json!({ "input": { "holidays": ["2026-11-23", "9999-11-23"] } }),
        )
        .await;
    assert_eq!(error_code(&typo), Some("BAD_USER_INPUT"), "{typo}");
    // 勤労感謝の日 is closed.
    let settings = mutate(
        &app,
        &admin,
        "updateRelocationSettings",
        json!({ "holidays": ["2026-11-23"] }),
        "settings { holidays firstResponseMinutes }",
    )
    .await;
    assert_eq!(
        user_error_codes(&settings),
        Vec::<String>::new(),
        "{settings}"
    );
    assert_eq!(settings["settings"]["firstResponseMinutes"], 465);

    let jst = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    // Monday 9:00 + 465 business minutes (8:30–17:15 days) → due Monday 16:45.
    let monday = submit_at(
        &app,
        &manazuru,
        "月曜 太郎",
        jst("2026-11-16T09:00:00+09:00"),
    )
    .await;
    // Friday 16:00 → 75 minutes on Friday, the weekend and the holiday skipped, the other
    // 390 on Tuesday from 8:30: due Tuesday 15:00.
    let friday = submit_at(
        &app,
        &manazuru,
        "金曜 太郎",
        jst("2026-11-20T16:00:00+09:00"),
    )
    .await;

    const FIND: &str = "query($q: String!, $overdue: Boolean!) { relocationInquiries(filter: { search: $q, overdue: $overdue }) { totalCount nodes { id overdue firstResponseDueAt } } }";
    let find = async |code: &str, overdue: bool| {
        let body = app
            .graphql(Some(&admin), FIND, json!({ "q": code, "overdue": overdue }))
            .await;
        assert_eq!(error_code(&body), None, "{body}");
        body["data"]["relocationInquiries"].clone()
    };
    for (code, due) in [
        (&monday, "2026-11-16T16:45:00+09:00"),
        (&friday, "2026-11-24T15:00:00+09:00"),
    ] {
        let found = find(code, false).await;
        let inquiry = &found["nodes"][0];
        let stored: chrono::DateTime<chrono::Utc> = inquiry["firstResponseDueAt"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(stored, jst(due), "{code}: {found}");
        assert_eq!(inquiry["overdue"], true, "{found}");
        assert_eq!(find(code, true).await["totalCount"], 1, "{code}");
    }

    // A contact clears the flag; the inquiry leaves the overdue list.
    let id = find(&friday, false).await["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let contacted = mutate(
        &app,
        &admin,
        "logInquiryContact",
        json!({ "inquiryId": id, "channel": "PHONE", "summary": "遅れてお電話", "at": chrono::Utc::now().to_rfc3339() }),
        "inquiry { overdue }",
    )
    .await;
    assert_eq!(contacted["inquiry"]["overdue"], false, "{contacted}");
    assert_eq!(find(&friday, true).await["totalCount"], 0);
    assert_eq!(find(&monday, true).await["totalCount"], 1);
}

#[tokio::test]
async fn the_funnel_counts_each_fiscal_year_from_1_april_to_31_march_in_japan_time() {
    let app = spawn_app().await;
    let manazuru = app.municipality_id("14384").await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    for profile in profiles(&app, &admin).await {
        let load = profile["activeInquiries"].as_i64().unwrap();
        save_profile(&app, &admin, &profile, load + 50, true).await;
    }
    const FUNNEL: &str = "query($year: Int!) { relocationFunnel(fiscalYear: $year) { fiscalYear from until steps { stage inquiries } } }";
    let funnel = async |year: i32| {
        let body = app
            .graphql(Some(&admin), FUNNEL, json!({ "year": year }))
            .await;
        assert_eq!(error_code(&body), None, "{body}");
        let steps = body["data"]["relocationFunnel"]["steps"]
            .as_array()
            .unwrap()
            .clone();
        steps
            .iter()
            .map(|s| {
                (
                    s["stage"].as_str().unwrap().to_owned(),
                    s["inquiries"].as_i64().unwrap(),
                )
            })
            .collect::<std::collections::BTreeMap<String, i64>>()
    };
    let body = app
        .graphql(Some(&admin), FUNNEL, json!({ "year": 2026 }))
        .await;
    let year = &body["data"]["relocationFunnel"];
    let from: chrono::DateTime<chrono::Utc> = year["from"].as_str().unwrap().parse().unwrap();
    assert_eq!(from.to_rfc3339(), "2026-03-31T15:00:00+00:00", "{body}");
    // Out of the fiscal years 2000–2100: the one error every report answers.
    for year in [-5, 1999, 2101] {
        let body = app
            .graphql(Some(&admin), FUNNEL, json!({ "year": year }))
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{year}: {body}");
    }
    let before_2025 = funnel(2025).await;
    let before_2026 = funnel(2026).await;

    let jst = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    submit_at(
        &app,
        &manazuru,
        "年度末 太郎",
        jst("2026-03-31T23:59:59+09:00"),
    )
    .await;
    let april = submit_at(
        &app,
        &manazuru,
        "年度初 太郎",
        jst("2026-04-01T00:00:00+09:00"),
    )
    .await;
    let id = inquiry_id(&app, &admin, &april).await;
    let contacted = mutate(
        &app,
        &admin,
        "moveInquiryStage",
        json!({ "inquiryId": id, "stage": "CONTACTED" }),
        "inquiry { stage }",
    )
    .await;
    assert_eq!(contacted["inquiry"]["stage"], "CONTACTED", "{contacted}");

    let after_2025 = funnel(2025).await;
    let after_2026 = funnel(2026).await;
    let delta = |after: &std::collections::BTreeMap<String, i64>,
                 before: &std::collections::BTreeMap<String, i64>,
                 stage: &str| after[stage] - before[stage];
    assert_eq!(delta(&after_2025, &before_2025, "NEW"), 1);
    assert_eq!(delta(&after_2025, &before_2025, "ASSIGNED"), 1);
    assert_eq!(delta(&after_2025, &before_2025, "CONTACTED"), 0);
    assert_eq!(delta(&after_2026, &before_2026, "NEW"), 1);
    assert_eq!(delta(&after_2026, &before_2026, "ASSIGNED"), 1);
    assert_eq!(delta(&after_2026, &before_2026, "CONTACTED"), 1);

    let concierge = app.login_demo("manazuru-concierge@example.jp").await;
    let denied = app
        .graphql(Some(&concierge), FUNNEL, json!({ "year": 2026 }))
        .await;
    assert_eq!(error_code(&denied), Some("FORBIDDEN"), "{denied}");
}

/// Pretends an inquiry was closed `days` ago.
async fn backdate_closing(app: &TestApp, code: &str, days: i64) {
    use entity::relocation_inquiry::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let at = chrono::Utc::now().trunc_subsecs(6) - chrono::Duration::days(days);
    let updated = Entity::update_many()
        .col_expr(Column::ClosedAt, Expr::value(Some(at)))
        .filter(Column::ReferenceCode.eq(code))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected, 1);
    db.close().await.ok();
}

async fn closed_inquiry(app: &TestApp, admin: &str, name: &str) -> (String, String) {
    let manazuru = app.municipality_id("14384").await;
    let payload = submit(app, family(&manazuru, name)).await;
    let code = payload["receipt"]["referenceCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = inquiry_id(app, admin, &code).await;
    let closed = mutate(
        app,
        admin,
        "closeInquiry",
        json!({ "inquiryId": id, "reason": "CHOSE_ELSEWHERE", "note": format!("{name}様は他市に決定") }),
        "inquiry { stage }",
    )
    .await;
    assert_eq!(closed["inquiry"]["stage"], "CLOSED", "{closed}");
    (id, code)
}

const ERASED: &str = "query($id: ID!) { node(id: $id) { ... on RelocationInquiry { stage name nameKana email phone adults children childrenBirthMonths erasedAt timeline { kind body } } } }";

#[tokio::test]
async fn purging_anonymizes_inquiries_closed_past_the_retention_period_and_keeps_the_counts() {
    let app = spawn_app_with(|limits| limits.public_rate_per_minute = 100).await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let (old_id, old_code) = closed_inquiry(&app, &admin, "古い 花子").await;
    let (recent_id, _) = closed_inquiry(&app, &admin, "新しい 花子").await;
    backdate_closing(&app, &old_code, 400).await;
    mutate(
        &app,
        &admin,
        "updateRelocationSettings",
        json!({ "retentionDays": 365 }),
        "settings { retentionDays }",
    )
    .await;
    const COUNTS: &str = "{ relocationStageCounts { stage count } }";
    let counts_before = app.graphql(Some(&admin), COUNTS, json!({})).await;

    let concierge = app.login_demo("manazuru-concierge@example.jp").await;
    let denied = app
        .graphql(
            Some(&concierge),
            "mutation { purgeClosedInquiries { anonymizedCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&denied), Some("FORBIDDEN"), "{denied}");

    let purged = mutate(
        &app,
        &admin,
        "purgeClosedInquiries",
        json!({}),
        "anonymizedCount retentionDays",
    )
    .await;
    assert!(purged["anonymizedCount"].as_i64().unwrap() >= 1, "{purged}");
    assert_eq!(purged["retentionDays"], 365);

    let body = app
        .graphql(Some(&admin), ERASED, json!({ "id": old_id }))
        .await;
    let old = &body["data"]["node"];
    for field in ["name", "nameKana", "email", "phone", "erasedAt"] {
        let erased = old[field].is_null();
        assert_eq!(erased, field != "erasedAt", "{field}: {body}");
    }
    assert_eq!(old["childrenBirthMonths"], json!([]));
    assert_eq!(old["adults"], 2);
    assert_eq!(old["children"], 1);
    assert_eq!(old["stage"], "CLOSED");
    let timeline = old["timeline"].as_array().unwrap();
    assert!(timeline.iter().any(|e| e["kind"] == "ANONYMIZED"), "{body}");
    assert!(!body.to_string().contains("古い"), "{body}");
    let search = app
        .graphql(
            Some(&admin),
            "{ relocationInquiries(filter: { search: \"古い\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(search["data"]["relocationInquiries"]["totalCount"], 0);

    let body = app
        .graphql(Some(&admin), ERASED, json!({ "id": recent_id }))
        .await;
    assert_eq!(body["data"]["node"]["name"], "新しい 花子", "{body}");
    assert_eq!(
        app.graphql(Some(&admin), COUNTS, json!({})).await,
        counts_before
    );
}

#[tokio::test]
async fn the_purge_command_anonymizes_inquiries_closed_longer_than_the_days_given() {
    use clap::Parser;
    let app = spawn_app_with(|limits| limits.public_rate_per_minute = 100).await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let (old_id, old_code) = closed_inquiry(&app, &admin, "期限 太郎").await;
    let (recent_id, _) = closed_inquiry(&app, &admin, "最近 太郎").await;
    backdate_closing(&app, &old_code, 31).await;
    let cli = tsunagu::config::Cli::parse_from([
        "tsunagu",
        "--database-url",
        &app.database_url,
        "purge-inquiries",
        "--older-than-days",
        "30",
    ]);
    tsunagu::cli::run(cli).await.unwrap();
    let body = app
        .graphql(Some(&admin), ERASED, json!({ "id": old_id }))
        .await;
    assert_eq!(body["data"]["node"]["name"], Value::Null, "{body}");
    assert_eq!(body["data"]["node"]["adults"], 2, "{body}");
    let body = app
        .graphql(Some(&admin), ERASED, json!({ "id": recent_id }))
        .await;
    assert_eq!(body["data"]["node"]["name"], "最近 太郎", "{body}");
}

#[tokio::test]
async fn a_concierges_day_lists_the_open_tasks_due_first_and_the_appointments_to_come_of_their_inquiries()
 {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let (id, concierge, receipt) = held_inquiry(&app, &admin, "一日 花子").await;
    let code = receipt["referenceCode"].as_str().unwrap();
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    for (title, days) in [
        ("家の下見の調整", 5),
        ("補助金の案内を送る", -1),
        ("折り返し電話", 0),
        ("済んだこと", 1),
    ] {
        let created = mutate(
            &app,
            &concierge,
            "createInquiryTask",
            json!({ "inquiryId": id, "title": title, "dueOn": (today + chrono::Duration::days(days)).to_string() }),
            "task { id }",
        )
        .await;
        assert_eq!(
            user_error_codes(&created),
            Vec::<String>::new(),
            "{created}"
        );
        if title == "済んだこと" {
            mutate(
                &app,
                &concierge,
                "completeInquiryTask",
                json!({ "taskId": created["task"]["id"] }),
                "task { id }",
            )
            .await;
        }
    }
    let now = chrono::Utc::now();
    for (days, kind, place) in [(10, "TRIAL_STAY", "お試し住宅"), (2, "VISIT", "真鶴町役場")]
    {
        let at = now + chrono::Duration::days(days);
        mutate(
            &app,
            &concierge,
            "scheduleInquiryAppointment",
            json!({ "inquiryId": id, "at": at.to_rfc3339(), "kind": kind, "place": place }),
            "inquiry { id }",
        )
        .await;
    }

    let tasks = "{ myInquiryTasks(first: 20) { totalCount nodes { task { title dueOn overdue inquiryId } inquiry { id referenceCode name } } } }";
    let body = app.graphql(Some(&concierge), tasks, json!({})).await;
    let mine: Vec<(String, bool)> = body["data"]["myInquiryTasks"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter(|n| n["inquiry"]["id"] == id.as_str())
        .map(|n| {
            assert_eq!(n["task"]["inquiryId"], id.as_str());
            assert_eq!(n["inquiry"]["referenceCode"], code);
            assert_eq!(n["inquiry"]["name"], "一日 花子");
            (
                n["task"]["title"].as_str().unwrap().to_owned(),
                n["task"]["overdue"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        mine,
        [
            ("補助金の案内を送る".to_owned(), true),
            ("折り返し電話".to_owned(), false),
            ("家の下見の調整".to_owned(), false)
        ],
        "{body}"
    );
    let appointments =
        "{ myInquiryAppointments(first: 20) { nodes { kind place scheduledAt inquiry { id } } } }";
    let body = app.graphql(Some(&concierge), appointments, json!({})).await;
    let upcoming: Vec<(&str, &str)> = body["data"]["myInquiryAppointments"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter(|n| n["inquiry"]["id"] == id.as_str())
        .map(|n| (n["kind"].as_str().unwrap(), n["place"].as_str().unwrap()))
        .collect();
    assert_eq!(
        upcoming,
        [("VISIT", "真鶴町役場"), ("TRIAL_STAY", "お試し住宅")],
        "{body}"
    );

    // The other concierges see nothing of an inquiry they do not hold; residents nothing.
    let holder = app.my_id(&concierge).await;
    for email in [
        "manazuru-concierge@example.jp",
        "manazuru-concierge2@example.jp",
        "manazuru-concierge3@example.jp",
    ] {
        let token = app.login_demo(email).await;
        if app.my_id(&token).await == holder {
            continue;
        }
        for query in [tasks, appointments] {
            let body = app.graphql(Some(&token), query, json!({})).await;
            assert!(!body.to_string().contains(id.as_str()), "{body}");
        }
    }
    let resident = app.login_demo("manazuru-resident@example.jp").await;
    let body = app.graphql(Some(&resident), tasks, json!({})).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");

    // The reads are in the access log.
    let body = app
        .graphql(
            Some(&admin),
            "query($f: PersonalDataAccessLogFilter) { personalDataAccessLog(filter: $f, first: 50) { nodes { accessed } } }",
            json!({ "f": { "subjectId": id, "actorId": holder } }),
        )
        .await;
    let accessed: Vec<&str> = body["data"]["personalDataAccessLog"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter_map(|row| row["accessed"].as_str())
        .collect();
    assert!(accessed.contains(&"my_day"), "{body}");
}

#[tokio::test]
async fn the_pipeline_is_ordered_by_receipt_last_activity_or_the_first_response_deadline() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let (older, concierge, _) = held_inquiry(&app, &admin, "古い 相談").await;
    let (newer, _, _) = held_inquiry(&app, &admin, "新しい 相談").await;
    let order = async |by: &str| -> Vec<String> {
        let body = app
            .graphql(
                Some(&admin),
                "query($by: RelocationInquiryOrderBy!) { relocationInquiries(first: 50, orderBy: $by) { nodes { id } } }",
                json!({ "by": by }),
            )
            .await;
        body["data"]["relocationInquiries"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .filter(|n| *n == older || *n == newer)
            .collect()
    };
    assert_eq!(order("RECEIVED").await, [newer.clone(), older.clone()]);
    assert_eq!(order("SLA_DUE").await, [older.clone(), newer.clone()]);
    // A note is activity: the older inquiry comes first by last activity.
    let noted = mutate(
        &app,
        &concierge,
        "addInquiryNote",
        json!({ "inquiryId": older, "body": "書類を受け取った" }),
        "inquiry { id }",
    )
    .await;
    assert_eq!(user_error_codes(&noted), Vec::<String>::new(), "{noted}");
    assert_eq!(order("LAST_ACTIVITY").await, [older.clone(), newer.clone()]);
    let body = app
        .graphql(
            Some(&admin),
            "{ relocationInquiries(orderBy: OLDEST) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        error_code(&body),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );
}

#[tokio::test]
async fn saving_a_concierge_profile_changes_only_the_fields_given() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let profile = profiles(&app, &admin).await[0].clone();
    let select = "profile { languages areas capacity available specialties }";
    let saved = mutate(
        &app,
        &admin,
        "saveConciergeProfile",
        json!({ "userId": profile["userId"], "languages": ["ja", "en"], "areas": ["岩地区"], "specialties": ["HOUSING"] }),
        select,
    )
    .await;
    assert_eq!(user_error_codes(&saved), Vec::<String>::new(), "{saved}");
    // Capacity and availability were not given: they stay.
    assert_eq!(
        saved["profile"]["capacity"],
        profile_capacity(&app, &admin, &profile).await
    );
    let patched = mutate(
        &app,
        &admin,
        "saveConciergeProfile",
        json!({ "userId": profile["userId"], "capacity": 7 }),
        select,
    )
    .await;
    assert_eq!(
        patched["profile"],
        json!({ "languages": ["en", "ja"], "areas": ["岩地区"], "capacity": 7, "available": saved["profile"]["available"], "specialties": ["HOUSING"] }),
        "{patched}"
    );
    let refused = mutate(
        &app,
        &admin,
        "saveConciergeProfile",
        json!({ "userId": profile["userId"], "capacity": 501, "areas": ["北部"] }),
        select,
    )
    .await;
    assert_eq!(user_error_codes(&refused), ["INVALID"], "{refused}");
    assert_eq!(profile_capacity(&app, &admin, &profile).await, 7);

    // A new profile needs its capacity.
    let body = app
        .graphql(
            Some(&admin),
            "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } userErrors { code } } }",
            json!({ "input": { "email": "manazuru-concierge9@example.jp", "password": "manazuru-minato-2026", "displayName": "港 新", "displayNameKana": "ミナト アラタ", "role": "CONCIERGE" } }),
        )
        .await;
    let user = body["data"]["createUser"]["user"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let refused = mutate(
        &app,
        &admin,
        "saveConciergeProfile",
        json!({ "userId": user, "languages": ["ja"] }),
        select,
    )
    .await;
    assert_eq!(user_error_codes(&refused), ["REQUIRED"], "{refused}");
    let created = mutate(
        &app,
        &admin,
        "saveConciergeProfile",
        json!({ "userId": user, "capacity": 3 }),
        select,
    )
    .await;
    assert_eq!(
        created["profile"],
        json!({ "languages": [], "areas": [], "capacity": 3, "available": true, "specialties": [] }),
        "{created}"
    );
}

async fn profile_capacity(app: &TestApp, admin: &str, profile: &Value) -> Value {
    profiles(app, admin)
        .await
        .into_iter()
        .find(|p| p["userId"] == profile["userId"])
        .map(|p| p["capacity"].clone())
        .unwrap_or(Value::Null)
}

const SEND_MESSAGE: &str = "mutation($input: SendInquiryMessageInput!) { sendInquiryMessage(input: $input) { status { referenceCode stage } userErrors { field code message } } }";
const UPDATE_DETAILS: &str = "mutation($input: UpdateInquiryDetailsInput!) { updateInquiryDetails(input: $input) { status { referenceCode stage } userErrors { field code message } } }";
const TIMELINE: &str = "query($id: ID!) { node(id: $id) { ... on RelocationInquiry { email phone desiredTiming timeline { kind body actorName } } } }";

/// What the family's tracked mutation `query` answers for `input`.
async fn as_family(app: &TestApp, query: &str, input: Value) -> Value {
    let body = app.graphql(None, query, json!({ "input": input })).await;
    assert_eq!(error_code(&body), None, "{body}");
    let data = body["data"].as_object().unwrap();
    data.values().next().unwrap().clone()
}

async fn timeline_of(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app
        .graphql(Some(token), TIMELINE, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    body["data"]["node"].clone()
}

async fn inbox_kinds(app: &TestApp, token: &str) -> Vec<String> {
    let body = app
        .graphql(
            Some(token),
            "{ myNotifications(first: 50) { nodes { kind title } } }",
            json!({}),
        )
        .await;
    body["data"]["myNotifications"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_family_writes_to_its_concierge_who_hears_of_it_and_reads_it_on_the_timeline() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let (id, concierge, receipt) = held_inquiry(&app, &admin, "手紙 書子").await;
    let code = receipt["referenceCode"].as_str().unwrap();
    let token = receipt["trackingToken"].as_str().unwrap();
    let before = inbox_kinds(&app, &concierge).await;
    assert!(!before.contains(&"relocation.family_message".to_owned()));

    let sent = as_family(
        &app,
        SEND_MESSAGE,
        json!({ "referenceCode": code.to_lowercase(), "trackingToken": token, "body": "来月の週末に見学できますか。" }),
    )
    .await;
    assert_eq!(user_error_codes(&sent), Vec::<String>::new(), "{sent}");
    assert_eq!(sent["status"]["referenceCode"], code);

    let seen = timeline_of(&app, &concierge, &id).await;
    let last = seen["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "FAMILY_MESSAGE", "{seen}");
    assert_eq!(last["body"], "来月の週末に見学できますか。");
    assert_eq!(last["actorName"], Value::Null);
    let inbox = inbox_kinds(&app, &concierge).await;
    assert_eq!(
        inbox
            .iter()
            .filter(|k| *k == "relocation.family_message")
            .count(),
        1,
        "{inbox:?}"
    );
    // The administrator is not told of a message to a concierge who holds the inquiry.
    assert!(
        !inbox_kinds(&app, &admin)
            .await
            .contains(&"relocation.family_message".to_owned())
    );

    // A wrong token or an unknown code: the same refusal, and nothing is written.
    for (code, token) in [(code, "trk_wrong"), ("MN-ZZZZ-ZZZZ", token)] {
        let refused = as_family(
            &app,
            SEND_MESSAGE,
            json!({ "referenceCode": code, "trackingToken": token, "body": "なりすまし" }),
        )
        .await;
        assert_eq!(user_error_codes(&refused), vec!["NOT_FOUND"]);
        assert_eq!(refused["status"], Value::Null);
    }
    let empty = as_family(
        &app,
        SEND_MESSAGE,
        json!({ "referenceCode": code, "trackingToken": token, "body": "  " }),
    )
    .await;
    assert_eq!(user_error_codes(&empty), vec!["REQUIRED"]);
    assert_eq!(empty["userErrors"][0]["field"], json!(["input", "body"]));
    let after = timeline_of(&app, &concierge, &id).await;
    assert_eq!(
        after["timeline"].as_array().unwrap().len(),
        seen["timeline"].as_array().unwrap().len()
    );
}

#[tokio::test]
async fn a_message_on_an_unassigned_inquiry_goes_to_the_municipalitys_administrators() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let other_admin = app.login_demo("maebashi-admin@example.jp").await;
    for profile in profiles(&app, &admin).await {
        save_profile(&app, &admin, &profile, 5, false).await;
    }
    let manazuru = app.municipality_id("14384").await;
    let payload = submit(&app, family(&manazuru, "待機 中子")).await;
    let code = payload["receipt"]["referenceCode"].as_str().unwrap();
    let token = payload["receipt"]["trackingToken"].as_str().unwrap();
    let sent = as_family(
        &app,
        SEND_MESSAGE,
        json!({ "referenceCode": code, "trackingToken": token, "body": "連絡をお待ちしています。" }),
    )
    .await;
    assert_eq!(user_error_codes(&sent), Vec::<String>::new(), "{sent}");
    assert_eq!(sent["status"]["stage"], "NEW");
    assert!(
        inbox_kinds(&app, &admin)
            .await
            .contains(&"relocation.family_message".to_owned())
    );
    assert!(
        !inbox_kinds(&app, &other_admin)
            .await
            .contains(&"relocation.family_message".to_owned())
    );
}

#[tokio::test]
async fn a_family_updates_its_contact_details_and_timing_and_the_timeline_names_only_the_fields() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let (id, _, receipt) = held_inquiry(&app, &admin, "転居 先子").await;
    let code = receipt["referenceCode"].as_str().unwrap();
    let token = receipt["trackingToken"].as_str().unwrap();

    let invalid = as_family(
        &app,
        UPDATE_DETAILS,
        json!({ "referenceCode": code, "trackingToken": token, "email": "not-an-address", "phone": "12" }),
    )
    .await;
    assert_eq!(user_error_codes(&invalid), vec!["INVALID", "INVALID"]);
    assert_eq!(invalid["userErrors"][0]["field"], json!(["input", "email"]));
    let both_gone = as_family(
        &app,
        UPDATE_DETAILS,
        json!({ "referenceCode": code, "trackingToken": token, "email": "", "phone": "" }),
    )
    .await;
    assert_eq!(user_error_codes(&both_gone), vec!["REQUIRED"]);
    let unchanged = timeline_of(&app, &admin, &id).await;
    assert_eq!(unchanged["email"], "hanako@example.jp");

    let updated = as_family(
        &app,
        UPDATE_DETAILS,
        json!({ "referenceCode": code, "trackingToken": token, "email": "Shin.Address@Example.JP", "phone": "", "desiredTiming": "2027年秋" }),
    )
    .await;
    assert_eq!(
        user_error_codes(&updated),
        Vec::<String>::new(),
        "{updated}"
    );
    let seen = timeline_of(&app, &admin, &id).await;
    assert_eq!(seen["email"], "shin.address@example.jp");
    assert_eq!(seen["phone"], Value::Null);
    assert_eq!(seen["desiredTiming"], "2027年秋");
    let last = seen["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "DETAILS_UPDATED");
    let body = last["body"].as_str().unwrap();
    assert!(
        body.contains("メールアドレス") && body.contains("電話番号") && body.contains("希望時期"),
        "{body}"
    );
    assert!(!body.contains("shin") && !body.contains("2027"), "{body}");
    // Staff find the inquiry by its new address, no longer by the old phone.
    let found = app
        .graphql(
            Some(&admin),
            "query($q: String!) { relocationInquiries(filter: { search: $q }) { totalCount } }",
            json!({ "q": "shin.address" }),
        )
        .await;
    assert_eq!(
        found["data"]["relocationInquiries"]["totalCount"], 1,
        "{found}"
    );
    let old = app
        .graphql(
            Some(&admin),
            "query($q: String!) { relocationInquiries(filter: { search: $q }) { nodes { referenceCode } } }",
            json!({ "q": "09012345678" }),
        )
        .await;
    assert!(
        !old.to_string().contains(code),
        "the old phone still finds it: {old}"
    );
    let wrong = as_family(
        &app,
        UPDATE_DETAILS,
        json!({ "referenceCode": code, "trackingToken": "trk_nope", "desiredTiming": "すぐ" }),
    )
    .await;
    assert_eq!(user_error_codes(&wrong), vec!["NOT_FOUND"]);
    assert_eq!(
        timeline_of(&app, &admin, &id).await["desiredTiming"],
        "2027年秋"
    );
}

#[tokio::test]
async fn the_status_page_shows_the_next_appointment_with_its_kind_and_place() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let (id, concierge, receipt) = held_inquiry(&app, &admin, "予定 確子").await;
    let code = receipt["referenceCode"].as_str().unwrap();
    let token = receipt["trackingToken"].as_str().unwrap();
    let query = "query($code: String!, $token: String!) { relocationInquiryStatus(referenceCode: $code, trackingToken: $token) { nextAppointmentAt nextAppointment { at kind place } } }";
    let before = app
        .graphql(None, query, json!({ "code": code, "token": token }))
        .await;
    assert_eq!(
        before["data"]["relocationInquiryStatus"]["nextAppointment"],
        Value::Null,
        "{before}"
    );
    for (at, kind, place) in [
        ("2031-05-10T01:00:00Z", "TRIAL_STAY", Some("お試し住宅 A棟")),
        ("2031-04-20T05:30:00Z", "VISIT", Some("真鶴町役場 2階")),
        ("2031-06-01T01:00:00Z", "ONLINE_CONSULTATION", None),
    ] {
        let payload = mutate(
            &app,
            &concierge,
            "scheduleInquiryAppointment",
            json!({ "inquiryId": id, "at": at, "kind": kind, "place": place }),
            "inquiry { id }",
        )
        .await;
        assert_eq!(
            user_error_codes(&payload),
            Vec::<String>::new(),
            "{payload}"
        );
    }
    let seen = app
        .graphql(None, query, json!({ "code": code, "token": token }))
        .await;
    let status = &seen["data"]["relocationInquiryStatus"];
    assert_eq!(
        status["nextAppointment"]["at"], "2031-04-20T05:30:00+00:00",
        "{seen}"
    );
    assert_eq!(status["nextAppointment"]["kind"], "VISIT");
    assert_eq!(status["nextAppointment"]["place"], "真鶴町役場 2階");
    assert_eq!(status["nextAppointmentAt"], "2031-04-20T05:30:00+00:00");
}

#[tokio::test]
async fn a_withdrawn_or_closed_inquiry_refuses_the_familys_messages_and_changes() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let manazuru = app.municipality_id("14384").await;
    let withdrawn = submit(&app, family(&manazuru, "撤回 済子")).await;
    let w_code = withdrawn["receipt"]["referenceCode"].as_str().unwrap();
    let w_token = withdrawn["receipt"]["trackingToken"].as_str().unwrap();
    as_family(
        &app,
        "mutation($input: WithdrawRelocationConsentInput!) { withdrawRelocationConsent(input: $input) { status { stage } userErrors { code } } }",
        json!({ "referenceCode": w_code, "trackingToken": w_token }),
    )
    .await;
    let closed = submit(&app, family(&manazuru, "終了 済子")).await;
    let c_code = closed["receipt"]["referenceCode"].as_str().unwrap();
    let c_token = closed["receipt"]["trackingToken"].as_str().unwrap();
    let c_id = inquiry_id(&app, &admin, c_code).await;
    let payload = mutate(
        &app,
        &admin,
        "closeInquiry",
        json!({ "inquiryId": c_id, "reason": "NOT_NOW" }),
        "inquiry { stage }",
    )
    .await;
    assert_eq!(payload["inquiry"]["stage"], "CLOSED", "{payload}");
    for (code, token) in [(w_code, w_token), (c_code, c_token)] {
        let message = as_family(
            &app,
            SEND_MESSAGE,
            json!({ "referenceCode": code, "trackingToken": token, "body": "まだ相談できますか。" }),
        )
        .await;
        assert_eq!(
            user_error_codes(&message),
            vec!["INVALID_STATE"],
            "{message}"
        );
        assert!(
            message["userErrors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("お受けできません"),
            "{message}"
        );
        let details = as_family(
            &app,
            UPDATE_DETAILS,
            json!({ "referenceCode": code, "trackingToken": token, "desiredTiming": "来年" }),
        )
        .await;
        assert_eq!(
            user_error_codes(&details),
            vec!["INVALID_STATE"],
            "{details}"
        );
    }
}

#[tokio::test]
async fn the_familys_messages_and_changes_are_rate_limited_per_client() {
    let app = spawn_app_with(|limits| limits.public_rate_per_minute = 2).await;
    let manazuru = app.municipality_id("14384").await;
    let payload = submit(&app, family(&manazuru, "連打 多子")).await;
    let code = payload["receipt"]["referenceCode"].as_str().unwrap();
    let token = payload["receipt"]["trackingToken"].as_str().unwrap();
    let input =
        json!({ "input": { "referenceCode": code, "trackingToken": token, "body": "こんにちは" } });
    for _ in 0..2 {
        let body = app.graphql(None, SEND_MESSAGE, input.clone()).await;
        assert_eq!(error_code(&body), None, "{body}");
    }
    let body = app.graphql(None, SEND_MESSAGE, input).await;
    assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
    let body = app
        .graphql(
            None,
            UPDATE_DETAILS,
            json!({ "input": { "referenceCode": code, "trackingToken": token, "desiredTiming": "来年" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
}

const DUPLICATES: &str = "query($id: ID!) { node(id: $id) { ... on RelocationInquiry { referenceCode possibleDuplicates { inquiryId referenceCode stage sameEmail samePhone } } } }";

/// Submits `family` of `municipality` with these contact details; its reference code.
async fn submit_contact(
    app: &TestApp,
    municipality: &str,
    email: Option<&str>,
    phone: Option<&str>,
) -> (String, String) {
    let mut input = family(municipality, "重複 確認");
    input["email"] = json!(email);
    input["phone"] = json!(phone);
    let payload = submit(app, input).await;
    assert_eq!(
        user_error_codes(&payload),
        Vec::<String>::new(),
        "{payload}"
    );
    (
        payload["receipt"]["referenceCode"]
            .as_str()
            .unwrap()
            .to_owned(),
        payload["receipt"]["trackingToken"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

#[tokio::test]
async fn staff_see_open_inquiries_of_their_municipality_sharing_an_email_or_phone() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let maebashi_admin = app.login_demo("maebashi-admin@example.jp").await;
    let manazuru = app.municipality_id("14384").await;
    let maebashi = app.municipality_id("10201").await;

    let (first, _) = submit_contact(
        &app,
        &manazuru,
        Some("Dup.Family@Example.jp"),
        Some("080-1111-2222"),
    )
    .await;
    let (same_email, _) = submit_contact(
        &app,
        &manazuru,
        Some("ｄｕｐ．ｆａｍｉｌｙ@example.JP"),
        Some("080-3333-4444"),
    )
    .await;
    let (same_phone, _) =
        submit_contact(&app, &manazuru, None, Some("０８０ー１１１１ー２２２２")).await;
    let (elsewhere, _) = submit_contact(
        &app,
        &maebashi,
        Some("dup.family@example.jp"),
        Some("08011112222"),
    )
    .await;
    let (closed, _) = submit_contact(&app, &manazuru, Some("dup.family@example.jp"), None).await;
    let closed_id = inquiry_id(&app, &admin, &closed).await;
    let payload = mutate(
        &app,
        &admin,
        "closeInquiry",
        json!({ "inquiryId": closed_id, "reason": "OTHER" }),
        "inquiry { stage }",
    )
    .await;
    assert_eq!(payload["inquiry"]["stage"], "CLOSED", "{payload}");
    let (unrelated, _) = submit_contact(
        &app,
        &manazuru,
        Some("someone.else@example.jp"),
        Some("080-9999-0000"),
    )
    .await;

    let first_id = inquiry_id(&app, &admin, &first).await;
    let body = app
        .graphql(Some(&admin), DUPLICATES, json!({ "id": first_id }))
        .await;
    let found = body["data"]["node"]["possibleDuplicates"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone();
    let codes: Vec<&str> = found
        .iter()
        .map(|d| d["referenceCode"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        vec![same_email.as_str(), same_phone.as_str()],
        "{body}"
    );
    assert_eq!(found[0]["sameEmail"], true);
    assert_eq!(found[0]["samePhone"], false);
    assert_eq!(found[1]["sameEmail"], false);
    assert_eq!(found[1]["samePhone"], true);
    assert_eq!(
        found[0]["inquiryId"],
        json!(inquiry_id(&app, &admin, &same_email).await)
    );
    assert!(!body.to_string().contains(&elsewhere));
    assert!(!body.to_string().contains(&closed));
    // The match goes both ways, and an inquiry with nothing in common has none.
    let same_phone_id = inquiry_id(&app, &admin, &same_phone).await;
    let body = app
        .graphql(Some(&admin), DUPLICATES, json!({ "id": same_phone_id }))
        .await;
    assert_eq!(
        body["data"]["node"]["possibleDuplicates"][0]["referenceCode"], first,
        "{body}"
    );
    let unrelated_id = inquiry_id(&app, &admin, &unrelated).await;
    let body = app
        .graphql(Some(&admin), DUPLICATES, json!({ "id": unrelated_id }))
        .await;
    assert_eq!(
        body["data"]["node"]["possibleDuplicates"],
        json!([]),
        "{body}"
    );

    // The other municipality's inquiry with the same contact matches nothing here.
    let elsewhere_id = inquiry_id(&app, &maebashi_admin, &elsewhere).await;
    let body = app
        .graphql(
            Some(&maebashi_admin),
            DUPLICATES,
            json!({ "id": elsewhere_id }),
        )
        .await;
    assert_eq!(
        body["data"]["node"]["possibleDuplicates"],
        json!([]),
        "{body}"
    );
    // Nor can its administrator read this municipality's inquiry to look.
    let body = app
        .graphql(Some(&maebashi_admin), DUPLICATES, json!({ "id": first_id }))
        .await;
    assert_eq!(body["data"]["node"], Value::Null, "{body}");
}

#[tokio::test]
async fn the_family_never_sees_possible_duplicates_and_withdrawing_drops_the_match() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let manazuru = app.municipality_id("14384").await;
    let (first, _) = submit_contact(&app, &manazuru, Some("twice@example.jp"), None).await;
    let (second, token) = submit_contact(&app, &manazuru, Some("TWICE@example.jp"), None).await;
    let body = app
        .graphql(
            None,
            "query($code: String!, $token: String!) { relocationInquiryStatus(referenceCode: $code, trackingToken: $token) { possibleDuplicates { referenceCode } } }",
            json!({ "code": second, "token": token }),
        )
        .await;
    assert_eq!(
        error_code(&body),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );

    let first_id = inquiry_id(&app, &admin, &first).await;
    let body = app
        .graphql(Some(&admin), DUPLICATES, json!({ "id": first_id }))
        .await;
    assert_eq!(
        body["data"]["node"]["possibleDuplicates"][0]["referenceCode"], second,
        "{body}"
    );
    as_family(
        &app,
        "mutation($input: WithdrawRelocationConsentInput!) { withdrawRelocationConsent(input: $input) { status { stage } userErrors { code } } }",
        json!({ "referenceCode": second, "trackingToken": token }),
    )
    .await;
    let body = app
        .graphql(Some(&admin), DUPLICATES, json!({ "id": first_id }))
        .await;
    assert_eq!(
        body["data"]["node"]["possibleDuplicates"],
        json!([]),
        "{body}"
    );
}

async fn download(app: &TestApp, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut request = app.request(reqwest::Method::GET, path);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn administrators_download_the_pipeline_as_csv_for_excel_without_personal_data() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let (id, concierge, receipt) = held_inquiry(&app, &admin, "表計算 出力子").await;
    let code = receipt["referenceCode"].as_str().unwrap();
    mutate(
        &app,
        &concierge,
        "addInquiryNote",
        json!({ "inquiryId": id, "body": "内部メモ：住宅の希望あり" }),
        "inquiry { id }",
    )
    .await;
    for at in ["2031-04-20T05:30:00Z", "2031-05-20T05:30:00Z"] {
        mutate(
            &app,
            &concierge,
            "scheduleInquiryAppointment",
            json!({ "inquiryId": id, "at": at, "kind": "VISIT" }),
            "inquiry { id }",
        )
        .await;
    }
    mutate(
        &app,
        &concierge,
        "createInquiryTask",
        json!({ "inquiryId": id, "title": "空き家バンクの案内", "dueOn": "2031-04-01" }),
        "task { id }",
    )
    .await;

    let response = download(
        &app,
        Some(&admin),
        "/reports/relocation-pipeline.csv?municipality=14384",
    )
    .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let bytes = response.bytes().await.unwrap();
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "UTF-8 byte-order mark"
    );
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.ends_with("\r\n"));
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "CRLF line endings only"
    );
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "受付番号,段階,受付日時,担当割り当て日時,最終対応日時,終了日時,メモ件数,連絡件数,予定件数,タスク件数,担当コンシェルジュID,担当コンシェルジュ"
    );
    let row: Vec<&str> = lines
        .iter()
        .find(|l| l.starts_with(code))
        .unwrap_or_else(|| panic!("no row for {code}: {text}"))
        .split(',')
        .collect();
    assert_eq!(row[1], "担当決定", "{row:?}");
    assert_eq!(&row[6..10], ["1", "0", "2", "1"], "{row:?}");
    assert_eq!(row[10], app.my_id(&concierge).await);
    assert!(!row[11].is_empty());
    assert_eq!(row[2].len(), "2026-12-06 17:40".len(), "{row:?}");
    // Nothing of the family and no free text.
    for secret in [
        "表計算",
        "hanako",
        "090",
        "内部メモ",
        "空き家バンク",
        "北部",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[tokio::test]
async fn only_the_municipalitys_administrators_download_the_pipeline() {
    let app = spawn_app().await;
    let concierge = app.login_demo("manazuru-concierge@example.jp").await;
    let other_admin = app.login_demo("maebashi-admin@example.jp").await;
    let path = "/reports/relocation-pipeline.csv?municipality=14384";
    let response = download(&app, None, path).await;
    assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);
    for token in [&concierge, &other_admin] {
        let response = download(&app, Some(token), path).await;
        assert_eq!(response.status(), reqwest::StatusCode::FORBIDDEN);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    }
    let response = download(&app, Some(&other_admin), "/reports/relocation-pipeline.csv").await;
    assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);
    // The administrator's own municipality downloads.
    let response = download(
        &app,
        Some(&other_admin),
        "/reports/relocation-pipeline.csv?municipality=10201",
    )
    .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
}

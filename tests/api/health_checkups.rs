//! Health: infant and dental checkups — the types and their age windows, booking with the
//! 問診票, the clinic's record and its validation, referrals, dental grids, the health
//! staff's list and who may read what.

use chrono::{Datelike, Duration, Months, NaiveDate};
use serde_json::{Value, json};

use crate::health_visits::{CLINIC, GUARDIAN, register_child, slot, today};
use crate::helpers::{TestApp, error_code, spawn_app, user_error_codes};

const CLINIC2: &str = "kitakyushu-clinic2@example.jp";
const DENTAL: &str = "kitakyushu-dental@example.jp";
const ADMIN: &str = "kitakyushu-admin@example.jp";

/// The ids of 北九州市's checkup types by code.
async fn types(app: &TestApp) -> Value {
    let city = app.municipality_id("40100").await;
    let body = app
        .graphql(
            None,
            "query($m: ID!) { checkupTypes(municipalityId: $m) { id code name kind hasUrine findingsAreas { code } questions { code kind } } }",
            json!({ "m": city }),
        )
        .await;
    let mut map = serde_json::Map::new();
    for kind in body["data"]["checkupTypes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
    {
        map.insert(kind["code"].as_str().unwrap().to_owned(), kind.clone());
    }
    Value::Object(map)
}

/// A server with the demo, signed in as the demo guardian and the clinic, and the city's
/// checkup types.
struct Checkups {
    app: TestApp,
    guardian: String,
    clinic: String,
    kinds: Value,
}

async fn checkups() -> Checkups {
    let app = spawn_app().await;
    let guardian = app.login_demo(GUARDIAN).await;
    let clinic = app.login_demo(CLINIC).await;
    let kinds = types(&app).await;
    Checkups {
        app,
        guardian,
        clinic,
        kinds,
    }
}

fn id(kinds: &Value, code: &str) -> String {
    kinds[code]["id"].as_str().unwrap().to_owned()
}

/// A birth date whose window (opening `months` later) starts on `day`: the window opens the
/// day before the monthly birthday. `day + 1` must be on or before the 28th.
fn born_for_first_day(day: NaiveDate, months: u32) -> NaiveDate {
    (day + Duration::days(1))
        .checked_sub_months(Months::new(months))
        .unwrap()
}

/// A day 2–8 days ahead whose next day is on or before the 28th.
fn plain_day() -> NaiveDate {
    (2..=8)
        .map(|d| today() + Duration::days(d))
        .find(|d| (*d + Duration::days(1)).day() <= 28)
        .unwrap()
}

fn answers(pairs: &[(&str, &str)]) -> Vec<Value> {
    pairs
        .iter()
        .map(|(code, value)| json!({ "code": code, "value": value }))
        .collect()
}

const ONE_AND_HALF: &[(&str, &str)] = &[("WALKS", "YES"), ("WORDS", "YES"), ("CONVULSION", "NO")];
const DENTAL_ANSWERS: &[(&str, &str)] = &[
    ("SNACKS_IRREGULAR", "NO"),
    ("BOTTLE", "NO"),
    ("BRUSHING", "YES"),
];
const DENTAL_3Y_ANSWERS: &[(&str, &str)] = &[("SNACKS_IRREGULAR", "NO"), ("BRUSHING", "YES")];

async fn book(
    app: &TestApp,
    token: &str,
    child: &str,
    kind: &str,
    slot: &str,
    given: &[(&str, &str)],
) -> Value {
    let body = app
        .graphql(
            Some(token),
            "mutation($input: BookCheckupInput!) { bookCheckup(input: $input) { booking { id status day answers { code value } checkupType { code } } userErrors { field code message } } }",
            json!({ "input": { "childId": child, "checkupTypeId": kind, "slotId": slot, "answers": answers(given) } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["bookCheckup"].clone()
}

const CHECKUP: &str = "id source examinedOn ageMonths heightCm weightKg headCircumferenceCm urine { protein sugar occultBlood } findings { area abnormal note } judgementCode referral { status issuedOn referredTo usedOn result } dental { cariesCount cariesType plaque fluorideApplied teeth { tooth status symbol } } checkupType { code } clinic { name }";

async fn record(app: &TestApp, token: &str, input: Value) -> Value {
    let query = format!(
        "mutation($input: RecordCheckupInput!) {{ recordCheckup(input: $input) {{ checkup {{ {CHECKUP} }} userErrors {{ field code message }} }} }}"
    );
    app.graphql(Some(token), &query, json!({ "input": input }))
        .await
}

fn findings(kinds: &Value, code: &str) -> Vec<Value> {
    kinds[code]["findingsAreas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| json!({ "area": a["code"], "abnormal": false }))
        .collect()
}

/// A child of the demo guardian born `months` months (and `days` days) ago.
async fn child_aged(app: &TestApp, token: &str, name: &str, months: u32) -> String {
    let birth = today().checked_sub_months(Months::new(months)).unwrap() - Duration::days(3);
    register_child(app, token, name, "キタキュウ テスト", birth).await
}

#[tokio::test]
async fn each_checkup_type_has_its_legal_age_window() {
    let app = spawn_app().await;
    let city = app.municipality_id("40100").await;
    let body = app
        .graphql(
            None,
            "query($m: ID!) { checkupTypes(municipalityId: $m) { code kind hasUrine windowFor(birthDate: \"2024-06-15\") { from to } } checkupJudgements(municipalityId: $m) { code name needsReferral } }",
            json!({ "m": city }),
        )
        .await;
    let windows: Vec<(String, String, String, String, bool)> = body["data"]["checkupTypes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|t| {
            (
                t["code"].as_str().unwrap().to_owned(),
                t["kind"].as_str().unwrap().to_owned(),
                t["windowFor"]["from"].as_str().unwrap().to_owned(),
                t["windowFor"]["to"].as_str().unwrap().to_owned(),
                t["hasUrine"].as_bool().unwrap(),
            )
        })
        .collect();
    let expect = |code: &str, kind: &str, from: &str, to: &str, urine: bool| {
        (
            code.to_owned(),
            kind.to_owned(),
            from.to_owned(),
            to.to_owned(),
            urine,
        )
    };
    assert_eq!(
        windows,
        vec![
            expect("INFANT_4M", "MEDICAL", "2024-09-14", "2024-12-14", false),
            expect("INFANT_7M", "MEDICAL", "2024-12-14", "2025-05-14", false),
            // 1歳6か月: from reaching 1y6m to the day before the 2nd birthday.
            expect("INFANT_1Y6M", "MEDICAL", "2025-12-14", "2026-06-14", false),
            expect("INFANT_3Y", "MEDICAL", "2027-06-14", "2028-06-14", true),
            expect("DENTAL_1Y6M", "DENTAL", "2025-12-14", "2026-06-14", false),
            expect("DENTAL_3Y", "DENTAL", "2027-06-14", "2028-06-14", false),
        ]
    );
    let codes: Vec<&str> = body["data"]["checkupJudgements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["NORMAL", "UNDER_CARE", "OBSERVE", "DETAILED", "TREATMENT"]
    );
}

#[tokio::test]
async fn booking_is_refused_one_day_outside_the_age_window_with_its_dates() {
    let Checkups {
        app,
        guardian,
        clinic,
        kinds,
    } = checkups().await;
    let one_and_half = id(&kinds, "INFANT_1Y6M");
    let day = plain_day();
    let (slot_id, _) = slot(&app, &clinic, (day - today()).num_days(), 10).await;

    // The slot's day is the window's first day: booked.
    let first = register_child(
        &app,
        &guardian,
        "北九 一",
        "キタキュウ ハジメ",
        born_for_first_day(day, 18),
    )
    .await;
    let booked = book(
        &app,
        &guardian,
        &first,
        &one_and_half,
        &slot_id,
        ONE_AND_HALF,
    )
    .await;
    assert_eq!(booked["userErrors"], json!([]), "{booked}");
    assert_eq!(booked["booking"]["status"], "BOOKED");
    assert_eq!(booked["booking"]["checkupType"]["code"], "INFANT_1Y6M");

    // One day before the window opens: refused, and the message says the window.
    let young_birth = born_for_first_day(day + Duration::days(1), 18);
    let young = register_child(&app, &guardian, "北九 二", "キタキュウ ニ", young_birth).await;
    let refused = book(
        &app,
        &guardian,
        &young,
        &one_and_half,
        &slot_id,
        ONE_AND_HALF,
    )
    .await;
    assert_eq!(
        user_error_codes(&refused),
        ["AGE_OUT_OF_RANGE"],
        "{refused}"
    );
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "slotId"])
    );
    let opens = day + Duration::days(1);
    let message = refused["userErrors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "{}年{}月{}日",
            opens.year(),
            opens.month(),
            opens.day()
        )),
        "{message}"
    );

    // The slot's day is the day before the 2nd birthday, the window's last day: booked.
    let last = register_child(
        &app,
        &guardian,
        "北九 三",
        "キタキュウ サン",
        born_for_first_day(day, 24),
    )
    .await;
    let booked = book(
        &app,
        &guardian,
        &last,
        &one_and_half,
        &slot_id,
        ONE_AND_HALF,
    )
    .await;
    assert_eq!(booked["userErrors"], json!([]), "{booked}");

    // A day after the window closed: refused.
    let old_birth = born_for_first_day(day - Duration::days(1), 24);
    let old = register_child(&app, &guardian, "北九 四", "キタキュウ シ", old_birth).await;
    let refused = book(&app, &guardian, &old, &one_and_half, &slot_id, ONE_AND_HALF).await;
    assert_eq!(
        user_error_codes(&refused),
        ["AGE_OUT_OF_RANGE"],
        "{refused}"
    );

    // The same for the 4か月 checkup's first day (生後3月).
    let four = id(&kinds, "INFANT_4M");
    let four_answers: &[(&str, &str)] = &[
        ("NECK_CONTROL", "YES"),
        ("FOLLOWS_EYES", "YES"),
        ("FEEDING", "NO"),
        ("CONVULSION", "NO"),
    ];
    let baby = register_child(
        &app,
        &guardian,
        "北九 五",
        "キタキュウ ゴ",
        born_for_first_day(day, 3),
    )
    .await;
    let booked = book(&app, &guardian, &baby, &four, &slot_id, four_answers).await;
    assert_eq!(booked["userErrors"], json!([]), "{booked}");
    let younger = register_child(
        &app,
        &guardian,
        "北九 六",
        "キタキュウ ロク",
        born_for_first_day(day + Duration::days(1), 3),
    )
    .await;
    let refused = book(&app, &guardian, &younger, &four, &slot_id, four_answers).await;
    assert_eq!(
        user_error_codes(&refused),
        ["AGE_OUT_OF_RANGE"],
        "{refused}"
    );
}

#[tokio::test]
async fn the_questionnaire_is_checked_at_booking_and_prefilled_from_the_last_answers() {
    let Checkups {
        app,
        guardian,
        clinic,
        kinds,
    } = checkups().await;
    let child = child_aged(&app, &guardian, "北九 問診", 19).await;
    let (slot_id, _) = slot(&app, &clinic, 3, 5).await;
    let query = "query($c: ID!, $t: ID!) { checkupQuestionnaire(childId: $c, checkupTypeId: $t) { ageMonths window { from to } child { id } items { question { code kind } prefilledValue } } }";
    let first = app
        .graphql(
            Some(&guardian),
            query,
            json!({ "c": child, "t": id(&kinds, "INFANT_1Y6M") }),
        )
        .await;
    let items = first["data"]["checkupQuestionnaire"]["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{first}"))
        .clone();
    assert!(
        items.iter().all(|i| i["prefilledValue"].is_null()),
        "{first}"
    );
    assert_eq!(first["data"]["checkupQuestionnaire"]["ageMonths"], 19);

    // A yes/no question left out, and one answered with neither YES nor NO.
    let refused = book(
        &app,
        &guardian,
        &child,
        &id(&kinds, "INFANT_1Y6M"),
        &slot_id,
        &[("WALKS", "YES"), ("WORDS", "MAYBE")],
    )
    .await;
    let mut codes = user_error_codes(&refused);
    codes.sort();
    assert_eq!(codes, ["INVALID", "REQUIRED"], "{refused}");

    let booked = book(
        &app,
        &guardian,
        &child,
        &id(&kinds, "INFANT_1Y6M"),
        &slot_id,
        &[
            ("WALKS", "YES"),
            ("WORDS", "NO"),
            ("CONVULSION", "NO"),
            ("WORRIES", "食が細い"),
        ],
    )
    .await;
    assert_eq!(booked["userErrors"], json!([]), "{booked}");
    // A second booking of the same checkup is refused.
    let again = book(
        &app,
        &guardian,
        &child,
        &id(&kinds, "INFANT_1Y6M"),
        &slot_id,
        ONE_AND_HALF,
    )
    .await;
    assert_eq!(user_error_codes(&again), ["TAKEN"], "{again}");

    // The 3歳 問診票 shares the questions asked before: they come prefilled.
    let next = app
        .graphql(
            Some(&guardian),
            query,
            json!({ "c": child, "t": id(&kinds, "INFANT_3Y") }),
        )
        .await;
    let prefilled: Vec<(String, Value)> = next["data"]["checkupQuestionnaire"]["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{next}"))
        .iter()
        .map(|i| {
            (
                i["question"]["code"].as_str().unwrap().to_owned(),
                i["prefilledValue"].clone(),
            )
        })
        .collect();
    assert!(
        prefilled.contains(&("CONVULSION".to_owned(), json!("NO"))),
        "{next}"
    );
    assert!(
        prefilled.contains(&("WORRIES".to_owned(), json!("食が細い"))),
        "{next}"
    );
    assert!(
        prefilled.contains(&("HEARING".to_owned(), Value::Null)),
        "{next}"
    );

    // Someone else's child: not found.
    let other = app.login_demo("maebashi-resident@example.jp").await;
    let hidden = app
        .graphql(
            Some(&other),
            query,
            json!({ "c": child, "t": id(&kinds, "INFANT_1Y6M") }),
        )
        .await;
    assert_eq!(error_code(&hidden), Some("NOT_FOUND"), "{hidden}");
}

/// A child of the guardian aged `months`, booked for `code` at the clinic of `clinic`.
async fn booked_child(
    app: &TestApp,
    guardian: &str,
    clinic: &str,
    kinds: &Value,
    code: &str,
    months: u32,
    given: &[(&str, &str)],
) -> String {
    let child = child_aged(app, guardian, "北九 記録", months).await;
    let (slot_id, _) = slot(app, clinic, 2, 5).await;
    let booked = book(app, guardian, &child, &id(kinds, code), &slot_id, given).await;
    assert_eq!(booked["userErrors"], json!([]), "{booked}");
    child
}

/// A child of 19 months booked for the 1歳6か月 checkup at the clinic, with the usual answers.
async fn booked_for_one_and_half(
    app: &TestApp,
    guardian: &str,
    clinic: &str,
    kinds: &Value,
) -> String {
    booked_child(
        app,
        guardian,
        clinic,
        kinds,
        "INFANT_1Y6M",
        19,
        ONE_AND_HALF,
    )
    .await
}

#[tokio::test]
async fn the_clinic_records_a_checkup_with_its_rules_and_one_result_per_child_and_type() {
    let Checkups {
        app,
        guardian,
        clinic,
        kinds,
    } = checkups().await;
    let child = booked_for_one_and_half(&app, &guardian, &clinic, &kinds).await;
    let kind = id(&kinds, "INFANT_1Y6M");
    let base = json!({
        "childId": child, "checkupTypeId": kind, "examinedOn": today().to_string(),
        "heightCm": 81.5, "weightKg": 10.9, "headCircumferenceCm": 46.5,
        "findings": findings(&kinds, "INFANT_1Y6M"), "judgementCode": "NORMAL",
    });
    let with = |changes: Value| {
        let mut input = base.clone();
        for (k, v) in changes.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };

    let body = record(
        &app,
        &clinic,
        with(json!({ "heightCm": 300.0, "weightKg": null })),
    )
    .await;
    let errors = &body["data"]["recordCheckup"]["userErrors"];
    let fields: Vec<(Value, Value)> = errors
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| (e["field"].clone(), e["code"].clone()))
        .collect();
    assert!(
        fields.contains(&(json!(["input", "heightCm"]), json!("INVALID"))),
        "{body}"
    );
    assert!(
        fields.contains(&(json!(["input", "weightKg"]), json!("REQUIRED"))),
        "{body}"
    );

    // No urine test at 1歳6か月.
    let body = record(&app, &clinic, with(json!({ "urine": { "protein": "NEGATIVE", "sugar": "NEGATIVE", "occultBlood": "TRACE" } }))).await;
    assert_eq!(
        user_error_codes(&body["data"]["recordCheckup"]),
        ["NOT_ALLOWED"],
        "{body}"
    );
    assert_eq!(
        body["data"]["recordCheckup"]["userErrors"][0]["field"],
        json!(["input", "urine"])
    );

    // A judgement outside the municipality's list.
    let body = record(&app, &clinic, with(json!({ "judgementCode": "FINE" }))).await;
    assert_eq!(
        user_error_codes(&body["data"]["recordCheckup"]),
        ["INVALID"],
        "{body}"
    );
    assert_eq!(
        body["data"]["recordCheckup"]["userErrors"][0]["field"],
        json!(["input", "judgementCode"])
    );

    // 所見あり needs a note; an unknown area is refused.
    let mut bad = findings(&kinds, "INFANT_1Y6M");
    bad[0]["abnormal"] = json!(true);
    bad.push(json!({ "area": "EYES", "abnormal": false }));
    let body = record(&app, &clinic, with(json!({ "findings": bad }))).await;
    let mut codes = user_error_codes(&body["data"]["recordCheckup"]);
    codes.sort();
    assert_eq!(codes, ["INVALID", "REQUIRED"], "{body}");

    // Nothing was written by the refusals.
    let admin = app.login_demo(ADMIN).await;
    let list = app
        .graphql(
            Some(&admin),
            "query($c: ID!) { healthChildCheckups(childId: $c) { id } }",
            json!({ "c": child }),
        )
        .await;
    assert_eq!(list["data"]["healthChildCheckups"], json!([]), "{list}");

    let mut speech = findings(&kinds, "INFANT_1Y6M");
    for f in speech.iter_mut() {
        if f["area"] == "SPEECH" {
            f["abnormal"] = json!(true);
            f["note"] = json!("有意語なし");
        }
    }
    let body = record(&app, &clinic, with(json!({ "findings": speech, "judgementCode": "DETAILED", "issueReferral": true, "referralTo": "総合療育センター" }))).await;
    let made = &body["data"]["recordCheckup"];
    assert_eq!(made["userErrors"], json!([]), "{body}");
    assert_eq!(made["checkup"]["source"], "APP");
    assert_eq!(made["checkup"]["ageMonths"], 19);
    assert_eq!(made["checkup"]["referral"]["status"], "ISSUED");
    assert_eq!(made["checkup"]["referral"]["issuedOn"], today().to_string());
    assert_eq!(made["checkup"]["dental"], Value::Null);

    // A second result for the same child and checkup is refused.
    let body = record(&app, &clinic, base.clone()).await;
    assert_eq!(
        user_error_codes(&body["data"]["recordCheckup"]),
        ["TAKEN"],
        "{body}"
    );
}

#[tokio::test]
async fn the_3y_checkup_records_urine_and_a_referral_is_issued_then_used() {
    let Checkups {
        app,
        guardian,
        clinic,
        kinds,
    } = checkups().await;
    let admin = app.login_demo(ADMIN).await;
    let three_answers: &[(&str, &str)] = &[
        ("TALKS_SENTENCES", "YES"),
        ("HEARING", "NO"),
        ("SEEING", "NO"),
        ("CONVULSION", "NO"),
    ];
    let child = booked_child(
        &app,
        &guardian,
        &clinic,
        &kinds,
        "INFANT_3Y",
        38,
        three_answers,
    )
    .await;
    let body = record(&app, &clinic, json!({
        "childId": child, "checkupTypeId": id(&kinds, "INFANT_3Y"), "examinedOn": today().to_string(),
        "heightCm": 94.0, "weightKg": 14.0,
        "urine": { "protein": "NEGATIVE", "sugar": "NEGATIVE", "occultBlood": "TRACE" },
        "findings": findings(&kinds, "INFANT_3Y"), "judgementCode": "DETAILED", "issueReferral": true,
    })).await;
    let made = &body["data"]["recordCheckup"]["checkup"];
    assert_eq!(made["urine"]["occultBlood"], "TRACE", "{body}");
    let checkup = made["id"].as_str().unwrap().to_owned();

    let outstanding = "query($t: ID) { checkupResults(filter: { referralOutstanding: true, checkupTypeId: $t }) { totalCount nodes { id } } }";
    let before = app
        .graphql(
            Some(&admin),
            outstanding,
            json!({ "t": id(&kinds, "INFANT_3Y") }),
        )
        .await;
    assert_eq!(
        before["data"]["checkupResults"]["nodes"],
        json!([{ "id": checkup }]),
        "{before}"
    );

    let mark = "mutation($input: RecordCheckupReferralResultInput!) { recordCheckupReferralResult(input: $input) { checkup { referral { status usedOn result } } userErrors { field code } } }";
    // Another clinic may not mark it.
    let other = app.login_demo(CLINIC2).await;
    let hidden = app.graphql(Some(&other), mark, json!({ "input": { "checkupId": checkup, "usedOn": today().to_string(), "result": "異常なし" } })).await;
    assert_eq!(error_code(&hidden), Some("NOT_FOUND"), "{hidden}");
    // Not before it was issued.
    let early = app.graphql(Some(&admin), mark, json!({ "input": { "checkupId": checkup, "usedOn": (today() - Duration::days(1)).to_string(), "result": "異常なし" } })).await;
    assert_eq!(
        user_error_codes(&early["data"]["recordCheckupReferralResult"]),
        ["INVALID"],
        "{early}"
    );
    // Submitted twice at once: one records the result, the other is told it is used.
    let (first, second) = tokio::join!(
        app.graphql(Some(&admin), mark, json!({ "input": { "checkupId": checkup, "usedOn": today().to_string(), "result": "尿潜血 再検査で陰性" } })),
        app.graphql(Some(&admin), mark, json!({ "input": { "checkupId": checkup, "usedOn": today().to_string(), "result": "尿潜血 再検査で陰性" } })),
    );
    let answers = [&first, &second];
    let used: Vec<&Value> = answers
        .iter()
        .map(|body| &body["data"]["recordCheckupReferralResult"])
        .filter(|payload| !payload["checkup"].is_null())
        .collect();
    assert_eq!(used.len(), 1, "{first} {second}");
    assert_eq!(
        used[0]["checkup"]["referral"],
        json!({ "status": "USED", "usedOn": today().to_string(), "result": "尿潜血 再検査で陰性" }),
        "{first} {second}"
    );
    let refused: Vec<Vec<String>> = answers
        .iter()
        .map(|body| &body["data"]["recordCheckupReferralResult"])
        .filter(|payload| payload["checkup"].is_null())
        .map(user_error_codes)
        .collect();
    assert_eq!(refused, [["INVALID_STATE"]], "{first} {second}");
    let again = app.graphql(Some(&admin), mark, json!({ "input": { "checkupId": checkup, "usedOn": today().to_string(), "result": "x" } })).await;
    assert_eq!(
        user_error_codes(&again["data"]["recordCheckupReferralResult"]),
        ["INVALID_STATE"],
        "{again}"
    );
    let after = app
        .graphql(
            Some(&admin),
            outstanding,
            json!({ "t": id(&kinds, "INFANT_3Y") }),
        )
        .await;
    assert_eq!(
        after["data"]["checkupResults"]["nodes"],
        json!([]),
        "{after}"
    );
}

fn grid(pairs: &[(&str, &str)]) -> Vec<Value> {
    const ALL: [&str; 20] = [
        "UR_A", "UR_B", "UR_C", "UR_D", "UR_E", "UL_A", "UL_B", "UL_C", "UL_D", "UL_E", "LL_A",
        "LL_B", "LL_C", "LL_D", "LL_E", "LR_A", "LR_B", "LR_C", "LR_D", "LR_E",
    ];
    ALL.iter()
        .map(|tooth| {
            let status = pairs
                .iter()
                .find(|(t, _)| t == tooth)
                .map_or("SOUND", |(_, s)| s);
            json!({ "tooth": tooth, "status": status })
        })
        .collect()
}

#[tokio::test]
async fn dental_grids_give_the_caries_count_and_type_at_1y6m_and_3y() {
    let Checkups {
        app,
        guardian,
        kinds,
        ..
    } = checkups().await;
    let dentist = app.login_demo(DENTAL).await;
    let dental = |child: &str, code: &str, exam: Value| json!({ "childId": child, "checkupTypeId": id(&kinds, code), "examinedOn": today().to_string(), "judgementCode": "NORMAL", "dental": exam });

    // 1歳6か月: upper front teeth and molars → B, two teeth.
    let a = booked_child(
        &app,
        &guardian,
        &dentist,
        &kinds,
        "DENTAL_1Y6M",
        19,
        DENTAL_ANSWERS,
    )
    .await;
    let body = record(&app, &dentist, dental(&a, "DENTAL_1Y6M", json!({ "teeth": grid(&[("UR_A", "DECAYED"), ("LL_D", "FILLED"), ("UL_B", "OBSERVE")]), "plaque": 1, "fluorideApplied": true }))).await;
    let made = &body["data"]["recordCheckup"]["checkup"]["dental"];
    assert_eq!(made["cariesCount"], 2, "{body}");
    assert_eq!(made["cariesType"], "B");
    assert_eq!(made["fluorideApplied"], true);
    assert!(
        made["teeth"]
            .as_array()
            .unwrap()
            .contains(&json!({ "tooth": "UR_A", "status": "DECAYED", "symbol": "C" }))
    );

    // Caries-free: O1 with little plaque, O2 with much plaque under 北九州市's rule.
    let b = booked_child(
        &app,
        &guardian,
        &dentist,
        &kinds,
        "DENTAL_1Y6M",
        20,
        DENTAL_ANSWERS,
    )
    .await;
    let body = record(
        &app,
        &dentist,
        dental(
            &b,
            "DENTAL_1Y6M",
            json!({ "teeth": grid(&[]), "plaque": 0 }),
        ),
    )
    .await;
    assert_eq!(
        body["data"]["recordCheckup"]["checkup"]["dental"]["cariesType"], "O1",
        "{body}"
    );
    let c = booked_child(
        &app,
        &guardian,
        &dentist,
        &kinds,
        "DENTAL_1Y6M",
        21,
        DENTAL_ANSWERS,
    )
    .await;
    let body = record(
        &app,
        &dentist,
        dental(
            &c,
            "DENTAL_1Y6M",
            json!({ "teeth": grid(&[]), "plaque": 2 }),
        ),
    )
    .await;
    assert_eq!(
        body["data"]["recordCheckup"]["checkup"]["dental"]["cariesType"], "O2",
        "{body}"
    );
    assert_eq!(
        body["data"]["recordCheckup"]["checkup"]["dental"]["cariesCount"],
        0
    );

    // 3歳: lower front teeth and a molar → C2.
    let d = booked_child(
        &app,
        &guardian,
        &dentist,
        &kinds,
        "DENTAL_3Y",
        38,
        DENTAL_3Y_ANSWERS,
    )
    .await;
    let body = record(&app, &dentist, dental(&d, "DENTAL_3Y", json!({ "teeth": grid(&[("LL_A", "DECAYED"), ("LR_E", "MISSING"), ("UR_D", "SEALANT")]), "plaque": 2 }))).await;
    let made = &body["data"]["recordCheckup"]["checkup"]["dental"];
    assert_eq!(made["cariesType"], "C2", "{body}");
    assert_eq!(made["cariesCount"], 2);

    // A bad tooth code and plaque out of range are refused; measurements are not dental.
    let e = booked_child(
        &app,
        &guardian,
        &dentist,
        &kinds,
        "DENTAL_3Y",
        39,
        DENTAL_3Y_ANSWERS,
    )
    .await;
    let body = record(&app, &dentist, json!({ "childId": e, "checkupTypeId": id(&kinds, "DENTAL_3Y"), "examinedOn": today().to_string(), "judgementCode": "NORMAL", "heightCm": 90.0, "dental": { "teeth": [{ "tooth": "UR_F", "status": "SOUND" }], "plaque": 5 } })).await;
    let fields: Vec<Value> = body["data"]["recordCheckup"]["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert!(
        fields.contains(&json!(["input", "dental", "teeth", "0", "tooth"])),
        "{body}"
    );
    assert!(
        fields.contains(&json!(["input", "dental", "plaque"])),
        "{body}"
    );
    assert!(fields.contains(&json!(["input", "heightCm"])), "{body}");
}

#[tokio::test]
async fn dental_checkups_only_at_registered_dental_clinics() {
    let Checkups {
        app,
        guardian,
        clinic,
        kinds,
    } = checkups().await;
    let dentist = app.login_demo(DENTAL).await;
    let child = child_aged(&app, &guardian, "北九 歯科", 19).await;
    // A dental checkup on a medical clinic's slot.
    let (medical_slot, _) = slot(&app, &clinic, 2, 5).await;
    let refused = book(
        &app,
        &guardian,
        &child,
        &id(&kinds, "DENTAL_1Y6M"),
        &medical_slot,
        DENTAL_ANSWERS,
    )
    .await;
    assert_eq!(user_error_codes(&refused), ["NOT_ALLOWED"], "{refused}");
    // A medical checkup on the dental clinic's slot.
    let (dental_slot, _) = slot(&app, &dentist, 2, 5).await;
    let refused = book(
        &app,
        &guardian,
        &child,
        &id(&kinds, "INFANT_1Y6M"),
        &dental_slot,
        ONE_AND_HALF,
    )
    .await;
    assert_eq!(user_error_codes(&refused), ["NOT_ALLOWED"], "{refused}");
    // The medical clinic, with its own booking of the child, cannot record the dental one.
    let booked = book(
        &app,
        &guardian,
        &child,
        &id(&kinds, "INFANT_1Y6M"),
        &medical_slot,
        ONE_AND_HALF,
    )
    .await;
    assert_eq!(booked["userErrors"], json!([]), "{booked}");
    let body = record(&app, &clinic, json!({ "childId": child, "checkupTypeId": id(&kinds, "DENTAL_1Y6M"), "examinedOn": today().to_string(), "judgementCode": "NORMAL", "dental": { "teeth": grid(&[]), "plaque": 0 } })).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
}

#[tokio::test]
async fn health_staff_list_results_by_type_day_and_judgement_and_each_read_is_logged() {
    let Checkups {
        app,
        guardian,
        clinic,
        kinds,
    } = checkups().await;
    let admin = app.login_demo(ADMIN).await;
    let child = booked_for_one_and_half(&app, &guardian, &clinic, &kinds).await;
    let body = record(&app, &clinic, json!({
        "childId": child, "checkupTypeId": id(&kinds, "INFANT_1Y6M"), "examinedOn": today().to_string(),
        "heightCm": 80.0, "weightKg": 10.5, "findings": findings(&kinds, "INFANT_1Y6M"), "judgementCode": "OBSERVE",
    })).await;
    let made = body["data"]["recordCheckup"]["checkup"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();

    let list = "query($f: CheckupResultFilter) { checkupResults(filter: $f, first: 50) { totalCount nodes { id childId judgementCode source examinedOn } } }";
    let today_only = app.graphql(Some(&admin), list, json!({ "f": { "from": today().to_string(), "to": today().to_string(), "judgementCode": "OBSERVE" } })).await;
    assert_eq!(
        today_only["data"]["checkupResults"]["nodes"][0]["id"], made,
        "{today_only}"
    );
    assert_eq!(today_only["data"]["checkupResults"]["totalCount"], 1);
    // The demo's results are there too, paper and app together.
    let all = app.graphql(Some(&admin), list, json!({ "f": {} })).await;
    let sources: Vec<&str> = all["data"]["checkupResults"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{all}"))
        .iter()
        .map(|n| n["source"].as_str().unwrap())
        .collect();
    assert!(
        sources.contains(&"PAPER") && sources.contains(&"APP"),
        "{all}"
    );
    let dental = app
        .graphql(
            Some(&admin),
            list,
            json!({ "f": { "checkupTypeId": id(&kinds, "DENTAL_3Y") } }),
        )
        .await;
    // The resident's child's, and the sixteen the dental clinic entered from paper.
    assert_eq!(
        dental["data"]["checkupResults"]["totalCount"], 17,
        "{dental}"
    );
    let none = app
        .graphql(
            Some(&admin),
            list,
            json!({ "f": { "judgementCode": "UNDER_CARE" } }),
        )
        .await;
    assert_eq!(none["data"]["checkupResults"]["totalCount"], 0, "{none}");

    let log = app
        .graphql(
            Some(&admin),
            "{ personalDataAccessLog(first: 100) { nodes { subjectKind accessed } } }",
            json!({}),
        )
        .await;
    let checkup_reads = log["data"]["personalDataAccessLog"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{log}"))
        .iter()
        .filter(|n| n["accessed"] == "checkups")
        .count();
    assert!(checkup_reads >= 3, "{log}");
}

#[tokio::test]
async fn checkup_results_stay_with_the_guardian_the_clinic_concerned_and_the_city() {
    let Checkups {
        app,
        guardian,
        clinic,
        kinds,
    } = checkups().await;
    let child = booked_for_one_and_half(&app, &guardian, &clinic, &kinds).await;
    let input = json!({
        "childId": child, "checkupTypeId": id(&kinds, "INFANT_1Y6M"), "examinedOn": today().to_string(),
        "heightCm": 80.0, "weightKg": 10.5, "findings": findings(&kinds, "INFANT_1Y6M"), "judgementCode": "NORMAL",
    });
    // Another clinic, without a booking of the child, may not record it.
    let other_clinic = app.login_demo(CLINIC2).await;
    let body = record(&app, &other_clinic, input.clone()).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    // The guardian is no clinic.
    let body = record(&app, &guardian, input.clone()).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = record(&app, &clinic, input).await;
    assert_eq!(
        body["data"]["recordCheckup"]["userErrors"],
        json!([]),
        "{body}"
    );

    let read = "query($c: ID!) { healthChildCheckups(childId: $c) { id judgementCode } }";
    for who in [&guardian, &clinic, &app.login_demo(ADMIN).await] {
        let body = app.graphql(Some(who), read, json!({ "c": child })).await;
        assert_eq!(
            body["data"]["healthChildCheckups"].as_array().map(Vec::len),
            Some(1),
            "{body}"
        );
    }
    for email in [
        CLINIC2,
        "maebashi-resident@example.jp",
        "maebashi-admin@example.jp",
    ] {
        let token = app.login_demo(email).await;
        let body = app.graphql(Some(&token), read, json!({ "c": child })).await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{email}: {body}");
    }
    let body = app.graphql(None, read, json!({ "c": child })).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");

    // The list is for the city's own health staff.
    let list = "query($f: CheckupResultFilter) { checkupResults(filter: $f) { totalCount } }";
    let city = app.municipality_id("40100").await;
    let maebashi_admin = app.login_demo("maebashi-admin@example.jp").await;
    let body = app
        .graphql(
            Some(&maebashi_admin),
            list,
            json!({ "f": { "municipalityId": city } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .graphql(Some(&maebashi_admin), list, json!({ "f": {} }))
        .await;
    assert_eq!(body["data"]["checkupResults"]["totalCount"], 0, "{body}");
    for token in [&clinic, &guardian] {
        let body = app.graphql(Some(token), list, json!({ "f": {} })).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    let body = app.graphql(None, list, json!({ "f": {} })).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");

    // The clinic's day list shows its own checkup bookings with the 問診票.
    let day = app.graphql(Some(&clinic), "query($d: Date) { clinicCheckupDay(day: $d) { child { id } booking { status answers { code value } } } }", json!({ "d": (today() + Duration::days(2)).to_string() })).await;
    assert!(
        day["data"]["clinicCheckupDay"]
            .as_array()
            .unwrap_or_else(|| panic!("{day}"))
            .iter()
            .all(|e| e["booking"]["status"] != "CANCELLED"),
        "{day}"
    );
    let other_day = app
        .graphql(
            Some(&other_clinic),
            "query($d: Date) { clinicCheckupDay(day: $d) { child { id } } }",
            json!({ "d": (today() + Duration::days(2)).to_string() }),
        )
        .await;
    assert!(
        !other_day["data"]["clinicCheckupDay"]
            .as_array()
            .unwrap_or_else(|| panic!("{other_day}"))
            .iter()
            .any(|e| e["child"]["id"] == child),
        "{other_day}"
    );
}

/// The count and unit price of the claim item for `service` and `key` (`None` when the
/// claim has no such item).
fn claim_item(claim: &Value, service: &str, key: &str) -> Option<(i64, Option<i64>)> {
    claim["items"].as_array().and_then(|items| {
        items
            .iter()
            .find(|i| i["service"] == service && i["checkupKey"] == key)
            .map(|i| (i["count"].as_i64().unwrap(), i["unitPrice"].as_i64()))
    })
}

/// The clinic's claim for this month, gathered again.
async fn claim_now(app: &TestApp, token: &str) -> Value {
    let body = app
        .graphql(
            Some(token),
            "mutation($input: PrepareHealthFeeClaimInput!) { prepareHealthFeeClaim(input: $input) { claim { id status items { service checkupKey unitPrice count amount } lines { service servedOn source } } userErrors { code } } }",
            json!({ "input": { "year": today().year(), "month": today().month() } }),
        )
        .await;
    let prepared = &body["data"]["prepareHealthFeeClaim"];
    assert_eq!(prepared["userErrors"], json!([]), "{body}");
    prepared["claim"].clone()
}

#[tokio::test]
async fn recorded_checkups_are_billed_on_the_clinics_monthly_claim_at_the_schedules_price() {
    let app = spawn_app().await;
    let admin = app.login_demo(ADMIN).await;
    let guardian = app.login_demo(GUARDIAN).await;
    let clinic = app.login_demo(CLINIC).await;
    let dentist = app.login_demo(DENTAL).await;
    let kinds = types(&app).await;
    let fiscal_year = if today().month() >= 4 {
        today().year()
    } else {
        today().year() - 1
    };
    let body = app
        .graphql(
            Some(&admin),
            "mutation($input: SetHealthFeeScheduleInput!) { setHealthFeeSchedule(input: $input) { userErrors { field code } } }",
            json!({ "input": { "fiscalYear": fiscal_year, "lines": [
                { "service": "CHECKUP", "checkupKey": "INFANT_1Y6M", "price": 9_130 },
                { "service": "DENTAL_CHECKUP", "checkupKey": "DENTAL_1Y6M", "price": 5_280 },
            ] } }),
        )
        .await;
    assert_eq!(
        body["data"]["setHealthFeeSchedule"]["userErrors"],
        json!([]),
        "{body}"
    );
    let before = claim_item(&claim_now(&app, &clinic).await, "CHECKUP", "INFANT_1Y6M")
        .map_or(0, |(count, _)| count);
    let dental_before = claim_item(
        &claim_now(&app, &dentist).await,
        "DENTAL_CHECKUP",
        "DENTAL_1Y6M",
    )
    .map_or(0, |(count, _)| count);

    // The clinic records an infant checkup, the dental clinic a dental one.
    let child = booked_child(
        &app,
        &guardian,
        &clinic,
        &kinds,
        "INFANT_1Y6M",
        19,
        ONE_AND_HALF,
    )
    .await;
    let body = record(&app, &clinic, json!({
        "childId": child, "checkupTypeId": id(&kinds, "INFANT_1Y6M"), "examinedOn": today().to_string(),
        "heightCm": 81.5, "weightKg": 10.9, "headCircumferenceCm": 46.5,
        "findings": findings(&kinds, "INFANT_1Y6M"), "judgementCode": "NORMAL",
    }))
    .await;
    assert_eq!(
        body["data"]["recordCheckup"]["userErrors"],
        json!([]),
        "{body}"
    );
    let teeth = booked_child(
        &app,
        &guardian,
        &dentist,
        &kinds,
        "DENTAL_1Y6M",
        19,
        DENTAL_ANSWERS,
    )
    .await;
    let body = record(&app, &dentist, json!({ "childId": teeth, "checkupTypeId": id(&kinds, "DENTAL_1Y6M"), "examinedOn": today().to_string(), "judgementCode": "NORMAL", "dental": { "teeth": grid(&[]), "plaque": 0 } })).await;
    assert_eq!(
        body["data"]["recordCheckup"]["userErrors"],
        json!([]),
        "{body}"
    );

    // Each is one more line of its own clinic's claim, at the schedule's price, and of no
    // other clinic's.
    let claim = claim_now(&app, &clinic).await;
    assert_eq!(
        claim_item(&claim, "CHECKUP", "INFANT_1Y6M"),
        Some((before + 1, Some(9_130))),
        "{claim}"
    );
    assert_eq!(claim_item(&claim, "DENTAL_CHECKUP", "DENTAL_1Y6M"), None);
    let dental = claim_now(&app, &dentist).await;
    assert_eq!(
        claim_item(&dental, "DENTAL_CHECKUP", "DENTAL_1Y6M"),
        Some((dental_before + 1, Some(5_280))),
        "{dental}"
    );
    assert_eq!(claim_item(&dental, "CHECKUP", "INFANT_1Y6M"), None);
    // Gathered again, nothing is billed twice.
    let again = claim_now(&app, &clinic).await;
    assert_eq!(again["items"], claim["items"]);
}

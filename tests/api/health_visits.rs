//! Health: clinics, slots and bookings, the 予診票 from draft to submission, the clinic's
//! confirmation and record (or deferral), paper forms, overrides, corrections, the day list
//! and who may read what.

use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDate};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::helpers::{TestApp, error_code, spawn_app, user_error_codes};

pub(crate) const CLINIC: &str = "kitakyushu-clinic@example.jp";
const CLINIC2: &str = "kitakyushu-clinic2@example.jp";
pub(crate) const GUARDIAN: &str = "kitakyushu-resident@example.jp";
const ADMIN: &str = "kitakyushu-admin@example.jp";

pub(crate) fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive()
}

pub(crate) async fn register_child(
    app: &TestApp,
    token: &str,
    name: &str,
    kana: &str,
    birth: NaiveDate,
) -> String {
    let body = app
        .graphql(
            Some(token),
            "mutation($input: RegisterHealthChildInput!) { registerHealthChild(input: $input) { child { id } userErrors { code } } }",
            json!({ "input": { "name": name, "nameKana": kana, "birthDate": birth.to_string(), "sex": "FEMALE" } }),
        )
        .await;
    body["data"]["registerHealthChild"]["child"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn handbook(app: &TestApp, token: &str, child: &str, product: &str, on: NaiveDate) {
    let body = app
        .graphql(
            Some(token),
            "mutation($input: RecordHandbookVaccinationInput!) { recordHandbookVaccination(input: $input) { userErrors { code } } }",
            json!({ "input": { "childId": child, "productCode": product, "vaccinatedOn": on.to_string() } }),
        )
        .await;
    assert_eq!(
        body["data"]["recordHandbookVaccination"]["userErrors"],
        json!([]),
        "{body}"
    );
}

/// The id of a slot of `clinic_token`'s clinic `days` from now, made for the test.
pub(crate) async fn slot(
    app: &TestApp,
    clinic_token: &str,
    days: i64,
    capacity: i32,
) -> (String, String) {
    let day = today() + Duration::days(days);
    let starts = format!("{day}T05:00:00Z");
    let ends = format!("{day}T06:00:00Z");
    let body = app
        .graphql(
            Some(clinic_token),
            "mutation($input: CreateVaccinationSlotsInput!) { createVaccinationSlots(input: $input) { slots { id day placesLeft clinic { id name kind } } userErrors { field code message } } }",
            json!({ "input": { "slots": [{ "startsAt": starts, "endsAt": ends, "capacity": capacity }] } }),
        )
        .await;
    let slot = &body["data"]["createVaccinationSlots"]["slots"][0];
    assert_eq!(slot["clinic"]["kind"], "CLINIC", "{body}");
    (
        slot["id"].as_str().unwrap().to_owned(),
        slot["clinic"]["id"].as_str().unwrap().to_owned(),
    )
}

pub(crate) async fn book(
    app: &TestApp,
    token: &str,
    child: &str,
    slot: &str,
    products: &[&str],
    key: Option<&str>,
) -> Value {
    let body = app
        .graphql(
            Some(token),
            "mutation($input: BookVaccinationInput!) { bookVaccination(input: $input) { booking { id status productCodes day warnings { severity reason category message } } userErrors { field code message } } }",
            json!({ "input": { "childId": child, "slotId": slot, "productCodes": products, "idempotencyKey": key } }),
        )
        .await;
    body["data"]["bookVaccination"].clone()
}

fn well(extra: &[(&str, &str)]) -> Vec<Value> {
    let mut answers = vec![
        json!({ "code": "H_ADDRESS", "value": "北九州市小倉北区1-1" }),
        json!({ "code": "H_PHONE", "value": "093-111-2222" }),
        json!({ "code": "H_TEMPERATURE", "value": "36.5" }),
        json!({ "code": "Q01", "value": "YES" }),
    ];
    for code in [
        "Q03", "Q04", "Q05", "Q06", "Q07", "Q08", "Q09", "Q10", "Q11", "Q12", "Q13", "Q14",
    ] {
        answers.push(json!({ "code": code, "value": "NO" }));
    }
    for (code, value) in extra {
        answers.push(json!({ "code": code, "value": value }));
    }
    answers
}

const FORM: &str = "id childId productCode plannedOn source status visitId bookingId answers { code value } consent { method signer signerName relationship textVersion } findings { severity reason } confirmation { temperature judgement doctorName deferralReason }";

async fn submit(app: &TestApp, token: &str, input: Value) -> Value {
    let query = format!(
        "mutation($input: SubmitVaccinationFormsInput!) {{ submitVaccinationForms(input: $input) {{ forms {{ {FORM} }} userErrors {{ field code message }} }} }}"
    );
    let body = app
        .graphql(Some(token), &query, json!({ "input": input }))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["submitVaccinationForms"].clone()
}

async fn confirm(
    app: &TestApp,
    token: &str,
    form: &str,
    temperature: f64,
    judgement: &str,
    reason: Option<&str>,
) -> Value {
    let query = format!(
        "mutation($input: ConfirmVaccinationFormInput!) {{ confirmVaccinationForm(input: $input) {{ form {{ {FORM} }} userErrors {{ field code message }} }} }}"
    );
    let input = json!({ "formId": form, "temperature": temperature, "judgement": judgement, "doctorName": "小倉 健一", "explanationGiven": judgement == "OK", "deferralReason": reason });
    let body = app
        .graphql(Some(token), &query, json!({ "input": input }))
        .await;
    if body["errors"].is_array() {
        return body;
    }
    body["data"]["confirmVaccinationForm"].clone()
}

const RECORD: &str = "id recordId productCode vaccinatedOn source lotNumber lotExpiry doseMl site route doctorName doseNumber seriesCode funded version superseded correctionReason overrides { reason message note } clinic { name }";

async fn record(app: &TestApp, token: &str, input: Value) -> Value {
    let query = format!(
        "mutation($input: RecordVaccinationInput!) {{ recordVaccination(input: $input) {{ vaccination {{ {RECORD} }} userErrors {{ field code message }} }} }}"
    );
    let body = app
        .graphql(Some(token), &query, json!({ "input": input }))
        .await;
    if body["errors"].is_array() {
        return body;
    }
    body["data"]["recordVaccination"].clone()
}

fn expiry() -> String {
    (today() + Duration::days(180)).to_string()
}

async fn clinic_day(app: &TestApp, token: &str, day: NaiveDate) -> Value {
    app.graphql(
        Some(token),
        "query($day: Date) { clinicDay(day: $day) { day entries { booking { id status productCodes } slot { startsAt } child { id name birthDate } forms { id productCode status source } } } }",
        json!({ "day": day.to_string() }),
    )
    .await
}

#[tokio::test]
async fn a_guardian_books_fills_in_and_submits_forms_and_the_clinic_confirms_and_records_each_dose()
{
    let app = spawn_app().await;
    let guardian = app.login_demo(GUARDIAN).await;
    let clinic = app.login_demo(CLINIC).await;
    let admin = app.login_demo(ADMIN).await;
    let child = register_child(
        &app,
        &guardian,
        "北九 彩",
        "きたきゅう あや",
        today() - Duration::days(63),
    )
    .await;
    let (slot_id, clinic_id) = slot(&app, &clinic, 1, 2).await;
    let day = today() + Duration::days(1);

    // Anyone sees the open slots of the municipality.
    let municipality = app.municipality_id("40100").await;
    let body = app
        .graphql(
            None,
            "query($m: ID, $from: Date!, $to: Date!) { vaccinationSlots(municipalityId: $m, from: $from, to: $to, hasFreePlaces: true) { id placesLeft } }",
            json!({ "m": municipality, "from": day.to_string(), "to": day.to_string() }),
        )
        .await;
    let slots = body["data"]["vaccinationSlots"].as_array().unwrap();
    assert!(
        slots
            .iter()
            .any(|s| s["id"] == slot_id.as_str() && s["placesLeft"] == 2),
        "{body}"
    );

    // 同時接種: four vaccines in one booking.
    let products = ["HEPB", "ROTARIX", "PCV15", "DPT_IPV_HIB"];
    let booked = book(&app, &guardian, &child, &slot_id, &products, None).await;
    assert_eq!(booked["userErrors"], json!([]), "{booked}");
    let booking = booked["booking"]["id"].as_str().unwrap().to_owned();
    assert_eq!(booked["booking"]["status"], "BOOKED");

    // The drafts are prefilled: the guardian never retypes the name or the birth date.
    let body = app
        .graphql(
            Some(&guardian),
            "query($c: ID!, $p: [String!]!, $on: Date!) { vaccinationFormDrafts(childId: $c, productCodes: $p, on: $on) { productCode dose definition { antigen version title questions { code kind required prefill } consentText } answers { code value } findings { severity } } }",
            json!({ "c": child, "p": products, "on": day.to_string() }),
        )
        .await;
    let drafts = body["data"]["vaccinationFormDrafts"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(drafts.len(), 4);
    let rota = drafts
        .iter()
        .find(|d| d["productCode"] == "ROTARIX")
        .unwrap();
    assert_eq!(rota["definition"]["antigen"], "ROTA");
    assert!(
        rota["definition"]["questions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["code"] == "R02")
    );
    let answer = |draft: &Value, code: &str| {
        draft["answers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == code)
            .map(|a| a["value"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(answer(rota, "H_NAME"), "北九 彩");
    assert_eq!(answer(rota, "H_NAME_KANA"), "キタキュウ アヤ");
    assert_eq!(
        answer(rota, "H_BIRTH_DATE"),
        (today() - Duration::days(63)).to_string()
    );
    assert_eq!(answer(rota, "H_DOSE"), "1回目");
    assert_eq!(answer(rota, "R01"), "なし");

    let mut forms = Vec::new();
    for product in products {
        let extra: &[(&str, &str)] = if product == "ROTARIX" {
            &[("R02", "NO")]
        } else {
            &[]
        };
        forms.push(json!({ "productCode": product, "answers": well(extra) }));
    }
    let input = json!({
        "childId": child, "clinicId": clinic_id, "bookingId": booking, "plannedOn": day.to_string(),
        "forms": forms,
        "consent": { "method": "BUTTON", "signer": "GUARDIAN", "signerName": "若松 陽菜" },
        "idempotencyKey": "forms-1",
    });
    let submitted = submit(&app, &guardian, input.clone()).await;
    assert_eq!(submitted["userErrors"], json!([]), "{submitted}");
    let forms = submitted["forms"].as_array().unwrap().clone();
    assert_eq!(forms.len(), 4);
    let visit = forms[0]["visitId"].clone();
    assert!(
        forms
            .iter()
            .all(|f| f["visitId"] == visit && f["source"] == "APP" && f["status"] == "SUBMITTED")
    );
    assert_eq!(forms[0]["consent"]["method"], "BUTTON");
    assert_eq!(forms[0]["consent"]["textVersion"], 1);
    // A retry with the same key submits nothing more.
    let again = submit(&app, &guardian, input).await;
    assert_eq!(again["forms"][0]["id"], forms[0]["id"]);

    // The clinic's day list shows the booking with its four forms.
    let list = clinic_day(&app, &clinic, day).await;
    let entries = list["data"]["clinicDay"]["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"));
    let entry = entries
        .iter()
        .find(|e| e["booking"]["id"] == booking.as_str())
        .unwrap();
    assert_eq!(entry["child"]["name"], "北九 彩");
    assert_eq!(entry["forms"].as_array().unwrap().len(), 4);

    // The doctor confirms and the clinic records each dose (today: the checks run again).
    let mut records = Vec::new();
    for form in &forms {
        let id = form["id"].as_str().unwrap();
        let confirmed = confirm(&app, &clinic, id, 36.6, "OK", None).await;
        assert_eq!(confirmed["form"]["status"], "CONFIRMED", "{confirmed}");
        let product = form["productCode"].as_str().unwrap();
        let site = if product == "ROTARIX" {
            "MOUTH"
        } else {
            "LEFT_THIGH"
        };
        let recorded = record(&app, &clinic, json!({ "formId": id, "lotNumber": format!("{product}-L1"), "lotExpiry": expiry(), "site": site })).await;
        assert_eq!(recorded["userErrors"], json!([]), "{recorded}");
        records.push(recorded["vaccination"].clone());
    }
    let pcv = records
        .iter()
        .find(|r| r["productCode"] == "PCV15")
        .unwrap();
    assert_eq!(pcv["source"], "APP");
    assert_eq!(pcv["doseNumber"], 1);
    assert_eq!(pcv["seriesCode"], "PCV_START_2_7");
    assert_eq!(pcv["doseMl"], 0.5);
    assert_eq!(pcv["route"], "INJECTED");
    assert_eq!(pcv["doctorName"], "小倉 健一");
    assert_eq!(pcv["clinic"]["name"], "小倉こどもクリニック");

    // The guardian sees the history and the schedule moved on; the booking was attended.
    let body = app
        .graphql(
            Some(&guardian),
            "query($id: ID!) { healthChild(id: $id) { vaccinations { productCode source } schedule { antigen dose state } bookings { id status } forms { status } } }",
            json!({ "id": child }),
        )
        .await;
    let seen = &body["data"]["healthChild"];
    assert_eq!(seen["vaccinations"].as_array().unwrap().len(), 4, "{body}");
    assert!(
        seen["schedule"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["antigen"] == "PCV" && l["dose"] == 1 && l["state"] == "GIVEN")
    );
    assert_eq!(seen["bookings"][0]["status"], "ATTENDED");
    assert!(
        seen["forms"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["status"] == "VACCINATED")
    );

    // The record as a JP Core Immunization resource.
    let body = app
        .graphql(
            Some(&guardian),
            "query($id: ID!) { healthChild(id: $id) { vaccinations { productCode jpCoreImmunization } } }",
            json!({ "id": child }),
        )
        .await;
    let resource = body["data"]["healthChild"]["vaccinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["productCode"] == "PCV15")
        .unwrap()["jpCoreImmunization"]
        .clone();
    assert_eq!(resource["resourceType"], "Immunization");
    assert_eq!(
        resource["meta"]["profile"][0],
        "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Immunization"
    );
    assert_eq!(resource["status"], "completed");
    assert_eq!(resource["lotNumber"], "PCV15-L1");
    assert_eq!(resource["site"]["coding"][0]["code"], "77L");
    assert_eq!(resource["protocolApplied"][0]["doseNumberPositiveInt"], 1);
    assert_eq!(resource["occurrenceDateTime"], today().to_string());

    // The municipality's register lists the four records; each child read is logged.
    let body = app
        .graphql(
            Some(&admin),
            "query($c: ID) { vaccinationRegister(filter: { clinicId: $c }, first: 50) { totalCount nodes { productCode childId source } } }",
            json!({ "c": clinic_id }),
        )
        .await;
    let nodes = body["data"]["vaccinationRegister"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(
        nodes
            .iter()
            .filter(|n| n["childId"] == child.as_str())
            .count(),
        4
    );
    let log = app
        .graphql(
            Some(&admin),
            "{ personalDataAccessLog(first: 100) { nodes { subjectKind accessed } } }",
            json!({}),
        )
        .await;
    let accessed: Vec<&str> = log["data"]["personalDataAccessLog"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{log}"))
        .iter()
        .filter(|n| n["subjectKind"] == "health_child")
        .filter_map(|n| n["accessed"].as_str())
        .collect();
    assert!(accessed.contains(&"register"), "{log}");
    assert!(accessed.contains(&"day_list"), "{log}");
}

#[tokio::test]
async fn the_checks_block_a_booking_too_soon_after_a_dose_or_a_live_vaccine_and_the_block_is_counted()
 {
    let app = spawn_app().await;
    let guardian = app.login_demo(GUARDIAN).await;
    let clinic = app.login_demo(CLINIC).await;
    let admin = app.login_demo(ADMIN).await;
    // A toddler of 13 months who had MR ten days ago and varicella dose 1 six weeks ago.
    let child = register_child(
        &app,
        &guardian,
        "北九 湊",
        "キタキュウ ミナト",
        today() - Duration::days(400),
    )
    .await;
    handbook(&app, &guardian, &child, "MR", today() - Duration::days(10)).await;
    handbook(
        &app,
        &guardian,
        &child,
        "VARICELLA",
        today() - Duration::days(45),
    )
    .await;
    let (slot_id, _) = slot(&app, &clinic, 2, 3).await;

    // Varicella dose 2 needs 3 months after dose 1, and 27 days after MR: both block.
    let refused = book(&app, &guardian, &child, &slot_id, &["VARICELLA"], None).await;
    assert_eq!(refused["booking"], Value::Null);
    let codes = user_error_codes(&refused);
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == "VACCINATION_BLOCKED"),
        "{refused}"
    );
    let messages: Vec<&str> = refused["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(messages.iter().any(|m| m.contains("27日以上")), "{refused}");

    // A dose beyond the series: MR 1期 is done and 2期 is years away.
    let refused = book(&app, &guardian, &child, &slot_id, &["MR"], None).await;
    assert_eq!(
        user_error_codes(&refused)[0],
        "VACCINATION_BLOCKED",
        "{refused}"
    );

    // Not one place was taken.
    let body = app
        .graphql(
            Some(&guardian),
            "query($from: Date!, $to: Date!) { vaccinationSlots(from: $from, to: $to) { id placesLeft } }",
            json!({ "from": (today() + Duration::days(2)).to_string(), "to": (today() + Duration::days(2)).to_string() }),
        )
        .await;
    let left = body["data"]["vaccinationSlots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == slot_id.as_str())
        .unwrap()["placesLeft"]
        .clone();
    assert_eq!(left, 3);

    // The blocks were counted as caught at booking, by category.
    let body = app
        .graphql(
            Some(&admin),
            "query($from: Date!, $to: Date!) { vaccinationCheckCounts(from: $from, to: $to) { stage outcome category count } }",
            json!({ "from": today().to_string(), "to": today().to_string() }),
        )
        .await;
    let counts = body["data"]["vaccinationCheckCounts"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert!(
        counts.iter().any(|c| c["stage"] == "BOOKING"
            && c["outcome"] == "CAUGHT"
            && c["category"] == "INTERVAL"
            && c["count"].as_i64().unwrap() >= 2),
        "{body}"
    );
    assert!(
        counts
            .iter()
            .any(|c| c["category"] == "UNNECESSARY_DOSE" || c["category"] == "AGE"),
        "{body}"
    );
}

#[tokio::test]
async fn a_warning_is_recorded_only_with_the_clinics_override_and_a_block_never_and_an_expired_lot_blocks()
 {
    let app = spawn_app().await;
    let guardian = app.login_demo(GUARDIAN).await;
    let clinic = app.login_demo(CLINIC).await;
    let admin = app.login_demo(ADMIN).await;
    // Sixteen weeks old: rotavirus dose 1 is allowed until 24 weeks but warned after 14w6d.
    let child = register_child(
        &app,
        &guardian,
        "北九 凛",
        "キタキュウ リン",
        today() - Duration::days(112),
    )
    .await;
    let (slot_id, clinic_id) = slot(&app, &clinic, 1, 3).await;
    let booked = book(&app, &guardian, &child, &slot_id, &["ROTARIX"], None).await;
    assert_eq!(
        booked["booking"]["warnings"][0]["severity"], "WARN",
        "{booked}"
    );
    assert_eq!(booked["booking"]["warnings"][0]["category"], "AGE");

    // The forms are submitted for today at the clinic (walk-in, no booking).
    let submitted = submit(
        &app,
        &guardian,
        json!({
            "childId": child, "clinicId": clinic_id, "plannedOn": today().to_string(),
            "forms": [{ "productCode": "ROTARIX", "answers": well(&[("R02", "NO")]) }],
            "consent": { "method": "CHECKBOX", "signer": "GUARDIAN", "signerName": "若松 陽菜" },
        }),
    )
    .await;
    assert_eq!(submitted["userErrors"], json!([]), "{submitted}");
    let form = submitted["forms"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        submitted["forms"][0]["findings"][0]["reason"],
        "OUTSIDE_STANDARD_AGE"
    );
    let confirmed = confirm(&app, &clinic, &form, 36.8, "OK", None).await;
    assert_eq!(confirmed["userErrors"], json!([]), "{confirmed}");

    // An expired lot blocks, and cannot be overridden.
    let yesterday = (today() - Duration::days(1)).to_string();
    let refused = record(&app, &clinic, json!({ "formId": form, "lotNumber": "R-1", "lotExpiry": yesterday, "overrides": [{ "reason": "EXPIRED_LOT", "note": "急ぎ" }] })).await;
    assert!(
        user_error_codes(&refused).contains(&"VACCINATION_BLOCKED".to_owned()),
        "{refused}"
    );

    // The warning without an override is refused; with one it is recorded and kept.
    let refused = record(
        &app,
        &clinic,
        json!({ "formId": form, "lotNumber": "R-1", "lotExpiry": expiry() }),
    )
    .await;
    assert_eq!(
        user_error_codes(&refused),
        ["WARNING_NOT_OVERRIDDEN"],
        "{refused}"
    );
    let recorded = record(&app, &clinic, json!({ "formId": form, "lotNumber": "R-1", "lotExpiry": expiry(), "idempotencyKey": "rec-1",
        "overrides": [{ "reason": "OUTSIDE_STANDARD_AGE", "note": "保護者の希望と医師の判断により接種" }] })).await;
    assert_eq!(recorded["userErrors"], json!([]), "{recorded}");
    let dose = &recorded["vaccination"];
    assert_eq!(dose["overrides"][0]["reason"], "OUTSIDE_STANDARD_AGE");
    assert_eq!(
        dose["overrides"][0]["note"],
        "保護者の希望と医師の判断により接種"
    );
    // A retry with the same key records nothing more.
    let again = record(&app, &clinic, json!({ "formId": form, "lotNumber": "R-1", "lotExpiry": expiry(), "idempotencyKey": "rec-1",
        "overrides": [{ "reason": "OUTSIDE_STANDARD_AGE", "note": "保護者の希望と医師の判断により接種" }] })).await;
    assert_eq!(again["vaccination"]["id"], dose["id"], "{again}");

    let body = app
        .graphql(
            Some(&admin),
            "query($from: Date!, $to: Date!) { vaccinationCheckCounts(from: $from, to: $to) { stage outcome category count } }",
            json!({ "from": today().to_string(), "to": today().to_string() }),
        )
        .await;
    let counts = body["data"]["vaccinationCheckCounts"].as_array().unwrap();
    assert!(
        counts
            .iter()
            .any(|c| c["outcome"] == "OVERRIDDEN" && c["category"] == "AGE" && c["count"] == 1),
        "{body}"
    );
    assert!(
        counts
            .iter()
            .any(|c| c["outcome"] == "CAUGHT" && c["category"] == "EXPIRED_VACCINE"),
        "{body}"
    );
}

#[tokio::test]
async fn a_fever_defers_the_vaccination_and_the_deferral_needs_a_reason() {
    let app = spawn_app().await;
    let guardian = app.login_demo(GUARDIAN).await;
    let clinic = app.login_demo(CLINIC).await;
    let child = register_child(
        &app,
        &guardian,
        "北九 大和",
        "キタキュウ ヤマト",
        today() - Duration::days(70),
    )
    .await;
    let body = app
        .graphql(Some(&clinic), "{ me { organization { id } } }", json!({}))
        .await;
    let clinic_id = body["data"]["me"]["organization"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let submitted = submit(
        &app,
        &guardian,
        json!({
            "childId": child, "clinicId": clinic_id, "plannedOn": today().to_string(),
            "forms": [{ "productCode": "HEPB", "answers": well(&[]) }],
            "consent": { "method": "BUTTON", "signer": "GUARDIAN", "signerName": "若松 陽菜" },
        }),
    )
    .await;
    let form = submitted["forms"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{submitted}"))
        .to_owned();

    let refused = confirm(&app, &clinic, &form, 37.8, "OK", None).await;
    assert_eq!(user_error_codes(&refused), ["NOT_ALLOWED"], "{refused}");
    let refused = confirm(&app, &clinic, &form, 37.8, "DEFER", None).await;
    assert_eq!(user_error_codes(&refused), ["REQUIRED"], "{refused}");
    let deferred = confirm(
        &app,
        &clinic,
        &form,
        37.8,
        "DEFER",
        Some("37.5℃以上の発熱があったため"),
    )
    .await;
    let form_after = &deferred["form"];
    assert_eq!(form_after["status"], "DEFERRED", "{deferred}");
    assert_eq!(form_after["confirmation"]["judgement"], "DEFER");
    assert_eq!(form_after["confirmation"]["temperature"], 37.8);
    // Nothing can be recorded on a deferral, and it cannot be confirmed twice.
    let refused = record(
        &app,
        &clinic,
        json!({ "formId": form, "lotNumber": "H-1", "lotExpiry": expiry() }),
    )
    .await;
    assert_eq!(user_error_codes(&refused), ["INVALID_STATE"], "{refused}");
    let refused = confirm(&app, &clinic, &form, 36.5, "OK", None).await;
    assert_eq!(user_error_codes(&refused), ["INVALID_STATE"], "{refused}");

    // A municipality that sets the threshold at 38.0℃ lets the doctor go ahead at 37.8℃.
    let admin = app.login_demo(ADMIN).await;
    let body = app
        .graphql(
            Some(&admin),
            "mutation { updateHealthSettings(input: { feverThreshold: 38.0, monthEnd: LAST_DAY_OF_MONTH }) { settings { feverThreshold monthEnd } userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["updateHealthSettings"]["settings"]["feverThreshold"], 38.0,
        "{body}"
    );
    let body = app
        .graphql(Some(&admin), "mutation { updateHealthSettings(input: { feverThreshold: 40.0 }) { settings { feverThreshold } userErrors { code field } } }", json!({}))
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["updateHealthSettings"]),
        ["INVALID"]
    );
    let body = app
        .graphql(
            Some(&admin),
            "{ healthSettings { feverThreshold monthEnd } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["healthSettings"],
        json!({ "feverThreshold": 38.0, "monthEnd": "LAST_DAY_OF_MONTH" })
    );
    let second = submit(
        &app,
        &guardian,
        json!({
            "childId": child, "clinicId": clinic_id, "plannedOn": today().to_string(),
            "forms": [{ "productCode": "HEPB", "answers": well(&[]) }],
            "consent": { "method": "BUTTON", "signer": "GUARDIAN", "signerName": "若松 陽菜" },
        }),
    )
    .await;
    let form = second["forms"][0]["id"].as_str().unwrap().to_owned();
    let confirmed = confirm(&app, &clinic, &form, 37.8, "OK", None).await;
    assert_eq!(confirmed["form"]["status"], "CONFIRMED", "{confirmed}");
}

#[tokio::test]
async fn a_clinic_enters_a_paper_form_found_by_reading_and_birth_date_and_its_dose_counts_like_any_other()
 {
    let app = spawn_app().await;
    let guardian = app.login_demo(GUARDIAN).await;
    let clinic = app.login_demo(CLINIC2).await;
    let birth = today() - Duration::days(200);
    let child = register_child(&app, &guardian, "北九 紬", "キタキュウ ツムギ", birth).await;
    // The clinic does not know the child yet, and cannot read it.
    let body = app
        .graphql(
            Some(&clinic),
            "query($id: ID!) { healthChild(id: $id) { name } }",
            json!({ "id": child }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");

    // Paper consent only on paper; the reading may be hiragana with other spacing.
    let input = |method: &str| {
        json!({
            "childNameKana": "きたきゅうつむぎ", "childBirthDate": birth.to_string(), "plannedOn": today().to_string(),
            "forms": [{ "productCode": "BCG", "answers": well(&[("T01", "NO")]) }],
            "consent": { "method": method, "signer": "GUARDIAN", "signerName": "若松 陽菜" },
        })
    };
    let refused = submit(&app, &clinic, input("BUTTON")).await;
    assert_eq!(user_error_codes(&refused), ["INVALID"], "{refused}");
    let submitted = submit(&app, &clinic, input("PAPER")).await;
    assert_eq!(submitted["userErrors"], json!([]), "{submitted}");
    let form = &submitted["forms"][0];
    assert_eq!(form["source"], "PAPER");
    assert_eq!(form["childId"], child.as_str());
    let form = form["id"].as_str().unwrap().to_owned();
    confirm(&app, &clinic, &form, 36.4, "OK", None).await;
    let recorded = record(&app, &clinic, json!({ "formId": form, "lotNumber": "BCG-9", "lotExpiry": expiry(), "site": "LEFT_UPPER_ARM" })).await;
    assert_eq!(recorded["vaccination"]["source"], "PAPER", "{recorded}");

    // Now the clinic reads the child (logged), and the guardian sees the dose given.
    let body = app
        .graphql(
            Some(&clinic),
            "query($id: ID!) { healthChild(id: $id) { name forms { source } } }",
            json!({ "id": child }),
        )
        .await;
    assert_eq!(body["data"]["healthChild"]["name"], "北九 紬", "{body}");
    let body = app
        .graphql(
            Some(&guardian),
            "query($id: ID!) { healthChild(id: $id) { schedule { antigen state } } }",
            json!({ "id": child }),
        )
        .await;
    assert!(
        body["data"]["healthChild"]["schedule"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["antigen"] == "BCG" && l["state"] == "GIVEN"),
        "{body}"
    );

    // A correction is a new version; the first stays, superseded.
    let id = recorded["vaccination"]["id"].as_str().unwrap().to_owned();
    let body = app
        .graphql(
            Some(&clinic),
            &format!("mutation($input: CorrectVaccinationInput!) {{ correctVaccination(input: $input) {{ vaccination {{ {RECORD} versions {{ version superseded lotNumber }} }} userErrors {{ code field }} }} }}"),
            json!({ "input": { "vaccinationId": id, "lotNumber": "BCG-10", "reason": "ロット番号の転記誤り" } }),
        )
        .await;
    let corrected = &body["data"]["correctVaccination"]["vaccination"];
    assert_eq!(corrected["version"], 2, "{body}");
    assert_eq!(corrected["lotNumber"], "BCG-10");
    assert_eq!(corrected["correctionReason"], "ロット番号の転記誤り");
    assert_eq!(corrected["recordId"], recorded["vaccination"]["recordId"]);
    assert_eq!(
        corrected["versions"],
        json!([{ "version": 1, "superseded": true, "lotNumber": "BCG-9" }, { "version": 2, "superseded": false, "lotNumber": "BCG-10" }])
    );
    let body = app
        .graphql(
            Some(&clinic),
            "mutation($input: CorrectVaccinationInput!) { correctVaccination(input: $input) { userErrors { code field } } }",
            json!({ "input": { "vaccinationId": id, "reason": " " } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["correctVaccination"]),
        ["REQUIRED"]
    );
    // The child's history counts the dose once.
    let body = app
        .graphql(
            Some(&guardian),
            "query($id: ID!) { healthChild(id: $id) { vaccinations { lotNumber version } } }",
            json!({ "id": child }),
        )
        .await;
    assert_eq!(
        body["data"]["healthChild"]["vaccinations"],
        json!([{ "lotNumber": "BCG-10", "version": 2 }])
    );
}

#[tokio::test]
async fn consent_by_a_proxy_needs_the_relationship_and_only_a_child_of_sixteen_signs_alone() {
    let app = spawn_app().await;
    let guardian = app.login_demo(GUARDIAN).await;
    let clinic = app.login_demo(CLINIC).await;
    let body = app
        .graphql(Some(&clinic), "{ me { organization { id } } }", json!({}))
        .await;
    let clinic_id = body["data"]["me"]["organization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let child = register_child(
        &app,
        &guardian,
        "北九 葵",
        "キタキュウ アオイ",
        today() - Duration::days(70),
    )
    .await;
    let input = |signer: &str, relationship: Option<&str>| {
        json!({
            "childId": child, "clinicId": clinic_id, "plannedOn": today().to_string(),
            "forms": [{ "productCode": "HEPB", "answers": well(&[]) }],
            "consent": { "method": "CHECKBOX", "signer": signer, "signerName": "若松 和子", "relationship": relationship },
        })
    };
    let refused = submit(&app, &guardian, input("PROXY", None)).await;
    assert_eq!(user_error_codes(&refused), ["REQUIRED"], "{refused}");
    let refused = submit(&app, &guardian, input("SELF", None)).await;
    assert_eq!(user_error_codes(&refused), ["NOT_ALLOWED"], "{refused}");
    let done = submit(&app, &guardian, input("PROXY", Some("祖母"))).await;
    assert_eq!(
        done["forms"][0]["consent"],
        json!({ "method": "CHECKBOX", "signer": "PROXY", "signerName": "若松 和子", "relationship": "祖母", "textVersion": 1 })
    );

    // A missing required answer, an unknown question and a bad temperature are refused.
    let mut answers = well(&[("ZZ9", "YES")]);
    answers.retain(|a| a["code"] != "Q03");
    answers.push(json!({ "code": "H_TEMPERATURE", "value": "45" }));
    let refused = submit(
        &app,
        &guardian,
        json!({
            "childId": child, "clinicId": clinic_id, "plannedOn": today().to_string(),
            "forms": [{ "productCode": "HEPB", "answers": answers }],
            "consent": { "method": "BUTTON", "signer": "GUARDIAN", "signerName": "若松 陽菜" },
        }),
    )
    .await;
    let fields: Vec<String> = refused["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["field"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    assert!(
        fields.contains(&"input.forms.0.answers.ZZ9".to_owned()),
        "{refused}"
    );
    assert!(
        fields.contains(&"input.forms.0.answers.Q03".to_owned()),
        "{refused}"
    );
    assert!(
        fields.contains(&"input.forms.0.answers.H_TEMPERATURE".to_owned()),
        "{refused}"
    );

    // The next form is prefilled from this one: address and phone are not typed again.
    let body = app
        .graphql(
            Some(&guardian),
            "query($c: ID!, $on: Date!) { vaccinationFormDrafts(childId: $c, productCodes: [\"PCV15\"], on: $on) { answers { code value } } }",
            json!({ "c": child, "on": today().to_string() }),
        )
        .await;
    let answers = body["data"]["vaccinationFormDrafts"][0]["answers"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone();
    assert!(
        answers.contains(&json!({ "code": "H_ADDRESS", "value": "北九州市小倉北区1-1" })),
        "{body}"
    );
    assert!(
        answers.contains(&json!({ "code": "H_GUARDIAN", "value": "若松 陽菜" })),
        "{body}"
    );
}

#[tokio::test]
async fn health_data_stays_with_the_guardian_the_childs_clinic_and_the_municipality() {
    let app = spawn_app().await;
    let guardian = app.login_demo(GUARDIAN).await;
    let clinic = app.login_demo(CLINIC).await;
    let clinic2 = app.login_demo(CLINIC2).await;
    let child = register_child(
        &app,
        &guardian,
        "北九 樹",
        "キタキュウ イツキ",
        today() - Duration::days(70),
    )
    .await;
    let (slot_id, _) = slot(&app, &clinic, 3, 2).await;
    let booked = book(&app, &guardian, &child, &slot_id, &["HEPB"], Some("b-1")).await;
    let booking = booked["booking"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{booked}"))
        .to_owned();
    // The same key books nothing more.
    let again = book(&app, &guardian, &child, &slot_id, &["HEPB"], Some("b-1")).await;
    assert_eq!(again["booking"]["id"], booking.as_str());
    // A second booking of the same child on the same day is refused.
    let refused = book(&app, &guardian, &child, &slot_id, &["PCV15"], None).await;
    assert_eq!(user_error_codes(&refused), ["TAKEN"], "{refused}");

    let read = "query($id: ID!) { healthChild(id: $id) { name bookings { id } forms { id } } }";
    // Another guardian, another clinic, another municipality, the anonymous public.
    let other = app.login_demo("maebashi-resident@example.jp").await;
    let other_admin = app.login_demo("maebashi-admin@example.jp").await;
    for token in [
        Some(other.as_str()),
        Some(clinic2.as_str()),
        Some(other_admin.as_str()),
    ] {
        let body = app.graphql(token, read, json!({ "id": child })).await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    }
    let body = app.graphql(None, read, json!({ "id": child })).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    // The booked clinic reads the child and its own booking.
    let body = app
        .graphql(Some(&clinic), read, json!({ "id": child }))
        .await;
    assert_eq!(
        body["data"]["healthChild"]["bookings"][0]["id"],
        booking.as_str(),
        "{body}"
    );

    // Day lists and the register are for clinic staff and health staff only.
    let day = today() + Duration::days(3);
    let body = clinic_day(&app, &guardian, day).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = clinic_day(&app, &clinic2, day).await;
    assert_eq!(body["data"]["clinicDay"]["entries"], json!([]), "{body}");
    let body = app
        .graphql(
            Some(&clinic),
            "{ vaccinationRegister(first: 5) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .graphql(
            Some(&other_admin),
            "{ vaccinationRegister(first: 50) { nodes { childId } } }",
            json!({}),
        )
        .await;
    assert!(
        !body["data"]["vaccinationRegister"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["childId"] == child.as_str()),
        "{body}"
    );

    // Another clinic cannot cancel the booking; the guardian can, and the place is freed.
    let cancel = "mutation($id: ID!) { cancelVaccinationBooking(input: { bookingId: $id, reason: \"都合により\" }) { booking { status cancelReason } userErrors { code } } }";
    let body = app
        .graphql(Some(&clinic2), cancel, json!({ "id": booking }))
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    let body = app
        .graphql(Some(&guardian), cancel, json!({ "id": booking }))
        .await;
    assert_eq!(
        body["data"]["cancelVaccinationBooking"]["booking"]["status"], "CANCELLED",
        "{body}"
    );
    let body = app
        .graphql(Some(&guardian), cancel, json!({ "id": booking }))
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["cancelVaccinationBooking"]),
        ["INVALID_STATE"]
    );
    let body = app
        .graphql(
            None,
            "query($m: ID, $d: Date!) { vaccinationSlots(municipalityId: $m, from: $d, to: $d) { id placesLeft } }",
            json!({ "m": app.municipality_id("40100").await, "d": day.to_string() }),
        )
        .await;
    let slot = body["data"]["vaccinationSlots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == slot_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(slot["placesLeft"], 2);
}

#[tokio::test]
async fn slots_refuse_bad_input_and_only_clinic_staff_publish_them() {
    let app = spawn_app().await;
    let clinic = app.login_demo(CLINIC).await;
    let staff = app.login_demo("kitakyushu-staff@example.jp").await;
    let past = (today() - Duration::days(1)).to_string();
    let body = app
        .graphql(
            Some(&clinic),
            "mutation($input: CreateVaccinationSlotsInput!) { createVaccinationSlots(input: $input) { slots { id } userErrors { field code } } }",
            json!({ "input": { "slots": [{ "startsAt": format!("{past}T01:00:00Z"), "endsAt": format!("{past}T00:00:00Z"), "capacity": 0 }], "antigens": ["FLU"] } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["createVaccinationSlots"]),
        ["INVALID", "INVALID", "INVALID", "INVALID"],
        "{body}"
    );
    let day = (today() + Duration::days(5)).to_string();
    let body = app
        .graphql(
            Some(&staff),
            "mutation($input: CreateVaccinationSlotsInput!) { createVaccinationSlots(input: $input) { slots { id } } }",
            json!({ "input": { "slots": [{ "startsAt": format!("{day}T01:00:00Z"), "endsAt": format!("{day}T02:00:00Z"), "capacity": 3 }] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}

#[tokio::test]
async fn the_clinic_day_list_is_sent_again_when_a_family_books() {
    let app = spawn_app().await;
    let guardian = app.login_demo(GUARDIAN).await;
    let clinic = app.login_demo(CLINIC).await;
    let child = register_child(
        &app,
        &guardian,
        "北九 颯",
        "キタキュウ ハヤテ",
        today() - Duration::days(70),
    )
    .await;
    let (slot_id, _) = slot(&app, &clinic, 4, 2).await;
    let day = today() + Duration::days(4);

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
            json!({ "type": "connection_init", "payload": { "token": clinic } }).to_string(),
        ))
        .await
        .unwrap();
    let _ack = tokio::time::timeout(StdDuration::from_secs(5), socket.next())
        .await
        .unwrap();
    socket
        .send(Message::text(
            json!({ "id": "1", "type": "subscribe", "payload": {
                "query": "subscription($d: Date) { clinicDayChanged(day: $d) { day entries { child { name } booking { status } } } }",
                "variables": { "d": day.to_string() } } })
            .to_string(),
        ))
        .await
        .unwrap();
    // The subscription becomes live a moment after it is sent: book, and if nothing comes,
    // cancel and book again.
    let mut heard = None;
    for _ in 0..20 {
        let booked = book(&app, &guardian, &child, &slot_id, &["HEPB"], None).await;
        let id = booked["booking"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{booked}"))
            .to_owned();
        if let Ok(Some(Ok(Message::Text(text)))) =
            tokio::time::timeout(StdDuration::from_millis(700), socket.next()).await
        {
            heard = serde_json::from_str::<Value>(&text).ok();
            break;
        }
        app.graphql(Some(&guardian), "mutation($id: ID!) { cancelVaccinationBooking(input: { bookingId: $id }) { userErrors { code } } }", json!({ "id": id })).await;
        while let Ok(Some(_)) =
            tokio::time::timeout(StdDuration::from_millis(300), socket.next()).await
        {}
    }
    let message = heard.expect("the day list was sent");
    assert_eq!(message["type"], "next", "{message}");
    let entries = message["payload"]["data"]["clinicDayChanged"]["entries"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        entries
            .iter()
            .any(|e| e["child"]["name"] == "北九 颯" && e["booking"]["status"] == "BOOKED"),
        "{message}"
    );
}

#[tokio::test]
async fn schedules_of_many_children_and_a_long_day_list_cost_the_same_statements_as_short_ones() {
    let app = spawn_app().await;
    let guardian = app.login_demo(GUARDIAN).await;
    let clinic = app.login_demo(CLINIC).await;
    let schedules =
        "{ myHealthChildren { id schedule { antigen state } vaccinations { productCode } } }";
    let (slot_id, clinic_id) = slot(&app, &clinic, 6, 20).await;
    let day = today() + Duration::days(6);
    let visit = async |index: usize| {
        let child = register_child(
            &app,
            &guardian,
            &format!("北九 {index}"),
            "キタキュウ",
            today() - Duration::days(70),
        )
        .await;
        handbook(&app, &guardian, &child, "BCG", today() - Duration::days(5)).await;
        let booked = book(&app, &guardian, &child, &slot_id, &["HEPB"], None).await;
        let booking = booked["booking"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{booked}"))
            .to_owned();
        let submitted = submit(&app, &guardian, json!({
            "childId": child, "clinicId": clinic_id, "bookingId": booking, "plannedOn": day.to_string(),
            "forms": [{ "productCode": "HEPB", "answers": well(&[]) }],
            "consent": { "method": "BUTTON", "signer": "GUARDIAN", "signerName": "若松 陽菜" },
        })).await;
        assert_eq!(submitted["userErrors"], json!([]), "{submitted}");
    };
    visit(0).await;
    let few_children = app
        .cheapest_statements(3, async || {
            app.graphql(Some(&guardian), schedules, json!({})).await;
        })
        .await;
    let short_list = app
        .cheapest_statements(3, async || {
            clinic_day(&app, &clinic, day).await;
        })
        .await;
    for index in 1..8 {
        visit(index).await;
    }
    let many_children = app
        .cheapest_statements(3, async || {
            app.graphql(Some(&guardian), schedules, json!({})).await;
        })
        .await;
    let long_list = app
        .cheapest_statements(3, async || {
            let body = clinic_day(&app, &clinic, day).await;
            assert_eq!(
                body["data"]["clinicDay"]["entries"]
                    .as_array()
                    .unwrap()
                    .len(),
                8,
                "{body}"
            );
        })
        .await;
    assert_eq!(few_children, many_children);
    assert_eq!(short_list, long_list);
}

#[tokio::test]
async fn a_municipality_publishes_its_own_form_version_and_its_families_fill_it_in() {
    let app = spawn_app().await;
    let admin = app.login_demo(ADMIN).await;
    let guardian = app.login_demo(GUARDIAN).await;
    let publish = "mutation($input: PublishVaccinationFormInput!) { publishVaccinationForm(input: $input) { definition { antigen version municipal title questions { code } effectiveFrom } userErrors { field code } } }";
    let question = |code: &str, kind: &str| json!({ "code": code, "text": format!("{code}の質問"), "kind": kind, "required": true });
    let input = |questions: Vec<Value>| {
        json!({ "input": {
        "antigen": "hepb", "title": "北九州市 B型肝炎予診票", "consentText": "説明を受け、接種に同意します。",
        "effectiveFrom": today().to_string(), "questions": questions } })
    };

    // Without the temperature, and with a code twice, nothing is published.
    let body = app
        .graphql(
            Some(&admin),
            publish,
            input(vec![question("Q01", "YES_NO"), question("Q01", "YES_NO")]),
        )
        .await;
    let codes = user_error_codes(&body["data"]["publishVaccinationForm"]);
    assert!(
        codes.contains(&"TAKEN".to_owned()) && codes.contains(&"REQUIRED".to_owned()),
        "{body}"
    );
    // Residents cannot publish.
    let body = app
        .graphql(
            Some(&guardian),
            publish,
            input(vec![question("H_TEMPERATURE", "NUMBER")]),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");

    let keyed = |key: &str| {
        let mut body = input(vec![
            question("H_TEMPERATURE", "NUMBER"),
            question("Q01", "YES_NO"),
            question("K01", "TEXT"),
        ]);
        body["input"]["idempotencyKey"] = json!(key);
        body
    };
    let body = app.graphql(Some(&admin), publish, keyed("hepb-1")).await;
    let definition = &body["data"]["publishVaccinationForm"]["definition"];
    assert_eq!(definition["version"], 2, "{body}");
    assert_eq!(definition["municipal"], true);
    assert_eq!(definition["antigen"], "HEPB");
    // A retry with the key answers the same version; without it, the day is taken.
    let retried = app.graphql(Some(&admin), publish, keyed("hepb-1")).await;
    assert_eq!(
        retried["data"]["publishVaccinationForm"]["definition"], *definition,
        "{retried}"
    );
    let again = app.graphql(Some(&admin), publish, keyed("hepb-2")).await;
    assert_eq!(
        user_error_codes(&again["data"]["publishVaccinationForm"]),
        ["INVALID"],
        "{again}"
    );

    // 北九州市's families fill in the new version; 前橋市's keep the national one.
    let read = "{ vaccinationFormDefinitions { antigen version municipal } }";
    let mine = app.graphql(Some(&guardian), read, json!({})).await;
    let hepb = mine["data"]["vaccinationFormDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["antigen"] == "HEPB")
        .unwrap()
        .clone();
    assert_eq!(
        hepb,
        json!({ "antigen": "HEPB", "version": 2, "municipal": true })
    );
    let other = app.login_demo("maebashi-resident@example.jp").await;
    let theirs = app.graphql(Some(&other), read, json!({})).await;
    let hepb = theirs["data"]["vaccinationFormDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["antigen"] == "HEPB")
        .unwrap()
        .clone();
    assert_eq!(
        hepb,
        json!({ "antigen": "HEPB", "version": 1, "municipal": false })
    );

    // A registration retried with the same key registers the child once.
    let register = "mutation($input: RegisterHealthChildInput!) { registerHealthChild(input: $input) { child { id } } }";
    let child = json!({ "input": { "name": "北九 環", "nameKana": "キタキュウ タマキ", "birthDate": (today() - Duration::days(70)).to_string(), "sex": "MALE", "idempotencyKey": "child-1" } });
    let first = app.graphql(Some(&guardian), register, child.clone()).await;
    let second = app.graphql(Some(&guardian), register, child).await;
    assert_eq!(
        first["data"]["registerHealthChild"]["child"]["id"],
        second["data"]["registerHealthChild"]["child"]["id"]
    );
    let id = first["data"]["registerHealthChild"]["child"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let clinic = app.login_demo(CLINIC).await;
    let body = app
        .graphql(Some(&clinic), "{ me { organization { id } } }", json!({}))
        .await;
    let clinic_id = body["data"]["me"]["organization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let submitted = submit(&app, &guardian, json!({
        "childId": id, "clinicId": clinic_id, "plannedOn": today().to_string(),
        "forms": [{ "productCode": "HEPB", "answers": [{ "code": "H_TEMPERATURE", "value": "36.4" }, { "code": "Q01", "value": "YES" }, { "code": "K01", "value": "特になし" }] }],
        "consent": { "method": "BUTTON", "signer": "GUARDIAN", "signerName": "若松 陽菜" },
    })).await;
    assert_eq!(submitted["userErrors"], json!([]), "{submitted}");
    assert_eq!(submitted["forms"][0]["consent"]["textVersion"], 2);
}

/// The reasons of the findings of a draft of `product` for `child` on `on`.
async fn findings_on(
    app: &TestApp,
    token: &str,
    child: &str,
    product: &str,
    on: &str,
) -> Vec<(String, String)> {
    let body = app
        .graphql(
            Some(token),
            "query($c: ID!, $p: [String!]!, $on: Date!) { vaccinationFormDrafts(childId: $c, productCodes: $p, on: $on) { findings { severity reason } } }",
            json!({ "c": child, "p": [product], "on": on }),
        )
        .await;
    body["data"]["vaccinationFormDrafts"][0]["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_owned(),
                f["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

#[tokio::test]
async fn each_check_blocks_or_warns_over_http_on_the_worked_dates_of_the_rules() {
    let app = spawn_app().await;
    let guardian = app.login_demo(GUARDIAN).await;
    let block = |reason: &str| ("BLOCK".to_owned(), reason.to_owned());
    let warn = |reason: &str| ("WARN".to_owned(), reason.to_owned());

    // Born 7/31: 生後2月 is 9/30 (the month has no 31st); rotavirus 14週6日 is 11/13 and
    // 24週0日 is 1/15 of the next year.
    let july = register_child(
        &app,
        &guardian,
        "北九 七海",
        "キタキュウ ナナミ",
        day("2026-07-31"),
    )
    .await;
    assert_eq!(
        findings_on(&app, &guardian, &july, "DPT_IPV_HIB", "2026-09-30").await,
        []
    );
    assert_eq!(
        findings_on(&app, &guardian, &july, "DPT_IPV_HIB", "2026-09-29").await,
        [block("OUTSIDE_ELIGIBILITY")]
    );
    assert_eq!(
        findings_on(&app, &guardian, &july, "ROTARIX", "2026-11-14").await,
        [warn("OUTSIDE_STANDARD_AGE")]
    );
    handbook(&app, &guardian, &july, "ROTARIX", day("2026-10-01")).await;
    let late = findings_on(&app, &guardian, &july, "ROTARIX", "2027-01-16").await;
    assert!(late.contains(&block("PRODUCT_AGE_LIMIT")), "{late:?}");

    // 5種混合: the 2nd dose 20日以上 after the 1st (4/1 → 4/22).
    let january = register_child(
        &app,
        &guardian,
        "北九 一花",
        "キタキュウ イチカ",
        day("2026-01-20"),
    )
    .await;
    handbook(&app, &guardian, &january, "DPT_IPV_HIB", day("2026-04-01")).await;
    assert_eq!(
        findings_on(&app, &guardian, &january, "DPT_IPV_HIB", "2026-04-21").await,
        [block("TOO_SOON")]
    );
    assert_eq!(
        findings_on(&app, &guardian, &january, "DPT_IPV_HIB", "2026-04-22").await,
        []
    );

    // An injected live vaccine 27日以上 after another: MR 26 days after BCG is blocked.
    let april = register_child(
        &app,
        &guardian,
        "北九 春",
        "キタキュウ ハル",
        day("2025-04-10"),
    )
    .await;
    handbook(&app, &guardian, &april, "BCG", day("2026-04-01")).await;
    assert_eq!(
        findings_on(&app, &guardian, &april, "MR", "2026-04-28").await,
        [block("LIVE_VACCINE_INTERVAL")]
    );
    assert_eq!(
        findings_on(&app, &guardian, &april, "MR", "2026-04-29").await,
        []
    );

    // A series started with PCV15 stays PCV15; B型肝炎 has three doses.
    let pcv = register_child(
        &app,
        &guardian,
        "北九 晴",
        "キタキュウ ハレ",
        day("2026-01-10"),
    )
    .await;
    handbook(&app, &guardian, &pcv, "PCV15", day("2026-03-20")).await;
    assert_eq!(
        findings_on(&app, &guardian, &pcv, "PCV20", "2026-04-20").await,
        [block("PRODUCT_CONTINUITY")]
    );
    let hepb = register_child(
        &app,
        &guardian,
        "北九 福",
        "キタキュウ フク",
        day("2026-02-01"),
    )
    .await;
    for given in ["2026-04-01", "2026-04-29", "2026-09-01"] {
        handbook(&app, &guardian, &hepb, "HEPB", day(given)).await;
    }
    assert_eq!(
        findings_on(&app, &guardian, &hepb, "HEPB", "2026-10-01").await,
        [block("DOSE_BEYOND_SERIES")]
    );
}

#[tokio::test]
async fn a_form_for_another_child_than_the_booked_one_is_blocked_as_the_wrong_child() {
    let app = spawn_app().await;
    let guardian = app.login_demo(GUARDIAN).await;
    let clinic = app.login_demo(CLINIC).await;
    let admin = app.login_demo(ADMIN).await;
    let (slot_id, clinic_id) = slot(&app, &clinic, 2, 4).await;
    let booked_child = register_child(
        &app,
        &guardian,
        "北九 兄",
        "キタキュウ アニ",
        today() - Duration::days(70),
    )
    .await;
    let sibling = register_child(
        &app,
        &guardian,
        "北九 弟",
        "キタキュウ オトウト",
        today() - Duration::days(70),
    )
    .await;
    let booked = book(&app, &guardian, &booked_child, &slot_id, &["HEPB"], None).await;
    let booking = booked["booking"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{booked}"))
        .to_owned();
    let refused = submit(&app, &guardian, json!({
        "childId": sibling, "clinicId": clinic_id, "bookingId": booking, "plannedOn": (today() + Duration::days(2)).to_string(),
        "forms": [{ "productCode": "HEPB", "answers": well(&[]) }],
        "consent": { "method": "BUTTON", "signer": "GUARDIAN", "signerName": "若松 陽菜" },
    })).await;
    assert_eq!(
        user_error_codes(&refused),
        ["VACCINATION_BLOCKED"],
        "{refused}"
    );
    let body = app
        .graphql(
            Some(&admin),
            "query($from: Date!, $to: Date!) { vaccinationCheckCounts(from: $from, to: $to) { stage outcome category count } }",
            json!({ "from": today().to_string(), "to": today().to_string() }),
        )
        .await;
    let counts = body["data"]["vaccinationCheckCounts"]
        .as_array()
        .unwrap()
        .clone();
    assert!(counts.contains(&json!({ "stage": "SUBMISSION", "outcome": "CAUGHT", "category": "WRONG_PERSON", "count": 1 })), "{body}");
}

async fn issue_claim_code(app: &TestApp, token: &str, child: &str) -> Value {
    app.graphql(
        Some(token),
        "mutation($input: IssueHealthChildClaimCodeInput!) { issueHealthChildClaimCode(input: $input) { claimCode expiresAt userErrors { field code } } }",
        json!({ "input": { "childId": child } }),
    )
    .await
}

async fn claim(app: &TestApp, token: &str, code: &str, birth: NaiveDate) -> Value {
    let body = app
        .graphql(
            Some(token),
            "mutation($input: ClaimHealthChildInput!) { claimHealthChild(input: $input) { child { id name hasGuardianAccount } userErrors { field code message } } }",
            json!({ "input": { "claimCode": code, "birthDate": birth.to_string() } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["claimHealthChild"].clone()
}

#[tokio::test]
async fn a_child_no_guardian_registered_is_entered_from_paper_and_a_guardian_claims_it_with_the_code()
 {
    let app = spawn_app().await;
    let clinic = app.login_demo(CLINIC2).await;
    let other_clinic = app.login_demo(CLINIC).await;
    let guardian = app.login_demo(GUARDIAN).await;
    let elsewhere = app.login_demo("maebashi-resident@example.jp").await;
    let admin = app.login_demo(ADMIN).await;
    let birth = today() - Duration::days(200);
    let input = |new_child: Value| {
        json!({
            "childNameKana": "とばた みなと", "childBirthDate": birth.to_string(), "newChild": new_child,
            "plannedOn": today().to_string(),
            "forms": [{ "productCode": "BCG", "answers": well(&[("T01", "NO"), ("H_GUARDIAN", "戸畑 優子")]) }],
            "consent": { "method": "PAPER", "signer": "GUARDIAN", "signerName": "戸畑 優子" },
        })
    };
    let child_input = json!({ "name": "戸畑 湊", "nameKana": "トバタ ミナト", "birthDate": birth.to_string(), "sex": "MALE" });

    // Nobody registered the child: without the child's details the clinic is told what to give.
    let refused = submit(&app, &clinic, input(Value::Null)).await;
    assert_eq!(user_error_codes(&refused), ["NOT_FOUND"], "{refused}");
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("newChild")
    );
    let mut bad = child_input.clone();
    bad["nameKana"] = json!("tobata");
    bad["birthDate"] = json!((today() + Duration::days(1)).to_string());
    let refused = submit(&app, &clinic, input(bad)).await;
    assert_eq!(
        refused["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].clone())
            .collect::<Vec<_>>(),
        [
            json!(["input", "newChild", "nameKana"]),
            json!(["input", "newChild", "birthDate"])
        ],
        "{refused}"
    );

    // With them, the child is entered with the form, and the dose is recorded as any other.
    let submitted = submit(&app, &clinic, input(child_input.clone())).await;
    assert_eq!(submitted["userErrors"], json!([]), "{submitted}");
    let form = &submitted["forms"][0];
    assert_eq!(form["source"], "PAPER");
    let child = form["childId"].as_str().unwrap().to_owned();
    let form = form["id"].as_str().unwrap().to_owned();
    confirm(&app, &clinic, &form, 36.6, "OK", None).await;
    let recorded = record(&app, &clinic, json!({ "formId": form, "lotNumber": "BCG-21", "lotExpiry": expiry(), "site": "LEFT_UPPER_ARM" })).await;
    assert_eq!(recorded["vaccination"]["source"], "PAPER", "{recorded}");
    let body = app
        .graphql(
            Some(&clinic),
            "query($id: ID!) { healthChild(id: $id) { name nameKana hasGuardianAccount } }",
            json!({ "id": child }),
        )
        .await;
    assert_eq!(
        body["data"]["healthChild"],
        json!({ "name": "戸畑 湊", "nameKana": "トバタ ミナト", "hasGuardianAccount": false }),
        "{body}"
    );
    // The next paper form finds the same child (no second record of the child) and takes
    // the guardian's name, which no account holds, from the last form.
    let again = submit(&app, &clinic, {
        let mut next = input(child_input.clone());
        next["forms"] = json!([{ "productCode": "PCV20", "answers": well(&[]) }]);
        next
    })
    .await;
    assert_eq!(again["forms"][0]["childId"], child.as_str(), "{again}");

    // Only the clinic that entered the child, or the municipality's health staff, issue a code.
    for token in [&other_clinic, &guardian] {
        let body = issue_claim_code(&app, token, &child).await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    }
    let first = issue_claim_code(&app, &admin, &child).await;
    let first = first["data"]["issueHealthChildClaimCode"]["claimCode"]
        .as_str()
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    let issued = issue_claim_code(&app, &clinic, &child).await;
    let issued = &issued["data"]["issueHealthChildClaimCode"];
    let code = issued["claimCode"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 14, "{issued}");
    assert_eq!(code.matches('-').count(), 2);
    assert!(issued["expiresAt"].as_str().unwrap() > chrono::Utc::now().to_rfc3339().as_str());

    // A replaced code, a wrong birth date and a resident of another municipality all fail alike.
    for (token, code, born) in [
        (&guardian, first.as_str(), birth),
        (&guardian, code.as_str(), birth - Duration::days(1)),
        (&elsewhere, code.as_str(), birth),
        (&guardian, "ABCD-EFGH-JKLM", birth),
    ] {
        let refused = claim(&app, token, code, born).await;
        assert_eq!(user_error_codes(&refused), ["NOT_FOUND"], "{refused}");
        assert!(refused["child"].is_null());
    }
    // Typed in lower case without hyphens, the code links the child to the guardian.
    let typed = code.replace('-', "").to_lowercase();
    let claimed = claim(&app, &guardian, &typed, birth).await;
    assert_eq!(claimed["userErrors"], json!([]), "{claimed}");
    assert_eq!(claimed["child"]["id"], child.as_str());
    assert_eq!(claimed["child"]["hasGuardianAccount"], true);
    // A retry answers the same; another resident cannot take it any more.
    let retried = claim(&app, &guardian, &code, birth).await;
    assert_eq!(retried["child"]["id"], child.as_str(), "{retried}");
    let body = issue_claim_code(&app, &clinic, &child).await;
    assert_eq!(
        user_error_codes(&body["data"]["issueHealthChildClaimCode"]),
        ["INVALID_STATE"],
        "{body}"
    );

    // The guardian now has the child with the paper dose.
    let body = app
        .graphql(
            Some(&guardian),
            "{ myHealthChildren { id name schedule { antigen state } } }",
            json!({}),
        )
        .await;
    let mine = body["data"]["myHealthChildren"].as_array().unwrap();
    let found = mine
        .iter()
        .find(|c| c["id"] == child.as_str())
        .unwrap_or_else(|| panic!("{body}"));
    assert!(
        found["schedule"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["antigen"] == "BCG" && l["state"] == "GIVEN"),
        "{body}"
    );
}

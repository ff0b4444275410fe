//! Fee claims (委託料請求): the fee schedule, a clinic's monthly claim from its doses and
//! deferrals, its states, the medical association's batch, the national hub seam.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};
use tsunagu::domains::health::hub::{HubOutcome, HubRecord};
use uuid::Uuid;

use crate::health_visits::{CLINIC, GUARDIAN, register_child, today};
use crate::helpers::{TestApp, error_code, spawn_app, user_error_codes};

const CLINIC2: &str = "kitakyushu-clinic2@example.jp";
const ADMIN: &str = "kitakyushu-admin@example.jp";
const ISHIKAI: &str = "kitakyushu-ishikai@example.jp";
const SHIKAI: &str = "kitakyushu-shikaishikai@example.jp";
const OTHER_ADMIN: &str = "manazuru-admin@example.jp";

fn fiscal_year() -> i32 {
    let today = today();
    if today.month() >= 4 {
        today.year()
    } else {
        today.year() - 1
    }
}

fn uuid_of(id: &str) -> Uuid {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id).expect("base64 id")).expect("utf-8");
    Uuid::parse_str(text.split_once(':').expect("kind:uuid").1).expect("uuid")
}

const SCHEDULE: &str = "lines { service productCode seriesCode doseNumber checkupKey price deferralPrice fiscalYear } userErrors { field code }";

async fn set_schedule(app: &TestApp, token: &str, lines: Value) -> Value {
    let body = app
        .graphql(
            Some(token),
            &format!("mutation($input: SetHealthFeeScheduleInput!) {{ setHealthFeeSchedule(input: $input) {{ {SCHEDULE} }} }}"),
            json!({ "input": { "fiscalYear": fiscal_year(), "lines": lines } }),
        )
        .await;
    if body["errors"].is_array() {
        return body;
    }
    body["data"]["setHealthFeeSchedule"].clone()
}

const CLAIM: &str = "id status year month dueOn isOverdue returnReason total missingPriceCount batchId clinic { name } lines { service productCode source unitPrice servedOn } items { service productCode unitPrice count amount } history { fromStatus toStatus reason }";

async fn claim_mutation(app: &TestApp, token: &str, name: &str, input: Value) -> Value {
    let input_type = match name {
        "prepareHealthFeeClaim" => "PrepareHealthFeeClaimInput",
        "returnHealthFeeClaim" => "ReturnHealthFeeClaimInput",
        _ => "HealthFeeClaimActionInput",
    };
    let body = app
        .graphql(
            Some(token),
            &format!("mutation($input: {input_type}!) {{ {name}(input: $input) {{ claim {{ {CLAIM} }} userErrors {{ field code message }} }} }}"),
            json!({ "input": input }),
        )
        .await;
    if body["errors"].is_array() {
        return body;
    }
    body["data"][name].clone()
}

async fn prepare(app: &TestApp, token: &str) -> Value {
    let today = today();
    claim_mutation(
        app,
        token,
        "prepareHealthFeeClaim",
        json!({ "year": today.year(), "month": today.month() }),
    )
    .await
}

async fn act(app: &TestApp, token: &str, name: &str, claim: &str) -> Value {
    claim_mutation(app, token, name, json!({ "claimId": claim })).await
}

async fn give_back(app: &TestApp, token: &str, claim: &str, reason: &str) -> Value {
    claim_mutation(
        app,
        token,
        "returnHealthFeeClaim",
        json!({ "claimId": claim, "reason": reason }),
    )
    .await
}

async fn clinic_id(app: &TestApp, token: &str) -> String {
    let body = app
        .graphql(Some(token), "{ me { organization { id } } }", json!({}))
        .await;
    body["data"]["me"]["organization"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

/// A server with the demo, signed in as the city's health administrator, the demo guardian
/// and 八幡 (a clinic claiming under an individual contract), with the clinic's global id.
struct IndividualClinic {
    app: TestApp,
    admin: String,
    guardian: String,
    clinic: String,
    clinic_id: String,
}

async fn individual_clinic() -> IndividualClinic {
    let app = spawn_app().await;
    let admin = app.login_demo(ADMIN).await;
    let guardian = app.login_demo(GUARDIAN).await;
    let clinic = app.login_demo(CLINIC2).await;
    let clinic_id = clinic_id(&app, &clinic).await;
    IndividualClinic {
        app,
        admin,
        guardian,
        clinic,
        clinic_id,
    }
}

/// The demo guardian's new baby, 北九 湊, born 70 days ago; returns the child's id.
async fn newborn(app: &TestApp, guardian: &str) -> String {
    register_child(
        app,
        guardian,
        "北九 湊",
        "キタキュウ ミナト",
        today() - Duration::days(70),
    )
    .await
}

fn answers(product: &str) -> Vec<Value> {
    let mut answers = vec![
        json!({ "code": "H_ADDRESS", "value": "北九州市小倉北区1-1" }),
        json!({ "code": "H_PHONE", "value": "093-111-2222" }),
        json!({ "code": "H_TEMPERATURE", "value": "36.5" }),
        json!({ "code": "Q01", "value": "YES" }),
    ];
    if product == "ROTARIX" {
        answers.push(json!({ "code": "R02", "value": "NO" }));
    }
    for code in [
        "Q03", "Q04", "Q05", "Q06", "Q07", "Q08", "Q09", "Q10", "Q11", "Q12", "Q13", "Q14",
    ] {
        answers.push(json!({ "code": code, "value": "NO" }));
    }
    answers
}

/// Submits forms for `products` at the clinic today; returns the forms' ids.
async fn forms(
    app: &TestApp,
    guardian: &str,
    child: &str,
    clinic: &str,
    products: &[&str],
) -> Vec<String> {
    let body = app
        .graphql(
            Some(guardian),
            "mutation($input: SubmitVaccinationFormsInput!) { submitVaccinationForms(input: $input) { forms { id } userErrors { field code message } } }",
            json!({ "input": {
                "childId": child, "clinicId": clinic, "plannedOn": today().to_string(),
                "forms": products.iter().map(|p| json!({ "productCode": p, "answers": answers(p) })).collect::<Vec<_>>(),
                "consent": { "method": "BUTTON", "signer": "GUARDIAN", "signerName": "若松 陽菜" },
            } }),
        )
        .await;
    body["data"]["submitVaccinationForms"]["forms"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn confirm(app: &TestApp, clinic: &str, form: &str, ok: bool) {
    let body = app
        .graphql(
            Some(clinic),
            "mutation($input: ConfirmVaccinationFormInput!) { confirmVaccinationForm(input: $input) { form { status } userErrors { field code message } } }",
            json!({ "input": { "formId": form, "temperature": if ok { 36.5 } else { 37.9 }, "judgement": if ok { "OK" } else { "DEFER" }, "doctorName": "小倉 健一", "explanationGiven": ok, "deferralReason": if ok { None } else { Some("発熱のため") } } }),
        )
        .await;
    assert_eq!(
        body["data"]["confirmVaccinationForm"]["userErrors"],
        json!([]),
        "{body}"
    );
}

/// Gives the dose of a form; returns the record's global id.
async fn give(app: &TestApp, clinic: &str, form: &str) -> String {
    confirm(app, clinic, form, true).await;
    let body = app
        .graphql(
            Some(clinic),
            "mutation($input: RecordVaccinationInput!) { recordVaccination(input: $input) { vaccination { id } userErrors { field code message } } }",
            json!({ "input": { "formId": form, "lotNumber": "L-1", "lotExpiry": (today() + Duration::days(180)).to_string() } }),
        )
        .await;
    body["data"]["recordVaccination"]["vaccination"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

fn item<'a>(claim: &'a Value, service: &str, product: &str) -> &'a Value {
    claim["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|i| i["service"] == service && i["productCode"] == product)
        })
        .unwrap_or_else(|| panic!("no {service} {product} in {claim}"))
}

#[tokio::test]
async fn health_staff_set_the_fee_schedule_once_per_line_and_clinics_and_associations_read_it() {
    let app = spawn_app().await;
    let admin = app.login_demo(ADMIN).await;
    let line = |price: i64, deferral: i64| json!({ "service": "VACCINATION", "productCode": "HIB", "seriesCode": "HIB_START_2_7", "doseNumber": 1, "price": price, "deferralPrice": deferral });
    let set = set_schedule(&app, &admin, json!([line(8_000, 3_000)])).await;
    assert_eq!(set["userErrors"], json!([]), "{set}");
    let set = set_schedule(
        &app,
        &admin,
        json!([line(8_221, 3_570), { "service": "DENTAL_CHECKUP", "checkupKey": "DENTAL_3Y_TEST", "price": 3_300 }]),
    )
    .await;
    let hib: Vec<&Value> = set["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["productCode"] == "HIB" && l["seriesCode"] == "HIB_START_2_7")
        .collect();
    assert_eq!(hib.len(), 1, "set again replaces: {set}");
    assert_eq!(hib[0]["price"], 8_221);
    assert_eq!(hib[0]["deferralPrice"], 3_570);
    assert_eq!(hib[0]["doseNumber"], 1);

    // Refusals change nothing.
    for (bad, field, code) in [
        (
            json!({ "service": "VACCINATION", "productCode": "HIB", "price": -1 }),
            "price",
            "INVALID",
        ),
        (
            json!({ "service": "VACCINATION", "productCode": "NOPE", "price": 100 }),
            "productCode",
            "NOT_FOUND",
        ),
        (
            json!({ "service": "VACCINATION", "productCode": "HIB", "seriesCode": "MR", "price": 100 }),
            "seriesCode",
            "NOT_FOUND",
        ),
        (
            json!({ "service": "VACCINATION", "productCode": "HIB", "price": 100, "deferralPrice": 200 }),
            "deferralPrice",
            "INVALID",
        ),
        (
            json!({ "service": "CHECKUP", "productCode": "HIB", "checkupKey": "INFANT_4M", "price": 100 }),
            "productCode",
            "INVALID",
        ),
    ] {
        let refused = set_schedule(&app, &admin, json!([line(1, 0), bad])).await;
        assert!(refused["lines"].is_null(), "{refused}");
        assert_eq!(refused["userErrors"][0]["code"], code, "{refused}");
        assert_eq!(
            refused["userErrors"][0]["field"],
            json!(["input", "lines", "1", field]),
            "{refused}"
        );
    }

    let read = "query($year: Int!) { healthFeeSchedule(fiscalYear: $year) { productCode seriesCode price } }";
    for reader in [CLINIC, ISHIKAI, SHIKAI, ADMIN] {
        let token = app.login_demo(reader).await;
        let body = app
            .graphql(Some(&token), read, json!({ "year": fiscal_year() }))
            .await;
        let lines = body["data"]["healthFeeSchedule"]
            .as_array()
            .unwrap_or_else(|| panic!("{reader}: {body}"));
        assert!(
            lines.iter().any(|l| l["productCode"] == "HIB"
                && l["seriesCode"] == "HIB_START_2_7"
                && l["price"] == 8_221),
            "{reader}: {body}"
        );
    }
    // A clinic cannot set prices; another municipality neither reads nor sets these.
    let clinic = app.login_demo(CLINIC).await;
    let refused = set_schedule(&app, &clinic, json!([line(1, 0)])).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    let other = app.login_demo(OTHER_ADMIN).await;
    let kitakyushu = app.municipality_id("40100").await;
    let body = app
        .graphql(
            Some(&other),
            "query($m: ID, $year: Int!) { healthFeeSchedule(municipalityId: $m, fiscalYear: $year) { price } }",
            json!({ "m": kitakyushu, "year": fiscal_year() }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .graphql(Some(&other), read, json!({ "year": fiscal_year() }))
        .await;
    assert_eq!(body["data"]["healthFeeSchedule"], json!([]), "{body}");
    let body = app
        .graphql(None, read, json!({ "year": fiscal_year() }))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
}

#[tokio::test]
async fn a_clinics_claim_bills_doses_and_deferrals_at_the_schedules_prices_and_moves_through_every_state()
 {
    // 八幡 claims under an individual contract: the city checks its claims itself.
    let IndividualClinic {
        app,
        admin,
        guardian,
        clinic,
        clinic_id,
    } = individual_clinic().await;
    let set = set_schedule(
        &app,
        &admin,
        json!([
            { "service": "VACCINATION", "productCode": "HEPB", "price": 7_000, "deferralPrice": 3_000 },
            { "service": "VACCINATION", "productCode": "VARICELLA", "price": 8_610, "deferralPrice": 3_570 },
        ]),
    )
    .await;
    assert_eq!(set["userErrors"], json!([]), "{set}");
    // Lines of other schedules must not be silently zero: ROTARIX gets no price yet.
    let body = app
        .graphql(
            Some(&admin),
            "mutation($input: SetHealthFeeScheduleInput!) { setHealthFeeSchedule(input: $input) { userErrors { code } } }",
            json!({ "input": { "fiscalYear": fiscal_year(), "lines": [{ "service": "VACCINATION", "productCode": "ROTARIX", "price": 0 }] } }),
        )
        .await;
    assert_eq!(
        body["data"]["setHealthFeeSchedule"]["userErrors"],
        json!([])
    );

    let baby = newborn(&app, &guardian).await;
    let other = register_child(
        &app,
        &guardian,
        "北九 凛",
        "キタキュウ リン",
        today() - Duration::days(75),
    )
    .await;
    let visit = forms(&app, &guardian, &baby, &clinic_id, &["HEPB", "ROTARIX"]).await;
    give(&app, &clinic, &visit[0]).await;
    confirm(&app, &clinic, &visit[1], false).await;
    let deferred = forms(&app, &guardian, &other, &clinic_id, &["HEPB"]).await;
    confirm(&app, &clinic, &deferred[0], false).await;

    let draft = prepare(&app, &clinic).await;
    assert_eq!(draft["userErrors"], json!([]), "{draft}");
    let claim = &draft["claim"];
    assert_eq!(claim["status"], "DRAFT");
    let next = {
        let t = today();
        let (y, m) = if t.month() == 12 {
            (t.year() + 1, 1)
        } else {
            (t.year(), t.month() + 1)
        };
        NaiveDate::from_ymd_opt(y, m, 10).unwrap()
    };
    assert_eq!(claim["dueOn"], next.to_string(), "{claim}");
    assert_eq!(claim["isOverdue"], false);
    let dose = item(claim, "VACCINATION", "HEPB");
    assert_eq!(
        (
            dose["count"].clone(),
            dose["unitPrice"].clone(),
            dose["amount"].clone()
        ),
        (json!(1), json!(7_000), json!(7_000))
    );
    let deferral = item(claim, "DEFERRAL", "HEPB");
    assert_eq!(
        (deferral["count"].clone(), deferral["unitPrice"].clone()),
        (json!(1), json!(3_000))
    );
    // ROTARIX has a price of 0 but no deferral price: its 予診のみ line is a visible problem.
    let missing = item(claim, "DEFERRAL", "ROTARIX");
    assert_eq!(missing["unitPrice"], Value::Null, "{claim}");
    assert!(claim["missingPriceCount"].as_u64().unwrap() >= 1, "{claim}");
    assert!(
        claim["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["source"] == "APP")
    );
    let id = claim["id"].as_str().unwrap().to_owned();
    let refused = act(&app, &clinic, "submitHealthFeeClaim", &id).await;
    assert_eq!(user_error_codes(&refused), ["PRICE_MISSING"], "{refused}");

    // Once priced, the clinic prepares it again and submits it.
    let body = app
        .graphql(
            Some(&admin),
            "mutation($input: SetHealthFeeScheduleInput!) { setHealthFeeSchedule(input: $input) { userErrors { code } } }",
            json!({ "input": { "fiscalYear": fiscal_year(), "lines": [{ "service": "VACCINATION", "productCode": "ROTARIX", "price": 13_750, "deferralPrice": 3_190 }] } }),
        )
        .await;
    assert_eq!(
        body["data"]["setHealthFeeSchedule"]["userErrors"],
        json!([])
    );
    let draft = prepare(&app, &clinic).await;
    let claim = &draft["claim"];
    assert_eq!(claim["id"], id.as_str(), "one claim per clinic and month");
    assert_eq!(claim["missingPriceCount"], 0, "{claim}");
    assert_eq!(item(claim, "DEFERRAL", "ROTARIX")["unitPrice"], 3_190);
    let sum: i64 = claim["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(claim["total"], sum, "{claim}");
    assert!(sum >= 7_000 + 3_000 + 3_190, "{claim}");

    // draft → submitted; the forbidden moves are refused and change nothing.
    let submitted = act(&app, &clinic, "submitHealthFeeClaim", &id).await;
    assert_eq!(submitted["claim"]["status"], "SUBMITTED", "{submitted}");
    for (token, name) in [
        (&clinic, "submitHealthFeeClaim"),
        (&admin, "payHealthFeeClaim"),
    ] {
        let refused = act(&app, token, name, &id).await;
        assert_eq!(
            user_error_codes(&refused),
            ["INVALID_STATE"],
            "{name}: {refused}"
        );
    }
    let refused = prepare(&app, &clinic).await;
    assert_eq!(user_error_codes(&refused), ["INVALID_STATE"], "{refused}");
    let refused = act(&app, &clinic, "acceptHealthFeeClaim", &id).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    // The medical association does not see a claim that does not go through it.
    let ishikai = app.login_demo(ISHIKAI).await;
    let refused = give_back(&app, &ishikai, &id, "確認").await;
    assert_eq!(error_code(&refused), Some("NOT_FOUND"), "{refused}");

    // submitted → returned (with a reason) → submitted → accepted → paid.
    let refused = give_back(&app, &admin, &id, "  ").await;
    assert_eq!(user_error_codes(&refused), ["REQUIRED"], "{refused}");
    let returned = give_back(&app, &admin, &id, "保護者の自署がない予診票があります。").await;
    assert_eq!(returned["claim"]["status"], "RETURNED", "{returned}");
    assert_eq!(
        returned["claim"]["returnReason"],
        "保護者の自署がない予診票があります。"
    );
    let refused = act(&app, &admin, "acceptHealthFeeClaim", &id).await;
    assert_eq!(user_error_codes(&refused), ["INVALID_STATE"], "{refused}");
    let again = prepare(&app, &clinic).await;
    assert_eq!(
        again["claim"]["status"], "RETURNED",
        "the clinic may correct it: {again}"
    );
    let resubmitted = act(&app, &clinic, "submitHealthFeeClaim", &id).await;
    assert_eq!(resubmitted["claim"]["status"], "SUBMITTED", "{resubmitted}");
    let accepted = act(&app, &admin, "acceptHealthFeeClaim", &id).await;
    assert_eq!(accepted["claim"]["status"], "ACCEPTED", "{accepted}");
    for (token, name) in [
        (&admin, "acceptHealthFeeClaim"),
        (&clinic, "submitHealthFeeClaim"),
    ] {
        let refused = act(&app, token, name, &id).await;
        assert_eq!(
            user_error_codes(&refused),
            ["INVALID_STATE"],
            "{name}: {refused}"
        );
    }
    let refused = give_back(&app, &admin, &id, "再確認").await;
    assert_eq!(user_error_codes(&refused), ["INVALID_STATE"], "{refused}");
    let paid = act(&app, &admin, "payHealthFeeClaim", &id).await;
    assert_eq!(paid["claim"]["status"], "PAID", "{paid}");
    let refused = act(&app, &admin, "payHealthFeeClaim", &id).await;
    assert_eq!(user_error_codes(&refused), ["INVALID_STATE"], "{refused}");
    let history: Vec<(Value, Value)> = paid["claim"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["fromStatus"].clone(), e["toStatus"].clone()))
        .collect();
    assert_eq!(
        history,
        [
            (Value::Null, json!("DRAFT")),
            (json!("DRAFT"), json!("SUBMITTED")),
            (json!("SUBMITTED"), json!("RETURNED")),
            (json!("RETURNED"), json!("SUBMITTED")),
            (json!("SUBMITTED"), json!("ACCEPTED")),
            (json!("ACCEPTED"), json!("PAID")),
        ]
    );

    // The claim downloads for Excel as the paper 請求書: count × unit price, and the total.
    let path = format!("/reports/health/fee-claims/{id}/claim.csv");
    let response = app
        .request(reqwest::Method::GET, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        error_code(&response.json::<Value>().await.unwrap()),
        Some("UNAUTHENTICATED")
    );
    let other_clinic = app.login_demo(CLINIC).await;
    let response = app
        .request(reqwest::Method::GET, &path)
        .bearer_auth(&other_clinic)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = app
        .request(reqwest::Method::GET, &path)
        .bearer_auth(&clinic)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let rows: Vec<&str> = text.split_terminator("\r\n").collect();
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "CRLF only: {text}"
    );
    assert_eq!(
        rows[0],
        "医療機関,請求月,区分,ワクチン・健診,シリーズ,回,単価,件数,金額,備考"
    );
    let month = format!("{}年{}月", today().year(), today().month());
    assert!(
        rows.contains(
            &format!("八幡ファミリークリニック,{month},予防接種,HEPB,HEPB,1,7000,1,7000,").as_str()
        ),
        "{text}"
    );
    let count: i64 = paid["claim"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["count"].as_i64().unwrap())
        .sum();
    assert_eq!(
        rows.last().copied(),
        Some(
            format!(
                "八幡ファミリークリニック,{month},合計,,,,,{count},{},",
                paid["claim"]["total"]
            )
            .as_str()
        ),
        "{text}"
    );

    // The due day is the municipality's setting.
    let body = app
        .graphql(Some(&admin), "mutation { updateHealthSettings(input: { feeClaimDueDay: 31 }) { userErrors { code field } } }", json!({}))
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["updateHealthSettings"]),
        ["INVALID"],
        "{body}"
    );
    let body = app
        .graphql(Some(&admin), "mutation { updateHealthSettings(input: { feeClaimDueDay: 5 }) { settings { feeClaimDueDay } userErrors { code } } }", json!({}))
        .await;
    assert_eq!(
        body["data"]["updateHealthSettings"]["settings"]["feeClaimDueDay"], 5,
        "{body}"
    );
}

#[tokio::test]
async fn an_association_sees_only_its_members_claims_batches_them_and_the_city_accepts_and_pays() {
    let app = spawn_app().await;
    let admin = app.login_demo(ADMIN).await;
    let ishikai = app.login_demo(ISHIKAI).await;
    let shikai = app.login_demo(SHIKAI).await;
    let clinic = app.login_demo(CLINIC).await;
    let clinic2 = app.login_demo(CLINIC2).await;
    let guardian = app.login_demo(GUARDIAN).await;

    // The demo: the 医師会 with 小倉 as its member; its claims of past months in every state.
    let body = app
        .graphql(Some(&ishikai), "{ healthAssociations { name dental members { name } } healthFeeClaims { status clinic { name } } healthFeeBatches { status claims { status } } }", json!({}))
        .await;
    let data = &body["data"];
    assert_eq!(
        data["healthAssociations"],
        json!([{ "name": "一般社団法人北九州市医師会", "dental": false, "members": [{ "name": "小倉こどもクリニック" }] }]),
        "{body}"
    );
    let claims = data["healthFeeClaims"].as_array().unwrap();
    assert!(
        claims
            .iter()
            .all(|c| c["clinic"]["name"] == "小倉こどもクリニック"),
        "{body}"
    );
    for status in ["SUBMITTED", "RETURNED", "ACCEPTED", "PAID"] {
        assert!(
            claims.iter().any(|c| c["status"] == status),
            "{status}: {body}"
        );
    }
    let batches = data["healthFeeBatches"].as_array().unwrap();
    for status in ["SUBMITTED", "ACCEPTED", "PAID"] {
        assert!(
            batches.iter().any(|b| b["status"] == status),
            "{status}: {body}"
        );
    }
    // The clinic sees its draft too (nobody else's).
    let body = app
        .graphql(
            Some(&clinic),
            "{ healthFeeClaims { status isOverdue clinic { name } } }",
            json!({}),
        )
        .await;
    let own = body["data"]["healthFeeClaims"].as_array().unwrap();
    assert!(own.iter().any(|c| c["status"] == "DRAFT"), "{body}");
    assert!(
        own.iter()
            .all(|c| c["clinic"]["name"] == "小倉こどもクリニック")
    );

    // A claim of this month through the association. The demo's 1歳6か月 checkup at this
    // clinic a week ago falls in this month from its 8th day on, so it is priced too.
    let set = set_schedule(
        &app,
        &admin,
        json!([
            { "service": "VACCINATION", "productCode": "HEPB", "price": 6_490, "deferralPrice": 3_190 },
            { "service": "CHECKUP", "checkupKey": "INFANT_1Y6M", "price": 4_000 },
        ]),
    )
    .await;
    assert_eq!(set["userErrors"], json!([]), "{set}");
    let clinic_uuid = clinic_id(&app, &clinic).await;
    let baby = newborn(&app, &guardian).await;
    let visit = forms(&app, &guardian, &baby, &clinic_uuid, &["HEPB"]).await;
    confirm(&app, &clinic, &visit[0], false).await;
    let draft = prepare(&app, &clinic).await;
    let id = draft["claim"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{draft}"))
        .to_owned();
    // The deferral of this test, and the demo checkup when it falls in this month.
    let total = draft["claim"]["total"].as_i64().unwrap_or_default();
    let lines = draft["claim"]["lines"].as_array().map_or(0, Vec::len);
    assert!(
        draft["claim"]["lines"].as_array().is_some_and(|lines| lines
            .iter()
            .any(|line| line["service"] == "DEFERRAL" && line["unitPrice"] == 3_190)),
        "{draft}"
    );
    let submitted = act(&app, &clinic, "submitHealthFeeClaim", &id).await;
    assert_eq!(submitted["claim"]["status"], "SUBMITTED", "{submitted}");

    // Who reads it: the member's association; not the dental one, another clinic,
    // another municipality or anyone signed out.
    let read = "query($id: ID!) { healthFeeClaim(id: $id) { status } }";
    let body = app.graphql(Some(&ishikai), read, json!({ "id": id })).await;
    assert_eq!(
        body["data"]["healthFeeClaim"]["status"], "SUBMITTED",
        "{body}"
    );
    for token in [&shikai, &clinic2, &app.login_demo(OTHER_ADMIN).await] {
        let body = app.graphql(Some(token), read, json!({ "id": id })).await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    }
    let body = app.graphql(None, read, json!({ "id": id })).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let body = app
        .graphql(
            Some(&shikai),
            "{ healthFeeClaims { id } healthFeeBatches { id } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["healthFeeClaims"], json!([]), "{body}");
    assert_eq!(body["data"]["healthFeeBatches"], json!([]), "{body}");
    let body = app
        .graphql(Some(&clinic), "{ healthFeeBatches { id } }", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");

    // The city waits for the association's batch; the association returns, the clinic
    // resubmits, the association batches.
    let refused = act(&app, &admin, "acceptHealthFeeClaim", &id).await;
    assert_eq!(user_error_codes(&refused), ["INVALID_STATE"], "{refused}");
    let refused = act(&app, &ishikai, "acceptHealthFeeClaim", &id).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    let returned = give_back(&app, &ishikai, &id, "接種医の署名がありません。").await;
    assert_eq!(returned["claim"]["status"], "RETURNED", "{returned}");
    let today = today();
    let batch_mutation = "mutation($input: SubmitHealthFeeBatchInput!) { submitHealthFeeBatch(input: $input) { batch { id status total clinicTotals { clinic { name } total count } claims { id status } } userErrors { code } } }";
    let month = json!({ "input": { "year": today.year(), "month": today.month() } });
    let body = app
        .graphql(Some(&ishikai), batch_mutation, month.clone())
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["submitHealthFeeBatch"]),
        ["INVALID_STATE"],
        "nothing to batch: {body}"
    );
    act(&app, &clinic, "submitHealthFeeClaim", &id).await;
    let body = app
        .graphql(Some(&clinic), batch_mutation, month.clone())
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app.graphql(Some(&ishikai), batch_mutation, month).await;
    let batch = &body["data"]["submitHealthFeeBatch"]["batch"];
    assert_eq!(batch["status"], "SUBMITTED", "{body}");
    assert_eq!(
        batch["claims"],
        json!([{ "id": id, "status": "SUBMITTED" }]),
        "{body}"
    );
    assert_eq!(
        batch["clinicTotals"],
        json!([{ "clinic": { "name": "小倉こどもクリニック" }, "total": total, "count": lines }]),
        "{body}"
    );
    let batch_id = batch["id"].as_str().unwrap().to_owned();
    let path = format!("/reports/health/fee-batches/{batch_id}/batch.csv");
    let response = app
        .request(reqwest::Method::GET, &path)
        .bearer_auth(&shikai)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = app
        .request(reqwest::Method::GET, &path)
        .bearer_auth(&ishikai)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let month = format!("{}年{}月", today.year(), today.month());
    assert_eq!(
        text,
        format!(
            "医師会,請求月,医療機関,状態,件数,金額\r\n一般社団法人北九州市医師会,{month},小倉こどもクリニック,提出済み,{lines},{total}\r\n一般社団法人北九州市医師会,{month},合計,,{lines},{total}\r\n"
        )
    );

    // The city accepts the batch (and the claim with it), then pays it.
    let settle = |name: &str| {
        format!(
            "mutation($input: HealthFeeBatchActionInput!) {{ {name}(input: $input) {{ batch {{ status claims {{ status }} }} userErrors {{ code }} }} }}"
        )
    };
    let body = app
        .graphql(
            Some(&admin),
            &settle("payHealthFeeBatch"),
            json!({ "input": { "batchId": batch_id } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["payHealthFeeBatch"]),
        ["INVALID_STATE"],
        "{body}"
    );
    let body = app
        .graphql(
            Some(&ishikai),
            &settle("acceptHealthFeeBatch"),
            json!({ "input": { "batchId": batch_id } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .graphql(
            Some(&admin),
            &settle("acceptHealthFeeBatch"),
            json!({ "input": { "batchId": batch_id } }),
        )
        .await;
    assert_eq!(
        body["data"]["acceptHealthFeeBatch"]["batch"],
        json!({ "status": "ACCEPTED", "claims": [{ "status": "ACCEPTED" }] }),
        "{body}"
    );
    let body = app
        .graphql(
            Some(&admin),
            &settle("payHealthFeeBatch"),
            json!({ "input": { "batchId": batch_id } }),
        )
        .await;
    assert_eq!(
        body["data"]["payHealthFeeBatch"]["batch"],
        json!({ "status": "PAID", "claims": [{ "status": "PAID" }] }),
        "{body}"
    );

    // Membership is the city's to set, among its own clinics, one association each.
    let associations = app
        .graphql(
            Some(&admin),
            "{ healthAssociations { id name } }",
            json!({}),
        )
        .await;
    let dental = associations["data"]["healthAssociations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "一般社団法人北九州市歯科医師会")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let members = "mutation($input: SetHealthAssociationMembersInput!) { setHealthAssociationMembers(input: $input) { association { members { name } } userErrors { code field } } }";
    let body = app
        .graphql(
            Some(&admin),
            members,
            json!({ "input": { "associationId": dental, "clinicIds": [clinic_uuid] } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["setHealthAssociationMembers"]),
        ["TAKEN"],
        "{body}"
    );
    let clinic2_id = clinic_id(&app, &clinic2).await;
    let body = app
        .graphql(
            Some(&admin),
            members,
            json!({ "input": { "associationId": dental, "clinicIds": [clinic2_id] } }),
        )
        .await;
    assert_eq!(
        body["data"]["setHealthAssociationMembers"]["association"]["members"],
        json!([{ "name": "八幡ファミリークリニック" }]),
        "{body}"
    );
    let body = app
        .graphql(
            Some(&ishikai),
            members,
            json!({ "input": { "associationId": dental, "clinicIds": [] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}

#[tokio::test]
async fn records_claimed_through_the_national_hub_are_never_billed_again() {
    let IndividualClinic {
        app,
        admin,
        guardian,
        clinic,
        clinic_id: clinic_gid,
    } = individual_clinic().await;
    let set = set_schedule(&app, &admin, json!([
        { "service": "VACCINATION", "productCode": "HEPB", "price": 6_490, "deferralPrice": 3_190 },
        { "service": "VACCINATION", "productCode": "ROTARIX", "price": 13_750, "deferralPrice": 3_190 },
        { "service": "VACCINATION", "productCode": "VARICELLA", "price": 8_610, "deferralPrice": 3_570 },
    ])).await;
    assert_eq!(set["userErrors"], json!([]), "{set}");
    let baby = newborn(&app, &guardian).await;
    let visit = forms(&app, &guardian, &baby, &clinic_gid, &["HEPB"]).await;
    let record = give(&app, &clinic, &visit[0]).await;
    let draft = prepare(&app, &clinic).await;
    assert_eq!(
        item(&draft["claim"], "VACCINATION", "HEPB")["count"],
        1,
        "{draft}"
    );

    // Only the city talks to the hub, and only about registered children.
    let push = "mutation($input: PushVaccinationToHubInput!) { pushVaccinationToHub(input: $input) { reference } }";
    let body = app
        .graphql(
            Some(&admin),
            push,
            json!({ "input": { "vaccinationId": record } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let register = "mutation($input: RegisterHealthHubEligibilityInput!) { registerHealthHubEligibility(input: $input) { reference } }";
    let body = app
        .graphql(
            Some(&clinic),
            register,
            json!({ "input": { "childId": baby } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .graphql(
            Some(&admin),
            register,
            json!({ "input": { "childId": baby } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert!(app.hub.has_resident("40100", &uuid_of(&baby).to_string()));
    let body = app
        .graphql(
            Some(&admin),
            push,
            json!({ "input": { "vaccinationId": record } }),
        )
        .await;
    let reference = body["data"]["pushVaccinationToHub"]["reference"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let body = app
        .graphql(
            Some(&admin),
            push,
            json!({ "input": { "vaccinationId": record } }),
        )
        .await;
    assert_eq!(
        body["data"]["pushVaccinationToHub"]["reference"],
        reference.as_str(),
        "pushing twice is one record"
    );

    // The clinic's own system registers the same dose in the hub, claiming its fee there,
    // and a varicella dose tsunagu never saw; a third record is not claimed there.
    let hub_record = |product: &str, claimed: bool| HubRecord {
        hub_reference: String::new(),
        identity_key: uuid_of(&baby).to_string(),
        local_reference: None,
        clinic_id: Some(uuid_of(&clinic_gid)),
        product_code: product.to_owned(),
        given_on: today(),
        outcome: HubOutcome::Given,
        lot_number: Some("PMH-LOT".to_owned()),
        claimed,
    };
    app.hub
        .register_from_clinic("40100", hub_record("HEPB", true));
    app.hub
        .register_from_clinic("40100", hub_record("VARICELLA", true));
    app.hub
        .register_from_clinic("40100", hub_record("ROTARIX", false));
    let import = "mutation($input: ImportHealthHubRecordsInput!) { importHealthHubRecords(input: $input) { pulled imported markedClaimed doubleClaims unmatched } }";
    let month = json!({ "input": { "year": today().year(), "month": today().month() } });
    let body = app.graphql(Some(&clinic), import, month.clone()).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app.graphql(Some(&admin), import, month.clone()).await;
    assert_eq!(
        body["data"]["importHealthHubRecords"],
        json!({ "pulled": 4, "imported": 2, "markedClaimed": 2, "doubleClaims": 0, "unmatched": 0 }),
        "{body}"
    );
    // Importing again changes nothing.
    let body = app.graphql(Some(&admin), import, month).await;
    assert_eq!(
        body["data"]["importHealthHubRecords"]["imported"], 0,
        "{body}"
    );
    assert_eq!(
        body["data"]["importHealthHubRecords"]["markedClaimed"], 0,
        "{body}"
    );

    // The draft loses the HEPB line; the unclaimed hub dose is billed, with source HUB.
    let draft = prepare(&app, &clinic).await;
    let lines = draft["claim"]["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("{draft}"));
    assert!(
        !lines
            .iter()
            .any(|l| l["productCode"] == "HEPB" && l["service"] == "VACCINATION"),
        "{draft}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l["productCode"] == "VARICELLA" && l["service"] == "VACCINATION"),
        "{draft}"
    );
    let rota = lines
        .iter()
        .find(|l| l["productCode"] == "ROTARIX" && l["service"] == "VACCINATION")
        .unwrap_or_else(|| panic!("{draft}"));
    assert_eq!(rota["source"], "HUB");
    assert_eq!(rota["unitPrice"], 13_750);
}

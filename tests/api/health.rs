//! Health: the routine vaccine catalogue seeded as dated data, read by municipal health
//! staff, with the funded window apart from the standard one.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app};

const CATALOGUE: &str = "query($on: Date) { vaccineCatalogue(inForceOn: $on) { products { code antigen live route injectedLive defaultDoseMl validFrom validTo ageLimit mayFollow } series { code antigen products sex bornFrom validFrom validTo conflictsWith doses { dose label eligibleFrom eligibleUntil standardFrom standardUntil minIntervals { afterDose min max } standardIntervals { afterDose min max } skippedWhen validFrom validTo } } } }";

async fn catalogue(app: &TestApp, token: Option<&str>, on: Option<&str>) -> Value {
    app.graphql(token, CATALOGUE, json!({ "on": on })).await
}

fn codes(list: &Value) -> Vec<&str> {
    list.as_array()
        .map(|items| items.iter().filter_map(|i| i["code"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn health_staff_read_the_catalogue_of_every_routine_vaccine() {
    let app = spawn_app().await;
    let admin = app.login_demo("kitakyushu-admin@example.jp").await;
    let body = catalogue(&app, Some(&admin), None).await;
    let catalogue = &body["data"]["vaccineCatalogue"];
    let antigens: Vec<&str> = catalogue["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["antigen"].as_str())
        .collect();
    for antigen in [
        "HEPB",
        "ROTA",
        "PCV",
        "DPT5",
        "DPT4",
        "HIB",
        "BCG",
        "MR",
        "VARICELLA",
        "JE",
        "DT",
        "HPV",
    ] {
        assert!(antigens.contains(&antigen), "{antigen} missing: {body}");
    }
    let rotarix = catalogue["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "ROTARIX")
        .unwrap();
    assert_eq!(rotarix["route"], "ORAL");
    assert_eq!(rotarix["live"], true);
    assert_eq!(rotarix["injectedLive"], false);
    assert_eq!(rotarix["ageLimit"], "出生24週0日後");
    let hepb = catalogue["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "HEPB")
        .unwrap();
    let third = &hepb["doses"][2];
    assert_eq!(third["eligibleUntil"], "1歳");
    assert_eq!(third["standardFrom"], "生後7月");
    assert_eq!(
        third["minIntervals"],
        json!([{ "afterDose": 1, "min": "139日", "max": null }])
    );
    let pcv = catalogue["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "PCV_START_2_7")
        .unwrap();
    assert_eq!(
        pcv["doses"][2]["skippedWhen"],
        "2回目が生後12月を過ぎた場合は接種しない"
    );
    assert_eq!(pcv["doses"][3]["minIntervals"][0]["afterDose"], Value::Null);
}

#[tokio::test]
async fn the_catalogue_in_force_on_a_day_follows_the_2024_product_changes() {
    let app = spawn_app().await;
    let admin = app.login_demo("kitakyushu-admin@example.jp").await;
    let before = catalogue(&app, Some(&admin), Some("2024-03-31")).await;
    let products = codes(&before["data"]["vaccineCatalogue"]["products"]);
    assert!(products.contains(&"PCV13") && !products.contains(&"PCV15"));
    assert!(!products.contains(&"DPT_IPV_HIB"));
    let series = codes(&before["data"]["vaccineCatalogue"]["series"]);
    assert!(series.contains(&"DPT4") && !series.contains(&"DPT5"));

    let after = catalogue(&app, Some(&admin), Some("2024-10-01")).await;
    let products = codes(&after["data"]["vaccineCatalogue"]["products"]);
    assert!(products.contains(&"PCV15") && products.contains(&"PCV20"));
    assert!(!products.contains(&"PCV13"));
    let series = codes(&after["data"]["vaccineCatalogue"]["series"]);
    assert!(
        series.contains(&"DPT5") && !series.contains(&"DPT4") && !series.contains(&"HIB_START_2_7")
    );

    // The 4種混合 first dose moved from 生後3月 to 生後2月 on 2023-04-01.
    let first_dose = |body: &Value| {
        body["data"]["vaccineCatalogue"]["series"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["code"] == "DPT4")
            .map(|s| s["doses"][0]["eligibleFrom"].clone())
    };
    let old = catalogue(&app, Some(&admin), Some("2023-03-31")).await;
    let new = catalogue(&app, Some(&admin), Some("2023-04-01")).await;
    assert_eq!(first_dose(&old), Some(json!("生後3月")));
    assert_eq!(first_dose(&new), Some(json!("生後2月")));
}

#[tokio::test]
async fn residents_and_the_anonymous_public_cannot_read_the_catalogue() {
    let app = spawn_app().await;
    let resident = app.login_demo("kitakyushu-resident@example.jp").await;
    let body = catalogue(&app, Some(&resident), None).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = catalogue(&app, None, None).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
}

const CHILD: &str = "id name nameKana birthDate sex";
const SCHEDULE: &str = "schedule { antigen series dose label state reason message givenOn productCode earliest latest standardUntil }";

async fn register(app: &TestApp, token: &str, name: &str, birth: &str, sex: &str) -> Value {
    let query = format!(
        "mutation($input: RegisterHealthChildInput!) {{ registerHealthChild(input: $input) {{ child {{ {CHILD} }} userErrors {{ field code message }} }} }}"
    );
    let input =
        json!({ "name": name, "nameKana": "きたきゅう たろう", "birthDate": birth, "sex": sex });
    app.graphql(Some(token), &query, json!({ "input": input }))
        .await
}

async fn record_handbook(
    app: &TestApp,
    token: &str,
    child: &str,
    product: &str,
    on: &str,
) -> Value {
    let query = "mutation($input: RecordHandbookVaccinationInput!) { recordHandbookVaccination(input: $input) { vaccination { productCode vaccinatedOn source } userErrors { field code } } }";
    let input = json!({ "childId": child, "productCode": product, "vaccinatedOn": on });
    app.graphql(Some(token), query, json!({ "input": input }))
        .await
}

async fn child_view(app: &TestApp, token: Option<&str>, id: &str) -> Value {
    let query = format!(
        "query($id: ID!) {{ healthChild(id: $id) {{ {CHILD} {SCHEDULE} vaccinations {{ productCode vaccinatedOn source }} }} }}"
    );
    app.graphql(token, &query, json!({ "id": id })).await
}

fn line<'a>(child: &'a Value, antigen: &str, dose: i64) -> &'a Value {
    child["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["antigen"] == antigen && l["dose"] == dose)
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_guardian_registers_a_child_and_sees_the_schedule_follow_the_handbook_doses() {
    let app = spawn_app().await;
    let guardian = app.login_demo("kitakyushu-resident@example.jp").await;
    // A child born a year ago: BCG is still funded until the day before the first birthday.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    let birth = today - chrono::Duration::days(300);
    let body = register(&app, &guardian, "北九 太郎", &birth.to_string(), "MALE").await;
    let child = &body["data"]["registerHealthChild"]["child"];
    assert_eq!(child["nameKana"], "キタキュウ タロウ", "{body}");
    let id = child["id"].as_str().unwrap().to_owned();

    let view = child_view(&app, Some(&guardian), &id).await;
    let child = &view["data"]["healthChild"];
    let bcg = line(child, "BCG", 1);
    assert!(
        ["DUE", "OVERDUE"].contains(&bcg["state"].as_str().unwrap()),
        "{view}"
    );
    assert_eq!(line(child, "HPV", 1), &Value::Null, "HPV is for girls");

    // Copy the first hepatitis B dose from the handbook: the second is then allowed 27日以上 later.
    let given = today - chrono::Duration::days(10);
    let body = record_handbook(&app, &guardian, &id, "HEPB", &given.to_string()).await;
    let dose = &body["data"]["recordHandbookVaccination"]["vaccination"];
    assert_eq!(dose["source"], "HANDBOOK", "{body}");
    let view = child_view(&app, Some(&guardian), &id).await;
    let child = &view["data"]["healthChild"];
    assert_eq!(line(child, "HEPB", 1)["state"], "GIVEN");
    let second = line(child, "HEPB", 2);
    assert_eq!(second["state"], "NOT_YET", "{view}");
    assert_eq!(second["reason"], "INTERVAL");
    assert_eq!(
        second["earliest"],
        (given + chrono::Duration::days(28)).to_string()
    );
    assert_eq!(line(child, "HEPB", 3)["reason"], "PREVIOUS_DOSE");
    assert_eq!(child["vaccinations"][0]["productCode"], "HEPB");

    let mine = app
        .graphql(
            Some(&guardian),
            "{ myHealthChildren { id name } }",
            json!({}),
        )
        .await;
    let ids: Vec<&Value> = mine["data"]["myHealthChildren"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert!(ids.contains(&&json!(id)), "{mine}");
}

#[tokio::test]
async fn registration_and_handbook_entries_refuse_bad_input_with_user_errors() {
    let app = spawn_app().await;
    let guardian = app.login_demo("kitakyushu-resident@example.jp").await;
    let body = register(&app, &guardian, " ", "2099-01-01", "FEMALE").await;
    let payload = &body["data"]["registerHealthChild"];
    assert_eq!(payload["child"], Value::Null);
    assert_eq!(
        crate::helpers::user_error_codes(payload),
        ["REQUIRED", "INVALID"]
    );

    let body = register(&app, &guardian, "北九 花子", "2025-06-01", "FEMALE").await;
    let id = body["data"]["registerHealthChild"]["child"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = record_handbook(&app, &guardian, &id, "NOPE", "2025-05-01").await;
    let payload = &body["data"]["recordHandbookVaccination"];
    assert_eq!(
        crate::helpers::user_error_codes(payload),
        ["INVALID", "INVALID"]
    );

    // Another guardian cannot write into this child's history.
    let other = app.login_demo("maebashi-resident@example.jp").await;
    let body = record_handbook(&app, &other, &id, "HEPB", "2025-08-01").await;
    let payload = &body["data"]["recordHandbookVaccination"];
    assert_eq!(crate::helpers::user_error_codes(payload), ["NOT_FOUND"]);
}

#[tokio::test]
async fn a_birth_date_outside_the_accepted_years_or_malformed_is_bad_input_and_registers_nobody() {
    let app = spawn_app().await;
    let guardian = app.login_demo("kitakyushu-resident@example.jp").await;
    for birth in [
        "9999-06-01",
        "1999-06-01",
        "2025-02-30",
        "2025/06/01",
        "2025-6-1",
    ] {
        let body = register(&app, &guardian, "北九 花子", birth, "FEMALE").await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{birth}: {body}");
        assert_eq!(body["data"], Value::Null, "{birth}: {body}");
    }
    // Nobody named 花子 was registered (the demo's own children stay).
    let mine = app
        .graphql(Some(&guardian), "{ myHealthChildren { name } }", json!({}))
        .await;
    let names = mine["data"]["myHealthChildren"].as_array().unwrap();
    assert!(!names.iter().any(|c| c["name"] == "北九 花子"), "{mine}");
}

#[tokio::test]
async fn a_childs_health_data_is_read_by_its_guardian_and_its_municipalitys_health_staff_only() {
    let app = spawn_app().await;
    let guardian = app.login_demo("kitakyushu-resident@example.jp").await;
    let body = register(&app, &guardian, "北九 花子", "2025-06-01", "FEMALE").await;
    let id = body["data"]["registerHealthChild"]["child"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Another guardian, another municipality's staff, other staff of the same city: not
    // found (and `node` is null). Anonymous: signed out.
    for email in [
        "maebashi-resident@example.jp",
        "maebashi-admin@example.jp",
        "kitakyushu-concierge@example.jp",
    ] {
        let token = app.login_demo(email).await;
        let body = child_view(&app, Some(&token), &id).await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{email}: {body}");
        let node = app
            .graphql(
                Some(&token),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(node["data"]["node"], Value::Null, "{email}: {node}");
    }
    let body = child_view(&app, None, &id).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");

    // The municipality's health staff read it, and each read is logged.
    let staff = app.login_demo("kitakyushu-admin@example.jp").await;
    let body = child_view(&app, Some(&staff), &id).await;
    assert_eq!(body["data"]["healthChild"]["name"], "北九 花子", "{body}");
    let log = app
        .graphql(
            Some(&staff),
            "{ personalDataAccessLog(first: 50) { nodes { subjectKind accessed } } }",
            json!({}),
        )
        .await;
    let reads: Vec<(String, String)> = log["data"]["personalDataAccessLog"]["nodes"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        // The demo registered another child with the national hub.
        .filter(|n| n["subjectKind"] == "health_child" && n["accessed"] != "hub_registration")
        .map(|n| {
            (
                n["accessed"].as_str().unwrap_or("").to_owned(),
                String::new(),
            )
        })
        .collect();
    let accessed: Vec<&str> = reads.iter().map(|(a, _)| a.as_str()).collect();
    for kind in ["detail", "schedule", "vaccinations"] {
        assert!(accessed.contains(&kind), "{kind} not logged: {log}");
    }
    // The guardian's own reads are not staff reads.
    assert_eq!(accessed.len(), 3, "{log}");
}

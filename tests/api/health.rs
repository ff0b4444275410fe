//! Health: the routine vaccine catalogue seeded as dated data, read by municipal health
//! staff, with the funded window apart from the standard one.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app};

const CATALOGUE: &str = "query($on: NaiveDate) { vaccineCatalogue(inForceOn: $on) { products { code antigen live route injectedLive defaultDoseMl validFrom validTo ageLimit mayFollow } series { code antigen products sex bornFrom validFrom validTo conflictsWith doses { dose label eligibleFrom eligibleUntil standardFrom standardUntil minIntervals { afterDose min max } standardIntervals { afterDose min max } skippedWhen validFrom validTo } } } }";

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

//! The health KPIs of 北九州市 on a known data set in fiscal years the demo never reaches
//! (2038–2041), written straight into the test database from demo rows: guardians using
//! the app, dental checkups and the children due for them, 予診票 by source, the
//! vaccination checks' findings per dose, caries-free 3-year-olds and the app's
//! satisfaction survey — each on both sides of 1 April (JST), with the previous year, the
//! drill-down, the CSV, and who may read them. The survey's mutation is driven over HTTP.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    health_booking::BookingStatus,
    health_check_log as check_log, health_checkup as checkup,
    health_checkup_booking as checkup_booking, health_checkup_type as checkup_type,
    health_child as child,
    health_form_submission::{self as submission, FormSource},
    health_survey as survey,
    health_vaccination::{self as vaccination, VaccinationSource},
};
use reqwest::{Method, StatusCode};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, error_code, spawn_app, user_error_codes};

const KITAKYUSHU: &str = "40100";
const APP_USERS: &str = "kitakyushu.health.vaccination_app_users";
const DENTAL_USERS: &str = "kitakyushu.health.dental_app_users";
const DENTAL_RATE: &str = "kitakyushu.health.dental_checkup_rate";
const APP_FORMS: &str = "kitakyushu.health.electronic_forms";
const APP_FORM_SHARE: &str = "kitakyushu.health.electronic_form_share";
const ERROR_REDUCTION: &str = "kitakyushu.health.vaccination_error_reduction";
const INTERVAL_REDUCTION: &str = "kitakyushu.health.vaccination_error_reduction.interval";
const AGE_REDUCTION: &str = "kitakyushu.health.vaccination_error_reduction.age";
const PRODUCT_REDUCTION: &str = "kitakyushu.health.vaccination_error_reduction.product";
const CARIES_FREE: &str = "kitakyushu.health.caries_free_3y";
const SATISFACTION_MEAN: &str = "kitakyushu.health.app_satisfaction_mean";
const SATISFIED_SHARE: &str = "kitakyushu.health.app_satisfied_share";

/// Every health KPI of the known year.
const KEYS: [&str; 12] = [
    APP_USERS,
    DENTAL_USERS,
    DENTAL_RATE,
    APP_FORMS,
    APP_FORM_SHARE,
    ERROR_REDUCTION,
    INTERVAL_REDUCTION,
    AGE_REDUCTION,
    PRODUCT_REDUCTION,
    CARIES_FREE,
    SATISFACTION_MEAN,
    SATISFIED_SHARE,
];

const REPORT: &str = "query($m: String!, $y: Int!) { kpiReport(municipalityCode: $m, fiscalYear: $y) { kpis { key value numerator denominator previousValue change target targetMet definition { formula unit programme description } } } }";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Writes health records of known values straight into the database.
struct Health {
    db: DatabaseConnection,
    city: Uuid,
    /// Three guardian accounts.
    guardians: [Uuid; 3],
}

impl Health {
    async fn open(app: &TestApp) -> Self {
        let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
        let city = entity::municipality::Entity::find()
            .filter(entity::municipality::Column::JisCode.eq(KITAKYUSHU))
            .one(&db)
            .await
            .unwrap()
            .unwrap()
            .id;
        let users: Vec<Uuid> = entity::user::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|user| user.id)
            .take(3)
            .collect();
        Self {
            db,
            city,
            guardians: [users[0], users[1], users[2]],
        }
    }

    async fn dental_type(&self, code: &str) -> checkup_type::Model {
        checkup_type::Entity::find()
            .filter(checkup_type::Column::MunicipalityId.eq(self.city))
            .filter(checkup_type::Column::Code.eq(code))
            .one(&self.db)
            .await
            .unwrap()
            .expect("the city's dental checkup type")
    }

    /// A child of the city born on `born`.
    async fn child(&self, born: &str) -> Uuid {
        let template = child::Entity::find()
            .filter(child::Column::MunicipalityId.eq(self.city))
            .one(&self.db)
            .await
            .unwrap()
            .expect("a demo child");
        let id = Uuid::now_v7();
        let mut row = template.into_active_model();
        row.id = Set(id);
        row.name = Set("北九 既知".into());
        row.birth_date = Set(day(born));
        row.claim_code_digest = Set(None);
        row.claim_code_expires_at = Set(None);
        row.insert(&self.db).await.unwrap();
        id
    }

    /// A dental checkup of `child` on `on` finding `caries` teeth with caries.
    async fn checkup(&self, child: Uuid, kind: &checkup_type::Model, on: &str, caries: i32) {
        let template = checkup::Entity::find()
            .filter(checkup::Column::MunicipalityId.eq(self.city))
            .one(&self.db)
            .await
            .unwrap()
            .expect("a demo checkup");
        let mut row = template.into_active_model();
        row.id = Set(Uuid::now_v7());
        row.child_id = Set(child);
        row.checkup_type_id = Set(kind.id);
        row.booking_id = Set(None);
        row.examined_on = Set(day(on));
        row.caries_count = Set(Some(caries));
        row.insert(&self.db).await.unwrap();
    }

    /// A dental checkup booking by guardian `guardian` for `child` on `on`.
    async fn dental_booking(
        &self,
        guardian: usize,
        child: Uuid,
        kind: &checkup_type::Model,
        on: &str,
        status: BookingStatus,
    ) {
        let template = checkup_booking::Entity::find()
            .filter(checkup_booking::Column::MunicipalityId.eq(self.city))
            .one(&self.db)
            .await
            .unwrap()
            .expect("a demo checkup booking");
        let mut row = template.into_active_model();
        row.id = Set(Uuid::now_v7());
        row.guardian_user_id = Set(self.guardians[guardian]);
        row.child_id = Set(child);
        row.checkup_type_id = Set(kind.id);
        row.day = Set(day(on));
        row.status = Set(status);
        row.insert(&self.db).await.unwrap();
    }

    /// A 予診票 from `source` submitted at `submitted_at` by guardian `guardian`.
    async fn form(&self, guardian: usize, source: FormSource, submitted_at: &str) {
        let template = submission::Entity::find()
            .filter(submission::Column::MunicipalityId.eq(self.city))
            .one(&self.db)
            .await
            .unwrap()
            .expect("a demo 予診票");
        let mut row = template.into_active_model();
        row.id = Set(Uuid::now_v7());
        row.visit_id = Set(Uuid::now_v7());
        row.booking_id = Set(None);
        row.source = Set(source);
        row.submitted_by = Set(self.guardians[guardian]);
        row.created_at = Set(at(submitted_at));
        row.insert(&self.db).await.unwrap();
    }

    /// A dose given on `on`, recorded from `source`; `superseded` by a correction or not.
    async fn dose(&self, on: &str, source: VaccinationSource, superseded: bool) {
        let template = vaccination::Entity::find()
            .filter(vaccination::Column::MunicipalityId.eq(self.city))
            .one(&self.db)
            .await
            .unwrap()
            .expect("a demo vaccination");
        let id = Uuid::now_v7();
        let mut row = template.into_active_model();
        row.id = Set(id);
        row.record_id = Set(id);
        row.version = Set(1);
        row.submission_id = Set(None);
        row.source = Set(source);
        row.vaccinated_on = Set(day(on));
        row.superseded_at = Set(superseded.then(|| at("2041-01-01T00:00:00+09:00")));
        row.insert(&self.db).await.unwrap();
    }

    /// A finding of the vaccination checks of `category` logged at `occurred_at`.
    async fn finding(&self, category: &str, stage: &str, outcome: &str, occurred_at: &str) {
        check_log::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(self.city),
            clinic_id: Set(None),
            stage: Set(stage.into()),
            outcome: Set(outcome.into()),
            reason: Set("TOO_SOON".into()),
            category: Set(category.into()),
            severity: Set("BLOCK".into()),
            occurred_at: Set(at(occurred_at)),
        }
        .insert(&self.db)
        .await
        .unwrap();
    }

    /// A satisfaction answer of `score` about a visit on `on`.
    async fn answer(&self, service: &str, on: &str, score: i16) {
        let visited_on = day(on);
        survey::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(self.city),
            guardian_user_id: Set(self.guardians[0]),
            service: Set(service.into()),
            booking_id: Set(Uuid::now_v7()),
            score: Set(score),
            visited_on: Set(visited_on),
            fiscal_year: Set(tsunagu::fiscal::year_of_date(visited_on)),
            submitted_at: Set(at("2041-06-01T10:00:00+09:00")),
        }
        .insert(&self.db)
        .await
        .unwrap();
    }

    /// The known data set: FY2040 against FY2039, records on both sides of 1 April.
    async fn known_data_set(&self) {
        // Guardians 0 and 1 use the app in FY2040 (0 twice), guardian 2 in FY2039; a
        // paper form counts among the forms but names no app user.
        self.form(0, FormSource::App, "2040-04-01T00:00:00+09:00")
            .await;
        self.form(0, FormSource::App, "2040-06-01T10:00:00+09:00")
            .await;
        self.form(1, FormSource::App, "2041-03-31T23:59:59+09:00")
            .await;
        self.form(2, FormSource::Paper, "2040-07-01T10:00:00+09:00")
            .await;
        self.form(2, FormSource::App, "2040-03-31T23:59:59+09:00")
            .await;

        // Children and the day each dental window opens (生後18月 / 生後36月).
        let one_and_half = self.dental_type("DENTAL_1Y6M").await;
        let three = self.dental_type("DENTAL_3Y").await;
        let a = self.child("2038-10-02").await; // 1y6m opens 2040-04-01 (FY2040)
        let b = self.child("2038-10-01").await; // 1y6m opens 2040-03-31 (FY2039)
        let c = self.child("2037-06-15").await; // 3y opens 2040-06-14 (FY2040)
        let d = self.child("2037-10-15").await; // 1y6m FY2039, 3y 2040-10-14 (FY2040)
        let e = self.child("2036-12-15").await; // 3y opens 2039-12-14 (FY2039)
        let f = self.child("2037-08-20").await; // 3y opens 2040-08-19 (FY2040)
        self.checkup(a, &one_and_half, "2040-04-01", 0).await;
        self.checkup(b, &one_and_half, "2040-03-31", 0).await;
        self.checkup(d, &one_and_half, "2039-06-01", 0).await;
        self.checkup(c, &three, "2040-07-01", 0).await;
        self.checkup(f, &three, "2040-09-01", 3).await;
        self.checkup(d, &three, "2041-04-01", 2).await;
        self.checkup(e, &three, "2040-03-31", 1).await;

        // Dental bookings in the app: guardian 0 twice and guardian 1 in FY2040, guardian
        // 2 in FY2039 and cancelled in FY2040.
        let booked = BookingStatus::Booked;
        self.dental_booking(0, a, &one_and_half, "2040-04-01", booked)
            .await;
        self.dental_booking(0, c, &three, "2040-07-01", BookingStatus::Attended)
            .await;
        self.dental_booking(1, f, &three, "2041-03-31", booked)
            .await;
        self.dental_booking(2, b, &one_and_half, "2040-03-31", booked)
            .await;
        self.dental_booking(2, d, &three, "2040-05-01", BookingStatus::Cancelled)
            .await;

        // Doses: 4 in FY2039, 5 in FY2040 (a superseded version and a handbook copy aside).
        for (on, source) in [
            ("2039-04-01", VaccinationSource::App),
            ("2039-10-01", VaccinationSource::Paper),
            ("2040-01-01", VaccinationSource::Hub),
            ("2040-03-31", VaccinationSource::App),
            ("2040-04-01", VaccinationSource::App),
            ("2040-06-01", VaccinationSource::Paper),
            ("2040-08-01", VaccinationSource::App),
            ("2040-12-01", VaccinationSource::Hub),
            ("2041-03-31", VaccinationSource::App),
        ] {
            self.dose(on, source, false).await;
        }
        self.dose("2040-05-01", VaccinationSource::App, true).await;
        self.dose("2040-05-02", VaccinationSource::Handbook, false)
            .await;
        // Errors (doses given despite a finding): 2 per 4 doses in FY2039, 1 per 5 in
        // FY2040. Findings that stopped a booking or a form were prevented: no error.
        for (category, stage, outcome, at) in [
            (
                "INTERVAL",
                "confirmation",
                "overridden",
                "2040-03-31T23:59:59+09:00",
            ),
            (
                "AGE",
                "confirmation",
                "overridden",
                "2039-06-01T10:00:00+09:00",
            ),
            (
                "INTERVAL",
                "confirmation",
                "overridden",
                "2040-04-01T00:00:00+09:00",
            ),
            ("PRODUCT", "booking", "caught", "2039-07-01T10:00:00+09:00"),
            (
                "PRODUCT",
                "submission",
                "caught",
                "2040-07-01T10:00:00+09:00",
            ),
            ("INTERVAL", "booking", "caught", "2040-09-01T10:00:00+09:00"),
        ] {
            self.finding(category, stage, outcome, at).await;
        }

        // Satisfaction: 5 and 3 in FY2040, 4 in FY2039.
        self.answer("vaccination", "2040-04-01", 5).await;
        self.answer("dental", "2041-03-31", 3).await;
        self.answer("vaccination", "2040-03-31", 4).await;
    }
}

async fn report(app: &TestApp, token: &str, year: i32) -> Value {
    let body = app
        .graphql(Some(token), REPORT, json!({ "m": KITAKYUSHU, "y": year }))
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    body["data"]["kpiReport"].clone()
}

fn kpi<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {report}"))
}

fn is(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

/// (value, numerator, denominator, previous value) of `key`.
fn assert_kpi(
    report: &Value,
    key: &str,
    value: Option<f64>,
    parts: (f64, Option<f64>),
    previous: Option<f64>,
) {
    let entry = kpi(report, key);
    let matches = |field: &Value, expected: Option<f64>| match expected {
        Some(expected) => is(field, expected),
        None => field.is_null(),
    };
    assert!(matches(&entry["value"], value), "value of {key}: {entry}");
    assert!(
        is(&entry["numerator"], parts.0),
        "numerator of {key}: {entry}"
    );
    assert!(
        matches(&entry["denominator"], parts.1),
        "denominator of {key}: {entry}"
    );
    assert!(
        matches(&entry["previousValue"], previous),
        "previous value of {key}: {entry}"
    );
}

async fn all_records(app: &TestApp, token: &str, year: i32, key: &str) -> Vec<Value> {
    let query = "query($m: String!, $y: Int!, $k: String!, $after: String) { kpiRecords(municipalityCode: $m, fiscalYear: $y, key: $k, first: 50, after: $after) { totalCount nodes { role fiscalYear recordType recordId occurredOn weight label } pageInfo { hasNextPage endCursor } } }";
    let mut records = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .graphql(
                Some(token),
                query,
                json!({ "m": KITAKYUSHU, "y": year, "k": key, "after": after }),
            )
            .await;
        assert_eq!(error_code(&body), None, "{body}");
        let page = &body["data"]["kpiRecords"];
        records.extend(page["nodes"].as_array().unwrap().iter().cloned());
        if page["pageInfo"]["hasNextPage"] != true {
            return records;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

fn sum(records: &[Value], role: &str) -> f64 {
    records
        .iter()
        .filter(|r| r["role"] == role)
        .map(|r| r["weight"].as_f64().unwrap())
        .sum()
}

#[tokio::test]
async fn the_health_kpis_count_their_records_with_the_fiscal_year_starting_1_april_jst() {
    let app = spawn_app().await;
    Health::open(&app).await.known_data_set().await;
    let admin = app.login_demo("kitakyushu-admin@example.jp").await;
    let fy2040 = report(&app, &admin, 2040).await;

    // Distinct guardians: guardian 0's two forms count once; 23:59 on 31 March is the
    // year before, 0:00 on 1 April this year.
    assert_kpi(&fy2040, APP_USERS, Some(2.0), (2.0, None), Some(1.0));
    // Guardians 0 (twice) and 1; guardian 2's booking this year was cancelled.
    assert_kpi(&fy2040, DENTAL_USERS, Some(2.0), (2.0, None), Some(1.0));
    // 3 examined of 4 whose window opened in FY2040; FY2039: 3 of 3.
    assert_kpi(
        &fy2040,
        DENTAL_RATE,
        Some(75.0),
        (3.0, Some(4.0)),
        Some(100.0),
    );
    // The app's forms, and their share of all forms with the paper one beside them.
    assert_kpi(&fy2040, APP_FORMS, Some(3.0), (3.0, None), Some(1.0));
    assert_kpi(
        &fy2040,
        APP_FORM_SHARE,
        Some(75.0),
        (3.0, Some(4.0)),
        Some(100.0),
    );
    // 1 error per 5 doses after 2 per 4: the rate fell by 60%. No doses in FY2038, so
    // no previous value.
    assert_kpi(&fy2040, ERROR_REDUCTION, Some(60.0), (1.0, Some(5.0)), None);
    // By category: interval 1/5 after 1/4 (−20%), age 0/5 after 1/4 (−100%), and no
    // rate to reduce where last year had none.
    assert_kpi(
        &fy2040,
        INTERVAL_REDUCTION,
        Some(20.0),
        (1.0, Some(5.0)),
        None,
    );
    assert_kpi(&fy2040, AGE_REDUCTION, Some(100.0), (0.0, Some(5.0)), None);
    assert_kpi(&fy2040, PRODUCT_REDUCTION, None, (0.0, Some(5.0)), None);
    let reduction = kpi(&fy2040, ERROR_REDUCTION);
    assert_eq!(reduction["definition"]["formula"], "RATE_REDUCTION");
    assert_eq!(reduction["definition"]["programme"], "HEALTH");
    assert!(
        reduction["definition"]["description"]
            .as_str()
            .unwrap()
            .contains("前年度のr−当年度のr"),
        "{reduction}"
    );
    // (examined − with caries) ÷ examined at 3: 1 of 2; FY2039: 0 of 1.
    assert_kpi(
        &fy2040,
        CARIES_FREE,
        Some(50.0),
        (1.0, Some(2.0)),
        Some(0.0),
    );
    assert!(is(&kpi(&fy2040, CARIES_FREE)["change"], 50.0));
    // Satisfaction: 5 and 3; FY2039: 4.
    assert_kpi(
        &fy2040,
        SATISFACTION_MEAN,
        Some(4.0),
        (8.0, Some(2.0)),
        Some(4.0),
    );
    assert_kpi(
        &fy2040,
        SATISFIED_SHARE,
        Some(50.0),
        (1.0, Some(2.0)),
        Some(100.0),
    );

    // The next year: the 3歳 checkup of 1 April 2041 counts there, and the reduction of
    // FY2040 is its previous value.
    let fy2041 = report(&app, &admin, 2041).await;
    assert_kpi(
        &fy2041,
        CARIES_FREE,
        Some(0.0),
        (0.0, Some(1.0)),
        Some(50.0),
    );
    assert_kpi(&fy2041, ERROR_REDUCTION, None, (0.0, Some(0.0)), Some(60.0));
    assert_kpi(&fy2041, APP_USERS, Some(0.0), (0.0, None), Some(2.0));

    // A target of the reduction is set and met.
    let body = app
        .graphql(
            Some(&admin),
            "mutation($input: SetKpiTargetInput!) { setKpiTarget(input: $input) { userErrors { code } } }",
            json!({ "input": { "municipalityCode": KITAKYUSHU, "key": ERROR_REDUCTION, "fiscalYear": 2040, "target": 50, "baseline": 0 } }),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["setKpiTarget"]),
        Vec::<String>::new(),
        "{body}"
    );
    let fy2040 = report(&app, &admin, 2040).await;
    assert_eq!(kpi(&fy2040, ERROR_REDUCTION)["targetMet"], true);
}

#[tokio::test]
async fn the_records_behind_each_health_kpi_add_up_and_name_no_child_or_guardian() {
    let app = spawn_app().await;
    Health::open(&app).await.known_data_set().await;
    let admin = app.login_demo("kitakyushu-admin@example.jp").await;
    let fy2040 = report(&app, &admin, 2040).await;
    for key in KEYS {
        let entry = kpi(&fy2040, key);
        let records = all_records(&app, &admin, 2040, key).await;
        assert!(
            is(&entry["numerator"], sum(&records, "NUMERATOR")),
            "{key}: {entry} vs {records:?}"
        );
        if let Some(denominator) = entry["denominator"].as_f64() {
            assert!(
                (denominator - sum(&records, "DENOMINATOR")).abs() < 1e-9,
                "{key}: {records:?}"
            );
        }
        for record in &records {
            let on = record["occurredOn"].as_str().unwrap();
            assert!(
                ("2040-04-01"..="2041-03-31").contains(&on),
                "{key}: {record}"
            );
            assert_eq!(record["fiscalYear"], 2040, "{key}: {record}");
            let label = record["label"].as_str().unwrap();
            assert!(!label.contains("北九 既知"), "{key}: {label}");
        }
    }
    // One record per guardian: their first form of the year, on 1 April at 0:00 JST.
    let users = all_records(&app, &admin, 2040, APP_USERS).await;
    let days: Vec<&str> = users
        .iter()
        .map(|r| r["occurredOn"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2040-04-01", "2041-03-31"]);
    assert!(users.iter().all(|r| r["recordType"] == "VaccinationForm"));
    // The paper form is in the share's denominator, labelled as paper.
    let forms = all_records(&app, &admin, 2040, APP_FORM_SHARE).await;
    let paper: Vec<&Value> = forms
        .iter()
        .filter(|r| r["role"] == "DENOMINATOR" && r["label"].as_str().unwrap().contains("（紙）"))
        .collect();
    assert_eq!(paper.len(), 1, "{forms:?}");
    // The reduction lists this year's errors and doses, named by category and source.
    let errors = all_records(&app, &admin, 2040, ERROR_REDUCTION).await;
    let numerators: Vec<&Value> = errors.iter().filter(|r| r["role"] == "NUMERATOR").collect();
    assert_eq!(numerators.len(), 1);
    assert_eq!(numerators[0]["occurredOn"], "2040-04-01");
    assert!(
        numerators[0]["label"]
            .as_str()
            .unwrap()
            .contains("接種間隔の誤り"),
        "{errors:?}"
    );
    let doses: Vec<&Value> = errors
        .iter()
        .filter(|r| r["role"] == "DENOMINATOR")
        .collect();
    assert_eq!(doses.len(), 5);
    assert!(doses.iter().all(|r| r["recordType"] == "Vaccination"));
    // The eligible children are counted on the day their window opens.
    let rate = all_records(&app, &admin, 2040, DENTAL_RATE).await;
    let opened: Vec<&str> = rate
        .iter()
        .filter(|r| r["role"] == "DENOMINATOR")
        .map(|r| r["occurredOn"].as_str().unwrap())
        .collect();
    assert_eq!(
        opened,
        ["2040-04-01", "2040-06-14", "2040-08-19", "2040-10-14"]
    );
    // The previous year's records are the previous year's drill-down.
    let before = all_records(&app, &admin, 2039, APP_USERS).await;
    assert_eq!(before.len(), 1);
    assert_eq!(before[0]["occurredOn"], "2040-03-31");
}

async fn download(app: &TestApp, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut request = app.request(Method::GET, path);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

fn csv_rows(bytes: &[u8]) -> Vec<csv::StringRecord> {
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "UTF-8 byte-order mark"
    );
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn the_health_kpis_and_their_records_download_as_csv() {
    let app = spawn_app().await;
    Health::open(&app).await.known_data_set().await;
    let admin = app.login_demo("kitakyushu-admin@example.jp").await;
    let response = download(
        &app,
        Some(&admin),
        "/reports/kpi.csv?municipality=40100&fiscalYear=2040",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let rows = csv_rows(&response.bytes().await.unwrap());
    let row = |key: &str| rows.iter().find(|r| &r[3] == key).unwrap().clone();
    let reduction = row(ERROR_REDUCTION);
    assert_eq!(&reduction[1], "北九州市");
    assert_eq!(&reduction[4], "接種誤り減少率");
    assert_eq!(&reduction[5], "%");
    assert_eq!(
        (&reduction[6], &reduction[7], &reduction[8]),
        ("60", "1", "5")
    );
    let forms = row(APP_FORMS);
    assert_eq!((&forms[6], &forms[9]), ("3", "1"));
    let caries = row(CARIES_FREE);
    assert_eq!(
        (&caries[6], &caries[7], &caries[8], &caries[9]),
        ("50", "1", "2", "0")
    );
    for key in KEYS {
        let response = download(
            &app,
            Some(&admin),
            &format!("/reports/kpi/{key}/records.csv?municipality=40100&fiscalYear=2040"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{key}");
        let rows = csv_rows(&response.bytes().await.unwrap());
        let records = all_records(&app, &admin, 2040, key).await;
        assert_eq!(rows.len(), records.len(), "{key}");
        for (row, record) in rows.iter().zip(&records) {
            assert_eq!(&row[1], key);
            assert_eq!(&row[6], record["recordId"].as_str().unwrap());
            assert_eq!(&row[7], record["occurredOn"].as_str().unwrap());
            assert_eq!(&row[9], record["label"].as_str().unwrap());
        }
    }
}

#[tokio::test]
async fn only_kitakyushus_admins_read_the_health_kpis() {
    let app = spawn_app().await;
    Health::open(&app).await.known_data_set().await;
    let resident = app.login_demo("kitakyushu-resident@example.jp").await;
    let clinic = app.login_demo("kitakyushu-clinic@example.jp").await;
    let other_admin = app.login_demo("maebashi-admin@example.jp").await;
    let records = format!(
        "query {{ kpiRecords(municipalityCode: \"40100\", fiscalYear: 2040, key: \"{APP_USERS}\") {{ totalCount }} }}"
    );
    for (who, token, code, status) in [
        (
            "anonymous",
            None,
            "UNAUTHENTICATED",
            StatusCode::UNAUTHORIZED,
        ),
        (
            "resident",
            Some(resident.as_str()),
            "FORBIDDEN",
            StatusCode::FORBIDDEN,
        ),
        (
            "clinic staff",
            Some(clinic.as_str()),
            "FORBIDDEN",
            StatusCode::FORBIDDEN,
        ),
        (
            "another municipality's admin",
            Some(other_admin.as_str()),
            "FORBIDDEN",
            StatusCode::FORBIDDEN,
        ),
    ] {
        let body = app
            .graphql(token, REPORT, json!({ "m": KITAKYUSHU, "y": 2040 }))
            .await;
        assert_eq!(error_code(&body), Some(code), "{who}: {body}");
        assert!(body["data"].is_null() || body["data"]["kpiReport"].is_null());
        let body = app.graphql(token, &records, json!({})).await;
        assert_eq!(error_code(&body), Some(code), "{who}: {body}");
        for path in [
            "/reports/kpi.csv?municipality=40100&fiscalYear=2040".to_owned(),
            format!("/reports/kpi/{APP_USERS}/records.csv?municipality=40100&fiscalYear=2040"),
        ] {
            let response = download(&app, token, &path).await;
            assert_eq!(response.status(), status, "{who} {path}");
            let text = response.text().await.unwrap();
            assert!(!text.contains("予診票"), "{who} {path} leaks: {text}");
        }
    }
    // A health KPI is not one of Maebashi's.
    let maebashi_records = format!(
        "query {{ kpiRecords(municipalityCode: \"10201\", fiscalYear: 2040, key: \"{APP_USERS}\") {{ totalCount }} }}"
    );
    let body = app
        .graphql(Some(&other_admin), &maebashi_records, json!({}))
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
}

const ANSWER: &str = "mutation($input: SubmitHealthSurveyInput!) { submitHealthSurvey(input: $input) { survey { bookingId score visitedOn fiscalYear } userErrors { field code message } } }";

/// A dental checkup booking of the demo resident, with `status`, on `on`.
async fn resident_dental_booking(
    app: &TestApp,
    db: &DatabaseConnection,
    status: BookingStatus,
    on: &str,
) -> Uuid {
    let resident = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq("kitakyushu-resident@example.jp"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let health = Health::open(app).await;
    let three = health.dental_type("DENTAL_3Y").await;
    let child = health.child("2037-06-15").await;
    let template = checkup_booking::Entity::find()
        .one(db)
        .await
        .unwrap()
        .expect("a demo checkup booking");
    let id = Uuid::now_v7();
    let mut row = template.into_active_model();
    row.id = Set(id);
    row.guardian_user_id = Set(resident.id);
    row.child_id = Set(child);
    row.checkup_type_id = Set(three.id);
    row.day = Set(day(on));
    row.status = Set(status);
    row.insert(db).await.unwrap();
    id
}

fn checkup_booking_id(id: Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("CheckupBooking:{id}"))
}

#[tokio::test]
async fn a_guardian_answers_the_health_survey_once_after_an_attended_visit() {
    let app = spawn_app().await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let attended = resident_dental_booking(&app, &db, BookingStatus::Attended, "2041-03-31").await;
    let booked = resident_dental_booking(&app, &db, BookingStatus::Booked, "2041-04-01").await;
    let resident = app.login_demo("kitakyushu-resident@example.jp").await;
    let other = app.login_demo("maebashi-resident@example.jp").await;
    let answer = |booking: Uuid, score: i32| json!({ "input": { "bookingId": checkup_booking_id(booking), "score": score } });

    // Out of range, or before the visit: refused, nothing saved.
    for (booking, score, code) in [
        (attended, 6, "INVALID"),
        (attended, 0, "INVALID"),
        (booked, 4, "INVALID_STATE"),
    ] {
        let body = app
            .graphql(Some(&resident), ANSWER, answer(booking, score))
            .await;
        assert_eq!(
            user_error_codes(&body["data"]["submitHealthSurvey"]),
            [code],
            "{body}"
        );
        assert!(body["data"]["submitHealthSurvey"]["survey"].is_null());
    }
    // Anyone else's booking is not found; anonymous callers must sign in.
    let body = app.graphql(Some(&other), ANSWER, answer(attended, 4)).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    let body = app.graphql(None, ANSWER, answer(attended, 4)).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    // An id of another kind is bad input.
    let body = app
        .graphql(
            Some(&resident),
            ANSWER,
            json!({ "input": { "bookingId": app.municipality_id(KITAKYUSHU).await, "score": 4 } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");

    // The guardian answers once; it counts in the fiscal year of the visit.
    let body = app
        .graphql(Some(&resident), ANSWER, answer(attended, 4))
        .await;
    let saved = &body["data"]["submitHealthSurvey"]["survey"];
    assert_eq!(saved["score"], 4, "{body}");
    assert_eq!(saved["fiscalYear"], 2040);
    assert_eq!(saved["visitedOn"], "2041-03-31");
    let body = app
        .graphql(Some(&resident), ANSWER, answer(attended, 5))
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["submitHealthSurvey"]),
        ["TAKEN"],
        "{body}"
    );

    let admin = app.login_demo("kitakyushu-admin@example.jp").await;
    let fy2040 = report(&app, &admin, 2040).await;
    assert_kpi(
        &fy2040,
        SATISFACTION_MEAN,
        Some(4.0),
        (4.0, Some(1.0)),
        None,
    );
    let records = all_records(&app, &admin, 2040, SATISFACTION_MEAN).await;
    assert_eq!(records.len(), 2, "the score and the answer: {records:?}");
    assert_eq!(records[0]["recordType"], "CheckupBooking");
    assert_eq!(records[0]["label"], "歯科健診の満足度アンケート（4点）");
}

//! KPI reports computed from raw records: values on a known data set, the fiscal-year
//! boundary in JST, drill-down records that add up to each value, targets, CSV and JSON
//! exports, access rules, and the demo's values. The time a report takes is measured by
//! `bench/kpi.sh`.
//!
//! The known records are in fiscal years the demo data never reaches (2014–2015 and
//! 2039–2041): written through the API where it takes records of the past, else straight
//! into the test database, copying demo rows for their other columns.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    childcare_resource::ResourceKind,
    local_issue::{self, IssueStatus},
    program::{self, ProgramKind},
    program_session, program_survey,
    registration::{self, RegistrationStatus},
    relocation_inquiry::{self, InquiryStage},
};
use reqwest::{Method, StatusCode};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, error_code, spawn_app, user_error_codes};

const MAEBASHI: &str = "10201";
const MANAZURU: &str = "14384";
const PEOPLE_MOVED_IN: &str = "maebashi.relocation.people_moved_in";
const EDUCATION_GROWTH: &str = "manazuru.programs.education_participants_growth";
const ISSUES_SOLVED: &str = "manazuru.partnership.issues_solved";
const PARENTING_MEAN: &str = "manazuru.programs.parenting_class_satisfaction_mean";
const PARENTING_SHARE: &str = "manazuru.programs.parenting_class_satisfied_share";
const EDUCATION_MEAN: &str = "manazuru.programs.education_satisfaction_mean";
const EDUCATION_SHARE: &str = "manazuru.programs.education_satisfied_share";
const PLAZA_USERS: &str = "maebashi.childcare.plaza_users";
const WOMEN_REGULAR_RATE: &str = "maebashi.employment.women_regular_employment_rate";
const CHILDCARE_MEAN: &str = "manazuru.childcare.temporary_childcare_satisfaction_mean";
const CHILDCARE_SHARE: &str = "manazuru.childcare.temporary_childcare_satisfied_share";

const REPORT: &str = "query($m: String!, $y: Int!) { kpiReport(municipalityCode: $m, fiscalYear: $y) { fiscalYear periodStart municipality { jisCode } kpis { key value numerator denominator previousValue change target baseline targetMet definition { unit formula nameJa } } } }";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Writes records of known values straight into the database.
struct Records {
    db: DatabaseConnection,
    maebashi: Uuid,
    manazuru: Uuid,
}

impl Records {
    async fn open(app: &TestApp) -> Self {
        let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
        let id_of = async |code: &str| {
            entity::municipality::Entity::find()
                .filter(entity::municipality::Column::JisCode.eq(code))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .id
        };
        let maebashi = id_of(MAEBASHI).await;
        let manazuru = id_of(MANAZURU).await;
        Self {
            db,
            maebashi,
            manazuru,
        }
    }

    /// A relocation inquiry of Maebashi in `stage` with a move-in outcome.
    async fn inquiry(&self, stage: InquiryStage, moved_in_on: &str, people: i32) -> Uuid {
        let template = relocation_inquiry::Entity::find()
            .one(&self.db)
            .await
            .unwrap()
            .expect("a demo inquiry");
        let id = Uuid::now_v7();
        let mut row = template.into_active_model();
        row.id = Set(id);
        row.municipality_id = Set(self.maebashi);
        row.reference_code = Set(format!("KPI-{}", &id.simple().to_string()[20..]));
        row.tracking_token_hash = Set(id.simple().to_string());
        row.stage = Set(stage);
        row.moved_in_on = Set(Some(day(moved_in_on)));
        row.people_moved = Set(Some(people));
        row.insert(&self.db).await.unwrap();
        id
    }

    /// The demo program of Manazuru of `kind`.
    async fn program(&self, kind: ProgramKind) -> program::Model {
        program::Entity::find()
            .filter(program::Column::MunicipalityId.eq(self.manazuru))
            .filter(program::Column::Kind.eq(kind))
            .one(&self.db)
            .await
            .unwrap()
            .expect("a demo program of that kind in Manazuru")
    }

    /// A session of `program` starting at `starts_at`.
    async fn session(&self, program: &program::Model, starts_at: &str) -> Uuid {
        let template = program_session::Entity::find()
            .filter(program_session::Column::ProgramId.eq(program.id))
            .one(&self.db)
            .await
            .unwrap()
            .expect("a demo session");
        let id = Uuid::now_v7();
        let starts = at(starts_at);
        let mut row = template.into_active_model();
        row.id = Set(id);
        row.starts_at = Set(starts);
        row.ends_at = Set(starts + chrono::Duration::hours(2));
        row.insert(&self.db).await.unwrap();
        id
    }

    /// A registration of a party of `adults` and `children` for `session`.
    async fn registration(
        &self,
        program: &program::Model,
        session: Uuid,
        status: RegistrationStatus,
        adults: i32,
        children: i32,
    ) -> Uuid {
        let template = registration::Entity::find()
            .one(&self.db)
            .await
            .unwrap()
            .expect("a demo registration");
        let id = Uuid::now_v7();
        let mut row = template.into_active_model();
        row.id = Set(id);
        row.municipality_id = Set(self.manazuru);
        row.program_id = Set(program.id);
        row.session_id = Set(session);
        row.user_id = Set(None);
        row.manage_token_hash = Set(None);
        row.check_in_code = Set(id.simple().to_string()[20..].to_owned());
        row.status = Set(status);
        row.adults = Set(adults);
        row.children = Set(children);
        row.seats = Set(adults + children);
        row.childcare = Set(0);
        row.insert(&self.db).await.unwrap();
        id
    }

    /// A survey answer of an attended registration, in fiscal year `year`.
    async fn survey(
        &self,
        program: &program::Model,
        session: Uuid,
        registration: Uuid,
        score: i16,
        year: i32,
    ) {
        program_survey::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(self.manazuru),
            program_id: Set(program.id),
            session_id: Set(session),
            registration_id: Set(registration),
            score: Set(score),
            comment: Set(None),
            fiscal_year: Set(year),
            submitted_at: Set(at(&format!("{year}-06-01T10:00:00+09:00"))),
        }
        .insert(&self.db)
        .await
        .unwrap();
    }

    /// A local issue of Manazuru in `status`, solved at `solved_at`.
    async fn issue(&self, status: IssueStatus, solved_at: &str) -> Uuid {
        let template = local_issue::Entity::find()
            .one(&self.db)
            .await
            .unwrap()
            .expect("a demo issue");
        let id = Uuid::now_v7();
        let mut row = template.into_active_model();
        row.id = Set(id);
        row.municipality_id = Set(self.manazuru);
        row.title = Set(format!("KPIの課題 {id}"));
        row.status = Set(status);
        row.solved_at = Set(Some(at(solved_at)));
        row.insert(&self.db).await.unwrap();
        id
    }

    /// The known data set: values of fiscal year 2040 (and 2039 for comparison), with
    /// records on both sides of each fiscal-year boundary (1 April 0:00 JST).
    async fn known_data_set(&self) {
        // Maebashi: people moved in. FY2040 = 3 + 2, FY2039 = 4.
        self.inquiry(InquiryStage::MovedIn, "2040-04-01", 3).await;
        self.inquiry(InquiryStage::MovedIn, "2041-03-31", 2).await;
        self.inquiry(InquiryStage::MovedIn, "2040-03-31", 4).await;
        self.inquiry(InquiryStage::MovedIn, "2041-04-01", 5).await;
        // Closed without moving in: not counted even with an outcome typed in.
        self.inquiry(InquiryStage::Closed, "2040-06-01", 9).await;

        // Manazuru: education attendees. FY2040 = 3 + 1 + 2, FY2039 = 4.
        let education = self.program(ProgramKind::EducationWorkshop).await;
        let first_minute = self.session(&education, "2040-04-01T00:00:00+09:00").await;
        let last_minute = self.session(&education, "2041-03-31T23:59:00+09:00").await;
        let year_before = self.session(&education, "2040-03-31T23:59:59+09:00").await;
        let r1 = self
            .registration(&education, first_minute, RegistrationStatus::Attended, 2, 1)
            .await;
        let r2 = self
            .registration(&education, first_minute, RegistrationStatus::Attended, 1, 0)
            .await;
        self.registration(&education, first_minute, RegistrationStatus::NoShow, 2, 2)
            .await;
        self.registration(
            &education,
            first_minute,
            RegistrationStatus::Cancelled,
            3,
            0,
        )
        .await;
        let r3 = self
            .registration(&education, last_minute, RegistrationStatus::Attended, 1, 1)
            .await;
        self.registration(&education, year_before, RegistrationStatus::Attended, 2, 2)
            .await;
        // Education surveys of FY2040: 5, 4, 2.
        self.survey(&education, first_minute, r1, 5, 2040).await;
        self.survey(&education, first_minute, r2, 4, 2040).await;
        self.survey(&education, last_minute, r3, 2, 2040).await;

        // Parenting class surveys of FY2040: 5, 3.
        let parenting = self.program(ProgramKind::ParentingClass).await;
        let class = self.session(&parenting, "2040-10-10T10:00:00+09:00").await;
        for score in [5, 3] {
            let registration = self
                .registration(&parenting, class, RegistrationStatus::Attended, 1, 1)
                .await;
            self.survey(&parenting, class, registration, score, 2040)
                .await;
        }

        // Manazuru: issues solved. FY2040 = 2, FY2039 = 1.
        self.issue(IssueStatus::Solved, "2040-04-01T00:00:00+09:00")
            .await;
        self.issue(IssueStatus::Solved, "2041-03-31T23:59:59+09:00")
            .await;
        self.issue(IssueStatus::Solved, "2040-03-31T23:59:59+09:00")
            .await;
        // Reopened: no longer counts.
        self.issue(IssueStatus::Open, "2040-05-01T00:00:00+09:00")
            .await;
    }
}

async fn report(app: &TestApp, token: &str, code: &str, year: i32) -> Value {
    let body = app
        .graphql(Some(token), REPORT, json!({ "m": code, "y": year }))
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

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

async fn all_records(app: &TestApp, token: &str, code: &str, year: i32, key: &str) -> Vec<Value> {
    let query = "query($m: String!, $y: Int!, $k: String!, $after: String) { kpiRecords(municipalityCode: $m, fiscalYear: $y, key: $k, first: 2, after: $after) { totalCount nodes { role fiscalYear recordType recordId occurredOn weight label } pageInfo { hasNextPage endCursor } } }";
    let mut records = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .graphql(
                Some(token),
                query,
                json!({ "m": code, "y": year, "k": key, "after": after }),
            )
            .await;
        assert_eq!(error_code(&body), None, "{body}");
        let page = &body["data"]["kpiRecords"];
        records.extend(page["nodes"].as_array().unwrap().iter().cloned());
        if page["pageInfo"]["hasNextPage"] != true {
            assert_eq!(page["totalCount"], records.len(), "{body}");
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
async fn every_kpi_is_computed_from_raw_records_with_the_fiscal_year_starting_1_april_jst() {
    let app = spawn_app().await;
    Records::open(&app).await.known_data_set().await;
    let maebashi_admin = app.login_demo("maebashi-admin@example.jp").await;
    let manazuru_admin = app.login_demo("manazuru-admin@example.jp").await;

    let maebashi = report(&app, &maebashi_admin, MAEBASHI, 2040).await;
    assert_eq!(maebashi["periodStart"], "2040-03-31T15:00:00+00:00");
    // Plaza users and the employment rate have no records in this known year.
    assert_eq!(maebashi["kpis"].as_array().unwrap().len(), 3, "{maebashi}");
    let moved = kpi(&maebashi, PEOPLE_MOVED_IN);
    assert!(close(&moved["value"], 5.0), "{moved}");
    assert!(close(&moved["numerator"], 5.0), "{moved}");
    assert_eq!(moved["denominator"], Value::Null);
    assert!(close(&moved["previousValue"], 4.0), "{moved}");
    assert!(close(&moved["change"], 1.0), "{moved}");
    assert_eq!(moved["definition"]["unit"], "PEOPLE");
    let next_year = report(&app, &maebashi_admin, MAEBASHI, 2041).await;
    assert!(close(&kpi(&next_year, PEOPLE_MOVED_IN)["value"], 5.0));
    assert!(close(
        &kpi(&next_year, PEOPLE_MOVED_IN)["previousValue"],
        5.0
    ));

    let manazuru = report(&app, &manazuru_admin, MANAZURU, 2040).await;
    assert_eq!(manazuru["kpis"].as_array().unwrap().len(), 8, "{manazuru}");
    let growth = kpi(&manazuru, EDUCATION_GROWTH);
    assert!(close(&growth["numerator"], 6.0), "{growth}");
    assert!(close(&growth["denominator"], 4.0), "{growth}");
    assert!(close(&growth["value"], 50.0), "{growth}");
    assert_eq!(
        growth["previousValue"],
        Value::Null,
        "no attendees in FY2038"
    );
    assert_eq!(growth["definition"]["formula"], "GROWTH");
    let solved = kpi(&manazuru, ISSUES_SOLVED);
    assert!(close(&solved["value"], 2.0), "{solved}");
    assert!(close(&solved["previousValue"], 1.0), "{solved}");
    let parenting_mean = kpi(&manazuru, PARENTING_MEAN);
    assert!(close(&parenting_mean["numerator"], 8.0), "{parenting_mean}");
    assert!(close(&parenting_mean["denominator"], 2.0));
    assert!(close(&parenting_mean["value"], 4.0));
    let parenting_share = kpi(&manazuru, PARENTING_SHARE);
    assert!(
        close(&parenting_share["numerator"], 1.0),
        "{parenting_share}"
    );
    assert!(close(&parenting_share["value"], 50.0));
    let education_mean = kpi(&manazuru, EDUCATION_MEAN);
    assert!(
        close(&education_mean["numerator"], 11.0),
        "{education_mean}"
    );
    assert!(close(&education_mean["denominator"], 3.0));
    assert!(close(&education_mean["value"], 3.67), "{education_mean}");
    let education_share = kpi(&manazuru, EDUCATION_SHARE);
    assert!(
        close(&education_share["numerator"], 2.0),
        "{education_share}"
    );
    // Two of three, in percent rounded half up to one decimal.
    assert!(close(&education_share["value"], 66.7), "{education_share}");

    // A year with no records: totals are zero, ratios have no value.
    let empty = report(&app, &manazuru_admin, MANAZURU, 2050).await;
    assert!(close(&kpi(&empty, ISSUES_SOLVED)["value"], 0.0));
    assert_eq!(kpi(&empty, EDUCATION_MEAN)["value"], Value::Null);
}

/// The known data set of the childcare and employment KPIs, in fiscal year 2015 (and 2014
/// for comparison), on both sides of 1 April: plaza visits and placements recorded
/// through the API, temporary-childcare answers written as the booking service writes them.
async fn known_childcare_and_employment(app: &TestApp, records: &Records) {
    let admin = app.login_demo("maebashi-admin@example.jp").await;
    let advisor = app.login_demo("maebashi-staff@example.jp").await;
    let call = async |token: &str, mutation: &str, input: Value, selection: &str| -> Value {
        let input_type = format!("{}{}Input", mutation[..1].to_uppercase(), &mutation[1..]);
        let body = app
            .graphql(
                Some(token),
                &format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {selection} userErrors {{ code message }} }} }}"),
                json!({ "input": input }),
            )
            .await;
        assert_eq!(error_code(&body), None, "{mutation}: {body}");
        let payload = body["data"][mutation].clone();
        assert!(user_error_codes(&payload).is_empty(), "{mutation}: {body}");
        payload
    };

    // Plaza users of Maebashi: FY2015 = 22 + 11, FY2014 = 7; a consultation desk's
    // visitors are not plaza users.
    let resources = entity::childcare_resource::Entity::find()
        .filter(entity::childcare_resource::Column::MunicipalityId.eq(records.maebashi))
        .all(&records.db)
        .await
        .unwrap();
    let plaza = resources
        .iter()
        .find(|r| r.kind == ResourceKind::Plaza)
        .expect("a demo plaza");
    let other = resources
        .iter()
        .find(|r| r.kind != ResourceKind::Plaza)
        .expect("a demo resource other than a plaza");
    for (resource, date, adults, children) in [
        (plaza, "2015-03-31", 3, 4),
        (plaza, "2015-04-01", 10, 12),
        (plaza, "2016-03-31", 5, 6),
        (other, "2015-06-01", 8, 8),
    ] {
        call(
            &admin,
            "recordChildcareVisits",
            json!({
                "resourceId": tsunagu::graphql::ids::encode(tsunagu::graphql::ids::NodeKind::ChildcareResource, resource.id).to_string(),
                "date": date,
                "adults": adults,
                "children": children,
            }),
            "visit { fiscalYear }",
        )
        .await;
    }

    // Women's regular employment in Maebashi: FY2015 = 2 of 3 women's jobs (a man's job
    // does not count), FY2014 = 1 of 1.
    for (index, (gender, kind, start)) in [
        ("FEMALE", "REGULAR", "2015-04-01"),
        ("FEMALE", "REGULAR", "2016-03-31"),
        ("FEMALE", "PART_TIME", "2015-06-01"),
        ("MALE", "REGULAR", "2015-05-01"),
        ("FEMALE", "REGULAR", "2015-03-31"),
    ]
    .into_iter()
    .enumerate()
    {
        let enrollment = call(
            &advisor,
            "enrollJobSeeker",
            json!({
                "jobSeeker": { "name": format!("前橋 求職者{index}"), "nameKana": "まえばし きゅうしょくしゃ", "phone": "027-224-1111" },
                "gender": gender,
                "enrolledOn": "2015-03-01",
                "supportTrack": "REEMPLOYMENT_AFTER_CHILDCARE",
                "followUpConsent": false,
            }),
            "enrollment { id }",
        )
        .await;
        call(
            &advisor,
            "recordPlacement",
            json!({
                "enrollmentId": enrollment["enrollment"]["id"],
                "employerName": "前橋中央病院",
                "industry": "医療・福祉",
                "jobTitle": "医療事務",
                "employmentType": kind,
                "weeklyHours": 37.5,
                "startDate": start,
            }),
            "placement { fiscalYear }",
        )
        .await;
    }

    // Temporary childcare of Manazuru: FY2015 answers 5 and 3 (mean 4, half satisfied),
    // FY2014 an answer of 4 on 31 March 2015.
    let resource = entity::childcare_resource::Entity::find()
        .filter(entity::childcare_resource::Column::MunicipalityId.eq(records.manazuru))
        .filter(entity::childcare_resource::Column::Kind.eq(ResourceKind::TemporaryChildcare))
        .one(&records.db)
        .await
        .unwrap()
        .expect("a demo temporary childcare");
    let template = entity::childcare_booking::Entity::find()
        .filter(entity::childcare_booking::Column::ResourceId.eq(resource.id))
        .one(&records.db)
        .await
        .unwrap()
        .expect("a demo booking");
    for (date, score) in [("2015-04-01", 5), ("2016-03-31", 3), ("2015-03-31", 4)] {
        let date = day(date);
        let starts_at = tsunagu::fiscal::midnight(date) + chrono::Duration::hours(9);
        let mut booking = template.clone().into_active_model();
        booking.id = Set(Uuid::now_v7());
        booking.status = Set(entity::childcare_booking::BookingStatus::Attended);
        booking.date = Set(date);
        booking.starts_at = Set(starts_at);
        let booking = booking.insert(&records.db).await.unwrap();
        entity::childcare_survey::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(records.manazuru),
            resource_id: Set(resource.id),
            booking_id: Set(booking.id),
            score: Set(score),
            comment: Set(None),
            fiscal_year: Set(tsunagu::fiscal::year_of_date(date)),
            // Answered the next day: the answer still counts in the booking's year.
            submitted_at: Set(starts_at + chrono::Duration::days(1)),
        }
        .insert(&records.db)
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn the_childcare_and_employment_kpis_count_their_records_on_each_side_of_1_april() {
    let app = spawn_app().await;
    let records = Records::open(&app).await;
    known_childcare_and_employment(&app, &records).await;
    let maebashi_admin = app.login_demo("maebashi-admin@example.jp").await;
    let manazuru_admin = app.login_demo("manazuru-admin@example.jp").await;

    let maebashi = report(&app, &maebashi_admin, MAEBASHI, 2015).await;
    assert_eq!(maebashi["kpis"].as_array().unwrap().len(), 3, "{maebashi}");
    let plaza = kpi(&maebashi, PLAZA_USERS);
    assert!(close(&plaza["numerator"], 33.0), "{plaza}");
    assert_eq!(plaza["denominator"], Value::Null);
    assert!(close(&plaza["value"], 33.0), "{plaza}");
    assert!(close(&plaza["previousValue"], 7.0), "{plaza}");
    assert!(close(&plaza["change"], 26.0), "{plaza}");
    let rate = kpi(&maebashi, WOMEN_REGULAR_RATE);
    assert!(close(&rate["numerator"], 2.0), "{rate}");
    assert!(close(&rate["denominator"], 3.0), "{rate}");
    assert!(close(&rate["value"], 66.7), "{rate}");
    assert!(close(&rate["previousValue"], 100.0), "{rate}");
    assert_eq!(rate["definition"]["unit"], "PERCENT");

    let manazuru = report(&app, &manazuru_admin, MANAZURU, 2015).await;
    let mean = kpi(&manazuru, CHILDCARE_MEAN);
    assert!(close(&mean["numerator"], 8.0), "{mean}");
    assert!(close(&mean["denominator"], 2.0), "{mean}");
    assert!(close(&mean["value"], 4.0), "{mean}");
    assert!(close(&mean["previousValue"], 4.0), "{mean}");
    let share = kpi(&manazuru, CHILDCARE_SHARE);
    assert!(close(&share["numerator"], 1.0), "{share}");
    assert!(close(&share["denominator"], 2.0), "{share}");
    assert!(close(&share["value"], 50.0), "{share}");
    assert!(close(&share["previousValue"], 100.0), "{share}");

    // The drill-down adds up, and every record falls on a day of its fiscal year.
    for (token, code, key) in [
        (&maebashi_admin, MAEBASHI, PLAZA_USERS),
        (&maebashi_admin, MAEBASHI, WOMEN_REGULAR_RATE),
        (&manazuru_admin, MANAZURU, CHILDCARE_MEAN),
        (&manazuru_admin, MANAZURU, CHILDCARE_SHARE),
    ] {
        let report = report(&app, token, code, 2015).await;
        let entry = kpi(&report, key);
        let found = all_records(&app, token, code, 2015, key).await;
        assert!(
            close(&entry["numerator"], sum(&found, "NUMERATOR")),
            "{key}: {found:?}"
        );
        if let Some(denominator) = entry["denominator"].as_f64() {
            assert!(
                (denominator - sum(&found, "DENOMINATOR")).abs() < 1e-9,
                "{key}"
            );
        }
        for record in &found {
            let on = record["occurredOn"].as_str().unwrap();
            assert!(
                ("2015-04-01"..="2016-03-31").contains(&on),
                "{key}: {record}"
            );
        }
    }
    let plaza_days = all_records(&app, &maebashi_admin, MAEBASHI, 2015, PLAZA_USERS).await;
    let days: Vec<&str> = plaza_days
        .iter()
        .map(|r| r["occurredOn"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2015-04-01", "2016-03-31"]);
    assert!(
        plaza_days
            .iter()
            .all(|r| r["recordType"] == "ChildcareResource")
    );
    let answers = all_records(&app, &manazuru_admin, MANAZURU, 2015, CHILDCARE_MEAN).await;
    let last = answers.last().unwrap();
    assert_eq!(
        last["occurredOn"], "2016-03-31",
        "counted on the booking's day"
    );
    assert!(!last["label"].as_str().unwrap().contains("求職者"));
}

#[tokio::test]
async fn the_records_behind_every_kpi_add_up_to_its_value() {
    let app = spawn_app().await;
    Records::open(&app).await.known_data_set().await;
    for (code, slug) in [
        (MAEBASHI, "maebashi"),
        (MANAZURU, "manazuru"),
        ("40100", "kitakyushu"),
    ] {
        let admin = app.login_demo(&format!("{slug}-admin@example.jp")).await;
        // The known year and the demo's own current year alike.
        let current = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Tokyo);
        let demo_year = if chrono::Datelike::month(&current) >= 4 {
            chrono::Datelike::year(&current)
        } else {
            chrono::Datelike::year(&current) - 1
        };
        for year in [2040, demo_year, demo_year - 1] {
            let report = report(&app, &admin, code, year).await;
            for entry in report["kpis"].as_array().unwrap() {
                let key = entry["key"].as_str().unwrap();
                let records = all_records(&app, &admin, code, year, key).await;
                assert!(
                    close(&entry["numerator"], sum(&records, "NUMERATOR")),
                    "{key} {year}: {entry} vs {records:?}"
                );
                match entry["denominator"].as_f64() {
                    Some(denominator) => assert!(
                        (denominator - sum(&records, "DENOMINATOR")).abs() < 1e-9,
                        "{key} {year}"
                    ),
                    None => assert!(records.iter().all(|r| r["role"] == "NUMERATOR")),
                }
            }
        }
    }
    // Issues solved: one record per issue, as many as the value.
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let records = all_records(&app, &admin, MANAZURU, 2040, ISSUES_SOLVED).await;
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r["recordType"] == "LocalIssue"));
    // A growth's denominator is last year's attendance.
    let records = all_records(&app, &admin, MANAZURU, 2040, EDUCATION_GROWTH).await;
    let denominators: Vec<&Value> = records
        .iter()
        .filter(|r| r["role"] == "DENOMINATOR")
        .collect();
    assert_eq!(denominators.len(), 1);
    assert_eq!(denominators[0]["fiscalYear"], 2039);
    assert_eq!(denominators[0]["occurredOn"], "2040-03-31");
    // The record ids resolve, for those who may see them.
    let first = &records[0];
    let body = app
        .graphql(
            Some(&admin),
            "query($id: ID!) { node(id: $id) { __typename } }",
            json!({ "id": first["recordId"] }),
        )
        .await;
    assert_eq!(body["data"]["node"]["__typename"], "Registration", "{body}");
    // An unknown key, or a key of another municipality, is not found.
    let body = app
        .graphql(
            Some(&admin),
            "query { kpiRecords(municipalityCode: \"14384\", fiscalYear: 2040, key: \"maebashi.relocation.people_moved_in\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
}

#[tokio::test]
async fn targets_are_set_per_kpi_and_year_and_say_whether_they_are_met() {
    let app = spawn_app().await;
    Records::open(&app).await.known_data_set().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let set = "mutation($input: SetKpiTargetInput!) { setKpiTarget(input: $input) { target { key fiscalYear target baseline } userErrors { field code message } } }";
    let body = app
        .graphql(
            Some(&admin),
            set,
            json!({ "input": { "municipalityCode": MANAZURU, "key": ISSUES_SOLVED, "fiscalYear": 2040, "target": 3, "baseline": 1 } }),
        )
        .await;
    assert_eq!(
        body["data"]["setKpiTarget"]["target"]["target"], 3.0,
        "{body}"
    );
    // Setting again replaces the target; a baseline left out stays as it was.
    app.graphql(
        Some(&admin),
        set,
        json!({ "input": { "municipalityCode": MANAZURU, "key": ISSUES_SOLVED, "fiscalYear": 2040, "target": 2 } }),
    )
    .await;
    app.graphql(
        Some(&admin),
        set,
        json!({ "input": { "municipalityCode": MANAZURU, "key": EDUCATION_MEAN, "fiscalYear": 2040, "target": 4.5 } }),
    )
    .await;
    let report = report(&app, &admin, MANAZURU, 2040).await;
    let solved = kpi(&report, ISSUES_SOLVED);
    assert!(close(&solved["target"], 2.0), "{solved}");
    assert!(close(&solved["baseline"], 1.0));
    assert_eq!(solved["targetMet"], true);
    let mean = kpi(&report, EDUCATION_MEAN);
    assert_eq!(mean["targetMet"], false, "{mean}");
    assert_eq!(kpi(&report, EDUCATION_SHARE)["targetMet"], Value::Null);
    // Another year has no target.
    let other = crate::kpi::report(&app, &admin, MANAZURU, 2041).await;
    assert_eq!(kpi(&other, ISSUES_SOLVED)["target"], Value::Null);

    // Refused input changes nothing.
    for (input, field, code) in [
        (
            json!({ "key": "no.such.kpi", "fiscalYear": 2040, "target": 1 }),
            "key",
            "NOT_FOUND",
        ),
        (
            json!({ "key": PEOPLE_MOVED_IN, "fiscalYear": 2040, "target": 1 }),
            "key",
            "NOT_FOUND",
        ),
        (
            json!({ "key": ISSUES_SOLVED, "fiscalYear": 1990, "target": 1 }),
            "fiscalYear",
            "INVALID",
        ),
        (
            json!({ "key": ISSUES_SOLVED, "fiscalYear": 2040, "target": -1 }),
            "target",
            "INVALID",
        ),
        (
            json!({ "key": EDUCATION_SHARE, "fiscalYear": 2040, "target": 150 }),
            "target",
            "INVALID",
        ),
        (
            json!({ "key": EDUCATION_MEAN, "fiscalYear": 2040, "target": 4, "baseline": 6 }),
            "baseline",
            "INVALID",
        ),
    ] {
        let mut input = input;
        input["municipalityCode"] = json!(MANAZURU);
        let body = app
            .graphql(Some(&admin), set, json!({ "input": input }))
            .await;
        let payload = &body["data"]["setKpiTarget"];
        assert_eq!(user_error_codes(payload), vec![code], "{body}");
        assert_eq!(payload["userErrors"][0]["field"][1], field);
    }
    let after = crate::kpi::report(&app, &admin, MANAZURU, 2040).await;
    assert!(close(&kpi(&after, ISSUES_SOLVED)["target"], 2.0));
    assert_eq!(kpi(&after, EDUCATION_SHARE)["target"], Value::Null);
    assert!(close(&kpi(&after, EDUCATION_MEAN)["target"], 4.5));
    // An explicit null clears the baseline.
    let cleared = app
        .graphql(
            Some(&admin),
            set,
            json!({ "input": { "municipalityCode": MANAZURU, "key": ISSUES_SOLVED, "fiscalYear": 2040, "target": 2, "baseline": null } }),
        )
        .await;
    assert_eq!(
        cleared["data"]["setKpiTarget"]["target"]["baseline"],
        Value::Null,
        "{cleared}"
    );
    // Another municipality's admin may not set Manazuru's targets.
    let other_admin = app.login_demo("maebashi-admin@example.jp").await;
    let body = app
        .graphql(
            Some(&other_admin),
            set,
            json!({ "input": { "municipalityCode": MANAZURU, "key": ISSUES_SOLVED, "fiscalYear": 2040, "target": 99 } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}

async fn download(app: &TestApp, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut request = app.request(Method::GET, path);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_csv_and_json_exports_carry_the_same_report_with_japanese_headers() {
    let app = spawn_app().await;
    Records::open(&app).await.known_data_set().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let response = download(
        &app,
        Some(&admin),
        "/reports/kpi.csv?municipality=14384&fiscalYear=2040",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let bytes = response.bytes().await.unwrap();
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "UTF-8 byte-order mark"
    );
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    // Every line ends with CRLF, as Excel on Windows expects.
    assert!(text.ends_with("\r\n"), "{text:?}");
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "{text:?}"
    );
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headers,
        [
            "自治体コード",
            "自治体名",
            "年度",
            "指標キー",
            "指標名",
            "単位",
            "値",
            "分子",
            "分母",
            "前年度の値",
            "前年度からの増減",
            "目標値",
            "基準値",
            "目標達成"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 8);
    let growth = rows.iter().find(|r| &r[3] == EDUCATION_GROWTH).unwrap();
    assert_eq!(&growth[1], "真鶴町");
    assert_eq!(&growth[2], "2040");
    assert_eq!(&growth[4], "教育プログラム参加者数の対前年度増加率");
    assert_eq!(&growth[5], "%");
    assert_eq!((&growth[6], &growth[7], &growth[8]), ("50", "6", "4"));
    let mean = rows.iter().find(|r| &r[3] == EDUCATION_MEAN).unwrap();
    assert_eq!(&mean[6], "3.67");

    let response = download(
        &app,
        Some(&admin),
        "/reports/kpi.json?municipality=14384&fiscalYear=2040",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["fiscalYear"], 2040);
    let graphql = report(&app, &admin, MANAZURU, 2040).await;
    for entry in graphql["kpis"].as_array().unwrap() {
        let exported = json["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["key"] == entry["key"])
            .unwrap();
        for field in ["value", "numerator", "denominator", "previousValue"] {
            assert_eq!(exported[field], entry[field], "{field} of {}", entry["key"]);
        }
    }
    let response = download(
        &app,
        Some(&admin),
        "/reports/kpi.csv?municipality=14384&fiscalYear=abc",
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn only_the_municipalitys_admins_read_reports_records_and_exports() {
    let app = spawn_app().await;
    let resident = app.login_demo("manazuru-resident@example.jp").await;
    let concierge = app.login_demo("manazuru-concierge@example.jp").await;
    let other_admin = app.login_demo("maebashi-admin@example.jp").await;
    let platform = app.login_demo("platform-admin@example.jp").await;
    let records = "query { kpiRecords(municipalityCode: \"14384\", fiscalYear: 2040, key: \"manazuru.partnership.issues_solved\") { totalCount } }";
    for (who, token, code) in [
        ("anonymous", None, "UNAUTHENTICATED"),
        ("resident", Some(resident.as_str()), "FORBIDDEN"),
        ("concierge", Some(concierge.as_str()), "FORBIDDEN"),
        (
            "another municipality's admin",
            Some(other_admin.as_str()),
            "FORBIDDEN",
        ),
    ] {
        let body = app
            .graphql(token, REPORT, json!({ "m": MANAZURU, "y": 2040 }))
            .await;
        assert_eq!(error_code(&body), Some(code), "{who}: {body}");
        let body = app.graphql(token, records, json!({})).await;
        assert_eq!(error_code(&body), Some(code), "{who}: {body}");
        for path in ["/reports/kpi.csv", "/reports/kpi.json"] {
            let response = download(
                &app,
                token,
                &format!("{path}?municipality=14384&fiscalYear=2040"),
            )
            .await;
            let expected = if token.is_none() {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(response.status(), expected, "{who} {path}");
            let text = response.text().await.unwrap();
            assert!(!text.contains("課題"), "{who} {path} leaks: {text}");
        }
    }
    // Platform admins read every municipality's report.
    let body = app
        .graphql(Some(&platform), REPORT, json!({ "m": MANAZURU, "y": 2040 }))
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    // An unknown municipality is not found.
    let body = app
        .graphql(Some(&platform), REPORT, json!({ "m": "99999", "y": 2040 }))
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
}

#[tokio::test]
async fn kpi_definitions_are_public_and_declare_their_parts() {
    let app = spawn_app().await;
    let body = app
        .graphql(
            None,
            "{ kpiDefinitions { key municipalityCode nameJa nameEn unit unitLabel formula numeratorDefinition denominatorDefinition } manazuru: kpiDefinitions(municipalityCode: \"14384\") { key } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    let all = body["data"]["kpiDefinitions"].as_array().unwrap();
    assert_eq!(all.len(), 26, "{body}");
    let moved = all.iter().find(|k| k["key"] == PEOPLE_MOVED_IN).unwrap();
    assert_eq!(moved["nameJa"], "市の支援による移住者数");
    assert_eq!(moved["formula"], "TOTAL");
    assert_eq!(moved["denominatorDefinition"], Value::Null);
    assert_eq!(body["data"]["manazuru"].as_array().unwrap().len(), 8);
}

#[tokio::test]
async fn every_kpi_of_the_demo_has_a_value_in_this_fiscal_year_and_the_last() {
    let app = spawn_app().await;
    let year = tsunagu::fiscal::year_of(chrono::Utc::now());
    for (code, slug, count) in [
        (MAEBASHI, "maebashi", 3),
        (MANAZURU, "manazuru", 8),
        ("40100", "kitakyushu", 15),
    ] {
        let admin = app.login_demo(&format!("{slug}-admin@example.jp")).await;
        for y in [year, year - 1] {
            let report = report(&app, &admin, code, y).await;
            let kpis = report["kpis"].as_array().unwrap();
            assert_eq!(kpis.len(), count, "{y}: {report}");
            for entry in kpis {
                // Made of records: a count above zero, a ratio over answers or attendees.
                assert!(entry["value"].is_number(), "{y}: {entry}");
                assert!(entry["numerator"].as_f64().unwrap() > 0.0, "{y}: {entry}");
                if entry["definition"]["formula"] != "TOTAL" {
                    assert!(entry["denominator"].as_f64().unwrap() > 0.0, "{y}: {entry}");
                }
                // Targets and baselines of both years, and whether they are met.
                assert!(entry["target"].is_number(), "{y}: {entry}");
                assert!(entry["baseline"].is_number(), "{y}: {entry}");
                assert!(entry["targetMet"].is_boolean(), "{y}: {entry}");
            }
        }
    }
    // Last year's families went all the way through the funnel.
    let admin = app.login_demo("maebashi-admin@example.jp").await;
    let body = app
        .graphql(
            Some(&admin),
            "query($y: Int!) { relocationFunnel(fiscalYear: $y) { steps { stage inquiries } } }",
            json!({ "y": year - 1 }),
        )
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    let steps = body["data"]["relocationFunnel"]["steps"]
        .as_array()
        .unwrap();
    let moved_in = steps.iter().find(|s| s["stage"] == "MOVED_IN").unwrap();
    assert_eq!(moved_in["inquiries"], 3, "{body}");
}

#[tokio::test]
async fn the_childcare_and_employment_kpis_agree_with_their_domains_reports() {
    let app = spawn_app().await;
    let maebashi_admin = app.login_demo("maebashi-admin@example.jp").await;
    let manazuru_admin = app.login_demo("manazuru-admin@example.jp").await;
    let maebashi = app.municipality_id(MAEBASHI).await;
    let manazuru = app.municipality_id(MANAZURU).await;
    let current = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Tokyo);
    let demo_year = if chrono::Datelike::month(&current) >= 4 {
        chrono::Datelike::year(&current)
    } else {
        chrono::Datelike::year(&current) - 1
    };
    let ask = async |token: &str, query: &str, m: &str, year: i32| -> Value {
        let body = app
            .graphql(Some(token), query, json!({ "m": m, "y": year }))
            .await;
        assert_eq!(error_code(&body), None, "{body}");
        body["data"].clone()
    };
    for year in [demo_year, demo_year - 1] {
        // Plaza users: the childcare domain's usage report.
        let maebashi_report = report(&app, &maebashi_admin, MAEBASHI, year).await;
        let usage = ask(
            &maebashi_admin,
            "query($m: ID!, $y: Int!) { childcareUsageReport(municipalityId: $m, fiscalYear: $y) { plazaVisits { total } } }",
            &maebashi,
            year,
        )
        .await;
        let plaza = kpi(&maebashi_report, "maebashi.childcare.plaza_users");
        let visits = usage["childcareUsageReport"]["plazaVisits"]["total"]
            .as_f64()
            .unwrap();
        assert!(visits > 0.0, "{year}: {usage}");
        assert!(close(&plaza["value"], visits), "{year}: {plaza} vs {usage}");

        // Women's regular-employment rate: the employment domain's team report.
        let employment = ask(
            &maebashi_admin,
            "query($m: ID!, $y: Int!) { employmentReport(municipalityId: $m, fiscalYear: $y, audience: TEAM) { womenRegularEmployment { numerator { value } denominator { value } ratePercent } } }",
            &maebashi,
            year,
        )
        .await;
        let women = &employment["employmentReport"]["womenRegularEmployment"];
        let rate = kpi(
            &maebashi_report,
            "maebashi.employment.women_regular_employment_rate",
        );
        let (numerator, denominator) = (
            women["numerator"]["value"].as_f64().unwrap(),
            women["denominator"]["value"].as_f64().unwrap(),
        );
        assert!(denominator > 0.0, "{year}: {employment}");
        assert!(close(&rate["numerator"], numerator), "{year}: {rate}");
        assert!(close(&rate["denominator"], denominator), "{year}: {rate}");
        // One share, rounded once: the KPI and the report state the same percentage.
        assert_eq!(rate["value"], women["ratePercent"], "{year}: {rate}");

        // Temporary-childcare satisfaction: the childcare domain's survey summary.
        let manazuru_report = report(&app, &manazuru_admin, MANAZURU, year).await;
        let satisfaction = ask(
            &manazuru_admin,
            "query($m: ID!, $y: Int!) { temporaryChildcareSatisfaction(municipalityId: $m, fiscalYear: $y) { answers meanScore satisfiedAnswers satisfiedPercent } }",
            &manazuru,
            year,
        )
        .await;
        let summary = &satisfaction["temporaryChildcareSatisfaction"];
        let answers = summary["answers"].as_f64().unwrap();
        assert!(answers > 0.0, "{year}: {satisfaction}");
        let mean = kpi(
            &manazuru_report,
            "manazuru.childcare.temporary_childcare_satisfaction_mean",
        );
        assert!(close(&mean["denominator"], answers), "{year}: {mean}");
        assert!(
            (mean["value"].as_f64().unwrap() - summary["meanScore"].as_f64().unwrap()).abs() < 1e-9,
            "{year}: {mean} vs {summary}"
        );
        let share = kpi(
            &manazuru_report,
            "manazuru.childcare.temporary_childcare_satisfied_share",
        );
        assert_eq!(
            share["value"], summary["satisfiedPercent"],
            "{year}: {share} vs {summary}"
        );
    }
    // The drill-down names records that open, for the municipality's admin.
    let records = all_records(
        &app,
        &maebashi_admin,
        MAEBASHI,
        demo_year - 1,
        "maebashi.employment.women_regular_employment_rate",
    )
    .await;
    let body = app
        .graphql(
            Some(&maebashi_admin),
            "query($id: ID!) { node(id: $id) { __typename } }",
            json!({ "id": records[0]["recordId"] }),
        )
        .await;
    assert_eq!(
        body["data"]["node"]["__typename"], "EmploymentPlacement",
        "{body}"
    );
}

#[tokio::test]
async fn a_kpi_definition_names_its_municipality_and_still_answers_its_former_code() {
    let app = spawn_app().await;
    let body = app
        .graphql(
            None,
            "{ kpiDefinitions { key municipalityCode municipality { jisCode nameJa } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    let definitions = body["data"]["kpiDefinitions"].as_array().unwrap();
    assert!(!definitions.is_empty());
    for definition in definitions {
        assert_eq!(
            definition["municipality"]["jisCode"], definition["municipalityCode"],
            "{definition}"
        );
        assert!(
            definition["municipality"]["nameJa"].is_string(),
            "{definition}"
        );
    }
}

/// The body of a CSV download: checks the byte-order mark and CRLF line endings, then
/// returns the header row and the records.
fn excel_csv(bytes: &[u8]) -> (Vec<String>, Vec<csv::StringRecord>) {
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "UTF-8 byte-order mark"
    );
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.ends_with("\r\n"), "{text:?}");
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "{text:?}"
    );
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    (headers, reader.records().map(Result::unwrap).collect())
}

#[tokio::test]
async fn the_records_behind_every_kpi_download_as_csv_with_the_same_rows_as_the_drill_down() {
    let app = spawn_app().await;
    Records::open(&app).await.known_data_set().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    for key in [ISSUES_SOLVED, EDUCATION_GROWTH, EDUCATION_MEAN] {
        let response = download(
            &app,
            Some(&admin),
            &format!("/reports/kpi/{key}/records.csv?municipality=14384&fiscalYear=2040"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{key}");
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8"
        );
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains(&format!("kpi-records-{key}-14384-2040.csv"))
        );
        let (headers, rows) = excel_csv(&response.bytes().await.unwrap());
        assert_eq!(
            headers,
            [
                "自治体コード",
                "指標キー",
                "指標名",
                "区分",
                "年度",
                "記録の種類",
                "記録ID",
                "計上日",
                "計上値",
                "内容"
            ]
        );
        let records = all_records(&app, &admin, MANAZURU, 2040, key).await;
        assert_eq!(rows.len(), records.len(), "{key}");
        assert!(!rows.is_empty(), "{key} has records in the known year");
        for (row, record) in rows.iter().zip(&records) {
            assert_eq!(&row[0], MANAZURU);
            assert_eq!(&row[1], key);
            let role = if record["role"] == "NUMERATOR" {
                "分子"
            } else {
                "分母"
            };
            assert_eq!(&row[3], role);
            assert_eq!(row[4].parse::<i64>().ok(), record["fiscalYear"].as_i64());
            assert_eq!(&row[5], record["recordType"].as_str().unwrap());
            assert_eq!(&row[6], record["recordId"].as_str().unwrap());
            assert_eq!(&row[7], record["occurredOn"].as_str().unwrap());
            assert!(close(
                &json!(row[8].parse::<f64>().unwrap()),
                record["weight"].as_f64().unwrap()
            ));
            assert_eq!(&row[9], record["label"].as_str().unwrap());
        }
    }
    let solved = download(
        &app,
        Some(&admin),
        &format!("/reports/kpi/{ISSUES_SOLVED}/records.csv?municipality=14384&fiscalYear=2040"),
    )
    .await;
    let (_, rows) = excel_csv(&solved.bytes().await.unwrap());
    assert_eq!(&rows[0][2], "公民連携による地域課題の解決件数");
    assert_eq!(&rows[0][5], "LocalIssue");
}

#[tokio::test]
async fn only_the_municipalitys_admins_download_a_kpis_records() {
    let app = spawn_app().await;
    Records::open(&app).await.known_data_set().await;
    let resident = app.login_demo("manazuru-resident@example.jp").await;
    let other_admin = app.login_demo("maebashi-admin@example.jp").await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let path =
        format!("/reports/kpi/{ISSUES_SOLVED}/records.csv?municipality=14384&fiscalYear=2040");
    for (who, token, status, code) in [
        (
            "anonymous",
            None,
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
        ),
        (
            "resident",
            Some(resident.as_str()),
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
        ),
        (
            "another municipality's admin",
            Some(other_admin.as_str()),
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
        ),
    ] {
        let response = download(&app, token, &path).await;
        assert_eq!(response.status(), status, "{who}");
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{who}: {body}"
        );
    }
    // A key of another municipality, or none at all, is not found; a bad year is bad input.
    for key in [PEOPLE_MOVED_IN, "manazuru.nothing"] {
        let response = download(
            &app,
            Some(&admin),
            &format!("/reports/kpi/{key}/records.csv?municipality=14384&fiscalYear=2040"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{key}");
    }
    let response = download(
        &app,
        Some(&admin),
        &format!("/reports/kpi/{ISSUES_SOLVED}/records.csv?municipality=14384&fiscalYear=x"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

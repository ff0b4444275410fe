//! Employment support: enrollments by career advisors, placements, follow-up checkpoints,
//! the fiscal-year report and its suppression, the women's regular-employment KPI, who may
//! see what, and the personal-data access log.

use chrono::{Duration, NaiveDate};
use sea_orm::{ColumnTrait, Database, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tsunagu::domains::employment::service;

use crate::helpers::{TestApp, error_code, spawn_app, spawn_app_with, user_error_codes};

const ENROLLMENT: &str = "id status gender enrolledOn supportTrack followUpConsent notes closeReason jobSeeker { name nameKana email phone residentId } advisor { id displayName } attendedPrograms { registrationId attachedByAdvisor program { title } session { startsAt } }";
const PLACEMENT: &str = "id employerName employerOrganization { name } industry jobTitle employmentType currentEmploymentType convertedToRegular convertedToRegularOn weeklyHours startDate fiscalYear followUps { id checkpointMonths dueOn dueState stillEmployed employmentType becameRegular }";
const FOLLOW_UP: &str =
    "id checkpointMonths dueOn dueState recordedAt stillEmployed employmentType becameRegular note";
const REPORT: &str = "fiscalYear from to audience suppressionThreshold enrollments { value suppressed } placements { value suppressed } placementsByType { employmentType placements { value suppressed } } womenRegularEmployment { numerator { value suppressed } denominator { value suppressed } ratePercent rate } convertedToRegular { value suppressed } retention { checkpointMonths answered { value suppressed } stillEmployed { value suppressed } ratePercent rate }";

/// The demo towns with the accounts that matter here.
struct Desk {
    app: TestApp,
    maebashi: String,
    manazuru: String,
    /// Career advisor of 前橋市女性就職支援センター.
    advisor: String,
    maebashi_admin: String,
    maebashi_concierge: String,
    maebashi_resident: String,
    /// Program staff of a museum in 真鶴町 (not employment support).
    museum_staff: String,
    manazuru_admin: String,
}

async fn desk() -> Desk {
    desk_with(spawn_app().await).await
}

async fn desk_with(app: TestApp) -> Desk {
    Desk {
        maebashi: app.municipality_id("10201").await,
        manazuru: app.municipality_id("14384").await,
        advisor: app.login_demo("maebashi-staff@example.jp").await,
        maebashi_admin: app.login_demo("maebashi-admin@example.jp").await,
        maebashi_concierge: app.login_demo("maebashi-concierge@example.jp").await,
        maebashi_resident: app.login_demo("maebashi-resident@example.jp").await,
        museum_staff: app.login_demo("manazuru-staff@example.jp").await,
        manazuru_admin: app.login_demo("manazuru-admin@example.jp").await,
        app,
    }
}

fn input_type(mutation: &str) -> String {
    match mutation {
        "attachRegistrationToEnrollment" | "detachRegistrationFromEnrollment" => {
            "EnrollmentRegistrationInput".into()
        }
        _ => {
            let mut chars = mutation.chars();
            let first = chars.next().unwrap().to_uppercase();
            format!("{first}{}Input", chars.as_str())
        }
    }
}

fn today() -> NaiveDate {
    tsunagu::fiscal::today()
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

impl Desk {
    async fn call(
        &self,
        token: Option<&str>,
        mutation: &str,
        input: Value,
        selection: &str,
    ) -> Value {
        let query = format!(
            "mutation($input: {}!) {{ {mutation}(input: $input) {{ {selection} userErrors {{ field code message }} }} }}",
            input_type(mutation)
        );
        self.app
            .graphql(token, &query, json!({ "input": input }))
            .await
    }

    async fn ok(&self, token: &str, mutation: &str, input: Value, selection: &str) -> Value {
        let body = self.call(Some(token), mutation, input, selection).await;
        assert_eq!(error_code(&body), None, "{mutation}: {body}");
        let payload = body["data"][mutation].clone();
        assert_eq!(
            user_error_codes(&payload),
            Vec::<String>::new(),
            "{mutation}: {body}"
        );
        payload
    }

    /// The codes of the refusal, checking that its messages are Japanese.
    async fn refused(&self, token: &str, mutation: &str, input: Value) -> Vec<String> {
        let body = self.call(Some(token), mutation, input, "__typename").await;
        assert_eq!(error_code(&body), None, "{mutation}: {body}");
        let payload = &body["data"][mutation];
        for error in payload["userErrors"].as_array().unwrap() {
            assert!(!error["message"].as_str().unwrap().is_ascii(), "{error}");
        }
        let codes = user_error_codes(payload);
        assert!(!codes.is_empty(), "{mutation} was accepted: {body}");
        codes
    }

    async fn denied(&self, token: Option<&str>, mutation: &str, input: Value) -> String {
        let body = self.call(token, mutation, input, "__typename").await;
        assert!(body["data"][mutation].is_null(), "{mutation}: {body}");
        error_code(&body)
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned()
    }

    async fn query(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.app.graphql(token, query, variables).await;
        assert_eq!(error_code(&body), None, "{body}");
        body["data"].clone()
    }

    async fn node(&self, token: Option<&str>, id: &str, selection: &str) -> Value {
        let (type_name, _) = tsunagu::graphql::ids::decode(&id.to_owned().into())
            .unwrap()
            .expect("an id of ours");
        let query = format!(
            "query($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ {selection} }} }} }}"
        );
        self.query(token, &query, json!({ "id": id })).await["node"].clone()
    }

    /// Enrolls a job seeker by name (as `token`), enrolled on `enrolled_on`.
    async fn enroll(
        &self,
        token: &str,
        name: &str,
        gender: &str,
        enrolled_on: NaiveDate,
        consent: bool,
    ) -> Value {
        self.ok(
            token,
            "enrollJobSeeker",
            json!({
                "jobSeeker": { "name": name, "nameKana": "しゅうしょく はなこ", "phone": "０２７－２２４－１１１１" },
                "gender": gender,
                "enrolledOn": enrolled_on,
                "supportTrack": "REEMPLOYMENT_AFTER_CHILDCARE",
                "followUpConsent": consent,
            }),
            &format!("enrollment {{ {ENROLLMENT} }}"),
        )
        .await["enrollment"]
            .clone()
    }

    async fn place(&self, token: &str, enrollment: &str, kind: &str, start: NaiveDate) -> Value {
        self.ok(
            token,
            "recordPlacement",
            json!({
                "enrollmentId": enrollment,
                "employerName": "前橋中央病院",
                "industry": "医療・福祉",
                "jobTitle": "医療事務",
                "employmentType": kind,
                "weeklyHours": 37.5,
                "startDate": start,
            }),
            &format!("placement {{ {PLACEMENT} }}"),
        )
        .await["placement"]
            .clone()
    }

    async fn report(
        &self,
        token: Option<&str>,
        municipality: &str,
        year: i32,
        audience: &str,
    ) -> Value {
        self
            .app
            .graphql(
                token,
                &format!("query($m: ID!, $y: Int!, $a: ReportAudience!) {{ employmentReport(municipalityId: $m, fiscalYear: $y, audience: $a) {{ {REPORT} }} }}"),
                json!({ "m": municipality, "y": year, "a": audience }),
            )
            .await
    }

    /// A career advisor of a new employment-support office of 真鶴町.
    async fn manazuru_advisor(&self) -> String {
        let data = self
            .query(
                Some(&self.manazuru_admin),
                "mutation { createOrganization(input: { kind: EMPLOYMENT_SUPPORT_OFFICE, name: \"真鶴町しごと相談室\", nameKana: \"マナヅルマチシゴトソウダンシツ\" }) { organization { id } userErrors { code } } }",
                json!({}),
            )
            .await;
        let organization = data["createOrganization"]["organization"]["id"].clone();
        self.staff_of(
            &self.manazuru_admin,
            &organization,
            "manazuru-advisor@example.jp",
        )
        .await
    }

    /// A new program-staff account of `organization`, signed in.
    async fn staff_of(&self, admin: &str, organization: &Value, email: &str) -> String {
        let data = self
            .query(
                Some(admin),
                "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } userErrors { code } } }",
                json!({ "input": {
                    "email": email, "password": "akagi-yama-2026", "displayName": "支援 担当",
                    "displayNameKana": "シエン タントウ", "role": "PROGRAM_STAFF",
                    "organizationId": organization,
                } }),
            )
            .await;
        assert!(data["createUser"]["user"]["id"].is_string(), "{data}");
        self.app.login(email, "akagi-yama-2026").await
    }

    async fn organization_id(&self, name: &str, jis: &str) -> Value {
        let data = self
            .query(
                None,
                "query($code: String!) { municipality(jisCode: $code) { organizations { nodes { id name } } } }",
                json!({ "code": jis }),
            )
            .await;
        data["municipality"]["organizations"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .map(|o| o["id"].clone())
            .unwrap_or_else(|| panic!("no organization {name}: {data}"))
    }

    async fn enrollment_count(&self) -> u64 {
        let db = Database::connect(&self.app.database_url).await.unwrap();
        entity::employment_enrollment::Entity::find()
            .count(&db)
            .await
            .unwrap()
    }
}

fn count(value: &Value) -> Option<u64> {
    assert_eq!(
        value["suppressed"].as_bool(),
        Some(value["value"].is_null()),
        "{value}"
    );
    value["value"].as_u64()
}

#[tokio::test]
async fn an_advisor_enrolls_a_resident_and_sees_the_seminars_she_attended() {
    let desk = desk().await;
    let resident = desk.app.my_id(&desk.maebashi_resident).await;
    let enrollment = desk
        .ok(
            &desk.advisor,
            "enrollJobSeeker",
            json!({
                "residentId": resident,
                "gender": "FEMALE",
                "enrolledOn": today(),
                "supportTrack": "CAREER_CHANGE",
                "followUpConsent": true,
                "notes": "事務職を希望。\n託児の利用あり。",
                "idempotencyKey": "enroll-resident",
            }),
            &format!("enrollment {{ {ENROLLMENT} }}"),
        )
        .await["enrollment"]
        .clone();
    assert_eq!(enrollment["status"], "OPEN");
    assert_eq!(enrollment["jobSeeker"]["name"], "群馬 花子");
    assert_eq!(enrollment["jobSeeker"]["residentId"], resident);
    assert_eq!(enrollment["advisor"]["displayName"], "広瀬 さくら");
    // Her career seminars, and the other programs she attended.
    let attended = enrollment["attendedPrograms"].as_array().unwrap();
    let seminars = attended
        .iter()
        .filter(|a| a["program"]["title"] == "女性活躍推進セミナー")
        .count();
    assert!(seminars >= 2, "{enrollment}");
    assert!(attended.iter().all(|a| a["attachedByAdvisor"] == false));

    // One open enrollment per resident; a retry with the first call's key replays it.
    let mut retry = json!({
        "residentId": resident, "gender": "FEMALE", "enrolledOn": today(),
        "supportTrack": "CAREER_CHANGE", "followUpConsent": true,
        "notes": "事務職を希望。\n託児の利用あり。", "idempotencyKey": "enroll-resident",
    });
    let replayed = desk
        .ok(
            &desk.advisor,
            "enrollJobSeeker",
            retry.clone(),
            "enrollment { id }",
        )
        .await;
    assert_eq!(replayed["enrollment"]["id"], enrollment["id"]);
    retry["idempotencyKey"] = Value::Null;
    retry["supportTrack"] = json!("OTHER");
    let codes = desk.refused(&desk.advisor, "enrollJobSeeker", retry).await;
    assert_eq!(codes, ["INVALID_STATE"]);
}

#[tokio::test]
async fn an_enrollment_with_bad_input_is_refused_with_field_errors_and_writes_nothing() {
    let desk = desk().await;
    let before = desk.enrollment_count().await;
    let manazuru_resident = desk
        .app
        .my_id(&desk.app.login_demo("manazuru-resident@example.jp").await)
        .await;
    let cases = [
        (
            json!({ "jobSeeker": { "name": "前橋 花", "nameKana": "マエバシ ハナ" } }),
            "REQUIRED",
        ),
        (
            json!({ "jobSeeker": { "name": "前橋 花", "nameKana": "前橋", "email": "hana@example.jp" } }),
            "INVALID",
        ),
        (
            json!({ "jobSeeker": { "name": "前橋 花", "nameKana": "マエバシ ハナ", "phone": "12345" } }),
            "INVALID",
        ),
        (json!({ "residentId": manazuru_resident }), "NOT_FOUND"),
        (
            json!({ "residentId": manazuru_resident, "jobSeeker": { "name": "前橋 花", "nameKana": "マエバシ ハナ", "email": "hana@example.jp" } }),
            "NOT_ALLOWED",
        ),
        (json!({}), "REQUIRED"),
        (
            json!({ "jobSeeker": { "name": "前橋 花", "nameKana": "マエバシ ハナ", "email": "hana@example.jp" }, "enrolledOn": today() + Duration::days(1) }),
            "INVALID",
        ),
    ];
    for (extra, code) in cases {
        let mut input =
            json!({ "enrolledOn": today(), "supportTrack": "FIRST_JOB", "followUpConsent": true });
        for (key, value) in extra.as_object().unwrap() {
            input[key] = value.clone();
        }
        let codes = desk
            .refused(&desk.advisor, "enrollJobSeeker", input.clone())
            .await;
        assert!(codes.contains(&code.to_owned()), "{input}: {codes:?}");
    }
    // Errors name the input's own fields.
    let body = desk
        .app
        .graphql(
            Some(&desk.advisor),
            "mutation($input: EnrollJobSeekerInput!) { enrollJobSeeker(input: $input) { userErrors { field } } }",
            json!({ "input": { "enrolledOn": today(), "supportTrack": "FIRST_JOB", "followUpConsent": true, "jobSeeker": { "name": "前橋 花", "nameKana": "前橋", "email": "hana@example.jp" } } }),
        )
        .await;
    assert_eq!(
        body["data"]["enrollJobSeeker"]["userErrors"][0]["field"],
        json!(["input", "jobSeeker", "nameKana"]),
        "{body}"
    );
    assert_eq!(desk.enrollment_count().await, before);
}

#[tokio::test]
async fn enrolling_twice_with_one_idempotency_key_creates_one_enrollment() {
    let desk = desk().await;
    let before = desk.enrollment_count().await;
    let input = json!({
        "jobSeeker": { "name": "前橋 花", "nameKana": "まえばし はな", "email": "Hana@Example.jp" },
        "enrolledOn": today(), "supportTrack": "FIRST_JOB", "followUpConsent": true,
        "idempotencyKey": "enroll-hana-1",
    });
    let first = desk
        .ok(
            &desk.advisor,
            "enrollJobSeeker",
            input.clone(),
            "enrollment { id jobSeeker { nameKana email } }",
        )
        .await;
    let second = desk
        .ok(
            &desk.advisor,
            "enrollJobSeeker",
            input.clone(),
            "enrollment { id }",
        )
        .await;
    assert_eq!(first["enrollment"]["id"], second["enrollment"]["id"]);
    assert_eq!(
        first["enrollment"]["jobSeeker"]["nameKana"],
        "マエバシ ハナ"
    );
    assert_eq!(first["enrollment"]["jobSeeker"]["email"], "hana@example.jp");
    assert_eq!(desk.enrollment_count().await, before + 1);
    let mut other = input;
    other["supportTrack"] = json!("OTHER");
    let codes = desk.refused(&desk.advisor, "enrollJobSeeker", other).await;
    assert_eq!(codes, ["IDEMPOTENCY_KEY_REUSED"]);
}

#[tokio::test]
async fn a_placement_gets_checkpoints_at_3_6_and_12_months_only_with_consent() {
    let desk = desk().await;
    let consented = desk
        .enroll(
            &desk.advisor,
            "同意 あり",
            "FEMALE",
            date("2025-10-01"),
            true,
        )
        .await;
    let placement = desk
        .place(
            &desk.advisor,
            consented["id"].as_str().unwrap(),
            "PART_TIME",
            date("2025-11-30"),
        )
        .await;
    let due: Vec<(i64, &str)> = placement["followUps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["checkpointMonths"].as_i64().unwrap(),
                f["dueOn"].as_str().unwrap(),
            )
        })
        .collect();
    // The end of a shorter month stands in for the 30th.
    assert_eq!(
        due,
        [(3, "2026-02-28"), (6, "2026-05-30"), (12, "2026-11-30")]
    );
    assert_eq!(placement["weeklyHours"], 37.5);
    assert_eq!(placement["fiscalYear"], 2025);

    let declined = desk
        .enroll(
            &desk.advisor,
            "同意 なし",
            "FEMALE",
            date("2025-10-01"),
            false,
        )
        .await;
    let placement = desk
        .place(
            &desk.advisor,
            declined["id"].as_str().unwrap(),
            "REGULAR",
            date("2025-11-30"),
        )
        .await;
    assert_eq!(placement["followUps"], json!([]));

    // Consent given later creates them; withdrawn, the open ones go.
    let enrollment = desk
        .ok(
            &desk.advisor,
            "updateEmploymentEnrollment",
            json!({ "id": declined["id"], "followUpConsent": true }),
            "enrollment { placements { followUps { checkpointMonths } } }",
        )
        .await;
    assert_eq!(
        enrollment["enrollment"]["placements"][0]["followUps"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // Open checkpoints move with the enrollment to a new advisor of the team.
    let admin = desk.app.my_id(&desk.maebashi_admin).await;
    let concierge = desk.app.my_id(&desk.maebashi_concierge).await;
    let codes = desk
        .refused(
            &desk.advisor,
            "updateEmploymentEnrollment",
            json!({ "id": declined["id"], "advisorId": concierge }),
        )
        .await;
    assert_eq!(codes, ["NOT_FOUND"]);
    let moved = desk
        .ok(
            &desk.advisor,
            "updateEmploymentEnrollment",
            json!({ "id": declined["id"], "advisorId": admin }),
            "enrollment { advisor { displayName } placements { followUps { advisor { displayName } } } }",
        )
        .await;
    assert_eq!(moved["enrollment"]["advisor"]["displayName"], "前橋 由美");
    let follow_ups = moved["enrollment"]["placements"][0]["followUps"]
        .as_array()
        .unwrap();
    assert!(
        follow_ups
            .iter()
            .all(|f| f["advisor"]["displayName"] == "前橋 由美"),
        "{moved}"
    );
    let enrollment = desk
        .ok(
            &desk.advisor,
            "updateEmploymentEnrollment",
            json!({ "id": declined["id"], "followUpConsent": false, "notes": null }),
            "enrollment { followUpConsent placements { followUps { checkpointMonths } } }",
        )
        .await;
    assert_eq!(
        enrollment["enrollment"]["placements"][0]["followUps"],
        json!([])
    );
}

#[tokio::test]
async fn placements_break_no_rule_and_closed_enrollments_take_none() {
    let desk = desk().await;
    let enrollment = desk
        .enroll(
            &desk.advisor,
            "規則 確認",
            "FEMALE",
            date("2026-01-10"),
            true,
        )
        .await;
    let id = enrollment["id"].as_str().unwrap();
    let base = json!({
        "enrollmentId": id, "employerName": "前橋中央病院", "industry": "医療・福祉",
        "jobTitle": "医療事務", "employmentType": "REGULAR", "weeklyHours": 40, "startDate": "2026-02-01",
    });
    let other_town = desk
        .organization_id("株式会社みなとサテライトラボ", "14384")
        .await;
    let cases = [
        (json!({ "startDate": "2026-01-09" }), "INVALID"),
        (json!({ "weeklyHours": 0 }), "INVALID"),
        (json!({ "weeklyHours": 81 }), "INVALID"),
        (json!({ "jobTitle": "  " }), "REQUIRED"),
        (json!({ "employerName": null }), "REQUIRED"),
        (
            json!({ "employerName": null, "employerOrganizationId": other_town }),
            "NOT_FOUND",
        ),
    ];
    for (change, code) in cases {
        let mut input = base.clone();
        for (key, value) in change.as_object().unwrap() {
            input[key] = value.clone();
        }
        let codes = desk
            .refused(&desk.advisor, "recordPlacement", input.clone())
            .await;
        assert!(codes.contains(&code.to_owned()), "{input}: {codes:?}");
    }
    // A retry with the same key records one placement with one set of checkpoints.
    let mut keyed = base.clone();
    keyed["idempotencyKey"] = json!("placement-1");
    let first = desk
        .ok(
            &desk.advisor,
            "recordPlacement",
            keyed.clone(),
            "placement { id }",
        )
        .await;
    let again = desk
        .ok(&desk.advisor, "recordPlacement", keyed, "placement { id }")
        .await;
    assert_eq!(first["placement"]["id"], again["placement"]["id"]);
    let placements = desk
        .node(Some(&desk.advisor), id, "placements { followUps { id } }")
        .await;
    assert_eq!(
        placements["placements"].as_array().unwrap().len(),
        1,
        "{placements}"
    );
    assert_eq!(
        placements["placements"][0]["followUps"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // A partner organization of the town names the employer.
    let partner = desk
        .organization_id("株式会社あかぎワークス", "10201")
        .await;
    let mut input = base.clone();
    input["employerName"] = Value::Null;
    input["employerOrganizationId"] = partner;
    let placement = desk
        .ok(
            &desk.advisor,
            "recordPlacement",
            input,
            "placement { employerName employerOrganization { name } }",
        )
        .await;
    assert_eq!(
        placement["placement"]["employerName"],
        "株式会社あかぎワークス"
    );

    let closed = desk
        .ok(
            &desk.advisor,
            "closeEmploymentEnrollment",
            json!({ "id": id, "reason": "FOUND_WORK" }),
            "enrollment { status closeReason closedOn }",
        )
        .await;
    assert_eq!(closed["enrollment"]["status"], "CLOSED");
    assert_eq!(closed["enrollment"]["closedOn"], json!(today()));
    let codes = desk
        .refused(
            &desk.advisor,
            "closeEmploymentEnrollment",
            json!({ "id": id, "reason": "WITHDREW" }),
        )
        .await;
    assert_eq!(codes, ["INVALID_STATE"]);
    let codes = desk.refused(&desk.advisor, "recordPlacement", base).await;
    assert_eq!(codes, ["INVALID_STATE"]);
}

#[tokio::test]
async fn a_follow_up_shows_the_change_from_part_time_to_regular() {
    let desk = desk().await;
    let enrollment = desk
        .enroll(
            &desk.advisor,
            "登用 太郎",
            "MALE",
            today() - Duration::days(400),
            true,
        )
        .await;
    let start = today() - Duration::days(120);
    let placement = desk
        .place(
            &desk.advisor,
            enrollment["id"].as_str().unwrap(),
            "PART_TIME",
            start,
        )
        .await;
    let checkpoints = placement["followUps"].as_array().unwrap();
    let (three, twelve) = (&checkpoints[0], &checkpoints[2]);
    assert_eq!(three["dueState"], "OVERDUE");
    assert_eq!(twelve["dueState"], "UPCOMING");

    let codes = desk
        .refused(
            &desk.advisor,
            "recordFollowUp",
            json!({ "id": three["id"], "stillEmployed": true }),
        )
        .await;
    assert_eq!(codes, ["REQUIRED"]);
    let codes = desk
        .refused(
            &desk.advisor,
            "recordFollowUp",
            json!({ "id": three["id"], "stillEmployed": false, "employmentType": "REGULAR" }),
        )
        .await;
    assert_eq!(codes, ["NOT_ALLOWED"]);
    let codes = desk
        .refused(
            &desk.advisor,
            "recordFollowUp",
            json!({ "id": twelve["id"], "stillEmployed": true, "employmentType": "REGULAR" }),
        )
        .await;
    assert_eq!(codes, ["INVALID_STATE"]);

    // A conversion is recorded with the day it happened, within the job's life.
    let converted_on = today() - chrono::Duration::days(10);
    for (input, code) in [
        (
            json!({ "id": three["id"], "stillEmployed": true, "employmentType": "REGULAR" }),
            "REQUIRED",
        ),
        (
            json!({ "id": three["id"], "stillEmployed": true, "employmentType": "REGULAR", "convertedToRegularOn": today() + chrono::Duration::days(1) }),
            "INVALID",
        ),
        (
            json!({ "id": three["id"], "stillEmployed": true, "employmentType": "REGULAR", "convertedToRegularOn": "2000-04-01" }),
            "INVALID",
        ),
        (
            json!({ "id": three["id"], "stillEmployed": true, "employmentType": "PART_TIME", "convertedToRegularOn": converted_on }),
            "NOT_ALLOWED",
        ),
    ] {
        let codes = desk.refused(&desk.advisor, "recordFollowUp", input).await;
        assert_eq!(codes, [code]);
    }
    let recorded = desk
        .ok(
            &desk.advisor,
            "recordFollowUp",
            json!({ "id": three["id"], "stillEmployed": true, "employmentType": "REGULAR", "convertedToRegularOn": converted_on, "note": "正社員に登用" }),
            &format!("followUp {{ {FOLLOW_UP} placement {{ employmentType currentEmploymentType convertedToRegular convertedToRegularOn }} }}"),
        )
        .await["followUp"]
        .clone();
    assert_eq!(recorded["becameRegular"], true);
    assert_eq!(recorded["dueState"], "RECORDED");
    let job = &recorded["placement"];
    assert_eq!(job["employmentType"], "PART_TIME");
    assert_eq!(job["currentEmploymentType"], "REGULAR");
    assert_eq!(job["convertedToRegular"], true);
    assert_eq!(job["convertedToRegularOn"], json!(converted_on));

    let codes = desk
        .refused(
            &desk.advisor,
            "recordFollowUp",
            json!({ "id": three["id"], "stillEmployed": false }),
        )
        .await;
    assert_eq!(codes, ["INVALID_STATE"]);

    // A job that ended answers its later checkpoints at once.
    let left = desk
        .place(
            &desk.advisor,
            enrollment["id"].as_str().unwrap(),
            "DISPATCH",
            start,
        )
        .await;
    let recorded = desk
        .ok(
            &desk.advisor,
            "recordFollowUp",
            json!({ "id": left["followUps"][0]["id"], "stillEmployed": false, "note": "契約満了" }),
            "followUp { placement { currentEmploymentType followUps { checkpointMonths dueState stillEmployed note } } }",
        )
        .await;
    let placement = &recorded["followUp"]["placement"];
    assert_eq!(placement["currentEmploymentType"], "DISPATCH");
    let answers: Vec<(i64, &str, bool)> = placement["followUps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["checkpointMonths"].as_i64().unwrap(),
                f["dueState"].as_str().unwrap(),
                f["stillEmployed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        answers,
        [
            (3, "RECORDED", false),
            (6, "RECORDED", false),
            (12, "RECORDED", false)
        ]
    );
}

#[tokio::test]
async fn advisors_list_their_due_and_overdue_checkpoints_earliest_first() {
    let desk = desk().await;
    let enrollment = desk
        .enroll(
            &desk.advisor,
            "期日 確認",
            "FEMALE",
            today() - Duration::days(500),
            true,
        )
        .await;
    // Started 100 days ago: the 3-month checkpoint is overdue.
    let id = enrollment["id"].as_str().unwrap();
    desk.place(&desk.advisor, id, "CONTRACT", today() - Duration::days(100))
        .await;
    let data = desk
        .query(
            Some(&desk.advisor),
            &format!("{{ employmentFollowUps(filter: {{ mine: true, dueState: [DUE, OVERDUE] }}, first: 100) {{ totalCount nodes {{ {FOLLOW_UP} advisor {{ displayName }} enrollment {{ jobSeeker {{ name }} }} }} }} }}"),
            json!({}),
        )
        .await;
    let nodes = data["employmentFollowUps"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        nodes
            .iter()
            .any(|n| n["enrollment"]["jobSeeker"]["name"] == "期日 確認"
                && n["dueState"] == "OVERDUE"
                && n["checkpointMonths"] == 3),
        "{data}"
    );
    assert!(nodes.iter().all(
        |n| ["DUE", "OVERDUE"].contains(&n["dueState"].as_str().unwrap())
            && n["advisor"]["displayName"] == "広瀬 さくら"
    ));
    let due: Vec<&str> = nodes.iter().map(|n| n["dueOn"].as_str().unwrap()).collect();
    let mut sorted = due.clone();
    sorted.sort();
    assert_eq!(due, sorted);

    // Pages walk the same order.
    let page = desk
        .query(
            Some(&desk.advisor),
            "{ employmentFollowUps(filter: { dueState: [RECORDED] }, first: 2) { totalCount pageInfo { endCursor hasNextPage } nodes { dueOn dueState } } }",
            json!({}),
        )
        .await;
    let cursor = page["employmentFollowUps"]["pageInfo"]["endCursor"].clone();
    let next = desk
        .query(
            Some(&desk.advisor),
            "query($after: String) { employmentFollowUps(filter: { dueState: [RECORDED] }, first: 2, after: $after) { nodes { dueOn dueState } } }",
            json!({ "after": cursor }),
        )
        .await;
    let last_of_first = page["employmentFollowUps"]["nodes"][1]["dueOn"]
        .as_str()
        .unwrap()
        .to_owned();
    let first_of_next = next["employmentFollowUps"]["nodes"][0]["dueOn"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(last_of_first <= first_of_next, "{page} {next}");
}

/// Enrolls and places in 真鶴町 the known data set of the KPI tests, by a new advisor.
/// FY2025 (1 April 2025 – 31 March 2026): women regular on the first and last day, a
/// woman part-time, a man regular; FY2024: a woman regular on 31 March 2025.
async fn known_placements(desk: &Desk) -> String {
    let advisor = desk.manazuru_advisor().await;
    let placements = [
        ("FEMALE", "REGULAR", "2025-04-01"),
        ("FEMALE", "REGULAR", "2026-03-31"),
        ("FEMALE", "PART_TIME", "2025-06-01"),
        ("MALE", "REGULAR", "2025-05-01"),
        ("FEMALE", "REGULAR", "2025-03-31"),
        ("NOT_STATED", "DISPATCH", "2025-07-01"),
    ];
    for (index, (gender, kind, start)) in placements.into_iter().enumerate() {
        // Enrolled on 31 March 2025 (FY2024) or 1 April 2025 (FY2025), alternately.
        let enrolled_on = if index % 2 == 0 {
            date("2025-03-31")
        } else {
            date("2025-04-01")
        };
        let enrolled_on = enrolled_on.min(date(start));
        let enrollment = desk
            .enroll(
                &advisor,
                &format!("真鶴 求職者{index}"),
                gender,
                enrolled_on,
                true,
            )
            .await;
        desk.place(
            &advisor,
            enrollment["id"].as_str().unwrap(),
            kind,
            date(start),
        )
        .await;
    }
    advisor
}

#[tokio::test]
async fn the_kpi_counts_regular_placements_of_women_in_the_fiscal_year_of_their_start() {
    let desk = desk().await;
    let advisor = known_placements(&desk).await;
    let report = desk
        .report(Some(&advisor), &desk.manazuru, 2025, "TEAM")
        .await;
    assert_eq!(error_code(&report), None, "{report}");
    let report = &report["data"]["employmentReport"];
    let kpi = &report["womenRegularEmployment"];
    assert_eq!(count(&kpi["numerator"]), Some(2), "{report}");
    assert_eq!(count(&kpi["denominator"]), Some(3));
    assert_eq!(kpi["ratePercent"], 66.7, "{report}");
    assert_eq!(kpi["rate"], 0.6667, "{report}");
    assert_eq!(count(&report["placements"]), Some(5));
    let by_type: Vec<(String, Option<u64>)> = report["placementsByType"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["employmentType"].as_str().unwrap().to_owned(),
                count(&t["placements"]),
            )
        })
        .collect();
    assert_eq!(
        by_type,
        [
            ("REGULAR".to_owned(), Some(3)),
            ("CONTRACT".to_owned(), Some(0)),
            ("PART_TIME".to_owned(), Some(1)),
            ("DISPATCH".to_owned(), Some(1)),
            ("SELF_EMPLOYED".to_owned(), Some(0)),
            ("OTHER".to_owned(), Some(0)),
        ]
    );
    assert_eq!(report["from"], "2025-04-01");
    assert_eq!(report["to"], "2026-03-31");

    // The placement of 31 March 2025 belongs to FY2024.
    let previous = desk
        .report(Some(&desk.manazuru_admin), &desk.manazuru, 2024, "TEAM")
        .await;
    let kpi = &previous["data"]["employmentReport"]["womenRegularEmployment"];
    assert_eq!(
        (count(&kpi["numerator"]), count(&kpi["denominator"])),
        (Some(1), Some(1)),
        "{previous}"
    );

    // The service the KPI domain reads gives the same figures.
    let db = Database::connect(&desk.app.database_url).await.unwrap();
    let municipality = entity::municipality::Entity::find()
        .filter(entity::municipality::Column::JisCode.eq("14384"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let figures = |year| service::regular_employment_of_women(&db, municipality.id, year);
    assert_eq!(figures(2025).await.unwrap(), (2, 3));
    assert_eq!(figures(2024).await.unwrap(), (1, 1));
    assert_eq!(figures(2023).await.unwrap(), (0, 0));
}

#[tokio::test]
async fn enrollments_and_placements_change_fiscal_year_between_31_march_and_1_april() {
    let desk = desk().await;
    let advisor = known_placements(&desk).await;
    let team = |year| desk.report(Some(&advisor), &desk.manazuru, year, "TEAM");
    let fy2024 = team(2024).await;
    let fy2025 = team(2025).await;
    let of = |body: &Value, field: &str| count(&body["data"]["employmentReport"][field]);
    // Enrolled on 31 March 2025: indexes 0, 2 and 4 (the last one placed that day); on
    // 1 April 2025: indexes 1, 3 and 5.
    assert_eq!(of(&fy2024, "enrollments"), Some(3), "{fy2024}");
    assert_eq!(of(&fy2025, "enrollments"), Some(3), "{fy2025}");
    assert_eq!(of(&fy2024, "placements"), Some(1));
    assert_eq!(of(&fy2025, "placements"), Some(5));
    let placements = desk
        .query(
            Some(&advisor),
            "{ employmentEnrollments(first: 10, orderBy: OLDEST) { nodes { placements { startDate fiscalYear } } } }",
            json!({}),
        )
        .await;
    let years: Vec<(String, i64)> = placements["employmentEnrollments"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["placements"][0])
        .map(|p| {
            (
                p["startDate"].as_str().unwrap().to_owned(),
                p["fiscalYear"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(
        years.contains(&("2025-03-31".to_owned(), 2024)),
        "{years:?}"
    );
    assert!(years.contains(&("2025-04-01".to_owned(), 2025)));
    assert!(years.contains(&("2026-03-31".to_owned(), 2025)));
}

#[tokio::test]
async fn published_reports_withhold_small_counts_and_team_reports_are_for_the_team_only() {
    let desk = desk().await;
    let advisor = known_placements(&desk).await;
    // Anyone may read the published report: FY2025 has 3 regular, 1 part-time, 1 dispatch.
    let published = desk.report(None, &desk.manazuru, 2025, "PUBLISHED").await;
    assert_eq!(error_code(&published), None, "{published}");
    let report = &published["data"]["employmentReport"];
    assert_eq!(report["suppressionThreshold"], 3);
    assert_eq!(count(&report["placements"]), Some(5));
    let by_type: Vec<Option<u64>> = report["placementsByType"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| count(&t["placements"]))
        .collect();
    assert_eq!(by_type, [Some(3), None, None, None, None, None]);
    // Women: 2 regular of 3; the numerator is withheld and so the rate, the denominator
    // is shown.
    let kpi = &report["womenRegularEmployment"];
    assert_eq!(count(&kpi["numerator"]), None);
    assert_eq!(count(&kpi["denominator"]), Some(3));
    assert!(kpi["rate"].is_null());

    // The team report shows every count, to the team only.
    for (token, expected) in [
        (None, "UNAUTHENTICATED"),
        (Some(desk.museum_staff.as_str()), "FORBIDDEN"),
        (Some(desk.advisor.as_str()), "FORBIDDEN"),
        (Some(desk.maebashi_admin.as_str()), "FORBIDDEN"),
    ] {
        let body = desk.report(token, &desk.manazuru, 2025, "TEAM").await;
        assert_eq!(error_code(&body), Some(expected), "{body}");
    }
    let team = desk
        .report(Some(&advisor), &desk.manazuru, 2025, "TEAM")
        .await;
    assert_eq!(team["data"]["employmentReport"]["suppressionThreshold"], 0);

    // The threshold is configurable.
    let lenient =
        desk_with(spawn_app_with(|limits| limits.employment_suppression_threshold = 1).await).await;
    let body = lenient
        .report(None, &lenient.maebashi, 2024, "PUBLISHED")
        .await;
    let report = &body["data"]["employmentReport"];
    assert_eq!(report["suppressionThreshold"], 1, "{body}");
    assert!(
        report["placementsByType"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["placements"]["suppressed"] == (t["placements"]["value"] == json!(null))),
        "{body}"
    );
}

#[tokio::test]
async fn enrollments_are_hidden_from_everyone_but_the_towns_employment_team() {
    let desk = desk().await;
    let enrollment = desk
        .enroll(&desk.advisor, "秘密 花子", "FEMALE", today(), true)
        .await;
    let id = enrollment["id"].as_str().unwrap();
    let placement = desk.place(&desk.advisor, id, "REGULAR", today()).await;
    let follow_up = placement["followUps"][0]["id"].as_str().unwrap().to_owned();
    let placement = placement["id"].as_str().unwrap().to_owned();

    let other_town_advisor = desk.manazuru_advisor().await;
    let nursery = desk.organization_id("元気保育園", "10201").await;
    let nursery_staff = desk
        .staff_of(&desk.maebashi_admin, &nursery, "hoikuen-staff@example.jp")
        .await;
    let outsiders = [
        Some(other_town_advisor.as_str()),
        Some(desk.museum_staff.as_str()),
        Some(nursery_staff.as_str()),
        Some(desk.maebashi_concierge.as_str()),
        Some(desk.maebashi_resident.as_str()),
        Some(desk.manazuru_admin.as_str()),
        None,
    ];
    let enroll = json!({
        "municipalityId": desk.maebashi,
        "jobSeeker": { "name": "外部 花子", "nameKana": "ガイブ ハナコ", "email": "gaibu@example.jp" },
        "enrolledOn": today(), "supportTrack": "OTHER", "followUpConsent": true,
    });
    for token in outsiders {
        let expected = if token.is_none() {
            "UNAUTHENTICATED"
        } else {
            "FORBIDDEN"
        };
        let code = desk.denied(token, "enrollJobSeeker", enroll.clone()).await;
        assert_eq!(code, expected, "{token:?}");
        for subject in [id, placement.as_str(), follow_up.as_str()] {
            assert_eq!(
                desk.node(token, subject, "id").await,
                Value::Null,
                "{token:?} read {subject}"
            );
        }
        let code = desk
            .denied(
                token,
                "recordPlacement",
                json!({
                    "enrollmentId": id, "employerName": "X", "industry": "X", "jobTitle": "X",
                    "employmentType": "REGULAR", "weeklyHours": 10, "startDate": today(),
                }),
            )
            .await;
        let expected = if token.is_none() {
            "UNAUTHENTICATED"
        } else {
            "NOT_FOUND"
        };
        assert_eq!(code, expected, "{token:?}");
        let body = desk
            .app
            .graphql(token, "query($m: ID) { employmentEnrollments(filter: { municipalityId: $m }) { totalCount } }", json!({ "m": desk.maebashi }))
            .await;
        let expected = if token.is_none() {
            "UNAUTHENTICATED"
        } else {
            "FORBIDDEN"
        };
        assert_eq!(error_code(&body), Some(expected), "{token:?}: {body}");
        let body = desk
            .app
            .graphql(token, "query($m: ID) { employmentFollowUps(filter: { municipalityId: $m }) { totalCount } }", json!({ "m": desk.maebashi }))
            .await;
        assert_eq!(error_code(&body), Some(expected), "{token:?}: {body}");
    }
    // Another town's advisor sees only their own town.
    let own = desk
        .query(
            Some(&other_town_advisor),
            "{ employmentEnrollments { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(own["employmentEnrollments"]["totalCount"], 0);

    // The team sees it: the advisor and the town's admin.
    for token in [&desk.advisor, &desk.maebashi_admin] {
        let seen = desk.node(Some(token), id, "jobSeeker { name }").await;
        assert_eq!(seen["jobSeeker"]["name"], "秘密 花子");
        let seen = desk.node(Some(token), &follow_up, "checkpointMonths").await;
        assert_eq!(seen["checkpointMonths"], 3);
    }
}

#[tokio::test]
async fn every_read_of_an_enrollment_is_in_the_access_log_and_a_list_logs_each_one() {
    let desk = desk().await;
    let advisor_id = desk.app.my_id(&desk.advisor).await;
    let from = chrono::Utc::now();
    let listed = desk
        .query(
            Some(&desk.advisor),
            "{ employmentEnrollments(first: 3) { nodes { id } } }",
            json!({}),
        )
        .await;
    let ids: Vec<String> = listed["employmentEnrollments"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    desk.node(Some(&desk.advisor), &ids[0], "jobSeeker { name }")
        .await;

    const LOG: &str = "query($f: PersonalDataAccessLogFilter) { personalDataAccessLog(filter: $f, first: 100) { totalCount nodes { subjectKind subjectId actorId actorName accessed accessedAt } } }";
    let log = desk
        .query(
            Some(&desk.maebashi_admin),
            LOG,
            json!({ "f": { "actorId": advisor_id, "subjectKind": "employment_enrollment", "from": from } }),
        )
        .await;
    let rows = log["personalDataAccessLog"]["nodes"].as_array().unwrap();
    let lists: Vec<&str> = rows
        .iter()
        .filter(|r| r["accessed"] == "list")
        .map(|r| r["subjectId"].as_str().unwrap())
        .collect();
    assert_eq!(lists.len(), 3, "{log}");
    assert!(ids.iter().all(|id| lists.contains(&id.as_str())));
    assert!(rows.iter().all(|r| r["actorName"] == "広瀬 さくら"));
    let detail = desk
        .query(
            Some(&desk.maebashi_admin),
            LOG,
            json!({ "f": { "subjectId": ids[0], "from": from } }),
        )
        .await;
    let accessed: Vec<&str> = detail["personalDataAccessLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["accessed"].as_str().unwrap())
        .collect();
    assert_eq!(accessed, ["detail", "list"], "newest first: {detail}");
    let none = desk
        .query(
            Some(&desk.maebashi_admin),
            LOG,
            json!({ "f": { "actorId": advisor_id, "to": from } }),
        )
        .await;
    let earlier = none["personalDataAccessLog"]["nodes"].as_array().unwrap();
    assert!(
        !earlier.is_empty(),
        "the demo's creations were logged: {none}"
    );
    assert!(earlier.iter().all(|r| {
        chrono::DateTime::parse_from_rfc3339(r["accessedAt"].as_str().unwrap()).unwrap() < from
    }));

    // A list of checkpoints logs each job seeker in it once.
    let listed = desk
        .query(
            Some(&desk.advisor),
            "{ employmentFollowUps(first: 5) { nodes { enrollment { id } } } }",
            json!({}),
        )
        .await;
    let mut people: Vec<String> = listed["employmentFollowUps"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["enrollment"]["id"].as_str().unwrap().to_owned())
        .collect();
    people.sort();
    people.dedup();
    let log = desk
        .query(
            Some(&desk.maebashi_admin),
            LOG,
            json!({ "f": { "actorId": advisor_id, "from": from } }),
        )
        .await;
    let mut logged: Vec<String> = log["personalDataAccessLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["accessed"] == "follow_up_list")
        .map(|r| r["subjectId"].as_str().unwrap().to_owned())
        .collect();
    logged.sort();
    assert_eq!(logged, people, "{log}");

    // Denied reads write nothing.
    let db = Database::connect(&desk.app.database_url).await.unwrap();
    let before = entity::personal_data_access_log::Entity::find()
        .count(&db)
        .await
        .unwrap();
    desk.node(Some(&desk.maebashi_concierge), &ids[0], "id")
        .await;
    let after = entity::personal_data_access_log::Entity::find()
        .count(&db)
        .await
        .unwrap();
    assert_eq!(before, after);

    // The log is for administrators of the town only.
    for token in [&desk.advisor, &desk.maebashi_resident] {
        let body = desk.app.graphql(Some(token), LOG, json!({ "f": {} })).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    let body = desk
        .app
        .graphql(
            Some(&desk.manazuru_admin),
            LOG,
            json!({ "f": { "municipalityId": desk.maebashi } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}

#[tokio::test]
async fn an_advisor_attaches_a_seminar_attended_as_a_guest_and_detaches_it() {
    let desk = desk().await;
    // A guest who attended the career seminar, from the roster of its past sessions.
    let data = desk
        .query(
            Some(&desk.advisor),
            "{ programSessions(filter: { kind: [CAREER_SEMINAR] }, first: 10) { nodes { startsAt program { title } registrations(status: [ATTENDED, CONFIRMED], first: 10) { nodes { id status registrant { guest name email } } } } } }",
            json!({}),
        )
        .await;
    let mut attended_guest = None;
    let mut someone_else = None;
    let mut confirmed = None;
    for session in data["programSessions"]["nodes"].as_array().unwrap() {
        for registration in session["registrations"]["nodes"].as_array().unwrap() {
            match registration["status"].as_str().unwrap() {
                "ATTENDED" if registration["registrant"]["guest"] == true => {
                    match &attended_guest {
                        None => attended_guest = Some(registration.clone()),
                        Some(first)
                            if first["registrant"]["email"]
                                != registration["registrant"]["email"] =>
                        {
                            someone_else.get_or_insert(registration["id"].clone());
                        }
                        Some(_) => {}
                    }
                }
                "CONFIRMED" => {
                    confirmed.get_or_insert(registration["id"].clone());
                }
                _ => {}
            }
        }
    }
    let guest = attended_guest.unwrap();
    let (attended_guest, confirmed) = (guest["id"].clone(), confirmed.unwrap());
    let someone_else = someone_else.expect("two guests attended the demo seminars");
    // The guest enrolls with the email address they registered with.
    let enrollment = desk
        .ok(
            &desk.advisor,
            "enrollJobSeeker",
            json!({
                "jobSeeker": { "name": guest["registrant"]["name"], "nameKana": "げすと さんか", "email": guest["registrant"]["email"] },
                "gender": "FEMALE",
                "enrolledOn": today(),
                "supportTrack": "REEMPLOYMENT_AFTER_CHILDCARE",
                "followUpConsent": true,
            }),
            &format!("enrollment {{ {ENROLLMENT} }}"),
        )
        .await["enrollment"]
        .clone();
    assert_eq!(enrollment["attendedPrograms"], json!([]));
    let pair = |registration: &Value| json!({ "enrollmentId": enrollment["id"], "registrationId": registration });
    // Another person's attended registration is not theirs to attach.
    assert_eq!(
        desk.refused(
            &desk.advisor,
            "attachRegistrationToEnrollment",
            pair(&someone_else)
        )
        .await,
        ["NOT_FOUND"]
    );
    let attached = desk
        .ok(&desk.advisor, "attachRegistrationToEnrollment", pair(&attended_guest), "enrollment { attendedPrograms { registrationId attachedByAdvisor program { title } } }")
        .await;
    let programs = &attached["enrollment"]["attendedPrograms"];
    assert_eq!(programs.as_array().unwrap().len(), 1, "{attached}");
    assert_eq!(programs[0]["attachedByAdvisor"], true);
    assert_eq!(programs[0]["registrationId"], attended_guest);
    assert_eq!(programs[0]["program"]["title"], "女性活躍推進セミナー");

    let codes = desk
        .refused(
            &desk.advisor,
            "attachRegistrationToEnrollment",
            pair(&confirmed),
        )
        .await;
    assert_eq!(codes, ["NOT_FOUND"]);
    let detached = desk
        .ok(
            &desk.advisor,
            "detachRegistrationFromEnrollment",
            pair(&attended_guest),
            "enrollment { attendedPrograms { registrationId } }",
        )
        .await;
    assert_eq!(detached["enrollment"]["attendedPrograms"], json!([]));
    let codes = desk
        .refused(
            &desk.advisor,
            "detachRegistrationFromEnrollment",
            pair(&attended_guest),
        )
        .await;
    assert_eq!(codes, ["NOT_FOUND"]);
}

#[tokio::test]
async fn the_demo_has_the_kpi_in_the_current_and_the_previous_fiscal_year_and_loads_once() {
    let desk = desk().await;
    // A fiscal year outside 2000–2100 is the same error as in every other report.
    for year in [-5, 2101] {
        let body = desk
            .report(Some(&desk.advisor), &desk.maebashi, year, "TEAM")
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{year}: {body}");
    }
    let this_year = tsunagu::fiscal::year_of_date(today());
    let mut types = std::collections::BTreeSet::new();
    for year in [this_year - 1, this_year] {
        let body = desk
            .report(Some(&desk.advisor), &desk.maebashi, year, "TEAM")
            .await;
        let report = &body["data"]["employmentReport"];
        let kpi = &report["womenRegularEmployment"];
        let (numerator, denominator) = (
            count(&kpi["numerator"]).unwrap(),
            count(&kpi["denominator"]).unwrap(),
        );
        assert!(numerator > 0 && denominator > numerator, "{year}: {body}");
        for t in report["placementsByType"].as_array().unwrap() {
            if count(&t["placements"]).unwrap() > 0 {
                types.insert(t["employmentType"].as_str().unwrap().to_owned());
            }
        }
        if year < this_year {
            let answered = count(&report["retention"][0]["answered"]).unwrap();
            assert!(answered > 0, "{year}: {body}");
        }
    }
    assert_eq!(types.len(), 6, "{types:?}");
    let before = desk.enrollment_count().await;
    let db = Database::connect(&desk.app.database_url).await.unwrap();
    tsunagu::app::demo::load(&db).await.unwrap();
    assert_eq!(desk.enrollment_count().await, before);
}

#[tokio::test]
async fn a_page_of_enrollments_costs_the_same_statements_for_any_page_size() {
    let desk = desk().await;
    let query = format!(
        "query($first: Int!) {{ employmentEnrollments(first: $first) {{ totalCount nodes {{ {ENROLLMENT} municipality {{ nameJa }} placements {{ employerName employerOrganization {{ name }} followUps {{ dueState advisor {{ displayName }} }} }} }} }} }}"
    );
    let mut costs = Vec::new();
    for first in [2, 12] {
        let cost = desk
            .app
            .cheapest_statements(3, async || {
                let body = desk
                    .app
                    .graphql(Some(&desk.advisor), &query, json!({ "first": first }))
                    .await;
                assert_eq!(error_code(&body), None, "{body}");
                let nodes = body["data"]["employmentEnrollments"]["nodes"]
                    .as_array()
                    .unwrap();
                assert_eq!(nodes.len(), first, "{body}");
            })
            .await;
        costs.push(cost);
    }
    assert_eq!(
        costs[0], costs[1],
        "statements for 2 vs 12 enrollments: {costs:?}"
    );
    assert!(costs[0] <= 14, "statements per request: {costs:?}");
}

#[tokio::test]
async fn an_enrollment_date_filter_outside_the_accepted_years_is_bad_input() {
    let desk = desk().await;
    const LIST: &str = "query($from: Date) { employmentEnrollments(filter: { enrolledFrom: $from }) { totalCount } }";
    for from in ["9999-01-01", "2026-13-01"] {
        let body = desk
            .app
            .graphql(Some(&desk.advisor), LIST, json!({ "from": from }))
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{from}: {body}");
    }
    // Written in the query itself, too.
    let body = desk
        .app
        .graphql(
            Some(&desk.advisor),
            "{ employmentEnrollments(filter: { enrolledFrom: \"9999-01-01\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let body = desk
        .app
        .graphql(Some(&desk.advisor), LIST, json!({ "from": "2000-04-01" }))
        .await;
    assert_eq!(error_code(&body), None, "{body}");
}

/// Every number in `value` written with at most `decimals` decimals: no float noise such as
/// `0.09999999999999964` reaches a client.
fn without_float_noise(value: &Value, decimals: usize) -> bool {
    match value {
        Value::Number(number) => number
            .to_string()
            .split_once('.')
            .is_none_or(|(_, fraction)| fraction.len() <= decimals),
        Value::Array(items) => items.iter().all(|v| without_float_noise(v, decimals)),
        Value::Object(fields) => fields.values().all(|v| without_float_noise(v, decimals)),
        _ => true,
    }
}

#[tokio::test]
async fn a_third_of_placements_is_33_3_percent_and_the_deprecated_rate_0_3333() {
    let desk = desk().await;
    let advisor = known_placements(&desk).await;
    // FY2025 has 2 regular placements of women out of 3; three part-time ones make it 2 of 6.
    for index in 0..3 {
        let enrollment = desk
            .enroll(
                &advisor,
                &format!("真鶴 パート{index}"),
                "FEMALE",
                date("2025-04-01"),
                true,
            )
            .await;
        desk.place(
            &advisor,
            enrollment["id"].as_str().unwrap(),
            "PART_TIME",
            date("2025-09-01"),
        )
        .await;
    }
    let body = desk
        .report(Some(&advisor), &desk.manazuru, 2025, "TEAM")
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    let kpi = &body["data"]["employmentReport"]["womenRegularEmployment"];
    assert_eq!(
        (count(&kpi["numerator"]), count(&kpi["denominator"])),
        (Some(2), Some(6))
    );
    assert_eq!(kpi["ratePercent"], 33.3, "{body}");
    assert_eq!(kpi["rate"], 0.3333, "{body}");
    assert!(without_float_noise(&body, 4), "{body}");

    // The KPI report states the same share in percent, rounded alike.
    let kpi = desk
        .app
        .graphql(
            Some(&desk.manazuru_admin),
            "{ kpiReport(municipalityCode: \"14384\", fiscalYear: 2025) { kpis { key value previousValue change target baseline } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&kpi), None, "{kpi}");
    assert!(without_float_noise(&kpi, 4), "{kpi}");
}

#[tokio::test]
async fn the_enrollment_filter_answers_alike_under_its_plural_names_and_its_former_ones() {
    let app = crate::helpers::spawn_app().await;
    let token = app.login_demo("maebashi-staff@example.jp").await;
    for (names, value) in [
        (("statuses", "status"), json!(["OPEN"])),
        (("supportTracks", "supportTrack"), json!(["CAREER_CHANGE"])),
    ] {
        app.assert_former_name_filters_alike(
            Some(&token),
            "employmentEnrollments",
            "EmploymentEnrollmentFilter",
            names,
            value,
        )
        .await;
    }
}

#[tokio::test]
async fn the_follow_up_filter_answers_alike_under_due_states_and_its_former_due_state() {
    let app = crate::helpers::spawn_app().await;
    let token = app.login_demo("maebashi-staff@example.jp").await;
    for (names, value) in [(("dueStates", "dueState"), json!(["RECORDED"]))] {
        app.assert_former_name_filters_alike(
            Some(&token),
            "employmentFollowUps",
            "EmploymentFollowUpFilter",
            names,
            value,
        )
        .await;
    }
}

const MY_ENROLLMENTS: &str = "{ myEmploymentEnrollments { id status closeReason enrolledOn supportTrack municipality { nameJa } advisor { displayName } attendedPrograms { program { title } } placements { id jobTitle employmentType startDate checkpoints { checkpointMonths dueOn recordedAt stillEmployed employmentType } } } }";

#[tokio::test]
async fn a_job_seeker_sees_her_own_enrollment_without_the_advisors_notes_and_no_one_elses() {
    let desk = desk().await;
    // The demo links the resident's account to a closed enrollment with a regular job;
    // the advisor enrolls her again, with notes that stay internal.
    let resident = desk.app.my_id(&desk.maebashi_resident).await;
    let second = desk
        .ok(
            &desk.advisor,
            "enrollJobSeeker",
            json!({
                "residentId": resident,
                "gender": "FEMALE",
                "enrolledOn": today(),
                "supportTrack": "CAREER_CHANGE",
                "followUpConsent": true,
                "notes": "内部メモ：面談で家庭の事情を聞いた。",
            }),
            "enrollment { id }",
        )
        .await["enrollment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    desk.place(&desk.advisor, &second, "PART_TIME", today())
        .await;

    let body = desk
        .app
        .graphql(Some(&desk.maebashi_resident), MY_ENROLLMENTS, json!({}))
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    let mine = body["data"]["myEmploymentEnrollments"].as_array().unwrap();
    assert_eq!(mine.len(), 2, "{body}");
    assert_eq!(mine[0]["id"], second, "newest first");
    assert_eq!(mine[0]["status"], "OPEN");
    assert_eq!(mine[0]["advisor"]["displayName"], "広瀬 さくら");
    assert_eq!(mine[0]["municipality"]["nameJa"], "前橋市");
    let job = &mine[0]["placements"][0];
    assert_eq!(job["jobTitle"], "医療事務");
    assert_eq!(job["employmentType"], "PART_TIME");
    let months: Vec<i64> = job["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["checkpointMonths"].as_i64().unwrap())
        .collect();
    assert_eq!(months, [3, 6, 12]);
    // The demo enrollment: closed on finding work, her seminars, the regular job.
    assert_eq!(mine[1]["status"], "CLOSED");
    assert_eq!(mine[1]["closeReason"], "FOUND_WORK");
    assert_eq!(mine[1]["placements"][0]["employmentType"], "REGULAR");
    assert!(
        mine[1]["attendedPrograms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["program"]["title"] == "女性活躍推進セミナー"),
        "{body}"
    );
    let text = body.to_string();
    assert!(!text.contains("内部メモ"), "internal notes leak: {text}");
    assert!(
        !text.contains("事務職を希望"),
        "internal notes leak: {text}"
    );
    // Nothing internal can even be asked for.
    for field in ["notes", "closeNote", "gender", "jobSeeker { name }"] {
        let body = desk
            .app
            .graphql(
                Some(&desk.maebashi_resident),
                &format!("{{ myEmploymentEnrollments {{ {field} }} }}"),
                json!({}),
            )
            .await;
        assert!(body["data"].is_null(), "{field}: {body}");
    }
    let body = desk
        .app
        .graphql(
            Some(&desk.maebashi_resident),
            "{ myEmploymentEnrollments { placements { checkpoints { note } } } }",
            json!({}),
        )
        .await;
    assert!(body["data"].is_null(), "{body}");

    // Another resident, the advisor herself and another town's staff see none of it;
    // signed out is refused.
    let other = desk.app.login_demo("manazuru-resident@example.jp").await;
    for token in [&other, &desk.advisor, &desk.manazuru_admin] {
        let body = desk
            .app
            .graphql(Some(token), MY_ENROLLMENTS, json!({}))
            .await;
        assert_eq!(error_code(&body), None, "{body}");
        assert_eq!(body["data"]["myEmploymentEnrollments"], json!([]), "{body}");
    }
    let body = desk.app.graphql(None, MY_ENROLLMENTS, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    // The enrollment itself stays the team's: the resident cannot open it by id.
    let body = desk
        .app
        .graphql(
            Some(&desk.maebashi_resident),
            "query($id: ID!) { node(id: $id) { ... on EmploymentEnrollment { notes } } }",
            json!({ "id": second }),
        )
        .await;
    assert!(body["data"]["node"].is_null(), "{body}");
}

async fn download(desk: &Desk, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut request = desk.app.request(reqwest::Method::GET, path);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_team_downloads_the_published_report_as_csv_with_small_counts_withheld() {
    let desk = desk().await;
    let advisor = known_placements(&desk).await;
    let path = "/reports/employment.csv?municipality=14384&fiscalYear=2025";
    for token in [advisor.as_str(), desk.manazuru_admin.as_str()] {
        let response = download(&desk, Some(token), path).await;
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8"
        );
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("employment-14384-2025.csv")
        );
        let bytes = response.bytes().await.unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "byte-order mark");
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert!(text.ends_with("\r\n"));
        assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
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
                "区分",
                "項目",
                "値",
                "単位",
                "秘匿"
            ]
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let row = |item: &str| {
            rows.iter()
                .find(|r| &r[4] == item)
                .unwrap_or_else(|| panic!("no {item} in {text}"))
                .clone()
        };
        // The same figures as the published report: 5 placements, 3 regular, the rest
        // withheld; the women's rate withheld with its numerator.
        let placed = row("就職者数");
        assert_eq!(
            placed.iter().collect::<Vec<_>>(),
            ["14384", "真鶴町", "2025", "就職", "就職者数", "5", "人", ""]
        );
        assert_eq!(&row("正規雇用")[5], "3");
        let contract = row("契約社員");
        assert_eq!((&contract[5], &contract[7]), ("", "秘匿"));
        assert_eq!(&row("就職した女性")[5], "3");
        assert_eq!(&row("正規雇用で就職した女性")[7], "秘匿");
        let rate = row("正規雇用率");
        assert_eq!((&rate[5], &rate[6], &rate[7]), ("", "%", "秘匿"));
        assert!(rows.iter().any(|r| &r[4] == "12か月後の定着率"));
    }
}

#[tokio::test]
async fn only_the_towns_employment_team_downloads_the_employment_report() {
    let desk = desk().await;
    let path = "/reports/employment.csv?municipality=14384&fiscalYear=2025";
    let other_resident = desk.app.login_demo("manazuru-resident@example.jp").await;
    for (who, token, status, code) in [
        ("anonymous", None, 401, "UNAUTHENTICATED"),
        (
            "another town's advisor",
            Some(desk.advisor.as_str()),
            403,
            "FORBIDDEN",
        ),
        (
            "another town's admin",
            Some(desk.maebashi_admin.as_str()),
            403,
            "FORBIDDEN",
        ),
        (
            "museum staff",
            Some(desk.museum_staff.as_str()),
            403,
            "FORBIDDEN",
        ),
        (
            "a resident",
            Some(other_resident.as_str()),
            403,
            "FORBIDDEN",
        ),
    ] {
        let response = download(&desk, token, path).await;
        assert_eq!(response.status().as_u16(), status, "{who}");
        if status == 401 {
            assert_eq!(response.headers()["www-authenticate"], "Bearer");
        }
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{who}: {body}"
        );
    }
    for (path, status) in [
        (
            "/reports/employment.csv?municipality=99999&fiscalYear=2025",
            404,
        ),
        (
            "/reports/employment.csv?municipality=14384&fiscalYear=abc",
            400,
        ),
        ("/reports/employment.csv?fiscalYear=2025", 400),
    ] {
        let response = download(&desk, Some(&desk.manazuru_admin), path).await;
        assert_eq!(response.status().as_u16(), status, "{path}");
    }
}

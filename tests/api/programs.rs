//! Programs: seminars, workshops, classes and fairs; family registration with eligibility,
//! capacity under concurrency, waitlist offers, cancellation, check-in, no-shows, surveys
//! and who may see what.

use std::{collections::BTreeSet, time::Duration as StdDuration};

use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use chrono::{DateTime, Duration, Utc};
use futures_util::{SinkExt, StreamExt, future::join_all};
use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::helpers::{TestApp, error_code, spawn_app_with, user_error_codes};

const PROGRAM: &str = "id title kind status categories audiences residentsOnly maxPartySize childAgeRange { minMonths maxMonths } organizer { name } municipality { nameJa }";
pub(crate) const SESSION: &str = "id startsAt endsAt venue isOnline capacity childcareSlots seatsRemaining childcareSlotsRemaining waitlistLength status registrationOpen";
pub(crate) const REGISTRATION: &str = "id status adults childCount seats childcareSlots waitlistPosition offerExpiresAt checkInCode cancelReason children { ageMonthsAtSession needsChildcare }";

/// The demo municipalities with a signed-in account per role that matters here.
pub(crate) struct Town {
    pub(crate) app: TestApp,
    pub(crate) manazuru: String,
    pub(crate) maebashi: String,
    /// 真鶴町 admin.
    pub(crate) admin: &'static str,
    /// Program staff of 真鶴町立中川一政美術館.
    pub(crate) staff: &'static str,
    pub(crate) resident: &'static str,
    pub(crate) concierge: &'static str,
    pub(crate) maebashi_admin: &'static str,
    /// Program staff of 前橋市女性就職支援センター.
    pub(crate) maebashi_staff: &'static str,
    pub(crate) maebashi_resident: &'static str,
}

pub(crate) async fn town() -> Town {
    town_with(spawn_app_with(|limits| limits.public_rate_per_minute = 1000).await).await
}

pub(crate) async fn town_with(app: TestApp) -> Town {
    let manazuru = app.municipality_id("14384").await;
    let maebashi = app.municipality_id("10201").await;
    let login = async |email: &str| -> &'static str { &*app.login_demo(email).await.leak() };
    Town {
        admin: login("manazuru-admin@example.jp").await,
        staff: login("manazuru-staff@example.jp").await,
        resident: login("manazuru-resident@example.jp").await,
        concierge: login("manazuru-concierge@example.jp").await,
        maebashi_admin: login("maebashi-admin@example.jp").await,
        maebashi_staff: login("maebashi-staff@example.jp").await,
        maebashi_resident: login("maebashi-resident@example.jp").await,
        app,
        manazuru,
        maebashi,
    }
}

fn input_type(mutation: &str) -> String {
    match mutation {
        "cancelRegistration" | "acceptWaitlistOffer" | "declineWaitlistOffer" => {
            "RegistrationRefInput".into()
        }
        _ => {
            let mut chars = mutation.chars();
            let first = chars.next().unwrap().to_uppercase();
            format!("{first}{}Input", chars.as_str())
        }
    }
}

pub(crate) fn at(offset: Duration) -> String {
    (Utc::now() + offset).to_rfc3339()
}

impl Town {
    pub(crate) async fn call(
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

    pub(crate) async fn ok(
        &self,
        token: Option<&str>,
        mutation: &str,
        input: Value,
        selection: &str,
    ) -> Value {
        let body = self.call(token, mutation, input, selection).await;
        assert_eq!(error_code(&body), None, "{mutation}: {body}");
        let payload = body["data"][mutation].clone();
        assert_eq!(
            user_error_codes(&payload),
            Vec::<String>::new(),
            "{mutation}: {body}"
        );
        payload
    }

    /// A mutation refused with user errors: their codes and messages (Japanese).
    pub(crate) async fn refused(
        &self,
        token: Option<&str>,
        mutation: &str,
        input: Value,
    ) -> Vec<(String, String)> {
        let body = self.call(token, mutation, input, "__typename").await;
        assert_eq!(error_code(&body), None, "{mutation}: {body}");
        let errors = body["data"][mutation]["userErrors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!errors.is_empty(), "{mutation} was accepted: {body}");
        errors
            .iter()
            .map(|e| {
                let message = e["message"].as_str().unwrap().to_owned();
                assert!(!message.is_ascii(), "messages are Japanese: {e}");
                (e["code"].as_str().unwrap().to_owned(), message)
            })
            .collect()
    }

    pub(crate) async fn denied(&self, token: Option<&str>, mutation: &str, input: Value) -> String {
        let body = self.call(token, mutation, input, "__typename").await;
        assert!(body["data"][mutation].is_null(), "{mutation}: {body}");
        error_code(&body)
            .unwrap_or_else(|| panic!("{mutation}: {body}"))
            .to_owned()
    }

    pub(crate) async fn node(&self, token: Option<&str>, id: &str, selection: &str) -> Value {
        let (type_name, _) = tsunagu::graphql::ids::decode(&id.to_owned().into())
            .unwrap()
            .expect("an id of ours");
        let query = format!(
            "query($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ {selection} }} }} }}"
        );
        let body = self.app.graphql(token, &query, json!({ "id": id })).await;
        assert_eq!(error_code(&body), None, "{body}");
        body["data"]["node"].clone()
    }

    /// A published program of the museum (staff), with `extra` fields.
    pub(crate) async fn program(&self, token: &str, title: &str, extra: Value) -> String {
        let mut input = json!({
            "kind": "EDUCATION_WORKSHOP",
            "title": title,
            "summary": "学芸員と作品を鑑賞します。",
            "description": "作品を見て感じたことを話し合います。\n最後に絵を描きます。",
            "categories": ["ART"],
            "publish": true,
        });
        for (key, value) in extra.as_object().unwrap() {
            input[key] = value.clone();
        }
        let payload = self
            .ok(Some(token), "createProgram", input, "program { id }")
            .await;
        payload["program"]["id"].as_str().unwrap().to_owned()
    }

    /// One session starting in ten days, registration open now.
    pub(crate) async fn session(
        &self,
        token: &str,
        program: &str,
        capacity: i32,
        childcare: i32,
    ) -> String {
        let payload = self
            .ok(
                Some(token),
                "createProgramSessions",
                json!({
                    "programId": program,
                    "startsAt": at(Duration::days(10)),
                    "endsAt": at(Duration::days(10) + Duration::hours(2)),
                    "venue": "真鶴町立中川一政美術館 展示室",
                    "capacity": capacity,
                    "childcareSlots": childcare,
                }),
                "sessions { id }",
            )
            .await;
        payload["sessions"][0]["id"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn register(&self, token: Option<&str>, input: Value) -> Value {
        let selection = format!("registration {{ {REGISTRATION} }} manageToken");
        self.ok(token, "registerForSession", input, &selection)
            .await
    }

    pub(crate) async fn session_state(&self, token: Option<&str>, id: &str) -> Value {
        self.node(token, id, SESSION).await
    }
}

pub(crate) fn guest(n: usize) -> Value {
    json!({
        "name": format!("申込 花子{n}"),
        "nameKana": "もうしこみ はなこ",
        "email": format!("hanako{n}@example.jp"),
        "phone": "０９０－１２３４－５６７８",
    })
}

pub(crate) fn child(months: i32, childcare: bool) -> Value {
    json!({ "ageMonths": months, "needsChildcare": childcare })
}

pub(crate) fn uuid_of(id: &str) -> uuid::Uuid {
    tsunagu::graphql::ids::decode(&id.to_owned().into())
        .unwrap()
        .expect("an id of ours")
        .1
}

/// Moves a session in time directly in the database, as the clock would.
pub(crate) async fn move_session(
    app: &TestApp,
    session: &str,
    starts_at: DateTime<Utc>,
    deadline: DateTime<Utc>,
) {
    use entity::program_session::{Column, Entity};
    let db = Database::connect(&app.database_url).await.unwrap();
    Entity::update_many()
        .col_expr(Column::StartsAt, Expr::value(starts_at))
        .col_expr(Column::EndsAt, Expr::value(starts_at + Duration::hours(2)))
        .col_expr(Column::CancellationDeadline, Expr::value(deadline))
        .filter(Column::Id.eq(uuid_of(session)))
        .exec(&db)
        .await
        .unwrap();
    db.close().await.ok();
}

fn titles(nodes: &Value) -> BTreeSet<String> {
    nodes
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {nodes}"))
        .iter()
        .map(|node| node["title"].as_str().unwrap().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Programs and sessions

#[tokio::test]
async fn staff_draft_a_program_that_only_its_managers_see_until_it_is_published() {
    let t = town().await;
    let payload = t
        .ok(
            Some(t.staff),
            "createProgram",
            json!({
                "kind": "EDUCATION_WORKSHOP",
                "title": "　ｾﾐﾅｰ 版画を刷ろう　",
                "summary": "版画の体験学習です。",
                "description": "木版画を刷ります。",
                "categories": ["ART", "HISTORY", "ART"],
                "audiences": ["CHILDREN", "GUARDIANS"],
                "childMinAgeMonths": 72,
                "childMaxAgeMonths": 144,
                "maxPartySize": 3,
            }),
            &format!("program {{ {PROGRAM} }}"),
        )
        .await;
    let program = &payload["program"];
    // Trimmed, otherwise as written.
    assert_eq!(program["title"], "ｾﾐﾅｰ 版画を刷ろう");
    assert_eq!(program["status"], "DRAFT");
    assert_eq!(program["categories"], json!(["ART", "HISTORY"]));
    assert_eq!(program["organizer"]["name"], "真鶴町立中川一政美術館");
    assert_eq!(
        program["childAgeRange"],
        json!({ "minMonths": 72, "maxMonths": 144 })
    );
    let id = program["id"].as_str().unwrap();

    for (who, token, sees) in [
        ("anonymous", None, false),
        ("resident", Some(t.resident), false),
        ("maebashi admin", Some(t.maebashi_admin), false),
        ("maebashi staff", Some(t.maebashi_staff), false),
        ("staff", Some(t.staff), true),
        ("admin", Some(t.admin), true),
    ] {
        assert_eq!(!t.node(token, id, "id").await.is_null(), sees, "{who}");
    }
    let published = t
        .ok(
            Some(t.staff),
            "updateProgram",
            json!({ "id": id, "status": "PUBLISHED" }),
            "program { status }",
        )
        .await;
    assert_eq!(published["program"]["status"], "PUBLISHED");
    assert!(!t.node(None, id, "id").await.is_null());
    assert!(
        !t.node(Some(t.maebashi_resident), id, "id").await.is_null(),
        "published programs are public"
    );
    let back = t
        .refused(
            Some(t.staff),
            "updateProgram",
            json!({ "id": id, "status": "DRAFT" }),
        )
        .await;
    assert_eq!(back[0].0, "INVALID_STATE");
}

#[tokio::test]
async fn staff_edit_only_their_own_organizations_programs_and_admins_only_their_towns() {
    let t = town().await;
    let library = t
        .app
        .graphql(Some(t.admin), r#"{ municipality(jisCode: "14384") { organizations(first: 50) { nodes { id name } } } }"#, json!({}))
        .await;
    let library = library["data"]["municipality"]["organizations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "真鶴町民図書館")
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .unwrap();
    let by_admin = t
        .program(
            t.admin,
            "絵本のおはなし会",
            json!({ "organizerId": library, "categories": ["READING"] }),
        )
        .await;
    let own = t.program(t.staff, "美術館の鑑賞会", json!({})).await;
    let change = |id: &str| json!({ "id": id, "title": "変更後の題名" });

    assert_eq!(
        t.denied(Some(t.staff), "updateProgram", change(&by_admin))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(Some(t.resident), "updateProgram", change(&own))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(Some(t.concierge), "updateProgram", change(&own))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(Some(t.maebashi_staff), "updateProgram", change(&own))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(Some(t.maebashi_admin), "updateProgram", change(&own))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(None, "updateProgram", change(&own)).await,
        "UNAUTHENTICATED"
    );
    // Staff cannot create programs for another organization, nor sessions of others.
    assert_eq!(
        t.denied(Some(t.staff), "createProgram", json!({
            "organizerId": library, "kind": "OTHER", "title": "t", "summary": "s", "description": "d",
        }))
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(Some(t.maebashi_staff), "createProgramSessions", json!({
            "programId": own, "startsAt": at(Duration::days(3)), "endsAt": at(Duration::days(3) + Duration::hours(1)),
            "venue": "会場", "capacity": 5,
        }))
        .await,
        "FORBIDDEN"
    );
    let renamed = t
        .ok(
            Some(t.staff),
            "updateProgram",
            change(&own),
            "program { title }",
        )
        .await;
    assert_eq!(renamed["program"]["title"], "変更後の題名");
    let renamed = t
        .ok(
            Some(t.admin),
            "updateProgram",
            change(&by_admin),
            "program { title }",
        )
        .await;
    assert_eq!(renamed["program"]["title"], "変更後の題名");
}

#[tokio::test]
async fn a_weekly_or_monthly_series_is_created_in_one_call_with_windows_that_follow_each_start() {
    let t = town().await;
    let program = t.program(t.staff, "連続講座", json!({})).await;
    let first = Utc::now() + Duration::days(3);
    let weekly = t
        .ok(
            Some(t.staff),
            "createProgramSessions",
            json!({
                "programId": program,
                "startsAt": first.to_rfc3339(),
                "endsAt": (first + Duration::hours(2)).to_rfc3339(),
                "venue": "美術館 講堂",
                "capacity": 20,
                "childcareSlots": 3,
                "registrationClosesAt": (first - Duration::days(1)).to_rfc3339(),
                "cancellationDeadline": (first - Duration::days(2)).to_rfc3339(),
                "repeat": { "frequency": "WEEKLY", "count": 4 },
            }),
            "sessions { startsAt endsAt registrationClosesAt cancellationDeadline capacity childcareSlots seatsRemaining }",
        )
        .await;
    let sessions = weekly["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 4);
    let time = |v: &Value| v.as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    for pair in sessions.windows(2) {
        assert_eq!(
            time(&pair[1]["startsAt"]) - time(&pair[0]["startsAt"]),
            Duration::weeks(1)
        );
    }
    for session in sessions {
        assert_eq!(
            time(&session["startsAt"]) - time(&session["registrationClosesAt"]),
            Duration::days(1)
        );
        assert_eq!(
            time(&session["startsAt"]) - time(&session["cancellationDeadline"]),
            Duration::days(2)
        );
        assert_eq!(
            time(&session["endsAt"]) - time(&session["startsAt"]),
            Duration::hours(2)
        );
        assert_eq!(session["seatsRemaining"], 20);
    }
    let monthly = t
        .ok(
            Some(t.staff),
            "createProgramSessions",
            json!({
                "programId": program,
                "startsAt": first.to_rfc3339(),
                "endsAt": (first + Duration::hours(1)).to_rfc3339(),
                "onlineUrl": "https://meet.example.jp/kansho",
                "capacity": 50,
                "repeat": { "frequency": "MONTHLY", "count": 3 },
            }),
            "sessions { startsAt isOnline venue }",
        )
        .await;
    let starts: Vec<DateTime<Utc>> = monthly["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| time(&s["startsAt"]))
        .collect();
    assert_eq!(starts.len(), 3);
    assert!(
        starts
            .windows(2)
            .all(|w| (28..=31).contains(&(w[1] - w[0]).num_days())),
        "{starts:?}"
    );
    assert_eq!(monthly["sessions"][0]["isOnline"], true);

    for (input, field) in [
        (
            json!({ "startsAt": at(Duration::days(-1)), "endsAt": at(Duration::hours(1)), "venue": "v", "capacity": 5 }),
            "startsAt",
        ),
        (
            json!({ "startsAt": at(Duration::days(2)), "endsAt": at(Duration::days(1)), "venue": "v", "capacity": 5 }),
            "endsAt",
        ),
        (
            json!({ "startsAt": at(Duration::days(2)), "endsAt": at(Duration::days(2) + Duration::hours(1)), "capacity": 5 }),
            "venue",
        ),
        (
            json!({ "startsAt": at(Duration::days(2)), "endsAt": at(Duration::days(2) + Duration::hours(1)), "venue": "v", "capacity": 0 }),
            "capacity",
        ),
        (
            json!({ "startsAt": at(Duration::days(2)), "endsAt": at(Duration::days(2) + Duration::hours(1)), "onlineUrl": "http://x.example.jp", "capacity": 5 }),
            "onlineUrl",
        ),
        (
            json!({ "startsAt": at(Duration::days(2)), "endsAt": at(Duration::days(2) + Duration::hours(1)), "venue": "v", "capacity": 5, "registrationClosesAt": at(Duration::days(3)) }),
            "registrationClosesAt",
        ),
        (
            json!({ "startsAt": at(Duration::days(2)), "endsAt": at(Duration::days(2) + Duration::hours(1)), "venue": "v", "capacity": 5, "repeat": { "frequency": "WEEKLY", "count": 53 } }),
            "repeat.count",
        ),
    ] {
        let mut input = input;
        input["programId"] = json!(program);
        let body = t
            .call(
                Some(t.staff),
                "createProgramSessions",
                input,
                "sessions { id }",
            )
            .await;
        let errors = &body["data"]["createProgramSessions"]["userErrors"];
        // The field is the path in the input: `repeat.count` is ["input", "repeat", "count"].
        let path: Vec<Value> = std::iter::once("input")
            .chain(field.split('.'))
            .map(|name| json!(name))
            .collect();
        assert!(
            errors
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == json!(path)),
            "{field}: {body}"
        );
    }
}

#[tokio::test]
async fn the_public_lists_published_programs_and_sessions_with_filters() {
    let t = town().await;
    let list = async |filter: Value| -> BTreeSet<String> {
        let body = t
            .app
            .graphql(
                None,
                "query($f: ProgramFilter) { programs(filter: $f, first: 100) { totalCount nodes { title } } }",
                json!({ "f": filter }),
            )
            .await;
        assert_eq!(error_code(&body), None, "{body}");
        titles(&body["data"]["programs"]["nodes"])
    };
    let all = list(json!({})).await;
    assert!(
        all.contains("女性活躍推進セミナー") && all.contains("子育て学級"),
        "{all:?}"
    );
    assert_eq!(
        list(json!({ "kind": ["CAREER_SEMINAR"] })).await,
        BTreeSet::from(["女性活躍推進セミナー".to_owned()])
    );
    let art = list(json!({ "category": ["ART"], "municipalityId": t.manazuru })).await;
    assert_eq!(
        art,
        BTreeSet::from([
            "中川一政美術館 親子鑑賞会".to_owned(),
            "図書館のおはなし会と絵本づくり".to_owned()
        ])
    );
    let maebashi = list(json!({ "municipalityId": t.maebashi })).await;
    assert!(
        maebashi
            .iter()
            .all(|title| !title.contains("真鶴") && title != "子育て学級"),
        "{maebashi:?}"
    );
    // A 10-month-old: 子育て学級 (0–36) and programs without age limits, not the museum (48–144).
    let baby = list(json!({ "childAgeMonths": 10, "municipalityId": t.manazuru })).await;
    assert_eq!(baby, BTreeSet::from(["子育て学級".to_owned()]));
    // A draft never appears publicly.
    let draft = t
        .ok(
            Some(t.staff),
            "createProgram",
            json!({ "kind": "OTHER", "title": "準備中の講座", "summary": "s", "description": "d" }),
            "program { id }",
        )
        .await;
    assert!(draft["program"]["id"].is_string());
    assert!(!list(json!({})).await.contains("準備中の講座"));

    // A program whose only session is full drops out of `hasFreeSeats`.
    let program = t.program(t.staff, "満席になる講座", json!({})).await;
    let session = t.session(t.staff, &program, 1, 0).await;
    assert!(
        list(json!({ "hasFreeSeats": true }))
            .await
            .contains("満席になる講座")
    );
    t.register(Some(t.resident), json!({ "sessionId": session }))
        .await;
    assert!(
        !list(json!({ "hasFreeSeats": true }))
            .await
            .contains("満席になる講座")
    );
    assert!(
        list(json!({ "upcoming": true }))
            .await
            .contains("満席になる講座")
    );

    let sessions = t
        .app
        .graphql(
            None,
            "query($f: ProgramSessionFilter) { programSessions(filter: $f, first: 100) { totalCount nodes { startsAt seatsRemaining program { title } } } }",
            json!({ "f": { "upcoming": true, "hasFreeSeats": true, "municipalityId": t.manazuru } }),
        )
        .await;
    let nodes = sessions["data"]["programSessions"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!nodes.is_empty(), "{sessions}");
    assert!(
        nodes
            .iter()
            .all(|s| s["seatsRemaining"].as_i64().unwrap() > 0)
    );
    assert!(
        nodes
            .iter()
            .all(|s| s["program"]["title"] != "満席になる講座")
    );
    let starts: Vec<&str> = nodes
        .iter()
        .map(|s| s["startsAt"].as_str().unwrap())
        .collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted, "sessions come by start time");
}

#[tokio::test]
async fn the_audience_filter_finds_programs_for_that_audience_and_for_everyone() {
    let t = town().await;
    for (title, audiences) in [
        ("女性のための講座", json!(["WOMEN"])),
        ("妊娠中の方の講座", json!(["EXPECTANT_PARENTS"])),
        ("どなたでも講座", json!(["EVERYONE"])),
        ("対象指定なしの講座", json!([])),
    ] {
        let program = t
            .program(t.staff, title, json!({ "audiences": audiences }))
            .await;
        t.session(t.staff, &program, 10, 0).await;
    }
    for (field, list) in [
        ("programs", "nodes { title }"),
        ("programSessions", "nodes { program { title } }"),
    ] {
        let filter_type = if field == "programs" {
            "ProgramFilter"
        } else {
            "ProgramSessionFilter"
        };
        let body = t
            .app
            .graphql(
                None,
                &format!(
                    "query($f: {filter_type}) {{ {field}(filter: $f, first: 100) {{ {list} }} }}"
                ),
                json!({ "f": { "audience": ["WOMEN"], "municipalityId": t.manazuru } }),
            )
            .await;
        assert_eq!(error_code(&body), None, "{body}");
        let found: BTreeSet<String> = body["data"][field]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                n.get("program")
                    .map_or(&n["title"], |p| &p["title"])
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        for expected in ["女性のための講座", "どなたでも講座", "対象指定なしの講座"]
        {
            assert!(found.contains(expected), "{field}: {found:?}");
        }
        assert!(!found.contains("妊娠中の方の講座"), "{field}: {found:?}");
    }
}

#[tokio::test]
async fn the_online_link_is_shown_only_to_confirmed_registrants_and_the_organizer() {
    let t = town().await;
    let program = t.program(t.staff, "オンライン鑑賞会", json!({})).await;
    let payload = t
        .ok(
            Some(t.staff),
            "createProgramSessions",
            json!({
                "programId": program,
                "startsAt": at(Duration::days(5)),
                "endsAt": at(Duration::days(5) + Duration::hours(1)),
                "onlineUrl": "https://meet.example.jp/secret-room",
                "capacity": 1,
            }),
            "sessions { id }",
        )
        .await;
    let session = payload["sessions"][0]["id"].as_str().unwrap();
    let url = async |token: Option<&str>| {
        t.node(token, session, "isOnline onlineUrl").await["onlineUrl"].clone()
    };
    assert_eq!(url(None).await, Value::Null);
    assert_eq!(url(Some(t.resident)).await, Value::Null);
    let confirmed = t
        .register(Some(t.resident), json!({ "sessionId": session }))
        .await;
    assert_eq!(confirmed["registration"]["status"], "CONFIRMED");
    assert_eq!(
        url(Some(t.resident)).await,
        "https://meet.example.jp/secret-room"
    );
    assert_eq!(
        url(Some(t.staff)).await,
        "https://meet.example.jp/secret-room"
    );
    // Waitlisted is not confirmed.
    let waiting = t
        .register(None, json!({ "sessionId": session, "guest": guest(1) }))
        .await;
    assert_eq!(waiting["registration"]["status"], "WAITLISTED");
    let token = waiting["manageToken"].as_str().unwrap();
    let by_token = t
        .app
        .graphql(None, "query($t: String!) { registrationByManageToken(manageToken: $t) { status onlineUrl } }", json!({ "t": token }))
        .await;
    assert_eq!(
        by_token["data"]["registrationByManageToken"]["onlineUrl"],
        Value::Null
    );
    assert_eq!(url(Some(t.maebashi_resident)).await, Value::Null);
}

// ---------------------------------------------------------------------------------------
// Registration

#[tokio::test]
async fn a_party_is_confirmed_only_when_it_fits_whole_else_waitlisted_in_order() {
    let t = town().await;
    let program = t
        .program(t.staff, "託児つき講座", json!({ "maxPartySize": 4 }))
        .await;
    let session = t.session(t.staff, &program, 3, 1).await;

    // One adult with a child in the 託児: one seat, one childcare slot.
    let first = t
        .register(
            Some(t.resident),
            json!({ "sessionId": session, "children": [child(20, true)] }),
        )
        .await;
    let registration = &first["registration"];
    assert_eq!(registration["status"], "CONFIRMED");
    assert_eq!(
        (
            registration["seats"].as_i64(),
            registration["childcareSlots"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(registration["children"][0]["ageMonthsAtSession"], 20);
    assert_eq!(registration["checkInCode"].as_str().unwrap().len(), 6);
    assert_eq!(first["manageToken"], Value::Null, "only guests get a token");

    // Seats are left but no childcare slot: the whole party waits, nobody is split off.
    let second = t
        .register(None, json!({ "sessionId": session, "adults": 1, "children": [child(30, true)], "guest": guest(2) }))
        .await;
    assert_eq!(second["registration"]["status"], "WAITLISTED");
    assert_eq!(second["registration"]["waitlistPosition"], 1);
    // Three seats needed, two left: waits behind.
    let third = t
        .register(None, json!({ "sessionId": session, "adults": 2, "children": [child(30, false)], "guest": guest(3) }))
        .await;
    assert_eq!(third["registration"]["status"], "WAITLISTED");
    assert_eq!(third["registration"]["waitlistPosition"], 2);
    // Two seats fit what is left.
    let fourth = t
        .register(
            None,
            json!({ "sessionId": session, "adults": 2, "guest": guest(4) }),
        )
        .await;
    assert_eq!(fourth["registration"]["status"], "CONFIRMED");
    let state = t.session_state(None, &session).await;
    assert_eq!(state["seatsRemaining"], 0);
    assert_eq!(state["childcareSlotsRemaining"], 0);
    assert_eq!(state["waitlistLength"], 2);
    // Registering twice for one session is refused.
    let twice = t
        .refused(
            Some(t.resident),
            "registerForSession",
            json!({ "sessionId": session }),
        )
        .await;
    assert_eq!(twice[0].0, "TAKEN");
}

#[tokio::test]
async fn eligibility_is_checked_at_the_session_date_and_each_refusal_names_its_rule() {
    let t = town().await;
    // Admins must name the organizer: refused without one.
    let missing = t
        .refused(
            Some(t.admin),
            "createProgram",
            json!({ "kind": "OTHER", "title": "t", "summary": "s", "description": "d" }),
        )
        .await;
    assert_eq!(missing[0].0, "REQUIRED");

    let program = t
        .program(
            t.staff,
            "親子鑑賞会（テスト）",
            json!({
                "audiences": ["GUARDIANS", "CHILDREN"],
                "childMinAgeMonths": 12,
                "childMaxAgeMonths": 36,
                "residentsOnly": true,
                "maxPartySize": 3,
            }),
        )
        .await;
    let session = t.session(t.staff, &program, 10, 2).await;
    let session_date = Utc::now() + Duration::days(10);
    let born = |months: i64| {
        (session_date - Duration::days(months * 31))
            .date_naive()
            .to_string()
    };

    let refused = async |token: Option<&str>, input: Value| {
        let mut input = input;
        input["sessionId"] = json!(session);
        t.refused(token, "registerForSession", input).await
    };
    // Too old on the session date (by birth date), and too young by age in months.
    let errors = refused(
        Some(t.resident),
        json!({ "children": [{ "birthDate": born(38) }, child(11, false)] }),
    )
    .await;
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors
            .iter()
            .all(|(code, message)| code == "NOT_ELIGIBLE" && message.contains("月齢")),
        "{errors:?}"
    );
    // Residents only: a Maebashi resident and a guest are refused, naming the town.
    let errors = refused(
        Some(t.maebashi_resident),
        json!({ "children": [child(20, false)] }),
    )
    .await;
    assert_eq!(errors[0].0, "NOT_ELIGIBLE");
    assert!(errors[0].1.contains("真鶴町"), "{errors:?}");
    let errors = refused(
        None,
        json!({ "children": [child(20, false)], "guest": guest(1) }),
    )
    .await;
    assert_eq!(errors[0].0, "NOT_ELIGIBLE");
    // Party size.
    let errors = refused(
        Some(t.resident),
        json!({ "adults": 2, "children": [child(20, false), child(24, false)] }),
    )
    .await;
    assert!(
        errors
            .iter()
            .any(|(code, message)| code == "NOT_ELIGIBLE" && message.contains("3人")),
        "{errors:?}"
    );
    // The audience includes children: a party without a child is refused.
    let errors = refused(Some(t.resident), json!({ "adults": 1 })).await;
    assert!(
        errors
            .iter()
            .any(|(code, message)| code == "NOT_ELIGIBLE" && message.contains("お子さま")),
        "{errors:?}"
    );
    // A child needs a birth date or an age; a guest needs valid contact details.
    let errors = refused(Some(t.resident), json!({ "children": [{}] })).await;
    assert_eq!(errors[0].0, "REQUIRED");
    // And within the rules it is accepted.
    let ok = t
        .register(
            Some(t.resident),
            json!({ "sessionId": session, "children": [{ "birthDate": born(20) }] }),
        )
        .await;
    assert_eq!(ok["registration"]["status"], "CONFIRMED");

    // The registration window: not yet open, then closed.
    let open = t.program(t.staff, "受付期間のある講座", json!({})).await;
    let later = t
        .ok(
            Some(t.staff),
            "createProgramSessions",
            json!({
                "programId": open,
                "startsAt": at(Duration::days(20)),
                "endsAt": at(Duration::days(20) + Duration::hours(1)),
                "venue": "美術館",
                "capacity": 5,
                "registrationOpensAt": at(Duration::days(5)),
            }),
            "sessions { id registrationOpen }",
        )
        .await;
    assert_eq!(later["sessions"][0]["registrationOpen"], false);
    let later = later["sessions"][0]["id"].as_str().unwrap().to_owned();
    let errors = t
        .refused(
            Some(t.resident),
            "registerForSession",
            json!({ "sessionId": later }),
        )
        .await;
    assert_eq!(errors[0].0, "REGISTRATION_CLOSED");
    assert!(errors[0].1.contains("から"), "{errors:?}");
    let bad_guest = t
        .refused(None, "registerForSession", json!({ "sessionId": later, "guest": { "name": "", "nameKana": "山田", "email": "x", "phone": "12" } }))
        .await;
    let codes: BTreeSet<String> = bad_guest.into_iter().map(|(code, _)| code).collect();
    assert!(
        codes.contains("REQUIRED") && codes.contains("INVALID"),
        "{codes:?}"
    );
}

#[tokio::test]
async fn a_guest_gets_a_manage_token_kept_only_as_a_hash_and_a_retry_creates_nothing() {
    let t = town().await;
    let program = t.program(t.staff, "ゲスト申込の講座", json!({})).await;
    let session = t.session(t.staff, &program, 5, 0).await;
    let input =
        json!({ "sessionId": session, "guest": guest(7), "idempotencyKey": "guest-7-once" });
    let first = t.register(None, input.clone()).await;
    let token = first["manageToken"].as_str().unwrap().to_owned();
    assert!(token.len() >= 40, "{token}");
    let retry = t.register(None, input).await;
    assert_eq!(retry["registration"]["id"], first["registration"]["id"]);
    let new_token = retry["manageToken"].as_str().unwrap().to_owned();
    assert_ne!(
        new_token, token,
        "a retry replaces the token it cannot show again"
    );
    assert_eq!(t.session_state(None, &session).await["seatsRemaining"], 4);

    let db = Database::connect(&t.app.database_url).await.unwrap();
    let stored = entity::registration::Entity::find_by_id(uuid_of(
        first["registration"]["id"].as_str().unwrap(),
    ))
    .one(&db)
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        stored.manage_token_hash.as_deref(),
        Some(tsunagu::domains::programs::service::hash_token(&new_token).as_str())
    );
    assert_ne!(
        stored.manage_token_hash.as_deref(),
        Some(new_token.as_str())
    );

    let lookup = async |token: &str| {
        t.app
            .graphql(None, "query($t: String!) { registrationByManageToken(manageToken: $t) { status registrant { name nameKana email phone guest } } }", json!({ "t": token }))
            .await["data"]["registrationByManageToken"]
            .clone()
    };
    assert_eq!(
        lookup(&token).await,
        Value::Null,
        "the replaced token no longer works"
    );
    let found = lookup(&new_token).await;
    assert_eq!(found["registrant"]["nameKana"], "モウシコミ ハナコ");
    assert_eq!(found["registrant"]["phone"], "090-1234-5678");
    assert_eq!(found["registrant"]["guest"], true);
    // The guest cancels with the token.
    let cancelled = t
        .ok(
            None,
            "cancelRegistration",
            json!({ "manageToken": new_token }),
            "registration { status cancelReason }",
        )
        .await;
    assert_eq!(cancelled["registration"]["status"], "CANCELLED");
    assert_eq!(cancelled["registration"]["cancelReason"], "REGISTRANT");
    assert_eq!(t.session_state(None, &session).await["seatsRemaining"], 5);
}

#[tokio::test]
async fn registering_is_rate_limited_per_client() {
    let app = spawn_app_with(|limits| limits.public_rate_per_minute = 2).await;
    let t = town_with(app).await;
    let program = t.program(t.staff, "人気の講座", json!({})).await;
    let session = t.session(t.staff, &program, 50, 0).await;
    for n in 0..2 {
        t.register(None, json!({ "sessionId": session, "guest": guest(n) }))
            .await;
    }
    assert_eq!(
        t.denied(
            None,
            "registerForSession",
            json!({ "sessionId": session, "guest": guest(3) })
        )
        .await,
        "RATE_LIMITED"
    );
}

/// Waits, if need be, for the next minute, so that the next `seconds` of a test fall in one
/// per-minute rate-limit window.
async fn within_one_window(seconds: i64) {
    let into_minute = Utc::now().timestamp().rem_euclid(60);
    if into_minute + seconds >= 60 {
        let wait = u64::try_from(61 - into_minute).unwrap_or(1);
        tokio::time::sleep(StdDuration::from_secs(wait)).await;
    }
}

#[tokio::test]
async fn a_burst_on_one_replica_is_counted_exactly() {
    let app = spawn_app_with(|limits| limits.public_rate_per_minute = 5).await;
    let t = town_with(app).await;
    let program = t.program(t.staff, "人気の講座", json!({})).await;
    let session = t.session(t.staff, &program, 50, 0).await;
    within_one_window(5).await;
    let query = "mutation($input: RegisterForSessionInput!) { registerForSession(input: $input) { registration { status } } }";
    let calls = (0..12).map(|n| {
        let input = json!({ "sessionId": session, "guest": guest(n) });
        let app = &t.app;
        async move { app.graphql(None, query, json!({ "input": input })).await }
    });
    let answers = join_all(calls).await;
    let limited = answers
        .iter()
        .filter(|body| error_code(body) == Some("RATE_LIMITED"))
        .count();
    assert_eq!(limited, 7, "{answers:?}");
}

#[tokio::test]
async fn replicas_share_the_count_of_a_client_address() {
    let app = spawn_app_with(|limits| limits.public_rate_per_minute = 3).await;
    let replica = app
        .spawn_replica_with(|limits| limits.public_rate_per_minute = 3)
        .await;
    let t = town_with(app).await;
    let program = t.program(t.staff, "人気の講座", json!({})).await;
    let session = t.session(t.staff, &program, 50, 0).await;
    within_one_window(5).await;
    for n in 0..3 {
        // Calls further apart than a replica counts on its own reach the shared count.
        tokio::time::sleep(tsunagu::rate_limit::SHARE_EVERY + StdDuration::from_millis(20)).await;
        t.register(None, json!({ "sessionId": session, "guest": guest(n) }))
            .await;
    }
    let body = replica
        .graphql(
            None,
            "mutation($input: RegisterForSessionInput!) { registerForSession(input: $input) { registration { status } } }",
            json!({ "input": { "sessionId": session, "guest": guest(3) } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
}

#[tokio::test]
async fn concurrent_registrations_never_exceed_seats_or_childcare_slots() {
    let t = town().await;
    let program = t.program(t.staff, "定員10名の講座", json!({})).await;
    let session = t.session(t.staff, &program, 10, 4).await;
    let query = format!(
        "mutation($input: RegisterForSessionInput!) {{ registerForSession(input: $input) {{ registration {{ {REGISTRATION} }} userErrors {{ code }} }} }}"
    );
    let calls = (0..60).map(|n| {
        // An adult alone, with a child in the 託児, or with a child on their lap.
        let children = match n % 3 {
            0 => json!([]),
            1 => json!([child(24, true)]),
            _ => json!([child(24, false)]),
        };
        let input = json!({ "sessionId": session, "children": children, "guest": guest(n) });
        let query = query.clone();
        let app = &t.app;
        async move { app.graphql(None, &query, json!({ "input": input })).await }
    });
    let answers = join_all(calls).await;
    let mut confirmed = (0, 0, 0);
    let mut positions = Vec::new();
    for body in &answers {
        assert_eq!(error_code(body), None, "{body}");
        let registration = &body["data"]["registerForSession"]["registration"];
        match registration["status"].as_str() {
            Some("CONFIRMED") => {
                confirmed.0 += 1;
                confirmed.1 += registration["seats"].as_i64().unwrap();
                confirmed.2 += registration["childcareSlots"].as_i64().unwrap();
            }
            Some("WAITLISTED") => {
                positions.push(registration["waitlistPosition"].as_i64().unwrap_or(0))
            }
            _ => panic!("neither confirmed nor waitlisted: {body}"),
        }
    }
    let (parties, seats, childcare) = confirmed;
    assert!(seats <= 10, "seats {seats}");
    assert!(seats >= 9, "places were left unused: {seats}");
    assert!(childcare <= 4, "childcare {childcare}");
    assert_eq!(parties + positions.len(), 60);
    let state = t.session_state(Some(t.staff), &session).await;
    assert_eq!(state["seatsRemaining"].as_i64(), Some(10 - seats));
    assert_eq!(
        state["childcareSlotsRemaining"].as_i64(),
        Some(4 - childcare)
    );
    assert_eq!(
        state["waitlistLength"].as_u64(),
        Some(positions.len() as u64)
    );
    // The roster agrees with the answers, and the waitlist is numbered 1..n in order.
    let roster = t
        .app
        .graphql(
            Some(t.staff),
            "query($id: ID!) { node(id: $id) { ... on ProgramSession { registrations(first: 100, status: [WAITLISTED]) { nodes { waitlistPosition } } } } }",
            json!({ "id": session }),
        )
        .await;
    let listed: Vec<i64> = roster["data"]["node"]["registrations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["waitlistPosition"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, (1..=positions.len() as i64).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_family_registering_many_times_at_once_holds_one_registration() {
    let t = town().await;
    let program = t.program(t.staff, "定員5名の講座", json!({})).await;
    let session = t.session(t.staff, &program, 5, 0).await;
    let query = "mutation($input: RegisterForSessionInput!) { registerForSession(input: $input) { registration { status checkInCode } userErrors { code } } }";
    // Among 40 guests arriving together, one guest sends 10 times, and the resident sends
    // 10 times signed in.
    let calls = (0..60).map(|n| {
        let (token, input) = match n % 3 {
            0 if n < 30 => (None, json!({ "sessionId": session, "guest": guest(1000) })),
            1 if n < 30 => (Some(t.resident), json!({ "sessionId": session })),
            _ => (None, json!({ "sessionId": session, "guest": guest(n) })),
        };
        let app = &t.app;
        async move { app.graphql(token, query, json!({ "input": input })).await }
    });
    let answers = join_all(calls).await;
    let (mut registered, mut taken) = (Vec::new(), 0);
    for (n, body) in answers.iter().enumerate() {
        assert_eq!(error_code(body), None, "{body}");
        let payload = &body["data"]["registerForSession"];
        if payload["registration"].is_object() {
            registered.push((n, payload["registration"]["checkInCode"].clone()));
        } else {
            assert_eq!(user_error_codes(payload), ["TAKEN"], "{body}");
            assert!(
                n < 30 && n % 3 != 2,
                "a different family was refused: {body}"
            );
            taken += 1;
        }
    }
    // One of each repeated family, and every other family.
    assert_eq!(registered.len(), 42, "{answers:?}");
    assert_eq!(taken, 18);
    let codes: BTreeSet<String> = registered
        .iter()
        .map(|(_, code)| code.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 42, "check-in codes are unique");
    let state = t.session_state(Some(t.staff), &session).await;
    assert_eq!(state["seatsRemaining"].as_i64(), Some(0));
    assert_eq!(state["waitlistLength"].as_i64(), Some(37));
}

#[tokio::test]
async fn three_hundred_people_racing_for_fifty_seats_leave_exactly_fifty_confirmed_and_the_rest_waiting_in_order()
 {
    let t = town().await;
    let program = t.program(t.staff, "定員50名の鑑賞会", json!({})).await;
    let session = t.session(t.staff, &program, 50, 0).await;
    let query = "mutation($input: RegisterForSessionInput!) { registerForSession(input: $input) { registration { status } userErrors { code } } }";
    let calls = (0..300).map(|n| {
        let input = json!({ "sessionId": session, "guest": guest(n) });
        let app = &t.app;
        async move { app.graphql(None, query, json!({ "input": input })).await }
    });
    let answers = join_all(calls).await;
    let mut answered = std::collections::BTreeMap::<String, usize>::new();
    for body in &answers {
        assert_eq!(error_code(body), None, "{body}");
        let status = body["data"]["registerForSession"]["registration"]["status"]
            .as_str()
            .unwrap_or_else(|| panic!("no registration: {body}"));
        *answered.entry(status.to_owned()).or_default() += 1;
    }
    assert_eq!(answered.get("CONFIRMED"), Some(&50), "{answered:?}");
    assert_eq!(answered.get("WAITLISTED"), Some(&250), "{answered:?}");

    // The roster, read back page by page: 50 confirmed, then a waitlist numbered 1..250 in
    // the order the parties arrived, every one of them after every confirmed party.
    let mut roster = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = t
            .app
            .graphql(
                Some(t.staff),
                "query($id: ID!, $after: String) { node(id: $id) { ... on ProgramSession { seatsRemaining waitlistLength registrations(first: 100, after: $after) { nodes { status waitlistPosition createdAt } pageInfo { hasNextPage endCursor } } } } }",
                json!({ "id": session, "after": after }),
            )
            .await;
        let node = &page["data"]["node"];
        assert_eq!(node["seatsRemaining"].as_i64(), Some(0), "{page}");
        assert_eq!(node["waitlistLength"].as_i64(), Some(250), "{page}");
        let connection = &node["registrations"];
        roster.extend(connection["nodes"].as_array().unwrap().iter().cloned());
        if connection["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(roster.len(), 300);
    let time = |r: &Value| DateTime::parse_from_rfc3339(r["createdAt"].as_str().unwrap()).unwrap();
    let (confirmed, mut waiting): (Vec<_>, Vec<_>) = roster
        .iter()
        .partition(|r| r["status"] == json!("CONFIRMED"));
    assert_eq!(confirmed.len(), 50);
    waiting.sort_by_key(|r| r["waitlistPosition"].as_i64());
    let positions: Vec<i64> = waiting
        .iter()
        .map(|r| r["waitlistPosition"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, (1..=250).collect::<Vec<_>>());
    assert!(
        waiting.windows(2).all(|w| time(w[0]) <= time(w[1])),
        "the waitlist is not in arrival order"
    );
    let last_confirmed = confirmed.iter().map(|r| time(r)).max().unwrap();
    assert!(
        waiting.iter().all(|r| time(r) >= last_confirmed),
        "a party that arrived before a confirmed one was left waiting"
    );
}

// ---------------------------------------------------------------------------------------
// Cancellation and waitlist offers

async fn status_of(t: &Town, token: Option<&str>, registration: &str) -> Value {
    t.node(
        token,
        registration,
        "status waitlistPosition offerExpiresAt cancelReason",
    )
    .await
}

#[tokio::test]
async fn a_freed_place_is_offered_to_the_first_waiting_party_that_fits_and_passes_on_when_declined()
{
    let t = town().await;
    let program = t
        .program(t.staff, "キャンセル待ちのある講座", json!({}))
        .await;
    let session = t.session(t.staff, &program, 2, 0).await;
    let id = |payload: &Value| payload["registration"]["id"].as_str().unwrap().to_owned();

    let resident = t
        .register(Some(t.resident), json!({ "sessionId": session }))
        .await;
    let family = t
        .register(
            None,
            json!({ "sessionId": session, "adults": 2, "guest": guest(1) }),
        )
        .await;
    assert_eq!(family["registration"]["status"], "WAITLISTED");
    let single = t
        .register(None, json!({ "sessionId": session, "guest": guest(2) }))
        .await;
    assert_eq!(
        single["registration"]["status"], "CONFIRMED",
        "one seat was left for one person"
    );
    let late = t
        .register(None, json!({ "sessionId": session, "guest": guest(3) }))
        .await;
    assert_eq!(late["registration"]["waitlistPosition"], 2);
    let (family_token, single_token, late_token) = (
        family["manageToken"].as_str().unwrap().to_owned(),
        single["manageToken"].as_str().unwrap().to_owned(),
        late["manageToken"].as_str().unwrap().to_owned(),
    );

    // One seat frees: the family of two does not fit, the next single does.
    let cancelled = t
        .ok(
            Some(t.resident),
            "cancelRegistration",
            json!({ "id": id(&resident) }),
            "registration { status cancelReason }",
        )
        .await;
    assert_eq!(cancelled["registration"]["cancelReason"], "REGISTRANT");
    let offered = status_of(&t, Some(t.staff), &id(&late)).await;
    assert_eq!(offered["status"], "OFFERED");
    let expires = offered["offerExpiresAt"]
        .as_str()
        .unwrap()
        .parse::<DateTime<Utc>>()
        .unwrap();
    assert!(
        (expires - Utc::now() - Duration::hours(24))
            .num_minutes()
            .abs()
            <= 1,
        "{expires}"
    );
    assert_eq!(
        status_of(&t, Some(t.staff), &id(&family)).await["waitlistPosition"],
        1
    );
    assert_eq!(
        t.session_state(None, &session).await["seatsRemaining"],
        0,
        "an offered place is held"
    );
    // Only the offered party answers its offer.
    let not_offered = t
        .refused(
            None,
            "acceptWaitlistOffer",
            json!({ "manageToken": family_token }),
        )
        .await;
    assert_eq!(not_offered[0].0, "INVALID_STATE");

    // Declined: the place passes on, but nobody waiting fits it.
    let declined = t
        .ok(
            None,
            "declineWaitlistOffer",
            json!({ "manageToken": late_token }),
            "registration { status cancelReason }",
        )
        .await;
    assert_eq!(declined["registration"]["cancelReason"], "OFFER_DECLINED");
    assert_eq!(t.session_state(None, &session).await["seatsRemaining"], 1);

    // Two seats free: the family gets its offer and accepts.
    t.ok(
        None,
        "cancelRegistration",
        json!({ "manageToken": single_token }),
        "registration { id }",
    )
    .await;
    assert_eq!(
        status_of(&t, Some(t.staff), &id(&family)).await["status"],
        "OFFERED"
    );
    let accepted = t
        .ok(
            None,
            "acceptWaitlistOffer",
            json!({ "manageToken": family_token }),
            "registration { status offerExpiresAt }",
        )
        .await;
    assert_eq!(accepted["registration"]["status"], "CONFIRMED");
    assert_eq!(accepted["registration"]["offerExpiresAt"], Value::Null);
    let state = t.session_state(None, &session).await;
    assert_eq!(
        (
            state["seatsRemaining"].as_i64(),
            state["waitlistLength"].as_i64()
        ),
        (Some(0), Some(0))
    );

    // Each registration keeps its history, step by step.
    let history = async |token: Option<&str>, registration: &Value| -> Vec<String> {
        let node = t
            .node(
                token,
                &id(registration),
                "history { fromStatus toStatus changedAt changedByStaff reason }",
            )
            .await;
        node["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|step| {
                format!(
                    "{}>{} {} {}",
                    step["fromStatus"].as_str().unwrap_or("-"),
                    step["toStatus"].as_str().unwrap(),
                    step["changedByStaff"],
                    step["reason"].as_str().unwrap_or("-"),
                )
            })
            .collect()
    };
    assert_eq!(
        history(Some(t.staff), &family).await,
        [
            "->WAITLISTED false -",
            "WAITLISTED>OFFERED false -",
            "OFFERED>CONFIRMED false -"
        ]
    );
    assert_eq!(
        history(Some(t.resident), &resident).await,
        [
            "->CONFIRMED false -",
            "CONFIRMED>CANCELLED false registrant"
        ]
    );
    assert_eq!(
        history(Some(t.staff), &late).await,
        [
            "->WAITLISTED false -",
            "WAITLISTED>OFFERED false -",
            "OFFERED>CANCELLED false offer_declined"
        ]
    );
}

#[tokio::test]
async fn registrants_cancel_until_the_deadline_and_staff_after_it() {
    let t = town().await;
    let program = t.program(t.staff, "期限のある講座", json!({})).await;
    let session = t.session(t.staff, &program, 5, 0).await;
    let registration = t
        .register(Some(t.resident), json!({ "sessionId": session }))
        .await;
    let id = registration["registration"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    move_session(
        &t.app,
        &session,
        Utc::now() + Duration::days(1),
        Utc::now() - Duration::hours(1),
    )
    .await;
    let late = t
        .refused(Some(t.resident), "cancelRegistration", json!({ "id": id }))
        .await;
    assert_eq!(late[0].0, "DEADLINE_PASSED");
    // Nobody else may cancel it, and other towns do not even see it.
    assert_eq!(
        t.denied(
            Some(t.maebashi_resident),
            "cancelRegistration",
            json!({ "id": id })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        t.denied(
            Some(t.maebashi_staff),
            "cancelRegistration",
            json!({ "id": id })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        t.denied(Some(t.concierge), "cancelRegistration", json!({ "id": id }))
            .await,
        "NOT_FOUND"
    );
    let by_staff = t
        .ok(
            Some(t.staff),
            "cancelRegistration",
            json!({ "id": id }),
            "registration { status cancelReason }",
        )
        .await;
    assert_eq!(by_staff["registration"]["cancelReason"], "STAFF");
    let again = t
        .refused(Some(t.staff), "cancelRegistration", json!({ "id": id }))
        .await;
    assert_eq!(again[0].0, "INVALID_STATE");
}

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

async fn subscribe(app: &TestApp, token: &str) -> Socket {
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = connect_async(request).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    socket.send(Message::text(init.to_string())).await.unwrap();
    let ack = next_message(&mut socket, StdDuration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let subscribe = json!({
        "id": "1",
        "type": "subscribe",
        "payload": { "query": "subscription { myRegistrationEvents { kind registrationId occurredAt } }" },
    });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .unwrap();
    socket
}

async fn next_message(socket: &mut Socket, wait: StdDuration) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(wait, socket.next())
            .await
            .ok()??
            .ok()?;
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).ok();
        }
    }
}

/// The next registration event heard, as (kind, registration id).
async fn heard(socket: &mut Socket) -> (String, String) {
    let message = next_message(socket, StdDuration::from_secs(5))
        .await
        .expect("an event");
    let event = &message["payload"]["data"]["myRegistrationEvents"];
    (
        event["kind"].as_str().unwrap().to_owned(),
        event["registrationId"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn registrants_hear_offers_expiries_and_cancelled_sessions_live() {
    let t = town().await;
    let program = t.program(t.staff, "お知らせの届く講座", json!({})).await;
    let session = t.session(t.staff, &program, 1, 0).await;
    let mut socket = subscribe(&t.app, t.resident).await;

    // The subscription goes live a moment after it is sent: register (and cancel) until
    // the confirmation is heard.
    let mut live = false;
    for _ in 0..50 {
        let payload = t
            .register(Some(t.resident), json!({ "sessionId": session }))
            .await;
        let id = payload["registration"]["id"].as_str().unwrap().to_owned();
        let message = next_message(&mut socket, StdDuration::from_millis(200)).await;
        t.ok(
            Some(t.resident),
            "cancelRegistration",
            json!({ "id": id }),
            "registration { id }",
        )
        .await;
        if let Some(message) = message {
            assert_eq!(
                message["payload"]["data"]["myRegistrationEvents"]["kind"], "CONFIRMED",
                "{message}"
            );
            assert_eq!(heard(&mut socket).await, ("CANCELLED".to_owned(), id));
            live = true;
            break;
        }
    }
    assert!(live, "no registration event arrived");

    // A guest holds the seat; the resident waits, then is offered the freed seat.
    let holder = t
        .register(None, json!({ "sessionId": session, "guest": guest(1) }))
        .await;
    let waiting = t
        .register(Some(t.resident), json!({ "sessionId": session }))
        .await;
    let waiting_id = waiting["registration"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        heard(&mut socket).await,
        ("WAITLISTED".to_owned(), waiting_id.clone())
    );
    t.ok(
        None,
        "cancelRegistration",
        json!({ "manageToken": holder["manageToken"] }),
        "registration { id }",
    )
    .await;
    assert_eq!(
        heard(&mut socket).await,
        ("OFFERED".to_owned(), waiting_id.clone())
    );

    // The offer runs out; the next read of the session passes it on.
    let db = Database::connect(&t.app.database_url).await.unwrap();
    entity::registration::Entity::update_many()
        .col_expr(
            entity::registration::Column::OfferExpiresAt,
            Expr::value(Utc::now() - Duration::minutes(1)),
        )
        .filter(entity::registration::Column::Id.eq(uuid_of(&waiting_id)))
        .exec(&db)
        .await
        .unwrap();
    db.close().await.ok();
    assert_eq!(t.session_state(None, &session).await["seatsRemaining"], 1);
    assert_eq!(
        heard(&mut socket).await,
        ("OFFER_EXPIRED".to_owned(), waiting_id.clone())
    );
    let expired = status_of(&t, Some(t.resident), &waiting_id).await;
    assert_eq!(
        (expired["status"].as_str(), expired["cancelReason"].as_str()),
        (Some("CANCELLED"), Some("OFFER_EXPIRED"))
    );
    let too_late = t
        .refused(
            Some(t.resident),
            "acceptWaitlistOffer",
            json!({ "id": waiting_id }),
        )
        .await;
    // An offer that ran out is answered as a missed deadline, whoever noticed it first.
    assert_eq!(too_late[0].0, "DEADLINE_PASSED");

    // Cancelling the session releases every seat and tells every registrant.
    let confirmed = t
        .register(Some(t.resident), json!({ "sessionId": session }))
        .await;
    let confirmed_id = confirmed["registration"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        heard(&mut socket).await,
        ("CONFIRMED".to_owned(), confirmed_id.clone())
    );
    let guest_waiting = t
        .register(None, json!({ "sessionId": session, "guest": guest(2) }))
        .await;
    assert_eq!(
        t.denied(
            Some(t.maebashi_staff),
            "cancelProgramSession",
            json!({ "id": session, "reason": "中止" })
        )
        .await,
        "FORBIDDEN"
    );
    let cancelled = t
        .ok(
            Some(t.staff),
            "cancelProgramSession",
            json!({ "id": session, "reason": "台風接近のため中止します。" }),
            "session { status cancelReason seatsRemaining waitlistLength }",
        )
        .await;
    assert_eq!(cancelled["session"]["status"], "CANCELLED");
    assert_eq!(cancelled["session"]["seatsRemaining"], 1);
    assert_eq!(cancelled["session"]["waitlistLength"], 0);
    assert_eq!(
        heard(&mut socket).await,
        ("SESSION_CANCELLED".to_owned(), confirmed_id)
    );
    let guest_state = t
        .app
        .graphql(None, "query($t: String!) { registrationByManageToken(manageToken: $t) { status cancelReason } }", json!({ "t": guest_waiting["manageToken"] }))
        .await;
    assert_eq!(
        guest_state["data"]["registrationByManageToken"]["cancelReason"],
        "SESSION_CANCELLED"
    );
    let closed = t
        .refused(
            Some(t.resident),
            "registerForSession",
            json!({ "sessionId": session }),
        )
        .await;
    assert_eq!(closed[0].0, "INVALID_STATE");
}

// ---------------------------------------------------------------------------------------
// Check-in, no-shows and surveys

#[tokio::test]
async fn staff_check_in_by_code_mark_no_shows_after_the_end_and_attendees_answer_one_survey() {
    let t = town().await;
    let program = t.program(t.staff, "出欠を取る講座", json!({})).await;
    let session = t.session(t.staff, &program, 10, 0).await;
    let resident = t
        .register(Some(t.resident), json!({ "sessionId": session }))
        .await;
    let present = t
        .register(None, json!({ "sessionId": session, "guest": guest(1) }))
        .await;
    let absent = t
        .register(None, json!({ "sessionId": session, "guest": guest(2) }))
        .await;
    let id = |payload: &Value| payload["registration"]["id"].as_str().unwrap().to_owned();
    let code = resident["registration"]["checkInCode"]
        .as_str()
        .unwrap()
        .to_lowercase();

    let early = t
        .refused(
            Some(t.staff),
            "checkInRegistration",
            json!({ "id": id(&resident) }),
        )
        .await;
    assert_eq!(early[0].0, "INVALID_STATE");
    // Check-in opens two hours before the start.
    move_session(
        &t.app,
        &session,
        Utc::now() + Duration::hours(1),
        Utc::now() - Duration::days(1),
    )
    .await;
    assert_eq!(
        t.denied(
            Some(t.resident),
            "checkInRegistration",
            json!({ "id": id(&resident) })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        t.denied(
            Some(t.maebashi_staff),
            "checkInRegistration",
            json!({ "sessionId": session, "code": code })
        )
        .await,
        "NOT_FOUND"
    );
    let unknown = t
        .refused(
            Some(t.staff),
            "checkInRegistration",
            json!({ "sessionId": session, "code": "ZZZZZZ" }),
        )
        .await;
    assert_eq!(unknown[0].0, "NOT_FOUND");
    let checked = t
        .ok(
            Some(t.staff),
            "checkInRegistration",
            json!({ "sessionId": session, "code": code }),
            "registration { status checkedInAt }",
        )
        .await;
    assert_eq!(checked["registration"]["status"], "ATTENDED");
    let twice = t
        .refused(
            Some(t.staff),
            "checkInRegistration",
            json!({ "id": id(&resident) }),
        )
        .await;
    assert_eq!(twice[0].0, "INVALID_STATE");
    t.ok(
        Some(t.admin),
        "checkInRegistration",
        json!({ "id": id(&present) }),
        "registration { id }",
    )
    .await;
    // Checked in at the door, but the session has not begun: nothing to rate yet.
    let before_start = t
        .refused(
            Some(t.resident),
            "submitProgramSurvey",
            json!({ "registration": { "id": id(&resident) }, "score": 5 }),
        )
        .await;
    assert_eq!(before_start[0].0, "INVALID_STATE");
    move_session(
        &t.app,
        &session,
        Utc::now() - Duration::minutes(30),
        Utc::now() - Duration::days(1),
    )
    .await;

    let running = t
        .refused(
            Some(t.staff),
            "markNoShows",
            json!({ "sessionId": session }),
        )
        .await;
    assert_eq!(running[0].0, "INVALID_STATE");
    move_session(
        &t.app,
        &session,
        Utc::now() - Duration::hours(3),
        Utc::now() - Duration::days(1),
    )
    .await;
    let marked = t
        .ok(
            Some(t.staff),
            "markNoShows",
            json!({ "sessionId": session }),
            "markedCount session { attendance { confirmed attended attendedPeople noShow } }",
        )
        .await;
    assert_eq!(marked["markedCount"], 1);
    assert_eq!(
        marked["session"]["attendance"],
        json!({ "confirmed": 0, "attended": 2, "attendedPeople": 2, "noShow": 1 })
    );
    assert_eq!(
        t.node(None, &session, "attendance { attended }").await["attendance"],
        Value::Null,
        "attendance is for the organizer"
    );

    // Surveys: once per attended registration, by its registrant only.
    let survey = |reference: Value, score: i32| json!({ "registration": reference, "score": score, "comment": "とても楽しかったです。" });
    let answered = t
        .ok(
            Some(t.resident),
            "submitProgramSurvey",
            survey(json!({ "id": id(&resident) }), 5),
            "survey { score comment fiscalYear }",
        )
        .await;
    assert_eq!(answered["survey"]["score"], 5);
    let again = t
        .refused(
            Some(t.resident),
            "submitProgramSurvey",
            survey(json!({ "id": id(&resident) }), 4),
        )
        .await;
    assert_eq!(again[0].0, "TAKEN");
    assert_eq!(
        t.denied(
            Some(t.staff),
            "submitProgramSurvey",
            survey(json!({ "id": id(&present) }), 5)
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(
            Some(t.maebashi_resident),
            "submitProgramSurvey",
            survey(json!({ "id": id(&present) }), 5)
        )
        .await,
        "NOT_FOUND"
    );
    let out_of_range = t
        .refused(
            None,
            "submitProgramSurvey",
            survey(json!({ "manageToken": present["manageToken"] }), 6),
        )
        .await;
    assert_eq!(out_of_range[0].0, "INVALID");
    t.ok(
        None,
        "submitProgramSurvey",
        survey(json!({ "manageToken": present["manageToken"] }), 3),
        "survey { score }",
    )
    .await;
    let no_show = t
        .refused(
            None,
            "submitProgramSurvey",
            survey(json!({ "manageToken": absent["manageToken"] }), 5),
        )
        .await;
    assert_eq!(no_show[0].0, "INVALID_STATE");

    let summary = "query($id: ID!) { node(id: $id) { ... on Program { surveySummary { responses meanScore satisfiedPercent satisfiedShare } } } }";
    let by_staff = t
        .app
        .graphql(Some(t.staff), summary, json!({ "id": program }))
        .await;
    assert_eq!(
        by_staff["data"]["node"]["surveySummary"],
        json!({ "responses": 2, "meanScore": 4.0, "satisfiedPercent": 50.0, "satisfiedShare": 0.5 })
    );
    let by_resident = t
        .app
        .graphql(Some(t.resident), summary, json!({ "id": program }))
        .await;
    assert_eq!(by_resident["data"]["node"]["surveySummary"], Value::Null);
}

// ---------------------------------------------------------------------------------------
// Visibility

#[tokio::test]
async fn registrations_are_seen_only_by_their_registrant_and_the_programs_managers() {
    let t = town().await;
    let platform = t.app.login_demo("platform-admin@example.jp").await;
    let program = t.program(t.staff, "個人情報を守る講座", json!({})).await;
    let session = t.session(t.staff, &program, 10, 0).await;
    let mine = t
        .register(
            Some(t.resident),
            json!({ "sessionId": session, "children": [child(60, false)] }),
        )
        .await;
    let id = mine["registration"]["id"].as_str().unwrap().to_owned();
    let selection = "status registrant { name email } children { ageMonthsAtSession }";
    for (who, token, sees) in [
        ("registrant", Some(t.resident), true),
        ("organizer staff", Some(t.staff), true),
        ("town admin", Some(t.admin), true),
        ("platform admin", Some(platform.as_str()), true),
        ("anonymous", None, false),
        ("concierge of the town", Some(t.concierge), false),
        ("resident of another town", Some(t.maebashi_resident), false),
        ("staff of another town", Some(t.maebashi_staff), false),
        ("admin of another town", Some(t.maebashi_admin), false),
    ] {
        let node = t.node(token, &id, selection).await;
        assert_eq!(!node.is_null(), sees, "{who}: {node}");
        if sees {
            assert_eq!(
                node["registrant"]["email"], "manazuru-resident@example.jp",
                "{who}"
            );
        }
    }
    let roster = "query($id: ID!) { node(id: $id) { ... on ProgramSession { registrations { totalCount nodes { registrant { name } } } } } }";
    let by_staff = t
        .app
        .graphql(Some(t.staff), roster, json!({ "id": session }))
        .await;
    assert_eq!(by_staff["data"]["node"]["registrations"]["totalCount"], 1);
    for token in [t.resident, t.concierge, t.maebashi_staff] {
        let body = t
            .app
            .graphql(Some(token), roster, json!({ "id": session }))
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }

    // Every staff read of the registrant's personal data is in the access log (the
    // registrant's own reads are not), which only administrators read.
    let log = "query($f: PersonalDataAccessLogFilter) { personalDataAccessLog(filter: $f, first: 100) { nodes { subjectKind subjectId actorId accessed } } }";
    let filter = json!({ "f": { "subjectKind": "registration", "subjectId": id } });
    let read = t.app.graphql(Some(t.admin), log, filter.clone()).await;
    let mut seen: Vec<(String, String)> = read["data"]["personalDataAccessLog"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{read}"))
        .iter()
        .map(|row| {
            assert_eq!(row["subjectId"], id.as_str(), "{row}");
            (
                row["actorId"].as_str().unwrap().to_owned(),
                row["accessed"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    seen.sort();
    let staff_id = t.app.my_id(t.staff).await;
    let admin_id = t.app.my_id(t.admin).await;
    let platform_id = t.app.my_id(&platform).await;
    let mut expected = vec![
        (staff_id.clone(), "detail".to_owned()),
        (admin_id, "detail".to_owned()),
        (platform_id, "detail".to_owned()),
        (staff_id, "roster".to_owned()),
    ];
    expected.sort();
    assert_eq!(seen, expected);
    let refused = t.app.graphql(Some(t.staff), log, filter).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");

    let my = "{ myRegistrations(first: 100) { totalCount nodes { id status program { title } session { startsAt } } } }";
    let listed = t.app.graphql(Some(t.resident), my, json!({})).await;
    let nodes = listed["data"]["myRegistrations"]["nodes"]
        .as_array()
        .unwrap();
    assert!(nodes.iter().any(|n| n["id"] == id.as_str()), "{listed}");
    assert!(nodes.iter().all(|n| n["program"]["title"].is_string()));
    let others = t
        .app
        .graphql(Some(t.maebashi_resident), my, json!({}))
        .await;
    assert!(
        others["data"]["myRegistrations"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["id"] != id.as_str())
    );
    assert_eq!(
        error_code(&t.app.graphql(None, my, json!({})).await),
        Some("UNAUTHENTICATED")
    );
}

#[tokio::test]
async fn listing_programs_with_sessions_and_organizers_costs_the_same_statements_for_any_page_size()
{
    let t = town().await;
    let platform = t.app.login_demo("platform-admin@example.jp").await;
    let programs = "query($n: Int!) { programs(first: $n) { totalCount nodes { title organizer { name } municipality { nameJa } sessions { startsAt seatsRemaining waitlistLength onlineUrl attendance { attended } } surveySummary { responses } } } }";
    let registrations = "query($n: Int!) { myRegistrations(first: $n) { nodes { status waitlistPosition children { ageMonthsAtSession } program { title } session { startsAt } survey { score } } } }";
    let resident = t.app.login_demo("maebashi-resident@example.jp").await;
    for (query, what, token, sizes) in [
        (programs, "programs", platform.as_str(), [2, 6]),
        (registrations, "myRegistrations", resident.as_str(), [1, 4]),
    ] {
        let mut costs = Vec::new();
        for first in sizes {
            let cost = t
                .app
                .cheapest_statements(3, async || {
                    let body = t
                        .app
                        .graphql(Some(token), query, json!({ "n": first }))
                        .await;
                    assert_eq!(error_code(&body), None, "{body}");
                    assert_eq!(
                        body["data"][what]["nodes"].as_array().unwrap().len(),
                        first,
                        "{body}"
                    );
                })
                .await;
            costs.push(cost);
        }
        assert_eq!(
            costs[0], costs[1],
            "{what}: statements for {sizes:?} items: {costs:?}"
        );
        assert!(costs[0] <= 12, "{what}: statements per request: {costs:?}");
    }
}

#[tokio::test]
async fn a_list_that_shows_only_cards_answers_as_the_whole_rows_do_in_as_many_statements() {
    let t = town().await;
    let platform = t.app.login_demo("platform-admin@example.jp").await;
    let card = "id kind title summary status startsAt organizer { name } municipality { nameJa }";
    let session_card = "id startsAt endsAt capacity seatsRemaining status registrationOpen registrationOpensAt registrationClosesAt waitlistLength program { title }";
    let cards = format!(
        "query($n: Int!) {{ programs(first: $n) {{ nodes {{ {card} sessions {{ {session_card} }} }} }} }}"
    );
    // The same fields with one field outside the card on each object: whole rows.
    let wholes = format!(
        "query($n: Int!) {{ programs(first: $n) {{ nodes {{ {card} description sessions {{ {session_card} venue }} }} }} }}"
    );
    let read = async |query: &str, first: usize| {
        let body = t
            .app
            .graphql(Some(&platform), query, json!({ "n": first }))
            .await;
        assert_eq!(error_code(&body), None, "{body}");
        body["data"]["programs"]["nodes"].clone()
    };
    let as_cards = read(&cards, 8).await;
    let mut as_wholes = read(&wholes, 8).await;
    let wholes_list = as_wholes.as_array_mut().unwrap();
    assert_eq!(wholes_list.len(), 8);
    for program in wholes_list.iter_mut() {
        let program = program.as_object_mut().unwrap();
        assert!(program.remove("description").unwrap().is_string());
        for session in program["sessions"].as_array_mut().unwrap() {
            session.as_object_mut().unwrap().remove("venue").unwrap();
        }
    }
    assert_eq!(as_cards, as_wholes);
    assert!(
        as_cards
            .as_array()
            .unwrap()
            .iter()
            .any(|program| !program["sessions"].as_array().unwrap().is_empty()),
        "{as_cards}"
    );

    // Fields outside the card are answered wherever they are asked for: through named
    // fragments, inline fragments and edges.
    let single = "query($id: ID!) { node(id: $id) { ... on Program { description feeYen sessions { id venue isOnline childcareSlots cancellationDeadline } } } }";
    let mixed = "query($n: Int!) { programs(first: $n) { edges { node { id ...details } } nodes { title sessions { id ... on ProgramSession { venue isOnline childcareSlots cancellationDeadline } } } } } fragment details on Program { description feeYen }";
    let body = t
        .app
        .graphql(Some(&platform), mixed, json!({ "n": 8 }))
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    let edges = body["data"]["programs"]["edges"].as_array().unwrap();
    let nodes = body["data"]["programs"]["nodes"].as_array().unwrap();
    for (edge, node) in edges.iter().zip(nodes) {
        let whole = t
            .app
            .graphql(Some(&platform), single, json!({ "id": edge["node"]["id"] }))
            .await;
        let whole = &whole["data"]["node"];
        assert_eq!(edge["node"]["description"], whole["description"]);
        assert_eq!(edge["node"]["feeYen"], whole["feeYen"]);
        assert_eq!(node["sessions"], whole["sessions"], "{body}");
    }

    // Cards cost no more statements than whole rows, and as few for any page size.
    let mut costs = Vec::new();
    for (query, first) in [(&cards, 2), (&cards, 8), (&wholes, 8)] {
        costs.push(
            t.app
                .cheapest_statements(3, async || {
                    read(query, first).await;
                })
                .await,
        );
    }
    assert_eq!(costs[0], costs[1], "cards for 2 and 8 items: {costs:?}");
    assert_eq!(costs[1], costs[2], "cards and whole rows: {costs:?}");
}

#[tokio::test]
async fn the_count_of_all_programs_is_the_same_on_every_page_and_costs_no_statement_of_its_own() {
    let t = town().await;
    let platform = t.app.login_demo("platform-admin@example.jp").await;
    let page = "query($after: String) { programs(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }";
    let mut walked = 0;
    let mut counts = Vec::new();
    let mut after = Value::Null;
    let last_cursor = loop {
        let body = t
            .app
            .graphql(Some(&platform), page, json!({ "after": after }))
            .await;
        let programs = &body["data"]["programs"];
        walked += programs["nodes"].as_array().unwrap().len() as u64;
        counts.push(programs["totalCount"].as_u64().unwrap());
        after = programs["pageInfo"]["endCursor"].clone();
        if programs["pageInfo"]["hasNextPage"] != true {
            break after;
        }
    };
    assert!(counts.len() > 2, "{counts:?}");
    assert!(
        counts.iter().all(|&count| count == walked),
        "{counts:?}, walked {walked}"
    );

    // Past the last page the list is empty but the count is still that of all pages.
    let beyond = t
        .app
        .graphql(Some(&platform), page, json!({ "after": last_cursor }))
        .await;
    assert_eq!(beyond["data"]["programs"]["nodes"], json!([]), "{beyond}");
    assert_eq!(beyond["data"]["programs"]["totalCount"], walked, "{beyond}");

    // A filter nothing matches counts none.
    let none = t
        .app
        .graphql(
            None,
            "query($m: ID!) { programs(filter: { municipalityId: $m, statuses: [DRAFT] }) { totalCount nodes { id } } }",
            json!({ "m": t.maebashi }),
        )
        .await;
    assert_eq!(none["data"]["programs"]["totalCount"], 0, "{none}");
    assert_eq!(none["data"]["programs"]["nodes"], json!([]), "{none}");

    // The count rides on the page's own statement.
    let mut costs = Vec::new();
    for query in [
        "{ programs(first: 3) { nodes { id } } }",
        "{ programs(first: 3) { totalCount nodes { id } } }",
    ] {
        costs.push(
            t.app
                .cheapest_statements(3, async || {
                    let body = t.app.graphql(Some(&platform), query, json!({})).await;
                    assert_eq!(error_code(&body), None, "{body}");
                })
                .await,
        );
    }
    assert_eq!(costs[0], costs[1], "without and with totalCount: {costs:?}");
}

// ---------------------------------------------------------------------------------------
// Demo data

#[tokio::test]
async fn the_demo_programs_have_history_over_two_fiscal_years_and_upcoming_full_and_free_sessions()
{
    let t = town().await;
    let admin = t.maebashi_admin;
    let seminar = t
        .app
        .graphql(
            Some(admin),
            r#"query($m: ID!) { programs(filter: { municipalityId: $m, kind: [CAREER_SEMINAR] }) { nodes { id title sessions { startsAt childcareSlots seatsRemaining waitlistLength attendance { attended noShow } } } } }"#,
            json!({ "m": t.maebashi }),
        )
        .await;
    let program = &seminar["data"]["programs"]["nodes"][0];
    assert_eq!(program["title"], "女性活躍推進セミナー");
    let sessions = program["sessions"].as_array().unwrap();
    let now = Utc::now();
    let (past, upcoming): (Vec<&Value>, Vec<&Value>) = sessions.iter().partition(|s| {
        s["startsAt"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap()
            < now
    });
    assert!(
        past.iter()
            .all(|s| s["attendance"]["attended"].as_u64().unwrap() > 0)
    );
    assert!(
        upcoming
            .iter()
            .any(|s| s["seatsRemaining"].as_i64().unwrap() > 0)
    );
    assert!(
        upcoming
            .iter()
            .any(|s| s["seatsRemaining"] == 0 && s["waitlistLength"].as_i64().unwrap() > 0)
    );
    assert!(
        sessions
            .iter()
            .all(|s| s["childcareSlots"].as_i64().unwrap() > 0),
        "託児 at every seminar"
    );

    let this_year = |offset: i32| {
        let date = now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
        use chrono::Datelike;
        (if date.month() >= 4 {
            date.year()
        } else {
            date.year() - 1
        }) + offset
    };
    for year in [this_year(0), this_year(-1)] {
        let body = t
            .app
            .graphql(
                Some(t.admin),
                "query($m: ID!, $y: Int) { programSurveySummary(municipalityId: $m, kind: EDUCATION_WORKSHOP, fiscalYear: $y) { responses meanScore satisfiedShare } }",
                json!({ "m": t.manazuru, "y": year }),
            )
            .await;
        let summary = &body["data"]["programSurveySummary"];
        assert!(
            summary["responses"].as_u64().unwrap() > 0,
            "FY{year}: {body}"
        );
        let mean = summary["meanScore"].as_f64().unwrap();
        assert!((1.0..=5.0).contains(&mean), "{summary}");
    }
    let other_town = t
        .app
        .graphql(
            Some(admin),
            "query($m: ID!) { programSurveySummary(municipalityId: $m) { responses } }",
            json!({ "m": t.manazuru }),
        )
        .await;
    assert_eq!(error_code(&other_town), Some("FORBIDDEN"));

    // Loading the demo data again adds nothing.
    let count = async || {
        t.app
            .graphql(
                Some(admin),
                "{ programs(first: 100) { totalCount } }",
                json!({}),
            )
            .await["data"]["programs"]["totalCount"]
            .as_u64()
            .unwrap()
    };
    let before = count().await;
    let db = tsunagu::db::connect(&t.app.database_url).await.unwrap();
    tsunagu::app::demo::load(&db).await.unwrap();
    assert_eq!(count().await, before);
}

#[tokio::test]
async fn staff_change_a_session_and_added_places_are_offered_to_the_waitlist() {
    let t = town().await;
    let program = t.program(t.staff, "増席する講座", json!({})).await;
    let session = t.session(t.staff, &program, 2, 0).await;
    t.register(
        None,
        json!({ "sessionId": session, "adults": 2, "guest": guest(1) }),
    )
    .await;
    let waiting = t
        .register(
            None,
            json!({ "sessionId": session, "adults": 2, "guest": guest(2) }),
        )
        .await;
    assert_eq!(waiting["registration"]["status"], "WAITLISTED");

    let shrink = t
        .refused(
            Some(t.staff),
            "updateProgramSession",
            json!({ "id": session, "capacity": 1 }),
        )
        .await;
    assert_eq!(shrink[0].0, "INVALID");
    assert!(shrink[0].1.contains("2人"), "{shrink:?}");
    assert_eq!(
        t.denied(
            Some(t.maebashi_staff),
            "updateProgramSession",
            json!({ "id": session, "capacity": 10 })
        )
        .await,
        "FORBIDDEN"
    );
    let grown = t
        .ok(
            Some(t.staff),
            "updateProgramSession",
            json!({ "id": session, "capacity": 4, "venue": "美術館 講堂" }),
            "session { capacity seatsRemaining venue waitlistLength }",
        )
        .await;
    assert_eq!(
        grown["session"],
        json!({ "capacity": 4, "seatsRemaining": 0, "venue": "美術館 講堂", "waitlistLength": 0 })
    );
    let token = waiting["manageToken"].as_str().unwrap();
    let offered = t
        .app
        .graphql(
            None,
            "query($t: String!) { registrationByManageToken(manageToken: $t) { status } }",
            json!({ "t": token }),
        )
        .await;
    assert_eq!(
        offered["data"]["registrationByManageToken"]["status"],
        "OFFERED"
    );
}

#[tokio::test]
async fn calls_with_a_manage_token_are_rate_limited_per_client() {
    let app = spawn_app_with(|limits| limits.public_rate_per_minute = 3).await;
    let t = town_with(app).await;
    let program = t.program(t.staff, "トークンの講座", json!({})).await;
    let session = t.session(t.staff, &program, 5, 0).await;
    let registered = t
        .register(None, json!({ "sessionId": session, "guest": guest(1) }))
        .await;
    let token = registered["manageToken"].as_str().unwrap();
    for _ in 0..3 {
        let codes = t
            .refused(None, "acceptWaitlistOffer", json!({ "manageToken": token }))
            .await;
        assert_eq!(codes[0].0, "INVALID_STATE");
    }
    assert_eq!(
        t.denied(None, "cancelRegistration", json!({ "manageToken": token }))
            .await,
        "RATE_LIMITED"
    );
}

#[tokio::test]
async fn a_published_program_has_an_icalendar_feed_of_its_sessions_without_online_links() {
    let t = town().await;
    let program = t
        .program(t.staff, "カレンダーで見る講座, 全3回", json!({}))
        .await;
    let payload = t
        .ok(
            Some(t.staff),
            "createProgramSessions",
            json!({
                "programId": program,
                "startsAt": "2030-06-01T01:00:00Z",
                "endsAt": "2030-06-01T03:00:00Z",
                "onlineUrl": "https://meet.example.jp/hidden",
                "capacity": 10,
                "repeat": { "frequency": "WEEKLY", "count": 3 },
            }),
            "sessions { id }",
        )
        .await;
    let last = payload["sessions"][2]["id"].as_str().unwrap().to_owned();
    t.ok(
        Some(t.staff),
        "cancelProgramSession",
        json!({ "id": last, "reason": "講師の都合" }),
        "session { id }",
    )
    .await;
    let response = t
        .app
        .request(
            reqwest::Method::GET,
            &format!("/calendar/programs/{program}.ics"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let body = response.text().await.unwrap();
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n"), "{body}");
    assert_eq!(body.matches("BEGIN:VEVENT").count(), 3);
    assert!(body.contains("DTSTART:20300601T010000Z"));
    assert!(body.contains("DTSTART:20300608T010000Z"));
    assert!(body.contains("SUMMARY:カレンダーで見る講座\\, 全3回"));
    assert_eq!(body.matches("STATUS:CANCELLED").count(), 1);
    assert!(
        !body.contains("hidden"),
        "the online link is for confirmed registrants"
    );

    let draft = t
        .ok(
            Some(t.staff),
            "createProgram",
            json!({ "kind": "OTHER", "title": "下書き", "summary": "s", "description": "d" }),
            "program { id }",
        )
        .await;
    for path in [
        format!(
            "/calendar/programs/{}.ics",
            draft["program"]["id"].as_str().unwrap()
        ),
        "/calendar/programs/not-an-id.ics".to_owned(),
        format!("/calendar/programs/{program}"),
    ] {
        let response = t
            .app
            .request(reqwest::Method::GET, &path)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn staff_register_a_walk_in_guest_and_anyone_else_signed_in_registers_themselves() {
    let t = town().await;
    let program = t.program(t.staff, "当日受付のある講座", json!({})).await;
    let session = t.session(t.staff, &program, 5, 0).await;

    // At the door: the organizer's staff register a guest, who gets the manage token.
    let walk_in = t
        .register(
            Some(t.staff),
            json!({ "sessionId": session, "guest": guest(1) }),
        )
        .await;
    assert_eq!(walk_in["registration"]["status"], "CONFIRMED");
    assert!(walk_in["manageToken"].is_string(), "{walk_in}");
    let id = walk_in["registration"]["id"].as_str().unwrap().to_owned();
    let seen = t
        .node(
            Some(t.staff),
            &id,
            "registrant { guest name email } history { toStatus changedByStaff }",
        )
        .await;
    assert_eq!(seen["registrant"]["guest"], true, "{seen}");
    assert_eq!(seen["registrant"]["name"], "申込 花子1");
    assert_eq!(
        seen["history"],
        json!([{ "toStatus": "CONFIRMED", "changedByStaff": true }]),
        "a registration made by staff says so"
    );
    // The staff member is not registered themselves.
    let mine = t
        .app
        .graphql(
            Some(t.staff),
            "{ myRegistrations(first: 10) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["data"]["myRegistrations"]["totalCount"], 0, "{mine}");

    // A signed-in resident giving a guest's details is told so, and nothing is registered.
    let refused = t
        .refused(
            Some(t.resident),
            "registerForSession",
            json!({ "sessionId": session, "guest": guest(2) }),
        )
        .await;
    assert_eq!(refused[0].0, "NOT_ALLOWED");
    assert_eq!(t.session_state(None, &session).await["seatsRemaining"], 4);
}

#[tokio::test]
async fn a_session_in_year_9999_is_refused_like_every_date_outside_the_accepted_years() {
    let t = town().await;
    let program = t.program(t.staff, "遠い未来の講座", json!({})).await;
    let far = t
        .refused(
            Some(t.staff),
            "createProgramSessions",
            json!({
                "programId": program,
                "startsAt": "9999-06-01T01:00:00Z",
                "endsAt": "9999-06-01T03:00:00Z",
                "venue": "展示室",
                "capacity": 10,
            }),
        )
        .await;
    assert!(far.iter().all(|(code, _)| code == "INVALID"), "{far:?}");
    assert!(
        far.iter()
            .any(|(_, message)| message.starts_with("日付は2000年4月1日から")),
        "{far:?}"
    );
}

#[tokio::test]
async fn a_refused_field_is_named_by_its_path_in_the_input() {
    let t = town().await;
    let program = t.program(t.staff, "入力の確認", json!({})).await;
    let session = t.session(t.staff, &program, 5, 0).await;
    let mut bad = guest(1);
    bad["nameKana"] = json!("Hanako");
    let body = t
        .call(
            None,
            "registerForSession",
            json!({ "sessionId": session, "guest": bad }),
            "__typename",
        )
        .await;
    assert_eq!(
        body["data"]["registerForSession"]["userErrors"][0]["field"],
        json!(["input", "guest", "nameKana"]),
        "{body}"
    );
}

#[tokio::test]
async fn the_program_filter_answers_alike_under_its_plural_names_and_its_former_ones() {
    let app = crate::helpers::spawn_app().await;
    let token = app.login_demo("manazuru-admin@example.jp").await;
    for (names, value) in [
        (("kinds", "kind"), json!(["EDUCATION_WORKSHOP"])),
        (("categories", "category"), json!(["ART"])),
        (("audiences", "audience"), json!(["WOMEN"])),
        (("statuses", "status"), json!(["DRAFT", "CANCELLED"])),
    ] {
        app.assert_former_name_filters_alike(
            Some(&token),
            "programs",
            "ProgramFilter",
            names,
            value,
        )
        .await;
    }
    // Every demo program has room, so here the two names can only be shown to agree; the
    // session filter below shows them narrowing.
    let count = async |filter: Value| {
        app.count_filtered(Some(&token), "programs", "ProgramFilter", filter)
            .await
    };
    let by_name = count(json!({ "hasFreePlaces": true })).await;
    assert_eq!(count(json!({ "hasFreeSeats": true })).await, by_name);
    assert_eq!(
        count(json!({ "hasFreePlaces": false, "hasFreeSeats": true })).await,
        by_name
    );
}

#[tokio::test]
async fn the_session_filter_answers_alike_under_its_plural_names_and_its_former_ones() {
    let app = crate::helpers::spawn_app().await;
    let token = app.login_demo("manazuru-admin@example.jp").await;
    for (names, value) in [
        (("kinds", "kind"), json!(["EDUCATION_WORKSHOP"])),
        (("categories", "category"), json!(["ART"])),
        (("audiences", "audience"), json!(["WOMEN"])),
        (("hasFreePlaces", "hasFreeSeats"), json!(true)),
    ] {
        app.assert_former_name_filters_alike(
            Some(&token),
            "programSessions",
            "ProgramSessionFilter",
            names,
            value,
        )
        .await;
    }
}

#[tokio::test]
async fn upcoming_sessions_are_those_not_started_and_not_cancelled_and_the_full_list_keeps_the_rest()
 {
    let t = town().await;
    let program = t.program(t.staff, "磯の生き物観察会", json!({})).await;
    let kept = t.session(t.staff, &program, 10, 0).await;
    let cancelled = t.session(t.staff, &program, 10, 0).await;
    t.ok(
        Some(t.staff),
        "cancelProgramSession",
        json!({ "id": cancelled, "reason": "高潮のため中止します。" }),
        "session { id }",
    )
    .await;

    // Both lists of every programme in one request: the loader reads them in one batch.
    let body = t
        .app
        .graphql(
            None,
            "{ programs(first: 100) { nodes { id all: sessions { id startsAt status } upcoming: sessions(upcomingOnly: true) { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    let now = Utc::now();
    let mut with_history = 0;
    for node in body["data"]["programs"]["nodes"].as_array().unwrap() {
        let all = node["all"].as_array().unwrap();
        let expected: Vec<&Value> = all
            .iter()
            .filter(|session| {
                let starts: DateTime<Utc> = session["startsAt"].as_str().unwrap().parse().unwrap();
                starts > now && session["status"] == "SCHEDULED"
            })
            .map(|session| &session["id"])
            .collect();
        let upcoming: Vec<&Value> = node["upcoming"]
            .as_array()
            .unwrap()
            .iter()
            .map(|session| &session["id"])
            .collect();
        assert_eq!(upcoming, expected, "{node}");
        if upcoming.len() < all.len() {
            with_history += 1;
        }
        if node["id"] == program.as_str() {
            assert_eq!(all.len(), 2, "{node}");
            assert_eq!(upcoming, [&json!(kept)], "{node}");
        }
    }
    // The demo's programmes have sessions that took place; the filter left them out.
    assert!(with_history >= 2, "{body}");
}

//! Childcare: the resource directory with opening hours and distances, the visit log and
//! its KPI, temporary childcare bookings with every rule, and who may see and edit what.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use futures_util::future::join_all;
use sea_orm::{ColumnTrait, Database, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app_with, user_error_codes};

const RESOURCE: &str = "id kind name nameKana published distanceMetres address { postalCode prefectureCode prefecture city street } phone languages eligibility { expectantParents residentsOnly childAgeRange { minMonths maxMonths } }";
const BOOKING: &str = "id status date minutes childCount groupId children { ageMonths child { id name nameKana birthDate } }";

/// The demo municipalities with the accounts that matter here. Kitakyushu has no demo
/// childcare data, so its figures are known exactly.
pub(crate) struct Town {
    pub(crate) app: TestApp,
    kitakyushu: String,
    maebashi: String,
    /// 北九州市 admin.
    pub(crate) admin: &'static str,
    /// Program staff of 北九州市子育て支援課 (a childcare provider).
    pub(crate) staff: &'static str,
    pub(crate) resident: &'static str,
    concierge: &'static str,
    pub(crate) maebashi_admin: &'static str,
    /// Program staff of 前橋市子育てひろば 親子元気ルーム.
    pub(crate) maebashi_childcare: &'static str,
    /// Program staff of 前橋市女性就職支援センター (not a childcare provider).
    maebashi_staff: &'static str,
    pub(crate) maebashi_resident: &'static str,
}

async fn town() -> Town {
    town_with(|_| {}).await
}

/// The town on a server with `configure` applied to its limits.
pub(crate) async fn town_with(configure: impl FnOnce(&mut tsunagu::config::Limits)) -> Town {
    let app = spawn_app_with(|limits| {
        limits.public_rate_per_minute = 1000;
        configure(limits);
    })
    .await;
    let kitakyushu = app.municipality_id("40100").await;
    let maebashi = app.municipality_id("10201").await;
    let login = async |email: &str| -> &'static str { &*app.login_demo(email).await.leak() };
    Town {
        admin: login("kitakyushu-admin@example.jp").await,
        staff: login("kitakyushu-staff@example.jp").await,
        resident: login("kitakyushu-resident@example.jp").await,
        concierge: login("kitakyushu-concierge@example.jp").await,
        maebashi_admin: login("maebashi-admin@example.jp").await,
        maebashi_childcare: childcare_staff(&app, login("maebashi-admin@example.jp").await).await,
        maebashi_staff: login("maebashi-staff@example.jp").await,
        maebashi_resident: login("maebashi-resident@example.jp").await,
        app,
        kitakyushu,
        maebashi,
    }
}

/// A program-staff account of 前橋市子育てひろば 親子元気ルーム, made by the town's admin.
async fn childcare_staff(app: &TestApp, admin: &str) -> &'static str {
    let orgs = app
        .graphql(
            None,
            "{ municipality(jisCode: \"10201\") { organizations(first: 20) { nodes { id name } } } }",
            json!({}),
        )
        .await;
    let organization = orgs["data"]["municipality"]["organizations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == json!("前橋市子育てひろば 親子元気ルーム"))
        .unwrap()["id"]
        .clone();
    let body = app
        .graphql(
            Some(admin),
            "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } userErrors { code } } }",
            json!({ "input": {
                "email": "hiroba-staff@example.jp",
                "password": "oyako-genki-room-2026",
                "displayName": "元気 ひろみ",
                "displayNameKana": "げんき ひろみ",
                "role": "PROGRAM_STAFF",
                "organizationId": organization,
            } }),
        )
        .await;
    assert!(
        body["data"]["createUser"]["user"]["id"].is_string(),
        "{body}"
    );
    &*app
        .login("hiroba-staff@example.jp", "oyako-genki-room-2026")
        .await
        .leak()
}

pub(crate) fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(9)).date_naive()
}

pub(crate) fn uuid_of(id: &str) -> uuid::Uuid {
    tsunagu::graphql::ids::decode(&id.to_owned().into())
        .unwrap()
        .expect("an id of ours")
        .1
}

impl Town {
    pub(crate) async fn call(
        &self,
        token: Option<&str>,
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

    /// The codes of a refused mutation's user errors (each message in Japanese).
    pub(crate) async fn refused(
        &self,
        token: Option<&str>,
        mutation: &str,
        input: Value,
    ) -> Vec<String> {
        let body = self.call(token, mutation, input, "__typename").await;
        assert_eq!(error_code(&body), None, "{mutation}: {body}");
        let errors = body["data"][mutation]["userErrors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!errors.is_empty(), "{mutation} was accepted: {body}");
        for error in &errors {
            assert!(
                !error["message"].as_str().unwrap().is_ascii(),
                "Japanese: {error}"
            );
        }
        errors
            .iter()
            .map(|e| e["code"].as_str().unwrap().to_owned())
            .collect()
    }

    pub(crate) async fn denied(&self, token: Option<&str>, mutation: &str, input: Value) -> String {
        let body = self.call(token, mutation, input, "__typename").await;
        assert!(body["data"][mutation].is_null(), "{mutation}: {body}");
        error_code(&body)
            .unwrap_or_else(|| panic!("{mutation}: {body}"))
            .to_owned()
    }

    pub(crate) async fn query(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.app.graphql(token, query, variables).await;
        assert_eq!(error_code(&body), None, "{body}");
        body["data"].clone()
    }

    pub(crate) async fn node(&self, token: Option<&str>, id: &str, selection: &str) -> Value {
        let (type_name, _) = tsunagu::graphql::ids::decode(&id.to_owned().into())
            .unwrap()
            .expect("an id of ours");
        let query = format!(
            "query($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ {selection} }} }} }}"
        );
        self.query(token, &query, json!({ "id": id })).await["node"].clone()
    }

    /// A published resource of 北九州市子育て支援課 (created by its staff) with `extra`.
    async fn resource(&self, name: &str, extra: Value) -> String {
        let mut input = json!({
            "kind": "PLAZA",
            "name": name,
            "nameKana": "きたきゅうしゅう ひろば",
            "description": "親子で遊べるひろばです。",
            "address": { "postalCode": "803-8501", "prefectureCode": 40, "city": "北九州市", "street": "小倉北区城内1番1号" },
            "location": { "latitude": 33.8834, "longitude": 130.8752 },
            "publish": true,
        });
        for (key, value) in extra.as_object().unwrap() {
            input[key] = value.clone();
        }
        let payload = self
            .ok(
                Some(self.staff),
                "createChildcareResource",
                input,
                "resource { id }",
            )
            .await;
        payload["resource"]["id"].as_str().unwrap().to_owned()
    }

    async fn hours(&self, resource: &str, hours: Value) {
        self.ok(
            Some(self.staff),
            "setChildcareOpeningHours",
            json!({ "resourceId": resource, "hours": hours }),
            "resource { id }",
        )
        .await;
    }

    async fn is_open_at(&self, resource: &str, time: &str) -> bool {
        let data = self
            .query(
                None,
                "query($id: ID!, $t: DateTime!) { node(id: $id) { ... on ChildcareResource { isOpenAt(time: $t) } } }",
                json!({ "id": resource, "t": time }),
            )
            .await;
        data["node"]["isOpenAt"].as_bool().unwrap()
    }

    /// A temporary childcare resource with booking rules.
    pub(crate) async fn childcare(&self, rules: Value) -> String {
        let resource = self
            .resource(
                "小倉 一時保育室",
                json!({ "kind": "TEMPORARY_CHILDCARE", "nameKana": "こくら いちじほいくしつ", "residentsOnly": true }),
            )
            .await;
        let mut input = json!({
            "resourceId": resource,
            "opensDaysBefore": 14,
            "monthlyLimitHours": 40,
            "minAgeMonths": 6,
            "maxAgeMonths": 72,
            "cancelDeadlineHours": 24,
            "noShowLimit": 2,
            "noShowWindowDays": 30,
            "restrictionDays": 30,
        });
        for (key, value) in rules.as_object().unwrap() {
            input[key] = value.clone();
        }
        self.ok(
            Some(self.staff),
            "setChildcareBookingRules",
            input,
            "rules { opensDaysBefore }",
        )
        .await;
        resource
    }

    /// Slots on each of `dates` from 9:00 to 16:00 (7 hours), by date.
    pub(crate) async fn slots(
        &self,
        resource: &str,
        dates: &[NaiveDate],
        capacity: i32,
    ) -> Vec<String> {
        let mut ids = Vec::new();
        for date in dates {
            let payload = self
                .ok(
                    Some(self.staff),
                    "createChildcareSlots",
                    json!({ "resourceId": resource, "from": date.to_string(), "startTime": "09:00", "endTime": "16:00", "capacity": capacity }),
                    "slots { id }",
                )
                .await;
            ids.push(payload["slots"][0]["id"].as_str().unwrap().to_owned());
        }
        ids
    }

    pub(crate) async fn book(&self, token: &str, slots: &[&str], children: Value) -> Value {
        let input = json!({ "slotIds": slots, "children": children });
        self.call(
            Some(token),
            "bookTemporaryChildcare",
            input,
            &format!("bookings {{ {BOOKING} }}"),
        )
        .await
    }

    pub(crate) async fn places_remaining(&self, slot: &str) -> i64 {
        self.node(None, slot, "placesRemaining").await["placesRemaining"]
            .as_i64()
            .unwrap()
    }
}

pub(crate) fn child(name: &str, months: i64) -> Value {
    let birth = today() - Duration::days(months * 31);
    json!({ "name": name, "nameKana": "こども", "birthDate": birth.to_string() })
}

/// Two dates in the same month within the next 13 days (booking opens 14 days ahead).
pub(crate) fn same_month_dates() -> (NaiveDate, NaiveDate) {
    let days: Vec<NaiveDate> = (1..=13).map(|d| today() + Duration::days(d)).collect();
    for (i, a) in days.iter().enumerate() {
        if let Some(b) = days[i + 1..].iter().find(|b| b.month() == a.month()) {
            return (*a, *b);
        }
    }
    unreachable!("13 days always hold two days of one month")
}

/// Moves a slot and its bookings to start at `starts_at` (for seven hours) directly in the
/// database, as the clock would.
pub(crate) async fn move_slot(app: &TestApp, slot: &str, starts_at: DateTime<Utc>) {
    use entity::{childcare_booking, childcare_slot};
    let date = (starts_at + Duration::hours(9)).date_naive();
    let db = Database::connect(&app.database_url).await.unwrap();
    childcare_slot::Entity::update_many()
        .col_expr(childcare_slot::Column::StartsAt, Expr::value(starts_at))
        .col_expr(
            childcare_slot::Column::EndsAt,
            Expr::value(starts_at + Duration::hours(7)),
        )
        .col_expr(childcare_slot::Column::Date, Expr::value(date))
        .filter(childcare_slot::Column::Id.eq(uuid_of(slot)))
        .exec(&db)
        .await
        .unwrap();
    childcare_booking::Entity::update_many()
        .col_expr(childcare_booking::Column::StartsAt, Expr::value(starts_at))
        .col_expr(childcare_booking::Column::Date, Expr::value(date))
        .filter(childcare_booking::Column::SlotId.eq(uuid_of(slot)))
        .exec(&db)
        .await
        .unwrap();
    db.close().await.ok();
}

/// A new resident of 北九州市, signed in.
pub(crate) async fn sign_up(app: &TestApp, n: usize) -> &'static str {
    let body = app
        .graphql(
            None,
            "mutation($input: SignUpInput!) { signUp(input: $input) { session { token } userErrors { code } } }",
            json!({ "input": {
                "municipalityCode": "40100",
                "email": format!("guardian{n}@example.jp"),
                "password": "kosodate-2026-guardian",
                "displayName": format!("保護者 {n}"),
                "displayNameKana": "ほごしゃ",
            } }),
        )
        .await;
    let token = body["data"]["signUp"]["session"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("sign up failed: {body}"))
        .to_owned();
    &*token.leak()
}

pub(crate) fn codes(body: &Value, mutation: &str) -> Vec<String> {
    assert_eq!(error_code(body), None, "{body}");
    user_error_codes(&body["data"][mutation])
}

fn names(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {connection}"))
        .iter()
        .map(|node| node["name"].as_str().unwrap().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Hours

#[tokio::test]
async fn opening_hours_answer_by_date_with_exceptions_and_open_at_is_read_in_tokyo() {
    let t = town().await;
    let resource = t.resource("夜間ひろば", json!({})).await;
    // Mondays 00:00–02:00 and 9:30–16:30, Tuesdays 9:30–16:30; closed otherwise.
    t.hours(
        &resource,
        json!([
            { "weekday": "MONDAY", "opens": "09:30", "closes": "16:30" },
            { "weekday": "MONDAY", "opens": "00:00", "closes": "02:00" },
            { "weekday": "TUESDAY", "opens": "０９：３０", "closes": "16:30" },
        ]),
    )
    .await;
    // 2027-01-10 is a Sunday, 2027-01-11 a Monday.
    assert!(
        t.is_open_at(&resource, "2027-01-10T15:30:00Z").await,
        "Sunday 15:30 UTC is Monday 00:30 in Tokyo"
    );
    assert!(
        !t.is_open_at(&resource, "2027-01-10T17:30:00Z").await,
        "Monday 02:30 JST"
    );
    assert!(
        !t.is_open_at(&resource, "2027-01-11T00:29:00Z").await,
        "Monday 09:29 JST"
    );
    assert!(
        t.is_open_at(&resource, "2027-01-11T00:30:00Z").await,
        "Monday 09:30 JST"
    );
    assert!(
        !t.is_open_at(&resource, "2027-01-11T07:30:00Z").await,
        "closes at 16:30"
    );
    assert!(
        !t.is_open_at(&resource, "2027-01-11T23:30:00Z").await,
        "Monday 23:30 UTC is Tuesday 08:30 in Tokyo"
    );
    assert!(
        t.is_open_at(&resource, "2027-01-12T01:00:00Z").await,
        "Tuesday 10:00 JST"
    );

    let week = t
        .node(
            None,
            &resource,
            "weeklyHours { weekday intervals { opens closes } }",
        )
        .await;
    assert_eq!(
        week["weeklyHours"][0],
        json!({ "weekday": "MONDAY", "intervals": [{ "opens": "00:00", "closes": "02:00" }, { "opens": "09:30", "closes": "16:30" }] })
    );
    assert_eq!(
        week["weeklyHours"][2]["intervals"],
        json!([]),
        "Wednesday closed"
    );

    // A closed day replaces the Monday hours; a special day opens a Sunday.
    t.ok(
        Some(t.staff),
        "setChildcareHoursException",
        json!({ "resourceId": resource, "date": "2027-01-11", "closed": true, "note": "成人の日" }),
        "resource { id }",
    )
    .await;
    t.ok(
        Some(t.admin),
        "setChildcareHoursException",
        json!({ "resourceId": resource, "date": "2027-01-17", "intervals": [{ "opens": "10:00", "closes": "12:00" }] }),
        "resource { id }",
    )
    .await;
    assert!(
        !t.is_open_at(&resource, "2027-01-11T01:00:00Z").await,
        "holiday"
    );
    assert!(
        !t.is_open_at(&resource, "2027-01-10T15:30:00Z").await,
        "holiday's night too"
    );
    assert!(
        t.is_open_at(&resource, "2027-01-17T01:30:00Z").await,
        "special Sunday"
    );
    let day = t
        .query(
            None,
            "query($id: ID!) { node(id: $id) { ... on ChildcareResource { holiday: openingHoursOn(date: \"2027-01-11\") { weekday closed exception note intervals { opens } } monday: openingHoursOn(date: \"2027-01-18\") { closed exception intervals { opens closes } } hoursExceptions(from: \"2027-01-01\") { date closed } } } }",
            json!({ "id": resource }),
        )
        .await;
    let node = &day["node"];
    assert_eq!(
        node["holiday"],
        json!({ "weekday": "MONDAY", "closed": true, "exception": true, "note": "成人の日", "intervals": [] })
    );
    assert_eq!(node["monday"]["exception"], json!(false));
    assert_eq!(node["monday"]["intervals"].as_array().unwrap().len(), 2);
    assert_eq!(
        node["hoursExceptions"],
        json!([{ "date": "2027-01-11", "closed": true }, { "date": "2027-01-17", "closed": false }])
    );

    // The open-at filter of the directory agrees.
    let listed = |at: &'static str| {
        let t = &t;
        async move {
            let data = t
                .query(
                    None,
                    "query($m: ID!, $at: DateTime!) { childcareResources(filter: { municipalityId: $m, openAt: $at }) { nodes { name } } }",
                    json!({ "m": t.kitakyushu, "at": at }),
                )
                .await;
            names(&data["childcareResources"])
        }
    };
    assert_eq!(listed("2027-01-17T01:30:00Z").await, ["夜間ひろば"]);
    assert!(listed("2027-01-11T01:00:00Z").await.is_empty());

    // Removing the exception brings the Monday back.
    t.ok(
        Some(t.staff),
        "removeChildcareHoursException",
        json!({ "resourceId": resource, "date": "2027-01-11" }),
        "resource { id }",
    )
    .await;
    assert!(t.is_open_at(&resource, "2027-01-11T01:00:00Z").await);
    let codes = t
        .refused(
            Some(t.staff),
            "removeChildcareHoursException",
            json!({ "resourceId": resource, "date": "2027-01-11" }),
        )
        .await;
    assert_eq!(codes, ["NOT_FOUND"]);
}

#[tokio::test]
async fn hours_that_overlap_close_before_they_open_or_contradict_closed_are_refused() {
    let t = town().await;
    let resource = t.resource("時間帯確認ひろば", json!({})).await;
    let set = |hours: Value| {
        t.refused(
            Some(t.staff),
            "setChildcareOpeningHours",
            json!({ "resourceId": resource, "hours": hours }),
        )
    };
    assert_eq!(
        set(json!([{ "weekday": "MONDAY", "opens": "09:00", "closes": "12:00" }, { "weekday": "MONDAY", "opens": "11:00", "closes": "15:00" }])).await,
        ["INVALID"]
    );
    assert_eq!(
        set(json!([{ "weekday": "FRIDAY", "opens": "16:00", "closes": "09:00" }])).await,
        ["INVALID"]
    );
    // The error names the input's own field, `hours`.
    let body = t
        .app
        .graphql(
            Some(t.staff),
            "mutation($input: SetChildcareOpeningHoursInput!) { setChildcareOpeningHours(input: $input) { userErrors { field } } }",
            json!({ "input": { "resourceId": resource, "hours": [{ "weekday": "FRIDAY", "opens": "16:00", "closes": "09:00" }] } }),
        )
        .await;
    assert_eq!(
        body["data"]["setChildcareOpeningHours"]["userErrors"][0]["field"][1], "hours",
        "{body}"
    );
    assert_eq!(
        set(json!([{ "weekday": "FRIDAY", "opens": "9時", "closes": "25:00" }])).await,
        ["INVALID", "INVALID"]
    );
    let codes = t
        .refused(
            Some(t.staff),
            "setChildcareHoursException",
            json!({ "resourceId": resource, "date": "2027-02-01", "closed": true, "intervals": [{ "opens": "10:00", "closes": "11:00" }] }),
        )
        .await;
    assert_eq!(codes, ["INVALID"]);
    let week = t
        .node(
            None,
            &resource,
            "weeklyHours { intervals { opens } } hoursExceptions { date }",
        )
        .await;
    assert!(
        week["weeklyHours"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["intervals"] == json!([])),
        "nothing changed"
    );
    assert_eq!(week["hoursExceptions"], json!([]));
}

// ---------------------------------------------------------------------------------------
// Directory

#[tokio::test]
async fn resources_are_listed_nearest_first_with_their_distance_and_filtered_by_kind_and_age() {
    let t = town().await;
    const LIST: &str = "query($f: ChildcareResourceFilter, $o: ChildcareResourceOrder, $first: Int, $after: String) { childcareResources(filter: $f, orderBy: $o, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { name distanceMetres kind } } }";
    // From 元気保育園 (36.4027, 139.0568): its three services, then 親子元気ルーム (≈1.9 km),
    // then プレイルーム (≈2.9 km).
    let near = json!({ "municipalityId": t.maebashi, "near": { "latitude": 36.4027, "longitude": 139.0568 } });
    let data = t
        .query(
            None,
            LIST,
            json!({ "f": near, "o": { "field": "DISTANCE" } }),
        )
        .await;
    let nodes = data["childcareResources"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    let listed: Vec<(&str, f64)> = nodes
        .iter()
        .map(|n| {
            (
                n["name"].as_str().unwrap(),
                n["distanceMetres"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed.len(), 5, "{listed:?}");
    assert!(
        listed.windows(2).all(|w| w[0].1 <= w[1].1),
        "nearest first: {listed:?}"
    );
    assert!(
        listed[..3]
            .iter()
            .all(|(name, d)| name.starts_with("元気保育園") && *d < 1.0)
    );
    assert_eq!(listed[3].0, "親子元気ルーム");
    assert!((1_500.0..2_300.0).contains(&listed[3].1), "{listed:?}");
    assert_eq!(listed[4].0, "プレイルーム");
    assert!((2_500.0..3_300.0).contains(&listed[4].1), "{listed:?}");

    // Pages follow on from their cursor.
    let first = t
        .query(
            None,
            LIST,
            json!({ "f": near, "o": { "field": "DISTANCE" }, "first": 3 }),
        )
        .await;
    let page = &first["childcareResources"];
    assert_eq!(page["totalCount"], json!(5));
    assert_eq!(page["pageInfo"]["hasNextPage"], json!(true));
    let second = t
        .query(None, LIST, json!({ "f": near, "o": { "field": "DISTANCE" }, "first": 3, "after": page["pageInfo"]["endCursor"] }))
        .await;
    assert_eq!(
        names(&second["childcareResources"]),
        ["親子元気ルーム", "プレイルーム"]
    );

    // Within 2.5 km, plazas only, by name; no distance without a point.
    let data = t
        .query(None, LIST, json!({ "f": { "municipalityId": t.maebashi, "kind": ["PLAZA"], "near": near["near"], "withinMetres": 2500.0 } }))
        .await;
    assert_eq!(names(&data["childcareResources"]), ["親子元気ルーム"]);
    let data = t
        .query(
            None,
            LIST,
            json!({ "f": { "municipalityId": t.maebashi, "kind": ["PLAZA"] } }),
        )
        .await;
    assert_eq!(
        names(&data["childcareResources"]),
        ["親子元気ルーム", "プレイルーム"],
        "五十音順"
    );
    assert!(data["childcareResources"]["nodes"][0]["distanceMetres"].is_null());

    // A 4-year-old (48 months): not the 0–36 month services; おむつ替え体験 has no limit.
    let data = t
        .query(
            None,
            LIST,
            json!({ "f": { "municipalityId": t.maebashi, "childAgeMonths": 48 } }),
        )
        .await;
    let mut found = names(&data["childcareResources"]);
    found.sort();
    assert_eq!(
        found,
        [
            "プレイルーム",
            "元気保育園 おむつ替え体験",
            "親子元気ルーム"
        ]
    );
    let data = t.query(None, LIST, json!({ "f": { "municipalityId": t.maebashi, "expectantParents": true, "kind": ["NURSERY_EXPERIENCE"] } })).await;
    assert_eq!(data["childcareResources"]["totalCount"], json!(3));

    let body = t
        .app
        .graphql(None, LIST, json!({ "o": { "field": "DISTANCE" } }))
        .await;
    assert_eq!(
        error_code(&body),
        Some("BAD_USER_INPUT"),
        "distance needs a point"
    );
}

#[tokio::test]
async fn listing_resources_with_their_hours_costs_the_same_statements_for_any_page_size() {
    let t = town().await;
    const LIST: &str = "query($first: Int) { childcareResources(first: $first) { nodes { name isOpenNow weeklyHours { weekday } bookingRules { opensDaysBefore } provider { name } municipality { nameJa } slots { placesRemaining } } } }";
    for n in 0..6 {
        t.resource(&format!("計測ひろば{n}"), json!({})).await;
    }
    let statements = async |first: i32| {
        let before = t.app.statements_run().await;
        t.query(None, LIST, json!({ "first": first })).await;
        t.app.statements_run().await - before
    };
    let small = statements(1).await;
    let large = statements(50).await;
    assert_eq!(
        small, large,
        "statements per request do not grow with the page"
    );
}

#[tokio::test]
async fn resource_input_is_checked_field_by_field_and_normalized() {
    let t = town().await;
    let input = json!({
        "kind": "CONSULTATION",
        "name": "  ",
        "nameKana": "相談",
        "description": "子育ての相談に応じます。",
        "address": { "postalCode": "8038501", "prefectureCode": 48, "city": "北九州市", "street": "小倉北区" },
        "location": { "latitude": 91.0, "longitude": 130.9 },
        "phone": "123",
        "url": "ftp://example.jp",
        "childAgeRange": { "minMonths": 36, "maxMonths": 12 },
        "languages": ["Japanese"],
    });
    let body = t
        .call(
            Some(t.staff),
            "createChildcareResource",
            input,
            "resource { id }",
        )
        .await;
    let errors = body["data"]["createChildcareResource"]["userErrors"]
        .as_array()
        .unwrap()
        .clone();
    // Each error names its input field by its path in the input.
    let fields: Vec<String> = errors
        .iter()
        .map(|e| {
            let path: Vec<&str> = e["field"]
                .as_array()
                .unwrap()
                .iter()
                .map(|name| name.as_str().unwrap())
                .collect();
            assert_eq!(path[0], "input", "{e}");
            path[1..].join(".")
        })
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "nameKana",
            "address.postalCode",
            "address.prefectureCode",
            "location.latitude",
            "phone",
            "url",
            "childAgeRange",
            "languages"
        ],
        "{body}"
    );
    assert!(body["data"]["createChildcareResource"]["resource"].is_null());

    // Full-width digits and hiragana are normalized.
    let payload = t
        .ok(
            Some(t.staff),
            "createChildcareResource",
            json!({
                "kind": "HOME_VISIT",
                "name": "訪問相談",
                "nameKana": "ほうもん そうだん",
                "description": "保健師がご家庭を訪問します。",
                "address": { "postalCode": "８０３－８５０１", "prefectureCode": 40, "city": "北九州市", "street": "小倉北区城内1番1号" },
                "phone": "０９３－５８２－２４１０",
                "languages": ["ja", "en", "ja"],
            }),
            &format!("resource {{ {RESOURCE} provider {{ name }} }}"),
        )
        .await;
    let resource = &payload["resource"];
    assert_eq!(resource["nameKana"], json!("ホウモン ソウダン"));
    assert_eq!(resource["address"]["postalCode"], json!("803-8501"));
    assert_eq!(resource["address"]["prefecture"], json!("福岡県"));
    assert_eq!(resource["phone"], json!("093-582-2410"));
    assert_eq!(resource["languages"], json!(["ja", "en"]));
    assert_eq!(
        resource["provider"]["name"],
        json!("北九州市子育て支援課"),
        "staff's own organization"
    );
    assert_eq!(
        resource["published"],
        json!(false),
        "a draft unless published"
    );

    // A retry with the same idempotency key returns the first resource.
    let input = json!({
        "kind": "OTHER", "name": "冪等確認室", "nameKana": "べきとう", "description": "確認用",
        "address": { "postalCode": "803-8501", "prefectureCode": 40, "city": "北九州市", "street": "小倉北区" },
        "idempotencyKey": "resource-1",
    });
    let first = t
        .ok(
            Some(t.staff),
            "createChildcareResource",
            input.clone(),
            "resource { id }",
        )
        .await;
    let again = t
        .ok(
            Some(t.staff),
            "createChildcareResource",
            input,
            "resource { id }",
        )
        .await;
    assert_eq!(first["resource"]["id"], again["resource"]["id"]);
}

#[tokio::test]
async fn only_admins_of_the_town_and_the_providers_staff_edit_a_resource() {
    let t = town().await;
    let plaza = t
        .query(None, "query($m: ID!) { childcareResources(filter: { municipalityId: $m, kind: [PLAZA] }) { nodes { id name } } }", json!({ "m": t.maebashi }))
        .await["childcareResources"]["nodes"][0]
        .clone();
    assert_eq!(plaza["name"], json!("親子元気ルーム"));
    let hoikuen = t
        .query(None, "query($m: ID!) { childcareResources(filter: { municipalityId: $m, kind: [NURSERY_EXPERIENCE] }) { nodes { id } } }", json!({ "m": t.maebashi }))
        .await["childcareResources"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let change = |id: &str, fee: &str| json!({ "id": id, "fee": fee });
    let plaza_id = plaza["id"].as_str().unwrap();
    // The provider's staff and the town's admin may.
    let payload = t
        .ok(
            Some(t.maebashi_childcare),
            "updateChildcareResource",
            change(plaza_id, "無料（材料費100円）"),
            "resource { fee }",
        )
        .await;
    assert_eq!(
        payload["resource"]["fee"],
        json!("無料（材料費100円）"),
        "as written"
    );
    t.ok(
        Some(t.maebashi_admin),
        "updateChildcareResource",
        change(plaza_id, "無料"),
        "resource { fee }",
    )
    .await;
    // Nobody else may.
    assert_eq!(
        t.denied(
            Some(t.maebashi_childcare),
            "updateChildcareResource",
            change(&hoikuen, "有料")
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(
            Some(t.maebashi_staff),
            "updateChildcareResource",
            change(plaza_id, "有料")
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(
            Some(t.maebashi_resident),
            "updateChildcareResource",
            change(plaza_id, "有料")
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(
            Some(t.admin),
            "updateChildcareResource",
            change(plaza_id, "有料")
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(None, "updateChildcareResource", change(plaza_id, "有料"))
            .await,
        "UNAUTHENTICATED"
    );
    for (token, mutation, input) in [
        (
            t.staff,
            "setChildcareOpeningHours",
            json!({ "resourceId": plaza_id, "hours": [] }),
        ),
        (
            t.maebashi_staff,
            "setChildcareHoursException",
            json!({ "resourceId": plaza_id, "date": "2027-02-01", "closed": true }),
        ),
        (
            t.concierge,
            "recordChildcareVisits",
            json!({ "resourceId": plaza_id, "date": today().to_string(), "adults": 1, "children": 1 }),
        ),
    ] {
        assert_eq!(
            t.denied(Some(token), mutation, input).await,
            "FORBIDDEN",
            "{mutation}"
        );
    }
    // Staff may not create for another organization.
    let org = t
        .query(None, "{ municipality(jisCode: \"10201\") { organizations(first: 20) { nodes { id name } } } }", json!({}))
        .await;
    let hoikuen_org = org["municipality"]["organizations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == json!("元気保育園"))
        .unwrap()["id"]
        .clone();
    let input = json!({
        "providerId": hoikuen_org, "kind": "OTHER", "name": "他団体の施設", "nameKana": "たのしせつ",
        "description": "説明", "address": { "postalCode": "371-0036", "prefectureCode": 10, "city": "前橋市", "street": "敷島町" },
    });
    assert_eq!(
        t.denied(
            Some(t.maebashi_childcare),
            "createChildcareResource",
            input.clone()
        )
        .await,
        "FORBIDDEN"
    );
    t.ok(
        Some(t.maebashi_admin),
        "createChildcareResource",
        input,
        "resource { id }",
    )
    .await;
}

#[tokio::test]
async fn unpublished_resources_are_seen_only_by_their_editors_and_every_change_is_queued_for_search()
 {
    let t = town().await;
    let draft = t
        .resource("準備中のひろば", json!({ "publish": false }))
        .await;
    let listed = async |token: Option<&str>| {
        let data = t
            .query(token, "query($m: ID!) { childcareResources(filter: { municipalityId: $m }) { nodes { name } } }", json!({ "m": t.kitakyushu }))
            .await;
        names(&data["childcareResources"])
    };
    for token in [
        None,
        Some(t.resident),
        Some(t.concierge),
        Some(t.maebashi_admin),
        Some(t.maebashi_childcare),
    ] {
        assert!(listed(token).await.is_empty(), "{token:?}");
        assert!(t.node(token, &draft, "name").await.is_null(), "{token:?}");
    }
    for token in [t.admin, t.staff] {
        assert_eq!(listed(Some(token)).await, ["準備中のひろば"]);
        assert_eq!(
            t.node(Some(token), &draft, "name").await["name"],
            json!("準備中のひろば")
        );
    }
    t.ok(
        Some(t.admin),
        "updateChildcareResource",
        json!({ "id": draft, "published": true }),
        "resource { published }",
    )
    .await;
    assert_eq!(listed(None).await, ["準備中のひろば"]);
    t.hours(
        &draft,
        json!([{ "weekday": "MONDAY", "opens": "10:00", "closes": "12:00" }]),
    )
    .await;

    // Creation, publication and the new hours each queued the resource for the index.
    use entity::search_outbox::{Column, Entity};
    let db = Database::connect(&t.app.database_url).await.unwrap();
    let queued = Entity::find()
        .filter(Column::Kind.eq("childcare_resource"))
        .filter(Column::RecordId.eq(uuid_of(&draft)))
        .count(&db)
        .await
        .unwrap();
    db.close().await.ok();
    assert_eq!(queued, 3);
}

// ---------------------------------------------------------------------------------------
// Visits and KPIs

#[tokio::test]
async fn a_day_has_one_visit_record_replaced_when_recorded_again_and_plazas_are_summed_per_fiscal_year()
 {
    let t = town().await;
    let plaza = t.resource("小倉ひろば", json!({})).await;
    let consultation = t
        .resource(
            "小倉子育て相談",
            json!({ "kind": "CONSULTATION", "nameKana": "こくら そうだん" }),
        )
        .await;
    let record = |resource: &str, date: &str, adults: i32, children: i32| {
        t.call(
            Some(t.staff),
            "recordChildcareVisits",
            json!({ "resourceId": resource, "date": date, "adults": adults, "children": children }),
            "visit { date fiscalYear adults children total }",
        )
    };
    let body = record(&plaza, "2025-04-01", 10, 12).await;
    assert_eq!(
        body["data"]["recordChildcareVisits"]["visit"]["fiscalYear"],
        json!(2025)
    );
    record(&plaza, "2026-03-31", 5, 6).await;
    let body = record(&plaza, "2026-03-31", 7, 8).await;
    assert_eq!(
        body["data"]["recordChildcareVisits"]["visit"],
        json!({ "date": "2026-03-31", "fiscalYear": 2025, "adults": 7, "children": 8, "total": 15 }),
        "recording again replaces"
    );
    let body = record(&plaza, "2026-04-01", 3, 4).await;
    assert_eq!(
        body["data"]["recordChildcareVisits"]["visit"]["fiscalYear"],
        json!(2026),
        "1 April starts a year"
    );
    record(&consultation, "2026-03-31", 100, 100).await;

    // Concurrent first recordings of one day leave one record.
    let calls = (0..8).map(|n| record(&plaza, "2025-10-10", n, n));
    for body in join_all(calls).await {
        assert_eq!(
            codes(&body, "recordChildcareVisits"),
            Vec::<String>::new(),
            "{body}"
        );
    }

    let future = (today() + Duration::days(1)).to_string();
    assert_eq!(
        codes(
            &record(&plaza, &future, 1, 1).await,
            "recordChildcareVisits"
        ),
        ["INVALID"]
    );
    assert_eq!(
        codes(
            &record(&plaza, "2026-01-05", -1, 1).await,
            "recordChildcareVisits"
        ),
        ["INVALID"]
    );

    const REPORT: &str = "query($m: ID!, $y: Int!) { childcareUsageReport(municipalityId: $m, fiscalYear: $y) { fiscalYear rows { resource { name } year month days adults children total } plazaVisits { adults children total } } }";
    let data = t
        .query(
            Some(t.admin),
            REPORT,
            json!({ "m": t.kitakyushu, "y": 2025 }),
        )
        .await;
    let report = &data["childcareUsageReport"];
    let rows: Vec<(String, i64, i64, i64, i64, i64)> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["resource"]["name"].as_str().unwrap().to_owned(),
                r["year"].as_i64().unwrap(),
                r["month"].as_i64().unwrap(),
                r["days"].as_i64().unwrap(),
                r["adults"].as_i64().unwrap(),
                r["children"].as_i64().unwrap(),
            )
        })
        .collect();
    let oct: Vec<_> = rows.iter().filter(|r| r.2 == 10).collect();
    assert_eq!(oct.len(), 1);
    assert_eq!(oct[0].3, 1, "one record for the day: {rows:?}");
    let concurrent = oct[0].4;
    let mut others: Vec<_> = rows.iter().filter(|r| r.2 != 10).cloned().collect();
    others.sort();
    assert_eq!(
        others,
        [
            ("小倉ひろば".to_owned(), 2025, 4, 1, 10, 12),
            ("小倉ひろば".to_owned(), 2026, 3, 1, 7, 8),
            ("小倉子育て相談".to_owned(), 2026, 3, 1, 100, 100),
        ]
    );
    let expected = (17 + concurrent, 20 + concurrent);
    assert_eq!(
        report["plazaVisits"],
        json!({ "adults": expected.0, "children": expected.1, "total": expected.0 + expected.1 }),
        "plazas only, fiscal year 2025"
    );

    // The KPI helper agrees, on both sides of the fiscal-year boundary.
    let db = Database::connect(&t.app.database_url).await.unwrap();
    let kitakyushu = uuid_of(&t.kitakyushu);
    use tsunagu::domains::childcare::service::plaza_visits;
    assert_eq!(
        plaza_visits(&db, kitakyushu, 2025).await.unwrap(),
        (expected.0, expected.1, expected.0 + expected.1)
    );
    assert_eq!(
        plaza_visits(&db, kitakyushu, 2026).await.unwrap(),
        (3, 4, 7)
    );
    assert_eq!(
        plaza_visits(&db, kitakyushu, 2024).await.unwrap(),
        (0, 0, 0)
    );
    db.close().await.ok();

    // The provider's staff see their rows, not the town's KPI; nobody else sees anything.
    let data = t
        .query(
            Some(t.staff),
            REPORT,
            json!({ "m": t.kitakyushu, "y": 2025 }),
        )
        .await;
    assert_eq!(
        data["childcareUsageReport"]["rows"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert!(data["childcareUsageReport"]["plazaVisits"].is_null());
    for token in [
        Some(t.resident),
        Some(t.concierge),
        Some(t.maebashi_admin),
        Some(t.maebashi_childcare),
    ] {
        let body = t
            .app
            .graphql(token, REPORT, json!({ "m": t.kitakyushu, "y": 2025 }))
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{token:?}: {body}");
    }
    let body = t
        .app
        .graphql(None, REPORT, json!({ "m": t.kitakyushu, "y": 2025 }))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn the_demo_plazas_have_visits_in_two_fiscal_years_and_the_demo_childcare_has_satisfaction() {
    let t = town().await;
    let db = Database::connect(&t.app.database_url).await.unwrap();
    let now = today();
    let year = if now.month() >= 4 {
        now.year()
    } else {
        now.year() - 1
    };
    use tsunagu::domains::childcare::service::{plaza_visits, temporary_childcare_satisfaction};
    let maebashi = uuid_of(&t.maebashi);
    let (adults, children, total) = plaza_visits(&db, maebashi, year).await.unwrap();
    assert!(
        adults > 100 && children > adults && total == adults + children,
        "{year}: {adults} {children}"
    );
    let (adults, _, _) = plaza_visits(&db, maebashi, year - 1).await.unwrap();
    assert!(adults > 100, "{}: {adults}", year - 1);

    let manazuru = t.app.municipality_id("14384").await;
    let admin = t.app.login_demo("manazuru-admin@example.jp").await;
    let data = t
        .query(
            Some(&admin),
            "query($m: ID!, $y: Int!) { temporaryChildcareSatisfaction(municipalityId: $m, fiscalYear: $y) { answers meanScore satisfiedAnswers satisfiedShare } }",
            json!({ "m": manazuru, "y": year }),
        )
        .await;
    let figures = &data["temporaryChildcareSatisfaction"];
    let (answers, sum, satisfied) = temporary_childcare_satisfaction(&db, uuid_of(&manazuru), year)
        .await
        .unwrap();
    assert!(answers >= 2, "{figures}");
    assert_eq!(figures["answers"], json!(answers));
    assert_eq!(figures["satisfiedAnswers"], json!(satisfied));
    assert_eq!(
        figures["meanScore"].as_f64(),
        Some(tsunagu::share::round_to(sum as f64 / answers as f64, 2))
    );
    let body = t
        .app
        .graphql(
            Some(t.maebashi_admin),
            "query($m: ID!) { temporaryChildcareSatisfaction(municipalityId: $m, fiscalYear: 2026) { answers } }",
            json!({ "m": manazuru }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    db.close().await.ok();
}

// ---------------------------------------------------------------------------------------
// Temporary childcare

#[tokio::test]
async fn slots_are_created_on_the_chosen_weekdays_of_a_range_once_per_idempotency_key() {
    let t = town().await;
    let resource = t.childcare(json!({})).await;
    let from = today() + Duration::days(1);
    let until = today() + Duration::days(14);
    let input = json!({
        "resourceId": resource, "from": from.to_string(), "until": until.to_string(),
        "weekdays": ["MONDAY", "WEDNESDAY"], "startTime": "09:00", "endTime": "12:30", "capacity": 4,
        "idempotencyKey": "slots-1",
    });
    let payload = t
        .ok(
            Some(t.staff),
            "createChildcareSlots",
            input.clone(),
            "slots { id date startsAt endsAt capacity placesRemaining }",
        )
        .await;
    let slots = payload["slots"].as_array().unwrap().clone();
    let expected: Vec<String> = from
        .iter_days()
        .take_while(|d| *d <= until)
        .filter(|d| matches!(d.weekday(), chrono::Weekday::Mon | chrono::Weekday::Wed))
        .map(|d| d.to_string())
        .collect();
    let dates: Vec<String> = slots
        .iter()
        .map(|s| s["date"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(dates, expected);
    let first = &slots[0];
    let date: NaiveDate = first["date"].as_str().unwrap().parse().unwrap();
    let starts: DateTime<Utc> = first["startsAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        starts,
        date.and_hms_opt(0, 0, 0).unwrap().and_utc(),
        "09:00 in Tokyo"
    );
    assert_eq!(first["placesRemaining"], json!(4));

    let again = t
        .ok(
            Some(t.staff),
            "createChildcareSlots",
            input.clone(),
            "slots { id }",
        )
        .await;
    assert_eq!(
        again["slots"].as_array().unwrap().len(),
        slots.len(),
        "the same answer"
    );
    assert_eq!(again["slots"][0]["id"], first["id"]);
    let mut without_key = input.clone();
    without_key["idempotencyKey"] = Value::Null;
    assert_eq!(
        t.refused(Some(t.staff), "createChildcareSlots", without_key)
            .await,
        ["TAKEN"]
    );
    let listed = t
        .query(None, "query($id: ID!, $u: Date) { node(id: $id) { ... on ChildcareResource { slots(until: $u) { id } } } }", json!({ "id": resource, "u": until.to_string() }))
        .await;
    assert_eq!(
        listed["node"]["slots"].as_array().unwrap().len(),
        slots.len(),
        "nothing doubled"
    );

    let mut bad = input.clone();
    bad["idempotencyKey"] = Value::Null;
    bad["capacity"] = json!(0);
    bad["endTime"] = json!("08:00");
    assert_eq!(
        t.refused(Some(t.staff), "createChildcareSlots", bad).await,
        ["INVALID", "INVALID"]
    );
    let plain = t.resource("ルールのないひろば", json!({})).await;
    let mut no_rules = input.clone();
    no_rules["resourceId"] = json!(plain);
    no_rules["idempotencyKey"] = Value::Null;
    assert_eq!(
        t.refused(Some(t.staff), "createChildcareSlots", no_rules)
            .await,
        ["INVALID_STATE"]
    );
    assert_eq!(
        t.denied(Some(t.maebashi_childcare), "createChildcareSlots", input)
            .await,
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn each_booking_rule_is_refused_with_its_own_code_and_books_nothing() {
    let t = town().await;
    let resource = t.childcare(json!({ "monthlyLimitHours": 10 })).await;
    let (d1, d2) = same_month_dates();
    let slots = t
        .slots(
            &resource,
            &[
                d1,
                d2,
                today() + Duration::days(20),
                today() + Duration::days(3),
            ],
            2,
        )
        .await;
    let (s1, s2, late, past) = (
        slots[0].as_str(),
        slots[1].as_str(),
        slots[2].as_str(),
        slots[3].as_str(),
    );
    move_slot(&t.app, past, Utc::now() - Duration::hours(30)).await;
    let toddler = || json!([child("小倉 はる", 24)]);
    let refused = async |token: &str, slots: &[&str], children: Value| {
        codes(
            &t.book(token, slots, children).await,
            "bookTemporaryChildcare",
        )
    };

    assert_eq!(
        refused(t.resident, &[late], toddler()).await,
        ["BOOKING_NOT_YET_OPEN"]
    );
    assert_eq!(
        refused(t.resident, &[s1], json!([child("小倉 あかり", 2)])).await,
        ["AGE_OUT_OF_RANGE"]
    );
    assert_eq!(
        refused(t.resident, &[s1], json!([child("小倉 そら", 80)])).await,
        ["AGE_OUT_OF_RANGE"]
    );
    assert_eq!(
        refused(
            t.resident,
            &[s1],
            json!([child("一郎", 24), child("二郎", 24), child("三郎", 24)])
        )
        .await,
        ["FULL"]
    );
    assert_eq!(
        refused(t.resident, &[s1, s2], toddler()).await,
        ["MONTHLY_LIMIT_EXCEEDED"],
        "14 of 10 hours"
    );
    assert_eq!(
        refused(t.resident, &[past], toddler()).await,
        ["REGISTRATION_CLOSED"]
    );
    assert_eq!(refused(t.resident, &[s1, s1], toddler()).await, ["INVALID"]);
    assert_eq!(
        refused(t.maebashi_resident, &[s1], toddler()).await,
        ["NOT_ELIGIBLE"],
        "another town's resident"
    );
    assert_eq!(
        refused(
            t.resident,
            &[s1],
            json!([{ "name": "名前だけ", "nameKana": "なまえ" }])
        )
        .await,
        ["REQUIRED"]
    );
    let body = t.book(t.staff, &[s1], toddler()).await;
    assert_eq!(
        error_code(&body),
        Some("FORBIDDEN"),
        "guardians are residents"
    );
    let body = t.book(t.resident, &[&t.kitakyushu], toddler()).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));

    // Nothing was booked or registered by any refusal.
    assert_eq!(t.places_remaining(s1).await, 2);
    let mine = t
        .query(
            Some(t.resident),
            "{ myChildcareBookings { totalCount } myChildcareChildren { id } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["myChildcareBookings"]["totalCount"], json!(0));
    assert_eq!(mine["myChildcareChildren"], json!([]));

    // A booking registers the child; the monthly limit counts what is already booked.
    let body = t.book(t.resident, &[s1], toddler()).await;
    assert_eq!(codes(&body, "bookTemporaryChildcare"), Vec::<String>::new());
    let child_id =
        body["data"]["bookTemporaryChildcare"]["bookings"][0]["children"][0]["child"]["id"].clone();
    let mine = t
        .query(
            Some(t.resident),
            "{ myChildcareChildren { id name nameKana ageMonths } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["myChildcareChildren"][0]["id"], child_id);
    assert_eq!(mine["myChildcareChildren"][0]["nameKana"], json!("コドモ"));
    let registered = json!([{ "childId": child_id }]);
    assert_eq!(
        refused(t.resident, &[s2], registered.clone()).await,
        ["MONTHLY_LIMIT_EXCEEDED"],
        "7 + 7 of 10 hours"
    );
    assert_eq!(
        refused(t.resident, &[s1], registered).await,
        ["TAKEN"],
        "already booked that day"
    );
    // Typing the same child in again (spaced differently, the reading in katakana) is the
    // same child: the same limits hold, and no second child is registered.
    let mut typed = toddler();
    typed[0]["name"] = json!("小倉はる");
    typed[0]["nameKana"] = json!("コ ドモ");
    assert_eq!(
        refused(t.resident, &[s2], typed.clone()).await,
        ["MONTHLY_LIMIT_EXCEEDED"]
    );
    assert_eq!(refused(t.resident, &[s1], typed).await, ["TAKEN"]);
    let mine = t
        .query(
            Some(t.resident),
            "{ myChildcareChildren { id } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["myChildcareChildren"], json!([{ "id": child_id }]));
    assert_eq!(t.places_remaining(s1).await, 1);
    assert_eq!(t.places_remaining(s2).await, 2);
}

#[tokio::test]
async fn booking_several_days_makes_one_group_and_cancelling_one_day_keeps_the_rest() {
    let t = town().await;
    let resource = t.childcare(json!({ "monthlyLimitHours": 200 })).await;
    let dates: Vec<NaiveDate> = (2..=4).map(|d| today() + Duration::days(d)).collect();
    let slots = t.slots(&resource, &dates, 3).await;
    let slot_refs: Vec<&str> = slots.iter().map(String::as_str).collect();
    let input = json!({ "slotIds": slot_refs, "children": [child("戸畑 みお", 30), child("戸畑 りく", 50)], "idempotencyKey": "three-days" });
    let selection = format!("bookings {{ {BOOKING} }}");
    let payload = t
        .ok(
            Some(t.resident),
            "bookTemporaryChildcare",
            input.clone(),
            &selection,
        )
        .await;
    let bookings = payload["bookings"].as_array().unwrap().clone();
    assert_eq!(bookings.len(), 3);
    let booked_dates: Vec<&str> = bookings
        .iter()
        .map(|b| b["date"].as_str().unwrap())
        .collect();
    assert_eq!(
        booked_dates,
        dates
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    assert!(
        bookings
            .iter()
            .all(|b| b["groupId"] == bookings[0]["groupId"]
                && b["childCount"] == json!(2)
                && b["minutes"] == json!(420))
    );
    let retried = t
        .ok(
            Some(t.resident),
            "bookTemporaryChildcare",
            input,
            &selection,
        )
        .await;
    assert_eq!(
        retried["bookings"][0]["id"], bookings[0]["id"],
        "a retry books nothing more"
    );
    for slot in &slots {
        assert_eq!(t.places_remaining(slot).await, 1);
    }

    let cancel = |id: &Value, whole: bool| {
        t.call(
            Some(t.resident),
            "cancelChildcareBooking",
            json!({ "id": id, "cancelWholeGroup": whole }),
            "bookings { id status }",
        )
    };
    let body = cancel(&bookings[1]["id"], false).await;
    assert_eq!(
        body["data"]["cancelChildcareBooking"]["bookings"],
        json!([{ "id": bookings[1]["id"], "status": "CANCELLED" }])
    );
    assert_eq!(t.places_remaining(&slots[1]).await, 3);
    assert_eq!(
        t.places_remaining(&slots[0]).await,
        1,
        "the other days stay booked"
    );
    let status = t
        .node(
            Some(t.resident),
            bookings[2]["id"].as_str().unwrap(),
            "status",
        )
        .await;
    assert_eq!(status["status"], json!("BOOKED"));

    let body = cancel(&bookings[0]["id"], true).await;
    let cancelled = body["data"]["cancelChildcareBooking"]["bookings"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(cancelled.len(), 2, "the rest of the group: {body}");
    for slot in &slots {
        assert_eq!(t.places_remaining(slot).await, 3);
    }
    assert_eq!(
        codes(
            &cancel(&bookings[0]["id"], false).await,
            "cancelChildcareBooking"
        ),
        ["INVALID_STATE"]
    );
}

#[tokio::test]
async fn the_cancellation_deadline_and_repeated_no_shows_restrict_the_guardian() {
    let t = town().await;
    let resource = t.childcare(json!({ "monthlyLimitHours": 200 })).await;
    let dates: Vec<NaiveDate> = (2..=5).map(|d| today() + Duration::days(d)).collect();
    let slots = t.slots(&resource, &dates, 3).await;
    let book = async |slot: &str, token: &str| {
        let body = t
            .book(token, &[slot], json!([child("若松 ゆい", 20)]))
            .await;
        assert_eq!(
            codes(&body, "bookTemporaryChildcare"),
            Vec::<String>::new(),
            "{body}"
        );
        body["data"]["bookTemporaryChildcare"]["bookings"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // Within 24 hours of the start the guardian can no longer cancel; staff still can.
    let soon = book(&slots[0], t.resident).await;
    move_slot(&t.app, &slots[0], Utc::now() + Duration::hours(2)).await;
    let input = json!({ "id": soon });
    assert_eq!(
        t.refused(Some(t.resident), "cancelChildcareBooking", input.clone())
            .await,
        ["DEADLINE_PASSED"]
    );
    t.ok(
        Some(t.staff),
        "cancelChildcareBooking",
        input,
        "bookings { id }",
    )
    .await;

    // Attendance is marked only once the slot has started.
    let first = book(&slots[1], t.resident).await;
    let second = book(&slots[2], t.resident).await;
    let mark = |id: &str| json!({ "id": id, "attended": false });
    assert_eq!(
        t.refused(Some(t.staff), "markChildcareAttendance", mark(&first))
            .await,
        ["INVALID_STATE"]
    );
    assert_eq!(
        t.denied(Some(t.resident), "markChildcareAttendance", mark(&first))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(
            Some(t.maebashi_admin),
            "markChildcareAttendance",
            mark(&first)
        )
        .await,
        "NOT_FOUND"
    );
    move_slot(&t.app, &slots[1], Utc::now() - Duration::days(3)).await;
    move_slot(&t.app, &slots[2], Utc::now() - Duration::days(2)).await;
    for id in [&first, &second] {
        let payload = t
            .ok(
                Some(t.staff),
                "markChildcareAttendance",
                mark(id),
                "booking { status }",
            )
            .await;
        assert_eq!(payload["booking"]["status"], json!("NO_SHOW"));
    }
    // Two no-shows within 30 days: no new bookings for 30 days.
    let body = t
        .book(t.resident, &[&slots[3]], json!([child("若松 ゆい", 20)]))
        .await;
    assert_eq!(
        codes(&body, "bookTemporaryChildcare"),
        ["BOOKING_RESTRICTED"]
    );
    let other = sign_up(&t.app, 1).await;
    book(&slots[3], other).await;
}

#[tokio::test]
async fn concurrent_bookings_never_exceed_a_slots_capacity() {
    let t = town().await;
    let resource = t.childcare(json!({})).await;
    let date = today() + Duration::days(3);
    let slot = t.slots(&resource, &[date], 5).await.remove(0);
    let mut guardians = Vec::new();
    for n in 0..10 {
        guardians.push(sign_up(&t.app, n).await);
    }
    let t = &t;
    let calls = guardians.iter().flat_map(|guardian| {
        let slot = slot.clone();
        (0..3).map(move |n| {
            let slot = slot.clone();
            async move {
                t.book(guardian, &[&slot], json!([child(&format!("子{n}"), 24)]))
                    .await
            }
        })
    });
    let answers = join_all(calls).await;
    let mut booked = 0;
    for body in &answers {
        match codes(body, "bookTemporaryChildcare").as_slice() {
            [] => booked += 1,
            [code] if code == "FULL" => {}
            other => panic!("neither booked nor full: {other:?} {body}"),
        }
    }
    assert_eq!(booked, 5, "exactly the capacity");
    assert_eq!(t.places_remaining(&slot).await, 0);
    let data = t
        .query(
            Some(t.staff),
            "query($r: ID!, $d: Date!) { childcareBookings(resourceId: $r, date: $d, first: 100) { totalCount } }",
            json!({ "r": resource, "d": date.to_string() }),
        )
        .await;
    assert_eq!(data["childcareBookings"]["totalCount"], json!(5));
}

#[tokio::test]
async fn bookings_and_children_are_seen_only_by_their_guardian_and_the_resources_staff() {
    let t = town().await;
    let resource = t.childcare(json!({})).await;
    let date = today() + Duration::days(2);
    let slot = t.slots(&resource, &[date], 3).await.remove(0);
    let body = t
        .book(t.resident, &[&slot], json!([child("門司 けい", 26)]))
        .await;
    let booking = body["data"]["bookTemporaryChildcare"]["bookings"][0].clone();
    let id = booking["id"].as_str().unwrap();
    let child_id = booking["children"][0]["child"]["id"].as_str().unwrap();
    let other = sign_up(&t.app, 7).await;
    const DETAILS: &str =
        "status guardian { name } children { ageMonths child { name birthDate } }";

    for token in [t.resident, t.staff, t.admin] {
        let seen = t.node(Some(token), id, DETAILS).await;
        assert_eq!(
            seen["children"][0]["child"]["name"],
            json!("門司 けい"),
            "{token}"
        );
        assert!(seen["guardian"]["name"].is_string());
    }
    for token in [
        Some(other),
        Some(t.concierge),
        Some(t.maebashi_admin),
        Some(t.maebashi_childcare),
        None,
    ] {
        assert!(t.node(token, id, DETAILS).await.is_null(), "{token:?}");
    }
    assert_eq!(
        t.node(Some(t.resident), child_id, "name").await["name"],
        json!("門司 けい")
    );
    for token in [Some(t.staff), Some(other), None] {
        assert!(t.node(token, child_id, "name").await.is_null(), "{token:?}");
    }

    const DAY: &str = "query($r: ID!, $d: Date!) { childcareBookings(resourceId: $r, date: $d) { nodes { id children { child { name } } guardian { name } } } }";
    let vars = json!({ "r": resource, "d": date.to_string() });
    let data = t.query(Some(t.staff), DAY, vars.clone()).await;
    assert_eq!(
        data["childcareBookings"]["nodes"][0]["children"][0]["child"]["name"],
        json!("門司 けい")
    );
    // Every staff read of the children's data is in the access log; the guardian's are not.
    let log = t
        .query(
            Some(t.admin),
            "query($f: PersonalDataAccessLogFilter) { personalDataAccessLog(filter: $f, first: 20) { nodes { subjectKind accessed actorId } } }",
            json!({ "f": { "subjectId": id } }),
        )
        .await;
    let mut reads: Vec<(String, String)> = log["personalDataAccessLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            assert_eq!(row["subjectKind"], "childcare_booking", "{row}");
            (
                row["actorId"].as_str().unwrap().to_owned(),
                row["accessed"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    reads.sort();
    let (staff_id, admin_id) = (t.app.my_id(t.staff).await, t.app.my_id(t.admin).await);
    let mut expected = vec![
        (staff_id.clone(), "detail".to_owned()),
        (staff_id, "list".to_owned()),
        (admin_id, "detail".to_owned()),
    ];
    expected.sort();
    assert_eq!(reads, expected);
    for (token, code) in [
        (Some(other), "FORBIDDEN"),
        (Some(t.concierge), "FORBIDDEN"),
        (Some(t.maebashi_admin), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        let body = t.app.graphql(token, DAY, vars.clone()).await;
        assert_eq!(error_code(&body), Some(code), "{token:?}: {body}");
        assert!(body["data"].is_null() || body["data"]["childcareBookings"].is_null());
    }
    let mine = t
        .query(
            Some(other),
            "{ myChildcareBookings { totalCount } myChildcareChildren { id } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["myChildcareBookings"]["totalCount"], json!(0));
    assert_eq!(mine["myChildcareChildren"], json!([]));
    let mine = t
        .query(
            Some(t.resident),
            "{ myChildcareBookings { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["myChildcareBookings"]["nodes"][0]["id"], json!(id));
    assert_eq!(
        t.denied(Some(other), "cancelChildcareBooking", json!({ "id": id }))
            .await,
        "NOT_FOUND"
    );
    // Another guardian cannot book with someone else's child.
    let body = t
        .book(other, &[&slot], json!([{ "childId": child_id }]))
        .await;
    assert_eq!(codes(&body, "bookTemporaryChildcare"), ["NOT_FOUND"]);
}

#[tokio::test]
async fn only_the_guardian_answers_one_survey_after_attended_childcare() {
    let t = town().await;
    let resource = t.childcare(json!({})).await;
    let slot = t
        .slots(&resource, &[today() + Duration::days(2)], 3)
        .await
        .remove(0);
    let body = t
        .book(t.resident, &[&slot], json!([child("八幡 なぎ", 40)]))
        .await;
    let id = body["data"]["bookTemporaryChildcare"]["bookings"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer =
        |score: i32| json!({ "bookingId": id, "score": score, "comment": "とても助かりました。" });
    assert_eq!(
        t.refused(Some(t.resident), "submitChildcareSurvey", answer(5))
            .await,
        ["INVALID_STATE"]
    );
    move_slot(&t.app, &slot, Utc::now() - Duration::hours(8)).await;
    t.ok(
        Some(t.staff),
        "markChildcareAttendance",
        json!({ "id": id, "attended": true }),
        "booking { status }",
    )
    .await;

    let other = sign_up(&t.app, 3).await;
    assert_eq!(
        t.denied(Some(t.staff), "submitChildcareSurvey", answer(5))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(Some(other), "submitChildcareSurvey", answer(5))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        t.denied(None, "submitChildcareSurvey", answer(5)).await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        t.refused(Some(t.resident), "submitChildcareSurvey", answer(6))
            .await,
        ["INVALID"]
    );
    let payload = t
        .ok(
            Some(t.resident),
            "submitChildcareSurvey",
            answer(5),
            "survey { score comment fiscalYear }",
        )
        .await;
    assert_eq!(payload["survey"]["score"], json!(5));
    assert_eq!(
        t.refused(Some(t.resident), "submitChildcareSurvey", answer(4))
            .await,
        ["TAKEN"]
    );

    let date = (Utc::now() - Duration::hours(8) + Duration::hours(9)).date_naive();
    let year = if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    };
    let data = t
        .query(
            Some(t.admin),
            "query($m: ID!, $y: Int!) { temporaryChildcareSatisfaction(municipalityId: $m, fiscalYear: $y) { answers meanScore satisfiedPercent satisfiedShare } }",
            json!({ "m": t.kitakyushu, "y": year }),
        )
        .await;
    assert_eq!(
        data["temporaryChildcareSatisfaction"],
        json!({ "answers": 1, "meanScore": 5.0, "satisfiedPercent": 100.0, "satisfiedShare": 1.0 })
    );
    let seen = t.node(Some(t.staff), &id, "survey { score }").await;
    assert_eq!(seen["survey"]["score"], json!(5));

    // Re-marked as a no-show, the booking's answer no longer counts.
    t.ok(
        Some(t.staff),
        "markChildcareAttendance",
        json!({ "id": id, "attended": false }),
        "booking { status }",
    )
    .await;
    let data = t
        .query(
            Some(t.admin),
            "query($m: ID!, $y: Int!) { temporaryChildcareSatisfaction(municipalityId: $m, fiscalYear: $y) { answers } }",
            json!({ "m": t.kitakyushu, "y": year }),
        )
        .await;
    assert_eq!(
        data["temporaryChildcareSatisfaction"]["answers"],
        json!(0),
        "{data}"
    );
}

#[tokio::test]
async fn the_childcare_resource_filter_answers_alike_under_kinds_and_its_former_kind() {
    let app = crate::helpers::spawn_app().await;
    let token = app.login_demo("maebashi-admin@example.jp").await;
    for (names, value) in [(("kinds", "kind"), json!(["PLAZA"]))] {
        app.assert_former_name_filters_alike(
            Some(&token),
            "childcareResources",
            "ChildcareResourceFilter",
            names,
            value,
        )
        .await;
    }
}

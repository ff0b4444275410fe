//! Public-private partnership: local issues, partner projects, their steps and who may see
//! and do what, across organizations and municipalities.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use tokio::sync::oneshot;
use tsunagu::startup::{Application, Settings};

use crate::helpers::{TestApp, error_code, user_error_codes};

const ISSUE: &str = "id title description category status published solvedAt lastActivityAt location { placeName latitude longitude }";
const PROJECT: &str = "id title status progressPercent outcomeReport submittedAt approvedAt completedAt verifiedAt organization { name } issues { id status }";
const HISTORY: &str =
    "statusHistory { fromStatus toStatus reason changedAt actor { role organizationName } }";

/// The demo municipalities with a signed-in account per role that matters here.
pub(crate) struct Town {
    pub(crate) app: TestApp,
    /// Global id of 真鶴町.
    manazuru: String,
    /// Global id of 前橋市.
    maebashi: String,
    pub(crate) admin: &'static str,
    pub(crate) partner: &'static str,
    pub(crate) resident: &'static str,
    staff: &'static str,
    maebashi_admin: &'static str,
    maebashi_partner: &'static str,
    maebashi_resident: &'static str,
    platform_admin: &'static str,
}

async fn town() -> Town {
    town_with(|_| {}).await
}

/// The town on a server with `configure` applied to its limits.
pub(crate) async fn town_with(configure: impl FnOnce(&mut tsunagu::config::Limits)) -> Town {
    let app = crate::helpers::spawn_app_with(configure).await;
    let manazuru = app.municipality_id("14384").await;
    let maebashi = app.municipality_id("10201").await;
    // Tokens live as long as the test process; leaking them keeps call sites short.
    let login = async |email: &str| -> &'static str { &*app.login_demo(email).await.leak() };
    Town {
        admin: login("manazuru-admin@example.jp").await,
        partner: login("manazuru-partner@example.jp").await,
        resident: login("manazuru-resident@example.jp").await,
        staff: login("manazuru-staff@example.jp").await,
        maebashi_admin: login("maebashi-admin@example.jp").await,
        maebashi_partner: login("maebashi-partner@example.jp").await,
        maebashi_resident: login("maebashi-resident@example.jp").await,
        platform_admin: login("platform-admin@example.jp").await,
        app,
        manazuru,
        maebashi,
    }
}

fn input_type(mutation: &str) -> String {
    let mut chars = mutation.chars();
    let first = chars.next().unwrap().to_uppercase();
    format!("{first}{}Input", chars.as_str())
}

impl Town {
    /// Runs `mutation(input:)` and returns the whole response.
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

    /// Runs a mutation that must succeed and returns its payload.
    pub(crate) async fn ok(
        &self,
        token: &str,
        mutation: &str,
        input: Value,
        selection: &str,
    ) -> Value {
        let body = self.call(Some(token), mutation, input, selection).await;
        let payload = body["data"][mutation].clone();
        assert_eq!(error_code(&body), None, "{mutation}: {body}");
        assert_eq!(
            user_error_codes(&payload),
            Vec::<String>::new(),
            "{mutation}: {body}"
        );
        payload
    }

    /// Runs a mutation that must be refused with user errors; returns their codes.
    async fn refused(&self, token: &str, mutation: &str, input: Value) -> Vec<String> {
        let body = self.call(Some(token), mutation, input, "__typename").await;
        assert_eq!(error_code(&body), None, "{mutation}: {body}");
        let codes = user_error_codes(&body["data"][mutation]);
        assert!(!codes.is_empty(), "{mutation} was accepted: {body}");
        for error in body["data"][mutation]["userErrors"].as_array().unwrap() {
            assert!(
                !error["message"].as_str().unwrap().is_ascii(),
                "messages are Japanese: {error}"
            );
        }
        codes
    }

    /// Runs a mutation that must fail with a top-level error; returns its code.
    async fn denied(&self, token: Option<&str>, mutation: &str, input: Value) -> String {
        let body = self.call(token, mutation, input, "__typename").await;
        assert!(body["data"][mutation].is_null(), "{mutation}: {body}");
        error_code(&body)
            .unwrap_or_else(|| panic!("{mutation} without error code: {body}"))
            .to_owned()
    }

    /// `node(id:)` as seen by `token`, selecting `selection` on its type.
    async fn node(&self, token: Option<&str>, id: &str, selection: &str) -> Value {
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

    async fn sees(&self, token: Option<&str>, id: &str) -> bool {
        !self.node(token, id, "id").await.is_null()
    }

    /// A published, open issue of 真鶴町.
    pub(crate) async fn issue(&self, title: &str) -> String {
        self.new_issue(title, true).await
    }

    async fn new_issue(&self, title: &str, publish: bool) -> String {
        let payload = self
            .ok(
                self.admin,
                "createLocalIssue",
                json!({
                    "title": title,
                    "description": "町の課題です。\n一緒に取り組む企業を募集します。",
                    "category": "PARKS",
                    "publish": publish,
                }),
                "issue { id }",
            )
            .await;
        payload["issue"]["id"].as_str().unwrap().to_owned()
    }

    /// A draft project of `partner` on `issues`.
    pub(crate) async fn proposal(&self, partner: &str, issues: &[&str], title: &str) -> String {
        let payload = self
            .ok(
                partner,
                "createPartnerProject",
                proposal_input(issues, title),
                "project { id status }",
            )
            .await;
        assert_eq!(payload["project"]["status"], "DRAFT");
        payload["project"]["id"].as_str().unwrap().to_owned()
    }

    async fn submitted(&self, issues: &[&str], title: &str) -> String {
        let id = self.proposal(self.partner, issues, title).await;
        self.ok(
            self.partner,
            "submitPartnerProject",
            json!({ "id": id }),
            "project { id }",
        )
        .await;
        id
    }

    async fn active(&self, issues: &[&str], title: &str) -> String {
        let id = self.submitted(issues, title).await;
        self.ok(
            self.admin,
            "approvePartnerProject",
            json!({ "id": id }),
            "project { id }",
        )
        .await;
        id
    }

    async fn completed(&self, issues: &[&str], title: &str) -> String {
        let id = self.active(issues, title).await;
        self.ok(
            self.partner,
            "completePartnerProject",
            json!({ "id": id, "outcomeReport": "目標を達成しました。" }),
            "project { id }",
        )
        .await;
        id
    }

    async fn project_status(&self, id: &str) -> String {
        let node = self.node(Some(self.partner), id, "status").await;
        node["status"].as_str().unwrap_or("INVISIBLE").to_owned()
    }

    async fn issue_status(&self, id: &str) -> String {
        let node = self.node(Some(self.admin), id, "status").await;
        node["status"].as_str().unwrap().to_owned()
    }

    /// A second partner company in 真鶴町, registered by the town's admin.
    async fn second_partner(&self) -> &'static str {
        let organization = self
            .ok(
                self.admin,
                "createOrganization",
                json!({
                    "kind": "PARTNER_COMPANY",
                    "name": "株式会社まなづる海風デザイン",
                    "nameKana": "カブシキガイシャマナヅルウミカゼデザイン",
                }),
                "organization { id }",
            )
            .await;
        self.ok(
            self.admin,
            "createUser",
            json!({
                "email": "kaze@umikaze.example.jp",
                "password": "Shiokaze-Tsuru-8813!",
                "displayName": "潮 風太",
                "displayNameKana": "ウシオ フウタ",
                "role": "PARTNER",
                "organizationId": organization["organization"]["id"],
            }),
            "user { id }",
        )
        .await;
        self.app
            .login("kaze@umikaze.example.jp", "Shiokaze-Tsuru-8813!")
            .await
            .leak()
    }

    /// Ids of the projects `token` finds in `partnerProjects`.
    async fn listed_projects(&self, token: Option<&str>) -> BTreeSet<String> {
        let body = self
            .app
            .graphql(
                token,
                "{ partnerProjects(first: 100) { nodes { id } } }",
                json!({}),
            )
            .await;
        ids(&body["data"]["partnerProjects"]["nodes"])
    }

    async fn issue_counts(&self, token: Option<&str>) -> Value {
        let body = self
            .app
            .graphql(
                token,
                "query($m: ID!) { localIssueStatusCounts(municipalityId: $m) { open inProgress solved closedUnsolved total } }",
                json!({ "m": self.manazuru }),
            )
            .await;
        body["data"]["localIssueStatusCounts"].clone()
    }
}

fn proposal_input(issues: &[&str], title: &str) -> Value {
    json!({
        "issueIds": issues,
        "title": title,
        "summary": "サテライトオフィスの社員と住民で取り組みます。",
        "plan": "1. ヒアリング\n2. 試行\n3. 報告",
        "expectedOutcome": "課題が解決し、取組が地域に定着すること。",
        "timeline": "2026年4月〜9月",
        "contact": "partnership@minato-lab.example.jp",
    })
}

fn ids(nodes: &Value) -> BTreeSet<String> {
    nodes
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {nodes}"))
        .iter()
        .map(|node| node["id"].as_str().unwrap().to_owned())
        .collect()
}

fn titles(nodes: &Value) -> BTreeSet<String> {
    nodes
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {nodes}"))
        .iter()
        .map(|node| node["title"].as_str().unwrap().to_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

#[tokio::test]
async fn a_draft_issue_is_seen_only_by_the_towns_administrators_until_it_is_published() {
    let t = town().await;
    let payload = t
        .ok(
            t.admin,
            "createLocalIssue",
            json!({
                "title": "　お林の遊歩道を歩きやすく　",
                "description": "倒木で通れない区間があります。",
                "category": "ENVIRONMENT",
                "location": { "placeName": "ｵﾊﾔｼ 遊歩道", "latitude": 35.149, "longitude": 139.158 },
            }),
            &format!("issue {{ {ISSUE} {HISTORY} }}"),
        )
        .await;
    let issue = &payload["issue"];
    assert_eq!(issue["title"], "お林の遊歩道を歩きやすく");
    assert_eq!(issue["status"], "OPEN");
    assert_eq!(issue["published"], false);
    assert_eq!(issue["category"], "ENVIRONMENT");
    assert_eq!(issue["location"]["placeName"], "オハヤシ 遊歩道");
    assert_eq!(issue["location"]["latitude"], 35.149);
    let history = issue["statusHistory"].as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["fromStatus"], Value::Null);
    assert_eq!(history[0]["toStatus"], "OPEN");
    assert_eq!(history[0]["actor"]["role"], "MUNICIPAL_ADMIN");
    assert_eq!(history[0]["actor"]["organizationName"], "真鶴町役場");
    let id = issue["id"].as_str().unwrap();

    for (who, token) in [
        ("anonymous", None),
        ("resident", Some(t.resident)),
        ("partner", Some(t.partner)),
        ("program staff", Some(t.staff)),
        ("Maebashi's admin", Some(t.maebashi_admin)),
    ] {
        assert!(!t.sees(token, id).await, "{who} sees a draft");
        let body = t
            .app
            .graphql(
                token,
                "{ localIssues(first: 100, filter: { published: false }) { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(
            body["data"]["localIssues"]["totalCount"], 0,
            "{who}: {body}"
        );
    }
    assert!(t.sees(Some(t.admin), id).await);
    assert!(t.sees(Some(t.platform_admin), id).await);

    let published = t
        .ok(
            t.admin,
            "updateLocalIssue",
            json!({ "id": id, "published": true, "location": null }),
            &format!("issue {{ {ISSUE} }}"),
        )
        .await;
    assert_eq!(published["issue"]["published"], true);
    assert_eq!(
        published["issue"]["location"],
        Value::Null,
        "null removes the location"
    );
    assert!(t.sees(None, id).await);
    assert!(t.sees(Some(t.maebashi_resident), id).await);
}

#[tokio::test]
async fn creating_an_issue_checks_every_field_and_writes_nothing_when_one_fails() {
    let t = town().await;
    let before = t.issue_counts(Some(t.admin)).await;
    let body = t
        .call(
            Some(t.admin),
            "createLocalIssue",
            json!({
                "title": "   ",
                "description": "あ".repeat(5001),
                "category": "MOBILITY",
                "location": { "latitude": 91.0, "longitude": -181.0 },
                "publish": true,
            }),
            "issue { id }",
        )
        .await;
    let payload = &body["data"]["createLocalIssue"];
    assert!(payload["issue"].is_null());
    let mut fields: Vec<(String, String)> = payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let path: Vec<&str> = e["field"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            (path.join("."), e["code"].as_str().unwrap().to_owned())
        })
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            ("input.description".into(), "TOO_LONG".into()),
            ("input.location.latitude".into(), "INVALID".into()),
            ("input.location.longitude".into(), "INVALID".into()),
            ("input.title".into(), "REQUIRED".into()),
        ]
    );
    let half = t
        .refused(
            t.admin,
            "createLocalIssue",
            json!({ "title": "課題", "description": "説明", "category": "OTHER", "location": { "latitude": 35.0 } }),
        )
        .await;
    assert_eq!(half, ["REQUIRED"], "a latitude needs a longitude");
    let long_title = t
        .refused(
            t.admin,
            "createLocalIssue",
            json!({ "title": "題".repeat(201), "description": "説明", "category": "OTHER" }),
        )
        .await;
    assert_eq!(long_title, ["TOO_LONG"]);
    assert_eq!(
        t.issue_counts(Some(t.admin)).await,
        before,
        "nothing was written"
    );

    let issue = t.issue("境界値の課題").await;
    let refused = t
        .refused(
            t.admin,
            "updateLocalIssue",
            json!({ "id": issue, "title": "新しい題", "location": { "placeName": "港", "latitude": -90.5, "longitude": 180.0 } }),
        )
        .await;
    assert_eq!(refused, ["INVALID"]);
    let node = t.node(None, &issue, "title location { placeName }").await;
    assert_eq!(
        node["title"], "境界値の課題",
        "a refused update changes nothing"
    );
    let edge = t
        .ok(
            t.admin,
            "updateLocalIssue",
            json!({ "id": issue, "location": { "placeName": "港", "latitude": -90.0, "longitude": 180.0 } }),
            "issue { location { latitude longitude } }",
        )
        .await;
    assert_eq!(edge["issue"]["location"]["latitude"], -90.0);
}

#[tokio::test]
async fn retrying_create_local_issue_with_the_same_key_returns_the_first_issue() {
    let t = town().await;
    let before = t.issue_counts(Some(t.admin)).await["total"]
        .as_u64()
        .unwrap();
    let input = json!({
        "title": "駅前の駐輪場不足",
        "description": "朝の時間帯に自転車を置けません。",
        "category": "MOBILITY",
        "publish": true,
        "idempotencyKey": "issue-2026-0001",
    });
    let first = t
        .ok(t.admin, "createLocalIssue", input.clone(), "issue { id }")
        .await;
    let second = t
        .ok(t.admin, "createLocalIssue", input, "issue { id }")
        .await;
    assert_eq!(first["issue"]["id"], second["issue"]["id"]);
    let reused = t
        .refused(
            t.admin,
            "createLocalIssue",
            json!({
                "title": "別の課題",
                "description": "別の説明",
                "category": "OTHER",
                "idempotencyKey": "issue-2026-0001",
            }),
        )
        .await;
    assert_eq!(reused, ["IDEMPOTENCY_KEY_REUSED"]);
    let after = t.issue_counts(Some(t.admin)).await["total"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before + 1);

    let issue = first["issue"]["id"].as_str().unwrap();
    let mut input = proposal_input(&[issue], "駐輪場のシェアリング");
    input["idempotencyKey"] = json!("proposal-1");
    let a = t
        .ok(
            t.partner,
            "createPartnerProject",
            input.clone(),
            "project { id }",
        )
        .await;
    let b = t
        .ok(
            t.partner,
            "createPartnerProject",
            input.clone(),
            "project { id }",
        )
        .await;
    assert_eq!(a["project"]["id"], b["project"]["id"]);
    // Even once the issue is taken on (no longer open), a retry returns the first result.
    let project = a["project"]["id"].as_str().unwrap();
    t.ok(
        t.partner,
        "submitPartnerProject",
        json!({ "id": project }),
        "project { id }",
    )
    .await;
    t.ok(
        t.admin,
        "approvePartnerProject",
        json!({ "id": project }),
        "project { id }",
    )
    .await;
    let c = t
        .ok(
            t.partner,
            "createPartnerProject",
            input,
            "project { id status }",
        )
        .await;
    assert_eq!(c["project"]["id"], a["project"]["id"]);
    assert_eq!(c["project"]["status"], "ACTIVE");
    let mine = t
        .app
        .graphql(
            Some(t.partner),
            "{ myPartnerProjects(first: 100) { nodes { title } } }",
            json!({}),
        )
        .await;
    let copies = mine["data"]["myPartnerProjects"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|node| node["title"] == "駐輪場のシェアリング")
        .count();
    assert_eq!(copies, 1);
}

#[tokio::test]
async fn only_a_towns_administrators_post_edit_close_and_reopen_its_issues() {
    let t = town().await;
    let published = t.issue("公開中の課題").await;
    let draft = t.new_issue("下書きの課題", false).await;
    let new_issue = json!({ "title": "課題", "description": "説明", "category": "OTHER", "municipalityId": t.manazuru });

    assert_eq!(
        t.denied(None, "createLocalIssue", new_issue.clone()).await,
        "UNAUTHENTICATED"
    );
    for token in [t.resident, t.partner, t.staff] {
        assert_eq!(
            t.denied(Some(token), "createLocalIssue", new_issue.clone())
                .await,
            "FORBIDDEN"
        );
        assert_eq!(
            t.denied(
                Some(token),
                "updateLocalIssue",
                json!({ "id": published, "title": "改題" })
            )
            .await,
            "FORBIDDEN"
        );
        assert_eq!(
            t.denied(
                Some(token),
                "closeLocalIssue",
                json!({ "id": published, "reason": "理由" })
            )
            .await,
            "FORBIDDEN"
        );
    }
    // Maebashi's admin: Manazuru's drafts do not exist for them, its public issues are
    // not theirs to change.
    let maebashi = Some(t.maebashi_admin);
    assert_eq!(
        t.denied(maebashi, "createLocalIssue", new_issue.clone())
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(
            maebashi,
            "updateLocalIssue",
            json!({ "id": draft, "title": "改題" })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        t.denied(
            maebashi,
            "closeLocalIssue",
            json!({ "id": draft, "reason": "理由" })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        t.denied(
            maebashi,
            "updateLocalIssue",
            json!({ "id": published, "title": "改題" })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(
            maebashi,
            "closeLocalIssue",
            json!({ "id": published, "reason": "理由" })
        )
        .await,
        "FORBIDDEN"
    );
    t.ok(
        t.admin,
        "closeLocalIssue",
        json!({ "id": published, "reason": "方針変更" }),
        "issue { id }",
    )
    .await;
    assert_eq!(
        t.denied(
            maebashi,
            "reopenLocalIssue",
            json!({ "id": published, "reason": "理由" })
        )
        .await,
        "FORBIDDEN"
    );
    let node = t.node(None, &published, "title status").await;
    assert_eq!(node["title"], "公開中の課題");
    assert_eq!(node["status"], "CLOSED_UNSOLVED");

    // Platform admins administer every municipality.
    t.ok(
        t.platform_admin,
        "createLocalIssue",
        new_issue,
        "issue { id }",
    )
    .await;
}

#[tokio::test]
async fn a_verified_project_solves_its_issues_and_the_public_history_names_roles_not_people() {
    let t = town().await;
    let before = t.issue_counts(None).await;
    let park = t.issue("港の見える広場づくり").await;
    let path = t.issue("広場までの坂道の手すり").await;
    let project = t
        .proposal(t.partner, &[&park, &path], "広場づくりプロジェクト（仮）")
        .await;
    let edited = t
        .ok(
            t.partner,
            "updatePartnerProject",
            json!({ "id": project, "title": "港の広場プロジェクト", "timeline": "2026年5月〜10月" }),
            &format!("project {{ {PROJECT} }}"),
        )
        .await;
    assert_eq!(edited["project"]["title"], "港の広場プロジェクト");
    assert_eq!(
        edited["project"]["organization"]["name"],
        "株式会社みなとサテライトラボ"
    );

    let submitted = t
        .ok(
            t.partner,
            "submitPartnerProject",
            json!({ "id": project }),
            &format!("project {{ {PROJECT} }}"),
        )
        .await;
    assert_eq!(submitted["project"]["status"], "SUBMITTED");
    assert!(submitted["project"]["submittedAt"].is_string());

    let approved = t
        .ok(
            t.admin,
            "approvePartnerProject",
            json!({ "id": project, "comment": "地域説明会の開催を条件に承認します。" }),
            &format!("project {{ {PROJECT} }}"),
        )
        .await;
    assert_eq!(approved["project"]["status"], "ACTIVE");
    assert!(approved["project"]["approvedAt"].is_string());
    for issue in approved["project"]["issues"].as_array().unwrap() {
        assert_eq!(issue["status"], "IN_PROGRESS", "{approved}");
    }

    let update = t
        .ok(
            t.partner,
            "postProjectUpdate",
            json!({ "projectId": project, "body": "ワークショップを開きました。", "progressPercent": 40, "milestone": "ワークショップ完了" }),
            "update { id body progressPercent milestone }",
        )
        .await;
    assert_eq!(update["update"]["progressPercent"], 40);
    assert_eq!(update["update"]["milestone"], "ワークショップ完了");
    let update_id = update["update"]["id"].as_str().unwrap();
    let fetched = t.node(None, update_id, "body progressPercent").await;
    assert_eq!(
        fetched["body"], "ワークショップを開きました。",
        "updates of public projects are public"
    );

    let completed = t
        .ok(
            t.partner,
            "completePartnerProject",
            json!({ "id": project, "outcomeReport": "広場を開設しました。\n利用者は月に約200人です。" }),
            &format!("project {{ {PROJECT} }}"),
        )
        .await;
    assert_eq!(completed["project"]["status"], "COMPLETED");
    assert_eq!(completed["project"]["progressPercent"], 40);
    assert_eq!(
        completed["project"]["outcomeReport"],
        "広場を開設しました。\n利用者は月に約200人です。"
    );
    assert_eq!(
        t.issue_status(&park).await,
        "IN_PROGRESS",
        "completion alone solves nothing"
    );
    // An issue a project is working on cannot be closed under it.
    assert_eq!(
        t.refused(
            t.admin,
            "closeLocalIssue",
            json!({ "id": park, "reason": "予算がつかないため" })
        )
        .await,
        ["INVALID_STATE"]
    );
    assert_eq!(t.issue_status(&park).await, "IN_PROGRESS");

    let verified = t
        .ok(
            t.admin,
            "verifyPartnerProject",
            json!({ "id": project }),
            &format!("project {{ {PROJECT} }}"),
        )
        .await;
    assert_eq!(verified["project"]["status"], "VERIFIED");
    assert!(verified["project"]["verifiedAt"].is_string());
    for id in [&park, &path] {
        let issue = t.node(None, id, "status solvedAt").await;
        assert_eq!(issue["status"], "SOLVED");
        assert!(issue["solvedAt"].is_string());
    }
    let after = t.issue_counts(None).await;
    assert_eq!(
        after["solved"].as_u64().unwrap(),
        before["solved"].as_u64().unwrap() + 2
    );

    // The public history: every step, with role, organization and reason.
    let public = t
        .node(
            None,
            &project,
            &format!("{HISTORY} updates {{ totalCount nodes {{ body }} }}"),
        )
        .await;
    let steps: Vec<(Value, Value, Value, Value)> = public["statusHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["fromStatus"].clone(),
                s["toStatus"].clone(),
                s["actor"]["role"].clone(),
                s["actor"]["organizationName"].clone(),
            )
        })
        .collect();
    let lab = json!("株式会社みなとサテライトラボ");
    let office = json!("真鶴町役場");
    assert_eq!(
        steps,
        [
            (Value::Null, json!("DRAFT"), json!("PARTNER"), lab.clone()),
            (
                json!("DRAFT"),
                json!("SUBMITTED"),
                json!("PARTNER"),
                lab.clone()
            ),
            (
                json!("SUBMITTED"),
                json!("ACTIVE"),
                json!("MUNICIPAL_ADMIN"),
                office.clone()
            ),
            (json!("ACTIVE"), json!("COMPLETED"), json!("PARTNER"), lab),
            (
                json!("COMPLETED"),
                json!("VERIFIED"),
                json!("MUNICIPAL_ADMIN"),
                office
            ),
        ]
    );
    assert_eq!(
        public["statusHistory"][2]["reason"],
        "地域説明会の開催を条件に承認します。"
    );
    assert_eq!(public["updates"]["totalCount"], 1);
    let issue_history = t.node(None, &park, HISTORY).await;
    let issue_steps: Vec<&str> = issue_history["statusHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["toStatus"].as_str().unwrap())
        .collect();
    assert_eq!(issue_steps, ["OPEN", "IN_PROGRESS", "SOLVED"]);
    assert!(
        issue_history["statusHistory"][1]["reason"]
            .as_str()
            .unwrap()
            .contains("港の広場プロジェクト")
    );
    let text = format!("{public}{issue_history}");
    for name in ["真鶴 恵子", "三ツ石 誠", "example.jp"] {
        assert!(!text.contains(name), "history shows {name}: {text}");
    }

    // Reopening takes the issue out of the solved count.
    let reopened = t
        .ok(
            t.admin,
            "reopenLocalIssue",
            json!({ "id": park, "reason": "遊具の老朽化で再び課題になりました。" }),
            &format!("issue {{ {ISSUE} }}"),
        )
        .await;
    assert_eq!(reopened["issue"]["status"], "OPEN");
    assert_eq!(reopened["issue"]["solvedAt"], Value::Null);
    assert_eq!(
        t.issue_counts(None).await["solved"].as_u64().unwrap(),
        before["solved"].as_u64().unwrap() + 1
    );
}

#[tokio::test]
async fn no_project_step_can_be_skipped_or_repeated() {
    let t = town().await;
    let issue = t.issue("順序を守る課題").await;
    let step = |mutation: &'static str, token: &str, id: &str| {
        let input = match mutation {
            "rejectPartnerProject" => json!({ "id": id, "comment": "見送ります。" }),
            "returnPartnerProject" => json!({ "id": id, "reason": "報告が不足しています。" }),
            "completePartnerProject" => json!({ "id": id, "outcomeReport": "完了しました。" }),
            "updatePartnerProject" => json!({ "id": id, "title": "改題" }),
            "postProjectUpdate" => {
                json!({ "projectId": id, "body": "進捗です。", "progressPercent": 10 })
            }
            "addInternalComment" => json!({ "projectId": id, "body": "確認です。" }),
            _ => json!({ "id": id }),
        };
        (mutation, token.to_owned(), input)
    };
    let admin = t.admin;
    let partner = t.partner;

    // Draft: nothing but submit (and edits). Admins do not see drafts at all.
    let draft = t.proposal(t.partner, &[&issue], "下書き").await;
    for (mutation, token, input) in [
        step("completePartnerProject", partner, &draft),
        step("postProjectUpdate", partner, &draft),
        step("addInternalComment", partner, &draft),
    ] {
        assert_eq!(
            t.refused(&token, mutation, input).await,
            ["INVALID_STATE"],
            "{mutation} on a draft"
        );
    }
    for mutation in [
        "approvePartnerProject",
        "verifyPartnerProject",
        "rejectPartnerProject",
    ] {
        let (mutation, _, input) = step(mutation, admin, &draft);
        assert_eq!(
            t.denied(Some(admin), mutation, input).await,
            "NOT_FOUND",
            "{mutation} on a draft"
        );
    }
    assert_eq!(t.project_status(&draft).await, "DRAFT");

    // Submitted: only approve or reject.
    let submitted = t.submitted(&[&issue], "審査中").await;
    for (mutation, token, input) in [
        step("submitPartnerProject", partner, &submitted),
        step("updatePartnerProject", partner, &submitted),
        step("completePartnerProject", partner, &submitted),
        step("postProjectUpdate", partner, &submitted),
        step("verifyPartnerProject", admin, &submitted),
        step("returnPartnerProject", admin, &submitted),
    ] {
        assert_eq!(
            t.refused(&token, mutation, input).await,
            ["INVALID_STATE"],
            "{mutation} when submitted"
        );
    }
    assert_eq!(t.project_status(&submitted).await, "SUBMITTED");
    assert_eq!(t.issue_status(&issue).await, "OPEN");

    // Rejected is final.
    let rejected = t.submitted(&[&issue], "不採択").await;
    t.ok(
        admin,
        "rejectPartnerProject",
        json!({ "id": rejected, "comment": "今回は見送ります。" }),
        "project { id }",
    )
    .await;
    for (mutation, token, input) in [
        step("approvePartnerProject", admin, &rejected),
        step("rejectPartnerProject", admin, &rejected),
        step("submitPartnerProject", partner, &rejected),
        step("updatePartnerProject", partner, &rejected),
        step("completePartnerProject", partner, &rejected),
    ] {
        assert_eq!(
            t.refused(&token, mutation, input).await,
            ["INVALID_STATE"],
            "{mutation} when rejected"
        );
    }
    assert_eq!(t.project_status(&rejected).await, "REJECTED");
    assert_eq!(
        t.issue_status(&issue).await,
        "OPEN",
        "a rejection moves no issue"
    );

    // Active: it cannot be verified before it is completed.
    let active = t.active(&[&issue], "実施中").await;
    for (mutation, token, input) in [
        step("approvePartnerProject", admin, &active),
        step("rejectPartnerProject", admin, &active),
        step("verifyPartnerProject", admin, &active),
        step("returnPartnerProject", admin, &active),
        step("submitPartnerProject", partner, &active),
        step("updatePartnerProject", partner, &active),
    ] {
        assert_eq!(
            t.refused(&token, mutation, input).await,
            ["INVALID_STATE"],
            "{mutation} when active"
        );
    }
    assert_eq!(t.project_status(&active).await, "ACTIVE");
    assert_eq!(t.issue_status(&issue).await, "IN_PROGRESS");

    // Completed: verify or return, nothing else.
    t.ok(
        partner,
        "completePartnerProject",
        json!({ "id": active, "outcomeReport": "完了" }),
        "project { id }",
    )
    .await;
    for (mutation, token, input) in [
        step("completePartnerProject", partner, &active),
        step("postProjectUpdate", partner, &active),
        step("approvePartnerProject", admin, &active),
        step("rejectPartnerProject", admin, &active),
    ] {
        assert_eq!(
            t.refused(&token, mutation, input).await,
            ["INVALID_STATE"],
            "{mutation} when completed"
        );
    }
    let returned = t
        .ok(
            admin,
            "returnPartnerProject",
            json!({ "id": active, "reason": "利用者数の根拠を添えてください。" }),
            "project { status completedAt }",
        )
        .await;
    assert_eq!(returned["project"]["status"], "ACTIVE");
    assert_eq!(returned["project"]["completedAt"], Value::Null);
    assert_eq!(t.issue_status(&issue).await, "IN_PROGRESS");
    t.ok(
        partner,
        "postProjectUpdate",
        json!({ "projectId": active, "body": "根拠を集めました。", "progressPercent": 100 }),
        "update { id }",
    )
    .await;
    t.ok(
        partner,
        "completePartnerProject",
        json!({ "id": active, "outcomeReport": "利用者数の記録を添えました。" }),
        "project { id }",
    )
    .await;
    t.ok(
        admin,
        "verifyPartnerProject",
        json!({ "id": active }),
        "project { id }",
    )
    .await;

    // Verified is final.
    for (mutation, token, input) in [
        step("verifyPartnerProject", admin, &active),
        step("returnPartnerProject", admin, &active),
        step("completePartnerProject", partner, &active),
        step("postProjectUpdate", partner, &active),
    ] {
        assert_eq!(
            t.refused(&token, mutation, input).await,
            ["INVALID_STATE"],
            "{mutation} when verified"
        );
    }
    assert_eq!(t.project_status(&active).await, "VERIFIED");
    assert_eq!(t.issue_status(&issue).await, "SOLVED");
    let history = t.node(None, &active, HISTORY).await;
    assert_eq!(
        history["statusHistory"].as_array().unwrap().len(),
        7,
        "{history}"
    );
    assert_eq!(
        history["statusHistory"][4]["reason"],
        "利用者数の根拠を添えてください。"
    );
}

#[tokio::test]
async fn issues_close_and_reopen_only_from_the_allowed_statuses_and_are_never_solved_directly() {
    let t = town().await;
    let issue = t.issue("閉じる課題").await;
    assert_eq!(
        t.refused(
            t.admin,
            "reopenLocalIssue",
            json!({ "id": issue, "reason": "再開" })
        )
        .await,
        ["INVALID_STATE"],
        "an open issue cannot be reopened"
    );
    assert_eq!(
        t.refused(
            t.admin,
            "closeLocalIssue",
            json!({ "id": issue, "reason": " " })
        )
        .await,
        ["REQUIRED"]
    );
    let closed = t
        .ok(
            t.admin,
            "closeLocalIssue",
            json!({ "id": issue, "reason": "予算の確保が難しいため終了します。" }),
            &format!("issue {{ status {HISTORY} }}"),
        )
        .await;
    assert_eq!(closed["issue"]["status"], "CLOSED_UNSOLVED");
    assert_eq!(
        closed["issue"]["statusHistory"][1]["reason"],
        "予算の確保が難しいため終了します。"
    );
    assert_eq!(
        t.refused(
            t.admin,
            "closeLocalIssue",
            json!({ "id": issue, "reason": "再度" })
        )
        .await,
        ["INVALID_STATE"]
    );
    assert_eq!(
        t.refused(
            t.admin,
            "reopenLocalIssue",
            json!({ "id": issue, "reason": "" })
        )
        .await,
        ["REQUIRED"]
    );
    t.ok(
        t.admin,
        "reopenLocalIssue",
        json!({ "id": issue, "reason": "予算がつきました。" }),
        "issue { id }",
    )
    .await;
    assert_eq!(t.issue_status(&issue).await, "OPEN");

    // An issue a project is working on cannot be closed under it; the project's
    // verification solves it.
    let project = t.active(&[&issue], "途中で止まる取組").await;
    assert_eq!(
        t.refused(
            t.admin,
            "closeLocalIssue",
            json!({ "id": issue, "reason": "計画変更" })
        )
        .await,
        ["INVALID_STATE"]
    );
    assert_eq!(t.issue_status(&issue).await, "IN_PROGRESS");
    t.ok(
        t.partner,
        "completePartnerProject",
        json!({ "id": project, "outcomeReport": "報告" }),
        "project { id }",
    )
    .await;
    t.ok(
        t.admin,
        "verifyPartnerProject",
        json!({ "id": project }),
        "project { id }",
    )
    .await;
    assert_eq!(t.issue_status(&issue).await, "SOLVED");

    // There is no way to set a status by hand.
    let body = t
        .app
        .graphql(
            None,
            "{ __schema { mutationType { fields { name } } } input: __type(name: \"UpdateLocalIssueInput\") { inputFields { name } } }",
            json!({}),
        )
        .await;
    let mutations: Vec<&str> = body["data"]["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(mutations.contains(&"closeLocalIssue"));
    assert!(
        !mutations.iter().any(|m| m.to_lowercase().contains("solve")),
        "{mutations:?}"
    );
    assert!(
        !body["data"]["input"]["inputFields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "status")
    );
}

#[tokio::test]
async fn review_comments_outcome_reports_and_reasons_are_required_where_the_rules_say_so() {
    let t = town().await;
    let issue = t.issue("理由が必要な課題").await;
    let submitted = t.submitted(&[&issue], "審査待ち").await;
    assert_eq!(
        t.refused(
            t.admin,
            "rejectPartnerProject",
            json!({ "id": submitted, "comment": "　" })
        )
        .await,
        ["REQUIRED"]
    );
    assert_eq!(t.project_status(&submitted).await, "SUBMITTED");
    let approved = t
        .ok(
            t.admin,
            "approvePartnerProject",
            json!({ "id": submitted, "comment": "  " }),
            &format!("project {{ status {HISTORY} }}"),
        )
        .await;
    assert_eq!(
        approved["project"]["status"], "ACTIVE",
        "the approval comment is optional"
    );
    assert_eq!(
        approved["project"]["statusHistory"][2]["reason"],
        Value::Null
    );
    assert_eq!(
        t.refused(
            t.partner,
            "completePartnerProject",
            json!({ "id": submitted, "outcomeReport": "" })
        )
        .await,
        ["REQUIRED"]
    );
    assert_eq!(t.project_status(&submitted).await, "ACTIVE");
    t.ok(
        t.partner,
        "completePartnerProject",
        json!({ "id": submitted, "outcomeReport": "成果" }),
        "project { id }",
    )
    .await;
    assert_eq!(
        t.refused(
            t.admin,
            "returnPartnerProject",
            json!({ "id": submitted, "reason": "\n" })
        )
        .await,
        ["REQUIRED"]
    );
    assert_eq!(t.project_status(&submitted).await, "COMPLETED");
}

#[tokio::test]
async fn partners_propose_only_against_open_published_issues_of_their_own_municipality() {
    let t = town().await;
    let open = t.issue("募集中の課題").await;
    let draft = t.new_issue("準備中の課題", false).await;
    let closed = t.issue("終了した課題").await;
    t.ok(
        t.admin,
        "closeLocalIssue",
        json!({ "id": closed, "reason": "終了" }),
        "issue { id }",
    )
    .await;
    let in_progress = t.issue("取組中の課題").await;
    t.active(&[&in_progress], "先行プロジェクト").await;
    let maebashi_issue = t
        .ok(
            t.maebashi_admin,
            "createLocalIssue",
            json!({ "title": "前橋の課題", "description": "説明", "category": "TOURISM", "publish": true }),
            "issue { id }",
        )
        .await["issue"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = t.listed_projects(Some(t.partner)).await;

    let body = t
        .call(
            Some(t.partner),
            "createPartnerProject",
            proposal_input(
                &[&open, &draft, &closed, &in_progress, &maebashi_issue],
                "欲張りな提案",
            ),
            "project { id }",
        )
        .await;
    let errors: Vec<(String, String)> = body["data"]["createPartnerProject"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"][2].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            ("1".into(), "NOT_FOUND".into()),
            ("2".into(), "INVALID_STATE".into()),
            ("3".into(), "INVALID_STATE".into()),
            ("4".into(), "NOT_ALLOWED".into()),
        ],
        "{body}"
    );
    assert_eq!(
        t.refused(
            t.partner,
            "createPartnerProject",
            proposal_input(&[], "課題なし")
        )
        .await,
        ["REQUIRED"]
    );
    let mut blank = proposal_input(&[&open], " ");
    blank["contact"] = json!("連".repeat(501));
    let mut codes = t.refused(t.partner, "createPartnerProject", blank).await;
    codes.sort();
    assert_eq!(codes, ["REQUIRED", "TOO_LONG"]);
    assert_eq!(
        t.listed_projects(Some(t.partner)).await,
        before,
        "nothing was created"
    );

    // Maebashi's partner cannot take on Manazuru's issues.
    assert_eq!(
        t.refused(
            t.maebashi_partner,
            "createPartnerProject",
            proposal_input(&[&open], "越境提案")
        )
        .await,
        ["NOT_ALLOWED"]
    );
    // Only partners propose.
    assert_eq!(
        t.denied(
            None,
            "createPartnerProject",
            proposal_input(&[&open], "匿名")
        )
        .await,
        "UNAUTHENTICATED"
    );
    for token in [t.resident, t.admin, t.staff] {
        assert_eq!(
            t.denied(
                Some(token),
                "createPartnerProject",
                proposal_input(&[&open], "役割違い")
            )
            .await,
            "FORBIDDEN"
        );
    }
    // A draft may be pointed at other issues, under the same rules.
    let project = t.proposal(t.partner, &[&open], "正しい提案").await;
    assert_eq!(
        t.refused(
            t.partner,
            "updatePartnerProject",
            json!({ "id": project, "issueIds": [closed] })
        )
        .await,
        ["INVALID_STATE"]
    );
    let second = t.issue("もう一つの課題").await;
    let moved = t
        .ok(
            t.partner,
            "updatePartnerProject",
            json!({ "id": project, "issueIds": [second, open] }),
            "project { issues { id } }",
        )
        .await;
    assert_eq!(ids(&moved["project"]["issues"]), set(&[&second, &open]));
    // An issue somebody proposed against stays public; one nobody did may go back to draft.
    assert_eq!(
        t.refused(
            t.admin,
            "updateLocalIssue",
            json!({ "id": open, "published": false })
        )
        .await,
        ["INVALID_STATE"]
    );
    assert!(t.sees(None, &open).await);
    let untouched = t.issue("まだ誰も提案していない課題").await;
    t.ok(
        t.admin,
        "updateLocalIssue",
        json!({ "id": untouched, "published": false }),
        "issue { id }",
    )
    .await;
    assert!(!t.sees(None, &untouched).await);
}

#[tokio::test]
async fn another_partner_never_sees_a_drafts_or_proposals_and_changes_nothing_of_another_organization()
 {
    let t = town().await;
    let other = t.second_partner().await;
    let issue = t.issue("二社が関心をもつ課題").await;
    let draft = t.proposal(t.partner, &[&issue], "みなとの下書き").await;
    let theirs = t.proposal(other, &[&issue], "海風の下書き").await;

    assert!(!t.sees(Some(other), &draft).await);
    assert!(!t.sees(Some(t.partner), &theirs).await);
    assert!(!t.listed_projects(Some(other)).await.contains(&draft));
    let mine = t
        .app
        .graphql(
            Some(other),
            "{ myPartnerProjects { nodes { id status } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ids(&mine["data"]["myPartnerProjects"]["nodes"]),
        set(&[&theirs])
    );
    for (mutation, input) in [
        (
            "updatePartnerProject",
            json!({ "id": draft, "title": "乗っ取り" }),
        ),
        ("submitPartnerProject", json!({ "id": draft })),
        (
            "addInternalComment",
            json!({ "projectId": draft, "body": "横から失礼" }),
        ),
        (
            "postProjectUpdate",
            json!({ "projectId": draft, "body": "横から", "progressPercent": 5 }),
        ),
    ] {
        assert_eq!(
            t.denied(Some(other), mutation, input).await,
            "NOT_FOUND",
            "{mutation}"
        );
    }

    t.ok(
        t.partner,
        "submitPartnerProject",
        json!({ "id": draft }),
        "project { id }",
    )
    .await;
    assert!(
        !t.sees(Some(other), &draft).await,
        "submitted proposals are not public"
    );
    assert_eq!(
        t.denied(
            Some(other),
            "updatePartnerProject",
            json!({ "id": draft, "title": "乗っ取り" })
        )
        .await,
        "NOT_FOUND"
    );

    t.ok(
        t.admin,
        "approvePartnerProject",
        json!({ "id": draft }),
        "project { id }",
    )
    .await;
    assert!(
        t.sees(Some(other), &draft).await,
        "active projects are public"
    );
    for (mutation, input) in [
        (
            "updatePartnerProject",
            json!({ "id": draft, "title": "乗っ取り" }),
        ),
        (
            "postProjectUpdate",
            json!({ "projectId": draft, "body": "横から", "progressPercent": 5 }),
        ),
        (
            "completePartnerProject",
            json!({ "id": draft, "outcomeReport": "横から" }),
        ),
        (
            "addInternalComment",
            json!({ "projectId": draft, "body": "横から" }),
        ),
    ] {
        assert_eq!(
            t.denied(Some(other), mutation, input.clone()).await,
            "FORBIDDEN",
            "{mutation}"
        );
        assert_eq!(
            t.denied(Some(t.maebashi_partner), mutation, input).await,
            "FORBIDDEN",
            "Maebashi's partner: {mutation}"
        );
    }
    let project = t.node(None, &draft, "title status progressPercent").await;
    assert_eq!(project["title"], "みなとの下書き");
    assert_eq!(project["status"], "ACTIVE");
    assert_eq!(project["progressPercent"], 0);
}

#[tokio::test]
async fn drafts_and_proposals_under_review_stay_out_of_sight() {
    let t = town().await;
    let other = t.second_partner().await;
    let issue = t.issue("見え方を確かめる課題").await;
    let draft = t.proposal(t.partner, &[&issue], "下書き").await;
    let submitted = t.submitted(&[&issue], "審査中").await;
    let rejected = t.submitted(&[&issue], "不採択").await;
    t.ok(
        t.admin,
        "rejectPartnerProject",
        json!({ "id": rejected, "comment": "見送り" }),
        "project { id }",
    )
    .await;
    let active = t.active(&[&issue], "実施中").await;

    let viewers: [(&str, Option<&str>, [bool; 4]); 10] = [
        // who, token, sees [draft, submitted, rejected, active]
        ("anonymous", None, [false, false, false, true]),
        ("resident", Some(t.resident), [false, false, false, true]),
        ("program staff", Some(t.staff), [false, false, false, true]),
        ("another partner", Some(other), [false, false, false, true]),
        (
            "Maebashi's partner",
            Some(t.maebashi_partner),
            [false, false, false, true],
        ),
        (
            "Maebashi's resident",
            Some(t.maebashi_resident),
            [false, false, false, true],
        ),
        (
            "Maebashi's admin",
            Some(t.maebashi_admin),
            [false, false, false, true],
        ),
        ("Manazuru's admin", Some(t.admin), [false, true, true, true]),
        (
            "the platform admin",
            Some(t.platform_admin),
            [false, true, true, true],
        ),
        (
            "the proposing partner",
            Some(t.partner),
            [true, true, true, true],
        ),
    ];
    for (who, token, expected) in viewers {
        let listed = t.listed_projects(token).await;
        for (project, sees) in [&draft, &submitted, &rejected, &active]
            .into_iter()
            .zip(expected)
        {
            assert_eq!(
                t.sees(token, project).await,
                sees,
                "{who} via node: {project}"
            );
            assert_eq!(listed.contains(project), sees, "{who} via list: {project}");
        }
        // The issue lists only projects the viewer may see, too.
        let issue = t.node(token, &issue, "projects { id }").await;
        assert_eq!(
            ids(&issue["projects"]).len(),
            expected.iter().filter(|sees| **sees).count(),
            "{who} via issue.projects"
        );
    }
    let counts = t
        .app
        .graphql(
            None,
            "query($m: ID!) { partnerProjectStatusCounts(municipalityId: $m) { draft submitted rejected } }",
            json!({ "m": t.manazuru }),
        )
        .await;
    assert_eq!(
        counts["data"]["partnerProjectStatusCounts"],
        json!({ "draft": 0, "submitted": 0, "rejected": 0 }),
        "the public counts only public projects"
    );
}

#[tokio::test]
async fn internal_comments_stay_between_the_town_and_the_projects_partner() {
    let t = town().await;
    let other = t.second_partner().await;
    let issue = t.issue("内部でやりとりする課題").await;
    let project = t.submitted(&[&issue], "内部コメントのある提案").await;
    let question = t
        .ok(
            t.admin,
            "addInternalComment",
            json!({ "projectId": project, "body": "見積の内訳を教えてください。" }),
            "comment { id body authorRole authorName authorOrganization { name } }",
        )
        .await;
    assert_eq!(question["comment"]["authorRole"], "MUNICIPAL_ADMIN");
    assert_eq!(
        question["comment"]["authorOrganization"]["name"],
        "真鶴町役場"
    );
    t.ok(
        t.partner,
        "addInternalComment",
        json!({ "projectId": project, "body": "資料をお送りします。", "idempotencyKey": "reply-1" }),
        "comment { id }",
    )
    .await;
    t.ok(
        t.admin,
        "approvePartnerProject",
        json!({ "id": project }),
        "project { id }",
    )
    .await;

    let read = "query($id: ID!) { node(id: $id) { ... on PartnerProject { title internalComments { totalCount nodes { body authorName } } } } }";
    for token in [t.admin, t.partner, t.platform_admin] {
        let body = t
            .app
            .graphql(Some(token), read, json!({ "id": project }))
            .await;
        assert_eq!(error_code(&body), None, "{body}");
        let comments = &body["data"]["node"]["internalComments"];
        assert_eq!(comments["totalCount"], 2, "{body}");
        assert_eq!(comments["nodes"][0]["body"], "見積の内訳を教えてください。");
    }
    for (who, token, code) in [
        ("anonymous", None, "UNAUTHENTICATED"),
        ("resident", Some(t.resident), "FORBIDDEN"),
        ("another partner", Some(other), "FORBIDDEN"),
        ("program staff", Some(t.staff), "FORBIDDEN"),
        ("Maebashi's admin", Some(t.maebashi_admin), "FORBIDDEN"),
        ("Maebashi's partner", Some(t.maebashi_partner), "FORBIDDEN"),
    ] {
        let body = t.app.graphql(token, read, json!({ "id": project })).await;
        assert_eq!(error_code(&body), Some(code), "{who}: {body}");
        assert_eq!(
            body["data"]["node"]["title"], "内部コメントのある提案",
            "{who}: the project stays readable"
        );
        assert_eq!(
            body["data"]["node"]["internalComments"],
            Value::Null,
            "{who}"
        );
        assert!(
            !body.to_string().contains("見積"),
            "{who} read an internal comment"
        );
        let comment_id = question["comment"]["id"].as_str().unwrap();
        let node = t
            .app
            .graphql(
                token,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": comment_id }),
            )
            .await;
        assert_eq!(
            node["data"]["node"],
            Value::Null,
            "{who} fetched the comment by id"
        );
        let write = json!({ "projectId": project, "body": "割り込み" });
        let expected = if token.is_none() {
            "UNAUTHENTICATED"
        } else {
            "FORBIDDEN"
        };
        assert_eq!(
            t.denied(token, "addInternalComment", write).await,
            expected,
            "{who}"
        );
    }
}

#[tokio::test]
async fn residents_comment_on_published_issues_and_hidden_comments_disappear_for_the_public() {
    let t = town().await;
    let issue = t.issue("コメントを受け付ける課題").await;
    let draft = t.new_issue("まだ非公開の課題", false).await;
    let comment_input = |issue: &str, body: &str| json!({ "issueId": issue, "body": body });

    let comment = t
        .ok(
            t.resident,
            "addIssueComment",
            comment_input(&issue, "ぜひ進めてほしいです。"),
            "comment { id body hidden viewerIsAuthor }",
        )
        .await;
    assert_eq!(comment["comment"]["viewerIsAuthor"], true);
    let comment_id = comment["comment"]["id"].as_str().unwrap().to_owned();
    t.ok(
        t.resident,
        "addIssueComment",
        comment_input(&issue, "私も賛成です。"),
        "comment { id }",
    )
    .await;

    assert_eq!(
        t.denied(None, "addIssueComment", comment_input(&issue, "匿名"))
            .await,
        "UNAUTHENTICATED"
    );
    for token in [t.partner, t.admin, t.staff] {
        assert_eq!(
            t.denied(
                Some(token),
                "addIssueComment",
                comment_input(&issue, "役割違い")
            )
            .await,
            "FORBIDDEN"
        );
    }
    assert_eq!(
        t.denied(
            Some(t.maebashi_resident),
            "addIssueComment",
            comment_input(&issue, "よその町から")
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(
            Some(t.resident),
            "addIssueComment",
            comment_input(&draft, "下書きへ")
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        t.refused(t.resident, "addIssueComment", comment_input(&issue, "  "))
            .await,
        ["REQUIRED"]
    );

    let read = "commentCount comments { totalCount nodes { id body hidden hiddenReason viewerIsAuthor author { email } } }";
    let public = t.node(None, &issue, read).await;
    assert_eq!(public["commentCount"], 2);
    assert_eq!(public["comments"]["nodes"][0]["viewerIsAuthor"], false);
    assert_eq!(
        public["comments"]["nodes"][0]["author"],
        Value::Null,
        "residents' names stay private"
    );

    let hide = json!({ "commentId": comment_id, "reason": "個人を特定できる情報が含まれるため" });
    assert_eq!(
        t.denied(Some(t.maebashi_admin), "hideComment", hide.clone())
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(Some(t.resident), "hideComment", hide.clone())
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.refused(
            t.admin,
            "hideComment",
            json!({ "commentId": comment_id, "reason": "" })
        )
        .await,
        ["REQUIRED"]
    );
    let hidden = t
        .ok(
            t.admin,
            "hideComment",
            hide.clone(),
            "comment { hidden hiddenReason hiddenAt }",
        )
        .await;
    assert_eq!(hidden["comment"]["hidden"], true);
    assert!(hidden["comment"]["hiddenAt"].is_string());
    assert_eq!(
        t.refused(t.admin, "hideComment", hide.clone()).await,
        ["INVALID_STATE"]
    );
    assert_eq!(
        t.denied(Some(t.maebashi_admin), "hideComment", hide).await,
        "NOT_FOUND",
        "a hidden comment no longer exists for other towns"
    );

    for (who, token) in [
        ("anonymous", None),
        ("the author", Some(t.resident)),
        ("a partner", Some(t.partner)),
    ] {
        let seen = t.node(token, &issue, read).await;
        assert_eq!(seen["commentCount"], 1, "{who}");
        assert_eq!(seen["comments"]["totalCount"], 1, "{who}");
        assert_eq!(
            seen["comments"]["nodes"][0]["body"], "私も賛成です。",
            "{who}"
        );
        let node = t
            .app
            .graphql(
                token,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": comment_id }),
            )
            .await;
        assert_eq!(node["data"]["node"], Value::Null, "{who}");
    }
    let moderated = t.node(Some(t.admin), &issue, read).await;
    assert_eq!(moderated["commentCount"], 2);
    let flagged = &moderated["comments"]["nodes"][0];
    assert_eq!(flagged["hidden"], true);
    assert_eq!(
        flagged["hiddenReason"],
        "個人を特定できる情報が含まれるため"
    );
    assert_eq!(flagged["author"]["email"], "manazuru-resident@example.jp");

    // An administrator of the town shows it again: everyone reads it, the reason goes.
    let unhide = json!({ "commentId": comment_id });
    assert_eq!(
        t.denied(Some(t.resident), "unhideComment", unhide.clone())
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(Some(t.maebashi_admin), "unhideComment", unhide.clone())
            .await,
        "NOT_FOUND"
    );
    let shown = t
        .ok(
            t.admin,
            "unhideComment",
            unhide.clone(),
            "comment { hidden hiddenReason hiddenAt }",
        )
        .await;
    assert_eq!(shown["comment"]["hidden"], false);
    assert_eq!(shown["comment"]["hiddenReason"], Value::Null);
    assert_eq!(
        t.refused(t.admin, "unhideComment", unhide).await,
        ["INVALID_STATE"]
    );
    let public = t.node(None, &issue, read).await;
    assert_eq!(public["commentCount"], 2, "{public}");
}

#[tokio::test]
async fn progress_updates_are_checked_and_activity_brings_issues_and_projects_to_the_top() {
    let t = town().await;
    let quiet = t.issue("静かな課題").await;
    let busy = t.issue("にぎやかな課題").await;
    let project = t.active(&[&quiet], "進捗を報告するプロジェクト").await;
    let other_project = t.active(&[&busy], "もう一つのプロジェクト").await;

    for (progress, body, code) in [
        (101, "進捗", "INVALID"),
        (-1, "進捗", "INVALID"),
        (50, " ", "REQUIRED"),
    ] {
        assert_eq!(
            t.refused(
                t.partner,
                "postProjectUpdate",
                json!({ "projectId": project, "body": body, "progressPercent": progress })
            )
            .await,
            [code]
        );
    }
    let node = t
        .node(None, &project, "progressPercent updates { totalCount }")
        .await;
    assert_eq!(node["updates"]["totalCount"], 0, "nothing was written");
    assert_eq!(node["progressPercent"], 0);

    let top = |what: &'static str| {
        let t = &t;
        async move {
            let query = format!(
                "query($m: ID!) {{ {what}(first: 1, filter: {{ municipalityId: $m }}, orderBy: RECENT_ACTIVITY) {{ nodes {{ id }} }} }}"
            );
            let body = t
                .app
                .graphql(None, &query, json!({ "m": t.manazuru }))
                .await;
            body["data"][what]["nodes"][0]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned()
        }
    };
    assert_eq!(top("partnerProjects").await, other_project);

    t.ok(
        t.partner,
        "postProjectUpdate",
        json!({ "projectId": project, "body": "第一段階を終えました。", "progressPercent": 0 }),
        "update { id }",
    )
    .await;
    t.ok(
        t.partner,
        "postProjectUpdate",
        json!({ "projectId": project, "body": "第二段階を終えました。", "progressPercent": 100, "milestone": "完了目前" }),
        "update { id }",
    )
    .await;
    assert_eq!(top("partnerProjects").await, project);
    assert_eq!(
        top("localIssues").await,
        quiet,
        "a project update is activity on its issues"
    );
    let node = t
        .node(
            None,
            &project,
            "progressPercent updates { nodes { body progressPercent milestone } }",
        )
        .await;
    assert_eq!(node["progressPercent"], 100);
    assert_eq!(
        node["updates"]["nodes"][0]["body"], "第二段階を終えました。",
        "newest first"
    );
    assert_eq!(node["updates"]["nodes"][0]["milestone"], "完了目前");

    t.ok(
        t.resident,
        "addIssueComment",
        json!({ "issueId": busy, "body": "応援しています。" }),
        "comment { id }",
    )
    .await;
    assert_eq!(top("localIssues").await, busy, "a comment is activity");
    t.ok(
        t.admin,
        "addInternalComment",
        json!({ "projectId": other_project, "body": "進捗はいかがですか。" }),
        "comment { id }",
    )
    .await;
    assert_eq!(
        top("partnerProjects").await,
        other_project,
        "an internal comment is activity"
    );
    t.ok(
        t.admin,
        "updateLocalIssue",
        json!({ "id": quiet, "description": "説明を更新しました。" }),
        "issue { id }",
    )
    .await;
    assert_eq!(top("localIssues").await, quiet, "an edit is activity");

    let newest = t
        .app
        .graphql(
            None,
            "query($m: ID!) { localIssues(first: 1, filter: { municipalityId: $m }, orderBy: NEWEST) { nodes { id } } }",
            json!({ "m": t.manazuru }),
        )
        .await;
    assert_eq!(
        newest["data"]["localIssues"]["nodes"][0]["id"],
        busy.as_str()
    );
}

#[tokio::test]
async fn lists_filter_by_status_category_partner_organization_and_municipality() {
    let t = town().await;
    let lab = t
        .app
        .graphql(
            None,
            "{ municipality(jisCode: \"14384\") { organizations(kind: PARTNER_COMPANY) { nodes { id name } } } }",
            json!({}),
        )
        .await["data"]["municipality"]["organizations"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = |token: Option<&'static str>, filter: Value| {
        let t = &t;
        async move {
            let body = t
                .app
                .graphql(
                    token,
                    "query($f: LocalIssueFilter!) { localIssues(first: 100, filter: $f) { totalCount nodes { title } } }",
                    json!({ "f": filter }),
                )
                .await;
            assert_eq!(error_code(&body), None, "{body}");
            titles(&body["data"]["localIssues"]["nodes"])
        }
    };
    let m = t.manazuru.clone();
    assert_eq!(
        list(None, json!({ "municipalityId": m, "status": ["SOLVED"] })).await,
        set(&[
            "子どもが安心して遊べる公園づくり",
            "放課後に子どもが学べる場所がほしい"
        ])
    );
    assert_eq!(
        list(
            None,
            json!({ "municipalityId": m, "category": ["MOBILITY", "TOURISM"] })
        )
        .await,
        set(&[
            "高齢者や子育て世帯の移動手段の確保",
            "半島の観光情報を多言語で届けたい"
        ])
    );
    assert_eq!(
        list(
            None,
            json!({ "municipalityId": m, "status": ["CLOSED_UNSOLVED"] })
        )
        .await,
        set(&["旧保育所跡地の活用"])
    );
    // Issues taken on by the lab's projects, as far as each viewer may see those projects.
    let public = set(&[
        "子どもが安心して遊べる公園づくり",
        "高齢者や子育て世帯の移動手段の確保",
        "半島の観光情報を多言語で届けたい",
        "放課後に子どもが学べる場所がほしい",
    ]);
    assert_eq!(
        list(None, json!({ "partnerOrganizationId": lab })).await,
        public
    );
    let mut for_admin = public.clone();
    for_admin.extend(set(&[
        "一時保育の空き状況をオンラインで確認したい",
        "地域課題に取り組むデジタルプラットフォームの構築",
    ]));
    assert_eq!(
        list(Some(t.admin), json!({ "partnerOrganizationId": lab })).await,
        for_admin
    );
    let mut for_partner = for_admin.clone();
    for_partner.insert("津波避難情報をだれにでも届けたい".into());
    assert_eq!(
        list(Some(t.partner), json!({ "partnerOrganizationId": lab })).await,
        for_partner
    );
    assert_eq!(
        list(None, json!({ "municipalityId": t.maebashi })).await,
        set(&[
            "子育てひろばの混雑状況を見える化したい",
            "女性がテレワークで働ける場の確保"
        ])
    );

    let projects = |token: Option<&'static str>, filter: Value| {
        let t = &t;
        async move {
            let body = t
                .app
                .graphql(
                    token,
                    "query($f: PartnerProjectFilter!) { partnerProjects(first: 100, filter: $f) { nodes { title } } }",
                    json!({ "f": filter }),
                )
                .await;
            assert_eq!(error_code(&body), None, "{body}");
            titles(&body["data"]["partnerProjects"]["nodes"])
        }
    };
    let park = t
        .app
        .graphql(
            None,
            "query($m: ID!) { localIssues(filter: { municipalityId: $m, status: [SOLVED] }) { nodes { id } } }",
            json!({ "m": m }),
        )
        .await["data"]["localIssues"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        projects(None, json!({ "issueId": park })).await,
        set(&["みんなでつくる岩海岸こども公園"])
    );
    assert_eq!(
        projects(
            None,
            json!({ "municipalityId": m, "status": ["ACTIVE", "COMPLETED"] })
        )
        .await,
        set(&[
            "オンデマンド乗合交通の実証運行",
            "真鶴半島 多言語デジタルマップの制作"
        ])
    );
    assert_eq!(
        projects(
            Some(t.admin),
            json!({ "municipalityId": m, "status": ["SUBMITTED", "REJECTED", "DRAFT"] })
        )
        .await,
        set(&[
            "一時保育予約のオンライン化",
            "地域課題マッチングアプリの開発",
            "町の申請システムと連携する地域課題の受付窓口"
        ])
    );
    assert_eq!(
        projects(None, json!({ "municipalityId": t.maebashi })).await,
        set(&["親子元気ルームの混雑状況リアルタイム表示"])
    );

    // Cursor paging in recent-activity order walks every visible issue exactly once.
    let mut walked = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = t
            .app
            .graphql(
                None,
                "query($after: String) { localIssues(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id lastActivityAt } } }",
                json!({ "after": after }),
            )
            .await;
        let page = &body["data"]["localIssues"];
        walked.extend(page["nodes"].as_array().unwrap().iter().cloned());
        if page["pageInfo"]["hasNextPage"] != true {
            assert_eq!(walked.len() as u64, page["totalCount"].as_u64().unwrap());
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        ids(&Value::Array(walked.clone())).len(),
        walked.len(),
        "no issue twice"
    );
    let times: Vec<&str> = walked
        .iter()
        .map(|n| n["lastActivityAt"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "most recent first: {times:?}"
    );
    assert_eq!(
        projects(
            Some(t.maebashi_partner),
            json!({ "partnerOrganizationId": lab, "status": ["DRAFT"] })
        )
        .await,
        set(&[])
    );
    let mine = t
        .app
        .graphql(
            Some(t.partner),
            "{ myPartnerProjects(filter: { status: [DRAFT] }) { nodes { title } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        titles(&mine["data"]["myPartnerProjects"]["nodes"]),
        set(&["多言語・文字表示の防災アラート試行"])
    );
    for token in [None, Some(t.admin), Some(t.resident)] {
        let body = t
            .app
            .graphql(token, "{ myPartnerProjects { totalCount } }", json!({}))
            .await;
        assert_eq!(
            error_code(&body),
            Some(if token.is_none() {
                "UNAUTHENTICATED"
            } else {
                "FORBIDDEN"
            })
        );
    }
}

#[tokio::test]
async fn demo_data_covers_every_status_and_loading_it_twice_duplicates_nothing() {
    let t = town().await;
    let counts = |token: Option<&'static str>| {
        let t = &t;
        async move {
            let body = t
                .app
                .graphql(
                    token,
                    "query($m: ID!) {
                        localIssueStatusCounts(municipalityId: $m) { open inProgress solved closedUnsolved total }
                        partnerProjectStatusCounts(municipalityId: $m) { draft submitted rejected active completed verified total }
                    }",
                    json!({ "m": t.manazuru }),
                )
                .await;
            assert_eq!(error_code(&body), None, "{body}");
            body["data"].clone()
        }
    };
    let public = counts(None).await;
    assert_eq!(
        public["localIssueStatusCounts"],
        json!({ "open": 3, "inProgress": 2, "solved": 2, "closedUnsolved": 1, "total": 8 })
    );
    assert_eq!(
        public["partnerProjectStatusCounts"],
        json!({ "draft": 0, "submitted": 0, "rejected": 0, "active": 1, "completed": 1, "verified": 2, "total": 4 })
    );
    let admin = counts(Some(t.admin)).await;
    assert_eq!(
        admin["localIssueStatusCounts"]["open"], 4,
        "the draft issue"
    );
    assert_eq!(
        admin["partnerProjectStatusCounts"],
        json!({ "draft": 0, "submitted": 2, "rejected": 1, "active": 1, "completed": 1, "verified": 2, "total": 7 }),
        "one proposal was rejected, revised and resubmitted"
    );
    let partner = counts(Some(t.partner)).await;
    assert_eq!(partner["partnerProjectStatusCounts"]["draft"], 1);
    assert_eq!(partner["partnerProjectStatusCounts"]["total"], 8);

    let park = t
        .app
        .graphql(
            Some(t.admin),
            "query($m: ID!) { localIssues(filter: { municipalityId: $m, status: [SOLVED], category: [PARKS] }) { nodes { title commentCount projects { title status updates { totalCount } } statusHistory { toStatus } } } }",
            json!({ "m": t.manazuru }),
        )
        .await["data"]["localIssues"]["nodes"][0]
        .clone();
    assert_eq!(
        park["projects"][0]["title"],
        "みんなでつくる岩海岸こども公園"
    );
    assert_eq!(park["projects"][0]["status"], "VERIFIED");
    assert_eq!(park["projects"][0]["updates"]["totalCount"], 3);
    assert_eq!(park["commentCount"], 2, "one comment is hidden");

    let db = tsunagu::db::connect(&t.app.database_url).await.unwrap();
    // The KPI counts issues solved in a period: the park, solved while loading the demo,
    // and the after-school classroom, solved last fiscal year.
    let (_, manazuru) = tsunagu::graphql::ids::decode(&t.manazuru.clone().into())
        .unwrap()
        .expect("an id of ours");
    let now = chrono::Utc::now();
    let solved = |from, until| {
        tsunagu::domains::partnership::service::issues_solved(&db, manazuru, from, until)
    };
    let day = chrono::Duration::days(1);
    assert_eq!(solved(now - day, now + day).await.unwrap().len(), 1);
    assert_eq!(solved(now - day - day, now - day).await.unwrap().len(), 0);
    let last_year = tsunagu::fiscal::year_of(now) - 1;
    let (from, until) = tsunagu::fiscal::bounds(last_year).unwrap();
    assert_eq!(solved(from, until).await.unwrap().len(), 1);

    tsunagu::app::demo::load(&db).await.unwrap();
    assert_eq!(counts(None).await, public);
    assert_eq!(counts(Some(t.admin)).await, admin);
    assert_eq!(counts(Some(t.partner)).await, partner);
    let again = t
        .app
        .graphql(
            Some(t.admin),
            "query($m: ID!) { localIssues(filter: { municipalityId: $m, status: [SOLVED], category: [PARKS] }) { nodes { title commentCount projects { title status updates { totalCount } } statusHistory { toStatus } } } }",
            json!({ "m": t.manazuru }),
        )
        .await["data"]["localIssues"]["nodes"][0]
        .clone();
    assert_eq!(again, park);
    let maebashi = t
        .app
        .graphql(
            None,
            "query($m: ID!) { localIssueStatusCounts(municipalityId: $m) { total } }",
            json!({ "m": t.maebashi }),
        )
        .await;
    assert_eq!(maebashi["data"]["localIssueStatusCounts"]["total"], 2);
}

#[tokio::test]
async fn listing_issues_and_projects_costs_the_same_statements_for_any_page_size() {
    let t = town().await;
    // Each loader key is asked for from one place per query: a key asked for from two
    // branches may be batched once or twice depending on timing, whatever the page size.
    let issues = "query($n: Int!) { localIssues(first: $n) { totalCount nodes { title municipality { nameJa } commentCount projects { title organization { name } } statusHistory { toStatus actor { role } } } } }";
    let issue_actors = "query($n: Int!) { localIssues(first: $n) { nodes { statusHistory { actor { organizationName } } } } }";
    let projects = "query($n: Int!) { partnerProjects(first: $n) { totalCount nodes { title municipality { nameJa } issues { title commentCount } statusHistory { toStatus actor { organizationName } } revisions { revisionNumber } } } }";
    let project_organizations = "query($n: Int!) { partnerProjects(first: $n) { nodes { organization { name } issues { projects { title } } } } }";
    for (query, what, sizes) in [
        (issues, "localIssues", [2, 8]),
        (issue_actors, "localIssues", [2, 8]),
        (projects, "partnerProjects", [1, 4]),
        (project_organizations, "partnerProjects", [1, 4]),
    ] {
        let mut costs = Vec::new();
        for first in sizes {
            let cost = t
                .app
                .cheapest_statements(3, async || {
                    let body = t
                        .app
                        .graphql(Some(t.platform_admin), query, json!({ "n": first }))
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
        assert!(costs[0] <= 10, "{what}: statements per request: {costs:?}");
    }
}

#[tokio::test]
async fn each_project_step_is_announced_on_the_event_bus() {
    let t = town().await;
    // A server of our own on the same database, so the test can listen to its bus.
    let app = Application::build(Settings {
        database_url: t.app.database_url.clone(),
        host: "127.0.0.1".parse().unwrap(),
        port: 0,
        demo: false,
        index_dir: None,
        limits: tsunagu::config::Limits::default(),
        health_hub: None,
    })
    .await
    .unwrap();
    let mut events = app.state().events.subscribe();
    let address = format!("http://{}/graphql", app.local_addr().unwrap());
    let (_stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let run = |token: &str, mutation: &str, input: Value| {
        let query = format!(
            "mutation($input: {}!) {{ {mutation}(input: $input) {{ userErrors {{ code }} }} }}",
            input_type(mutation)
        );
        let request = client
            .post(&address)
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": { "input": input } }));
        async move {
            let body: Value = request.send().await.unwrap().json().await.unwrap();
            assert_eq!(error_code(&body), None, "{body}");
        }
    };

    let issue = t.issue("告知される課題").await;
    let project = t
        .proposal(t.partner, &[&issue], "告知されるプロジェクト")
        .await;
    run(t.partner, "submitPartnerProject", json!({ "id": project })).await;
    run(t.admin, "approvePartnerProject", json!({ "id": project })).await;
    run(
        t.partner,
        "postProjectUpdate",
        json!({ "projectId": project, "body": "進捗", "progressPercent": 50 }),
    )
    .await;
    run(
        t.partner,
        "completePartnerProject",
        json!({ "id": project, "outcomeReport": "成果" }),
    )
    .await;
    run(t.admin, "verifyPartnerProject", json!({ "id": project })).await;

    let (_, project_uuid) = tsunagu::graphql::ids::decode(&project.clone().into())
        .unwrap()
        .expect("an id of ours");
    let (_, manazuru_uuid) = tsunagu::graphql::ids::decode(&t.manazuru.clone().into())
        .unwrap()
        .expect("an id of ours");
    let mut topics = Vec::new();
    while topics.len() < 5 {
        let event = tokio::time::timeout(std::time::Duration::from_secs(5), events.recv())
            .await
            .expect("an event within 5 seconds")
            .unwrap();
        if !event.topic.starts_with("partnership.") {
            continue;
        }
        assert_eq!(event.subject_id, project_uuid);
        assert_eq!(event.municipality_id, Some(manazuru_uuid));
        assert_eq!(event.user_id, None);
        topics.push(event.topic);
    }
    assert_eq!(
        topics,
        [
            "partnership.project.submitted",
            "partnership.project.approved",
            "partnership.project.updated",
            "partnership.project.completed",
            "partnership.project.verified",
        ]
    );
}

#[tokio::test]
async fn an_admin_of_another_town_can_review_none_of_manazurus_projects() {
    let t = town().await;
    let issue = t.issue("よその町の管理者には触れない課題").await;
    let submitted = t.submitted(&[&issue], "審査中の提案").await;
    let completed = t.completed(&[&issue], "完了報告済みの取組").await;
    let maebashi = Some(t.maebashi_admin);
    for (mutation, input, code) in [
        (
            "approvePartnerProject",
            json!({ "id": submitted }),
            "NOT_FOUND",
        ),
        (
            "rejectPartnerProject",
            json!({ "id": submitted, "comment": "却下" }),
            "NOT_FOUND",
        ),
        (
            "verifyPartnerProject",
            json!({ "id": completed }),
            "FORBIDDEN",
        ),
        (
            "returnPartnerProject",
            json!({ "id": completed, "reason": "差し戻し" }),
            "FORBIDDEN",
        ),
        (
            "addInternalComment",
            json!({ "projectId": completed, "body": "口出し" }),
            "FORBIDDEN",
        ),
    ] {
        assert_eq!(
            t.denied(maebashi, mutation, input).await,
            code,
            "{mutation}"
        );
    }
    // Residents and partners are refused by role before anything is looked up.
    for token in [t.resident, t.partner] {
        assert_eq!(
            t.denied(
                Some(token),
                "verifyPartnerProject",
                json!({ "id": completed })
            )
            .await,
            "FORBIDDEN"
        );
        assert_eq!(
            t.denied(
                Some(token),
                "approvePartnerProject",
                json!({ "id": submitted })
            )
            .await,
            "FORBIDDEN"
        );
    }
    assert_eq!(
        t.denied(None, "approvePartnerProject", json!({ "id": submitted }))
            .await,
        "UNAUTHENTICATED"
    );
    assert_eq!(t.project_status(&submitted).await, "SUBMITTED");
    assert_eq!(t.project_status(&completed).await, "COMPLETED");
    assert_eq!(t.issue_status(&issue).await, "IN_PROGRESS");
    // The town's own admin can.
    t.ok(
        t.admin,
        "verifyPartnerProject",
        json!({ "id": completed }),
        "project { id }",
    )
    .await;
    assert_eq!(t.issue_status(&issue).await, "SOLVED");
}

#[tokio::test]
async fn a_project_neither_takes_on_nor_solves_an_issue_the_municipality_closed() {
    let t = town().await;
    let issue = t.issue("閉じられる課題").await;
    let project = t.submitted(&[&issue], "閉じた課題への提案").await;
    // A proposal still under review does not hold the issue open.
    t.ok(
        t.admin,
        "closeLocalIssue",
        json!({ "id": issue, "reason": "町の方針が変わったため" }),
        "issue { status }",
    )
    .await;
    assert_eq!(
        t.refused(t.admin, "approvePartnerProject", json!({ "id": project }))
            .await,
        ["INVALID_STATE"]
    );
    assert_eq!(t.issue_status(&issue).await, "CLOSED_UNSOLVED");
    // Reopened, the issue is taken on and solved by the project.
    t.ok(
        t.admin,
        "reopenLocalIssue",
        json!({ "id": issue, "reason": "方針が戻ったため" }),
        "issue { status }",
    )
    .await;
    t.ok(
        t.admin,
        "approvePartnerProject",
        json!({ "id": project }),
        "project { status }",
    )
    .await;
    assert_eq!(t.issue_status(&issue).await, "IN_PROGRESS");
    t.ok(
        t.partner,
        "completePartnerProject",
        json!({ "id": project, "outcomeReport": "目標を達成しました。" }),
        "project { id }",
    )
    .await;
    t.ok(
        t.admin,
        "verifyPartnerProject",
        json!({ "id": project }),
        "project { status }",
    )
    .await;
    assert_eq!(t.issue_status(&issue).await, "SOLVED");
}

#[tokio::test]
async fn the_local_issue_filter_answers_alike_under_its_plural_names_and_its_former_ones() {
    let app = crate::helpers::spawn_app().await;
    let token = app.login_demo("manazuru-admin@example.jp").await;
    for (names, value) in [
        (("statuses", "status"), json!(["OPEN"])),
        (("categories", "category"), json!(["PARKS"])),
    ] {
        app.assert_former_name_filters_alike(
            Some(&token),
            "localIssues",
            "LocalIssueFilter",
            names,
            value,
        )
        .await;
    }
}

#[tokio::test]
async fn the_partner_project_filter_answers_alike_under_statuses_and_its_former_status() {
    let app = crate::helpers::spawn_app().await;
    let token = app.login_demo("manazuru-admin@example.jp").await;
    for (names, value) in [(("statuses", "status"), json!(["ACTIVE"]))] {
        app.assert_former_name_filters_alike(
            Some(&token),
            "partnerProjects",
            "PartnerProjectFilter",
            names,
            value,
        )
        .await;
    }
}

#[tokio::test]
async fn my_partner_project_filter_answers_alike_under_statuses_and_its_former_status() {
    let app = crate::helpers::spawn_app().await;
    let token = app.login_demo("manazuru-partner@example.jp").await;
    for (names, value) in [(("statuses", "status"), json!(["ACTIVE"]))] {
        app.assert_former_name_filters_alike(
            Some(&token),
            "myPartnerProjects",
            "MyPartnerProjectFilter",
            names,
            value,
        )
        .await;
    }
}

#[tokio::test]
async fn a_partner_revises_a_rejected_proposal_and_resubmits_it_with_every_version_kept() {
    let t = town().await;
    let issue = t.issue("再提出を受け付ける課題").await;
    let id = t.submitted(&[&issue], "最初の提案").await;
    t.ok(
        t.admin,
        "rejectPartnerProject",
        json!({ "id": id, "comment": "予算の根拠が不足しています。" }),
        "project { id }",
    )
    .await;
    let revised = t
        .ok(
            t.partner,
            "reviseAndResubmitPartnerProject",
            json!({
                "id": id,
                "title": "改訂した提案",
                "summary": "予算の内訳を添えました。",
                "note": "予算の内訳を追記しました。",
            }),
            "project { id title summary status plan }",
        )
        .await;
    assert_eq!(revised["project"]["status"], "SUBMITTED");
    assert_eq!(revised["project"]["title"], "改訂した提案");
    assert_eq!(
        revised["project"]["plan"], "1. ヒアリング\n2. 試行\n3. 報告",
        "fields left out keep their value"
    );
    // Rejected a second time, revised a second time.
    t.ok(
        t.admin,
        "rejectPartnerProject",
        json!({ "id": id, "comment": "日程が未定です。" }),
        "project { id }",
    )
    .await;
    t.ok(
        t.partner,
        "reviseAndResubmitPartnerProject",
        json!({ "id": id, "timeline": "2027年4月〜6月" }),
        "project { id }",
    )
    .await;

    let read = format!(
        "status title revisions {{ revisionNumber previousTitle previousSummary previousTimeline rejectionReason note revisedAt }} {HISTORY}"
    );
    for token in [t.partner, t.admin] {
        let project = t.node(Some(token), &id, &read).await;
        assert_eq!(project["status"], "SUBMITTED");
        let revisions = project["revisions"].as_array().unwrap();
        assert_eq!(revisions.len(), 2, "{project}");
        assert_eq!(revisions[0]["revisionNumber"], 1);
        assert_eq!(revisions[0]["previousTitle"], "最初の提案");
        assert_eq!(
            revisions[0]["previousSummary"],
            "サテライトオフィスの社員と住民で取り組みます。"
        );
        assert_eq!(
            revisions[0]["rejectionReason"],
            "予算の根拠が不足しています。"
        );
        assert_eq!(revisions[0]["note"], "予算の内訳を追記しました。");
        assert_eq!(revisions[1]["revisionNumber"], 2);
        assert_eq!(revisions[1]["previousTitle"], "改訂した提案");
        assert_eq!(revisions[1]["previousTimeline"], "2026年4月〜9月");
        assert_eq!(revisions[1]["rejectionReason"], "日程が未定です。");
        assert_eq!(revisions[1]["note"], Value::Null);
        let steps: Vec<(String, String)> = project["statusHistory"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["toStatus"].as_str().unwrap().to_owned(),
                    c["reason"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        assert_eq!(
            steps,
            [
                ("DRAFT".to_owned(), String::new()),
                ("SUBMITTED".to_owned(), String::new()),
                (
                    "REJECTED".to_owned(),
                    "予算の根拠が不足しています。".to_owned()
                ),
                (
                    "SUBMITTED".to_owned(),
                    "予算の内訳を追記しました。".to_owned()
                ),
                ("REJECTED".to_owned(), "日程が未定です。".to_owned()),
                ("SUBMITTED".to_owned(), String::new()),
            ]
        );
    }
    // The administrators are asked to review again, as for a first submission.
    let inbox = t
        .app
        .graphql(
            Some(t.admin),
            "{ myNotifications(first: 50) { nodes { kind title } } }",
            json!({}),
        )
        .await;
    let resubmitted = inbox["data"]["myNotifications"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{inbox}"))
        .iter()
        .filter(|n| {
            n["title"]
                .as_str()
                .unwrap_or("")
                .starts_with("【再審査依頼】")
        })
        .count();
    assert_eq!(resubmitted, 2, "{inbox}");
    // The project can now be approved as usual.
    t.ok(
        t.admin,
        "approvePartnerProject",
        json!({ "id": id }),
        "project { id }",
    )
    .await;
    assert_eq!(t.project_status(&id).await, "ACTIVE");
}

#[tokio::test]
async fn only_the_proposing_partner_revises_and_only_a_rejected_proposal() {
    let t = town().await;
    let issue = t.issue("再提出の制限を確かめる課題").await;
    let submitted = t.submitted(&[&issue], "審査中の提案").await;
    let draft = t.proposal(t.partner, &[&issue], "下書きの提案").await;
    let rejected = t.submitted(&[&issue], "不承認の提案").await;
    t.ok(
        t.admin,
        "rejectPartnerProject",
        json!({ "id": rejected, "comment": "対象外です。" }),
        "project { id }",
    )
    .await;
    let active = t.active(&[&issue], "承認済みの提案").await;
    for id in [&submitted, &draft, &active] {
        let before = t.project_status(id).await;
        assert_eq!(
            t.refused(
                t.partner,
                "reviseAndResubmitPartnerProject",
                json!({ "id": id, "title": "書き換え" })
            )
            .await,
            ["INVALID_STATE"]
        );
        assert_eq!(t.project_status(id).await, before, "nothing changed");
    }
    let change = json!({ "id": rejected, "title": "乗っ取り" });
    let other_partner = t.second_partner().await;
    // Another partner of the town cannot see a rejected proposal; partners of another town
    // neither; residents and administrators are not partners.
    assert_eq!(
        t.denied(
            Some(other_partner),
            "reviseAndResubmitPartnerProject",
            change.clone()
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        t.denied(
            Some(t.maebashi_partner),
            "reviseAndResubmitPartnerProject",
            change.clone()
        )
        .await,
        "NOT_FOUND"
    );
    for token in [t.resident, t.admin] {
        assert_eq!(
            t.denied(
                Some(token),
                "reviseAndResubmitPartnerProject",
                change.clone()
            )
            .await,
            "FORBIDDEN"
        );
    }
    assert_eq!(
        t.denied(None, "reviseAndResubmitPartnerProject", change.clone())
            .await,
        "UNAUTHENTICATED"
    );
    // A bad field refuses the whole revision.
    assert_eq!(
        t.refused(
            t.partner,
            "reviseAndResubmitPartnerProject",
            json!({ "id": rejected, "title": " " })
        )
        .await,
        ["REQUIRED"]
    );
    let project = t
        .node(
            Some(t.partner),
            &rejected,
            "status title revisions { revisionNumber }",
        )
        .await;
    assert_eq!(project["status"], "REJECTED");
    assert_eq!(project["title"], "不承認の提案");
    assert_eq!(project["revisions"], json!([]));
    // The earlier versions are not for the town's other partners or the other town's admin.
    let body = t
        .app
        .graphql(
            Some(t.maebashi_admin),
            "query($id: ID!) { node(id: $id) { ... on PartnerProject { revisions { revisionNumber } } } }",
            json!({ "id": active }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}

#[tokio::test]
async fn a_resident_deletes_their_own_comment_even_when_hidden_and_no_one_else_can() {
    let t = town().await;
    let issue = t.issue("コメント削除を確かめる課題").await;
    let add = async |body: &str| -> String {
        t.ok(
            t.resident,
            "addIssueComment",
            json!({ "issueId": issue, "body": body }),
            "comment { id }",
        )
        .await["comment"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mine = add("書き間違えました。").await;
    let kept = add("このコメントは残します。").await;
    let hidden = add("不適切な表現を含むコメント").await;
    t.ok(
        t.admin,
        "hideComment",
        json!({ "commentId": hidden, "reason": "表現が不適切なため" }),
        "comment { id }",
    )
    .await;

    // Someone else: the administrator and another resident can see it but not delete it;
    // another town's resident cannot see it at all; anonymous is asked to sign in.
    assert_eq!(
        t.denied(Some(t.admin), "deleteComment", json!({ "commentId": mine }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(
            Some(t.maebashi_resident),
            "deleteComment",
            json!({ "commentId": hidden })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        t.denied(None, "deleteComment", json!({ "commentId": mine }))
            .await,
        "UNAUTHENTICATED"
    );

    for id in [&mine, &mine, &hidden] {
        let payload = t
            .ok(
                t.resident,
                "deleteComment",
                json!({ "commentId": id }),
                "deletedCommentId",
            )
            .await;
        assert_eq!(payload["deletedCommentId"], json!(id), "idempotent");
    }

    let read = "commentCount comments { totalCount nodes { id body } }";
    for token in [None, Some(t.resident), Some(t.admin)] {
        let seen = t.node(token, &issue, read).await;
        let listed: Vec<&str> = seen["comments"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(listed, [kept.as_str()], "{seen}");
        assert_eq!(seen["comments"]["totalCount"], 1);
        assert_eq!(seen["commentCount"], 1, "{seen}");
        assert!(!t.sees(token, &mine).await, "a deleted comment is gone");
        assert!(!t.sees(token, &hidden).await);
    }
    // Deleted comments cannot be moderated any more either.
    assert_eq!(
        t.denied(
            Some(t.admin),
            "unhideComment",
            json!({ "commentId": hidden })
        )
        .await,
        "NOT_FOUND"
    );
}

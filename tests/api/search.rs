//! Japanese full-text search over public content, kept in step with the database.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app};

const SEARCH: &str = "query($text: String!, $filter: SearchFilter) { search(text: $text, filter: $filter) { hits { totalCount nodes { kind titleHtml snippetHtml node { id ... on LocalIssue { title } ... on PartnerProject { title } ... on Article { title } } } pageInfo { hasNextPage endCursor } } kindCounts { kind count } } }";

async fn search(app: &TestApp, token: Option<&str>, text: &str, filter: Value) -> Value {
    let body = app
        .graphql(token, SEARCH, json!({ "text": text, "filter": filter }))
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    body["data"]["search"].clone()
}

fn titles(results: &Value) -> Vec<String> {
    results["hits"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["node"]["title"].as_str().unwrap().to_owned())
        .collect()
}

/// Searches until `wanted(titles)` holds; the index follows the database within about a
/// second, so this gives it a bounded few seconds.
async fn search_until(
    app: &TestApp,
    text: &str,
    filter: Value,
    wanted: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let mut found = Vec::new();
    for _ in 0..50 {
        found = titles(&search(app, None, text, filter.clone()).await);
        if wanted(&found) {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("search for {text} never satisfied the condition; last: {found:?}");
}

const CREATE_ISSUE: &str = "mutation($input: CreateLocalIssueInput!) { createLocalIssue(input: $input) { issue { id } userErrors { code message } } }";

async fn create_issue(app: &TestApp, token: &str, title: &str, publish: bool) -> String {
    let body = app
        .graphql(
            Some(token),
            CREATE_ISSUE,
            json!({ "input": {
                "title": title,
                "description": "ｺﾐｭﾆﾃｨﾊﾞｽの停留所が遠く、高齢者の通院が難しい地区があります。",
                "category": "MOBILITY",
                "publish": publish,
            }}),
        )
        .await;
    body["data"]["createLocalIssue"]["issue"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

#[tokio::test]
async fn residents_find_the_demo_partnership_content_in_japanese() {
    let app = spawn_app().await;
    let results = search(&app, None, "公園", json!({})).await;
    let found = titles(&results);
    assert!(
        found.iter().any(|t| t.contains("こども公園")),
        "park project not found: {found:?}"
    );
    let hits = results["hits"]["nodes"].as_array().unwrap();
    assert!(
        hits.iter()
            .any(|h| h["titleHtml"].as_str().unwrap().contains("<b>公園</b>")),
        "{results}"
    );
    let kinds: Vec<&str> = results["kindCounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"PARTNER_PROJECT"), "{results}");

    // Only projects, when asked.
    let projects = search(&app, None, "公園", json!({ "kinds": ["PARTNER_PROJECT"] })).await;
    assert!(
        projects["hits"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["kind"] == "PARTNER_PROJECT")
    );
    // Nothing of Manazuru when searching Kitakyushu.
    let kitakyushu = app.municipality_id("40100").await;
    let elsewhere = search(&app, None, "公園", json!({ "municipalityId": kitakyushu })).await;
    assert_eq!(elsewhere["hits"]["totalCount"], 0, "{elsewhere}");
}

#[tokio::test]
async fn a_published_issue_becomes_searchable_and_unpublishing_removes_it() {
    let app = spawn_app().await;
    let admin = app.login_demo("maebashi-admin@example.jp").await;
    let id = create_issue(&app, &admin, "通院バスの停留所を増やしたい", true).await;
    // Half-width katakana in the text, full-width in the query: one word.
    search_until(&app, "コミュニティバス", json!({}), |t| {
        t.contains(&"通院バスの停留所を増やしたい".to_string())
    })
    .await;

    let body = app
        .graphql(
            Some(&admin),
            "mutation($id: ID!) { updateLocalIssue(input: { id: $id, published: false }) { issue { published } userErrors { code } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        body["data"]["updateLocalIssue"]["issue"]["published"], false,
        "{body}"
    );
    search_until(&app, "通院バス", json!({}), <[String]>::is_empty).await;
}

#[tokio::test]
async fn drafts_are_never_searchable() {
    let app = spawn_app().await;
    let admin = app.login_demo("kitakyushu-admin@example.jp").await;
    create_issue(&app, &admin, "非公開の下書き課題", false).await;
    create_issue(&app, &admin, "公開された別の課題", true).await;
    // Once the published one is searchable, the draft (written first) would be too.
    search_until(&app, "課題", json!({}), |t| {
        t.contains(&"公開された別の課題".to_string())
    })
    .await;
    let found = titles(&search(&app, None, "下書き", json!({})).await);
    assert!(found.is_empty(), "{found:?}");
    // Not even for the admin who can see the draft elsewhere.
    let body = app
        .graphql(Some(&admin), SEARCH, json!({ "text": "下書き" }))
        .await;
    assert_eq!(body["data"]["search"]["hits"]["totalCount"], 0, "{body}");
}

#[tokio::test]
async fn a_change_committed_while_the_index_was_down_is_found_after_restart() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let index_dir = tempfile::tempdir().unwrap();

    // A replica with an index on disk catches up with the demo data, then stops.
    let first = app.spawn_replica_with_index(index_dir.path()).await;
    let found = titles(&search(&first, None, "公園", json!({})).await);
    assert!(!found.is_empty());
    first.stop().await;

    // The change reaches the database (and its outbox) while that index is not running:
    // as if the replica had died between the database commit and its index commit.
    create_issue(&app, &admin, "港の朝市を再開したい", true).await;

    let restarted = app.spawn_replica_with_index(index_dir.path()).await;
    let found = titles(&search(&restarted, None, "朝市", json!({})).await);
    assert_eq!(found, ["港の朝市を再開したい"]);
}

#[tokio::test]
async fn search_refuses_overlong_text_and_bad_cursors() {
    let app = spawn_app().await;
    let long = "あ".repeat(201);
    let body = app.graphql(None, SEARCH, json!({ "text": long })).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    let body = app
        .graphql(
            None,
            "{ search(text: \"公園\", after: \"nope\") { hits { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
}

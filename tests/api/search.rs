//! Japanese full-text search over public content, kept in step with the database.

use std::time::Duration;

use chrono::{DateTime, Duration as Span, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app};

const SEARCH: &str = "query($text: String!, $filter: SearchFilter) { search(text: $text, filter: $filter) { hits { totalCount nodes { kind titleHtml snippetHtml startsAt freePlaces node { id ... on LocalIssue { title } ... on PartnerProject { title } ... on Program { title } ... on Article { title } ... on ChildcareResource { title: name } } } pageInfo { hasNextPage endCursor } } kindCounts { kind count } } }";

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

/// Searches until `wanted(results)` holds (see [`search_until`]); returns the results.
async fn results_until(
    app: &TestApp,
    text: &str,
    filter: Value,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    let mut found = Value::Null;
    for _ in 0..80 {
        found = search(app, None, text, filter.clone()).await;
        if wanted(&found) {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("search for {text} never satisfied the condition; last: {found}");
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
async fn the_end_cursor_of_a_short_page_is_its_last_edges_cursor() {
    let app = spawn_app().await;
    let page = |after: Option<String>, first: i32| {
        let app = &app;
        async move {
            let body = app
                .graphql(
                    None,
                    "query($after: String, $first: Int) { search(text: \"公園\", first: $first, after: $after) { hits { totalCount edges { cursor } pageInfo { hasNextPage endCursor } } } }",
                    json!({ "after": after, "first": first }),
                )
                .await;
            assert_eq!(error_code(&body), None, "{body}");
            body["data"]["search"]["hits"].clone()
        }
    };
    let all = page(None, 20).await;
    let edges = all["edges"].as_array().unwrap();
    assert!(!edges.is_empty() && edges.len() < 20, "{all}");
    assert_eq!(all["pageInfo"]["hasNextPage"], false, "{all}");
    assert_eq!(
        all["pageInfo"]["endCursor"],
        edges.last().unwrap()["cursor"],
        "{all}"
    );

    // Walking one hit at a time with endCursor visits the same hits.
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let one = page(after, 1).await;
        for edge in one["edges"].as_array().unwrap() {
            walked.push(edge["cursor"].clone());
        }
        if one["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = one["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    let cursors: Vec<Value> = edges.iter().map(|edge| edge["cursor"].clone()).collect();
    assert_eq!(walked, cursors);
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

/// Runs a mutation that must succeed without user errors; returns its payload.
async fn mutate(app: &TestApp, token: &str, name: &str, input: Value, selection: &str) -> Value {
    let mut chars = name.chars();
    let input_type = match chars.next() {
        Some(first) => format!("{}{}Input", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    };
    let query = format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} userErrors {{ code message }} }} }}"
    );
    let body = app
        .graphql(Some(token), &query, json!({ "input": input }))
        .await;
    assert_eq!(error_code(&body), None, "{name}: {body}");
    let payload = body["data"][name].clone();
    assert_eq!(payload["userErrors"], json!([]), "{name}: {body}");
    payload
}

/// A program of the museum (its staff), with `extra` input fields; returns its id.
async fn create_program(app: &TestApp, token: &str, title: &str, extra: Value) -> String {
    let mut input = json!({
        "kind": "EDUCATION_WORKSHOP",
        "title": title,
        "summary": "海辺で風景を描きます。",
        "description": "画用紙と色鉛筆はこちらで用意します。",
        "categories": ["ART", "NATURE"],
        "publish": true,
    });
    for (key, value) in extra.as_object().unwrap() {
        input[key] = value.clone();
    }
    let payload = mutate(app, token, "createProgram", input, "program { id }").await;
    payload["program"]["id"].as_str().unwrap().to_owned()
}

/// One session of `program` starting at `starts`; returns its start as stored.
async fn create_session(
    app: &TestApp,
    token: &str,
    program: &str,
    starts: DateTime<Utc>,
    capacity: i32,
    childcare: i32,
) -> DateTime<Utc> {
    let payload = mutate(
        app,
        token,
        "createProgramSessions",
        json!({
            "programId": program,
            "startsAt": starts.to_rfc3339(),
            "endsAt": (starts + Span::hours(2)).to_rfc3339(),
            "registrationClosesAt": starts.to_rfc3339(),
            "cancellationDeadline": starts.to_rfc3339(),
            "venue": "琴ヶ浜 海岸広場",
            "capacity": capacity,
            "childcareSlots": childcare,
        }),
        "sessions { id startsAt }",
    )
    .await;
    date(&payload["sessions"][0]["startsAt"]).unwrap()
}

fn date(value: &Value) -> Option<DateTime<Utc>> {
    value
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// The hit with this title, if any.
fn hit<'a>(results: &'a Value, title: &str) -> Option<&'a Value> {
    results["hits"]["nodes"]
        .as_array()?
        .iter()
        .find(|hit| hit["node"]["title"] == title)
}

#[tokio::test]
async fn a_published_program_is_found_with_its_next_session_and_free_places_until_cancelled() {
    let app = spawn_app().await;
    let staff = app.login_demo("manazuru-staff@example.jp").await;
    let resident = app.login_demo("manazuru-resident@example.jp").await;
    let title = "琴ヶ浜スケッチ教室";
    let program = create_program(&app, &staff, title, json!({ "publish": false })).await;
    let starts = create_session(&app, &staff, &program, Utc::now() + Span::days(10), 5, 2).await;
    // A draft: once a later issue is searchable, the draft (written first) would be too.
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    create_issue(&app, &admin, "スケッチ大会の会場がほしい", true).await;
    let found = search_until(&app, "スケッチ", json!({}), |t| !t.is_empty()).await;
    assert_eq!(found, ["スケッチ大会の会場がほしい"]);

    mutate(
        &app,
        &staff,
        "updateProgram",
        json!({ "id": program, "status": "PUBLISHED" }),
        "program { status }",
    )
    .await;
    let results = results_until(&app, "スケッチ教室", json!({}), |r| {
        hit(r, title).is_some()
    })
    .await;
    let found = hit(&results, title).unwrap();
    assert_eq!(found["kind"], "PROGRAM", "{results}");
    assert_eq!(date(&found["startsAt"]), Some(starts), "{results}");
    assert_eq!(found["freePlaces"], 5, "{results}");
    // Tags (kind, categories, 託児), organizer, venue and kana reading are searchable too.
    for text in [
        "託児付き スケッチ",
        "ワークショップ 琴ヶ浜",
        "中川一政美術館 スケッチ",
        "アート 海岸広場",
        "なかがわかずまさ スケッチ",
    ] {
        let titles = titles(&search(&app, None, text, json!({})).await);
        assert_eq!(
            titles.first().map(String::as_str),
            Some(title),
            "{text}: {titles:?}"
        );
    }
    let programs_only = search(&app, None, "スケッチ", json!({ "kinds": ["PROGRAM"] })).await;
    assert_eq!(titles(&programs_only), [title]);

    // A registration takes places: the document follows.
    let session_id = {
        let body = app
            .graphql(
                None,
                "query($id: ID!) { node(id: $id) { ... on Program { sessions { id } } } }",
                json!({ "id": program }),
            )
            .await;
        body["data"]["node"]["sessions"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned()
    };
    mutate(
        &app,
        &resident,
        "registerForSession",
        json!({ "sessionId": session_id, "adults": 2 }),
        "registration { status }",
    )
    .await;
    results_until(&app, "スケッチ教室", json!({}), |r| {
        hit(r, title).is_some_and(|h| h["freePlaces"] == 3)
    })
    .await;
    let with_places = search(&app, None, "スケッチ教室", json!({ "hasFreePlaces": true })).await;
    assert_eq!(titles(&with_places), [title]);

    mutate(
        &app,
        &staff,
        "updateProgram",
        json!({ "id": program, "status": "CANCELLED" }),
        "program { status }",
    )
    .await;
    search_until(&app, "スケッチ教室", json!({}), <[String]>::is_empty).await;
}

#[tokio::test]
async fn a_programs_next_session_moves_on_once_it_has_started() {
    let app = spawn_app().await;
    let staff = app.login_demo("manazuru-staff@example.jp").await;
    let title = "朝の磯観察";
    let program = create_program(&app, &staff, title, json!({})).await;
    let soon = create_session(&app, &staff, &program, Utc::now() + Span::seconds(3), 10, 0).await;
    let later = create_session(&app, &staff, &program, Utc::now() + Span::days(7), 10, 0).await;
    results_until(&app, "磯観察", json!({}), |r| {
        hit(r, title).is_some_and(|h| date(&h["startsAt"]) == Some(soon))
    })
    .await;
    let after_soon = json!({ "startsAfter": (soon + Span::seconds(1)).to_rfc3339() });
    assert!(titles(&search(&app, None, "磯観察", after_soon.clone()).await).is_empty());
    // No write happens when the first session starts; the index moves on by itself.
    tokio::time::sleep((soon - Utc::now()).to_std().unwrap_or_default()).await;
    results_until(&app, "磯観察", json!({}), |r| {
        hit(r, title).is_some_and(|h| date(&h["startsAt"]) == Some(later))
    })
    .await;
    assert_eq!(
        titles(&search(&app, None, "磯観察", after_soon).await),
        [title]
    );
}

#[tokio::test]
async fn residents_narrow_by_category_order_by_date_and_see_counts_per_category() {
    let app = spawn_app().await;
    let query = "query($text: String!, $filter: SearchFilter, $order: SearchOrderBy) { search(text: $text, filter: $filter, orderBy: $order) { hits { totalCount nodes { kind startsAt node { ... on Program { title } ... on LocalIssue { title } ... on PartnerProject { title } ... on Article { title } ... on ChildcareResource { title: name } } } } kindCounts { kind count } categoryCounts { category count } } }";
    let run = async |text: &str, filter: Value, order: &str| -> Value {
        let body = app
            .graphql(
                None,
                query,
                json!({ "text": text, "filter": filter, "order": order }),
            )
            .await;
        assert_eq!(error_code(&body), None, "{body}");
        body["data"]["search"].clone()
    };
    let manazuru = app.municipality_id("14384").await;
    // 体験学習 is in the nature programme and the museum's (体験学習もあります).
    let all = run("体験", json!({ "municipalityId": manazuru }), "RELEVANCE").await;
    let count = |results: &Value, category: &str| {
        results["categoryCounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["category"] == category)
            .map_or(0, |c| c["count"].as_u64().unwrap())
    };
    assert!(count(&all, "ART") >= 1, "{all}");
    assert!(count(&all, "NATURE") >= 1, "{all}");
    let nature = run(
        "体験",
        json!({ "municipalityId": manazuru, "categories": ["NATURE"] }),
        "RELEVANCE",
    )
    .await;
    assert_eq!(titles(&nature), ["お林と磯の自然観察 体験学習"], "{nature}");
    // Counts per category ignore the category filter.
    assert_eq!(nature["categoryCounts"], all["categoryCounts"]);

    // By date: the soonest next session first, content without a date last.
    let by_date = run("の", json!({ "municipalityId": manazuru }), "DATE").await;
    let dates: Vec<Option<DateTime<Utc>>> = by_date["hits"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| date(&hit["startsAt"]))
        .collect();
    let dated = dates.iter().take_while(|d| d.is_some()).count();
    assert!(dated >= 3, "{by_date}");
    assert!(dates[dated..].iter().all(Option::is_none), "{by_date}");
    assert!(dates[..dated].windows(2).all(|w| w[0] <= w[1]), "{by_date}");
    assert_eq!(
        titles(&by_date).first().map(String::as_str),
        Some("子育て学級"),
        "the class in seven days is the soonest: {by_date}"
    );
}

#[tokio::test]
async fn phrases_typos_and_odd_syntax_give_sensible_answers_never_a_server_error() {
    let app = spawn_app().await;
    // Exact phrase: the words side by side.
    let found = titles(&search(&app, None, "\"移住 相談会\"", json!({})).await);
    assert_eq!(found, ["前橋市 移住相談会"]);
    let found = titles(&search(&app, None, "\"相談会 移住\"", json!({})).await);
    assert!(found.is_empty(), "{found:?}");
    // An open quote runs to the end.
    // (The fair first; a resident's story that tells of its 移住相談 may follow.)
    let found = titles(&search(&app, None, "前橋 \"移住 相談", json!({})).await);
    assert_eq!(
        found.first().map(String::as_str),
        Some("前橋市 移住相談会"),
        "{found:?}"
    );
    // Anything else is text, never an error.
    for text in [
        "title:公園 AND (子ども*)",
        "\"\"",
        "-",
        "--公園",
        "[{}]^~!?",
        "\u{3000}公園\u{3000}",
        "SELECT * FROM programs; --",
    ] {
        let body = app.graphql(None, SEARCH, json!({ "text": text })).await;
        assert_eq!(error_code(&body), None, "{text}: {body}");
        assert!(
            body["data"]["search"]["hits"]["totalCount"].is_u64(),
            "{text}: {body}"
        );
    }
    let found = titles(&search(&app, None, "\u{3000}公園\u{3000}", json!({})).await);
    assert!(found.iter().any(|t| t.contains("こども公園")), "{found:?}");
    // Empty text is refused plainly, in Japanese.
    for text in ["", "   ", "\u{3000}"] {
        let body = app.graphql(None, SEARCH, json!({ "text": text })).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert!(
            !body["errors"][0]["message"].as_str().unwrap().is_ascii(),
            "{body}"
        );
    }
}

#[tokio::test]
async fn suggestions_complete_titles_of_one_municipality_from_any_word() {
    let app = spawn_app().await;
    let suggest = async |code: &str, prefix: &str| -> Value {
        app.graphql(
            None,
            "query($code: String!, $prefix: String!) { suggest(municipalityCode: $code, prefix: $prefix, first: 5) { title kind id } }",
            json!({ "code": code, "prefix": prefix }),
        )
        .await
    };
    let titles_of = |body: &Value| -> Vec<String> {
        body["data"]["suggest"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|s| s["title"].as_str().unwrap().to_owned())
            .collect()
    };
    // The parenting class is a program and a resource of the directory, under one title.
    let body = suggest("14384", "子育").await;
    assert_eq!(titles_of(&body)[0], "子育て学級", "{body}");
    assert!(
        ["PROGRAM", "CHILDCARE_RESOURCE"].contains(
            &body["data"]["suggest"][0]["kind"]
                .as_str()
                .unwrap_or_default()
        ),
        "{body}"
    );
    // The id opens the item.
    let id = body["data"]["suggest"][0]["id"].as_str().unwrap();
    let node = app
        .graphql(
            None,
            "query($id: ID!) { node(id: $id) { ... on Program { title } ... on ChildcareResource { title: name } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(node["data"]["node"]["title"], "子育て学級", "{node}");
    // Any word of the title, half-width typed too.
    assert!(titles_of(&suggest("10201", "移住").await).contains(&"前橋市 移住相談会".to_owned()));
    assert!(
        titles_of(&suggest("14384", "ｵﾝﾃﾞﾏﾝﾄﾞ").await)
            .contains(&"オンデマンド乗合交通の実証運行".to_owned())
    );
    // Another town's titles never show.
    assert!(titles_of(&suggest("40100", "子育て学").await).is_empty());
    assert!(titles_of(&suggest("14384", "").await).is_empty());
    // Unknown towns and long prefixes are refused plainly.
    assert_eq!(
        error_code(&suggest("99999", "子育").await),
        Some("BAD_USER_INPUT")
    );
    let long = "子".repeat(51);
    assert_eq!(
        error_code(&suggest("14384", &long).await),
        Some("BAD_USER_INPUT")
    );
}

#[tokio::test]
async fn the_hits_of_a_page_are_checked_with_one_statement_per_kind_however_many() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    for n in 0..8 {
        create_issue(&app, &admin, &format!("計測用の地域課題 その{n}"), true).await;
    }
    search_until(&app, "計測用", Value::Null, |titles| titles.len() >= 8).await;
    let query = "query($n: Int!) { search(text: \"計測用\", first: $n) { hits { nodes { node { id ... on LocalIssue { title } } } } } }";
    let mut costs = Vec::new();
    for first in [2, 8] {
        let before = app.statements_run().await;
        // Asked afresh: an anonymous answer may otherwise come from the response cache.
        let response = app
            .post_graphql_with(
                &[(reqwest::header::CACHE_CONTROL, "no-cache")],
                json!({ "query": query, "variables": { "n": first } }),
            )
            .await;
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), None, "{body}");
        let hits = body["data"]["search"]["hits"]["nodes"].as_array().unwrap();
        assert_eq!(hits.len(), first as usize, "{body}");
        costs.push(app.statements_run().await - before);
    }
    assert_eq!(costs[0], costs[1], "statements for 2 vs 8 hits: {costs:?}");
    assert!(
        costs[0] <= 1,
        "one kind of content, one statement: {costs:?}"
    );
}

const SAVE_SYNONYMS: &str = "mutation($input: SaveSearchSynonymGroupInput!) { saveSearchSynonymGroup(input: $input) { group { id words } userErrors { field code message } } }";
const DELETE_SYNONYMS: &str = "mutation($input: DeleteSearchSynonymGroupInput!) { deleteSearchSynonymGroup(input: $input) { deletedId userErrors { code } } }";
const SYNONYM_GROUPS: &str =
    "query($code: String!) { searchSynonymGroups(municipalityCode: $code) { id words } }";

async fn save_synonyms(app: &TestApp, token: &str, code: &str, words: &[&str]) -> Value {
    let body = app
        .graphql(
            Some(token),
            SAVE_SYNONYMS,
            json!({ "input": { "municipalityCode": code, "words": words } }),
        )
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    body["data"]["saveSearchSynonymGroup"].clone()
}

#[tokio::test]
async fn a_municipalitys_own_synonyms_find_its_content_and_only_its_content() {
    let app = spawn_app().await;
    let maebashi_admin = app.login_demo("maebashi-admin@example.jp").await;
    let manazuru_admin = app.login_demo("manazuru-admin@example.jp").await;
    let maebashi = app.municipality_id("10201").await;
    let nickname = "げんきっこひろば";
    assert!(titles(&search(&app, None, nickname, json!({})).await).is_empty());

    let saved = save_synonyms(
        &app,
        &maebashi_admin,
        "10201",
        &[nickname, "親子元気ルーム"],
    )
    .await;
    assert_eq!(saved["userErrors"], json!([]), "{saved}");
    assert_eq!(saved["group"]["words"], json!([nickname, "親子元気ルーム"]));
    let group_id = saved["group"]["id"].as_str().unwrap().to_owned();
    search_until(&app, nickname, json!({}), |titles| {
        titles.iter().any(|t| t == "親子元気ルーム")
    })
    .await;

    // Manazuru gives the same nickname to its own centre: each town's word leads to its
    // own content only.
    let other = save_synonyms(
        &app,
        &manazuru_admin,
        "14384",
        &[nickname, "子育て支援センター"],
    )
    .await;
    assert_eq!(other["userErrors"], json!([]), "{other}");
    search_until(&app, nickname, json!({}), |titles| {
        titles
            .iter()
            .any(|t| t == "真鶴町子育て支援センター 一時保育")
    })
    .await;
    let in_maebashi =
        titles(&search(&app, None, nickname, json!({ "municipalityId": maebashi })).await);
    assert!(
        in_maebashi.iter().any(|t| t == "親子元気ルーム"),
        "{in_maebashi:?}"
    );
    assert!(
        !in_maebashi.iter().any(|t| t.starts_with("真鶴町")),
        "{in_maebashi:?}"
    );

    let listed = app
        .graphql(
            Some(&maebashi_admin),
            SYNONYM_GROUPS,
            json!({ "code": "10201" }),
        )
        .await;
    assert_eq!(
        listed["data"]["searchSynonymGroups"],
        json!([{ "id": group_id, "words": [nickname, "親子元気ルーム"] }])
    );

    let deleted = app
        .graphql(
            Some(&maebashi_admin),
            DELETE_SYNONYMS,
            json!({ "input": { "id": group_id } }),
        )
        .await;
    assert_eq!(
        deleted["data"]["deleteSearchSynonymGroup"]["deletedId"],
        json!(group_id)
    );
    search_until(
        &app,
        nickname,
        json!({ "municipalityId": maebashi }),
        |titles| titles.is_empty(),
    )
    .await;
}

#[tokio::test]
async fn synonym_groups_refuse_bad_words_and_anyone_but_the_towns_administrators() {
    let app = spawn_app().await;
    let maebashi_admin = app.login_demo("maebashi-admin@example.jp").await;
    let manazuru_admin = app.login_demo("manazuru-admin@example.jp").await;
    let resident = app.login_demo("maebashi-resident@example.jp").await;

    // Width and kana variants are one word: a group needs two different words.
    let refused = save_synonyms(
        &app,
        &maebashi_admin,
        "10201",
        &["セミナー", "ｾﾐﾅｰ", "せみなー"],
    )
    .await;
    assert_eq!(crate::helpers::user_error_codes(&refused), ["TOO_SHORT"]);
    assert_eq!(refused["group"], Value::Null);
    let long = "長".repeat(41);
    let refused = save_synonyms(&app, &maebashi_admin, "10201", &["公園", &long]).await;
    assert_eq!(crate::helpers::user_error_codes(&refused), ["TOO_LONG"]);

    for (token, code) in [(&resident, "10201"), (&manazuru_admin, "10201")] {
        let body = app
            .graphql(
                Some(token),
                SAVE_SYNONYMS,
                json!({ "input": { "municipalityCode": code, "words": ["公園", "広場"] } }),
            )
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
        let body = app
            .graphql(Some(token), SYNONYM_GROUPS, json!({ "code": code }))
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    let body = app
        .graphql(None, SYNONYM_GROUPS, json!({ "code": "10201" }))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");

    // Another town's group cannot be replaced or deleted, and stays as it was.
    let saved = save_synonyms(
        &app,
        &maebashi_admin,
        "10201",
        &["前橋プラザ", "親子元気ルーム"],
    )
    .await;
    let id = saved["group"]["id"].as_str().unwrap();
    let body = app
        .graphql(
            Some(&manazuru_admin),
            SAVE_SYNONYMS,
            json!({ "input": { "municipalityCode": "14384", "id": id, "words": ["公園", "広場"] } }),
        )
        .await;
    assert_eq!(
        crate::helpers::user_error_codes(&body["data"]["saveSearchSynonymGroup"]),
        ["NOT_FOUND"]
    );
    let body = app
        .graphql(
            Some(&manazuru_admin),
            DELETE_SYNONYMS,
            json!({ "input": { "id": id } }),
        )
        .await;
    assert_eq!(
        crate::helpers::user_error_codes(&body["data"]["deleteSearchSynonymGroup"]),
        ["NOT_FOUND"]
    );
    let listed = app
        .graphql(
            Some(&maebashi_admin),
            SYNONYM_GROUPS,
            json!({ "code": "10201" }),
        )
        .await;
    assert_eq!(
        listed["data"]["searchSynonymGroups"],
        json!([{ "id": id, "words": ["前橋プラザ", "親子元気ルーム"] }])
    );
}

#[tokio::test]
async fn when_no_item_has_every_word_the_best_partial_matches_come_marked_as_such() {
    let app = spawn_app().await;
    let query = "query($text: String!) { search(text: $text) { matchedAll hits { totalCount nodes { node { ... on LocalIssue { title } ... on PartnerProject { title } ... on Program { title } ... on Article { title } ... on ChildcareResource { title: name } } } } } }";
    let body = app
        .graphql(None, query, json!({ "text": "面接対策 テレワーク" }))
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    let results = &body["data"]["search"];
    assert_eq!(results["matchedAll"], json!(false), "{body}");
    let found = titles(results);
    assert!(
        found.iter().any(|t| t == "女性活躍推進セミナー"),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|t| t == "女性がテレワークで働ける場の確保"),
        "{found:?}"
    );
    // Enough items match every word: only those, and said so.
    let body = app
        .graphql(None, query, json!({ "text": "子育て 支援" }))
        .await;
    assert_eq!(body["data"]["search"]["matchedAll"], json!(true), "{body}");
    // Excluded words stay excluded among partial matches.
    let body = app
        .graphql(None, query, json!({ "text": "面接対策 テレワーク -女性" }))
        .await;
    let found = titles(&body["data"]["search"]);
    assert!(!found.is_empty(), "{body}");
    assert!(!found.iter().any(|t| t.contains("女性")), "{found:?}");
}

#[tokio::test]
async fn hiragana_a_dropped_sokuon_and_everyday_words_find_the_official_titles() {
    let app = spawn_app().await;
    for (typed, title) in [
        ("せみなー", "女性活躍推進セミナー"),
        ("テレワク", "女性がテレワークで働ける場の確保"),
        ("一時預かり", "真鶴町子育て支援センター 一時保育"),
    ] {
        let found = titles(&search(&app, None, typed, json!({})).await);
        assert_eq!(
            found.first().map(String::as_str),
            Some(title),
            "{typed}: {found:?}"
        );
    }
    // The synonym that matched is marked in the title.
    let results = search(&app, None, "一時預かり", json!({})).await;
    let marked = results["hits"]["nodes"][0]["titleHtml"].as_str().unwrap();
    assert!(
        marked.contains("<b>一時</b>") || marked.contains("<b>一時保育</b>"),
        "{marked}"
    );
}

#[tokio::test]
async fn a_misspelled_word_that_finds_nothing_is_offered_as_the_titles_spell_it() {
    let app = spawn_app().await;
    let query = "query($text: String!) { search(text: $text) { didYouMean matchedAll hits { totalCount } } }";
    let body = app
        .graphql(None, query, json!({ "text": "てれわーぐ" }))
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    assert_eq!(
        body["data"]["search"]["hits"]["totalCount"],
        json!(0),
        "{body}"
    );
    assert_eq!(
        body["data"]["search"]["didYouMean"][0],
        json!("テレワーク"),
        "{body}"
    );
    // Something found: nothing to correct.
    let body = app
        .graphql(None, query, json!({ "text": "テレワーク" }))
        .await;
    assert_eq!(body["data"]["search"]["didYouMean"], json!([]), "{body}");

    let suggest = "query($prefix: String!) { suggest(municipalityCode: \"10201\", prefix: $prefix) { title } }";
    let body = app
        .graphql(None, suggest, json!({ "prefix": "テレワーグ" }))
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    let titles: Vec<&str> = body["data"]["suggest"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["title"].as_str())
        .collect();
    assert!(
        !titles.is_empty() && titles.iter().all(|t| t.contains("テレワーク")),
        "{body}"
    );
}

const ISSUE_READING: &str = "mutation($input: UpdateLocalIssueInput!) { updateLocalIssue(input: $input) { issue { title titleReading } userErrors { field code } } }";

#[tokio::test]
async fn a_title_reading_given_by_an_editor_finds_a_kanji_title_from_kana() {
    let app = spawn_app().await;
    let admin = app.login_demo("maebashi-admin@example.jp").await;
    let title = "駐輪場の屋根がほしい";
    let body = app
        .graphql(
            Some(&admin),
            "mutation($input: CreateLocalIssueInput!) { createLocalIssue(input: $input) { issue { id titleReading } userErrors { code } } }",
            json!({ "input": {
                "title": title,
                "titleReading": "ちゅうりんじょうの　やねがほしい",
                "description": "雨の日に自転車が濡れてしまいます。",
                "category": "MOBILITY",
                "publish": true,
            }}),
        )
        .await;
    let issue = &body["data"]["createLocalIssue"]["issue"];
    // Hiragana and the full-width space are stored as katakana and a space.
    assert_eq!(
        issue["titleReading"], "チュウリンジョウノ ヤネガホシイ",
        "{body}"
    );
    let id = issue["id"].as_str().unwrap().to_owned();
    search_until(&app, "ちゅうりんじょう", json!({}), |t| {
        t == [title]
    })
    .await;
    // Without a reading the kana finds nothing: the title has none of it.
    let body = app
        .graphql(
            Some(&admin),
            ISSUE_READING,
            json!({ "input": { "id": id, "titleReading": null } }),
        )
        .await;
    let payload = &body["data"]["updateLocalIssue"];
    assert_eq!(payload["issue"]["titleReading"], Value::Null, "{body}");
    search_until(&app, "ちゅうりんじょう", json!({}), <[String]>::is_empty).await;
    // Half-width katakana are written full-width; another field leaves the reading alone.
    app.graphql(
        Some(&admin),
        ISSUE_READING,
        json!({ "input": { "id": id, "titleReading": "ﾁｭｳﾘﾝｼﾞｮｳ" } }),
    )
    .await;
    let body = app
        .graphql(
            Some(&admin),
            ISSUE_READING,
            json!({ "input": { "id": id, "description": "屋根付きの駐輪場を望む声があります。" } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateLocalIssue"]["issue"]["titleReading"], "チュウリンジョウ",
        "{body}"
    );
    search_until(&app, "ちゅうりんじょう", json!({}), |t| {
        t == [title]
    })
    .await;

    // A program's reading, with its organizer's, is searched alike.
    let staff = app.login_demo("manazuru-staff@example.jp").await;
    let program = "琴ヶ浜写生教室";
    create_program(
        &app,
        &staff,
        program,
        json!({ "titleReading": "ことがはましゃせいきょうしつ" }),
    )
    .await;
    search_until(&app, "しゃせい", json!({}), |t| t == [program]).await;
}

#[tokio::test]
async fn a_title_reading_that_is_not_kana_or_too_long_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let admin = app.login_demo("maebashi-admin@example.jp").await;
    let body = app
        .graphql(
            Some(&admin),
            "mutation($input: CreateLocalIssueInput!) { createLocalIssue(input: $input) { issue { id } userErrors { field code } } }",
            json!({ "input": {
                "title": "駐輪場の屋根がほしい",
                "titleReading": "駐輪場",
                "description": "雨の日に自転車が濡れてしまいます。",
                "category": "MOBILITY",
                "publish": true,
            }}),
        )
        .await;
    let payload = &body["data"]["createLocalIssue"];
    assert_eq!(payload["issue"], Value::Null, "{body}");
    assert_eq!(
        payload["userErrors"],
        json!([{ "field": ["input", "titleReading"], "code": "INVALID" }]),
        "{body}"
    );
    let body = app
        .graphql(
            Some(&admin),
            "{ articles(first: 1) { nodes { id title titleReading } } }",
            json!({}),
        )
        .await;
    let article = body["data"]["articles"]["nodes"][0].clone();
    let update = "mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { article { title titleReading } userErrors { field code } } }";
    let read = async || {
        let body = app
            .graphql(
                Some(&admin),
                "query($id: ID!) { node(id: $id) { ... on Article { title titleReading } } }",
                json!({ "id": article["id"] }),
            )
            .await;
        body["data"]["node"].clone()
    };
    for (reading, code) in [("Maebashi", "INVALID"), (&*"ア".repeat(401), "TOO_LONG")] {
        let body = app
            .graphql(
                Some(&admin),
                update,
                json!({ "input": { "id": article["id"], "title": "書き換えた題名", "titleReading": reading } }),
            )
            .await;
        assert_eq!(
            body["data"]["updateArticle"]["userErrors"],
            json!([{ "field": ["input", "titleReading"], "code": code }]),
            "{reading}: {body}"
        );
        // The refused change wrote nothing, the title included.
        let now = read().await;
        assert_eq!(now["title"], article["title"], "{now}");
        assert_eq!(now["titleReading"], article["titleReading"], "{now}");
    }
    let body = app
        .graphql(
            Some(&admin),
            update,
            json!({ "input": { "id": article["id"], "title": "書き換えた題名", "titleReading": "まえばし・くらし" } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateArticle"]["userErrors"],
        json!([]),
        "{body}"
    );
    let now = read().await;
    assert_eq!(now["title"], "書き換えた題名", "{now}");
    assert_eq!(now["titleReading"], "マエバシ・クラシ", "{now}");
}

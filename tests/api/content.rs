//! Articles, relocation guides and residents' stories: visibility of drafts and scheduled
//! articles, editing rights, validation, Markdown safety, idempotency and search.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app, user_error_codes};

const ARTICLE_FIELDS: &str = "id kind slug title summary body bodyHtml tags coverImageUrl status publishAt isPublic isScheduled author { displayName organization { name } } municipality { jisCode }";

fn create_mutation() -> String {
    format!(
        "mutation($input: CreateArticleInput!) {{ createArticle(input: $input) {{ article {{ {ARTICLE_FIELDS} }} userErrors {{ field code message }} }} }}"
    )
}

fn article_input(title: &str) -> Value {
    json!({
        "kind": "NEWS",
        "title": title,
        "summary": "町からのお知らせです。",
        "body": "本文です。\n\n**大事なこと**があります。",
        "tags": ["移住", "子育て"],
        "coverImageUrl": "https://images.example.jp/cover.jpg",
    })
}

/// `base` with the fields of `extra` added or replaced.
fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            base.insert(key.clone(), value.clone());
        }
    }
    base
}

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    let body = app
        .graphql(Some(token), &create_mutation(), json!({ "input": input }))
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    body["data"]["createArticle"].clone()
}

async fn create_ok(app: &TestApp, token: &str, input: Value) -> Value {
    let payload = create(app, token, input).await;
    assert_eq!(
        user_error_codes(&payload),
        Vec::<String>::new(),
        "{payload}"
    );
    payload["article"].clone()
}

async fn node(app: &TestApp, token: Option<&str>, id: &str) -> Value {
    let body = app
        .graphql(
            token,
            "query($id: ID!) { node(id: $id) { ... on Article { id title status } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    body["data"]["node"].clone()
}

async fn list_titles(app: &TestApp, token: Option<&str>, filter: Value) -> Vec<String> {
    let body = app
        .graphql(
            token,
            "query($filter: ArticleFilter) { articles(filter: $filter, first: 100) { totalCount nodes { title } } }",
            json!({ "filter": filter }),
        )
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    body["data"]["articles"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn search_titles(app: &TestApp, text: &str) -> Vec<String> {
    let body = app
        .graphql(
            None,
            "query($text: String!) { search(text: $text, filter: { kinds: [ARTICLE] }) { hits { nodes { kind node { ... on Article { title } } } } } }",
            json!({ "text": text }),
        )
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    body["data"]["search"]["hits"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["node"]["title"].as_str().unwrap().to_owned())
        .collect()
}

/// Searches until `wanted(titles)` holds, for a bounded time.
async fn search_until(
    app: &TestApp,
    text: &str,
    seconds: u64,
    wanted: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let mut found = Vec::new();
    for _ in 0..seconds * 10 {
        found = search_titles(app, text).await;
        if wanted(&found) {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("search for {text} never satisfied the condition; last: {found:?}");
}

#[tokio::test]
async fn drafts_and_scheduled_articles_are_hidden_from_everyone_but_their_municipalitys_admins() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let other_admin = app.login_demo("maebashi-admin@example.jp").await;
    let resident = app.login_demo("manazuru-resident@example.jp").await;

    let published = create_ok(
        &app,
        &admin,
        with(article_input("公開中の記事"), json!({ "publish": true })),
    )
    .await;
    let draft = create_ok(&app, &admin, article_input("下書きの記事")).await;
    let later = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let scheduled = create_ok(
        &app,
        &admin,
        with(
            article_input("予約公開の記事"),
            json!({ "publish": true, "publishAt": later }),
        ),
    )
    .await;
    assert_eq!(published["isPublic"], true, "{published}");
    assert_eq!(draft["status"], "DRAFT");
    assert_eq!(draft["isPublic"], false);
    assert_eq!(scheduled["status"], "PUBLISHED");
    assert_eq!(scheduled["isScheduled"], true);
    assert_eq!(scheduled["isPublic"], false);

    let manazuru = app.municipality_id("14384").await;
    let filter = json!({ "municipalityId": manazuru });
    for (who, token) in [
        ("anonymous", None),
        ("resident", Some(resident.as_str())),
        ("another municipality's admin", Some(other_admin.as_str())),
    ] {
        let titles = list_titles(&app, token, filter.clone()).await;
        assert!(
            titles.contains(&"公開中の記事".to_owned()),
            "{who}: {titles:?}"
        );
        assert!(
            !titles.contains(&"下書きの記事".to_owned()),
            "{who}: {titles:?}"
        );
        assert!(
            !titles.contains(&"予約公開の記事".to_owned()),
            "{who}: {titles:?}"
        );
        assert!(
            !titles.iter().any(|t| t.contains("下書き")),
            "{who} sees a demo draft: {titles:?}"
        );
        for hidden in [&draft, &scheduled] {
            assert_eq!(
                node(&app, token, hidden["id"].as_str().unwrap()).await,
                Value::Null,
                "{who}"
            );
        }
        assert_eq!(
            node(&app, token, published["id"].as_str().unwrap()).await["title"],
            "公開中の記事"
        );
    }
    let titles = list_titles(&app, Some(&admin), filter.clone()).await;
    for title in ["公開中の記事", "下書きの記事", "予約公開の記事"] {
        assert!(titles.contains(&title.to_owned()), "{titles:?}");
    }
    assert_eq!(
        node(&app, Some(&admin), draft["id"].as_str().unwrap()).await["status"],
        "DRAFT"
    );

    // By slug, the same rules.
    let slugged = create_ok(
        &app,
        &admin,
        with(
            article_input("スラッグ付きの下書き"),
            json!({ "slug": "Secret-Plan" }),
        ),
    )
    .await;
    assert_eq!(slugged["slug"], "secret-plan");
    let by_slug =
        "query($m: ID!, $slug: String!) { article(municipalityId: $m, slug: $slug) { title } }";
    let vars = json!({ "m": manazuru, "slug": "secret-plan" });
    let anonymous = app.graphql(None, by_slug, vars.clone()).await;
    assert_eq!(anonymous["data"]["article"], Value::Null, "{anonymous}");
    let own = app.graphql(Some(&admin), by_slug, vars).await;
    assert_eq!(
        own["data"]["article"]["title"], "スラッグ付きの下書き",
        "{own}"
    );
}

#[tokio::test]
async fn a_scheduled_article_becomes_public_and_searchable_when_its_time_comes_and_not_before() {
    let app = spawn_app().await;
    let admin = app.login_demo("maebashi-admin@example.jp").await;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(3)).to_rfc3339();
    let article = create_ok(
        &app,
        &admin,
        json!({
            "publish": true,
            "publishAt": soon,
            "kind": "RESIDENT_STORY",
            "title": "赤城山のふもとで始めた養蜂",
            "summary": "養蜂を始めた移住者の話です。",
            "body": "はちみつ作りの一年。",
        }),
    )
    .await;
    let id = article["id"].as_str().unwrap();
    assert_eq!(node(&app, None, id).await, Value::Null);
    assert!(search_titles(&app, "養蜂").await.is_empty());

    tokio::time::sleep(Duration::from_secs(3)).await;
    // Public as soon as its time has come, and searchable once the scheduler released it.
    assert_eq!(
        node(&app, None, id).await["title"],
        "赤城山のふもとで始めた養蜂"
    );
    search_until(&app, "養蜂", 20, |titles| {
        titles.contains(&"赤城山のふもとで始めた養蜂".to_owned())
    })
    .await;
}

#[tokio::test]
async fn only_the_municipalitys_admins_may_write_publish_and_delete_articles() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let other_admin = app.login_demo("maebashi-admin@example.jp").await;
    let resident = app.login_demo("manazuru-resident@example.jp").await;
    let staff = app.login_demo("manazuru-staff@example.jp").await;
    let manazuru = app.municipality_id("14384").await;

    // Writing: residents and staff are refused; another town's admin cannot write here.
    for token in [&resident, &staff] {
        let body = app
            .graphql(
                Some(token),
                &create_mutation(),
                json!({ "input": article_input("書けない記事") }),
            )
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    let body = app
        .graphql(
            Some(&other_admin),
            &create_mutation(),
            json!({ "input": with(article_input("越境の記事"), json!({ "municipalityId": manazuru })) }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .graphql(
            None,
            &create_mutation(),
            json!({ "input": article_input("匿名") }),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");

    let draft = create_ok(&app, &admin, article_input("編集する記事")).await;
    let id = draft["id"].as_str().unwrap();
    let update = "mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { article { title tags coverImageUrl slug } userErrors { code } } }";
    // Another town's admin does not even see the draft.
    let body = app
        .graphql(
            Some(&other_admin),
            update,
            json!({ "input": { "id": id, "title": "乗っ取り" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");

    let body = app
        .graphql(
            Some(&admin),
            update,
            json!({ "input": { "id": id, "title": "編集した記事", "tags": ["海"], "coverImageUrl": null } }),
        )
        .await;
    let changed = &body["data"]["updateArticle"]["article"];
    assert_eq!(changed["title"], "編集した記事", "{body}");
    assert_eq!(changed["tags"], json!(["海"]));
    assert_eq!(changed["coverImageUrl"], Value::Null);

    let publish = "mutation($id: ID!) { publishArticle(input: { id: $id }) { article { status isPublic } userErrors { code } } }";
    let body = app
        .graphql(Some(&resident), publish, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .graphql(Some(&admin), publish, json!({ "id": id }))
        .await;
    assert_eq!(
        body["data"]["publishArticle"]["article"]["isPublic"], true,
        "{body}"
    );
    // Published now, another town's admin sees it but may not change it.
    let body = app
        .graphql(
            Some(&other_admin),
            update,
            json!({ "input": { "id": id, "title": "乗っ取り" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    // Publishing again without a new time is a wrong step.
    let body = app
        .graphql(Some(&admin), publish, json!({ "id": id }))
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["publishArticle"]),
        vec!["INVALID_STATE"]
    );

    let archive = "mutation($id: ID!) { archiveArticle(input: { id: $id }) { article { status } userErrors { code } } }";
    let body = app
        .graphql(Some(&admin), archive, json!({ "id": id }))
        .await;
    assert_eq!(
        body["data"]["archiveArticle"]["article"]["status"], "ARCHIVED",
        "{body}"
    );
    assert_eq!(
        node(&app, None, id).await,
        Value::Null,
        "archived is private"
    );
    let body = app
        .graphql(Some(&admin), archive, json!({ "id": id }))
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["archiveArticle"]),
        vec!["INVALID_STATE"]
    );
    let unpublish = "mutation($id: ID!) { unpublishArticle(input: { id: $id }) { article { status publishAt } userErrors { code } } }";
    let body = app
        .graphql(Some(&admin), unpublish, json!({ "id": id }))
        .await;
    assert_eq!(
        body["data"]["unpublishArticle"]["article"],
        json!({ "status": "DRAFT", "publishAt": null }),
        "{body}"
    );

    let delete = "mutation($id: ID!) { deleteArticle(input: { id: $id }) { deletedArticleId userErrors { code } } }";
    let body = app
        .graphql(Some(&other_admin), delete, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    let body = app.graphql(Some(&admin), delete, json!({ "id": id })).await;
    assert_eq!(
        body["data"]["deleteArticle"]["deletedArticleId"], id,
        "{body}"
    );
    assert_eq!(node(&app, Some(&admin), id).await, Value::Null);
}

#[tokio::test]
async fn invalid_articles_are_refused_field_by_field_and_nothing_is_written() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let before = list_titles(&app, Some(&admin), json!({})).await.len();
    let many_tags: Vec<String> = (0..11).map(|i| format!("タグ{i}")).collect();
    let payload = create(
        &app,
        &admin,
        json!({
            "kind": "NEWS",
            "title": "  ",
            "summary": "",
            "body": "本文",
            "slug": "日本語スラッグ",
            "tags": many_tags,
            "coverImageUrl": "javascript:alert(1)",
        }),
    )
    .await;
    assert_eq!(payload["article"], Value::Null);
    let mut errors: Vec<(String, String)> = payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"][1].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    errors.sort();
    assert_eq!(
        errors,
        vec![
            ("coverImageUrl".to_owned(), "INVALID".to_owned()),
            ("slug".to_owned(), "INVALID".to_owned()),
            ("summary".to_owned(), "REQUIRED".to_owned()),
            ("tags".to_owned(), "TOO_LONG".to_owned()),
            ("title".to_owned(), "REQUIRED".to_owned()),
        ],
        "{payload}"
    );
    assert!(
        payload["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| c > '\u{3000}'),
        "messages are Japanese: {payload}"
    );
    for url in ["ftp://example.jp/a.jpg", "/images/a.jpg", "https://"] {
        let payload = create(
            &app,
            &admin,
            with(article_input("画像の記事"), json!({ "coverImageUrl": url })),
        )
        .await;
        assert_eq!(
            user_error_codes(&payload),
            vec!["INVALID"],
            "{url}: {payload}"
        );
    }
    // A slug is unique within the municipality, not across them.
    create_ok(
        &app,
        &admin,
        with(article_input("ガイド"), json!({ "slug": "guide" })),
    )
    .await;
    let payload = create(
        &app,
        &admin,
        with(article_input("別のガイド"), json!({ "slug": "guide" })),
    )
    .await;
    assert_eq!(user_error_codes(&payload), vec!["TAKEN"], "{payload}");
    let maebashi_admin = app.login_demo("maebashi-admin@example.jp").await;
    create_ok(
        &app,
        &maebashi_admin,
        with(article_input("前橋のガイド"), json!({ "slug": "guide" })),
    )
    .await;
    // Only the one valid article was written.
    assert_eq!(
        list_titles(&app, Some(&admin), json!({})).await.len(),
        before + 1
    );
}

#[tokio::test]
async fn markdown_is_rendered_and_nothing_a_writer_types_becomes_script() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let body = "# 見出し\n\n＃ 全角の記号は見出しではない ①（注）\n\n<script>alert('x')</script>\n\n本文に<img src=x onerror=alert(1)>を書く。\n\n[押して](javascript:alert(1)) と [町のサイト](https://www.town.manazuru.kanagawa.jp/)\n\n<a href=\"javascript:alert(2)\">生のリンク</a>";
    let article = create_ok(
        &app,
        &admin,
        with(
            article_input("マークダウンの記事"),
            json!({ "body": body, "publish": true }),
        ),
    )
    .await;
    assert_eq!(article["body"], body, "the Markdown is kept as written");
    let html = article["bodyHtml"].as_str().unwrap();
    assert!(html.contains("<h1>見出し</h1>"), "{html}");
    // Full-width characters are text as the writer typed them.
    assert!(
        html.contains("<p>＃ 全角の記号は見出しではない ①（注）</p>"),
        "{html}"
    );
    assert_eq!(html.matches("<h1>").count(), 1, "{html}");
    assert!(
        html.contains(r#"<a href="https://www.town.manazuru.kanagawa.jp/">町のサイト</a>"#),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<a href=\"javascript"), "{html}");
    assert_eq!(
        html.matches("<a ").count(),
        1,
        "only the https link: {html}"
    );
    assert!(
        html.contains("&lt;script&gt;"),
        "raw HTML shows as text: {html}"
    );
    assert!(html.contains("押して"), "{html}");
}

#[tokio::test]
async fn creating_twice_with_one_idempotency_key_creates_one_article() {
    let app = spawn_app().await;
    let admin = app.login_demo("maebashi-admin@example.jp").await;
    let input = with(
        article_input("一度だけの記事"),
        json!({ "idempotencyKey": "article-retry-1" }),
    );
    let first = create_ok(&app, &admin, input.clone()).await;
    let second = create_ok(&app, &admin, input).await;
    assert_eq!(first["id"], second["id"]);
    let titles = list_titles(&app, Some(&admin), json!({})).await;
    assert_eq!(
        titles.iter().filter(|t| *t == "一度だけの記事").count(),
        1,
        "{titles:?}"
    );
    let reused = create(
        &app,
        &admin,
        with(
            article_input("別の記事"),
            json!({ "idempotencyKey": "article-retry-1" }),
        ),
    )
    .await;
    assert_eq!(user_error_codes(&reused), vec!["IDEMPOTENCY_KEY_REUSED"]);
}

#[tokio::test]
async fn search_finds_a_published_article_and_never_a_draft() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let published = create_ok(
        &app,
        &admin,
        json!({
            "publish": true,
            "kind": "RELOCATION_GUIDE",
            "title": "ﾐｶﾝ畑のある暮らし",
            "summary": "みかん農家の手伝いから始める暮らしの案内です。",
            "body": "## 収穫の季節\n\n冬は**みかん**の収穫を手伝います。",
        }),
    )
    .await;
    create_ok(
        &app,
        &admin,
        json!({
            "kind": "NEWS",
            "title": "ミカン畑の下書き",
            "summary": "まだ公開しない。",
            "body": "ミカン",
        }),
    )
    .await;
    // Stored as written; search matches the half-width katakana all the same.
    assert_eq!(published["title"], "ﾐｶﾝ畑のある暮らし");
    let found = search_until(&app, "ミカン", 10, |titles| !titles.is_empty()).await;
    assert_eq!(found, vec!["ﾐｶﾝ畑のある暮らし".to_owned()]);

    // Taken back to draft, it leaves the index.
    let body = app
        .graphql(
            Some(&admin),
            "mutation($id: ID!) { unpublishArticle(input: { id: $id }) { userErrors { code } } }",
            json!({ "id": published["id"] }),
        )
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    search_until(&app, "ミカン", 10, <[String]>::is_empty).await;
}

#[tokio::test]
async fn articles_filter_by_kind_tag_and_publish_time_newest_first() {
    let app = spawn_app().await;
    let admin = app.login_demo("maebashi-admin@example.jp").await;
    let maebashi = app.municipality_id("10201").await;
    let days_ago = |days: i64| (chrono::Utc::now() - chrono::Duration::days(days)).to_rfc3339();
    for (title, kind, tags, days) in [
        ("古い声", "RESIDENT_STORY", vec!["農業"], 300),
        (
            "中くらいの声",
            "RESIDENT_STORY",
            vec!["農業", "子育て"],
            100,
        ),
        ("新しいお知らせ", "NEWS", vec!["農業"], 1),
    ] {
        create_ok(
            &app,
            &admin,
            json!({ "kind": kind, "tags": tags, "publish": true, "publishAt": days_ago(days), "title": title, "summary": "要約", "body": "本文" }),
        )
        .await;
    }
    let filter = json!({ "municipalityId": maebashi, "tag": "農業" });
    assert_eq!(
        list_titles(&app, None, filter).await,
        vec!["新しいお知らせ", "中くらいの声", "古い声"]
    );
    assert_eq!(
        list_titles(
            &app,
            None,
            json!({ "municipalityId": maebashi, "tag": "農業", "kind": ["RESIDENT_STORY"] })
        )
        .await,
        vec!["中くらいの声", "古い声"]
    );
    assert_eq!(
        list_titles(
            &app,
            None,
            json!({ "tag": "農業", "publishedFrom": days_ago(200), "publishedTo": days_ago(50) })
        )
        .await,
        vec!["中くらいの声"]
    );
    // Another municipality has none of them.
    let manazuru = app.municipality_id("14384").await;
    assert!(
        list_titles(
            &app,
            None,
            json!({ "municipalityId": manazuru, "tag": "農業" })
        )
        .await
        .is_empty()
    );
    // Oldest first, one per page.
    let body = app
        .graphql(
            None,
            "query($f: ArticleFilter) { articles(filter: $f, orderBy: OLDEST, first: 1) { totalCount nodes { title } pageInfo { hasNextPage endCursor } } }",
            json!({ "f": { "tag": "農業" } }),
        )
        .await;
    assert_eq!(body["data"]["articles"]["totalCount"], 3, "{body}");
    assert_eq!(body["data"]["articles"]["nodes"][0]["title"], "古い声");
}

#[tokio::test]
async fn an_article_names_its_author_and_organization_but_never_an_email() {
    let app = spawn_app().await;
    let admin = app.login_demo("maebashi-admin@example.jp").await;
    let article = create_ok(&app, &admin, article_input("著者のいる記事")).await;
    assert_eq!(article["author"]["displayName"], "前橋 由美", "{article}");
    assert_eq!(article["author"]["organization"]["name"], "前橋市役所");
    assert!(!article.to_string().contains("@example.jp"), "{article}");
    let body = app
        .graphql(
            Some(&admin),
            "query($id: ID!) { node(id: $id) { ... on Article { author { email } } } }",
            json!({ "id": article["id"] }),
        )
        .await;
    assert_eq!(
        error_code(&body),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );
}

#[tokio::test]
async fn the_demo_holds_stories_of_both_towns_with_a_draft_and_a_scheduled_article() {
    let app = spawn_app().await;
    for (jis, slug) in [("10201", "maebashi"), ("14384", "manazuru")] {
        let municipality = app.municipality_id(jis).await;
        let query = "query($f: ArticleFilter) { articles(filter: $f, first: 50) { nodes { kind status isScheduled } } }";
        let public = app
            .graphql(
                None,
                query,
                json!({ "f": { "municipalityId": municipality } }),
            )
            .await;
        let public = public["data"]["articles"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        assert!(public.len() >= 4, "{slug}: {public:?}");
        assert!(
            public.iter().any(|a| a["kind"] == "RESIDENT_STORY"),
            "{slug}"
        );
        assert!(public.iter().any(|a| a["kind"] == "CAREER_STORY"), "{slug}");
        let admin = app.login_demo(&format!("{slug}-admin@example.jp")).await;
        let all = app
            .graphql(
                Some(&admin),
                query,
                json!({ "f": { "municipalityId": municipality } }),
            )
            .await;
        let all = all["data"]["articles"]["nodes"].as_array().unwrap().clone();
        assert_eq!(
            all.iter().filter(|a| a["status"] == "DRAFT").count(),
            1,
            "{slug}"
        );
        assert_eq!(
            all.iter().filter(|a| a["isScheduled"] == true).count(),
            1,
            "{slug}"
        );
    }
    // Loading the demo again duplicates nothing.
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    tsunagu::app::demo::load(&db).await.unwrap();
    let manazuru = app.municipality_id("14384").await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    assert_eq!(
        list_titles(&app, Some(&admin), json!({ "municipalityId": manazuru }))
            .await
            .len(),
        6
    );
}

#[tokio::test]
async fn a_scheduled_article_is_released_to_search_once_however_many_replicas_try() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let app = spawn_app().await;
    let replica = app.spawn_replica().await;
    let admin = app.login_demo("maebashi-admin@example.jp").await;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(1)).to_rfc3339();
    let article = create_ok(
        &app,
        &admin,
        with(
            article_input("二つの複製で公開される記事"),
            json!({ "publish": true, "publishAt": soon }),
        ),
    )
    .await;
    let id = tsunagu::graphql::ids::decode_as(
        &article["id"].as_str().unwrap().to_owned().into(),
        tsunagu::graphql::ids::NodeKind::Article,
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Both replicas' schedulers run meanwhile; two more passes race here.
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let other = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let (first, second) = tokio::join!(
        tsunagu::domains::content::service::release_scheduled(&db),
        tsunagu::domains::content::service::release_scheduled(&other),
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    assert!(first + second <= 1, "{first} + {second}");
    // Wait for the periodic passes of both replicas too.
    tokio::time::sleep(tsunagu::domains::content::service::RELEASE_EVERY).await;
    let rows = entity::search_outbox::Entity::find()
        .filter(entity::search_outbox::Column::RecordId.eq(id))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(rows, 2, "one row for the creation, one for the release");
    replica.stop().await;
}

#[tokio::test]
async fn the_article_filter_answers_alike_under_its_plural_names_and_its_former_ones() {
    let app = crate::helpers::spawn_app().await;
    let token = app.login_demo("manazuru-admin@example.jp").await;
    for (names, value) in [
        (("kinds", "kind"), json!(["NEWS"])),
        (("statuses", "status"), json!(["PUBLISHED"])),
    ] {
        app.assert_former_name_filters_alike(
            Some(&token),
            "articles",
            "ArticleFilter",
            names,
            value,
        )
        .await;
    }
}

#[tokio::test]
async fn a_draft_is_previewed_with_its_html_by_the_municipalitys_admins_and_its_author_only() {
    let app = spawn_app().await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let created = app
        .graphql(
            Some(&admin),
            "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } userErrors { code } } }",
            json!({ "input": { "email": "writer@example.jp", "password": "manazuru-umi-2026", "displayName": "書き手 花子", "displayNameKana": "カキテ ハナコ", "role": "MUNICIPAL_ADMIN" } }),
        )
        .await;
    let writer_id = created["data"]["createUser"]["user"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let writer = app.login("writer@example.jp", "manazuru-umi-2026").await;
    let draft = create_ok(&app, &writer, article_input("下書きの確認")).await;
    let id = draft["id"].as_str().unwrap();
    // The writer moves to concierge work: still the author, no longer an administrator.
    let moved = app
        .graphql(
            Some(&admin),
            "mutation($id: ID!) { updateUser(input: { id: $id, role: CONCIERGE }) { user { role } userErrors { code } } }",
            json!({ "id": writer_id }),
        )
        .await;
    assert_eq!(
        moved["data"]["updateUser"]["user"]["role"], "CONCIERGE",
        "{moved}"
    );
    let writer = app.login("writer@example.jp", "manazuru-umi-2026").await;

    let preview = "query($id: ID!) { article(id: $id) { title status bodyHtml } }";
    for token in [&admin, &writer] {
        let body = app.graphql(Some(token), preview, json!({ "id": id })).await;
        let article = &body["data"]["article"];
        assert_eq!(article["status"], "DRAFT", "{body}");
        assert_eq!(
            article["bodyHtml"],
            "<p>本文です。</p>\n<p><strong>大事なこと</strong>があります。</p>\n"
        );
    }
    let concierge = app.login_demo("manazuru-concierge@example.jp").await;
    let resident = app.login_demo("manazuru-resident@example.jp").await;
    let other_admin = app.login_demo("maebashi-admin@example.jp").await;
    for token in [Some(&concierge), Some(&resident), Some(&other_admin), None] {
        let body = app
            .graphql(token.map(String::as_str), preview, json!({ "id": id }))
            .await;
        assert_eq!(body["data"]["article"], Value::Null, "{body}");
        assert_eq!(node(&app, token.map(String::as_str), id).await, Value::Null);
    }
}

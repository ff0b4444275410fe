//! GraphQL over HTTP: request errors, content negotiation, GET, limits, pagination, global
//! ids, persisted queries, and the operational endpoints and headers.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::{Method, Response, StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, error_code, spawn_app, spawn_app_with};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// POSTs `body` as it is, with `content_type`.
async fn post_raw(app: &TestApp, content_type: &str, body: impl Into<reqwest::Body>) -> Response {
    app.request(Method::POST, "/graphql")
        .header(header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// POSTs a GraphQL request asking for `application/graphql-response+json`.
async fn post_accepting_graphql_response(app: &TestApp, body: Value) -> Response {
    app.request(Method::POST, "/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, GRAPHQL_RESPONSE_JSON)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// GETs `/graphql` with the query-string `params`.
async fn get_graphql(app: &TestApp, params: &[(&str, &str)]) -> Response {
    app.request(Method::GET, "/graphql")
        .query(params)
        .send()
        .await
        .unwrap()
}

fn content_type(response: &Response) -> String {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn sha256_hex(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// The status and JSON body of a response.
async fn status_and_json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("status {status}, body is not JSON: {text}"));
    (status, body)
}

// Malformed requests: refused before GraphQL runs, with a status and a code.

#[tokio::test]
async fn malformed_json_gets_400_with_bad_request_code() {
    let app = spawn_app().await;
    let response = post_raw(&app, "application/json", r#"{"query": "{ __typename }""#).await;
    assert!(content_type(&response).starts_with("application/json"));
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), Some("BAD_REQUEST"), "{body}");
}

#[tokio::test]
async fn empty_body_gets_400_with_bad_request_code() {
    let app = spawn_app().await;
    let (status, body) = status_and_json(post_raw(&app, "application/json", "").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), Some("BAD_REQUEST"), "{body}");
}

#[tokio::test]
async fn batched_requests_get_400_because_batches_are_not_supported() {
    let app = spawn_app().await;
    let batch = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]);
    let (status, body) =
        status_and_json(post_raw(&app, "application/json", batch.to_string()).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), Some("BAD_REQUEST"), "{body}");
}

#[tokio::test]
async fn a_body_sent_as_text_plain_gets_415() {
    let app = spawn_app().await;
    let body = json!({ "query": "{ __typename }" }).to_string();
    let (status, body) = status_and_json(post_raw(&app, "text/plain", body).await).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(error_code(&body), Some("UNSUPPORTED_MEDIA_TYPE"), "{body}");

    let body = json!({ "query": "{ __typename }" }).to_string();
    let response = post_raw(&app, "application/json; charset=utf-8", body).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_body_larger_than_the_limit_gets_413_payload_too_large() {
    let app = spawn_app_with(|l| l.max_body_bytes = 1024).await;
    let padding = " ".repeat(2048);
    let body = format!(r#"{{"query": "{{ __typename {padding} }}"}}"#);
    let (status, body) = status_and_json(post_raw(&app, "application/json", body).await).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(error_code(&body), Some("PAYLOAD_TOO_LARGE"), "{body}");

    let small = json!({ "query": "{ __typename }" }).to_string();
    let (status, body) = status_and_json(post_raw(&app, "application/json", small).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["__typename"], "Query");
}

// GraphQL request errors: parse and validation failures.

#[tokio::test]
async fn a_syntax_error_is_graphql_parse_failed_with_400_for_graphql_response_json() {
    let app = spawn_app().await;
    let response =
        post_accepting_graphql_response(&app, json!({ "query": "{ municipalities { " })).await;
    assert!(
        content_type(&response).starts_with(GRAPHQL_RESPONSE_JSON),
        "{}",
        content_type(&response)
    );
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), Some("GRAPHQL_PARSE_FAILED"), "{body}");
    assert!(body.get("data").is_none(), "{body}");
}

#[tokio::test]
async fn one_document_sent_again_answers_for_its_own_variables_and_operation() {
    // Documents are kept parsed by their text; each request still brings its own
    // variables and chooses its own operation, and a syntax error is one every time.
    let app = spawn_app().await;
    let document = "query ByCode($jis: String!) { municipality(jisCode: $jis) { nameJa } } \
                    query Both { a: municipality(jisCode: \"10201\") { nameJa } }";
    for (jis, name) in [
        ("10201", "前橋市"),
        ("14384", "真鶴町"),
        ("10201", "前橋市"),
    ] {
        let body = app
            .post_graphql(
                None,
                json!({ "query": document, "operationName": "ByCode", "variables": { "jis": jis } }),
            )
            .await
            .json::<Value>()
            .await
            .expect("JSON");
        assert_eq!(body["data"]["municipality"]["nameJa"], name, "{body}");
    }
    let body = app
        .post_graphql(None, json!({ "query": document, "operationName": "Both" }))
        .await
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(body["data"]["a"]["nameJa"], "前橋市", "{body}");
    for _ in 0..2 {
        let body = app
            .post_graphql(None, json!({ "query": "{ municipalities { " }))
            .await
            .json::<Value>()
            .await
            .expect("JSON");
        assert_eq!(error_code(&body), Some("GRAPHQL_PARSE_FAILED"), "{body}");
    }
}

#[tokio::test]
async fn a_syntax_error_is_graphql_parse_failed_with_200_for_json() {
    let app = spawn_app().await;
    let response = app
        .post_graphql(None, json!({ "query": "{ municipalities { " }))
        .await;
    assert!(content_type(&response).starts_with("application/json"));
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(error_code(&body), Some("GRAPHQL_PARSE_FAILED"), "{body}");
    assert!(body.get("data").is_none(), "{body}");
}

#[tokio::test]
async fn an_unknown_field_is_a_validation_error_200_for_json_and_400_for_graphql_response_json() {
    let app = spawn_app().await;
    let request = json!({ "query": "{ municipalities { totalCount noSuchField } }" });

    let response = app.post_graphql(None, request.clone()).await;
    assert!(content_type(&response).starts_with("application/json"));
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        error_code(&body),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );
    assert!(body.get("data").is_none(), "{body}");

    let response = post_accepting_graphql_response(&app, request).await;
    assert!(content_type(&response).starts_with(GRAPHQL_RESPONSE_JSON));
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        error_code(&body),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );
    assert!(body.get("data").is_none(), "{body}");
}

#[tokio::test]
async fn a_variable_of_the_wrong_type_is_a_request_error_not_a_server_error() {
    let app = spawn_app().await;
    let request = json!({
        "query": "query($c: String!) { municipality(jisCode: $c) { id } }",
        "variables": { "c": 123 },
    });
    let (status, body) = status_and_json(app.post_graphql(None, request.clone()).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        error_code(&body),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );
    assert!(body.get("data").is_none(), "{body}");

    let (status, body) =
        status_and_json(post_accepting_graphql_response(&app, request).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn a_request_without_query_gets_400() {
    let app = spawn_app().await;
    let (status, body) =
        status_and_json(app.post_graphql(None, json!({ "variables": {} })).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), Some("BAD_REQUEST"), "{body}");
}

// GET: queries from programs, GraphiQL for browsers.

#[tokio::test]
async fn get_runs_a_query_from_the_query_string() {
    let app = spawn_app().await;
    let response = get_graphql(&app, &[("query", "{ __typename }")]).await;
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["__typename"], "Query", "{body}");

    let response = get_graphql(
        &app,
        &[
            (
                "query",
                "query($c: String!) { municipality(jisCode: $c) { nameJa } }",
            ),
            ("variables", r#"{"c": "40100"}"#),
        ],
    )
    .await;
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["municipality"]["nameJa"], "北九州市", "{body}");
}

#[tokio::test]
async fn get_refuses_a_mutation_with_405_and_allow_post() {
    let app = spawn_app().await;
    let response = get_graphql(&app, &[("query", "mutation { logOut { endedSessions } }")]).await;
    assert_eq!(
        response
            .headers()
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok()),
        Some("POST")
    );
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_eq!(error_code(&body), Some("METHOD_NOT_ALLOWED"), "{body}");
}

#[tokio::test]
async fn a_browser_opening_the_endpoint_gets_graphiql() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/graphql")
        .header(
            header::ACCEPT,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        content_type(&response).starts_with("text/html"),
        "{}",
        content_type(&response)
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("tsunagu GraphiQL"), "{html}");
    assert!(html.contains("/graphql/ws"), "{html}");
}

#[tokio::test]
async fn get_answers_406_when_only_an_unservable_type_is_accepted() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/graphql")
        .query(&[("query", "{ __typename }")])
        .header(header::ACCEPT, "image/png")
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE, "{body}");
    assert_eq!(error_code(&body), Some("NOT_ACCEPTABLE"), "{body}");

    let response = app
        .request(Method::POST, "/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "image/png")
        .body(json!({ "query": "{ __typename }" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_ACCEPTABLE);
}

// Depth, complexity and alias limits.

#[tokio::test]
async fn a_query_nested_deeper_than_the_limit_is_query_too_deep() {
    let app = spawn_app_with(|l| l.max_depth = 3).await;
    let body = app
        .graphql(
            None,
            "{ municipalities { edges { node { organizations { edges { node { municipality { jisCode } } } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("QUERY_TOO_DEEP"), "{body}");
    assert!(body.get("data").is_none(), "{body}");

    let shallow = app
        .graphql(None, "{ municipalities { totalCount } }", json!({}))
        .await;
    assert_eq!(
        shallow["data"]["municipalities"]["totalCount"], 3,
        "{shallow}"
    );
}

#[tokio::test]
async fn a_query_costlier_than_the_limit_is_query_too_complex() {
    let app = spawn_app_with(|l| l.max_complexity = 50).await;
    let body = app
        .graphql(
            None,
            "{ municipalities(first: 100) { nodes { nameJa nameEn } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("QUERY_TOO_COMPLEX"), "{body}");
    assert!(body.get("data").is_none(), "{body}");

    let cheap = app
        .graphql(
            None,
            "{ municipalities(first: 3) { nodes { nameJa nameEn } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        cheap["data"]["municipalities"]["nodes"][0]["nameJa"], "前橋市",
        "{cheap}"
    );
}

#[tokio::test]
async fn more_aliases_than_the_limit_are_too_many_aliases() {
    let app = spawn_app_with(|l| l.max_aliases = 3).await;
    let body = app
        .graphql(
            None,
            "{ a: __typename b: __typename c: __typename d: __typename }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("TOO_MANY_ALIASES"), "{body}");
    assert!(body.get("data").is_none(), "{body}");

    let at_the_limit = app
        .graphql(
            None,
            "{ a: __typename b: __typename c: __typename }",
            json!({}),
        )
        .await;
    assert_eq!(at_the_limit["data"]["c"], "Query", "{at_the_limit}");
}

/// `getIntrospectionQuery()` of graphql-js 16 with its default options: what GraphiQL and
/// most client tooling send to load the schema.
const INTROSPECTION_QUERY: &str = r"
    query IntrospectionQuery {
      __schema {
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types {
          ...FullType
        }
        directives {
          name
          description
          locations
          args {
            ...InputValue
          }
        }
      }
    }

    fragment FullType on __Type {
      kind
      name
      description
      fields(includeDeprecated: true) {
        name
        description
        args {
          ...InputValue
        }
        type {
          ...TypeRef
        }
        isDeprecated
        deprecationReason
      }
      inputFields {
        ...InputValue
      }
      interfaces {
        ...TypeRef
      }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes {
        ...TypeRef
      }
    }

    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
    }

    fragment TypeRef on __Type {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
";

/// `{ ...F ...F … } fragment F on Query { __typename … }`: a small document that names
/// `spreads × fields` selections.
fn spread_amplification(spreads: usize, fields: usize) -> String {
    format!(
        "{{ {} }} fragment F on Query {{ {} }}",
        "...F ".repeat(spreads),
        "__typename ".repeat(fields)
    )
}

#[tokio::test]
async fn a_fragment_spread_many_times_is_refused_as_too_many_selections_before_validation() {
    let app = spawn_app().await;
    let query = spread_amplification(10_000, 1_000);
    assert!(query.len() < 70_000);
    let started = std::time::Instant::now();
    let (status, body) =
        status_and_json(app.post_graphql(None, json!({ "query": query })).await).await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "refused only after {:?}",
        started.elapsed()
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(error_code(&body), Some("TOO_MANY_SELECTIONS"), "{body}");
    assert!(body.get("data").is_none(), "{body}");

    // Many spreads of a one-field fragment count too.
    let body = app
        .graphql(None, &spread_amplification(3_000, 1), json!({}))
        .await;
    assert_eq!(error_code(&body), Some("TOO_MANY_SELECTIONS"), "{body}");

    let body = app
        .graphql(
            None,
            "{ ...M ...M } fragment M on Query { municipalities { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["municipalities"]["totalCount"], 3, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_longer_than_the_request_timeout_is_answered_504_at_the_limit() {
    let app = spawn_app_with(|l| {
        l.request_timeout_secs = 1;
        l.max_selections = usize::MAX;
    })
    .await;
    // Ten million selections: far more than one second of validation on any machine.
    let started = std::time::Instant::now();
    let response = app
        .post_graphql(
            None,
            json!({ "query": spread_amplification(10_000, 1_000) }),
        )
        .await;
    let elapsed = started.elapsed();
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert_eq!(error_code(&body), Some("TIMEOUT"), "{body}");
    assert!(
        elapsed < std::time::Duration::from_millis(1900),
        "answered after {elapsed:?}"
    );
    let health = app.request(Method::GET, "/healthz").send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_response_carries_at_most_the_error_limit_and_says_how_many_were_left_out() {
    let app = spawn_app_with(|l| l.max_errors = 10).await;
    let fields: String = (0..200).map(|i| format!("unknown{i} ")).collect();
    let body = app
        .graphql(None, &format!("{{ {fields} }}"), json!({}))
        .await;
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 11, "{body}");
    assert_eq!(
        errors[0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{body}"
    );
    assert_eq!(
        errors[10]["extensions"]["code"], "TOO_MANY_ERRORS",
        "{body}"
    );
    assert!(
        errors[10]["message"].as_str().unwrap().contains("190"),
        "{body}"
    );
}

#[tokio::test]
async fn control_characters_in_text_are_bad_user_input_on_every_database() {
    let app = spawn_app().await;
    // In a literal, in a variable, nested in an input object, and in a mutation.
    let literal = app
        .graphql(
            None,
            "{ municipality(jisCode: \"1\\u0000\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&literal), Some("BAD_USER_INPUT"), "{literal}");
    assert!(literal.get("data").is_none(), "{literal}");
    let variable = app
        .graphql(
            None,
            "query($code: String!) { municipality(jisCode: $code) { id } }",
            json!({ "code": "1\u{0}" }),
        )
        .await;
    assert_eq!(error_code(&variable), Some("BAD_USER_INPUT"), "{variable}");
    let login = app
        .graphql(
            None,
            "mutation($input: LogInInput!) { logIn(input: $input) { session { token } } }",
            json!({ "input": { "email": "a\u{7}@example.jp", "password": "x" } }),
        )
        .await;
    assert_eq!(error_code(&login), Some("BAD_USER_INPUT"), "{login}");
    let search = app
        .graphql(
            None,
            "query($q: String!) { suggest(municipalityCode: \"14384\", prefix: $q) { title } }",
            json!({ "q": "前\u{1b}" }),
        )
        .await;
    assert_eq!(error_code(&search), Some("BAD_USER_INPUT"), "{search}");

    // Tabs and line breaks are text.
    let body = app
        .graphql(
            None,
            "query($code: String!) { municipality(jisCode: $code) { id } }",
            json!({ "code": "10201\t\n" }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn graphiqls_introspection_query_passes_the_default_limits() {
    let app = spawn_app().await;
    let body = app.graphql(None, INTROSPECTION_QUERY, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let schema = &body["data"]["__schema"];
    assert_eq!(schema["queryType"]["name"], "Query");
    assert_eq!(schema["mutationType"]["name"], "Mutation");
    assert_eq!(schema["subscriptionType"]["name"], "Subscription");
    let types: Vec<&str> = schema["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(types.contains(&"Municipality"), "{types:?}");
}

// Connections: the page cap and cursors.

const MUNICIPALITY_PAGE: &str = "query($first: Int, $last: Int, $after: String, $before: String) {
    municipalities(first: $first, last: $last, after: $after, before: $before) {
        edges { cursor node { jisCode } }
        pageInfo { hasNextPage hasPreviousPage endCursor }
        totalCount
    }
}";

fn jis_codes(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no edges: {connection}"))
        .iter()
        .map(|edge| edge["node"]["jisCode"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn first_beyond_the_page_cap_is_accepted_and_capped() {
    let app = spawn_app_with(|l| {
        l.max_page_size = 2;
        // The cap itself is under test here, not the complexity limit.
        l.max_complexity = 1_000_000;
    })
    .await;
    let body = app
        .graphql(None, MUNICIPALITY_PAGE, json!({ "first": 1000 }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let page = &body["data"]["municipalities"];
    assert_eq!(jis_codes(page), ["10201", "14384"], "{body}");
    assert_eq!(page["pageInfo"]["hasNextPage"], true, "{body}");
    assert_eq!(page["totalCount"], 3, "{body}");
}

#[tokio::test]
async fn a_page_beyond_the_cap_costs_what_the_cap_allows_not_what_was_asked() {
    let app = spawn_app().await;
    // At most 100 items come back (the default cap), so this costs about 100 × 8.
    let body = app
        .graphql(None, MUNICIPALITY_PAGE, json!({ "first": 1000 }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        jis_codes(&body["data"]["municipalities"]),
        ["10201", "14384", "40100"]
    );
}

#[tokio::test]
async fn walking_pages_with_end_cursor_visits_every_municipality_once_in_jis_code_order() {
    let app = spawn_app_with(|l| l.max_page_size = 2).await;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..5 {
        let body = app
            .graphql(
                None,
                MUNICIPALITY_PAGE,
                json!({ "first": 2, "after": after }),
            )
            .await;
        let page = &body["data"]["municipalities"];
        seen.extend(jis_codes(page));
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = Some(page["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, ["10201", "14384", "40100"]);
}

#[tokio::test]
async fn last_one_is_the_end_of_the_list() {
    let app = spawn_app().await;
    let body = app
        .graphql(None, MUNICIPALITY_PAGE, json!({ "last": 1 }))
        .await;
    let page = &body["data"]["municipalities"];
    assert_eq!(jis_codes(page), ["40100"], "{body}");
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true, "{body}");
}

#[tokio::test]
async fn first_and_last_together_are_bad_user_input() {
    let app = spawn_app().await;
    let body = app
        .graphql(None, MUNICIPALITY_PAGE, json!({ "first": 1, "last": 1 }))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

#[tokio::test]
async fn an_invalid_cursor_is_bad_user_input() {
    let app = spawn_app().await;
    let body = app
        .graphql(
            None,
            MUNICIPALITY_PAGE,
            json!({ "first": 1, "after": "not-a-cursor" }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

// Global ids and the Node interface.

const NODE: &str =
    "query($id: ID!) { node(id: $id) { __typename id ... on Municipality { jisCode } } }";

#[tokio::test]
async fn node_fetches_a_municipality_by_its_global_id() {
    let app = spawn_app().await;
    let id = app.municipality_id("14384").await;
    let body = app.graphql(None, NODE, json!({ "id": id })).await;
    let node = &body["data"]["node"];
    assert_eq!(node["__typename"], "Municipality", "{body}");
    assert_eq!(node["id"], id.as_str());
    assert_eq!(node["jisCode"], "14384");
}

#[tokio::test]
async fn node_refuses_a_malformed_id_as_bad_user_input() {
    let app = spawn_app().await;
    let body = app
        .graphql(None, NODE, json!({ "id": "definitely not an id" }))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

#[tokio::test]
async fn node_is_null_for_an_id_naming_an_unknown_type() {
    let app = spawn_app().await;
    let body = app
        .graphql(
            None,
            r#"{ municipality(jisCode: "10201") { organizations(first: 1) { nodes { id } } } }"#,
            json!({}),
        )
        .await;
    let organization_id = body["data"]["municipality"]["organizations"]["nodes"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no organization: {body}"))
        .to_owned();
    let found = app
        .graphql(None, NODE, json!({ "id": organization_id }))
        .await;
    assert_eq!(
        found["data"]["node"]["__typename"], "Organization",
        "{found}"
    );

    let decoded = String::from_utf8(URL_SAFE_NO_PAD.decode(&organization_id).unwrap()).unwrap();
    let (_, uuid) = decoded.split_once(':').unwrap();
    let forged = URL_SAFE_NO_PAD.encode(format!("Nope:{uuid}"));
    let body = app.graphql(None, NODE, json!({ "id": forged })).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["node"], Value::Null, "{body}");
}

// Automatic persisted queries.

const PERSISTED: &str = r#"query Manazuru { municipality(jisCode: "14384") { nameJa } }"#;

fn persisted_query_extension(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

#[tokio::test]
async fn a_persisted_query_is_unknown_then_registered_then_runs_by_hash_over_post_and_get() {
    let app = spawn_app().await;
    let hash = sha256_hex(PERSISTED);
    let by_hash = json!({ "extensions": persisted_query_extension(&hash) });

    let (status, body) = status_and_json(app.post_graphql(None, by_hash.clone()).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        error_code(&body),
        Some("PERSISTED_QUERY_NOT_FOUND"),
        "{body}"
    );
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");

    let registering = json!({ "query": PERSISTED, "extensions": persisted_query_extension(&hash) });
    let body = app
        .post_graphql(None, registering)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(body["data"]["municipality"]["nameJa"], "真鶴町", "{body}");

    let body = app
        .post_graphql(None, by_hash)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(body["data"]["municipality"]["nameJa"], "真鶴町", "{body}");

    let extensions = persisted_query_extension(&hash).to_string();
    let response = get_graphql(&app, &[("extensions", &extensions)]).await;
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["municipality"]["nameJa"], "真鶴町", "{body}");
}

#[tokio::test]
async fn a_persisted_mutation_cannot_be_run_with_get() {
    let app = spawn_app().await;
    let mutation = "mutation { logOut { endedSessions } }";
    let hash = sha256_hex(mutation);
    app.post_graphql(
        None,
        json!({ "query": mutation, "extensions": persisted_query_extension(&hash) }),
    )
    .await;

    let extensions = persisted_query_extension(&hash).to_string();
    let response = get_graphql(&app, &[("extensions", &extensions)]).await;
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_eq!(error_code(&body), Some("METHOD_NOT_ALLOWED"), "{body}");
}

#[tokio::test]
async fn a_persisted_query_registered_on_one_replica_runs_on_another() {
    let app = spawn_app().await;
    let replica = app.spawn_replica().await;
    let hash = sha256_hex(PERSISTED);
    let registering = json!({ "query": PERSISTED, "extensions": persisted_query_extension(&hash) });
    let body = app
        .post_graphql(None, registering)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(body["data"]["municipality"]["nameJa"], "真鶴町", "{body}");

    let body = replica
        .post_graphql(
            None,
            json!({ "extensions": persisted_query_extension(&hash) }),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(body["data"]["municipality"]["nameJa"], "真鶴町", "{body}");
}

#[tokio::test]
async fn a_persisted_query_sent_with_the_wrong_hash_is_bad_user_input_and_not_registered() {
    let app = spawn_app().await;
    let wrong = sha256_hex("{ __typename }");
    let body = app
        .post_graphql(
            None,
            json!({ "query": PERSISTED, "extensions": persisted_query_extension(&wrong) }),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");

    let body = app
        .post_graphql(
            None,
            json!({ "extensions": persisted_query_extension(&wrong) }),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        error_code(&body),
        Some("PERSISTED_QUERY_NOT_FOUND"),
        "{body}"
    );
}

// Operations: health, readiness, metrics, request ids, CORS, authentication.

#[tokio::test]
async fn health_and_readiness_answer_200() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.request(Method::GET, path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn metrics_count_requests_by_operation_name_and_errors_by_code() {
    let app = spawn_app_with(|l| l.metrics_operations = vec!["Probe".into()]).await;
    let probe = json!({ "query": "query Probe { __typename }", "operationName": "Probe" });
    let body: Value = app.post_graphql(None, probe).await.json().await.unwrap();
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
    let body = app
        .graphql(None, "{ municipalities { noSuchField } }", json!({}))
        .await;
    assert_eq!(
        error_code(&body),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );

    let response = app.request(Method::GET, "/metrics").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with("text/plain"));
    let metrics = response.text().await.unwrap();
    assert!(
        metrics.contains(r#"tsunagu_graphql_requests_total{operation="Probe"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"tsunagu_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"} 1"#),
        "{metrics}"
    );
}

/// The GraphQL series of `/metrics`.
async fn graphql_metrics(app: &TestApp) -> String {
    let response = app.request(Method::GET, "/metrics").send().await.unwrap();
    let text = response.text().await.unwrap();
    text.lines()
        .filter(|line| line.starts_with("tsunagu_graphql_"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn metrics_name_an_operation_by_its_document_when_operation_name_is_not_sent() {
    let app = spawn_app_with(|l| l.metrics_operations = vec!["Probe".into()]).await;
    let body = app
        .graphql(None, "query Probe { __typename }", json!({}))
        .await;
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
    let metrics = graphql_metrics(&app).await;
    assert!(
        metrics.contains(r#"tsunagu_graphql_requests_total{operation="Probe"} 1"#),
        "GraphQL series:\n{metrics}"
    );
}

#[tokio::test]
async fn operation_names_outside_the_known_list_share_one_series() {
    let app = spawn_app_with(|l| l.metrics_operations = vec!["Probe".into()]).await;
    let before = graphql_metrics(&app).await.lines().count();
    for i in 0..100 {
        let name = format!("Chosen{i}");
        let body: Value = app
            .post_graphql(
                None,
                json!({ "query": format!("query {name} {{ __typename }}"), "operationName": name }),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["data"]["__typename"], "Query", "{body}");
    }
    app.graphql(None, "query Probe { __typename }", json!({}))
        .await;
    let metrics = graphql_metrics(&app).await;
    assert!(
        metrics.contains(r#"tsunagu_graphql_requests_total{operation="other"} 100"#),
        "GraphQL series:\n{metrics}"
    );
    assert!(
        metrics.contains(r#"tsunagu_graphql_requests_total{operation="Probe"} 1"#),
        "GraphQL series:\n{metrics}"
    );
    assert!(!metrics.contains("Chosen"), "GraphQL series:\n{metrics}");
    // Two labels (other and Probe), each a counter and a histogram of 14 buckets, sum and
    // count: the page grows by a fixed amount, not per name.
    assert!(
        metrics.lines().count() <= before + 48,
        "GraphQL series:\n{metrics}"
    );
}

#[tokio::test]
async fn metrics_count_syntax_errors_by_code() {
    let app = spawn_app().await;
    let body = app.graphql(None, "{ municipalities {", json!({})).await;
    assert_eq!(error_code(&body), Some("GRAPHQL_PARSE_FAILED"), "{body}");
    let metrics = graphql_metrics(&app).await;
    assert!(
        metrics.contains(r#"tsunagu_graphql_errors_total{code="GRAPHQL_PARSE_FAILED"} 1"#),
        "GraphQL series:\n{metrics}"
    );
}

fn request_id(response: &Response) -> Option<String> {
    response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_given_one_comes_back() {
    let app = spawn_app().await;
    let responses = [
        app.request(Method::GET, "/healthz").send().await.unwrap(),
        app.post_graphql(None, json!({ "query": "{ __typename }" }))
            .await,
        post_raw(&app, "application/json", "{").await,
        app.request(Method::GET, "/no-such-page")
            .send()
            .await
            .unwrap(),
    ];
    let ids: Vec<String> = responses
        .iter()
        .map(|r| request_id(r).unwrap_or_else(|| panic!("no x-request-id: {r:?}")))
        .collect();
    assert!(ids.iter().all(|id| !id.is_empty()), "{ids:?}");
    assert_ne!(ids[0], ids[1], "each request gets its own id");

    let response = app
        .request(Method::POST, "/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-request-id", "abc")
        .body(json!({ "query": "{ __typename }" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(request_id(&response).as_deref(), Some("abc"));
}

async fn preflight(app: &TestApp, origin: &str) -> Response {
    app.request(Method::OPTIONS, "/graphql")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "content-type,authorization",
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cors_preflight_allows_the_configured_origin_only() {
    let app = spawn_app_with(|l| l.cors_origins = vec!["https://app.example.jp".into()]).await;
    let allowed = preflight(&app, "https://app.example.jp").await;
    assert!(allowed.status().is_success(), "{allowed:?}");
    assert_eq!(
        allowed
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .and_then(|v| v.to_str().ok()),
        Some("https://app.example.jp"),
        "{allowed:?}"
    );

    let other = preflight(&app, "https://evil.example.com").await;
    assert_eq!(
        other.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        None,
        "{other:?}"
    );
}

#[tokio::test]
async fn an_invalid_bearer_token_gets_401_with_www_authenticate_bearer() {
    let app = spawn_app().await;
    let response = app
        .request(Method::POST, "/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .bearer_auth("not-a-session-token")
        .body(json!({ "query": "{ me { id } }" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        response
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
}

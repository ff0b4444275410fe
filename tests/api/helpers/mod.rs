//! Spawning the app and talking to it.

pub mod database;
pub mod smtp;

use std::net::SocketAddr;

use reqwest::{Client, Response, header};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tsunagu::{
    config::Limits,
    demo::DEMO_PASSWORD,
    domains::health::hub::{HealthHub, InMemoryHub},
    startup::{Application, Settings},
};

/// A running server with its own database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// URL of the test's database.
    pub database_url: String,
    /// HTTP client.
    pub client: Client,
    /// The in-memory national hub (PMH) this server talks to, for tests to act as the
    /// hub's other users (a clinic's own system).
    pub hub: InMemoryHub,
    _data_dir: Option<TempDir>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// A server with default limits and the demo data loaded.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A server with limits changed by `configure` and the demo data loaded.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Limits)) -> TestApp {
    let (database_url, data_dir) = database::with_demo().await;
    let mut limits = Limits::default();
    configure(&mut limits);
    start(database_url, data_dir, None, limits).await
}

impl TestApp {
    /// A second replica on the same database (shares nothing else with this one).
    pub async fn spawn_replica(&self) -> TestApp {
        start(self.database_url.clone(), None, None, Limits::default()).await
    }

    /// A second replica on the same database with limits changed by `configure`.
    pub async fn spawn_replica_with(&self, configure: impl FnOnce(&mut Limits)) -> TestApp {
        let mut limits = Limits::default();
        configure(&mut limits);
        start(self.database_url.clone(), None, None, limits).await
    }

    /// A replica on the same database whose search index lives in `index_dir` (kept
    /// across restarts), instead of in memory.
    pub async fn spawn_replica_with_index(&self, index_dir: &std::path::Path) -> TestApp {
        start(
            self.database_url.clone(),
            None,
            Some(index_dir.to_path_buf()),
            Limits::default(),
        )
        .await
    }

    /// Stops the server (finishing in-flight requests) and waits until it has let go of
    /// everything it held, such as its search index.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("server task")
                .expect("server stops cleanly");
        }
    }

    /// Whether the test runs on PostgreSQL.
    pub fn on_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }

    /// POSTs a GraphQL request and returns the JSON body.
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let response = self
            .post_graphql(token, json!({ "query": query, "variables": variables }))
            .await;
        response.json().await.expect("response is JSON")
    }

    /// POSTs a JSON body to `/graphql` with an optional bearer token.
    pub async fn post_graphql(&self, token: Option<&str>, body: Value) -> Response {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    /// POSTs a JSON body to `/graphql` anonymously with extra headers.
    pub async fn post_graphql_with(
        &self,
        headers: &[(header::HeaderName, &str)],
        body: Value,
    ) -> Response {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        for (name, value) in headers {
            request = request.header(name, *value);
        }
        request.send().await.expect("request sent")
    }

    /// Logs in and returns the bearer token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = self
            .graphql(
                None,
                "mutation($input: LogInInput!) { logIn(input: $input) { session { token } userErrors { code message } } }",
                json!({ "input": { "email": email, "password": password } }),
            )
            .await;
        body["data"]["logIn"]["session"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login of {email} failed: {body}"))
            .to_owned()
    }

    /// Logs in as a demo account.
    pub async fn login_demo(&self, email: &str) -> String {
        self.login(email, DEMO_PASSWORD).await
    }

    /// Global id of a demo municipality by JIS code.
    pub async fn municipality_id(&self, jis_code: &str) -> String {
        let body = self
            .graphql(
                None,
                "query($code: String!) { municipality(jisCode: $code) { id } }",
                json!({ "code": jis_code }),
            )
            .await;
        body["data"]["municipality"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no municipality {jis_code}: {body}"))
            .to_owned()
    }

    /// Global id of the signed-in user.
    pub async fn my_id(&self, token: &str) -> String {
        let body = self.graphql(Some(token), "{ me { id } }", json!({})).await;
        body["data"]["me"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no me: {body}"))
            .to_owned()
    }
}

/// The `extensions.code` of the first error, if any.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// The codes of a payload's `userErrors`.
pub fn user_error_codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn start(
    database_url: String,
    data_dir: Option<TempDir>,
    index_dir: Option<std::path::PathBuf>,
    limits: Limits,
) -> TestApp {
    let hub = InMemoryHub::new();
    let app = Application::build(Settings {
        database_url: database_url.clone(),
        host: "127.0.0.1".parse().expect("loopback address"),
        port: 0,
        // The database comes with the demo loaded (see `database`).
        demo: false,
        index_dir,
        limits,
        health_hub: Some(HealthHub(std::sync::Arc::new(hub.clone()))),
    })
    .await
    .expect("application builds");
    let addr = app.local_addr().expect("bound address");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        address: format!("http://{addr}"),
        addr,
        database_url,
        client: Client::new(),
        hub,
        _data_dir: data_dir,
        stop: Some(stop),
        server: Some(server),
    }
}

impl TestApp {
    /// A request to `path` (e.g. `/graphql?query=…`) to send with custom headers and body.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
    }
}

impl TestApp {
    /// The sum of every series of the metric `name` in `/metrics` whose labels contain
    /// `label` (e.g. `result="hit"`; "" for all).
    pub async fn metric(&self, name: &str, label: &str) -> u64 {
        let text = self
            .client
            .get(format!("{}/metrics", self.address))
            .send()
            .await
            .expect("metrics answered")
            .text()
            .await
            .expect("metrics text");
        text.lines()
            .filter(|line| {
                line.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with([' ', '{']) && rest.contains(label))
            })
            .filter_map(|line| line.rsplit(' ').next()?.parse::<u64>().ok())
            .sum()
    }

    /// Total SQL statements the server has run for requests, from `/metrics`.
    pub async fn statements_run(&self) -> u64 {
        self.metric("tsunagu_db_statements_total", "").await
    }

    /// The fewest SQL statements one run of `request` cost over `tries` runs: background
    /// work shares the counter and can only add to it, and the first request of a token
    /// also looks up its session.
    pub async fn cheapest_statements(&self, tries: usize, request: impl AsyncFn()) -> u64 {
        let mut cheapest = u64::MAX;
        for _ in 0..tries {
            let before = self.statements_run().await;
            request().await;
            cheapest = cheapest.min(self.statements_run().await - before);
        }
        cheapest
    }

    /// The `totalCount` of the list `list` with `filter` (a JSON object) as its filter of
    /// input type `filter_type`, as `token`; panics on any error.
    pub async fn count_filtered(
        &self,
        token: Option<&str>,
        list: &str,
        filter_type: &str,
        filter: Value,
    ) -> u64 {
        let query = format!("query($f: {filter_type}!) {{ {list}(filter: $f) {{ totalCount }} }}");
        let body = self.graphql(token, &query, json!({ "f": filter })).await;
        assert_eq!(error_code(&body), None, "{list} {filter}: {body}");
        body["data"][list]["totalCount"]
            .as_u64()
            .unwrap_or_else(|| panic!("{list} {filter}: {body}"))
    }

    /// Asserts that a filter field and its deprecated former name select the same items,
    /// fewer than no filter at all (so neither name is ignored); returns how many.
    pub async fn assert_former_name_filters_alike(
        &self,
        token: Option<&str>,
        list: &str,
        filter_type: &str,
        (name, former): (&str, &str),
        value: Value,
    ) -> u64 {
        let all = self
            .count_filtered(token, list, filter_type, json!({}))
            .await;
        let by_name = self
            .count_filtered(token, list, filter_type, json!({ name: value }))
            .await;
        let by_former = self
            .count_filtered(token, list, filter_type, json!({ former: value }))
            .await;
        assert_eq!(by_name, by_former, "{list}: {name} vs {former} = {value}");
        assert!(
            by_name < all,
            "{list}: {name} = {value} selects {by_name} of {all}; choose a value that narrows"
        );
        by_name
    }
}

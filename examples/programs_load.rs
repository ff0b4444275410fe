//! Load client for the programs domain, run against a release server with the demo data by
//! `bench/programs.sh`:
//!
//! 1. **Hot session**: a museum workshop with 50 places; `REGISTRATIONS` guest parties (one
//!    adult each, 2000 by default) register from `CLIENTS` concurrent clients (200). Prints
//!    registrations per second and latency, then checks from the roster that exactly 50
//!    are confirmed and the rest waitlisted.
//! 2. **Listing**: after adding 100 more programs, `programs(first: 100)` with sessions and
//!    organizers, anonymous, from 32 concurrent clients for `LIST_SECONDS` (10). Prints
//!    requests per second and latency.
//!
//! `cargo run --release --example programs_load -- http://127.0.0.1:PORT`

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};

const STAFF: &str = "manazuru-staff@example.jp";
const PASSWORD: &str = "tsunagu-demo-2026!";
const PLACES: i64 = 50;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let address = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: programs_load http://HOST:PORT"))?;
    let setting = |name: &str, default: usize| -> anyhow::Result<usize> {
        Ok(match std::env::var(name) {
            Ok(value) => value.parse()?,
            Err(_) => default,
        })
    };
    let registrations = setting("REGISTRATIONS", 2000)?;
    let clients = setting("CLIENTS", 200)?;
    let list_seconds = setting("LIST_SECONDS", 10)?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let api = Api {
        http,
        url: format!("{address}/graphql"),
    };

    let token = api
        .call(
            None,
            "mutation($input: LogInInput!) { logIn(input: $input) { session { token } } }",
            json!({ "input": { "email": STAFF, "password": PASSWORD } }),
        )
        .await?["logIn"]["session"]["token"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("login failed"))?
        .to_owned();
    let session = hot_session(&api, &token, "負荷試験の鑑賞会").await?;

    // 1. Hot session.
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers = (0..clients).map(|_| {
        let api = api.clone();
        let next = next.clone();
        let session = session.clone();
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= registrations {
                    return Ok::<_, anyhow::Error>(latencies);
                }
                let input = json!({
                    "sessionId": session,
                    "guest": {
                        "name": format!("負荷 花子{n}"),
                        "nameKana": "ふか はなこ",
                        "email": format!("load{n}@example.jp"),
                        "phone": "090-1234-5678"
                    }
                });
                let at = Instant::now();
                let data = api
                    .call(
                        None,
                        "mutation($input: RegisterForSessionInput!) { registerForSession(input: $input) { registration { status } userErrors { code message } } }",
                        json!({ "input": input }),
                    )
                    .await?;
                latencies.push(at.elapsed());
                if data["registerForSession"]["registration"]["status"].is_null() {
                    anyhow::bail!("registration refused: {data}");
                }
            }
        })
    });
    let mut latencies = Vec::new();
    for worker in futures_util::future::join_all(workers).await {
        latencies.extend(worker??);
    }
    let elapsed = started.elapsed();
    let state = api
        .call(
            Some(&token),
            "query($id: ID!) { node(id: $id) { ... on ProgramSession { seatsRemaining waitlistLength } } }",
            json!({ "id": session }),
        )
        .await?;
    let seats = state["node"]["seatsRemaining"].as_i64().unwrap_or(-1);
    let waiting = state["node"]["waitlistLength"].as_i64().unwrap_or(-1);
    println!(
        "hot session ({PLACES} places): {registrations} registrations from {clients} clients in {:.2} s = {:.0} registrations/s, p50 {:.1} ms, p99 {:.1} ms",
        elapsed.as_secs_f64(),
        registrations as f64 / elapsed.as_secs_f64(),
        percentile(&mut latencies, 0.50),
        percentile(&mut latencies, 0.99),
    );
    let expected_waiting = i64::try_from(registrations)? - PLACES;
    println!(
        "  afterwards: {seats} places left, {waiting} waiting (expected 0 and {expected_waiting})"
    );
    anyhow::ensure!(
        seats == 0 && waiting == expected_waiting,
        "the session was overbooked or lost a party"
    );

    // 2. Listing: a full page of 100 programs, each with sessions.
    for n in 0..100 {
        hot_session(&api, &token, &format!("一覧用の講座 {n}")).await?;
    }
    let list = "{ programs(first: 100) { totalCount nodes { title organizer { name } sessions { startsAt seatsRemaining waitlistLength } } } }";
    let first = api.call(None, list, json!({})).await?;
    let listed = first["programs"]["nodes"].as_array().map_or(0, Vec::len);
    let deadline = Instant::now() + Duration::from_secs(u64::try_from(list_seconds)?);
    let started = Instant::now();
    let listers = (0..32).map(|_| {
        let api = api.clone();
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let at = Instant::now();
                api.call(None, list, json!({})).await?;
                latencies.push(at.elapsed());
            }
            Ok::<_, anyhow::Error>(latencies)
        })
    });
    let mut latencies = Vec::new();
    for lister in futures_util::future::join_all(listers).await {
        latencies.extend(lister??);
    }
    let elapsed = started.elapsed();
    println!(
        "listing ({listed} programs with sessions and organizers, anonymous): {} requests from 32 clients in {:.1} s = {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&mut latencies, 0.50),
        percentile(&mut latencies, 0.99),
    );
    Ok(())
}

/// A published workshop of the museum titled `title` with one session of [`PLACES`] places,
/// registration open now; returns the session's id.
async fn hot_session(api: &Api, token: &str, title: &str) -> anyhow::Result<String> {
    let program = api
        .call(
            Some(token),
            "mutation($input: CreateProgramInput!) { createProgram(input: $input) { program { id } userErrors { code message } } }",
            json!({ "input": {
                "kind": "EDUCATION_WORKSHOP",
                "title": title,
                "summary": "定員50名の人気講座",
                "description": "申込が集中する講座です。",
                "categories": ["ART"],
                "maxPartySize": 10,
                "publish": true
            } }),
        )
        .await?;
    let program = program["createProgram"]["program"]["id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("program not created: {program}"))?;
    let starts = chrono::Utc::now() + chrono::Duration::days(10);
    let sessions = api
        .call(
            Some(token),
            "mutation($input: CreateProgramSessionsInput!) { createProgramSessions(input: $input) { sessions { id } userErrors { code message } } }",
            json!({ "input": {
                "programId": program,
                "startsAt": starts.to_rfc3339(),
                "endsAt": (starts + chrono::Duration::hours(2)).to_rfc3339(),
                "venue": "真鶴町立中川一政美術館 展示室",
                "capacity": PLACES,
                "childcareSlots": 0
            } }),
        )
        .await?;
    Ok(sessions["createProgramSessions"]["sessions"][0]["id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("session not created: {sessions}"))?
        .to_owned())
}

#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    url: String,
}

impl Api {
    /// The `data` of a GraphQL request; an error when the server answers with errors.
    async fn call(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .post(&self.url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let body: Value = request.send().await?.json().await?;
        if body.get("errors").is_some() {
            anyhow::bail!("{body}");
        }
        Ok(body["data"].clone())
    }
}

fn percentile(latencies: &mut [Duration], q: f64) -> f64 {
    if latencies.is_empty() {
        return 0.0;
    }
    latencies.sort_unstable();
    let index = ((latencies.len() - 1) as f64 * q).round() as usize;
    latencies[index].as_secs_f64() * 1000.0
}

//! Load client for the health domain, run against a release server with the demo data by
//! `bench/health.sh`:
//!
//! 1. **Day list**: `BOOKINGS` children (200 by default) of the demo guardian are booked on
//!    one day at the demo clinic, each with a submitted 予診票; then the clinic's
//!    `clinicDay` is read from 8 concurrent clients for `SECONDS` (5). Prints the SQL
//!    statements of one read (from `/metrics`, the fewest of three tries), requests per
//!    second and latency.
//! 2. **Schedules over HTTP**: the guardian gets `CHILDREN` children in all (1,000 by
//!    default), each with up to two doses copied from the handbook; then
//!    `myHealthChildren { schedule }` is read. Prints the statements of one read at ~200
//!    children and at the full count (the same), and the time of one read and per child.
//! 3. **Schedules computed**: the schedule rules alone for `COMPUTED` children (10,000),
//!    each with the doses of the standard course given so far, in this process.
//!
//! `cargo run --release --example health_load -- http://127.0.0.1:PORT`

use std::time::{Duration, Instant};

use chrono::{Duration as Days, NaiveDate};
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

const GUARDIAN: &str = "kitakyushu-resident@example.jp";
const CLINIC: &str = "kitakyushu-clinic@example.jp";
const PASSWORD: &str = "tsunagu-demo-2026!";

#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn call(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let body: Value = request.send().await?.json().await?;
        if let Some(errors) = body.get("errors") {
            anyhow::bail!("GraphQL errors: {errors}");
        }
        Ok(body["data"].clone())
    }

    async fn login(&self, email: &str) -> anyhow::Result<String> {
        let data = self
            .call(
                None,
                "mutation($input: LogInInput!) { logIn(input: $input) { session { token } } }",
                json!({ "input": { "email": email, "password": PASSWORD } }),
            )
            .await?;
        data["logIn"]["session"]["token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("login of {email} failed"))
    }

    async fn statements(&self) -> anyhow::Result<u64> {
        let text = self
            .http
            .get(format!("{}/metrics", self.base))
            .send()
            .await?
            .text()
            .await?;
        Ok(text
            .lines()
            .filter(|l| l.starts_with("tsunagu_db_statements_total"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum())
    }

    /// The fewest statements one call of `query` cost over three tries.
    async fn cheapest(&self, token: &str, query: &str, variables: Value) -> anyhow::Result<u64> {
        let mut fewest = u64::MAX;
        for _ in 0..3 {
            let before = self.statements().await?;
            self.call(Some(token), query, variables.clone()).await?;
            fewest = fewest.min(self.statements().await? - before);
        }
        Ok(fewest)
    }
}

fn setting(name: &str, default: usize) -> anyhow::Result<usize> {
    Ok(match std::env::var(name) {
        Ok(value) => value.parse()?,
        Err(_) => default,
    })
}

fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive()
}

fn well() -> Value {
    let mut answers = vec![
        json!({ "code": "H_ADDRESS", "value": "北九州市小倉北区1-1" }),
        json!({ "code": "H_PHONE", "value": "093-000-0000" }),
        json!({ "code": "H_TEMPERATURE", "value": "36.5" }),
        json!({ "code": "Q01", "value": "YES" }),
    ];
    for code in [
        "Q03", "Q04", "Q05", "Q06", "Q07", "Q08", "Q09", "Q10", "Q11", "Q12", "Q13", "Q14",
    ] {
        answers.push(json!({ "code": code, "value": "NO" }));
    }
    Value::Array(answers)
}

async fn register(
    api: &Api,
    token: &str,
    index: usize,
    birth: NaiveDate,
) -> anyhow::Result<String> {
    let data = api
        .call(
            Some(token),
            "mutation($input: RegisterHealthChildInput!) { registerHealthChild(input: $input) { child { id } userErrors { message } } }",
            json!({ "input": { "name": format!("負荷 {index}"), "nameKana": "フカ テスト", "birthDate": birth.to_string(), "sex": if index.is_multiple_of(2) { "FEMALE" } else { "MALE" } } }),
        )
        .await?;
    data["registerHealthChild"]["child"]["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("registration refused: {data}"))
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * share).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Times the schedules of `count` children with histories, computed with the catalogue the
/// migration seeds.
fn computed_schedules(count: usize) -> anyhow::Result<()> {
    use tsunagu::domains::health::{
        catalogue::{Catalogue, Sex},
        schedule,
    };
    let catalogue: Catalogue =
        serde_json::from_str(include_str!("../migration/src/health_catalogue.json"))?;
    let today = today();
    // (product, days after birth) of a standard course.
    const COURSE: &[(&str, i64)] = &[
        ("HEPB", 61),
        ("ROTARIX", 61),
        ("PCV15", 61),
        ("DPT_IPV_HIB", 61),
        ("HEPB", 92),
        ("ROTARIX", 92),
        ("PCV15", 92),
        ("DPT_IPV_HIB", 92),
        ("PCV15", 122),
        ("DPT_IPV_HIB", 122),
        ("BCG", 160),
        ("HEPB", 215),
        ("MR", 370),
        ("VARICELLA", 370),
        ("PCV15", 400),
        ("DPT_IPV_HIB", 400),
        ("VARICELLA", 480),
        ("JE", 1100),
        ("JE", 1130),
        ("JE", 1500),
    ];
    let children: Vec<(schedule::Child, Vec<schedule::GivenDose>)> = (0..count)
        .map(|i| {
            let birth = today - Days::days((i * 7 % 4400) as i64);
            let history = COURSE
                .iter()
                .filter(|(_, after)| i % 5 != 0 || *after < 200)
                .map(|(product, after)| schedule::GivenDose {
                    product: (*product).to_owned(),
                    date: birth + Days::days(*after),
                })
                .filter(|dose| dose.date < today)
                .collect();
            let sex = if i.is_multiple_of(2) {
                Sex::Female
            } else {
                Sex::Male
            };
            (schedule::Child { birth, sex }, history)
        })
        .collect();
    let doses: usize = children.iter().map(|(_, h)| h.len()).sum();
    let mut times = Vec::new();
    let mut lines = 0;
    for _ in 0..3 {
        let start = Instant::now();
        lines = children
            .iter()
            .map(|(child, history)| schedule::schedule(&catalogue, *child, history, today).len())
            .sum();
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "schedules of {count} children computed ({doses} doses given, {lines} dose lines): {:.0} ms, {:.1} µs per child",
        times[1].as_secs_f64() * 1000.0,
        times[1].as_secs_f64() * 1e6 / count.max(1) as f64
    );
    Ok(())
}

const DAY_LIST: &str = "query($day: Date) { clinicDay(day: $day) { entries { booking { id status productCodes } slot { startsAt } child { name birthDate } forms { productCode status source } } } }";
const SCHEDULES: &str = "{ myHealthChildren { id schedule { antigen dose state earliest } } }";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let base = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: health_load http://HOST:PORT"))?;
    let bookings = setting("BOOKINGS", 200)?;
    let children = setting("CHILDREN", 1_000)?;
    let seconds = setting("SECONDS", 5)?;
    let api = Api {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(32)
            .build()?,
        base,
    };
    let guardian = api.login(GUARDIAN).await?;
    let clinic = api.login(CLINIC).await?;
    let me = api
        .call(Some(&clinic), "{ me { organization { id } } }", json!({}))
        .await?;
    let clinic_id = me["me"]["organization"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // 1. Day list.
    let day = today() + Days::days(20);
    let slots_needed = bookings.div_ceil(10);
    let slots: Vec<Value> = (0..slots_needed)
        .map(|i| {
            let start = i * 10;
            json!({
                "startsAt": format!("{day}T{:02}:{:02}:00Z", start / 60, start % 60),
                "endsAt": format!("{day}T{:02}:{:02}:00Z", (start + 10) / 60, (start + 10) % 60),
                "capacity": 10,
            })
        })
        .collect();
    let created = api
        .call(
            Some(&clinic),
            "mutation($input: CreateVaccinationSlotsInput!) { createVaccinationSlots(input: $input) { slots { id } userErrors { message } } }",
            json!({ "input": { "slots": slots } }),
        )
        .await?;
    let slot_ids: Vec<String> = created["createVaccinationSlots"]["slots"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|s| s["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    anyhow::ensure!(slot_ids.len() == slots_needed, "slots refused: {created}");
    let started = Instant::now();
    let results: Vec<anyhow::Result<()>> = stream::iter(0..bookings)
        .map(|i| {
            let api = api.clone();
            let guardian = guardian.clone();
            let slot = slot_ids[i / 10].clone();
            let clinic_id = clinic_id.clone();
            async move {
                let child = register(&api, &guardian, i, today() - Days::days(70)).await?;
                let booked = api
                    .call(
                        Some(&guardian),
                        "mutation($input: BookVaccinationInput!) { bookVaccination(input: $input) { booking { id } userErrors { message } } }",
                        json!({ "input": { "childId": child, "slotId": slot, "productCodes": ["HEPB"] } }),
                    )
                    .await?;
                let booking = booked["bookVaccination"]["booking"]["id"].as_str().map(str::to_owned);
                let booking = booking.ok_or_else(|| anyhow::anyhow!("booking refused: {booked}"))?;
                let submitted = api
                    .call(
                        Some(&guardian),
                        "mutation($input: SubmitVaccinationFormsInput!) { submitVaccinationForms(input: $input) { forms { id } userErrors { message } } }",
                        json!({ "input": { "childId": child, "clinicId": clinic_id, "bookingId": booking, "plannedOn": day.to_string(),
                            "forms": [{ "productCode": "HEPB", "answers": well() }],
                            "consent": { "method": "BUTTON", "signer": "GUARDIAN", "signerName": "若松 陽菜" } } }),
                    )
                    .await?;
                anyhow::ensure!(submitted["submitVaccinationForms"]["forms"][0]["id"].is_string(), "form refused: {submitted}");
                Ok(())
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    for result in results {
        result?;
    }
    println!(
        "day list: {bookings} children registered, booked and their forms submitted in {:.1} s ({:.0} visits/s, 3 mutations each)",
        started.elapsed().as_secs_f64(),
        bookings as f64 / started.elapsed().as_secs_f64()
    );
    let variables = json!({ "day": day.to_string() });
    let statements = api.cheapest(&clinic, DAY_LIST, variables.clone()).await?;
    let deadline = Instant::now() + Duration::from_secs(seconds as u64);
    let latencies: Vec<Vec<Duration>> = stream::iter(0..8)
        .map(|_| {
            let api = api.clone();
            let clinic = clinic.clone();
            let variables = variables.clone();
            async move {
                let mut seen = Vec::new();
                while Instant::now() < deadline {
                    let start = Instant::now();
                    if api
                        .call(Some(&clinic), DAY_LIST, variables.clone())
                        .await
                        .is_ok()
                    {
                        seen.push(start.elapsed());
                    }
                }
                seen
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut all: Vec<Duration> = latencies.into_iter().flatten().collect();
    all.sort();
    println!(
        "day list of {bookings} bookings: {statements} SQL statements per read, {:.0} reads/s, p50 {:.1} ms, p99 {:.1} ms",
        all.len() as f64 / seconds as f64,
        percentile(&all, 0.5).as_secs_f64() * 1000.0,
        percentile(&all, 0.99).as_secs_f64() * 1000.0
    );

    // 2. Schedules over HTTP: the statements of one read at two sizes, and its time.
    let few = api.cheapest(&guardian, SCHEDULES, json!({})).await?;
    let have = api
        .call(Some(&guardian), "{ myHealthChildren { id } }", json!({}))
        .await?;
    let already = have["myHealthChildren"].as_array().map_or(0, Vec::len);
    let started = Instant::now();
    let results: Vec<anyhow::Result<()>> = stream::iter(already..children.max(already))
        .map(|i| {
            let api = api.clone();
            let guardian = guardian.clone();
            async move {
                let birth = today() - Days::days(60 + (i % 1500) as i64);
                let child = register(&api, &guardian, i, birth).await?;
                for (product, after) in [("HEPB", 60), ("BCG", 150)] {
                    let on = birth + Days::days(after);
                    if on >= today() {
                        continue;
                    }
                    api.call(
                        Some(&guardian),
                        "mutation($input: RecordHandbookVaccinationInput!) { recordHandbookVaccination(input: $input) { userErrors { message } } }",
                        json!({ "input": { "childId": child, "productCode": product, "vaccinatedOn": on.to_string() } }),
                    )
                    .await?;
                }
                Ok(())
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    for result in results {
        result?;
    }
    println!(
        "schedules: children added with their handbook doses in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let many = api.cheapest(&guardian, SCHEDULES, json!({})).await?;
    let mut times = Vec::new();
    let mut lines = 0;
    let mut count = 0;
    for _ in 0..3 {
        let start = Instant::now();
        let data = api.call(Some(&guardian), SCHEDULES, json!({})).await?;
        times.push(start.elapsed());
        let list = data["myHealthChildren"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        count = list.len();
        lines = list
            .iter()
            .map(|c| c["schedule"].as_array().map_or(0, Vec::len))
            .sum();
    }
    times.sort();
    let median = times[1];
    println!(
        "schedules of {count} children over HTTP ({lines} dose lines): {many} SQL statements per read (with {already} children: {few}), {:.0} ms per read, {:.1} µs per child",
        median.as_secs_f64() * 1000.0,
        median.as_secs_f64() * 1e6 / count.max(1) as f64
    );

    // 3. The schedule rules alone, in this process: `COMPUTED` children (10,000) of every
    // age up to 12 with the doses of the standard course given so far.
    computed_schedules(setting("COMPUTED", 10_000)?)?;
    Ok(())
}

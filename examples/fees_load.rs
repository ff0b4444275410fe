//! Fee claim and health KPI benchmark, run against a release server with the demo data by
//! `bench/fees.sh`:
//!
//! 1. Writes `CLINICS` clinics (100 by default) into 北九州市 — each a member of the demo
//!    medical association (医師会) with one staff account — and `RECORDS` current dose
//!    records per clinic (300) on days of this month, copied from a demo record for their
//!    other columns; then more records on the same days of last year's month, so that the
//!    municipality holds `KPI_RECORDS` (50,000) records besides the demo's.
//! 2. Over HTTP: each clinic prepares and submits its monthly claim (one request each, one
//!    clinic after the other), the association puts the month's claims into one batch, and
//!    the batch is downloaded as CSV. Prints the time of each step, the statements one
//!    claim costs for a demo clinic with a few records and for one with `RECORDS` (the
//!    same: the lines are read and written in batches), and checks every claim's count
//!    and total against the records written.
//! 3. Times `kpiReport` of 北九州市 for this fiscal year (median of `RUNS`, 10) and the
//!    statements it costs, before the records are written and after.
//!
//! `cargo run --release --example fees_load -- http://127.0.0.1:PORT DATABASE_URL`

use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, Utc};
use entity::{
    health_association_member, health_vaccination as vaccination, municipality,
    organization::{self, OrganizationKind},
    user,
};
use futures_util::{StreamExt, stream};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, Database, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::{Value, json};
use uuid::Uuid;

const CITY: &str = "40100";
const PASSWORD: &str = "tsunagu-demo-2026!";
const TEMPLATE_STAFF: &str = "kitakyushu-clinic@example.jp";
const ASSOCIATION: &str = "kitakyushu-ishikai@example.jp";
const ADMIN: &str = "kitakyushu-admin@example.jp";
/// The unit price set for the copied records' vaccine, and its 予診のみ price.
const PRICE: i64 = 7_000;
const DEFERRAL_PRICE: i64 = 3_000;

fn setting(name: &str, default: usize) -> anyhow::Result<usize> {
    Ok(match std::env::var(name) {
        Ok(value) => value.parse()?,
        Err(_) => default,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(address), Some(database_url)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: fees_load http://HOST:PORT DATABASE_URL");
    };
    let clinics = setting("CLINICS", 100)?;
    let records = setting("RECORDS", 300)?;
    let kpi_records = setting("KPI_RECORDS", 50_000)?;
    let runs = setting("RUNS", 10)?;
    let api = Api {
        http: reqwest::Client::new(),
        base: address,
    };
    let db = Database::connect(&database_url).await?;
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    let (year, month) = (today.year(), today.month());
    let fiscal_year = if month >= 4 { year } else { year - 1 };

    let admin = api.log_in(ADMIN).await?;
    let kpi_before = api.kpi_timed(&admin, fiscal_year, runs).await?;

    println!("==> writing {clinics} clinics with {records} records each in {year}-{month:02}");
    let started = Instant::now();
    let city = City::load(&db).await?;
    let written = city
        .write(&db, clinics, records, kpi_records, (year, month))
        .await?;
    println!(
        "    {} clinics, {} records this month and {} a year before, in {:.1} s",
        written.staff.len(),
        written.this_month,
        written.year_before,
        started.elapsed().as_secs_f64()
    );

    api.call(
        Some(&admin),
        "mutation($input: SetHealthFeeScheduleInput!) { setHealthFeeSchedule(input: $input) { userErrors { code message } } }",
        json!({ "input": { "fiscalYear": fiscal_year, "lines": [
            { "service": "VACCINATION", "productCode": city.product, "price": PRICE, "deferralPrice": DEFERRAL_PRICE },
        ] } }),
    )
    .await
    .and_then(no_user_errors("setHealthFeeSchedule"))?;

    println!("==> logging in the clinics' staff");
    let tokens: Vec<String> = stream::iter(written.staff.iter().cloned())
        .map(|email| {
            let api = api.clone();
            async move { api.log_in(&email).await }
        })
        .buffered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;

    let month_input = json!({ "input": { "year": year, "month": month } });
    let demo_clinic = api.log_in(TEMPLATE_STAFF).await?;
    let few = api
        .statements_of(&demo_clinic, PREPARE, month_input.clone())
        .await?;

    println!("==> each clinic prepares and submits its claim");
    let mut failures = Vec::new();
    let mut prepare_times = Vec::with_capacity(tokens.len());
    let mut submit_times = Vec::with_capacity(tokens.len());
    let mut many = 0;
    let started = Instant::now();
    for (index, token) in tokens.iter().enumerate() {
        let before = api.statements().await?;
        let at = Instant::now();
        let data = api.call(Some(token), PREPARE, month_input.clone()).await?;
        prepare_times.push(at.elapsed());
        if index == 0 {
            many = api.statements().await? - before;
        }
        let claim = &data["prepareHealthFeeClaim"]["claim"];
        let lines: i64 = claim["items"]
            .as_array()
            .map(|items| items.iter().filter_map(|i| i["count"].as_i64()).sum())
            .unwrap_or(0);
        let expected_lines = i64::try_from(records)?;
        if lines != expected_lines || claim["total"].as_i64() != Some(expected_lines * PRICE) {
            failures.push(format!(
                "clinic {index}: {lines} lines, total {} (expected {expected_lines} and {})",
                claim["total"],
                expected_lines * PRICE
            ));
        }
        let id = claim["id"].as_str().unwrap_or_default().to_owned();
        let at = Instant::now();
        api.call(
            Some(token),
            "mutation($input: HealthFeeClaimActionInput!) { submitHealthFeeClaim(input: $input) { claim { status } userErrors { code message } } }",
            json!({ "input": { "claimId": id } }),
        )
        .await
        .and_then(no_user_errors("submitHealthFeeClaim"))?;
        submit_times.push(at.elapsed());
    }
    let all = started.elapsed();
    println!(
        "    {} claims of {records} lines in {:.2} s: prepare p50 {:.1} ms, p99 {:.1} ms; submit p50 {:.1} ms",
        tokens.len(),
        all.as_secs_f64(),
        ms(percentile(&mut prepare_times, 50)),
        ms(percentile(&mut prepare_times, 99)),
        ms(percentile(&mut submit_times, 50)),
    );
    println!(
        "    statements per prepare: {few} for a demo clinic, {many} for a clinic with {records} records"
    );

    println!("==> the association batches the month's claims");
    let association = api.log_in(ASSOCIATION).await?;
    let before = api.statements().await?;
    let at = Instant::now();
    let data = api
        .call(
            Some(&association),
            "mutation($input: SubmitHealthFeeBatchInput!) { submitHealthFeeBatch(input: $input) { batch { id total claims { id } } userErrors { code message } } }",
            month_input.clone(),
        )
        .await
        .and_then(no_user_errors("submitHealthFeeBatch"))?;
    let batch_time = at.elapsed();
    let batch_statements = api.statements().await? - before;
    let batch = &data["submitHealthFeeBatch"]["batch"];
    let claims = batch["claims"].as_array().map_or(0, Vec::len);
    if claims < tokens.len() {
        failures.push(format!(
            "the batch holds {claims} claims, fewer than the {} submitted",
            tokens.len()
        ));
    }
    let at = Instant::now();
    let csv = api
        .http
        .get(format!(
            "{}/reports/health/fee-batches/{}/batch.csv",
            api.base,
            batch["id"].as_str().unwrap_or_default()
        ))
        .bearer_auth(&association)
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    let csv_time = at.elapsed();
    println!(
        "    batch of {claims} claims (total ¥{}) in {:.1} ms, {batch_statements} statements; CSV ({} bytes) in {:.1} ms",
        batch["total"],
        ms(batch_time),
        csv.len(),
        ms(csv_time)
    );

    let kpi_after = api.kpi_timed(&admin, fiscal_year, runs).await?;
    println!("==> kpiReport of 北九州市 FY{fiscal_year}, median of {runs}");
    println!(
        "    demo only: {:.1} ms, {} statements; with {} more records: {:.1} ms, {} statements",
        ms(kpi_before.0),
        kpi_before.1,
        written.this_month + written.year_before,
        ms(kpi_after.0),
        kpi_after.1
    );

    if failures.is_empty() {
        println!("==> every claim and the batch match the records written");
        Ok(())
    } else {
        for failure in &failures {
            eprintln!("bench: {failure}");
        }
        anyhow::bail!("{} checks failed", failures.len())
    }
}

const PREPARE: &str = "mutation($input: PrepareHealthFeeClaimInput!) { prepareHealthFeeClaim(input: $input) { claim { id total missingPriceCount items { count } } userErrors { code message } } }";

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn percentile(times: &mut [Duration], p: usize) -> Duration {
    times.sort();
    times
        .get((times.len().saturating_sub(1)) * p / 100)
        .copied()
        .unwrap_or_default()
}

/// Fails on a payload with user errors.
fn no_user_errors(field: &'static str) -> impl Fn(Value) -> anyhow::Result<Value> {
    move |data| {
        let errors = &data[field]["userErrors"];
        if errors.as_array().is_some_and(|e| !e.is_empty()) {
            anyhow::bail!("{field}: {errors}");
        }
        Ok(data)
    }
}

/// What the benchmark copies in 北九州市.
struct City {
    id: Uuid,
    association_id: Uuid,
    staff: user::Model,
    dose: vaccination::Model,
    /// The vaccine of the copied records.
    product: String,
}

/// What was written.
struct Written {
    /// The new clinics' staff accounts.
    staff: Vec<String>,
    this_month: usize,
    year_before: usize,
}

impl City {
    async fn load(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let city = municipality::Entity::find()
            .filter(municipality::Column::JisCode.eq(CITY))
            .one(db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no municipality {CITY}: is the demo loaded?"))?;
        let find_user = async |email: &str| -> anyhow::Result<user::Model> {
            user::Entity::find()
                .filter(user::Column::Email.eq(email))
                .one(db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no demo account {email}"))
        };
        let association_id = find_user(ASSOCIATION)
            .await?
            .organization_id
            .ok_or_else(|| anyhow::anyhow!("{ASSOCIATION} has no organization"))?;
        let staff = find_user(TEMPLATE_STAFF).await?;
        let dose = vaccination::Entity::find()
            .filter(vaccination::Column::MunicipalityId.eq(city.id))
            .filter(vaccination::Column::ClinicId.is_not_null())
            .filter(vaccination::Column::SupersededAt.is_null())
            .one(db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no demo clinic record in {CITY}"))?;
        Ok(Self {
            id: city.id,
            association_id,
            staff,
            product: dose.product_code.clone(),
            dose,
        })
    }

    async fn write(
        &self,
        db: &DatabaseConnection,
        clinics: usize,
        records: usize,
        kpi_records: usize,
        (year, month): (i32, u32),
    ) -> anyhow::Result<Written> {
        let now = Utc::now();
        let mut staff = Vec::with_capacity(clinics);
        let mut clinic_ids = Vec::with_capacity(clinics);
        let mut organizations = Vec::new();
        let mut users = Vec::new();
        let mut members = Vec::new();
        for n in 0..clinics {
            let clinic_id = Uuid::now_v7();
            organizations.push(organization::ActiveModel {
                id: Set(clinic_id),
                municipality_id: Set(self.id),
                kind: Set(OrganizationKind::Clinic),
                name: Set(format!("負荷試験 第{n}クリニック")),
                name_kana: Set(format!("ふかしけん だい{n}くりにっく")),
                website_url: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            });
            let email = format!("bench-clinic-{n:03}@example.jp");
            let mut account = self.staff.clone().into_active_model();
            account.id = Set(Uuid::now_v7());
            account.organization_id = Set(Some(clinic_id));
            account.email = Set(email.clone());
            account.display_name = Set(format!("負荷試験 第{n}クリニック 受付"));
            users.push(account);
            members.push(health_association_member::ActiveModel {
                association_id: Set(self.association_id),
                clinic_id: Set(clinic_id),
                municipality_id: Set(self.id),
                created_at: Set(now),
            });
            staff.push(email);
            clinic_ids.push(clinic_id);
        }
        insert_all(db, organizations, 200).await?;
        insert_all(db, users, 200).await?;
        insert_all(db, members, 200).await?;

        let day = |n: usize, year: i32| {
            NaiveDate::from_ymd_opt(year, month, u32::try_from(n % 28).unwrap_or(0) + 1)
                .ok_or_else(|| anyhow::anyhow!("no day {n} in {year}-{month}"))
        };
        let mut doses = Vec::with_capacity(kpi_records.max(clinics * records));
        for clinic_id in &clinic_ids {
            for n in 0..records {
                doses.push(self.dose_at(*clinic_id, day(n, year)?, now));
            }
        }
        let this_month = doses.len();
        let year_before = kpi_records.saturating_sub(this_month);
        for n in 0..year_before {
            let clinic_id = clinic_ids[n % clinic_ids.len().max(1)];
            doses.push(self.dose_at(clinic_id, day(n, year - 1)?, now));
        }
        insert_all(db, doses, 500).await?;
        if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            db.execute_unprepared("ANALYZE").await?;
        }
        Ok(Written {
            staff,
            this_month,
            year_before,
        })
    }

    fn dose_at(
        &self,
        clinic_id: Uuid,
        on: NaiveDate,
        now: chrono::DateTime<Utc>,
    ) -> vaccination::ActiveModel {
        let mut dose = self.dose.clone().into_active_model();
        dose.id = Set(Uuid::now_v7());
        dose.record_id = Set(Uuid::now_v7());
        dose.clinic_id = Set(Some(clinic_id));
        dose.vaccinated_on = Set(on);
        dose.submission_id = Set(None);
        dose.version = Set(1);
        dose.superseded_at = Set(None);
        dose.correction_reason = Set(None);
        dose.created_at = Set(now);
        dose
    }
}

async fn insert_all<A>(db: &DatabaseConnection, rows: Vec<A>, chunk: usize) -> anyhow::Result<()>
where
    A: ActiveModelTrait + Clone + Send,
{
    for part in rows.chunks(chunk) {
        <A::Entity as EntityTrait>::insert_many(part.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

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

    async fn log_in(&self, email: &str) -> anyhow::Result<String> {
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

    /// The SQL statements the server has run so far.
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

    /// The statements one call of `query` costs.
    async fn statements_of(
        &self,
        token: &str,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<u64> {
        let before = self.statements().await?;
        self.call(Some(token), query, variables).await?;
        Ok(self.statements().await? - before)
    }

    /// The median time of `runs` KPI reports of the city, and the statements of one.
    async fn kpi_timed(
        &self,
        token: &str,
        year: i32,
        runs: usize,
    ) -> anyhow::Result<(Duration, u64)> {
        const REPORT: &str = "query($m: String!, $y: Int!) { kpiReport(municipalityCode: $m, fiscalYear: $y) { kpis { key value numerator denominator previousValue } } }";
        let variables = json!({ "m": CITY, "y": year });
        let statements = self.statements_of(token, REPORT, variables.clone()).await?;
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs.max(1) {
            let at = Instant::now();
            // Past the response cache: every run computes the report.
            let body: Value = self
                .http
                .post(format!("{}/graphql", self.base))
                .bearer_auth(token)
                .header("Cache-Control", "no-cache")
                .json(&json!({ "query": REPORT, "variables": variables }))
                .send()
                .await?
                .json()
                .await?;
            times.push(at.elapsed());
            if let Some(errors) = body.get("errors") {
                anyhow::bail!("kpiReport: {errors}");
            }
        }
        Ok((percentile(&mut times, 50), statements))
    }
}

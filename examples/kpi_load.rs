//! KPI report benchmark, run against a release server with the demo data by
//! `bench/kpi.sh`:
//!
//! 1. Writes two fiscal years (FY2044 and FY2045) of records into the server's database,
//!    copying demo rows for their other columns, for every source a KPI reads. Per year:
//!    in 真鶴町 730 sessions (an education workshop and a parenting class every day) with
//!    7,300 attended registrations and as many survey answers, 3,000 temporary-childcare
//!    bookings with an answer each and 200 issues solved; in 前橋市 a day of visitors for
//!    every plaza on every day, 1,000 families moved in and 600 women's jobs.
//!    Then refreshes the planner's statistics (`ANALYZE`), as a live database does.
//! 2. Times `kpiReport` of each town over HTTP for FY2045 (which reads FY2044 too, for the
//!    previous values), and `/reports/kpi.csv`, against the same report of the demo's
//!    current year: median of `RUNS` (10).
//! 3. Checks the values against what was written; exits non-zero on a difference.
//!
//! `cargo run --release --example kpi_load -- http://127.0.0.1:PORT DATABASE_URL`

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    childcare_booking, childcare_resource, childcare_survey, childcare_visit,
    employment_enrollment, employment_placement, local_issue, program, program_session,
    program_survey, registration, relocation_inquiry,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, Database, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::{Value, json};
use tsunagu::fiscal;
use uuid::Uuid;

const PASSWORD: &str = "tsunagu-demo-2026!";
const MAEBASHI: &str = "10201";
const MANAZURU: &str = "14384";
const YEARS: [i32; 2] = [2044, 2045];
/// Attended parties per session; each answers the survey with score 1 + party % 5.
const PARTIES: i32 = 10;
const BOOKINGS_PER_YEAR: i64 = 3000;
const ISSUES_PER_YEAR: i64 = 200;
const FAMILIES_PER_YEAR: i64 = 1000;
const JOBS_PER_YEAR: i64 = 600;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(address), Some(database_url)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: kpi_load http://HOST:PORT DATABASE_URL");
    };
    let runs: usize = match std::env::var("RUNS") {
        Ok(value) => value.parse()?,
        Err(_) => 10,
    };
    let db = Database::connect(&database_url).await?;
    let towns = Towns::load(&db).await?;

    println!("==> writing two fiscal years of records (FY2044, FY2045)");
    let started = Instant::now();
    let expected = towns.write_years(&db).await?;
    // A live database's statistics follow its growth (PostgreSQL's autovacuum analyzes
    // changed tables); after a bulk load they must be refreshed by hand, else the planner
    // takes the new tables for empty ones.
    db.execute_unprepared("ANALYZE").await?;
    println!(
        "    written and analyzed in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let http = reqwest::Client::new();
    let api = Api {
        http,
        address: address.clone(),
    };
    let this_year = fiscal::year_of(Utc::now());
    let mut failures = Vec::new();
    println!(
        "==> kpiReport over HTTP, median of {runs} (FY2045 and its previous year, against the demo's FY{this_year})"
    );
    println!(
        "    {:<8} {:>14} {:>14} {:>8} {:>14}",
        "town", "FY2045 (ms)", "demo year (ms)", "ratio", "CSV FY2045 (ms)"
    );
    for (slug, code) in [("maebashi", MAEBASHI), ("manazuru", MANAZURU)] {
        let token = api.log_in(&format!("{slug}-admin@example.jp")).await?;
        // Warm the connection pool and caches once.
        api.report(&token, code, 2045).await?;
        let (big, report) = median(runs, || api.report(&token, code, 2045)).await?;
        let (small, _) = median(runs, || api.report(&token, code, this_year)).await?;
        let (csv, _) = median(runs, || api.csv(&token, code, 2045)).await?;
        println!(
            "    {:<8} {:>14.1} {:>14.1} {:>8.2} {:>14.1}",
            slug,
            millis(big),
            millis(small),
            big.as_secs_f64() / small.as_secs_f64().max(1e-9),
            millis(csv)
        );
        for (key, numerator, denominator) in expected.iter().filter(|e| e.0.starts_with(slug)) {
            let Some(entry) = report["kpis"]
                .as_array()
                .and_then(|kpis| kpis.iter().find(|k| k["key"] == *key))
            else {
                failures.push(format!("{key}: missing from the report"));
                continue;
            };
            let same = |value: &Value, expected: Option<f64>| match (value.as_f64(), expected) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-6,
                (None, None) => true,
                _ => false,
            };
            if !same(&entry["numerator"], Some(*numerator))
                || !same(&entry["denominator"], *denominator)
            {
                failures.push(format!(
                    "{key}: expected {numerator} / {denominator:?}, got {} / {}",
                    entry["numerator"], entry["denominator"]
                ));
            }
        }
    }
    if failures.is_empty() {
        println!("    every KPI of FY2045 equals what was written");
        Ok(())
    } else {
        for failure in &failures {
            eprintln!("kpi_load: {failure}");
        }
        anyhow::bail!("{} KPI values differ from the records", failures.len())
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The median time of `runs` calls, and the last answer.
async fn median<F, Fut>(runs: usize, mut call: F) -> anyhow::Result<(Duration, Value)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Value>>,
{
    let mut timings = Vec::with_capacity(runs);
    let mut last = Value::Null;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        last = call().await?;
        timings.push(started.elapsed());
    }
    timings.sort();
    Ok((timings[timings.len() / 2], last))
}

struct Api {
    http: reqwest::Client,
    address: String,
}

impl Api {
    async fn graphql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let body: Value = request.send().await?.error_for_status()?.json().await?;
        if let Some(errors) = body.get("errors") {
            anyhow::bail!("GraphQL errors: {errors}");
        }
        Ok(body["data"].clone())
    }

    async fn log_in(&self, email: &str) -> anyhow::Result<String> {
        let data = self
            .graphql(
                None,
                "mutation($input: LogInInput!) { logIn(input: $input) { session { token } } }",
                json!({ "input": { "email": email, "password": PASSWORD } }),
            )
            .await?;
        data["logIn"]["session"]["token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("login of {email} failed: {data}"))
    }

    async fn report(&self, token: &str, code: &str, year: i32) -> anyhow::Result<Value> {
        let data = self
            .graphql(
                Some(token),
                "query($m: String!, $y: Int!) { kpiReport(municipalityCode: $m, fiscalYear: $y) { kpis { key value numerator denominator previousValue change target targetMet } } }",
                json!({ "m": code, "y": year }),
            )
            .await?;
        Ok(data["kpiReport"].clone())
    }

    async fn csv(&self, token: &str, code: &str, year: i32) -> anyhow::Result<Value> {
        let text = self
            .http
            .get(format!(
                "{}/reports/kpi.csv?municipality={code}&fiscalYear={year}",
                self.address
            ))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        Ok(Value::String(text))
    }
}

/// The demo rows the written records copy.
struct Towns {
    maebashi: Uuid,
    manazuru: Uuid,
    education: program::Model,
    parenting: program::Model,
    session: program_session::Model,
    registration: registration::Model,
    plazas: Vec<childcare_resource::Model>,
    temporary: childcare_resource::Model,
    booking: childcare_booking::Model,
    issue: local_issue::Model,
    inquiry: relocation_inquiry::Model,
    enrollment: employment_enrollment::Model,
    placement: employment_placement::Model,
}

/// A KPI key with the numerator and denominator its FY2045 records make.
type Expected = (&'static str, f64, Option<f64>);

impl Towns {
    async fn load(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let town = async |code: &str| -> anyhow::Result<Uuid> {
            Ok(entity::municipality::Entity::find()
                .filter(entity::municipality::Column::JisCode.eq(code))
                .one(db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("demo municipality {code} missing"))?
                .id)
        };
        let (maebashi, manazuru) = (town(MAEBASHI).await?, town(MANAZURU).await?);
        let program_of = async |kind: program::ProgramKind| -> anyhow::Result<program::Model> {
            program::Entity::find()
                .filter(program::Column::MunicipalityId.eq(manazuru))
                .filter(program::Column::Kind.eq(kind))
                .one(db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no demo program of kind {kind:?}"))
        };
        let education = program_of(program::ProgramKind::EducationWorkshop).await?;
        let parenting = program_of(program::ProgramKind::ParentingClass).await?;
        let missing = |what: &str| anyhow::anyhow!("demo {what} missing");
        let session = program_session::Entity::find()
            .filter(program_session::Column::ProgramId.eq(education.id))
            .one(db)
            .await?
            .ok_or_else(|| missing("session"))?;
        let registration = registration::Entity::find()
            .filter(registration::Column::MunicipalityId.eq(manazuru))
            .one(db)
            .await?
            .ok_or_else(|| missing("registration"))?;
        let plazas = childcare_resource::Entity::find()
            .filter(childcare_resource::Column::MunicipalityId.eq(maebashi))
            .filter(childcare_resource::Column::Kind.eq(childcare_resource::ResourceKind::Plaza))
            .all(db)
            .await?;
        let temporary = childcare_resource::Entity::find()
            .filter(childcare_resource::Column::MunicipalityId.eq(manazuru))
            .filter(
                childcare_resource::Column::Kind
                    .eq(childcare_resource::ResourceKind::TemporaryChildcare),
            )
            .one(db)
            .await?
            .ok_or_else(|| missing("temporary childcare"))?;
        let booking = childcare_booking::Entity::find()
            .filter(childcare_booking::Column::ResourceId.eq(temporary.id))
            .one(db)
            .await?
            .ok_or_else(|| missing("booking"))?;
        let issue = local_issue::Entity::find()
            .filter(local_issue::Column::MunicipalityId.eq(manazuru))
            .one(db)
            .await?
            .ok_or_else(|| missing("issue"))?;
        let inquiry = relocation_inquiry::Entity::find()
            .filter(relocation_inquiry::Column::MunicipalityId.eq(maebashi))
            .one(db)
            .await?
            .ok_or_else(|| missing("inquiry"))?;
        let enrollment = employment_enrollment::Entity::find()
            .filter(employment_enrollment::Column::MunicipalityId.eq(maebashi))
            .one(db)
            .await?
            .ok_or_else(|| missing("enrollment"))?;
        let placement = employment_placement::Entity::find()
            .filter(employment_placement::Column::MunicipalityId.eq(maebashi))
            .one(db)
            .await?
            .ok_or_else(|| missing("placement"))?;
        Ok(Self {
            maebashi,
            manazuru,
            education,
            parenting,
            session,
            registration,
            plazas,
            temporary,
            booking,
            issue,
            inquiry,
            enrollment,
            placement,
        })
    }

    /// Writes both years; returns what the FY2045 report must say.
    async fn write_years(&self, db: &DatabaseConnection) -> anyhow::Result<Vec<Expected>> {
        let mut expected = Vec::new();
        for year in YEARS {
            let last = year == YEARS[1];
            let (first, final_day) =
                fiscal::dates(year).ok_or_else(|| anyhow::anyhow!("no fiscal year {year}"))?;
            let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= final_day).collect();

            // Programs of Manazuru: sessions, attended parties and their answers.
            let mut sessions = Vec::new();
            let mut registrations = Vec::new();
            let mut surveys = Vec::new();
            let mut attendees = [0.0; 2];
            let mut scores = [0.0; 2];
            let mut satisfied = [0.0; 2];
            for day in &days {
                for (index, program) in [&self.education, &self.parenting].into_iter().enumerate() {
                    let session_id = Uuid::now_v7();
                    let starts: DateTime<Utc> =
                        fiscal::midnight(*day) + chrono::Duration::hours(10);
                    let mut session = self.session.clone().into_active_model();
                    session.id = Set(session_id);
                    session.program_id = Set(program.id);
                    session.starts_at = Set(starts);
                    session.ends_at = Set(starts + chrono::Duration::hours(2));
                    sessions.push(session);
                    for party in 0..PARTIES {
                        let registration_id = Uuid::now_v7();
                        let mut row = self.registration.clone().into_active_model();
                        row.id = Set(registration_id);
                        row.program_id = Set(program.id);
                        row.session_id = Set(session_id);
                        row.user_id = Set(None);
                        row.manage_token_hash = Set(None);
                        row.check_in_code = Set(format!("K{party:02}"));
                        row.status = Set(registration::RegistrationStatus::Attended);
                        row.adults = Set(1);
                        row.children = Set(party % 3);
                        registrations.push(row);
                        attendees[index] += f64::from(1 + party % 3);
                        let score = 1 + party % 5;
                        scores[index] += f64::from(score);
                        if score >= 4 {
                            satisfied[index] += 1.0;
                        }
                        surveys.push(program_survey::ActiveModel {
                            id: Set(Uuid::now_v7()),
                            municipality_id: Set(self.manazuru),
                            program_id: Set(program.id),
                            session_id: Set(session_id),
                            registration_id: Set(registration_id),
                            score: Set(i16::try_from(score)?),
                            comment: Set(None),
                            fiscal_year: Set(year),
                            submitted_at: Set(starts + chrono::Duration::hours(3)),
                        });
                    }
                }
            }
            insert_all(db, sessions, 200).await?;
            insert_all(db, registrations, 200).await?;
            insert_all(db, surveys, 400).await?;
            let answers = days.len() as f64 * f64::from(PARTIES);

            // Temporary childcare of Manazuru: bookings with an answer each.
            let mut bookings = Vec::new();
            let mut answers_of_childcare = Vec::new();
            let mut childcare_scores = 0.0;
            let mut childcare_satisfied = 0.0;
            for n in 0..BOOKINGS_PER_YEAR {
                let day = days[usize::try_from(n)? % days.len()];
                let starts = fiscal::midnight(day) + chrono::Duration::hours(9);
                let booking_id = Uuid::now_v7();
                let mut booking = self.booking.clone().into_active_model();
                booking.id = Set(booking_id);
                booking.status = Set(childcare_booking::BookingStatus::Attended);
                booking.date = Set(day);
                booking.starts_at = Set(starts);
                bookings.push(booking);
                let score = i16::try_from(1 + (n * 7) % 5)?;
                childcare_scores += f64::from(score);
                if score >= 4 {
                    childcare_satisfied += 1.0;
                }
                answers_of_childcare.push(childcare_survey::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    municipality_id: Set(self.manazuru),
                    resource_id: Set(self.temporary.id),
                    booking_id: Set(booking_id),
                    score: Set(score),
                    comment: Set(None),
                    fiscal_year: Set(year),
                    submitted_at: Set(starts + chrono::Duration::days(1)),
                });
            }
            insert_all(db, bookings, 200).await?;
            insert_all(db, answers_of_childcare, 400).await?;

            // Issues of Manazuru solved in the year.
            let mut issues = Vec::new();
            for n in 0..ISSUES_PER_YEAR {
                let mut issue = self.issue.clone().into_active_model();
                let id = Uuid::now_v7();
                issue.id = Set(id);
                issue.title = Set(format!("負荷試験の課題 {year}-{n}"));
                issue.status = Set(local_issue::IssueStatus::Solved);
                let day = days[usize::try_from(n * 37)? % days.len()];
                issue.solved_at = Set(Some(fiscal::midnight(day) + chrono::Duration::hours(15)));
                issues.push(issue);
            }
            insert_all(db, issues, 200).await?;

            // Plazas of Maebashi: visitors every day.
            let mut visits = Vec::new();
            let mut visitors = 0.0;
            for plaza in &self.plazas {
                for (n, day) in days.iter().enumerate() {
                    let adults = 20 + i32::try_from(n % 11)?;
                    let children = adults + 3;
                    visitors += f64::from(adults + children);
                    visits.push(childcare_visit::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        municipality_id: Set(self.maebashi),
                        resource_id: Set(plaza.id),
                        visit_date: Set(*day),
                        fiscal_year: Set(year),
                        adults: Set(adults),
                        children: Set(children),
                        recorded_by: Set(plaza.created_by),
                        created_at: Set(Utc::now()),
                        updated_at: Set(Utc::now()),
                    });
                }
            }
            insert_all(db, visits, 300).await?;

            // Families of Maebashi moved in during the year.
            let mut families = Vec::new();
            let mut people = 0.0;
            for n in 0..FAMILIES_PER_YEAR {
                let id = Uuid::now_v7();
                let mut inquiry = self.inquiry.clone().into_active_model();
                inquiry.id = Set(id);
                inquiry.reference_code = Set(format!("B{year}-{n:05}"));
                inquiry.tracking_token_hash = Set(id.simple().to_string());
                inquiry.stage = Set(relocation_inquiry::InquiryStage::MovedIn);
                inquiry.moved_in_on = Set(Some(days[usize::try_from(n)? % days.len()]));
                let moved = 1 + i32::try_from(n % 4)?;
                inquiry.people_moved = Set(Some(moved));
                people += f64::from(moved);
                families.push(inquiry);
            }
            insert_all(db, families, 100).await?;

            // Jobs of women in Maebashi starting in the year, every third one regular.
            let mut enrollments = Vec::new();
            let mut placements = Vec::new();
            let mut regular = 0.0;
            for n in 0..JOBS_PER_YEAR {
                let enrollment_id = Uuid::now_v7();
                let mut enrollment = self.enrollment.clone().into_active_model();
                enrollment.id = Set(enrollment_id);
                enrollment.resident_user_id = Set(None);
                enrollment.gender = Set(employment_enrollment::Gender::Female);
                enrollment.enrolled_on = Set(first);
                enrollments.push(enrollment);
                let kind = if n % 3 == 0 {
                    regular += 1.0;
                    employment_placement::EmploymentType::Regular
                } else {
                    employment_placement::EmploymentType::PartTime
                };
                let mut placement = self.placement.clone().into_active_model();
                placement.id = Set(Uuid::now_v7());
                placement.enrollment_id = Set(enrollment_id);
                placement.employment_type = Set(kind);
                placement.current_employment_type = Set(kind);
                placement.converted_to_regular_on = Set(None);
                placement.start_date = Set(days[usize::try_from(n * 3)? % days.len()]);
                placement.fiscal_year = Set(year);
                placements.push(placement);
            }
            insert_all(db, enrollments, 100).await?;
            insert_all(db, placements, 200).await?;

            if last {
                let jobs = JOBS_PER_YEAR as f64;
                let booked = BOOKINGS_PER_YEAR as f64;
                expected = vec![
                    ("maebashi.relocation.people_moved_in", people, None),
                    ("maebashi.childcare.plaza_users", visitors, None),
                    (
                        "maebashi.employment.women_regular_employment_rate",
                        regular,
                        Some(jobs),
                    ),
                    (
                        "manazuru.programs.education_participants_growth",
                        attendees[0],
                        Some(attendees[0]),
                    ),
                    (
                        "manazuru.partnership.issues_solved",
                        ISSUES_PER_YEAR as f64,
                        None,
                    ),
                    (
                        "manazuru.programs.education_satisfaction_mean",
                        scores[0],
                        Some(answers),
                    ),
                    (
                        "manazuru.programs.education_satisfied_share",
                        satisfied[0],
                        Some(answers),
                    ),
                    (
                        "manazuru.programs.parenting_class_satisfaction_mean",
                        scores[1],
                        Some(answers),
                    ),
                    (
                        "manazuru.programs.parenting_class_satisfied_share",
                        satisfied[1],
                        Some(answers),
                    ),
                    (
                        "manazuru.childcare.temporary_childcare_satisfaction_mean",
                        childcare_scores,
                        Some(booked),
                    ),
                    (
                        "manazuru.childcare.temporary_childcare_satisfied_share",
                        childcare_satisfied,
                        Some(booked),
                    ),
                ];
            }
        }
        Ok(expected)
    }
}

async fn insert_all<A>(db: &DatabaseConnection, rows: Vec<A>, chunk: usize) -> anyhow::Result<()>
where
    A: ActiveModelTrait + Clone + Send,
{
    for part in rows.chunks(chunk) {
        <A::Entity as EntityTrait>::insert_many(part.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

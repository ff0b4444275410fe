//! Assignment simulation: a deterministic two years of relocation inquiries worked by 20
//! concierges with different capacities, specialties and leave, driven through the real
//! service functions on an SQLite database, once per assignment strategy.
//!
//! Events are the arrival of an inquiry (`create_inquiry`), a concierge closing one
//! (`close_inquiry`) and the end of a leave period (the server's sweep, which wakes at the
//! next end of leave). After every event the simulation checks, against the database, that
//! nobody holds more than their capacity and that no inquiry waits while a concierge who may
//! take work (available, not on leave) has room, and measures how long any such state lasted.
//!
//! `cargo run --release --example assignment_sim -- [INQUIRIES]` (default 10000); run
//! through `bench/assignment.sh`.

use std::{
    cmp::Reverse,
    collections::{BTreeMap, BinaryHeap, HashMap},
    time::Instant,
};

use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::{
    concierge_leave, concierge_profile, municipality,
    relocation_inquiry::{self, CloseReason, InquiryStage, Interest},
    relocation_setting::{self, AssignmentStrategy},
    user::{self, Role},
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use tsunagu::{
    auth::{AuthUser, Viewer},
    domains::relocation::service::{self, NewInquiry},
    state::ServiceContext,
};
use uuid::Uuid;

const CONCIERGES: usize = 20;
const DAYS: i64 = 730;
const SEED: u64 = 20_261_201;
const INTERESTS: [Interest; 7] = [
    Interest::Housing,
    Interest::Work,
    Interest::Childcare,
    Interest::Education,
    Interest::BusinessStartup,
    Interest::Farming,
    Interest::Healthcare,
];
const LANGUAGES: [&str; 4] = ["en", "zh", "pt", "vi"];
const AREAS: [&str; 5] = ["中心市街地", "赤城山麓", "南部", "東部", "西部"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Arrival(usize),
    Close(Uuid),
    LeaveEnd,
}

/// What one run measured.
#[derive(Debug, Default)]
struct Report {
    events: usize,
    waited: usize,
    longest_wait: Duration,
    longest_idle_room: Duration,
    over_capacity: usize,
    taken: BTreeMap<Uuid, u64>,
    /// Time-weighted active load per concierge (load × seconds).
    load_seconds: HashMap<Uuid, f64>,
    capacity: HashMap<Uuid, i64>,
    on_leave_seconds: HashMap<Uuid, f64>,
    seconds: f64,
    wall: std::time::Duration,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let inquiries: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 10_000,
    };
    println!(
        "assignment simulation: {inquiries} inquiries over {DAYS} days, {CONCIERGES} concierges, seed {SEED}"
    );
    println!();
    println!(
        "| strategy | events | waited (everyone full) | longest wait | longest wait while someone had room | over capacity | taken max/min | utilization max/min | wall time |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for strategy in [
        AssignmentStrategy::RoundRobin,
        AssignmentStrategy::LeastLoaded,
        AssignmentStrategy::SpecialtyMatch,
    ] {
        let report = simulate(strategy, inquiries).await?;
        let taken: Vec<u64> = report.taken.values().copied().collect();
        let utilization: Vec<f64> = report
            .load_seconds
            .iter()
            .map(|(id, load)| {
                let present = report.seconds - report.on_leave_seconds.get(id).unwrap_or(&0.0);
                load / present / report.capacity[id] as f64
            })
            .collect();
        let max = |v: &[f64]| v.iter().copied().fold(f64::MIN, f64::max);
        let min = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
        println!(
            "| {strategy:?} | {} | {} | {} | {} | {} | {}/{} = {:.2} | {:.2}/{:.2} = {:.2} | {:.1} s |",
            report.events,
            report.waited,
            human(report.longest_wait),
            human(report.longest_idle_room),
            report.over_capacity,
            taken.iter().max().unwrap_or(&0),
            taken.iter().min().unwrap_or(&0),
            *taken.iter().max().unwrap_or(&0) as f64
                / (*taken.iter().min().unwrap_or(&1)).max(1) as f64,
            max(&utilization),
            min(&utilization),
            max(&utilization) / min(&utilization).max(f64::EPSILON),
            report.wall.as_secs_f64(),
        );
        if report.longest_idle_room > Duration::zero() || report.over_capacity > 0 {
            anyhow::bail!(
                "{strategy:?}: an inquiry waited while a concierge had room, or someone went over capacity"
            );
        }
    }
    println!();
    println!(
        "taken max/min: inquiries each concierge received (capacities 6–12 differ, so counts do); utilization: mean active ÷ capacity over the time each was not on leave"
    );
    Ok(())
}

fn human(d: Duration) -> String {
    if d.num_hours() >= 48 {
        format!("{:.1} days", d.num_minutes() as f64 / 1440.0)
    } else if d.num_minutes() >= 60 {
        format!("{:.1} h", d.num_minutes() as f64 / 60.0)
    } else {
        format!("{} s", d.num_seconds())
    }
}

async fn simulate(strategy: AssignmentStrategy, inquiries: usize) -> anyhow::Result<Report> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("sim.db").display());
    let db = tsunagu::db::connect(&url).await?;
    tsunagu::db::migrate(&db).await?;
    let mut rng = StdRng::seed_from_u64(SEED);
    let start = Utc
        .with_ymd_and_hms(2027, 4, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let end = start + Duration::days(DAYS);

    let (municipality_id, admin) = setup(&db, strategy, start).await?;
    let mut queue: BinaryHeap<Reverse<(DateTime<Utc>, u64, Event)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |queue: &mut BinaryHeap<_>, at: DateTime<Utc>, event: Event| {
        seq += 1;
        queue.push(Reverse((at, seq, event)));
    };

    let mut report = Report::default();
    for index in 0..CONCIERGES {
        let (id, capacity) = concierge(&db, &mut rng, municipality_id, index, start).await?;
        report.capacity.insert(id, capacity);
        report.taken.insert(id, 0);
        report.load_seconds.insert(id, 0.0);
        // Four leave periods of 2 to 21 days, anywhere in the two years.
        for _ in 0..4 {
            let from = start + Duration::hours(rng.random_range(0..DAYS * 24));
            let until = from + Duration::hours(rng.random_range(48..21 * 24));
            concierge_leave::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(municipality_id),
                user_id: Set(id),
                starts_at: Set(from),
                ends_at: Set(until),
                note: Set(None),
                created_at: Set(start),
            }
            .insert(&db)
            .await?;
            let overlap = (until.min(end) - from.min(end)).num_seconds() as f64;
            *report.on_leave_seconds.entry(id).or_default() += overlap;
            push(&mut queue, until, Event::LeaveEnd);
        }
    }
    // Arrivals: more in the moving season (January–March) than in summer.
    let mut arrivals: Vec<DateTime<Utc>> = Vec::with_capacity(inquiries);
    while arrivals.len() < inquiries {
        let t = rng.random_range(0..DAYS * 86_400);
        // Peak at 0.8 of the fiscal year from April, around February.
        let year = t as f64 / 86_400.0 / 365.0;
        let season = 1.0 + 0.8 * ((year - 0.8) * std::f64::consts::TAU).cos();
        if rng.random_range(0.0..1.8) < season {
            arrivals.push(start + Duration::seconds(t));
        }
    }
    arrivals.sort();
    for (index, at) in arrivals.iter().enumerate() {
        push(&mut queue, *at, Event::Arrival(index));
    }

    let quiet = ServiceContext::quiet(&db);
    let wall = Instant::now();
    let mut last = start;
    let mut idle_room_since: Option<DateTime<Utc>> = None;
    let mut loads: HashMap<Uuid, i64> = HashMap::new();
    let mut unassigned: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
    while let Some(Reverse((now, _, event))) = queue.pop() {
        if now > end {
            break;
        }
        let dt = (now - last).num_seconds() as f64;
        for (id, load) in &loads {
            *report.load_seconds.entry(*id).or_default() += *load as f64 * dt;
        }
        report.seconds += dt;
        last = now;
        report.events += 1;
        match event {
            Event::Arrival(index) => {
                let receipt = service::create_inquiry(
                    quiet.as_of(now),
                    new_inquiry(&mut rng, municipality_id, index),
                )
                .await?
                .map_err(|errors| anyhow::anyhow!("inquiry refused: {errors:?}"))?;
                unassigned.insert(receipt.inquiry_id, now);
            }
            Event::Close(inquiry_id) => {
                service::close_inquiry(
                    quiet.as_of(now),
                    &admin,
                    inquiry_id,
                    CloseReason::ChoseElsewhere,
                    None,
                )
                .await?
                .map_err(|errors| anyhow::anyhow!("close refused: {errors:?}"))?;
            }
            Event::LeaveEnd => {
                service::sweep(quiet.as_of(now)).await?;
            }
        }
        // Inquiries assigned by this event get a closing time: a few days to a few weeks.
        let waiting: Vec<Uuid> = unassigned.keys().copied().collect();
        for chunk in waiting.chunks(500) {
            let assigned = relocation_inquiry::Entity::find()
                .filter(relocation_inquiry::Column::Id.is_in(chunk.iter().copied()))
                .filter(relocation_inquiry::Column::AssignedConciergeId.is_not_null())
                .all(&db)
                .await?;
            for inquiry in assigned {
                if let (Some(received), Some(concierge)) = (
                    unassigned.remove(&inquiry.id),
                    inquiry.assigned_concierge_id,
                ) {
                    let wait = now - received;
                    if wait > Duration::zero() {
                        report.waited += 1;
                        report.longest_wait = report.longest_wait.max(wait);
                    }
                    *report.taken.entry(concierge).or_default() += 1;
                    let days = -11.0 * (1.0 - rng.random_range(0.0..1.0f64)).ln();
                    let close = now + Duration::seconds((days * 86_400.0) as i64 + 3_600);
                    push(&mut queue, close, Event::Close(inquiry.id));
                }
            }
        }
        // The rules, read back from the database.
        loads = service::loads(&db, municipality_id)
            .await?
            .into_iter()
            .collect();
        for (id, load) in &loads {
            if *load > report.capacity.get(id).copied().unwrap_or(0) {
                report.over_capacity += 1;
            }
        }
        let room = service::candidates(&db, municipality_id, now)
            .await?
            .iter()
            .any(|c| c.has_room());
        let idle_room = room && !unassigned.is_empty();
        match (idle_room, idle_room_since) {
            (true, None) => idle_room_since = Some(now),
            (false, Some(since)) => {
                report.longest_idle_room = report.longest_idle_room.max(now - since);
                idle_room_since = None;
            }
            _ => {}
        }
    }
    if let Some(since) = idle_room_since {
        report.longest_idle_room = report.longest_idle_room.max(last - since);
    }
    report.wall = wall.elapsed();
    let left = relocation_inquiry::Entity::find()
        .filter(relocation_inquiry::Column::Stage.eq(InquiryStage::New))
        .count(&db)
        .await?;
    anyhow::ensure!(
        left as usize == unassigned.len(),
        "unassigned count disagrees"
    );
    db.close().await?;
    Ok(report)
}

/// A municipality with the strategy, and an administrator who closes inquiries.
async fn setup(
    db: &DatabaseConnection,
    strategy: AssignmentStrategy,
    at: DateTime<Utc>,
) -> anyhow::Result<(Uuid, Viewer)> {
    let municipality_id = Uuid::now_v7();
    municipality::ActiveModel {
        id: Set(municipality_id),
        jis_code: Set("10201".into()),
        name_ja: Set("前橋市".into()),
        name_kana: Set("まえばしし".into()),
        name_en: Set("Maebashi".into()),
        prefecture_code: Set(10),
        time_zone: Set("Asia/Tokyo".into()),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(db)
    .await?;
    relocation_setting::ActiveModel {
        municipality_id: Set(municipality_id),
        strategy: Set(strategy),
        last_assigned_concierge_id: Set(None),
        follow_up_months: Set(service::DEFAULT_FOLLOW_UP_MONTHS),
        first_response_minutes: Set(service::DEFAULT_FIRST_RESPONSE_MINUTES),
        business_day_start_minute: Set(510),
        business_day_end_minute: Set(1035),
        holidays: Set("[]".into()),
        retention_days: Set(service::DEFAULT_RETENTION_DAYS),
        updated_at: Set(at),
    }
    .insert(db)
    .await?;
    let admin = account(db, municipality_id, "admin", Role::MunicipalAdmin, at).await?;
    let viewer = Viewer {
        user: Some(AuthUser {
            id: admin,
            role: Role::MunicipalAdmin,
            municipality_id: Some(municipality_id),
            organization_id: None,
            session_id: Uuid::now_v7(),
        }),
        client_ip: std::net::Ipv4Addr::LOCALHOST.into(),
    };
    Ok((municipality_id, viewer))
}

async fn account(
    db: &DatabaseConnection,
    municipality_id: Uuid,
    name: &str,
    role: Role,
    at: DateTime<Utc>,
) -> anyhow::Result<Uuid> {
    let id = Uuid::now_v7();
    user::ActiveModel {
        id: Set(id),
        municipality_id: Set(Some(municipality_id)),
        organization_id: Set(None),
        email: Set(format!("{name}@sim.example.jp")),
        password_hash: Set("!".into()),
        display_name: Set(name.into()),
        display_name_kana: Set("しみゅれーしょん".into()),
        role: Set(role),
        deactivated_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// A concierge with a capacity of 6 to 12, two or three specialties, Japanese and maybe
/// one more language, and one or two areas.
async fn concierge(
    db: &DatabaseConnection,
    rng: &mut StdRng,
    municipality_id: Uuid,
    index: usize,
    at: DateTime<Utc>,
) -> anyhow::Result<(Uuid, i64)> {
    let id = account(
        db,
        municipality_id,
        &format!("concierge{index:02}"),
        Role::Concierge,
        at,
    )
    .await?;
    let capacity = [6, 8, 10, 12][index % 4];
    let specialties: Vec<String> = (0..rng.random_range(2..=3))
        .map(|_| INTERESTS[rng.random_range(0..INTERESTS.len())].to_value())
        .collect();
    let mut languages = vec!["ja"];
    if rng.random_bool(0.3) {
        languages.push(LANGUAGES[rng.random_range(0..LANGUAGES.len())]);
    }
    let areas: Vec<&str> = (0..rng.random_range(1..=2))
        .map(|_| AREAS[rng.random_range(0..AREAS.len())])
        .collect();
    let delimited = |items: &[&str]| format!(",{},", items.join(","));
    concierge_profile::ActiveModel {
        user_id: Set(id),
        municipality_id: Set(municipality_id),
        specialties: Set(delimited(
            &specialties.iter().map(String::as_str).collect::<Vec<_>>(),
        )),
        languages: Set(delimited(&languages)),
        areas: Set(delimited(&areas)),
        capacity: Set(capacity),
        available: Set(true),
        sees_all_inquiries: Set(false),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(db)
    .await?;
    Ok((id, i64::from(capacity)))
}

fn new_inquiry(rng: &mut StdRng, municipality_id: Uuid, index: usize) -> NewInquiry {
    let interests = (0..rng.random_range(1..=3))
        .map(|_| INTERESTS[rng.random_range(0..INTERESTS.len())])
        .collect();
    NewInquiry {
        municipality_id,
        name: format!("移住 希望者{index}"),
        name_kana: "いじゅう きぼうしゃ".into(),
        email: Some(format!("family{index}@example.jp")),
        adults: rng.random_range(1..=2),
        interests,
        desired_area: Some(AREAS[rng.random_range(0..AREAS.len())].into()),
        preferred_language: Some(if rng.random_bool(0.1) { "en" } else { "ja" }.into()),
        consent: true,
        ..NewInquiry::default()
    }
}

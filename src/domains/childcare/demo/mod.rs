//! Demo data of the childcare domain: Maebashi's child-rearing plazas (親子元気ルーム,
//! プレイルーム) with a year of visits, 元気保育園's services, and Manazuru's temporary
//! childcare (一時保育) with booking rules, slots for the coming weeks, bookings and
//! answered surveys, and its parenting class (子育て学級). Idempotent: a resource that
//! exists (by municipality and name) is left as it is, with everything that hangs off it.

mod daily;

use std::net::IpAddr;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use entity::{
    childcare_booking::{self, BookingStatus},
    childcare_booking_child, childcare_child,
    childcare_resource::{self, ResourceKind},
    childcare_slot, childcare_survey, childcare_visit, organization, user,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use super::{
    hours::{self, Interval, Schedule},
    service::{self, BookingRules, ChildRef, NewBooking, NewResource, NewSlots, ResourceFields},
};
use crate::{
    auth::{AuthUser, Viewer},
    demo::demo_day,
    error::Outcome,
    fiscal,
};

/// A demo resource: who runs it, what it is, where, and its week.
struct DemoResource {
    provider: &'static str,
    kind: ResourceKind,
    name: &'static str,
    kana: &'static str,
    description: &'static str,
    postal_code: &'static str,
    prefecture_code: i32,
    city: &'static str,
    street: &'static str,
    location: (f64, f64),
    phone: &'static str,
    fee: &'static str,
    expectant_parents: bool,
    ages: (Option<i32>, Option<i32>),
    residents_only: bool,
    languages: &'static [&'static str],
    accessibility: &'static str,
    /// (weekday 0 = Monday, opens, closes).
    week: &'static [(i16, &'static str, &'static str)],
    /// Closed from 29 December to 3 January.
    year_end_closed: bool,
    /// Visitors per open day: base adults, spread.
    visits: Option<(i32, i32)>,
}

const TUE_TO_SUN: [(i16, &str, &str); 6] = [
    (1, "09:30", "16:30"),
    (2, "09:30", "16:30"),
    (3, "09:30", "16:30"),
    (4, "09:30", "16:30"),
    (5, "09:30", "16:30"),
    (6, "09:30", "16:30"),
];

const MAEBASHI: [DemoResource; 5] = [
    DemoResource {
        provider: "前橋市子育てひろば 親子元気ルーム",
        kind: ResourceKind::Plaza,
        name: "親子元気ルーム",
        kana: "オヤコゲンキルーム",
        description: "0歳から就学前のお子さんと保護者が自由に遊べる子育てひろばです。\n保育士が常駐し、子育ての相談にも応じます。予約は不要です。",
        postal_code: "371-0022",
        prefecture_code: 10,
        city: "前橋市",
        street: "千代田町二丁目5番1号 前橋プラザ元気21 3階",
        location: (36.3897, 139.0707),
        phone: "027-210-2189",
        fee: "無料",
        expectant_parents: true,
        ages: (Some(0), Some(72)),
        residents_only: false,
        languages: &["ja", "en"],
        accessibility: "エレベーターあり。授乳室・おむつ替えスペースあり。ベビーカー置き場あり。",
        week: &TUE_TO_SUN,
        year_end_closed: true,
        visits: Some((18, 9)),
    },
    DemoResource {
        provider: "前橋市子育てひろば 親子元気ルーム",
        kind: ResourceKind::Plaza,
        name: "プレイルーム",
        kana: "プレイルーム",
        description: "雨の日でも体を動かして遊べる室内の遊び場です。ボールプールやすべり台があります。",
        postal_code: "371-0805",
        prefecture_code: 10,
        city: "前橋市",
        street: "南町三丁目62番地1 前橋市総合福祉会館 1階",
        location: (36.3768, 139.0657),
        phone: "027-224-1111",
        fee: "無料",
        expectant_parents: false,
        ages: (Some(0), Some(72)),
        residents_only: false,
        languages: &["ja", "pt-BR"],
        accessibility: "段差なし。多目的トイレあり。",
        week: &[
            (1, "10:00", "12:00"),
            (1, "13:00", "16:00"),
            (2, "10:00", "12:00"),
            (2, "13:00", "16:00"),
            (3, "10:00", "12:00"),
            (3, "13:00", "16:00"),
            (4, "10:00", "12:00"),
            (4, "13:00", "16:00"),
            (5, "09:30", "16:30"),
            (6, "09:30", "16:30"),
        ],
        year_end_closed: true,
        visits: Some((9, 6)),
    },
    DemoResource {
        provider: "元気保育園",
        kind: ResourceKind::NurseryExperience,
        name: "元気保育園 子育て相談",
        kana: "ゲンキホイクエン コソダテソウダン",
        description: "保育士が、離乳食・ねんね・発達など子育ての悩みにお応えします。妊娠中の方もどうぞ。",
        postal_code: "371-0036",
        prefecture_code: 10,
        city: "前橋市",
        street: "敷島町218番地",
        location: (36.4027, 139.0568),
        phone: "027-231-0001",
        fee: "無料",
        expectant_parents: true,
        ages: (Some(0), Some(36)),
        residents_only: false,
        languages: &["ja"],
        accessibility: "駐車場あり。",
        week: &[
            (0, "10:00", "11:30"),
            (2, "10:00", "11:30"),
            (4, "10:00", "11:30"),
        ],
        year_end_closed: true,
        visits: None,
    },
    DemoResource {
        provider: "元気保育園",
        kind: ResourceKind::NurseryExperience,
        name: "元気保育園 おむつ替え体験",
        kana: "ゲンキホイクエン オムツガエタイケン",
        description: "出産を控えた方が、保育士と一緒に赤ちゃん人形でおむつ替えや抱っこを体験できます。",
        postal_code: "371-0036",
        prefecture_code: 10,
        city: "前橋市",
        street: "敷島町218番地",
        location: (36.4027, 139.0568),
        phone: "027-231-0001",
        fee: "無料",
        expectant_parents: true,
        ages: (None, None),
        residents_only: true,
        languages: &["ja"],
        accessibility: "駐車場あり。",
        week: &[(1, "14:00", "15:00"), (3, "14:00", "15:00")],
        year_end_closed: true,
        visits: None,
    },
    DemoResource {
        provider: "元気保育園",
        kind: ResourceKind::NurseryExperience,
        name: "元気保育園 保育体験",
        kana: "ゲンキホイクエン ホイクタイケン",
        description: "3歳までのお子さんと保護者が、園の0〜2歳児クラスで一日を過ごす保育体験です。",
        postal_code: "371-0036",
        prefecture_code: 10,
        city: "前橋市",
        street: "敷島町218番地",
        location: (36.4027, 139.0568),
        phone: "027-231-0001",
        fee: "無料",
        expectant_parents: true,
        ages: (Some(0), Some(36)),
        residents_only: true,
        languages: &["ja"],
        accessibility: "駐車場あり。",
        week: &[(2, "09:30", "11:30")],
        year_end_closed: true,
        visits: None,
    },
];

const MANAZURU: [DemoResource; 2] = [
    DemoResource {
        provider: "真鶴町子育て支援センター",
        kind: ResourceKind::TemporaryChildcare,
        name: "真鶴町子育て支援センター 一時保育",
        kana: "マナヅルマチコソダテシエンセンター イチジホイク",
        description: "保護者の通院・仕事・リフレッシュのときに、生後6か月から就学前のお子さんをお預かりします。\n予約はこのサービスから、利用日の14日前の0時から受け付けます。",
        postal_code: "259-0201",
        prefecture_code: 14,
        city: "足柄下郡真鶴町",
        street: "真鶴475番地1",
        location: (35.1574, 139.1360),
        phone: "0465-68-1131",
        fee: "1時間 300円",
        expectant_parents: false,
        ages: (Some(6), Some(72)),
        residents_only: true,
        languages: &["ja"],
        accessibility: "段差なし。おむつ替えスペースあり。",
        week: &[
            (0, "09:00", "16:00"),
            (1, "09:00", "16:00"),
            (2, "09:00", "16:00"),
            (3, "09:00", "16:00"),
            (4, "09:00", "16:00"),
        ],
        year_end_closed: true,
        visits: None,
    },
    DemoResource {
        provider: "真鶴町子育て支援センター",
        kind: ResourceKind::ParentingClass,
        name: "子育て学級",
        kana: "コソダテガッキュウ",
        description: "0〜3歳の子どもと保護者が一緒に遊び、保健師・保育士と子育ての悩みを話し合う学級です。",
        postal_code: "259-0201",
        prefecture_code: 14,
        city: "足柄下郡真鶴町",
        street: "真鶴475番地1",
        location: (35.1574, 139.1360),
        phone: "0465-68-1131",
        fee: "無料",
        expectant_parents: true,
        ages: (Some(0), Some(36)),
        residents_only: true,
        languages: &["ja"],
        accessibility: "段差なし。",
        week: &[(2, "10:00", "11:30")],
        year_end_closed: true,
        visits: None,
    },
];

fn as_viewer(user: &user::Model) -> Viewer {
    Viewer {
        user: Some(AuthUser {
            id: user.id,
            role: user.role,
            municipality_id: user.municipality_id,
            organization_id: user.organization_id,
            session_id: Uuid::nil(),
        }),
        client_ip: IpAddr::from([127, 0, 0, 1]),
    }
}

async fn account(db: &DatabaseConnection, email: &str) -> anyhow::Result<user::Model> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo account {email} missing"))
}

fn done<T>(outcome: crate::error::AppResult<Outcome<T>>, what: &str) -> anyhow::Result<T> {
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(errors)) => Err(anyhow::anyhow!("demo {what} refused: {errors:?}")),
        Err(error) => Err(anyhow::anyhow!("demo {what} failed: {error}")),
    }
}

/// Loads the childcare demo data (as the demo admins and residents).
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<()> {
    for (slug, resources) in [("maebashi", &MAEBASHI[..]), ("manazuru", &MANAZURU[..])] {
        let admin = as_viewer(&account(db, &format!("{slug}-admin@example.jp")).await?);
        for demo in resources {
            let Some(resource) = ensure_resource(db, &admin, demo).await? else {
                continue;
            };
            if let Some((base, spread)) = demo.visits {
                visits(db, &resource, demo, base, spread).await?;
            }
            if demo.kind == ResourceKind::TemporaryChildcare {
                temporary_childcare(db, &admin, &resource).await?;
            }
        }
    }
    Ok(())
}

/// Creates the resource with its hours if it does not exist yet; `None` if it did.
async fn ensure_resource(
    db: &DatabaseConnection,
    admin: &Viewer,
    demo: &DemoResource,
) -> anyhow::Result<Option<childcare_resource::Model>> {
    let municipality_id = admin.user.as_ref().and_then(|u| u.municipality_id);
    let exists = childcare_resource::Entity::find()
        .filter(childcare_resource::Column::MunicipalityId.eq(municipality_id))
        .filter(childcare_resource::Column::Name.eq(demo.name))
        .one(db)
        .await?
        .is_some();
    if exists {
        return Ok(None);
    }
    let provider = organization::Entity::find()
        .filter(organization::Column::MunicipalityId.eq(municipality_id))
        .filter(organization::Column::Name.eq(demo.provider))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo organization {} missing", demo.provider))?;
    let resource = done(
        service::create_resource(
            db,
            admin,
            NewResource {
                provider_id: Some(provider.id),
                fields: ResourceFields {
                    kind: demo.kind,
                    name: demo.name.into(),
                    name_kana: demo.kana.into(),
                    description: demo.description.into(),
                    postal_code: demo.postal_code.into(),
                    prefecture_code: demo.prefecture_code,
                    city: demo.city.into(),
                    street: demo.street.into(),
                    latitude: Some(demo.location.0),
                    longitude: Some(demo.location.1),
                    phone: Some(demo.phone.into()),
                    url: None,
                    fee: Some(demo.fee.into()),
                    expectant_parents: demo.expectant_parents,
                    child_min_age_months: demo.ages.0,
                    child_max_age_months: demo.ages.1,
                    residents_only: demo.residents_only,
                    languages: demo.languages.iter().map(|l| (*l).to_owned()).collect(),
                    accessibility: Some(demo.accessibility.into()),
                },
                publish: true,
                idempotency_key: None,
            },
        )
        .await,
        "resource",
    )?;
    let week = demo
        .week
        .iter()
        .map(|(day, opens, closes)| (*day, (*opens).to_owned(), (*closes).to_owned()))
        .collect();
    done(
        service::set_opening_hours(db, admin, resource.id, week).await,
        "opening hours",
    )?;
    let mut resource = resource;
    for date in year_end_dates(demo) {
        resource = done(
            service::set_hours_exception(
                db,
                admin,
                resource.id,
                date,
                true,
                Vec::new(),
                Some("年末年始休館".into()),
            )
            .await,
            "year-end closure",
        )?;
    }
    Ok(Some(resource))
}

/// 29 December – 3 January of last year-end and the coming one.
fn year_end_dates(demo: &DemoResource) -> Vec<NaiveDate> {
    if !demo.year_end_closed {
        return Vec::new();
    }
    let today = fiscal::today();
    let mut dates = Vec::new();
    for year in [today.year() - 1, today.year()] {
        for (y, m, d) in [
            (year, 12, 29),
            (year, 12, 30),
            (year, 12, 31),
            (year + 1, 1, 1),
            (year + 1, 1, 2),
            (year + 1, 1, 3),
        ] {
            dates.extend(NaiveDate::from_ymd_opt(y, m, d));
        }
    }
    dates
}

fn schedule_of(demo: &DemoResource) -> Schedule {
    Schedule {
        weekly: demo
            .week
            .iter()
            .filter_map(|(day, opens, closes)| {
                Some((
                    *day,
                    Interval {
                        opens: hours::parse_minute("opens", opens).ok()?,
                        closes: hours::parse_minute("closes", closes).ok()?,
                    },
                ))
            })
            .collect(),
        exceptions: year_end_dates(demo)
            .into_iter()
            .map(|date| (date, Vec::new()))
            .collect(),
    }
}

/// Visitors on every open day from the first day of the previous fiscal year until
/// yesterday: deterministic counts with a weekly rhythm (weekends busier), so the plaza KPI
/// has values in both fiscal years.
async fn visits(
    db: &DatabaseConnection,
    resource: &childcare_resource::Model,
    demo: &DemoResource,
    base: i32,
    spread: i32,
) -> anyhow::Result<()> {
    let schedule = schedule_of(demo);
    let today = fiscal::today();
    let recorder = resource.created_by;
    let now = Utc::now();
    let mut rows = Vec::new();
    let (first, last) = (demo_day(1, 0.0), demo_day(0, 1.0));
    for date in first.iter_days().take_while(|date| *date <= last) {
        if schedule.on(date).intervals.is_empty() {
            continue;
        }
        let k = i32::try_from((today - date).num_days()).unwrap_or(0);
        let weekend = if hours::weekday_index(date) >= 5 {
            base / 2
        } else {
            0
        };
        let adults = base + weekend + (k * 7) % spread.max(1);
        let children = adults + 2 + (k * 5) % 7;
        rows.push(childcare_visit::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(resource.municipality_id),
            resource_id: Set(resource.id),
            visit_date: Set(date),
            fiscal_year: Set(fiscal::year_of_date(date)),
            adults: Set(adults),
            children: Set(children),
            recorded_by: Set(recorder),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }
    for chunk in rows.chunks(100) {
        childcare_visit::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Booking rules, weekday slots for the next three weeks, a resident's two-day booking, a
/// full slot with a waiting child, a cancelled slot, and past attended bookings with
/// answered surveys over two fiscal years.
async fn temporary_childcare(
    db: &DatabaseConnection,
    admin: &Viewer,
    resource: &childcare_resource::Model,
) -> anyhow::Result<()> {
    done(
        service::set_booking_rules(
            db,
            admin,
            resource.id,
            BookingRules {
                opens_days_before: 14,
                monthly_limit_hours: 40,
                min_age_months: 6,
                max_age_months: 72,
                cancel_deadline_hours: 24,
                no_show_limit: 2,
                no_show_window_days: 30,
                restriction_days: 30,
            },
        )
        .await,
        "booking rules",
    )?;
    let today = fiscal::today();
    let slots = done(
        service::create_slots(
            db,
            admin,
            NewSlots {
                resource_id: resource.id,
                from: today + Duration::days(1),
                until: Some(today + Duration::days(21)),
                weekdays: vec![0, 1, 2, 3, 4],
                starts: "09:00".into(),
                ends: "16:00".into(),
                capacity: 6,
                idempotency_key: None,
            },
        )
        .await,
        "slots",
    )?;
    let resident = account(db, "manazuru-resident@example.jp").await?;
    let guardian = as_viewer(&resident);
    let birth = today - Duration::days(30 * 30);
    let bookable: Vec<Uuid> = slots
        .iter()
        .filter(|slot| slot.date <= today + Duration::days(14))
        .skip(2)
        .take(2)
        .map(|slot| slot.id)
        .collect();
    if !bookable.is_empty() {
        done(
            service::book(
                crate::state::ServiceContext::quiet(db),
                &guardian,
                NewBooking {
                    slot_ids: bookable,
                    children: vec![ChildRef::New {
                        name: "貴船 ひなた".into(),
                        name_kana: "キブネ ヒナタ".into(),
                        birth_date: Some(birth),
                    }],
                    note: Some("卵アレルギーがあります。".into()),
                    join_waitlist_if_full: false,
                    idempotency_key: None,
                },
            )
            .await,
            "booking",
        )?;
    }
    daily::waitlist_and_cancellation(db, admin, &guardian, &slots, birth).await?;
    let child = match childcare_child::Entity::find()
        .filter(childcare_child::Column::GuardianUserId.eq(resident.id))
        .one(db)
        .await?
    {
        Some(child) => child,
        None => {
            childcare_child::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(resource.municipality_id),
                guardian_user_id: Set(resident.id),
                name: Set("貴船 ひなた".into()),
                name_kana: Set("キブネ ヒナタ".into()),
                birth_date: Set(birth),
                created_at: Set(Utc::now()),
                notes: Set(None),
                removed_at: Set(None),
            }
            .insert(db)
            .await?
        }
    };
    // Past days: (fiscal years back, share of the year, attended, survey score).
    for (years_back, share, attended, score) in [
        (1, 0.7, true, Some(5)),
        (1, 0.75, true, Some(4)),
        (1, 0.8, false, None),
        (0, 0.6, true, Some(5)),
        (0, 0.85, true, Some(3)),
        (0, 0.96, true, Some(4)),
    ] {
        past_booking(
            db,
            resource,
            &resident,
            &child,
            demo_day(years_back, share),
            attended,
            score,
        )
        .await?;
    }
    Ok(())
}

async fn past_booking(
    db: &DatabaseConnection,
    resource: &childcare_resource::Model,
    guardian: &user::Model,
    child: &childcare_child::Model,
    date: NaiveDate,
    attended: bool,
    score: Option<i16>,
) -> anyhow::Result<()> {
    let starts_at = fiscal::midnight(date) + Duration::hours(9);
    let now = Utc::now();
    let slot = childcare_slot::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(resource.municipality_id),
        resource_id: Set(resource.id),
        date: Set(date),
        starts_at: Set(starts_at),
        ends_at: Set(starts_at + Duration::hours(7)),
        capacity: Set(6),
        children_booked: Set(1),
        created_at: Set(now),
        note: Set(None),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
    }
    .insert(db)
    .await?;
    let booking = childcare_booking::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(resource.municipality_id),
        resource_id: Set(resource.id),
        slot_id: Set(slot.id),
        group_id: Set(Uuid::now_v7()),
        guardian_user_id: Set(guardian.id),
        status: Set(if attended {
            BookingStatus::Attended
        } else {
            BookingStatus::NoShow
        }),
        children: Set(1),
        minutes: Set(7 * 60),
        date: Set(date),
        starts_at: Set(starts_at),
        note: Set(None),
        cancelled_at: Set(None),
        marked_at: Set(Some(starts_at + Duration::hours(7))),
        created_at: Set(now),
        updated_at: Set(now),
        cancel_reason: Set(None),
    }
    .insert(db)
    .await?;
    childcare_booking_child::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(resource.municipality_id),
        booking_id: Set(booking.id),
        child_id: Set(child.id),
        age_months: Set(crate::domains::programs::registration::months_between(
            child.birth_date,
            date,
        )),
    }
    .insert(db)
    .await?;
    if let Some(score) = score {
        childcare_survey::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(resource.municipality_id),
            resource_id: Set(resource.id),
            booking_id: Set(booking.id),
            score: Set(score),
            comment: Set(Some("保育士さんが丁寧で安心して預けられました。".into())),
            fiscal_year: Set(fiscal::year_of_date(date)),
            submitted_at: Set(starts_at + Duration::days(1)),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

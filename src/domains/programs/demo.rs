//! Demo data of the programs domain: programmes with past sessions (attendance and
//! surveys) and upcoming ones with registrations.

use chrono::Duration;
use entity::organization::{self};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use std::net::IpAddr;
use uuid::Uuid;

use crate::auth::{AuthUser, Viewer};
use crate::demo::{at_ten, demo_day, done};
use crate::state::ServiceContext;

/// A past demo session: when (fiscal years back and share of the year, see [`demo_day`]),
/// capacity, childcare slots, attendees as (adults, children, survey score), no-shows.
type PastSession = (
    (i32, f64),
    i32,
    i32,
    &'static [(i32, i32, Option<i16>)],
    i32,
);
/// An upcoming demo session: days after today, capacity, childcare slots, parties to
/// register as (adults, children).
type UpcomingSession = (i64, i32, i32, &'static [(i32, i32)]);

/// One demo program; created through the service (with its upcoming sessions), its past
/// sessions written directly since the service only schedules the future.
struct DemoProgram {
    organizer: &'static str,
    kind: entity::program::ProgramKind,
    title: &'static str,
    summary: &'static str,
    description: &'static str,
    categories: &'static [entity::program::ProgramCategory],
    audiences: &'static [entity::program::Audience],
    child_age_months: (Option<i32>, Option<i32>),
    residents_only: bool,
    max_party_size: i32,
    venue: &'static str,
    /// (when, capacity, childcare slots, attendees as (adults, children, survey score),
    /// no-shows), "when" as fiscal years back and share of the year.
    past: &'static [PastSession],
    /// (days after today, capacity, childcare slots, parties to register as (adults,
    /// children)); children stay in the 託児 where the session has one.
    upcoming: &'static [UpcomingSession],
}
/// Readings of the demo titles, so that a search in kana (しぜん, えほん, こそだて) finds them.
const TITLE_READINGS: &[(&str, &str)] = &[
    ("女性活躍推進セミナー", "ジョセイカツヤクスイシンセミナー"),
    (
        "元気保育園 プレママ・プレパパ保育体験",
        "ゲンキホイクエン プレママ・プレパパホイクタイケン",
    ),
    ("前橋市 移住相談会", "マエバシシ イジュウソウダンカイ"),
    (
        "赤ちゃんとママ・パパの子育て講座",
        "アカチャントママ・パパノコソダテコウザ",
    ),
    ("木のおもちゃ体験会", "キノオモチャタイケンカイ"),
    (
        "中川一政美術館 親子鑑賞会",
        "ナカガワカズマサビジュツカン オヤコカンショウカイ",
    ),
    (
        "お林と磯の自然観察 体験学習",
        "オハヤシトイソノシゼンカンサツ タイケンガクシュウ",
    ),
    (
        "図書館のおはなし会と絵本づくり",
        "トショカンノオハナシカイトエホンヅクリ",
    ),
    ("子育て学級", "コソダテガッキュウ"),
];

/// The reading of a demo title, if it has one.
fn title_reading(title: &str) -> Option<String> {
    TITLE_READINGS
        .iter()
        .find(|(written, _)| *written == title)
        .map(|(_, reading)| (*reading).to_owned())
}

/// Programs of Maebashi (女性活躍推進セミナー with 託児, 元気保育園 experience, 移住相談会) and
/// Manazuru (museum 鑑賞会, nature 体験学習, library workshop, 子育て学級): past sessions with
/// attendance and surveys over this fiscal year and the two before, upcoming ones with free seats, a full one
/// and a waitlist. Keyed by title within the municipality; an existing program is left as
/// it is, so loading twice changes nothing.
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<()> {
    use entity::program::{Audience as A, ProgramCategory as C, ProgramKind as K};

    const MAEBASHI: [DemoProgram; 5] = [
        DemoProgram {
            organizer: "前橋市女性就職支援センター",
            kind: K::CareerSeminar,
            title: "女性活躍推進セミナー",
            summary: "再就職・キャリアアップを考える女性のためのセミナー。受講中はお子さまを託児でお預かりします。",
            description: "履歴書の書き方、面接対策、働き方の選び方をキャリアコンサルタントが解説します。\n託児（生後6か月〜就学前）をご希望の方は申込時にお知らせください。",
            categories: &[C::Career],
            audiences: &[A::Women],
            child_age_months: (Some(6), Some(72)),
            residents_only: false,
            max_party_size: 3,
            venue: "前橋市男女共同参画センター 研修室",
            past: &[
                (
                    (1, 0.57),
                    20,
                    6,
                    &[
                        (1, 1, Some(5)),
                        (1, 0, Some(4)),
                        (1, 1, Some(4)),
                        (1, 0, Some(3)),
                    ],
                    1,
                ),
                (
                    (0, 0.26),
                    20,
                    6,
                    &[
                        (1, 1, Some(5)),
                        (1, 1, Some(5)),
                        (1, 0, Some(4)),
                        (1, 2, None),
                    ],
                    1,
                ),
                (
                    (0, 0.88),
                    20,
                    6,
                    &[(1, 0, Some(5)), (1, 1, Some(4)), (1, 1, Some(2))],
                    0,
                ),
            ],
            upcoming: &[
                (14, 20, 6, &[(1, 1)]),
                (45, 2, 1, &[(1, 1), (1, 0), (1, 0)]),
            ],
        },
        DemoProgram {
            organizer: "元気保育園",
            kind: K::ChildcareExperience,
            title: "元気保育園 プレママ・プレパパ保育体験",
            summary: "出産を控えた方が、保育士と一緒におむつ替えや抱っこを体験できます。",
            description: "園の0〜3歳児クラスで、保育士の助言を受けながら育児を体験します。子育ての相談もできます。",
            categories: &[C::Childcare, C::Parenting],
            audiences: &[A::ExpectantParents],
            child_age_months: (None, None),
            residents_only: true,
            max_party_size: 2,
            venue: "元気保育園",
            past: &[((0, 0.63), 6, 0, &[(2, 0, Some(5)), (1, 0, Some(5))], 0)],
            upcoming: &[(21, 6, 0, &[])],
        },
        DemoProgram {
            organizer: "前橋市役所",
            kind: K::RelocationFair,
            title: "前橋市 移住相談会",
            summary: "前橋での暮らし・仕事・子育てについて、移住コンシェルジュに個別に相談できます。",
            description: "住まい、仕事探し、子育て支援制度など、移住に関するご相談に応じます。ご家族での参加も歓迎です。",
            categories: &[C::Relocation],
            audiences: &[A::Everyone],
            child_age_months: (None, None),
            residents_only: false,
            max_party_size: 6,
            venue: "前橋市役所 11階 会議室",
            past: &[((1, 0.62), 30, 0, &[(2, 0, Some(4)), (2, 0, Some(5))], 0)],
            upcoming: &[(30, 30, 0, &[(2, 0)])],
        },
        DemoProgram {
            organizer: "前橋市役所",
            kind: K::ParentingClass,
            title: "赤ちゃんとママ・パパの子育て講座",
            summary: "妊娠中の方と0歳児の保護者のための講座。離乳食、予防接種の受け方、一時保育の使い方を保健師がお話しします。",
            description: "会場は東地区の公民館です。お子さま連れで参加できます。プレママ・プレパパの参加も歓迎です。",
            categories: &[C::Parenting],
            audiences: &[A::ExpectantParents, A::Guardians],
            child_age_months: (Some(0), Some(12)),
            residents_only: true,
            max_party_size: 3,
            venue: "前橋市 東公民館 和室",
            past: &[],
            upcoming: &[(16, 12, 0, &[])],
        },
        DemoProgram {
            organizer: "前橋市役所",
            kind: K::EducationWorkshop,
            title: "木のおもちゃ体験会",
            summary: "地元の木工職人と一緒に、やすりがけから色ぬりまで木のおもちゃを手づくりする体験会です。",
            description: "小学生と保護者が対象。つくったおもちゃは持ち帰れます。エプロンをお持ちください。",
            categories: &[C::Art],
            audiences: &[A::Children, A::Guardians],
            child_age_months: (Some(72), Some(144)),
            residents_only: false,
            max_party_size: 4,
            venue: "前橋市 中央公民館 工作室",
            past: &[],
            upcoming: &[(24, 10, 0, &[])],
        },
    ];
    const MANAZURU: [DemoProgram; 4] = [
        DemoProgram {
            organizer: "真鶴町立中川一政美術館",
            kind: K::EducationWorkshop,
            title: "中川一政美術館 親子鑑賞会",
            summary: "学芸員と一緒に中川一政の作品をじっくり鑑賞する親子向けの鑑賞会です。",
            description: "作品を見て感じたことを言葉にしながら鑑賞します。最後に小さな絵を描く体験学習もあります。",
            categories: &[C::Art],
            audiences: &[A::Children, A::Guardians],
            child_age_months: (Some(48), Some(144)),
            residents_only: false,
            max_party_size: 4,
            venue: "真鶴町立中川一政美術館",
            past: &[
                ((2, 0.6), 12, 0, &[(1, 1, Some(4)), (1, 1, Some(4))], 0),
                (
                    (1, 0.52),
                    12,
                    0,
                    &[(1, 1, Some(5)), (1, 1, Some(4)), (2, 2, Some(4))],
                    1,
                ),
                (
                    (0, 0.75),
                    12,
                    0,
                    &[
                        (1, 1, Some(5)),
                        (1, 2, Some(5)),
                        (1, 1, Some(5)),
                        (2, 1, Some(3)),
                    ],
                    0,
                ),
            ],
            upcoming: &[(10, 12, 0, &[(1, 1)]), (40, 12, 0, &[])],
        },
        DemoProgram {
            organizer: "真鶴半島自然観察センター",
            kind: K::EducationWorkshop,
            title: "お林と磯の自然観察 体験学習",
            summary: "魚付き保安林「お林」と三ツ石の磯で、生きものを観察する体験学習です。",
            description: "自然観察指導員の案内で、森と海のつながりを学びます。動きやすい服装でお越しください。",
            categories: &[C::Nature, C::Science],
            audiences: &[A::Children, A::Guardians],
            child_age_months: (Some(72), Some(180)),
            residents_only: false,
            max_party_size: 4,
            venue: "真鶴半島自然観察センター 集合",
            past: &[
                ((2, 0.45), 15, 0, &[(1, 0, Some(4)), (1, 1, Some(5))], 0),
                ((1, 0.6), 15, 0, &[(1, 0, Some(5)), (1, 0, Some(4))], 0),
                ((0, 0.38), 15, 0, &[(1, 0, Some(5)), (2, 0, Some(5))], 1),
            ],
            upcoming: &[(20, 15, 0, &[])],
        },
        DemoProgram {
            organizer: "真鶴町民図書館",
            kind: K::EducationWorkshop,
            title: "図書館のおはなし会と絵本づくり",
            summary: "読み聞かせのあと、自分だけの小さな絵本をつくります。",
            description: "図書館司書による読み聞かせと、絵本づくりのワークショップです。",
            categories: &[C::Reading, C::Art],
            audiences: &[A::Children, A::Guardians],
            child_age_months: (Some(36), Some(96)),
            residents_only: false,
            max_party_size: 4,
            venue: "真鶴町民図書館 おはなしコーナー",
            past: &[((0, 0.18), 10, 0, &[(1, 0, Some(4)), (1, 0, Some(4))], 0)],
            upcoming: &[(12, 10, 0, &[])],
        },
        DemoProgram {
            organizer: "真鶴町子育て支援センター",
            kind: K::ParentingClass,
            title: "子育て学級",
            summary: "0〜3歳の子どもと保護者が一緒に遊び、子育ての悩みを話し合う学級です。",
            description: "保健師・保育士を交えて、離乳食、ねんね、遊びなどをテーマに話し合います。町内にお住まいの方が対象です。",
            categories: &[C::Parenting],
            audiences: &[A::Guardians, A::Children],
            child_age_months: (Some(0), Some(36)),
            residents_only: true,
            max_party_size: 3,
            venue: "真鶴町子育て支援センター",
            past: &[
                ((1, 0.55), 8, 0, &[(1, 0, Some(4)), (1, 0, Some(3))], 0),
                ((0, 0.8), 8, 0, &[(1, 0, Some(5)), (1, 0, Some(4))], 1),
            ],
            // A weekly class: the next four weeks, for `registerForSeries`.
            upcoming: &[
                (7, 8, 0, &[]),
                (14, 8, 0, &[]),
                (21, 8, 0, &[]),
                (28, 8, 0, &[]),
            ],
        },
    ];
    for (slug, demo_programs) in [("maebashi", &MAEBASHI[..]), ("manazuru", &MANAZURU[..])] {
        for demo in demo_programs {
            demo_program(db, slug, demo).await?;
        }
    }
    Ok(())
}

async fn demo_program(
    db: &DatabaseConnection,
    slug: &str,
    demo: &DemoProgram,
) -> anyhow::Result<()> {
    use entity::{program, program_session, program_survey, registration, registration_child};

    use crate::domains::programs::{registration as rules, service as programs};

    let staff_like = |email: String| async move {
        let user = entity::user::Entity::find()
            .filter(entity::user::Column::Email.eq(email.as_str()))
            .one(db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo account {email} missing"))?;
        Ok::<_, anyhow::Error>(user)
    };
    let admin = staff_like(format!("{slug}-admin@example.jp")).await?;
    let resident = staff_like(format!("{slug}-resident@example.jp")).await?;
    let municipality_id = admin
        .municipality_id
        .ok_or_else(|| anyhow::anyhow!("demo admin of {slug} has no municipality"))?;
    let exists = program::Entity::find()
        .filter(program::Column::MunicipalityId.eq(municipality_id))
        .filter(program::Column::Title.eq(demo.title))
        .one(db)
        .await?
        .is_some();
    if exists {
        return Ok(());
    }
    let organizer = organization::Entity::find()
        .filter(organization::Column::MunicipalityId.eq(municipality_id))
        .filter(organization::Column::Name.eq(demo.organizer))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo organizer {} missing", demo.organizer))?;
    let as_viewer = |user: &entity::user::Model| Viewer {
        user: Some(AuthUser {
            id: user.id,
            role: user.role,
            municipality_id: user.municipality_id,
            organization_id: user.organization_id,
            session_id: Uuid::nil(),
        }),
        client_ip: IpAddr::from([127, 0, 0, 1]),
    };
    let admin_viewer = as_viewer(&admin);
    let ctx = ServiceContext::quiet(db);
    let created = done(
        programs::create_program(
            ctx,
            &admin_viewer,
            programs::NewProgram {
                organizer_id: Some(organizer.id),
                fields: programs::ProgramFields {
                    kind: demo.kind,
                    title: demo.title.into(),
                    title_reading: title_reading(demo.title),
                    summary: demo.summary.into(),
                    description: demo.description.into(),
                    categories: demo.categories.to_vec(),
                    audiences: demo.audiences.to_vec(),
                    child_min_age_months: demo.child_age_months.0,
                    child_max_age_months: demo.child_age_months.1,
                    residents_only: demo.residents_only,
                    max_party_size: demo.max_party_size,
                    fee_yen: 0,
                    accessibility_notes: Some(
                        "会場はバリアフリーです。授乳・おむつ替えのスペースがあります。".into(),
                    ),
                },
                publish: true,
                idempotency_key: None,
            },
        )
        .await,
    )?;
    let today = crate::fiscal::today();
    for ((years_back, share), capacity, childcare_slots, attendees, no_shows) in demo.past {
        let starts_at = at_ten(demo_day(*years_back, *share));
        let session_id = Uuid::now_v7();
        // Children stay in the 託児 where there is one, else with their guardian.
        let in_childcare = *childcare_slots > 0;
        let seat_of = |adults: i32, kids: i32| if in_childcare { adults } else { adults + kids };
        let seats: i32 = attendees
            .iter()
            .map(|(adults, kids, _)| seat_of(*adults, *kids))
            .sum::<i32>()
            + no_shows;
        let childcare: i32 = if in_childcare {
            attendees.iter().map(|(_, kids, _)| kids).sum()
        } else {
            0
        };
        program_session::ActiveModel {
            id: Set(session_id),
            municipality_id: Set(municipality_id),
            program_id: Set(created.id),
            starts_at: Set(starts_at),
            ends_at: Set(starts_at + Duration::hours(2)),
            venue: Set(Some(demo.venue.into())),
            online_url: Set(None),
            capacity: Set(*capacity),
            childcare_slots: Set(*childcare_slots),
            registration_opens_at: Set(starts_at - Duration::days(30)),
            registration_closes_at: Set(starts_at - Duration::days(1)),
            cancellation_deadline: Set(starts_at - Duration::days(1)),
            seats_taken: Set(seats),
            childcare_taken: Set(childcare),
            status: Set(program_session::SessionStatus::Scheduled),
            cancelled_at: Set(None),
            cancel_reason: Set(None),
            created_at: Set(starts_at - Duration::days(30)),
            updated_at: Set(starts_at + Duration::hours(2)),
        }
        .insert(db)
        .await?;
        let parties = attendees
            .iter()
            .map(|(adults, kids, score)| (*adults, *kids, Some(*score)))
            .chain((0..*no_shows).map(|_| (1, 0, None)));
        for (index, (adults, kids, attended)) in parties.enumerate() {
            let id = Uuid::now_v7();
            // The demo resident is the first attendee of each past session of their town.
            let user_id = (index == 0).then_some(resident.id);
            let guest = |text: &str| (index != 0).then(|| text.to_owned());
            let status = if attended.is_some() {
                registration::RegistrationStatus::Attended
            } else {
                registration::RegistrationStatus::NoShow
            };
            registration::ActiveModel {
                id: Set(id),
                municipality_id: Set(municipality_id),
                program_id: Set(created.id),
                session_id: Set(session_id),
                user_id: Set(user_id),
                guest_name: Set(guest(&format!("参加者 {}", index + 1))),
                guest_kana: Set(guest("サンカシャ")),
                guest_email: Set(guest(&format!("guest{}@example.jp", index + 1))),
                guest_phone: Set(guest("090-0000-0000")),
                manage_token_hash: Set(None),
                adults: Set(adults),
                children: Set(kids),
                seats: Set(seat_of(adults, kids)),
                childcare: Set(if in_childcare { kids } else { 0 }),
                status: Set(status),
                check_in_code: Set(format!("PAST{index:02}")),
                offer_expires_at: Set(None),
                checked_in_at: Set(attended.map(|_| starts_at)),
                cancelled_at: Set(None),
                cancel_reason: Set(None),
                created_at: Set(starts_at - Duration::days(10)),
                updated_at: Set(starts_at),
            }
            .insert(db)
            .await?;
            for _ in 0..kids {
                registration_child::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    municipality_id: Set(municipality_id),
                    registration_id: Set(id),
                    birth_date: Set(None),
                    age_months_at_session: Set(demo.child_age_months.0.unwrap_or(12) + 6),
                    needs_childcare: Set(in_childcare),
                }
                .insert(db)
                .await?;
            }
            if let Some(Some(score)) = attended {
                program_survey::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    municipality_id: Set(municipality_id),
                    program_id: Set(created.id),
                    session_id: Set(session_id),
                    registration_id: Set(id),
                    score: Set(score),
                    comment: Set((score >= 5)
                        .then(|| "とても参考になりました。また参加したいです。".to_owned())),
                    fiscal_year: Set(crate::fiscal::year_of(starts_at)),
                    submitted_at: Set(starts_at + Duration::hours(3)),
                }
                .insert(db)
                .await?;
            }
        }
    }

    // Past sessions were written directly: the program's start date follows them.
    programs::refresh_first_session(db, created.id).await?;
    for (days_ahead, capacity, childcare_slots, parties) in demo.upcoming {
        let starts_at = at_ten(today + Duration::days(*days_ahead));
        let sessions = done(
            programs::create_sessions(
                ctx,
                &admin_viewer,
                programs::NewSessions {
                    program_id: created.id,
                    starts_at,
                    ends_at: starts_at + Duration::hours(2),
                    venue: Some(demo.venue.into()),
                    online_url: None,
                    capacity: *capacity,
                    childcare_slots: *childcare_slots,
                    registration_opens_at: None,
                    registration_closes_at: Some(starts_at - Duration::days(1)),
                    cancellation_deadline: Some(starts_at - Duration::days(2)),
                    repeat: None,
                    idempotency_key: None,
                },
            )
            .await,
        )?;
        let Some(session) = sessions.first() else {
            continue;
        };
        for (index, (adults, kids)) in parties.iter().enumerate() {
            let child_age = demo.child_age_months.0.unwrap_or(12) + 6;
            let children = (0..*kids)
                .map(|_| rules::ChildInput {
                    birth_date: None,
                    age_months: Some(child_age),
                    needs_childcare: *childcare_slots > 0,
                })
                .collect();
            let (viewer, guest) = if index == 0 {
                (as_viewer(&resident), None)
            } else {
                (
                    Viewer::anonymous(IpAddr::from([127, 0, 0, 1])),
                    Some(programs::GuestInput {
                        name: format!("申込者 {index}"),
                        kana: "モウシコミシャ".into(),
                        email: format!("{slug}-guest{index}@example.jp"),
                        phone: "090-1234-5678".into(),
                    }),
                )
            };
            done(
                programs::register(
                    ctx,
                    &viewer,
                    programs::NewRegistration {
                        session_id: session.id,
                        adults: *adults,
                        children,
                        guest,
                        idempotency_key: None,
                    },
                )
                .await,
            )?;
        }
    }
    Ok(())
}

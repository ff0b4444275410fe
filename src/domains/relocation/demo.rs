//! Demo data of the relocation domain: concierge profiles and inquiries in every stage of
//! the pipeline.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use secrecy::SecretString;

use crate::demo::{DEMO_PASSWORD, DemoAccount, DemoTown, at_ten, demo_day, done};
use crate::{auth::Role, domains::identity::service, fiscal, state::ServiceContext};

/// Extra concierges per demo municipality: (email suffix, name, kana, specialties,
/// languages, areas, capacity).
type DemoConcierge = (
    &'static str,
    &'static str,
    &'static str,
    &'static [entity::relocation_inquiry::Interest],
    &'static [&'static str],
    &'static [&'static str],
    i32,
);

/// Concierge profiles (the demo concierge and two colleagues per municipality) and
/// inquiries in every stage of the pipeline. Skipped where inquiries already exist.
pub async fn load(db: &DatabaseConnection, accounts: &mut Vec<DemoAccount>) -> anyhow::Result<()> {
    use crate::domains::relocation::service as relocation;
    use entity::relocation_inquiry::{CloseReason, InquiryStage as S, Interest as I};

    const CONCIERGES: [DemoConcierge; 3] = [
        (
            "concierge",
            "",
            "",
            &[I::Housing, I::Work],
            &["ja"],
            &["中心部"],
            3,
        ),
        (
            "concierge2",
            "相談 花子",
            "ソウダン ハナコ",
            &[I::Childcare, I::Education],
            &["ja", "en"],
            &["北部"],
            3,
        ),
        (
            "concierge3",
            "移住 健",
            "イジュウ ケン",
            &[I::Farming, I::BusinessStartup],
            &["ja"],
            &["南部"],
            2,
        ),
    ];
    for demo in &crate::domains::identity::demo::MUNICIPALITIES {
        let town = DemoTown::load(db, demo.slug).await?;
        for (suffix, name, kana, specialties, languages, areas, capacity) in CONCIERGES {
            let email = format!("{}-{suffix}@example.jp", demo.slug);
            let user = if name.is_empty() {
                entity::user::Entity::find()
                    .filter(entity::user::Column::Email.eq(email.as_str()))
                    .one(db)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("demo account {email} missing"))?
            } else {
                let (user, _) = service::ensure_user(
                    db,
                    &email,
                    SecretString::from(DEMO_PASSWORD),
                    name,
                    kana,
                    Role::Concierge,
                    Some(town.municipality_id),
                    None,
                )
                .await?;
                accounts.push(DemoAccount {
                    email: email.clone(),
                    role: Role::Concierge,
                    municipality: Some(demo.name_ja.to_owned()),
                });
                user
            };
            if entity::concierge_profile::Entity::find_by_id(user.id)
                .one(db)
                .await?
                .is_none()
            {
                done(
                    relocation::save_profile(
                        ServiceContext::quiet(db),
                        &town.admin,
                        relocation::ProfileInput {
                            user_id: user.id,
                            specialties: Some(specialties.to_vec()),
                            languages: Some(languages.iter().map(|l| (*l).to_owned()).collect()),
                            areas: Some(areas.iter().map(|a| (*a).to_owned()).collect()),
                            capacity: Some(capacity),
                            available: Some(true),
                            sees_all_inquiries: None,
                        },
                    )
                    .await,
                )?;
            }
        }
        let existing = entity::relocation_inquiry::Entity::find()
            .filter(entity::relocation_inquiry::Column::MunicipalityId.eq(town.municipality_id))
            .one(db)
            .await?;
        if existing.is_some() {
            continue;
        }
        // Families who moved in during the previous fiscal year, walked through the
        // pipeline at the times it happened, their follow-up done: last year's funnel and
        // people moved in.
        let settled: [(&str, &str, &[I], i32, f64); 3] = [
            (
                "松本 大樹",
                "マツモト ダイキ",
                &[I::Housing, I::Childcare],
                4,
                0.15,
            ),
            ("井上 美穂", "イノウエ ミホ", &[I::Work], 2, 0.35),
            ("木村 悠斗", "キムラ ユウト", &[I::Farming], 3, 0.5),
        ];
        for (n, (name, kana, interests, people, share)) in settled.into_iter().enumerate() {
            let quiet = ServiceContext::quiet(db);
            let day = |later: f64| demo_day(1, share + later);
            let receipt = done(
                relocation::create_inquiry(
                    quiet.as_of(at_ten(day(0.0))),
                    relocation::NewInquiry {
                        municipality_id: town.municipality_id,
                        name: name.into(),
                        name_kana: kana.into(),
                        email: Some(format!("settled{n}.{}@example.com", demo.slug)),
                        phone: Some(format!("090-1111-{n:04}")),
                        prefecture_code: Some(11),
                        adults: 2,
                        children_birth_months: if people > 2 {
                            vec!["2020-06".into()]
                        } else {
                            Vec::new()
                        },
                        interests: interests.to_vec(),
                        desired_timing: Some("半年以内".into()),
                        consent: true,
                        ..relocation::NewInquiry::default()
                    },
                )
                .await,
            )?;
            let id = receipt.inquiry_id;
            for (stage, later) in [
                (S::Contacted, 0.01),
                (S::Consulting, 0.04),
                (S::VisitScheduled, 0.08),
                (S::Decided, 0.15),
            ] {
                done(
                    relocation::move_stage(
                        quiet.as_of(at_ten(day(later))),
                        &town.admin,
                        relocation::StageMove {
                            inquiry_id: id,
                            to: stage,
                            note: None,
                        },
                    )
                    .await,
                )?;
            }
            done(
                relocation::record_move_in(
                    quiet.as_of(at_ten(day(0.25))),
                    &town.admin,
                    id,
                    relocation::MoveIn {
                        moved_in_on: day(0.25),
                        people,
                        area: Some("中心部".into()),
                    },
                )
                .await,
            )?;
            let follow_ups = entity::inquiry_task::Entity::find()
                .filter(entity::inquiry_task::Column::InquiryId.eq(id))
                .filter(entity::inquiry_task::Column::FollowUp.eq(true))
                .all(db)
                .await?;
            for task in follow_ups {
                let when = at_ten(task.due_on.min(fiscal::today()));
                done(relocation::complete_task(quiet.as_of(when), &town.admin, task.id).await)?;
            }
        }
        let families: [(&str, &str, &[I]); 11] = [
            ("山田 太郎", "ヤマダ タロウ", &[I::Housing]),
            ("佐藤 美咲", "サトウ ミサキ", &[I::Childcare, I::Housing]),
            ("鈴木 一郎", "スズキ イチロウ", &[I::Work]),
            ("高橋 由美", "タカハシ ユミ", &[I::Education]),
            ("田中 翔", "タナカ ショウ", &[I::Farming]),
            ("伊藤 さくら", "イトウ サクラ", &[I::BusinessStartup]),
            ("渡辺 健太", "ワタナベ ケンタ", &[I::Housing, I::Work]),
            ("中村 彩", "ナカムラ アヤ", &[I::Childcare]),
            ("小林 大輔", "コバヤシ ダイスケ", &[I::Work]),
            ("加藤 真理", "カトウ マリ", &[I::Healthcare]),
            ("吉田 陽介", "ヨシダ ヨウスケ", &[I::Other]),
        ];
        let now = crate::db::now();
        let quiet = ServiceContext::quiet(db).as_of(now);
        let mut ids = Vec::new();
        for (n, (name, kana, interests)) in families.into_iter().enumerate() {
            let receipt = done(
                relocation::create_inquiry(
                    quiet,
                    relocation::NewInquiry {
                        municipality_id: town.municipality_id,
                        name: name.into(),
                        name_kana: kana.into(),
                        email: Some(format!("family{n}.{}@example.com", demo.slug)),
                        // The last family gives the first one's phone, written otherwise:
                        // a possible duplicate pair for staff to see.
                        phone: Some(if n == 10 {
                            "０９０００００００００".to_owned()
                        } else {
                            format!("090-0000-{:04}", n)
                        }),
                        prefecture_code: Some(13),
                        adults: 2,
                        children_birth_months: if n % 2 == 0 {
                            vec!["2021-04".into()]
                        } else {
                            Vec::new()
                        },
                        interests: interests.to_vec(),
                        desired_timing: Some("1年以内".into()),
                        consent: true,
                        ..relocation::NewInquiry::default()
                    },
                )
                .await,
            )?;
            ids.push(receipt.inquiry_id);
            // After eight, advance the pipeline so that capacity frees for two of the last
            // three; the last one waits in the queue.
            if ids.len() == 8 {
                let steps: [(usize, &[S]); 5] = [
                    (1, &[S::Contacted]),
                    (2, &[S::Contacted, S::Consulting]),
                    (3, &[S::Contacted, S::Consulting, S::VisitScheduled]),
                    (4, &[S::Contacted, S::Consulting, S::Decided]),
                    (5, &[S::Contacted, S::Consulting, S::Decided]),
                ];
                for (index, stages) in steps {
                    for stage in stages {
                        done(
                            relocation::move_stage(
                                quiet,
                                &town.admin,
                                relocation::StageMove {
                                    inquiry_id: ids[index],
                                    to: *stage,
                                    note: None,
                                },
                            )
                            .await,
                        )?;
                    }
                }
                done(
                    relocation::record_move_in(
                        quiet,
                        &town.admin,
                        ids[5],
                        relocation::MoveIn {
                            moved_in_on: crate::fiscal::date_of(now),
                            people: 3,
                            area: Some("中心部".into()),
                        },
                    )
                    .await,
                )?;
                done(
                    relocation::close_inquiry(
                        quiet,
                        &town.admin,
                        ids[6],
                        CloseReason::NotNow,
                        Some("来年度に再検討".into()),
                    )
                    .await,
                )?;
                // The concierge's day: a task due today and a visit tomorrow at 10:00.
                let today = crate::fiscal::date_of(now);
                done(
                    relocation::create_task(
                        quiet,
                        &town.admin,
                        ids[2],
                        relocation::NewTask {
                            title: "空き家バンクの物件情報を送る".into(),
                            due_on: today,
                            owner_id: None,
                        },
                    )
                    .await,
                )?;
                done(
                    relocation::schedule_appointment(
                        quiet,
                        &town.admin,
                        ids[3],
                        relocation::Appointment {
                            at: at_ten(today + chrono::Duration::days(1)),
                            kind: relocation::AppointmentKind::Visit,
                            place: Some("役場 移住相談窓口".into()),
                        },
                    )
                    .await,
                )?;
            }
        }
    }
    Ok(())
}

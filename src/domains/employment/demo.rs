//! Demo data of the employment domain: job seekers of 前橋市女性就職支援センター over the
//! previous and the current fiscal year (relative to today in Japan), with placements of
//! every employment type and answered and open follow-ups, so the regular-employment KPI
//! has values in both years. Skipped where Maebashi already has enrollments.

use chrono::{Duration, NaiveDate};
use entity::{
    employment_enrollment::{self as enrollment, CloseReason, Gender, SupportTrack},
    employment_follow_up as follow_up,
    employment_placement::{self as placement, EmploymentType},
    registration::{self, RegistrationStatus},
    user,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder,
};
use std::net::IpAddr;
use uuid::Uuid;

use super::service::{self, NewEnrollment, NewPlacement, PersonInput};
use crate::{
    auth::{AuthUser, Viewer},
    demo::done,
    fiscal,
    state::ServiceContext,
};

/// One demo job seeker: name, kana, gender, track, consent, and the job found (employer,
/// industry, title, type, weekly hours), or none.
struct Seeker {
    name: &'static str,
    kana: &'static str,
    gender: Gender,
    track: SupportTrack,
    consent: bool,
    job: Option<(
        &'static str,
        &'static str,
        &'static str,
        EmploymentType,
        f64,
    )>,
}

const fn seeker(
    name: &'static str,
    kana: &'static str,
    gender: Gender,
    track: SupportTrack,
    job: Option<(
        &'static str,
        &'static str,
        &'static str,
        EmploymentType,
        f64,
    )>,
) -> Seeker {
    Seeker {
        name,
        kana,
        gender,
        track,
        consent: true,
        job,
    }
}

use EmploymentType as T;
use Gender as G;
use SupportTrack as S;

/// Placed in the previous fiscal year.
const PREVIOUS: [Seeker; 7] = [
    seeker(
        "高崎 美和",
        "タカサキ ミワ",
        G::Female,
        S::ReemploymentAfterChildcare,
        Some((
            "株式会社ぐんま介護サービス",
            "医療・福祉",
            "介護職員",
            T::PartTime,
            25.0,
        )),
    ),
    seeker(
        "桐生 真理",
        "キリュウ マリ",
        G::Female,
        S::CareerChange,
        Some((
            "前橋商工株式会社",
            "卸売・小売",
            "営業事務",
            T::Contract,
            35.0,
        )),
    ),
    seeker(
        "伊勢崎 彩",
        "イセサキ アヤ",
        G::Female,
        S::ReemploymentAfterChildcare,
        Some((
            "ワークスタッフ群馬",
            "製造",
            "検品スタッフ",
            T::Dispatch,
            37.5,
        )),
    ),
    seeker(
        "太田 恵",
        "オオタ メグミ",
        G::Female,
        S::CareerChange,
        Some(("前橋中央病院", "医療・福祉", "医療事務", T::Regular, 40.0)),
    ),
    seeker(
        "沼田 健二",
        "ヌマタ ケンジ",
        G::Male,
        S::CareerChange,
        Some(("上毛運輸株式会社", "運輸", "配車係", T::Regular, 40.0)),
    ),
    Seeker {
        consent: false,
        ..seeker(
            "渋川 ひかり",
            "シブカワ ヒカリ",
            G::NotStated,
            S::Other,
            Some((
                "ひかりデザイン室",
                "情報通信",
                "ウェブデザイナー",
                T::SelfEmployed,
                30.0,
            )),
        )
    },
    seeker(
        "藤岡 由香",
        "フジオカ ユカ",
        G::Female,
        S::FirstJob,
        Some(("まえばし農園", "農業", "農作業スタッフ", T::Other, 20.0)),
    ),
];

/// Placed (or still searching) in the current fiscal year.
const CURRENT: [Seeker; 6] = [
    seeker(
        "安中 直美",
        "アンナカ ナオミ",
        G::Female,
        S::ReemploymentAfterChildcare,
        Some((
            "株式会社あかぎワークス",
            "情報通信",
            "経理",
            T::Regular,
            38.75,
        )),
    ),
    seeker(
        "富岡 舞",
        "トミオカ マイ",
        G::Female,
        S::CareerChange,
        Some((
            "前橋市立図書館サービス",
            "公務",
            "図書館スタッフ",
            T::PartTime,
            20.0,
        )),
    ),
    seeker(
        "館林 結衣",
        "タテバヤシ ユイ",
        G::Female,
        S::FirstJob,
        Some(("赤城信用金庫", "金融", "窓口係", T::Regular, 40.0)),
    ),
    seeker(
        "吾妻 翔",
        "アガツマ ショウ",
        G::Male,
        S::CareerChange,
        Some(("群馬精機株式会社", "製造", "品質管理", T::Contract, 40.0)),
    ),
    seeker(
        "みどり 葵",
        "ミドリ アオイ",
        G::Other,
        S::ReemploymentAfterChildcare,
        Some((
            "ワークスタッフ群馬",
            "製造",
            "事務スタッフ",
            T::Dispatch,
            30.0,
        )),
    ),
    seeker(
        "片品 里奈",
        "カタシナ リナ",
        G::Female,
        S::ReemploymentAfterChildcare,
        None,
    ),
];

async fn account(db: &DatabaseConnection, email: &str) -> anyhow::Result<user::Model> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo account {email} missing"))
}

/// Loads the employment demo data of 前橋市.
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<()> {
    let staff = account(db, "maebashi-staff@example.jp").await?;
    let resident = account(db, "maebashi-resident@example.jp").await?;
    let municipality_id = staff
        .municipality_id
        .ok_or_else(|| anyhow::anyhow!("demo staff of maebashi has no municipality"))?;
    let existing = enrollment::Entity::find()
        .filter(enrollment::Column::MunicipalityId.eq(municipality_id))
        .count(db)
        .await?;
    if existing > 0 {
        return Ok(());
    }
    let viewer = Viewer {
        user: Some(AuthUser {
            id: staff.id,
            role: staff.role,
            municipality_id: staff.municipality_id,
            organization_id: staff.organization_id,
            session_id: Uuid::nil(),
        }),
        client_ip: IpAddr::from([127, 0, 0, 1]),
    };
    let today = fiscal::today();
    let this_year = fiscal::year_of_date(today);
    let (previous_start, _) = fiscal::dates(this_year - 1)
        .ok_or_else(|| anyhow::anyhow!("no fiscal year {}", this_year - 1))?;
    let (current_start, _) =
        fiscal::dates(this_year).ok_or_else(|| anyhow::anyhow!("no fiscal year {this_year}"))?;
    let not_after_today = |date: NaiveDate| date.min(today);

    // The demo resident, linked through her account: her seminars appear on the enrollment.
    let linked = done(
        service::enroll(
            ServiceContext::quiet(db),
            &viewer,
            NewEnrollment {
                municipality_id: Some(municipality_id),
                resident_id: Some(resident.id),
                person: None,
                gender: Some(Gender::Female),
                enrolled_on: previous_start + Duration::days(5),
                support_track: SupportTrack::ReemploymentAfterChildcare,
                follow_up_consent: true,
                notes: Some("女性活躍推進セミナーに参加。事務職を希望。".into()),
                advisor_id: None,
                registration_ids: Vec::new(),
                idempotency_key: None,
            },
        )
        .await,
    )?;
    let linked_job = done(
        service::record_placement(
            ServiceContext::quiet(db),
            &viewer,
            NewPlacement {
                enrollment_id: linked.id,
                employer_name: None,
                employer_organization_id: partner(db, municipality_id).await?,
                industry: "情報通信".into(),
                job_title: "総務事務".into(),
                employment_type: EmploymentType::Regular,
                weekly_hours: 40.0,
                start_date: previous_start + Duration::days(45),
                idempotency_key: None,
            },
        )
        .await,
    )?;
    answer_due_checkpoints(db, &linked_job, today, None).await?;
    done(
        service::close_enrollment(
            ServiceContext::quiet(db),
            &viewer,
            linked.id,
            CloseReason::FoundWork,
            Some(previous_start + Duration::days(45)),
            None,
        )
        .await,
    )?;

    // A seminar attended as a guest, who then enrolls as the first job seeker below with
    // the same name and email, and the seminar attached.
    let guest_seminar = registration::Entity::find()
        .filter(registration::Column::MunicipalityId.eq(municipality_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Attended))
        .filter(registration::Column::UserId.is_null())
        .order_by_asc(registration::Column::Id)
        .one(db)
        .await?;

    for (index, seeker) in PREVIOUS.iter().enumerate() {
        let offset = i64::try_from(index).unwrap_or(0) * 20;
        let enrolled_on = previous_start + Duration::days(10 + offset);
        let start = previous_start + Duration::days(60 + offset);
        let attended = guest_seminar.as_ref().filter(|_| index == 0);
        let job = enroll_and_place(db, &viewer, seeker, enrolled_on, start, attended).await?;
        if let Some(job) = job {
            // The part-time job of the first one turned regular at six months; the dispatch
            // job of the third one ended before six months.
            let twist = match index {
                0 => Some(Twist::BecameRegularAt(6)),
                2 => Some(Twist::LeftBefore(6)),
                _ => None,
            };
            answer_due_checkpoints(db, &job, today, twist).await?;
        }
    }
    for (index, seeker) in CURRENT.iter().enumerate() {
        let offset = i64::try_from(index).unwrap_or(0) * 12;
        let enrolled_on = not_after_today(current_start + Duration::days(offset / 3));
        let start = not_after_today(current_start + Duration::days(20 + offset));
        let job = enroll_and_place(db, &viewer, seeker, enrolled_on, start, None).await?;
        // The last placed one's checkpoints stay open: the advisor's due and overdue tasks.
        if let Some(job) = job
            && index + 2 < CURRENT.len()
        {
            answer_due_checkpoints(db, &job, today, None).await?;
        }
    }
    Ok(())
}

async fn partner(db: &DatabaseConnection, municipality_id: Uuid) -> anyhow::Result<Option<Uuid>> {
    use entity::organization;
    Ok(organization::Entity::find()
        .filter(organization::Column::MunicipalityId.eq(municipality_id))
        .filter(organization::Column::Name.eq("株式会社あかぎワークス"))
        .one(db)
        .await?
        .map(|organization| organization.id))
}

async fn enroll_and_place(
    db: &DatabaseConnection,
    viewer: &Viewer,
    seeker: &Seeker,
    enrolled_on: NaiveDate,
    start: NaiveDate,
    attended: Option<&registration::Model>,
) -> anyhow::Result<Option<placement::Model>> {
    // A guest who attended a seminar enrolls as who they registered as.
    let guest =
        |value: Option<&String>, fallback: &str| value.map_or(fallback.into(), Clone::clone);
    let enrolled = done(
        service::enroll(
            ServiceContext::quiet(db),
            viewer,
            NewEnrollment {
                municipality_id: None,
                resident_id: None,
                person: Some(PersonInput {
                    name: guest(attended.and_then(|r| r.guest_name.as_ref()), seeker.name),
                    name_kana: guest(attended.and_then(|r| r.guest_kana.as_ref()), seeker.kana),
                    email: attended.and_then(|r| r.guest_email.clone()),
                    phone: Some("027-000-0000".into()),
                }),
                gender: Some(seeker.gender),
                enrolled_on,
                support_track: seeker.track,
                follow_up_consent: seeker.consent,
                notes: None,
                advisor_id: None,
                registration_ids: attended.map(|r| r.id).into_iter().collect(),
                idempotency_key: None,
            },
        )
        .await,
    )?;
    let Some((employer, industry, title, kind, hours)) = seeker.job else {
        return Ok(None);
    };
    let job = done(
        service::record_placement(
            ServiceContext::quiet(db),
            viewer,
            NewPlacement {
                enrollment_id: enrolled.id,
                employer_name: Some(employer.into()),
                employer_organization_id: None,
                industry: industry.into(),
                job_title: title.into(),
                employment_type: kind,
                weekly_hours: hours,
                start_date: start,
                idempotency_key: None,
            },
        )
        .await,
    )?;
    Ok(Some(job))
}

/// Something that happened to a demo job at a checkpoint.
#[derive(Clone, Copy)]
enum Twist {
    /// It turned regular at this checkpoint.
    BecameRegularAt(i32),
    /// It ended before this checkpoint.
    LeftBefore(i32),
}

/// Answers the checkpoints of `job` that fell due more than a week ago, two days after
/// their due date.
async fn answer_due_checkpoints(
    db: &DatabaseConnection,
    job: &placement::Model,
    today: NaiveDate,
    twist: Option<Twist>,
) -> anyhow::Result<()> {
    let checkpoints = follow_up::Entity::find()
        .filter(follow_up::Column::PlacementId.eq(job.id))
        .order_by_asc(follow_up::Column::CheckpointMonths)
        .all(db)
        .await?;
    let mut kind = job.employment_type;
    let mut employed = true;
    for checkpoint in checkpoints {
        if checkpoint.due_on + Duration::days(7) > today {
            continue;
        }
        let months = checkpoint.checkpoint_months;
        let due_on = checkpoint.due_on;
        let mut became_regular = false;
        match twist {
            Some(Twist::BecameRegularAt(at)) if at == months && kind != T::Regular => {
                kind = T::Regular;
                became_regular = true;
            }
            Some(Twist::LeftBefore(at)) if at == months => employed = false,
            _ => {}
        }
        let recorded_at = checkpoint.due_at + Duration::days(2);
        let mut active = checkpoint.into_active_model();
        active.recorded_at = Set(Some(recorded_at));
        active.recorded_by = Set(Some(job.created_by));
        active.still_employed = Set(Some(employed));
        active.employment_type = Set(employed.then_some(kind));
        active.became_regular = Set(became_regular);
        active.note = Set(Some(if became_regular {
            "正社員に登用されました。".to_owned()
        } else if employed {
            "順調に勤務中。".to_owned()
        } else {
            "契約満了で離職。再登録を案内。".to_owned()
        }));
        active.update(db).await?;
        if became_regular {
            let mut changed = job.clone().into_active_model();
            changed.current_employment_type = Set(T::Regular);
            // Made regular a month before the checkpoint asked.
            let converted_on = (due_on - Duration::days(30)).max(job.start_date);
            changed.converted_to_regular_on = Set(Some(converted_on));
            changed.update(db).await?;
        }
    }
    Ok(())
}

//! Demo data of infant and dental checkups for 北九州市: the city's checkup types, codes and
//! O1/O2 rule, a registered dental clinic with staff and slots, and the demo resident's
//! children with checkups across FY2025 and FY2026 — medical and dental results (one from
//! paper), a 精密検診受診票 issued and still outstanding, one used, and a 4か月 checkup
//! booked with its 問診票. Skipped where the dental clinic already has slots.

use std::collections::BTreeMap;

use chrono::{Duration, Months, NaiveDate};
use entity::{
    health_checkup as checkup,
    health_checkup_booking::{self as checkup_booking, BookingStatus},
    health_checkup_type as checkup_type, health_child as child, health_slot as slot,
    organization::OrganizationKind,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use secrecy::SecretString;
use uuid::Uuid;

use super::catalogue::Sex;
use super::checkup_rules::{self, CariesScheme, Risks, ToothStatus};
use super::service as health;
use super::source::RecordSource;
use crate::auth::{AuthUser, Role, Viewer};
use crate::demo::{DEMO_PASSWORD, DemoAccount, DemoTown, at_ten, done};
use crate::domains::identity::{demo::ensure_organization, service as identity};
use crate::state::ServiceContext;

fn viewer_of(user: &entity::user::Model) -> Viewer {
    Viewer {
        user: Some(AuthUser {
            id: user.id,
            role: user.role,
            municipality_id: user.municipality_id,
            organization_id: user.organization_id,
            session_id: Uuid::nil(),
        }),
        client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
    }
}

/// What a past demo result holds.
struct Past<'a> {
    child: &'a child::Model,
    kind: &'a checkup_type::Model,
    clinic: Uuid,
    recorded_by: Uuid,
    on: NaiveDate,
    source: RecordSource,
    judgement: &'a str,
    referral: Option<(&'a str, Option<(NaiveDate, &'a str)>)>,
    teeth: Option<Vec<(&'a str, ToothStatus)>>,
    plaque: i32,
}

/// Writes a past result as the clinic recorded it then (with its attended booking on a
/// slot of that day for app results).
async fn past(
    db: &DatabaseConnection,
    rule: &checkup_rules::O2Rule,
    p: Past<'_>,
) -> anyhow::Result<()> {
    let at = at_ten(p.on);
    let medical = p.teeth.is_none();
    let booking_id = if p.source == RecordSource::App {
        let slot_id = Uuid::now_v7();
        slot::ActiveModel {
            id: Set(slot_id),
            municipality_id: Set(p.child.municipality_id),
            clinic_id: Set(p.clinic),
            day: Set(p.on),
            starts_at: Set(at - Duration::hours(1)),
            ends_at: Set(at),
            capacity: Set(4),
            booked: Set(1),
            antigens: Set("[]".to_owned()),
            created_at: Set(at - Duration::days(14)),
            cancelled_at: Set(None),
        }
        .insert(db)
        .await?;
        let id = Uuid::now_v7();
        checkup_booking::ActiveModel {
            id: Set(id),
            municipality_id: Set(p.child.municipality_id),
            clinic_id: Set(p.clinic),
            slot_id: Set(slot_id),
            child_id: Set(p.child.id),
            guardian_user_id: Set(p.child.guardian_user_id.unwrap_or_default()),
            checkup_type_id: Set(p.kind.id),
            day: Set(p.on),
            status: Set(BookingStatus::Attended),
            answers: Set(
                r#"{"CONVULSION":"NO","SNACKS_IRREGULAR":"YES","BOTTLE":"NO","BRUSHING":"YES"}"#
                    .to_owned(),
            ),
            created_at: Set(at - Duration::days(10)),
            updated_at: Set(at),
        }
        .insert(db)
        .await?;
        Some(id)
    } else {
        None
    };
    let findings: Vec<serde_json::Value> = health::areas_of(p.kind)
        .into_iter()
        .map(|a| {
            let abnormal = p.judgement == "DETAILED" && a.code == "SPEECH";
            serde_json::json!({
                "area": a.code,
                "abnormal": abnormal,
                "note": abnormal.then_some("有意語が少ない"),
            })
        })
        .collect();
    let grid: Option<BTreeMap<String, ToothStatus>> = p
        .teeth
        .map(|teeth| teeth.into_iter().map(|(c, s)| (c.to_owned(), s)).collect());
    let scheme = health::scheme_of(p.kind).unwrap_or(CariesScheme::ThreeYears);
    let risks = Risks {
        plaque: p.plaque,
        snacks: true,
        bottle: false,
    };
    let months = checkup_rules::age_in_months(p.child.birth_date, p.on);
    checkup::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(p.child.municipality_id),
        child_id: Set(p.child.id),
        checkup_type_id: Set(p.kind.id),
        clinic_id: Set(Some(p.clinic)),
        booking_id: Set(booking_id),
        source: Set(p.source),
        examined_on: Set(p.on),
        age_months: Set(months),
        height_cm: Set(medical.then_some(if months < 30 { 82.4 } else { 95.1 })),
        weight_kg: Set(medical.then_some(if months < 30 { 11.2 } else { 14.3 })),
        head_cm: Set(medical.then_some(if months < 30 { 47.0 } else { 49.2 })),
        urine: Set((medical && p.kind.has_urine).then(|| {
            r#"{"protein":"negative","sugar":"negative","occult_blood":"negative"}"#.to_owned()
        })),
        findings: Set(serde_json::Value::Array(findings).to_string()),
        judgement_code: Set(p.judgement.to_owned()),
        remarks: Set(None),
        referral_status: Set(match p.referral {
            None => "none",
            Some((_, None)) => "issued",
            Some((_, Some(_))) => "used",
        }
        .to_owned()),
        referral_issued_on: Set(p.referral.map(|_| p.on)),
        referral_to: Set(p.referral.map(|(to, _)| to.to_owned())),
        referral_used_on: Set(p.referral.and_then(|(_, used)| used.map(|(on, _)| on))),
        referral_result: Set(p
            .referral
            .and_then(|(_, used)| used.map(|(_, result)| result.to_owned()))),
        caries_count: Set(grid.as_ref().map(checkup_rules::caries_count)),
        caries_type: Set(grid
            .as_ref()
            .map(|g| checkup_rules::caries_type(scheme, g, rule, risks).to_owned())),
        teeth: Set(grid.as_ref().map(health::grid_json)),
        plaque: Set(grid.as_ref().map(|_| p.plaque)),
        gums_mucosa_abnormal: Set(grid.as_ref().map(|_| false)),
        occlusion_abnormal: Set(grid.as_ref().map(|_| false)),
        fluoride_applied: Set(grid.as_ref().map(|_| true)),
        snacks_risk: Set(grid.as_ref().map(|_| true)),
        bottle_risk: Set(grid.as_ref().map(|_| false)),
        recorded_by: Set(p.recorded_by),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The twenty primary teeth, sound.
fn primary_teeth() -> Vec<(&'static str, ToothStatus)> {
    let codes: [&str; 20] = [
        "UR_A", "UR_B", "UR_C", "UR_D", "UR_E", "UL_A", "UL_B", "UL_C", "UL_D", "UL_E", "LL_A",
        "LL_B", "LL_C", "LL_D", "LL_E", "LR_A", "LR_B", "LR_C", "LR_D", "LR_E",
    ];
    codes.into_iter().map(|c| (c, ToothStatus::Sound)).collect()
}

/// Loads the checkup demo of 北九州市.
pub async fn load(db: &DatabaseConnection, accounts: &mut Vec<DemoAccount>) -> anyhow::Result<()> {
    let town = DemoTown::load(db, "kitakyushu").await?;
    health::seed_standard_checkups(db, town.municipality_id).await?;
    let dental_id = ensure_organization(
        db,
        town.municipality_id,
        OrganizationKind::Clinic,
        "戸畑こども歯科",
        "トバタコドモシカ",
    )
    .await?;
    let email = "kitakyushu-dental@example.jp".to_owned();
    let (dentist, _) = identity::ensure_user(
        db,
        &email,
        SecretString::from(DEMO_PASSWORD),
        "戸畑 歯子",
        "トバタ ハコ",
        Role::ProgramStaff,
        Some(town.municipality_id),
        Some(dental_id),
    )
    .await?;
    accounts.push(DemoAccount {
        email,
        role: Role::ProgramStaff,
        municipality: Some("北九州市".to_owned()),
    });
    let dental_clinic = entity::organization::Entity::find_by_id(dental_id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo dental clinic missing"))?;
    let ctx = ServiceContext::quiet(db);
    health::register_dental_clinic(db, &dental_clinic, ctx.now()).await?;
    let existing = slot::Entity::find()
        .filter(slot::Column::ClinicId.eq(dental_id))
        .count(db)
        .await?;
    if existing > 0 {
        return Ok(());
    }
    let dentist = viewer_of(&dentist);
    let today = crate::fiscal::today();
    let slots = (1..=14)
        .map(|days| {
            let day = today + Duration::days(days);
            health::NewSlot {
                starts_at: at_ten(day) + Duration::hours(4),
                ends_at: at_ten(day) + Duration::hours(6),
                capacity: 4,
            }
        })
        .collect();
    done(
        health::create_slots(
            ctx,
            &dentist,
            health::NewSlots {
                slots,
                antigens: Vec::new(),
                idempotency_key: None,
            },
        )
        .await,
    )?;

    let types = health::checkup_types_of(db, town.municipality_id).await?;
    let kind = |code: &str| {
        types
            .iter()
            .find(|t| t.code == code)
            .ok_or_else(|| anyhow::anyhow!("checkup type {code} missing"))
    };
    let rule = health::o2_rule_of(db, town.municipality_id).await?;
    let medical_clinic = entity::organization::Entity::find()
        .filter(entity::organization::Column::MunicipalityId.eq(town.municipality_id))
        .filter(entity::organization::Column::Name.eq("小倉こどもクリニック"))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo clinic missing"))?;
    let doctor = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq("kitakyushu-clinic@example.jp"))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo clinic account missing"))?;
    let dentist_id = dentist.user.as_ref().map(|u| u.id).unwrap_or_default();
    let guardian = &town.resident;
    let register = |name: &'static str, kana: &'static str, birth: NaiveDate, sex: Sex| async move {
        done(
            health::register_child(
                ctx,
                guardian,
                health::NewChild {
                    name: name.to_owned(),
                    name_kana: kana.to_owned(),
                    birth_date: birth,
                    sex,
                    idempotency_key: None,
                },
            )
            .await,
        )
    };
    let months_ago = |months: u32| {
        today
            .checked_sub_months(Months::new(months))
            .ok_or_else(|| anyhow::anyhow!("demo date out of range"))
    };

    // 1. Born 28 months ago: the 1歳6か月 checkups were in FY2025 (at 1y7m), with a
    // referral for speech used a month later, and the dental one with caries on the
    // upper front teeth.
    let older = register("北九 颯太", "キタキュウ ソウタ", months_ago(28)?, Sex::Male).await?;
    let fy2025 = older
        .birth_date
        .checked_add_months(Months::new(19))
        .ok_or_else(|| anyhow::anyhow!("demo date out of range"))?;
    past(
        db,
        &rule,
        Past {
            child: &older,
            kind: kind("INFANT_1Y6M")?,
            clinic: medical_clinic.id,
            recorded_by: doctor.id,
            on: fy2025,
            source: RecordSource::App,
            judgement: "DETAILED",
            referral: Some((
                "北九州市立総合療育センター",
                Some((
                    fy2025 + Duration::days(30),
                    "言語発達の遅れなし。経過観察。",
                )),
            )),
            teeth: None,
            plaque: 0,
        },
    )
    .await?;
    let mut teeth = primary_teeth();
    teeth.truncate(16);
    teeth[0].1 = ToothStatus::Decayed;
    past(
        db,
        &rule,
        Past {
            child: &older,
            kind: kind("DENTAL_1Y6M")?,
            clinic: dental_id,
            recorded_by: dentist_id,
            on: fy2025 + Duration::days(3),
            source: RecordSource::App,
            judgement: "TREATMENT",
            referral: None,
            teeth: Some(teeth),
            plaque: 1,
        },
    )
    .await?;

    // 2. Born 40 months ago: the 3歳 checkups in FY2026, the medical one copied from the
    // paper 健康診査票, the dental one caries-free.
    let three = register("北九 美羽", "キタキュウ ミウ", months_ago(40)?, Sex::Female).await?;
    let fy2026 = three
        .birth_date
        .checked_add_months(Months::new(37))
        .ok_or_else(|| anyhow::anyhow!("demo date out of range"))?;
    past(
        db,
        &rule,
        Past {
            child: &three,
            kind: kind("INFANT_3Y")?,
            clinic: medical_clinic.id,
            recorded_by: doctor.id,
            on: fy2026,
            source: RecordSource::Paper,
            judgement: "NORMAL",
            referral: None,
            teeth: None,
            plaque: 0,
        },
    )
    .await?;
    past(
        db,
        &rule,
        Past {
            child: &three,
            kind: kind("DENTAL_3Y")?,
            clinic: dental_id,
            recorded_by: dentist_id,
            on: fy2026 + Duration::days(7),
            source: RecordSource::App,
            judgement: "NORMAL",
            referral: None,
            teeth: Some(primary_teeth()),
            plaque: 0,
        },
    )
    .await?;

    // 3. Born 20 months ago: the 1歳6か月 checkup last week, 要精密 with the referral
    // still outstanding.
    let toddler = register("北九 芽生", "キタキュウ メイ", months_ago(20)?, Sex::Female).await?;
    past(
        db,
        &rule,
        Past {
            child: &toddler,
            kind: kind("INFANT_1Y6M")?,
            clinic: medical_clinic.id,
            recorded_by: doctor.id,
            on: today - Duration::days(7),
            source: RecordSource::App,
            judgement: "DETAILED",
            referral: Some(("北九州市立八幡病院 小児科", None)),
            teeth: None,
            plaque: 0,
        },
    )
    .await?;

    // 4. Born 100 days ago: the 4か月 checkup booked in a week with the 問診票.
    let baby = register(
        "北九 さくら",
        "キタキュウ サクラ",
        today - Duration::days(100),
        Sex::Female,
    )
    .await?;
    let four = kind("INFANT_4M")?;
    let open = health::list_slots(
        ctx,
        health::SlotFilter {
            municipality_id: town.municipality_id,
            clinic_id: Some(medical_clinic.id),
            from: today + Duration::days(7),
            to: today + Duration::days(7),
            has_free_places: true,
        },
    )
    .await?;
    if let Some(slot) = open.first() {
        let answers = [
            ("NECK_CONTROL", "YES"),
            ("FOLLOWS_EYES", "YES"),
            ("FEEDING", "NO"),
            ("CONVULSION", "NO"),
            ("WORRIES", "夜泣きが続いています。"),
        ]
        .into_iter()
        .map(|(c, v)| (c.to_owned(), v.to_owned()))
        .collect();
        done(
            health::book_checkup(
                ctx,
                guardian,
                health::NewCheckupBooking {
                    child_id: baby.id,
                    checkup_type_id: four.id,
                    slot_id: slot.id,
                    answers,
                    idempotency_key: None,
                },
            )
            .await,
        )?;
    }
    Ok(())
}

//! Demo data of the health domain for 北九州市: two clinics with staff and slots, and the
//! demo resident's children mid-schedule — one with doses due and a booking with its
//! forms, one overdue, one with a paper record and a deferral. Skipped where the first
//! clinic already has slots.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use entity::{health_slot as slot, organization::OrganizationKind};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use secrecy::SecretString;
use uuid::Uuid;

use super::catalogue::Sex;
use super::service::{self as health, Consent, ConsentMethod, SignerKind};
use crate::auth::{AuthUser, Role, Viewer};
use crate::demo::{DEMO_PASSWORD, DemoAccount, DemoTown, at_ten, done};
use crate::domains::identity::{demo::ensure_organization, service as identity};
use crate::state::ServiceContext;

const CLINICS: [(&str, &str, &str, &str, &str); 2] = [
    (
        "小倉こどもクリニック",
        "コクラコドモクリニック",
        "kitakyushu-clinic",
        "小倉 健一",
        "コクラ ケンイチ",
    ),
    (
        "八幡ファミリークリニック",
        "ヤハタファミリークリニック",
        "kitakyushu-clinic2",
        "八幡 美咲",
        "ヤハタ ミサキ",
    ),
];

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

fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(code, value)| ((*code).to_owned(), (*value).to_owned()))
        .collect()
}

/// The answers of a well child to the form of `product`.
fn well(product: &str) -> BTreeMap<String, String> {
    let mut map = answers(&[
        ("H_ADDRESS", "北九州市小倉北区城内1-1"),
        ("H_PHONE", "093-000-0000"),
        ("H_TEMPERATURE", "36.6"),
    ]);
    for code in [
        "Q03", "Q04", "Q05", "Q06", "Q07", "Q08", "Q09", "Q10", "Q11", "Q12", "Q13", "Q14",
    ] {
        map.insert(code.to_owned(), "NO".to_owned());
    }
    map.insert("Q01".to_owned(), "YES".to_owned());
    let own = match product {
        "ROTARIX" | "ROTATEQ" => Some("R02"),
        "MR" => Some("M01"),
        "VARICELLA" => Some("V01"),
        _ => None,
    };
    if let Some(code) = own {
        map.insert(code.to_owned(), "NO".to_owned());
    }
    map
}

/// Loads the health demo of 北九州市; returns its clinic accounts.
pub async fn load(db: &DatabaseConnection, accounts: &mut Vec<DemoAccount>) -> anyhow::Result<()> {
    let town = DemoTown::load(db, "kitakyushu").await?;
    let mut clinics = Vec::new();
    for (name, kana, slug, person, person_kana) in CLINICS {
        let clinic = ensure_organization(
            db,
            town.municipality_id,
            OrganizationKind::Clinic,
            name,
            kana,
        )
        .await?;
        let email = format!("{slug}@example.jp");
        let (user, _) = identity::ensure_user(
            db,
            &email,
            SecretString::from(DEMO_PASSWORD),
            person,
            person_kana,
            Role::ProgramStaff,
            Some(town.municipality_id),
            Some(clinic),
        )
        .await?;
        accounts.push(DemoAccount {
            email,
            role: Role::ProgramStaff,
            municipality: Some("北九州市".to_owned()),
        });
        clinics.push((clinic, viewer_of(&user), person));
    }
    let existing = slot::Entity::find()
        .filter(slot::Column::ClinicId.eq(clinics[0].0))
        .count(db)
        .await?;
    let association_staff = super::demo_fees::associations(&town, accounts).await?;
    if existing > 0 {
        return Ok(());
    }
    let ctx = ServiceContext::quiet(db);
    let today = crate::fiscal::today();

    // Slots for the next two weeks, mornings at each clinic.
    for (clinic, staff, _) in &clinics {
        let slots = (1..=14)
            .map(|days| {
                let day = today + Duration::days(days);
                health::NewSlot {
                    starts_at: at_ten(day) - Duration::hours(1),
                    ends_at: at_ten(day),
                    capacity: 6,
                }
            })
            .collect();
        let new = health::NewSlots {
            slots,
            antigens: Vec::new(),
            idempotency_key: None,
        };
        done(health::create_slots(ctx, staff, new).await)?;
        let _ = clinic;
    }

    let guardian = &town.resident;
    let child = |name: &str, kana: &str, birth: NaiveDate, sex: Sex| health::NewChild {
        name: name.to_owned(),
        name_kana: kana.to_owned(),
        birth_date: birth,
        sex,
        idempotency_key: None,
    };
    // 1. Ten weeks old: the first doses are due; booked tomorrow with the forms submitted.
    let baby = done(
        health::register_child(
            ctx,
            guardian,
            child(
                "北九 陽向",
                "キタキュウ ヒナタ",
                today - Duration::days(70),
                Sex::Male,
            ),
        )
        .await,
    )?;
    let first = vec![
        "HEPB".to_owned(),
        "ROTARIX".to_owned(),
        "PCV15".to_owned(),
        "DPT_IPV_HIB".to_owned(),
    ];
    let tomorrow = today + Duration::days(1);
    let slots = health::list_slots(
        ctx,
        health::SlotFilter {
            municipality_id: town.municipality_id,
            clinic_id: Some(clinics[0].0),
            from: tomorrow,
            to: tomorrow,
            has_free_places: true,
        },
    )
    .await?;
    let slot = slots
        .first()
        .ok_or_else(|| anyhow::anyhow!("demo slot missing"))?;
    let booking = done(
        health::book(
            ctx,
            guardian,
            health::NewBooking {
                child_id: baby.id,
                slot_id: slot.id,
                products: first.clone(),
                idempotency_key: None,
            },
        )
        .await,
    )?;
    let guardian_name = "若松 陽菜";
    let consent = |method, signer, name: &str| Consent {
        method,
        signer,
        signer_name: name.to_owned(),
        relationship: None,
    };
    done(
        health::submit(
            ctx,
            guardian,
            health::NewForms {
                child_id: Some(baby.id),
                child_name_kana: None,
                child_birth_date: None,
                new_child: None,
                clinic_id: Some(clinics[0].0),
                booking_id: Some(booking.id),
                planned_on: tomorrow,
                forms: first.iter().map(|p| (p.clone(), well(p))).collect(),
                consent: consent(ConsentMethod::Button, SignerKind::Guardian, guardian_name),
                idempotency_key: None,
            },
        )
        .await,
    )?;

    // 2. Eight months old, nothing since the doses at two months: overdue.
    let eight = done(
        health::register_child(
            ctx,
            guardian,
            child(
                "北九 結衣",
                "キタキュウ ユイ",
                today - Duration::days(245),
                Sex::Female,
            ),
        )
        .await,
    )?;
    for product in ["HEPB", "PCV15", "DPT_IPV_HIB"] {
        done(
            health::record_handbook_dose(
                ctx,
                guardian,
                health::HandbookDose {
                    child_id: eight.id,
                    product_code: product.to_owned(),
                    vaccinated_on: eight.birth_date + Duration::days(65),
                    idempotency_key: None,
                },
            )
            .await,
        )?;
    }

    // 3. Fourteen months old: MR from a paper form six weeks ago, and a varicella dose
    // deferred yesterday for a fever.
    let toddler = done(
        health::register_child(
            ctx,
            guardian,
            child(
                "北九 蒼",
                "キタキュウ アオイ",
                today - Duration::days(425),
                Sex::Male,
            ),
        )
        .await,
    )?;
    let (clinic_one, staff_one, doctor_one) = &clinics[0];
    let paper_day = today - Duration::days(42);
    let past = ctx.as_of(at_ten(paper_day));
    let paper = done(
        health::submit(
            past,
            staff_one,
            health::NewForms {
                child_id: None,
                child_name_kana: Some("キタキュウ アオイ".to_owned()),
                child_birth_date: Some(toddler.birth_date),
                new_child: None,
                clinic_id: None,
                booking_id: None,
                planned_on: paper_day,
                forms: vec![("MR".to_owned(), well("MR"))],
                consent: consent(ConsentMethod::Paper, SignerKind::Guardian, guardian_name),
                idempotency_key: None,
            },
        )
        .await,
    )?;
    let form = paper
        .first()
        .ok_or_else(|| anyhow::anyhow!("demo paper form missing"))?;
    done(
        health::confirm(
            past,
            staff_one,
            health::Confirmation {
                form_id: form.id,
                temperature: 36.5,
                judgement: health::Judgement::Ok,
                doctor_name: (*doctor_one).to_owned(),
                explanation_given: true,
                deferral_reason: None,
            },
        )
        .await,
    )?;
    done(
        health::record(
            past,
            staff_one,
            health::NewRecord {
                form_id: form.id,
                lot_number: "MR-2611A".to_owned(),
                lot_expiry: today + Duration::days(200),
                dose_ml: None,
                site: Some("LEFT_UPPER_ARM".to_owned()),
                doctor_name: None,
                overrides: Vec::new(),
                idempotency_key: None,
            },
        )
        .await,
    )?;
    let _ = clinic_one;
    let (clinic_two, staff_two, doctor_two) = &clinics[1];
    let yesterday = today - Duration::days(1);
    let before = ctx.as_of(at_ten(yesterday));
    let deferred = done(
        health::submit(
            before,
            guardian,
            health::NewForms {
                child_id: Some(toddler.id),
                child_name_kana: None,
                child_birth_date: None,
                new_child: None,
                clinic_id: Some(*clinic_two),
                booking_id: None,
                planned_on: yesterday,
                forms: vec![("VARICELLA".to_owned(), well("VARICELLA"))],
                consent: consent(ConsentMethod::Checkbox, SignerKind::Guardian, guardian_name),
                idempotency_key: None,
            },
        )
        .await,
    )?;
    let form = deferred
        .first()
        .ok_or_else(|| anyhow::anyhow!("demo form missing"))?;
    done(
        health::confirm(
            before,
            staff_two,
            health::Confirmation {
                form_id: form.id,
                temperature: 37.8,
                judgement: health::Judgement::Defer,
                doctor_name: (*doctor_two).to_owned(),
                explanation_given: false,
                deferral_reason: Some("37.5℃以上の発熱があったため".to_owned()),
            },
        )
        .await,
    )?;
    let (clinic_one, staff_one, doctor_one) = &clinics[0];
    super::demo_fees::load(
        &town,
        &association_staff,
        (*clinic_one, staff_one, doctor_one),
        guardian,
        today,
    )
    .await
}

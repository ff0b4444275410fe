//! The fee-claim demo of 北九州市: a fee schedule for this fiscal year and the last, the
//! city's medical and dental associations with their staff, the 小倉 clinic a member of
//! the 医師会 with a claim in every state (its deferrals of past months: 予診のみ is billed
//! too), and the association's batches.

use anyhow::Context;
use chrono::{Datelike, Duration, NaiveDate};
use entity::{health_fee_schedule_line::FeeService, organization::OrganizationKind};
use secrecy::SecretString;
use std::collections::BTreeMap;
use uuid::Uuid;

use super::fee_states::ClaimAction;
use super::hub::{HubOutcome, HubRecord, InMemoryHub};
use super::service::{self as health, Consent, ConsentMethod, SignerKind, fees};
use crate::auth::{Role, Viewer};
use crate::demo::{DEMO_PASSWORD, DemoAccount, DemoTown, at_ten, done};
use crate::domains::identity::{demo::ensure_organization, service as identity};
use crate::state::ServiceContext;

/// Illustrative unit prices (yen): vaccination, 予診のみ. Kitakyushu's own table is not
/// public; these follow the published tables of neighbouring cities.
const PRICES: [(&str, i64, i64); 11] = [
    ("HEPB", 6_490, 3_190),
    ("ROTARIX", 13_750, 3_190),
    ("ROTATEQ", 9_790, 3_190),
    ("PCV15", 11_676, 3_570),
    ("PCV20", 12_100, 3_570),
    ("DPT_IPV_HIB", 14_520, 3_570),
    ("BCG", 8_900, 3_190),
    ("MR", 12_074, 3_190),
    ("VARICELLA", 8_610, 3_570),
    ("JE", 7_920, 3_190),
    ("HIB", 8_221, 3_570),
];

/// Staff accounts of the associations: email, person, kana, association, kana, kind.
const ASSOCIATIONS: [(&str, &str, &str, &str, &str, OrganizationKind); 2] = [
    (
        "kitakyushu-ishikai@example.jp",
        "戸畑 誠",
        "トバタ マコト",
        "一般社団法人北九州市医師会",
        "キタキュウシュウシイシカイ",
        OrganizationKind::MedicalAssociation,
    ),
    (
        "kitakyushu-shikaishikai@example.jp",
        "門司 さくら",
        "モジ サクラ",
        "一般社団法人北九州市歯科医師会",
        "キタキュウシュウシシカイシカイ",
        OrganizationKind::DentalAssociation,
    ),
];

fn viewer_of(user: &entity::user::Model) -> Viewer {
    Viewer {
        user: Some(crate::auth::AuthUser {
            id: user.id,
            role: user.role,
            municipality_id: user.municipality_id,
            organization_id: user.organization_id,
            session_id: Uuid::nil(),
        }),
        client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
    }
}

fn schedule(fiscal_year: i32) -> fees::NewSchedule {
    let mut lines: Vec<fees::NewPrice> = PRICES
        .iter()
        .map(|(product, price, deferral)| fees::NewPrice {
            service: FeeService::Vaccination,
            product_code: Some((*product).to_owned()),
            series_code: None,
            dose_number: None,
            checkup_key: None,
            price: *price,
            deferral_price: Some(*deferral),
        })
        .collect();
    for (service, key, price) in [
        (FeeService::Checkup, "INFANT_4M", 6_300),
        (FeeService::Checkup, "INFANT_7M", 6_300),
        (FeeService::DentalCheckup, "DENTAL_1Y6M", 3_300),
        (FeeService::DentalCheckup, "DENTAL_3Y", 3_300),
    ] {
        lines.push(fees::NewPrice {
            service,
            product_code: None,
            series_code: None,
            dose_number: None,
            checkup_key: Some(key.to_owned()),
            price,
            deferral_price: None,
        });
    }
    fees::NewSchedule {
        municipality_id: None,
        fiscal_year,
        lines,
    }
}

/// The first day of the month `back` months before `today`'s.
fn month_before(today: NaiveDate, back: u32) -> NaiveDate {
    let index = today.year() * 12 + today.month0() as i32 - back as i32;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
        .unwrap_or(today)
}

/// The associations and their staff accounts (listed again on every load); returns each
/// association with its staff member.
pub async fn associations(
    town: &DemoTown<'_>,
    accounts: &mut Vec<DemoAccount>,
) -> anyhow::Result<Vec<(Uuid, Viewer)>> {
    let db = town.db;
    let mut staff = Vec::new();
    for (email, person, kana, name, name_kana, kind) in ASSOCIATIONS {
        let association = ensure_organization(db, town.municipality_id, kind, name, name_kana)
            .await
            .context("fee demo association")?;
        let (user, _) = identity::ensure_user(
            db,
            email,
            SecretString::from(DEMO_PASSWORD),
            person,
            kana,
            Role::ProgramStaff,
            Some(town.municipality_id),
            Some(association),
        )
        .await
        .context("fee demo association staff")?;
        accounts.push(DemoAccount {
            email: email.to_owned(),
            role: Role::ProgramStaff,
            municipality: Some("北九州市".to_owned()),
        });
        staff.push((association, viewer_of(&user)));
    }
    Ok(staff)
}

/// Loads the fee demo once; `staff` from [`associations`], `clinic` the 小倉 clinic with
/// its staff and doctor, `guardian` the demo resident.
pub async fn load(
    town: &DemoTown<'_>,
    staff: &[(Uuid, Viewer)],
    clinic: (Uuid, &Viewer, &str),
    guardian: &Viewer,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let ctx = ServiceContext::quiet(town.db);
    let year = crate::fiscal::year_of_date(today);
    for fiscal_year in [year - 1, year] {
        done(fees::set_fee_schedule(ctx, &town.admin, schedule(fiscal_year)).await)
            .context("fee demo schedule")?;
    }
    let (ishikai, ishikai_staff) = &staff[0];
    let (clinic_id, clinic_staff, doctor) = clinic;
    done(fees::set_association_members(ctx, &town.admin, *ishikai, vec![clinic_id]).await)
        .context("fee demo step 4")?;

    // A four-year-old whose first JE dose the doctor deferred once a month, five months
    // running: one billable 予診のみ a month.
    let child = done(
        health::register_child(
            ctx,
            guardian,
            health::NewChild {
                name: "北九 蒼".to_owned(),
                name_kana: "キタキュウ アオイ".to_owned(),
                birth_date: today - Duration::days(4 * 365 + 200),
                sex: super::catalogue::Sex::Male,
                idempotency_key: None,
            },
        )
        .await,
    )
    .context("fee demo step 5")?;
    let mut answers: BTreeMap<String, String> = [
        ("H_ADDRESS", "北九州市戸畑区新池1-1"),
        ("H_PHONE", "093-000-0000"),
        ("H_TEMPERATURE", "36.6"),
        ("Q01", "YES"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for code in [
        "Q03", "Q04", "Q05", "Q06", "Q07", "Q08", "Q09", "Q10", "Q11", "Q12", "Q13", "Q14",
    ] {
        answers.insert(code.to_owned(), "NO".to_owned());
    }
    let mut claims = Vec::new();
    for back in (1..=5).rev() {
        let first = month_before(today, back);
        let day = first + Duration::days(9);
        let at = ctx.as_of(at_ten(day));
        let forms = done(
            health::submit(
                at,
                guardian,
                health::NewForms {
                    child_id: Some(child.id),
                    child_name_kana: None,
                    child_birth_date: None,
                    new_child: None,
                    clinic_id: Some(clinic_id),
                    booking_id: None,
                    planned_on: day,
                    forms: vec![("JE".to_owned(), answers.clone())],
                    consent: Consent {
                        method: ConsentMethod::Button,
                        signer: SignerKind::Guardian,
                        signer_name: "若松 陽菜".to_owned(),
                        relationship: None,
                    },
                    idempotency_key: None,
                },
            )
            .await,
        )
        .context("fee demo step 6")?;
        let form = forms
            .first()
            .ok_or_else(|| anyhow::anyhow!("demo fee form missing"))?;
        done(
            health::confirm(
                at,
                clinic_staff,
                health::Confirmation {
                    form_id: form.id,
                    temperature: 37.9,
                    judgement: health::Judgement::Defer,
                    doctor_name: doctor.to_owned(),
                    explanation_given: false,
                    deferral_reason: Some("37.5℃以上の発熱があったため".to_owned()),
                },
            )
            .await,
        )
        .context("fee demo step 7")?;
        let after = ctx.as_of(at_ten(month_before(today, back - 1) + Duration::days(2)));
        let claim =
            done(fees::prepare_fee_claim(after, clinic_staff, first.year(), first.month()).await)
                .context("fee demo step 8")?;
        claims.push((back, claim.claim.id, first, after));
    }
    // Five months ago: paid; four: accepted; three: returned; two: submitted and batched;
    // last month: still a draft.
    for (back, claim_id, first, at) in claims {
        let step = |action| fees::move_fee_claim(at, clinic_staff, claim_id, action, None);
        if back == 1 {
            continue;
        }
        done(step(ClaimAction::Submit).await).context("fee demo step 9")?;
        if back == 3 {
            done(
                fees::move_fee_claim(
                    at,
                    ishikai_staff,
                    claim_id,
                    ClaimAction::Return,
                    Some("保護者の自署がない予診票があります。".to_owned()),
                )
                .await,
            )
            .context("fee demo step 10")?;
            continue;
        }
        let batch =
            done(fees::submit_fee_batch(at, ishikai_staff, first.year(), first.month()).await)
                .context("fee demo step 11")?;
        if back >= 4 {
            done(fees::settle_fee_batch(at, &town.admin, batch.batch.id, false).await)
                .context("fee demo step 12")?;
        }
        if back == 5 {
            done(fees::settle_fee_batch(at, &town.admin, batch.batch.id, true).await)
                .context("fee demo step 13")?;
        }
    }

    // The national hub: the child registered; last month its first JE dose was given and
    // registered in the hub by the clinic's own system, which claimed its fee there. The
    // import adds the dose (source HUB), and no monthly claim bills it.
    let hub = InMemoryHub::new();
    fees::register_hub_eligibility(ctx, &town.admin, &hub, child.id)
        .await
        .context("fee demo step 14")?;
    let last = month_before(today, 1);
    hub.register_from_clinic(
        "40100",
        HubRecord {
            hub_reference: String::new(),
            identity_key: child.id.to_string(),
            local_reference: None,
            clinic_id: Some(clinic_id),
            product_code: "JE".to_owned(),
            given_on: last + Duration::days(20),
            outcome: HubOutcome::Given,
            lot_number: Some("JE-2610B".to_owned()),
            claimed: true,
        },
    );
    fees::import_hub_records(ctx, &town.admin, &hub, last.year(), last.month())
        .await
        .context("fee demo step 15")?;
    Ok(())
}

//! Demo targets and baselines of the KPIs of 前橋市, 真鶴町 and 北九州市 for the current and previous
//! fiscal years, so the demo report shows whether targets are met. Setting a target
//! replaces it, so loading twice changes nothing.

use std::net::IpAddr;

use chrono::Utc;
use entity::user;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::service::{self, NewTarget};
use crate::{
    auth::{AuthUser, Viewer},
    fiscal,
};

/// (town, KPI key, target, baseline).
const TARGETS: &[(&str, &str, f64, f64)] = &[
    (
        "maebashi",
        "maebashi.childcare.plaza_users",
        20000.0,
        15000.0,
    ),
    (
        "maebashi",
        "maebashi.employment.women_regular_employment_rate",
        50.0,
        40.0,
    ),
    (
        "manazuru",
        "manazuru.childcare.temporary_childcare_satisfaction_mean",
        4.0,
        3.8,
    ),
    (
        "manazuru",
        "manazuru.childcare.temporary_childcare_satisfied_share",
        80.0,
        70.0,
    ),
    (
        "maebashi",
        "maebashi.relocation.people_moved_in",
        120.0,
        95.0,
    ),
    (
        "manazuru",
        "manazuru.programs.education_participants_growth",
        10.0,
        0.0,
    ),
    ("manazuru", "manazuru.partnership.issues_solved", 2.0, 0.0),
    (
        "manazuru",
        "manazuru.programs.parenting_class_satisfaction_mean",
        4.0,
        3.8,
    ),
    (
        "manazuru",
        "manazuru.programs.parenting_class_satisfied_share",
        80.0,
        70.0,
    ),
    (
        "manazuru",
        "manazuru.programs.education_satisfaction_mean",
        4.0,
        3.8,
    ),
    (
        "manazuru",
        "manazuru.programs.education_satisfied_share",
        80.0,
        70.0,
    ),
    (
        "kitakyushu",
        "kitakyushu.health.vaccination_app_users",
        2.0,
        1.0,
    ),
    ("kitakyushu", "kitakyushu.health.dental_app_users", 2.0, 1.0),
    (
        "kitakyushu",
        "kitakyushu.health.dental_checkup_rate",
        95.0,
        90.0,
    ),
    ("kitakyushu", "kitakyushu.health.electronic_forms", 3.0, 1.0),
    (
        "kitakyushu",
        "kitakyushu.health.electronic_form_share",
        50.0,
        30.0,
    ),
    (
        "kitakyushu",
        "kitakyushu.health.vaccination_error_reduction",
        20.0,
        0.0,
    ),
    (
        "kitakyushu",
        "kitakyushu.health.vaccination_error_reduction.interval",
        20.0,
        0.0,
    ),
    (
        "kitakyushu",
        "kitakyushu.health.vaccination_error_reduction.age",
        20.0,
        0.0,
    ),
    (
        "kitakyushu",
        "kitakyushu.health.vaccination_error_reduction.unnecessary_dose",
        20.0,
        0.0,
    ),
    (
        "kitakyushu",
        "kitakyushu.health.vaccination_error_reduction.product",
        20.0,
        0.0,
    ),
    (
        "kitakyushu",
        "kitakyushu.health.vaccination_error_reduction.expired_vaccine",
        20.0,
        0.0,
    ),
    (
        "kitakyushu",
        "kitakyushu.health.vaccination_error_reduction.wrong_person",
        20.0,
        0.0,
    ),
    ("kitakyushu", "kitakyushu.health.caries_free_3y", 95.0, 88.8),
    (
        "kitakyushu",
        "kitakyushu.health.app_satisfaction_mean",
        4.0,
        3.8,
    ),
    (
        "kitakyushu",
        "kitakyushu.health.app_satisfied_share",
        80.0,
        70.0,
    ),
];

/// Sets the demo targets (as each town's administrator).
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<()> {
    let this_year = fiscal::year_of(Utc::now());
    for (town, key, target, baseline) in TARGETS {
        let (admin, code) = admin_of(db, town).await?;
        for year in [this_year - 1, this_year] {
            let outcome = service::set_target(
                db,
                &admin,
                NewTarget {
                    municipality_code: code.clone(),
                    key: (*key).to_owned(),
                    fiscal_year: year,
                    target: *target,
                    baseline: Some(Some(*baseline)),
                },
            )
            .await?;
            if let Err(errors) = outcome {
                anyhow::bail!(
                    "demo KPI target {key} refused: {}",
                    errors
                        .iter()
                        .map(|error| error.message.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                );
            }
        }
    }
    Ok(())
}

async fn admin_of(db: &DatabaseConnection, town: &str) -> anyhow::Result<(Viewer, String)> {
    let email = format!("{town}-admin@example.jp");
    let admin = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo account {email} missing"))?;
    let municipality_id = admin
        .municipality_id
        .ok_or_else(|| anyhow::anyhow!("demo admin {email} has no municipality"))?;
    let code = entity::municipality::Entity::find_by_id(municipality_id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("municipality of {email} missing"))?
        .jis_code;
    let viewer = Viewer {
        user: Some(AuthUser {
            id: admin.id,
            role: admin.role,
            municipality_id: admin.municipality_id,
            organization_id: admin.organization_id,
            session_id: Uuid::nil(),
        }),
        client_ip: IpAddr::from([127, 0, 0, 1]),
    };
    Ok((viewer, code))
}

//! A municipality's checkup types, 総合判定 codes, O1/O2 rule and registered dental clinics,
//! read as data; the age window of a type for a child; who may hold which checkup. Types
//! are public (a name and an age); the rest is read by the services that need it.

use chrono::NaiveDate;
use entity::{
    health_checkup_judgement as judgement, health_checkup_setting as setting,
    health_checkup_type as checkup_type, health_dental_clinic as dental_clinic, organization,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::super::checkup_rules::{self, CariesScheme, O2Rule};
use crate::error::{AppError, AppResult, FieldError, FieldErrorCode};

/// A findings area of a checkup type (身体発育, 皮膚, …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingsArea {
    /// Stable code.
    pub code: String,
    /// Japanese name.
    pub name: String,
}

/// A 問診票 question of a checkup type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckupQuestion {
    /// Stable code, shared between types for the same question (prefill follows it).
    pub code: String,
    /// The question (Japanese).
    pub text: String,
    /// `yes_no` (answered `YES` or `NO`, required) or `text` (free, optional).
    pub kind: String,
}

/// Whether a checkup is a medical or a dental one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckupKind {
    /// At a clinic (not a registered dental clinic).
    Medical,
    /// At a registered dental clinic (登録歯科医療機関).
    Dental,
}

/// The findings areas of a type.
pub fn areas_of(model: &checkup_type::Model) -> Vec<FindingsArea> {
    serde_json::from_str(&model.findings_areas).unwrap_or_default()
}

/// The 問診票 questions of a type.
pub fn questions_of(model: &checkup_type::Model) -> Vec<CheckupQuestion> {
    serde_json::from_str(&model.questions).unwrap_or_default()
}

/// Whether a type is medical or dental.
pub fn kind_of(model: &checkup_type::Model) -> CheckupKind {
    if model.kind == "dental" {
        CheckupKind::Dental
    } else {
        CheckupKind::Medical
    }
}

/// The caries-type scheme of a dental type.
pub fn scheme_of(model: &checkup_type::Model) -> Option<CariesScheme> {
    model
        .caries_scheme
        .as_deref()
        .and_then(CariesScheme::from_code)
}

/// The age window (first and last day) of a type for a child born on `birth`.
pub fn window_of(model: &checkup_type::Model, birth: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let from = u32::try_from(model.from_months).ok()?;
    let until = u32::try_from(model.until_months).ok()?;
    checkup_rules::age_window(birth, from, until)
}

/// `AGE_OUT_OF_RANGE` on `field` unless `on` is inside the type's window for `birth`; the
/// message says the window's dates.
pub fn check_window(
    model: &checkup_type::Model,
    birth: NaiveDate,
    on: NaiveDate,
    field: &str,
) -> Result<(), FieldError> {
    let Some((from, to)) = window_of(model, birth) else {
        return Err(FieldError::input(
            field,
            FieldErrorCode::AgeOutOfRange,
            format!("{}の対象期間を計算できません。", model.name),
        ));
    };
    if on < from || on > to {
        return Err(FieldError::input(
            field,
            FieldErrorCode::AgeOutOfRange,
            format!(
                "{}はお子さまが{}から{}までの間に受けられます（{}は対象外です）。",
                model.name,
                from.format("%Y年%-m月%-d日"),
                to.format("%Y年%-m月%-d日"),
                on.format("%Y年%-m月%-d日"),
            ),
        ));
    }
    Ok(())
}

/// The checkup types of a municipality, in their order.
pub async fn checkup_types_of(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
) -> AppResult<Vec<checkup_type::Model>> {
    Ok(checkup_type::Entity::find()
        .filter(checkup_type::Column::MunicipalityId.eq(municipality_id))
        .order_by_asc(checkup_type::Column::Position)
        .order_by_asc(checkup_type::Column::Id)
        .all(db)
        .await?)
}

/// A checkup type of `municipality_id`, if it is one.
pub async fn checkup_type_in(
    db: &impl ConnectionTrait,
    id: Uuid,
    municipality_id: Uuid,
) -> AppResult<Option<checkup_type::Model>> {
    Ok(checkup_type::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|model| model.municipality_id == municipality_id))
}

/// The 総合判定 codes of a municipality, in their order.
pub async fn judgements_of(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
) -> AppResult<Vec<judgement::Model>> {
    Ok(judgement::Entity::find()
        .filter(judgement::Column::MunicipalityId.eq(municipality_id))
        .order_by_asc(judgement::Column::Position)
        .order_by_asc(judgement::Column::Code)
        .all(db)
        .await?)
}

/// The municipality's O1/O2 rule; without one, a caries-free child is O2 with much plaque.
pub async fn o2_rule_of(db: &impl ConnectionTrait, municipality_id: Uuid) -> AppResult<O2Rule> {
    let row = setting::Entity::find_by_id(municipality_id).one(db).await?;
    Ok(row.map_or(
        O2Rule {
            plaque_from: Some(2),
            snacks: false,
            bottle: false,
            risks_needed: 1,
        },
        |row| O2Rule {
            plaque_from: row.o2_plaque_from,
            snacks: row.o2_snacks,
            bottle: row.o2_bottle,
            risks_needed: row.o2_risks_needed,
        },
    ))
}

/// Whether the clinic is a registered dental clinic (登録歯科医療機関).
pub async fn is_dental_clinic(
    db: &impl ConnectionTrait,
    clinic: &organization::Model,
) -> AppResult<bool> {
    Ok(dental_clinic::Entity::find_by_id(clinic.id)
        .one(db)
        .await?
        .is_some_and(|row| row.municipality_id == clinic.municipality_id))
}

/// `NOT_ALLOWED` on `field` unless the clinic holds checkups of this kind: dental ones at
/// registered dental clinics only, medical ones at the other clinics.
pub async fn check_clinic_holds(
    db: &impl ConnectionTrait,
    clinic: &organization::Model,
    model: &checkup_type::Model,
    field: &str,
) -> AppResult<Result<(), FieldError>> {
    let dental = is_dental_clinic(db, clinic).await?;
    Ok(match (kind_of(model), dental) {
        (CheckupKind::Dental, false) => Err(FieldError::input(
            field,
            FieldErrorCode::NotAllowed,
            format!("{}は登録歯科医療機関でのみ受けられます。", model.name),
        )),
        (CheckupKind::Medical, true) => Err(FieldError::input(
            field,
            FieldErrorCode::NotAllowed,
            format!("{}は歯科医療機関では受けられません。", model.name),
        )),
        _ => Ok(()),
    })
}

/// Registers (or keeps) a clinic as a 登録歯科医療機関 of its municipality.
pub async fn register_dental_clinic(
    db: &impl ConnectionTrait,
    clinic: &organization::Model,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    use sea_orm::{ActiveValue::Set, sea_query::OnConflict};
    dental_clinic::Entity::insert(dental_clinic::ActiveModel {
        organization_id: Set(clinic.id),
        municipality_id: Set(clinic.municipality_id),
        registered_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(dental_clinic::Column::OrganizationId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Seeds 北九州市's checkup types, codes and O1/O2 rule into a municipality that has none.
pub async fn seed_standard_checkups(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
) -> AppResult<()> {
    migration::seed_kitakyushu_checkups(db, municipality_id)
        .await
        .map_err(AppError::from)
}

/// Registers a clinic of the administrator's municipality as a 登録歯科医療機関 (municipal
/// health staff); `NOT_FOUND` when it is not a clinic there.
#[tracing::instrument(skip_all)]
pub async fn register_dental_clinic_by_admin(
    ctx: crate::state::ServiceContext<'_>,
    viewer: &crate::auth::Viewer,
    clinic_id: Uuid,
) -> AppResult<organization::Model> {
    let me = viewer.require_role(crate::auth::ADMINS)?;
    let clinic = organization::Entity::find_by_id(clinic_id)
        .one(ctx.db)
        .await?
        .filter(|clinic| {
            clinic.kind == organization::OrganizationKind::Clinic
                && me.administers(clinic.municipality_id)
        })
        .ok_or(AppError::NotFound)?;
    register_dental_clinic(ctx.db, &clinic, ctx.now()).await?;
    Ok(clinic)
}

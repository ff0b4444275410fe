//! Children registered by their guardians, the doses they have had, and their schedule.
//!
//! Who reads a child's health data: the guardian who registered the child, and the health
//! staff (municipal admins) of the child's municipality, every read of theirs written to
//! the personal-data access log; anyone else gets `NOT_FOUND`.

use chrono::NaiveDate;
use entity::{
    health_child as child,
    health_vaccination::{self as vaccination, VaccinationSource},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::super::catalogue::Sex;
use super::catalogue::load_catalogue;
use crate::audit::{self, Read};
use crate::auth::{Role, Viewer};
use crate::error::{AppError, AppResult, FieldError, FieldErrorCode, Problems};
use crate::idempotency::{self, KeyScope};
use crate::state::ServiceContext;
use crate::text::{Kana, required};

/// The kind of the access-log subject of a child's health data.
pub const SUBJECT_KIND: crate::graphql::ids::NodeKind = crate::graphql::ids::NodeKind::HealthChild;

/// A child to register.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewChild {
    /// Name.
    pub name: String,
    /// Reading in kana.
    pub name_kana: String,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Sex.
    pub sex: Sex,
    /// A retry with the same key registers nothing more.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// The sex as stored.
pub(super) fn sex_text(sex: Sex) -> &'static str {
    match sex {
        Sex::Female => "FEMALE",
        Sex::Male => "MALE",
    }
}

/// The sex stored for a child.
pub fn sex_of(model: &child::Model) -> Sex {
    if model.sex == "FEMALE" {
        Sex::Female
    } else {
        Sex::Male
    }
}

/// Registers a child of the signed-in resident, in the resident's municipality.
#[tracing::instrument(skip_all)]
pub async fn register_child(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    new: NewChild,
) -> AppResult<Result<child::Model, Vec<FieldError>>> {
    let me = viewer.require_role(&[Role::Resident])?;
    let municipality_id = me.municipality_id.ok_or(AppError::Forbidden)?;
    let today = crate::fiscal::date_of(ctx.now());
    let (name, kana) = match check_new_child("", &new, today) {
        Ok(checked) => checked,
        Err(errors) => return Ok(Err(errors)),
    };
    let fingerprint = (
        name.clone(),
        kana.clone(),
        new.birth_date,
        sex_text(new.sex),
    );
    let now = ctx.now();
    let created = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "registerHealthChild"),
        new.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let id = Uuid::now_v7();
            child::ActiveModel {
                id: Set(id),
                municipality_id: Set(municipality_id),
                guardian_user_id: Set(Some(me.id)),
                name: Set(name.clone()),
                name_kana: Set(kana.clone()),
                birth_date: Set(new.birth_date),
                sex: Set(sex_text(new.sex).to_owned()),
                created_at: Set(now),
                entered_by_clinic_id: Set(None),
                claim_code_digest: Set(None),
                claim_code_expires_at: Set(None),
            }
            .insert(txn)
            .await?;
            Ok(Ok(id))
        },
    )
    .await?;
    idempotency::load_created::<child::Entity>(ctx.db, created).await
}

/// Checks a child's name, reading and birth date (fields under `prefix`, e.g. `newChild`);
/// answers the name and the reading to store.
pub(super) fn check_new_child(
    prefix: &str,
    new: &NewChild,
    today: NaiveDate,
) -> Result<(String, String), Vec<FieldError>> {
    let field = |name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        }
    };
    let mut errors = Problems::new();
    let name = errors.check(required(&field("name"), &new.name, 100));
    let kana = errors.check(Kana::parse(&field("nameKana"), &new.name_kana, 100));
    if new.birth_date > today {
        errors.push(FieldError::input(
            &field("birthDate"),
            FieldErrorCode::Invalid,
            "生年月日が未来の日付です。",
        ));
    }
    let (Some(name), Some(kana)) = (name, kana) else {
        return Err(errors.into_vec());
    };
    errors.finish()?;
    Ok((name, kana.as_str().to_owned()))
}

/// The signed-in guardian's children, oldest first.
#[tracing::instrument(skip_all)]
pub async fn my_children(ctx: ServiceContext<'_>, viewer: &Viewer) -> AppResult<Vec<child::Model>> {
    let me = viewer.require_user()?;
    Ok(child::Entity::find()
        .filter(child::Column::GuardianUserId.eq(me.id))
        .order_by_asc(child::Column::BirthDate)
        .order_by_asc(child::Column::Id)
        .all(ctx.db)
        .await?)
}

/// A child the viewer may read (the guardian; the health staff of the child's
/// municipality, or a clinic the child has a booking or form with, whose read is logged as
/// `accessed`); `NOT_FOUND` for anyone else.
#[tracing::instrument(skip_all)]
pub async fn find_child(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    accessed: &'static str,
) -> AppResult<child::Model> {
    let me = viewer.require_user()?;
    let model = child::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if model.guardian_user_id == Some(me.id) {
        return Ok(model);
    }
    let clinic_reads = match super::access::clinic_of(ctx.db, me).await? {
        Some(clinic) => {
            clinic.municipality_id == model.municipality_id
                && super::access::clinic_sees_child(ctx.db, clinic.id, model.id).await?
        }
        None => false,
    };
    if me.administers(model.municipality_id) || clinic_reads {
        let read = Read {
            municipality_id: model.municipality_id,
            subject_kind: SUBJECT_KIND,
            subject_id: model.id,
            accessed,
        };
        audit::record(ctx.db, me.id, [read]).await?;
        return Ok(model);
    }
    Err(AppError::NotFound)
}

/// The doses a child has had, oldest first.
pub async fn doses_of(
    ctx: ServiceContext<'_>,
    child_id: Uuid,
) -> AppResult<Vec<vaccination::Model>> {
    Ok(vaccination::Entity::find()
        .filter(vaccination::Column::ChildId.eq(child_id))
        .filter(vaccination::Column::SupersededAt.is_null())
        .order_by_asc(vaccination::Column::VaccinatedOn)
        .order_by_asc(vaccination::Column::Id)
        .all(ctx.db)
        .await?)
}

/// Writes a read of `child`'s `accessed` part to the personal-data access log when the
/// viewer is staff (a health admin or a clinic), not the guardian. The viewer was checked
/// when the child was handed out.
pub async fn log_staff_read(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    child: &child::Model,
    accessed: &'static str,
) -> AppResult<()> {
    let me = viewer.require_user()?;
    if child.guardian_user_id == Some(me.id) {
        return Ok(());
    }
    let read = Read {
        municipality_id: child.municipality_id,
        subject_kind: SUBJECT_KIND,
        subject_id: child.id,
        accessed,
    };
    audit::record(ctx.db, me.id, [read]).await
}

/// A dose copied by the guardian from the 母子健康手帳.
#[derive(Debug, Clone)]
pub struct HandbookDose {
    /// The child.
    pub child_id: Uuid,
    /// Product code from the catalogue.
    pub product_code: String,
    /// The day it was given.
    pub vaccinated_on: NaiveDate,
    /// A retry with the same key records nothing more.
    pub idempotency_key: Option<String>,
}

/// Records a dose from the 母子健康手帳 for the guardian's own child. The dose is a fact of
/// the past, so it is kept even where it broke a rule; the schedule reads it as given.
#[tracing::instrument(skip_all)]
pub async fn record_handbook_dose(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    dose: HandbookDose,
) -> AppResult<Result<vaccination::Model, Vec<FieldError>>> {
    let me = viewer.require_user()?;
    let child = child::Entity::find_by_id(dose.child_id)
        .one(ctx.db)
        .await?
        .filter(|child| child.guardian_user_id == Some(me.id));
    let Some(child) = child else {
        return Ok(Err(vec![FieldError::input(
            "childId",
            FieldErrorCode::NotFound,
            "お子さまが見つかりません。",
        )]));
    };
    let mut errors = Problems::new();
    let catalogue = load_catalogue(ctx).await?;
    if catalogue.product(&dose.product_code).is_none() {
        errors.push(FieldError::input(
            "productCode",
            FieldErrorCode::Invalid,
            "ワクチンが登録されていません。",
        ));
    }
    let today = crate::fiscal::date_of(ctx.now());
    if dose.vaccinated_on < child.birth_date || dose.vaccinated_on > today {
        errors.push(FieldError::input(
            "vaccinatedOn",
            FieldErrorCode::Invalid,
            "接種日は生年月日から今日までの日付にしてください。",
        ));
    }
    if let Err(errors) = errors.finish() {
        return Ok(Err(errors));
    }
    let fingerprint = (child.id, dose.product_code.clone(), dose.vaccinated_on);
    let now = ctx.now();
    let created = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "recordHandbookVaccination"),
        dose.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let id = Uuid::now_v7();
            vaccination::ActiveModel {
                id: Set(id),
                municipality_id: Set(child.municipality_id),
                child_id: Set(child.id),
                product_code: Set(dose.product_code.clone()),
                vaccinated_on: Set(dose.vaccinated_on),
                source: Set(VaccinationSource::Handbook),
                recorded_by: Set(me.id),
                created_at: Set(now),
                ..super::visits::new_dose(id)
            }
            .insert(txn)
            .await?;
            Ok(Ok(id))
        },
    )
    .await?;
    idempotency::load_created::<vaccination::Entity>(ctx.db, created).await
}

/// The catalogue and the current doses of every child of a list, read once for the list.
#[derive(Debug)]
pub struct Preloaded {
    /// The catalogue with the children's municipality's month-end rule.
    pub catalogue: std::sync::Arc<super::super::catalogue::Catalogue>,
    doses: std::collections::HashMap<Uuid, Vec<vaccination::Model>>,
}

impl Preloaded {
    /// The current doses of `child_id`, oldest first.
    pub fn doses_of(&self, child_id: Uuid) -> Vec<vaccination::Model> {
        self.doses.get(&child_id).cloned().unwrap_or_default()
    }
}

/// Reads the catalogue and the doses of `children` (all of one municipality: one guardian's)
/// in a fixed number of statements, one per 10,000 children for the doses.
pub async fn preload(
    ctx: ServiceContext<'_>,
    children: &[child::Model],
) -> AppResult<Option<std::sync::Arc<Preloaded>>> {
    let Some(first) = children.first() else {
        return Ok(None);
    };
    let catalogue = super::visits::catalogue_for(ctx, first.municipality_id).await?;
    let mut doses: std::collections::HashMap<Uuid, Vec<vaccination::Model>> =
        std::collections::HashMap::new();
    for chunk in children.chunks(crate::domains::health::loaders::BATCH) {
        let rows = vaccination::Entity::find()
            .filter(vaccination::Column::ChildId.is_in(chunk.iter().map(|c| c.id)))
            .filter(vaccination::Column::SupersededAt.is_null())
            .order_by_asc(vaccination::Column::VaccinatedOn)
            .order_by_asc(vaccination::Column::Id)
            .all(ctx.db)
            .await?;
        for row in rows {
            doses.entry(row.child_id).or_default().push(row);
        }
    }
    Ok(Some(std::sync::Arc::new(Preloaded {
        catalogue: std::sync::Arc::new(catalogue),
        doses,
    })))
}

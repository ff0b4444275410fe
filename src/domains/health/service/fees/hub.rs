//! What tsunagu does with the national hub (PMH): registers a child's eligibility, pushes
//! a clinic's record, and imports the month's records the hub holds. A record a clinic
//! registered in the hub has had its fee claimed there (registering completes the claim),
//! so it is marked and no monthly claim bills it; a hub record tsunagu did not have is
//! imported as a dose with source `hub`.

use entity::{
    health_child as child,
    health_fee_claim_line::{self as line, LineService},
    health_form_submission::{self as submission, FormStatus},
    health_hub_record as hub_record, health_vaccination as vaccination, municipality,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::Expr,
};
use uuid::Uuid;

use super::super::super::hub::{HubError, HubOutcome, HubRecord, HubResident, PublicMedicalHub};
use super::access::city;
use super::lines::month_bounds;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::state::ServiceContext;

fn hub_failed(error: HubError) -> AppError {
    match error {
        HubError::UnknownResident => {
            AppError::BadUserInput("the child is not registered with the hub".into())
        }
        HubError::Unavailable(_) => {
            tracing::warn!(error = %error, "public medical hub failed");
            AppError::Unavailable
        }
    }
}

async fn jis_code(db: &impl ConnectionTrait, municipality_id: Uuid) -> AppResult<String> {
    Ok(municipality::Entity::find_by_id(municipality_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?
        .jis_code)
}

/// Registers (or updates) a child's eligibility with the hub (the city's health staff).
/// Sending the child's data is a read of it, and is logged.
#[tracing::instrument(skip_all)]
pub async fn register_hub_eligibility(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    hub: &dyn PublicMedicalHub,
    child_id: Uuid,
) -> AppResult<child::Model> {
    let (_, municipality_id) = city(ctx.db, viewer, None).await?;
    let found = child::Entity::find_by_id(child_id)
        .one(ctx.db)
        .await?
        .filter(|c| c.municipality_id == municipality_id)
        .ok_or(AppError::NotFound)?;
    super::super::children::log_staff_read(ctx, viewer, &found, "hub_registration").await?;
    let code = jis_code(ctx.db, municipality_id).await?;
    hub.upsert_resident(
        &code,
        HubResident {
            identity_key: found.id.to_string(),
            name: found.name.clone(),
            name_kana: found.name_kana.clone(),
            birth_date: found.birth_date,
            sex: if found.sex == "FEMALE" { "2" } else { "1" }.to_owned(),
            not_disclosed: false,
        },
    )
    .await
    .map_err(hub_failed)?;
    Ok(found)
}

/// Registers a clinic's dose record (any version of it) with the hub (the city's health
/// staff); returns the hub's key of it. Pushing again returns the same key.
#[tracing::instrument(skip_all)]
pub async fn push_record_to_hub(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    hub: &dyn PublicMedicalHub,
    vaccination_id: Uuid,
) -> AppResult<String> {
    let (_, municipality_id) = city(ctx.db, viewer, None).await?;
    let version = vaccination::Entity::find_by_id(vaccination_id)
        .one(ctx.db)
        .await?
        .filter(|v| v.municipality_id == municipality_id)
        .ok_or(AppError::NotFound)?;
    let dose = vaccination::Entity::find()
        .filter(vaccination::Column::RecordId.eq(version.record_id))
        .filter(vaccination::Column::SupersededAt.is_null())
        .filter(vaccination::Column::MunicipalityId.eq(municipality_id))
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let code = jis_code(ctx.db, municipality_id).await?;
    let reference = hub
        .push_record(
            &code,
            HubRecord {
                hub_reference: String::new(),
                identity_key: dose.child_id.to_string(),
                local_reference: Some(dose.record_id),
                clinic_id: dose.clinic_id,
                product_code: dose.product_code.clone(),
                given_on: dose.vaccinated_on,
                outcome: HubOutcome::Given,
                lot_number: dose.lot_number.clone(),
                claimed: false,
            },
        )
        .await
        .map_err(hub_failed)?;
    let known = hub_record::Entity::find()
        .filter(hub_record::Column::MunicipalityId.eq(municipality_id))
        .filter(hub_record::Column::HubReference.eq(reference.clone()))
        .count(ctx.db)
        .await?;
    if known == 0 {
        hub_record::Entity::insert(hub_record::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(municipality_id),
            hub_reference: Set(reference.clone()),
            service_kind: Set(LineService::Vaccination),
            record_ref: Set(dose.record_id),
            claimed_through_hub: Set(false),
            imported_at: Set(ctx.now()),
        })
        .exec_without_returning(ctx.db)
        .await?;
    }
    Ok(reference)
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HubImport {
    /// Records the hub returned for the month.
    pub pulled: u64,
    /// Doses tsunagu did not have, added with source `hub`.
    pub imported: u64,
    /// Records newly marked as claimed through the hub.
    pub marked_claimed: u64,
    /// Records claimed through the hub that a clinic's claim also bills: to be settled
    /// with the clinic before payment.
    pub double_claims: u64,
    /// Records no child or clinic of the municipality could be found for.
    pub unmatched: u64,
}

/// The local record a hub record is, if tsunagu has it.
async fn local_of(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    record: &HubRecord,
) -> AppResult<Option<(LineService, Uuid)>> {
    let child_id = Uuid::parse_str(&record.identity_key).ok();
    match record.outcome {
        HubOutcome::Given => {
            let mut query = vaccination::Entity::find()
                .filter(vaccination::Column::MunicipalityId.eq(municipality_id))
                .filter(vaccination::Column::SupersededAt.is_null());
            query = match (record.local_reference, child_id) {
                (Some(local), _) => query.filter(vaccination::Column::RecordId.eq(local)),
                (None, Some(child_id)) => query
                    .filter(vaccination::Column::ChildId.eq(child_id))
                    .filter(vaccination::Column::ProductCode.eq(record.product_code.clone()))
                    .filter(vaccination::Column::VaccinatedOn.eq(record.given_on))
                    .filter(vaccination::Column::ClinicId.eq(record.clinic_id)),
                (None, None) => return Ok(None),
            };
            Ok(query
                .one(db)
                .await?
                .map(|dose| (LineService::Vaccination, dose.record_id)))
        }
        HubOutcome::Deferred => {
            let Some(child_id) = child_id else {
                return Ok(None);
            };
            let forms = submission::Entity::find()
                .filter(submission::Column::MunicipalityId.eq(municipality_id))
                .filter(submission::Column::ChildId.eq(child_id))
                .filter(submission::Column::ProductCode.eq(record.product_code.clone()))
                .filter(submission::Column::Status.eq(FormStatus::Deferred))
                .filter(submission::Column::ClinicId.eq(record.clinic_id))
                .all(db)
                .await?;
            Ok(forms
                .into_iter()
                .find(|form| {
                    form.confirmed_at
                        .map_or(form.planned_on, crate::fiscal::date_of)
                        == record.given_on
                })
                .map(|form| (LineService::Deferral, form.id)))
        }
    }
}

/// Imports the hub's records of a service month (the city's health staff).
#[tracing::instrument(skip_all)]
pub async fn import_hub_records(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    hub: &dyn PublicMedicalHub,
    year: i32,
    month: u32,
) -> AppResult<HubImport> {
    let (user_id, municipality_id) = city(ctx.db, viewer, None).await?;
    let (first, next) =
        month_bounds(year, month).ok_or_else(|| AppError::BadUserInput("no such month".into()))?;
    let code = jis_code(ctx.db, municipality_id).await?;
    let records = hub
        .pull_records(&code, first, next)
        .await
        .map_err(hub_failed)?;
    let mut outcome = HubImport {
        pulled: records.len() as u64,
        ..HubImport::default()
    };
    let now = ctx.now();
    let txn = crate::db::begin_write(ctx.db).await?;
    for record in records {
        let known = hub_record::Entity::find()
            .filter(hub_record::Column::MunicipalityId.eq(municipality_id))
            .filter(hub_record::Column::HubReference.eq(record.hub_reference.clone()))
            .one(&txn)
            .await?;
        let (service, record_ref, newly_claimed) = match known {
            Some(row) => {
                let newly = record.claimed && !row.claimed_through_hub;
                if newly {
                    hub_record::Entity::update_many()
                        .col_expr(hub_record::Column::ClaimedThroughHub, Expr::value(true))
                        .filter(hub_record::Column::Id.eq(row.id))
                        .exec(&txn)
                        .await?;
                }
                (row.service_kind, row.record_ref, newly)
            }
            None => {
                let (service, record_ref) = match local_of(&txn, municipality_id, &record).await? {
                    Some(local) => local,
                    None => {
                        match import_dose(&txn, municipality_id, user_id, &record, now).await? {
                            Some(record_ref) => {
                                outcome.imported += 1;
                                (LineService::Vaccination, record_ref)
                            }
                            None => {
                                outcome.unmatched += 1;
                                continue;
                            }
                        }
                    }
                };
                hub_record::Entity::insert(hub_record::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    municipality_id: Set(municipality_id),
                    hub_reference: Set(record.hub_reference.clone()),
                    service_kind: Set(service),
                    record_ref: Set(record_ref),
                    claimed_through_hub: Set(record.claimed),
                    imported_at: Set(now),
                })
                .exec_without_returning(&txn)
                .await?;
                (service, record_ref, record.claimed)
            }
        };
        if newly_claimed {
            outcome.marked_claimed += 1;
            // A line for it still being prepared is dropped; one already sent is counted
            // for the city to settle with the clinic.
            let on_claims = line::Entity::find()
                .filter(line::Column::ServiceKind.eq(service))
                .filter(line::Column::RecordRef.eq(record_ref))
                .all(&txn)
                .await?;
            for on_claim in on_claims {
                let held = entity::health_fee_claim::Entity::find_by_id(on_claim.claim_id)
                    .one(&txn)
                    .await?
                    .is_some_and(|c| {
                        matches!(
                            c.status,
                            entity::health_fee_claim::ClaimStatus::Draft
                                | entity::health_fee_claim::ClaimStatus::Returned
                        )
                    });
                if held {
                    line::Entity::delete_by_id(on_claim.id).exec(&txn).await?;
                } else {
                    outcome.double_claims += 1;
                }
            }
        }
    }
    txn.commit().await?;
    Ok(outcome)
}

/// Adds a dose the hub holds and tsunagu does not, if its child and clinic are the
/// municipality's.
async fn import_dose(
    txn: &sea_orm::DatabaseTransaction,
    municipality_id: Uuid,
    user_id: Uuid,
    record: &HubRecord,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Option<Uuid>> {
    if record.outcome != HubOutcome::Given {
        return Ok(None);
    }
    let Some(child_id) = Uuid::parse_str(&record.identity_key).ok() else {
        return Ok(None);
    };
    let child = child::Entity::find_by_id(child_id)
        .one(txn)
        .await?
        .filter(|c| c.municipality_id == municipality_id);
    let clinic = match record.clinic_id {
        Some(id) => super::super::access::find_clinic(txn, id, municipality_id).await?,
        None => None,
    };
    let (Some(child), Some(clinic)) = (child, clinic) else {
        return Ok(None);
    };
    let id = Uuid::now_v7();
    let mut dose = super::super::visits::new_dose(id);
    dose.id = Set(id);
    dose.municipality_id = Set(municipality_id);
    dose.child_id = Set(child.id);
    dose.product_code = Set(record.product_code.clone());
    dose.vaccinated_on = Set(record.given_on);
    dose.source = Set(entity::health_vaccination::VaccinationSource::Hub);
    dose.recorded_by = Set(user_id);
    dose.created_at = Set(now);
    dose.clinic_id = Set(Some(clinic.id));
    dose.lot_number = Set(record.lot_number.clone());
    vaccination::Entity::insert(dose)
        .exec_without_returning(txn)
        .await?;
    Ok(Some(id))
}

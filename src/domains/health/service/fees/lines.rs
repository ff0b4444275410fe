//! The lines a clinic may bill for a service month: every current clinic record of a dose
//! (from the app, paper or the hub), every deferral (予診のみ) and every infant or dental
//! checkup the clinic recorded for a day of the month, priced by
//! the schedule of the month's fiscal year. A record already on another claim, or whose
//! fee the national hub reports as claimed there, is left out: nothing is paid twice.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use entity::{
    health_checkup as checkup, health_checkup_type as checkup_type,
    health_fee_claim_line::{self as line, LineService},
    health_form_submission::{self as submission, FormSource, FormStatus},
    health_hub_record as hub_record,
    health_vaccination::{self as vaccination, VaccinationSource},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::super::super::fee_prices::{Priced, price_of};
use super::super::super::source::RecordSource;
use super::super::checkup_types::{CheckupKind, kind_of};
use crate::error::AppResult;

/// The first day of a service month and of the month after, if the month exists.
pub fn month_bounds(year: i32, month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some((first, next))
}

/// The day a claim for the month starting `first` is due: `due_day` of the month after.
pub fn due_on(first: NaiveDate, due_day: u32) -> Option<NaiveDate> {
    let (_, next) = month_bounds(first.year(), first.month())?;
    NaiveDate::from_ymd_opt(next.year(), next.month(), due_day.clamp(1, 28))
}

/// A line to bill, before it is stored.
#[derive(Clone, Debug)]
pub struct Billable {
    /// What it is for.
    pub service: LineService,
    /// The record billed.
    pub record_ref: Uuid,
    /// The child.
    pub child_id: Uuid,
    /// The day of the service.
    pub served_on: NaiveDate,
    /// The vaccine product.
    pub product_code: String,
    /// The series, when known.
    pub series_code: Option<String>,
    /// The dose number, when known.
    pub dose_number: Option<i32>,
    /// The checkup type key.
    pub checkup_key: String,
    /// Where the record came from.
    pub source: RecordSource,
    /// Yen; `None` when the schedule has no price.
    pub unit_price: Option<i64>,
}

/// What `clinic_id` may bill for the month `[first, next)`, leaving out records on claims
/// other than `claim_id` and records claimed through the hub.
pub async fn billable(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    clinic_id: Uuid,
    claim_id: Uuid,
    (first, next): (NaiveDate, NaiveDate),
) -> AppResult<Vec<Billable>> {
    let doses = vaccination::Entity::find()
        .filter(vaccination::Column::MunicipalityId.eq(municipality_id))
        .filter(vaccination::Column::ClinicId.eq(clinic_id))
        .filter(vaccination::Column::SupersededAt.is_null())
        .filter(vaccination::Column::VaccinatedOn.gte(first))
        .filter(vaccination::Column::VaccinatedOn.lt(next))
        .filter(vaccination::Column::Source.is_in([
            VaccinationSource::App,
            VaccinationSource::Paper,
            VaccinationSource::Hub,
        ]))
        .all(db)
        .await?;
    let deferrals = submission::Entity::find()
        .filter(submission::Column::MunicipalityId.eq(municipality_id))
        .filter(submission::Column::ClinicId.eq(clinic_id))
        .filter(submission::Column::Status.eq(FormStatus::Deferred))
        .filter(submission::Column::ConfirmedAt.gte(crate::fiscal::midnight(first)))
        .filter(submission::Column::ConfirmedAt.lt(crate::fiscal::midnight(next)))
        .all(db)
        .await?;
    let mut found: Vec<Billable> = doses
        .into_iter()
        .map(|dose| Billable {
            service: LineService::Vaccination,
            record_ref: dose.record_id,
            child_id: dose.child_id,
            served_on: dose.vaccinated_on,
            product_code: dose.product_code,
            series_code: dose.series_code,
            dose_number: dose.dose_number,
            checkup_key: String::new(),
            source: match dose.source {
                VaccinationSource::Paper => RecordSource::Paper,
                VaccinationSource::Hub => RecordSource::Hub,
                VaccinationSource::App | VaccinationSource::Handbook => RecordSource::App,
            },
            unit_price: None,
        })
        .collect();
    found.extend(deferrals.into_iter().map(|form| {
        Billable {
            service: LineService::Deferral,
            record_ref: form.id,
            child_id: form.child_id,
            served_on: form
                .confirmed_at
                .map_or(form.planned_on, crate::fiscal::date_of),
            product_code: form.product_code,
            series_code: None,
            dose_number: None,
            checkup_key: String::new(),
            source: match form.source {
                FormSource::App => RecordSource::App,
                FormSource::Paper => RecordSource::Paper,
            },
            unit_price: None,
        }
    }));
    found.extend(checkups_of(db, municipality_id, clinic_id, (first, next)).await?);
    let refs: Vec<Uuid> = found.iter().map(|b| b.record_ref).collect();
    let taken: HashSet<(LineService, Uuid)> = line::Entity::find()
        .filter(line::Column::RecordRef.is_in(refs.clone()))
        .filter(line::Column::ClaimId.ne(claim_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.service_kind, l.record_ref))
        .collect();
    let through_hub: HashSet<(LineService, Uuid)> = hub_record::Entity::find()
        .filter(hub_record::Column::RecordRef.is_in(refs))
        .filter(hub_record::Column::ClaimedThroughHub.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|h| (h.service_kind, h.record_ref))
        .collect();
    found.retain(|b| {
        !taken.contains(&(b.service, b.record_ref))
            && !through_hub.contains(&(b.service, b.record_ref))
    });
    let schedule =
        super::schedule::schedule_of(db, municipality_id, crate::fiscal::year_of_date(first))
            .await?;
    for billable in &mut found {
        billable.unit_price = price_of(
            &schedule,
            match billable.service {
                LineService::Deferral => Priced::Deferral {
                    product: &billable.product_code,
                },
                LineService::Checkup => Priced::Checkup {
                    service: entity::health_fee_schedule_line::FeeService::Checkup,
                    key: &billable.checkup_key,
                },
                LineService::DentalCheckup => Priced::Checkup {
                    service: entity::health_fee_schedule_line::FeeService::DentalCheckup,
                    key: &billable.checkup_key,
                },
                LineService::Vaccination => Priced::Vaccination {
                    product: &billable.product_code,
                    series: billable.series_code.as_deref(),
                    dose: billable.dose_number,
                },
            },
        );
    }
    found.sort_by(|a, b| {
        (a.served_on, a.service as u8, a.record_ref).cmp(&(
            b.served_on,
            b.service as u8,
            b.record_ref,
        ))
    });
    Ok(found)
}

/// The infant and dental checkups `clinic_id` recorded for days of `[first, next)`, as
/// lines not yet priced; a dental checkup type bills as a dental checkup.
async fn checkups_of(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    clinic_id: Uuid,
    (first, next): (NaiveDate, NaiveDate),
) -> AppResult<Vec<Billable>> {
    let checkups = checkup::Entity::find()
        .filter(checkup::Column::MunicipalityId.eq(municipality_id))
        .filter(checkup::Column::ClinicId.eq(clinic_id))
        .filter(checkup::Column::ExaminedOn.gte(first))
        .filter(checkup::Column::ExaminedOn.lt(next))
        .all(db)
        .await?;
    if checkups.is_empty() {
        return Ok(Vec::new());
    }
    let types: HashMap<Uuid, checkup_type::Model> = checkup_type::Entity::find()
        .filter(checkup_type::Column::MunicipalityId.eq(municipality_id))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    Ok(checkups
        .into_iter()
        .filter_map(|done| {
            let kind = types.get(&done.checkup_type_id)?;
            Some(Billable {
                service: match kind_of(kind) {
                    CheckupKind::Dental => LineService::DentalCheckup,
                    CheckupKind::Medical => LineService::Checkup,
                },
                record_ref: done.id,
                child_id: done.child_id,
                served_on: done.examined_on,
                product_code: String::new(),
                series_code: None,
                dose_number: None,
                checkup_key: kind.code.clone(),
                source: done.source,
                unit_price: None,
            })
        })
        .collect())
}

/// One item of a claim as the paper 請求書 prints it: count × unit price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimItem {
    /// What for.
    pub service: LineService,
    /// The vaccine product.
    pub product_code: String,
    /// The series.
    pub series_code: Option<String>,
    /// The dose number.
    pub dose_number: Option<i32>,
    /// The checkup type key.
    pub checkup_key: String,
    /// Yen; `None` when the schedule has no price.
    pub unit_price: Option<i64>,
    /// How many.
    pub count: i64,
}

impl ClaimItem {
    /// Count × unit price (`None` without a price).
    pub fn amount(&self) -> Option<i64> {
        self.unit_price.map(|price| price * self.count)
    }
}

/// The lines grouped by service and price, in the order of first appearance.
pub fn items_of(lines: &[line::Model]) -> Vec<ClaimItem> {
    let mut items: Vec<ClaimItem> = Vec::new();
    for l in lines {
        let matching = items.iter_mut().find(|item| {
            item.service == l.service_kind
                && item.product_code == l.product_code
                && item.series_code == l.series_code
                && item.dose_number == l.dose_number
                && item.checkup_key == l.checkup_key
                && item.unit_price == l.unit_price
        });
        match matching {
            Some(item) => item.count += 1,
            None => items.push(ClaimItem {
                service: l.service_kind,
                product_code: l.product_code.clone(),
                series_code: l.series_code.clone(),
                dose_number: l.dose_number,
                checkup_key: l.checkup_key.clone(),
                unit_price: l.unit_price,
                count: 1,
            }),
        }
    }
    items.sort_by(|a, b| {
        (
            a.service as u8,
            &a.product_code,
            &a.series_code,
            a.dose_number,
            &a.checkup_key,
        )
            .cmp(&(
                b.service as u8,
                &b.product_code,
                &b.series_code,
                b.dose_number,
                &b.checkup_key,
            ))
    });
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_is_due_on_the_set_day_of_the_next_month() {
        let (first, next) = month_bounds(2026, 12).unwrap();
        assert_eq!(next, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        assert_eq!(due_on(first, 10), NaiveDate::from_ymd_opt(2027, 1, 10));
        assert_eq!(
            due_on(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), 31),
            NaiveDate::from_ymd_opt(2026, 2, 28)
        );
        assert_eq!(month_bounds(2026, 13), None);
    }
}

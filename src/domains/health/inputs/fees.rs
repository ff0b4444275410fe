//! GraphQL inputs and payloads of fee claims, and their conversion into service structs.

use async_graphql::{ID, InputObject, SimpleObject};

use super::super::service::fees::{ClaimFilter, NewPrice, NewSchedule};
use super::super::types::{
    HealthAssociation, HealthFeeBatch, HealthFeeClaim, HealthFeeClaimStatus, HealthFeeScheduleLine,
    HealthFeeService,
};
use crate::error::{AppError, AppResult};
use crate::graphql::{
    ids::{self, NodeKind},
    payload::UserError,
};

/// A service month.
fn month_of(year: i32, month: i32) -> AppResult<(i32, u32)> {
    u32::try_from(month)
        .ok()
        .filter(|m| (1..=12).contains(m))
        .map(|m| (year, m))
        .ok_or_else(|| AppError::BadUserInput("month must be 1–12".into()))
}

/// One price of the fee schedule. A vaccination names its product (and optionally a
/// series and a dose); a checkup names its type key.
#[derive(Debug, InputObject)]
pub struct HealthFeePriceInput {
    /// What it prices.
    pub service: HealthFeeService,
    /// The vaccine product code from the catalogue (vaccinations).
    pub product_code: Option<String>,
    /// Only this series of the product (vaccinations).
    pub series_code: Option<String>,
    /// Only this dose of the series (vaccinations, with a series).
    pub dose_number: Option<i32>,
    /// The checkup type key, e.g. `INFANT_4M` or `DENTAL_3Y` (checkups).
    pub checkup_key: Option<String>,
    /// Unit price in yen (0 or more).
    pub price: i64,
    /// Unit price in yen of 予診のみ, when the doctor defers the vaccination (vaccinations;
    /// at most the price).
    pub deferral_price: Option<i64>,
}

/// Set prices of your municipality's fee schedule for a fiscal year (municipal health
/// staff). A price set again for the same service replaces the old one.
#[derive(Debug, InputObject)]
pub struct SetHealthFeeScheduleInput {
    /// The municipality (platform admins); yours when not given.
    pub municipality_id: Option<ID>,
    /// The fiscal year (年度, April–March).
    pub fiscal_year: i32,
    /// The prices.
    pub lines: Vec<HealthFeePriceInput>,
}

impl TryFrom<SetHealthFeeScheduleInput> for NewSchedule {
    type Error = AppError;

    fn try_from(input: SetHealthFeeScheduleInput) -> AppResult<Self> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                input.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            fiscal_year: input.fiscal_year,
            lines: input
                .lines
                .into_iter()
                .map(|line| NewPrice {
                    service: line.service.into(),
                    product_code: line.product_code,
                    series_code: line.series_code,
                    dose_number: line.dose_number,
                    checkup_key: line.checkup_key,
                    price: line.price,
                    deferral_price: line.deferral_price,
                })
                .collect(),
        })
    }
}

/// The fee schedule, or why not.
#[derive(SimpleObject)]
pub struct HealthFeeSchedulePayload {
    /// The year's whole schedule; null when refused.
    pub lines: Option<Vec<HealthFeeScheduleLine>>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// Prepare your clinic's fee claim for a service month (clinic staff): made the first
/// time, its lines gathered and priced again while you hold it (draft or returned).
#[derive(Debug, InputObject)]
pub struct PrepareHealthFeeClaimInput {
    /// The year of the service month.
    pub year: i32,
    /// The service month (1–12).
    pub month: i32,
}

impl PrepareHealthFeeClaimInput {
    /// The month.
    pub fn month(&self) -> AppResult<(i32, u32)> {
        month_of(self.year, self.month)
    }
}

/// A fee claim to act on.
#[derive(Debug, InputObject)]
pub struct HealthFeeClaimActionInput {
    /// The claim.
    pub claim_id: ID,
}

impl HealthFeeClaimActionInput {
    /// The claim's id.
    pub fn claim_id(&self) -> AppResult<uuid::Uuid> {
        ids::decode_as(&self.claim_id, NodeKind::HealthFeeClaim)
    }
}

/// Send a submitted claim back to its clinic (its association's staff, or municipal
/// health staff).
#[derive(Debug, InputObject)]
pub struct ReturnHealthFeeClaimInput {
    /// The claim.
    pub claim_id: ID,
    /// Why, e.g. 「保護者の自署がない予診票があります」 (up to 500 characters).
    pub reason: String,
}

/// A fee claim, or why not.
#[derive(SimpleObject)]
pub struct HealthFeeClaimPayload {
    /// The claim; null when refused.
    pub claim: Option<HealthFeeClaim>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// Which fee claims to list.
#[derive(Debug, Default, InputObject)]
pub struct HealthFeeClaimFilter {
    /// The municipality (platform admins); yours otherwise.
    pub municipality_id: Option<ID>,
    /// Only this clinic's.
    pub clinic_id: Option<ID>,
    /// Only this service month's year (with `month`).
    pub year: Option<i32>,
    /// Only this service month (with `year`).
    pub month: Option<i32>,
    /// Only in this state.
    pub status: Option<HealthFeeClaimStatus>,
    /// Only those in this batch.
    pub batch_id: Option<ID>,
}

impl TryFrom<HealthFeeClaimFilter> for ClaimFilter {
    type Error = AppError;

    fn try_from(input: HealthFeeClaimFilter) -> AppResult<Self> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                input.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            clinic_id: ids::decode_optional(input.clinic_id.as_ref(), NodeKind::Organization)?,
            month: match (input.year, input.month) {
                (Some(year), Some(month)) => Some(month_of(year, month)?),
                (None, None) => None,
                _ => {
                    return Err(AppError::BadUserInput(
                        "give both year and month, or neither".into(),
                    ));
                }
            },
            status: input.status.map(Into::into),
            batch_id: ids::decode_optional(input.batch_id.as_ref(), NodeKind::HealthFeeBatch)?,
        })
    }
}

/// Set which clinics claim through an association (municipal health staff): exactly
/// these.
#[derive(Debug, InputObject)]
pub struct SetHealthAssociationMembersInput {
    /// The association (an organization of kind MEDICAL_ASSOCIATION or
    /// DENTAL_ASSOCIATION).
    pub association_id: ID,
    /// Its member clinics.
    pub clinic_ids: Vec<ID>,
}

/// An association, or why not.
#[derive(SimpleObject)]
pub struct HealthAssociationPayload {
    /// The association; null when refused.
    pub association: Option<HealthAssociation>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// Put the month's submitted claims of your association's members into its batch for the
/// city (association staff).
#[derive(Debug, InputObject)]
pub struct SubmitHealthFeeBatchInput {
    /// The year of the service month.
    pub year: i32,
    /// The service month (1–12).
    pub month: i32,
}

impl SubmitHealthFeeBatchInput {
    /// The month.
    pub fn month(&self) -> AppResult<(i32, u32)> {
        month_of(self.year, self.month)
    }
}

/// A batch to act on (municipal health staff).
#[derive(Debug, InputObject)]
pub struct HealthFeeBatchActionInput {
    /// The batch.
    pub batch_id: ID,
}

/// A batch, or why not.
#[derive(SimpleObject)]
pub struct HealthFeeBatchPayload {
    /// The batch; null when refused.
    pub batch: Option<HealthFeeBatch>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// Register a child's eligibility with the national hub (municipal health staff).
#[derive(Debug, InputObject)]
pub struct RegisterHealthHubEligibilityInput {
    /// The child.
    pub child_id: ID,
}

/// Register a clinic's dose record with the national hub (municipal health staff).
#[derive(Debug, InputObject)]
pub struct PushVaccinationToHubInput {
    /// The dose record (any version's id).
    pub vaccination_id: ID,
}

/// What the hub answered.
#[derive(SimpleObject)]
pub struct HealthHubPayload {
    /// The hub's key of what was registered (a record's), or the child's global id.
    pub reference: String,
}

/// Import the national hub's records of a service month (municipal health staff).
#[derive(Debug, InputObject)]
pub struct ImportHealthHubRecordsInput {
    /// The year of the service month.
    pub year: i32,
    /// The service month (1–12).
    pub month: i32,
}

impl ImportHealthHubRecordsInput {
    /// The month.
    pub fn month(&self) -> AppResult<(i32, u32)> {
        month_of(self.year, self.month)
    }
}

//! GraphQL objects of fee claims (委託料請求): the fee schedule, a clinic's monthly claim
//! with its lines, items (count × unit price) and history, the associations and their
//! batches, and what an import from the national hub did.

use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Datelike, Utc};
use entity::{
    health_fee_claim_event as event, health_fee_claim_line as line,
    health_fee_schedule_line as price_line, organization,
};

use super::super::service::fees::{self, Association, BatchView, ClaimItem, ClaimView};
use super::super::source::HealthRecordSource;
use crate::graphql::{
    ids::{NodeKind, encode},
    scalars::Date,
};

crate::enum_mirror! {
    /// What a fee schedule line prices.
    HealthFeeService = entity::health_fee_schedule_line::FeeService {
        /// A vaccination, with its lower 予診のみ (deferral) price.
        Vaccination,
        /// An infant checkup (乳幼児健診).
        Checkup,
        /// A dental checkup (歯科健診).
        DentalCheckup,
    }
}

crate::enum_mirror! {
    /// What a claim line bills.
    HealthFeeLineService = entity::health_fee_claim_line::LineService {
        /// A dose given.
        Vaccination,
        /// 予診のみ: the doctor deferred the vaccination (a lower price).
        Deferral,
        /// An infant checkup.
        Checkup,
        /// A dental checkup.
        DentalCheckup,
    }
}

crate::enum_mirror! {
    /// Where a clinic's monthly fee claim stands.
    HealthFeeClaimStatus = entity::health_fee_claim::ClaimStatus {
        /// Being prepared by the clinic.
        Draft,
        /// Sent by the clinic (to its association, or to the city).
        Submitted,
        /// Sent back to the clinic with a reason (e.g. a missing consent).
        Returned,
        /// Accepted by the city.
        Accepted,
        /// Paid by the city.
        Paid,
    }
}

crate::enum_mirror! {
    /// Where an association's monthly batch stands.
    HealthFeeBatchStatus = entity::health_fee_batch::BatchStatus {
        /// Sent to the city.
        Submitted,
        /// Accepted by the city (with its submitted claims).
        Accepted,
        /// Paid by the city.
        Paid,
    }
}

/// One price of a municipality's fee schedule (委託料単価) for a fiscal year.
pub struct HealthFeeScheduleLine(pub price_line::Model);

/// One price of a municipality's fee schedule (委託料単価) for a fiscal year.
#[Object]
impl HealthFeeScheduleLine {
    /// Global id.
    async fn id(&self) -> ID {
        encode(NodeKind::HealthFeeScheduleLine, self.0.id)
    }

    /// The fiscal year (年度, April–March).
    async fn fiscal_year(&self) -> i32 {
        self.0.fiscal_year
    }

    /// What it prices.
    async fn service(&self) -> HealthFeeService {
        self.0.service_kind.into()
    }

    /// The vaccine product code (vaccinations).
    async fn product_code(&self) -> Option<&str> {
        Some(self.0.product_code.as_str()).filter(|c| !c.is_empty())
    }

    /// Only this series of the product; any series when null.
    async fn series_code(&self) -> Option<&str> {
        Some(self.0.series_code.as_str()).filter(|c| !c.is_empty())
    }

    /// Only this dose of the series; any dose when null.
    async fn dose_number(&self) -> Option<i32> {
        Some(self.0.dose_number).filter(|d| *d != 0)
    }

    /// The checkup type key (checkups).
    async fn checkup_key(&self) -> Option<&str> {
        Some(self.0.checkup_key.as_str()).filter(|c| !c.is_empty())
    }

    /// Unit price in yen.
    async fn price(&self) -> i64 {
        self.0.price
    }

    /// Unit price in yen of 予診のみ (the doctor deferred the vaccination).
    async fn deferral_price(&self) -> Option<i64> {
        self.0.deferral_price
    }

    /// When it was last set.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A clinic or association, as fee claims name it.
#[derive(SimpleObject)]
pub struct HealthFeeOrganization {
    /// The organization's global id.
    pub id: ID,
    /// Its name.
    pub name: String,
}

impl From<&organization::Model> for HealthFeeOrganization {
    fn from(organization: &organization::Model) -> Self {
        Self {
            id: encode(NodeKind::Organization, organization.id),
            name: organization.name.clone(),
        }
    }
}

/// One billed record of a claim (no personal data: the 予診票 stay with the clinic).
pub struct HealthFeeClaimLine(pub line::Model);

/// One billed record of a claim (no personal data: the 予診票 stay with the clinic).
#[Object]
impl HealthFeeClaimLine {
    /// What it bills.
    async fn service(&self) -> HealthFeeLineService {
        self.0.service_kind.into()
    }

    /// The day of the service (JST).
    async fn served_on(&self) -> Date {
        Date(self.0.served_on)
    }

    /// The vaccine product code.
    async fn product_code(&self) -> Option<&str> {
        Some(self.0.product_code.as_str()).filter(|c| !c.is_empty())
    }

    /// The series, when known.
    async fn series_code(&self) -> Option<&str> {
        self.0.series_code.as_deref()
    }

    /// The dose number, when known.
    async fn dose_number(&self) -> Option<i32> {
        self.0.dose_number
    }

    /// The checkup type key.
    async fn checkup_key(&self) -> Option<&str> {
        Some(self.0.checkup_key.as_str()).filter(|c| !c.is_empty())
    }

    /// Where the record came from.
    async fn source(&self) -> HealthRecordSource {
        self.0.source.into()
    }

    /// Unit price in yen; null when the fee schedule has none (the claim cannot be
    /// submitted until it has).
    async fn unit_price(&self) -> Option<i64> {
        self.0.unit_price
    }
}

/// One item of a claim as the paper 請求書 prints it: count × unit price.
pub struct HealthFeeClaimItem(pub ClaimItem);

/// One item of a claim as the paper 請求書 prints it: count × unit price.
#[Object]
impl HealthFeeClaimItem {
    /// What it bills.
    async fn service(&self) -> HealthFeeLineService {
        self.0.service.into()
    }

    /// The vaccine product code.
    async fn product_code(&self) -> Option<&str> {
        Some(self.0.product_code.as_str()).filter(|c| !c.is_empty())
    }

    /// The series.
    async fn series_code(&self) -> Option<&str> {
        self.0.series_code.as_deref()
    }

    /// The dose number.
    async fn dose_number(&self) -> Option<i32> {
        self.0.dose_number
    }

    /// The checkup type key.
    async fn checkup_key(&self) -> Option<&str> {
        Some(self.0.checkup_key.as_str()).filter(|c| !c.is_empty())
    }

    /// Unit price in yen; null when the schedule has none.
    async fn unit_price(&self) -> Option<i64> {
        self.0.unit_price
    }

    /// How many (件数).
    async fn count(&self) -> i64 {
        self.0.count
    }

    /// Count × unit price in yen; null without a price.
    async fn amount(&self) -> Option<i64> {
        self.0.amount()
    }
}

/// One change of a claim's state.
pub struct HealthFeeClaimEvent(pub event::Model);

/// One change of a claim's state.
#[Object]
impl HealthFeeClaimEvent {
    /// The state before; null when the claim was made.
    async fn from_status(&self) -> Option<HealthFeeClaimStatus> {
        self.0.from_status.map(Into::into)
    }

    /// The state after.
    async fn to_status(&self) -> HealthFeeClaimStatus {
        self.0.to_status.into()
    }

    /// Why (a return's reason).
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// When.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
}

/// A clinic's fee claim (委託料請求) for one service month.
pub struct HealthFeeClaim(pub ClaimView);

/// A clinic's fee claim (委託料請求) for one service month.
#[Object]
impl HealthFeeClaim {
    /// Global id.
    async fn id(&self) -> ID {
        encode(NodeKind::HealthFeeClaim, self.0.claim.id)
    }

    /// The clinic.
    async fn clinic(&self) -> HealthFeeOrganization {
        (&self.0.clinic).into()
    }

    /// The year of the service month.
    async fn year(&self) -> i32 {
        self.0.claim.month.year()
    }

    /// The service month (1–12).
    async fn month(&self) -> u32 {
        self.0.claim.month.month()
    }

    /// The day it is due: the municipality's due day of the next month.
    async fn due_on(&self) -> Date {
        Date(self.0.claim.due_on)
    }

    /// Whether it is past its due day and still with the clinic (draft or returned).
    async fn is_overdue(&self) -> bool {
        self.0.overdue_on(crate::fiscal::today())
    }

    /// Where it stands.
    async fn status(&self) -> HealthFeeClaimStatus {
        self.0.claim.status.into()
    }

    /// Why it was last returned.
    async fn return_reason(&self) -> Option<&str> {
        self.0.claim.return_reason.as_deref()
    }

    /// When it was last submitted.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.claim.submitted_at
    }

    /// The global id of the association it goes through (a member clinic's).
    async fn association_id(&self) -> Option<ID> {
        self.0
            .claim
            .association_id
            .map(|id| encode(NodeKind::Organization, id))
    }

    /// The global id of the association's batch it is in.
    async fn batch_id(&self) -> Option<ID> {
        self.0
            .claim
            .batch_id
            .map(|id| encode(NodeKind::HealthFeeBatch, id))
    }

    /// Every billed record, by day.
    async fn lines(&self) -> Vec<HealthFeeClaimLine> {
        self.0
            .lines
            .iter()
            .cloned()
            .map(HealthFeeClaimLine)
            .collect()
    }

    /// The lines grouped by service and unit price, as the paper 請求書 lists them.
    async fn items(&self) -> Vec<HealthFeeClaimItem> {
        fees::items_of(&self.0.lines)
            .into_iter()
            .map(HealthFeeClaimItem)
            .collect()
    }

    /// The total in yen of the priced lines.
    async fn total(&self) -> i64 {
        self.0.lines.iter().filter_map(|l| l.unit_price).sum()
    }

    /// Lines the fee schedule gives no price for: a problem to solve before submitting.
    async fn missing_price_count(&self) -> usize {
        self.0
            .lines
            .iter()
            .filter(|l| l.unit_price.is_none())
            .count()
    }

    /// Every change of its state, oldest first.
    async fn history(&self) -> Vec<HealthFeeClaimEvent> {
        self.0
            .events
            .iter()
            .cloned()
            .map(HealthFeeClaimEvent)
            .collect()
    }
}

/// A medical (医師会) or dental (歯科医師会) association with its member clinics.
pub struct HealthAssociation(pub Association);

/// A medical (医師会) or dental (歯科医師会) association with its member clinics.
#[Object]
impl HealthAssociation {
    /// The association's organization global id.
    async fn id(&self) -> ID {
        encode(NodeKind::Organization, self.0.association.id)
    }

    /// Its name.
    async fn name(&self) -> &str {
        &self.0.association.name
    }

    /// Whether it is a dental association (歯科医師会) rather than a medical one (医師会).
    async fn dental(&self) -> bool {
        self.0.association.kind == organization::OrganizationKind::DentalAssociation
    }

    /// The clinics that claim their fees through it.
    async fn members(&self) -> Vec<HealthFeeOrganization> {
        self.0.members.iter().map(Into::into).collect()
    }
}

/// An association's batch of its member clinics' claims for one month.
pub struct HealthFeeBatch(pub BatchView);

/// One clinic's total in a batch.
#[derive(SimpleObject)]
pub struct HealthFeeBatchClinicTotal {
    /// The clinic.
    pub clinic: HealthFeeOrganization,
    /// Its claim's state.
    pub status: HealthFeeClaimStatus,
    /// How many lines.
    pub count: usize,
    /// Its total in yen.
    pub total: i64,
}

/// An association's batch of its member clinics' claims for one month.
#[Object]
impl HealthFeeBatch {
    /// Global id.
    async fn id(&self) -> ID {
        encode(NodeKind::HealthFeeBatch, self.0.batch.id)
    }

    /// The association.
    async fn association(&self) -> HealthFeeOrganization {
        (&self.0.association).into()
    }

    /// The year of the service month.
    async fn year(&self) -> i32 {
        self.0.batch.month.year()
    }

    /// The service month (1–12).
    async fn month(&self) -> u32 {
        self.0.batch.month.month()
    }

    /// Where it stands.
    async fn status(&self) -> HealthFeeBatchStatus {
        self.0.batch.status.into()
    }

    /// Its claims.
    async fn claims(&self) -> Vec<HealthFeeClaim> {
        self.0.claims.iter().cloned().map(HealthFeeClaim).collect()
    }

    /// Each clinic's total.
    async fn clinic_totals(&self) -> Vec<HealthFeeBatchClinicTotal> {
        self.0
            .claims
            .iter()
            .map(|c| HealthFeeBatchClinicTotal {
                clinic: (&c.clinic).into(),
                status: c.claim.status.into(),
                count: c.lines.len(),
                total: c.lines.iter().filter_map(|l| l.unit_price).sum(),
            })
            .collect()
    }

    /// The total in yen of its claims.
    async fn total(&self) -> i64 {
        self.0
            .claims
            .iter()
            .flat_map(|c| c.lines.iter())
            .filter_map(|l| l.unit_price)
            .sum()
    }
}

/// What an import from the national hub did.
#[derive(SimpleObject)]
pub struct HealthHubImport {
    /// Records the hub returned for the month.
    pub pulled: u64,
    /// Doses tsunagu did not have, added with source HUB.
    pub imported: u64,
    /// Records newly marked as claimed through the hub (no clinic claim bills them).
    pub marked_claimed: u64,
    /// Records claimed through the hub that a submitted clinic claim also bills: to
    /// settle with the clinic before payment.
    pub double_claims: u64,
    /// Records no child or clinic of the municipality was found for.
    pub unmatched: u64,
}

impl From<fees::HubImport> for HealthHubImport {
    fn from(import: fees::HubImport) -> Self {
        Self {
            pulled: import.pulled,
            imported: import.imported,
            marked_claimed: import.marked_claimed,
            double_claims: import.double_claims,
            unmatched: import.unmatched,
        }
    }
}

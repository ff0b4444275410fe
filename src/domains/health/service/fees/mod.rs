//! Fee claims (委託料請求): the fee schedule, the clinics' monthly claims and their lines,
//! the associations and their batches, and what the national hub reports.

mod access;
mod batches;
mod claims;
mod hub;
mod lines;
mod schedule;

pub use access::{FeeActor, fee_actor};
pub use batches::{
    Association, BatchView, fee_batches, find_fee_batch, health_associations,
    set_association_members, settle_fee_batch, submit_fee_batch,
};
pub use claims::{
    ClaimFilter, ClaimView, fee_claims, find_fee_claim, move_fee_claim, prepare_fee_claim,
};
pub use hub::{HubImport, import_hub_records, push_record_to_hub, register_hub_eligibility};
pub use lines::{ClaimItem, items_of, month_bounds};
pub use schedule::{NewPrice, NewSchedule, fee_schedule, set_fee_schedule};

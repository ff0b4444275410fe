//! Database migrations of tsunagu, one per table-set, in order.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_identity;
mod m20261125_000002_platform;
mod m20261125_000003_partnership;
mod m20261125_000004_relocation;
mod m20261125_000005_programs;
mod m20261125_000006_search;
mod m20261201_000001_personal_data_access_log;
mod m20261201_000002_employment;
mod m20261201_000003_childcare;
mod m20261201_000004_relocation_refinements;
mod m20261201_000005_content;
mod m20261201_000006_kpi;
mod m20261204_000001_one_access_log;
mod m20261205_000001_health_catalogue;
mod m20261205_000002_health_children;
mod m20261205_000003_registration_lookups;
mod m20261206_000001_health_visits;
mod m20261206_100001_notifications;
mod m20261206_200001_search_synonyms;
mod m20261207_000001_health_unclaimed_children;
mod m20261207_300001_title_readings;
pub mod m20261208_200001_inquiry_contact_digests;
mod m20261208_300001_program_start_dates;
mod m20261209_100001_childcare_daily_tools;
mod m20261209_200001_revisions_and_comment_deletion;
mod m20261209_300001_health_checkups;

mod checkup_seed;
pub use checkup_seed::{KITAKYUSHU_CHECKUPS, seed_kitakyushu_checkups};
mod m20261209_400001_health_fees;
mod m20261210_100001_cancelled_slots_free_their_time;
mod m20261210_300001_health_surveys;

/// Every migration of the product, applied in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_identity::Migration),
            Box::new(m20261125_000002_platform::Migration),
            Box::new(m20261125_000003_partnership::Migration),
            Box::new(m20261125_000004_relocation::Migration),
            Box::new(m20261125_000005_programs::Migration),
            Box::new(m20261125_000006_search::Migration),
            Box::new(m20261201_000001_personal_data_access_log::Migration),
            Box::new(m20261201_000002_employment::Migration),
            Box::new(m20261201_000003_childcare::Migration),
            Box::new(m20261201_000004_relocation_refinements::Migration),
            Box::new(m20261201_000005_content::Migration),
            Box::new(m20261201_000006_kpi::Migration),
            Box::new(m20261204_000001_one_access_log::Migration),
            Box::new(m20261205_000001_health_catalogue::Migration),
            Box::new(m20261205_000002_health_children::Migration),
            Box::new(m20261205_000003_registration_lookups::Migration),
            Box::new(m20261206_000001_health_visits::Migration),
            Box::new(m20261206_100001_notifications::Migration),
            Box::new(m20261206_200001_search_synonyms::Migration),
            Box::new(m20261207_000001_health_unclaimed_children::Migration),
            Box::new(m20261207_300001_title_readings::Migration),
            Box::new(m20261208_200001_inquiry_contact_digests::Migration),
            Box::new(m20261208_300001_program_start_dates::Migration),
            Box::new(m20261209_100001_childcare_daily_tools::Migration),
            Box::new(m20261209_200001_revisions_and_comment_deletion::Migration),
            Box::new(m20261209_300001_health_checkups::Migration),
            Box::new(m20261209_400001_health_fees::Migration),
            Box::new(m20261210_100001_cancelled_slots_free_their_time::Migration),
            Box::new(m20261210_300001_health_surveys::Migration),
        ]
    }
}

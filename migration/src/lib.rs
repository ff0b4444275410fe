//! Database migrations of tsunagu, one per table-set, in order.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_identity;
mod m20261125_000002_platform;
mod m20261125_000003_partnership;
mod m20261125_000004_relocation;
mod m20261125_000005_programs;
mod m20261125_000006_search;
mod m20261201_000007_content;
mod m20261201_000008_kpi;

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
            Box::new(m20261201_000007_content::Migration),
            Box::new(m20261201_000008_kpi::Migration),
        ]
    }
}

//! KPI targets and baselines set by municipalities per KPI and fiscal year.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KpiTargets::Table)
                    .col(pk_uuid(KpiTargets::Id))
                    .col(uuid(KpiTargets::MunicipalityId))
                    .col(string_len(KpiTargets::KpiKey, 100))
                    .col(integer(KpiTargets::FiscalYear))
                    .col(double(KpiTargets::Target))
                    .col(double_null(KpiTargets::Baseline))
                    .col(uuid(KpiTargets::SetBy))
                    .col(timestamp_with_time_zone(KpiTargets::CreatedAt))
                    .col(timestamp_with_time_zone(KpiTargets::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(KpiTargets::Table, KpiTargets::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(KpiTargets::Table, KpiTargets::SetBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("kpi_targets_municipality_key_year")
                    .table(KpiTargets::Table)
                    .col(KpiTargets::MunicipalityId)
                    .col(KpiTargets::KpiKey)
                    .col(KpiTargets::FiscalYear)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(KpiTargets::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum KpiTargets {
    Table,
    Id,
    MunicipalityId,
    KpiKey,
    FiscalYear,
    Target,
    Baseline,
    SetBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Municipalities {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

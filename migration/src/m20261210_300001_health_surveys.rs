//! Health satisfaction surveys: a guardian's one answer (1–5) after a vaccination or a
//! dental checkup booked in the app and attended, for the app's satisfaction KPI.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Surveys::Table)
                    .col(pk_uuid(Surveys::Id))
                    .col(uuid(Surveys::MunicipalityId))
                    .col(uuid(Surveys::GuardianUserId))
                    .col(string_len(Surveys::Service, 16))
                    // A vaccination booking or a checkup booking: one answer per booking.
                    .col(uuid(Surveys::BookingId).unique_key())
                    .col(small_integer(Surveys::Score))
                    .col(date(Surveys::VisitedOn))
                    .col(integer(Surveys::FiscalYear))
                    .col(timestamp_with_time_zone(Surveys::SubmittedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Surveys::Table, Surveys::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_surveys_municipality_year")
                    .table(Surveys::Table)
                    .col(Surveys::MunicipalityId)
                    .col(Surveys::FiscalYear)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Surveys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Surveys {
    #[sea_orm(iden = "health_surveys")]
    Table,
    Id,
    MunicipalityId,
    GuardianUserId,
    Service,
    BookingId,
    Score,
    VisitedOn,
    FiscalYear,
    SubmittedAt,
}

#[derive(DeriveIden)]
enum Municipalities {
    Table,
    Id,
}

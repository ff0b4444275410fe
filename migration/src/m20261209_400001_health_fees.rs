//! Health: fee claims (委託料請求). Each municipality's fee schedule per fiscal year, the
//! clinics' monthly claims with their lines (one per record, never in two claims) and the
//! history of their states, the medical associations' member clinics and monthly batches,
//! what the national hub (PMH) reports about records (imported, already claimed there), and
//! each municipality's claim due day.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Batches as B;
        use ClaimEvents as E;
        use ClaimLines as L;
        use Claims as C;
        use HubRecords as H;
        use Members as M;
        use Schedule as S;
        manager
            .alter_table(
                Table::alter()
                    .table(Settings::Table)
                    .add_column(integer(Settings::FeeClaimDueDay).default(10))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(pk_uuid(S::Id))
                    .col(uuid(S::MunicipalityId))
                    .col(integer(S::FiscalYear))
                    .col(string_len(S::ServiceKind, 16))
                    .col(string_len(S::ProductCode, 40))
                    .col(string_len(S::SeriesCode, 40))
                    .col(integer(S::DoseNumber))
                    .col(string_len(S::CheckupKey, 40))
                    .col(big_integer(S::Price))
                    .col(big_integer_null(S::DeferralPrice))
                    .col(uuid(S::UpdatedBy))
                    .col(timestamp_with_time_zone(S::CreatedAt))
                    .col(timestamp_with_time_zone(S::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_fee_schedule_key")
                    .table(S::Table)
                    .col(S::MunicipalityId)
                    .col(S::FiscalYear)
                    .col(S::ServiceKind)
                    .col(S::ProductCode)
                    .col(S::SeriesCode)
                    .col(S::DoseNumber)
                    .col(S::CheckupKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(B::Table)
                    .col(pk_uuid(B::Id))
                    .col(uuid(B::MunicipalityId))
                    .col(uuid(B::AssociationId))
                    .col(date(B::Month))
                    .col(string_len(B::Status, 16))
                    .col(uuid(B::CreatedBy))
                    .col(timestamp_with_time_zone(B::CreatedAt))
                    .col(timestamp_with_time_zone(B::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(B::Table, B::AssociationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_fee_batches_association_month")
                    .table(B::Table)
                    .col(B::AssociationId)
                    .col(B::Month)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(pk_uuid(C::Id))
                    .col(uuid(C::MunicipalityId))
                    .col(uuid(C::ClinicId))
                    .col(date(C::Month))
                    .col(date(C::DueOn))
                    .col(string_len(C::Status, 16))
                    .col(text_null(C::ReturnReason))
                    .col(uuid_null(C::AssociationId))
                    .col(uuid_null(C::BatchId))
                    .col(timestamp_with_time_zone_null(C::SubmittedAt))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::ClinicId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::BatchId)
                            .to(B::Table, B::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_fee_claims_clinic_month")
                    .table(C::Table)
                    .col(C::ClinicId)
                    .col(C::Month)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_fee_claims_municipality_month")
                    .table(C::Table)
                    .col(C::MunicipalityId)
                    .col(C::Month)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(L::Table)
                    .col(pk_uuid(L::Id))
                    .col(uuid(L::ClaimId))
                    .col(uuid(L::MunicipalityId))
                    .col(string_len(L::ServiceKind, 16))
                    .col(uuid(L::RecordRef))
                    .col(uuid(L::ChildId))
                    .col(date(L::ServedOn))
                    .col(string_len(L::ProductCode, 40))
                    .col(string_len_null(L::SeriesCode, 40))
                    .col(integer_null(L::DoseNumber))
                    .col(string_len(L::CheckupKey, 40))
                    .col(string_len(L::Source, 16))
                    .col(big_integer_null(L::UnitPrice))
                    .col(timestamp_with_time_zone(L::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(L::Table, L::ClaimId)
                            .to(C::Table, C::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_fee_claim_lines_record")
                    .table(L::Table)
                    .col(L::ServiceKind)
                    .col(L::RecordRef)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_fee_claim_lines_claim")
                    .table(L::Table)
                    .col(L::ClaimId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(pk_uuid(E::Id))
                    .col(uuid(E::ClaimId))
                    .col(string_len_null(E::FromStatus, 16))
                    .col(string_len(E::ToStatus, 16))
                    .col(text_null(E::Reason))
                    .col(uuid(E::ActorId))
                    .col(timestamp_with_time_zone(E::OccurredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(E::Table, E::ClaimId)
                            .to(C::Table, C::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_fee_claim_events_claim")
                    .table(E::Table)
                    .col(E::ClaimId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(uuid(M::AssociationId))
                    .col(uuid(M::ClinicId))
                    .col(uuid(M::MunicipalityId))
                    .col(timestamp_with_time_zone(M::CreatedAt))
                    .primary_key(Index::create().col(M::AssociationId).col(M::ClinicId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(M::Table, M::AssociationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(M::Table, M::ClinicId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A clinic claims through one association at most.
        manager
            .create_index(
                Index::create()
                    .name("health_association_members_clinic")
                    .table(M::Table)
                    .col(M::ClinicId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(H::Table)
                    .col(pk_uuid(H::Id))
                    .col(uuid(H::MunicipalityId))
                    .col(string_len(H::HubReference, 100))
                    .col(string_len(H::ServiceKind, 16))
                    .col(uuid(H::RecordRef))
                    .col(boolean(H::ClaimedThroughHub))
                    .col(timestamp_with_time_zone(H::ImportedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_hub_records_reference")
                    .table(H::Table)
                    .col(H::MunicipalityId)
                    .col(H::HubReference)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_hub_records_record")
                    .table(H::Table)
                    .col(H::ServiceKind)
                    .col(H::RecordRef)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            HubRecords::Table.into_iden(),
            Members::Table.into_iden(),
            ClaimEvents::Table.into_iden(),
            ClaimLines::Table.into_iden(),
            Claims::Table.into_iden(),
            Batches::Table.into_iden(),
            Schedule::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Settings::Table)
                    .drop_column(Settings::FeeClaimDueDay)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Settings {
    #[sea_orm(iden = "health_settings")]
    Table,
    FeeClaimDueDay,
}

#[derive(DeriveIden)]
enum Schedule {
    #[sea_orm(iden = "health_fee_schedule_lines")]
    Table,
    Id,
    MunicipalityId,
    FiscalYear,
    ServiceKind,
    ProductCode,
    SeriesCode,
    DoseNumber,
    CheckupKey,
    Price,
    DeferralPrice,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Claims {
    #[sea_orm(iden = "health_fee_claims")]
    Table,
    Id,
    MunicipalityId,
    ClinicId,
    Month,
    DueOn,
    Status,
    ReturnReason,
    AssociationId,
    BatchId,
    SubmittedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ClaimLines {
    #[sea_orm(iden = "health_fee_claim_lines")]
    Table,
    Id,
    ClaimId,
    MunicipalityId,
    ServiceKind,
    RecordRef,
    ChildId,
    ServedOn,
    ProductCode,
    SeriesCode,
    DoseNumber,
    CheckupKey,
    Source,
    UnitPrice,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ClaimEvents {
    #[sea_orm(iden = "health_fee_claim_events")]
    Table,
    Id,
    ClaimId,
    FromStatus,
    ToStatus,
    Reason,
    ActorId,
    OccurredAt,
}

#[derive(DeriveIden)]
enum Members {
    #[sea_orm(iden = "health_association_members")]
    Table,
    AssociationId,
    ClinicId,
    MunicipalityId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Batches {
    #[sea_orm(iden = "health_fee_batches")]
    Table,
    Id,
    MunicipalityId,
    AssociationId,
    Month,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HubRecords {
    #[sea_orm(iden = "health_hub_records")]
    Table,
    Id,
    MunicipalityId,
    HubReference,
    ServiceKind,
    RecordRef,
    ClaimedThroughHub,
    ImportedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

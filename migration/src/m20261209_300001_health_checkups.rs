//! Health: infant checkups (乳幼児健診) and dental checkups (歯科健診). Each municipality keeps
//! its checkup types (age window in months, urine or not, findings areas, the 問診票
//! questions, the caries-type scheme of a dental checkup), its 総合判定 code list and its
//! O1/O2 rule as data; 北九州市's are seeded from `health_checkups.json` beside this file
//! wherever the municipality (JIS 40100) exists. Dental checkups take place only at clinics
//! registered as 登録歯科医療機関. Guardians book a checkup with its 問診票 on a clinic's slot;
//! the clinic records one result per child and checkup type, with the source (app, paper,
//! hub), and the referral (精密検診受診票) issued and used.

use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::{prelude::*, schema::*};

use crate::checkup_seed;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Bookings as B;
        use Checkups as C;
        use DentalClinics as D;
        use Judgements as J;
        use Settings as S;
        use Types as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(pk_uuid(T::Id))
                    .col(uuid(T::MunicipalityId))
                    .col(string_len(T::Code, 32))
                    .col(string_len(T::Name, 100))
                    .col(string_len(T::Kind, 16))
                    .col(integer(T::FromMonths))
                    .col(integer(T::UntilMonths))
                    .col(boolean(T::HasUrine))
                    .col(string_len_null(T::CariesScheme, 8))
                    .col(text(T::FindingsAreas))
                    .col(text(T::Questions))
                    .col(integer(T::Position))
                    .col(timestamp_with_time_zone(T::CreatedAt))
                    .col(timestamp_with_time_zone(T::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(T::Table, T::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        unique(
            manager,
            "health_checkup_types_code",
            T::Table,
            [T::MunicipalityId, T::Code],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(J::Table)
                    .col(pk_uuid(J::Id))
                    .col(uuid(J::MunicipalityId))
                    .col(string_len(J::Code, 32))
                    .col(string_len(J::Name, 100))
                    .col(boolean(J::NeedsReferral))
                    .col(integer(J::Position))
                    .foreign_key(
                        ForeignKey::create()
                            .from(J::Table, J::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        unique(
            manager,
            "health_checkup_judgements_code",
            J::Table,
            [J::MunicipalityId, J::Code],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(pk_uuid(S::MunicipalityId))
                    .col(integer_null(S::O2PlaqueFrom))
                    .col(boolean(S::O2Snacks))
                    .col(boolean(S::O2Bottle))
                    .col(integer(S::O2RisksNeeded))
                    .col(timestamp_with_time_zone(S::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(pk_uuid(D::OrganizationId))
                    .col(uuid(D::MunicipalityId))
                    .col(timestamp_with_time_zone(D::RegisteredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(D::Table, D::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(B::Table)
                    .col(pk_uuid(B::Id))
                    .col(uuid(B::MunicipalityId))
                    .col(uuid(B::ClinicId))
                    .col(uuid(B::SlotId))
                    .col(uuid(B::ChildId))
                    .col(uuid(B::GuardianUserId))
                    .col(uuid(B::CheckupTypeId))
                    .col(date(B::Day))
                    .col(string_len(B::Status, 16))
                    .col(text(B::Answers))
                    .col(timestamp_with_time_zone(B::CreatedAt))
                    .col(timestamp_with_time_zone(B::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(B::Table, B::SlotId)
                            .to(Slots::Table, Slots::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(B::Table, B::ChildId)
                            .to(Children::Table, Children::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(B::Table, B::CheckupTypeId)
                            .to(T::Table, T::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "health_checkup_bookings_child",
            B::Table,
            [B::ChildId, B::CheckupTypeId],
        )
        .await?;
        index(
            manager,
            "health_checkup_bookings_clinic_day",
            B::Table,
            [B::ClinicId, B::Day],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(pk_uuid(C::Id))
                    .col(uuid(C::MunicipalityId))
                    .col(uuid(C::ChildId))
                    .col(uuid(C::CheckupTypeId))
                    .col(uuid_null(C::ClinicId))
                    .col(uuid_null(C::BookingId))
                    .col(string_len(C::Source, 16))
                    .col(date(C::ExaminedOn))
                    .col(integer(C::AgeMonths))
                    .col(double_null(C::HeightCm))
                    .col(double_null(C::WeightKg))
                    .col(double_null(C::HeadCm))
                    .col(text_null(C::Urine))
                    .col(text(C::Findings))
                    .col(string_len(C::JudgementCode, 32))
                    .col(text_null(C::Remarks))
                    .col(string_len(C::ReferralStatus, 16))
                    .col(date_null(C::ReferralIssuedOn))
                    .col(string_len_null(C::ReferralTo, 200))
                    .col(date_null(C::ReferralUsedOn))
                    .col(text_null(C::ReferralResult))
                    .col(text_null(C::Teeth))
                    .col(integer_null(C::CariesCount))
                    .col(string_len_null(C::CariesType, 8))
                    .col(integer_null(C::Plaque))
                    .col(boolean_null(C::GumsMucosaAbnormal))
                    .col(boolean_null(C::OcclusionAbnormal))
                    .col(boolean_null(C::FluorideApplied))
                    .col(boolean_null(C::SnacksRisk))
                    .col(boolean_null(C::BottleRisk))
                    .col(uuid(C::RecordedBy))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::ChildId)
                            .to(Children::Table, Children::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::CheckupTypeId)
                            .to(T::Table, T::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // One result per child and checkup type, whatever its source.
        unique(
            manager,
            "health_checkups_child_type",
            C::Table,
            [C::ChildId, C::CheckupTypeId],
        )
        .await?;
        index(
            manager,
            "health_checkups_municipality_day",
            C::Table,
            [C::MunicipalityId, C::ExaminedOn],
        )
        .await?;
        let db = manager.get_connection();
        let rows = db
            .query_all_raw(Statement::from_string(
                manager.get_database_backend(),
                "SELECT CAST(id AS TEXT) AS id FROM municipalities WHERE jis_code = '40100'",
            ))
            .await?;
        for row in rows {
            let id: String = row.try_get("", "id")?;
            let id = Uuid::parse_str(&id).map_err(|err| DbErr::Custom(err.to_string()))?;
            checkup_seed::seed_kitakyushu_checkups(db, id).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Checkups::Table.into_iden(),
            Bookings::Table.into_iden(),
            DentalClinics::Table.into_iden(),
            Settings::Table.into_iden(),
            Judgements::Table.into_iden(),
            Types::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn index<T, Col, const N: usize>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: [Col; N],
) -> Result<(), DbErr>
where
    T: IntoIden,
    Col: IntoIden,
{
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(column);
    }
    manager.create_index(statement.to_owned()).await
}

async fn unique<T, Col, const N: usize>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: [Col; N],
) -> Result<(), DbErr>
where
    T: IntoIden,
    Col: IntoIden,
{
    let mut statement = Index::create();
    statement.name(name).table(table).unique();
    for column in columns {
        statement.col(column);
    }
    manager.create_index(statement.to_owned()).await
}

use sea_orm_migration::sea_orm::prelude::Uuid;

#[derive(DeriveIden)]
pub(crate) enum Types {
    #[sea_orm(iden = "health_checkup_types")]
    Table,
    Id,
    MunicipalityId,
    Code,
    Name,
    Kind,
    FromMonths,
    UntilMonths,
    HasUrine,
    CariesScheme,
    FindingsAreas,
    Questions,
    Position,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Judgements {
    #[sea_orm(iden = "health_checkup_judgements")]
    Table,
    Id,
    MunicipalityId,
    Code,
    Name,
    NeedsReferral,
    Position,
}

#[derive(DeriveIden)]
pub(crate) enum Settings {
    #[sea_orm(iden = "health_checkup_settings")]
    Table,
    MunicipalityId,
    O2PlaqueFrom,
    O2Snacks,
    O2Bottle,
    O2RisksNeeded,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DentalClinics {
    #[sea_orm(iden = "health_dental_clinics")]
    Table,
    OrganizationId,
    MunicipalityId,
    RegisteredAt,
}

#[derive(DeriveIden)]
enum Bookings {
    #[sea_orm(iden = "health_checkup_bookings")]
    Table,
    Id,
    MunicipalityId,
    ClinicId,
    SlotId,
    ChildId,
    GuardianUserId,
    CheckupTypeId,
    Day,
    Status,
    Answers,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Checkups {
    #[sea_orm(iden = "health_checkups")]
    Table,
    Id,
    MunicipalityId,
    ChildId,
    CheckupTypeId,
    ClinicId,
    BookingId,
    Source,
    ExaminedOn,
    AgeMonths,
    HeightCm,
    WeightKg,
    HeadCm,
    Urine,
    Findings,
    JudgementCode,
    Remarks,
    ReferralStatus,
    ReferralIssuedOn,
    ReferralTo,
    ReferralUsedOn,
    ReferralResult,
    Teeth,
    CariesCount,
    CariesType,
    Plaque,
    GumsMucosaAbnormal,
    OcclusionAbnormal,
    FluorideApplied,
    SnacksRisk,
    BottleRisk,
    RecordedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Municipalities {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Children {
    #[sea_orm(iden = "health_children")]
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Slots {
    #[sea_orm(iden = "health_slots")]
    Table,
    Id,
}

//! Employment support: enrollments of job seekers, the program registrations attached to
//! them, placements and their follow-up checkpoints.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn restrict(
    from_table: impl IntoIden,
    from: impl IntoIden,
    to_table: impl IntoIden,
    to: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from)
        .to(to_table, to)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use EmploymentEnrollments as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(pk_uuid(E::Id))
                    .col(uuid(E::MunicipalityId))
                    .col(uuid_null(E::ResidentUserId))
                    .col(string_len_null(E::Name, 100))
                    .col(string_len_null(E::NameKana, 100))
                    .col(string_len_null(E::Email, 254))
                    .col(string_len_null(E::Phone, 32))
                    .col(string_len(E::Gender, 32))
                    .col(date(E::EnrolledOn))
                    .col(string_len(E::SupportTrack, 32))
                    .col(boolean(E::FollowUpConsent))
                    .col(text_null(E::Notes))
                    .col(uuid(E::AdvisorUserId))
                    .col(string_len(E::Status, 32))
                    .col(date_null(E::ClosedOn))
                    .col(string_len_null(E::CloseReason, 32))
                    .col(text_null(E::CloseNote))
                    .col(uuid(E::CreatedBy))
                    .col(timestamp_with_time_zone(E::CreatedAt))
                    .col(timestamp_with_time_zone(E::UpdatedAt))
                    .foreign_key(&mut restrict(
                        E::Table,
                        E::MunicipalityId,
                        Municipalities::Table,
                        Municipalities::Id,
                    ))
                    .foreign_key(&mut restrict(
                        E::Table,
                        E::ResidentUserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut restrict(
                        E::Table,
                        E::AdvisorUserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, first, second) in [
            (
                "employment_enrollments_municipality_status",
                E::MunicipalityId,
                E::Status,
            ),
            (
                "employment_enrollments_resident",
                E::ResidentUserId,
                E::MunicipalityId,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(E::Table)
                        .col(first)
                        .col(second)
                        .to_owned(),
                )
                .await?;
        }

        use EmploymentEnrollmentPrograms as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(pk_uuid(A::Id))
                    .col(uuid(A::MunicipalityId))
                    .col(uuid(A::EnrollmentId))
                    .col(uuid(A::RegistrationId))
                    .col(uuid(A::AttachedBy))
                    .col(timestamp_with_time_zone(A::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(A::Table, A::EnrollmentId)
                            .to(E::Table, E::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut restrict(
                        A::Table,
                        A::RegistrationId,
                        Registrations::Table,
                        Registrations::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("employment_enrollment_programs_unique")
                    .table(A::Table)
                    .col(A::EnrollmentId)
                    .col(A::RegistrationId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        use EmploymentPlacements as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(pk_uuid(P::Id))
                    .col(uuid(P::MunicipalityId))
                    .col(uuid(P::EnrollmentId))
                    .col(string_len(P::EmployerName, 200))
                    .col(uuid_null(P::EmployerOrganizationId))
                    .col(string_len(P::Industry, 100))
                    .col(string_len(P::JobTitle, 100))
                    .col(string_len(P::EmploymentType, 32))
                    .col(string_len(P::CurrentEmploymentType, 32))
                    .col(integer(P::WeeklyMinutes))
                    .col(date(P::StartDate))
                    .col(integer(P::FiscalYear))
                    .col(date_null(P::ConvertedToRegularOn))
                    .col(uuid(P::CreatedBy))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .col(timestamp_with_time_zone(P::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(P::Table, P::EnrollmentId)
                            .to(E::Table, E::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut restrict(
                        P::Table,
                        P::EmployerOrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, first, second) in [
            (
                "employment_placements_enrollment",
                P::EnrollmentId,
                P::StartDate,
            ),
            (
                "employment_placements_municipality_year",
                P::MunicipalityId,
                P::FiscalYear,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(P::Table)
                        .col(first)
                        .col(second)
                        .to_owned(),
                )
                .await?;
        }

        use EmploymentFollowUps as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(pk_uuid(F::Id))
                    .col(uuid(F::MunicipalityId))
                    .col(uuid(F::EnrollmentId))
                    .col(uuid(F::PlacementId))
                    .col(integer(F::CheckpointMonths))
                    .col(date(F::DueOn))
                    .col(timestamp_with_time_zone(F::DueAt))
                    .col(uuid(F::AdvisorUserId))
                    .col(timestamp_with_time_zone_null(F::RecordedAt))
                    .col(uuid_null(F::RecordedBy))
                    .col(boolean_null(F::StillEmployed))
                    .col(string_len_null(F::EmploymentType, 32))
                    .col(boolean(F::BecameRegular))
                    .col(text_null(F::Note))
                    .col(timestamp_with_time_zone(F::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(F::Table, F::PlacementId)
                            .to(P::Table, P::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut restrict(
                        F::Table,
                        F::AdvisorUserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("employment_follow_ups_checkpoint")
                    .table(F::Table)
                    .col(F::PlacementId)
                    .col(F::CheckpointMonths)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("employment_follow_ups_due")
                    .table(F::Table)
                    .col(F::MunicipalityId)
                    .col(F::DueAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EmploymentFollowUps::Table.into_iden(),
            EmploymentPlacements::Table.into_iden(),
            EmploymentEnrollmentPrograms::Table.into_iden(),
            EmploymentEnrollments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
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
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum EmploymentEnrollments {
    Table,
    Id,
    MunicipalityId,
    ResidentUserId,
    Name,
    NameKana,
    Email,
    Phone,
    Gender,
    EnrolledOn,
    SupportTrack,
    FollowUpConsent,
    Notes,
    AdvisorUserId,
    Status,
    ClosedOn,
    CloseReason,
    CloseNote,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EmploymentEnrollmentPrograms {
    Table,
    Id,
    MunicipalityId,
    EnrollmentId,
    RegistrationId,
    AttachedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EmploymentPlacements {
    Table,
    Id,
    MunicipalityId,
    EnrollmentId,
    EmployerName,
    EmployerOrganizationId,
    Industry,
    JobTitle,
    EmploymentType,
    CurrentEmploymentType,
    WeeklyMinutes,
    StartDate,
    FiscalYear,
    ConvertedToRegularOn,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EmploymentFollowUps {
    Table,
    Id,
    MunicipalityId,
    EnrollmentId,
    PlacementId,
    CheckpointMonths,
    DueOn,
    DueAt,
    AdvisorUserId,
    RecordedAt,
    RecordedBy,
    StillEmployed,
    EmploymentType,
    BecameRegular,
    Note,
    CreatedAt,
}

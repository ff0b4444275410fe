//! Programs: seminars, workshops, classes and fairs with their sessions, registrations per
//! party (children included), the registration history and satisfaction surveys.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Programs::Table)
                    .col(pk_uuid(Programs::Id))
                    .col(uuid(Programs::MunicipalityId))
                    .col(uuid(Programs::OrganizerOrganizationId))
                    .col(uuid(Programs::CreatedBy))
                    .col(string_len(Programs::Kind, 32))
                    .col(string_len(Programs::Title, 200))
                    .col(text(Programs::Summary))
                    .col(text(Programs::Description))
                    .col(string_len(Programs::Categories, 400))
                    .col(string_len(Programs::Audiences, 200))
                    .col(integer_null(Programs::ChildMinAgeMonths))
                    .col(integer_null(Programs::ChildMaxAgeMonths))
                    .col(boolean(Programs::ResidentsOnly))
                    .col(integer(Programs::MaxPartySize))
                    .col(integer(Programs::FeeYen))
                    .col(text_null(Programs::AccessibilityNotes))
                    .col(string_len(Programs::Status, 32))
                    .col(timestamp_with_time_zone_null(Programs::PublishedAt))
                    .col(timestamp_with_time_zone(Programs::CreatedAt))
                    .col(timestamp_with_time_zone(Programs::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Programs::Table, Programs::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Programs::Table, Programs::OrganizerOrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Programs::Table, Programs::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("programs_municipality_status")
                    .table(Programs::Table)
                    .col(Programs::MunicipalityId)
                    .col(Programs::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("programs_organizer")
                    .table(Programs::Table)
                    .col(Programs::OrganizerOrganizationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProgramSessions::Table)
                    .col(pk_uuid(ProgramSessions::Id))
                    .col(uuid(ProgramSessions::MunicipalityId))
                    .col(uuid(ProgramSessions::ProgramId))
                    .col(timestamp_with_time_zone(ProgramSessions::StartsAt))
                    .col(timestamp_with_time_zone(ProgramSessions::EndsAt))
                    .col(string_len_null(ProgramSessions::Venue, 200))
                    .col(string_len_null(ProgramSessions::OnlineUrl, 500))
                    .col(integer(ProgramSessions::Capacity))
                    .col(integer(ProgramSessions::ChildcareSlots))
                    .col(timestamp_with_time_zone(
                        ProgramSessions::RegistrationOpensAt,
                    ))
                    .col(timestamp_with_time_zone(
                        ProgramSessions::RegistrationClosesAt,
                    ))
                    .col(timestamp_with_time_zone(
                        ProgramSessions::CancellationDeadline,
                    ))
                    .col(integer(ProgramSessions::SeatsTaken))
                    .col(integer(ProgramSessions::ChildcareTaken))
                    .col(string_len(ProgramSessions::Status, 32))
                    .col(timestamp_with_time_zone_null(ProgramSessions::CancelledAt))
                    .col(text_null(ProgramSessions::CancelReason))
                    .col(timestamp_with_time_zone(ProgramSessions::CreatedAt))
                    .col(timestamp_with_time_zone(ProgramSessions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProgramSessions::Table, ProgramSessions::ProgramId)
                            .to(Programs::Table, Programs::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProgramSessions::Table, ProgramSessions::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, first, second) in [
            (
                "program_sessions_program_start",
                ProgramSessions::ProgramId,
                ProgramSessions::StartsAt,
            ),
            (
                "program_sessions_municipality_start",
                ProgramSessions::MunicipalityId,
                ProgramSessions::StartsAt,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(ProgramSessions::Table)
                        .col(first)
                        .col(second)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Registrations::Table)
                    .col(pk_uuid(Registrations::Id))
                    .col(uuid(Registrations::MunicipalityId))
                    .col(uuid(Registrations::ProgramId))
                    .col(uuid(Registrations::SessionId))
                    .col(uuid_null(Registrations::UserId))
                    .col(string_len_null(Registrations::GuestName, 100))
                    .col(string_len_null(Registrations::GuestKana, 100))
                    .col(string_len_null(Registrations::GuestEmail, 254))
                    .col(string_len_null(Registrations::GuestPhone, 32))
                    .col(string_len_null(Registrations::ManageTokenHash, 64).unique_key())
                    .col(integer(Registrations::Adults))
                    .col(integer(Registrations::Children))
                    .col(integer(Registrations::Seats))
                    .col(integer(Registrations::Childcare))
                    .col(string_len(Registrations::Status, 32))
                    .col(string_len(Registrations::CheckInCode, 16))
                    .col(timestamp_with_time_zone_null(Registrations::OfferExpiresAt))
                    .col(timestamp_with_time_zone_null(Registrations::CheckedInAt))
                    .col(timestamp_with_time_zone_null(Registrations::CancelledAt))
                    .col(string_len_null(Registrations::CancelReason, 32))
                    .col(timestamp_with_time_zone(Registrations::CreatedAt))
                    .col(timestamp_with_time_zone(Registrations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Registrations::Table, Registrations::SessionId)
                            .to(ProgramSessions::Table, ProgramSessions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Registrations::Table, Registrations::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, first, second) in [
            (
                "registrations_session_status",
                Registrations::SessionId,
                Registrations::Status,
            ),
            (
                "registrations_user",
                Registrations::UserId,
                Registrations::Id,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Registrations::Table)
                        .col(first)
                        .col(second)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("registrations_session_check_in_code")
                    .table(Registrations::Table)
                    .col(Registrations::SessionId)
                    .col(Registrations::CheckInCode)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RegistrationChildren::Table)
                    .col(pk_uuid(RegistrationChildren::Id))
                    .col(uuid(RegistrationChildren::MunicipalityId))
                    .col(uuid(RegistrationChildren::RegistrationId))
                    .col(date_null(RegistrationChildren::BirthDate))
                    .col(integer(RegistrationChildren::AgeMonthsAtSession))
                    .col(boolean(RegistrationChildren::NeedsChildcare))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                RegistrationChildren::Table,
                                RegistrationChildren::RegistrationId,
                            )
                            .to(Registrations::Table, Registrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("registration_children_registration")
                    .table(RegistrationChildren::Table)
                    .col(RegistrationChildren::RegistrationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RegistrationStatusChanges::Table)
                    .col(pk_uuid(RegistrationStatusChanges::Id))
                    .col(uuid(RegistrationStatusChanges::MunicipalityId))
                    .col(uuid(RegistrationStatusChanges::RegistrationId))
                    .col(string_len_null(RegistrationStatusChanges::FromStatus, 32))
                    .col(string_len(RegistrationStatusChanges::ToStatus, 32))
                    .col(uuid_null(RegistrationStatusChanges::ActorUserId))
                    .col(text_null(RegistrationStatusChanges::Reason))
                    .col(timestamp_with_time_zone(
                        RegistrationStatusChanges::CreatedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                RegistrationStatusChanges::Table,
                                RegistrationStatusChanges::RegistrationId,
                            )
                            .to(Registrations::Table, Registrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("registration_status_changes_registration")
                    .table(RegistrationStatusChanges::Table)
                    .col(RegistrationStatusChanges::RegistrationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProgramSurveys::Table)
                    .col(pk_uuid(ProgramSurveys::Id))
                    .col(uuid(ProgramSurveys::MunicipalityId))
                    .col(uuid(ProgramSurveys::ProgramId))
                    .col(uuid(ProgramSurveys::SessionId))
                    .col(uuid(ProgramSurveys::RegistrationId).unique_key())
                    .col(small_integer(ProgramSurveys::Score))
                    .col(text_null(ProgramSurveys::Comment))
                    .col(integer(ProgramSurveys::FiscalYear))
                    .col(timestamp_with_time_zone(ProgramSurveys::SubmittedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProgramSurveys::Table, ProgramSurveys::RegistrationId)
                            .to(Registrations::Table, Registrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("program_surveys_program_year")
                    .table(ProgramSurveys::Table)
                    .col(ProgramSurveys::ProgramId)
                    .col(ProgramSurveys::FiscalYear)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ProgramSurveys::Table.into_iden(),
            RegistrationStatusChanges::Table.into_iden(),
            RegistrationChildren::Table.into_iden(),
            Registrations::Table.into_iden(),
            ProgramSessions::Table.into_iden(),
            Programs::Table.into_iden(),
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
enum Programs {
    Table,
    Id,
    MunicipalityId,
    OrganizerOrganizationId,
    CreatedBy,
    Kind,
    Title,
    Summary,
    Description,
    Categories,
    Audiences,
    ChildMinAgeMonths,
    ChildMaxAgeMonths,
    ResidentsOnly,
    MaxPartySize,
    FeeYen,
    AccessibilityNotes,
    Status,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProgramSessions {
    Table,
    Id,
    MunicipalityId,
    ProgramId,
    StartsAt,
    EndsAt,
    Venue,
    OnlineUrl,
    Capacity,
    ChildcareSlots,
    RegistrationOpensAt,
    RegistrationClosesAt,
    CancellationDeadline,
    SeatsTaken,
    ChildcareTaken,
    Status,
    CancelledAt,
    CancelReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
    MunicipalityId,
    ProgramId,
    SessionId,
    UserId,
    GuestName,
    GuestKana,
    GuestEmail,
    GuestPhone,
    ManageTokenHash,
    Adults,
    Children,
    Seats,
    Childcare,
    Status,
    CheckInCode,
    OfferExpiresAt,
    CheckedInAt,
    CancelledAt,
    CancelReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RegistrationChildren {
    Table,
    Id,
    MunicipalityId,
    RegistrationId,
    BirthDate,
    AgeMonthsAtSession,
    NeedsChildcare,
}

#[derive(DeriveIden)]
enum RegistrationStatusChanges {
    Table,
    Id,
    MunicipalityId,
    RegistrationId,
    FromStatus,
    ToStatus,
    ActorUserId,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProgramSurveys {
    Table,
    Id,
    MunicipalityId,
    ProgramId,
    SessionId,
    RegistrationId,
    Score,
    Comment,
    FiscalYear,
    SubmittedAt,
}

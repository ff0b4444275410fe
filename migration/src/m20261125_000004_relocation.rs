//! Relocation: inquiries from families, concierge profiles and leave, per-municipality
//! settings, the inquiry timeline, tasks and the access log of personal data.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn to_municipality(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Municipalities::Table, Municipalities::Id)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

fn to_user(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

fn to_inquiry(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(RelocationInquiries::Table, RelocationInquiries::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use RelocationInquiries as I;
        manager
            .create_table(
                Table::create()
                    .table(RelocationSettings::Table)
                    .col(pk_uuid(RelocationSettings::MunicipalityId))
                    .col(string_len(RelocationSettings::Strategy, 32))
                    .col(uuid_null(RelocationSettings::LastAssignedConciergeId))
                    .col(integer(RelocationSettings::FollowUpMonths))
                    .col(integer(RelocationSettings::FirstResponseMinutes))
                    .col(integer(RelocationSettings::BusinessDayStartMinute))
                    .col(integer(RelocationSettings::BusinessDayEndMinute))
                    .col(text(RelocationSettings::Holidays))
                    .col(integer(RelocationSettings::RetentionDays))
                    .col(timestamp_with_time_zone(RelocationSettings::UpdatedAt))
                    .foreign_key(&mut to_municipality(
                        RelocationSettings::Table,
                        RelocationSettings::MunicipalityId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ConciergeProfiles::Table)
                    .col(pk_uuid(ConciergeProfiles::UserId))
                    .col(uuid(ConciergeProfiles::MunicipalityId))
                    .col(string_len(ConciergeProfiles::Specialties, 500))
                    .col(string_len(ConciergeProfiles::Languages, 500))
                    .col(text(ConciergeProfiles::Areas))
                    .col(integer(ConciergeProfiles::Capacity))
                    .col(boolean(ConciergeProfiles::Available))
                    .col(timestamp_with_time_zone(ConciergeProfiles::CreatedAt))
                    .col(timestamp_with_time_zone(ConciergeProfiles::UpdatedAt))
                    .foreign_key(&mut to_user(
                        ConciergeProfiles::Table,
                        ConciergeProfiles::UserId,
                    ))
                    .foreign_key(&mut to_municipality(
                        ConciergeProfiles::Table,
                        ConciergeProfiles::MunicipalityId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("concierge_profiles_municipality")
                    .table(ConciergeProfiles::Table)
                    .col(ConciergeProfiles::MunicipalityId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ConciergeLeaves::Table)
                    .col(pk_uuid(ConciergeLeaves::Id))
                    .col(uuid(ConciergeLeaves::MunicipalityId))
                    .col(uuid(ConciergeLeaves::UserId))
                    .col(timestamp_with_time_zone(ConciergeLeaves::StartsAt))
                    .col(timestamp_with_time_zone(ConciergeLeaves::EndsAt))
                    .col(string_len_null(ConciergeLeaves::Note, 200))
                    .col(timestamp_with_time_zone(ConciergeLeaves::CreatedAt))
                    .foreign_key(&mut to_municipality(
                        ConciergeLeaves::Table,
                        ConciergeLeaves::MunicipalityId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConciergeLeaves::Table, ConciergeLeaves::UserId)
                            .to(ConciergeProfiles::Table, ConciergeProfiles::UserId)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("concierge_leaves_user")
                    .table(ConciergeLeaves::Table)
                    .col(ConciergeLeaves::UserId)
                    .col(ConciergeLeaves::EndsAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(pk_uuid(I::Id))
                    .col(uuid(I::MunicipalityId))
                    .col(string_len_uniq(I::ReferenceCode, 32))
                    .col(string_len(I::TrackingTokenHash, 64))
                    .col(string_len(I::Stage, 32))
                    .col(string_len_null(I::CloseReason, 32))
                    .col(uuid_null(I::AssignedConciergeId))
                    .col(timestamp_with_time_zone_null(I::AssignedAt))
                    .col(string_len_null(I::Name, 100))
                    .col(string_len_null(I::NameKana, 100))
                    .col(string_len_null(I::Email, 254))
                    .col(string_len_null(I::Phone, 32))
                    .col(small_integer_null(I::PrefectureCode))
                    .col(text_null(I::ChildrenBirthMonths))
                    .col(integer(I::Adults))
                    .col(integer(I::Children))
                    .col(string_len(I::Interests, 500))
                    .col(string_len_null(I::DesiredArea, 200))
                    .col(string_len_null(I::DesiredTiming, 200))
                    .col(string_len(I::PreferredChannel, 32))
                    .col(string_len(I::PreferredLanguage, 16))
                    .col(text_null(I::Message))
                    .col(text(I::SearchText))
                    .col(timestamp_with_time_zone(I::ConsentAt))
                    .col(timestamp_with_time_zone_null(I::ErasedAt))
                    .col(timestamp_with_time_zone(I::FirstResponseDueAt))
                    .col(timestamp_with_time_zone_null(I::FirstRespondedAt))
                    .col(timestamp_with_time_zone_null(I::NextAppointmentAt))
                    .col(date_null(I::MovedInOn))
                    .col(integer_null(I::PeopleMoved))
                    .col(string_len_null(I::MovedInArea, 200))
                    .col(timestamp_with_time_zone_null(I::ClosedAt))
                    .col(timestamp_with_time_zone(I::CreatedAt))
                    .col(timestamp_with_time_zone(I::UpdatedAt))
                    .foreign_key(&mut to_municipality(I::Table, I::MunicipalityId))
                    .foreign_key(&mut to_user(I::Table, I::AssignedConciergeId))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "relocation_inquiries_municipality_stage",
                vec![I::MunicipalityId, I::Stage, I::CreatedAt],
            ),
            (
                "relocation_inquiries_municipality_concierge",
                vec![I::MunicipalityId, I::AssignedConciergeId, I::Stage],
            ),
            (
                "relocation_inquiries_tracking_token",
                vec![I::TrackingTokenHash],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(I::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(InquiryEvents::Table)
                    .col(pk_uuid(InquiryEvents::Id))
                    .col(uuid(InquiryEvents::MunicipalityId))
                    .col(uuid(InquiryEvents::InquiryId))
                    .col(string_len(InquiryEvents::Kind, 32))
                    .col(string_len_null(InquiryEvents::FromStage, 32))
                    .col(string_len_null(InquiryEvents::ToStage, 32))
                    .col(uuid_null(InquiryEvents::ConciergeId))
                    .col(string_len_null(InquiryEvents::Channel, 32))
                    .col(text_null(InquiryEvents::Body))
                    .col(timestamp_with_time_zone_null(InquiryEvents::ScheduledAt))
                    .col(uuid_null(InquiryEvents::ActorUserId))
                    .col(timestamp_with_time_zone(InquiryEvents::CreatedAt))
                    .foreign_key(&mut to_inquiry(
                        InquiryEvents::Table,
                        InquiryEvents::InquiryId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("inquiry_events_inquiry")
                    .table(InquiryEvents::Table)
                    .col(InquiryEvents::InquiryId)
                    .col(InquiryEvents::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InquiryTasks::Table)
                    .col(pk_uuid(InquiryTasks::Id))
                    .col(uuid(InquiryTasks::MunicipalityId))
                    .col(uuid(InquiryTasks::InquiryId))
                    .col(string_len(InquiryTasks::Title, 200))
                    .col(date(InquiryTasks::DueOn))
                    .col(uuid_null(InquiryTasks::OwnerUserId))
                    .col(boolean(InquiryTasks::FollowUp))
                    .col(timestamp_with_time_zone_null(InquiryTasks::DoneAt))
                    .col(uuid_null(InquiryTasks::CreatedBy))
                    .col(timestamp_with_time_zone(InquiryTasks::CreatedAt))
                    .foreign_key(&mut to_inquiry(
                        InquiryTasks::Table,
                        InquiryTasks::InquiryId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("inquiry_tasks_inquiry")
                    .table(InquiryTasks::Table)
                    .col(InquiryTasks::InquiryId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InquiryAccessLogs::Table)
                    .col(pk_uuid(InquiryAccessLogs::Id))
                    .col(uuid(InquiryAccessLogs::MunicipalityId))
                    .col(uuid(InquiryAccessLogs::InquiryId))
                    .col(uuid(InquiryAccessLogs::UserId))
                    .col(string_len(InquiryAccessLogs::Purpose, 32))
                    .col(timestamp_with_time_zone(InquiryAccessLogs::CreatedAt))
                    .foreign_key(&mut to_inquiry(
                        InquiryAccessLogs::Table,
                        InquiryAccessLogs::InquiryId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("inquiry_access_logs_municipality")
                    .table(InquiryAccessLogs::Table)
                    .col(InquiryAccessLogs::MunicipalityId)
                    .col(InquiryAccessLogs::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            InquiryAccessLogs::Table.into_iden(),
            InquiryTasks::Table.into_iden(),
            InquiryEvents::Table.into_iden(),
            RelocationInquiries::Table.into_iden(),
            ConciergeLeaves::Table.into_iden(),
            ConciergeProfiles::Table.into_iden(),
            RelocationSettings::Table.into_iden(),
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
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RelocationSettings {
    Table,
    MunicipalityId,
    Strategy,
    LastAssignedConciergeId,
    FollowUpMonths,
    FirstResponseMinutes,
    BusinessDayStartMinute,
    BusinessDayEndMinute,
    Holidays,
    RetentionDays,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConciergeProfiles {
    Table,
    UserId,
    MunicipalityId,
    Specialties,
    Languages,
    Areas,
    Capacity,
    Available,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConciergeLeaves {
    Table,
    Id,
    MunicipalityId,
    UserId,
    StartsAt,
    EndsAt,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RelocationInquiries {
    Table,
    Id,
    MunicipalityId,
    ReferenceCode,
    TrackingTokenHash,
    Stage,
    CloseReason,
    AssignedConciergeId,
    AssignedAt,
    Name,
    NameKana,
    Email,
    Phone,
    PrefectureCode,
    ChildrenBirthMonths,
    Adults,
    Children,
    Interests,
    DesiredArea,
    DesiredTiming,
    PreferredChannel,
    PreferredLanguage,
    Message,
    SearchText,
    ConsentAt,
    ErasedAt,
    FirstResponseDueAt,
    FirstRespondedAt,
    NextAppointmentAt,
    MovedInOn,
    PeopleMoved,
    MovedInArea,
    ClosedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InquiryEvents {
    Table,
    Id,
    MunicipalityId,
    InquiryId,
    Kind,
    FromStage,
    ToStage,
    ConciergeId,
    Channel,
    Body,
    ScheduledAt,
    ActorUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InquiryTasks {
    Table,
    Id,
    MunicipalityId,
    InquiryId,
    Title,
    DueOn,
    OwnerUserId,
    FollowUp,
    DoneAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InquiryAccessLogs {
    Table,
    Id,
    MunicipalityId,
    InquiryId,
    UserId,
    Purpose,
    CreatedAt,
}

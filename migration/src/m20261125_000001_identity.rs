//! Municipalities, organizations, users and sessions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Municipalities::Table)
                    .col(pk_uuid(Municipalities::Id))
                    .col(string_len_uniq(Municipalities::JisCode, 6))
                    .col(string(Municipalities::NameJa))
                    .col(string(Municipalities::NameKana))
                    .col(string(Municipalities::NameEn))
                    .col(small_integer(Municipalities::PrefectureCode))
                    .col(string_len(Municipalities::TimeZone, 64))
                    .col(timestamp_with_time_zone(Municipalities::CreatedAt))
                    .col(timestamp_with_time_zone(Municipalities::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(pk_uuid(Organizations::Id))
                    .col(uuid(Organizations::MunicipalityId))
                    .col(string_len(Organizations::Kind, 32))
                    .col(string(Organizations::Name))
                    .col(string(Organizations::NameKana))
                    .col(string_null(Organizations::WebsiteUrl))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .col(timestamp_with_time_zone(Organizations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Organizations::Table, Organizations::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("organizations_municipality_name")
                    .table(Organizations::Table)
                    .col(Organizations::MunicipalityId)
                    .col(Organizations::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(uuid_null(Users::MunicipalityId))
                    .col(uuid_null(Users::OrganizationId))
                    .col(string_uniq(Users::Email))
                    .col(string(Users::PasswordHash))
                    .col(string(Users::DisplayName))
                    .col(string(Users::DisplayNameKana))
                    .col(string_len(Users::Role, 32))
                    .col(timestamp_with_time_zone_null(Users::DeactivatedAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("users_municipality")
                    .table(Users::Table)
                    .col(Users::MunicipalityId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(pk_uuid(Sessions::Id))
                    .col(uuid(Sessions::UserId))
                    .col(string_len_uniq(Sessions::TokenHash, 64))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sessions_user")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            Organizations::Table.into_iden(),
            Municipalities::Table.into_iden(),
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
    JisCode,
    NameJa,
    NameKana,
    NameEn,
    PrefectureCode,
    TimeZone,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    MunicipalityId,
    Kind,
    Name,
    NameKana,
    WebsiteUrl,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    MunicipalityId,
    OrganizationId,
    Email,
    PasswordHash,
    DisplayName,
    DisplayNameKana,
    Role,
    DeactivatedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

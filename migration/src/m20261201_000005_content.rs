//! Content: articles, relocation guides and residents' stories of a municipality.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Articles::Table)
                    .col(pk_uuid(Articles::Id))
                    .col(uuid(Articles::MunicipalityId))
                    .col(string_len(Articles::Kind, 32))
                    .col(string_len_null(Articles::Slug, 100))
                    .col(string_len(Articles::Title, 200))
                    .col(text(Articles::Summary))
                    .col(text(Articles::Body))
                    .col(string_len(Articles::Tags, 1000))
                    .col(string_len_null(Articles::CoverImageUrl, 2000))
                    .col(uuid(Articles::AuthorId))
                    .col(uuid_null(Articles::OrganizationId))
                    .col(string_len(Articles::Status, 32))
                    .col(timestamp_with_time_zone_null(Articles::PublishAt))
                    .col(timestamp_with_time_zone(Articles::SortAt))
                    .col(timestamp_with_time_zone_null(Articles::SearchReleasedAt))
                    .col(timestamp_with_time_zone(Articles::CreatedAt))
                    .col(timestamp_with_time_zone(Articles::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Articles::Table, Articles::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Articles::Table, Articles::AuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Articles::Table, Articles::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("articles_municipality_slug")
                    .table(Articles::Table)
                    .col(Articles::MunicipalityId)
                    .col(Articles::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("articles_municipality_status_sort")
                    .table(Articles::Table)
                    .col(Articles::MunicipalityId)
                    .col(Articles::Status)
                    .col(Articles::SortAt)
                    .to_owned(),
            )
            .await?;
        // The scheduler looks for published articles not yet released to search.
        manager
            .create_index(
                Index::create()
                    .name("articles_status_search_released")
                    .table(Articles::Table)
                    .col(Articles::Status)
                    .col(Articles::SearchReleasedAt)
                    .col(Articles::PublishAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Articles::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Articles {
    Table,
    Id,
    MunicipalityId,
    Kind,
    Slug,
    Title,
    Summary,
    Body,
    Tags,
    CoverImageUrl,
    AuthorId,
    OrganizationId,
    Status,
    PublishAt,
    SortAt,
    SearchReleasedAt,
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
enum Users {
    Table,
    Id,
}

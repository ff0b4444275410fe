//! The search outbox: changes to public content, for every replica's index to apply.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchOutbox::Table)
                    .col(pk_uuid(SearchOutbox::Id))
                    .col(string_len(SearchOutbox::Kind, 32))
                    .col(uuid(SearchOutbox::RecordId))
                    .col(uuid(SearchOutbox::MunicipalityId))
                    .col(timestamp_with_time_zone(SearchOutbox::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("search_outbox_created_at")
                    .table(SearchOutbox::Table)
                    .col(SearchOutbox::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SearchOutbox::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SearchOutbox {
    Table,
    Id,
    Kind,
    RecordId,
    MunicipalityId,
    CreatedAt,
}

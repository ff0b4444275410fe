//! Shared mechanisms every replica must see: idempotency keys, rate-limit windows and
//! automatic persisted queries.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(pk_uuid(IdempotencyKeys::Id))
                    .col(string(IdempotencyKeys::Scope))
                    .col(string(IdempotencyKeys::Key))
                    .col(string_len(IdempotencyKeys::RequestHash, 64))
                    .col(json(IdempotencyKeys::Result))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idempotency_keys_scope_key")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::Scope)
                    .col(IdempotencyKeys::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RateLimitWindows::Table)
                    .col(string(RateLimitWindows::Bucket))
                    .col(big_integer(RateLimitWindows::WindowStart))
                    .col(integer(RateLimitWindows::Hits))
                    .primary_key(
                        Index::create()
                            .col(RateLimitWindows::Bucket)
                            .col(RateLimitWindows::WindowStart),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersistedQueries::Table)
                    .col(string_len(PersistedQueries::Sha256Hash, 64).primary_key())
                    .col(text(PersistedQueries::Query))
                    .col(timestamp_with_time_zone(PersistedQueries::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PersistedQueries::Table.into_iden(),
            RateLimitWindows::Table.into_iden(),
            IdempotencyKeys::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    Scope,
    Key,
    RequestHash,
    Result,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RateLimitWindows {
    Table,
    Bucket,
    WindowStart,
    Hits,
}

#[derive(DeriveIden)]
enum PersistedQueries {
    Table,
    Sha256Hash,
    Query,
    CreatedAt,
}

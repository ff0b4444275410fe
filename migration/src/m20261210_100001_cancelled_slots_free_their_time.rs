//! A cancelled temporary childcare slot no longer holds its start time: the clerk may open
//! a new slot at that time. Only slots not cancelled are unique by resource and start.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every slot, cancelled or not, unique by resource and start.
const EVERY_SLOT: &str = "childcare_slots_resource_start";
/// Slots not cancelled, unique by resource and start.
const OPEN_SLOTS: &str = "childcare_slots_open_resource_start";

fn unique_start(name: &str) -> IndexCreateStatement {
    Index::create()
        .name(name)
        .table(Slots::Table)
        .col(Slots::ResourceId)
        .col(Slots::StartsAt)
        .unique()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(EVERY_SLOT)
                    .table(Slots::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                unique_start(OPEN_SLOTS)
                    .and_where(Expr::col(Slots::CancelledAt).is_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(OPEN_SLOTS)
                    .table(Slots::Table)
                    .to_owned(),
            )
            .await?;
        manager.create_index(unique_start(EVERY_SLOT)).await
    }
}

#[derive(DeriveIden)]
enum Slots {
    #[sea_orm(iden = "childcare_slots")]
    Table,
    ResourceId,
    StartsAt,
    CancelledAt,
}

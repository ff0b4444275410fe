//! Daily tools of temporary childcare: a note on a slot and its cancellation (when and
//! why), the reason a booking was cancelled (bookings also wait on a full slot, status
//! `waitlisted`, in the existing status column), and the notes and soft removal of a
//! family's registered children.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns added, one `ALTER TABLE` each (SQLite adds one column at a time).
fn added() -> Vec<(DynIden, ColumnDef)> {
    vec![
        (
            Slots::Table.into_iden(),
            string_len_null(Slots::Note, 500).to_owned(),
        ),
        (
            Slots::Table.into_iden(),
            timestamp_with_time_zone_null(Slots::CancelledAt).to_owned(),
        ),
        (
            Slots::Table.into_iden(),
            string_len_null(Slots::CancelReason, 500).to_owned(),
        ),
        (
            Bookings::Table.into_iden(),
            string_len_null(Bookings::CancelReason, 500).to_owned(),
        ),
        (
            Children::Table.into_iden(),
            string_len_null(Children::Notes, 1000).to_owned(),
        ),
        (
            Children::Table.into_iden(),
            timestamp_with_time_zone_null(Children::RemovedAt).to_owned(),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, mut column) in added() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("childcare_bookings_slot_status")
                    .table(Bookings::Table)
                    .col(Bookings::SlotId)
                    .col(Bookings::Status)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("childcare_bookings_slot_status")
                    .table(Bookings::Table)
                    .to_owned(),
            )
            .await?;
        for (table, column) in added().into_iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Alias::new(column.get_column_name()))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Slots {
    #[sea_orm(iden = "childcare_slots")]
    Table,
    Note,
    CancelledAt,
    CancelReason,
}

#[derive(DeriveIden)]
enum Bookings {
    #[sea_orm(iden = "childcare_bookings")]
    Table,
    SlotId,
    Status,
    CancelReason,
}

#[derive(DeriveIden)]
enum Children {
    #[sea_orm(iden = "childcare_children")]
    Table,
    Notes,
    RemovedAt,
}

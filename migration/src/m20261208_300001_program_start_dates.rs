//! The start of a program (its first session not cancelled) on the program row, so that
//! programs list by start date with stable cursors. A program without such a session keeps
//! the far-future value 9999-12-31T00:00:00Z, so it lists last.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, prelude::ChronoDateTimeUtc},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Programs::Table)
                    .add_column(timestamp_with_time_zone_null(Programs::FirstSessionAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let first = Query::update()
            .table(Programs::Table)
            .value(
                Programs::FirstSessionAt,
                Expr::cust(
                    "(SELECT MIN(s.starts_at) FROM program_sessions s \
                     WHERE s.program_id = programs.id AND s.status = 'scheduled')",
                ),
            )
            .to_owned();
        db.execute_raw(backend.build(&first)).await?;
        let never = ChronoDateTimeUtc::from_timestamp(253_402_214_400, 0)
            .ok_or_else(|| DbErr::Custom("far-future timestamp".into()))?;
        let rest = Query::update()
            .table(Programs::Table)
            .value(Programs::FirstSessionAt, never)
            .and_where(Expr::col(Programs::FirstSessionAt).is_null())
            .to_owned();
        db.execute_raw(backend.build(&rest)).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_programs_first_session_at")
                    .table(Programs::Table)
                    .col(Programs::FirstSessionAt)
                    .col(Programs::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_programs_first_session_at")
                    .table(Programs::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Programs::Table)
                    .drop_column(Programs::FirstSessionAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Programs {
    Table,
    FirstSessionAt,
    Id,
}

//! Health: children entered from a paper 予診票 by a clinic, before (or without) any
//! guardian registering them in the app. Such a child has no guardian account yet; the
//! clinic hands the family a one-time claim code with which a guardian links the child to
//! their account later.
//!
//! `health_children.guardian_user_id` becomes nullable. PostgreSQL drops the constraint;
//! SQLite cannot, so the table is rebuilt on one connection with foreign keys off, the
//! procedure SQLite documents for changes `ALTER TABLE` cannot make.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, DbBackend, Statement},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The guardian column as the table was created on SQLite, and as it is rebuilt.
const SQLITE_REQUIRED: &str = "\"guardian_user_id\" uuid_text NOT NULL";
const SQLITE_OPTIONAL: &str = "\"guardian_user_id\" uuid_text NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                let row = db
                    .query_one_raw(Statement::from_string(
                        DbBackend::Sqlite,
                        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'health_children'",
                    ))
                    .await?
                    .ok_or_else(|| DbErr::Migration("health_children is missing".into()))?;
                let created: String = row.try_get("", "sql")?;
                if !created.contains(SQLITE_REQUIRED) {
                    return Err(DbErr::Migration(format!(
                        "health_children does not have the expected guardian column: {created}"
                    )));
                }
                let rebuilt = created
                    .replacen("\"health_children\"", "\"health_children_rebuilt\"", 1)
                    .replacen(SQLITE_REQUIRED, SQLITE_OPTIONAL, 1);
                // One string, so one connection runs it all: the pragma is per connection and
                // cannot change inside a transaction.
                db.execute_unprepared(&format!(
                    "PRAGMA foreign_keys = OFF;
                     BEGIN;
                     {rebuilt};
                     INSERT INTO health_children_rebuilt SELECT * FROM health_children;
                     DROP TABLE health_children;
                     ALTER TABLE health_children_rebuilt RENAME TO health_children;
                     CREATE INDEX health_children_guardian ON health_children (guardian_user_id);
                     COMMIT;
                     PRAGMA foreign_keys = ON;"
                ))
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "ALTER TABLE health_children ALTER COLUMN guardian_user_id DROP NOT NULL",
                )
                .await?;
            }
        }
        // SQLite takes one change per ALTER TABLE.
        for column in [
            uuid_null(Children::EnteredByClinicId),
            string_len_null(Children::ClaimCodeDigest, 64),
            timestamp_with_time_zone_null(Children::ClaimCodeExpiresAt),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Children::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("health_children_claim_code")
                    .table(Children::Table)
                    .col(Children::ClaimCodeDigest)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("health_children_claim_code")
                    .table(Children::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Children::ClaimCodeExpiresAt,
            Children::ClaimCodeDigest,
            Children::EnteredByClinicId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Children::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Children {
    #[sea_orm(iden = "health_children")]
    Table,
    EnteredByClinicId,
    ClaimCodeDigest,
    ClaimCodeExpiresAt,
}

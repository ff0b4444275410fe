//! Readings (フリガナ) of the titles of programs, articles, local issues and partner
//! projects: optional, in katakana, searched so that a query in kana finds a title in kanji.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose titles get a reading.
const TABLES: [Titled; 4] = [
    Titled::Programs,
    Titled::Articles,
    Titled::LocalIssues,
    Titled::PartnerProjects,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(text_null(Titled::TitleReading))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Titled::TitleReading)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Titled {
    Programs,
    Articles,
    LocalIssues,
    PartnerProjects,
    TitleReading,
}

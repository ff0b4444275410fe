//! Search synonyms of a municipality: its own groups of words that mean the same (place
//! names, facility nicknames, programme names), edited by its administrators.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchSynonyms::Table)
                    .col(pk_uuid(SearchSynonyms::Id))
                    .col(uuid(SearchSynonyms::MunicipalityId))
                    .col(text(SearchSynonyms::Words))
                    .col(uuid(SearchSynonyms::UpdatedBy))
                    .col(timestamp_with_time_zone(SearchSynonyms::CreatedAt))
                    .col(timestamp_with_time_zone(SearchSynonyms::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SearchSynonyms::Table, SearchSynonyms::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SearchSynonyms::Table, SearchSynonyms::UpdatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("search_synonyms_municipality")
                    .table(SearchSynonyms::Table)
                    .col(SearchSynonyms::MunicipalityId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SearchSynonyms::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SearchSynonyms {
    Table,
    Id,
    MunicipalityId,
    Words,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
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

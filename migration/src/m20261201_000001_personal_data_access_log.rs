//! The access log of personal data shared by every domain: who read which record's
//! personal data, what of it, and when.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PersonalDataAccessLog::Table)
                    .col(pk_uuid(PersonalDataAccessLog::Id))
                    .col(uuid(PersonalDataAccessLog::MunicipalityId))
                    .col(uuid(PersonalDataAccessLog::ActorUserId))
                    .col(string_len(PersonalDataAccessLog::SubjectKind, 64))
                    .col(uuid(PersonalDataAccessLog::SubjectId))
                    .col(string_len(PersonalDataAccessLog::Accessed, 64))
                    .col(timestamp_with_time_zone(PersonalDataAccessLog::AccessedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                PersonalDataAccessLog::Table,
                                PersonalDataAccessLog::MunicipalityId,
                            )
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                PersonalDataAccessLog::Table,
                                PersonalDataAccessLog::ActorUserId,
                            )
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "personal_data_access_log_municipality_time",
                vec![
                    PersonalDataAccessLog::MunicipalityId,
                    PersonalDataAccessLog::AccessedAt,
                ],
            ),
            (
                "personal_data_access_log_subject",
                vec![
                    PersonalDataAccessLog::SubjectKind,
                    PersonalDataAccessLog::SubjectId,
                ],
            ),
            (
                "personal_data_access_log_actor",
                vec![
                    PersonalDataAccessLog::ActorUserId,
                    PersonalDataAccessLog::AccessedAt,
                ],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(PersonalDataAccessLog::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PersonalDataAccessLog::Table).to_owned())
            .await
    }
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

#[derive(DeriveIden)]
enum PersonalDataAccessLog {
    Table,
    Id,
    MunicipalityId,
    ActorUserId,
    SubjectKind,
    SubjectId,
    Accessed,
    AccessedAt,
}

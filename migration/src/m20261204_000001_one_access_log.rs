//! One personal-data access log: the reads of relocation inquiries, kept in a table of
//! their own until now, move into the access log every domain shares (subject kind
//! `relocation_inquiry`), and their table goes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let copy = Query::insert()
            .into_table(PersonalDataAccessLog::Table)
            .columns([
                PersonalDataAccessLog::Id,
                PersonalDataAccessLog::MunicipalityId,
                PersonalDataAccessLog::ActorUserId,
                PersonalDataAccessLog::SubjectKind,
                PersonalDataAccessLog::SubjectId,
                PersonalDataAccessLog::Accessed,
                PersonalDataAccessLog::AccessedAt,
            ])
            .select_from(
                Query::select()
                    .column(InquiryAccessLogs::Id)
                    .column(InquiryAccessLogs::MunicipalityId)
                    .column(InquiryAccessLogs::UserId)
                    .expr(Expr::val(SUBJECT_KIND))
                    .column(InquiryAccessLogs::InquiryId)
                    .column(InquiryAccessLogs::Purpose)
                    .column(InquiryAccessLogs::CreatedAt)
                    .from(InquiryAccessLogs::Table)
                    .to_owned(),
            )
            .map_err(|error| DbErr::Migration(error.to_string()))?
            .to_owned();
        manager.exec_stmt(copy).await?;
        manager
            .drop_table(Table::drop().table(InquiryAccessLogs::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InquiryAccessLogs::Table)
                    .col(pk_uuid(InquiryAccessLogs::Id))
                    .col(uuid(InquiryAccessLogs::MunicipalityId))
                    .col(uuid(InquiryAccessLogs::InquiryId))
                    .col(uuid(InquiryAccessLogs::UserId))
                    .col(string_len(InquiryAccessLogs::Purpose, 32))
                    .col(timestamp_with_time_zone(InquiryAccessLogs::CreatedAt))
                    .to_owned(),
            )
            .await?;
        let copy = Query::insert()
            .into_table(InquiryAccessLogs::Table)
            .columns([
                InquiryAccessLogs::Id,
                InquiryAccessLogs::MunicipalityId,
                InquiryAccessLogs::UserId,
                InquiryAccessLogs::InquiryId,
                InquiryAccessLogs::Purpose,
                InquiryAccessLogs::CreatedAt,
            ])
            .select_from(
                Query::select()
                    .column(PersonalDataAccessLog::Id)
                    .column(PersonalDataAccessLog::MunicipalityId)
                    .column(PersonalDataAccessLog::ActorUserId)
                    .column(PersonalDataAccessLog::SubjectId)
                    .column(PersonalDataAccessLog::Accessed)
                    .column(PersonalDataAccessLog::AccessedAt)
                    .from(PersonalDataAccessLog::Table)
                    .and_where(Expr::col(PersonalDataAccessLog::SubjectKind).eq(SUBJECT_KIND))
                    .to_owned(),
            )
            .map_err(|error| DbErr::Migration(error.to_string()))?
            .to_owned();
        manager.exec_stmt(copy).await?;
        let remove = Query::delete()
            .from_table(PersonalDataAccessLog::Table)
            .and_where(Expr::col(PersonalDataAccessLog::SubjectKind).eq(SUBJECT_KIND))
            .to_owned();
        manager.exec_stmt(remove).await
    }
}

/// Subject kind of a relocation inquiry in the shared log.
const SUBJECT_KIND: &str = "relocation_inquiry";

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

#[derive(DeriveIden)]
enum InquiryAccessLogs {
    Table,
    Id,
    MunicipalityId,
    InquiryId,
    UserId,
    Purpose,
    CreatedAt,
}

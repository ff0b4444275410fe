//! Partnership: the earlier versions of a rejected project its partner revised and
//! resubmitted (`partner_project_revisions`), and the deletion of a public comment by its
//! author (`issue_comments.deleted_at`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PartnerProjectRevisions::Table)
                    .col(pk_uuid(PartnerProjectRevisions::Id))
                    .col(uuid(PartnerProjectRevisions::MunicipalityId))
                    .col(uuid(PartnerProjectRevisions::ProjectId))
                    .col(integer(PartnerProjectRevisions::RevisionNumber))
                    .col(string_len(PartnerProjectRevisions::PreviousTitle, 200))
                    .col(text_null(PartnerProjectRevisions::PreviousTitleReading))
                    .col(text(PartnerProjectRevisions::PreviousSummary))
                    .col(text(PartnerProjectRevisions::PreviousPlan))
                    .col(text(PartnerProjectRevisions::PreviousExpectedOutcome))
                    .col(text(PartnerProjectRevisions::PreviousTimeline))
                    .col(string_len(PartnerProjectRevisions::PreviousContact, 500))
                    .col(text_null(PartnerProjectRevisions::RejectionReason))
                    .col(text_null(PartnerProjectRevisions::Note))
                    .col(uuid(PartnerProjectRevisions::RevisedBy))
                    .col(timestamp_with_time_zone(PartnerProjectRevisions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                PartnerProjectRevisions::Table,
                                PartnerProjectRevisions::ProjectId,
                            )
                            .to(PartnerProjects::Table, PartnerProjects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                PartnerProjectRevisions::Table,
                                PartnerProjectRevisions::RevisedBy,
                            )
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("partner_project_revisions_project_number")
                    .table(PartnerProjectRevisions::Table)
                    .col(PartnerProjectRevisions::ProjectId)
                    .col(PartnerProjectRevisions::RevisionNumber)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(IssueComments::Table)
                    .add_column(timestamp_with_time_zone_null(IssueComments::DeletedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IssueComments::Table)
                    .drop_column(IssueComments::DeletedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(PartnerProjectRevisions::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum PartnerProjectRevisions {
    Table,
    Id,
    MunicipalityId,
    ProjectId,
    RevisionNumber,
    PreviousTitle,
    PreviousTitleReading,
    PreviousSummary,
    PreviousPlan,
    PreviousExpectedOutcome,
    PreviousTimeline,
    PreviousContact,
    RejectionReason,
    Note,
    RevisedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PartnerProjects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum IssueComments {
    Table,
    DeletedAt,
}

//! Public-private partnership: local issues, partner projects with their progress updates,
//! public and internal comments, and the status history of issues and projects.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LocalIssues::Table)
                    .col(pk_uuid(LocalIssues::Id))
                    .col(uuid(LocalIssues::MunicipalityId))
                    .col(string_len(LocalIssues::Title, 200))
                    .col(text(LocalIssues::Description))
                    .col(string_len(LocalIssues::Category, 32))
                    .col(string_len_null(LocalIssues::PlaceName, 200))
                    .col(double_null(LocalIssues::Latitude))
                    .col(double_null(LocalIssues::Longitude))
                    .col(string_len(LocalIssues::Status, 32))
                    .col(boolean(LocalIssues::Published))
                    .col(timestamp_with_time_zone_null(LocalIssues::SolvedAt))
                    .col(uuid(LocalIssues::CreatedBy))
                    .col(timestamp_with_time_zone(LocalIssues::CreatedAt))
                    .col(timestamp_with_time_zone(LocalIssues::UpdatedAt))
                    .col(timestamp_with_time_zone(LocalIssues::LastActivityAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LocalIssues::Table, LocalIssues::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LocalIssues::Table, LocalIssues::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "local_issues_municipality_activity",
                LocalIssues::LastActivityAt,
            ),
            ("local_issues_municipality_status", LocalIssues::Status),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(LocalIssues::Table)
                        .col(LocalIssues::MunicipalityId)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(PartnerProjects::Table)
                    .col(pk_uuid(PartnerProjects::Id))
                    .col(uuid(PartnerProjects::MunicipalityId))
                    .col(uuid(PartnerProjects::OrganizationId))
                    .col(uuid(PartnerProjects::CreatedBy))
                    .col(string_len(PartnerProjects::Title, 200))
                    .col(text(PartnerProjects::Summary))
                    .col(text(PartnerProjects::Plan))
                    .col(text(PartnerProjects::ExpectedOutcome))
                    .col(text(PartnerProjects::Timeline))
                    .col(string_len(PartnerProjects::Contact, 500))
                    .col(string_len(PartnerProjects::Status, 32))
                    .col(small_integer(PartnerProjects::ProgressPercent))
                    .col(text_null(PartnerProjects::OutcomeReport))
                    .col(timestamp_with_time_zone_null(PartnerProjects::SubmittedAt))
                    .col(timestamp_with_time_zone_null(PartnerProjects::ApprovedAt))
                    .col(timestamp_with_time_zone_null(PartnerProjects::CompletedAt))
                    .col(timestamp_with_time_zone_null(PartnerProjects::VerifiedAt))
                    .col(timestamp_with_time_zone(PartnerProjects::CreatedAt))
                    .col(timestamp_with_time_zone(PartnerProjects::UpdatedAt))
                    .col(timestamp_with_time_zone(PartnerProjects::LastActivityAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerProjects::Table, PartnerProjects::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerProjects::Table, PartnerProjects::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerProjects::Table, PartnerProjects::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "partner_projects_municipality_activity",
                PartnerProjects::LastActivityAt,
            ),
            (
                "partner_projects_municipality_status",
                PartnerProjects::Status,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(PartnerProjects::Table)
                        .col(PartnerProjects::MunicipalityId)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("partner_projects_organization")
                    .table(PartnerProjects::Table)
                    .col(PartnerProjects::OrganizationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PartnerProjectIssues::Table)
                    .col(uuid(PartnerProjectIssues::ProjectId))
                    .col(uuid(PartnerProjectIssues::IssueId))
                    .col(uuid(PartnerProjectIssues::MunicipalityId))
                    .primary_key(
                        Index::create()
                            .col(PartnerProjectIssues::ProjectId)
                            .col(PartnerProjectIssues::IssueId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerProjectIssues::Table, PartnerProjectIssues::ProjectId)
                            .to(PartnerProjects::Table, PartnerProjects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerProjectIssues::Table, PartnerProjectIssues::IssueId)
                            .to(LocalIssues::Table, LocalIssues::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("partner_project_issues_issue")
                    .table(PartnerProjectIssues::Table)
                    .col(PartnerProjectIssues::IssueId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProjectUpdates::Table)
                    .col(pk_uuid(ProjectUpdates::Id))
                    .col(uuid(ProjectUpdates::MunicipalityId))
                    .col(uuid(ProjectUpdates::ProjectId))
                    .col(uuid(ProjectUpdates::AuthorId))
                    .col(text(ProjectUpdates::Body))
                    .col(small_integer(ProjectUpdates::ProgressPercent))
                    .col(string_len_null(ProjectUpdates::Milestone, 200))
                    .col(timestamp_with_time_zone(ProjectUpdates::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectUpdates::Table, ProjectUpdates::ProjectId)
                            .to(PartnerProjects::Table, PartnerProjects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectUpdates::Table, ProjectUpdates::AuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("project_updates_project")
                    .table(ProjectUpdates::Table)
                    .col(ProjectUpdates::ProjectId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IssueComments::Table)
                    .col(pk_uuid(IssueComments::Id))
                    .col(uuid(IssueComments::MunicipalityId))
                    .col(uuid(IssueComments::IssueId))
                    .col(uuid(IssueComments::AuthorId))
                    .col(text(IssueComments::Body))
                    .col(timestamp_with_time_zone_null(IssueComments::HiddenAt))
                    .col(uuid_null(IssueComments::HiddenBy))
                    .col(text_null(IssueComments::HiddenReason))
                    .col(timestamp_with_time_zone(IssueComments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(IssueComments::Table, IssueComments::IssueId)
                            .to(LocalIssues::Table, LocalIssues::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IssueComments::Table, IssueComments::AuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("issue_comments_issue")
                    .table(IssueComments::Table)
                    .col(IssueComments::IssueId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProjectInternalComments::Table)
                    .col(pk_uuid(ProjectInternalComments::Id))
                    .col(uuid(ProjectInternalComments::MunicipalityId))
                    .col(uuid(ProjectInternalComments::ProjectId))
                    .col(uuid(ProjectInternalComments::AuthorId))
                    .col(uuid_null(ProjectInternalComments::AuthorOrganizationId))
                    .col(string_len(ProjectInternalComments::AuthorRole, 32))
                    .col(text(ProjectInternalComments::Body))
                    .col(timestamp_with_time_zone(ProjectInternalComments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ProjectInternalComments::Table,
                                ProjectInternalComments::ProjectId,
                            )
                            .to(PartnerProjects::Table, PartnerProjects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ProjectInternalComments::Table,
                                ProjectInternalComments::AuthorId,
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
                    .name("project_internal_comments_project")
                    .table(ProjectInternalComments::Table)
                    .col(ProjectInternalComments::ProjectId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PartnershipStatusChanges::Table)
                    .col(pk_uuid(PartnershipStatusChanges::Id))
                    .col(uuid(PartnershipStatusChanges::MunicipalityId))
                    .col(string_len(PartnershipStatusChanges::SubjectKind, 32))
                    .col(uuid(PartnershipStatusChanges::SubjectId))
                    .col(string_len_null(PartnershipStatusChanges::FromStatus, 32))
                    .col(string_len(PartnershipStatusChanges::ToStatus, 32))
                    .col(uuid(PartnershipStatusChanges::ActorUserId))
                    .col(uuid_null(PartnershipStatusChanges::ActorOrganizationId))
                    .col(string_len(PartnershipStatusChanges::ActorRole, 32))
                    .col(text_null(PartnershipStatusChanges::Reason))
                    .col(timestamp_with_time_zone(
                        PartnershipStatusChanges::CreatedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                PartnershipStatusChanges::Table,
                                PartnershipStatusChanges::MunicipalityId,
                            )
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                PartnershipStatusChanges::Table,
                                PartnershipStatusChanges::ActorUserId,
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
                    .name("partnership_status_changes_subject")
                    .table(PartnershipStatusChanges::Table)
                    .col(PartnershipStatusChanges::SubjectId)
                    .col(PartnershipStatusChanges::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PartnershipStatusChanges::Table.into_iden(),
            ProjectInternalComments::Table.into_iden(),
            IssueComments::Table.into_iden(),
            ProjectUpdates::Table.into_iden(),
            PartnerProjectIssues::Table.into_iden(),
            PartnerProjects::Table.into_iden(),
            LocalIssues::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Municipalities {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LocalIssues {
    Table,
    Id,
    MunicipalityId,
    Title,
    Description,
    Category,
    PlaceName,
    Latitude,
    Longitude,
    Status,
    Published,
    SolvedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    LastActivityAt,
}

#[derive(DeriveIden)]
enum PartnerProjects {
    Table,
    Id,
    MunicipalityId,
    OrganizationId,
    CreatedBy,
    Title,
    Summary,
    Plan,
    ExpectedOutcome,
    Timeline,
    Contact,
    Status,
    ProgressPercent,
    OutcomeReport,
    SubmittedAt,
    ApprovedAt,
    CompletedAt,
    VerifiedAt,
    CreatedAt,
    UpdatedAt,
    LastActivityAt,
}

#[derive(DeriveIden)]
enum PartnerProjectIssues {
    Table,
    ProjectId,
    IssueId,
    MunicipalityId,
}

#[derive(DeriveIden)]
enum ProjectUpdates {
    Table,
    Id,
    MunicipalityId,
    ProjectId,
    AuthorId,
    Body,
    ProgressPercent,
    Milestone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IssueComments {
    Table,
    Id,
    MunicipalityId,
    IssueId,
    AuthorId,
    Body,
    HiddenAt,
    HiddenBy,
    HiddenReason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProjectInternalComments {
    Table,
    Id,
    MunicipalityId,
    ProjectId,
    AuthorId,
    AuthorOrganizationId,
    AuthorRole,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PartnershipStatusChanges {
    Table,
    Id,
    MunicipalityId,
    SubjectKind,
    SubjectId,
    FromStatus,
    ToStatus,
    ActorUserId,
    ActorOrganizationId,
    ActorRole,
    Reason,
    CreatedAt,
}

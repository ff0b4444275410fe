//! Relocation refinements: the kind of an appointment in a column of its own (it was kept in
//! the timeline text as `kind|place`), and concierges an administrator lets see every inquiry.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::ConnectionTrait};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Appointment kinds as they were written into the body before this migration.
const KINDS: [&str; 3] = ["visit", "trial_stay", "online_consultation"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(InquiryEvents::Table)
                    .add_column(string_len_null(InquiryEvents::AppointmentKind, 32))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ConciergeProfiles::Table)
                    .add_column(boolean(ConciergeProfiles::SeesAllInquiries).default(false))
                    .to_owned(),
            )
            .await?;
        // Move `kind|place` bodies apart; the place stays in the body.
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        for kind in KINDS {
            let prefix = format!("{kind}|");
            let query = Query::update()
                .table(InquiryEvents::Table)
                .value(InquiryEvents::AppointmentKind, kind)
                .value(
                    InquiryEvents::Body,
                    // The prefix is ASCII: its length in bytes is its length in characters.
                    Expr::cust(format!("NULLIF(SUBSTR(body, {}), '')", prefix.len() + 1)),
                )
                .and_where(Expr::col(InquiryEvents::Kind).eq("appointment"))
                .and_where(Expr::col(InquiryEvents::Body).like(format!("{prefix}%")))
                .to_owned();
            db.execute_raw(backend.build(&query)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ConciergeProfiles::Table)
                    .drop_column(ConciergeProfiles::SeesAllInquiries)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(InquiryEvents::Table)
                    .drop_column(InquiryEvents::AppointmentKind)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum InquiryEvents {
    Table,
    Kind,
    Body,
    AppointmentKind,
}

#[derive(DeriveIden)]
enum ConciergeProfiles {
    Table,
    SeesAllInquiries,
}

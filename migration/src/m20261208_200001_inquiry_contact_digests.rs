//! Digests of each relocation inquiry's email and phone, normalized (case, full-width,
//! hyphens), indexed per municipality: staff see which open inquiries share a contact
//! without anyone comparing personal data in clear. Existing inquiries are filled in.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, prelude::Uuid},
};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [Inquiries::EmailDigest, Inquiries::PhoneDigest] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Inquiries::Table)
                        .add_column(string_len_null(column, 64))
                        .to_owned(),
                )
                .await?;
        }
        for (name, column) in [
            ("relocation_inquiries_email_digest", Inquiries::EmailDigest),
            ("relocation_inquiries_phone_digest", Inquiries::PhoneDigest),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Inquiries::Table)
                        .col(Inquiries::MunicipalityId)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let rows = db
            .query_all_raw(
                backend.build(
                    Query::select()
                        .columns([Inquiries::Id, Inquiries::Email, Inquiries::Phone])
                        .from(Inquiries::Table)
                        .and_where(Expr::col(Inquiries::ErasedAt).is_null()),
                ),
            )
            .await?;
        for row in rows {
            let id: Uuid = row.try_get("", "id")?;
            let email: Option<String> = row.try_get("", "email")?;
            let phone: Option<String> = row.try_get("", "phone")?;
            let update = Query::update()
                .table(Inquiries::Table)
                .value(
                    Inquiries::EmailDigest,
                    email.as_deref().and_then(email_digest),
                )
                .value(
                    Inquiries::PhoneDigest,
                    phone.as_deref().and_then(phone_digest),
                )
                .and_where(Expr::col(Inquiries::Id).eq(id))
                .to_owned();
            db.execute_raw(backend.build(&update)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "relocation_inquiries_email_digest",
            "relocation_inquiries_phone_digest",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Inquiries::Table).to_owned())
                .await?;
        }
        for column in [Inquiries::EmailDigest, Inquiries::PhoneDigest] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Inquiries::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

// The rule as of this migration; the application's `relocation::service::contact` keeps
// the same one (a unit test there compares both).

/// The digest of an email: NFKC, trimmed, lowercased.
pub fn email_digest(email: &str) -> Option<String> {
    let key: String = email.nfkc().collect::<String>().trim().to_lowercase();
    (!key.is_empty()).then(|| hex(&format!("email:{key}")))
}

/// The digest of a phone number: its digits after NFKC (hyphens, spaces and brackets go).
pub fn phone_digest(phone: &str) -> Option<String> {
    let key: String = phone.nfkc().filter(char::is_ascii_digit).collect();
    (!key.is_empty()).then(|| hex(&format!("phone:{key}")))
}

fn hex(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(DeriveIden)]
enum Inquiries {
    #[sea_orm(iden = "relocation_inquiries")]
    Table,
    Id,
    MunicipalityId,
    Email,
    Phone,
    ErasedAt,
    EmailDigest,
    PhoneDigest,
}

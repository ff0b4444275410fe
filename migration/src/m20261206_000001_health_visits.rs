//! Health: clinics' vaccination slots and guardians' bookings, the 予診票 definitions
//! (seeded from `health_forms.json` beside this file: the national standard questions and
//! each vaccine's own, version 1), the submitted forms with their consent and the clinic's
//! confirmation, the clinic's record of a dose on the existing dose table (a correction is a
//! new version; nothing is deleted), each municipality's health settings, and the log of
//! what the checks caught (no names: municipality, clinic, stage, reason, category).

use sea_orm_migration::sea_orm::prelude::{Date, Uuid};
use sea_orm_migration::{prelude::*, schema::*};
use serde_json::Value;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SEED: &str = include_str!("health_forms.json");

/// One seeded definition: antigen, title, questions (JSON), consent text, first day.
type SeedRow = (String, String, String, String, Date);

fn seed_rows() -> Result<Vec<SeedRow>, DbErr> {
    let bad = |what: &str| DbErr::Custom(format!("health forms seed: {what}"));
    let seed: Value = serde_json::from_str(SEED).map_err(|err| bad(&err.to_string()))?;
    let effective_from = seed["effective_from"]
        .as_str()
        .and_then(|text| Date::parse_from_str(text, "%Y-%m-%d").ok())
        .ok_or_else(|| bad("effective_from"))?;
    let consent = seed["consent_text"]
        .as_str()
        .ok_or_else(|| bad("consent_text"))?
        .to_owned();
    let part = |key: &str| seed[key].as_array().cloned().unwrap_or_default();
    let mut rows = Vec::new();
    for form in part("forms") {
        let antigen = form["antigen"].as_str().ok_or_else(|| bad("antigen"))?;
        let title = form["title"].as_str().ok_or_else(|| bad("title"))?;
        let mut questions = part("header");
        questions.extend(part("common"));
        questions.extend(form["specific"].as_array().cloned().unwrap_or_default());
        rows.push((
            antigen.to_owned(),
            title.to_owned(),
            Value::Array(questions).to_string(),
            consent.clone(),
            effective_from,
        ));
    }
    Ok(rows)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Bookings as B;
        use CheckLog as L;
        use Definitions as D;
        use Settings as H;
        use Slots as S;
        use Submissions as F;
        manager
            .create_table(
                Table::create()
                    .table(H::Table)
                    .col(pk_uuid(H::MunicipalityId))
                    .col(string_len(H::MonthEnd, 20))
                    .col(double(H::FeverThreshold))
                    .col(timestamp_with_time_zone(H::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(pk_uuid(S::Id))
                    .col(uuid(S::MunicipalityId))
                    .col(uuid(S::ClinicId))
                    .col(date(S::Day))
                    .col(timestamp_with_time_zone(S::StartsAt))
                    .col(timestamp_with_time_zone(S::EndsAt))
                    .col(integer(S::Capacity))
                    .col(integer(S::Booked))
                    .col(text(S::Antigens))
                    .col(timestamp_with_time_zone(S::CreatedAt))
                    .col(timestamp_with_time_zone_null(S::CancelledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(S::Table, S::ClinicId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "health_slots_clinic_day",
            S::Table,
            [S::ClinicId, S::Day],
        )
        .await?;
        index(
            manager,
            "health_slots_municipality_day",
            S::Table,
            [S::MunicipalityId, S::Day],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(B::Table)
                    .col(pk_uuid(B::Id))
                    .col(uuid(B::MunicipalityId))
                    .col(uuid(B::ClinicId))
                    .col(uuid(B::SlotId))
                    .col(uuid(B::ChildId))
                    .col(uuid(B::GuardianUserId))
                    .col(date(B::Day))
                    .col(text(B::Products))
                    .col(string_len(B::Status, 16))
                    .col(text(B::Warnings))
                    .col(text_null(B::CancelReason))
                    .col(timestamp_with_time_zone(B::CreatedAt))
                    .col(timestamp_with_time_zone(B::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(B::Table, B::SlotId)
                            .to(S::Table, S::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(B::Table, B::ChildId)
                            .to(Children::Table, Children::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "health_bookings_clinic_day",
            B::Table,
            [B::ClinicId, B::Day],
        )
        .await?;
        index(
            manager,
            "health_bookings_child",
            B::Table,
            [B::ChildId, B::Day],
        )
        .await?;
        index(manager, "health_bookings_slot", B::Table, [B::SlotId]).await?;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(pk_uuid(D::Id))
                    .col(uuid_null(D::MunicipalityId))
                    .col(string_len(D::Antigen, 40))
                    .col(integer(D::Version))
                    .col(string_len(D::Title, 200))
                    .col(text(D::Questions))
                    .col(text(D::ConsentText))
                    .col(date(D::EffectiveFrom))
                    .col(date_null(D::EffectiveTo))
                    .col(uuid_null(D::CreatedBy))
                    .col(timestamp_with_time_zone(D::CreatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "health_form_definitions_antigen",
            D::Table,
            [D::Antigen, D::Version],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(pk_uuid(F::Id))
                    .col(uuid(F::MunicipalityId))
                    .col(uuid(F::ChildId))
                    .col(uuid(F::ClinicId))
                    .col(uuid_null(F::BookingId))
                    .col(uuid(F::VisitId))
                    .col(uuid(F::DefinitionId))
                    .col(string_len(F::ProductCode, 40))
                    .col(date(F::PlannedOn))
                    .col(text(F::Answers))
                    .col(string_len(F::Source, 16))
                    .col(string_len(F::Status, 16))
                    .col(string_len(F::ConsentMethod, 16))
                    .col(string_len(F::SignerKind, 16))
                    .col(string_len(F::SignerName, 100))
                    .col(string_len_null(F::SignerRelationship, 40))
                    .col(integer(F::ConsentVersion))
                    .col(timestamp_with_time_zone(F::ConsentedAt))
                    .col(text(F::Findings))
                    .col(uuid(F::SubmittedBy))
                    .col(double_null(F::Temperature))
                    .col(string_len_null(F::Judgement, 16))
                    .col(string_len_null(F::DoctorName, 100))
                    .col(boolean_null(F::ExplanationGiven))
                    .col(text_null(F::DeferralReason))
                    .col(uuid_null(F::ConfirmedBy))
                    .col(timestamp_with_time_zone_null(F::ConfirmedAt))
                    .col(timestamp_with_time_zone(F::CreatedAt))
                    .col(timestamp_with_time_zone(F::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(F::Table, F::ChildId)
                            .to(Children::Table, Children::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(F::Table, F::DefinitionId)
                            .to(D::Table, D::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "health_forms_clinic_day",
            F::Table,
            [F::ClinicId, F::PlannedOn],
        )
        .await?;
        index(
            manager,
            "health_forms_child",
            F::Table,
            [F::ChildId, F::PlannedOn],
        )
        .await?;
        index(manager, "health_forms_booking", F::Table, [F::BookingId]).await?;
        manager
            .create_table(
                Table::create()
                    .table(L::Table)
                    .col(pk_uuid(L::Id))
                    .col(uuid(L::MunicipalityId))
                    .col(uuid_null(L::ClinicId))
                    .col(string_len(L::Stage, 16))
                    .col(string_len(L::Outcome, 16))
                    .col(string_len(L::Reason, 40))
                    .col(string_len(L::Category, 40))
                    .col(string_len(L::Severity, 8))
                    .col(timestamp_with_time_zone(L::OccurredAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "health_check_log_municipality",
            L::Table,
            [L::MunicipalityId, L::OccurredAt],
        )
        .await?;

        // The clinic's record of a dose lives beside the guardians' copies from the handbook.
        // SQLite adds one column per statement.
        let added = [
            ColumnDef::new(V::ClinicId).uuid().null().to_owned(),
            ColumnDef::new(V::SubmissionId).uuid().null().to_owned(),
            ColumnDef::new(V::LotNumber)
                .string_len(40)
                .null()
                .to_owned(),
            ColumnDef::new(V::LotExpiry).date().null().to_owned(),
            ColumnDef::new(V::DoseMl).double().null().to_owned(),
            ColumnDef::new(V::Site).string_len(40).null().to_owned(),
            ColumnDef::new(V::Route).string_len(20).null().to_owned(),
            ColumnDef::new(V::DoctorName)
                .string_len(100)
                .null()
                .to_owned(),
            ColumnDef::new(V::DoseNumber).integer().null().to_owned(),
            ColumnDef::new(V::SeriesCode)
                .string_len(40)
                .null()
                .to_owned(),
            ColumnDef::new(V::Funded)
                .boolean()
                .not_null()
                .default(true)
                .to_owned(),
            ColumnDef::new(V::Overrides)
                .text()
                .not_null()
                .default("[]")
                .to_owned(),
            ColumnDef::new(V::RecordId).uuid().null().to_owned(),
            ColumnDef::new(V::Version)
                .integer()
                .not_null()
                .default(1)
                .to_owned(),
            ColumnDef::new(V::SupersededAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(V::CorrectionReason).text().null().to_owned(),
        ];
        for mut column in added {
            manager
                .alter_table(
                    Table::alter()
                        .table(V::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .exec_stmt(
                Query::update()
                    .table(V::Table)
                    .value(V::RecordId, Expr::col(V::Id))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "health_vaccinations_record",
            V::Table,
            [V::RecordId, V::Version],
        )
        .await?;
        index(
            manager,
            "health_vaccinations_clinic",
            V::Table,
            [V::ClinicId, V::VaccinatedOn],
        )
        .await?;
        index(
            manager,
            "health_vaccinations_municipality",
            V::Table,
            [V::MunicipalityId, V::VaccinatedOn],
        )
        .await?;

        let created = sea_orm_migration::sea_orm::prelude::DateTimeUtc::from(
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_733_443_200),
        );
        for (position, (antigen, title, questions, consent, from)) in
            seed_rows()?.into_iter().enumerate()
        {
            let id = Uuid::from_u128(0x0193_9a00_0000_7000_8000_0000_0000_0000 + position as u128);
            manager
                .exec_stmt(
                    Query::insert()
                        .into_table(D::Table)
                        .columns([
                            D::Id,
                            D::Antigen,
                            D::Version,
                            D::Title,
                            D::Questions,
                            D::ConsentText,
                            D::EffectiveFrom,
                            D::CreatedAt,
                        ])
                        .values_panic([
                            id.into(),
                            antigen.into(),
                            1.into(),
                            title.into(),
                            questions.into(),
                            consent.into(),
                            from.into(),
                            created.into(),
                        ])
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CheckLog::Table.into_iden(),
            Submissions::Table.into_iden(),
            Definitions::Table.into_iden(),
            Bookings::Table.into_iden(),
            Slots::Table.into_iden(),
            Settings::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn index<T, C, const N: usize>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: [C; N],
) -> Result<(), DbErr>
where
    T: IntoIden,
    C: IntoIden,
{
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(column);
    }
    manager.create_index(statement.to_owned()).await
}

use Vaccinations as V;

#[derive(DeriveIden)]
enum Settings {
    #[sea_orm(iden = "health_settings")]
    Table,
    MunicipalityId,
    MonthEnd,
    FeverThreshold,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Slots {
    #[sea_orm(iden = "health_slots")]
    Table,
    Id,
    MunicipalityId,
    ClinicId,
    Day,
    StartsAt,
    EndsAt,
    Capacity,
    Booked,
    Antigens,
    CreatedAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum Bookings {
    #[sea_orm(iden = "health_bookings")]
    Table,
    Id,
    MunicipalityId,
    ClinicId,
    SlotId,
    ChildId,
    GuardianUserId,
    Day,
    Products,
    Status,
    Warnings,
    CancelReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Definitions {
    #[sea_orm(iden = "health_form_definitions")]
    Table,
    Id,
    MunicipalityId,
    Antigen,
    Version,
    Title,
    Questions,
    ConsentText,
    EffectiveFrom,
    EffectiveTo,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Submissions {
    #[sea_orm(iden = "health_form_submissions")]
    Table,
    Id,
    MunicipalityId,
    ChildId,
    ClinicId,
    BookingId,
    VisitId,
    DefinitionId,
    ProductCode,
    PlannedOn,
    Answers,
    Source,
    Status,
    ConsentMethod,
    SignerKind,
    SignerName,
    SignerRelationship,
    ConsentVersion,
    ConsentedAt,
    Findings,
    SubmittedBy,
    Temperature,
    Judgement,
    DoctorName,
    ExplanationGiven,
    DeferralReason,
    ConfirmedBy,
    ConfirmedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CheckLog {
    #[sea_orm(iden = "health_check_log")]
    Table,
    Id,
    MunicipalityId,
    ClinicId,
    Stage,
    Outcome,
    Reason,
    Category,
    Severity,
    OccurredAt,
}

#[derive(DeriveIden)]
enum Vaccinations {
    #[sea_orm(iden = "health_vaccinations")]
    Table,
    Id,
    MunicipalityId,
    VaccinatedOn,
    ClinicId,
    SubmissionId,
    LotNumber,
    LotExpiry,
    DoseMl,
    Site,
    Route,
    DoctorName,
    DoseNumber,
    SeriesCode,
    Funded,
    Overrides,
    RecordId,
    Version,
    SupersededAt,
    CorrectionReason,
}

#[derive(DeriveIden)]
enum Children {
    #[sea_orm(iden = "health_children")]
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

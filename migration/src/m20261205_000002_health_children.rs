//! Health: the children guardians register for vaccinations, and the doses each child has
//! had (special-care personal data, 要配慮個人情報). A dose is never deleted.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Children as C;
        use Vaccinations as V;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(pk_uuid(C::Id))
                    .col(uuid(C::MunicipalityId))
                    .col(uuid(C::GuardianUserId))
                    .col(string_len(C::Name, 100))
                    .col(string_len(C::NameKana, 100))
                    .col(date(C::BirthDate))
                    .col(string_len(C::Sex, 10))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::MunicipalityId)
                            .to(Municipalities::Table, Municipalities::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::GuardianUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_children_guardian")
                    .table(C::Table)
                    .col(C::GuardianUserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .col(pk_uuid(V::Id))
                    .col(uuid(V::MunicipalityId))
                    .col(uuid(V::ChildId))
                    .col(string_len(V::ProductCode, 40))
                    .col(date(V::VaccinatedOn))
                    .col(string_len(V::Source, 16))
                    .col(uuid(V::RecordedBy))
                    .col(timestamp_with_time_zone(V::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(V::Table, V::ChildId)
                            .to(C::Table, C::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(V::Table, V::ProductCode)
                            .to(Products::Table, Products::Code)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_vaccinations_child_date")
                    .table(V::Table)
                    .col(V::ChildId)
                    .col(V::VaccinatedOn)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Vaccinations::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Children::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Children {
    #[sea_orm(iden = "health_children")]
    Table,
    Id,
    MunicipalityId,
    GuardianUserId,
    Name,
    NameKana,
    BirthDate,
    Sex,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Vaccinations {
    #[sea_orm(iden = "health_vaccinations")]
    Table,
    Id,
    MunicipalityId,
    ChildId,
    ProductCode,
    VaccinatedOn,
    Source,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Products {
    #[sea_orm(iden = "health_vaccine_products")]
    Table,
    Code,
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

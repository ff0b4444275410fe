//! Health: the routine vaccine catalogue (定期接種 A類), as dated data. The rows come from
//! `health_catalogue.json` beside this file; the age windows, intervals and conditions are
//! kept as JSON in the legal units of the texts and read by the service's typed catalogue.
//! A change of the national rules is a new migration that closes rows (`valid_to`) and adds
//! rows (`valid_from`), so every replica and every municipality reads the same rules and the
//! history of the rules stays in the schema's history.

use sea_orm_migration::sea_orm::prelude::Date;
use sea_orm_migration::{prelude::*, schema::*};
use serde_json::Value;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SEED: &str = include_str!("health_catalogue.json");

fn text_of(value: &Value) -> String {
    value.to_string()
}

fn string(value: &Value, key: &str) -> Result<String, DbErr> {
    value[key]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| DbErr::Custom(format!("health catalogue: {key} missing")))
}

fn day(value: &Value, key: &str) -> Result<Option<Date>, DbErr> {
    match value[key].as_str() {
        None => Ok(None),
        Some(text) => Date::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|err| DbErr::Custom(format!("health catalogue: {key}: {err}"))),
    }
}

fn list(value: &Value, key: &str) -> Vec<Value> {
    value[key].as_array().cloned().unwrap_or_default()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Products as P;
        use Rules as R;
        use Series as S;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(string_len(P::Code, 40).primary_key())
                    .col(integer(P::Position))
                    .col(string_len(P::Name, 200))
                    .col(string_len(P::Antigen, 40))
                    .col(boolean(P::Live))
                    .col(string_len(P::Route, 20))
                    .col(double_null(P::DoseMl))
                    .col(date(P::ValidFrom))
                    .col(date_null(P::ValidTo))
                    .col(text_null(P::AbsoluteUntil))
                    .col(text(P::MayFollow))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(string_len(S::Code, 40).primary_key())
                    .col(integer(S::Position))
                    .col(string_len(S::Antigen, 40))
                    .col(string_len(S::Name, 200))
                    .col(text(S::Products))
                    .col(string_len_null(S::Sex, 10))
                    .col(date_null(S::BornFrom))
                    .col(date(S::ValidFrom))
                    .col(date_null(S::ValidTo))
                    .col(text(S::ConflictsWith))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(pk_auto(R::Id))
                    .col(string_len(R::SeriesCode, 40))
                    .col(integer(R::Dose))
                    .col(string_len(R::Label, 100))
                    .col(text(R::Eligible))
                    .col(text_null(R::Standard))
                    .col(text(R::MinIntervals))
                    .col(text(R::StandardIntervals))
                    .col(text_null(R::SkipIf))
                    .col(date_null(R::ValidFrom))
                    .col(date_null(R::ValidTo))
                    .foreign_key(
                        ForeignKey::create()
                            .from(R::Table, R::SeriesCode)
                            .to(S::Table, S::Code)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_dose_rules_series_dose")
                    .table(R::Table)
                    .col(R::SeriesCode)
                    .col(R::Dose)
                    .to_owned(),
            )
            .await?;
        seed(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Rules::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Series::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Products::Table).to_owned())
            .await
    }
}

/// Inserts every product, series and dose rule of the seed, in its order.
async fn seed(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let seed: Value = serde_json::from_str(SEED)
        .map_err(|err| DbErr::Custom(format!("health catalogue: {err}")))?;
    for (position, product) in (0_i32..).zip(list(&seed, "products")) {
        let product = &product;
        let absolute = &product["absolute_until"];
        let insert = Query::insert()
            .into_table(Products::Table)
            .columns([
                Products::Code,
                Products::Position,
                Products::Name,
                Products::Antigen,
                Products::Live,
                Products::Route,
                Products::DoseMl,
                Products::ValidFrom,
                Products::ValidTo,
                Products::AbsoluteUntil,
                Products::MayFollow,
            ])
            .values([
                string(product, "code")?.into(),
                position.into(),
                string(product, "name")?.into(),
                string(product, "antigen")?.into(),
                product["live"].as_bool().unwrap_or(false).into(),
                string(product, "route")?.into(),
                product["dose_ml"].as_f64().into(),
                day(product, "valid_from")?.into(),
                day(product, "valid_to")?.into(),
                (!Value::is_null(absolute))
                    .then(|| text_of(absolute))
                    .into(),
                text_of(&product["may_follow"]).into(),
            ])
            .map_err(|error| DbErr::Migration(error.to_string()))?
            .to_owned();
        manager.exec_stmt(insert).await?;
    }
    for (position, series) in (0_i32..).zip(list(&seed, "series")) {
        let series = &series;
        let code = string(series, "code")?;
        let insert = Query::insert()
            .into_table(Series::Table)
            .columns([
                Series::Code,
                Series::Position,
                Series::Antigen,
                Series::Name,
                Series::Products,
                Series::Sex,
                Series::BornFrom,
                Series::ValidFrom,
                Series::ValidTo,
                Series::ConflictsWith,
            ])
            .values([
                code.clone().into(),
                position.into(),
                string(series, "antigen")?.into(),
                string(series, "name")?.into(),
                text_of(&series["products"]).into(),
                series["sex"].as_str().map(str::to_owned).into(),
                day(series, "born_from")?.into(),
                day(series, "valid_from")?.into(),
                day(series, "valid_to")?.into(),
                text_of(&series["conflicts_with"]).into(),
            ])
            .map_err(|error| DbErr::Migration(error.to_string()))?
            .to_owned();
        manager.exec_stmt(insert).await?;
        for rule in list(series, "doses") {
            let optional = |key: &str| (!Value::is_null(&rule[key])).then(|| text_of(&rule[key]));
            let insert = Query::insert()
                .into_table(Rules::Table)
                .columns([
                    Rules::SeriesCode,
                    Rules::Dose,
                    Rules::Label,
                    Rules::Eligible,
                    Rules::Standard,
                    Rules::MinIntervals,
                    Rules::StandardIntervals,
                    Rules::SkipIf,
                    Rules::ValidFrom,
                    Rules::ValidTo,
                ])
                .values([
                    code.clone().into(),
                    rule["dose"]
                        .as_i64()
                        .and_then(|dose| <i32 as std::convert::TryFrom<i64>>::try_from(dose).ok())
                        .unwrap_or(0)
                        .into(),
                    string(&rule, "label")?.into(),
                    text_of(&rule["eligible"]).into(),
                    optional("standard").into(),
                    text_of(&rule["min_intervals"]).into(),
                    text_of(&rule["standard_intervals"]).into(),
                    optional("skip_if").into(),
                    day(&rule, "valid_from")?.into(),
                    day(&rule, "valid_to")?.into(),
                ])
                .map_err(|error| DbErr::Migration(error.to_string()))?
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
    }
    Ok(())
}

#[derive(DeriveIden)]
enum Products {
    #[sea_orm(iden = "health_vaccine_products")]
    Table,
    Code,
    Position,
    Name,
    Antigen,
    Live,
    Route,
    DoseMl,
    ValidFrom,
    ValidTo,
    AbsoluteUntil,
    MayFollow,
}

#[derive(DeriveIden)]
enum Series {
    #[sea_orm(iden = "health_vaccine_series")]
    Table,
    Code,
    Position,
    Antigen,
    Name,
    Products,
    Sex,
    BornFrom,
    ValidFrom,
    ValidTo,
    ConflictsWith,
}

#[derive(DeriveIden)]
enum Rules {
    #[sea_orm(iden = "health_dose_rules")]
    Table,
    Id,
    SeriesCode,
    Dose,
    Label,
    Eligible,
    Standard,
    MinIntervals,
    StandardIntervals,
    SkipIf,
    ValidFrom,
    ValidTo,
}

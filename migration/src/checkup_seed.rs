//! 北九州市's checkup types, 総合判定 codes and O1/O2 rule (`health_checkups.json`), seeded
//! into a municipality by the checkup migration (where 北九州市 exists) and by the demo.
//! Ids derive from the municipality and the code, so seeding twice changes nothing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::sea_orm::prelude::Uuid;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::m20261209_300001_health_checkups::{Judgements, Settings, Types};

/// The seed: 北九州市's checkup types, judgement codes and O1/O2 rule.
pub const KITAKYUSHU_CHECKUPS: &str = include_str!("health_checkups.json");

/// A stable id for `code` of `municipality_id`.
fn seed_id(municipality_id: Uuid, what: &str, code: &str) -> Uuid {
    let digest = Sha256::digest(format!("{municipality_id}/{what}/{code}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    // Version 8 (custom), RFC 9562 variant.
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

fn bad(what: &str) -> DbErr {
    DbErr::Custom(format!("health checkups seed: {what}"))
}

/// Seeds 北九州市's checkups into `municipality_id` unless it has checkup types already.
pub async fn seed_kitakyushu_checkups(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
) -> Result<(), DbErr> {
    let count = Query::select()
        .expr(Func::count(Expr::col(Types::Id)))
        .from(Types::Table)
        .and_where(Expr::col(Types::MunicipalityId).eq(municipality_id))
        .to_owned();
    let existing = db
        .query_one(&count)
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    if existing > 0 {
        return Ok(());
    }
    let seed: Value = serde_json::from_str(KITAKYUSHU_CHECKUPS).map_err(|e| bad(&e.to_string()))?;
    let now = sea_orm_migration::sea_orm::prelude::DateTimeUtc::from(std::time::SystemTime::now());
    let text = |value: &Value, key: &str| -> Result<String, DbErr> {
        value[key]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| bad(key))
    };
    let int = |value: &Value, key: &str| -> Result<i32, DbErr> {
        value[key]
            .as_i64()
            .and_then(|n| <i32 as TryFrom<i64>>::try_from(n).ok())
            .ok_or_else(|| bad(key))
    };
    for (position, kind) in seed["types"]
        .as_array()
        .ok_or_else(|| bad("types"))?
        .iter()
        .enumerate()
    {
        let code = text(kind, "code")?;
        let insert = Query::insert()
            .into_table(Types::Table)
            .columns([
                Types::Id,
                Types::MunicipalityId,
                Types::Code,
                Types::Name,
                Types::Kind,
                Types::FromMonths,
                Types::UntilMonths,
                Types::HasUrine,
                Types::CariesScheme,
                Types::FindingsAreas,
                Types::Questions,
                Types::Position,
                Types::CreatedAt,
                Types::UpdatedAt,
            ])
            .values_panic([
                seed_id(municipality_id, "type", &code).into(),
                municipality_id.into(),
                code.clone().into(),
                text(kind, "name")?.into(),
                text(kind, "kind")?.into(),
                int(kind, "from_months")?.into(),
                int(kind, "until_months")?.into(),
                kind["has_urine"].as_bool().unwrap_or(false).into(),
                kind["caries_scheme"].as_str().map(str::to_owned).into(),
                kind["findings_areas"].to_string().into(),
                kind["questions"].to_string().into(),
                <i32 as TryFrom<usize>>::try_from(position)
                    .unwrap_or(0)
                    .into(),
                now.into(),
                now.into(),
            ])
            .to_owned();
        db.execute(&insert).await?;
    }
    let judgements = seed["judgements"]
        .as_array()
        .ok_or_else(|| bad("judgements"))?;
    for (position, judgement) in judgements.iter().enumerate() {
        let code = text(judgement, "code")?;
        let insert = Query::insert()
            .into_table(Judgements::Table)
            .columns([
                Judgements::Id,
                Judgements::MunicipalityId,
                Judgements::Code,
                Judgements::Name,
                Judgements::NeedsReferral,
                Judgements::Position,
            ])
            .values_panic([
                seed_id(municipality_id, "judgement", &code).into(),
                municipality_id.into(),
                code.clone().into(),
                text(judgement, "name")?.into(),
                judgement["needs_referral"]
                    .as_bool()
                    .unwrap_or(false)
                    .into(),
                <i32 as TryFrom<usize>>::try_from(position)
                    .unwrap_or(0)
                    .into(),
            ])
            .to_owned();
        db.execute(&insert).await?;
    }
    let rule = &seed["dental_o2"];
    let insert = Query::insert()
        .into_table(Settings::Table)
        .columns([
            Settings::MunicipalityId,
            Settings::O2PlaqueFrom,
            Settings::O2Snacks,
            Settings::O2Bottle,
            Settings::O2RisksNeeded,
            Settings::UpdatedAt,
        ])
        .values_panic([
            municipality_id.into(),
            rule["plaque_from"]
                .as_i64()
                .and_then(|n| <i32 as TryFrom<i64>>::try_from(n).ok())
                .into(),
            rule["snacks"].as_bool().unwrap_or(false).into(),
            rule["bottle"].as_bool().unwrap_or(false).into(),
            int(rule, "risks_needed")?.into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::column(Settings::MunicipalityId)
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    db.execute(&insert).await?;
    Ok(())
}

//! Clinics publish vaccination slots; anyone may read the open ones of a municipality.

use chrono::{DateTime, NaiveDate, Utc};
use entity::health_slot as slot;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::ExprTrait,
};
use serde::Serialize;
use uuid::Uuid;

use super::access::require_clinic;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, FieldError, FieldErrorCode, Problems};
use crate::idempotency::{self, KeyScope};
use crate::state::ServiceContext;

/// Most slots one call creates.
pub const MAX_SLOTS: usize = 50;
/// Most days one list covers.
pub const MAX_DAYS: i64 = 62;

/// One slot to publish.
#[derive(Clone, Debug, Serialize)]
pub struct NewSlot {
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Places.
    pub capacity: i32,
}

/// Slots to publish at the staff member's clinic.
#[derive(Clone, Debug, Serialize)]
pub struct NewSlots {
    /// The slots.
    pub slots: Vec<NewSlot>,
    /// Antigens given in them (empty: every one).
    pub antigens: Vec<String>,
    /// Idempotency key.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Publishes slots at the clinic of the signed-in clinic staff member.
#[tracing::instrument(skip_all)]
pub async fn create_slots(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    new: NewSlots,
) -> AppResult<Result<Vec<slot::Model>, Vec<FieldError>>> {
    let (me, clinic) = require_clinic(ctx.db, viewer).await?;
    let now = ctx.now();
    let mut errors = Problems::new();
    if new.slots.is_empty() || new.slots.len() > MAX_SLOTS {
        errors.push(FieldError::input(
            "slots",
            FieldErrorCode::Invalid,
            format!("枠は1〜{MAX_SLOTS}件で指定してください。"),
        ));
    }
    for (i, one) in new.slots.iter().enumerate() {
        let day = crate::fiscal::date_of(one.starts_at);
        if one.ends_at <= one.starts_at || crate::fiscal::date_of(one.ends_at) != day {
            errors.push(FieldError::input(
                &format!("slots.{i}.endsAt"),
                FieldErrorCode::Invalid,
                "終了は開始より後の同じ日の時刻にしてください。",
            ));
        }
        if one.starts_at <= now {
            errors.push(FieldError::input(
                &format!("slots.{i}.startsAt"),
                FieldErrorCode::Invalid,
                "過去の時刻には枠を作れません。",
            ));
        }
        if !crate::fiscal::accepts(day) {
            errors.push(FieldError::input(
                &format!("slots.{i}.startsAt"),
                FieldErrorCode::Invalid,
                "日付が範囲外です。",
            ));
        }
        if !(1..=100).contains(&one.capacity) {
            errors.push(FieldError::input(
                &format!("slots.{i}.capacity"),
                FieldErrorCode::Invalid,
                "定員は1〜100で指定してください。",
            ));
        }
    }
    let catalogue = super::catalogue::load_catalogue(ctx).await?;
    let known = catalogue.antigens();
    for (i, antigen) in new.antigens.iter().enumerate() {
        if !known.contains(&antigen.as_str()) {
            errors.push(FieldError::input(
                &format!("antigens.{i}"),
                FieldErrorCode::Invalid,
                format!("「{antigen}」は定期接種の対象ではありません。"),
            ));
        }
    }
    if let Err(errors) = errors.finish() {
        return Ok(Err(errors));
    }
    let antigens = serde_json::to_string(&new.antigens).map_err(AppError::internal)?;
    let created = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "createVaccinationSlots"),
        new.idempotency_key.as_deref(),
        &new,
        async |txn| {
            let mut ids = Vec::new();
            let rows: Vec<slot::ActiveModel> = new
                .slots
                .iter()
                .map(|one| {
                    let id = Uuid::now_v7();
                    ids.push(id);
                    slot::ActiveModel {
                        id: Set(id),
                        municipality_id: Set(clinic.municipality_id),
                        clinic_id: Set(clinic.id),
                        day: Set(crate::fiscal::date_of(one.starts_at)),
                        starts_at: Set(one.starts_at),
                        ends_at: Set(one.ends_at),
                        capacity: Set(one.capacity),
                        booked: Set(0),
                        antigens: Set(antigens.clone()),
                        created_at: Set(now),
                        cancelled_at: Set(None),
                    }
                })
                .collect();
            slot::Entity::insert_many(rows)
                .exec_without_returning(txn)
                .await?;
            Ok(Ok(ids))
        },
    )
    .await?;
    match created {
        Ok(ids) => Ok(Ok(slot::Entity::find()
            .filter(slot::Column::Id.is_in(ids))
            .order_by_asc(slot::Column::StartsAt)
            .all(ctx.db)
            .await?)),
        Err(errors) => Ok(Err(errors)),
    }
}

/// Which slots to list.
#[derive(Clone, Debug)]
pub struct SlotFilter {
    /// The municipality.
    pub municipality_id: Uuid,
    /// Only this clinic's.
    pub clinic_id: Option<Uuid>,
    /// First day.
    pub from: NaiveDate,
    /// Last day (at most [`MAX_DAYS`] after `from`).
    pub to: NaiveDate,
    /// Only slots with a place left.
    pub has_free_places: bool,
}

/// Slots not cancelled and not yet started, by start time. Slots are public: they name a
/// clinic and a time, nothing of anyone.
#[tracing::instrument(skip_all)]
pub async fn list_slots(
    ctx: ServiceContext<'_>,
    filter: SlotFilter,
) -> AppResult<Vec<slot::Model>> {
    if filter.to < filter.from || (filter.to - filter.from).num_days() > MAX_DAYS {
        return Err(AppError::BadUserInput(format!(
            "`to` must be on or after `from`, at most {MAX_DAYS} days later"
        )));
    }
    let mut select = slot::Entity::find()
        .filter(slot::Column::MunicipalityId.eq(filter.municipality_id))
        .filter(slot::Column::Day.gte(filter.from))
        .filter(slot::Column::Day.lte(filter.to))
        .filter(slot::Column::CancelledAt.is_null())
        .filter(slot::Column::StartsAt.gt(ctx.now()));
    if let Some(clinic) = filter.clinic_id {
        select = select.filter(slot::Column::ClinicId.eq(clinic));
    }
    if filter.has_free_places {
        select = select.filter(
            sea_orm::sea_query::Expr::col(slot::Column::Booked)
                .lt(sea_orm::sea_query::Expr::col(slot::Column::Capacity)),
        );
    }
    Ok(select
        .order_by_asc(slot::Column::StartsAt)
        .order_by_asc(slot::Column::Id)
        .all(ctx.db)
        .await?)
}

/// The antigens a slot gives (empty: every one).
pub fn antigens_of(slot: &slot::Model) -> Vec<String> {
    serde_json::from_str(&slot.antigens).unwrap_or_default()
}

//! Guardians book a clinic's slot for a child with the vaccines planned. The checks run at
//! booking: a block refuses it (and is logged as caught), warnings are kept on the booking
//! for the clinic. A slot's places are counted under its row lock, so two guardians never
//! take the last place twice. Cancelling frees the place and withdraws the booking's forms.

use std::collections::BTreeSet;

use entity::{
    health_booking::{self as booking, BookingStatus},
    health_child as child,
    health_form_submission::{self as submission, FormStatus},
    health_slot as slot,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use uuid::Uuid;

use super::super::checks::Finding;
use super::access::clinic_of;
use super::slots::antigens_of;
use super::visits::{self, Stage};
use crate::auth::Viewer;
use crate::domains::health::notices;
use crate::error::{AppError, AppResult, FieldError, FieldErrorCode};
use crate::idempotency::{self, KeyScope};
use crate::state::ServiceContext;

/// Most vaccines of one visit.
pub const MAX_VACCINES: usize = 6;

/// A booking to make.
#[derive(Clone, Debug, Serialize)]
pub struct NewBooking {
    /// The child.
    pub child_id: Uuid,
    /// The slot.
    pub slot_id: Uuid,
    /// Planned product codes.
    pub products: Vec<String>,
    /// Idempotency key.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Checks a visit's product list: 1 to [`MAX_VACCINES`] codes, no repeats.
pub fn product_list(field: &str, products: &[String]) -> Result<Vec<String>, FieldError> {
    let codes: Vec<String> = products.iter().map(|p| p.trim().to_owned()).collect();
    let distinct: BTreeSet<&String> = codes.iter().collect();
    if codes.is_empty() || codes.len() > MAX_VACCINES || distinct.len() != codes.len() {
        return Err(FieldError::input(
            field,
            FieldErrorCode::Invalid,
            format!("ワクチンは重複なく1〜{MAX_VACCINES}種類で指定してください。"),
        ));
    }
    Ok(codes)
}

/// Books a slot for the guardian's child. Returns the booking and the warnings.
#[tracing::instrument(skip_all)]
pub async fn book(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    new: NewBooking,
) -> AppResult<Result<booking::Model, Vec<FieldError>>> {
    let me = viewer.require_user()?;
    let not_found = |field: &str, message: &str| {
        Ok(Err(vec![FieldError::input(
            field,
            FieldErrorCode::NotFound,
            message.to_owned(),
        )]))
    };
    let Some(child) = child::Entity::find_by_id(new.child_id)
        .one(ctx.db)
        .await?
        .filter(|child| child.guardian_user_id == Some(me.id))
    else {
        return not_found("childId", "お子さまが見つかりません。");
    };
    let Some(slot) = slot::Entity::find_by_id(new.slot_id)
        .one(ctx.db)
        .await?
        .filter(|slot| {
            slot.municipality_id == child.municipality_id && slot.cancelled_at.is_none()
        })
    else {
        return not_found("slotId", "予約枠が見つかりません。");
    };
    if slot.starts_at <= ctx.now() {
        return Ok(Err(vec![FieldError::input(
            "slotId",
            FieldErrorCode::RegistrationClosed,
            "この枠の受付は終了しました。",
        )]));
    }
    let products = match product_list("productCodes", &new.products) {
        Ok(products) => products,
        Err(error) => return Ok(Err(vec![error])),
    };
    let catalogue = visits::catalogue_for(ctx, child.municipality_id).await?;
    let offered = antigens_of(&slot);
    if !offered.is_empty() {
        let missing: Vec<&String> = products
            .iter()
            .filter(|code| {
                catalogue
                    .product(code)
                    .is_some_and(|product| !offered.contains(&product.antigen))
            })
            .collect();
        if !missing.is_empty() {
            return Ok(Err(vec![FieldError::input(
                "productCodes",
                FieldErrorCode::NotAllowed,
                format!(
                    "この枠では次のワクチンは接種できません: {}",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            )]));
        }
    }
    let (facts, history) = visits::history_of(ctx, &child).await?;
    let checked = visits::check_visit(&catalogue, facts, &history, &products, slot.day, None);
    let blocked = visits::blocks(&checked, "productCodes");
    if !blocked.is_empty() {
        visits::log_blocks(
            ctx.db,
            child.municipality_id,
            Some(slot.clinic_id),
            Stage::Booking,
            &checked,
        )
        .await?;
        return Ok(Err(blocked));
    }
    let warnings = visits::findings_json(&visits::warnings(&checked));
    let now = ctx.now();
    let created = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "bookVaccination"),
        new.idempotency_key.as_deref(),
        &new,
        async |txn| {
            let slot = slot::Entity::find_by_id(slot.id)
                .lock_exclusive()
                .one(txn)
                .await?
                .ok_or(AppError::NotFound)?;
            let same_day = booking::Entity::find()
                .filter(booking::Column::ChildId.eq(child.id))
                .filter(booking::Column::Day.eq(slot.day))
                .filter(booking::Column::Status.eq(BookingStatus::Booked))
                .count(txn)
                .await?;
            if same_day > 0 {
                return Ok(Err(vec![FieldError::input(
                    "slotId",
                    FieldErrorCode::Taken,
                    "この日はすでに予約があります。ワクチンは1回の予約にまとめてください。",
                )]));
            }
            if slot.booked >= slot.capacity {
                return Ok(Err(vec![FieldError::input(
                    "slotId",
                    FieldErrorCode::Full,
                    "この枠は満員です。",
                )]));
            }
            slot::Entity::update_many()
                .col_expr(slot::Column::Booked, Expr::col(slot::Column::Booked).add(1))
                .filter(slot::Column::Id.eq(slot.id))
                .exec(txn)
                .await?;
            let id = Uuid::now_v7();
            let made = booking::ActiveModel {
                id: Set(id),
                municipality_id: Set(child.municipality_id),
                clinic_id: Set(slot.clinic_id),
                slot_id: Set(slot.id),
                child_id: Set(child.id),
                guardian_user_id: Set(me.id),
                day: Set(slot.day),
                products: Set(serde_json::to_string(&products).map_err(AppError::internal)?),
                status: Set(BookingStatus::Booked),
                warnings: Set(warnings.clone()),
                cancel_reason: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
            if ctx.notifies() {
                let vaccines = vaccine_names(&catalogue, &products);
                notices::booked(txn, &made, &child, &slot, &vaccines).await?;
            }
            Ok(Ok(id))
        },
    )
    .await?;
    let loaded = idempotency::load_created::<booking::Entity>(ctx.db, created).await?;
    if let Ok(booking) = &loaded {
        visits::announce_day(ctx, booking.municipality_id, booking.clinic_id).await;
    }
    Ok(loaded)
}

/// Cancels a booking (the guardian, or staff of its clinic) before the slot starts: the
/// place is freed and the booking's submitted forms are withdrawn.
#[tracing::instrument(skip_all)]
pub async fn cancel_booking(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    booking_id: Uuid,
    reason: Option<String>,
) -> AppResult<Result<booking::Model, Vec<FieldError>>> {
    let me = viewer.require_user()?;
    let Some(found) = booking::Entity::find_by_id(booking_id).one(ctx.db).await? else {
        return Err(AppError::NotFound);
    };
    let staff = clinic_of(ctx.db, me)
        .await?
        .is_some_and(|clinic| clinic.id == found.clinic_id);
    if found.guardian_user_id != me.id && !staff {
        return Err(AppError::NotFound);
    }
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Ok(Err(vec![FieldError::input(
            "reason",
            FieldErrorCode::TooLong,
            "理由は500文字以内で入力してください。",
        )]));
    }
    let now = ctx.now();
    // The guardian is told when the clinic cancels (they know when they did).
    let tell_guardian = ctx.notifies() && found.guardian_user_id != me.id;
    let catalogue = if tell_guardian {
        Some(visits::catalogue_for(ctx, found.municipality_id).await?)
    } else {
        None
    };
    let txn = crate::db::begin_write(ctx.db).await?;
    let slot = slot::Entity::find_by_id(found.slot_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = booking::Entity::find_by_id(booking_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.status != BookingStatus::Booked {
        return Ok(Err(vec![FieldError::whole(
            FieldErrorCode::InvalidState,
            "この予約は取り消せる状態ではありません。",
        )]));
    }
    if slot.starts_at <= now {
        return Ok(Err(vec![FieldError::whole(
            FieldErrorCode::DeadlinePassed,
            "開始時刻を過ぎた予約は取り消せません。医療機関にご連絡ください。",
        )]));
    }
    slot::Entity::update_many()
        .col_expr(slot::Column::Booked, Expr::col(slot::Column::Booked).sub(1))
        .filter(slot::Column::Id.eq(slot.id))
        .exec(&txn)
        .await?;
    submission::Entity::update_many()
        .col_expr(
            submission::Column::Status,
            Expr::value(FormStatus::Withdrawn),
        )
        .col_expr(submission::Column::UpdatedAt, Expr::value(now))
        .filter(submission::Column::BookingId.eq(booking_id))
        .filter(submission::Column::Status.eq(FormStatus::Submitted))
        .exec(&txn)
        .await?;
    let mut active: booking::ActiveModel = current.into();
    active.status = Set(BookingStatus::Cancelled);
    active.cancel_reason = Set(reason);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    if let Some(catalogue) = catalogue {
        let child = child::Entity::find_by_id(updated.child_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let products: Vec<String> = serde_json::from_str(&updated.products).unwrap_or_default();
        let vaccines = vaccine_names(&catalogue, &products);
        notices::cancelled_by_clinic(&txn, &updated, &child, &slot, &vaccines).await?;
    }
    txn.commit().await?;
    visits::announce_day(ctx, updated.municipality_id, updated.clinic_id).await;
    Ok(Ok(updated))
}

/// The Japanese names of product codes (a code the catalogue no longer has stays a code).
fn vaccine_names(
    catalogue: &crate::domains::health::catalogue::Catalogue,
    codes: &[String],
) -> Vec<String> {
    codes
        .iter()
        .map(|code| {
            catalogue
                .product(code)
                .map_or_else(|| code.clone(), |p| p.name.clone())
        })
        .collect()
}

/// A child's bookings, newest day first, for a viewer who may read the child.
#[tracing::instrument(skip_all)]
pub async fn bookings_of_child(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    child_id: Uuid,
) -> AppResult<Vec<booking::Model>> {
    let me = viewer.require_user()?;
    let child = super::children::find_child(ctx, viewer, child_id, "bookings").await?;
    let mut select = booking::Entity::find().filter(booking::Column::ChildId.eq(child.id));
    if child.guardian_user_id != Some(me.id) && !me.administers(child.municipality_id) {
        // A clinic sees only its own bookings of the child.
        let clinic = clinic_of(ctx.db, me).await?.ok_or(AppError::NotFound)?;
        select = select.filter(booking::Column::ClinicId.eq(clinic.id));
    }
    Ok(select
        .order_by_desc(booking::Column::Day)
        .order_by_desc(booking::Column::Id)
        .limit(200)
        .all(ctx.db)
        .await?)
}

/// The planned product codes of a booking.
pub fn products_of(booking: &booking::Model) -> Vec<String> {
    serde_json::from_str(&booking.products).unwrap_or_default()
}

/// The warnings raised at booking.
pub fn warnings_of(booking: &booking::Model) -> Vec<Finding> {
    visits::findings_from(&booking.warnings)
}

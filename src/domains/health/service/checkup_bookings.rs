//! Guardians fill in a checkup's 問診票 (prefilled from the child and the child's last
//! answers) and book the checkup on a clinic's slot. The booking is refused outside the
//! type's age window (the message says the window's dates), at a clinic that does not hold
//! the checkup (dental checkups at registered dental clinics only), and when the child
//! already has a result or a booking for the type. A place is taken under the slot's row
//! lock, as vaccination bookings do, so the two kinds of booking share a slot's places.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use entity::{
    health_checkup as checkup,
    health_checkup_booking::{self as booking, BookingStatus},
    health_checkup_type as checkup_type, health_child as child, health_slot as slot, organization,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use uuid::Uuid;

use super::checkup_types::{self as types, CheckupQuestion};
use crate::auth::Viewer;
use crate::domains::health::checkup_rules;
use crate::error::{AppError, AppResult, FieldError, FieldErrorCode, Problems};
use crate::idempotency::{self, KeyScope};
use crate::state::ServiceContext;

/// Longest free-text answer.
pub const MAX_ANSWER_CHARS: usize = 500;

/// A checkup's 問診票 ready to fill in: the child, the type's window, and each question
/// with the answer prefilled from the child's last 問診票 that asked it.
#[derive(Clone, Debug)]
pub struct Questionnaire {
    /// The child.
    pub child: child::Model,
    /// The checkup type.
    pub checkup_type: checkup_type::Model,
    /// The type's age window for the child.
    pub window: Option<(NaiveDate, NaiveDate)>,
    /// The child's full months of age on the day asked about.
    pub age_months: i32,
    /// The questions, each with its prefilled answer.
    pub questions: Vec<(CheckupQuestion, Option<String>)>,
}

/// The guardian's child, or `NOT_FOUND`.
async fn my_child(ctx: ServiceContext<'_>, viewer: &Viewer, id: Uuid) -> AppResult<child::Model> {
    let me = viewer.require_user()?;
    child::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .filter(|child| child.guardian_user_id == Some(me.id))
        .ok_or(AppError::NotFound)
}

/// The answers of a booking.
pub fn answers_of(model: &booking::Model) -> BTreeMap<String, String> {
    serde_json::from_str(&model.answers).unwrap_or_default()
}

/// The 問診票 of a checkup type for the guardian's child on `on`, prefilled.
#[tracing::instrument(skip_all)]
pub async fn questionnaire(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    child_id: Uuid,
    checkup_type_id: Uuid,
    on: NaiveDate,
) -> AppResult<Questionnaire> {
    let child = my_child(ctx, viewer, child_id).await?;
    let checkup_type = types::checkup_type_in(ctx.db, checkup_type_id, child.municipality_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let earlier = booking::Entity::find()
        .filter(booking::Column::ChildId.eq(child.id))
        .order_by_desc(booking::Column::CreatedAt)
        .order_by_desc(booking::Column::Id)
        .limit(20)
        .all(ctx.db)
        .await?;
    let mut last: BTreeMap<String, String> = BTreeMap::new();
    for one in &earlier {
        for (code, value) in answers_of(one) {
            last.entry(code).or_insert(value);
        }
    }
    let questions = types::questions_of(&checkup_type)
        .into_iter()
        .map(|question| {
            let prefilled = last.get(&question.code).cloned();
            (question, prefilled)
        })
        .collect();
    Ok(Questionnaire {
        window: types::window_of(&checkup_type, child.birth_date),
        age_months: checkup_rules::age_in_months(child.birth_date, on),
        child,
        checkup_type,
        questions,
    })
}

/// A checkup booking to make, with the 問診票 answers.
#[derive(Clone, Debug, Serialize)]
pub struct NewCheckupBooking {
    /// The child.
    pub child_id: Uuid,
    /// The checkup type.
    pub checkup_type_id: Uuid,
    /// The slot.
    pub slot_id: Uuid,
    /// Answers by question code.
    pub answers: BTreeMap<String, String>,
    /// Idempotency key.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Checks answers against the type's questions: every yes/no question answered `YES` or
/// `NO`, free text at most [`MAX_ANSWER_CHARS`], no unknown code.
fn check_answers(
    questions: &[CheckupQuestion],
    answers: &BTreeMap<String, String>,
    problems: &mut Problems,
) -> BTreeMap<String, String> {
    let mut kept = BTreeMap::new();
    for code in answers.keys() {
        if !questions.iter().any(|q| &q.code == code) {
            problems.push(FieldError::input(
                &format!("answers.{code}"),
                FieldErrorCode::Invalid,
                "この問診票にない質問です。",
            ));
        }
    }
    for question in questions {
        let value = answers.get(&question.code).map(|v| v.trim().to_owned());
        let field = format!("answers.{}", question.code);
        if question.kind == "yes_no" {
            match value.as_deref() {
                Some("YES" | "NO") => {}
                None | Some("") => {
                    problems.push(FieldError::input(
                        &field,
                        FieldErrorCode::Required,
                        format!("「{}」に答えてください。", question.text),
                    ));
                    continue;
                }
                Some(_) => {
                    problems.push(FieldError::input(
                        &field,
                        FieldErrorCode::Invalid,
                        "YES か NO で答えてください。",
                    ));
                    continue;
                }
            }
        } else if value
            .as_ref()
            .is_some_and(|v| v.chars().count() > MAX_ANSWER_CHARS)
        {
            problems.push(FieldError::input(
                &field,
                FieldErrorCode::TooLong,
                format!("{MAX_ANSWER_CHARS}文字以内で入力してください。"),
            ));
            continue;
        }
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            kept.insert(question.code.clone(), value);
        }
    }
    kept
}

/// Whether the child has a result for the type, or a booking (not cancelled) for it.
async fn already_has(
    db: &impl ConnectionTrait,
    child_id: Uuid,
    checkup_type_id: Uuid,
) -> AppResult<Option<FieldError>> {
    let recorded = checkup::Entity::find()
        .filter(checkup::Column::ChildId.eq(child_id))
        .filter(checkup::Column::CheckupTypeId.eq(checkup_type_id))
        .count(db)
        .await?;
    if recorded > 0 {
        return Ok(Some(FieldError::input(
            "checkupTypeId",
            FieldErrorCode::Taken,
            "この健診の結果はすでに記録されています。",
        )));
    }
    let booked = booking::Entity::find()
        .filter(booking::Column::ChildId.eq(child_id))
        .filter(booking::Column::CheckupTypeId.eq(checkup_type_id))
        .filter(booking::Column::Status.eq(BookingStatus::Booked))
        .count(db)
        .await?;
    Ok((booked > 0).then(|| {
        FieldError::input(
            "checkupTypeId",
            FieldErrorCode::Taken,
            "この健診はすでに予約されています。",
        )
    }))
}

/// Books a checkup on a slot for the guardian's child, with the 問診票 answers.
#[tracing::instrument(skip_all)]
pub async fn book_checkup(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    new: NewCheckupBooking,
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
    let Some(checkup_type) =
        types::checkup_type_in(ctx.db, new.checkup_type_id, child.municipality_id).await?
    else {
        return not_found("checkupTypeId", "健診の種類が見つかりません。");
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
    let clinic = organization::Entity::find_by_id(slot.clinic_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut problems = Problems::new();
    problems.check(types::check_clinic_holds(ctx.db, &clinic, &checkup_type, "slotId").await?);
    problems.check(types::check_window(
        &checkup_type,
        child.birth_date,
        slot.day,
        "slotId",
    ));
    let answers = check_answers(
        &types::questions_of(&checkup_type),
        &new.answers,
        &mut problems,
    );
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }
    let answers = serde_json::to_string(&answers).map_err(AppError::internal)?;
    let now = ctx.now();
    let created = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "bookCheckup"),
        new.idempotency_key.as_deref(),
        &new,
        async |txn| {
            let slot = slot::Entity::find_by_id(slot.id)
                .lock_exclusive()
                .one(txn)
                .await?
                .ok_or(AppError::NotFound)?;
            if let Some(error) = already_has(txn, child.id, checkup_type.id).await? {
                return Ok(Err(vec![error]));
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
            booking::ActiveModel {
                id: Set(id),
                municipality_id: Set(child.municipality_id),
                clinic_id: Set(slot.clinic_id),
                slot_id: Set(slot.id),
                child_id: Set(child.id),
                guardian_user_id: Set(me.id),
                checkup_type_id: Set(checkup_type.id),
                day: Set(slot.day),
                status: Set(BookingStatus::Booked),
                answers: Set(answers.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
            Ok(Ok(id))
        },
    )
    .await?;
    idempotency::load_created::<booking::Entity>(ctx.db, created).await
}

/// Cancels a checkup booking (its guardian, or staff of its clinic) before the slot
/// starts; the place is freed.
#[tracing::instrument(skip_all)]
pub async fn cancel_checkup_booking(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    booking_id: Uuid,
) -> AppResult<Result<booking::Model, Vec<FieldError>>> {
    let me = viewer.require_user()?;
    let found = booking::Entity::find_by_id(booking_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let staff = super::access::clinic_of(ctx.db, me)
        .await?
        .is_some_and(|clinic| clinic.id == found.clinic_id);
    if found.guardian_user_id != me.id && !staff {
        return Err(AppError::NotFound);
    }
    let now = ctx.now();
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
    let mut active: booking::ActiveModel = current.into();
    active.status = Set(BookingStatus::Cancelled);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    txn.commit().await?;
    Ok(Ok(updated))
}

/// The guardian's checkup bookings of a child, newest day first.
#[tracing::instrument(skip_all)]
pub async fn checkup_bookings_of_child(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    child_id: Uuid,
) -> AppResult<Vec<booking::Model>> {
    let child = my_child(ctx, viewer, child_id).await?;
    Ok(booking::Entity::find()
        .filter(booking::Column::ChildId.eq(child.id))
        .order_by_desc(booking::Column::Day)
        .order_by_desc(booking::Column::Id)
        .limit(100)
        .all(ctx.db)
        .await?)
}

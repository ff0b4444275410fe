//! After the day: attendance and the guardian's satisfaction survey.

use entity::{
    childcare_booking::{self, BookingStatus},
    childcare_survey,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    db::{self, now},
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    fiscal,
    text::{self, long_text},
};

use super::{
    MAX_NOTE,
    reads::{log_staff_reads, resource_of},
    visibility::viewer_edits,
};

/// Marks a booking attended or no-show, once its slot has started (the resource's editors).
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn mark_attendance(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    attended: bool,
) -> AppResult<Outcome<childcare_booking::Model>> {
    let me = viewer.require_user()?;
    let txn = db::begin_write(db).await?;
    let booking = childcare_booking::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let resource = resource_of(&txn, booking.resource_id).await?;
    if !viewer_edits(viewer, &resource) {
        return Err(
            if viewer
                .user
                .as_ref()
                .is_some_and(|me| me.id == booking.guardian_user_id)
            {
                AppError::Forbidden
            } else {
                AppError::NotFound
            },
        );
    }
    let now = now();
    if matches!(
        booking.status,
        BookingStatus::Cancelled | BookingStatus::Waitlisted
    ) {
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "取り消された予約やキャンセル待ちには出欠を付けられません。",
        )]));
    }
    if booking.starts_at > now {
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "出欠は利用開始後に付けてください。",
        )]));
    }
    let mut model = booking.into_active_model();
    model.status = Set(if attended {
        BookingStatus::Attended
    } else {
        BookingStatus::NoShow
    });
    model.marked_at = Set(Some(now));
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    log_staff_reads(&txn, me.id, &[&updated], "attendance").await?;
    txn.commit().await?;
    Ok(Ok(updated))
}

/// Records the guardian's one satisfaction answer after an attended booking.
#[tracing::instrument(skip_all, fields(booking_id = %booking_id))]
pub async fn submit_survey(
    db: &DatabaseConnection,
    viewer: &Viewer,
    booking_id: Uuid,
    score: i32,
    comment: Option<String>,
) -> AppResult<Outcome<childcare_survey::Model>> {
    let me = viewer.require_user()?.clone();
    let booking = childcare_booking::Entity::find_by_id(booking_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if booking.guardian_user_id != me.id {
        let resource = resource_of(db, booking.resource_id).await?;
        return Err(if viewer_edits(viewer, &resource) {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    let mut problems = Problems::new();
    if !(1..=5).contains(&score) {
        problems.push(FieldError::input(
            "score",
            FieldErrorCode::Invalid,
            "満足度は1〜5で選んでください。",
        ));
    }
    let comment = match comment.as_deref().map(text::normalize) {
        Some(value) if !value.is_empty() => problems
            .check(long_text("comment", &value, MAX_NOTE))
            .map(Some),
        _ => Some(None),
    };
    if booking.status != BookingStatus::Attended {
        problems.push(FieldError::whole(
            FieldErrorCode::InvalidState,
            "アンケートは利用されたご予約についてのみ回答できます。",
        ));
    }
    let Some(comment) = comment else {
        return Ok(Err(problems.into_vec()));
    };
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let txn = db::begin_write(db).await?;
    let answered = childcare_survey::Entity::find()
        .filter(childcare_survey::Column::BookingId.eq(booking.id))
        .one(&txn)
        .await?
        .is_some();
    if answered {
        return Ok(Err(vec![FieldError::whole(
            FieldErrorCode::Taken,
            "このご予約のアンケートには回答済みです。",
        )]));
    }
    let survey = childcare_survey::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(booking.municipality_id),
        resource_id: Set(booking.resource_id),
        booking_id: Set(booking.id),
        score: Set(i16::try_from(score).unwrap_or(0)),
        comment: Set(comment),
        fiscal_year: Set(fiscal::year_of_date(booking.date)),
        submitted_at: Set(now()),
    }
    .insert(&txn)
    .await;
    match survey {
        Ok(survey) => {
            txn.commit().await?;
            Ok(Ok(survey))
        }
        Err(error) if crate::error::is_unique_violation(&error) => {
            Ok(Err(vec![FieldError::whole(
                FieldErrorCode::Taken,
                "このご予約のアンケートには回答済みです。",
            )]))
        }
        Err(error) => Err(error.into()),
    }
}

//! Satisfaction surveys.

use entity::{program_survey, registration::RegistrationStatus};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    fiscal,
    state::ServiceContext,
    text::{self, long_text},
};

use super::{
    MAX_NOTE, RegistrationRef, lookup::locate, registering::limit_token_use,
    visibility::is_registrant,
};

/// Records the satisfaction survey of an attended registration, once, by its registrant.
#[tracing::instrument(skip_all, fields(score))]
pub async fn submit_survey(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    reference: RegistrationRef,
    score: i32,
    comment: Option<String>,
) -> AppResult<Outcome<program_survey::Model>> {
    limit_token_use(ctx, viewer, &reference).await?;
    let now = ctx.now();
    let txn = db::begin_write(ctx.db).await?;
    let (registration, session, _) = locate(&txn, viewer, &reference).await?;
    if !matches!(reference, RegistrationRef::Token(_)) && !is_registrant(viewer, &registration) {
        // Staff see the registration but only the registrant answers its survey.
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    if registration.status != RegistrationStatus::Attended {
        problems.push(FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "アンケートは参加された方のみ回答できます。",
        ));
    }
    if now < session.starts_at {
        problems.push(FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "アンケートは開催後に回答できます。",
        ));
    }
    if !(1..=5).contains(&score) {
        problems.push(FieldError::input(
            "score",
            FieldErrorCode::Invalid,
            "満足度は1〜5で選んでください。",
        ));
    }
    let comment = match comment.as_deref() {
        Some(comment) if !text::normalize(comment).is_empty() => {
            problems.check(long_text("comment", comment, MAX_NOTE).map(Some))
        }
        _ => Some(None),
    };
    let exists = program_survey::Entity::find()
        .filter(program_survey::Column::RegistrationId.eq(registration.id))
        .count(&txn)
        .await?
        > 0;
    if exists {
        problems.push(FieldError::input(
            "id",
            FieldErrorCode::Taken,
            "アンケートには回答済みです。",
        ));
    }
    let (Some(comment), true) = (comment, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let survey = program_survey::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(registration.municipality_id),
        program_id: Set(registration.program_id),
        session_id: Set(session.id),
        registration_id: Set(registration.id),
        score: Set(i16::try_from(score).unwrap_or(0)),
        comment: Set(comment),
        fiscal_year: Set(fiscal::year_of(session.starts_at)),
        submitted_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Ok(survey))
}

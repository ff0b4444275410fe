//! The satisfaction survey of the app's health services: after a vaccination or a dental
//! checkup booked in the app and attended, the guardian who booked it answers once, 1–5.
//! The answers feed the app's satisfaction KPI; nothing else reads them.

use entity::{
    health_booking::{self as booking, BookingStatus},
    health_checkup_booking as checkup_booking, health_checkup_type as checkup_type,
    health_survey as survey,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems};
use crate::fiscal;
use crate::state::ServiceContext;

/// `service` of an answer about a vaccination.
pub const VACCINATION: &str = "vaccination";
/// `service` of an answer about a dental checkup.
pub const DENTAL: &str = "dental";

/// The booking a survey answer is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SurveyedBooking {
    /// A vaccination booking.
    Vaccination(Uuid),
    /// A checkup booking (dental checkups only).
    Checkup(Uuid),
}

/// What the answer needs of a booking, whichever its kind.
struct Visit {
    id: Uuid,
    municipality_id: Uuid,
    guardian_user_id: Uuid,
    day: chrono::NaiveDate,
    status: BookingStatus,
    service: Option<&'static str>,
}

async fn visit_of(ctx: ServiceContext<'_>, booked: SurveyedBooking) -> AppResult<Option<Visit>> {
    Ok(match booked {
        SurveyedBooking::Vaccination(id) => {
            booking::Entity::find_by_id(id)
                .one(ctx.db)
                .await?
                .map(|found| Visit {
                    id: found.id,
                    municipality_id: found.municipality_id,
                    guardian_user_id: found.guardian_user_id,
                    day: found.day,
                    status: found.status,
                    service: Some(VACCINATION),
                })
        }
        SurveyedBooking::Checkup(id) => {
            let Some(found) = checkup_booking::Entity::find_by_id(id).one(ctx.db).await? else {
                return Ok(None);
            };
            let dental = checkup_type::Entity::find_by_id(found.checkup_type_id)
                .one(ctx.db)
                .await?
                .is_some_and(|kind| kind.kind == DENTAL);
            Some(Visit {
                id: found.id,
                municipality_id: found.municipality_id,
                guardian_user_id: found.guardian_user_id,
                day: found.day,
                status: found.status,
                service: dental.then_some(DENTAL),
            })
        }
    })
}

fn answered_already() -> Vec<FieldError> {
    vec![FieldError::whole(
        FieldErrorCode::Taken,
        "このご予約のアンケートには回答済みです。",
    )]
}

/// Records the guardian's one satisfaction answer about an attended booking. Anyone but
/// the guardian who booked it gets `NOT_FOUND`.
#[tracing::instrument(skip_all)]
pub async fn submit_survey(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    booked: SurveyedBooking,
    score: i32,
) -> AppResult<Outcome<survey::Model>> {
    let me = viewer.require_user()?;
    let visit = visit_of(ctx, booked)
        .await?
        .filter(|visit| visit.guardian_user_id == me.id)
        .ok_or(AppError::NotFound)?;
    let mut problems = Problems::new();
    let score = i16::try_from(score)
        .ok()
        .filter(|score| (1..=5).contains(score));
    if score.is_none() {
        problems.push(FieldError::input(
            "score",
            FieldErrorCode::Invalid,
            "満足度は1〜5で選んでください。",
        ));
    }
    if visit.service.is_none() {
        problems.push(FieldError::input(
            "bookingId",
            FieldErrorCode::Invalid,
            "アンケートは予防接種と歯科健診のご予約について回答できます。",
        ));
    }
    if visit.status != BookingStatus::Attended {
        problems.push(FieldError::whole(
            FieldErrorCode::InvalidState,
            "アンケートは受診されたご予約についてのみ回答できます。",
        ));
    }
    let (Some(score), Some(service)) = (score, visit.service) else {
        return Ok(Err(problems.into_vec()));
    };
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let answered = survey::Entity::find()
        .filter(survey::Column::BookingId.eq(visit.id))
        .one(ctx.db)
        .await?
        .is_some();
    if answered {
        return Ok(Err(answered_already()));
    }
    let saved = survey::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(visit.municipality_id),
        guardian_user_id: Set(me.id),
        service: Set(service.to_owned()),
        booking_id: Set(visit.id),
        score: Set(score),
        visited_on: Set(visit.day),
        fiscal_year: Set(fiscal::year_of_date(visit.day)),
        submitted_at: Set(ctx.now()),
    }
    .insert(ctx.db)
    .await;
    match saved {
        Ok(saved) => Ok(Ok(saved)),
        // Two answers at once: the booking's unique key keeps one.
        Err(error) if crate::error::is_unique_violation(&error) => Ok(Err(answered_already())),
        Err(error) => Err(error.into()),
    }
}

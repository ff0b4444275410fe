//! Working an inquiry: notes, contacts, appointments and tasks.

use super::commit;
use crate::state::ServiceContext;
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use entity::{
    inquiry_event::EventKind,
    relocation_inquiry::{self, ContactChannel, InquiryStage},
    user,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::domains::relocation::{notices, states};
use crate::{
    auth::{AuthUser, Role, Viewer},
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    text::{self, optional_line},
};

use super::visibility::{Access, log_access, read_access};
use super::{MAX_LINE, MAX_TEXT, TOPIC_CHANGED, change, timeline};

pub use entity::inquiry_event::AppointmentKind;

/// An appointment as typed by staff.
#[derive(Debug, Clone)]
pub struct Appointment {
    /// When it takes place.
    pub at: DateTime<Utc>,
    /// Visit, trial stay or online consultation.
    pub kind: AppointmentKind,
    /// Where (or the meeting link's description).
    pub place: Option<String>,
}

/// A task as typed by staff.
#[derive(Debug, Clone)]
pub struct NewTask {
    /// What to do.
    pub title: String,
    /// When it is due (municipal date).
    pub due_on: NaiveDate,
    /// Who does it; the inquiry's concierge when `None` (or the author while unassigned).
    pub owner_id: Option<Uuid>,
}

/// Contacts logged this far ahead of the server's clock are refused as typos.
const CONTACT_CLOCK_SKEW_MINUTES: i64 = 5;

/// Opens a write transaction on an inquiry its concierge or an administrator of its
/// municipality works on. Others get `NOT_FOUND` if they cannot read it and `FORBIDDEN` if
/// they can (a concierge looking at the unassigned queue, or one whose view is widened).
/// The read is logged in the transaction, so it is kept exactly when the work commits.
async fn work_on(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
) -> AppResult<(DatabaseTransaction, relocation_inquiry::Model, AuthUser)> {
    let me = viewer.require_user()?.clone();
    let txn = db::begin_write(ctx.db).await?;
    let inquiry = relocation_inquiry::Entity::find_by_id(inquiry_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    match read_access(&txn, viewer, inquiry.municipality_id).await? {
        Some(Access::Admin(_)) => {}
        Some(Access::Concierge(id) | Access::WideConcierge(id))
            if inquiry.assigned_concierge_id == Some(id) => {}
        Some(access) if access.reads(&inquiry) => return Err(AppError::Forbidden),
        _ => return Err(AppError::NotFound),
    }
    // The work hands the inquiry, with the family's contact details, back to the caller;
    // the row commits only with the work.
    log_access(&txn, me.id, &[&inquiry], "work").await?;
    Ok((txn, inquiry, me))
}

fn erased_error() -> FieldError {
    FieldError::input(
        "inquiryId",
        FieldErrorCode::InvalidState,
        "この相談は個人情報が削除済みのため、記録できません。",
    )
}

/// Marks the inquiry as worked on at `now` (its last activity, an order of the pipeline
/// list), for timeline entries that change nothing else of the inquiry.
async fn touch(txn: &DatabaseTransaction, inquiry_id: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    relocation_inquiry::Entity::update_many()
        .col_expr(
            relocation_inquiry::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(relocation_inquiry::Column::Id.eq(inquiry_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Adds a note to an inquiry's timeline (its concierge or an administrator).
#[tracing::instrument(skip_all, fields(inquiry_id = %inquiry_id))]
pub async fn add_note(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    body: &str,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    let now = ctx.now();
    let body = match text::required("body", body.trim(), MAX_TEXT) {
        Ok(body) => body,
        Err(error) => return Ok(Err(vec![error])),
    };
    let (txn, inquiry, me) = work_on(ctx, viewer, inquiry_id).await?;
    if inquiry.erased_at.is_some() {
        return Ok(Err(vec![erased_error()]));
    }
    let mut event = timeline(&txn, &inquiry, EventKind::Note, Some(&me), now);
    event.body = Set(Some(body));
    event.insert(&txn).await?;
    touch(&txn, inquiry.id, now).await?;
    let changes = vec![change(
        &inquiry,
        inquiry.assigned_concierge_id,
        TOPIC_CHANGED,
        now,
    )];
    commit(ctx, txn, &changes).await?;
    Ok(Ok(inquiry))
}

/// Logs a contact with the family (its concierge or an administrator). The first contact
/// is the first response of the SLA, and moves an assigned inquiry to `contacted`.
#[tracing::instrument(skip_all, fields(inquiry_id = %inquiry_id))]
pub async fn log_contact(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    channel: ContactChannel,
    summary: &str,
    at: DateTime<Utc>,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    let now = ctx.now();
    let mut problems = Problems::new();
    let summary = problems.check(text::required("summary", summary.trim(), MAX_TEXT));
    let at = at.trunc_subsecs(6);
    if at > now + chrono::Duration::minutes(CONTACT_CLOCK_SKEW_MINUTES) {
        problems.push(FieldError::input(
            "at",
            FieldErrorCode::Invalid,
            "連絡日時に未来の日時は指定できません。",
        ));
    }
    let (Some(summary), true) = (summary, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let (txn, inquiry, me) = work_on(ctx, viewer, inquiry_id).await?;
    if inquiry.erased_at.is_some() {
        return Ok(Err(vec![erased_error()]));
    }
    if at < inquiry.created_at {
        return Ok(Err(vec![FieldError::input(
            "at",
            FieldErrorCode::Invalid,
            "連絡日時は相談の受付より後にしてください。",
        )]));
    }
    let holder = inquiry.assigned_concierge_id;
    let from = inquiry.stage;
    let first = inquiry.first_responded_at.is_none();
    let mut model = inquiry.into_active_model();
    if first {
        model.first_responded_at = Set(Some(at));
    }
    if from == InquiryStage::Assigned {
        model.stage = Set(InquiryStage::Contacted);
    }
    model.updated_at = Set(now);
    let inquiry = model.update(&txn).await?;
    let mut event = timeline(&txn, &inquiry, EventKind::Contact, Some(&me), now);
    event.channel = Set(Some(channel));
    event.body = Set(Some(summary));
    event.scheduled_at = Set(Some(at));
    event.insert(&txn).await?;
    if from != inquiry.stage {
        let mut event = timeline(&txn, &inquiry, EventKind::StageChanged, Some(&me), now);
        event.from_stage = Set(Some(from.to_value()));
        event.to_stage = Set(Some(inquiry.stage.to_value()));
        event.insert(&txn).await?;
    }
    let changes = vec![change(&inquiry, holder, TOPIC_CHANGED, now)];
    commit(ctx, txn, &changes).await?;
    Ok(Ok(inquiry))
}

/// Schedules an appointment with the family (its concierge or an administrator); the
/// earliest upcoming one is the inquiry's next appointment, which the family sees.
#[tracing::instrument(skip_all, fields(inquiry_id = %inquiry_id))]
pub async fn schedule_appointment(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    appointment: Appointment,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    let now = ctx.now();
    let mut problems = Problems::new();
    let place = problems.check(optional_line(
        "place",
        appointment.place.as_deref(),
        MAX_LINE,
    ));
    let at = appointment.at.trunc_subsecs(6);
    if at <= now {
        problems.push(FieldError::input(
            "at",
            FieldErrorCode::Invalid,
            "予定日時は現在より後にしてください。",
        ));
    }
    let (Some(place), true) = (place, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let (txn, inquiry, me) = work_on(ctx, viewer, inquiry_id).await?;
    if inquiry.erased_at.is_some() {
        return Ok(Err(vec![erased_error()]));
    }
    if !inquiry.stage.is_active() {
        return Ok(Err(vec![FieldError::input(
            "inquiryId",
            FieldErrorCode::InvalidState,
            format!(
                "この相談は現在「{}」のため、予定を登録できません。",
                states::label(inquiry.stage)
            ),
        )]));
    }
    let holder = inquiry.assigned_concierge_id;
    let next = inquiry
        .next_appointment_at
        .filter(|next| *next > now && *next <= at)
        .unwrap_or(at);
    let mut model = inquiry.into_active_model();
    model.next_appointment_at = Set(Some(next));
    model.updated_at = Set(now);
    let inquiry = model.update(&txn).await?;
    let mut event = timeline(&txn, &inquiry, EventKind::Appointment, Some(&me), now);
    event.scheduled_at = Set(Some(at));
    event.appointment_kind = Set(Some(appointment.kind));
    event.body = Set(place);
    let event = event.insert(&txn).await?;
    if ctx.notifies() {
        notices::appointment_scheduled(
            &txn,
            &inquiry,
            &notices::Scheduled {
                event_id: event.id,
                at,
                kind: appointment.kind,
                place: event.body.as_deref(),
                by: me.id,
            },
        )
        .await?;
    }
    let changes = vec![change(&inquiry, holder, TOPIC_CHANGED, now)];
    commit(ctx, txn, &changes).await?;
    Ok(Ok(inquiry))
}

/// Creates a task on an inquiry (its concierge or an administrator). The owner defaults
/// to the inquiry's concierge and must be staff of the municipality.
#[tracing::instrument(skip_all, fields(inquiry_id = %inquiry_id))]
pub async fn create_task(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    task: NewTask,
) -> AppResult<Outcome<entity::inquiry_task::Model>> {
    let now = ctx.now();
    let title = match text::required("title", task.title.trim(), MAX_LINE) {
        Ok(title) => title,
        Err(error) => return Ok(Err(vec![error])),
    };
    if let Err(error) = crate::fiscal::check_date("dueOn", task.due_on) {
        return Ok(Err(vec![error]));
    }
    let (txn, inquiry, me) = work_on(ctx, viewer, inquiry_id).await?;
    if inquiry.erased_at.is_some() {
        return Ok(Err(vec![erased_error()]));
    }
    let owner = task
        .owner_id
        .or(inquiry.assigned_concierge_id)
        .unwrap_or(me.id);
    let staff = user::Entity::find_by_id(owner)
        .one(&txn)
        .await?
        .filter(|u| {
            u.deactivated_at.is_none()
                && u.municipality_id == Some(inquiry.municipality_id)
                && matches!(u.role, Role::Concierge | Role::MunicipalAdmin)
        });
    if staff.is_none() && owner != me.id {
        return Ok(Err(vec![FieldError::input(
            "assigneeId",
            FieldErrorCode::NotAllowed,
            "担当者にはこの自治体の職員またはコンシェルジュを指定してください。",
        )]));
    }
    let created = entity::inquiry_task::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(inquiry.municipality_id),
        inquiry_id: Set(inquiry.id),
        title: Set(title.clone()),
        due_on: Set(task.due_on),
        owner_user_id: Set(Some(owner)),
        follow_up: Set(false),
        done_at: Set(None),
        created_by: Set(Some(me.id)),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let mut event = timeline(&txn, &inquiry, EventKind::Task, Some(&me), now);
    event.body = Set(Some(format!("{title}（{}期限）", task.due_on)));
    event.concierge_id = Set(Some(owner));
    event.insert(&txn).await?;
    touch(&txn, inquiry.id, now).await?;
    let changes = vec![change(
        &inquiry,
        inquiry.assigned_concierge_id,
        TOPIC_CHANGED,
        now,
    )];
    commit(ctx, txn, &changes).await?;
    Ok(Ok(created))
}

/// Marks a task done (the inquiry's concierge or an administrator).
#[tracing::instrument(skip_all, fields(task_id = %task_id))]
pub async fn complete_task(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    task_id: Uuid,
) -> AppResult<Outcome<entity::inquiry_task::Model>> {
    let now = ctx.now();
    viewer.require_user()?;
    let task = entity::inquiry_task::Entity::find_by_id(task_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let (txn, inquiry, me) = work_on(ctx, viewer, task.inquiry_id).await?;
    let task = entity::inquiry_task::Entity::find_by_id(task_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if task.done_at.is_some() {
        return Ok(Err(vec![FieldError::input(
            "taskId",
            FieldErrorCode::InvalidState,
            "このタスクはすでに完了しています。",
        )]));
    }
    let title = task.title.clone();
    let mut model = task.into_active_model();
    model.done_at = Set(Some(now));
    let done = model.update(&txn).await?;
    let mut event = timeline(&txn, &inquiry, EventKind::Task, Some(&me), now);
    event.body = Set((inquiry.erased_at.is_none()).then(|| format!("{title}（完了）")));
    event.insert(&txn).await?;
    touch(&txn, inquiry.id, now).await?;
    let changes = vec![change(
        &inquiry,
        inquiry.assigned_concierge_id,
        TOPIC_CHANGED,
        now,
    )];
    commit(ctx, txn, &changes).await?;
    Ok(Ok(done))
}

/// Tasks of an inquiry, open ones first by due date. Callers have checked that the viewer
/// may read the inquiry.
#[tracing::instrument(skip_all, fields(inquiry_id = %inquiry_id, municipality_id = %municipality_id))]
pub async fn tasks_for(
    db: &DatabaseConnection,
    inquiry_id: Uuid,
    municipality_id: Uuid,
) -> AppResult<Vec<entity::inquiry_task::Model>> {
    use entity::inquiry_task::Column;
    let mut tasks = entity::inquiry_task::Entity::find()
        .filter(Column::InquiryId.eq(inquiry_id))
        .filter(Column::MunicipalityId.eq(municipality_id))
        .order_by_asc(Column::DueOn)
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    tasks.sort_by_key(|t| t.done_at.is_some());
    Ok(tasks)
}

//! The pipeline of an inquiry: stage moves, closing, move-in, follow-ups and the timeline.

use super::commit;
use crate::state::ServiceContext;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    inquiry_event::{self, EventKind},
    relocation_inquiry::{self, CloseReason, InquiryStage},
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::domains::relocation::states;
use crate::{
    auth::{AuthUser, Viewer},
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    text::optional_line,
};

use super::settings::settings_of;
use super::visibility::{can_read, log_access};
use super::{MAX_LINE, MAX_PEOPLE, TOPIC_CHANGED, change, optional_text, timeline};
use super::{
    assigning::{drain_backlog, may_take},
    settings::lock_municipality,
};

/// A stage change asked by staff.
#[derive(Debug, Clone)]
pub struct StageMove {
    /// The inquiry.
    pub inquiry_id: Uuid,
    /// The stage to move to (not `closed`: use [`close_inquiry`]; not `moved_in`: use
    /// [`record_move_in`]).
    pub to: InquiryStage,
    /// Optional note for the timeline.
    pub note: Option<String>,
}

/// Moves an inquiry along the pipeline (its concierge or an administrator).
#[tracing::instrument(skip_all)]
pub async fn move_stage(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: StageMove,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    if matches!(
        input.to,
        InquiryStage::Closed | InquiryStage::MovedIn | InquiryStage::New | InquiryStage::Assigned
    ) {
        return Ok(Err(vec![FieldError::input(
            "stage",
            FieldErrorCode::InvalidState,
            "この段階へは専用の操作（担当割り当て・終了・移住記録）で変更してください。",
        )]));
    }
    let note = match optional_text("note", input.note.as_deref()) {
        Ok(note) => note,
        Err(error) => return Ok(Err(vec![error])),
    };
    transition(ctx, viewer, input.inquiry_id, |inquiry| {
        states::check("stage", inquiry.stage, input.to)?;
        Ok(Transition {
            to: input.to,
            reason: None,
            note,
            move_in: None,
        })
    })
    .await
}

/// Closes an inquiry with a reason (its concierge or an administrator). Closing as "not
/// now" schedules a follow-up task; the concierge's capacity frees at once.
#[tracing::instrument(skip_all, fields(inquiry_id = %inquiry_id))]
pub async fn close_inquiry(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    reason: CloseReason,
    note: Option<String>,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    if reason == CloseReason::ConsentWithdrawn {
        return Ok(Err(vec![FieldError::input(
            "reason",
            FieldErrorCode::NotAllowed,
            "同意の撤回はご本人の操作でのみ記録されます。",
        )]));
    }
    let note = match optional_text("note", note.as_deref()) {
        Ok(note) => note,
        Err(error) => return Ok(Err(vec![error])),
    };
    transition(ctx, viewer, inquiry_id, |inquiry| {
        states::check("inquiryId", inquiry.stage, InquiryStage::Closed)?;
        Ok(Transition {
            to: InquiryStage::Closed,
            reason: Some(reason),
            note,
            move_in: None,
        })
    })
    .await
}

/// The move-in outcome of a decided inquiry.
#[derive(Debug, Clone)]
pub struct MoveIn {
    /// Date of the move.
    pub moved_in_on: NaiveDate,
    /// Number of people who moved.
    pub people: i32,
    /// Area they moved to.
    pub area: Option<String>,
}

/// Records that a family moved in (its concierge or an administrator): the inquiry becomes
/// `moved_in`, a follow-up task is scheduled and the concierge's capacity frees.
#[tracing::instrument(skip_all, fields(inquiry_id = %inquiry_id))]
pub async fn record_move_in(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    move_in: MoveIn,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    let mut problems = Problems::new();
    if !(1..=MAX_PEOPLE * 2).contains(&move_in.people) {
        problems.push(FieldError::input(
            "peopleMoved",
            FieldErrorCode::Invalid,
            format!("移住した人数は1〜{}人で入力してください。", MAX_PEOPLE * 2),
        ));
    }
    let area = problems.check(optional_line("area", move_in.area.as_deref(), MAX_LINE));
    let (Some(area), true) = (area, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let today = crate::fiscal::date_of(ctx.now());
    if move_in.moved_in_on > today {
        return Ok(Err(vec![FieldError::input(
            "movedInOn",
            FieldErrorCode::Invalid,
            "移住日に未来の日付は記録できません。移住後に記録してください。",
        )]));
    }
    transition(ctx, viewer, inquiry_id, |inquiry| {
        states::check("inquiryId", inquiry.stage, InquiryStage::MovedIn)?;
        if move_in.moved_in_on < crate::fiscal::date_of(inquiry.created_at) {
            return Err(FieldError::input(
                "movedInOn",
                FieldErrorCode::Invalid,
                "移住日が相談の受付日より前になっています。",
            ));
        }
        Ok(Transition {
            to: InquiryStage::MovedIn,
            reason: None,
            note: None,
            move_in: Some(MoveIn {
                moved_in_on: move_in.moved_in_on,
                people: move_in.people,
                area,
            }),
        })
    })
    .await
}

struct Transition {
    to: InquiryStage,
    reason: Option<CloseReason>,
    note: Option<String>,
    move_in: Option<MoveIn>,
}

/// Locks the municipality, re-reads the inquiry, applies `decide`, writes the stage change,
/// schedules follow-ups and drains the backlog when capacity freed.
async fn transition(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    decide: impl FnOnce(&relocation_inquiry::Model) -> Result<Transition, FieldError>,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    let now = ctx.now();
    let me = viewer.require_user()?.clone();
    let found = relocation_inquiry::Entity::find_by_id(inquiry_id)
        .one(ctx.db)
        .await?
        .filter(|i| can_read(viewer, i))
        .ok_or(AppError::NotFound)?;
    let txn = db::begin_write(ctx.db).await?;
    lock_municipality(&txn, found.municipality_id).await?;
    let inquiry = relocation_inquiry::Entity::find_by_id(inquiry_id)
        .one(&txn)
        .await?
        .filter(|i| can_read(viewer, i))
        .ok_or(AppError::NotFound)?;
    if inquiry.erased_at.is_some() {
        return Ok(Err(vec![FieldError::input(
            "inquiryId",
            FieldErrorCode::InvalidState,
            "この相談は個人情報が削除済みのため、変更できません。",
        )]));
    }
    let step = match decide(&inquiry) {
        Ok(step) => step,
        Err(error) => return Ok(Err(vec![error])),
    };
    let from = inquiry.stage;
    let holder = inquiry.assigned_concierge_id;
    // Reopening gives the concierge who held it an active inquiry again: the same rule as
    // assigning one to them.
    let reopened_to = holder.filter(|_| !from.is_active() && step.to.is_active());
    if let Some(concierge) = reopened_to
        && let Err(error) =
            may_take(&txn, inquiry.municipality_id, concierge, "inquiryId", now).await?
    {
        return Ok(Err(vec![error]));
    }
    let mut model = inquiry.into_active_model();
    model.stage = Set(step.to);
    model.updated_at = Set(now);
    match step.to {
        InquiryStage::Closed => {
            model.close_reason = Set(step.reason);
            model.closed_at = Set(Some(now));
            model.next_appointment_at = Set(None);
        }
        InquiryStage::MovedIn => {
            if let Some(move_in) = &step.move_in {
                model.moved_in_on = Set(Some(move_in.moved_in_on));
                model.people_moved = Set(Some(move_in.people));
                model.moved_in_area = Set(move_in.area.clone());
            }
            model.closed_at = Set(Some(now));
            model.next_appointment_at = Set(None);
        }
        InquiryStage::Contacted if from == InquiryStage::Closed => {
            model.close_reason = Set(None);
            model.closed_at = Set(None);
        }
        _ => {}
    }
    if matches!(step.to, InquiryStage::Contacted) {
        model.first_responded_at = Set(Some(match &model.first_responded_at {
            sea_orm::ActiveValue::Unchanged(Some(at)) | sea_orm::ActiveValue::Set(Some(at)) => *at,
            _ => now,
        }));
    }
    let moved = model.update(&txn).await?;
    log_access(&txn, me.id, &[&moved], "stage").await?;
    let mut event = timeline(&txn, &moved, EventKind::StageChanged, Some(&me), now);
    event.from_stage = Set(Some(from.to_value()));
    event.to_stage = Set(Some(step.to.to_value()));
    event.body = Set(step
        .note
        .clone()
        .or_else(|| step.reason.map(|r| r.to_value())));
    event.insert(&txn).await?;
    if let Some(move_in) = &step.move_in {
        let mut event = timeline(&txn, &moved, EventKind::MovedIn, Some(&me), now);
        event.body = Set(Some(format!("{}人", move_in.people)));
        event.insert(&txn).await?;
    }
    let follow_up = step.to == InquiryStage::MovedIn || step.reason == Some(CloseReason::NotNow);
    if follow_up {
        let settings = settings_of(&txn, moved.municipality_id).await?;
        schedule_follow_up(&txn, &moved, holder, &me, settings.follow_up_months, now).await?;
    }
    let mut changes = vec![change(&moved, holder, TOPIC_CHANGED, now)];
    if from.is_active() != step.to.is_active() {
        changes.extend(drain_backlog(&txn, moved.municipality_id, now, None).await?);
    }
    commit(ctx, txn, &changes).await?;
    Ok(Ok(moved))
}

async fn schedule_follow_up(
    txn: &DatabaseTransaction,
    inquiry: &relocation_inquiry::Model,
    owner: Option<Uuid>,
    actor: &AuthUser,
    months: i32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let today = now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let due = today
        .checked_add_months(chrono::Months::new(u32::try_from(months).unwrap_or(6)))
        .unwrap_or(today);
    let title = if inquiry.stage == InquiryStage::MovedIn {
        "移住後のフォローアップ"
    } else {
        "再検討のご様子伺い"
    };
    entity::inquiry_task::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(inquiry.municipality_id),
        inquiry_id: Set(inquiry.id),
        title: Set(title.to_owned()),
        due_on: Set(due),
        owner_user_id: Set(owner.or(Some(actor.id))),
        follow_up: Set(true),
        done_at: Set(None),
        created_by: Set(Some(actor.id)),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    let mut event = timeline(txn, inquiry, EventKind::Task, Some(actor), now);
    event.body = Set(Some(format!("{title}（{due}期限）")));
    event.insert(txn).await?;
    Ok(())
}

/// The timeline of an inquiry, oldest first. Callers have checked that the viewer may read
/// the inquiry.
#[tracing::instrument(skip_all, fields(inquiry_id = %inquiry_id, municipality_id = %municipality_id))]
pub async fn timeline_for(
    db: &DatabaseConnection,
    inquiry_id: Uuid,
    municipality_id: Uuid,
) -> AppResult<Vec<inquiry_event::Model>> {
    Ok(inquiry_event::Entity::find()
        .filter(inquiry_event::Column::InquiryId.eq(inquiry_id))
        .filter(inquiry_event::Column::MunicipalityId.eq(municipality_id))
        .order_by_asc(inquiry_event::Column::CreatedAt)
        .order_by_asc(inquiry_event::Column::Id)
        .all(db)
        .await?)
}

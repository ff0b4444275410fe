//! Assignment decisions: the municipality lock, the candidates, the backlog drained to whoever
//! has room, and hand-overs by administrators.

use std::collections::BTreeSet;

use super::commit;
use crate::state::ServiceContext;
use chrono::{DateTime, Utc};
use entity::{
    concierge_leave, concierge_profile,
    inquiry_event::EventKind,
    relocation_inquiry::{self, InquiryStage, Interest},
    relocation_setting::{self, AssignmentStrategy},
    user,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::domains::relocation::{
    assignment::{self, Candidate, Need},
    states,
};
use crate::{
    auth::{AuthUser, Viewer},
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome},
    text,
};

use super::settings::{lock_municipality, settings_of};
use super::visibility::{can_read, log_access};
use super::{Change, MAX_TEXT, TOPIC_ASSIGNED, TOPIC_UNASSIGNED, change, split, timeline};

/// Active inquiries per concierge of a municipality.
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id))]
pub async fn loads(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
) -> AppResult<Vec<(Uuid, i64)>> {
    use relocation_inquiry::Column;
    let rows: Vec<(Option<Uuid>, i64)> = relocation_inquiry::Entity::find()
        .select_only()
        .column(Column::AssignedConciergeId)
        .column_as(Column::Id.count(), "n")
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::AssignedConciergeId.is_not_null())
        .filter(Column::Stage.is_not_in([InquiryStage::MovedIn, InquiryStage::Closed]))
        .group_by(Column::AssignedConciergeId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n)| id.map(|id| (id, n)))
        .collect())
}

/// The concierges of a municipality who may take work at `now`: available, not on leave,
/// with their active load counted inside the transaction.
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id))]
pub async fn candidates(
    txn: &impl ConnectionTrait,
    municipality_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Vec<Candidate>> {
    let profiles = concierge_profile::Entity::find()
        .filter(concierge_profile::Column::MunicipalityId.eq(municipality_id))
        .filter(concierge_profile::Column::Available.eq(true))
        .all(txn)
        .await?;
    let on_leave: BTreeSet<Uuid> = concierge_leave::Entity::find()
        .select_only()
        .column(concierge_leave::Column::UserId)
        .filter(concierge_leave::Column::MunicipalityId.eq(municipality_id))
        .filter(concierge_leave::Column::StartsAt.lte(now))
        .filter(concierge_leave::Column::EndsAt.gt(now))
        .into_tuple::<Uuid>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let deactivated: BTreeSet<Uuid> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::MunicipalityId.eq(municipality_id))
        .filter(user::Column::DeactivatedAt.is_not_null())
        .into_tuple::<Uuid>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let loads = loads(txn, municipality_id).await?;
    Ok(profiles
        .into_iter()
        .filter(|p| !on_leave.contains(&p.user_id) && !deactivated.contains(&p.user_id))
        .map(|p| Candidate {
            user_id: p.user_id,
            specialties: split(&p.specialties)
                .filter_map(|s| Interest::try_from_value(&s.to_owned()).ok())
                .collect(),
            languages: split(&p.languages).map(str::to_owned).collect(),
            areas: split(&p.areas).map(str::to_owned).collect(),
            capacity: i64::from(p.capacity),
            load: loads
                .iter()
                .find(|(id, _)| *id == p.user_id)
                .map_or(0, |(_, n)| *n),
        })
        .collect())
}

/// Whether `concierge` may take one more active inquiry at `now`: available, not on leave,
/// not deactivated and below capacity. The one rule for assigning, reassigning and
/// reopening; call inside the write transaction, after [`lock_municipality`].
pub async fn may_take(
    txn: &impl ConnectionTrait,
    municipality_id: Uuid,
    concierge: Uuid,
    field: &str,
    now: DateTime<Utc>,
) -> AppResult<Result<(), FieldError>> {
    let candidates = candidates(txn, municipality_id, now).await?;
    let Some(candidate) = candidates.iter().find(|c| c.user_id == concierge) else {
        return Ok(Err(FieldError::input(
            field,
            FieldErrorCode::NotAllowed,
            "このコンシェルジュは休暇中か受付停止中のため、担当できません。",
        )));
    };
    if !candidate.has_room() {
        return Ok(Err(FieldError::input(
            field,
            FieldErrorCode::NotAllowed,
            "このコンシェルジュは担当件数の上限に達しています。",
        )));
    }
    Ok(Ok(()))
}

/// Assigns the oldest unassigned active inquiries of a municipality while any concierge
/// has room. Call inside a write transaction after [`lock_municipality`]. `skip` keeps one
/// concierge from getting one inquiry back (after an unassignment).
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id))]
pub async fn drain_backlog(
    txn: &DatabaseTransaction,
    municipality_id: Uuid,
    now: DateTime<Utc>,
    skip: Option<(Uuid, Uuid)>,
) -> AppResult<Vec<Change>> {
    use relocation_inquiry::Column;
    let mut candidates = candidates(txn, municipality_id, now).await?;
    let room: i64 = candidates
        .iter()
        .map(|c| (c.capacity - c.load).max(0))
        .sum();
    if room == 0 {
        return Ok(Vec::new());
    }
    let waiting = relocation_inquiry::Entity::find()
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::AssignedConciergeId.is_null())
        .filter(Column::Stage.is_not_in([InquiryStage::MovedIn, InquiryStage::Closed]))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .limit(u64::try_from(room).unwrap_or(0) + 1)
        .all(txn)
        .await?;
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let mut settings = settings_of(txn, municipality_id).await?;
    let mut changes = Vec::new();
    for inquiry in waiting {
        let interests: Vec<Interest> = split(&inquiry.interests)
            .filter_map(|s| Interest::try_from_value(&s.to_owned()).ok())
            .collect();
        let area = inquiry.desired_area.as_deref().map(text::normalize);
        let need = Need {
            interests: &interests,
            language: &inquiry.preferred_language,
            area: area.as_deref(),
        };
        let skipped = skip.filter(|(inquiry_id, _)| *inquiry_id == inquiry.id);
        let pool: Vec<Candidate> = match skipped {
            Some((_, concierge)) => candidates
                .iter()
                .filter(|c| c.user_id != concierge)
                .cloned()
                .collect(),
            None => candidates.clone(),
        };
        let Some(chosen) = assignment::choose(
            settings.strategy,
            &pool,
            need,
            settings.last_assigned_concierge_id,
        ) else {
            if skipped.is_some() {
                continue;
            }
            break;
        };
        if let Some(c) = candidates.iter_mut().find(|c| c.user_id == chosen) {
            c.load += 1;
        }
        settings.last_assigned_concierge_id = Some(chosen);
        let assigned = assign_to(txn, inquiry, chosen, None, None, now).await?;
        changes.push(change(&assigned, Some(chosen), TOPIC_ASSIGNED, now));
    }
    if settings.strategy == AssignmentStrategy::RoundRobin && !changes.is_empty() {
        save_round_robin(txn, &settings, now).await?;
    }
    Ok(changes)
}

async fn save_round_robin(
    txn: &DatabaseTransaction,
    settings: &relocation_setting::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let exists = relocation_setting::Entity::find_by_id(settings.municipality_id)
        .one(txn)
        .await?
        .is_some();
    if exists {
        relocation_setting::Entity::update_many()
            .col_expr(
                relocation_setting::Column::LastAssignedConciergeId,
                sea_orm::sea_query::Expr::value(settings.last_assigned_concierge_id),
            )
            .filter(relocation_setting::Column::MunicipalityId.eq(settings.municipality_id))
            .exec(txn)
            .await?;
    } else {
        let mut model = settings.clone().into_active_model();
        model.updated_at = Set(now);
        relocation_setting::Entity::insert(model)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Gives `inquiry` to `concierge` and writes the timeline.
async fn assign_to(
    txn: &DatabaseTransaction,
    inquiry: relocation_inquiry::Model,
    concierge: Uuid,
    actor: Option<&AuthUser>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<relocation_inquiry::Model> {
    let from = inquiry.stage;
    let mut model = inquiry.into_active_model();
    model.assigned_concierge_id = Set(Some(concierge));
    model.assigned_at = Set(Some(now));
    if from == InquiryStage::New {
        model.stage = Set(InquiryStage::Assigned);
    }
    model.updated_at = Set(now);
    let assigned = model.update(txn).await?;
    let mut event = timeline(txn, &assigned, EventKind::Assigned, actor, now);
    event.concierge_id = Set(Some(concierge));
    event.body = Set(reason);
    event.insert(txn).await?;
    if from == InquiryStage::New {
        let mut event = timeline(txn, &assigned, EventKind::StageChanged, actor, now);
        event.from_stage = Set(Some(from.to_value()));
        event.to_stage = Set(Some(InquiryStage::Assigned.to_value()));
        event.insert(txn).await?;
    }
    Ok(assigned)
}

/// What an administrator does to an inquiry's concierge.
#[derive(Debug, Clone)]
pub enum Handover {
    /// Give an unassigned inquiry to a concierge.
    Assign(Uuid),
    /// Move an assigned inquiry to another concierge, with a reason.
    Reassign(Uuid, String),
    /// Take the inquiry back to the queue, with a reason; it goes to another concierge at
    /// once if one has room.
    Unassign(String),
}

/// Assigns, reassigns or unassigns an inquiry by hand (administrators of its
/// municipality). The concierge must be available, not on leave and below capacity.
#[tracing::instrument(skip_all, fields(inquiry_id = %inquiry_id))]
pub async fn hand_over(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    inquiry_id: Uuid,
    handover: Handover,
) -> AppResult<Outcome<relocation_inquiry::Model>> {
    let me = viewer.require_user()?.clone();
    let found = relocation_inquiry::Entity::find_by_id(inquiry_id)
        .one(ctx.db)
        .await?
        .filter(|i| can_read(viewer, i))
        .ok_or(AppError::NotFound)?;
    viewer.require_admin_of(found.municipality_id)?;
    let reason = match &handover {
        Handover::Assign(_) => None,
        Handover::Reassign(_, reason) | Handover::Unassign(reason) => {
            match text::required("reason", reason, MAX_TEXT) {
                Ok(reason) => Some(reason),
                Err(error) => return Ok(Err(vec![error])),
            }
        }
    };
    let now = ctx.now();
    let txn = db::begin_write(ctx.db).await?;
    lock_municipality(&txn, found.municipality_id).await?;
    let inquiry = relocation_inquiry::Entity::find_by_id(inquiry_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !inquiry.stage.is_active() {
        return Ok(Err(vec![FieldError::input(
            "inquiryId",
            FieldErrorCode::InvalidState,
            format!(
                "この相談は現在「{}」のため、担当を変更できません。",
                states::label(inquiry.stage)
            ),
        )]));
    }
    let holder = inquiry.assigned_concierge_id;
    let mut changes = Vec::new();
    let result = match handover {
        Handover::Assign(concierge) | Handover::Reassign(concierge, _) => {
            let reassigning = reason.is_some();
            if reassigning != holder.is_some() || holder == Some(concierge) {
                let message = if holder.is_some() {
                    "この相談にはすでに担当者がいます。担当の変更には理由を添えて担当替えを使ってください。"
                } else {
                    "この相談には担当者がいません。担当割り当てを使ってください。"
                };
                return Ok(Err(vec![FieldError::input(
                    "inquiryId",
                    FieldErrorCode::InvalidState,
                    message,
                )]));
            }
            if let Err(error) =
                may_take(&txn, inquiry.municipality_id, concierge, "conciergeId", now).await?
            {
                return Ok(Err(vec![error]));
            }
            if let Some(previous) = holder {
                let mut event = timeline(&txn, &inquiry, EventKind::Unassigned, Some(&me), now);
                event.concierge_id = Set(Some(previous));
                event.body = Set(reason.clone());
                event.insert(&txn).await?;
                changes.push(change(&inquiry, Some(previous), TOPIC_UNASSIGNED, now));
            }
            let assigned = assign_to(&txn, inquiry, concierge, Some(&me), reason, now).await?;
            changes.push(change(&assigned, Some(concierge), TOPIC_ASSIGNED, now));
            changes.extend(drain_backlog(&txn, assigned.municipality_id, now, None).await?);
            assigned
        }
        Handover::Unassign(_) => {
            let Some(previous) = holder else {
                return Ok(Err(vec![FieldError::input(
                    "inquiryId",
                    FieldErrorCode::InvalidState,
                    "この相談には担当者がいません。",
                )]));
            };
            let from = inquiry.stage;
            let mut model = inquiry.into_active_model();
            model.assigned_concierge_id = Set(None);
            model.assigned_at = Set(None);
            if from == InquiryStage::Assigned {
                model.stage = Set(InquiryStage::New);
            }
            model.updated_at = Set(now);
            let unassigned = model.update(&txn).await?;
            let mut event = timeline(&txn, &unassigned, EventKind::Unassigned, Some(&me), now);
            event.concierge_id = Set(Some(previous));
            event.body = Set(reason);
            event.insert(&txn).await?;
            if from == InquiryStage::Assigned {
                let mut event =
                    timeline(&txn, &unassigned, EventKind::StageChanged, Some(&me), now);
                event.from_stage = Set(Some(from.to_value()));
                event.to_stage = Set(Some(InquiryStage::New.to_value()));
                event.insert(&txn).await?;
            }
            changes.push(change(&unassigned, Some(previous), TOPIC_UNASSIGNED, now));
            changes.extend(
                drain_backlog(
                    &txn,
                    unassigned.municipality_id,
                    now,
                    Some((unassigned.id, previous)),
                )
                .await?,
            );
            relocation_inquiry::Entity::find_by_id(unassigned.id)
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?
        }
    };
    log_access(&txn, me.id, &[&result], "assignment").await?;
    commit(ctx, txn, &changes).await?;
    Ok(Ok(result))
}

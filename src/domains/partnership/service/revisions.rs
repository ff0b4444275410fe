//! Revising a rejected proposal: its partner edits it and submits it for review again. The
//! texts as they stood before, and the rejection the revision answers, are kept as a
//! revision; the status history shows the rejection, then the resubmission with the
//! partner's note.

use entity::{
    partner_project, partner_project_revision as revision,
    partnership_status_change::{self, SubjectKind},
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::{
    MAX_COMMENT, PARTNERS,
    edits::{apply_changes, save_changes},
    history::move_project,
    projects::{ProjectChanges, announce_step},
    visibility::{find_visible_project, is_member, is_participant},
};
use crate::domains::partnership::{
    notices,
    states::{self, ProjectStep},
};
use crate::{
    auth::Viewer,
    db,
    error::{AppError, AppResult, Outcome, Problems},
    state::ServiceContext,
    text::{self, long_text},
};

/// Revises a rejected proposal of the viewer's own organization and submits it for review
/// again: `changes` as for a draft, `note` (optional) says what changed and shows in the
/// status history. Any other status is refused with `INVALID_STATE`. The municipality's
/// administrators are told, as of a first submission.
#[tracing::instrument(skip_all, fields(project_id = %id))]
pub async fn revise_and_resubmit_project(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    changes: ProjectChanges,
    note: Option<&str>,
) -> AppResult<Outcome<partner_project::Model>> {
    let me = viewer.require_role(PARTNERS)?.clone();
    let txn = db::begin_write(ctx.db).await?;
    let project = find_visible_project(&txn, viewer, id, true).await?;
    if !is_member(&me, project.organization_id) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    problems.check(states::check_project(
        "id",
        project.status,
        ProjectStep::Resubmit,
    ));
    let note = match note {
        Some(note) if !text::normalize(note).is_empty() => {
            problems.check(long_text("note", note, MAX_COMMENT))
        }
        _ => None,
    };
    let (model, issue_ids) = apply_changes(&txn, viewer, &project, changes, &mut problems).await?;
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }
    let now = ctx.now();
    let revisions = revision::Entity::find()
        .filter(revision::Column::ProjectId.eq(project.id))
        .count(&txn)
        .await?;
    revision::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(project.municipality_id),
        project_id: Set(project.id),
        revision_number: Set(i32::try_from(revisions).unwrap_or(i32::MAX - 1) + 1),
        previous_title: Set(project.title.clone()),
        previous_title_reading: Set(project.title_reading.clone()),
        previous_summary: Set(project.summary.clone()),
        previous_plan: Set(project.plan.clone()),
        previous_expected_outcome: Set(project.expected_outcome.clone()),
        previous_timeline: Set(project.timeline.clone()),
        previous_contact: Set(project.contact.clone()),
        rejection_reason: Set(last_rejection_reason(&txn, project.id).await?),
        note: Set(note.clone()),
        revised_by: Set(me.id),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let revised = save_changes(&txn, model, issue_ids.as_deref(), now).await?;
    let project = move_project(
        &txn,
        &me,
        revised,
        ProjectStep::Resubmit,
        note.clone(),
        now,
        |_| {},
    )
    .await?;
    if ctx.notifies() {
        notices::project_step(&txn, &project, ProjectStep::Resubmit, note.as_deref()).await?;
    }
    txn.commit().await?;
    tracing::info!(project_id = %project.id, by = %me.id, "rejected project revised and resubmitted");
    announce_step(ctx, &project, ProjectStep::Resubmit).await;
    Ok(Ok(project))
}

/// The reason of the project's latest rejection, if one was given.
async fn last_rejection_reason(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> AppResult<Option<String>> {
    use partnership_status_change::Column;
    Ok(partnership_status_change::Entity::find()
        .filter(Column::SubjectKind.eq(SubjectKind::PartnerProject))
        .filter(Column::SubjectId.eq(project_id))
        .filter(Column::ToStatus.eq(partner_project::ProjectStatus::Rejected.to_value()))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .one(db)
        .await?
        .and_then(|change| change.reason))
}

/// Whether the viewer may read a project's revisions: its partner organization's staff and
/// the municipality's administrators may (else `UNAUTHENTICATED` / `FORBIDDEN`).
pub fn may_read_revisions(
    viewer: &Viewer,
    municipality_id: Uuid,
    organization_id: Uuid,
) -> AppResult<()> {
    let me = viewer.require_user()?;
    if !is_participant(me, municipality_id, organization_id) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

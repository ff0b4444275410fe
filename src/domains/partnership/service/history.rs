//! Status changes of issues and projects, with the history row each one writes.

use chrono::{DateTime, Utc};
use entity::{
    local_issue::{self, IssueStatus},
    partner_project,
    partnership_status_change::{self, SubjectKind},
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, DatabaseTransaction, IntoActiveModel,
};
use uuid::Uuid;

use crate::domains::partnership::states::{self, ProjectStep};
use crate::{
    auth::AuthUser,
    error::{AppError, AppResult},
    search::{outbox, sources},
};

/// The record a status change is about.
pub(super) enum Subject<'a> {
    Issue(&'a local_issue::Model),
    Project(&'a partner_project::Model),
}

/// Writes one row of status history, in the transaction of the change.
pub(super) async fn record_change(
    txn: &DatabaseTransaction,
    actor: &AuthUser,
    subject: Subject<'_>,
    from: Option<String>,
    to: String,
    reason: Option<String>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let (kind, id, municipality_id) = match subject {
        Subject::Issue(issue) => (SubjectKind::LocalIssue, issue.id, issue.municipality_id),
        Subject::Project(project) => (
            SubjectKind::PartnerProject,
            project.id,
            project.municipality_id,
        ),
    };
    // A status change can make a record public or private: its search document follows.
    let document_kind = match kind {
        SubjectKind::LocalIssue => sources::LOCAL_ISSUE,
        SubjectKind::PartnerProject => sources::PARTNER_PROJECT,
    };
    outbox::enqueue(txn, document_kind, id, municipality_id).await?;
    partnership_status_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(municipality_id),
        subject_kind: Set(kind),
        subject_id: Set(id),
        from_status: Set(from),
        to_status: Set(to),
        actor_user_id: Set(actor.id),
        actor_organization_id: Set(actor.organization_id),
        actor_role: Set(actor.role),
        reason: Set(reason),
        created_at: Set(at),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Moves an issue to `to` and records it. Callers check the move with [`states`] first, so
/// a refused move here is a bug, not a user error.
pub(super) async fn move_issue(
    txn: &DatabaseTransaction,
    actor: &AuthUser,
    issue: local_issue::Model,
    to: IssueStatus,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<local_issue::Model> {
    let from = issue.status;
    if !states::issue_can_transition(from, to) {
        return Err(AppError::internal(anyhow::anyhow!(
            "issue {} cannot move from {from:?} to {to:?}",
            issue.id
        )));
    }
    let mut model = issue.into_active_model();
    model.status = Set(to);
    match to {
        IssueStatus::Solved => model.solved_at = Set(Some(now)),
        IssueStatus::Open => model.solved_at = Set(None),
        IssueStatus::InProgress | IssueStatus::ClosedUnsolved => {}
    }
    model.updated_at = Set(now);
    model.last_activity_at = Set(now);
    let moved = model.update(txn).await?;
    record_change(
        txn,
        actor,
        Subject::Issue(&moved),
        Some(from.to_value()),
        to.to_value(),
        reason,
        now,
    )
    .await?;
    Ok(moved)
}

/// Takes `step` on a project and records it; see [`move_issue`]. `edit` changes other
/// columns in the same update.
pub(super) async fn move_project(
    txn: &DatabaseTransaction,
    actor: &AuthUser,
    project: partner_project::Model,
    step: ProjectStep,
    reason: Option<String>,
    now: DateTime<Utc>,
    edit: impl FnOnce(&mut partner_project::ActiveModel),
) -> AppResult<partner_project::Model> {
    let (from, to) = step.edge();
    if project.status != from {
        return Err(AppError::internal(anyhow::anyhow!(
            "project {} cannot take {step:?} from {:?}",
            project.id,
            project.status
        )));
    }
    let mut model = project.into_active_model();
    edit(&mut model);
    model.status = Set(to);
    match step {
        ProjectStep::Submit | ProjectStep::Resubmit => model.submitted_at = Set(Some(now)),
        ProjectStep::Approve => model.approved_at = Set(Some(now)),
        ProjectStep::Complete => model.completed_at = Set(Some(now)),
        ProjectStep::Return => model.completed_at = Set(None),
        ProjectStep::Verify => model.verified_at = Set(Some(now)),
        ProjectStep::Reject => {}
    }
    model.updated_at = Set(now);
    model.last_activity_at = Set(now);
    let moved = model.update(txn).await?;
    record_change(
        txn,
        actor,
        Subject::Project(&moved),
        Some(from.to_value()),
        to.to_value(),
        reason,
        now,
    )
    .await?;
    Ok(moved)
}

//! Public comments on issues, their moderation and deletion by their author, and internal
//! comments on projects.

use entity::{
    issue_comment, local_issue,
    partner_project::{self, ProjectStatus},
    project_internal_comment,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, sea_query::Expr,
};
use serde::Serialize;
use uuid::Uuid;

use super::{
    MAX_COMMENT, RESIDENTS,
    projects::lock_project,
    visibility::{can_see_comment, find_visible_issue, find_visible_project, is_participant},
};
use crate::{
    auth::{ADMINS, Viewer},
    db,
    domains::partnership::notices,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    idempotency::{self, KeyScope},
    notify,
    state::ServiceContext,
    text::long_text,
};

/// A new comment (public on an issue, or internal on a project).
#[derive(Debug, Clone)]
pub struct NewComment {
    /// The issue or project commented on.
    pub subject_id: Uuid,
    /// The text.
    pub body: String,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// A resident's public comment on a published issue of their municipality.
#[tracing::instrument(skip_all, fields(issue_id = %input.subject_id))]
pub async fn add_issue_comment(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: NewComment,
) -> AppResult<Outcome<issue_comment::Model>> {
    let me = viewer.require_role(RESIDENTS)?.clone();
    let issue = find_visible_issue(ctx.db, viewer, input.subject_id, false).await?;
    if me.municipality_id != Some(issue.municipality_id) || !issue.published {
        return Err(AppError::Forbidden);
    }
    let body = match long_text("body", &input.body, MAX_COMMENT) {
        Ok(body) => body,
        Err(error) => return Ok(Err(vec![error])),
    };

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        issue_id: Uuid,
        body: &'a str,
    }
    let fingerprint = Fingerprint {
        issue_id: issue.id,
        body: &body,
    };
    let added = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "addIssueComment"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let now = ctx.now();
            let comment = issue_comment::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(issue.municipality_id),
                issue_id: Set(issue.id),
                author_id: Set(me.id),
                body: Set(body.clone()),
                hidden_at: Set(None),
                hidden_by: Set(None),
                hidden_reason: Set(None),
                created_at: Set(now),
                deleted_at: Set(None),
            }
            .insert(txn)
            .await?;
            local_issue::Entity::update_many()
                .col_expr(local_issue::Column::LastActivityAt, Expr::value(now))
                .filter(local_issue::Column::Id.eq(issue.id))
                .exec(txn)
                .await?;
            if ctx.notifies() {
                notices::issue_commented(txn, &issue, &comment).await?;
            }
            Ok(Ok(comment.id))
        },
    )
    .await?;
    match added {
        Ok(id) => Ok(Ok(issue_comment::Entity::find_by_id(id)
            .one(ctx.db)
            .await?
            .ok_or(AppError::NotFound)?)),
        Err(errors) => Ok(Err(errors)),
    }
}

/// Hides a comment from the public, with a reason (administrators of its municipality).
/// Administrators still see it, flagged.
#[tracing::instrument(skip_all, fields(comment_id = %id))]
pub async fn hide_comment(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
) -> AppResult<Outcome<issue_comment::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let txn = db::begin_write(ctx.db).await?;
    let comment = issue_comment::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let issue = local_issue::Entity::find_by_id(comment.issue_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !can_see_comment(viewer, &issue, &comment) {
        return Err(AppError::NotFound);
    }
    if !me.administers(issue.municipality_id) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    let reason = problems.check(long_text("reason", reason, MAX_COMMENT));
    if comment.hidden_at.is_some() {
        problems.push(FieldError::input(
            "commentId",
            FieldErrorCode::InvalidState,
            "このコメントはすでに非表示です。",
        ));
    }
    let (Some(reason), true) = (reason, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let mut model = comment.into_active_model();
    model.hidden_at = Set(Some(ctx.now()));
    model.hidden_by = Set(Some(me.id));
    model.hidden_reason = Set(Some(reason));
    let hidden = model.update(&txn).await?;
    txn.commit().await?;
    tracing::info!(comment_id = %hidden.id, by = %me.id, "issue comment hidden");
    Ok(Ok(hidden))
}

/// Shows a hidden comment to the public again (administrators of its municipality); the
/// reason it was hidden goes.
#[tracing::instrument(skip_all, fields(comment_id = %id))]
pub async fn unhide_comment(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Outcome<issue_comment::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let txn = db::begin_write(ctx.db).await?;
    let comment = issue_comment::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let issue = local_issue::Entity::find_by_id(comment.issue_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !can_see_comment(viewer, &issue, &comment) {
        return Err(AppError::NotFound);
    }
    if !me.administers(issue.municipality_id) {
        return Err(AppError::Forbidden);
    }
    if comment.hidden_at.is_none() {
        return Ok(Err(vec![FieldError::input(
            "commentId",
            FieldErrorCode::InvalidState,
            "このコメントは非表示になっていません。",
        )]));
    }
    let mut model = comment.into_active_model();
    model.hidden_at = Set(None);
    model.hidden_by = Set(None);
    model.hidden_reason = Set(None);
    let shown = model.update(&txn).await?;
    txn.commit().await?;
    tracing::info!(comment_id = %shown.id, by = %me.id, "issue comment shown again");
    Ok(Ok(shown))
}

/// Deletes a public comment (its author only): it leaves every read at once and its text
/// is erased. Deleting it again changes nothing and succeeds; a comment an administrator
/// hid may still be deleted by its author. Anyone else who can see the comment gets
/// `FORBIDDEN`, the rest `NOT_FOUND`. Returns the id of the deleted comment.
#[tracing::instrument(skip_all, fields(comment_id = %id))]
pub async fn delete_comment(ctx: ServiceContext<'_>, viewer: &Viewer, id: Uuid) -> AppResult<Uuid> {
    let me = viewer.require_user()?.clone();
    let txn = db::begin_write(ctx.db).await?;
    let comment = issue_comment::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if comment.author_id != me.id {
        let issue = local_issue::Entity::find_by_id(comment.issue_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        return Err(if can_see_comment(viewer, &issue, &comment) {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    if comment.deleted_at.is_some() {
        return Ok(comment.id);
    }
    let mut model = comment.into_active_model();
    model.deleted_at = Set(Some(ctx.now()));
    model.body = Set(String::new());
    let deleted = model.update(&txn).await?;
    // The partners were told of it with its text: that text goes too.
    notify::erase_about(
        &txn,
        deleted.id,
        notices::ISSUE_COMMENTED.code,
        notify::Erased::DeletedByAuthor,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(comment_id = %deleted.id, "issue comment deleted by its author");
    Ok(deleted.id)
}

/// An internal comment on a project, between the municipality's administrators and the
/// project's partner organization.
#[tracing::instrument(skip_all, fields(project_id = %input.subject_id))]
pub async fn add_internal_comment(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: NewComment,
) -> AppResult<Outcome<project_internal_comment::Model>> {
    let me = viewer.require_user()?.clone();
    let project = find_visible_project(ctx.db, viewer, input.subject_id, false).await?;
    if !is_participant(&me, project.municipality_id, project.organization_id) {
        return Err(AppError::Forbidden);
    }
    let body = match long_text("body", &input.body, MAX_COMMENT) {
        Ok(body) => body,
        Err(error) => return Ok(Err(vec![error])),
    };

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        project_id: Uuid,
        body: &'a str,
    }
    let fingerprint = Fingerprint {
        project_id: project.id,
        body: &body,
    };
    let added = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "addInternalComment"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let project = lock_project(txn, project.id).await?;
            if project.status == ProjectStatus::Draft {
                return Ok(Err(vec![FieldError::input(
                    "projectId",
                    FieldErrorCode::InvalidState,
                    "下書きのプロジェクトにはコメントできません。提出してから自治体とやりとりしてください。",
                )]));
            }
            let now = ctx.now();
            let comment = project_internal_comment::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(project.municipality_id),
                project_id: Set(project.id),
                author_id: Set(me.id),
                author_organization_id: Set(me.organization_id),
                author_role: Set(me.role),
                body: Set(body.clone()),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
            partner_project::Entity::update_many()
                .col_expr(partner_project::Column::LastActivityAt, Expr::value(now))
                .filter(partner_project::Column::Id.eq(project.id))
                .exec(txn)
                .await?;
            Ok(Ok(comment.id))
        },
    )
    .await?;
    match added {
        Ok(id) => Ok(Ok(project_internal_comment::Entity::find_by_id(id)
            .one(ctx.db)
            .await?
            .ok_or(AppError::NotFound)?)),
        Err(errors) => Ok(Err(errors)),
    }
}

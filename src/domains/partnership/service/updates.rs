//! Progress updates on active projects.

use chrono::{DateTime, Utc};
use entity::{local_issue, partner_project::ProjectStatus, partner_project_issue, project_update};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect, QueryTrait, sea_query::Expr,
};
use serde::Serialize;
use uuid::Uuid;

use super::{
    MAX_LINE, MAX_TEXT, PARTNERS,
    projects::{announce, lock_project},
    visibility::{find_visible_project, is_member},
};
use crate::domains::partnership::states;
use crate::{
    auth::Viewer,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    idempotency::{self, KeyScope},
    state::ServiceContext,
    text::{long_text, optional_line},
};

/// A progress update on an active project.
#[derive(Debug, Clone)]
pub struct NewUpdate {
    /// The project.
    pub project_id: Uuid,
    /// What happened.
    pub body: String,
    /// Progress, 0–100.
    pub progress_percent: i32,
    /// Milestone reached, if any.
    pub milestone: Option<String>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Posts a progress update on an active project of the viewer's organization.
#[tracing::instrument(skip_all, fields(project_id = %input.project_id))]
pub async fn post_update(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: NewUpdate,
) -> AppResult<Outcome<project_update::Model>> {
    let me = viewer.require_role(PARTNERS)?.clone();
    let project = find_visible_project(ctx.db, viewer, input.project_id, false).await?;
    if !is_member(&me, project.organization_id) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    let body = problems.check(long_text("body", &input.body, MAX_TEXT));
    let progress = match i16::try_from(input.progress_percent) {
        Ok(progress) if (0..=100).contains(&progress) => Some(progress),
        _ => {
            problems.push(FieldError::input(
                "progressPercent",
                FieldErrorCode::Invalid,
                "進捗は0〜100の数で入力してください。",
            ));
            None
        }
    };
    let milestone = problems.check(optional_line(
        "milestone",
        input.milestone.as_deref(),
        MAX_LINE,
    ));
    let (Some(body), Some(progress), Some(milestone), true) =
        (body, progress, milestone, problems.is_empty())
    else {
        return Ok(Err(problems.into_vec()));
    };

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        project_id: Uuid,
        body: &'a str,
        progress: i16,
        milestone: &'a Option<String>,
    }
    let fingerprint = Fingerprint {
        project_id: project.id,
        body: &body,
        progress,
        milestone: &milestone,
    };
    let posted = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "postProjectUpdate"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let project = lock_project(txn, project.id).await?;
            if project.status != ProjectStatus::Active {
                return Ok(Err(vec![FieldError::input(
                    "projectId",
                    FieldErrorCode::InvalidState,
                    format!(
                        "このプロジェクトは現在「{}」のため、進捗を投稿できません。投稿できるのは実施中のプロジェクトだけです。",
                        states::project_label(project.status)
                    ),
                )]));
            }
            let now = ctx.now();
            let update = project_update::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(project.municipality_id),
                project_id: Set(project.id),
                author_id: Set(me.id),
                body: Set(body.clone()),
                progress_percent: Set(progress),
                milestone: Set(milestone.clone()),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
            let mut model = project.clone().into_active_model();
            model.progress_percent = Set(progress);
            model.last_activity_at = Set(now);
            model.update(txn).await?;
            touch_linked_issues(txn, project.id, now).await?;
            Ok(Ok(update.id))
        },
    )
    .await?;
    let id = match posted {
        Ok(id) => id,
        Err(errors) => return Ok(Err(errors)),
    };
    let update = project_update::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    announce(ctx, &project, "updated").await;
    Ok(Ok(update))
}

async fn touch_linked_issues(
    txn: &DatabaseTransaction,
    project_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let linked = partner_project_issue::Entity::find()
        .select_only()
        .column(partner_project_issue::Column::IssueId)
        .filter(partner_project_issue::Column::ProjectId.eq(project_id))
        .into_query();
    local_issue::Entity::update_many()
        .col_expr(local_issue::Column::LastActivityAt, Expr::value(now))
        .filter(local_issue::Column::Id.in_subquery(linked))
        .exec(txn)
        .await?;
    Ok(())
}

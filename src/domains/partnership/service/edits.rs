//! Editing a partner project's texts and issues: checked in one place for the drafts a
//! partner updates and the rejected proposals a partner revises and resubmits.

use chrono::{DateTime, Utc};
use entity::{partner_project, partner_project_issue};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use super::{
    MAX_CONTACT, MAX_TEXT, MAX_TITLE,
    projects::{ProjectChanges, check_issues_to_take_on, dedup, link_issues},
};
use crate::{
    auth::Viewer,
    error::{AppResult, Problems},
    search::{outbox, sources},
    text::{self, long_text},
};

/// The changes to `project` as an active model and the new set of issues, each checked
/// into `problems`; nothing is written.
pub(super) async fn apply_changes(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    project: &partner_project::Model,
    changes: ProjectChanges,
    problems: &mut Problems,
) -> AppResult<(partner_project::ActiveModel, Option<Vec<Uuid>>)> {
    let mut model = project.clone().into_active_model();
    let line = |field: &str, value: &Option<String>, max: usize, problems: &mut Problems| {
        value
            .as_ref()
            .and_then(|value| problems.check(text::required(field, value, max)))
    };
    let long = |field: &str, value: &Option<String>, problems: &mut Problems| {
        value
            .as_ref()
            .and_then(|value| problems.check(long_text(field, value, MAX_TEXT)))
    };
    if let Some(title) = line("title", &changes.title, MAX_TITLE, problems) {
        model.title = Set(title);
    }
    if let Some(reading) = &changes.title_reading
        && let Some(reading) =
            problems.check(text::optional_reading("titleReading", reading.as_deref()))
    {
        model.title_reading = Set(reading);
    }
    if let Some(contact) = line("contact", &changes.contact, MAX_CONTACT, problems) {
        model.contact = Set(contact);
    }
    if let Some(summary) = long("summary", &changes.summary, problems) {
        model.summary = Set(summary);
    }
    if let Some(plan) = long("plan", &changes.plan, problems) {
        model.plan = Set(plan);
    }
    if let Some(outcome) = long("expectedOutcome", &changes.expected_outcome, problems) {
        model.expected_outcome = Set(outcome);
    }
    if let Some(timeline) = long("timeline", &changes.timeline, problems) {
        model.timeline = Set(timeline);
    }
    let issue_ids = changes.issue_ids.map(dedup);
    if let Some(issue_ids) = &issue_ids {
        check_issues_to_take_on(txn, viewer, project.municipality_id, issue_ids, problems).await?;
    }
    Ok((model, issue_ids))
}

/// Writes changes made by [`apply_changes`], with the search document and the new set of
/// issues.
pub(super) async fn save_changes(
    txn: &DatabaseTransaction,
    mut model: partner_project::ActiveModel,
    issue_ids: Option<&[Uuid]>,
    now: DateTime<Utc>,
) -> AppResult<partner_project::Model> {
    model.updated_at = Set(now);
    model.last_activity_at = Set(now);
    let updated = model.update(txn).await?;
    outbox::enqueue(
        txn,
        sources::PARTNER_PROJECT,
        updated.id,
        updated.municipality_id,
    )
    .await?;
    if let Some(issue_ids) = issue_ids {
        partner_project_issue::Entity::delete_many()
            .filter(partner_project_issue::Column::ProjectId.eq(updated.id))
            .exec(txn)
            .await?;
        link_issues(txn, &updated, issue_ids).await?;
    }
    Ok(updated)
}

//! What the partnership domain tells people: the municipality's administrators that a
//! project was submitted (or revised and resubmitted) for review, the partner's staff what the review decided, and the
//! partners working on an issue that a resident commented on it. Written through `notify`
//! in the transaction of the change.

use entity::{
    issue_comment, local_issue,
    partner_project::{self, ProjectStatus},
    partner_project_issue,
    user::{self, Role},
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::states::ProjectStep;
use crate::notify::{self, Kind, Notice, Recipient};

/// A project was submitted for review: the review queue shows it too, so it may be turned
/// off.
pub const PROJECT_SUBMITTED: Kind = Kind::optional(
    "partnership.project_submitted",
    "公民連携プロジェクトの審査依頼",
);
/// A project was approved: the partner may start only now, so it cannot be turned off.
pub const PROJECT_APPROVED: Kind =
    Kind::required("partnership.project_approved", "公民連携プロジェクトの承認");
/// A project was rejected, with the reason: a final decision, so it cannot be turned off.
pub const PROJECT_REJECTED: Kind = Kind::required(
    "partnership.project_rejected",
    "公民連携プロジェクトの不承認",
);
/// A completed project was returned to active with a reason the partner must act on, so it
/// cannot be turned off.
pub const PROJECT_RETURNED: Kind = Kind::required(
    "partnership.project_returned",
    "公民連携プロジェクトの差し戻し",
);
/// A project's outcome was verified: nothing left to do, so it may be turned off.
pub const PROJECT_VERIFIED: Kind = Kind::optional(
    "partnership.project_verified",
    "公民連携プロジェクトの成果確認",
);
/// A resident commented on an issue the partner works on.
pub const ISSUE_COMMENTED: Kind = Kind::optional(
    "partnership.issue_commented",
    "取組中の地域課題への新しいコメント",
);

/// Every kind of message of the domain.
pub const KINDS: &[Kind] = &[
    PROJECT_SUBMITTED,
    PROJECT_APPROVED,
    PROJECT_REJECTED,
    PROJECT_RETURNED,
    PROJECT_VERIFIED,
    ISSUE_COMMENTED,
];

async fn active_users(
    txn: &impl ConnectionTrait,
    filter: sea_orm::Condition,
) -> Result<Vec<Uuid>, DbErr> {
    user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(filter)
        .filter(user::Column::DeactivatedAt.is_null())
        .into_tuple()
        .all(txn)
        .await
}

/// The partner staff of `organizations`.
async fn partner_staff(
    txn: &impl ConnectionTrait,
    organizations: Vec<Uuid>,
) -> Result<Vec<Uuid>, DbErr> {
    active_users(
        txn,
        sea_orm::Condition::all()
            .add(user::Column::Role.eq(Role::Partner))
            .add(user::Column::OrganizationId.is_in(organizations)),
    )
    .await
}

/// Tells whom a project's `step` concerns: the municipality's administrators of a
/// submission, the partner's staff of a review. Call in the transaction of the step.
pub async fn project_step(
    txn: &impl ConnectionTrait,
    project: &partner_project::Model,
    step: ProjectStep,
    comment: Option<&str>,
) -> Result<(), DbErr> {
    let comment = comment
        .map(|comment| format!("\n\nコメント:\n{comment}"))
        .unwrap_or_default();
    let (kind, recipients, title, body, link) = match step {
        ProjectStep::Submit | ProjectStep::Resubmit => {
            let (label, what) = if step == ProjectStep::Resubmit {
                (
                    "再審査依頼",
                    "不承認とした公民連携プロジェクトが修正され、再提出されました。",
                )
            } else {
                ("審査依頼", "公民連携プロジェクトが提出されました。")
            };
            (
                PROJECT_SUBMITTED,
                active_users(
                    txn,
                    sea_orm::Condition::all()
                        .add(user::Column::Role.eq(Role::MunicipalAdmin))
                        .add(user::Column::MunicipalityId.eq(project.municipality_id)),
                )
                .await?,
                format!("【{label}】{}", project.title),
                format!(
                    "{what}内容を確認し、承認または不承認としてください。\n\nプロジェクト: {}\n概要: {}{comment}",
                    project.title, project.summary
                ),
                format!("/admin/partnership/projects/{}", project.id),
            )
        }
        ProjectStep::Approve | ProjectStep::Reject | ProjectStep::Return | ProjectStep::Verify => {
            let (kind, label, next) = match step {
                ProjectStep::Approve => (
                    PROJECT_APPROVED,
                    "承認",
                    "取組を始めてください。進捗は随時報告できます。",
                ),
                ProjectStep::Reject => {
                    (PROJECT_REJECTED, "不承認", "理由はコメントをご覧ください。")
                }
                ProjectStep::Return => (
                    PROJECT_RETURNED,
                    "差し戻し",
                    "コメントの内容を踏まえて取組を続け、改めて完了を報告してください。",
                ),
                _ => (
                    PROJECT_VERIFIED,
                    "成果確認",
                    "ご協力ありがとうございました。",
                ),
            };
            (
                kind,
                partner_staff(txn, vec![project.organization_id]).await?,
                format!("【{label}】{}", project.title),
                format!(
                    "公民連携プロジェクト「{}」が{label}されました。{next}{comment}",
                    project.title
                ),
                format!("/partner/projects/{}", project.id),
            )
        }
        ProjectStep::Complete => return Ok(()),
    };
    for recipient in recipients {
        notify::enqueue(
            txn,
            Notice {
                recipient: Recipient::Account(recipient),
                municipality_id: Some(project.municipality_id),
                kind,
                subject_id: project.id,
                // A project may be returned and completed again: one message per step.
                occasion: project.updated_at.to_rfc3339(),
                title: title.clone(),
                body: body.clone(),
                link: Some(link.clone()),
            },
        )
        .await?;
    }
    Ok(())
}

/// Tells the staff of every partner working on the issue (a project submitted, active or
/// completed) of a new public comment; once per comment and reader. Call in the
/// transaction that added it.
pub async fn issue_commented(
    txn: &impl ConnectionTrait,
    issue: &local_issue::Model,
    comment: &issue_comment::Model,
) -> Result<(), DbErr> {
    let organizations: Vec<Uuid> = partner_project::Entity::find()
        .select_only()
        .column(partner_project::Column::OrganizationId)
        .filter(
            partner_project::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(partner_project_issue::Column::ProjectId)
                    .from(partner_project_issue::Entity)
                    .and_where(partner_project_issue::Column::IssueId.eq(issue.id))
                    .to_owned(),
            ),
        )
        .filter(partner_project::Column::Status.is_in([
            ProjectStatus::Submitted,
            ProjectStatus::Active,
            ProjectStatus::Completed,
        ]))
        .distinct()
        .into_tuple()
        .all(txn)
        .await?;
    if organizations.is_empty() {
        return Ok(());
    }
    for recipient in partner_staff(txn, organizations).await? {
        notify::enqueue(
            txn,
            Notice {
                recipient: Recipient::Account(recipient),
                municipality_id: Some(issue.municipality_id),
                kind: ISSUE_COMMENTED,
                subject_id: comment.id,
                occasion: String::new(),
                title: format!("【新しいコメント】{}", issue.title),
                body: format!(
                    "取組中の地域課題「{}」に住民からコメントが寄せられました。\n\n{}",
                    issue.title, comment.body
                ),
                link: Some(format!("/issues/{}", issue.id)),
            },
        )
        .await?;
    }
    Ok(())
}

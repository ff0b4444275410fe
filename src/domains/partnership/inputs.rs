//! GraphQL inputs of the partnership domain and payloads of its mutations.

use async_graphql::{Enum, ID, InputObject, MaybeUndefined};
use uuid::Uuid;

use super::{
    service,
    types::{
        InternalComment, IssueComment, LocalIssue, LocalIssueCategory, LocalIssueStatus,
        PartnerProject, PartnerProjectStatus, ProjectUpdate,
    },
};
use crate::graphql::ids::NodeKind;
use crate::{error::AppError, graphql::converted, graphql::ids};

/// Where a local issue is. Coordinates are given together or not at all.
#[derive(Debug, Clone, InputObject)]
pub struct IssueLocationInput {
    /// Place name, e.g. 琴ヶ浜 (at most 200 characters).
    pub place_name: Option<String>,
    /// Latitude in degrees, −90 to 90.
    pub latitude: Option<f64>,
    /// Longitude in degrees, −180 to 180.
    pub longitude: Option<f64>,
}

/// Post a local issue (administrators of the municipality).
#[derive(Debug, InputObject)]
pub struct CreateLocalIssueInput {
    /// Municipality; municipal admins may omit it (their own is used).
    pub municipality_id: Option<ID>,
    /// Title (at most 200 characters).
    pub title: String,
    /// Reading of the title (フリガナ): kana, ー, ・ and spaces, at most 400 characters;
    /// hiragana is converted to katakana. A search in kana finds the title by it.
    pub title_reading: Option<String>,
    /// What the issue is and why it matters (at most 5000 characters; line breaks kept).
    pub description: String,
    /// Area of town life.
    pub category: LocalIssueCategory,
    /// Where it is, if it has a place.
    pub location: Option<IssueLocationInput>,
    /// Publish at once; otherwise it is a draft only administrators see.
    #[graphql(default)]
    pub publish: bool,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// Change a local issue. Absent fields stay as they are. The status changes only through
/// `closeLocalIssue`, `reopenLocalIssue` and the partner project steps.
#[derive(Debug, InputObject)]
pub struct UpdateLocalIssueInput {
    /// The issue.
    pub id: ID,
    /// New title.
    pub title: Option<String>,
    /// New reading of the title (as in `createLocalIssue`); `null` or blank removes it.
    pub title_reading: MaybeUndefined<String>,
    /// New description.
    pub description: Option<String>,
    /// New category.
    pub category: Option<LocalIssueCategory>,
    /// New location; `null` removes it.
    pub location: MaybeUndefined<IssueLocationInput>,
    /// Publish (`true`) or take back to draft (`false`; not once a project was proposed).
    pub published: Option<bool>,
}

/// Close an open or in-progress issue as unsolved.
#[derive(Debug, InputObject)]
pub struct CloseLocalIssueInput {
    /// The issue.
    pub id: ID,
    /// Why it is closed; shown in the public status history.
    pub reason: String,
}

/// Reopen a solved or closed issue.
#[derive(Debug, InputObject)]
pub struct ReopenLocalIssueInput {
    /// The issue.
    pub id: ID,
    /// Why it is reopened; shown in the public status history.
    pub reason: String,
}

/// Propose a project (saved as a draft of your organization).
#[derive(Debug, InputObject)]
pub struct CreatePartnerProjectInput {
    /// The open, published issues of your municipality it takes on (1–20).
    pub issue_ids: Vec<ID>,
    /// Title (at most 200 characters).
    pub title: String,
    /// Reading of the title (フリガナ): kana, ー, ・ and spaces, at most 400 characters;
    /// hiragana is converted to katakana. A search in kana finds the title by it.
    pub title_reading: Option<String>,
    /// Summary of the proposal.
    pub summary: String,
    /// What your organization will do.
    pub plan: String,
    /// What the project should achieve.
    pub expected_outcome: String,
    /// Schedule, e.g. 2026年4月〜9月.
    pub timeline: String,
    /// How to reach the project team (at most 500 characters; shown publicly once
    /// approved).
    pub contact: String,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// Change a draft of your organization. Absent fields stay as they are.
#[derive(Debug, InputObject)]
pub struct UpdatePartnerProjectInput {
    /// The project.
    pub id: ID,
    /// New set of issues it takes on (replaces the old set).
    pub issue_ids: Option<Vec<ID>>,
    /// New title.
    pub title: Option<String>,
    /// New reading of the title (as in `createPartnerProject`); `null` or blank removes
    /// it.
    pub title_reading: MaybeUndefined<String>,
    /// New summary.
    pub summary: Option<String>,
    /// New plan.
    pub plan: Option<String>,
    /// New expected outcome.
    pub expected_outcome: Option<String>,
    /// New timeline.
    pub timeline: Option<String>,
    /// New contact.
    pub contact: Option<String>,
}

/// Revise a rejected proposal of your organization and submit it for review again (再提出).
/// Fields left out keep their value; the earlier version is kept as a revision.
#[derive(Debug, InputObject)]
pub struct ReviseAndResubmitPartnerProjectInput {
    /// The rejected project.
    pub id: ID,
    /// New set of issues it takes on (replaces the old set).
    pub issue_ids: Option<Vec<ID>>,
    /// New title.
    pub title: Option<String>,
    /// New reading of the title (as in `createPartnerProject`); `null` or blank removes
    /// it.
    pub title_reading: MaybeUndefined<String>,
    /// New summary.
    pub summary: Option<String>,
    /// New plan.
    pub plan: Option<String>,
    /// New expected outcome.
    pub expected_outcome: Option<String>,
    /// New timeline.
    pub timeline: Option<String>,
    /// New contact.
    pub contact: Option<String>,
    /// What changed in answer to the rejection (at most 2000 characters); shown in the
    /// status history and to the reviewers.
    pub note: Option<String>,
}

/// Submit a draft of your organization for the municipality's review.
#[derive(Debug, InputObject)]
pub struct SubmitPartnerProjectInput {
    /// The project.
    pub id: ID,
}

/// Approve a submitted project.
#[derive(Debug, InputObject)]
pub struct ApprovePartnerProjectInput {
    /// The project.
    pub id: ID,
    /// Review comment, shown in the public status history.
    pub comment: Option<String>,
}

/// Reject a submitted project.
#[derive(Debug, InputObject)]
pub struct RejectPartnerProjectInput {
    /// The project.
    pub id: ID,
    /// Why it is rejected; shown to the partner in the status history.
    pub comment: String,
}

/// Post a progress update on an active project of your organization.
#[derive(Debug, InputObject)]
pub struct PostProjectUpdateInput {
    /// The project.
    pub project_id: ID,
    /// What happened (at most 5000 characters).
    pub body: String,
    /// Progress after this update, 0–100.
    pub progress_percent: i32,
    /// Milestone reached, if any (at most 200 characters).
    pub milestone: Option<String>,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// Report an active project of your organization as completed.
#[derive(Debug, InputObject)]
pub struct CompletePartnerProjectInput {
    /// The project.
    pub id: ID,
    /// What the project achieved (at most 5000 characters); public.
    pub outcome_report: String,
}

/// Verify the outcome of a completed project.
#[derive(Debug, InputObject)]
pub struct VerifyPartnerProjectInput {
    /// The project.
    pub id: ID,
    /// Comment, shown in the public status history.
    pub comment: Option<String>,
}

/// Return a completed project to active.
#[derive(Debug, InputObject)]
pub struct ReturnPartnerProjectInput {
    /// The project.
    pub id: ID,
    /// What is missing; shown in the status history.
    pub reason: String,
}

/// Comment publicly on a published issue of your municipality (residents).
#[derive(Debug, InputObject)]
pub struct AddIssueCommentInput {
    /// The issue.
    pub issue_id: ID,
    /// The comment (at most 2000 characters).
    pub body: String,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// Hide a comment from the public.
#[derive(Debug, InputObject)]
pub struct HideCommentInput {
    /// The comment.
    pub comment_id: ID,
    /// Why it is hidden (administrators see it).
    pub reason: String,
}

/// Delete your own public comment on an issue.
#[derive(Debug, InputObject)]
pub struct DeleteCommentInput {
    /// The comment.
    pub comment_id: ID,
}

/// Show a hidden comment to the public again (administrators).
#[derive(Debug, InputObject)]
pub struct UnhideCommentInput {
    /// The hidden comment.
    pub comment_id: ID,
}

/// Comment internally on a project, between the municipality's administrators and the
/// project's partner organization.
#[derive(Debug, InputObject)]
pub struct AddInternalCommentInput {
    /// The project (not a draft).
    pub project_id: ID,
    /// The comment (at most 2000 characters).
    pub body: String,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// Filter of the `localIssues` list.
#[derive(Debug, Default, InputObject)]
pub struct LocalIssueFilter {
    /// Only this municipality.
    pub municipality_id: Option<ID>,
    /// Only issues in one of these statuses.
    pub statuses: Option<Vec<LocalIssueStatus>>,
    /// Former name of `statuses`; both may be given, and their values add up.
    #[graphql(name = "status", deprecation = "Use statuses")]
    pub status_deprecated: Option<Vec<LocalIssueStatus>>,
    /// Only issues in one of these categories.
    pub categories: Option<Vec<LocalIssueCategory>>,
    /// Former name of `categories`; both may be given, and their values add up.
    #[graphql(name = "category", deprecation = "Use categories")]
    pub category_deprecated: Option<Vec<LocalIssueCategory>>,
    /// Only issues taken on by a project of this partner organization.
    pub partner_organization_id: Option<ID>,
    /// Only published (`true`) or draft (`false`) issues; drafts are seen by
    /// administrators only.
    pub published: Option<bool>,
}

/// Filter of the `partnerProjects` list.
#[derive(Debug, Default, InputObject)]
pub struct PartnerProjectFilter {
    /// Only this municipality.
    pub municipality_id: Option<ID>,
    /// Only projects in one of these statuses.
    pub statuses: Option<Vec<PartnerProjectStatus>>,
    /// Former name of `statuses`; both may be given, and their values add up.
    #[graphql(name = "status", deprecation = "Use statuses")]
    pub status_deprecated: Option<Vec<PartnerProjectStatus>>,
    /// Only projects of this partner organization.
    pub partner_organization_id: Option<ID>,
    /// Only projects taking on this issue.
    pub issue_id: Option<ID>,
}

/// Filter of the `myPartnerProjects` list.
#[derive(Debug, Default, InputObject)]
pub struct MyPartnerProjectFilter {
    /// Only projects in one of these statuses.
    pub statuses: Option<Vec<PartnerProjectStatus>>,
    /// Former name of `statuses`; both may be given, and their values add up.
    #[graphql(name = "status", deprecation = "Use statuses")]
    pub status_deprecated: Option<Vec<PartnerProjectStatus>>,
}

/// Order of the issue and project lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
pub enum PartnershipOrderBy {
    /// Most recent activity first (changes, status changes, updates, comments).
    #[default]
    RecentActivity,
    /// Newest first.
    Newest,
    /// Oldest first.
    Oldest,
}

impl From<IssueLocationInput> for service::Location {
    fn from(input: IssueLocationInput) -> Self {
        Self {
            place_name: input.place_name,
            latitude: input.latitude,
            longitude: input.longitude,
        }
    }
}

impl TryFrom<CreateLocalIssueInput> for service::NewIssue {
    type Error = AppError;

    fn try_from(input: CreateLocalIssueInput) -> Result<Self, AppError> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                input.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            title: input.title,
            title_reading: input.title_reading,
            description: input.description,
            category: input.category.into(),
            location: input.location.map(Into::into),
            publish: input.publish,
            idempotency_key: input.idempotency_key,
        })
    }
}

/// The changes only; the resolver decodes the issue id.
impl From<UpdateLocalIssueInput> for service::IssueChanges {
    fn from(input: UpdateLocalIssueInput) -> Self {
        Self {
            title: input.title,
            title_reading: input.title_reading.into(),
            description: input.description,
            category: input.category.map(Into::into),
            location: input.location.map_value(Into::into).into(),
            published: input.published,
        }
    }
}

impl TryFrom<CreatePartnerProjectInput> for service::NewProject {
    type Error = AppError;

    fn try_from(input: CreatePartnerProjectInput) -> Result<Self, AppError> {
        Ok(Self {
            issue_ids: decode_all(&input.issue_ids, NodeKind::LocalIssue)?,
            texts: service::ProjectTexts {
                title: input.title,
                title_reading: input.title_reading,
                summary: input.summary,
                plan: input.plan,
                expected_outcome: input.expected_outcome,
                timeline: input.timeline,
                contact: input.contact,
            },
            idempotency_key: input.idempotency_key,
        })
    }
}

/// The changes only; the resolver decodes the project id.
impl TryFrom<&ReviseAndResubmitPartnerProjectInput> for service::ProjectChanges {
    type Error = AppError;

    fn try_from(input: &ReviseAndResubmitPartnerProjectInput) -> Result<Self, AppError> {
        Ok(Self {
            issue_ids: input
                .issue_ids
                .as_ref()
                .map(|ids| decode_all(ids, NodeKind::LocalIssue))
                .transpose()?,
            title: input.title.clone(),
            title_reading: input.title_reading.clone().into(),
            summary: input.summary.clone(),
            plan: input.plan.clone(),
            expected_outcome: input.expected_outcome.clone(),
            timeline: input.timeline.clone(),
            contact: input.contact.clone(),
        })
    }
}

impl TryFrom<UpdatePartnerProjectInput> for service::ProjectChanges {
    type Error = AppError;

    fn try_from(input: UpdatePartnerProjectInput) -> Result<Self, AppError> {
        Ok(Self {
            issue_ids: input
                .issue_ids
                .map(|ids| decode_all(&ids, NodeKind::LocalIssue))
                .transpose()?,
            title: input.title,
            title_reading: input.title_reading.into(),
            summary: input.summary,
            plan: input.plan,
            expected_outcome: input.expected_outcome,
            timeline: input.timeline,
            contact: input.contact,
        })
    }
}

impl TryFrom<PostProjectUpdateInput> for service::NewUpdate {
    type Error = AppError;

    fn try_from(input: PostProjectUpdateInput) -> Result<Self, AppError> {
        Ok(Self {
            project_id: ids::decode_as(&input.project_id, NodeKind::PartnerProject)?,
            body: input.body,
            progress_percent: input.progress_percent,
            milestone: input.milestone,
            idempotency_key: input.idempotency_key,
        })
    }
}

impl TryFrom<AddIssueCommentInput> for service::NewComment {
    type Error = AppError;

    fn try_from(input: AddIssueCommentInput) -> Result<Self, AppError> {
        Ok(Self {
            subject_id: ids::decode_as(&input.issue_id, NodeKind::LocalIssue)?,
            body: input.body,
            idempotency_key: input.idempotency_key,
        })
    }
}

impl TryFrom<AddInternalCommentInput> for service::NewComment {
    type Error = AppError;

    fn try_from(input: AddInternalCommentInput) -> Result<Self, AppError> {
        Ok(Self {
            subject_id: ids::decode_as(&input.project_id, NodeKind::PartnerProject)?,
            body: input.body,
            idempotency_key: input.idempotency_key,
        })
    }
}

impl TryFrom<LocalIssueFilter> for service::IssueFilter {
    type Error = AppError;

    fn try_from(filter: LocalIssueFilter) -> Result<Self, AppError> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                filter.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            statuses: converted(crate::graphql::with_former_optional(
                filter.statuses,
                filter.status_deprecated,
            )),
            categories: converted(crate::graphql::with_former_optional(
                filter.categories,
                filter.category_deprecated,
            )),
            partner_organization_id: ids::decode_optional(
                filter.partner_organization_id.as_ref(),
                NodeKind::Organization,
            )?,
            published: filter.published,
        })
    }
}

impl TryFrom<PartnerProjectFilter> for service::ProjectFilter {
    type Error = AppError;

    fn try_from(filter: PartnerProjectFilter) -> Result<Self, AppError> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                filter.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            statuses: converted(crate::graphql::with_former_optional(
                filter.statuses,
                filter.status_deprecated,
            )),
            partner_organization_id: ids::decode_optional(
                filter.partner_organization_id.as_ref(),
                NodeKind::Organization,
            )?,
            issue_id: ids::decode_optional(filter.issue_id.as_ref(), NodeKind::LocalIssue)?,
        })
    }
}

impl From<PartnershipOrderBy> for service::ActivityOrder {
    fn from(order_by: PartnershipOrderBy) -> Self {
        match order_by {
            PartnershipOrderBy::RecentActivity => Self::RecentActivity,
            PartnershipOrderBy::Newest => Self::Newest,
            PartnershipOrderBy::Oldest => Self::Oldest,
        }
    }
}

fn decode_all(values: &[ID], kind: NodeKind) -> Result<Vec<Uuid>, AppError> {
    values.iter().map(|id| ids::decode_as(id, kind)).collect()
}

use crate::mutation_payload as payload;

payload!(
    /// Result of `createLocalIssue`.
    CreateLocalIssuePayload { issue: LocalIssue, "The new issue." }
);
payload!(
    /// Result of `updateLocalIssue`.
    UpdateLocalIssuePayload { issue: LocalIssue, "The issue as changed." }
);
payload!(
    /// Result of `closeLocalIssue`.
    CloseLocalIssuePayload { issue: LocalIssue, "The closed issue." }
);
payload!(
    /// Result of `reopenLocalIssue`.
    ReopenLocalIssuePayload { issue: LocalIssue, "The reopened issue." }
);
payload!(
    /// Result of `createPartnerProject`.
    CreatePartnerProjectPayload { project: PartnerProject, "The new draft." }
);
payload!(
    /// Result of `updatePartnerProject`.
    UpdatePartnerProjectPayload { project: PartnerProject, "The draft as changed." }
);
payload!(
    /// Result of `submitPartnerProject`.
    SubmitPartnerProjectPayload { project: PartnerProject, "The submitted project." }
);
payload!(
    /// Result of `approvePartnerProject`.
    ApprovePartnerProjectPayload { project: PartnerProject, "The approved, active project." }
);
payload!(
    /// Result of `rejectPartnerProject`.
    RejectPartnerProjectPayload { project: PartnerProject, "The rejected project." }
);
payload!(
    /// Result of `postProjectUpdate`.
    PostProjectUpdatePayload { update: ProjectUpdate, "The new update." }
);
payload!(
    /// Result of `completePartnerProject`.
    CompletePartnerProjectPayload { project: PartnerProject, "The completed project." }
);
payload!(
    /// Result of `verifyPartnerProject`.
    VerifyPartnerProjectPayload { project: PartnerProject, "The verified project." }
);
payload!(
    /// Result of `returnPartnerProject`.
    ReturnPartnerProjectPayload { project: PartnerProject, "The project, active again." }
);
payload!(
    /// Result of `addIssueComment`.
    AddIssueCommentPayload { comment: IssueComment, "The new comment." }
);
payload!(
    /// Result of `hideComment`.
    HideCommentPayload { comment: IssueComment, "The hidden comment." }
);
payload!(
    /// Result of `reviseAndResubmitPartnerProject`.
    ReviseAndResubmitPartnerProjectPayload { project: PartnerProject, "The project, submitted for review again." }
);
payload!(
    /// Result of `deleteComment`.
    DeleteCommentPayload { deleted_comment_id: ID, "Global id of the deleted comment." }
);
payload!(
    /// Result of `unhideComment`.
    UnhideCommentPayload { comment: IssueComment, "The comment, public again." }
);
payload!(
    /// Result of `addInternalComment`.
    AddInternalCommentPayload { comment: InternalComment, "The new comment." }
);

//! GraphQL entry points of the partnership domain: adapters of a few lines over the service.

use async_graphql::{Context, ID, Object, Result, ResultExt};

use super::{
    inputs::{
        AddInternalCommentInput, AddInternalCommentPayload, AddIssueCommentInput,
        AddIssueCommentPayload, ApprovePartnerProjectInput, ApprovePartnerProjectPayload,
        CloseLocalIssueInput, CloseLocalIssuePayload, CompletePartnerProjectInput,
        CompletePartnerProjectPayload, CreateLocalIssueInput, CreateLocalIssuePayload,
        CreatePartnerProjectInput, CreatePartnerProjectPayload, DeleteCommentInput,
        DeleteCommentPayload, HideCommentInput, HideCommentPayload, LocalIssueFilter,
        MyPartnerProjectFilter, PartnerProjectFilter, PartnershipOrderBy, PostProjectUpdateInput,
        PostProjectUpdatePayload, RejectPartnerProjectInput, RejectPartnerProjectPayload,
        ReopenLocalIssueInput, ReopenLocalIssuePayload, ReturnPartnerProjectInput,
        ReturnPartnerProjectPayload, ReviseAndResubmitPartnerProjectInput,
        ReviseAndResubmitPartnerProjectPayload, SubmitPartnerProjectInput,
        SubmitPartnerProjectPayload, UpdateLocalIssueInput, UpdateLocalIssuePayload,
        UpdatePartnerProjectInput, UpdatePartnerProjectPayload, VerifyPartnerProjectInput,
        VerifyPartnerProjectPayload,
    },
    service::{self, PARTNERS, RESIDENTS},
    types::{
        LocalIssueConnection, LocalIssueStatusCounts, PartnerProjectConnection,
        PartnerProjectStatusCounts,
    },
};
use crate::graphql::guard::{RoleGuard, SignedIn};
use crate::graphql::ids::NodeKind;
use crate::{
    auth::ADMINS,
    graphql::converted,
    graphql::{connection::page_cost, context, ids, payload::split},
};

/// Queries of the partnership domain.
#[derive(Default)]
pub struct PartnershipQuery;

#[Object]
impl PartnershipQuery {
    /// Local issues (地域課題) you can see: published ones for everyone, drafts for the
    /// municipality's administrators.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn local_issues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which issues.", default)] filter: LocalIssueFilter,
        #[graphql(desc = "Order of the list.", default)] order_by: PartnershipOrderBy,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<LocalIssueConnection> {
        let (state, viewer) = context(ctx)?;
        let filter = service::IssueFilter::try_from(filter).extend()?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(
            service::list_issues(state.into(), viewer, filter, order_by.into(), page)
                .await
                .extend()?
                .into_connection(),
        )
    }

    /// Partner projects you can see: active, completed and verified ones for everyone;
    /// submitted and rejected ones also for the municipality's administrators; drafts only
    /// for their own organization.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn partner_projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which projects.", default)] filter: PartnerProjectFilter,
        #[graphql(desc = "Order of the list.", default)] order_by: PartnershipOrderBy,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<PartnerProjectConnection> {
        let (state, viewer) = context(ctx)?;
        let filter = service::ProjectFilter::try_from(filter).extend()?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(
            service::list_projects(state.into(), viewer, filter, order_by.into(), page)
                .await
                .extend()?
                .into_connection(),
        )
    }

    /// Every project of your partner organization, drafts included (partners).
    #[graphql(
        guard = "RoleGuard(PARTNERS)",
        complexity = "page_cost(first, last, child_complexity)"
    )]
    async fn my_partner_projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which projects.", default)] filter: MyPartnerProjectFilter,
        #[graphql(desc = "Order of the list.", default)] order_by: PartnershipOrderBy,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<PartnerProjectConnection> {
        let (state, viewer) = context(ctx)?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(service::list_my_projects(
            state.into(),
            viewer,
            converted(crate::graphql::with_former_optional(
                filter.statuses,
                filter.status_deprecated,
            )),
            order_by.into(),
            page,
        )
        .await
        .extend()?
        .into_connection())
    }

    /// Local issues of a municipality per status, as far as you can see them. `solved` is
    /// the number of issues solved through public-private partnership.
    async fn local_issue_status_counts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the municipality.")] municipality_id: ID,
    ) -> Result<LocalIssueStatusCounts> {
        let (state, viewer) = context(ctx)?;
        let municipality_id = ids::decode_as(&municipality_id, NodeKind::Municipality).extend()?;
        Ok(
            service::issue_status_counts(state.into(), viewer, municipality_id)
                .await
                .extend()?
                .into(),
        )
    }

    /// Partner projects of a municipality per status, as far as you can see them.
    async fn partner_project_status_counts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the municipality.")] municipality_id: ID,
    ) -> Result<PartnerProjectStatusCounts> {
        let (state, viewer) = context(ctx)?;
        let municipality_id = ids::decode_as(&municipality_id, NodeKind::Municipality).extend()?;
        Ok(
            service::project_status_counts(state.into(), viewer, municipality_id)
                .await
                .extend()?
                .into(),
        )
    }
}

/// Mutations of the partnership domain.
#[derive(Default)]
pub struct PartnershipMutation;

#[Object]
impl PartnershipMutation {
    /// Post a local issue in a municipality you administer, as a draft or published.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn create_local_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new issue.")] input: CreateLocalIssueInput,
    ) -> Result<CreateLocalIssuePayload> {
        let (state, viewer) = context(ctx)?;
        let new_issue = service::NewIssue::try_from(input).extend()?;
        let outcome = service::create_issue(state.into(), viewer, new_issue)
            .await
            .extend()?;
        let (issue, user_errors) = split(outcome);
        Ok(CreateLocalIssuePayload { issue, user_errors })
    }

    /// Change the texts, category, location or publication of an issue you administer.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn update_local_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The issue and its changes.")] input: UpdateLocalIssueInput,
    ) -> Result<UpdateLocalIssuePayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::LocalIssue).extend()?;
        let changes = input.into();
        let outcome = service::update_issue(state.into(), viewer, id, changes)
            .await
            .extend()?;
        let (issue, user_errors) = split(outcome);
        Ok(UpdateLocalIssuePayload { issue, user_errors })
    }

    /// Close an open or in-progress issue as unsolved, with a reason.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn close_local_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The issue and the reason.")] input: CloseLocalIssueInput,
    ) -> Result<CloseLocalIssuePayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::LocalIssue).extend()?;
        let outcome = service::close_issue(state.into(), viewer, id, &input.reason)
            .await
            .extend()?;
        let (issue, user_errors) = split(outcome);
        Ok(CloseLocalIssuePayload { issue, user_errors })
    }

    /// Reopen a solved or closed issue, with a reason. A reopened issue no longer counts
    /// as solved.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn reopen_local_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The issue and the reason.")] input: ReopenLocalIssueInput,
    ) -> Result<ReopenLocalIssuePayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::LocalIssue).extend()?;
        let outcome = service::reopen_issue(state.into(), viewer, id, &input.reason)
            .await
            .extend()?;
        let (issue, user_errors) = split(outcome);
        Ok(ReopenLocalIssuePayload { issue, user_errors })
    }

    /// Propose a project against open, published issues of your municipality; it is saved
    /// as a draft of your organization (partners).
    #[graphql(guard = "RoleGuard(PARTNERS)")]
    async fn create_partner_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal.")] input: CreatePartnerProjectInput,
    ) -> Result<CreatePartnerProjectPayload> {
        let (state, viewer) = context(ctx)?;
        let new_project = service::NewProject::try_from(input).extend()?;
        let outcome = service::create_project(state.into(), viewer, new_project)
            .await
            .extend()?;
        let (project, user_errors) = split(outcome);
        Ok(CreatePartnerProjectPayload {
            project,
            user_errors,
        })
    }

    /// Change a draft of your organization (partners).
    #[graphql(guard = "RoleGuard(PARTNERS)")]
    async fn update_partner_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft and its changes.")] input: UpdatePartnerProjectInput,
    ) -> Result<UpdatePartnerProjectPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::PartnerProject).extend()?;
        let changes = service::ProjectChanges::try_from(input).extend()?;
        let outcome = service::update_project(state.into(), viewer, id, changes)
            .await
            .extend()?;
        let (project, user_errors) = split(outcome);
        Ok(UpdatePartnerProjectPayload {
            project,
            user_errors,
        })
    }

    /// Submit a draft of your organization for the municipality's review (partners).
    #[graphql(guard = "RoleGuard(PARTNERS)")]
    async fn submit_partner_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft to submit.")] input: SubmitPartnerProjectInput,
    ) -> Result<SubmitPartnerProjectPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::PartnerProject).extend()?;
        let outcome = service::submit_project(state.into(), viewer, id)
            .await
            .extend()?;
        let (project, user_errors) = split(outcome);
        Ok(SubmitPartnerProjectPayload {
            project,
            user_errors,
        })
    }

    /// Approve a submitted project of a municipality you administer: it becomes active
    /// and public, and each linked open issue becomes in progress.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn approve_partner_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project and an optional comment.")] input: ApprovePartnerProjectInput,
    ) -> Result<ApprovePartnerProjectPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::PartnerProject).extend()?;
        let outcome = service::approve_project(state.into(), viewer, id, input.comment.as_deref())
            .await
            .extend()?;
        let (project, user_errors) = split(outcome);
        Ok(ApprovePartnerProjectPayload {
            project,
            user_errors,
        })
    }

    /// Reject a submitted project of a municipality you administer, with a comment.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn reject_partner_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project and the comment.")] input: RejectPartnerProjectInput,
    ) -> Result<RejectPartnerProjectPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::PartnerProject).extend()?;
        let outcome = service::reject_project(state.into(), viewer, id, &input.comment)
            .await
            .extend()?;
        let (project, user_errors) = split(outcome);
        Ok(RejectPartnerProjectPayload {
            project,
            user_errors,
        })
    }

    /// Revise a rejected proposal of your organization and submit it for review again
    /// (partners): it goes back to submitted, the earlier texts are kept as a revision
    /// with the rejection they answer, and the municipality's administrators are told. A
    /// project that is not rejected is refused with `INVALID_STATE`.
    #[graphql(guard = "RoleGuard(PARTNERS)")]
    async fn revise_and_resubmit_partner_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rejected project, its changes and a note.")]
        input: ReviseAndResubmitPartnerProjectInput,
    ) -> Result<ReviseAndResubmitPartnerProjectPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::PartnerProject).extend()?;
        let changes = service::ProjectChanges::try_from(&input).extend()?;
        let outcome = service::revise_and_resubmit_project(
            state.into(),
            viewer,
            id,
            changes,
            input.note.as_deref(),
        )
        .await
        .extend()?;
        let (project, user_errors) = split(outcome);
        Ok(ReviseAndResubmitPartnerProjectPayload {
            project,
            user_errors,
        })
    }

    /// Post a progress update on an active project of your organization (partners).
    #[graphql(guard = "RoleGuard(PARTNERS)")]
    async fn post_project_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project and the update.")] input: PostProjectUpdateInput,
    ) -> Result<PostProjectUpdatePayload> {
        let (state, viewer) = context(ctx)?;
        let new_update = service::NewUpdate::try_from(input).extend()?;
        let outcome = service::post_update(state.into(), viewer, new_update)
            .await
            .extend()?;
        let (update, user_errors) = split(outcome);
        Ok(PostProjectUpdatePayload {
            update,
            user_errors,
        })
    }

    /// Report an active project of your organization as completed, with its outcome
    /// (partners). The municipality then verifies it or returns it.
    #[graphql(guard = "RoleGuard(PARTNERS)")]
    async fn complete_partner_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project and its outcome report.")] input: CompletePartnerProjectInput,
    ) -> Result<CompletePartnerProjectPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::PartnerProject).extend()?;
        let outcome = service::complete_project(state.into(), viewer, id, &input.outcome_report)
            .await
            .extend()?;
        let (project, user_errors) = split(outcome);
        Ok(CompletePartnerProjectPayload {
            project,
            user_errors,
        })
    }

    /// Verify the outcome of a completed project of a municipality you administer: each
    /// linked in-progress issue becomes solved and counts toward the KPI.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn verify_partner_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project and an optional comment.")] input: VerifyPartnerProjectInput,
    ) -> Result<VerifyPartnerProjectPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::PartnerProject).extend()?;
        let outcome = service::verify_project(state.into(), viewer, id, input.comment.as_deref())
            .await
            .extend()?;
        let (project, user_errors) = split(outcome);
        Ok(VerifyPartnerProjectPayload {
            project,
            user_errors,
        })
    }

    /// Return a completed project of a municipality you administer to active, with a
    /// reason.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn return_partner_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project and the reason.")] input: ReturnPartnerProjectInput,
    ) -> Result<ReturnPartnerProjectPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::PartnerProject).extend()?;
        let outcome = service::return_project(state.into(), viewer, id, &input.reason)
            .await
            .extend()?;
        let (project, user_errors) = split(outcome);
        Ok(ReturnPartnerProjectPayload {
            project,
            user_errors,
        })
    }

    /// Comment publicly on a published issue of your municipality (residents).
    #[graphql(guard = "RoleGuard(RESIDENTS)")]
    async fn add_issue_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The issue and the comment.")] input: AddIssueCommentInput,
    ) -> Result<AddIssueCommentPayload> {
        let (state, viewer) = context(ctx)?;
        let new_comment = service::NewComment::try_from(input).extend()?;
        let outcome = service::add_issue_comment(state.into(), viewer, new_comment)
            .await
            .extend()?;
        let (comment, user_errors) = split(outcome);
        Ok(AddIssueCommentPayload {
            comment,
            user_errors,
        })
    }

    /// Hide an issue comment from the public, with a reason (administrators of its
    /// municipality; they still see it, flagged).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn hide_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The comment and the reason.")] input: HideCommentInput,
    ) -> Result<HideCommentPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.comment_id, NodeKind::IssueComment).extend()?;
        let outcome = service::hide_comment(state.into(), viewer, id, &input.reason)
            .await
            .extend()?;
        let (comment, user_errors) = split(outcome);
        Ok(HideCommentPayload {
            comment,
            user_errors,
        })
    }

    /// Delete your own public comment on an issue: it disappears from every read at once
    /// and its text is erased. Deleting it again succeeds and changes nothing; a comment
    /// an administrator hid can still be deleted. Someone else's comment: `FORBIDDEN` if
    /// you can see it, else `NOT_FOUND`.
    #[graphql(guard = "SignedIn")]
    async fn delete_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Your comment.")] input: DeleteCommentInput,
    ) -> Result<DeleteCommentPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.comment_id, NodeKind::IssueComment).extend()?;
        let deleted = service::delete_comment(state.into(), viewer, id)
            .await
            .extend()?;
        Ok(DeleteCommentPayload {
            deleted_comment_id: Some(ids::encode(NodeKind::IssueComment, deleted)),
            user_errors: Vec::new(),
        })
    }

    /// Show a hidden issue comment to the public again (administrators of its
    /// municipality). A comment that is not hidden is refused with `INVALID_STATE`.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn unhide_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hidden comment.")] input: super::inputs::UnhideCommentInput,
    ) -> Result<super::inputs::UnhideCommentPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.comment_id, NodeKind::IssueComment).extend()?;
        let outcome = service::unhide_comment(state.into(), viewer, id)
            .await
            .extend()?;
        let (comment, user_errors) = split(outcome);
        Ok(super::inputs::UnhideCommentPayload {
            comment,
            user_errors,
        })
    }

    /// Comment internally on a project: the municipality's administrators and the
    /// project's partner organization only.
    #[graphql(guard = "SignedIn")]
    async fn add_internal_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project and the comment.")] input: AddInternalCommentInput,
    ) -> Result<AddInternalCommentPayload> {
        let (state, viewer) = context(ctx)?;
        let new_comment = service::NewComment::try_from(input).extend()?;
        let outcome = service::add_internal_comment(state.into(), viewer, new_comment)
            .await
            .extend()?;
        let (comment, user_errors) = split(outcome);
        Ok(AddInternalCommentPayload {
            comment,
            user_errors,
        })
    }
}

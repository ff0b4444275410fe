//! GraphQL entry points of the employment domain: adapters of a few lines over the
//! service.

use async_graphql::{Context, ID, Object, Result, ResultExt};

use super::{
    inputs::{
        CloseEmploymentEnrollmentInput, EmploymentEnrollmentFilter, EmploymentEnrollmentOrderBy,
        EmploymentEnrollmentPayload, EmploymentFollowUpFilter, EnrollJobSeekerInput,
        EnrollJobSeekerPayload, EnrollmentRegistrationInput, RecordFollowUpInput,
        RecordFollowUpPayload, RecordPlacementInput, RecordPlacementPayload,
        UpdateEmploymentEnrollmentInput,
    },
    service,
    types::{
        EmploymentEnrollmentConnection, EmploymentFollowUpConnection, EmploymentReport,
        MyEmploymentEnrollment, ReportAudience,
    },
};
use crate::graphql::guard::SignedIn;
use crate::graphql::ids::NodeKind;
use crate::graphql::{connection::page_cost, context, ids, payload::split};

/// Queries of the employment domain.
#[derive(Default)]
pub struct EmploymentQuery;

#[Object]
impl EmploymentQuery {
    /// Enrollments of a municipality (its employment team), newest first unless ordered
    /// otherwise. Every enrollment listed is written to the personal-data access log.
    #[graphql(
        guard = "SignedIn",
        complexity = "page_cost(first, last, child_complexity)"
    )]
    async fn employment_enrollments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which enrollments.", default)] filter: EmploymentEnrollmentFilter,
        #[graphql(desc = "Order of the list.", default)] order_by: EmploymentEnrollmentOrderBy,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<EmploymentEnrollmentConnection> {
        let (state, viewer) = context(ctx)?;
        let filter = service::EnrollmentFilter::try_from(filter).extend()?;
        let order = order_by.into();
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(service::list_enrollments(
            &state.db,
            viewer,
            filter,
            order,
            page,
            state.limits.max_page_size,
        )
        .await
        .extend()?
        .into_connection())
    }

    /// Your own enrollments in employment support (就職支援), newest first: those your
    /// career advisor linked to your account. The seminars you attended, the jobs you
    /// found and their checkpoints, without the advisor's internal notes. Empty when none
    /// is linked to you.
    #[graphql(guard = "SignedIn")]
    async fn my_employment_enrollments(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<MyEmploymentEnrollment>> {
        let (state, viewer) = context(ctx)?;
        Ok(service::my_enrollments(&state.db, viewer)
            .await
            .extend()?
            .into_iter()
            .map(MyEmploymentEnrollment::from)
            .collect())
    }

    /// Follow-up checkpoints of a municipality (its employment team), earliest due first:
    /// e.g. `filter: { mine: true, dueState: [DUE, OVERDUE] }` for your open tasks.
    #[graphql(
        guard = "SignedIn",
        complexity = "page_cost(first, last, child_complexity)"
    )]
    async fn employment_follow_ups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which checkpoints.", default)] filter: EmploymentFollowUpFilter,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<EmploymentFollowUpConnection> {
        let (state, viewer) = context(ctx)?;
        let filter = service::FollowUpFilter::try_from(filter).extend()?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(
            service::list_follow_ups(&state.db, viewer, filter, page, state.limits.max_page_size)
                .await
                .extend()?
                .into_connection(),
        )
    }

    /// Employment support of a municipality in a fiscal year (年度): enrollments,
    /// placements by employment type, the regular-employment rate of women placed and
    /// retention at each checkpoint. `TEAM` (exact counts) is for the employment team and
    /// administrators; `PUBLISHED` withholds counts below the suppression threshold and
    /// may be read by anyone.
    async fn employment_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the municipality.")] municipality_id: ID,
        #[graphql(desc = "The fiscal year, e.g. 2026 for April 2026 – March 2027.")]
        fiscal_year: i32,
        #[graphql(
            desc = "Who the report is for.",
            default_with = "ReportAudience::Published"
        )]
        audience: ReportAudience,
    ) -> Result<EmploymentReport> {
        let (state, viewer) = context(ctx)?;
        let municipality_id = ids::decode_as(&municipality_id, NodeKind::Municipality).extend()?;
        Ok(service::report(
            &state.db,
            viewer,
            municipality_id,
            fiscal_year,
            audience.into(),
            state.limits.employment_suppression_threshold,
        )
        .await
        .extend()?
        .into())
    }
}

/// Mutations of the employment domain.
#[derive(Default)]
pub struct EmploymentMutation;

#[Object]
impl EmploymentMutation {
    /// Enroll a job seeker: a resident account of the municipality, or a name and contact
    /// (career advisors of an employment-support office, or administrators).
    #[graphql(guard = "SignedIn")]
    async fn enroll_job_seeker(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job seeker and the enrollment.")] input: EnrollJobSeekerInput,
    ) -> Result<EnrollJobSeekerPayload> {
        let (state, viewer) = context(ctx)?;
        let new = service::NewEnrollment::try_from(input).extend()?;
        let outcome = service::enroll(state.into(), viewer, new).await.extend()?;
        let (enrollment, user_errors) = split(outcome);
        Ok(EnrollJobSeekerPayload {
            enrollment,
            user_errors,
        })
    }

    /// Change an enrollment: gender, track, consent, notes, advisor, contact.
    #[graphql(guard = "SignedIn")]
    async fn update_employment_enrollment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The enrollment and its changes.")] input: UpdateEmploymentEnrollmentInput,
    ) -> Result<EmploymentEnrollmentPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::EmploymentEnrollment).extend()?;
        let changes = service::EnrollmentChanges::try_from(input).extend()?;
        let outcome = service::update_enrollment(state.into(), viewer, id, changes)
            .await
            .extend()?;
        let (enrollment, user_errors) = split(outcome);
        Ok(EmploymentEnrollmentPayload {
            enrollment,
            user_errors,
        })
    }

    /// End the support of an open enrollment (found work, withdrew, moved away, …). The
    /// follow-ups of its placements go on.
    #[graphql(guard = "SignedIn")]
    async fn close_employment_enrollment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The enrollment and why it ends.")] input: CloseEmploymentEnrollmentInput,
    ) -> Result<EmploymentEnrollmentPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::EmploymentEnrollment).extend()?;
        let outcome = service::close_enrollment(
            state.into(),
            viewer,
            id,
            input.reason.into(),
            input.closed_on.map(Into::into),
            input.note,
        )
        .await
        .extend()?;
        let (enrollment, user_errors) = split(outcome);
        Ok(EmploymentEnrollmentPayload {
            enrollment,
            user_errors,
        })
    }

    /// Attach a seminar or workshop the job seeker attended (a registration with status
    /// attended, e.g. made as a guest) to their enrollment. Attaching twice changes nothing.
    #[graphql(guard = "SignedIn")]
    async fn attach_registration_to_enrollment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The enrollment and the registration.")]
        input: EnrollmentRegistrationInput,
    ) -> Result<EmploymentEnrollmentPayload> {
        let (state, viewer) = context(ctx)?;
        let enrollment_id =
            ids::decode_as(&input.enrollment_id, NodeKind::EmploymentEnrollment).extend()?;
        let registration_id =
            ids::decode_as(&input.registration_id, NodeKind::Registration).extend()?;
        let outcome =
            service::attach_registration(state.into(), viewer, enrollment_id, registration_id)
                .await
                .extend()?;
        let (enrollment, user_errors) = split(outcome);
        Ok(EmploymentEnrollmentPayload {
            enrollment,
            user_errors,
        })
    }

    /// Detach a registration attached by hand.
    #[graphql(guard = "SignedIn")]
    async fn detach_registration_from_enrollment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The enrollment and the registration.")]
        input: EnrollmentRegistrationInput,
    ) -> Result<EmploymentEnrollmentPayload> {
        let (state, viewer) = context(ctx)?;
        let enrollment_id =
            ids::decode_as(&input.enrollment_id, NodeKind::EmploymentEnrollment).extend()?;
        let registration_id =
            ids::decode_as(&input.registration_id, NodeKind::Registration).extend()?;
        let outcome =
            service::detach_registration(state.into(), viewer, enrollment_id, registration_id)
                .await
                .extend()?;
        let (enrollment, user_errors) = split(outcome);
        Ok(EmploymentEnrollmentPayload {
            enrollment,
            user_errors,
        })
    }

    /// Record a job an enrolled job seeker found. With consent to follow-up, checkpoints at
    /// 3, 6 and 12 months after the start are created as tasks of the advisor.
    #[graphql(guard = "SignedIn")]
    async fn record_placement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The enrollment and the job.")] input: RecordPlacementInput,
    ) -> Result<RecordPlacementPayload> {
        let (state, viewer) = context(ctx)?;
        let new = service::NewPlacement::try_from(input).extend()?;
        let outcome = service::record_placement(state.into(), viewer, new)
            .await
            .extend()?;
        let (placement, user_errors) = split(outcome);
        Ok(RecordPlacementPayload {
            placement,
            user_errors,
        })
    }

    /// Record the answer of a follow-up checkpoint: still employed, and how.
    #[graphql(guard = "SignedIn")]
    async fn record_follow_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The checkpoint and the answer.")] input: RecordFollowUpInput,
    ) -> Result<RecordFollowUpPayload> {
        let (state, viewer) = context(ctx)?;
        let answer = service::FollowUpAnswer::try_from(input).extend()?;
        let outcome = service::record_follow_up(state.into(), viewer, answer)
            .await
            .extend()?;
        let (follow_up, user_errors) = split(outcome);
        Ok(RecordFollowUpPayload {
            follow_up,
            user_errors,
        })
    }
}

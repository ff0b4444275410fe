//! GraphQL entry points of the relocation domain: adapters of a few lines over the service.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result, ResultExt, Subscription};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use super::{
    inputs::{
        AddConciergeLeaveInput, AddConciergeLeavePayload, AddInquiryNoteInput, AssignInquiryInput,
        CloseInquiryInput, CompleteInquiryTaskInput, ConciergeProfilePayload,
        CreateInquiryTaskInput, InquiryStatusPayload, InquiryTaskPayload, LogInquiryContactInput,
        MoveInquiryStageInput, PurgeClosedInquiriesInput, PurgeClosedInquiriesPayload,
        ReassignInquiryInput, RecordMoveInInput, RelocationInquiryFilter, RelocationInquiryOrderBy,
        RelocationInquiryPayload, RemoveConciergeLeaveInput, SaveConciergeProfileInput,
        ScheduleInquiryAppointmentInput, SendInquiryMessageInput, SetConciergeAvailabilityInput,
        SubmitRelocationInquiryInput, SubmitRelocationInquiryPayload, UnassignInquiryInput,
        UpdateInquiryDetailsInput, UpdateRelocationSettingsInput, UpdateRelocationSettingsPayload,
        WithdrawRelocationConsentInput, WithdrawRelocationConsentPayload,
    },
    service::{self, Handover},
    types::{
        ConciergeAppointmentConnection, ConciergeProfile, ConciergeTaskConnection, FunnelStep,
        InquiryAccessLogConnection, InquiryEvent, InquiryEventKind, RelocationFunnel,
        RelocationInquiryConnection, RelocationInquiryStatus, RelocationSettings, StageCount,
    },
};
use crate::graphql::guard::RoleGuard;
use crate::graphql::ids::NodeKind;
use crate::{
    auth::{ADMINS, Role},
    fiscal,
    graphql::{connection::page_cost, context, ids, payload::split},
};

/// Roles that work inquiries.
const STAFF: &[Role] = &[Role::PlatformAdmin, Role::MunicipalAdmin, Role::Concierge];
/// Concierges only.
const CONCIERGES: &[Role] = &[Role::Concierge];

/// Queries of the relocation domain.
#[derive(Default)]
pub struct RelocationQuery;

#[Object]
impl RelocationQuery {
    /// The status of your inquiry, by reference code and tracking token: stage, concierge
    /// and next appointment, no personal data. Null when either is wrong.
    async fn relocation_inquiry_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Reference code, e.g. MB-7K3Q-9F2D.")] reference_code: String,
        #[graphql(desc = "Tracking token received with the inquiry.")] tracking_token: String,
    ) -> Result<Option<RelocationInquiryStatus>> {
        let (state, _) = context(ctx)?;
        Ok(
            service::public_status(state.into(), &reference_code, &tracking_token)
                .await
                .extend()?
                .map(Into::into),
        )
    }

    /// Inquiries of a municipality (its administrators; concierges see their own and the
    /// unassigned queue), newest first. Every item read is written to the access log.
    #[graphql(
        guard = "RoleGuard(STAFF)",
        complexity = "page_cost(first, last, child_complexity)"
    )]
    async fn relocation_inquiries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which inquiries.", default)] filter: RelocationInquiryFilter,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
        #[graphql(desc = "Order of the list.", default)] order_by: RelocationInquiryOrderBy,
    ) -> Result<RelocationInquiryConnection> {
        let (state, viewer) = context(ctx)?;
        let filter = service::InquiryFilter::try_from(filter).extend()?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(
            service::list_inquiries(state.into(), viewer, filter, order_by.into(), page)
                .await
                .extend()?
                .into_connection(),
        )
    }

    /// Your day (concierges, and administrators holding inquiries): the open tasks of the
    /// inquiries you hold, due first (`task.overdue` marks those past their day), each with
    /// its inquiry. Every inquiry shown is written to the access log.
    #[graphql(
        guard = "RoleGuard(STAFF)",
        complexity = "page_cost(first, last, child_complexity)"
    )]
    async fn my_inquiry_tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<ConciergeTaskConnection> {
        let (state, viewer) = context(ctx)?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(service::my_tasks(state.into(), viewer, page)
            .await
            .extend()?
            .into_connection())
    }

    /// The appointments to come with the families of the inquiries you hold, soonest
    /// first, with kind, place and inquiry. Every inquiry shown is written to the access log.
    #[graphql(
        guard = "RoleGuard(STAFF)",
        complexity = "page_cost(first, last, child_complexity)"
    )]
    async fn my_inquiry_appointments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<ConciergeAppointmentConnection> {
        let (state, viewer) = context(ctx)?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(service::my_appointments(state.into(), viewer, page)
            .await
            .extend()?
            .into_connection())
    }

    /// Who read which inquiry's personal data, and when, newest first (administrators of
    /// the municipality). The same rows as `personalDataAccessLog` with
    /// `subjectKind: "relocation_inquiry"`.
    #[graphql(
        guard = "RoleGuard(ADMINS)",
        complexity = "page_cost(first, last, child_complexity)",
        deprecation = "Use `personalDataAccessLog` with the subject kind `relocation_inquiry`: the access log of every domain."
    )]
    async fn inquiry_access_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The municipality; municipal admins may omit it.")]
        municipality_id: Option<ID>,
        #[graphql(desc = "Only reads of this inquiry.")] inquiry_id: Option<ID>,
        #[graphql(desc = "Only reads by this staff member (a `User`).")] user_id: Option<ID>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<InquiryAccessLogConnection> {
        let (state, viewer) = context(ctx)?;
        let filter = service::AccessLogFilter {
            municipality_id: ids::decode_optional(municipality_id.as_ref(), NodeKind::Municipality)
                .extend()?,
            inquiry_id: ids::decode_optional(inquiry_id.as_ref(), NodeKind::RelocationInquiry)
                .extend()?,
            user_id: ids::decode_optional(user_id.as_ref(), NodeKind::User).extend()?,
        };
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(
            service::access_log(&state.db, viewer, filter, page, state.limits.max_page_size)
                .await
                .extend()?
                .into_connection(),
        )
    }

    /// How many inquiries reached each stage in a fiscal year (年度, 1 April – 31 March,
    /// Asia/Tokyo), from the stage changes on their timelines (administrators).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn relocation_funnel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The municipality; municipal admins may omit it.")]
        municipality_id: Option<ID>,
        #[graphql(desc = "The fiscal year, e.g. 2026 for 1 April 2026 – 31 March 2027.")]
        fiscal_year: i32,
    ) -> Result<RelocationFunnel> {
        let (state, viewer) = context(ctx)?;
        let municipality_id =
            ids::decode_optional(municipality_id.as_ref(), NodeKind::Municipality).extend()?;
        let steps = service::funnel(&state.db, viewer, municipality_id, fiscal_year)
            .await
            .extend()?;
        let (from, until) = fiscal::bounds(fiscal_year)
            .ok_or_else(|| crate::error::AppError::BadUserInput("fiscalYear".into()).extend())?;
        Ok(RelocationFunnel {
            fiscal_year,
            from,
            until,
            steps: steps
                .into_iter()
                .map(|(stage, inquiries)| FunnelStep {
                    stage: stage.into(),
                    inquiries,
                })
                .collect(),
        })
    }

    /// Inquiries per stage (the kanban columns), as far as you can see them.
    #[graphql(guard = "RoleGuard(STAFF)")]
    async fn relocation_stage_counts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The municipality; staff of one municipality may omit it.")]
        municipality_id: Option<ID>,
    ) -> Result<Vec<StageCount>> {
        let (state, viewer) = context(ctx)?;
        let municipality_id =
            ids::decode_optional(municipality_id.as_ref(), NodeKind::Municipality).extend()?;
        Ok(service::stage_counts(state.into(), viewer, municipality_id)
            .await
            .extend()?
            .into_iter()
            .map(|(stage, count)| StageCount {
                stage: stage.into(),
                count,
            })
            .collect())
    }

    /// Concierge profiles of a municipality (its administrators and concierges).
    #[graphql(guard = "RoleGuard(STAFF)")]
    async fn concierge_profiles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The municipality; staff of one municipality may omit it.")]
        municipality_id: Option<ID>,
    ) -> Result<Vec<ConciergeProfile>> {
        let (state, viewer) = context(ctx)?;
        let municipality_id =
            ids::decode_optional(municipality_id.as_ref(), NodeKind::Municipality).extend()?;
        Ok(service::list_profiles(&state.db, viewer, municipality_id)
            .await
            .extend()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Relocation settings of a municipality (its administrators).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn relocation_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The municipality; municipal admins may omit it.")]
        municipality_id: Option<ID>,
    ) -> Result<RelocationSettings> {
        let (state, viewer) = context(ctx)?;
        let me = viewer.require_user().extend()?;
        let municipality_id =
            ids::decode_optional(municipality_id.as_ref(), NodeKind::Municipality)
                .extend()?
                .or(me.municipality_id)
                .ok_or_else(|| {
                    crate::error::AppError::BadUserInput("give a municipalityId".into()).extend()
                })?;
        viewer.require_admin_of(municipality_id).extend()?;
        Ok(service::settings_of(&state.db, municipality_id)
            .await
            .extend()?
            .into())
    }
}

/// Mutations of the relocation domain.
#[derive(Default)]
pub struct RelocationMutation;

#[Object]
impl RelocationMutation {
    /// Send a relocation inquiry (移住相談) to a municipality; no account needed.
    /// Rate-limited per client. Returns a reference code and a secret tracking token.
    async fn submit_relocation_inquiry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The inquiry.")] input: SubmitRelocationInquiryInput,
    ) -> Result<SubmitRelocationInquiryPayload> {
        let (state, viewer) = context(ctx)?;
        let new = service::NewInquiry::try_from(input).extend()?;
        let outcome = service::submit_inquiry(state.into(), viewer, new)
            .await
            .extend()?;
        let (receipt, user_errors) = split(outcome);
        Ok(SubmitRelocationInquiryPayload {
            receipt,
            user_errors,
        })
    }

    /// Withdraw consent to the privacy notice with your tracking token: the inquiry's
    /// personal data is erased at once and it is closed. Rate-limited per client.
    async fn withdraw_relocation_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Reference code and tracking token.")]
        input: WithdrawRelocationConsentInput,
    ) -> Result<WithdrawRelocationConsentPayload> {
        let (state, viewer) = context(ctx)?;
        state
            .limiter
            .hit(
                &format!("relocation-withdraw:{}", viewer.client_ip),
                crate::rate_limit::Quota::per_minute(state.limits.public_rate_per_minute),
            )
            .await
            .extend()?;
        let status =
            service::withdraw_consent(state.into(), &input.reference_code, &input.tracking_token)
                .await
                .extend()?;
        let user_errors = if status.is_none() {
            vec![crate::graphql::payload::UserError::from(
                crate::error::FieldError::whole(
                    crate::error::FieldErrorCode::NotFound,
                    "受付番号または確認用トークンが正しくありません。",
                ),
            )]
        } else {
            Vec::new()
        };
        Ok(WithdrawRelocationConsentPayload {
            status: status.map(Into::into),
            user_errors,
        })
    }

    /// Write to your concierge with your reference code and tracking token; the message
    /// goes on the inquiry's timeline and the concierge (while nobody holds the inquiry, the
    /// municipality's administrators) is notified. Rate-limited per client. A wrong code or
    /// token is answered `NOT_FOUND`; a closed or erased inquiry `INVALID_STATE`.
    async fn send_inquiry_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Reference code, tracking token and message.")]
        input: SendInquiryMessageInput,
    ) -> Result<InquiryStatusPayload> {
        let (state, viewer) = context(ctx)?;
        let outcome = service::send_family_message(
            state.into(),
            viewer,
            &input.reference_code,
            &input.tracking_token,
            &input.body,
        )
        .await
        .extend()?;
        Ok(tracked_payload(outcome))
    }

    /// Change your email, phone or desired timing with your reference code and tracking
    /// token; the timeline records which fields changed. Rate-limited per client. A wrong
    /// code or token is answered `NOT_FOUND`; a closed or erased inquiry `INVALID_STATE`.
    async fn update_inquiry_details(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Reference code, tracking token and the changes.")]
        input: UpdateInquiryDetailsInput,
    ) -> Result<InquiryStatusPayload> {
        let (state, viewer) = context(ctx)?;
        let code = input.reference_code.clone();
        let token = input.tracking_token.clone();
        let outcome =
            service::update_family_details(state.into(), viewer, &code, &token, input.into())
                .await
                .extend()?;
        Ok(tracked_payload(outcome))
    }

    /// Create or replace a concierge's profile (administrators of the municipality).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn save_concierge_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The profile.")] input: SaveConciergeProfileInput,
    ) -> Result<ConciergeProfilePayload> {
        let (state, viewer) = context(ctx)?;
        let profile = service::ProfileInput::try_from(input).extend()?;
        let outcome = service::save_profile(state.into(), viewer, profile)
            .await
            .extend()?;
        let (profile, user_errors) = split(outcome);
        Ok(ConciergeProfilePayload {
            profile,
            user_errors,
        })
    }

    /// Turn a concierge's availability on or off (administrators, or concierges for
    /// themselves). Turning it on assigns waiting inquiries at once.
    #[graphql(guard = "RoleGuard(STAFF)")]
    async fn set_concierge_availability(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who and whether.")] input: SetConciergeAvailabilityInput,
    ) -> Result<ConciergeProfilePayload> {
        let (state, viewer) = context(ctx)?;
        let user_id = ids::decode_optional(input.user_id.as_ref(), NodeKind::User).extend()?;
        let outcome = service::set_availability(state.into(), viewer, user_id, input.available)
            .await
            .extend()?;
        let (profile, user_errors) = split(outcome);
        Ok(ConciergeProfilePayload {
            profile,
            user_errors,
        })
    }

    /// Record a leave period (administrators, or concierges for themselves).
    #[graphql(guard = "RoleGuard(STAFF)")]
    async fn add_concierge_leave(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The leave period.")] input: AddConciergeLeaveInput,
    ) -> Result<AddConciergeLeavePayload> {
        let (state, viewer) = context(ctx)?;
        let user_id = ids::decode_optional(input.user_id.as_ref(), NodeKind::User).extend()?;
        let outcome = service::add_leave(
            state.into(),
            viewer,
            user_id,
            input.starts_at,
            input.ends_at,
            input.note,
        )
        .await
        .extend()?;
        let (leave, user_errors) = split(outcome);
        Ok(AddConciergeLeavePayload { leave, user_errors })
    }

    /// End or cancel a leave period; waiting inquiries are assigned at once.
    #[graphql(guard = "RoleGuard(STAFF)")]
    async fn remove_concierge_leave(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The leave period.")] input: RemoveConciergeLeaveInput,
    ) -> Result<ConciergeProfilePayload> {
        let (state, viewer) = context(ctx)?;
        let leave_id = ids::decode_as(&input.leave_id, NodeKind::ConciergeLeave).extend()?;
        let outcome = service::remove_leave(state.into(), viewer, leave_id)
            .await
            .extend()?;
        let (profile, user_errors) = split(outcome);
        Ok(ConciergeProfilePayload {
            profile,
            user_errors,
        })
    }

    /// Change a municipality's relocation settings, e.g. the assignment strategy
    /// (administrators).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn update_relocation_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateRelocationSettingsInput,
    ) -> Result<UpdateRelocationSettingsPayload> {
        let (state, viewer) = context(ctx)?;
        let municipality_id =
            ids::decode_optional(input.municipality_id.as_ref(), NodeKind::Municipality)
                .extend()?;
        let changes = input.into();
        let outcome = service::update_settings(state.into(), viewer, municipality_id, changes)
            .await
            .extend()?;
        let (settings, user_errors) = split(outcome);
        Ok(UpdateRelocationSettingsPayload {
            settings,
            user_errors,
        })
    }

    /// Give an unassigned inquiry to a concierge (administrators).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn assign_inquiry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Inquiry and concierge.")] input: AssignInquiryInput,
    ) -> Result<RelocationInquiryPayload> {
        let concierge = ids::decode_as(&input.concierge_id, NodeKind::User).extend()?;
        hand_over(ctx, &input.inquiry_id, Handover::Assign(concierge)).await
    }

    /// Move an assigned inquiry to another concierge, with a reason (administrators).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn reassign_inquiry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Inquiry, new concierge and reason.")] input: ReassignInquiryInput,
    ) -> Result<RelocationInquiryPayload> {
        let concierge = ids::decode_as(&input.concierge_id, NodeKind::User).extend()?;
        hand_over(
            ctx,
            &input.inquiry_id,
            Handover::Reassign(concierge, input.reason),
        )
        .await
    }

    /// Take an inquiry off its concierge, with a reason (administrators).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn unassign_inquiry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Inquiry and reason.")] input: UnassignInquiryInput,
    ) -> Result<RelocationInquiryPayload> {
        hand_over(ctx, &input.inquiry_id, Handover::Unassign(input.reason)).await
    }

    /// Move an inquiry to the next stage of the pipeline (its concierge or an
    /// administrator). Skipping stages is refused with `INVALID_STATE`.
    #[graphql(guard = "RoleGuard(STAFF)")]
    async fn move_inquiry_stage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Inquiry and stage.")] input: MoveInquiryStageInput,
    ) -> Result<RelocationInquiryPayload> {
        let (state, viewer) = context(ctx)?;
        let step = service::StageMove::try_from(input).extend()?;
        let outcome = service::move_stage(state.into(), viewer, step)
            .await
            .extend()?;
        let (inquiry, user_errors) = split(outcome);
        Ok(RelocationInquiryPayload {
            inquiry,
            user_errors,
        })
    }

    /// Close an inquiry without a move-in, with a reason (its concierge or an
    /// administrator). The concierge's capacity frees at once.
    #[graphql(guard = "RoleGuard(STAFF)")]
    async fn close_inquiry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Inquiry and reason.")] input: CloseInquiryInput,
    ) -> Result<RelocationInquiryPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.inquiry_id, NodeKind::RelocationInquiry).extend()?;
        let outcome =
            service::close_inquiry(state.into(), viewer, id, input.reason.into(), input.note)
                .await
                .extend()?;
        let (inquiry, user_errors) = split(outcome);
        Ok(RelocationInquiryPayload {
            inquiry,
            user_errors,
        })
    }

    /// Record that a family moved in (its concierge or an administrator).
    #[graphql(guard = "RoleGuard(STAFF)")]
    async fn record_move_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Inquiry and outcome.")] input: RecordMoveInInput,
    ) -> Result<RelocationInquiryPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.inquiry_id, NodeKind::RelocationInquiry).extend()?;
        let move_in = input.into();
        let outcome = service::record_move_in(state.into(), viewer, id, move_in)
            .await
            .extend()?;
        let (inquiry, user_errors) = split(outcome);
        Ok(RelocationInquiryPayload {
            inquiry,
            user_errors,
        })
    }

    /// Anonymize the municipality's inquiries closed or moved in longer ago than the
    /// retention period of its settings (administrators). Personal data and timeline texts
    /// are erased; stages, household sizes and move-in outcomes stay for statistics.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn purge_closed_inquiries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The municipality.", default)] input: PurgeClosedInquiriesInput,
    ) -> Result<PurgeClosedInquiriesPayload> {
        let (state, viewer) = context(ctx)?;
        let municipality_id =
            ids::decode_optional(input.municipality_id.as_ref(), NodeKind::Municipality)
                .extend()?;
        let (anonymized_count, retention_days) =
            service::purge_closed_of(state.into(), viewer, municipality_id)
                .await
                .extend()?;
        Ok(PurgeClosedInquiriesPayload {
            anonymized_count,
            retention_days,
            user_errors: Vec::new(),
        })
    }

    /// Add a note to an inquiry's timeline (its concierge or an administrator).
    #[graphql(guard = "RoleGuard(STAFF)")]
    async fn add_inquiry_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Inquiry and note.")] input: AddInquiryNoteInput,
    ) -> Result<RelocationInquiryPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.inquiry_id, NodeKind::RelocationInquiry).extend()?;
        let outcome = service::add_note(state.into(), viewer, id, &input.body)
            .await
            .extend()?;
        let (inquiry, user_errors) = split(outcome);
        Ok(RelocationInquiryPayload {
            inquiry,
            user_errors,
        })
    }

    /// Log a phone call, email, online meeting or meeting in person with the family (its
    /// concierge or an administrator). The first one is the first response of the SLA.
    #[graphql(guard = "RoleGuard(STAFF)")]
    async fn log_inquiry_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Inquiry, channel, summary and time.")] input: LogInquiryContactInput,
    ) -> Result<RelocationInquiryPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.inquiry_id, NodeKind::RelocationInquiry).extend()?;
        let outcome = service::log_contact(
            state.into(),
            viewer,
            id,
            input.channel.into(),
            &input.summary,
            input.at,
        )
        .await
        .extend()?;
        let (inquiry, user_errors) = split(outcome);
        Ok(RelocationInquiryPayload {
            inquiry,
            user_errors,
        })
    }

    /// Schedule a visit, trial stay or online consultation (its concierge or an
    /// administrator). The family sees the earliest upcoming one as the next appointment.
    #[graphql(guard = "RoleGuard(STAFF)")]
    async fn schedule_inquiry_appointment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Inquiry, time, kind and place.")] input: ScheduleInquiryAppointmentInput,
    ) -> Result<RelocationInquiryPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.inquiry_id, NodeKind::RelocationInquiry).extend()?;
        let appointment = input.into();
        let outcome = service::schedule_appointment(state.into(), viewer, id, appointment)
            .await
            .extend()?;
        let (inquiry, user_errors) = split(outcome);
        Ok(RelocationInquiryPayload {
            inquiry,
            user_errors,
        })
    }

    /// Create a task with a due date on an inquiry (its concierge or an administrator).
    #[graphql(guard = "RoleGuard(STAFF)")]
    async fn create_inquiry_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Inquiry, title, due date and assignee.")] input: CreateInquiryTaskInput,
    ) -> Result<InquiryTaskPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.inquiry_id, NodeKind::RelocationInquiry).extend()?;
        let task = service::NewTask::try_from(input).extend()?;
        let outcome = service::create_task(state.into(), viewer, id, task)
            .await
            .extend()?;
        let (task, user_errors) = split(outcome);
        Ok(InquiryTaskPayload { task, user_errors })
    }

    /// Mark a task done (the inquiry's concierge or an administrator).
    #[graphql(guard = "RoleGuard(STAFF)")]
    async fn complete_inquiry_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task.")] input: CompleteInquiryTaskInput,
    ) -> Result<InquiryTaskPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.task_id, NodeKind::InquiryTask).extend()?;
        let outcome = service::complete_task(state.into(), viewer, id)
            .await
            .extend()?;
        let (task, user_errors) = split(outcome);
        Ok(InquiryTaskPayload { task, user_errors })
    }
}

/// The payload of a family's tracked mutation: a wrong code or token is one `NOT_FOUND`
/// error, the same as `withdrawRelocationConsent` gives.
fn tracked_payload(
    outcome: Option<crate::error::Outcome<service::PublicStatus>>,
) -> InquiryStatusPayload {
    match outcome {
        None => InquiryStatusPayload {
            status: None,
            user_errors: vec![crate::graphql::payload::UserError::from(
                crate::error::FieldError::whole(
                    crate::error::FieldErrorCode::NotFound,
                    "受付番号または確認用トークンが正しくありません。",
                ),
            )],
        },
        Some(outcome) => {
            let (status, user_errors) = split(outcome);
            InquiryStatusPayload {
                status,
                user_errors,
            }
        }
    }
}

async fn hand_over(
    ctx: &Context<'_>,
    inquiry_id: &ID,
    handover: Handover,
) -> Result<RelocationInquiryPayload> {
    let (state, viewer) = context(ctx)?;
    let id = ids::decode_as(inquiry_id, NodeKind::RelocationInquiry).extend()?;
    let outcome = service::hand_over(state.into(), viewer, id, handover)
        .await
        .extend()?;
    let (inquiry, user_errors) = split(outcome);
    Ok(RelocationInquiryPayload {
        inquiry,
        user_errors,
    })
}

/// Subscriptions of the relocation domain.
#[derive(Default)]
pub struct RelocationSubscription;

#[Subscription]
impl RelocationSubscription {
    /// Your inquiries as they change (concierges): assigned to you, changed, taken off you.
    #[graphql(guard = "RoleGuard(CONCIERGES)")]
    async fn my_inquiry_events(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = InquiryEvent> + use<>> {
        let (state, viewer) = context(ctx)?;
        let me = viewer.require_user().map_err(|e| e.extend())?.id;
        let events = BroadcastStream::new(state.events.subscribe());
        Ok(events.filter_map(move |event| async move {
            let event = event.ok()?;
            if event.user_id != Some(me) {
                return None;
            }
            let kind = match event.topic.as_str() {
                service::TOPIC_ASSIGNED => InquiryEventKind::Assigned,
                service::TOPIC_CHANGED => InquiryEventKind::Changed,
                service::TOPIC_UNASSIGNED => InquiryEventKind::Unassigned,
                _ => return None,
            };
            Some(InquiryEvent {
                kind,
                inquiry_id: ids::encode(NodeKind::RelocationInquiry, event.subject_id),
                occurred_at: event.occurred_at,
            })
        }))
    }
}

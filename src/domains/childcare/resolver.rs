//! GraphQL entry points of the childcare domain: adapters of a few lines over the service.

use async_graphql::{Context, ID, Object, Result, ResultExt};

use super::{
    inputs::{
        AddChildcareChildInput, BookTemporaryChildcareInput, BookTemporaryChildcarePayload,
        CancelChildcareBookingInput, CancelChildcareBookingPayload, CancelChildcareSlotInput,
        ChildcareBookingPayload, ChildcareBookingRulesPayload, ChildcareBookingsWhen,
        ChildcareChildPayload, ChildcareResourceFilter, ChildcareResourceOrder,
        ChildcareResourcePayload, ChildcareSlotPayload, CreateChildcareResourceInput,
        CreateChildcareSlotsInput, CreateChildcareSlotsPayload, LeaveChildcareWaitlistInput,
        MarkChildcareAttendanceInput, RecordChildcareVisitsInput, RecordChildcareVisitsPayload,
        RemoveChildcareChildInput, RemoveChildcareHoursExceptionInput,
        SetChildcareBookingRulesInput, SetChildcareHoursExceptionInput,
        SetChildcareOpeningHoursInput, SubmitChildcareSurveyInput, SubmitChildcareSurveyPayload,
        UpdateChildcareChildInput, UpdateChildcareResourceInput, UpdateChildcareSlotInput,
    },
    service,
    types::{
        ChildcareBookingConnection, ChildcareChild, ChildcareResourceConnection,
        ChildcareSatisfaction, ChildcareUsageReport, ChildcareVisitTotals,
    },
};
use crate::graphql::guard::SignedIn;
use crate::graphql::ids::NodeKind;
use crate::graphql::scalars::Date;
use crate::graphql::{connection::page_cost, context, ids, payload::split};

/// Queries of the childcare domain.
#[derive(Default)]
pub struct ChildcareQuery;

#[Object]
impl ChildcareQuery {
    /// Childcare resources you can see (published ones for everyone), filtered by kind,
    /// municipality, child age and opening time, ordered by name or distance.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn childcare_resources(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which resources.", default)] filter: ChildcareResourceFilter,
        #[graphql(desc = "How to order them (by name when absent).")] order_by: Option<
            ChildcareResourceOrder,
        >,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<ChildcareResourceConnection> {
        let (state, viewer) = context(ctx)?;
        let filter = service::ResourceFilter::try_from(filter).extend()?;
        let order = order_by.unwrap_or_default().into();
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(
            service::list_resources(state.into(), viewer, filter, order, page)
                .await
                .extend()?
                .into_connection(),
        )
    }

    /// The bookings of a resource on a date, with the children's details (its staff).
    #[graphql(
        guard = "SignedIn",
        complexity = "page_cost(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn childcare_bookings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource.")] resource_id: ID,
        #[graphql(desc = "The date (Japan).")] date: Date,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<ChildcareBookingConnection> {
        let (state, viewer) = context(ctx)?;
        let resource_id = ids::decode_as(&resource_id, NodeKind::ChildcareResource).extend()?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(
            service::bookings_on(state.into(), viewer, resource_id, date.0, page)
                .await
                .extend()?
                .into_connection(),
        )
    }

    /// Your own temporary childcare bookings, past and future (booked, waiting, cancelled
    /// with the reason, attended, no-show): all of them the most recently made first, the
    /// upcoming ones soonest first, or the past ones the most recent first.
    #[graphql(
        guard = "SignedIn",
        complexity = "page_cost(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn my_childcare_bookings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which bookings (all when absent).", default)] when: ChildcareBookingsWhen,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<ChildcareBookingConnection> {
        let (state, viewer) = context(ctx)?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(
            service::my_bookings(state.into(), viewer, when.into(), page)
                .await
                .extend()?
                .into_connection(),
        )
    }

    /// The children you registered for temporary childcare, by kana.
    #[graphql(guard = "SignedIn")]
    async fn my_childcare_children(&self, ctx: &Context<'_>) -> Result<Vec<ChildcareChild>> {
        let (state, viewer) = context(ctx)?;
        Ok(service::my_children(state.into(), viewer)
            .await
            .extend()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Visits per resource and month of a fiscal year (staff of the municipality: admins see
    /// every resource, program staff their own organization's).
    #[graphql(guard = "SignedIn")]
    async fn childcare_usage_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the municipality.")] municipality_id: ID,
        #[graphql(desc = "The fiscal year (年度, April–March).")] fiscal_year: i32,
    ) -> Result<ChildcareUsageReport> {
        let (state, viewer) = context(ctx)?;
        let municipality_id = ids::decode_as(&municipality_id, NodeKind::Municipality).extend()?;
        let rows = service::usage_report(state.into(), viewer, municipality_id, fiscal_year)
            .await
            .extend()?;
        let plaza_visits = match service::require_admin(viewer, municipality_id) {
            Ok(()) => {
                let (adults, children, total) =
                    service::plaza_visits(&state.db, municipality_id, fiscal_year)
                        .await
                        .extend()?;
                Some(ChildcareVisitTotals {
                    adults,
                    children,
                    total,
                })
            }
            Err(_) => None,
        };
        Ok(ChildcareUsageReport {
            fiscal_year,
            rows: rows.into_iter().map(Into::into).collect(),
            plaza_visits,
        })
    }

    /// Satisfaction of temporary childcare users in a fiscal year (admins of the
    /// municipality).
    #[graphql(guard = "SignedIn")]
    async fn temporary_childcare_satisfaction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the municipality.")] municipality_id: ID,
        #[graphql(desc = "The fiscal year (年度, April–March).")] fiscal_year: i32,
    ) -> Result<ChildcareSatisfaction> {
        let (state, viewer) = context(ctx)?;
        let municipality_id = ids::decode_as(&municipality_id, NodeKind::Municipality).extend()?;
        service::require_admin(viewer, municipality_id).extend()?;
        let figures =
            service::temporary_childcare_satisfaction(&state.db, municipality_id, fiscal_year)
                .await
                .extend()?;
        Ok(ChildcareSatisfaction::of(fiscal_year, figures))
    }
}

/// Mutations of the childcare domain.
#[derive(Default)]
pub struct ChildcareMutation;

#[Object]
impl ChildcareMutation {
    /// Add a resource to the directory (admins of the municipality, or program staff for
    /// their own organization).
    #[graphql(guard = "SignedIn")]
    async fn create_childcare_resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new resource.")] input: CreateChildcareResourceInput,
    ) -> Result<ChildcareResourcePayload> {
        let (state, viewer) = context(ctx)?;
        let new_resource = service::NewResource::try_from(input).extend()?;
        let outcome = service::create_resource(&state.db, viewer, new_resource)
            .await
            .extend()?;
        Ok(resource_payload(outcome))
    }

    /// Change a resource you edit; publish or withdraw it.
    #[graphql(guard = "SignedIn")]
    async fn update_childcare_resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource and its changes.")] input: UpdateChildcareResourceInput,
    ) -> Result<ChildcareResourcePayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::ChildcareResource).extend()?;
        let changes = input.into();
        let outcome = service::update_resource(&state.db, viewer, id, changes)
            .await
            .extend()?;
        Ok(resource_payload(outcome))
    }

    /// Replace the weekly opening hours of a resource you edit.
    #[graphql(guard = "SignedIn")]
    async fn set_childcare_opening_hours(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource and its week.")] input: SetChildcareOpeningHoursInput,
    ) -> Result<ChildcareResourcePayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.resource_id, NodeKind::ChildcareResource).extend()?;
        let weekly = input
            .hours
            .into_iter()
            .map(|h| (h.weekday.index(), h.opens, h.closes))
            .collect();
        let outcome = service::set_opening_hours(&state.db, viewer, id, weekly)
            .await
            .extend()?;
        Ok(resource_payload(outcome))
    }

    /// Close a resource you edit on one date, or give it special hours that day.
    #[graphql(guard = "SignedIn")]
    async fn set_childcare_hours_exception(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource, the date and its hours.")]
        input: SetChildcareHoursExceptionInput,
    ) -> Result<ChildcareResourcePayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.resource_id, NodeKind::ChildcareResource).extend()?;
        let intervals = input
            .intervals
            .into_iter()
            .map(|i| (i.opens, i.closes))
            .collect();
        let outcome = service::set_hours_exception(
            &state.db,
            viewer,
            id,
            input.date.into(),
            input.closed,
            intervals,
            input.note,
        )
        .await
        .extend()?;
        Ok(resource_payload(outcome))
    }

    /// Remove the exception of one date of a resource you edit.
    #[graphql(guard = "SignedIn")]
    async fn remove_childcare_hours_exception(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource and the date.")] input: RemoveChildcareHoursExceptionInput,
    ) -> Result<ChildcareResourcePayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.resource_id, NodeKind::ChildcareResource).extend()?;
        let outcome = service::remove_hours_exception(&state.db, viewer, id, input.date.into())
            .await
            .extend()?;
        Ok(resource_payload(outcome))
    }

    /// Record the visitors of a resource you staff on a date; again for the same date
    /// replaces the counts.
    #[graphql(guard = "SignedIn")]
    async fn record_childcare_visits(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource, the date and the counts.")]
        input: RecordChildcareVisitsInput,
    ) -> Result<RecordChildcareVisitsPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.resource_id, NodeKind::ChildcareResource).extend()?;
        let outcome = service::record_visits(
            &state.db,
            viewer,
            id,
            input.date.into(),
            input.adults,
            input.children,
        )
        .await
        .extend()?;
        let (visit, user_errors) = split(outcome);
        Ok(RecordChildcareVisitsPayload { visit, user_errors })
    }

    /// Set the booking rules of a resource you edit.
    #[graphql(guard = "SignedIn")]
    async fn set_childcare_booking_rules(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource and its rules.")] input: SetChildcareBookingRulesInput,
    ) -> Result<ChildcareBookingRulesPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.resource_id, NodeKind::ChildcareResource).extend()?;
        let rules = input.into();
        let outcome = service::set_booking_rules(&state.db, viewer, id, rules)
            .await
            .extend()?;
        let (rules, user_errors) = split(outcome);
        Ok(ChildcareBookingRulesPayload { rules, user_errors })
    }

    /// Create temporary childcare slots on a date or on weekdays of a range of dates.
    #[graphql(guard = "SignedIn")]
    async fn create_childcare_slots(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource, dates, time and capacity.")]
        input: CreateChildcareSlotsInput,
    ) -> Result<CreateChildcareSlotsPayload> {
        let (state, viewer) = context(ctx)?;
        let new_slots = service::NewSlots::try_from(input).extend()?;
        let outcome = service::create_slots(&state.db, viewer, new_slots)
            .await
            .extend()?;
        Ok(match outcome {
            Ok(slots) => CreateChildcareSlotsPayload {
                slots: slots.into_iter().map(Into::into).collect(),
                user_errors: Vec::new(),
            },
            Err(errors) => CreateChildcareSlotsPayload {
                slots: Vec::new(),
                user_errors: errors.into_iter().map(Into::into).collect(),
            },
        })
    }

    /// Book temporary childcare for your children (residents of the municipality): one
    /// booking per day, in one group. Refusals name the rule broken.
    #[graphql(guard = "SignedIn")]
    async fn book_temporary_childcare(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The slots and the children.")] input: BookTemporaryChildcareInput,
    ) -> Result<BookTemporaryChildcarePayload> {
        let (state, viewer) = context(ctx)?;
        let new_booking = service::NewBooking::try_from(input).extend()?;
        let outcome = service::book(state.into(), viewer, new_booking)
            .await
            .extend()?;
        Ok(match outcome {
            Ok(bookings) => BookTemporaryChildcarePayload {
                bookings: bookings.into_iter().map(Into::into).collect(),
                user_errors: Vec::new(),
            },
            Err(errors) => BookTemporaryChildcarePayload {
                bookings: Vec::new(),
                user_errors: errors.into_iter().map(Into::into).collect(),
            },
        })
    }

    /// Cancel a booking (or its whole group of days).
    #[graphql(guard = "SignedIn")]
    async fn cancel_childcare_booking(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The booking.")] input: CancelChildcareBookingInput,
    ) -> Result<CancelChildcareBookingPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::ChildcareBooking).extend()?;
        let outcome = service::cancel_booking(state.into(), viewer, id, input.cancel_whole_group)
            .await
            .extend()?;
        Ok(match outcome {
            Ok(bookings) => CancelChildcareBookingPayload {
                bookings: bookings.into_iter().map(Into::into).collect(),
                user_errors: Vec::new(),
            },
            Err(errors) => CancelChildcareBookingPayload {
                bookings: Vec::new(),
                user_errors: errors.into_iter().map(Into::into).collect(),
            },
        })
    }

    /// Change the capacity, time or note of a slot that has not started (staff who create
    /// its slots). The capacity never drops below the children booked; places added go to
    /// the waitlist; a new time is told to the families booked or waiting.
    #[graphql(guard = "SignedIn")]
    async fn update_childcare_slot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The slot and its changes.")] input: UpdateChildcareSlotInput,
    ) -> Result<ChildcareSlotPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::ChildcareSlot).extend()?;
        let outcome = service::update_slot(state.into(), viewer, id, input.into())
            .await
            .extend()?;
        let (slot, user_errors) = split(outcome);
        Ok(ChildcareSlotPayload { slot, user_errors })
    }

    /// Cancel (中止) a slot that has not started, with a reason (staff who create its
    /// slots): its bookings, booked or waiting, are cancelled and every family is told.
    #[graphql(guard = "SignedIn")]
    async fn cancel_childcare_slot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The slot and the reason.")] input: CancelChildcareSlotInput,
    ) -> Result<ChildcareSlotPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::ChildcareSlot).extend()?;
        let outcome = service::cancel_slot(
            state.into(),
            viewer,
            id,
            &input.reason,
            input.idempotency_key.as_deref(),
        )
        .await
        .extend()?;
        let (slot, user_errors) = split(outcome);
        Ok(ChildcareSlotPayload { slot, user_errors })
    }

    /// Leave the waitlist of a slot (your waiting booking).
    #[graphql(guard = "SignedIn")]
    async fn leave_childcare_waitlist(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Your waiting booking.")] input: LeaveChildcareWaitlistInput,
    ) -> Result<ChildcareBookingPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::ChildcareBooking).extend()?;
        let outcome = service::leave_waitlist(&state.db, viewer, id)
            .await
            .extend()?;
        let (booking, user_errors) = split(outcome);
        Ok(ChildcareBookingPayload {
            booking,
            user_errors,
        })
    }

    /// Register a child of yours for temporary childcare (residents).
    #[graphql(guard = "SignedIn")]
    async fn add_childcare_child(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] input: AddChildcareChildInput,
    ) -> Result<ChildcareChildPayload> {
        let (state, viewer) = context(ctx)?;
        let outcome = service::add_child(&state.db, viewer, input.into())
            .await
            .extend()?;
        let (child, user_errors) = split(outcome);
        Ok(ChildcareChildPayload { child, user_errors })
    }

    /// Correct a child you registered.
    #[graphql(guard = "SignedIn")]
    async fn update_childcare_child(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child and the corrections.")] input: UpdateChildcareChildInput,
    ) -> Result<ChildcareChildPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::ChildcareChild).extend()?;
        let outcome = service::update_child(&state.db, viewer, id, input.into())
            .await
            .extend()?;
        let (child, user_errors) = split(outcome);
        Ok(ChildcareChildPayload { child, user_errors })
    }

    /// Remove a child you registered (refused while it has upcoming bookings).
    #[graphql(guard = "SignedIn")]
    async fn remove_childcare_child(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] input: RemoveChildcareChildInput,
    ) -> Result<ChildcareChildPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::ChildcareChild).extend()?;
        let outcome = service::remove_child(&state.db, viewer, id)
            .await
            .extend()?;
        let (child, user_errors) = split(outcome);
        Ok(ChildcareChildPayload { child, user_errors })
    }

    /// Mark whether the children of a booking came (staff, once the slot has started).
    #[graphql(guard = "SignedIn")]
    async fn mark_childcare_attendance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The booking and whether they came.")] input: MarkChildcareAttendanceInput,
    ) -> Result<ChildcareBookingPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, NodeKind::ChildcareBooking).extend()?;
        let outcome = service::mark_attendance(&state.db, viewer, id, input.attended)
            .await
            .extend()?;
        let (booking, user_errors) = split(outcome);
        Ok(ChildcareBookingPayload {
            booking,
            user_errors,
        })
    }

    /// Answer the satisfaction survey of a booking your children attended (once).
    #[graphql(guard = "SignedIn")]
    async fn submit_childcare_survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The booking and the answer.")] input: SubmitChildcareSurveyInput,
    ) -> Result<SubmitChildcareSurveyPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.booking_id, NodeKind::ChildcareBooking).extend()?;
        let outcome = service::submit_survey(&state.db, viewer, id, input.score, input.comment)
            .await
            .extend()?;
        let (survey, user_errors) = split(outcome);
        Ok(SubmitChildcareSurveyPayload {
            survey,
            user_errors,
        })
    }
}

fn resource_payload(
    outcome: crate::error::Outcome<entity::childcare_resource::Model>,
) -> ChildcareResourcePayload {
    let (resource, user_errors) = split(outcome);
    ChildcareResourcePayload {
        resource,
        user_errors,
    }
}

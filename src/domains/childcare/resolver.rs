//! GraphQL entry points of the childcare domain: adapters of a few lines over the service.

use async_graphql::{Context, ID, MaybeUndefined, Object, Result, ResultExt};
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::{
    inputs::{
        BookTemporaryChildcareInput, BookTemporaryChildcarePayload, CancelChildcareBookingInput,
        CancelChildcareBookingPayload, ChildcareBookingPayload, ChildcareBookingRulesPayload,
        ChildcareResourceFilter, ChildcareResourceOrder, ChildcareResourceOrderField,
        ChildcareResourcePayload, CreateChildcareResourceInput, CreateChildcareSlotsInput,
        CreateChildcareSlotsPayload, MarkChildcareAttendanceInput, RecordChildcareVisitsInput,
        RecordChildcareVisitsPayload, RemoveChildcareHoursExceptionInput,
        SetChildcareBookingRulesInput, SetChildcareHoursExceptionInput,
        SetChildcareOpeningHoursInput, SubmitChildcareSurveyInput, SubmitChildcareSurveyPayload,
        UpdateChildcareResourceInput,
    },
    service::{self, ChildRef},
    types::{
        ChildcareBookingConnection, ChildcareChild, ChildcareResourceConnection,
        ChildcareSatisfaction, ChildcareUsageReport, ChildcareVisitTotals,
    },
};
use crate::graphql::guard::SignedIn;
use crate::graphql::{connection::page_cost, context, ids, payload::split};
use crate::paging::PageArgs;

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
        let filter = service::ResourceFilter {
            kinds: filter.kind.into_iter().map(Into::into).collect(),
            municipality_id: decode_optional(filter.municipality_id.as_ref(), "Municipality")?,
            child_age_months: filter.child_age_months,
            expectant_parents: filter.expectant_parents,
            open_at: filter.open_at.or(filter.open_now.then(Utc::now)),
            near: filter.near.map(|p| (p.latitude, p.longitude)),
            within_metres: filter.within_metres,
        };
        let order = match order_by.unwrap_or_default().field {
            ChildcareResourceOrderField::Name => service::ResourceOrder::Name,
            ChildcareResourceOrderField::Distance => service::ResourceOrder::Distance,
        };
        let page = PageArgs::new(first, after, last, before);
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
        #[graphql(desc = "The date (Japan).")] date: NaiveDate,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<ChildcareBookingConnection> {
        let (state, viewer) = context(ctx)?;
        let resource_id = ids::decode_as(&resource_id, "ChildcareResource").extend()?;
        let page = PageArgs::new(first, after, last, before);
        Ok(
            service::bookings_on(state.into(), viewer, resource_id, date, page)
                .await
                .extend()?
                .into_connection(),
        )
    }

    /// Your own temporary childcare bookings, newest first.
    #[graphql(
        guard = "SignedIn",
        complexity = "page_cost(first, last, child_complexity)"
    )]
    async fn my_childcare_bookings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<ChildcareBookingConnection> {
        let (state, viewer) = context(ctx)?;
        let page = PageArgs::new(first, after, last, before);
        Ok(service::my_bookings(state.into(), viewer, page)
            .await
            .extend()?
            .into_connection())
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
        let municipality_id = ids::decode_as(&municipality_id, "Municipality").extend()?;
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
        let municipality_id = ids::decode_as(&municipality_id, "Municipality").extend()?;
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
        let range = input.child_age_range;
        let new_resource = service::NewResource {
            provider_id: decode_optional(input.provider_id.as_ref(), "Organization")?,
            fields: service::ResourceFields {
                kind: input.kind.into(),
                name: input.name,
                name_kana: input.name_kana,
                description: input.description,
                postal_code: input.address.postal_code,
                prefecture_code: input.address.prefecture_code,
                city: input.address.city,
                street: input.address.street,
                latitude: input.location.map(|p| p.latitude),
                longitude: input.location.map(|p| p.longitude),
                phone: input.phone,
                url: input.url,
                fee: input.fee,
                expectant_parents: input.expectant_parents,
                child_min_age_months: range.and_then(|r| r.min_months),
                child_max_age_months: range.and_then(|r| r.max_months),
                residents_only: input.residents_only,
                languages: input.languages,
                accessibility: input.accessibility,
            },
            publish: input.publish,
            idempotency_key: input.idempotency_key,
        };
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
        let id = ids::decode_as(&input.id, "ChildcareResource").extend()?;
        let address = input.address;
        let changes = service::ResourceChanges {
            kind: input.kind.map(Into::into),
            name: input.name,
            name_kana: input.name_kana,
            description: input.description,
            postal_code: address.as_ref().map(|a| a.postal_code.clone()),
            prefecture_code: address.as_ref().map(|a| a.prefecture_code),
            city: address.as_ref().map(|a| a.city.clone()),
            street: address.as_ref().map(|a| a.street.clone()),
            location: optional(input.location).map(|p| p.map(|p| (p.latitude, p.longitude))),
            phone: optional(input.phone),
            url: optional(input.url),
            fee: optional(input.fee),
            expectant_parents: input.expectant_parents,
            child_age_range: optional(input.child_age_range)
                .map(|r| r.map_or((None, None), |r| (r.min_months, r.max_months))),
            residents_only: input.residents_only,
            languages: input.languages,
            accessibility: optional(input.accessibility),
            published: input.published,
        };
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
        let id = ids::decode_as(&input.resource_id, "ChildcareResource").extend()?;
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
        let id = ids::decode_as(&input.resource_id, "ChildcareResource").extend()?;
        let intervals = input
            .intervals
            .into_iter()
            .map(|i| (i.opens, i.closes))
            .collect();
        let outcome = service::set_hours_exception(
            &state.db,
            viewer,
            id,
            input.date,
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
        let id = ids::decode_as(&input.resource_id, "ChildcareResource").extend()?;
        let outcome = service::remove_hours_exception(&state.db, viewer, id, input.date)
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
        let id = ids::decode_as(&input.resource_id, "ChildcareResource").extend()?;
        let outcome = service::record_visits(
            &state.db,
            viewer,
            id,
            input.date,
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
        let id = ids::decode_as(&input.resource_id, "ChildcareResource").extend()?;
        let rules = service::BookingRules {
            opens_days_before: input.opens_days_before,
            monthly_limit_hours: input.monthly_limit_hours,
            min_age_months: input.min_age_months,
            max_age_months: input.max_age_months,
            cancel_deadline_hours: input.cancel_deadline_hours,
            no_show_limit: input.no_show_limit,
            no_show_window_days: input.no_show_window_days,
            restriction_days: input.restriction_days,
        };
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
        let new_slots = service::NewSlots {
            resource_id: ids::decode_as(&input.resource_id, "ChildcareResource").extend()?,
            from: input.from,
            until: input.until,
            weekdays: input.weekdays.iter().map(|day| day.index()).collect(),
            starts: input.start_time,
            ends: input.end_time,
            capacity: input.capacity,
            idempotency_key: input.idempotency_key,
        };
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
        let slot_ids = input
            .slot_ids
            .iter()
            .map(|id| ids::decode_as(id, "ChildcareSlot"))
            .collect::<Result<Vec<Uuid>, _>>()
            .extend()?;
        let mut children = Vec::with_capacity(input.children.len());
        for child in input.children {
            children.push(match child.child_id {
                Some(id) => ChildRef::Registered(ids::decode_as(&id, "ChildcareChild").extend()?),
                None => ChildRef::New {
                    name: child.name.unwrap_or_default(),
                    name_kana: child.name_kana.unwrap_or_default(),
                    birth_date: child.birth_date,
                },
            });
        }
        let new_booking = service::NewBooking {
            slot_ids,
            children,
            note: input.note,
            idempotency_key: input.idempotency_key,
        };
        let outcome = service::book(&state.db, viewer, new_booking)
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
        let id = ids::decode_as(&input.id, "ChildcareBooking").extend()?;
        let outcome = service::cancel_booking(&state.db, viewer, id, input.cancel_whole_group)
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

    /// Mark whether the children of a booking came (staff, once the slot has started).
    #[graphql(guard = "SignedIn")]
    async fn mark_childcare_attendance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The booking and whether they came.")] input: MarkChildcareAttendanceInput,
    ) -> Result<ChildcareBookingPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.id, "ChildcareBooking").extend()?;
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
        let id = ids::decode_as(&input.booking_id, "ChildcareBooking").extend()?;
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

fn optional<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}

fn decode_optional(id: Option<&ID>, type_name: &str) -> Result<Option<Uuid>> {
    id.map(|id| ids::decode_as(id, type_name))
        .transpose()
        .extend()
}

//! GraphQL entry points of infant and dental checkups: adapters of a few lines over the
//! service.

use async_graphql::{Context, ID, Object, Result, ResultExt};

use super::super::{
    inputs::{
        BookCheckupInput, CancelCheckupBookingInput, CheckupBookingPayload, CheckupPayload,
        CheckupResultFilter, RecordCheckupInput, RecordCheckupReferralResultInput,
    },
    service,
    types::{
        Checkup, CheckupBooking, CheckupConnection, CheckupJudgement, CheckupQuestionnaire,
        CheckupType, ClinicCheckupEntry, HealthChild,
    },
};
use crate::auth::ADMINS;
use crate::domains::identity::types::Organization;
use crate::graphql::scalars::Date;
use crate::graphql::{
    context,
    guard::{RoleGuard, SignedIn},
    ids::{self, NodeKind},
    payload::split,
};

/// Queries of infant and dental checkups.
#[derive(Default)]
pub struct HealthCheckupQuery;

#[Object]
impl HealthCheckupQuery {
    /// A municipality's checkup types (乳幼児健診, 歯科健診) with their age windows and
    /// 問診票 questions. Public: names and ages only.
    async fn checkup_types(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The municipality.")] municipality_id: ID,
    ) -> Result<Vec<CheckupType>> {
        let (state, _) = context(ctx)?;
        let id = ids::decode_as(&municipality_id, NodeKind::Municipality).extend()?;
        Ok(service::checkup_types_of(&state.db, id)
            .await
            .extend()?
            .into_iter()
            .map(CheckupType)
            .collect())
    }

    /// A municipality's 総合判定 code list for checkups. Public.
    async fn checkup_judgements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The municipality.")] municipality_id: ID,
    ) -> Result<Vec<CheckupJudgement>> {
        let (state, _) = context(ctx)?;
        let id = ids::decode_as(&municipality_id, NodeKind::Municipality).extend()?;
        Ok(service::judgements_of(&state.db, id)
            .await
            .extend()?
            .into_iter()
            .map(CheckupJudgement::from)
            .collect())
    }

    /// The 問診票 of a checkup for your child, prefilled from the child and the child's
    /// last 問診票, with the type's age window (guardians).
    #[graphql(guard = "SignedIn")]
    async fn checkup_questionnaire(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] child_id: ID,
        #[graphql(desc = "The checkup type.")] checkup_type_id: ID,
        #[graphql(desc = "The planned day (for the age in months); today (JST) when not given.")]
        on: Option<Date>,
    ) -> Result<CheckupQuestionnaire> {
        let (state, viewer) = context(ctx)?;
        let child = ids::decode_as(&child_id, NodeKind::HealthChild).extend()?;
        let kind = ids::decode_as(&checkup_type_id, NodeKind::CheckupType).extend()?;
        let on = on.map_or_else(crate::fiscal::today, |d| d.0);
        Ok(
            service::questionnaire(state.into(), viewer, child, kind, on)
                .await
                .extend()?
                .into(),
        )
    }

    /// Your child's checkup bookings, newest day first (guardians).
    #[graphql(guard = "SignedIn")]
    async fn my_checkup_bookings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] child_id: ID,
    ) -> Result<Vec<CheckupBooking>> {
        let (state, viewer) = context(ctx)?;
        let child = ids::decode_as(&child_id, NodeKind::HealthChild).extend()?;
        Ok(
            service::checkup_bookings_of_child(state.into(), viewer, child)
                .await
                .extend()?
                .into_iter()
                .map(CheckupBooking)
                .collect(),
        )
    }

    /// A child's checkup results, oldest first: all of them for the guardian and the
    /// municipality's health staff; a clinic's own, for a child booked with it (staff
    /// reads are logged).
    #[graphql(guard = "SignedIn")]
    async fn health_child_checkups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] child_id: ID,
    ) -> Result<Vec<Checkup>> {
        let (state, viewer) = context(ctx)?;
        let child = ids::decode_as(&child_id, NodeKind::HealthChild).extend()?;
        Ok(service::checkups_of_child(state.into(), viewer, child)
            .await
            .extend()?
            .into_iter()
            .map(Checkup)
            .collect())
    }

    /// Your clinic's checkup bookings of a day with their 問診票 (clinic staff; every child
    /// read is logged).
    #[graphql(guard = "SignedIn")]
    async fn clinic_checkup_day(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day; today (JST) when not given.")] day: Option<Date>,
    ) -> Result<Vec<ClinicCheckupEntry>> {
        let (state, viewer) = context(ctx)?;
        let day = day.map_or_else(crate::fiscal::today, |d| d.0);
        Ok(service::clinic_checkup_bookings(state.into(), viewer, day)
            .await
            .extend()?
            .into_iter()
            .map(|(booking, child)| ClinicCheckupEntry {
                booking: CheckupBooking(booking),
                child: HealthChild(child, None),
            })
            .collect())
    }

    /// The checkup results of your municipality, newest first, the day they are recorded
    /// (municipal health staff; every child read is logged).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn checkup_results(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which results.", default)] filter: CheckupResultFilter,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<CheckupConnection> {
        let (state, viewer) = context(ctx)?;
        let filter = filter.try_into().extend()?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(service::checkup_results(state.into(), viewer, filter, page)
            .await
            .extend()?
            .into_connection())
    }
}

/// Mutations of infant and dental checkups.
#[derive(Default)]
pub struct HealthCheckupMutation;

#[Object]
impl HealthCheckupMutation {
    /// Book a checkup for your child on a clinic's slot with the 問診票 answers (residents).
    /// Refused outside the type's age window (`AGE_OUT_OF_RANGE`, the message says the
    /// dates), at a clinic that does not hold it (`NOT_ALLOWED`: dental checkups at
    /// registered dental clinics only), or when the child already has it (`TAKEN`).
    #[graphql(guard = "SignedIn")]
    async fn book_checkup(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The booking.")] input: BookCheckupInput,
    ) -> Result<CheckupBookingPayload> {
        let (state, viewer) = context(ctx)?;
        let new = input.try_into().extend()?;
        let outcome = service::book_checkup(state.into(), viewer, new)
            .await
            .extend()?;
        let (booking, user_errors) = split(outcome.map(CheckupBooking));
        Ok(CheckupBookingPayload {
            booking,
            user_errors,
        })
    }

    /// Cancel a checkup booking before its slot starts (the guardian, or the clinic); the
    /// place is freed.
    #[graphql(guard = "SignedIn")]
    async fn cancel_checkup_booking(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The booking.")] input: CancelCheckupBookingInput,
    ) -> Result<CheckupBookingPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.booking_id, NodeKind::CheckupBooking).extend()?;
        let outcome = service::cancel_checkup_booking(state.into(), viewer, id)
            .await
            .extend()?;
        let (booking, user_errors) = split(outcome.map(CheckupBooking));
        Ok(CheckupBookingPayload {
            booking,
            user_errors,
        })
    }

    /// Record a child's checkup result at your clinic the day of the checkup (clinic
    /// staff): one result per child and checkup type (a second one is `TAKEN`).
    #[graphql(guard = "SignedIn")]
    async fn record_checkup(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The result.")] input: RecordCheckupInput,
    ) -> Result<CheckupPayload> {
        let (state, viewer) = context(ctx)?;
        let new = input.try_into().extend()?;
        let outcome = service::record_checkup(state.into(), viewer, new)
            .await
            .extend()?;
        let (checkup, user_errors) = split(outcome.map(Checkup));
        Ok(CheckupPayload {
            checkup,
            user_errors,
        })
    }

    /// Mark a result's 精密検診受診票 used, with the day and result of the detailed checkup
    /// (the municipality's health staff, or the clinic that issued it).
    #[graphql(guard = "SignedIn")]
    async fn record_checkup_referral_result(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The referral's use.")] input: RecordCheckupReferralResultInput,
    ) -> Result<CheckupPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.checkup_id, NodeKind::Checkup).extend()?;
        let outcome = service::record_referral_result(
            state.into(),
            viewer,
            id,
            input.used_on.into(),
            input.result,
        )
        .await
        .extend()?;
        let (checkup, user_errors) = split(outcome.map(Checkup));
        Ok(CheckupPayload {
            checkup,
            user_errors,
        })
    }

    /// Register a clinic of your municipality as a 登録歯科医療機関 (registered dental
    /// clinic), where dental checkups take place (municipal health staff).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn register_dental_clinic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The clinic (an organization of kind `CLINIC`).")] clinic_id: ID,
    ) -> Result<Organization> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&clinic_id, NodeKind::Organization).extend()?;
        let clinic = service::register_dental_clinic_by_admin(state.into(), viewer, id)
            .await
            .extend()?;
        Ok(Organization::from(clinic))
    }
}

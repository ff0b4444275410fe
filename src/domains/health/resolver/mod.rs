//! GraphQL entry points of the health domain: adapters of a few lines over the service.

pub mod fees;

use async_graphql::{Context, ID, Object, Result, ResultExt, Subscription};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

mod checkups;
pub use checkups::{HealthCheckupMutation, HealthCheckupQuery};

use super::{
    inputs::{
        BookVaccinationInput, CancelVaccinationBookingInput, ClaimHealthChildInput,
        ConfirmVaccinationFormInput, CorrectVaccinationInput, CreateVaccinationSlotsInput,
        CreateVaccinationSlotsPayload, HealthSettingsPayload, IssueHealthChildClaimCodeInput,
        IssueHealthChildClaimCodePayload, PublishVaccinationFormInput,
        RecordHandbookVaccinationInput, RecordHandbookVaccinationPayload, RecordVaccinationInput,
        RegisterHealthChildInput, RegisterHealthChildPayload, SubmitHealthSurveyInput,
        SubmitHealthSurveyPayload, SubmitVaccinationFormsInput, SubmitVaccinationFormsPayload,
        UpdateHealthSettingsInput, VaccinationBookingPayload, VaccinationFormDefinitionPayload,
        VaccinationFormPayload, VaccinationPayload, VaccinationRegisterFilter,
    },
    service,
    types::{
        ClinicDay, HealthChild, HealthSettings, HealthSurveyResponse, Vaccination,
        VaccinationBooking, VaccinationCheckCount, VaccinationConnection, VaccinationForm,
        VaccinationFormDefinition, VaccinationFormDraft, VaccinationSlot, VaccineCatalogue,
    },
};
use crate::auth::ADMINS;
use crate::error::AppError;
use crate::graphql::scalars::Date;
use crate::graphql::{
    context,
    guard::{RoleGuard, SignedIn},
    ids::{self, NodeKind},
    payload::split,
};

/// Queries of the health domain.
#[derive(Default)]
pub struct HealthQuery;

#[Object]
impl HealthQuery {
    /// The routine vaccine catalogue (municipal health staff and platform admins). It is
    /// national data, changed by a migration only.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn vaccine_catalogue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the products, series and rules in force on this day (JST).")]
        in_force_on: Option<Date>,
    ) -> Result<VaccineCatalogue> {
        let (state, viewer) = context(ctx)?;
        let catalogue = service::catalogue_for_staff(state.into(), viewer)
            .await
            .extend()?;
        Ok(VaccineCatalogue::new(&catalogue, in_force_on.map(|d| d.0)))
    }

    /// The children you registered for vaccinations, oldest first.
    #[graphql(guard = "SignedIn")]
    async fn my_health_children(&self, ctx: &Context<'_>) -> Result<Vec<HealthChild>> {
        let (state, viewer) = context(ctx)?;
        let children = service::my_children(state.into(), viewer).await.extend()?;
        let preloaded = service::preload(state.into(), &children).await.extend()?;
        Ok(children
            .into_iter()
            .map(|child| HealthChild(child, preloaded.clone()))
            .collect())
    }

    /// A child's health record: for the guardian, and for the health staff of the child's
    /// municipality (each read logged). `NOT_FOUND` for anyone else.
    #[graphql(guard = "SignedIn")]
    async fn health_child(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child's global id.")] id: ID,
    ) -> Result<HealthChild> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&id, NodeKind::HealthChild).extend()?;
        let child = service::find_child(state.into(), viewer, id, "detail")
            .await
            .extend()?;
        Ok(HealthChild(child, None))
    }

    /// Open vaccination slots of a municipality's clinics, by start (anyone). Anonymous
    /// callers name the municipality; signed-in ones default to their own.
    async fn vaccination_slots(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The municipality; yours when not given.")] municipality_id: Option<ID>,
        #[graphql(desc = "Only this clinic's slots.")] clinic_id: Option<ID>,
        #[graphql(desc = "First day.")] from: Date,
        #[graphql(desc = "Last day, at most 62 days after `from`.")] to: Date,
        #[graphql(desc = "Only slots with a place left.", default)] has_free_places: bool,
    ) -> Result<Vec<VaccinationSlot>> {
        let (state, viewer) = context(ctx)?;
        let municipality_id =
            ids::decode_optional(municipality_id.as_ref(), NodeKind::Municipality).extend()?;
        let municipality_id = municipality_id
            .or_else(|| viewer.user.as_ref().and_then(|u| u.municipality_id))
            .ok_or_else(|| AppError::BadUserInput("give `municipalityId`".into()))
            .extend()?;
        let filter = service::SlotFilter {
            municipality_id,
            clinic_id: ids::decode_optional(clinic_id.as_ref(), NodeKind::Organization).extend()?,
            from: from.0,
            to: to.0,
            has_free_places,
        };
        let slots = service::list_slots(state.into(), filter).await.extend()?;
        Ok(slots.into_iter().map(VaccinationSlot).collect())
    }

    /// 予診票 drafts for your child's visit, one per vaccine, prefilled from the child, you
    /// and the child's latest form, with what the checks find for that day.
    #[graphql(guard = "SignedIn")]
    async fn vaccination_form_drafts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] child_id: ID,
        #[graphql(desc = "Product codes of the visit's vaccines.")] product_codes: Vec<String>,
        #[graphql(desc = "The day of the vaccination.")] on: Date,
    ) -> Result<Vec<VaccinationFormDraft>> {
        let (state, viewer) = context(ctx)?;
        let child_id = ids::decode_as(&child_id, NodeKind::HealthChild).extend()?;
        let drafts = service::drafts_for(state.into(), viewer, child_id, product_codes, on.0)
            .await
            .extend()?;
        Ok(drafts.into_iter().map(VaccinationFormDraft).collect())
    }

    /// The 予診票 definitions in force on a day in your municipality, one per antigen (its
    /// own version where it has one, else the national standard).
    #[graphql(guard = "SignedIn")]
    async fn vaccination_form_definitions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day; today (JST) when not given.")] on: Option<Date>,
    ) -> Result<Vec<VaccinationFormDefinition>> {
        let (state, viewer) = context(ctx)?;
        let municipality_id = viewer
            .require_user()
            .extend()?
            .municipality_id
            .ok_or_else(|| AppError::BadUserInput("no municipality".into()))
            .extend()?;
        let day = on.map_or_else(crate::fiscal::today, |d| d.0);
        let found = service::definitions_in_force(state.into(), municipality_id, day)
            .await
            .extend()?;
        Ok(found.into_iter().map(VaccinationFormDefinition).collect())
    }

    /// Your clinic's day list: the bookings with their children and forms' state, and the
    /// forms brought without a booking (clinic staff; every child read is logged).
    #[graphql(guard = "SignedIn")]
    async fn clinic_day(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day; today (JST) when not given.")] day: Option<Date>,
    ) -> Result<ClinicDay> {
        let (state, viewer) = context(ctx)?;
        let day = day.map_or_else(crate::fiscal::today, |d| d.0);
        Ok(service::clinic_day(state.into(), viewer, day)
            .await
            .extend()?
            .into())
    }

    /// The vaccination register (台帳) of your municipality: the current version of every
    /// clinic record, newest first (municipal health staff; every child read is logged).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn vaccination_register(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which records.", default)] filter: VaccinationRegisterFilter,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<VaccinationConnection> {
        let (state, viewer) = context(ctx)?;
        let filter = filter.try_into().extend()?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(service::register(state.into(), viewer, filter, page)
            .await
            .extend()?
            .into_connection())
    }

    /// What the vaccination checks caught (blocks) and what clinics went ahead with
    /// (overridden warnings) in your municipality, by stage, category and clinic (municipal
    /// health staff). No names.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn vaccination_check_counts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The municipality (platform admins); yours when not given.")]
        municipality_id: Option<ID>,
        #[graphql(desc = "First day (JST).")] from: Date,
        #[graphql(desc = "Last day (JST).")] to: Date,
    ) -> Result<Vec<VaccinationCheckCount>> {
        let (state, viewer) = context(ctx)?;
        let municipality_id =
            ids::decode_optional(municipality_id.as_ref(), NodeKind::Municipality).extend()?;
        let counts = service::check_counts(state.into(), viewer, municipality_id, from.0, to.0)
            .await
            .extend()?;
        Ok(counts
            .into_iter()
            .map(VaccinationCheckCount::from)
            .collect())
    }

    /// Your municipality's health settings (municipal admins).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn health_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The municipality (platform admins); yours when not given.")]
        municipality_id: Option<ID>,
    ) -> Result<HealthSettings> {
        let (state, viewer) = context(ctx)?;
        let municipality_id =
            ids::decode_optional(municipality_id.as_ref(), NodeKind::Municipality).extend()?;
        Ok(
            service::settings_for_admin(state.into(), viewer, municipality_id)
                .await
                .extend()?
                .into(),
        )
    }
}

/// Mutations of the health domain: children and their handbook doses.
#[derive(Default)]
pub struct HealthMutation;

/// Mutations of the health domain: slots, bookings, forms and records.
#[derive(Default)]
pub struct HealthVisitMutation;

#[Object]
impl HealthMutation {
    /// Register a child of yours for vaccinations (residents): the schedule follows from
    /// the birth date.
    #[graphql(guard = "SignedIn")]
    async fn register_health_child(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] input: RegisterHealthChildInput,
    ) -> Result<RegisterHealthChildPayload> {
        let (state, viewer) = context(ctx)?;
        let outcome = service::register_child(state.into(), viewer, input.into())
            .await
            .extend()?;
        let (child, user_errors) = split(outcome.map(HealthChild::from));
        Ok(RegisterHealthChildPayload { child, user_errors })
    }

    /// Link a child a clinic entered from a paper 予診票 to your account (residents), with
    /// the claim code the clinic gave you and the child's birth date; the child's forms and
    /// doses come with it. A wrong, used or expired code is `NOT_FOUND` in `userErrors`.
    #[graphql(guard = "SignedIn")]
    async fn claim_health_child(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The code and the birth date.")] input: ClaimHealthChildInput,
    ) -> Result<RegisterHealthChildPayload> {
        let (state, viewer) = context(ctx)?;
        let outcome = service::claim_child(
            state.into(),
            viewer,
            &input.claim_code,
            input.birth_date.into(),
        )
        .await
        .extend()?;
        let (child, user_errors) = split(outcome.map(HealthChild::from));
        Ok(RegisterHealthChildPayload { child, user_errors })
    }

    /// Issue a one-time claim code for a child entered from paper (the clinic that entered
    /// the child, or the municipality's health staff), for the family to link the child to
    /// a guardian's account. The code is shown once; a new one replaces it.
    #[graphql(guard = "SignedIn")]
    async fn issue_health_child_claim_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] input: IssueHealthChildClaimCodeInput,
    ) -> Result<IssueHealthChildClaimCodePayload> {
        let (state, viewer) = context(ctx)?;
        let child_id = ids::decode_as(&input.child_id, NodeKind::HealthChild).extend()?;
        let outcome = service::issue_claim_code(state.into(), viewer, child_id)
            .await
            .extend()?;
        let (issued, user_errors): (Option<service::IssuedClaimCode>, _) = split(outcome);
        Ok(IssueHealthChildClaimCodePayload {
            claim_code: issued.as_ref().map(|i| i.code.clone()),
            expires_at: issued.map(|i| i.expires_at),
            user_errors,
        })
    }

    /// Copy a dose from the 母子健康手帳 into your child's history (the guardian).
    #[graphql(guard = "SignedIn")]
    async fn record_handbook_vaccination(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The dose.")] input: RecordHandbookVaccinationInput,
    ) -> Result<RecordHandbookVaccinationPayload> {
        let (state, viewer) = context(ctx)?;
        let dose = input.try_into().extend()?;
        let outcome = service::record_handbook_dose(state.into(), viewer, dose)
            .await
            .extend()?;
        let (vaccination, user_errors) = split(outcome);
        Ok(RecordHandbookVaccinationPayload {
            vaccination,
            user_errors,
        })
    }
}

#[Object]
impl HealthVisitMutation {
    /// Publish vaccination slots at your clinic (clinic staff).
    #[graphql(guard = "SignedIn")]
    async fn create_vaccination_slots(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The slots.")] input: CreateVaccinationSlotsInput,
    ) -> Result<CreateVaccinationSlotsPayload> {
        let (state, viewer) = context(ctx)?;
        let outcome = service::create_slots(state.into(), viewer, input.into())
            .await
            .extend()?;
        let (slots, user_errors) =
            split(outcome.map(|rows| rows.into_iter().map(VaccinationSlot).collect::<Vec<_>>()));
        Ok(CreateVaccinationSlotsPayload {
            slots: slots.unwrap_or_default(),
            user_errors,
        })
    }

    /// Book a clinic's slot for your child with the vaccines planned (guardians). The
    /// vaccination checks run: a block refuses the booking (`VACCINATION_BLOCKED`);
    /// warnings come back on the booking.
    #[graphql(guard = "SignedIn")]
    async fn book_vaccination(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The booking.")] input: BookVaccinationInput,
    ) -> Result<VaccinationBookingPayload> {
        let (state, viewer) = context(ctx)?;
        let new = input.try_into().extend()?;
        let outcome = service::book(state.into(), viewer, new).await.extend()?;
        let (booking, user_errors) = split(outcome.map(VaccinationBooking));
        Ok(VaccinationBookingPayload {
            booking,
            user_errors,
        })
    }

    /// Cancel a vaccination booking before its slot starts (the guardian, or the clinic):
    /// the place is freed and the booking's submitted forms are withdrawn.
    #[graphql(guard = "SignedIn")]
    async fn cancel_vaccination_booking(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The booking.")] input: CancelVaccinationBookingInput,
    ) -> Result<VaccinationBookingPayload> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&input.booking_id, NodeKind::VaccinationBooking).extend()?;
        let outcome = service::cancel_booking(state.into(), viewer, id, input.reason)
            .await
            .extend()?;
        let (booking, user_errors) = split(outcome.map(VaccinationBooking));
        Ok(VaccinationBookingPayload {
            booking,
            user_errors,
        })
    }

    /// Answer the satisfaction survey (1–5) of a vaccination or a dental checkup you booked
    /// in the app and attended, once per booking (guardians).
    #[graphql(guard = "SignedIn")]
    async fn submit_health_survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The booking and the answer.")] input: SubmitHealthSurveyInput,
    ) -> Result<SubmitHealthSurveyPayload> {
        let (state, viewer) = context(ctx)?;
        let booking = input.booking().extend()?;
        let outcome = service::submit_survey(state.into(), viewer, booking, input.score)
            .await
            .extend()?;
        let (survey, user_errors) = split(outcome.map(HealthSurveyResponse::from));
        Ok(SubmitHealthSurveyPayload {
            survey,
            user_errors,
        })
    }

    /// Submit the 予診票 of one visit, one form per vaccine (同時接種), with the consent:
    /// guardians in the app, clinic staff for a paper form. Prefilled answers not given are
    /// kept; the vaccination checks run again.
    #[graphql(guard = "SignedIn")]
    async fn submit_vaccination_forms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The forms.")] input: SubmitVaccinationFormsInput,
    ) -> Result<SubmitVaccinationFormsPayload> {
        let (state, viewer) = context(ctx)?;
        let new = input.try_into().extend()?;
        let outcome = service::submit(state.into(), viewer, new).await.extend()?;
        let (forms, user_errors) =
            split(outcome.map(|rows| rows.into_iter().map(VaccinationForm).collect::<Vec<_>>()));
        Ok(SubmitVaccinationFormsPayload {
            forms: forms.unwrap_or_default(),
            user_errors,
        })
    }

    /// Record the doctor's 予診 on a form of your clinic (clinic staff): `OK`, or `DEFER`
    /// for a deferral (予診のみ). The checks run again on the day.
    #[graphql(guard = "SignedIn")]
    async fn confirm_vaccination_form(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The 予診.")] input: ConfirmVaccinationFormInput,
    ) -> Result<VaccinationFormPayload> {
        let (state, viewer) = context(ctx)?;
        let confirmation = input.try_into().extend()?;
        let outcome = service::confirm(state.into(), viewer, confirmation)
            .await
            .extend()?;
        let (form, user_errors) = split(outcome.map(VaccinationForm));
        Ok(VaccinationFormPayload { form, user_errors })
    }

    /// Record the dose given today on a confirmed form of your clinic (clinic staff). The
    /// checks run with the lot's expiry: a block refuses it; each warning needs an override
    /// with a reason (`WARNING_NOT_OVERRIDDEN` otherwise).
    #[graphql(guard = "SignedIn")]
    async fn record_vaccination(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The dose.")] input: RecordVaccinationInput,
    ) -> Result<VaccinationPayload> {
        let (state, viewer) = context(ctx)?;
        let new = input.try_into().extend()?;
        let outcome = service::record(state.into(), viewer, new).await.extend()?;
        let (vaccination, user_errors) = split(outcome.map(Vaccination));
        Ok(VaccinationPayload {
            vaccination,
            user_errors,
        })
    }

    /// Correct a dose your clinic recorded (clinic staff): a new version with the reason;
    /// the old version is kept.
    #[graphql(guard = "SignedIn")]
    async fn correct_vaccination(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The correction.")] input: CorrectVaccinationInput,
    ) -> Result<VaccinationPayload> {
        let (state, viewer) = context(ctx)?;
        let correction = input.try_into().extend()?;
        let outcome = service::correct(state.into(), viewer, correction)
            .await
            .extend()?;
        let (vaccination, user_errors) = split(outcome.map(Vaccination));
        Ok(VaccinationPayload {
            vaccination,
            user_errors,
        })
    }

    /// Publish your municipality's own version of an antigen's 予診票 from a day (municipal
    /// health staff).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn publish_vaccination_form(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version.")] input: PublishVaccinationFormInput,
    ) -> Result<VaccinationFormDefinitionPayload> {
        let (state, viewer) = context(ctx)?;
        let new = input.try_into().extend()?;
        let outcome = service::publish_definition(state.into(), viewer, new)
            .await
            .extend()?;
        let (definition, user_errors) = split(outcome.map(VaccinationFormDefinition));
        Ok(VaccinationFormDefinitionPayload {
            definition,
            user_errors,
        })
    }

    /// Change your municipality's health settings (municipal admins).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn update_health_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change.")] input: UpdateHealthSettingsInput,
    ) -> Result<HealthSettingsPayload> {
        let (state, viewer) = context(ctx)?;
        let change = input.try_into().extend()?;
        let outcome = service::update_settings(state.into(), viewer, change)
            .await
            .extend()?;
        let (settings, user_errors) = split(outcome.map(HealthSettings::from));
        Ok(HealthSettingsPayload {
            settings,
            user_errors,
        })
    }
}

/// Subscriptions of the health domain.
#[derive(Default)]
pub struct HealthSubscription;

#[Subscription]
impl HealthSubscription {
    /// Your clinic's day list, sent again whenever a booking, form or record of your clinic
    /// changes (clinic staff).
    #[graphql(guard = "SignedIn")]
    async fn clinic_day_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day; today (JST) when not given.")] day: Option<Date>,
    ) -> Result<impl Stream<Item = ClinicDay> + use<>> {
        let (state, viewer) = context(ctx)?;
        let (_, clinic) = service::require_clinic(&state.db, viewer).await.extend()?;
        let day = day.map_or_else(crate::fiscal::today, |d| d.0);
        let events = BroadcastStream::new(state.events.subscribe());
        let state = state.clone();
        let viewer = viewer.clone();
        Ok(events.filter_map(move |event| {
            let state = state.clone();
            let viewer = viewer.clone();
            async move {
                let event = event.ok()?;
                if event.topic != service::DAY_CHANGED || event.subject_id != clinic.id {
                    return None;
                }
                service::clinic_day((&state).into(), &viewer, day)
                    .await
                    .ok()
                    .map(ClinicDay::from)
            }
        }))
    }
}

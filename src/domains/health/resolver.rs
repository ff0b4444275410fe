//! GraphQL entry points of the health domain: adapters of a few lines over the service.

use async_graphql::{Context, ID, Object, Result, ResultExt};

use super::{
    inputs::{
        RecordHandbookVaccinationInput, RecordHandbookVaccinationPayload, RegisterHealthChildInput,
        RegisterHealthChildPayload,
    },
    service,
    types::{HealthChild, VaccineCatalogue},
};
use crate::auth::ADMINS;
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
        Ok(children.into_iter().map(HealthChild).collect())
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
        Ok(HealthChild(child))
    }
}

/// Mutations of the health domain.
#[derive(Default)]
pub struct HealthMutation;

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
        let (child, user_errors) = split(outcome.map(HealthChild));
        Ok(RegisterHealthChildPayload { child, user_errors })
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

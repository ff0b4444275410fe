//! GraphQL entry points of the health domain: adapters of a few lines over the service.

use async_graphql::{Context, Object, Result, ResultExt};
use chrono::NaiveDate;

use super::{service, types::VaccineCatalogue};
use crate::auth::ADMINS;
use crate::graphql::{context, guard::RoleGuard};

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
        in_force_on: Option<NaiveDate>,
    ) -> Result<VaccineCatalogue> {
        let (state, viewer) = context(ctx)?;
        let catalogue = service::catalogue_for_staff(state.into(), viewer)
            .await
            .extend()?;
        Ok(VaccineCatalogue::new(&catalogue, in_force_on))
    }
}

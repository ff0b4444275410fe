//! GraphQL entry points of the KPI domain: adapters of a few lines over the service.

use async_graphql::{Context, Object, Result, ResultExt};

use super::{
    inputs::{SetKpiTargetInput, SetKpiTargetPayload},
    registry, service,
    types::{KpiDefinition, KpiRecordConnection, KpiReport},
};
use crate::graphql::guard::RoleGuard;
use crate::{
    auth::ADMINS,
    graphql::{connection::page_cost, context, payload::split},
};

/// Queries of the KPI domain.
#[derive(Default)]
pub struct KpiQuery;

#[Object]
impl KpiQuery {
    /// Every KPI tsunagu computes, as declared (public): key, names, unit, and which
    /// records make the numerator and denominator.
    async fn kpi_definitions(
        &self,
        #[graphql(desc = "Only the KPIs of the municipality with this JIS code.")]
        municipality_code: Option<String>,
    ) -> Vec<KpiDefinition> {
        registry::KPIS
            .iter()
            .filter(|kpi| {
                municipality_code
                    .as_deref()
                    .is_none_or(|code| kpi.municipality_code == code.trim())
            })
            .map(KpiDefinition::from)
            .collect()
    }

    /// The KPIs of a municipality for a fiscal year, with the previous year, year-over-year
    /// change, target and baseline (administrators of the municipality).
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn kpi_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "JIS code of the municipality, e.g. `10201`.")] municipality_code: String,
        #[graphql(desc = "Fiscal year (年度): N runs from 1 April N to 31 March N+1 (JST).")]
        fiscal_year: i32,
    ) -> Result<KpiReport> {
        let (state, viewer) = context(ctx)?;
        Ok(
            service::report(&state.db, viewer, &municipality_code, fiscal_year)
                .await
                .extend()?
                .into(),
        )
    }

    /// The records that make up one KPI value, numerator records first; their weights add
    /// up to the report's numerator and denominator (administrators of the municipality).
    #[graphql(
        guard = "RoleGuard(ADMINS)",
        complexity = "page_cost(first, last, child_complexity)"
    )]
    async fn kpi_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "JIS code of the municipality.")] municipality_code: String,
        #[graphql(desc = "Fiscal year (年度).")] fiscal_year: i32,
        #[graphql(desc = "Key of the KPI.")] key: String,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<KpiRecordConnection> {
        let (state, viewer) = context(ctx)?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(service::records_page(
            &state.db,
            viewer,
            &municipality_code,
            fiscal_year,
            &key,
            page,
            state.limits.max_page_size,
        )
        .await
        .extend()?
        .into_connection())
    }
}

/// Mutations of the KPI domain.
#[derive(Default)]
pub struct KpiMutation;

#[Object]
impl KpiMutation {
    /// Set the target and baseline of a KPI of a municipality you administer for a fiscal
    /// year; setting again replaces them.
    #[graphql(guard = "RoleGuard(ADMINS)")]
    async fn set_kpi_target(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The KPI, year and values.")] input: SetKpiTargetInput,
    ) -> Result<SetKpiTargetPayload> {
        let (state, viewer) = context(ctx)?;
        let new_target = input.into();
        let outcome = service::set_target(&state.db, viewer, new_target)
            .await
            .extend()?;
        let (target, user_errors) = split(outcome);
        Ok(SetKpiTargetPayload {
            target,
            user_errors,
        })
    }
}

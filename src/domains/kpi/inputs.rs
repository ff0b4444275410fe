//! GraphQL inputs of the KPI domain and payloads of its mutations.

use async_graphql::{InputObject, MaybeUndefined, SimpleObject};

use super::{service, types::KpiTarget};
use crate::graphql::payload::UserError;

/// Set the target and baseline of one KPI for one fiscal year (administrators of the
/// municipality). Setting again replaces the target, and the baseline when it is given.
#[derive(Debug, InputObject)]
pub struct SetKpiTargetInput {
    /// JIS code of the municipality, e.g. `14384`.
    pub municipality_code: String,
    /// Key of the KPI (see `kpiDefinitions`).
    pub key: String,
    /// The fiscal year (2000–2100).
    pub fiscal_year: i32,
    /// Target value, in the KPI's unit: 0–100 for a share, 1–5 for a survey mean, else 0
    /// or more.
    pub target: f64,
    /// Baseline value, in the KPI's unit (the same range as the target). Omit it to keep
    /// the stored baseline; `null` clears it.
    pub baseline: MaybeUndefined<f64>,
}

/// Result of `setKpiTarget`.
#[derive(Debug, SimpleObject)]
pub struct SetKpiTargetPayload {
    /// The target as saved.
    pub target: Option<KpiTarget>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

impl From<SetKpiTargetInput> for service::NewTarget {
    fn from(input: SetKpiTargetInput) -> Self {
        Self {
            municipality_code: input.municipality_code,
            key: input.key,
            fiscal_year: input.fiscal_year,
            target: input.target,
            baseline: input.baseline.into(),
        }
    }
}

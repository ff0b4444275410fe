//! The schema: every domain's queries, mutations and subscriptions merged into the three
//! roots, with the DataLoaders of every domain.

use std::sync::Arc;

use async_graphql::{MergedObject, MergedSubscription, Schema, dataloader::DataLoader};

use super::{node, search::SearchQuery};
use crate::{
    config::Limits,
    domains::{
        childcare::{
            loaders::ChildcareLoader,
            resolver::{ChildcareMutation, ChildcareQuery},
        },
        content::resolver::{ContentMutation, ContentQuery},
        employment::{
            loaders::EmploymentLoader,
            resolver::{EmploymentMutation, EmploymentQuery},
        },
        health::resolver::{
            HealthCheckupMutation, HealthCheckupQuery, HealthMutation, HealthQuery,
            HealthSubscription, HealthVisitMutation,
            fees::{HealthFeeMutation, HealthFeeQuery},
        },
        identity::{
            loaders::{IdentityLoader, ReferenceRows},
            resolver::{IdentityMutation, IdentityQuery, IdentitySubscription},
        },
        kpi::resolver::{KpiMutation, KpiQuery},
        partnership::{
            loaders::PartnershipLoader,
            resolver::{PartnershipMutation, PartnershipQuery},
        },
        programs::{
            loaders::ProgramsLoader,
            resolver::{ProgramsMutation, ProgramsQuery, ProgramsSubscription},
        },
        relocation::{
            loaders::RelocationLoader,
            resolver::{RelocationMutation, RelocationQuery, RelocationSubscription},
        },
        synonyms::resolver::{SynonymsMutation, SynonymsQuery},
    },
    graphql::limits,
    notify::resolver::{NotifyMutation, NotifyQuery, NotifySubscription},
    state::AppState,
};

/// The executable schema.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Every query of every domain.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    node::NodeQuery,
    IdentityQuery,
    EmploymentQuery,
    crate::audit::AuditQuery,
    PartnershipQuery,
    ProgramsQuery,
    ChildcareQuery,
    HealthQuery,
    HealthCheckupQuery,
    HealthFeeQuery,
    RelocationQuery,
    ContentQuery,
    KpiQuery,
    SearchQuery,
    SynonymsQuery,
    NotifyQuery,
);

/// Every mutation of every domain.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    IdentityMutation,
    EmploymentMutation,
    HealthMutation,
    HealthVisitMutation,
    HealthCheckupMutation,
    HealthFeeMutation,
    PartnershipMutation,
    ProgramsMutation,
    RelocationMutation,
    ChildcareMutation,
    ContentMutation,
    KpiMutation,
    SynonymsMutation,
    NotifyMutation,
);

/// Every subscription of every domain.
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(
    IdentitySubscription,
    ProgramsSubscription,
    RelocationSubscription,
    HealthSubscription,
    NotifySubscription,
);

/// Builds the schema serving `state`.
pub fn build_schema(
    state: AppState,
    hub: crate::domains::health::hub::HealthHub,
    reference: Arc<ReferenceRows>,
) -> AppSchema {
    let limits = state.limits.clone();
    schema_builder(&limits)
        .data(hub)
        .data(DataLoader::new(
            IdentityLoader::new(state.db.clone(), reference),
            tokio::spawn,
        ))
        .data(DataLoader::new(
            PartnershipLoader::new(state.db.clone()),
            tokio::spawn,
        ))
        .data(DataLoader::new(
            ProgramsLoader::new(state.db.clone()),
            tokio::spawn,
        ))
        .data(DataLoader::new(
            RelocationLoader::new(state.db.clone()),
            tokio::spawn,
        ))
        .data(DataLoader::new(
            EmploymentLoader::new(state.db.clone()),
            tokio::spawn,
        ))
        .data(DataLoader::new(
            crate::audit::AuditLoader::new(state.db.clone()),
            tokio::spawn,
        ))
        .data(
            DataLoader::new(
                crate::domains::health::loaders::HealthLoader::new(state.db.clone()),
                tokio::spawn,
            )
            .max_batch_size(crate::domains::health::loaders::BATCH),
        )
        .data(DataLoader::new(
            ChildcareLoader::new(state.db.clone()),
            tokio::spawn,
        ))
        .data(crate::notify::preferences::Catalogue(
            [
                crate::domains::identity::notices::KINDS,
                crate::domains::programs::notices::KINDS,
                crate::domains::programs::reminders::REMINDER_KINDS,
                crate::domains::relocation::reminders::REMINDER_KINDS,
                crate::domains::childcare::reminders::REMINDER_KINDS,
                crate::domains::health::reminders::REMINDER_KINDS,
                crate::domains::relocation::notices::KINDS,
                crate::domains::childcare::notices::KINDS,
                crate::domains::health::notices::KINDS,
                crate::domains::partnership::notices::KINDS,
            ]
            .concat(),
        ))
        .data(state)
        .finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    schema_builder(&Limits::default()).finish().sdl()
}

fn schema_builder(
    limits: &Limits,
) -> async_graphql::SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    limits::QueryLimits::from(limits)
        .install(Schema::build(
            QueryRoot::default(),
            MutationRoot::default(),
            SubscriptionRoot::default(),
        ))
        .override_output_type_description::<chrono::DateTime<chrono::Utc>>(
            crate::graphql::scalars::DATE_TIME_DESCRIPTION,
        )
}

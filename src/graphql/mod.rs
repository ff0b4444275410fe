//! Schema assembly and the GraphQL conventions every domain reuses.

pub mod apq;
pub mod handler;
pub mod ids;
pub mod limits;
pub mod node;
pub mod pagination;
pub mod payload;

use async_graphql::{
    Context, ErrorExtensions, MergedObject, MergedSubscription, Schema, dataloader::DataLoader,
};

use crate::{
    auth::Viewer,
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
        identity::{
            loaders::IdentityLoader,
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
    },
    error::AppError,
    state::AppState,
};

/// Mirrors a database enum as a GraphQL enum with the same variants, both ways:
/// `enum_mirror!(GraphqlEnum, entity::module::DatabaseEnum, [A, B, C]);`.
#[macro_export]
macro_rules! enum_mirror {
    ($graphql:ident, $database:path, [$($variant:ident),* $(,)?]) => {
        impl From<$database> for $graphql {
            fn from(value: $database) -> Self {
                use $database as D;
                match value {
                    $(D::$variant => Self::$variant,)*
                }
            }
        }

        impl From<$graphql> for $database {
            fn from(value: $graphql) -> Self {
                match value {
                    $($graphql::$variant => Self::$variant,)*
                }
            }
        }
    };
}

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
    RelocationQuery,
    ContentQuery,
    KpiQuery,
    crate::search::graphql::SearchQuery,
);

/// Every mutation of every domain.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    IdentityMutation,
    EmploymentMutation,
    PartnershipMutation,
    ProgramsMutation,
    RelocationMutation,
    ChildcareMutation,
    ContentMutation,
    KpiMutation,
);

/// Every subscription of every domain.
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(
    IdentitySubscription,
    ProgramsSubscription,
    RelocationSubscription,
);

/// The application state and the viewer of a request: what every resolver starts with.
pub fn context<'a>(ctx: &Context<'a>) -> async_graphql::Result<(&'a AppState, &'a Viewer)> {
    let missing =
        |what: &str| AppError::internal(anyhow::anyhow!("request without {what}")).extend();
    let state = ctx.data::<AppState>().map_err(|_| missing("state"))?;
    let viewer = ctx.data::<Viewer>().map_err(|_| missing("viewer"))?;
    Ok((state, viewer))
}

/// Builds the schema serving `state`.
pub fn build_schema(state: AppState) -> AppSchema {
    let limits = state.limits.clone();
    schema_builder(&limits)
        .data(DataLoader::new(
            IdentityLoader::new(state.db.clone()),
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
        .data(DataLoader::new(
            ChildcareLoader::new(state.db.clone()),
            tokio::spawn,
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
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .extension(limits::QueryLimits::from(limits))
    .limit_recursive_depth(64)
}

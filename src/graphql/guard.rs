//! GraphQL guards: role checks at the edge of the schema. Tenant checks (which
//! municipality) happen in the services, which know the record.

use async_graphql::{Context, ErrorExtensions, Guard, Result};

use crate::auth::{Role, Viewer};

/// Lets through signed-in users whose role is in the list.
pub struct RoleGuard(pub &'static [Role]);

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        viewer(ctx)?
            .require_role(self.0)
            .map(drop)
            .map_err(|error| error.extend())
    }
}

/// Lets through any signed-in user.
pub struct SignedIn;

impl Guard for SignedIn {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        viewer(ctx)?
            .require_user()
            .map(drop)
            .map_err(|error| error.extend())
    }
}

fn viewer<'a>(ctx: &Context<'a>) -> Result<&'a Viewer> {
    super::context(ctx).map(|(_, viewer)| viewer)
}

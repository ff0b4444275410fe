//! GraphQL objects of the childcare domain, built from the database models.
mod bookings;
mod reports;
mod resources;

use async_graphql::{Context, Result, dataloader::DataLoader};

pub use bookings::*;
pub use reports::*;
pub use resources::*;

use super::loaders::ChildcareLoader;

fn loader<'a>(ctx: &Context<'a>) -> Result<&'a DataLoader<ChildcareLoader>> {
    ctx.data::<DataLoader<ChildcareLoader>>()
}

//! Rules of the health domain that touch the database. Knows nothing of GraphQL.
//!
//! The vaccine catalogue is national data read by municipal health staff (municipal
//! admins) and platform admins; it is changed by a migration, never through the API.

mod catalogue;

pub use catalogue::{catalogue_for_staff, load_catalogue};

//! sea-orm entities of tsunagu: the database tables and nothing else.
//!
//! GraphQL types are built from these models in `src/domains/*/types.rs`; a column never
//! reaches the schema by accident.

pub mod idempotency_key;
pub mod municipality;
pub mod organization;
pub mod persisted_query;
pub mod rate_limit_window;
pub mod session;
pub mod user;

pub mod prelude {
    pub use super::idempotency_key::Entity as IdempotencyKey;
    pub use super::municipality::Entity as Municipality;
    pub use super::organization::Entity as Organization;
    pub use super::persisted_query::Entity as PersistedQuery;
    pub use super::rate_limit_window::Entity as RateLimitWindow;
    pub use super::session::Entity as Session;
    pub use super::user::Entity as User;
}

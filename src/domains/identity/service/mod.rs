//! Rules of the identity domain: sign-up, login, passwords, accounts and organizations. Knows nothing
//! of GraphQL; the command line and the demo call it too.

mod accounts;
mod organizations;
mod passwords;
mod sessions;

pub use self::{accounts::*, organizations::*, passwords::*, sessions::*};

/// Longest display or organization name.
pub(crate) const MAX_NAME: usize = 100;

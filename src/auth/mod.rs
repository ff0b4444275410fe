//! Who is asking: the viewer of a request (read from its bearer token), roles, sessions
//! and password hashing. The GraphQL guards built on it are in `graphql::guard`.

pub mod extract;
pub mod password;
pub mod session;

use std::net::IpAddr;

pub use entity::user::Role;
use uuid::Uuid;

pub use self::extract::viewer_of;

use crate::error::{AppError, AppResult};

/// Roles that administer a municipality (platform admins administer all of them).
pub const ADMINS: &[Role] = &[Role::PlatformAdmin, Role::MunicipalAdmin];

/// The signed-in user behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    /// The user's id.
    pub id: Uuid,
    /// The user's role.
    pub role: Role,
    /// The user's municipality; `None` for platform admins.
    pub municipality_id: Option<Uuid>,
    /// The user's organization, if any.
    pub organization_id: Option<Uuid>,
    /// The session the request came with.
    pub session_id: Uuid,
}

impl AuthUser {
    /// Whether this user may administer `municipality_id`.
    pub fn administers(&self, municipality_id: Uuid) -> bool {
        match self.role {
            Role::PlatformAdmin => true,
            Role::MunicipalAdmin => self.municipality_id == Some(municipality_id),
            _ => false,
        }
    }

    /// Whether this user works for (or is a platform admin over) `municipality_id`.
    pub fn belongs_to(&self, municipality_id: Uuid) -> bool {
        self.role == Role::PlatformAdmin || self.municipality_id == Some(municipality_id)
    }
}

/// The person or program behind a request: a signed-in user or the anonymous public.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The signed-in user, if any.
    pub user: Option<AuthUser>,
    /// The client's address, for rate limits.
    pub client_ip: IpAddr,
}

impl Viewer {
    /// An anonymous visitor from `client_ip`.
    pub fn anonymous(client_ip: IpAddr) -> Self {
        Self {
            user: None,
            client_ip,
        }
    }

    /// The signed-in user, or `UNAUTHENTICATED`.
    pub fn require_user(&self) -> AppResult<&AuthUser> {
        self.user.as_ref().ok_or(AppError::Unauthenticated)
    }

    /// The signed-in user if their role is one of `roles`, else `UNAUTHENTICATED` or
    /// `FORBIDDEN`.
    pub fn require_role(&self, roles: &[Role]) -> AppResult<&AuthUser> {
        let user = self.require_user()?;
        if roles.contains(&user.role) {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The signed-in user if they administer `municipality_id`.
    pub fn require_admin_of(&self, municipality_id: Uuid) -> AppResult<&AuthUser> {
        let user = self.require_role(ADMINS)?;
        if user.administers(municipality_id) {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }
}

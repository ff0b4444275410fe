//! GraphQL inputs of the identity domain and payloads of its mutations.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use secrecy::SecretString;

use super::{
    service,
    types::{Organization, OrganizationKind, Role, Session, User},
};
use crate::graphql::ids::NodeKind;
use crate::{
    error::AppError,
    graphql::{ids, payload::UserError},
};

/// Create a resident account in a municipality.
#[derive(Debug, InputObject)]
pub struct SignUpInput {
    /// JIS code of the municipality to join, e.g. `10201`.
    pub municipality_code: String,
    /// Login email.
    pub email: String,
    /// Password: at least the configured length (default 10) and not easy to guess.
    #[graphql(secret)]
    pub password: String,
    /// Name shown to staff.
    pub display_name: String,
    /// Reading of the name (katakana or hiragana).
    pub display_name_kana: String,
}

impl From<SignUpInput> for service::SignUp {
    fn from(input: SignUpInput) -> Self {
        Self {
            municipality_code: input.municipality_code,
            email: input.email,
            password: SecretString::from(input.password),
            display_name: input.display_name,
            display_name_kana: input.display_name_kana,
        }
    }
}

/// Sign in with email and password.
#[derive(Debug, InputObject)]
pub struct LogInInput {
    /// Login email (any width or case).
    pub email: String,
    /// Password.
    #[graphql(secret)]
    pub password: String,
}

/// Sign out.
#[derive(Debug, Default, InputObject)]
pub struct LogOutInput {
    /// Also end every other session of the account (all devices).
    #[graphql(default)]
    pub everywhere: bool,
}

/// Change your own password.
#[derive(Debug, InputObject)]
pub struct ChangePasswordInput {
    /// The password the account has now.
    #[graphql(secret)]
    pub current_password: String,
    /// The new password: the same strength rules as sign-up, and not the current one.
    #[graphql(secret)]
    pub new_password: String,
}

/// Create an account for staff, partners or residents (administrators only).
#[derive(Debug, InputObject)]
pub struct CreateUserInput {
    /// Login email.
    pub email: String,
    /// Initial password; the same strength rules as sign-up.
    #[graphql(secret)]
    pub password: String,
    /// Name shown to others.
    pub display_name: String,
    /// Reading of the name (katakana or hiragana).
    pub display_name_kana: String,
    /// Role of the new account.
    pub role: Role,
    /// Municipality of the account. Municipal admins may omit it (their own is used);
    /// must be absent for platform admins.
    pub municipality_id: Option<ID>,
    /// Organization the account works for, in the same municipality.
    pub organization_id: Option<ID>,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// Change an account. Absent fields stay as they are.
#[derive(Debug, InputObject)]
pub struct UpdateUserInput {
    /// The account to change.
    pub id: ID,
    /// New display name.
    pub display_name: Option<String>,
    /// New reading of the display name.
    pub display_name_kana: Option<String>,
    /// New role (administrators only; not your own).
    pub role: Option<Role>,
    /// New organization (administrators only).
    pub organization_id: Option<ID>,
}

/// Deactivate an account: it can no longer sign in and its sessions end.
#[derive(Debug, InputObject)]
pub struct DeactivateUserInput {
    /// The account to deactivate.
    pub id: ID,
}

/// Register an organization in a municipality (administrators only).
#[derive(Debug, InputObject)]
pub struct CreateOrganizationInput {
    /// Municipality; municipal admins may omit it (their own is used).
    pub municipality_id: Option<ID>,
    /// What kind of body it is.
    pub kind: OrganizationKind,
    /// Name, unique within the municipality.
    pub name: String,
    /// Reading of the name (katakana or hiragana).
    pub name_kana: String,
    /// Public website (`https://…`).
    pub website_url: Option<String>,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// Result of `signUp`.
#[derive(Debug, SimpleObject)]
pub struct SignUpPayload {
    /// The new session, signed in as the new resident.
    pub session: Option<Session>,
    /// Why the input was refused; nothing was created then.
    pub user_errors: Vec<UserError>,
}

/// Result of `logIn`.
#[derive(Debug, SimpleObject)]
pub struct LogInPayload {
    /// The new session.
    pub session: Option<Session>,
    /// Why the login was refused. The same answer whether or not the email exists.
    pub user_errors: Vec<UserError>,
}

/// Result of `logOut`.
#[derive(Debug, SimpleObject)]
pub struct LogOutPayload {
    /// Number of sessions ended.
    pub ended_sessions: u64,
    /// Always empty; present for uniformity.
    pub user_errors: Vec<UserError>,
}

/// Result of `changePassword`.
#[derive(Debug, SimpleObject)]
pub struct ChangePasswordPayload {
    /// The account, once its password changed.
    pub user: Option<User>,
    /// Number of other sessions ended (this one stays signed in).
    pub ended_sessions: u64,
    /// Why the change was refused (`input.currentPassword` wrong, `input.newPassword`
    /// too weak); nothing changed then.
    pub user_errors: Vec<UserError>,
}

/// Result of `createUser`.
#[derive(Debug, SimpleObject)]
pub struct CreateUserPayload {
    /// The new account.
    pub user: Option<User>,
    /// Why the input was refused; nothing was created then.
    pub user_errors: Vec<UserError>,
}

/// Result of `updateUser`.
#[derive(Debug, SimpleObject)]
pub struct UpdateUserPayload {
    /// The account as changed.
    pub user: Option<User>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// Result of `deactivateUser`.
#[derive(Debug, SimpleObject)]
pub struct DeactivateUserPayload {
    /// The deactivated account.
    pub user: Option<User>,
    /// Why it was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// Result of `createOrganization`.
#[derive(Debug, SimpleObject)]
pub struct CreateOrganizationPayload {
    /// The new organization.
    pub organization: Option<Organization>,
    /// Why the input was refused; nothing was created then.
    pub user_errors: Vec<UserError>,
}

/// Filter of the `users` list.
#[derive(Debug, Default, InputObject)]
pub struct UserFilter {
    /// Only this municipality (platform admins; municipal admins always see their own).
    pub municipality_id: Option<ID>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only active (`true`) or deactivated (`false`) accounts.
    pub active: Option<bool>,
}

/// Order of the `users` list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
pub enum UserOrderBy {
    /// Oldest account first.
    #[default]
    CreatedAt,
    /// By kana reading of the display name (五十音順).
    DisplayNameKana,
}

impl TryFrom<CreateUserInput> for service::NewUser {
    type Error = AppError;

    fn try_from(input: CreateUserInput) -> Result<Self, AppError> {
        Ok(Self {
            email: input.email,
            password: SecretString::from(input.password),
            display_name: input.display_name,
            display_name_kana: input.display_name_kana,
            role: input.role.into(),
            municipality_id: ids::decode_optional(
                input.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            organization_id: ids::decode_optional(
                input.organization_id.as_ref(),
                NodeKind::Organization,
            )?,
            idempotency_key: input.idempotency_key,
        })
    }
}

impl TryFrom<UpdateUserInput> for service::UserChanges {
    type Error = AppError;

    fn try_from(input: UpdateUserInput) -> Result<Self, AppError> {
        Ok(Self {
            display_name: input.display_name,
            display_name_kana: input.display_name_kana,
            role: input.role.map(Into::into),
            organization_id: ids::decode_optional(
                input.organization_id.as_ref(),
                NodeKind::Organization,
            )?,
        })
    }
}

impl TryFrom<CreateOrganizationInput> for service::NewOrganization {
    type Error = AppError;

    fn try_from(input: CreateOrganizationInput) -> Result<Self, AppError> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                input.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            kind: input.kind.into(),
            name: input.name,
            name_kana: input.name_kana,
            website_url: input.website_url,
            idempotency_key: input.idempotency_key,
        })
    }
}

impl TryFrom<UserFilter> for service::UserFilter {
    type Error = AppError;

    fn try_from(filter: UserFilter) -> Result<Self, AppError> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                filter.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            role: filter.role.map(Into::into),
            active: filter.active,
        })
    }
}

impl From<UserOrderBy> for service::UserOrder {
    fn from(order: UserOrderBy) -> Self {
        match order {
            UserOrderBy::CreatedAt => Self::CreatedAt,
            UserOrderBy::DisplayNameKana => Self::DisplayNameKana,
        }
    }
}

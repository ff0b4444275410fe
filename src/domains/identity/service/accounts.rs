//! Accounts: administrators create, change, list and deactivate them; tools and the
//! demo ensure them.

use entity::{municipality, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter,
};
use secrecy::SecretString;
use serde::Serialize;
use uuid::Uuid;

use crate::{
    auth::{
        ADMINS, AuthUser, Role, Viewer, password,
        session::{self},
    },
    db,
    error::{
        AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems, is_unique_violation,
    },
    events::Event,
    idempotency::{self, KeyScope},
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
    state::ServiceContext,
    text::{self, Email, Kana},
};

use super::{MAX_NAME, organizations::check_organization};

/// A new account created by an administrator (or the CLI).
#[derive(Debug)]
pub struct NewUser {
    /// Login email, as typed.
    pub email: String,
    /// Initial password.
    pub password: SecretString,
    /// Display name.
    pub display_name: String,
    /// Kana reading of the display name.
    pub display_name_kana: String,
    /// Role.
    pub role: Role,
    /// Municipality; `None` means the administrator's own (or none for platform admins).
    pub municipality_id: Option<Uuid>,
    /// Organization, in the same municipality.
    pub organization_id: Option<Uuid>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct UserChanges {
    /// New display name.
    pub display_name: Option<String>,
    /// New kana reading.
    pub display_name_kana: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New organization.
    pub organization_id: Option<Uuid>,
}

/// Filter of the user list.
#[derive(Debug, Default)]
pub struct UserFilter {
    /// Only this municipality (platform admins); municipal admins always see their own.
    pub municipality_id: Option<Uuid>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only active (`true`) or deactivated (`false`) accounts.
    pub active: Option<bool>,
}

/// Order of the user list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UserOrder {
    /// Oldest first.
    #[default]
    CreatedAt,
    /// By kana reading (五十音順).
    DisplayNameKana,
}

/// An account the viewer may see: their own, or one they administer.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn find_user(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<user::Model> {
    let me = viewer.require_user()?;
    let user = user::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if can_see_user(me, &user) {
        Ok(user)
    } else {
        Err(AppError::NotFound)
    }
}

/// Accounts the viewer administers.
#[tracing::instrument(skip_all)]
pub async fn list_users(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    filter: UserFilter,
    order: UserOrder,
    page: PageArgs,
) -> AppResult<Page<user::Model>> {
    let me = viewer.require_role(ADMINS)?;
    let mut select = user::Entity::find();
    select = match (me.role, me.municipality_id) {
        (Role::PlatformAdmin, _) => match filter.municipality_id {
            Some(id) => select.filter(user::Column::MunicipalityId.eq(id)),
            None => select,
        },
        (_, Some(own)) => {
            if filter.municipality_id.is_some_and(|id| id != own) {
                return Err(AppError::Forbidden);
            }
            select.filter(user::Column::MunicipalityId.eq(own))
        }
        (_, None) => return Err(AppError::Forbidden),
    };
    if let Some(role) = filter.role {
        select = select.filter(user::Column::Role.eq(role));
    }
    select = match filter.active {
        Some(true) => select.filter(user::Column::DeactivatedAt.is_null()),
        Some(false) => select.filter(user::Column::DeactivatedAt.is_not_null()),
        None => select,
    };
    let ordering = match order {
        UserOrder::CreatedAt => Ordering::<user::Entity> {
            column: None,
            id: user::Column::Id,
            descending: false,
            key: |row: &user::Model| (None, row.id),
        },
        UserOrder::DisplayNameKana => Ordering {
            column: Some(user::Column::DisplayNameKana),
            id: user::Column::Id,
            descending: false,
            key: |row: &user::Model| (Some(SortValue::Text(row.display_name_kana.clone())), row.id),
        },
    };
    paginate(ctx.db, select, &ordering, page, ctx.limits.max_page_size).await
}

/// Creates an account on behalf of an administrator.
#[tracing::instrument(skip_all)]
pub async fn create_user(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: NewUser,
) -> AppResult<Outcome<user::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let municipality_id = match (input.role, input.municipality_id) {
        (Role::PlatformAdmin, None) if me.role == Role::PlatformAdmin => None,
        (Role::PlatformAdmin, _) if me.role == Role::PlatformAdmin => {
            return Ok(Err(vec![FieldError::input(
                "municipalityId",
                FieldErrorCode::NotAllowed,
                "プラットフォーム管理者は自治体に所属しません。",
            )]));
        }
        (Role::PlatformAdmin, _) => return Err(AppError::Forbidden),
        (_, Some(id)) => Some(id),
        (_, None) => match me.municipality_id {
            Some(own) => Some(own),
            None => {
                return Ok(Err(vec![FieldError::input(
                    "municipalityId",
                    FieldErrorCode::Required,
                    "所属する自治体を指定してください。",
                )]));
            }
        },
    };
    if let Some(id) = municipality_id {
        if !me.administers(id) {
            return Err(AppError::Forbidden);
        }
        if municipality::Entity::find_by_id(id)
            .one(ctx.db)
            .await?
            .is_none()
        {
            return Ok(Err(vec![FieldError::input(
                "municipalityId",
                FieldErrorCode::NotFound,
                "指定された自治体が見つかりません。",
            )]));
        }
    }

    let mut problems = Problems::new();
    let email = problems.check(Email::parse("email", &input.email));
    let name = problems.check(text::required("displayName", &input.display_name, MAX_NAME));
    let kana = problems.check(Kana::parse(
        "displayNameKana",
        &input.display_name_kana,
        MAX_NAME,
    ));
    problems.check(password::check_strength(
        &input.password,
        ctx.limits.min_password_length,
        &[&input.email, &input.display_name],
    ));
    if let Some(organization_id) = input.organization_id {
        problems.check(check_organization(ctx.db, organization_id, municipality_id).await?);
    }
    let (Some(email), Some(name), Some(kana), true) = (email, name, kana, problems.is_empty())
    else {
        return Ok(Err(problems.into_vec()));
    };

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        email: &'a Email,
        name: &'a str,
        kana: &'a Kana,
        role: &'a str,
        municipality_id: Option<Uuid>,
        organization_id: Option<Uuid>,
    }
    let role_name = format!("{:?}", input.role);
    let fingerprint = Fingerprint {
        email: &email,
        name: &name,
        kana: &kana,
        role: &role_name,
        municipality_id,
        organization_id: input.organization_id,
    };
    let scope = KeyScope::user(me.id, "createUser");
    let password_hash = password::hash(input.password).await?;
    let created = idempotency::run_once(
        ctx.db,
        &scope,
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            if email_taken(txn, &email).await? {
                return Ok(Err(vec![email_taken_error()]));
            }
            let inserted = insert_user(
                txn,
                &email,
                password_hash,
                name.clone(),
                kana.clone(),
                input.role,
                municipality_id,
                input.organization_id,
            )
            .await;
            match inserted {
                Ok(user) => Ok(Ok(user.id)),
                Err(error) if is_unique_violation(&error) => Ok(Err(vec![email_taken_error()])),
                Err(error) => Err(error.into()),
            }
        },
    )
    .await?;
    match created {
        Ok(id) => {
            let user = user::Entity::find_by_id(id)
                .one(ctx.db)
                .await?
                .ok_or(AppError::NotFound)?;
            tracing::info!(user_id = %user.id, by = %me.id, "user created");
            Ok(Ok(user))
        }
        Err(errors) => Ok(Err(errors)),
    }
}

/// Changes an account. Users may rename themselves; administrators may also change the
/// role (not their own) and the organization.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update_user(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    changes: UserChanges,
) -> AppResult<Outcome<user::Model>> {
    let me = viewer.require_user()?.clone();
    let user = find_user(ctx, viewer, id).await?;
    let is_admin = can_administer_user(&me, &user);
    if !is_admin && (changes.role.is_some() || changes.organization_id.is_some()) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    let mut model = user.clone().into_active_model();
    if let Some(name) = &changes.display_name
        && let Some(name) = problems.check(text::required("displayName", name, MAX_NAME))
    {
        model.display_name = Set(name);
    }
    if let Some(kana) = &changes.display_name_kana
        && let Some(kana) = problems.check(Kana::parse("displayNameKana", kana, MAX_NAME))
    {
        model.display_name_kana = Set(kana.as_str().to_owned());
    }
    if let Some(role) = changes.role {
        if user.id == me.id && role != user.role {
            problems.push(FieldError::input(
                "role",
                FieldErrorCode::NotAllowed,
                "自分自身の役割は変更できません。",
            ));
        } else if (role == Role::PlatformAdmin) != (user.role == Role::PlatformAdmin) {
            problems.push(FieldError::input(
                "role",
                FieldErrorCode::NotAllowed,
                "プラットフォーム管理者との間で役割を変更することはできません。",
            ));
        } else {
            model.role = Set(role);
        }
    }
    if let Some(organization_id) = changes.organization_id
        && problems
            .check(check_organization(ctx.db, organization_id, user.municipality_id).await?)
            .is_some()
    {
        model.organization_id = Set(Some(organization_id));
    }
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }
    if !model.is_changed() {
        return Ok(Ok(user));
    }
    model.updated_at = Set(crate::db::now());
    let updated = model.update(ctx.db).await?;
    publish_account_event(ctx, &updated, session::ACCOUNT_UPDATED).await;
    Ok(Ok(updated))
}

/// Deactivates an account and ends its sessions. Deactivating twice changes nothing.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn deactivate_user(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Outcome<user::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let user = find_user(ctx, viewer, id).await?;
    if !can_administer_user(&me, &user) {
        return Err(AppError::Forbidden);
    }
    if user.id == me.id {
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::NotAllowed,
            "自分自身のアカウントは無効にできません。",
        )]));
    }
    if user.deactivated_at.is_some() {
        return Ok(Ok(user));
    }
    let txn = db::begin_write(ctx.db).await?;
    let mut model = user.into_active_model();
    let now = crate::db::now();
    model.deactivated_at = Set(Some(now));
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    session::revoke_all(&txn, updated.id).await?;
    txn.commit().await?;
    tracing::info!(user_id = %updated.id, by = %me.id, "user deactivated");
    publish_account_event(ctx, &updated, session::ACCOUNT_DEACTIVATED).await;
    Ok(Ok(updated))
}

/// Creates or finds an account for the CLI and the demo seed (no viewer, no rate limit).
/// Returns the account and whether it was created.
#[tracing::instrument(skip_all, fields(municipality_id = ?municipality_id, organization_id = ?organization_id))]
pub async fn ensure_user(
    db: &DatabaseConnection,
    email: &str,
    password: SecretString,
    display_name: &str,
    display_name_kana: &str,
    role: Role,
    municipality_id: Option<Uuid>,
    organization_id: Option<Uuid>,
) -> anyhow::Result<(user::Model, bool)> {
    let email = Email::parse("email", email).map_err(|e| anyhow::anyhow!(e.message))?;
    if let Some(existing) = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
    {
        return Ok((existing, false));
    }
    let name = text::required("displayName", display_name, MAX_NAME)
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let kana = Kana::parse("displayNameKana", display_name_kana, MAX_NAME)
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let hash = password::hash(password).await?;
    let user = insert_user(
        db,
        &email,
        hash,
        name,
        kana,
        role,
        municipality_id,
        organization_id,
    )
    .await?;
    Ok((user, true))
}

pub(super) async fn insert_user(
    db: &impl ConnectionTrait,
    email: &Email,
    password_hash: String,
    display_name: String,
    kana: Kana,
    role: Role,
    municipality_id: Option<Uuid>,
    organization_id: Option<Uuid>,
) -> Result<user::Model, sea_orm::DbErr> {
    let now = crate::db::now();
    user::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(municipality_id),
        organization_id: Set(organization_id),
        email: Set(email.as_str().to_owned()),
        password_hash: Set(password_hash),
        display_name: Set(display_name),
        display_name_kana: Set(kana.as_str().to_owned()),
        role: Set(role),
        deactivated_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

pub(super) async fn email_taken(db: &impl ConnectionTrait, email: &Email) -> AppResult<bool> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .is_some())
}

pub(super) fn email_taken_error() -> FieldError {
    FieldError::input(
        "email",
        FieldErrorCode::Taken,
        "このメールアドレスはすでに登録されています。",
    )
}

pub(super) fn can_see_user(me: &AuthUser, user: &user::Model) -> bool {
    me.id == user.id || can_administer_user(me, user)
}

pub(super) fn can_administer_user(me: &AuthUser, user: &user::Model) -> bool {
    match user.municipality_id {
        Some(municipality_id) => me.administers(municipality_id),
        None => me.role == Role::PlatformAdmin,
    }
}

pub(super) async fn publish_account_event(
    ctx: ServiceContext<'_>,
    user: &user::Model,
    topic: &str,
) {
    ctx.announce([Event {
        municipality_id: user.municipality_id,
        topic: topic.to_owned(),
        subject_id: user.id,
        user_id: Some(user.id),
        occurred_at: ctx.now(),
    }])
    .await;
}

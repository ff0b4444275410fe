//! Rules of the identity domain: sign-up, login, accounts and organizations. Knows nothing
//! of GraphQL; the CLI and the seed call it too.

use chrono::Utc;
use entity::{municipality, organization, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, Select,
};
use secrecy::SecretString;
use serde::Serialize;
use uuid::Uuid;

use crate::{
    auth::{
        ADMINS, AuthUser, Role, Viewer, password,
        session::{self, IssuedSession},
    },
    db,
    error::{
        AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems, is_unique_violation,
    },
    events::Event,
    idempotency::{self, KeyScope},
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
    rate_limit::Quota,
    state::AppState,
    text::{self, Email, Kana},
};

/// Longest display or organization name.
const MAX_NAME: usize = 100;

/// Sign-up of a resident.
#[derive(Debug)]
pub struct SignUp {
    /// JIS code of the municipality to join.
    pub municipality_code: String,
    /// Login email, as typed.
    pub email: String,
    /// Password.
    pub password: SecretString,
    /// Display name.
    pub display_name: String,
    /// Kana reading of the display name.
    pub display_name_kana: String,
}

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

/// A new organization.
#[derive(Debug)]
pub struct NewOrganization {
    /// Municipality; `None` means the administrator's own.
    pub municipality_id: Option<Uuid>,
    /// Kind of body.
    pub kind: organization::OrganizationKind,
    /// Name.
    pub name: String,
    /// Kana reading of the name.
    pub name_kana: String,
    /// Website.
    pub website_url: Option<String>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// A user and the session just issued to them.
#[derive(Debug)]
pub struct SignedIn {
    /// The account.
    pub user: user::Model,
    /// The new session.
    pub session: IssuedSession,
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

/// Creates a resident account and signs it in.
pub async fn sign_up(
    state: &AppState,
    viewer: &Viewer,
    input: SignUp,
) -> AppResult<Outcome<SignedIn>> {
    state
        .limiter
        .hit(
            &format!("signup:{}", viewer.client_ip),
            Quota::per_minute(state.limits.public_rate_per_minute),
        )
        .await?;
    let mut problems = Problems::new();
    let email = problems.check(Email::parse("email", &input.email));
    let name = problems.check(text::required("displayName", &input.display_name, MAX_NAME));
    let kana = problems.check(Kana::parse(
        "displayNameKana",
        &input.display_name_kana,
        MAX_NAME,
    ));
    let code = text::normalize(&input.municipality_code);
    let municipality = municipality::Entity::find()
        .filter(municipality::Column::JisCode.eq(code))
        .one(&state.db)
        .await?;
    let place = municipality
        .as_ref()
        .map(|m| m.name_en.to_lowercase())
        .unwrap_or_default();
    problems.check(password::check_strength(
        &input.password,
        state.limits.min_password_length,
        &[&input.email, &input.display_name, &place],
    ));
    if municipality.is_none() {
        problems.push(FieldError::input(
            "municipalityCode",
            FieldErrorCode::NotFound,
            "その団体コードの自治体は登録されていません。",
        ));
    }
    let (Some(email), Some(name), Some(kana), Some(municipality), true) =
        (email, name, kana, municipality, problems.is_empty())
    else {
        return Ok(Err(problems.into_vec()));
    };
    if email_taken(&state.db, &email).await? {
        return Ok(Err(vec![email_taken_error()]));
    }
    let password_hash = password::hash(input.password).await?;
    let txn = db::begin_write(&state.db).await?;
    let inserted = insert_user(
        &txn,
        &email,
        password_hash,
        name,
        kana,
        Role::Resident,
        Some(municipality.id),
        None,
    )
    .await;
    let user = match inserted {
        Ok(user) => user,
        Err(error) if is_unique_violation(&error) => return Ok(Err(vec![email_taken_error()])),
        Err(error) => return Err(error.into()),
    };
    let session = session::issue(&txn, user.id, state.limits.session_ttl()).await?;
    txn.commit().await?;
    tracing::info!(user_id = %user.id, "resident signed up");
    Ok(Ok(SignedIn { user, session }))
}

/// Signs in with email and password. Unknown emails, wrong passwords and deactivated
/// accounts get the same answer in about the same time; too many failures for one email
/// lock it for a while.
pub async fn log_in(
    state: &AppState,
    viewer: &Viewer,
    email: &str,
    password: SecretString,
) -> AppResult<Outcome<SignedIn>> {
    let limits = &state.limits;
    state
        .limiter
        .hit(
            &format!("login-ip:{}", viewer.client_ip),
            Quota::per_minute(limits.login_rate_per_minute),
        )
        .await?;
    let email = text::normalize(email).to_lowercase();
    let failures = format!("login-fail:{email}");
    let lockout = Quota {
        max: limits.login_max_failures,
        window: std::time::Duration::from_secs(u64::from(limits.login_lockout_minutes) * 60),
    };
    state.limiter.check(&failures, lockout).await?;

    let account = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(&state.db)
        .await?;
    let hash = account.as_ref().map_or_else(
        || state.dummy_password_hash.to_string(),
        |user| user.password_hash.clone(),
    );
    let matches = password::verify(password, hash).await?;
    match account {
        Some(user) if matches && user.deactivated_at.is_none() => {
            state.limiter.reset(&failures).await?;
            let session = session::issue(&state.db, user.id, limits.session_ttl()).await?;
            Ok(Ok(SignedIn { user, session }))
        }
        _ => {
            state.limiter.record(&failures, lockout).await?;
            Ok(Err(vec![FieldError::whole(
                FieldErrorCode::InvalidCredentials,
                "メールアドレスまたはパスワードが正しくありません。",
            )]))
        }
    }
}

/// Ends the viewer's session, or every session of the account. Returns how many ended.
pub async fn log_out(state: &AppState, viewer: &Viewer, everywhere: bool) -> AppResult<u64> {
    let me = viewer.require_user()?;
    if everywhere {
        session::revoke_all(&state.db, me.id).await
    } else {
        session::revoke(&state.db, me.session_id).await.map(|()| 1)
    }
}

/// The signed-in user's account.
pub async fn me(state: &AppState, viewer: &Viewer) -> AppResult<Option<user::Model>> {
    let Some(me) = &viewer.user else {
        return Ok(None);
    };
    Ok(user::Entity::find_by_id(me.id).one(&state.db).await?)
}

/// An account the viewer may see: their own, or one they administer.
pub async fn find_user(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<user::Model> {
    let me = viewer.require_user()?;
    let user = user::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if can_see_user(me, &user) {
        Ok(user)
    } else {
        Err(AppError::NotFound)
    }
}

/// Accounts the viewer administers.
pub async fn list_users(
    state: &AppState,
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
    paginate(
        &state.db,
        select,
        &ordering,
        page,
        state.limits.max_page_size,
    )
    .await
}

/// Creates an account on behalf of an administrator.
pub async fn create_user(
    state: &AppState,
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
            .one(&state.db)
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
        state.limits.min_password_length,
        &[&input.email, &input.display_name],
    ));
    if let Some(organization_id) = input.organization_id {
        problems.check(check_organization(&state.db, organization_id, municipality_id).await?);
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
        &state.db,
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
                .one(&state.db)
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
pub async fn update_user(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    changes: UserChanges,
) -> AppResult<Outcome<user::Model>> {
    let me = viewer.require_user()?.clone();
    let user = find_user(state, viewer, id).await?;
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
            .check(check_organization(&state.db, organization_id, user.municipality_id).await?)
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
    model.updated_at = Set(Utc::now());
    let updated = model.update(&state.db).await?;
    publish_account_event(state, &updated, "account.updated").await;
    Ok(Ok(updated))
}

/// Deactivates an account and ends its sessions. Deactivating twice changes nothing.
pub async fn deactivate_user(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Outcome<user::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let user = find_user(state, viewer, id).await?;
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
    let txn = db::begin_write(&state.db).await?;
    let mut model = user.into_active_model();
    let now = Utc::now();
    model.deactivated_at = Set(Some(now));
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    session::revoke_all(&txn, updated.id).await?;
    txn.commit().await?;
    tracing::info!(user_id = %updated.id, by = %me.id, "user deactivated");
    publish_account_event(state, &updated, "account.deactivated").await;
    Ok(Ok(updated))
}

/// Registers an organization.
pub async fn create_organization(
    state: &AppState,
    viewer: &Viewer,
    input: NewOrganization,
) -> AppResult<Outcome<organization::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let Some(municipality_id) = input.municipality_id.or(me.municipality_id) else {
        return Ok(Err(vec![FieldError::input(
            "municipalityId",
            FieldErrorCode::Required,
            "自治体を指定してください。",
        )]));
    };
    if !me.administers(municipality_id) {
        return Err(AppError::Forbidden);
    }
    if municipality::Entity::find_by_id(municipality_id)
        .one(&state.db)
        .await?
        .is_none()
    {
        return Ok(Err(vec![FieldError::input(
            "municipalityId",
            FieldErrorCode::NotFound,
            "指定された自治体が見つかりません。",
        )]));
    }
    let mut problems = Problems::new();
    let name = problems.check(text::required("name", &input.name, MAX_NAME));
    let kana = problems.check(Kana::parse("nameKana", &input.name_kana, MAX_NAME));
    let website_url = match &input.website_url {
        Some(url) => problems.check(parse_url("websiteUrl", url)).map(Some),
        None => Some(None),
    };
    let (Some(name), Some(kana), Some(website_url), true) =
        (name, kana, website_url, problems.is_empty())
    else {
        return Ok(Err(problems.into_vec()));
    };

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        municipality_id: Uuid,
        kind: &'a str,
        name: &'a str,
        kana: &'a Kana,
        website_url: &'a Option<String>,
    }
    let kind_name = format!("{:?}", input.kind);
    let fingerprint = Fingerprint {
        municipality_id,
        kind: &kind_name,
        name: &name,
        kana: &kana,
        website_url: &website_url,
    };
    let created = idempotency::run_once(
        &state.db,
        &KeyScope::user(me.id, "createOrganization"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let now = Utc::now();
            let inserted = organization::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(municipality_id),
                kind: Set(input.kind),
                name: Set(name.clone()),
                name_kana: Set(kana.as_str().to_owned()),
                website_url: Set(website_url.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await;
            match inserted {
                Ok(organization) => Ok(Ok(organization.id)),
                Err(error) if is_unique_violation(&error) => Ok(Err(vec![FieldError::input(
                    "name",
                    FieldErrorCode::Taken,
                    "同じ名前の団体がすでに登録されています。",
                )])),
                Err(error) => Err(error.into()),
            }
        },
    )
    .await?;
    idempotency::load_created::<organization::Entity>(&state.db, created).await
}

/// Every municipality, by JIS code (public).
pub async fn list_municipalities(
    state: &AppState,
    page: PageArgs,
) -> AppResult<Page<municipality::Model>> {
    let ordering = Ordering::<municipality::Entity> {
        column: Some(municipality::Column::JisCode),
        id: municipality::Column::Id,
        descending: false,
        key: |row| (Some(SortValue::Text(row.jis_code.clone())), row.id),
    };
    paginate(
        &state.db,
        municipality::Entity::find(),
        &ordering,
        page,
        state.limits.max_page_size,
    )
    .await
}

/// One municipality by JIS code (public).
pub async fn find_municipality_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> AppResult<Option<municipality::Model>> {
    Ok(municipality::Entity::find()
        .filter(municipality::Column::JisCode.eq(text::normalize(code)))
        .one(db)
        .await?)
}

/// One municipality by id (public).
pub async fn find_municipality(state: &AppState, id: Uuid) -> AppResult<municipality::Model> {
    municipality::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// One organization by id (public).
pub async fn find_organization(state: &AppState, id: Uuid) -> AppResult<organization::Model> {
    organization::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Organizations of a municipality by name (public).
pub async fn list_organizations(
    state: &AppState,
    municipality_id: Uuid,
    kind: Option<organization::OrganizationKind>,
    page: PageArgs,
) -> AppResult<Page<organization::Model>> {
    let mut select: Select<organization::Entity> = organization::Entity::find()
        .filter(organization::Column::MunicipalityId.eq(municipality_id));
    if let Some(kind) = kind {
        select = select.filter(organization::Column::Kind.eq(kind));
    }
    let ordering = Ordering::<organization::Entity> {
        column: Some(organization::Column::NameKana),
        id: organization::Column::Id,
        descending: false,
        key: |row| (Some(SortValue::Text(row.name_kana.clone())), row.id),
    };
    paginate(
        &state.db,
        select,
        &ordering,
        page,
        state.limits.max_page_size,
    )
    .await
}

/// Creates or finds an account for the CLI and the demo seed (no viewer, no rate limit).
/// Returns the account and whether it was created.
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

async fn insert_user(
    db: &impl ConnectionTrait,
    email: &Email,
    password_hash: String,
    display_name: String,
    kana: Kana,
    role: Role,
    municipality_id: Option<Uuid>,
    organization_id: Option<Uuid>,
) -> Result<user::Model, sea_orm::DbErr> {
    let now = Utc::now();
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

async fn email_taken(db: &impl ConnectionTrait, email: &Email) -> AppResult<bool> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .is_some())
}

fn email_taken_error() -> FieldError {
    FieldError::input(
        "email",
        FieldErrorCode::Taken,
        "このメールアドレスはすでに登録されています。",
    )
}

async fn check_organization(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    municipality_id: Option<Uuid>,
) -> AppResult<Result<(), FieldError>> {
    let organization = organization::Entity::find_by_id(organization_id)
        .one(db)
        .await?;
    Ok(match organization {
        Some(organization) if Some(organization.municipality_id) == municipality_id => Ok(()),
        _ => Err(FieldError::input(
            "organizationId",
            FieldErrorCode::NotFound,
            "同じ自治体の団体を指定してください。",
        )),
    })
}

fn parse_url(field: &str, value: &str) -> Result<String, FieldError> {
    let url = text::required(field, value, 500)?;
    let valid = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > "https://".len()
        && !url.contains(char::is_whitespace);
    if valid {
        Ok(url)
    } else {
        Err(FieldError::input(
            field,
            FieldErrorCode::Invalid,
            "https:// で始まるURLを入力してください。",
        ))
    }
}

fn can_see_user(me: &AuthUser, user: &user::Model) -> bool {
    me.id == user.id || can_administer_user(me, user)
}

fn can_administer_user(me: &AuthUser, user: &user::Model) -> bool {
    match user.municipality_id {
        Some(municipality_id) => me.administers(municipality_id),
        None => me.role == Role::PlatformAdmin,
    }
}

async fn publish_account_event(state: &AppState, user: &user::Model, topic: &str) {
    state
        .events
        .publish(
            &state.db,
            Event {
                municipality_id: user.municipality_id,
                topic: topic.to_owned(),
                subject_id: user.id,
                user_id: Some(user.id),
                occurred_at: Utc::now(),
            },
        )
        .await;
}

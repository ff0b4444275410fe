//! Sign-up, login and logout: a resident's own account and sessions.

use entity::{municipality, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use secrecy::SecretString;

use crate::{
    auth::{
        Role, Viewer, password,
        session::{self, IssuedSession, SessionCache},
    },
    db,
    error::{AppResult, FieldError, FieldErrorCode, Outcome, Problems, is_unique_violation},
    events::Event,
    rate_limit::Quota,
    state::ServiceContext,
    text::{self, Email, Kana},
};

use super::{
    MAX_NAME,
    accounts::{email_taken, email_taken_error, insert_user},
};

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

/// A user and the session just issued to them.
#[derive(Debug)]
pub struct SignedIn {
    /// The account.
    pub user: user::Model,
    /// The new session.
    pub session: IssuedSession,
}

/// Creates a resident account and signs it in.
#[tracing::instrument(skip_all)]
pub async fn sign_up(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: SignUp,
) -> AppResult<Outcome<SignedIn>> {
    ctx.hit(
        &format!("signup:{}", viewer.client_ip),
        Quota::per_minute(ctx.limits.public_rate_per_minute),
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
        .one(ctx.db)
        .await?;
    let place = municipality
        .as_ref()
        .map(|m| m.name_en.to_lowercase())
        .unwrap_or_default();
    problems.check(password::check_strength(
        &input.password,
        ctx.limits.min_password_length,
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
    if email_taken(ctx.db, &email).await? {
        return Ok(Err(vec![email_taken_error()]));
    }
    let password_hash = password::hash(input.password).await?;
    let txn = db::begin_write(ctx.db).await?;
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
    let session = session::issue(&txn, user.id, ctx.limits.session_ttl()).await?;
    if ctx.notifies() {
        crate::domains::identity::notices::welcome(&txn, &user, &municipality).await?;
    }
    txn.commit().await?;
    tracing::info!(user_id = %user.id, "resident signed up");
    Ok(Ok(SignedIn { user, session }))
}

/// Signs in with email and password. Unknown emails, wrong passwords and deactivated
/// accounts get the same answer in about the same time; too many failures for one email
/// lock it for a while.
#[tracing::instrument(skip_all)]
pub async fn log_in(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    email: &str,
    password: SecretString,
) -> AppResult<Outcome<SignedIn>> {
    let limits = &ctx.limits;
    ctx.hit(
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
    ctx.check_lock(&failures).await?;

    let account = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(ctx.db)
        .await?;
    let hash = match &account {
        Some(user) => user.password_hash.clone(),
        None => password::dummy_hash().await?,
    };
    let matches = password::verify(password, hash).await?;
    match account {
        Some(user) if matches && user.deactivated_at.is_none() => {
            ctx.reset(&failures).await?;
            let session = session::issue(ctx.db, user.id, limits.session_ttl()).await?;
            Ok(Ok(SignedIn { user, session }))
        }
        _ => {
            ctx.record_failure(&failures, lockout).await?;
            Ok(Err(vec![FieldError::whole(
                FieldErrorCode::InvalidCredentials,
                "メールアドレスまたはパスワードが正しくありません。",
            )]))
        }
    }
}

/// Ends the viewer's session, or every session of the account. Returns how many ended.
#[tracing::instrument(skip_all)]
pub async fn log_out(ctx: ServiceContext<'_>, viewer: &Viewer, everywhere: bool) -> AppResult<u64> {
    let me = viewer.require_user()?;
    let (ended, topic, subject_id) = if everywhere {
        let ended = session::revoke_all(ctx.db, me.id).await?;
        (ended, session::ALL_SESSIONS_ENDED, me.id)
    } else {
        session::revoke(ctx.db, me.session_id).await?;
        (1, session::SESSION_ENDED, me.session_id)
    };
    // Live connections of the session (subscriptions) listen for this and close.
    ctx.announce([Event {
        municipality_id: me.municipality_id,
        topic: topic.to_owned(),
        subject_id,
        user_id: Some(me.id),
        occurred_at: ctx.now(),
    }])
    .await;
    Ok(ended)
}

/// The signed-in user's account: as read with the session lately, else from the database.
#[tracing::instrument(skip_all)]
pub async fn me(
    ctx: ServiceContext<'_>,
    sessions: &SessionCache,
    viewer: &Viewer,
) -> AppResult<Option<user::Model>> {
    let Some(me) = &viewer.user else {
        return Ok(None);
    };
    if let Some(account) = sessions.account(me.id) {
        return Ok(Some(account));
    }
    Ok(user::Entity::find_by_id(me.id).one(ctx.db).await?)
}

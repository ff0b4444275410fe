//! Changing one's own password: the current one proves it is the account holder, the new
//! one follows the sign-up rules, and every other session ends.

use entity::{municipality, session as session_row, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    sea_query::Expr,
};
use secrecy::{ExposeSecret, SecretString};

use crate::{
    auth::{Viewer, password, session},
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    events::Event,
    rate_limit::Quota,
    state::ServiceContext,
};

/// A password changed: the account, and how many other sessions ended.
#[derive(Debug)]
pub struct PasswordChanged {
    /// The account.
    pub user: user::Model,
    /// Sessions of the account ended (every one but the one that changed it).
    pub ended_sessions: u64,
}

/// Changes the viewer's password. A wrong current password counts as a failed login of the
/// account (too many lock it, like `log_in`); the new one must pass the sign-up strength
/// rules. On success every other session of the account ends at once, the holder is told
/// by a message that cannot be turned off, and `account.password_changed` is announced.
#[tracing::instrument(skip_all)]
pub async fn change_password(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    current: SecretString,
    new: SecretString,
) -> AppResult<Outcome<PasswordChanged>> {
    let me = viewer.require_user()?.clone();
    let limits = &ctx.limits;
    ctx.hit(
        &format!("login-ip:{}", viewer.client_ip),
        Quota::per_minute(limits.login_rate_per_minute),
    )
    .await?;
    let account = user::Entity::find_by_id(me.id)
        .one(ctx.db)
        .await?
        .filter(|account| account.deactivated_at.is_none())
        .ok_or(AppError::Unauthenticated)?;
    // The same budget of guesses as logging in to the account: a stolen session gives no
    // more tries at the password.
    let failures = format!("login-fail:{}", account.email);
    let lockout = Quota {
        max: limits.login_max_failures,
        window: std::time::Duration::from_secs(u64::from(limits.login_lockout_minutes) * 60),
    };
    ctx.check_lock(&failures).await?;

    let same = current.expose_secret() == new.expose_secret();
    let mut problems = Problems::new();
    if let Err(error) = password::check_strength(
        &new,
        limits.min_password_length,
        &[&account.email, &account.display_name],
    ) {
        problems.push(FieldError {
            field: vec!["input".into(), "newPassword".into()],
            ..error
        });
    } else if same {
        problems.push(FieldError::input(
            "newPassword",
            FieldErrorCode::NotAllowed,
            "新しいパスワードは現在のパスワードと違うものにしてください。",
        ));
    }
    if !password::verify(current, account.password_hash.clone()).await? {
        ctx.record_failure(&failures, lockout).await?;
        problems.push(FieldError::input(
            "currentPassword",
            FieldErrorCode::InvalidCredentials,
            "現在のパスワードが正しくありません。",
        ));
        return Ok(Err(problems.into_vec()));
    }
    ctx.reset(&failures).await?;
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }

    let hash = password::hash(new).await?;
    let now = ctx.now();
    let txn = db::begin_write(ctx.db).await?;
    let mut model = account.into_active_model();
    model.password_hash = Set(hash);
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    let ended = session_row::Entity::update_many()
        .col_expr(session_row::Column::RevokedAt, Expr::value(now))
        .filter(session_row::Column::UserId.eq(me.id))
        .filter(session_row::Column::Id.ne(me.session_id))
        .filter(session_row::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if ctx.notifies() {
        let place = match updated.municipality_id {
            Some(id) => municipality::Entity::find_by_id(id).one(&txn).await?,
            None => None,
        };
        crate::domains::identity::notices::password_changed(&txn, &updated, place.as_ref(), now)
            .await?;
    }
    txn.commit().await?;
    tracing::info!(user_id = %updated.id, ended, "password changed");
    // Every replica drops its cached sessions on hearing this, so a token of another
    // session stops working at once; live connections of those sessions close.
    ctx.announce([Event {
        municipality_id: updated.municipality_id,
        topic: session::PASSWORD_CHANGED.to_owned(),
        subject_id: updated.id,
        user_id: Some(updated.id),
        occurred_at: now,
    }])
    .await;
    Ok(Ok(PasswordChanged {
        user: updated,
        ended_sessions: ended,
    }))
}

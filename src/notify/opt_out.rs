//! Guests' one-click opt-out: each email to a guest carries a token that stops further
//! messages of its kind to that address (messages a booking depends on still arrive).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::{notification, notification_opt_out};
use rand::Rng;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    error::{AppError, AppResult},
    state::ServiceContext,
};

/// What an opt-out stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptedOut {
    /// The kind of message no longer sent.
    pub kind: String,
}

/// A new unguessable token.
pub(super) fn new_token() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Stops messages of the kind of the message carrying `token` to its guest address.
/// Using a token twice is fine; an unknown token is `NOT_FOUND`.
pub async fn opt_out(ctx: ServiceContext<'_>, token: &str) -> AppResult<OptedOut> {
    let token = token.trim();
    if token.is_empty() || token.len() > 64 {
        return Err(AppError::NotFound);
    }
    let message = notification::Entity::find()
        .filter(notification::Column::OptOutToken.eq(token))
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let email = message.email.ok_or(AppError::NotFound)?;
    notification_opt_out::Entity::insert(notification_opt_out::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email),
        kind: Set(message.kind.clone()),
        created_at: Set(ctx.now()),
    })
    .on_conflict_do_nothing_on([
        notification_opt_out::Column::Email,
        notification_opt_out::Column::Kind,
    ])
    .exec_without_returning(ctx.db)
    .await?;
    Ok(OptedOut { kind: message.kind })
}

/// The token of an opt-out link.
#[derive(Debug, serde::Deserialize)]
pub struct OptOutQuery {
    /// The token.
    pub token: String,
}

/// `GET` and `POST /notifications/opt-out?token=…`: the link in a guest's email (GET, when
/// opened) and its one-click `List-Unsubscribe-Post` (POST, from the mail client).
pub async fn opt_out_route(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    axum::extract::Query(query): axum::extract::Query<OptOutQuery>,
) -> axum::response::Response {
    use axum::{http::StatusCode, response::IntoResponse};
    let page = |status: StatusCode, message: &str| {
        (
            status,
            [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
            format!(
                "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>配信停止</title></head><body><p>{message}</p></body></html>"
            ),
        )
            .into_response()
    };
    match opt_out(ServiceContext::from(&state), &query.token).await {
        Ok(_) => page(
            StatusCode::OK,
            "配信を停止しました。この種類のお知らせは今後お送りしません（申込みの有効性にかかわるお知らせは引き続きお送りします）。",
        ),
        Err(AppError::NotFound) => page(
            StatusCode::NOT_FOUND,
            "配信停止のリンクが正しくありません。メールに記載のリンクをそのまま開いてください。",
        ),
        Err(error) => {
            tracing::error!(%error, "opting out of notifications failed");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ただいま処理できません。時間をおいてもう一度お試しください。",
            )
        }
    }
}

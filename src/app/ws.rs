//! GraphQL over WebSocket (`graphql-transport-ws`): subscriptions, with the viewer taken
//! from the token of `connection_init`, and the connection closed when its session ends.

use std::{
    net::{IpAddr, SocketAddr},
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use async_graphql::{
    Data, ErrorExtensions,
    http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage},
};
use axum::{
    extract::{
        ConnectInfo, State, WebSocketUpgrade,
        ws::{CloseFrame, Message, WebSocket},
    },
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{broadcast, oneshot};
use uuid::Uuid;

use super::handler::ServerState;
use crate::{
    auth::{
        Viewer,
        extract::{authenticate_token, client_ip},
        session,
    },
    graphql::limits::{Limited, QueryLimits},
    state::AppState,
};

/// Close code of a WebSocket whose session is refused at `connection_init` or has ended
/// since (signed out, deactivated, expired).
const CLOSE_FORBIDDEN: u16 = 4403;

/// `GET /graphql/ws`: subscriptions over `graphql-transport-ws`. The token goes in the
/// `connection_init` payload as `{"authorization": "Bearer …"}` (or `{"token": "…"}`). A
/// bad token closes the connection with 4403, and so does the end of its session.
pub async fn graphql_ws(
    State(state): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|protocols| {
            protocols
                .split(',')
                .find_map(|protocol| WebSocketProtocols::from_str(protocol.trim()).ok())
        });
    let Some(protocol) = protocol else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let client_ip = client_ip(&state.app, &headers, peer);
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve_websocket(state, socket, protocol, client_ip))
}

async fn serve_websocket(
    state: ServerState,
    socket: WebSocket,
    protocol: WebSocketProtocols,
    client_ip: IpAddr,
) {
    let (mut sink, stream) = socket.split();
    let refused = Arc::new(AtomicBool::new(false));
    let (ended_tx, ended_rx) = oneshot::channel::<()>();
    let input = stream
        .take_while(|message| std::future::ready(message.is_ok()))
        .filter_map(|message| {
            std::future::ready(match message {
                Ok(message @ (Message::Text(_) | Message::Binary(_))) => Some(message.into_data()),
                _ => None,
            })
        });
    let app = state.app.clone();
    let refused_at_init = refused.clone();
    let executor = Limited::new(
        state.schema.clone(),
        QueryLimits::from(state.app.limits.as_ref()),
    );
    let graphql = async_graphql::http::WebSocket::new(executor, input, protocol)
        .on_connection_init(move |payload| async move {
            let token = payload
                .get("authorization")
                .or_else(|| payload.get("Authorization"))
                .and_then(|v| v.as_str())
                .map(|v| v.trim_start_matches("Bearer ").trim().to_owned())
                .or_else(|| {
                    payload
                        .get("token")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                });
            let viewer = match token {
                Some(token) => match authenticate_token(&app, &token, client_ip).await {
                    Ok(viewer) => viewer,
                    Err(error) => {
                        refused_at_init.store(true, Ordering::Relaxed);
                        return Err(error.extend());
                    }
                },
                None => Viewer::anonymous(client_ip),
            };
            if let Some(user) = &viewer.user {
                tokio::spawn(watch_session(
                    app.clone(),
                    user.id,
                    user.session_id,
                    ended_tx,
                ));
            }
            let mut data = Data::default();
            data.insert(viewer);
            Ok(data)
        });
    let mut graphql = std::pin::pin!(graphql);
    // Never resolves for a connection without a session (the sender is dropped).
    let mut ended = std::pin::pin!(async {
        if ended_rx.await.is_err() {
            std::future::pending::<()>().await;
        }
    });
    loop {
        let message = tokio::select! {
            message = graphql.next() => match message {
                Some(WsMessage::Text(text)) => Message::Text(text.into()),
                Some(WsMessage::Close(code, reason)) => {
                    let code = if refused.load(Ordering::Relaxed) { CLOSE_FORBIDDEN } else { code };
                    Message::Close(Some(CloseFrame { code, reason: reason.into() }))
                }
                None => break,
            },
            () = &mut ended => Message::Close(Some(CloseFrame {
                code: CLOSE_FORBIDDEN,
                reason: "Forbidden: the session has ended".into(),
            })),
        };
        let closing = matches!(message, Message::Close(_));
        if sink.send(message).await.is_err() || closing {
            break;
        }
    }
}

/// Resolves `ended` when session `session_id` of `user_id` ends: signed out (this session
/// or all of them), the account deactivated, or the session expired. Events come over the
/// event bus, so a sign-out on any replica counts. Returns early once the connection is gone.
async fn watch_session(
    app: AppState,
    user_id: Uuid,
    session_id: Uuid,
    mut ended: oneshot::Sender<()>,
) {
    // Listen before looking, so an end between the two is not missed.
    let mut events = app.events.subscribe();
    let mut live_until = match session::live_until(&app.db, session_id).await {
        Ok(Some(until)) => until,
        Ok(None) => {
            let _ = ended.send(());
            return;
        }
        Err(error) => {
            tracing::warn!(%error, "cannot read the session of a live connection");
            chrono::Utc::now() + chrono::Duration::minutes(1)
        }
    };
    loop {
        let left = (live_until - chrono::Utc::now())
            .to_std()
            .unwrap_or_default();
        tokio::select! {
            () = ended.closed() => return,
            () = tokio::time::sleep(left) => {
                // Expired, or time to look again after the database could not be read.
                match session::live_until(&app.db, session_id).await {
                    Ok(Some(until)) if until > chrono::Utc::now() => live_until = until,
                    Ok(_) => break,
                    Err(_) => live_until = chrono::Utc::now() + chrono::Duration::minutes(1),
                }
            }
            event = events.recv() => match event {
                Ok(event) if event.user_id == Some(user_id) => {
                    let ends = match event.topic.as_str() {
                        session::SESSION_ENDED => event.subject_id == session_id,
                        session::ALL_SESSIONS_ENDED | session::ACCOUNT_DEACTIVATED => true,
                        // Every session but the one that changed it ended: ask which.
                        session::PASSWORD_CHANGED => !matches!(
                            session::live_until(&app.db, session_id).await,
                            Ok(Some(_))
                        ),
                        _ => false,
                    };
                    if ends {
                        break;
                    }
                }
                Ok(_) => {}
                // Missed events: ask the database instead.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if !matches!(session::live_until(&app.db, session_id).await, Ok(Some(_))) {
                        break;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
        }
    }
    // A moment for the subscriptions to deliver what ended the session (a deactivation),
    // so the client hears why before the connection closes.
    tokio::time::sleep(Duration::from_millis(250)).await;
    let _ = ended.send(());
}

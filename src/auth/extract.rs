//! Who is behind an HTTP request: the bearer token read into a [`Viewer`], for GraphQL and
//! for the plain HTTP downloads alike.

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, header};

use super::{Viewer, session};
use crate::{error::AppError, state::AppState};

/// The viewer behind a request: anonymous without `Authorization`, refused with a bad token.
pub async fn viewer_of(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> Result<Viewer, AppError> {
    let client_ip = client_ip(state, headers, peer);
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Viewer::anonymous(client_ip));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or(AppError::Unauthenticated)?;
    authenticate_token(state, token, client_ip).await
}

/// The viewer of a session token.
pub async fn authenticate_token(
    state: &AppState,
    token: &str,
    client_ip: IpAddr,
) -> Result<Viewer, AppError> {
    let user = session::authenticate(&state.db, &state.sessions, token).await?;
    Ok(Viewer {
        user: Some(user),
        client_ip,
    })
}

/// The client's address: the peer, or the first `X-Forwarded-For` hop behind a trusted proxy.
pub fn client_ip(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> IpAddr {
    if state.limits.trust_forwarded_for {
        let forwarded = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    peer.ip()
}

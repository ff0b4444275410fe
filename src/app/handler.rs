//! GraphQL over HTTP (the GraphQL-over-HTTP specification), with the viewer taken from the
//! bearer token. GraphQL over WebSocket is in `ws.rs`.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use async_graphql::{
    ErrorExtensions, ServerError, Variables, http::GraphiQLSource, parser::types::OperationType,
};
use axum::{
    body::{Body, Bytes},
    extract::{ConnectInfo, FromRef, Query, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;
use tracing::Instrument;

use super::{
    responses::{self, ResponseCache},
    schema::AppSchema,
};
use crate::{
    auth::extract::viewer_of,
    domains::identity::loaders::ReferenceRows,
    error::AppError,
    graphql::{documents::DocumentCache, limits::QueryLimits},
    state::AppState,
};

/// What the HTTP handlers share.
#[derive(Clone, FromRef)]
pub struct ServerState {
    /// The application state.
    pub app: AppState,
    /// The executable schema.
    pub schema: AppSchema,
    /// Answers to anonymous public reads.
    pub responses: Arc<ResponseCache>,
    /// Municipalities and organizations as last read, for the loaders.
    pub reference: Arc<ReferenceRows>,
    /// Documents parsed lately, by their text.
    pub documents: Arc<DocumentCache>,
}

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const APPLICATION_JSON: &str = "application/json";

/// The media type the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Media {
    /// `application/graphql-response+json`: request errors get 4xx statuses.
    GraphqlResponse,
    /// `application/json`: every well-formed request gets 200.
    Json,
}

impl Media {
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        })
    }
}

/// Picks the response media type from `Accept`; `None` when nothing acceptable is asked for.
fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Media::Json);
    };
    let types: Vec<String> = accept
        .split(',')
        .map(|part| {
            part.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    if types.iter().any(|t| t == GRAPHQL_RESPONSE_JSON) {
        Some(Media::GraphqlResponse)
    } else if types
        .iter()
        .any(|t| t == APPLICATION_JSON || t == "*/*" || t == "application/*" || t.is_empty())
    {
        Some(Media::Json)
    } else {
        None
    }
}

/// What the metrics middleware records about a GraphQL response; handlers attach it to
/// the response so that refused requests are counted as well as executed ones.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Name of the operation that ran, if it has one.
    pub operation: Option<String>,
    /// `extensions.code` of every error.
    pub codes: Vec<String>,
}

/// Records requests, latency and error codes of every GraphQL response.
pub async fn observe(State(state): State<ServerState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    if let Some(observed) = response.extensions().get::<Observed>() {
        let codes: Vec<&str> = observed.codes.iter().map(String::as_str).collect();
        state
            .app
            .metrics
            .observe_request(observed.operation.as_deref(), started.elapsed(), &codes);
    }
    response
}

/// A response that never reached GraphQL execution: a malformed request.
fn request_error(status: StatusCode, code: &str, message: &str, media: Media) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    response.extensions_mut().insert(Observed {
        operation: None,
        codes: vec![code.to_owned()],
    });
    response
}

fn unauthenticated(error: &AppError, media: Media) -> Response {
    let mut response = request_error(
        StatusCode::UNAUTHORIZED,
        error.code(),
        &error.to_string(),
        media,
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// `POST /graphql`.
pub async fn graphql_post(
    State(state): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let Some(media) = negotiate(&headers) else {
        return request_error(
            StatusCode::NOT_ACCEPTABLE,
            "NOT_ACCEPTABLE",
            "Accept application/graphql-response+json or application/json.",
            Media::Json,
        );
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if content_type.as_deref() != Some(APPLICATION_JSON) {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "Send the request as Content-Type: application/json.",
            media,
        );
    }
    let limit = state.app.limits.max_body_bytes;
    let body: Bytes = match axum::body::to_bytes(request.into_body(), limit).await {
        Ok(body) => body,
        Err(_) => {
            return request_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                &format!("The request body is larger than {limit} bytes."),
                media,
            );
        }
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return request_error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "The request body is empty; send a JSON object with a `query`.",
            media,
        );
    }
    let parsed: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(error) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("The request body is not valid JSON: {error}."),
                media,
            );
        }
    };
    if !parsed.is_object() {
        return request_error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "The request body must be a JSON object (batches are not supported).",
            media,
        );
    }
    let graphql_request: async_graphql::Request = match serde_json::from_value(parsed) {
        Ok(request) => request,
        Err(error) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("The request is malformed: {error}."),
                media,
            );
        }
    };
    execute(&state, &headers, peer, graphql_request, media, Method::POST).await
}

/// Query-string parameters of `GET /graphql`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// `GET /graphql`: GraphiQL for browsers, queries (never mutations) for programs.
pub async fn graphql_get(
    State(state): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let params = match params {
        Ok(Query(params)) => params,
        Err(error) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("The query string is malformed: {error}."),
                Media::Json,
            );
        }
    };
    if params.query.is_none() && params.extensions.is_none() && wants_html {
        return Html(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql/ws")
                .title("tsunagu GraphiQL")
                .finish(),
        )
        .into_response();
    }
    let Some(media) = negotiate(&headers) else {
        return request_error(
            StatusCode::NOT_ACCEPTABLE,
            "NOT_ACCEPTABLE",
            "Accept application/graphql-response+json or application/json.",
            Media::Json,
        );
    };
    let mut request = async_graphql::Request::new(params.query.unwrap_or_default());
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables {
        match serde_json::from_str::<serde_json::Value>(&variables) {
            Ok(value @ serde_json::Value::Object(_)) => {
                request = request.variables(Variables::from_json(value));
            }
            _ => {
                return request_error(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "`variables` must be a JSON object.",
                    media,
                );
            }
        }
    }
    if let Some(extensions) = params.extensions {
        match serde_json::from_str(&extensions) {
            Ok(extensions) => request.extensions = extensions,
            Err(_) => {
                return request_error(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "`extensions` must be a JSON object.",
                    media,
                );
            }
        }
    }
    execute(&state, &headers, peer, request, media, Method::GET).await
}

async fn execute(
    state: &ServerState,
    headers: &HeaderMap,
    peer: SocketAddr,
    mut request: async_graphql::Request,
    media: Media,
    method: Method,
) -> Response {
    let requested_operation = request.operation_name.clone();
    if !state.app.db_health.reachable() {
        let error = AppError::Unavailable;
        let mut response = request_error(
            StatusCode::SERVICE_UNAVAILABLE,
            error.code(),
            &error.to_string(),
            media,
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return response;
    }
    let viewer = match viewer_of(&state.app, headers, peer).await {
        Ok(viewer) => viewer,
        Err(error @ AppError::Unauthenticated) => return unauthenticated(&error, media),
        Err(error) => {
            let error = error.extend();
            let code = error
                .extensions
                .as_ref()
                .and_then(|e| e.get("code"))
                .map_or("INTERNAL".to_owned(), ToString::to_string);
            return request_error(
                StatusCode::SERVICE_UNAVAILABLE,
                code.trim_matches('"'),
                &error.message,
                media,
            );
        }
    };
    if let Err((code, message)) = crate::graphql::apq::resolve(&state.app.db, &mut request).await {
        let status = if code == "INTERNAL" {
            StatusCode::INTERNAL_SERVER_ERROR
        } else if media == Media::GraphqlResponse {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        return request_error(status, code, message, media);
    }
    let cache_key = ResponseCache::key(headers, &request);
    if let Some(key) = &cache_key
        && !ResponseCache::refused_by(headers)
        && let Some(body) = state.responses.get(key)
    {
        state.app.metrics.observe_response_cache(true);
        return answer(
            StatusCode::OK,
            media,
            body,
            Observed {
                operation: requested_operation,
                codes: Vec::new(),
            },
        );
    }
    let mut operation = requested_operation.clone();
    let operation_type;
    let public_read;
    if !request.query.is_empty() {
        // Parse once up front (or copy the document parsed lately from the same text): a
        // syntax error is a request error, and GET may only query.
        let kind = match state.documents.parse(&mut request) {
            Ok(document) => {
                public_read = cache_key.is_some()
                    && responses::is_public_read(document, requested_operation.as_deref());
                document
                    .operations
                    .iter()
                    .find(|(name, _)| match (&requested_operation, name) {
                        (Some(wanted), Some(name)) => wanted.as_str() == name.as_str(),
                        (None, _) => true,
                        (Some(_), None) => false,
                    })
                    .map(|(name, op)| {
                        operation = name.map(|name| name.to_string());
                        op.node.ty
                    })
            }
            Err(error) => {
                // The GraphQL-over-HTTP specification answers a parse error with 200 under
                // `application/json`, which clients read without looking at the status.
                let status = if media == Media::GraphqlResponse {
                    StatusCode::BAD_REQUEST
                } else {
                    StatusCode::OK
                };
                return request_error(status, "GRAPHQL_PARSE_FAILED", &error.message, media);
            }
        };
        operation_type = kind;
        if method == Method::GET && kind.is_some_and(|ty| ty != OperationType::Query) {
            let mut response = request_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "Only queries may be sent with GET; send mutations with POST.",
                media,
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
    } else {
        return request_error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "The request has no `query`.",
            media,
        );
    }

    let limits = QueryLimits::from(state.app.limits.as_ref());
    let selections = match limits.check_request(&mut request) {
        Ok(selections) => selections,
        Err(error) => {
            let status = if media == Media::GraphqlResponse {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            return request_error(status, &code_of(&error), &error.message, media);
        }
    };

    let span = tracing::info_span!(
        "graphql",
        operation = operation.as_deref().unwrap_or("anonymous"),
        user_id = viewer.user.as_ref().map(|u| u.id.to_string()),
    );
    let schema = state.schema.clone();
    let timeout = Duration::from_secs(state.app.limits.request_timeout_secs);
    let generation = state.responses.generation();
    let request = request.data(viewer);
    let executed = if operation_type == Some(OperationType::Query)
        && !QueryLimits::validates_off_thread(selections)
    {
        // A small query validates in microseconds and runs where it was received; were the
        // client to go, dropping it only stops a read.
        tokio::time::timeout(timeout, schema.execute(request).instrument(span))
            .await
            .map(Ok)
    } else {
        // Changes run on a task of their own, so a client going away cannot stop them
        // halfway; a large document is validated off the worker threads, so the timeout is
        // answered even while that runs.
        let task = if QueryLimits::validates_off_thread(selections) {
            let runtime = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || {
                runtime.block_on(schema.execute(request).instrument(span))
            })
        } else {
            tokio::spawn(async move { schema.execute(request).await }.instrument(span))
        };
        let abort = task.abort_handle();
        let executed = tokio::time::timeout(timeout, task).await;
        if executed.is_err() {
            abort.abort();
        }
        executed
    };
    if operation_type == Some(OperationType::Mutation) {
        // Whatever it changed is seen by the next read.
        state.responses.invalidate_all();
        state.reference.invalidate_all();
    }
    let mut response = match executed {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => {
            tracing::error!(%error, "a GraphQL request failed");
            return request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal server error",
                media,
            );
        }
        Err(_) => {
            return request_error(
                StatusCode::GATEWAY_TIMEOUT,
                "TIMEOUT",
                &format!(
                    "The request took longer than {} seconds.",
                    timeout.as_secs()
                ),
                media,
            );
        }
    };
    limits.finish(&mut response);

    let is_request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    for error in &mut response.errors {
        ensure_code(error, is_request_error);
    }
    let observed = Observed {
        operation,
        codes: response
            .errors
            .iter()
            .filter_map(|e| e.extensions.as_ref()?.get("code"))
            .filter_map(|code| match code {
                async_graphql::Value::String(code) => Some(code.clone()),
                _ => None,
            })
            .collect(),
    };

    let status = if is_request_error && media == Media::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = if is_request_error {
        serde_json::to_vec(&json!({ "errors": response.errors }))
    } else {
        serde_json::to_vec(&response)
    };
    let body = match body {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "serializing a response");
            return request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal server error",
                media,
            );
        }
    };
    let body = Bytes::from(body);
    if let Some(key) = cache_key
        && public_read
        && response.errors.is_empty()
    {
        state.app.metrics.observe_response_cache(false);
        state.responses.insert(generation, key, body.clone());
    }
    answer(status, media, body, observed)
}

/// The HTTP response carrying a GraphQL answer.
fn answer(status: StatusCode, media: Media, body: Bytes, observed: Observed) -> Response {
    let mut http = Response::new(Body::from(body));
    *http.status_mut() = status;
    http.headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    http.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    http.extensions_mut().insert(observed);
    http
}

/// The `extensions.code` of an error, `INTERNAL` when it has none.
fn code_of(error: &ServerError) -> String {
    match error.extensions.as_ref().and_then(|e| e.get("code")) {
        Some(async_graphql::Value::String(code)) => code.clone(),
        _ => "INTERNAL".to_owned(),
    }
}

/// Gives every error an `extensions.code`: validation errors from the engine have none.
fn ensure_code(error: &mut ServerError, is_request_error: bool) {
    let has_code = error
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some());
    if has_code {
        return;
    }
    // Argument values are coerced while executing, so their errors carry a path too; the
    // engine marks them only by their wording.
    let bad_argument = ["Failed to parse", "Expected input type", "Invalid value"]
        .iter()
        .any(|start| error.message.starts_with(start));
    let code = if is_request_error || error.path.is_empty() {
        "GRAPHQL_VALIDATION_FAILED"
    } else if bad_argument {
        "BAD_USER_INPUT"
    } else {
        "INTERNAL"
    };
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
}

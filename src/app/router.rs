//! The HTTP router: every route of the server and the middleware around them.

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    extract::State,
    http::{HeaderName, HeaderValue, Method, StatusCode, header},
    middleware,
    response::IntoResponse,
    routing::get,
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    cors::{AllowOrigin, Any, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

use super::{
    handler::{ServerState, graphql_get, graphql_post, observe},
    responses::ResponseCache,
    schema::build_schema,
    ws::graphql_ws,
};
use crate::{
    config::Limits,
    domains::{
        employment,
        identity::loaders::ReferenceRows,
        kpi::export,
        programs::{calendar, roster},
        relocation,
    },
    notify::opt_out,
    state::AppState,
};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The HTTP routes with their middleware: GraphQL over HTTP and WebSocket, the plain HTTP
/// downloads of the domains, health, readiness and metrics.
pub fn router(
    state: AppState,
    limits: &Limits,
    hub: crate::domains::health::hub::HealthHub,
) -> Router {
    let reference = Arc::new(ReferenceRows::default());
    let schema = build_schema(state.clone(), hub, Arc::clone(&reference));
    let responses = Arc::new(ResponseCache::default());
    state.events.on_every_event({
        let responses = Arc::clone(&responses);
        let reference = Arc::clone(&reference);
        move |_| {
            responses.invalidate_all();
            reference.invalidate_all();
        }
    });
    let server_state = ServerState {
        app: state,
        schema,
        responses,
        reference,
        documents: Arc::default(),
    };
    let graphql = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route_layer(middleware::from_fn_with_state(
            server_state.clone(),
            observe,
        ));
    let mut router = Router::new()
        .merge(graphql)
        .route("/graphql/ws", get(graphql_ws))
        .route("/calendar/programs/{file}", get(calendar::program_calendar))
        .route(
            "/calendar/registrations/{file}",
            get(calendar::registration_calendar),
        )
        .route("/reports/kpi.csv", get(export::kpi_csv))
        .route("/reports/kpi.json", get(export::kpi_json))
        .route(
            "/reports/kpi/{key}/records.csv",
            get(export::kpi_records_csv),
        )
        .route(
            "/reports/employment.csv",
            get(employment::export::employment_csv),
        )
        .route(
            "/reports/relocation-pipeline.csv",
            get(relocation::export::pipeline_csv),
        )
        .route(
            "/reports/programs/sessions/{id}/roster.csv",
            get(roster::roster_csv),
        )
        .route(
            "/reports/programs/sessions/{id}/roster.html",
            get(roster::roster_html),
        )
        .route(
            "/reports/health/fee-claims/{id}/claim.csv",
            get(crate::domains::health::fee_export::fee_claim_csv),
        )
        .route(
            "/reports/health/fee-batches/{id}/batch.csv",
            get(crate::domains::health::fee_export::fee_batch_csv),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route(
            "/notifications/opt-out",
            get(opt_out::opt_out_route).post(opt_out::opt_out_route),
        )
        .with_state(server_state)
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            // GraphQL answers its own timeout with a JSON error; this one stops the rest.
            Duration::from_secs(limits.request_timeout_secs.saturating_add(1)),
        ))
        .layer(CatchPanicLayer::new());
    if let Some(cors) = cors(limits) {
        router = router.layer(cors);
    }
    router
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                let request_id = request
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                tracing::info_span!(
                    "http",
                    method = %request.method(),
                    path = %request.uri().path(),
                    request_id,
                )
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

fn cors(limits: &Limits) -> Option<CorsLayer> {
    let origins: Vec<&String> = limits
        .cors_origins
        .iter()
        .filter(|origin| !origin.trim().is_empty())
        .collect();
    if origins.is_empty() {
        return None;
    }
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
        .max_age(Duration::from_secs(600));
    if origins.iter().any(|origin| origin.trim() == "*") {
        return Some(layer.allow_origin(Any));
    }
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin.trim()).ok())
        .collect();
    Some(layer.allow_origin(AllowOrigin::list(allowed)))
}

/// `GET /healthz`: the process is up.
async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok")
}

/// `GET /readyz`: the database answers within a second and a half. (The search index
/// lives in the process and is open before the server accepts requests.)
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.db_health.probe(&state.db).await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

/// `GET /metrics`: Prometheus text format.
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

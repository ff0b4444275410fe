//! Builds the application: database, migrations, schema, router and listener. The
//! listener is bound before serving, so callers (and tests, with port 0) know the port.

use std::{
    future::Future,
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use anyhow::Context;
use axum::{
    Router,
    extract::State,
    http::{HeaderName, HeaderValue, Method, StatusCode, header},
    middleware,
    response::IntoResponse,
    routing::get,
};
use secrecy::SecretString;
use tokio::net::TcpListener;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    cors::{AllowOrigin, Any, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

use crate::{
    auth::{password, session},
    config::Limits,
    db,
    events::EventBus,
    graphql::{
        build_schema,
        handler::{ServerState, graphql_get, graphql_post, graphql_ws, observe},
    },
    idempotency,
    metrics::Metrics,
    rate_limit::RateLimiter,
    search::service::Search,
    seed,
    state::AppState,
};

/// What the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Database URL (`sqlite://…` or `postgres://…`).
    pub database_url: String,
    /// Address to listen on.
    pub host: IpAddr,
    /// Port to listen on; 0 picks a free one.
    pub port: u16,
    /// Load the demo data before serving.
    pub demo: bool,
    /// Directory of the search index; in memory when `None`.
    pub index_dir: Option<std::path::PathBuf>,
    /// Limits and policies.
    pub limits: Limits,
}

/// A built application, bound to its port and ready to serve.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

impl Application {
    /// Connects, migrates, optionally seeds, and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let mut db = db::connect(&settings.database_url).await?;
        // Background work (the search indexer) uses a handle without the statement counter,
        // so `db_statements_total` counts what requests cost.
        let background_db = db.clone();
        let metrics = Metrics::new().context("registering metrics")?;
        let recorder = metrics.clone();
        db.set_metric_callback(move |info| recorder.observe_statement(info.elapsed, info.failed));
        db::migrate(&db).await?;
        if settings.demo {
            let accounts = seed::demo(&db).await?;
            seed::print_accounts(&accounts);
        }
        let events = EventBus::start(&db).await?;
        let search = Search::open(background_db, settings.index_dir.clone()).await?;
        let dummy = password::hash(SecretString::from(uuid::Uuid::new_v4().to_string()))
            .await
            .context("preparing the password hasher")?;
        let state = AppState {
            limiter: RateLimiter::new(db.clone()),
            db,
            limits: Arc::new(settings.limits.clone()),
            events,
            search,
            metrics,
            dummy_password_hash: dummy.into(),
        };
        let router = router(state.clone(), &settings.limits);
        let listener = TcpListener::bind((settings.host, settings.port))
            .await
            .with_context(|| format!("binding {}:{}", settings.host, settings.port))?;
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The application state (for tests and tools).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `signal` completes, then finishes in-flight requests.
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let maintenance = tokio::spawn(maintain(self.state.clone()));
        let offers = tokio::spawn(expire_waitlist_offers(self.state.clone()));
        let sweeper = tokio::spawn(sweep_assignments(self.state.clone()));
        let articles = tokio::spawn(
            crate::domains::content::service::release_scheduled_periodically(self.state.db.clone()),
        );
        let indexer = self.state.search.spawn_indexer();
        let result = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal)
        .await;
        maintenance.abort();
        offers.abort();
        sweeper.abort();
        articles.abort();
        indexer.abort();
        result
    }
}

fn router(state: AppState, limits: &Limits) -> Router {
    let schema = build_schema(state.clone());
    let server_state = ServerState { app: state, schema };
    let graphql = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route_layer(middleware::from_fn_with_state(
            server_state.clone(),
            observe,
        ));
    let mut router = Router::new()
        .merge(graphql)
        .route("/graphql/ws", get(graphql_ws))
        .route(
            "/calendar/programs/{file}",
            get(crate::domains::programs::calendar::program_calendar),
        )
        .route(
            "/reports/kpi.csv",
            get(crate::domains::kpi::export::kpi_csv),
        )
        .route(
            "/reports/kpi.json",
            get(crate::domains::kpi::export::kpi_json),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(server_state)
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            Duration::from_secs(limits.request_timeout_secs),
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

/// `GET /readyz`: the database answers. (The search index lives in the process and is
/// open before the server accepts requests.)
async fn readyz(State(state): State<ServerState>) -> impl IntoResponse {
    match state.app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(%error, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// `GET /metrics`: Prometheus text format.
async fn metrics(State(state): State<ServerState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.app.metrics.render(),
    )
}

/// Prunes expired rate-limit windows, idempotency keys and sessions now and then.
async fn maintain(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        let pruned = async {
            let windows = state.limiter.prune(Duration::from_secs(86_400)).await?;
            let keys = idempotency::prune(&state.db, 7).await?;
            let sessions = session::prune(&state.db, 30).await?;
            crate::search::service::prune_outbox(&state.db).await?;
            Ok::<_, crate::error::AppError>((windows, keys, sessions))
        }
        .await;
        match pruned {
            Ok((windows, keys, sessions)) => {
                tracing::debug!(windows, keys, sessions, "pruned expired records");
            }
            Err(error) => tracing::warn!(%error, "pruning expired records failed"),
        }
    }
}

/// Passes expired waitlist offers on to the next waiting party every five minutes, for
/// sessions nobody reads or writes meanwhile (reads and writes of a session do it as they
/// happen). Offers last hours, so a few minutes' delay is immaterial.
async fn expire_waitlist_offers(state: AppState) {
    let period = Duration::from_secs(300);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tick.tick().await;
        match crate::domains::programs::service::expire_due_offers((&state).into()).await {
            Ok(0) => {}
            Ok(sessions) => tracing::info!(sessions, "passed on expired waitlist offers"),
            Err(error) => tracing::warn!(%error, "passing on expired waitlist offers failed"),
        }
    }
}

/// Assigns waiting relocation inquiries when capacity frees by itself: at the end of the
/// next leave period (nothing else happens at that moment to trigger it), and at least every
/// `assignment_sweep_secs` as a backstop. A leave written on any replica wakes it to look
/// again (the event bus carries it between replicas).
async fn sweep_assignments(state: AppState) {
    use crate::domains::relocation::service as relocation;
    let mut events = state.events.subscribe();
    let every = chrono::Duration::seconds(
        i64::try_from(state.limits.assignment_sweep_secs.max(1)).unwrap_or(60),
    );
    loop {
        let now = relocation::now();
        match relocation::sweep(relocation::Writer::from(&state), now).await {
            Ok(0) => {}
            Ok(assigned) => tracing::info!(assigned, "assigned waiting relocation inquiries"),
            Err(error) => tracing::warn!(%error, "assigning waiting relocation inquiries failed"),
        }
        let backstop = now + every;
        let wake = match relocation::next_leave_end(&state.db, now).await {
            Ok(Some(end)) => end.min(backstop),
            Ok(None) => backstop,
            Err(error) => {
                tracing::warn!(%error, "reading the next end of leave failed");
                backstop
            }
        };
        let wait = (wake - relocation::now())
            .to_std()
            .unwrap_or_default()
            .max(Duration::from_millis(10));
        let sleep = tokio::time::sleep(wait);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => break,
                event = events.recv() => match event {
                    Ok(event) if event.topic == relocation::TOPIC_LEAVE_CHANGED => break,
                    Ok(_) => {}
                    // Missed events may include a leave: look again.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        (&mut sleep).await;
                        break;
                    }
                },
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down; finishing in-flight requests");
}

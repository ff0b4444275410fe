//! Builds the application: database, migrations, schema, router and listener. The
//! listener is bound before serving, so callers (and tests, with port 0) know the port.

use std::{
    future::Future,
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::{
    app::documents::DomainDocuments,
    app::{demo, jobs::Jobs, router::router},
    auth::{password, session::SessionCache},
    config::Limits,
    db,
    events::EventBus,
    metrics::Metrics,
    rate_limit::RateLimiter,
    search::indexer::Search,
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
    /// The national hub (PMH) the health domain talks to; the in-memory one when `None`.
    pub health_hub: Option<crate::domains::health::hub::HealthHub>,
}

/// A built application, bound to its port and ready to serve.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Connects, migrates, optionally seeds, and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db_health = db::Health::new(&settings.database_url);
        let mut db = db::connect_watched(&settings.database_url, &db_health).await?;
        // Background work (the search indexer) uses a handle without the statement counter,
        // so `db_statements_total` counts what requests cost.
        let background_db = db.clone();
        let metrics =
            Metrics::new(&settings.limits.metrics_operations).context("registering metrics")?;
        let recorder = metrics.clone();
        db.set_metric_callback(move |info| recorder.observe_statement(info.elapsed, info.failed));
        db::migrate(&db).await?;
        if settings.demo {
            let accounts = demo::load(&db).await?;
            demo::print_accounts(&accounts);
        }
        let events = EventBus::start(&db).await?;
        let search = Search::open(
            background_db.clone(),
            Arc::new(DomainDocuments),
            settings.index_dir.clone(),
        )
        .await?;
        password::dummy_hash()
            .await
            .context("preparing the password hasher")?;
        let sessions = Arc::new(SessionCache::default());
        events.on_every_event({
            let sessions = Arc::clone(&sessions);
            move |event| sessions.hear(event)
        });
        let state = AppState {
            limiter: RateLimiter::new(db.clone()),
            db,
            limits: Arc::new(settings.limits.clone()),
            events,
            search,
            metrics,
            db_health,
            sessions,
            background_db,
            queues: crate::state::WriteQueues::default(),
        };
        let router = router(
            state.clone(),
            &settings.limits,
            settings.health_hub.clone().unwrap_or_default(),
        );
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
        let jobs = Jobs::start(&self.state);
        let result = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal)
        .await;
        drop(jobs);
        result
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

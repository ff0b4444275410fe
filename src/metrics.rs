//! Prometheus metrics, one registry per application (no globals).

use std::{collections::HashSet, sync::Arc, time::Duration};

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

/// The label of named operations that are not in the known list: clients choose operation
/// names, so only the known ones become labels of their own.
const OTHER: &str = "other";

/// The application's metrics.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    errors: IntCounterVec,
    statements: IntCounterVec,
    statement_latency: prometheus::Histogram,
    response_cache: IntCounterVec,
    notifications: IntCounterVec,
    reminders: IntCounterVec,
    known_operations: Arc<HashSet<String>>,
}

impl Metrics {
    /// Creates the registry and registers every series. Requests are labelled with their
    /// operation name only when it is one of `known_operations`.
    pub fn new(known_operations: &[String]) -> prometheus::Result<Self> {
        let registry = Registry::new_custom(Some("tsunagu".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "graphql_requests_total",
                "GraphQL requests by operation name",
            ),
            &["operation"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "graphql_request_duration_seconds",
                "GraphQL request latency by operation name",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["operation"],
        )?;
        let errors = IntCounterVec::new(
            Opts::new("graphql_errors_total", "GraphQL errors by extensions.code"),
            &["code"],
        )?;
        let statements = IntCounterVec::new(
            Opts::new(
                "db_statements_total",
                "SQL statements run for requests, by outcome (ok or failed)",
            ),
            &["outcome"],
        )?;
        let statement_latency = prometheus::Histogram::with_opts(
            HistogramOpts::new("db_statement_duration_seconds", "SQL statement latency").buckets(
                vec![
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
                ],
            ),
        )?;
        let response_cache = IntCounterVec::new(
            Opts::new(
                "response_cache_total",
                "Anonymous public reads by how they were answered: hit (from the response cache) or miss",
            ),
            &["result"],
        )?;
        let notifications = IntCounterVec::new(
            Opts::new(
                "notifications_total",
                "Notification deliveries by channel, kind and outcome (sent, retried, failed)",
            ),
            &["channel", "kind", "outcome"],
        )?;
        let reminders = IntCounterVec::new(
            Opts::new(
                "reminder_passes_total",
                "Passes of the reminder scheduler by outcome (ok or failed)",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(reminders.clone()))?;
        registry.register(Box::new(notifications.clone()))?;
        registry.register(Box::new(response_cache.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(statements.clone()))?;
        registry.register(Box::new(statement_latency.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(errors.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            errors,
            statements,
            statement_latency,
            response_cache,
            notifications,
            reminders,
            known_operations: Arc::new(
                known_operations
                    .iter()
                    .map(|name| name.trim().to_owned())
                    .filter(|name| !name.is_empty())
                    .collect(),
            ),
        })
    }

    /// Records one GraphQL request.
    pub fn observe_request(
        &self,
        operation: Option<&str>,
        elapsed: Duration,
        error_codes: &[&str],
    ) {
        let label = self.operation_label(operation);
        self.requests.with_label_values(&[label]).inc();
        self.latency
            .with_label_values(&[label])
            .observe(elapsed.as_secs_f64());
        for code in error_codes {
            self.errors.with_label_values(&[code]).inc();
        }
    }

    /// Records one SQL statement.
    pub fn observe_statement(&self, elapsed: Duration, failed: bool) {
        let outcome = if failed { "failed" } else { "ok" };
        self.statements.with_label_values(&[outcome]).inc();
        self.statement_latency.observe(elapsed.as_secs_f64());
    }

    /// Records how an anonymous public read was answered: from the response cache or not.
    pub fn observe_response_cache(&self, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.response_cache.with_label_values(&[result]).inc();
    }

    /// Records the outcome of one attempt at delivering a notification. Kinds are the
    /// constants of the code, so the label stays bounded.
    pub fn count_notification(&self, channel: &str, kind: &str, outcome: &str) {
        self.notifications
            .with_label_values(&[channel, kind, outcome])
            .inc();
    }

    /// Counts a pass of the reminder scheduler.
    pub fn count_reminder_pass(&self, ok: bool) {
        self.reminders
            .with_label_values(&[if ok { "ok" } else { "failed" }])
            .inc();
    }

    fn operation_label<'a>(&'a self, operation: Option<&str>) -> &'a str {
        match operation.filter(|name| !name.is_empty()) {
            None => "anonymous",
            Some(name) => self
                .known_operations
                .get(name)
                .map_or(OTHER, String::as_str),
        }
    }

    /// Renders every series in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        let encoder = TextEncoder::new();
        if encoder
            .encode(&self.registry.gather(), &mut buffer)
            .is_err()
        {
            return String::new();
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

#![allow(clippy::unwrap_used)]

//! Integration tests: each test starts the real server on port 0 with a database of its own
//! (SQLite by default, a new PostgreSQL database per test when `TEST_DATABASE_URL` is set),
//! migrated and holding the demo, and talks to it over HTTP and WebSocket.

mod helpers;

mod caching;
mod childcare;
mod childcare_daily;
mod childcare_family;
mod content;
mod employment;
mod health;
mod health_checkups;
mod health_fees;
mod health_visits;
mod identity;
mod kpi;
mod kpi_health;
mod notices;
mod notifications;
mod partnership;
mod programs;
mod programs_tools;
mod relocation;
mod reminders;
mod resilience;
mod schema;
mod search;
mod search_relevance;
mod subscriptions;
mod transport;

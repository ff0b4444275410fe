//! tsunagu (つなぐ): a GraphQL API for municipalities that help families move in and stay.

pub mod app;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domains;
pub mod download;
pub mod error;
pub mod events;
pub mod fiscal;
pub mod graphql;
pub mod idempotency;
pub mod japan;
pub mod metrics;
pub mod notify;
pub mod paging;
pub mod rate_limit;
pub mod search;
pub mod share;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod text;

//! Public-private partnership (公民連携): local issues (地域課題) posted by a municipality,
//! projects partner organizations propose against them, progress updates, comments, and
//! the verified resolution that counts toward the "issues solved" KPI.

pub mod demo;
pub mod inputs;
pub mod loaders;
pub mod notices;
pub mod resolver;
pub mod search;
pub mod service;
pub mod states;
pub mod types;

//! Identity: municipalities, organizations, users and sessions.

pub mod demo;
pub mod inputs;
pub mod loaders;
pub mod notices;
pub mod resolver;
pub mod service;
pub mod types;

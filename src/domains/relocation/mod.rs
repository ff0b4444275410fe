//! Relocation (移住): inquiries from families, concierge profiles, automatic assignment
//! within capacity, the pipeline from first contact to move-in, and the first-response SLA.

pub mod assignment;
pub mod demo;
pub mod export;
pub mod inputs;
pub mod loaders;
pub mod notices;
pub mod reminders;
pub mod resolver;
pub mod service;
pub mod sla;
pub mod states;
pub mod types;

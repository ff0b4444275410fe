//! Employment support (就職支援): job seekers enrolled by career advisors, the seminars
//! they attended, the jobs they found and follow-up checkpoints 3, 6 and 12 months later,
//! the fiscal-year report with small-count suppression, and the "regular-employment rate
//! of women placed" KPI.

pub mod demo;
pub mod export;
pub mod inputs;
pub mod loaders;
pub mod resolver;
pub mod service;
pub mod types;

//! Childcare (子育て支援): the resource directory (子育てひろば, 元気保育園, 一時保育,
//! 子育て学級, 訪問相談) with weekly hours, dated exceptions, eligibility and locations; the
//! daily visit log behind the plaza users KPI; and temporary childcare bookings with their
//! rules, slots, attendance and satisfaction surveys.

pub mod booking;
pub mod demo;
pub mod hours;
pub mod inputs;
pub mod loaders;
pub mod notices;
pub mod reminders;
pub mod resolver;
pub mod search;
pub mod service;
pub mod types;

//! Programs (講座・教室・体験会・相談会): seminars, workshops, classes, experience sessions and
//! fairs with their sessions, one registration engine for families (parties with children
//! and 託児), waitlist offers, check-in, no-shows and satisfaction surveys.

pub mod calendar;
pub mod demo;
pub mod inputs;
pub mod loaders;
pub mod notices;
pub mod registration;
pub mod reminders;
pub mod resolver;
pub mod roster;
pub mod search;
pub mod service;
pub mod states;
pub mod types;

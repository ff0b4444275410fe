//! Rules of the health domain that touch the database. Knows nothing of GraphQL.
//!
//! The vaccine catalogue is national data read by municipal health staff (municipal
//! admins) and platform admins; it is changed by a migration, never through the API.
//!
//! A child's health data (要配慮個人情報) is read by the child's guardian and by the health
//! staff of the child's municipality, whose every read is in the personal-data access log;
//! anyone else gets `NOT_FOUND`. None of it goes into search or logs.

mod catalogue;
mod children;

pub use catalogue::{catalogue_for_staff, load_catalogue};
pub use children::{
    HandbookDose, NewChild, SUBJECT_KIND, child_schedule, find_child, history, my_children,
    record_handbook_dose, register_child, sex_of,
};

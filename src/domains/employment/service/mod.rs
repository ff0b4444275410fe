//! Rules of the employment domain: who may see and change enrollments, placements and
//! follow-up checkpoints; the checkpoints created for each placement; the fiscal-year
//! report with small-count suppression; and the KPI figure the `kpi` domain reads. Knows
//! nothing of GraphQL; the demo seed calls it too.
//!
//! One file per use case: `enrollments`, `placements` (with the checkpoints each one gets),
//! `follow_ups`, `reports` and `own` (a job seeker's own enrollments, through the resident
//! account linked at enrollment); `team` says who is on a municipality's employment team
//! and `due` when a checkpoint falls due.
//!
//! Visibility, in one place (`team`): an enrollment and everything under it (the job seeker's
//! personal data, placements, checkpoints) is seen only by the municipality's employment
//! team — program staff of one of its employment-support offices
//! (`OrganizationKind::EmploymentSupportOffice`) and its administrators — and, without
//! the internal notes, by the job seeker whose account is linked. Anyone else gets
//! `NOT_FOUND` for a record and `FORBIDDEN` for a list. Every read of a record is written
//! to the shared access log ([`crate::audit`]) with the enrollment as subject, so "who read
//! this person's data" is one filter.

/// Subject kind of every access-log row this domain writes: the enrollment (the person).
const SUBJECT: crate::graphql::ids::NodeKind = crate::graphql::ids::NodeKind::EmploymentEnrollment;
/// Months after a placement's start at which follow-up checkpoints fall due.
const CHECKPOINTS: [u32; 3] = [3, 6, 12];
/// Days before its due date from which a checkpoint counts as due and may be recorded.
const DUE_WINDOW_DAYS: i64 = 14;
/// Longest name, job title or industry.
const MAX_LINE: usize = 100;
/// Longest employer name.
const MAX_EMPLOYER: usize = 200;
/// Longest note.
const MAX_NOTE: usize = 2000;
/// Most weekly hours a placement may have.
const MAX_WEEKLY_HOURS: f64 = 80.0;

mod due;
mod enrollments;
mod follow_ups;
mod own;
mod placements;
mod reports;
mod team;

pub use due::{DueState, due_state};
pub use enrollments::{
    EnrollmentChanges, EnrollmentFilter, EnrollmentOrder, NewEnrollment, PersonInput,
    attach_registration, close_enrollment, detach_registration, enroll, find_enrollment,
    list_enrollments, update_enrollment,
};
pub use follow_ups::{
    FollowUpAnswer, FollowUpFilter, find_follow_up, list_follow_ups, record_follow_up,
};
pub use own::my_enrollments;
pub use placements::{NewPlacement, find_placement, record_placement};
pub use reports::{
    Audience, Count, Report, Retention, published_report_for_team, rate_parts,
    regular_employment_of_women, report, women_placements,
};

//! Rules of the childcare domain: who sees and edits which resource, opening hours and
//! "open at", the visit log and its KPI, and temporary childcare bookings that never
//! exceed a slot's capacity. Knows nothing of GraphQL; the demo seed calls it too.
//!
//! Visibility, in one place:
//! - published resources (and their slots) are public; unpublished ones are seen by their
//!   editors: admins of the municipality and program staff of the provider organization;
//! - a booking and its children (personal data) are seen by the guardian who booked and by
//!   the resource's editors; anyone else gets `NOT_FOUND`;
//! - registered children are seen and changed by their guardian only.
//!
//! Waitlist: a booking of a full slot may wait (status `waitlisted`, no place held); places
//! freed by a cancellation or a larger capacity are given, under the same slot lock, to the
//! first waiting bookings that fit, in the order they were made.
//!
//! Capacity: every change to the bookings of a slot runs in one write transaction that first
//! locks the slot row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE`
//! already serializes writers), then recounts the children held and writes the total back.

mod attendance;
mod bookings;
mod cancellation;
mod capacity;
mod children;
mod fields;
mod opening_hours;
mod reads;
mod refusals;
mod resources;
mod slot_cancellation;
mod slot_changes;
mod slots;
mod visibility;
mod visits;
mod waitlist;

use entity::childcare_booking::BookingStatus;

pub use attendance::{mark_attendance, submit_survey};
pub use bookings::{ChildRef, NewBooking, book};
pub use cancellation::cancel_booking;
pub use children::{ChildDetails, add_child, remove_child, update_child};
pub use fields::{ResourceFields, decode_languages, postal_code};
pub use opening_hours::{remove_hours_exception, set_hours_exception, set_opening_hours};
pub use reads::{
    BookingsWhen, Listed, ResourceFilter, ResourceOrder, bookings_on, find_booking, find_child,
    find_resource, find_slot, list_resources, my_bookings, my_children, schedules, slots_between,
};
pub use resources::{NewResource, ResourceChanges, create_resource, update_resource};
pub use slot_cancellation::cancel_slot;
pub use slot_changes::{SlotChanges, update_slot};
pub use slots::{BookingRules, NewSlots, create_slots, set_booking_rules};
pub use visibility::{can_see, edits, viewer_edits};
pub use visits::{
    UsageRow, counted_answers, plaza_visits, record_visits, require_admin,
    temporary_childcare_satisfaction, usage_report,
};
pub use waitlist::{leave_waitlist, waitlist_position};

/// Longest name or street.
const MAX_LINE: usize = 200;
/// Longest accessibility note or survey comment.
const MAX_NOTE: usize = 2000;
/// Oldest child age accepted anywhere, in months (18 years).
const MAX_AGE_MONTHS: i32 = 216;
/// Statuses that hold places in a slot (a no-show took the place too).
const ACTIVE: [BookingStatus; 3] = [
    BookingStatus::Booked,
    BookingStatus::Attended,
    BookingStatus::NoShow,
];

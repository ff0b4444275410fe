//! Inputs and payloads of the daily tools: changing and cancelling slots, leaving a
//! waitlist, a family's registered children, and the filter of the booking history.

use async_graphql::{Enum, ID, InputObject, MaybeUndefined, SimpleObject};

use crate::domains::childcare::{
    service,
    types::{ChildcareChild, ChildcareSlot},
};
use crate::graphql::payload::UserError;
use crate::graphql::scalars::Date;

/// Change a temporary childcare slot that has not started (staff who create its slots).
/// Absent fields keep their value. A new time moves its bookings and is told to the
/// families booked or waiting; places added go to the waitlist.
#[derive(Debug, InputObject)]
pub struct UpdateChildcareSlotInput {
    /// The slot.
    pub id: ID,
    /// Children it takes (1–200, not below the children already booked).
    pub capacity: Option<i32>,
    /// New start `HH:MM` (Japan) on the slot's date.
    pub start_time: Option<String>,
    /// New end `HH:MM` (Japan) on the slot's date.
    pub end_time: Option<String>,
    /// A note for families (at most 500 characters); null clears it.
    pub note: MaybeUndefined<String>,
}

impl From<UpdateChildcareSlotInput> for service::SlotChanges {
    fn from(input: UpdateChildcareSlotInput) -> Self {
        Self {
            capacity: input.capacity,
            starts: input.start_time,
            ends: input.end_time,
            note: match input.note {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(note) => Some(Some(note)),
            },
        }
    }
}

/// Cancel (中止) a temporary childcare slot that has not started (staff who create its
/// slots): it stays listed as cancelled, every booking on it, booked or waiting, is
/// cancelled with the reason, and each family is told.
#[derive(Debug, InputObject)]
pub struct CancelChildcareSlotInput {
    /// The slot.
    pub id: ID,
    /// Why, as told to the families (at most 500 characters).
    pub reason: String,
    /// Retrying with the same key returns the first result and changes nothing.
    pub idempotency_key: Option<String>,
}

/// The slot after a change, or why it was refused.
#[derive(Debug, SimpleObject)]
pub struct ChildcareSlotPayload {
    /// The slot; null when refused.
    pub slot: Option<ChildcareSlot>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Leave the waitlist (キャンセル待ち) of a slot: your waiting booking is cancelled.
#[derive(Debug, InputObject)]
pub struct LeaveChildcareWaitlistInput {
    /// Your waiting booking.
    pub id: ID,
}

/// Register a child of yours for temporary childcare (residents).
#[derive(Debug, InputObject)]
pub struct AddChildcareChildInput {
    /// Name, e.g. 「貴船 ひなた」.
    pub name: String,
    /// Reading in katakana or hiragana.
    pub name_kana: String,
    /// Birth date.
    pub birth_date: Date,
    /// Allergies and other notes for the staff (at most 2000 characters).
    pub notes: Option<String>,
}

impl From<AddChildcareChildInput> for service::ChildDetails {
    fn from(input: AddChildcareChildInput) -> Self {
        Self {
            name: Some(input.name),
            name_kana: Some(input.name_kana),
            birth_date: Some(input.birth_date.0),
            notes: Some(input.notes),
        }
    }
}

/// Correct a child you registered; absent fields keep their value. Bookings made before
/// keep the age they were made with.
#[derive(Debug, InputObject)]
pub struct UpdateChildcareChildInput {
    /// The child.
    pub id: ID,
    /// Name.
    pub name: Option<String>,
    /// Reading in katakana or hiragana.
    pub name_kana: Option<String>,
    /// Birth date.
    pub birth_date: Option<Date>,
    /// Allergies and other notes for the staff; null clears them.
    pub notes: MaybeUndefined<String>,
}

impl From<UpdateChildcareChildInput> for service::ChildDetails {
    fn from(input: UpdateChildcareChildInput) -> Self {
        Self {
            name: input.name,
            name_kana: input.name_kana,
            birth_date: input.birth_date.map(|date| date.0),
            notes: match input.notes {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(notes) => Some(Some(notes)),
            },
        }
    }
}

/// Remove a child you registered. Refused while the child has an upcoming booking
/// (booked or waiting); the child stays on the bookings made before.
#[derive(Debug, InputObject)]
pub struct RemoveChildcareChildInput {
    /// The child.
    pub id: ID,
}

/// The child after a change, or why it was refused.
#[derive(Debug, SimpleObject)]
pub struct ChildcareChildPayload {
    /// The child; null when refused.
    pub child: Option<ChildcareChild>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Which of your bookings to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Default)]
pub enum ChildcareBookingsWhen {
    /// Every booking, the most recently made first.
    #[default]
    All,
    /// Bookings whose slot has not started, soonest first.
    Upcoming,
    /// Bookings whose slot has started (attended, no-show, cancelled, …), the most recent
    /// slot first.
    Past,
}

impl From<ChildcareBookingsWhen> for service::BookingsWhen {
    fn from(when: ChildcareBookingsWhen) -> Self {
        match when {
            ChildcareBookingsWhen::All => Self::All,
            ChildcareBookingsWhen::Upcoming => Self::Upcoming,
            ChildcareBookingsWhen::Past => Self::Past,
        }
    }
}

//! A clinic's day list: the day's bookings with their children and forms, and the forms
//! brought without a booking (paper forms, walk-ins). A fixed number of statements however
//! many bookings: the bookings, the forms, the children, the slots, and one access-log
//! insert for the children read.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use entity::{
    health_booking as booking, health_child as child, health_form_submission as submission,
    health_slot as slot,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::access::require_clinic;
use crate::audit::{self, Read};
use crate::auth::Viewer;
use crate::error::AppResult;
use crate::state::ServiceContext;

/// One entry of the day list.
#[derive(Clone, Debug)]
pub struct DayEntry {
    /// The booking, when the child was booked.
    pub booking: Option<booking::Model>,
    /// The booking's slot.
    pub slot: Option<slot::Model>,
    /// The child.
    pub child: child::Model,
    /// The forms for this visit.
    pub forms: Vec<submission::Model>,
}

/// The clinic's day.
#[derive(Clone, Debug)]
pub struct Day {
    /// The clinic.
    pub clinic_id: Uuid,
    /// The day.
    pub day: NaiveDate,
    /// Entries by slot time (forms without a booking last).
    pub entries: Vec<DayEntry>,
}

/// The day list of the signed-in clinic staff member's clinic.
#[tracing::instrument(skip_all)]
pub async fn clinic_day(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    day: NaiveDate,
) -> AppResult<Day> {
    let (me, clinic) = require_clinic(ctx.db, viewer).await?;
    let bookings = booking::Entity::find()
        .filter(booking::Column::ClinicId.eq(clinic.id))
        .filter(booking::Column::Day.eq(day))
        .order_by_asc(booking::Column::Id)
        .all(ctx.db)
        .await?;
    let forms = submission::Entity::find()
        .filter(submission::Column::ClinicId.eq(clinic.id))
        .filter(submission::Column::PlannedOn.eq(day))
        .order_by_asc(submission::Column::Id)
        .all(ctx.db)
        .await?;
    let child_ids: BTreeSet<Uuid> = bookings
        .iter()
        .map(|b| b.child_id)
        .chain(forms.iter().map(|f| f.child_id))
        .collect();
    let children: HashMap<Uuid, child::Model> = if child_ids.is_empty() {
        HashMap::new()
    } else {
        child::Entity::find()
            .filter(child::Column::Id.is_in(child_ids.iter().copied()))
            .all(ctx.db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect()
    };
    let slot_ids: BTreeSet<Uuid> = bookings.iter().map(|b| b.slot_id).collect();
    let slots: HashMap<Uuid, slot::Model> = if slot_ids.is_empty() {
        HashMap::new()
    } else {
        slot::Entity::find()
            .filter(slot::Column::Id.is_in(slot_ids))
            .all(ctx.db)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect()
    };
    let mut by_booking: HashMap<Uuid, Vec<submission::Model>> = HashMap::new();
    let mut walk_ins: Vec<submission::Model> = Vec::new();
    for form in forms {
        match form.booking_id {
            Some(id) => by_booking.entry(id).or_default().push(form),
            None => walk_ins.push(form),
        }
    }
    let mut entries = Vec::new();
    for booking in bookings {
        let Some(child) = children.get(&booking.child_id).cloned() else {
            continue;
        };
        entries.push(DayEntry {
            forms: by_booking.remove(&booking.id).unwrap_or_default(),
            slot: slots.get(&booking.slot_id).cloned(),
            child,
            booking: Some(booking),
        });
    }
    entries.sort_by_key(|e| {
        (
            e.slot.as_ref().map(|s| s.starts_at),
            e.booking.as_ref().map(|b| b.id),
        )
    });
    // Forms without a booking (or whose booking is on another day), one entry per visit.
    let mut visits: Vec<(Uuid, Vec<submission::Model>)> = Vec::new();
    for form in walk_ins
        .into_iter()
        .chain(by_booking.into_values().flatten())
    {
        match visits.iter_mut().find(|(visit, _)| *visit == form.visit_id) {
            Some((_, forms)) => forms.push(form),
            None => visits.push((form.visit_id, vec![form])),
        }
    }
    visits.sort_by_key(|(visit, _)| *visit);
    for (_, forms) in visits {
        let Some(child) = forms
            .first()
            .and_then(|f| children.get(&f.child_id))
            .cloned()
        else {
            continue;
        };
        entries.push(DayEntry {
            booking: None,
            slot: None,
            child,
            forms,
        });
    }
    let reads = child_ids
        .iter()
        .filter_map(|id| children.get(id))
        .map(|c| Read {
            municipality_id: c.municipality_id,
            subject_kind: super::SUBJECT_KIND,
            subject_id: c.id,
            accessed: "day_list",
        });
    audit::record(ctx.db, me.id, reads).await?;
    Ok(Day {
        clinic_id: clinic.id,
        day,
        entries,
    })
}

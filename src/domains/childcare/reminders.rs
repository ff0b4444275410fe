//! The reminders of the childcare domain, due by the clock: the evening before a booked
//! slot, to the guardian who booked it. Read in three statements however many bookings the
//! window holds.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    childcare_booking::{self as booking, BookingStatus},
    childcare_resource as resource, childcare_slot as slot,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    config::NotifySettings,
    notify::{
        Kind, Notice, Recipient,
        schedule::{DAY_BEFORE_WINDOW, day_before_is_due},
        when,
    },
};

/// The evening before a booked slot.
pub const BOOKING_REMINDER: Kind = Kind::optional(
    "childcare.booking_reminder",
    "一時保育などの予約の前日のお知らせ",
);

/// Every reminder of the domain.
pub const REMINDER_KINDS: &[Kind] = &[BOOKING_REMINDER];

/// The reminders due at `now`.
pub async fn due(
    db: &impl ConnectionTrait,
    settings: &NotifySettings,
    now: DateTime<Utc>,
) -> Result<Vec<Notice>, DbErr> {
    let bookings: Vec<booking::Model> = booking::Entity::find()
        .filter(booking::Column::Status.eq(BookingStatus::Booked))
        .filter(booking::Column::StartsAt.gt(now))
        .filter(booking::Column::StartsAt.lte(now + DAY_BEFORE_WINDOW))
        .all(db)
        .await?
        .into_iter()
        .filter(|b| day_before_is_due(b.starts_at, settings.reminder_hour, now))
        .collect();
    if bookings.is_empty() {
        return Ok(Vec::new());
    }
    let slots: HashMap<Uuid, slot::Model> = slot::Entity::find()
        .filter(slot::Column::Id.is_in(bookings.iter().map(|b| b.slot_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let resources: HashMap<Uuid, resource::Model> = resource::Entity::find()
        .filter(resource::Column::Id.is_in(bookings.iter().map(|b| b.resource_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    Ok(bookings
        .iter()
        .filter_map(|b| {
            let resource = resources.get(&b.resource_id)?;
            Some(reminder(b, slots.get(&b.slot_id), resource))
        })
        .collect())
}

fn reminder(b: &booking::Model, s: Option<&slot::Model>, resource: &resource::Model) -> Notice {
    let until = s
        .map(|s| {
            format!(
                " 〜 {}",
                s.ends_at
                    .with_timezone(&chrono_tz::Asia::Tokyo)
                    .format("%H:%M")
            )
        })
        .unwrap_or_default();
    let phone = resource
        .phone
        .as_deref()
        .map(|phone| format!("\n電話: {phone}"))
        .unwrap_or_default();
    Notice {
        recipient: Recipient::Account(b.guardian_user_id),
        municipality_id: Some(b.municipality_id),
        kind: BOOKING_REMINDER,
        subject_id: b.id,
        occasion: b.starts_at.to_rfc3339(),
        title: format!("【明日のご予約】{}", resource.name),
        body: format!(
            "明日のご予約をお知らせします。お時間までにお越しください。\n\n施設: {}\n日時: {}{until}\n場所: 〒{} {}{}\nお子さま: {}人{phone}\n\nご都合が悪くなった場合は、予約の詳細から取り消してください。",
            resource.name,
            when(b.starts_at),
            resource.postal_code,
            resource.city,
            resource.street,
            b.children,
        ),
        link: Some(format!("/mypage/childcare/bookings/{}", b.id)),
    }
}

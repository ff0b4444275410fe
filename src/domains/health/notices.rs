//! What the health domain tells guardians: a vaccination booking confirmed, and a booking
//! the clinic cancelled. Written through `notify` in the transaction of the change.

use entity::{health_booking as booking, health_child as child, health_slot as slot, organization};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use crate::notify::{self, Kind, Notice, Recipient, when};

/// A vaccination was booked.
pub const BOOKING_CONFIRMED: Kind =
    Kind::optional("health.booking_confirmed", "予防接種の予約完了");
/// The clinic cancelled a booking: the child must not be brought, so it cannot be
/// turned off.
pub const BOOKING_CANCELLED: Kind = Kind::required(
    "health.booking_cancelled",
    "予防接種の予約取消（医療機関から）",
);

/// Every kind of message of the domain.
pub const KINDS: &[Kind] = &[BOOKING_CONFIRMED, BOOKING_CANCELLED];

/// The facts every message repeats: who, where, when, which vaccines.
async fn facts(
    txn: &impl ConnectionTrait,
    booking: &booking::Model,
    child: &child::Model,
    slot: &slot::Model,
    vaccines: &[String],
) -> Result<(String, String), DbErr> {
    let clinic = organization::Entity::find_by_id(booking.clinic_id)
        .one(txn)
        .await?
        .map(|clinic| clinic.name)
        .unwrap_or_default();
    let facts = format!(
        "お子さま: {} さん\n医療機関: {clinic}\n日時: {} 〜 {}\nワクチン: {}",
        child.name,
        when(slot.starts_at),
        slot.ends_at
            .with_timezone(&chrono_tz::Asia::Tokyo)
            .format("%H:%M"),
        vaccines.join("、"),
    );
    Ok((clinic, facts))
}

/// Tells the guardian that `booking` is made; `vaccines` are the names of the products
/// planned. Call in the transaction that made it.
pub async fn booked(
    txn: &impl ConnectionTrait,
    booking: &booking::Model,
    child: &child::Model,
    slot: &slot::Model,
    vaccines: &[String],
) -> Result<(), DbErr> {
    let (clinic, facts) = facts(txn, booking, child, slot, vaccines).await?;
    notify::enqueue(
        txn,
        Notice {
            recipient: Recipient::Account(booking.guardian_user_id),
            municipality_id: Some(booking.municipality_id),
            kind: BOOKING_CONFIRMED,
            subject_id: booking.id,
            occasion: String::new(),
            title: format!("【予約完了】予防接種 {}（{clinic}）", when(slot.starts_at)),
            body: format!(
                "予防接種の予約を受け付けました。\n\n{facts}\n\n当日は母子健康手帳をお持ちください。予診票は事前にアプリから提出できます。ご都合が悪くなった場合は、予約の詳細から取り消してください。"
            ),
            link: Some(format!("/mypage/health/bookings/{}", booking.id)),
        },
    )
    .await
    .map(drop)
}

/// Tells the guardian that the clinic cancelled `booking`. Call in the transaction that
/// cancelled it.
pub async fn cancelled_by_clinic(
    txn: &impl ConnectionTrait,
    booking: &booking::Model,
    child: &child::Model,
    slot: &slot::Model,
    vaccines: &[String],
) -> Result<(), DbErr> {
    let (clinic, facts) = facts(txn, booking, child, slot, vaccines).await?;
    let reason = booking
        .cancel_reason
        .as_deref()
        .map(|reason| format!("\n取消の理由: {reason}"))
        .unwrap_or_default();
    notify::enqueue(
        txn,
        Notice {
            recipient: Recipient::Account(booking.guardian_user_id),
            municipality_id: Some(booking.municipality_id),
            kind: BOOKING_CANCELLED,
            subject_id: booking.id,
            occasion: String::new(),
            title: format!("【予約取消】予防接種 {}（{clinic}）", when(slot.starts_at)),
            body: format!(
                "医療機関の都合により、予防接種の予約が取り消されました。当日はお越しにならないようお願いいたします。\n\n{facts}{reason}\n\n別の日時はアプリから予約し直せます。"
            ),
            link: Some(format!("/mypage/health/bookings/{}", booking.id)),
        },
    )
    .await
    .map(drop)
}

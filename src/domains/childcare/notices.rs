//! What the childcare domain tells families: a temporary-childcare booking confirmed
//! (every day of it in one message) and bookings cancelled, by the family or by the
//! facility. Written through `notify` in the transaction of the change.

use chrono::Duration;
use entity::{childcare_booking, childcare_resource};
use sea_orm::{ConnectionTrait, DbErr};

use crate::notify::{self, Kind, Notice, Recipient, when};

/// A booking was made (one message for all its days).
pub const BOOKING_CONFIRMED: Kind =
    Kind::optional("childcare.booking_confirmed", "一時預かりの予約完了");
/// Bookings were cancelled: the child cannot be left on those days, so it cannot be
/// turned off (the facility may cancel, and the family must not learn it at the door).
pub const BOOKING_CANCELLED: Kind =
    Kind::required("childcare.booking_cancelled", "一時預かりの予約取消");

/// Every kind of message of the domain.
pub const KINDS: &[Kind] = &[BOOKING_CONFIRMED, BOOKING_CANCELLED];

/// One line per day: `2026年12月10日（木）10:00〜13:00`.
fn days(bookings: &[childcare_booking::Model]) -> String {
    bookings
        .iter()
        .map(|booking| {
            let ends = booking.starts_at + Duration::minutes(i64::from(booking.minutes));
            format!(
                "・{}〜{}",
                when(booking.starts_at),
                ends.with_timezone(&chrono_tz::Asia::Tokyo).format("%H:%M")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn facility(resource: &childcare_resource::Model) -> String {
    let phone = resource
        .phone
        .as_deref()
        .map(|phone| format!("\n電話: {phone}"))
        .unwrap_or_default();
    format!(
        "施設: {}\n所在地: {}{}{}",
        resource.name,
        crate::japan::prefecture(resource.prefecture_code)
            .map(|(name, _)| name)
            .unwrap_or_default(),
        resource.city,
        resource.street
    ) + &phone
}

/// Tells the guardian that `bookings` (one group) are confirmed. Call in the transaction
/// that made them.
pub async fn booked(
    txn: &impl ConnectionTrait,
    resource: &childcare_resource::Model,
    bookings: &[childcare_booking::Model],
    cancel_deadline_hours: i32,
) -> Result<(), DbErr> {
    let Some(first) = bookings.first() else {
        return Ok(());
    };
    notify::enqueue(
        txn,
        Notice {
            recipient: Recipient::Account(first.guardian_user_id),
            municipality_id: Some(first.municipality_id),
            kind: BOOKING_CONFIRMED,
            subject_id: first.group_id,
            occasion: String::new(),
            title: format!("【予約完了】一時預かり: {}", resource.name),
            body: format!(
                "一時預かりの予約を受け付けました。\n\n{}\n\n利用日:\n{}\nお子さま: {}人\n\n取り消しは各利用日の開始{}時間前まで、予約の詳細からできます。それ以降は施設に直接ご連絡ください。",
                facility(resource),
                days(bookings),
                first.children,
                cancel_deadline_hours,
            ),
            link: Some(format!("/mypage/childcare/bookings/{}", first.id)),
        },
    )
    .await
    .map(drop)
}

/// Tells the guardian that `cancelled` (of one group) are cancelled, by themselves or by
/// the facility (`by_facility`). Call in the transaction that cancelled them.
pub async fn cancelled(
    txn: &impl ConnectionTrait,
    resource: &childcare_resource::Model,
    cancelled: &[childcare_booking::Model],
    by_facility: bool,
) -> Result<(), DbErr> {
    let Some(first) = cancelled.first() else {
        return Ok(());
    };
    let intro = if by_facility {
        "施設の都合により、次の日の一時預かりの予約が取り消されました。ご迷惑をおかけし申し訳ありません。詳しくは施設にお問い合わせください。"
    } else {
        "次の日の一時預かりの予約を取り消しました。"
    };
    notify::enqueue(
        txn,
        Notice {
            recipient: Recipient::Account(first.guardian_user_id),
            municipality_id: Some(first.municipality_id),
            kind: BOOKING_CANCELLED,
            subject_id: first.group_id,
            // Days of one group may be cancelled one at a time: one message per cancellation.
            occasion: cancelled
                .iter()
                .map(|booking| booking.id.to_string())
                .collect::<Vec<_>>()
                .join(","),
            title: format!("【予約取消】一時預かり: {}", resource.name),
            body: format!(
                "{intro}\n\n{}\n\n取り消した利用日:\n{}",
                facility(resource),
                days(cancelled),
            ),
            link: Some(format!("/childcare/{}", resource.id)),
        },
    )
    .await
    .map(drop)
}

//! What the childcare domain tells families: a temporary-childcare booking confirmed
//! (every day of it in one message), bookings cancelled by the family or by the facility,
//! a slot's time changed or the slot cancelled, a place on a slot's waitlist taken and a
//! waiting booking promoted to a confirmed one. Written through `notify` in the
//! transaction of the change.

use chrono::Duration;
use entity::{
    childcare_booking::{self, BookingStatus},
    childcare_resource, childcare_slot,
};
use sea_orm::{ConnectionTrait, DbErr};

use crate::notify::{self, Kind, Notice, Recipient, when};

/// A booking was made (one message for all its days).
pub const BOOKING_CONFIRMED: Kind =
    Kind::optional("childcare.booking_confirmed", "一時預かりの予約完了");
/// Bookings were cancelled: the child cannot be left on those days, so it cannot be
/// turned off (the facility may cancel, and the family must not learn it at the door).
pub const BOOKING_CANCELLED: Kind =
    Kind::required("childcare.booking_cancelled", "一時預かりの予約取消");

/// A slot's time changed: the child must be brought then, so it cannot be turned off.
pub const SLOT_CHANGED: Kind =
    Kind::required("childcare.slot_changed", "一時預かりの利用時間の変更");
/// The facility cancelled a slot: the child cannot be left that day, so it cannot be
/// turned off.
pub const SLOT_CANCELLED: Kind = Kind::required("childcare.slot_cancelled", "一時預かりの枠の中止");
/// A booking was put on the waitlist (キャンセル待ち) of a full slot.
pub const WAITLIST_JOINED: Kind = Kind::optional(
    "childcare.waitlist_joined",
    "一時預かりのキャンセル待ち受付",
);
/// A waiting booking was promoted to a confirmed one: the child is now expected, so it
/// cannot be turned off.
pub const WAITLIST_PROMOTED: Kind = Kind::required(
    "childcare.waitlist_promoted",
    "一時預かりのキャンセル待ちからの予約確定",
);

/// Every kind of message of the domain.
pub const KINDS: &[Kind] = &[
    BOOKING_CONFIRMED,
    BOOKING_CANCELLED,
    SLOT_CHANGED,
    SLOT_CANCELLED,
    WAITLIST_JOINED,
    WAITLIST_PROMOTED,
];

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

/// `2026年12月10日（木）10:00〜13:00` of a slot.
fn slot_time(slot: &childcare_slot::Model) -> String {
    format!(
        "{}〜{}",
        when(slot.starts_at),
        slot.ends_at
            .with_timezone(&chrono_tz::Asia::Tokyo)
            .format("%H:%M")
    )
}

/// Tells the guardian of `booking` (booked or waiting) that its slot moved from `before`
/// to `after`. Call in the transaction that changed it.
pub async fn slot_changed(
    txn: &impl ConnectionTrait,
    resource: &childcare_resource::Model,
    before: &childcare_slot::Model,
    after: &childcare_slot::Model,
    booking: &childcare_booking::Model,
) -> Result<(), DbErr> {
    let waiting = if booking.status == BookingStatus::Waitlisted {
        "（キャンセル待ちの方にもお知らせしています）"
    } else {
        ""
    };
    notify::enqueue(
        txn,
        Notice {
            recipient: Recipient::Account(booking.guardian_user_id),
            municipality_id: Some(booking.municipality_id),
            kind: SLOT_CHANGED,
            subject_id: booking.id,
            // One message per change: the slot's time after it.
            occasion: format!("{}|{}", after.starts_at.to_rfc3339(), after.ends_at.to_rfc3339()),
            title: format!("【時間変更】一時預かり: {}", resource.name),
            body: format!(
                "ご予約の一時預かりの利用時間が変更されました{waiting}。新しい時間にお越しください。ご都合が合わない場合は予約の詳細から取り消すか、施設にご連絡ください。\n\n{}\n\n変更前: {}\n変更後: {}",
                facility(resource),
                slot_time(before),
                slot_time(after),
            ),
            link: Some(format!("/mypage/childcare/bookings/{}", booking.id)),
        },
    )
    .await
    .map(drop)
}

/// Tells the guardian of `booking` (now cancelled, booked or waiting before) that the
/// facility cancelled its slot, with the reason. Call in the transaction that cancelled it.
pub async fn slot_cancelled(
    txn: &impl ConnectionTrait,
    resource: &childcare_resource::Model,
    slot: &childcare_slot::Model,
    booking: &childcare_booking::Model,
    was_waiting: bool,
) -> Result<(), DbErr> {
    let what = if was_waiting {
        "キャンセル待ちでお申込みの一時預かりの枠"
    } else {
        "ご予約の一時預かりの枠"
    };
    notify::enqueue(
        txn,
        Notice {
            recipient: Recipient::Account(booking.guardian_user_id),
            municipality_id: Some(booking.municipality_id),
            kind: SLOT_CANCELLED,
            subject_id: booking.id,
            occasion: String::new(),
            title: format!("【中止】一時預かり: {}", resource.name),
            body: format!(
                "{what}は、施設の都合により中止になりました。ご迷惑をおかけし申し訳ありません。予約は取り消されています。\n\n中止の理由: {}\n\n{}\n\n中止になった枠: {}",
                slot.cancel_reason.as_deref().unwrap_or_default(),
                facility(resource),
                slot_time(slot),
            ),
            link: Some(format!("/childcare/{}", resource.id)),
        },
    )
    .await
    .map(drop)
}

/// Tells the guardian that `waiting` (one group) are on the waitlists of full slots, each
/// with its position. Call in the transaction that made them.
pub async fn waitlisted(
    txn: &impl ConnectionTrait,
    resource: &childcare_resource::Model,
    waiting: &[(childcare_booking::Model, u64)],
) -> Result<(), DbErr> {
    let Some((first, _)) = waiting.first() else {
        return Ok(());
    };
    let lines = waiting
        .iter()
        .map(|(booking, position)| {
            format!("{}（{position}番目）", days(std::slice::from_ref(booking)))
        })
        .collect::<Vec<_>>()
        .join("\n");
    notify::enqueue(
        txn,
        Notice {
            recipient: Recipient::Account(first.guardian_user_id),
            municipality_id: Some(first.municipality_id),
            kind: WAITLIST_JOINED,
            subject_id: first.group_id,
            occasion: "waitlisted".to_owned(),
            title: format!("【キャンセル待ち受付】一時預かり: {}", resource.name),
            body: format!(
                "満員の枠のキャンセル待ちを受け付けました。空きが出ると、お待ちの順に自動で予約が確定し、お知らせします。\n\n{}\n\nキャンセル待ちの利用日（順番）:\n{}\nお子さま: {}人",
                facility(resource),
                lines,
                first.children,
            ),
            link: Some(format!("/mypage/childcare/bookings/{}", first.id)),
        },
    )
    .await
    .map(drop)
}

/// Tells the guardian that their waiting `booking` is now confirmed. Call in the
/// transaction that promoted it.
pub async fn promoted(
    txn: &impl ConnectionTrait,
    resource: &childcare_resource::Model,
    booking: &childcare_booking::Model,
    cancel_deadline_hours: i32,
) -> Result<(), DbErr> {
    notify::enqueue(
        txn,
        Notice {
            recipient: Recipient::Account(booking.guardian_user_id),
            municipality_id: Some(booking.municipality_id),
            kind: WAITLIST_PROMOTED,
            subject_id: booking.id,
            occasion: String::new(),
            title: format!("【予約確定】キャンセル待ち: {}", resource.name),
            body: format!(
                "キャンセル待ちの一時預かりに空きが出たため、予約が確定しました。ご都合が悪くなった場合は、開始{}時間前までに予約の詳細から取り消してください。\n\n{}\n\n利用日:\n{}\nお子さま: {}人",
                cancel_deadline_hours,
                facility(resource),
                days(std::slice::from_ref(booking)),
                booking.children,
            ),
            link: Some(format!("/mypage/childcare/bookings/{}", booking.id)),
        },
    )
    .await
    .map(drop)
}

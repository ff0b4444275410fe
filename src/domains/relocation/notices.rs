//! What the relocation domain tells people: the family that its inquiry was received and
//! when an appointment is, the concierge that an inquiry is now theirs. Written through
//! `notify` in the transaction of the change.
//!
//! The tracking token never goes into a message: it is kept only as a digest and shown
//! once, to the submitter, in the answer to the submission. A message is stored in clear
//! (and goes to an address nobody has verified), so it carries the reference code and the
//! link to the status page, where the family types the token it saved.

use entity::{inquiry_event::AppointmentKind, municipality, relocation_inquiry};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

use crate::notify::{self, Kind, Notice, Recipient, when};

/// An inquiry was received: the family's receipt with its reference code. Required: it is
/// the only place the family finds the code again, and it is sent once per inquiry.
pub const INQUIRY_RECEIVED: Kind = Kind::required("relocation.inquiry_received", "移住相談の受付");
/// An inquiry was given to a concierge: the first reply is due by a deadline, so it
/// cannot be turned off.
pub const INQUIRY_ASSIGNED: Kind =
    Kind::required("relocation.inquiry_assigned", "移住相談の担当割り当て");
/// An appointment was scheduled: the family and the concierge must both come, so it
/// cannot be turned off.
pub const APPOINTMENT_SCHEDULED: Kind = Kind::required(
    "relocation.appointment_scheduled",
    "移住相談の面談・訪問の予定",
);

/// The family wrote to its concierge with its tracking token. The timeline shows it too, so
/// it may be turned off.
pub const FAMILY_MESSAGE: Kind = Kind::optional(
    "relocation.family_message",
    "移住相談のご家族からのメッセージ",
);

/// Every kind of message of the domain.
pub const KINDS: &[Kind] = &[
    INQUIRY_RECEIVED,
    INQUIRY_ASSIGNED,
    APPOINTMENT_SCHEDULED,
    FAMILY_MESSAGE,
];

/// Where the family reads its inquiry's stage (the page asks for the tracking token).
fn status_link(inquiry: &relocation_inquiry::Model) -> String {
    format!("/relocation/status?code={}", inquiry.reference_code)
}

/// Where staff work on the inquiry.
fn staff_link(inquiry: &relocation_inquiry::Model) -> String {
    format!("/staff/relocation/inquiries/{}", inquiry.id)
}

async fn place_name(txn: &impl ConnectionTrait, municipality_id: Uuid) -> Result<String, DbErr> {
    Ok(municipality::Entity::find_by_id(municipality_id)
        .one(txn)
        .await?
        .map(|m| m.name_ja)
        .unwrap_or_default())
}

fn appointment_label(kind: AppointmentKind) -> &'static str {
    match kind {
        AppointmentKind::Visit => "現地訪問",
        AppointmentKind::TrialStay => "お試し滞在",
        AppointmentKind::OnlineConsultation => "オンライン相談",
    }
}

/// Sends the family the receipt of `inquiry`, to the address it gave (none without one).
/// Call in the transaction that stored it.
pub async fn received(
    txn: &impl ConnectionTrait,
    inquiry: &relocation_inquiry::Model,
) -> Result<(), DbErr> {
    let Some(email) = inquiry.email.clone() else {
        return Ok(());
    };
    let place = place_name(txn, inquiry.municipality_id).await?;
    notify::enqueue(
        txn,
        Notice {
            recipient: Recipient::Guest(email),
            municipality_id: Some(inquiry.municipality_id),
            kind: INQUIRY_RECEIVED,
            subject_id: inquiry.id,
            occasion: String::new(),
            title: format!("【{place}】移住相談を受け付けました（{}）", inquiry.reference_code),
            body: format!(
                "{place}への移住相談をお受けしました。担当のコンシェルジュからご連絡します。\n\n受付番号: {}\n受付日時: {}\n\n進み具合は下のリンクから確認できます。お申込みのときに表示された確認用のトークンを入力してください（トークンはこのメールには記載していません）。お問い合わせの際は受付番号をお伝えください。\n\nこのメールに心当たりがない場合は、お手数ですが{place}までご連絡ください。",
                inquiry.reference_code,
                when(inquiry.created_at),
            ),
            link: Some(status_link(inquiry)),
        },
    )
    .await
    .map(drop)
}

/// Tells `concierge` that `inquiry` is now theirs. Call in the transaction that assigned
/// it. The message holds no personal data of the family (it outlives their erasure).
pub async fn assigned(
    txn: &impl ConnectionTrait,
    inquiry: &relocation_inquiry::Model,
    concierge: Uuid,
) -> Result<(), DbErr> {
    let assigned_at = inquiry.assigned_at.unwrap_or(inquiry.updated_at);
    notify::enqueue(
        txn,
        Notice {
            recipient: Recipient::Account(concierge),
            municipality_id: Some(inquiry.municipality_id),
            kind: INQUIRY_ASSIGNED,
            subject_id: inquiry.id,
            // The same inquiry may come back to the same concierge later: one message each time.
            occasion: assigned_at.to_rfc3339(),
            title: format!("【担当割り当て】移住相談 {}", inquiry.reference_code),
            body: format!(
                "移住相談の担当になりました。\n\n受付番号: {}\n受付日時: {}\n初回連絡の期限: {}\n世帯: 大人{}人・子ども{}人\n\nご家族の連絡先と相談内容は相談の詳細をご覧ください。",
                inquiry.reference_code,
                when(inquiry.created_at),
                when(inquiry.first_response_due_at),
                inquiry.adults,
                inquiry.children,
            ),
            link: Some(staff_link(inquiry)),
        },
    )
    .await
    .map(drop)
}

/// Tells the concierge holding `inquiry` that the family wrote (timeline entry `event_id`);
/// while nobody holds it, every active administrator of its municipality. Call in the
/// transaction that stored the message. What the family wrote stays on the timeline: the
/// notice carries only the reference code and the link.
pub async fn family_message(
    txn: &impl ConnectionTrait,
    inquiry: &relocation_inquiry::Model,
    event_id: Uuid,
    sent_at: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let recipients: Vec<Uuid> = match inquiry.assigned_concierge_id {
        Some(concierge) => vec![concierge],
        None => entity::user::Entity::find()
            .filter(entity::user::Column::Role.eq(crate::auth::Role::MunicipalAdmin))
            .filter(entity::user::Column::MunicipalityId.eq(inquiry.municipality_id))
            .filter(entity::user::Column::DeactivatedAt.is_null())
            .all(txn)
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect(),
    };
    let waiting = if inquiry.assigned_concierge_id.is_some() {
        ""
    } else {
        "\nこの相談はまだ担当が決まっていません。"
    };
    for recipient in recipients {
        notify::enqueue(
            txn,
            Notice {
                recipient: Recipient::Account(recipient),
                municipality_id: Some(inquiry.municipality_id),
                kind: FAMILY_MESSAGE,
                subject_id: inquiry.id,
                occasion: event_id.to_string(),
                title: format!("【メッセージ】移住相談 {} のご家族から", inquiry.reference_code),
                body: format!(
                    "移住相談のご家族からメッセージが届きました。{waiting}\n\n受付番号: {}\n受信日時: {}\n\n内容は相談のタイムラインをご覧ください。",
                    inquiry.reference_code,
                    when(sent_at),
                ),
                link: Some(staff_link(inquiry)),
            },
        )
        .await?;
    }
    Ok(())
}

/// An appointment as the messages tell it.
#[derive(Debug, Clone)]
pub struct Scheduled<'a> {
    /// The timeline entry of the appointment (one message per appointment).
    pub event_id: Uuid,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Visit, trial stay or online consultation.
    pub kind: AppointmentKind,
    /// Where, if given.
    pub place: Option<&'a str>,
    /// Who scheduled it (not told of what they did themselves).
    pub by: Uuid,
}

/// Tells the family (by email) and the inquiry's concierge, unless the concierge
/// scheduled it, of an appointment. Call in the transaction that scheduled it.
pub async fn appointment_scheduled(
    txn: &impl ConnectionTrait,
    inquiry: &relocation_inquiry::Model,
    appointment: &Scheduled<'_>,
) -> Result<(), DbErr> {
    let place_name = place_name(txn, inquiry.municipality_id).await?;
    let label = appointment_label(appointment.kind);
    let facts = format!(
        "受付番号: {}\n内容: {label}\n日時: {}\n場所: {}",
        inquiry.reference_code,
        when(appointment.at),
        appointment.place.unwrap_or("担当者からご案内します"),
    );
    let mut notices = Vec::new();
    if let Some(email) = inquiry.email.clone() {
        notices.push(Notice {
            recipient: Recipient::Guest(email),
            municipality_id: Some(inquiry.municipality_id),
            kind: APPOINTMENT_SCHEDULED,
            subject_id: inquiry.id,
            occasion: appointment.event_id.to_string(),
            title: format!("【{place_name}】{label}のご予定: {}", when(appointment.at)),
            body: format!(
                "移住相談の{label}の日時が決まりました。\n\n{facts}\n\nご都合が悪くなった場合は、担当のコンシェルジュまでご連絡ください。進み具合は下のリンクから確認できます（確認用のトークンが必要です）。"
            ),
            link: Some(status_link(inquiry)),
        });
    }
    if let Some(concierge) = inquiry
        .assigned_concierge_id
        .filter(|concierge| *concierge != appointment.by)
    {
        notices.push(Notice {
            recipient: Recipient::Account(concierge),
            municipality_id: Some(inquiry.municipality_id),
            kind: APPOINTMENT_SCHEDULED,
            subject_id: inquiry.id,
            occasion: appointment.event_id.to_string(),
            title: format!(
                "【予定登録】{} の{label}: {}",
                inquiry.reference_code,
                when(appointment.at)
            ),
            body: format!("担当の移住相談に予定が登録されました。\n\n{facts}"),
            link: Some(staff_link(inquiry)),
        });
    }
    for notice in notices {
        notify::enqueue(txn, notice).await?;
    }
    Ok(())
}

//! What the programs domain tells families: the Japanese messages of a registration's life
//! (confirmed, waitlisted with its position, a place offered with its deadline, an offer
//! passed on, the session moved or cancelled), written through `notify` in the
//! transaction of the change.

use chrono::{DateTime, Utc};
use entity::{program, program_session, registration};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::notify::{self, Kind, Notice, Recipient, when};

/// A registration was confirmed.
pub const REGISTRATION_CONFIRMED: Kind =
    Kind::optional("programs.registration_confirmed", "講座の申込完了");
/// A registration was put on the waitlist.
pub const REGISTRATION_WAITLISTED: Kind = Kind::optional(
    "programs.registration_waitlisted",
    "講座のキャンセル待ち受付",
);
/// A place was offered from the waitlist: it lapses unless accepted by the deadline, so
/// it cannot be turned off.
pub const PLACE_OFFERED: Kind = Kind::required(
    "programs.place_offered",
    "キャンセル待ちの繰り上げ（承諾期限あり）",
);
/// A session was cancelled: the family must not come, so it cannot be turned off.
pub const SESSION_CANCELLED: Kind = Kind::required("programs.session_cancelled", "講座の中止");
/// An offered place lapsed or was declined and went to the next party: the family no
/// longer holds it and must not come, so it cannot be turned off.
pub const OFFER_PASSED_ON: Kind = Kind::required(
    "programs.offer_passed_on",
    "キャンセル待ちの繰り上げの終了（期限切れ・辞退）",
);
/// A session moved to another time or place: the family must come then and there, so it
/// cannot be turned off.
pub const SESSION_CHANGED: Kind =
    Kind::required("programs.session_changed", "講座の日時・会場の変更");

/// Every kind of message of the domain.
pub const KINDS: &[Kind] = &[
    REGISTRATION_CONFIRMED,
    REGISTRATION_WAITLISTED,
    PLACE_OFFERED,
    SESSION_CANCELLED,
    OFFER_PASSED_ON,
    SESSION_CHANGED,
    ORGANIZER_MESSAGE,
];

/// Who reads about `registration`: its account, or its guest's address.
pub(super) fn recipient(registration: &registration::Model) -> Option<Recipient> {
    match (registration.user_id, &registration.guest_email) {
        (Some(user), _) => Some(Recipient::Account(user)),
        (None, Some(email)) => Some(Recipient::Guest(email.clone())),
        (None, None) => None,
    }
}

/// Where the reader sees the registration: their page, or (guests) the session's page.
pub(super) fn link(registration: &registration::Model) -> String {
    match registration.user_id {
        Some(_) => format!("/mypage/registrations/{}", registration.id),
        None => format!(
            "/programs/{}/sessions/{}",
            registration.program_id, registration.session_id
        ),
    }
}

/// The facts of the session every message repeats: what, when, where.
pub(super) fn facts(program: &program::Model, session: &program_session::Model) -> String {
    format!(
        "講座: {}\n日時: {}\n会場: {}",
        program.title,
        times(session),
        place(session)
    )
}

/// When a session runs: `2026年12月10日（木）10:00 〜 12:00` (JST).
fn times(session: &program_session::Model) -> String {
    format!(
        "{} 〜 {}",
        when(session.starts_at),
        session
            .ends_at
            .with_timezone(&chrono_tz::Asia::Tokyo)
            .format("%H:%M")
    )
}

/// Where a session takes place; an online link is never written in a message.
fn place(session: &program_session::Model) -> String {
    match (&session.venue, &session.online_url) {
        (Some(venue), _) => venue.clone(),
        (None, Some(_)) => "オンライン（参加方法は申込み詳細をご覧ください）".to_owned(),
        (None, None) => "申込み詳細をご覧ください".to_owned(),
    }
}

pub(super) fn party(registration: &registration::Model) -> String {
    if registration.children > 0 {
        format!(
            "人数: 大人{}人・子ども{}人",
            registration.adults, registration.children
        )
    } else {
        format!("人数: 大人{}人", registration.adults)
    }
}

/// Tells each registrant of `registrations` (just made for `session`, in id order) that
/// theirs was confirmed or waitlisted, with its position. Call in the transaction that
/// made them, after writing them; a fixed number of statements however many there are.
pub async fn registered(
    txn: &impl ConnectionTrait,
    program: &program::Model,
    session: &program_session::Model,
    registrations: &[registration::Model],
) -> Result<(), DbErr> {
    let waitlisted = |registration: &&registration::Model| {
        registration.status == registration::RegistrationStatus::Waitlisted
    };
    let mut positions = std::collections::HashMap::new();
    if let Some(first) = registrations.iter().filter(waitlisted).map(|r| r.id).min() {
        // A position counts the parties waiting since no later than the registration.
        let line = || {
            registration::Entity::find()
                .filter(registration::Column::SessionId.eq(session.id))
                .filter(
                    registration::Column::Status.eq(registration::RegistrationStatus::Waitlisted),
                )
        };
        let before = line()
            .filter(registration::Column::Id.lt(first))
            .count(txn)
            .await?;
        let since: Vec<uuid::Uuid> = line()
            .select_only()
            .column(registration::Column::Id)
            .filter(registration::Column::Id.gte(first))
            .order_by_asc(registration::Column::Id)
            .into_tuple()
            .all(txn)
            .await?;
        for (place, id) in (before + 1..).zip(since) {
            positions.insert(id, place);
        }
    }
    let notices = registrations
        .iter()
        .filter_map(|registration| {
            let recipient = recipient(registration)?;
            let (kind, title, body) = match positions.get(&registration.id) {
                Some(position) => (
                    REGISTRATION_WAITLISTED,
                    format!("【キャンセル待ち】{}", program.title),
                    format!(
                        "お申込みありがとうございます。定員に達しているため、キャンセル待ち（{position}番目）として受け付けました。\n\n{}\n{}\n\n空きが出た場合は、お席をご用意してメールでお知らせします。期限までに承諾の手続きをしてください。",
                        facts(program, session),
                        party(registration),
                    ),
                ),
                None => (
                    REGISTRATION_CONFIRMED,
                    format!("【申込完了】{}", program.title),
                    format!(
                        "お申込みを受け付けました。当日は受付で受付番号をお伝えください。\n\n{}\n{}\n受付番号: {}\n\nご都合が悪くなった場合は、{}までに申込み詳細から取り消してください。",
                        facts(program, session),
                        party(registration),
                        registration.check_in_code,
                        when(session.cancellation_deadline),
                    ),
                ),
            };
            Some(Notice {
                recipient,
                municipality_id: Some(registration.municipality_id),
                kind,
                subject_id: registration.id,
                occasion: String::new(),
                title,
                body,
                link: Some(link(registration)),
            })
        })
        .collect();
    notify::enqueue_all(txn, notices).await.map(drop)
}

/// Tells a waiting party that a place is theirs if they accept it by the deadline. Call in
/// the transaction that made the offer.
pub async fn place_offered(
    txn: &impl ConnectionTrait,
    program: &program::Model,
    session: &program_session::Model,
    registration: &registration::Model,
) -> Result<(), DbErr> {
    let (Some(recipient), Some(deadline)) =
        (recipient(registration), registration.offer_expires_at)
    else {
        return Ok(());
    };
    notify::enqueue(
        txn,
        Notice {
            recipient,
            municipality_id: Some(registration.municipality_id),
            kind: PLACE_OFFERED,
            subject_id: registration.id,
            // A party may be offered a place again after declining: one message per offer.
            occasion: deadline.to_rfc3339(),
            title: format!("【要手続き】お席をご用意しました: {}", program.title),
            body: format!(
                "キャンセル待ちの講座に空きが出ました。{}までに申込み詳細から「参加する」を選んでください。期限を過ぎると、次にお待ちの方へご案内します。\n\n{}\n{}\n承諾の期限: {}",
                when(deadline),
                facts(program, session),
                party(registration),
                when(deadline),
            ),
            link: Some(link(registration)),
        },
    )
    .await
    .map(drop)
}

/// Tells a registrant that the session was cancelled. Call in the transaction that
/// cancelled it.
pub async fn session_cancelled(
    txn: &impl ConnectionTrait,
    program: &program::Model,
    session: &program_session::Model,
    registration: &registration::Model,
) -> Result<(), DbErr> {
    let Some(recipient) = recipient(registration) else {
        return Ok(());
    };
    let reason = session
        .cancel_reason
        .as_deref()
        .map(|reason| format!("\n中止の理由: {reason}"))
        .unwrap_or_default();
    notify::enqueue(
        txn,
        Notice {
            recipient,
            municipality_id: Some(registration.municipality_id),
            kind: SESSION_CANCELLED,
            subject_id: registration.id,
            occasion: String::new(),
            title: format!("【中止】{}", program.title),
            body: format!(
                "お申込みいただいた回は中止になりました。ご来場なさらないようお願いいたします。ご迷惑をおかけし申し訳ありません。\n\n{}{reason}\n\n他の日程は講座のページからお申し込みいただけます。",
                facts(program, session),
            ),
            link: Some(format!("/programs/{}", program.id)),
        },
    )
    .await
    .map(drop)
}

/// Why an offered place went to the next party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassedOn {
    /// Not accepted by the deadline.
    Expired,
    /// Declined by the party.
    Declined,
}

/// Tells the party that had the place offered until `deadline` that it went to the next
/// party, and their registration ended. Call in the transaction that moved it.
pub async fn offer_passed_on(
    txn: &impl ConnectionTrait,
    program: &program::Model,
    session: &program_session::Model,
    registration: &registration::Model,
    deadline: DateTime<Utc>,
    why: PassedOn,
) -> Result<(), DbErr> {
    let Some(recipient) = recipient(registration) else {
        return Ok(());
    };
    let (title, opening) = match why {
        PassedOn::Expired => (
            format!("【期限切れ】繰り上げのご案内が終了しました: {}", program.title),
            format!(
                "キャンセル待ちの講座にご用意したお席は、承諾の期限（{}）までにお手続きがなかったため、次にお待ちの方へご案内しました。",
                when(deadline)
            ),
        ),
        PassedOn::Declined => (
            format!("【辞退受付】繰り上げのご案内を辞退されました: {}", program.title),
            "キャンセル待ちの講座にご用意したお席の辞退を承りました。お席は次にお待ちの方へご案内します。".to_owned(),
        ),
    };
    notify::enqueue(
        txn,
        Notice {
            recipient,
            municipality_id: Some(registration.municipality_id),
            kind: OFFER_PASSED_ON,
            subject_id: registration.id,
            // One message per offer: a party may be offered a place more than once.
            occasion: deadline.to_rfc3339(),
            title,
            body: format!(
                "{opening}このお申込みは取り消しとなりましたので、当日はご来場なさらないようお願いいたします。\n\n{}\n{}\n\n参加をご希望の場合は、講座のページから他の日程にお申し込みください。",
                facts(program, session),
                party(registration),
            ),
            link: Some(format!("/programs/{}", program.id)),
        },
    )
    .await
    .map(drop)
}

/// What of a session matters to those who come: its time and its place.
pub fn moved(before: &program_session::Model, after: &program_session::Model) -> bool {
    before.starts_at != after.starts_at
        || before.ends_at != after.ends_at
        || before.venue != after.venue
        || before.online_url != after.online_url
}

/// Tells a registrant that the session moved from `before` to `after` (time or place), old
/// and new side by side. Call in the transaction that changed it, for a session that
/// [`moved`].
pub async fn session_changed(
    txn: &impl ConnectionTrait,
    program: &program::Model,
    before: &program_session::Model,
    after: &program_session::Model,
    registration: &registration::Model,
) -> Result<(), DbErr> {
    let Some(recipient) = recipient(registration) else {
        return Ok(());
    };
    let time_changed = before.starts_at != after.starts_at || before.ends_at != after.ends_at;
    let place_changed = place(before) != place(after);
    let link_changed = before.online_url != after.online_url && after.online_url.is_some();
    let mut changes = Vec::new();
    if time_changed {
        changes.push(format!("日時: {} → {}", times(before), times(after)));
    }
    if place_changed {
        changes.push(format!("会場: {} → {}", place(before), place(after)));
    }
    if link_changed {
        changes.push(
            "オンライン会場のURL: 変更されました（新しいURLは申込み詳細をご覧ください）".to_owned(),
        );
    }
    let what = match (time_changed, place_changed || link_changed) {
        (true, true) => "日時・会場",
        (true, false) => "日時",
        _ => "会場",
    };
    let waiting = match registration.status {
        registration::RegistrationStatus::Waitlisted => {
            "（キャンセル待ちでお申込みの方にもお知らせしています）"
        }
        _ => "",
    };
    notify::enqueue(
        txn,
        Notice {
            recipient,
            municipality_id: Some(registration.municipality_id),
            kind: SESSION_CHANGED,
            subject_id: registration.id,
            // One message per change: the session as it is after it.
            occasion: format!(
                "{}|{}|{}|{}",
                after.updated_at.to_rfc3339(),
                after.starts_at.to_rfc3339(),
                after.venue.as_deref().unwrap_or_default(),
                after.online_url.as_deref().unwrap_or_default()
            ),
            title: format!("【{what}変更】{}", program.title),
            body: format!(
                "お申込みいただいた講座の{what}が変更になりました。{waiting}\n\n変更内容\n{}\n\n変更後のご案内\n{}\n{}\n\nご都合が合わなくなった場合は、{}までに申込み詳細から取り消してください。キャンセル待ちの方にお席をお譲りできます。",
                changes.join("\n"),
                facts(program, after),
                party(registration),
                when(after.cancellation_deadline),
            ),
            link: Some(link(registration)),
        },
    )
    .await
    .map(drop)
}

/// A message the organizer's staff wrote to the registrants of a session.
pub const ORGANIZER_MESSAGE: Kind =
    Kind::optional("programs.organizer_message", "講座の主催者からのお知らせ");

/// Writes the organizer's message to `registration`'s registrant, once per `key` (a retry
/// with the same key writes nothing). Returns whether it was written.
pub async fn organizer_message(
    txn: &impl ConnectionTrait,
    program: &program::Model,
    session: &program_session::Model,
    registration: &registration::Model,
    (key, subject, text): (&str, &str, &str),
) -> Result<bool, DbErr> {
    let Some(recipient) = recipient(registration) else {
        return Ok(false);
    };
    notify::enqueue(
        txn,
        Notice {
            recipient,
            municipality_id: Some(registration.municipality_id),
            kind: ORGANIZER_MESSAGE,
            subject_id: registration.id,
            occasion: key.to_owned(),
            title: format!("【{}】{subject}", program.title),
            body: format!(
                "{text}\n\n――\nお申込みの講座について、主催者からのお知らせです。\n{}\n{}",
                facts(program, session),
                party(registration),
            ),
            link: Some(link(registration)),
        },
    )
    .await
}

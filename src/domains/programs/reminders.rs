//! The reminders of the programs domain, due by the clock: the evening before a session to
//! every confirmed registrant, and three hours before an offered waitlist place lapses.
//! Read in five statements however many sessions and registrations the window holds.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    program, program_session as session,
    registration::{self, RegistrationStatus},
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::notices::{facts, link, party, recipient};
use crate::{
    config::NotifySettings,
    notify::{
        Kind, Notice, Recipient,
        schedule::{DAY_BEFORE_WINDOW, day_before_is_due},
        when,
    },
};

/// The evening before a session.
pub const SESSION_REMINDER: Kind =
    Kind::optional("programs.session_reminder", "講座の前日のお知らせ");
/// An offered place lapses in three hours: the family loses it unless they act, so it
/// cannot be turned off.
pub const OFFER_EXPIRING: Kind = Kind::required(
    "programs.offer_expiring",
    "繰り上げの承諾期限が近いお知らせ",
);

/// Every reminder of the domain.
pub const REMINDER_KINDS: &[Kind] = &[SESSION_REMINDER, OFFER_EXPIRING];

/// How long before an offer lapses its reminder goes out.
pub const OFFER_WARNING: chrono::Duration = chrono::Duration::hours(3);

/// The reminders due at `now`.
pub async fn due(
    db: &impl ConnectionTrait,
    settings: &NotifySettings,
    now: DateTime<Utc>,
) -> Result<Vec<Notice>, DbErr> {
    let upcoming: Vec<session::Model> = session::Entity::find()
        .filter(session::Column::Status.eq(session::SessionStatus::Scheduled))
        .filter(session::Column::StartsAt.gt(now))
        .filter(session::Column::StartsAt.lte(now + DAY_BEFORE_WINDOW))
        .all(db)
        .await?
        .into_iter()
        .filter(|s| day_before_is_due(s.starts_at, settings.reminder_hour, now))
        .collect();
    let offers = registration::Entity::find()
        .filter(registration::Column::Status.eq(RegistrationStatus::Offered))
        .filter(registration::Column::OfferExpiresAt.gt(now))
        .filter(registration::Column::OfferExpiresAt.lte(now + OFFER_WARNING))
        .all(db)
        .await?;
    let mut sessions: HashMap<Uuid, session::Model> =
        upcoming.iter().map(|s| (s.id, s.clone())).collect();
    let offered_sessions: Vec<Uuid> = offers
        .iter()
        .map(|r| r.session_id)
        .filter(|id| !sessions.contains_key(id))
        .collect();
    if !offered_sessions.is_empty() {
        for s in session::Entity::find()
            .filter(session::Column::Id.is_in(offered_sessions))
            .filter(session::Column::Status.eq(session::SessionStatus::Scheduled))
            .all(db)
            .await?
        {
            sessions.insert(s.id, s);
        }
    }
    if sessions.is_empty() {
        return Ok(Vec::new());
    }
    let programs: HashMap<Uuid, program::Model> = program::Entity::find()
        .filter(program::Column::Id.is_in(sessions.values().map(|s| s.program_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let confirmed = if upcoming.is_empty() {
        Vec::new()
    } else {
        registration::Entity::find()
            .filter(registration::Column::SessionId.is_in(upcoming.iter().map(|s| s.id)))
            .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
            .all(db)
            .await?
    };
    let facts_of = |r: &registration::Model| {
        let session = sessions.get(&r.session_id)?;
        let program = programs.get(&session.program_id)?;
        Some((program, session))
    };
    let mut notices = Vec::with_capacity(confirmed.len() + offers.len());
    for r in &confirmed {
        if let (Some((program, session)), Some(recipient)) = (facts_of(r), recipient(r)) {
            notices.push(session_reminder(program, session, r, recipient));
        }
    }
    for r in &offers {
        if let (Some((program, session)), Some(recipient), Some(deadline)) =
            (facts_of(r), recipient(r), r.offer_expires_at)
        {
            notices.push(offer_expiring(program, session, r, recipient, deadline));
        }
    }
    Ok(notices)
}

fn session_reminder(
    program: &program::Model,
    session: &session::Model,
    registration: &registration::Model,
    recipient: Recipient,
) -> Notice {
    Notice {
        recipient,
        municipality_id: Some(registration.municipality_id),
        kind: SESSION_REMINDER,
        subject_id: registration.id,
        // A session moved to another day is reminded of again.
        occasion: session.starts_at.to_rfc3339(),
        title: format!("【明日開催】{}", program.title),
        body: format!(
            "お申し込みいただいた講座は明日です。当日は受付で受付番号をお伝えください。\n\n{}\n{}\n受付番号: {}\n\nご都合が悪くなった場合は、申込み詳細から取り消してください。キャンセル待ちの方にお席をお譲りできます。",
            facts(program, session),
            party(registration),
            registration.check_in_code,
        ),
        link: Some(link(registration)),
    }
}

fn offer_expiring(
    program: &program::Model,
    session: &session::Model,
    registration: &registration::Model,
    recipient: Recipient,
    deadline: DateTime<Utc>,
) -> Notice {
    Notice {
        recipient,
        municipality_id: Some(registration.municipality_id),
        kind: OFFER_EXPIRING,
        subject_id: registration.id,
        // One reminder per offer: a place may be offered again after it lapsed.
        occasion: deadline.to_rfc3339(),
        title: format!(
            "【期限間近】お席の承諾期限が近づいています: {}",
            program.title
        ),
        body: format!(
            "キャンセル待ちの講座にご用意したお席の承諾期限が近づいています。参加される場合は、{}までに申込み詳細から「参加する」を選んでください。期限を過ぎると、次にお待ちの方へご案内します。\n\n{}\n{}\n承諾の期限: {}",
            when(deadline),
            facts(program, session),
            party(registration),
            when(deadline),
        ),
        link: Some(link(registration)),
    }
}

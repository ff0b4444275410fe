//! The reminders of the programs domain, due by the clock: the evening before a session to
//! every confirmed registrant, three hours before an offered waitlist place lapses, and,
//! once a session has ended, the request to answer its satisfaction survey to everyone who
//! attended and has not answered. Read in eight statements however many sessions and
//! registrations the windows hold.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    program, program_session as session, program_survey,
    registration::{self, RegistrationStatus},
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
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

/// A session the reader attended has ended: would they answer its satisfaction survey.
pub const SURVEY_REQUEST: Kind =
    Kind::optional("programs.survey_request", "講座のアンケートのお願い");

/// Every reminder of the domain.
pub const REMINDER_KINDS: &[Kind] = &[SESSION_REMINDER, OFFER_EXPIRING, SURVEY_REQUEST];

/// How long before an offer lapses its reminder goes out.
pub const OFFER_WARNING: chrono::Duration = chrono::Duration::hours(3);

/// How long after a session ended its survey is still requested (a request missed while no
/// replica ran goes out late, within this window, and never for older sessions).
pub const SURVEY_WINDOW: chrono::Duration = chrono::Duration::days(7);

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
    let ended: Vec<session::Model> = session::Entity::find()
        .filter(session::Column::Status.eq(session::SessionStatus::Scheduled))
        .filter(session::Column::EndsAt.lte(now))
        .filter(session::Column::EndsAt.gt(now - SURVEY_WINDOW))
        .all(db)
        .await?;
    let attended = if ended.is_empty() {
        Vec::new()
    } else {
        registration::Entity::find()
            .filter(registration::Column::SessionId.is_in(ended.iter().map(|s| s.id)))
            .filter(registration::Column::Status.eq(RegistrationStatus::Attended))
            .all(db)
            .await?
    };
    let answered: std::collections::HashSet<Uuid> = if attended.is_empty() {
        std::collections::HashSet::new()
    } else {
        program_survey::Entity::find()
            .select_only()
            .column(program_survey::Column::RegistrationId)
            .filter(program_survey::Column::SessionId.is_in(ended.iter().map(|s| s.id)))
            .into_tuple::<Uuid>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    let unanswered: Vec<&registration::Model> = attended
        .iter()
        .filter(|r| !answered.contains(&r.id))
        .collect();
    let mut sessions: HashMap<Uuid, session::Model> = upcoming
        .iter()
        .chain(
            ended
                .iter()
                .filter(|s| unanswered.iter().any(|r| r.session_id == s.id)),
        )
        .map(|s| (s.id, s.clone()))
        .collect();
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
    for r in unanswered {
        if let (Some((program, session)), Some(recipient)) = (facts_of(r), recipient(r)) {
            notices.push(survey_request(program, session, r, recipient));
        }
    }
    Ok(notices)
}

fn survey_request(
    program: &program::Model,
    session: &session::Model,
    registration: &registration::Model,
    recipient: Recipient,
) -> Notice {
    let (how, path) = match registration.user_id {
        Some(_) => (
            "下のリンクから、マイページの申込み詳細でご回答ください。".to_owned(),
            format!("/mypage/registrations/{}/survey", registration.id),
        ),
        // A guest's manage link is kept only as a digest: they answer through the link
        // they were shown when registering.
        None => (
            "お申込み完了時にお知らせした申込み管理用のリンクからご回答ください。".to_owned(),
            link(registration),
        ),
    };
    Notice {
        recipient,
        municipality_id: Some(registration.municipality_id),
        kind: SURVEY_REQUEST,
        subject_id: registration.id,
        // One request per registration, however often the session moved.
        occasion: String::new(),
        title: format!("【アンケートのお願い】{}", program.title),
        body: format!(
            "先日は講座にご参加いただきありがとうございました。今後の講座づくりのため、満足度アンケート（5段階、1分ほど）へのご協力をお願いします。{how}\n\n{}\n\n回答の期限: {}",
            facts(program, session),
            when(session.ends_at + SURVEY_WINDOW),
        ),
        link: Some(path),
    }
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

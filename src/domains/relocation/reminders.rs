//! The reminders of the relocation domain, due by the clock: the evening before an
//! appointment to the family (at the email address of the inquiry), a task on its due day
//! to its owner, and a first response about to miss its deadline to the concierge holding
//! the inquiry and the municipality's administrators. Read in six statements however many
//! inquiries the windows hold. Messages to staff carry the reference code, not the
//! family's personal data.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Tokyo;
use entity::{
    inquiry_event::{self as event, AppointmentKind, EventKind},
    inquiry_task as task,
    relocation_inquiry::{self as inquiry, InquiryStage},
    user::{self, Role},
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

/// The evening before an appointment (a visit, a trial stay, an online consultation).
pub const APPOINTMENT_REMINDER: Kind = Kind::optional(
    "relocation.appointment_reminder",
    "移住相談の予定の前日のお知らせ",
);
/// A task of an inquiry is due today.
pub const TASK_DUE: Kind = Kind::optional("relocation.task_due", "期日を迎えた対応タスク");
/// An inquiry's first response is about to miss its deadline: a commitment of the
/// municipality, so it cannot be turned off.
pub const FIRST_RESPONSE_DUE_SOON: Kind = Kind::required(
    "relocation.first_response_due_soon",
    "初回対応の期限が近い相談",
);

/// Every reminder of the domain.
pub const REMINDER_KINDS: &[Kind] = &[APPOINTMENT_REMINDER, TASK_DUE, FIRST_RESPONSE_DUE_SOON];

/// How long before the first-response deadline the warning goes out.
pub const FIRST_RESPONSE_WARNING: chrono::Duration = chrono::Duration::hours(1);

/// The reminders due at `now`.
pub async fn due(
    db: &impl ConnectionTrait,
    settings: &NotifySettings,
    now: DateTime<Utc>,
) -> Result<Vec<Notice>, DbErr> {
    let today = now.with_timezone(&Tokyo).date_naive();
    let appointments: Vec<event::Model> = event::Entity::find()
        .filter(event::Column::Kind.eq(EventKind::Appointment))
        .filter(event::Column::ScheduledAt.gt(now))
        .filter(event::Column::ScheduledAt.lte(now + DAY_BEFORE_WINDOW))
        .all(db)
        .await?
        .into_iter()
        .filter(|e| {
            e.scheduled_at
                .is_some_and(|at| day_before_is_due(at, settings.reminder_hour, now))
        })
        .collect();
    let tasks = task::Entity::find()
        .filter(task::Column::DueOn.eq(today))
        .filter(task::Column::DoneAt.is_null())
        .all(db)
        .await?;
    let at_risk = inquiry::Entity::find()
        .filter(inquiry::Column::FirstRespondedAt.is_null())
        .filter(inquiry::Column::FirstResponseDueAt.gt(now))
        .filter(inquiry::Column::FirstResponseDueAt.lte(now + FIRST_RESPONSE_WARNING))
        .filter(inquiry::Column::Stage.is_not_in([InquiryStage::MovedIn, InquiryStage::Closed]))
        .filter(inquiry::Column::ErasedAt.is_null())
        .all(db)
        .await?;
    let inquiries: HashMap<Uuid, inquiry::Model> = {
        let ids: Vec<Uuid> = appointments
            .iter()
            .map(|e| e.inquiry_id)
            .chain(tasks.iter().map(|t| t.inquiry_id))
            .collect();
        if ids.is_empty() {
            HashMap::new()
        } else {
            inquiry::Entity::find()
                .filter(inquiry::Column::Id.is_in(ids))
                .all(db)
                .await?
                .into_iter()
                .map(|i| (i.id, i))
                .collect()
        }
    };
    let admins: Vec<user::Model> = if at_risk.is_empty() {
        Vec::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Role.eq(Role::MunicipalAdmin))
            .filter(user::Column::DeactivatedAt.is_null())
            .filter(user::Column::MunicipalityId.is_in(at_risk.iter().map(|i| i.municipality_id)))
            .all(db)
            .await?
    };

    let mut notices = Vec::new();
    for e in &appointments {
        let Some(i) = inquiries.get(&e.inquiry_id) else {
            continue;
        };
        if let (Some(email), Some(at), None, true) =
            (&i.email, e.scheduled_at, i.erased_at, i.stage.is_active())
        {
            notices.push(appointment_reminder(e, i, email, at));
        }
    }
    for t in &tasks {
        let Some(i) = inquiries.get(&t.inquiry_id) else {
            continue;
        };
        if let Some(owner) = t.owner_user_id.or(i.assigned_concierge_id) {
            notices.push(task_due(t, i, owner));
        }
    }
    for i in &at_risk {
        let concierge = i.assigned_concierge_id.into_iter();
        let municipal = admins
            .iter()
            .filter(|admin| admin.municipality_id == Some(i.municipality_id))
            .map(|admin| admin.id);
        let mut readers: Vec<Uuid> = concierge.chain(municipal).collect();
        readers.sort();
        readers.dedup();
        for reader in readers {
            notices.push(first_response_due_soon(i, reader));
        }
    }
    Ok(notices)
}

fn appointment_reminder(
    e: &event::Model,
    i: &inquiry::Model,
    email: &str,
    at: DateTime<Utc>,
) -> Notice {
    let what = match e.appointment_kind {
        Some(AppointmentKind::Visit) => "現地訪問",
        Some(AppointmentKind::TrialStay) => "お試し滞在",
        Some(AppointmentKind::OnlineConsultation) => "オンライン相談",
        None => "移住相談",
    };
    let place = e
        .body
        .as_deref()
        .filter(|body| !body.trim().is_empty())
        .unwrap_or("担当のコンシェルジュからのご案内をご覧ください");
    Notice {
        recipient: Recipient::Guest(email.to_owned()),
        municipality_id: Some(i.municipality_id),
        kind: APPOINTMENT_REMINDER,
        subject_id: e.id,
        occasion: at.to_rfc3339(),
        title: format!("【明日のご予定】{what}（受付番号 {}）", i.reference_code),
        body: format!(
            "移住相談のご予定が明日となりましたのでお知らせします。ご都合が悪くなった場合は、担当のコンシェルジュまでご連絡ください。\n\n内容: {what}\n日時: {}\n場所: {place}\n受付番号: {}\n\n相談の状況は、受付番号と確認用のコードでいつでもご確認いただけます。",
            when(at),
            i.reference_code,
        ),
        link: Some(format!("/relocation/status?code={}", i.reference_code)),
    }
}

fn task_due(t: &task::Model, i: &inquiry::Model, owner: Uuid) -> Notice {
    Notice {
        recipient: Recipient::Account(owner),
        municipality_id: Some(t.municipality_id),
        kind: TASK_DUE,
        subject_id: t.id,
        occasion: t.due_on.to_string(),
        title: format!("【本日期日】{}（{}）", t.title, i.reference_code),
        body: format!(
            "本日が期日の対応タスクがあります。対応が済んだら、タスクを完了にしてください。\n\nタスク: {}\n期日: {}\n相談: {}",
            t.title,
            t.due_on.format("%Y年%-m月%-d日"),
            i.reference_code,
        ),
        link: Some(format!("/concierge/inquiries/{}", i.id)),
    }
}

fn first_response_due_soon(i: &inquiry::Model, reader: Uuid) -> Notice {
    Notice {
        recipient: Recipient::Account(reader),
        municipality_id: Some(i.municipality_id),
        kind: FIRST_RESPONSE_DUE_SOON,
        subject_id: i.id,
        occasion: i.first_response_due_at.to_rfc3339(),
        title: format!("【初回対応の期限間近】{}", i.reference_code),
        body: format!(
            "まだ初回の連絡をしていない移住相談の対応期限が近づいています。期限までにご家族へ連絡し、連絡の記録を残してください。\n\n相談: {}\n初回対応の期限: {}",
            i.reference_code,
            when(i.first_response_due_at),
        ),
        link: Some(format!("/concierge/inquiries/{}", i.id)),
    }
}

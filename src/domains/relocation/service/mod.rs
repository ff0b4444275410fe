//! Rules of the relocation domain: who sees an inquiry's personal data, how inquiries are
//! given to concierges, and the pipeline with its timeline. Knows nothing of GraphQL; the
//! demo seed and the simulation example call it too.
//!
//! Privacy, in one place: personal data of an inquiry is read only by the administrators of
//! its municipality and by its concierges — a concierge sees the inquiries assigned to them
//! and the unassigned queue. Every such read writes an access-log row. The family sees its
//! inquiry's stage through the reference code and tracking token, without personal data.
//!
//! Assignment, in one place: every decision for a municipality runs inside a write
//! transaction that first takes the municipality's lock (SQLite: the database write lock of
//! `BEGIN IMMEDIATE`; PostgreSQL: a transaction-scoped advisory lock) and counts active
//! inquiries afresh, so concurrent submissions and closures never push anyone past capacity.
//! After anything that may free capacity the oldest unassigned inquiries are assigned.

mod access_log;
mod assigning;
mod casework;
mod concierges;
mod duplicates;
mod export;
mod family;
mod funnel;
mod my_day;
mod pipeline;
mod retention;
mod settings;
mod submission;
mod tracking;
mod visibility;

use chrono::{DateTime, Utc};
use entity::{
    inquiry_event::{self, EventKind},
    relocation_inquiry,
};
use sea_orm::{ActiveValue::Set, DatabaseTransaction, EntityTrait};
use uuid::Uuid;

use crate::{
    auth::AuthUser,
    error::{FieldError, FieldErrorCode},
    events::Event,
    state::ServiceContext,
    text,
};

pub use access_log::{AccessLogFilter, access_log};
pub use assigning::{Handover, candidates, drain_backlog, hand_over, loads};
pub use casework::{
    Appointment, AppointmentKind, NewTask, add_note, complete_task, create_task, log_contact,
    schedule_appointment, tasks_for,
};
pub use concierges::{
    ProfileInput, add_leave, current_leaves, list_profiles, load_of, next_leave_end, remove_leave,
    save_profile, set_availability, sweep,
};
pub use duplicates::{Probe, email_digest, phone_digest, possible_duplicates};
pub use export::{PipelineRow, pipeline_rows};
pub use family::{DetailsChanges, send_family_message, update_family_details};
pub use funnel::funnel;
pub use my_day::{my_appointments, my_tasks};
pub use pipeline::{MoveIn, StageMove, close_inquiry, move_stage, record_move_in, timeline_for};
pub use retention::{purge_closed, purge_closed_of};
pub use settings::{
    SettingsChanges, business_hours, holidays, lock_municipality, settings_of, update_settings,
};
pub use submission::{NewInquiry, Receipt, create_inquiry, submit_inquiry};
pub use tracking::{NextAppointment, PublicStatus, public_status, withdraw_consent};
pub use visibility::{
    Access, InquiryFilter, InquiryOrder, access, can_read, find_inquiry, is_overdue,
    list_inquiries, read_access, stage_counts,
};

/// Longest name, area, timing line.
const MAX_LINE: usize = 100;
/// Longest message, note or reason.
pub const MAX_TEXT: usize = 2000;
/// Most adults or children in one household.
const MAX_PEOPLE: i32 = 20;

/// Default settings of a municipality without a settings row.
pub const DEFAULT_FOLLOW_UP_MONTHS: i32 = 6;
/// Seven hours and 45 minutes: the working time of a municipal day (8:30–17:15 less the
/// lunch hour), counted over the open hours; a morning inquiry is due the same afternoon.
pub const DEFAULT_FIRST_RESPONSE_MINUTES: i32 = 465;
/// Closed inquiries keep personal data this long by default.
pub const DEFAULT_RETENTION_DAYS: i32 = 365 * 3;

/// Announces what a committed transaction did, when serving.
async fn announce(ctx: ServiceContext<'_>, changes: &[Change]) {
    let events: Vec<Event> = changes
        .iter()
        .map(|change| Event {
            municipality_id: Some(change.municipality_id),
            topic: change.topic.to_owned(),
            subject_id: change.inquiry_id,
            user_id: change.concierge_id,
            occurred_at: change.at,
        })
        .collect();
    ctx.announce(events).await;
}

/// Writes the messages `changes` call for (each assignment tells its concierge) in `txn`,
/// when serving, then commits and announces the changes.
async fn commit(
    ctx: ServiceContext<'_>,
    txn: DatabaseTransaction,
    changes: &[Change],
) -> crate::error::AppResult<()> {
    notify_assigned(ctx, &txn, changes).await?;
    txn.commit().await?;
    announce(ctx, changes).await;
    Ok(())
}

/// Tells each concierge of `changes` that an inquiry is now theirs, in the transaction that
/// assigned it, when serving.
async fn notify_assigned(
    ctx: ServiceContext<'_>,
    txn: &DatabaseTransaction,
    changes: &[Change],
) -> crate::error::AppResult<()> {
    if !ctx.notifies() {
        return Ok(());
    }
    for change in changes.iter().filter(|c| c.topic == TOPIC_ASSIGNED) {
        let (Some(concierge), Some(inquiry)) = (
            change.concierge_id,
            relocation_inquiry::Entity::find_by_id(change.inquiry_id)
                .one(txn)
                .await?,
        ) else {
            continue;
        };
        crate::domains::relocation::notices::assigned(txn, &inquiry, concierge).await?;
    }
    Ok(())
}

/// Something that happened to an inquiry, announced after commit.
#[derive(Debug, Clone)]
pub struct Change {
    municipality_id: Uuid,
    inquiry_id: Uuid,
    /// The concierge it concerns.
    concierge_id: Option<Uuid>,
    topic: &'static str,
    at: DateTime<Utc>,
}

/// Topic of an inquiry newly assigned to the event's user.
pub const TOPIC_ASSIGNED: &str = "relocation.inquiry.assigned";
/// Topic of a change to an inquiry held by the event's user.
pub const TOPIC_CHANGED: &str = "relocation.inquiry.changed";
/// Topic of an inquiry taken away from the event's user.
pub const TOPIC_UNASSIGNED: &str = "relocation.inquiry.unassigned";
/// Topic of a leave period written or removed for the event's user: the end of leave the
/// assignment sweep waits for may have moved.
pub const TOPIC_LEAVE_CHANGED: &str = "relocation.leave.changed";

fn timeline(
    _txn: &DatabaseTransaction,
    inquiry: &relocation_inquiry::Model,
    kind: EventKind,
    actor: Option<&AuthUser>,
    now: DateTime<Utc>,
) -> inquiry_event::ActiveModel {
    inquiry_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(inquiry.municipality_id),
        inquiry_id: Set(inquiry.id),
        kind: Set(kind),
        from_stage: Set(None),
        to_stage: Set(None),
        concierge_id: Set(None),
        channel: Set(None),
        body: Set(None),
        scheduled_at: Set(None),
        appointment_kind: Set(None),
        actor_user_id: Set(actor.map(|a| a.id)),
        created_at: Set(now),
    }
}

fn change(
    inquiry: &relocation_inquiry::Model,
    concierge_id: Option<Uuid>,
    topic: &'static str,
    at: DateTime<Utc>,
) -> Change {
    Change {
        municipality_id: inquiry.municipality_id,
        inquiry_id: inquiry.id,
        concierge_id,
        topic,
        at,
    }
}

/// The values of a delimited column.
pub fn split(column: &str) -> impl Iterator<Item = &str> {
    column.split(',').filter(|s| !s.is_empty())
}

fn delimited<'a>(values: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from(",");
    for value in values {
        out.push_str(value);
        out.push(',');
    }
    out
}

/// Normalizes a search query or stored text the same way: NFKC, lowercase, no spaces or
/// hyphens (so `090-1234-5678` matches `09012345678`).
pub fn search_key(value: &str) -> String {
    text::normalize(value)
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != 'ー' && *c != '‐')
        .collect()
}

fn optional_text(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let value: String = unicode_normalization::UnicodeNormalization::nfkc(value).collect();
    if value.chars().count() > MAX_TEXT {
        return Err(FieldError::input(
            field,
            FieldErrorCode::TooLong,
            format!("{MAX_TEXT}文字以内で入力してください。"),
        ));
    }
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::search_key;

    #[test]
    fn search_keys_fold_width_case_and_hyphens() {
        assert_eq!(search_key("０９０ー１２３４－５６７８"), "09012345678");
        assert_eq!(search_key("Taro@Example.JP"), "taro@example.jp");
        assert_eq!(search_key("ﾔﾏﾀﾞ"), "ヤマダ");
    }
}

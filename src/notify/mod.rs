//! Notifications: one mechanism every domain uses to tell people what concerns them.
//!
//! A domain writes a [`Notice`] with [`enqueue`] inside the transaction of the change that
//! causes it, so the message exists exactly when the change does. The notice is rendered
//! there (the domain's `notices.rs` holds its Japanese templates) and stored with one
//! delivery row per channel. Every replica runs a delivery worker ([`worker`]) that claims
//! due deliveries with a lease, sends them through a [`channel::Channel`], retries with
//! backoff and records the outcome. A unique dedupe key per (kind, subject, recipient,
//! occasion) makes a retried change notify once.

pub mod channel;
pub mod deliveries;
pub mod email;
pub mod inbox;
pub mod opt_out;
pub mod preferences;
pub mod resolver;
pub mod schedule;
pub mod worker;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Asia::Tokyo;
use entity::{notification, notification_delivery, notification_opt_out};
use std::collections::HashSet;

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    TryInsertResult, sea_query::Expr,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::NotifySettings;

/// The channel of the in-app inbox.
pub const INBOX: &str = "inbox";
/// The email channel.
pub const EMAIL: &str = "email";
/// The channels an account hears on, unless it turns one off.
pub const CHANNELS: &[&str] = &[INBOX, EMAIL];
/// Topic of the event announcing a new inbox message to its recipient.
pub const TOPIC_RECEIVED: &str = "notification.received";

/// A kind of message: its code (stored, shown to clients, a metrics label) and whether the
/// reader may turn it off (a message a booking's validity depends on may not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// E.g. `programs.place_offered`.
    pub code: &'static str,
    /// What readers see in their settings, e.g. 「キャンセル待ちの繰り上げ」.
    pub label: &'static str,
    /// Whether the message cannot be turned off.
    pub required: bool,
}

impl Kind {
    /// A kind the reader may turn off.
    pub const fn optional(code: &'static str, label: &'static str) -> Self {
        Self {
            code,
            label,
            required: false,
        }
    }

    /// A kind the reader cannot turn off, only move between channels (a deadline they must
    /// act on, a change they must know of).
    pub const fn required(code: &'static str, label: &'static str) -> Self {
        Self {
            code,
            label,
            required: true,
        }
    }
}

/// Who a message is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// An account: the inbox, and email to its current address.
    Account(Uuid),
    /// A guest without an account: email only.
    Guest(String),
}

/// A message, rendered by the domain that causes it.
#[derive(Debug, Clone)]
pub struct Notice {
    /// Who reads it.
    pub recipient: Recipient,
    /// The municipality it concerns.
    pub municipality_id: Option<Uuid>,
    /// What kind of message it is.
    pub kind: Kind,
    /// The record it is about.
    pub subject_id: Uuid,
    /// Tells apart several messages of one kind about one record to one reader (e.g. the
    /// offer's deadline, as a place may be offered twice); empty when there is only one.
    pub occasion: String,
    /// Subject line.
    pub title: String,
    /// Plain-text body.
    pub body: String,
    /// Where the reader acts on it: a path of the frontend (e.g. `/registrations/…`),
    /// joined to the public base URL when sent, so links follow the configuration.
    pub link: Option<String>,
}

/// Writes `notice` in the transaction of the change it reports, with a delivery per
/// channel. Returns `false` when it was already written (a retried change) or the guest
/// has opted out of its kind.
pub async fn enqueue(txn: &impl ConnectionTrait, notice: Notice) -> Result<bool, DbErr> {
    Ok(enqueue_all(txn, vec![notice]).await? == 1)
}

/// Writes `notices` as [`enqueue`] writes one, in a fixed number of statements however
/// many there are (a change that tells many readers at once). Returns how many were
/// written: those already written, repeated within `notices`, or opted out of are not.
pub async fn enqueue_all(txn: &impl ConnectionTrait, notices: Vec<Notice>) -> Result<usize, DbErr> {
    if notices.is_empty() {
        return Ok(0);
    }
    let now = crate::db::now();
    let accounts: Vec<(Uuid, Kind)> = notices
        .iter()
        .filter_map(|notice| match notice.recipient {
            Recipient::Account(id) => Some((id, notice.kind)),
            Recipient::Guest(_) => None,
        })
        .collect();
    let channels = preferences::channels_of(txn, &accounts).await?;
    let guests: Vec<(String, &'static str)> = notices
        .iter()
        .filter_map(|notice| match &notice.recipient {
            Recipient::Guest(address) if !notice.kind.required => {
                Some((address.trim().to_lowercase(), notice.kind.code))
            }
            _ => None,
        })
        .collect();
    let opted_out = opted_out(txn, &guests).await?;

    let mut keys = HashSet::new();
    let mut ids = Vec::with_capacity(notices.len());
    let mut rows = Vec::with_capacity(notices.len());
    let mut deliveries = Vec::with_capacity(notices.len() * CHANNELS.len());
    for notice in notices {
        let (user_id, email, channels, opt_out_token) = match &notice.recipient {
            Recipient::Account(id) => {
                let channels = channels.of(*id, notice.kind);
                // Nothing to deliver: the reader turned every channel of this kind off.
                if channels.is_empty() {
                    continue;
                }
                (Some(*id), None, channels, None)
            }
            Recipient::Guest(address) => {
                let address = address.trim().to_lowercase();
                if !notice.kind.required && opted_out.contains(&(address.clone(), notice.kind.code))
                {
                    continue;
                }
                // Only a message the reader may stop carries the link to stop it.
                let token = (!notice.kind.required).then(opt_out::new_token);
                (None, Some(address), vec![EMAIL], token)
            }
        };
        let key = dedupe_key(
            &notice.recipient,
            notice.kind,
            notice.subject_id,
            &notice.occasion,
        );
        if !keys.insert(key.clone()) {
            continue;
        }
        let id = Uuid::now_v7();
        let in_inbox = channels.contains(&INBOX);
        ids.push(id);
        deliveries.extend(channels.into_iter().map(|channel| (id, channel)));
        rows.push(notification::ActiveModel {
            id: Set(id),
            municipality_id: Set(notice.municipality_id),
            user_id: Set(user_id),
            kind: Set(notice.kind.code.to_owned()),
            subject_id: Set(notice.subject_id),
            title: Set(notice.title),
            body: Set(notice.body),
            link: Set(notice.link),
            dedupe_key: Set(key),
            opt_out_token: Set(opt_out_token),
            email: Set(email),
            in_inbox: Set(in_inbox),
            unread: Set(1),
            read_at: Set(None),
            created_at: Set(now),
        });
    }
    if rows.is_empty() {
        return Ok(0);
    }
    let wanted = rows.len();
    let inserted = notification::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([notification::Column::DedupeKey])
        .exec_without_returning(txn)
        .await?;
    let inserted = match inserted {
        TryInsertResult::Inserted(count) => usize::try_from(count).unwrap_or(usize::MAX),
        TryInsertResult::Empty | TryInsertResult::Conflicted => 0,
    };
    // Some were written before (a retried change): deliver only those written now.
    let written: HashSet<Uuid> = if inserted >= wanted {
        ids.into_iter().collect()
    } else if inserted == 0 {
        HashSet::new()
    } else {
        notification::Entity::find()
            .select_only()
            .column(notification::Column::Id)
            .filter(notification::Column::Id.is_in(ids))
            .into_tuple::<Uuid>()
            .all(txn)
            .await?
            .into_iter()
            .collect()
    };
    let deliveries: Vec<_> = deliveries
        .into_iter()
        .filter(|(id, _)| written.contains(id))
        .map(|(id, channel)| notification_delivery::ActiveModel {
            id: Set(Uuid::now_v7()),
            notification_id: Set(id),
            channel: Set(channel.to_owned()),
            state: Set(worker::PENDING.to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            lease_until: Set(None),
            last_error: Set(None),
            sent_at: Set(None),
            created_at: Set(now),
        })
        .collect();
    if !deliveries.is_empty() {
        notification_delivery::Entity::insert_many(deliveries)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(std::cmp::min(inserted, wanted))
}

/// Why the text of messages was erased; their body then says so.
#[derive(Debug, Clone, Copy)]
pub enum Erased {
    /// The record's personal data was erased.
    PersonalData,
    /// Its author deleted what the message quoted.
    DeletedByAuthor,
}

impl Erased {
    fn body(self) -> &'static str {
        match self {
            Self::PersonalData => "（個人情報の削除に伴い、本文を削除しました）",
            Self::DeletedByAuthor => "（投稿者が削除したため、本文を削除しました）",
        }
    }
}

/// Erases what messages about `subject_id` (of kinds starting with `kind_prefix`) say and
/// the guest address they went to, when the record's personal data is erased or its author
/// deleted it. A delivery still pending then has nowhere to go or sends only the note.
pub async fn erase_about(
    txn: &impl ConnectionTrait,
    subject_id: Uuid,
    kind_prefix: &str,
    why: Erased,
) -> Result<(), DbErr> {
    notification::Entity::update_many()
        .col_expr(
            notification::Column::Email,
            Expr::value(Option::<String>::None),
        )
        .col_expr(notification::Column::Body, Expr::value(why.body()))
        .filter(notification::Column::SubjectId.eq(subject_id))
        .filter(notification::Column::Kind.starts_with(kind_prefix))
        .exec(txn)
        .await?;
    Ok(())
}

/// A moment as readers in Japan expect it: `2026年12月10日（木）10:00` (JST).
pub fn when(at: DateTime<Utc>) -> String {
    const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
    let local = at.with_timezone(&Tokyo);
    format!(
        "{}（{}）{}",
        local.format("%Y年%-m月%-d日"),
        WEEKDAYS[local.weekday().num_days_from_monday() as usize],
        local.format("%H:%M")
    )
}

/// A link to `path` of the frontend.
pub fn link(settings: &NotifySettings, path: &str) -> String {
    format!(
        "{}/{}",
        settings.public_base_url.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// The key that makes a message unique: one per kind, record, reader and occasion.
fn dedupe_key(recipient: &Recipient, kind: Kind, subject_id: Uuid, occasion: &str) -> String {
    let reader = match recipient {
        Recipient::Account(id) => format!("account:{id}"),
        Recipient::Guest(email) => format!("guest:{}", email.trim().to_lowercase()),
    };
    let digest = Sha256::digest(format!("{reader}\n{}\n{subject_id}\n{occasion}", kind.code));
    format!("{}:{digest:x}", kind.code)
}

/// The (address, kind) pairs of `wanted` that have been opted out of.
async fn opted_out(
    txn: &impl ConnectionTrait,
    wanted: &[(String, &'static str)],
) -> Result<HashSet<(String, &'static str)>, DbErr> {
    if wanted.is_empty() {
        return Ok(HashSet::new());
    }
    let addresses: HashSet<&str> = wanted.iter().map(|(address, _)| address.as_str()).collect();
    let kinds: HashSet<&str> = wanted.iter().map(|(_, kind)| *kind).collect();
    let rows: Vec<(String, String)> = notification_opt_out::Entity::find()
        .select_only()
        .column(notification_opt_out::Column::Email)
        .column(notification_opt_out::Column::Kind)
        .filter(notification_opt_out::Column::Email.is_in(addresses))
        .filter(notification_opt_out::Column::Kind.is_in(kinds))
        .into_tuple()
        .all(txn)
        .await?;
    Ok(wanted
        .iter()
        .filter(|(address, kind)| rows.iter().any(|(a, k)| a == address && k == kind))
        .cloned()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_are_written_in_japan_time_with_the_weekday() {
        let at = DateTime::parse_from_rfc3339("2026-12-10T01:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(when(at), "2026年12月10日（木）10:00");
    }

    #[test]
    fn a_message_is_unique_per_kind_subject_reader_and_occasion() {
        let kind = Kind::optional("programs.registration_confirmed", "申込完了");
        let subject = Uuid::nil();
        let guest = Recipient::Guest("Hanako@Example.jp".into());
        let same = Recipient::Guest("hanako@example.jp ".into());
        assert_eq!(
            dedupe_key(&guest, kind, subject, ""),
            dedupe_key(&same, kind, subject, "")
        );
        assert_ne!(
            dedupe_key(&guest, kind, subject, ""),
            dedupe_key(&guest, kind, subject, "2026-12-10")
        );
        assert_ne!(
            dedupe_key(&guest, kind, subject, ""),
            dedupe_key(&Recipient::Account(subject), kind, subject, "")
        );
    }
}

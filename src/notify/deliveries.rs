//! What staff see of deliveries: whether a message went out, for the people they serve.
//!
//! A concierge sees the deliveries of messages about the inquiries they hold, a municipal
//! administrator those of their municipality, a platform administrator all. Addresses are
//! masked for everyone (`ha***@example.jp`), in the failure reasons too: the view answers
//! "did it go out, and if not why", while a family's address stays where reading it is
//! logged (the inquiry itself).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{notification, notification_delivery as delivery, relocation_inquiry, user};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, sea_query::Query};
use uuid::Uuid;

use super::worker;
use crate::{
    auth::{Role, Viewer},
    error::{AppError, AppResult},
    paging::{Ordering, Page, PageArgs, paginate},
    state::ServiceContext,
};

/// Where a delivery stands, as staff read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not tried yet.
    Pending,
    /// The last attempt failed; it will be tried again.
    Failed,
    /// Accepted by the channel.
    Sent,
    /// No more attempts: refused for good or too many failures.
    GivenUp,
}

/// Which deliveries to list.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    /// Only this kind of message, e.g. `relocation.inquiry_received`.
    pub kind: Option<String>,
    /// Only this channel.
    pub channel: Option<&'static str>,
    /// Only deliveries in this state.
    pub state: Option<DeliveryState>,
    /// Only messages about this relocation inquiry.
    pub inquiry_id: Option<Uuid>,
}

/// One delivery with what staff may see of its message and recipient.
#[derive(Debug, Clone)]
pub struct DeliveryView {
    /// The delivery row.
    pub delivery: delivery::Model,
    /// Its message.
    pub notification: notification::Model,
    /// The recipient's address, masked.
    pub recipient: String,
    /// The reason of the last failure, with addresses masked.
    pub last_error: Option<String>,
    /// Where it stands.
    pub state: DeliveryState,
}

/// The deliveries `viewer` may see, newest first.
pub async fn list(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    filter: DeliveryFilter,
    page: PageArgs,
) -> AppResult<Page<DeliveryView>> {
    let me = viewer.require_role(&[Role::PlatformAdmin, Role::MunicipalAdmin, Role::Concierge])?;
    let mut messages = Condition::all();
    match me.role {
        Role::PlatformAdmin => {}
        Role::MunicipalAdmin => {
            messages = messages.add(
                notification::Column::MunicipalityId
                    .eq(me.municipality_id.ok_or(AppError::NotFound)?),
            );
        }
        _ => {
            messages = messages
                .add(notification::Column::Kind.starts_with("relocation."))
                .add(
                    notification::Column::SubjectId.in_subquery(
                        Query::select()
                            .column(relocation_inquiry::Column::Id)
                            .from(relocation_inquiry::Entity)
                            .and_where(relocation_inquiry::Column::AssignedConciergeId.eq(me.id))
                            .to_owned(),
                    ),
                );
        }
    }
    if let Some(inquiry_id) = filter.inquiry_id {
        let inquiry = relocation_inquiry::Entity::find_by_id(inquiry_id)
            .one(ctx.db)
            .await?
            .ok_or(AppError::NotFound)?;
        let sees = match me.role {
            Role::PlatformAdmin => true,
            Role::MunicipalAdmin => me.municipality_id == Some(inquiry.municipality_id),
            _ => inquiry.assigned_concierge_id == Some(me.id),
        };
        if !sees {
            return Err(AppError::NotFound);
        }
        messages = messages
            .add(notification::Column::Kind.starts_with("relocation."))
            .add(notification::Column::SubjectId.eq(inquiry_id));
    }
    if let Some(kind) = &filter.kind {
        messages = messages.add(notification::Column::Kind.eq(kind.as_str()));
    }
    let mut select = delivery::Entity::find().filter(
        delivery::Column::NotificationId.in_subquery(
            Query::select()
                .column(notification::Column::Id)
                .from(notification::Entity)
                .cond_where(messages)
                .to_owned(),
        ),
    );
    if let Some(channel) = filter.channel {
        select = select.filter(delivery::Column::Channel.eq(channel));
    }
    if let Some(state) = filter.state {
        select = select.filter(state_condition(state));
    }
    let ordering = Ordering::<delivery::Entity> {
        column: None,
        id: delivery::Column::Id,
        descending: true,
        key: |row| (None, row.id),
    };
    let page = paginate(ctx.db, select, &ordering, page, ctx.limits.max_page_size).await?;
    let notifications: HashMap<Uuid, notification::Model> = notification::Entity::find()
        .filter(notification::Column::Id.is_in(page.rows.iter().map(|(_, d)| d.notification_id)))
        .all(ctx.db)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    let accounts: HashMap<Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(notifications.values().filter_map(|n| n.user_id)))
        .all(ctx.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    let rows = page
        .rows
        .into_iter()
        .filter_map(|(cursor, delivery)| {
            let notification = notifications.get(&delivery.notification_id)?.clone();
            let address = match notification.user_id {
                Some(id) => accounts.get(&id).cloned(),
                None => notification.email.clone(),
            };
            let recipient = address.as_deref().map_or_else(|| "***".to_owned(), mask);
            Some((
                cursor,
                DeliveryView {
                    state: state_of(&delivery),
                    last_error: delivery.last_error.as_deref().map(mask_addresses),
                    delivery,
                    notification,
                    recipient,
                },
            ))
        })
        .collect();
    Ok(Page {
        rows,
        has_previous_page: page.has_previous_page,
        has_next_page: page.has_next_page,
        total_count: page.total_count,
    })
}

fn state_of(row: &delivery::Model) -> DeliveryState {
    match row.state.as_str() {
        worker::SENT => DeliveryState::Sent,
        worker::FAILED => DeliveryState::GivenUp,
        _ if row.last_error.is_some() => DeliveryState::Failed,
        _ => DeliveryState::Pending,
    }
}

fn state_condition(state: DeliveryState) -> Condition {
    use delivery::Column;
    match state {
        DeliveryState::Sent => Condition::all().add(Column::State.eq(worker::SENT)),
        DeliveryState::GivenUp => Condition::all().add(Column::State.eq(worker::FAILED)),
        DeliveryState::Failed => Condition::all()
            .add(Column::State.eq(worker::PENDING))
            .add(Column::LastError.is_not_null()),
        DeliveryState::Pending => Condition::all()
            .add(Column::State.eq(worker::PENDING))
            .add(Column::LastError.is_null()),
    }
}

/// `hanako@example.jp` → `ha***@example.jp`: enough to tell two addresses apart, not to
/// write to one.
pub fn mask(address: &str) -> String {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return "***".to_owned();
    };
    let shown = if local.chars().count() > 2 { 2 } else { 1 };
    let head: String = local.chars().take(shown).collect();
    format!("{head}***@{domain}")
}

/// Masks every address in `text` (a mail server's reply often repeats it).
fn mask_addresses(text: &str) -> String {
    let part = |c: char| c.is_ascii_alphanumeric() || "._%+-@".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.contains('@') {
            out.push_str(&mask(word));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if part(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// When a delivery was last tried or will next be: the moments staff read.
pub fn next_attempt(view: &DeliveryView) -> Option<DateTime<Utc>> {
    (view.delivery.state == worker::PENDING).then_some(view.delivery.next_attempt_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_show_two_letters_and_the_domain() {
        assert_eq!(mask("hanako@example.jp"), "ha***@example.jp");
        assert_eq!(mask("ab@example.jp"), "a***@example.jp");
        assert_eq!(mask("no-address"), "***");
    }

    #[test]
    fn addresses_in_a_failure_reason_are_masked() {
        assert_eq!(
            mask_addresses("550 5.1.1 <hanako.y@example.jp>: user unknown"),
            "550 5.1.1 <ha***@example.jp>: user unknown"
        );
    }
}

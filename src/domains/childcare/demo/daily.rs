//! Demo of the daily tools: a slot made full (capacity 1) by the resident's child with
//! the younger sibling on its waitlist, and a slot the facility cancelled with a reason
//! after the resident had booked it.

use chrono::{Duration, NaiveDate};
use entity::childcare_slot;
use sea_orm::DatabaseConnection;

use crate::{
    auth::Viewer,
    domains::childcare::service::{self, ChildRef, NewBooking, SlotChanges},
    fiscal,
    state::ServiceContext,
};

use super::done;

/// The resident's first child, as typed at the first booking (found again, not doubled).
fn first_child(birth: NaiveDate) -> ChildRef {
    ChildRef::New {
        name: "貴船 ひなた".into(),
        name_kana: "キブネ ヒナタ".into(),
        birth_date: Some(birth),
    }
}

/// Books `slot` for `child` as `guardian`, waiting when it is full and `wait` says so.
async fn book(
    db: &DatabaseConnection,
    guardian: &Viewer,
    slot: &childcare_slot::Model,
    child: ChildRef,
    wait: bool,
) -> anyhow::Result<()> {
    done(
        service::book(
            ServiceContext::quiet(db),
            guardian,
            NewBooking {
                slot_ids: vec![slot.id],
                children: vec![child],
                note: None,
                join_waitlist_if_full: wait,
                idempotency_key: None,
            },
        )
        .await,
        "daily booking",
    )
    .map(drop)
}

/// A full slot with a waitlist and a cancelled slot, among the bookable `slots` of the
/// next two weeks (none when there are too few).
pub(super) async fn waitlist_and_cancellation(
    db: &DatabaseConnection,
    admin: &Viewer,
    guardian: &Viewer,
    slots: &[childcare_slot::Model],
    birth: NaiveDate,
) -> anyhow::Result<()> {
    let today = fiscal::today();
    let bookable: Vec<&childcare_slot::Model> = slots
        .iter()
        .filter(|slot| slot.date <= today + Duration::days(14))
        .skip(4)
        .take(2)
        .collect();
    let [full, cancelled] = bookable[..] else {
        return Ok(());
    };
    done(
        service::update_slot(
            ServiceContext::quiet(db),
            admin,
            full.id,
            SlotChanges {
                capacity: Some(1),
                note: Some(Some("この日は保育士1名のため、定員1名です。".into())),
                ..SlotChanges::default()
            },
        )
        .await,
        "slot change",
    )?;
    book(db, guardian, full, first_child(birth), false).await?;
    let sibling = ChildRef::New {
        name: "貴船 みお".into(),
        name_kana: "キブネ ミオ".into(),
        birth_date: Some(today - Duration::days(30 * 14)),
    };
    book(db, guardian, full, sibling, true).await?;
    book(db, guardian, cancelled, first_child(birth), false).await?;
    done(
        service::cancel_slot(
            ServiceContext::quiet(db),
            admin,
            cancelled.id,
            "保育室の空調設備の点検のため",
            None,
        )
        .await,
        "slot cancellation",
    )
    .map(drop)
}

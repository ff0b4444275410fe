//! The places a slot holds.

use entity::{
    childcare_booking::{self},
    childcare_slot,
};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::error::AppResult;

use super::ACTIVE;

pub(super) fn slot_minutes(slot: &childcare_slot::Model) -> i32 {
    i32::try_from((slot.ends_at - slot.starts_at).num_minutes()).unwrap_or(i32::MAX)
}

/// Children held on a slot by active bookings.
pub(super) async fn held(txn: &DatabaseTransaction, slot_id: Uuid) -> AppResult<i32> {
    use childcare_booking::Column;
    let held: Option<i64> = childcare_booking::Entity::find()
        .select_only()
        .column_as(Column::Children.sum(), "children")
        .filter(Column::SlotId.eq(slot_id))
        .filter(Column::Status.is_in(ACTIVE))
        .into_tuple()
        .one(txn)
        .await?
        .flatten();
    Ok(i32::try_from(held.unwrap_or(0)).unwrap_or(i32::MAX))
}

/// Writes the children held back onto the locked slot.
pub(super) async fn recount(txn: &DatabaseTransaction, slot_id: Uuid) -> AppResult<()> {
    let held = held(txn, slot_id).await?;
    childcare_slot::Entity::update_many()
        .col_expr(
            childcare_slot::Column::ChildrenBooked,
            sea_orm::sea_query::Expr::value(held),
        )
        .filter(childcare_slot::Column::Id.eq(slot_id))
        .exec(txn)
        .await?;
    Ok(())
}

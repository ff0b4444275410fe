//! Writing to the search outbox, in the transaction of the change it reports.

use chrono::Utc;
use entity::search_outbox;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};
use uuid::Uuid;

/// Records that `record_id` of `kind` changed and its search document must be refreshed
/// (or removed, if it is no longer public). Call inside the transaction of the change.
pub async fn enqueue(
    txn: &impl ConnectionTrait,
    kind: &str,
    record_id: Uuid,
    municipality_id: Uuid,
) -> Result<(), DbErr> {
    search_outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind.to_owned()),
        record_id: Set(record_id),
        municipality_id: Set(municipality_id),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await
    .map(drop)
}

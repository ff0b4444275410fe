use sea_orm::entity::prelude::*;

/// The delivery of one notification on one channel: the outbox row a delivery worker
/// claims (by setting `lease_until`), sends, and marks sent, retried or failed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub notification_id: Uuid,
    /// `email` or `inbox`.
    pub channel: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    /// Attempts made so far (counted when claimed, so a crash mid-send counts too).
    pub attempts: i32,
    /// When it may next be tried.
    pub next_attempt_at: DateTimeUtc,
    /// Claimed by a worker until then; after it, another worker may claim it again.
    pub lease_until: Option<DateTimeUtc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

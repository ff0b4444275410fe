use sea_orm::entity::prelude::*;

/// A message to one recipient (an account, or a guest's email), written in the transaction
/// of the change it reports. Its deliveries on each channel are `notification_delivery`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    /// UUID v7: ordered by creation.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The municipality the message concerns, if any.
    pub municipality_id: Option<Uuid>,
    /// The account it is addressed to; `None` for a guest.
    pub user_id: Option<Uuid>,
    /// The guest's address; `None` for an account (its current address is used).
    pub email: Option<String>,
    /// What it is about, e.g. `programs.registration_confirmed`.
    pub kind: String,
    /// The record it is about.
    pub subject_id: Uuid,
    /// Subject line (Japanese).
    pub title: String,
    /// Plain-text body (Japanese).
    pub body: String,
    /// Where the reader acts on it.
    pub link: Option<String>,
    /// Unique: a retried change cannot notify twice.
    pub dedupe_key: String,
    /// The guest's one-click opt-out token (it can only stop messages of this kind to
    /// this address); `None` for accounts.
    pub opt_out_token: Option<String>,
    /// Whether it shows in the reader's inbox (the account's preference for its kind).
    pub in_inbox: bool,
    /// 1 while unread, 0 once read: the inbox sorts unread first on it.
    pub unread: i32,
    pub read_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

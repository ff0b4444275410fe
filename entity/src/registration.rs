use sea_orm::entity::prelude::*;

/// Where a registration stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum RegistrationStatus {
    #[sea_orm(string_value = "confirmed")]
    Confirmed,
    #[sea_orm(string_value = "waitlisted")]
    Waitlisted,
    /// A freed place is held for the party until `offer_expires_at`.
    #[sea_orm(string_value = "offered")]
    Offered,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    #[sea_orm(string_value = "attended")]
    Attended,
    #[sea_orm(string_value = "no_show")]
    NoShow,
}

/// Why a registration was cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum CancelReason {
    #[sea_orm(string_value = "registrant")]
    Registrant,
    #[sea_orm(string_value = "staff")]
    Staff,
    #[sea_orm(string_value = "session_cancelled")]
    SessionCancelled,
    #[sea_orm(string_value = "offer_declined")]
    OfferDeclined,
    #[sea_orm(string_value = "offer_expired")]
    OfferExpired,
}

/// A party registered for a session: a signed-in user or a guest with contact details.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registrations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub program_id: Uuid,
    pub session_id: Uuid,
    pub user_id: Option<Uuid>,
    pub guest_name: Option<String>,
    pub guest_kana: Option<String>,
    pub guest_email: Option<String>,
    pub guest_phone: Option<String>,
    /// SHA-256 (hex) of the guest's manage token.
    #[sea_orm(unique)]
    pub manage_token_hash: Option<String>,
    pub adults: i32,
    pub children: i32,
    /// Seats the party takes: adults and children not in childcare.
    pub seats: i32,
    /// Childcare slots the party takes.
    pub childcare: i32,
    pub status: RegistrationStatus,
    pub check_in_code: String,
    pub offer_expires_at: Option<DateTimeUtc>,
    pub checked_in_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancel_reason: Option<CancelReason>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::program_session::Entity",
        from = "Column::SessionId",
        to = "super::program_session::Column::Id"
    )]
    Session,
}

impl Related<super::program_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// Where an inquiry stands in the concierge pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum InquiryStage {
    #[sea_orm(string_value = "new")]
    New,
    #[sea_orm(string_value = "assigned")]
    Assigned,
    #[sea_orm(string_value = "contacted")]
    Contacted,
    #[sea_orm(string_value = "consulting")]
    Consulting,
    #[sea_orm(string_value = "visit_scheduled")]
    VisitScheduled,
    #[sea_orm(string_value = "decided")]
    Decided,
    #[sea_orm(string_value = "moved_in")]
    MovedIn,
    #[sea_orm(string_value = "closed")]
    Closed,
}

impl InquiryStage {
    /// Whether the inquiry still occupies a concierge (counts against capacity).
    pub fn is_active(self) -> bool {
        !matches!(self, Self::MovedIn | Self::Closed)
    }
}

/// Why an inquiry was closed without a move-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum CloseReason {
    #[sea_orm(string_value = "not_now")]
    NotNow,
    #[sea_orm(string_value = "chose_elsewhere")]
    ChoseElsewhere,
    #[sea_orm(string_value = "unreachable")]
    Unreachable,
    #[sea_orm(string_value = "consent_withdrawn")]
    ConsentWithdrawn,
    #[sea_orm(string_value = "other")]
    Other,
}

/// What a family is interested in; also a concierge's specialties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Interest {
    #[sea_orm(string_value = "housing")]
    Housing,
    #[sea_orm(string_value = "work")]
    Work,
    #[sea_orm(string_value = "childcare")]
    Childcare,
    #[sea_orm(string_value = "education")]
    Education,
    #[sea_orm(string_value = "business_startup")]
    BusinessStartup,
    #[sea_orm(string_value = "farming")]
    Farming,
    #[sea_orm(string_value = "healthcare")]
    Healthcare,
    #[sea_orm(string_value = "other")]
    Other,
}

/// How a family or a concierge gets in touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ContactChannel {
    #[sea_orm(string_value = "phone")]
    Phone,
    #[sea_orm(string_value = "email")]
    Email,
    #[sea_orm(string_value = "online")]
    Online,
    #[sea_orm(string_value = "in_person")]
    InPerson,
}

/// A relocation inquiry (移住相談) from a family. Personal data columns are `None`/empty
/// after consent is withdrawn or the inquiry is purged (`erased_at` set); counts stay.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "relocation_inquiries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    /// Human-readable code for phone calls, e.g. `MB-7K3Q-9F2D`.
    #[sea_orm(unique)]
    pub reference_code: String,
    /// SHA-256 (hex) of the tracking token; the token itself is never stored.
    pub tracking_token_hash: String,
    pub stage: InquiryStage,
    pub close_reason: Option<CloseReason>,
    pub assigned_concierge_id: Option<Uuid>,
    pub assigned_at: Option<DateTimeUtc>,
    pub name: Option<String>,
    pub name_kana: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub prefecture_code: Option<i16>,
    /// Children's birth months as JSON (`["2021-04", …]`); personal data.
    #[sea_orm(column_type = "Text", nullable)]
    pub children_birth_months: Option<String>,
    pub adults: i32,
    pub children: i32,
    /// Comma-delimited interests with a leading and trailing comma (`,housing,work,`), so a
    /// filter is one `LIKE`.
    pub interests: String,
    pub desired_area: Option<String>,
    pub desired_timing: Option<String>,
    pub preferred_channel: ContactChannel,
    /// BCP 47 language tag, e.g. `ja`, `en`.
    pub preferred_language: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub message: Option<String>,
    /// NFKC-normalized, lowercased name, kana, email, phone digits and reference code, for the
    /// staff text search. Emptied with the personal data.
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    /// SHA-256 (hex) of the normalized email, to find open inquiries sharing it; emptied
    /// with the personal data.
    pub email_digest: Option<String>,
    /// SHA-256 (hex) of the phone's digits, likewise.
    pub phone_digest: Option<String>,
    pub consent_at: DateTimeUtc,
    pub erased_at: Option<DateTimeUtc>,
    pub first_response_due_at: DateTimeUtc,
    pub first_responded_at: Option<DateTimeUtc>,
    pub next_appointment_at: Option<DateTimeUtc>,
    pub moved_in_on: Option<Date>,
    pub people_moved: Option<i32>,
    pub moved_in_area: Option<String>,
    pub closed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

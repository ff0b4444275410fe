use sea_orm::entity::prelude::*;

use super::relocation_inquiry::ContactChannel;

/// What a timeline entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum EventKind {
    #[sea_orm(string_value = "submitted")]
    Submitted,
    #[sea_orm(string_value = "stage_changed")]
    StageChanged,
    #[sea_orm(string_value = "assigned")]
    Assigned,
    #[sea_orm(string_value = "unassigned")]
    Unassigned,
    #[sea_orm(string_value = "note")]
    Note,
    #[sea_orm(string_value = "contact")]
    Contact,
    #[sea_orm(string_value = "appointment")]
    Appointment,
    #[sea_orm(string_value = "task")]
    Task,
    #[sea_orm(string_value = "moved_in")]
    MovedIn,
    #[sea_orm(string_value = "consent_withdrawn")]
    ConsentWithdrawn,
    #[sea_orm(string_value = "anonymized")]
    Anonymized,
    #[sea_orm(string_value = "family_message")]
    FamilyMessage,
    #[sea_orm(string_value = "details_updated")]
    DetailsUpdated,
}

/// What kind of appointment is scheduled with a family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum AppointmentKind {
    /// A visit to the municipality (現地訪問).
    #[sea_orm(string_value = "visit")]
    Visit,
    /// A trial stay (お試し滞在).
    #[sea_orm(string_value = "trial_stay")]
    TrialStay,
    /// An online consultation (オンライン相談).
    #[sea_orm(string_value = "online_consultation")]
    OnlineConsultation,
}

/// One entry of an inquiry's timeline, written in the transaction of what it records.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inquiry_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub inquiry_id: Uuid,
    pub kind: EventKind,
    /// The stage before and after, as stored (stage changes only).
    pub from_stage: Option<String>,
    pub to_stage: Option<String>,
    /// The concierge assigned or unassigned.
    pub concierge_id: Option<Uuid>,
    pub channel: Option<ContactChannel>,
    /// Note text, reason, task title…; erased with the inquiry's personal data.
    #[sea_orm(column_type = "Text", nullable)]
    pub body: Option<String>,
    /// When the appointment takes place.
    pub scheduled_at: Option<DateTimeUtc>,
    /// Visit, trial stay or online consultation (appointments; the place is the body).
    pub appointment_kind: Option<AppointmentKind>,
    /// Who did it; `None` for the family or the system (automatic assignment).
    pub actor_user_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

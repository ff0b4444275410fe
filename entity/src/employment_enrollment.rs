use sea_orm::entity::prelude::*;

/// Gender as the job seeker declared it (sensitive; optional).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Gender {
    #[sea_orm(string_value = "female")]
    Female,
    #[sea_orm(string_value = "male")]
    Male,
    #[sea_orm(string_value = "other")]
    Other,
    #[sea_orm(string_value = "not_stated")]
    NotStated,
}

/// Which kind of support the job seeker came for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum SupportTrack {
    #[sea_orm(string_value = "reemployment_after_childcare")]
    ReemploymentAfterChildcare,
    #[sea_orm(string_value = "career_change")]
    CareerChange,
    #[sea_orm(string_value = "first_job")]
    FirstJob,
    #[sea_orm(string_value = "other")]
    Other,
}

/// Whether an enrollment is still being supported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum EnrollmentStatus {
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "closed")]
    Closed,
}

/// Why an enrollment was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum CloseReason {
    #[sea_orm(string_value = "found_work")]
    FoundWork,
    #[sea_orm(string_value = "withdrew")]
    Withdrew,
    #[sea_orm(string_value = "moved_away")]
    MovedAway,
    #[sea_orm(string_value = "no_contact")]
    NoContact,
    #[sea_orm(string_value = "other")]
    Other,
}

/// A job seeker enrolled in the municipality's employment support (personal data).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "employment_enrollments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    /// The job seeker's resident account, when linked; then the name comes from it.
    pub resident_user_id: Option<Uuid>,
    pub name: Option<String>,
    pub name_kana: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub gender: Gender,
    pub enrolled_on: Date,
    pub support_track: SupportTrack,
    pub follow_up_consent: bool,
    pub notes: Option<String>,
    /// The career advisor in charge (owner of the follow-up checkpoints).
    pub advisor_user_id: Uuid,
    pub status: EnrollmentStatus,
    pub closed_on: Option<Date>,
    pub close_reason: Option<CloseReason>,
    pub close_note: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

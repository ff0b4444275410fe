use sea_orm::entity::prelude::*;

/// What kind of program it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ProgramKind {
    #[sea_orm(string_value = "career_seminar")]
    CareerSeminar,
    #[sea_orm(string_value = "education_workshop")]
    EducationWorkshop,
    #[sea_orm(string_value = "parenting_class")]
    ParentingClass,
    #[sea_orm(string_value = "relocation_fair")]
    RelocationFair,
    #[sea_orm(string_value = "childcare_experience")]
    ChildcareExperience,
    #[sea_orm(string_value = "other")]
    Other,
}

/// A category tag of a program (a program has several, stored as `,art,nature,`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ProgramCategory {
    #[sea_orm(string_value = "art")]
    Art,
    #[sea_orm(string_value = "nature")]
    Nature,
    #[sea_orm(string_value = "history")]
    History,
    #[sea_orm(string_value = "science")]
    Science,
    #[sea_orm(string_value = "reading")]
    Reading,
    #[sea_orm(string_value = "career")]
    Career,
    #[sea_orm(string_value = "parenting")]
    Parenting,
    #[sea_orm(string_value = "childcare")]
    Childcare,
    #[sea_orm(string_value = "relocation")]
    Relocation,
    #[sea_orm(string_value = "health")]
    Health,
    #[sea_orm(string_value = "other")]
    Other,
}

/// Who a program is for (a program has several, stored as `,women,guardians,`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Audience {
    #[sea_orm(string_value = "women")]
    Women,
    #[sea_orm(string_value = "expectant_parents")]
    ExpectantParents,
    #[sea_orm(string_value = "guardians")]
    Guardians,
    #[sea_orm(string_value = "children")]
    Children,
    #[sea_orm(string_value = "everyone")]
    Everyone,
}

/// Where a program stands: draft → published → cancelled (a draft may be cancelled too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ProgramStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "published")]
    Published,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

/// A seminar, workshop, class, fair or experience session series run by an organizer
/// organization of a municipality.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "programs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub organizer_organization_id: Uuid,
    pub created_by: Uuid,
    pub kind: ProgramKind,
    pub title: String,
    /// Reading of the title (フリガナ) in katakana, if given.
    #[sea_orm(column_type = "Text", nullable)]
    pub title_reading: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Category tags as `,art,nature,` so that one `LIKE '%,art,%'` filters on both
    /// databases.
    pub categories: String,
    /// Audiences, stored like the categories.
    pub audiences: String,
    /// Youngest child age accepted, in months at the session date.
    pub child_min_age_months: Option<i32>,
    /// Oldest child age accepted, in months at the session date.
    pub child_max_age_months: Option<i32>,
    pub residents_only: bool,
    pub max_party_size: i32,
    pub fee_yen: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub accessibility_notes: Option<String>,
    pub status: ProgramStatus,
    /// Start of the first session not cancelled; 9999-12-31T00:00:00Z while there is none
    /// (so such programs list last by start date).
    pub first_session_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::municipality::Entity",
        from = "Column::MunicipalityId",
        to = "super::municipality::Column::Id"
    )]
    Municipality,
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizerOrganizationId",
        to = "super::organization::Column::Id"
    )]
    Organizer,
    #[sea_orm(has_many = "super::program_session::Entity")]
    Session,
}

impl Related<super::program_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

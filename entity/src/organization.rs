use sea_orm::entity::prelude::*;

/// What kind of body an organization is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum OrganizationKind {
    #[sea_orm(string_value = "municipal_office")]
    MunicipalOffice,
    #[sea_orm(string_value = "partner_company")]
    PartnerCompany,
    #[sea_orm(string_value = "museum")]
    Museum,
    #[sea_orm(string_value = "library")]
    Library,
    #[sea_orm(string_value = "nature_centre")]
    NatureCentre,
    #[sea_orm(string_value = "childcare_provider")]
    ChildcareProvider,
    #[sea_orm(string_value = "employment_support_office")]
    EmploymentSupportOffice,
    #[sea_orm(string_value = "nonprofit")]
    Nonprofit,
    /// A medical clinic that gives routine vaccinations.
    #[sea_orm(string_value = "clinic")]
    Clinic,
    /// A medical association (医師会): collects its member clinics' fee claims.
    #[sea_orm(string_value = "medical_association")]
    MedicalAssociation,
    /// A dental association (歯科医師会): collects its member dental clinics' fee claims.
    #[sea_orm(string_value = "dental_association")]
    DentalAssociation,
}

/// An organization inside a municipality: the city hall, a partner company, a museum…
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub kind: OrganizationKind,
    pub name: String,
    pub name_kana: String,
    pub website_url: Option<String>,
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
    #[sea_orm(has_many = "super::user::Entity")]
    User,
}

impl Related<super::municipality::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Municipality.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

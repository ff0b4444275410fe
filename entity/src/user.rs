use sea_orm::entity::prelude::*;

/// What a user may do. Stored as a short string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Role {
    #[sea_orm(string_value = "platform_admin")]
    PlatformAdmin,
    #[sea_orm(string_value = "municipal_admin")]
    MunicipalAdmin,
    #[sea_orm(string_value = "concierge")]
    Concierge,
    #[sea_orm(string_value = "program_staff")]
    ProgramStaff,
    #[sea_orm(string_value = "partner")]
    Partner,
    #[sea_orm(string_value = "resident")]
    Resident,
}

/// A person with an account. Platform admins belong to no municipality.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    /// NFKC-normalized, lowercased; unique across the platform.
    #[sea_orm(unique)]
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub display_name_kana: String,
    pub role: Role,
    pub deactivated_at: Option<DateTimeUtc>,
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
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id"
    )]
    Organization,
    #[sea_orm(has_many = "super::session::Entity")]
    Session,
}

impl Related<super::municipality::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Municipality.def()
    }
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

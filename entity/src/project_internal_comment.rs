use sea_orm::entity::prelude::*;

use super::user::Role;

/// A comment on a partner project between the municipality's administrators and the
/// project's partner organization; never public.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_internal_comments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub project_id: Uuid,
    pub author_id: Uuid,
    pub author_organization_id: Option<Uuid>,
    pub author_role: Role,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::partner_project::Entity",
        from = "Column::ProjectId",
        to = "super::partner_project::Column::Id"
    )]
    PartnerProject,
}

impl Related<super::partner_project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PartnerProject.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

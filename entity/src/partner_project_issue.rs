use sea_orm::entity::prelude::*;

/// Which local issues a partner project takes on.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_project_issues")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub issue_id: Uuid,
    pub municipality_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::partner_project::Entity",
        from = "Column::ProjectId",
        to = "super::partner_project::Column::Id"
    )]
    PartnerProject,
    #[sea_orm(
        belongs_to = "super::local_issue::Entity",
        from = "Column::IssueId",
        to = "super::local_issue::Column::Id"
    )]
    LocalIssue,
}

impl Related<super::partner_project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PartnerProject.def()
    }
}

impl Related<super::local_issue::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LocalIssue.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

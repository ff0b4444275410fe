use sea_orm::entity::prelude::*;

/// A progress report a partner posts on its active project.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_updates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub project_id: Uuid,
    pub author_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// 0–100.
    pub progress_percent: i16,
    /// Milestone reached with this update, if any.
    pub milestone: Option<String>,
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

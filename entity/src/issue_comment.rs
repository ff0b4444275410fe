use sea_orm::entity::prelude::*;

/// A resident's public comment on a published local issue. Administrators may hide it; its
/// author may delete it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "issue_comments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub issue_id: Uuid,
    pub author_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// Set when an administrator hid the comment from the public.
    pub hidden_at: Option<DateTimeUtc>,
    pub hidden_by: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub hidden_reason: Option<String>,
    pub created_at: DateTimeUtc,
    /// Set when the author deleted the comment; its text is erased then.
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::local_issue::Entity",
        from = "Column::IssueId",
        to = "super::local_issue::Column::Id"
    )]
    LocalIssue,
}

impl Related<super::local_issue::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LocalIssue.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

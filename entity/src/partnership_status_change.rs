use sea_orm::entity::prelude::*;

use super::user::Role;

/// What kind of record a status change is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum SubjectKind {
    #[sea_orm(string_value = "local_issue")]
    LocalIssue,
    #[sea_orm(string_value = "partner_project")]
    PartnerProject,
}

/// One step in the status history of a local issue or partner project: who (role and
/// organization), when, from what to what and why. Written in the transaction of the change.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partnership_status_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub subject_kind: SubjectKind,
    pub subject_id: Uuid,
    /// The status before, as stored (`None` when the record was created).
    pub from_status: Option<String>,
    /// The status after, as stored.
    pub to_status: String,
    pub actor_user_id: Uuid,
    pub actor_organization_id: Option<Uuid>,
    pub actor_role: Role,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

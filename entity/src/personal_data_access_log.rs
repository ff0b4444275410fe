use sea_orm::entity::prelude::*;

/// One read of one record's personal data, by one signed-in user. Shared by every domain.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "personal_data_access_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub actor_user_id: Uuid,
    /// What kind of record, e.g. `employment_enrollment`.
    pub subject_kind: String,
    pub subject_id: Uuid,
    /// What was read: a field group or an operation, e.g. `detail`, `list`.
    pub accessed: String,
    pub accessed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A dated exception to the weekly hours of a resource: closed, or special hours. It
/// replaces that day's weekly hours. One per resource and date.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "childcare_hours_exceptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub resource_id: Uuid,
    pub date: Date,
    /// Intervals as `opens-closes` minute pairs, comma separated (`570-990,1020-1080`);
    /// empty when closed all day.
    pub intervals: String,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// One opening interval of a resource on a weekday (several per weekday allowed), in
/// minutes after midnight, Asia/Tokyo.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "childcare_opening_hours")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub resource_id: Uuid,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: i16,
    pub opens_minute: i32,
    pub closes_minute: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A municipality (市区町村) that runs tsunagu for its residents.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "municipalities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Five-digit local government code (全国地方公共団体コード without check digit), e.g. 10201.
    #[sea_orm(unique)]
    pub jis_code: String,
    pub name_ja: String,
    pub name_kana: String,
    pub name_en: String,
    /// JIS X 0401 prefecture code, 1–47.
    pub prefecture_code: i16,
    pub time_zone: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::organization::Entity")]
    Organization,
    #[sea_orm(has_many = "super::user::Entity")]
    User,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

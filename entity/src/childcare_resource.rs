use sea_orm::entity::prelude::*;

/// What kind of help a childcare resource offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ResourceKind {
    /// 子育てひろば: 親子元気ルーム, プレイルーム.
    #[sea_orm(string_value = "plaza")]
    Plaza,
    /// 元気保育園事業: consultation, diaper change and childcare experience.
    #[sea_orm(string_value = "nursery_experience")]
    NurseryExperience,
    /// 一時保育.
    #[sea_orm(string_value = "temporary_childcare")]
    TemporaryChildcare,
    /// 子育て相談.
    #[sea_orm(string_value = "consultation")]
    Consultation,
    /// 訪問相談.
    #[sea_orm(string_value = "home_visit")]
    HomeVisit,
    /// 子育て学級.
    #[sea_orm(string_value = "parenting_class")]
    ParentingClass,
    #[sea_orm(string_value = "other")]
    Other,
}

/// A place or service of the childcare directory, run by a provider organization.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "childcare_resources")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub provider_organization_id: Uuid,
    pub kind: ResourceKind,
    pub name: String,
    pub name_kana: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// `NNN-NNNN`.
    pub postal_code: String,
    /// JIS X 0401 code, 1–47.
    pub prefecture_code: i16,
    pub city: String,
    pub street: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub phone: Option<String>,
    pub url: Option<String>,
    pub fee: Option<String>,
    pub expectant_parents: bool,
    pub child_min_age_months: Option<i32>,
    pub child_max_age_months: Option<i32>,
    pub residents_only: bool,
    /// Language codes stored as `,ja,en,`.
    pub languages: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub accessibility: Option<String>,
    pub published: bool,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::ProviderOrganizationId",
        to = "super::organization::Column::Id"
    )]
    Provider,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Provider.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

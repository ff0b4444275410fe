use sea_orm::entity::prelude::*;

/// What kind of article it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ArticleKind {
    #[sea_orm(string_value = "news")]
    News,
    #[sea_orm(string_value = "relocation_guide")]
    RelocationGuide,
    #[sea_orm(string_value = "resident_story")]
    ResidentStory,
    #[sea_orm(string_value = "career_story")]
    CareerStory,
}

/// Where an article stands: draft → published (from its publish time on) → archived; a
/// published or archived article may go back to draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ArticleStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "published")]
    Published,
    #[sea_orm(string_value = "archived")]
    Archived,
}

/// A news item, relocation guide or resident's story (移住者の声) of a municipality.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "articles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub kind: ArticleKind,
    /// Readable address within the municipality (`a-z`, `0-9`, `-`), unique there.
    pub slug: Option<String>,
    pub title: String,
    /// Reading of the title (フリガナ) in katakana, if given.
    #[sea_orm(column_type = "Text", nullable)]
    pub title_reading: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    /// Markdown source as written.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// Tags as `,移住,子育て,` so that one `LIKE '%,移住,%'` filters on both databases.
    pub tags: String,
    pub cover_image_url: Option<String>,
    /// The account that wrote it (its display name is shown, never its email).
    pub author_id: Uuid,
    /// Organization shown with the author, if any.
    pub organization_id: Option<Uuid>,
    pub status: ArticleStatus,
    /// When it is (or was) public from; set while published or archived.
    pub publish_at: Option<DateTimeUtc>,
    /// The list order: the publish time once set, else the creation time.
    pub sort_at: DateTimeUtc,
    /// When the search index was told that the article became public; null while it is
    /// not, so the scheduler finds scheduled articles whose time has come.
    pub search_released_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::municipality::Entity",
        from = "Column::MunicipalityId",
        to = "super::municipality::Column::Id"
    )]
    Municipality,
}

impl Related<super::municipality::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Municipality.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

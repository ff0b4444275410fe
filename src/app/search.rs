//! The GraphQL `search` and `suggest` queries: one search box over every kind of public
//! content, and autocomplete over titles.

use async_graphql::{
    Context, Enum, ErrorExtensions, ID, InputObject, Object, Result, ResultExt, SimpleObject,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::node::Node;
use crate::graphql::ids::NodeKind;
use crate::paging::DEFAULT_PAGE_SIZE;
use crate::{
    connection,
    domains::{childcare, content, identity::service as identity, partnership, programs},
    error::AppError,
    graphql::{
        connection::{ConnectionType, PageInfo},
        context, ids,
    },
    search::{
        index::{Order, SearchRequest},
        query::MAX_QUERY_CHARS,
        sources,
    },
};

/// The content of `hits` as it is now in the database, by kind and id: one statement per
/// kind of content among the hits, however many hits there are.
async fn current_nodes(
    db: &sea_orm::DatabaseConnection,
    hits: &[crate::search::index::SearchHit],
) -> Result<HashMap<(SearchKind, Uuid), Node>, sea_orm::DbErr> {
    let ids = |kind: SearchKind| -> Vec<Uuid> {
        hits.iter()
            .filter(|hit| SearchKind::from_code(&hit.kind) == Some(kind))
            .map(|hit| hit.id)
            .collect()
    };
    let mut nodes = HashMap::new();
    let mut keep = |kind: SearchKind, id: Uuid, node: Node| {
        nodes.insert((kind, id), node);
    };
    for kind in [
        SearchKind::LocalIssue,
        SearchKind::PartnerProject,
        SearchKind::Program,
        SearchKind::ChildcareResource,
        SearchKind::Article,
    ] {
        let wanted = ids(kind);
        if wanted.is_empty() {
            continue;
        }
        match kind {
            SearchKind::LocalIssue => {
                for row in partnership::search::issues_by_ids(db, &wanted).await? {
                    keep(kind, row.id, Node::LocalIssue(row.into()));
                }
            }
            SearchKind::PartnerProject => {
                for row in partnership::search::projects_by_ids(db, &wanted).await? {
                    keep(kind, row.id, Node::PartnerProject(row.into()));
                }
            }
            SearchKind::Program => {
                for row in programs::search::by_ids(db, &wanted).await? {
                    keep(kind, row.id, Node::Program(row.into()));
                }
            }
            SearchKind::ChildcareResource => {
                for row in childcare::search::by_ids(db, &wanted).await? {
                    keep(kind, row.id, Node::ChildcareResource(row.into()));
                }
            }
            SearchKind::Article => {
                for row in content::search::by_ids(db, &wanted).await? {
                    keep(kind, row.id, Node::Article(row.into()));
                }
            }
        }
    }
    Ok(nodes)
}

/// Hits past this many are not reachable by paging (refine the search instead).
const MAX_OFFSET: usize = 1000;
/// Longest autocomplete prefix, in characters.
const MAX_PREFIX_CHARS: usize = 50;
/// Most suggestions one call returns.
const MAX_SUGGESTIONS: i32 = 20;
/// Suggestions returned when `first` is not given.
const DEFAULT_SUGGESTIONS: i32 = 8;

/// Kinds of public content the search covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
pub enum SearchKind {
    /// A local issue (地域課題) a municipality asks partners to take on.
    LocalIssue,
    /// A partner project taking on local issues (public once approved).
    PartnerProject,
    /// A published program (seminar, workshop, class, fair) with upcoming sessions or not.
    Program,
    /// A child-rearing resource (子育てひろば, 一時保育, consultation, …), once published.
    ChildcareResource,
    /// An article, relocation guide or resident's story (public once its publish time has
    /// come).
    Article,
}

impl SearchKind {
    fn code(self) -> &'static str {
        match self {
            Self::LocalIssue => sources::LOCAL_ISSUE,
            Self::PartnerProject => sources::PARTNER_PROJECT,
            Self::Program => sources::PROGRAM,
            Self::ChildcareResource => sources::CHILDCARE_RESOURCE,
            Self::Article => sources::ARTICLE,
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            sources::LOCAL_ISSUE => Some(Self::LocalIssue),
            sources::PARTNER_PROJECT => Some(Self::PartnerProject),
            sources::PROGRAM => Some(Self::Program),
            sources::CHILDCARE_RESOURCE => Some(Self::ChildcareResource),
            sources::ARTICLE => Some(Self::Article),
            _ => None,
        }
    }

    fn node_kind(self) -> NodeKind {
        match self {
            Self::LocalIssue => NodeKind::LocalIssue,
            Self::PartnerProject => NodeKind::PartnerProject,
            Self::Program => NodeKind::Program,
            Self::ChildcareResource => NodeKind::ChildcareResource,
            Self::Article => NodeKind::Article,
        }
    }
}

/// Categories of content, shared by local issues and programs, to narrow a search and to
/// count hits by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum SearchCategory {
    /// Parks and play areas (公園).
    Parks,
    /// Transport and getting around (交通・移動).
    Mobility,
    /// Tourism (観光).
    Tourism,
    /// Childcare (保育・託児).
    Childcare,
    /// Care of older people (高齢者福祉).
    ElderlyCare,
    /// Environment (環境).
    Environment,
    /// Disaster prevention (防災).
    DisasterPrevention,
    /// Digital services (デジタル).
    Digital,
    /// Education (教育).
    Education,
    /// Art (美術).
    Art,
    /// Nature (自然).
    Nature,
    /// History (歴史).
    History,
    /// Science (科学).
    Science,
    /// Reading and books (読書).
    Reading,
    /// Career and work (キャリア).
    Career,
    /// Parenting (子育て).
    Parenting,
    /// Relocation (移住).
    Relocation,
    /// Health (健康).
    Health,
    /// Anything else (その他).
    Other,
}

impl SearchCategory {
    const ALL: [(Self, &'static str); 19] = [
        (Self::Parks, "parks"),
        (Self::Mobility, "mobility"),
        (Self::Tourism, "tourism"),
        (Self::Childcare, "childcare"),
        (Self::ElderlyCare, "elderly_care"),
        (Self::Environment, "environment"),
        (Self::DisasterPrevention, "disaster_prevention"),
        (Self::Digital, "digital"),
        (Self::Education, "education"),
        (Self::Art, "art"),
        (Self::Nature, "nature"),
        (Self::History, "history"),
        (Self::Science, "science"),
        (Self::Reading, "reading"),
        (Self::Career, "career"),
        (Self::Parenting, "parenting"),
        (Self::Relocation, "relocation"),
        (Self::Health, "health"),
        (Self::Other, "other"),
    ];

    /// The code documents carry.
    fn code(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(category, _)| *category == self)
            .map_or("other", |(_, code)| code)
    }

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, c)| *c == code)
            .map(|(category, _)| *category)
    }
}

/// Order of search hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
pub enum SearchOrderBy {
    /// Best match first (title over tags over text); items with a session coming soon
    /// weigh a little more.
    #[default]
    Relevance,
    /// Soonest next date (a program's next session) first; items without one last.
    Date,
}

/// Narrows a search.
#[derive(Debug, Default, InputObject)]
pub struct SearchFilter {
    /// Only this municipality (global id).
    pub municipality_id: Option<ID>,
    /// Only these kinds of content (any of them).
    #[graphql(default)]
    pub kinds: Vec<SearchKind>,
    /// Only content of these categories (any of them).
    #[graphql(default)]
    pub categories: Vec<SearchCategory>,
    /// Only items whose next date is at or after this.
    pub starts_after: Option<DateTime<Utc>>,
    /// Only items whose next date is before this.
    pub starts_before: Option<DateTime<Utc>>,
    /// Only items for a child of this age in months.
    pub child_age_months: Option<i32>,
    /// Only items that still take registrations.
    #[graphql(default)]
    pub has_free_places: bool,
}

/// One search hit.
#[derive(Debug, Clone, SimpleObject)]
pub struct SearchHit {
    /// What kind of content it is.
    pub kind: SearchKind,
    /// The item itself.
    pub node: Node,
    /// The title with the matched words in `<b>…</b>`; everything else HTML-escaped.
    pub title_html: String,
    /// A passage of the text with the matched words in `<b>…</b>`; empty when only the
    /// title matched.
    pub snippet_html: String,
    /// Relevance: higher is better (title matches weigh most, then tags, then body).
    pub score: f64,
    /// The item's next date as indexed (a program's next session start), if it has one.
    pub starts_at: Option<DateTime<Utc>>,
    /// Free places as indexed (a program's upcoming sessions still taking registrations).
    pub free_places: Option<i32>,
}

connection!(SearchHit, SearchHitConnection, SearchHitEdge);

/// Number of hits of one kind.
#[derive(Debug, Clone, SimpleObject)]
pub struct SearchKindCount {
    /// The kind.
    pub kind: SearchKind,
    /// Hits of that kind (with every filter but the kind filter).
    pub count: u64,
}

/// Number of hits of one category.
#[derive(Debug, Clone, SimpleObject)]
pub struct SearchCategoryCount {
    /// The category.
    pub category: SearchCategory,
    /// Hits of that category (with every filter but the category filter).
    pub count: u64,
}

/// Search results: a page of hits and counts per kind and category for refining.
#[derive(Debug, Clone, SimpleObject)]
pub struct SearchResults {
    /// The hits of this page, best first (or soonest first).
    pub hits: SearchHitConnection,
    /// Hits per kind, ignoring the kind filter, to show next to the kind choices.
    pub kind_counts: Vec<SearchKindCount>,
    /// Hits per category, ignoring the category filter, to show next to the category
    /// choices.
    pub category_counts: Vec<SearchCategoryCount>,
    /// Whether every hit matches every word. `false` when fewer than three items matched
    /// every word of a query of two words or more, and items matching only some of the
    /// words were added after them (most words first, then title over tags over text):
    /// show 「一部の語に一致」.
    pub matched_all: bool,
    /// When nothing was found: what was typed, spelled as the titles or the synonym
    /// dictionary spell it (テレワーグ → テレワーク; kana-folded edit distance), closest
    /// first, at most three, each finding something with the same filters. Empty otherwise.
    pub did_you_mean: Vec<String>,
}

/// One autocomplete suggestion: a title with a word starting with what was typed.
#[derive(Debug, Clone, SimpleObject)]
pub struct SearchSuggestion {
    /// The title as written.
    pub title: String,
    /// What kind of content it is.
    pub kind: SearchKind,
    /// Global id of the item (for `node(id:)`).
    pub id: ID,
}

/// The search query.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Searches every kind of public content, in Japanese or English: 「子育て ひろば」,
    /// 「託児付き セミナー」, 「公園」. Every word must match (when fewer than three items
    /// match every word, items matching most of the words follow, and `matchedAll` is
    /// false); Japanese words match as phrases, full-width/half-width, hiragana/katakana
    /// and small-kana variants alike, long katakana words also without a ッ or ー, and
    /// words of the synonym dictionary (and the municipality's own synonyms) also as their
    /// synonyms, a little below the word itself; `"…"` is one exact phrase (an open
    /// quote runs to the end), `-word` excludes, and Latin words of five letters or more
    /// also match one typo away. Private content and personal data are never searchable.
    /// Changes become searchable within about a second. Empty text is refused
    /// (`BAD_USER_INPUT`), as is text over 200 characters.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, None, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for.")] text: String,
        #[graphql(desc = "Narrow the search.")] filter: Option<SearchFilter>,
        #[graphql(desc = "Order of the hits.", default)] order_by: SearchOrderBy,
        #[graphql(desc = "Hits after this cursor.")] after: Option<String>,
        #[graphql(desc = "At most this many hits (capped).")] first: Option<i32>,
    ) -> Result<SearchResults> {
        let (state, _) = context(ctx)?;
        let filter = filter.unwrap_or_default();
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::BadUserInput(format!(
                "検索語は{MAX_QUERY_CHARS}文字以内で入力してください。"
            ))
            .extend());
        }
        if text.trim().is_empty() {
            return Err(AppError::BadUserInput("検索語を入力してください。".into()).extend());
        }
        let offset = after
            .as_deref()
            .map(decode_cursor)
            .transpose()
            .extend()?
            .map_or(0, |o| o + 1);
        let limit = usize::try_from(first.unwrap_or(DEFAULT_PAGE_SIZE as i32))
            .map_err(|_| {
                AppError::BadUserInput("`first` は0以上で指定してください。".into()).extend()
            })?
            .min(state.limits.max_page_size as usize);
        if offset > MAX_OFFSET {
            return Err(AppError::BadUserInput(format!(
                "{MAX_OFFSET}件目より後は表示できません。条件を絞り込んでください。"
            ))
            .extend());
        }
        let request = SearchRequest {
            text,
            municipality_id: filter
                .municipality_id
                .map(|id| ids::decode_as(&id, NodeKind::Municipality))
                .transpose()
                .extend()?,
            kinds: filter
                .kinds
                .iter()
                .map(|kind| kind.code().to_owned())
                .collect(),
            categories: filter
                .categories
                .iter()
                .map(|category| category.code().to_owned())
                .collect(),
            order: match order_by {
                SearchOrderBy::Relevance => Order::Relevance,
                SearchOrderBy::Date => Order::Date,
            },
            starts_after: filter.starts_after,
            starts_before: filter.starts_before,
            child_age_months: filter.child_age_months.map(i64::from),
            has_free_places: filter.has_free_places,
            offset,
            limit,
        };
        let results = state
            .search
            .search(request)
            .await
            .map_err(|error| AppError::internal(error).extend())?;

        // The index may lag the database by a moment: every hit is checked again there
        // and dropped if it is no longer public, with one statement per kind of content.
        let mut current = current_nodes(&state.db, &results.hits)
            .await
            .map_err(|error| AppError::from(error).extend())?;
        let found: Vec<Option<(SearchKind, Node)>> = results
            .hits
            .iter()
            .map(|hit| {
                let kind = SearchKind::from_code(&hit.kind)?;
                current.remove(&(kind, hit.id)).map(|node| (kind, node))
            })
            .collect();
        let examined = results.hits.len();
        let mut edges = Vec::with_capacity(examined);
        for (position, (hit, found)) in results.hits.into_iter().zip(found).enumerate() {
            let Some((kind, found)) = found else {
                continue;
            };
            // Managers see drafts, cancelled programs, unpublished resources and scheduled
            // articles too; search shows what is public only.
            let public = match &found {
                Node::LocalIssue(issue) => partnership::search::issue_is_public(issue.published),
                Node::PartnerProject(project) => {
                    partnership::search::project_is_public(project.status.into())
                }
                Node::Program(program) => programs::search::is_public(program.status().into()),
                Node::ChildcareResource(resource) => {
                    childcare::search::is_public(resource.model.published)
                }
                Node::Article(article) => article.is_live(crate::db::now()),
                _ => false,
            };
            if !public {
                continue;
            }
            edges.push((
                encode_cursor(offset + position),
                SearchHit {
                    kind,
                    node: found,
                    title_html: hit.title_html,
                    snippet_html: hit.body_html,
                    score: f64::from(hit.score),
                    starts_at: hit.starts_at,
                    free_places: hit
                        .free_places
                        .map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
                },
            ));
        }
        let page_info = PageInfo {
            has_next_page: offset + limit < results.total,
            has_previous_page: offset > 0,
            start_cursor: edges.first().map(|(cursor, _)| cursor.clone()),
            // The last edge's cursor; when every hit of the page was dropped, the last hit
            // looked at, so a client can still go on.
            end_cursor: edges.last().map(|(cursor, _)| cursor.clone()).or_else(|| {
                (examined > 0 && offset + limit < results.total)
                    .then(|| encode_cursor(offset + examined - 1))
            }),
        };
        Ok(SearchResults {
            hits: SearchHitConnection::assemble(edges, page_info, results.total as u64),
            kind_counts: results
                .kind_counts
                .into_iter()
                .filter_map(|(code, count)| {
                    SearchKind::from_code(&code).map(|kind| SearchKindCount { kind, count })
                })
                .collect(),
            category_counts: results
                .category_counts
                .into_iter()
                .filter_map(|(code, count)| {
                    SearchCategory::from_code(&code)
                        .map(|category| SearchCategoryCount { category, count })
                })
                .collect(),
            matched_all: results.matched_all,
            did_you_mean: results.did_you_mean,
        })
    }

    /// Autocomplete for a search box of one municipality: titles of public content with a
    /// word starting with `prefix` (「子育」 → 子育て学級; ｾﾐ and せみ find セミナー), titles
    /// starting with it first; when there is none, the titles with the word closest to what
    /// was typed (テレワーグ → 女性がテレワークで働ける場の確保). An empty prefix suggests nothing; an unknown municipality code or a
    /// prefix over 50 characters is refused (`BAD_USER_INPUT`).
    async fn suggest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "JIS code of the municipality, e.g. \"14384\" (真鶴町).")]
        municipality_code: String,
        #[graphql(desc = "What has been typed so far.")] prefix: String,
        #[graphql(desc = "At most this many suggestions (8 when not given, at most 20).")]
        first: Option<i32>,
    ) -> Result<Vec<SearchSuggestion>> {
        let (state, _) = context(ctx)?;
        if prefix.chars().count() > MAX_PREFIX_CHARS {
            return Err(AppError::BadUserInput(format!(
                "入力は{MAX_PREFIX_CHARS}文字以内にしてください。"
            ))
            .extend());
        }
        let limit = first.unwrap_or(DEFAULT_SUGGESTIONS);
        if limit < 0 {
            return Err(
                AppError::BadUserInput("`first` は0以上で指定してください。".into()).extend(),
            );
        }
        let Some(municipality) = identity::find_municipality_by_code(&state.db, &municipality_code)
            .await
            .extend()?
        else {
            return Err(AppError::BadUserInput(format!(
                "市区町村コード「{municipality_code}」は見つかりません。"
            ))
            .extend());
        };
        let limit = usize::try_from(limit.min(MAX_SUGGESTIONS)).unwrap_or(0);
        let suggestions = state
            .search
            .suggest(municipality.id, prefix, limit)
            .await
            .map_err(|error| AppError::internal(error).extend())?;
        Ok(suggestions
            .into_iter()
            .filter_map(|suggestion| {
                let kind = SearchKind::from_code(&suggestion.kind)?;
                Some(SearchSuggestion {
                    title: suggestion.title,
                    kind,
                    id: ids::encode(kind.node_kind(), suggestion.id),
                })
            })
            .collect())
    }
}

fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("search:{offset}"))
}

fn decode_cursor(cursor: &str) -> Result<usize, AppError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("search:")?.parse().ok())
        .ok_or_else(|| AppError::BadUserInput(format!("`{cursor}` is not a valid cursor")))
}

//! The GraphQL `search` query: one search box over every kind of public content.

use async_graphql::{
    Context, Enum, ErrorExtensions, ID, InputObject, Object, Result, ResultExt, SimpleObject,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};

use super::{index::SearchRequest, query::MAX_QUERY_CHARS, sources};
use crate::{
    connection,
    domains::programs::types::ProgramStatus,
    error::AppError,
    graphql::{
        context, ids,
        node::{self, Node},
        pagination::{ConnectionType, DEFAULT_PAGE_SIZE, PageInfo},
    },
};

/// Hits past this many are not reachable by paging (refine the search instead).
const MAX_OFFSET: usize = 1000;

/// Kinds of public content the search covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum SearchKind {
    /// A local issue (地域課題) a municipality asks partners to take on.
    LocalIssue,
    /// A partner project taking on local issues (public once approved).
    PartnerProject,
    /// A published program (seminar, workshop, class, fair) with upcoming sessions or not.
    Program,
}

impl SearchKind {
    fn code(self) -> &'static str {
        match self {
            Self::LocalIssue => sources::LOCAL_ISSUE,
            Self::PartnerProject => sources::PARTNER_PROJECT,
            Self::Program => sources::PROGRAM,
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            sources::LOCAL_ISSUE => Some(Self::LocalIssue),
            sources::PARTNER_PROJECT => Some(Self::PartnerProject),
            sources::PROGRAM => Some(Self::Program),
            _ => None,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Self::LocalIssue => "LocalIssue",
            Self::PartnerProject => "PartnerProject",
            Self::Program => "Program",
        }
    }
}

/// Narrows a search.
#[derive(Debug, Default, InputObject)]
pub struct SearchFilter {
    /// Only this municipality (global id).
    pub municipality_id: Option<ID>,
    /// Only these kinds of content (any of them).
    #[graphql(default)]
    pub kinds: Vec<SearchKind>,
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

/// Search results: a page of hits and counts per kind for refining.
#[derive(Debug, Clone, SimpleObject)]
pub struct SearchResults {
    /// The hits of this page, best first.
    pub hits: SearchHitConnection,
    /// Hits per kind, ignoring the kind filter, to show next to the kind choices.
    pub kind_counts: Vec<SearchKindCount>,
}

/// The search query.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Searches every kind of public content, in Japanese or English: 「子育て ひろば」,
    /// 「託児付き セミナー」, 「公園」. Every word must match; Japanese words match as phrases,
    /// full-width/half-width and kana variants alike. Private content and personal data are
    /// never searchable. Changes become searchable within about a second.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, None, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for.")] text: String,
        #[graphql(desc = "Narrow the search.")] filter: Option<SearchFilter>,
        #[graphql(desc = "Hits after this cursor.")] after: Option<String>,
        #[graphql(desc = "At most this many hits (capped).")] first: Option<i32>,
    ) -> Result<SearchResults> {
        let (state, viewer) = context(ctx)?;
        let filter = filter.unwrap_or_default();
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::BadUserInput(format!(
                "search text is longer than {MAX_QUERY_CHARS} characters"
            ))
            .extend());
        }
        let offset = after
            .as_deref()
            .map(decode_cursor)
            .transpose()
            .extend()?
            .map_or(0, |o| o + 1);
        let limit = usize::try_from(first.unwrap_or(DEFAULT_PAGE_SIZE as i32))
            .map_err(|_| AppError::BadUserInput("`first` must not be negative".into()).extend())?
            .min(state.limits.max_page_size as usize);
        if offset > MAX_OFFSET {
            return Err(AppError::BadUserInput(format!(
                "results past the first {MAX_OFFSET} are not available; refine the search"
            ))
            .extend());
        }
        let request = SearchRequest {
            text,
            municipality_id: filter
                .municipality_id
                .map(|id| ids::decode_as(&id, "Municipality"))
                .transpose()
                .extend()?,
            kinds: filter
                .kinds
                .iter()
                .map(|kind| kind.code().to_owned())
                .collect(),
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

        // The index may lag the database by a moment: every hit is checked again there,
        // with the viewer's own visibility, and dropped if it is no longer visible.
        let mut edges = Vec::with_capacity(results.hits.len());
        for (position, hit) in results.hits.into_iter().enumerate() {
            let Some(kind) = SearchKind::from_code(&hit.kind) else {
                continue;
            };
            let id = ids::encode(kind.type_name(), hit.id);
            let Some(found) = node::resolve(state, viewer, &id).await.extend()? else {
                continue;
            };
            // Managers see drafts and cancelled programs too; search shows published ones.
            if let Node::Program(program) = &found
                && program.status != ProgramStatus::Published
            {
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
            end_cursor: Some(encode_cursor(offset + limit.max(1) - 1))
                .filter(|_| !edges.is_empty()),
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
        })
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

//! Relay connections: the GraphQL face of a [`Page`](crate::paging::Page), and the cost
//! of a connection field in the query-complexity estimate.

use async_graphql::{Context, SelectionField, SimpleObject};

use crate::paging::{DEFAULT_PAGE_SIZE, Page, PageArgs};

/// The connection arguments of the field being resolved. Its total is counted only when
/// the client selects `totalCount`: the count is a statement of its own.
pub fn page_args(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> PageArgs {
    let mut args = PageArgs::new(first, after, last, before);
    args.count_total = ctx.look_ahead().field("totalCount").exists();
    args
}

/// Whether the items of the connection being resolved (its `nodes`, and the `node` of its
/// `edges`) are asked for none but `fields` (and `__typename`). A list whose items need only
/// some columns reads only those when this holds.
pub fn items_ask_only(ctx: &Context<'_>, fields: &[&str]) -> bool {
    ctx.field().selection_set().all(|field| match field.name() {
        "nodes" => asks_only(&field, fields),
        "edges" => field
            .selection_set()
            .all(|edge| edge.name() != "node" || asks_only(&edge, fields)),
        _ => true,
    })
}

/// Whether `field` is asked for none of its fields but `fields` (and `__typename`), in
/// fragments too.
pub fn asks_only(field: &SelectionField<'_>, fields: &[&str]) -> bool {
    field
        .selection_set()
        .all(|asked| asked.name() == "__typename" || fields.contains(&asked.name()))
}

/// Largest page the complexity estimate assumes. `first`/`last` above the configured page
/// cap are served as the cap, so they must not cost more than it; the estimate uses the
/// default cap because complexity is computed before any configuration is at hand.
pub const COMPLEXITY_PAGE_CAP: usize = 100;

/// Query complexity of a connection field: the page actually served times the cost of
/// one item, plus one for the field itself.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let requested = first.or(last).map_or(DEFAULT_PAGE_SIZE as usize, |n| {
        usize::try_from(n).unwrap_or(0)
    });
    requested
        .min(COMPLEXITY_PAGE_CAP)
        .saturating_mul(child_complexity)
        .saturating_add(1)
}

/// Where a page sits in its list.
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    /// Whether items follow this page (ask with `after: endCursor`).
    pub has_next_page: bool,
    /// Whether items precede this page (ask with `before: startCursor`).
    pub has_previous_page: bool,
    /// Cursor of the first item of this page.
    pub start_cursor: Option<String>,
    /// Cursor of the last item of this page.
    pub end_cursor: Option<String>,
}

/// A GraphQL connection type made by [`connection!`](crate::connection).
pub trait ConnectionType: Sized {
    /// The item type.
    type Node;

    /// Builds the connection from its edges (cursor and item), page info and total.
    fn assemble(edges: Vec<(String, Self::Node)>, page_info: PageInfo, total_count: u64) -> Self;
}

/// Declares the connection and edge types of a list of `$node` items, with descriptions,
/// e.g. `connection!(User, UserConnection, UserEdge);`.
#[macro_export]
macro_rules! connection {
    ($node:ident, $connection:ident, $edge:ident) => {
        #[doc = concat!("A page of `", stringify!($node), "` items with cursors to walk the list (a Relay connection).")]
        #[derive(Debug, Clone)]
        pub struct $connection {
            nodes: Vec<$node>,
            cursors: Vec<String>,
            page_info: $crate::graphql::connection::PageInfo,
            total_count: u64,
        }

        // The items are held once: a page of edges is put together only when asked for.
        #[doc = concat!("A page of `", stringify!($node), "` items with cursors to walk the list (a Relay connection).")]
        #[async_graphql::Object]
        impl $connection {
            /// The items of this page, each with its cursor.
            async fn edges(&self) -> Vec<$edge> {
                self.cursors
                    .iter()
                    .zip(&self.nodes)
                    .map(|(cursor, node)| $edge {
                        cursor: cursor.clone(),
                        node: node.clone(),
                    })
                    .collect()
            }

            /// The items of this page, without cursors.
            async fn nodes(&self) -> &[$node] {
                &self.nodes
            }

            /// Where this page sits in the whole list.
            async fn page_info(&self) -> &$crate::graphql::connection::PageInfo {
                &self.page_info
            }

            /// Number of items matching the filter, on all pages.
            async fn total_count(&self) -> u64 {
                self.total_count
            }
        }

        #[doc = concat!("One `", stringify!($node), "` of a connection, with its cursor.")]
        #[derive(Debug, Clone, async_graphql::SimpleObject)]
        pub struct $edge {
            /// Opaque cursor of this item, for `after` and `before`.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        impl $crate::graphql::connection::ConnectionType for $connection {
            type Node = $node;

            fn assemble(
                edges: Vec<(String, $node)>,
                page_info: $crate::graphql::connection::PageInfo,
                total_count: u64,
            ) -> Self {
                let (cursors, nodes) = edges.into_iter().unzip();
                Self {
                    nodes,
                    cursors,
                    page_info,
                    total_count,
                }
            }
        }
    };
}

impl<M> Page<M> {
    /// Converts to the GraphQL connection `C`.
    pub fn into_connection<C>(self) -> C
    where
        C: ConnectionType,
        C::Node: From<M>,
    {
        let page_info = PageInfo {
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            start_cursor: self.rows.first().map(|(cursor, _)| cursor.clone()),
            end_cursor: self.rows.last().map(|(cursor, _)| cursor.clone()),
        };
        let edges = self
            .rows
            .into_iter()
            .map(|(cursor, row)| (cursor, C::Node::from(row)))
            .collect();
        C::assemble(edges, page_info, self.total_count)
    }
}

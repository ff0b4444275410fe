//! The response cache: answers to anonymous reads of public data, served again to the next
//! anonymous request with the same document, operation name and variables.
//!
//! What may enter it is decided here, where every domain is known:
//! - the request carries no `Authorization` header (an anonymous viewer sees what every
//!   anonymous viewer sees: the answer does not depend on who asks);
//! - it is a query whose root fields are all [`PUBLIC_READS`] — catalogue reads that take
//!   no secret (never a manage token or an inquiry's reference and token), written out
//!   directly (a fragment at the root is not looked into);
//! - it answered without any error (a field refused to an anonymous viewer never enters).
//!
//! An entry lives at most [`TTL`] and every entry goes stale when this replica runs a
//! mutation or hears any event on the bus (from any replica), so a change is seen by the
//! next read after the mutation answers, and within the second on other replicas. A request
//! with `Cache-Control: no-cache` is answered afresh (and its answer stored).

use std::{
    hash::{DefaultHasher, Hash, Hasher},
    sync::Arc,
    time::Duration,
};

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection};
use axum::{
    body::Bytes,
    http::{HeaderMap, header},
};

use crate::cache::{Generational, Weight};

/// Longest an answer is served from the cache.
pub const TTL: Duration = Duration::from_secs(1);
/// Most answers kept.
const ITEMS: usize = 4_096;
/// Most bytes of answers kept.
const BYTES: u64 = 32 * 1024 * 1024;

/// Root fields whose anonymous answers are the same for every anonymous viewer and take no
/// secret: the public catalogue of every domain.
pub const PUBLIC_READS: &[&str] = &[
    "__typename",
    "node",
    "nodes",
    "municipality",
    "municipalities",
    "programs",
    "programSessions",
    "articles",
    "article",
    "childcareResources",
    "localIssues",
    "partnerProjects",
    "search",
    "suggest",
];

/// What identifies a request: its operation name, document and variables.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Identity {
    operation_name: Option<String>,
    query: String,
    variables: String,
}

/// A cached answer: the identity it answers (checked on every hit, so a hash collision
/// can never serve another request's answer) and the response body.
#[derive(Clone)]
pub struct Answer {
    identity: Arc<Identity>,
    /// The JSON body.
    pub body: Bytes,
}

impl Weight for Answer {
    fn weight(&self) -> u64 {
        (self.body.len() + self.identity.query.len() + self.identity.variables.len()) as u64
    }
}

/// The key of one request in the cache.
pub struct Key {
    hash: u64,
    identity: Arc<Identity>,
}

/// The cache of one replica.
pub struct ResponseCache {
    answers: Generational<u64, Answer>,
}

impl Default for ResponseCache {
    fn default() -> Self {
        Self {
            answers: Generational::new(ITEMS, BYTES, TTL),
        }
    }
}

impl ResponseCache {
    /// The key of `request` if its headers allow it to be answered from (or stored in) the
    /// cache: anonymous. `None` otherwise.
    pub fn key(headers: &HeaderMap, request: &async_graphql::Request) -> Option<Key> {
        if headers.contains_key(header::AUTHORIZATION) {
            return None;
        }
        let identity = Identity {
            operation_name: request.operation_name.clone(),
            query: request.query.clone(),
            variables: serde_json::to_string(&request.variables).ok()?,
        };
        let mut hasher = DefaultHasher::new();
        identity.hash(&mut hasher);
        Some(Key {
            hash: hasher.finish(),
            identity: Arc::new(identity),
        })
    }

    /// Whether the client asked not to be served from a cache.
    pub fn refused_by(headers: &HeaderMap) -> bool {
        headers
            .get_all(header::CACHE_CONTROL)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|directive| {
                let directive = directive.trim();
                directive.eq_ignore_ascii_case("no-cache")
                    || directive.eq_ignore_ascii_case("no-store")
            })
    }

    /// The current generation, read before executing a request whose answer may be stored.
    pub fn generation(&self) -> u64 {
        self.answers.generation()
    }

    /// The stored answer of `key`.
    pub fn get(&self, key: &Key) -> Option<Bytes> {
        let answer = self.answers.get(&key.hash)?;
        (answer.identity == key.identity).then_some(answer.body)
    }

    /// Stores the answer of `key` computed at `generation`.
    pub fn insert(&self, generation: u64, key: Key, body: Bytes) {
        self.answers.insert(
            generation,
            key.hash,
            Answer {
                identity: key.identity,
                body,
            },
        );
    }

    /// Makes every answer stale.
    pub fn invalidate_all(&self) {
        self.answers.invalidate_all();
    }
}

/// Whether the operation `operation_name` of `document` may be stored: a query whose root
/// selections are all fields named in [`PUBLIC_READS`].
pub fn is_public_read(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let operation = document
        .operations
        .iter()
        .find(|(name, _)| match (operation_name, name) {
            (Some(wanted), Some(name)) => wanted == name.as_str(),
            (None, _) => true,
            (Some(_), None) => false,
        })
        .map(|(_, operation)| operation);
    let Some(operation) = operation else {
        return false;
    };
    operation.node.ty == OperationType::Query
        && operation
            .node
            .selection_set
            .node
            .items
            .iter()
            .all(|selection| match &selection.node {
                Selection::Field(field) => PUBLIC_READS.contains(&field.node.name.node.as_str()),
                Selection::FragmentSpread(_) | Selection::InlineFragment(_) => false,
            })
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn public(query: &str, operation: Option<&str>) -> bool {
        is_public_read(&parse_query(query).expect("a valid document"), operation)
    }

    #[test]
    fn catalogue_queries_are_public_reads() {
        assert!(public("{ programs(first: 5) { nodes { id } } }", None));
        assert!(public(
            "query A { articles { nodes { id } } } mutation B { logOut { ok } }",
            Some("A")
        ));
    }

    #[test]
    fn secrets_mutations_and_fragments_are_not() {
        assert!(!public("{ programs { nodes { id } } me { id } }", None));
        assert!(!public(
            "{ registrationByManageToken(manageToken: \"x\") { id } }",
            None
        ));
        assert!(!public("mutation { logOut { ok } }", None));
        assert!(!public(
            "{ ...F } fragment F on Query { programs { totalCount } }",
            None
        ));
        assert!(!public(
            "query A { articles { nodes { id } } } mutation B { logOut { ok } }",
            Some("B")
        ));
    }

    #[test]
    fn a_signed_in_request_has_no_key() {
        let request = async_graphql::Request::new("{ programs { totalCount } }");
        let mut headers = HeaderMap::new();
        assert!(ResponseCache::key(&headers, &request).is_some());
        headers.insert(header::AUTHORIZATION, "Bearer x".parse().expect("a header"));
        assert!(ResponseCache::key(&headers, &request).is_none());
    }

    #[test]
    fn an_answer_is_served_to_the_same_request_only() {
        let cache = ResponseCache::default();
        let headers = HeaderMap::new();
        let one = async_graphql::Request::new("{ programs { totalCount } }");
        let other = async_graphql::Request::new("{ articles { totalCount } }");
        let key = ResponseCache::key(&headers, &one).expect("anonymous");
        cache.insert(cache.generation(), key, Bytes::from_static(b"{}"));
        let again = ResponseCache::key(&headers, &one).expect("anonymous");
        let different = ResponseCache::key(&headers, &other).expect("anonymous");
        assert_eq!(cache.get(&again), Some(Bytes::from_static(b"{}")));
        assert_eq!(cache.get(&different), None);
        cache.invalidate_all();
        assert_eq!(cache.get(&again), None);
    }
}

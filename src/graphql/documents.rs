//! Parsed GraphQL documents by their text. Clients send the same few documents over and
//! over (every screen is one query with variables), and parsing one costs more than the
//! rest of a small request; a document parsed lately is copied from here instead.

use async_graphql::{Request, ServerError, parser::types::ExecutableDocument};
use quick_cache::{Weighter, sync::Cache};

/// Documents longer than this are parsed every time: they are rare, and one would take the
/// room of many common ones.
const MAX_CACHED_BYTES: usize = 16 * 1024;
/// Room for parsed documents, counted as [`WEIGHT_PER_BYTE`] per byte of their text.
const CAPACITY: u64 = 8 * 1024 * 1024;
/// About how many bytes a parsed document takes in memory per byte of its text.
const WEIGHT_PER_BYTE: u64 = 8;
/// About how many documents fit (an estimate for the cache's bookkeeping, not a bound).
const ITEMS: usize = 2_000;

#[derive(Clone)]
struct ByLength;

impl Weighter<String, ExecutableDocument> for ByLength {
    fn weight(&self, text: &String, _: &ExecutableDocument) -> u64 {
        (text.len() as u64).saturating_mul(WEIGHT_PER_BYTE).max(1)
    }
}

/// A bounded cache of parsed documents, keyed by their exact text. Only documents that
/// parse are kept, so a syntax error is reported from a fresh parse every time.
pub struct DocumentCache {
    documents: Cache<String, ExecutableDocument, ByLength>,
}

impl Default for DocumentCache {
    fn default() -> Self {
        Self {
            documents: Cache::with_weighter(ITEMS, CAPACITY, ByLength),
        }
    }
}

impl DocumentCache {
    /// The parsed document of `request`, kept in it (so the engine does not parse it
    /// again): a copy of the cached one when its text was parsed lately, else parsed now.
    pub fn parse<'r>(
        &self,
        request: &'r mut Request,
    ) -> Result<&'r ExecutableDocument, ServerError> {
        let cacheable = request.query.len() <= MAX_CACHED_BYTES;
        if cacheable && let Some(document) = self.documents.get(request.query.as_str()) {
            request.set_parsed_query(document);
        } else if cacheable {
            let document = request.parsed_query()?.clone();
            self.documents.insert(request.query.clone(), document);
        }
        request.parsed_query()
    }

    /// How many documents are kept.
    pub fn len(&self) -> usize {
        self.documents.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_document_is_parsed_once_and_answers_alike() {
        let cache = DocumentCache::default();
        let text = "query Q($id: ID!) { node(id: $id) { id } }";
        let mut first = Request::new(text);
        let parsed = format!("{:?}", cache.parse(&mut first).expect("parses"));
        assert_eq!(cache.len(), 1);
        let mut second = Request::new(text);
        let copied = format!("{:?}", cache.parse(&mut second).expect("parses"));
        assert_eq!(parsed, copied);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_syntax_error_is_reported_every_time_and_not_kept() {
        let cache = DocumentCache::default();
        for _ in 0..2 {
            let mut request = Request::new("{ me { id ");
            assert!(cache.parse(&mut request).is_err());
        }
        assert!(cache.is_empty());
    }

    #[test]
    fn a_long_document_is_parsed_but_not_kept() {
        let cache = DocumentCache::default();
        let long = format!("{{ __typename {} }}", "__typename ".repeat(2_000));
        let mut request = Request::new(long);
        assert!(cache.parse(&mut request).is_ok());
        assert!(cache.is_empty());
    }
}

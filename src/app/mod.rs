//! The one floor that knows every domain: the schema assembled from their parts, global
//! ids resolved to any domain's object, search across their documents, the HTTP router and
//! handlers, the background jobs, and the demo. Nothing below imports from here.

pub mod demo;
pub mod documents;
pub mod handler;
pub mod jobs;
pub mod node;
pub mod responses;
pub mod router;
pub mod schema;
pub mod search;
pub mod ws;

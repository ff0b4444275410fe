//! Depth, complexity and alias limits, refused with a clear `extensions.code`.

use std::sync::Arc;

use async_graphql::{
    ErrorExtensionValues, ServerError, ServerResult, ValidationResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation},
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

use crate::config::Limits;

/// Installs the limits on a schema.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    max_depth: usize,
    max_complexity: usize,
    max_aliases: usize,
}

impl From<&Limits> for QueryLimits {
    fn from(limits: &Limits) -> Self {
        Self {
            max_depth: limits.max_depth,
            max_complexity: limits.max_complexity,
            max_aliases: limits.max_aliases,
        }
    }
}

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

/// A request error with an `extensions.code`.
pub fn coded_error(code: &str, message: impl Into<String>) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

#[async_trait::async_trait]
impl Extension for QueryLimits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let aliases = count_aliases(&document);
        if aliases > self.max_aliases {
            return Err(coded_error(
                "TOO_MANY_ALIASES",
                format!(
                    "The query uses {aliases} aliases; at most {} are allowed.",
                    self.max_aliases
                ),
            ));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if result.depth > self.max_depth {
            return Err(vec![coded_error(
                "QUERY_TOO_DEEP",
                format!(
                    "The query is nested {} levels deep; at most {} are allowed.",
                    result.depth, self.max_depth
                ),
            )]);
        }
        if result.complexity > self.max_complexity {
            return Err(vec![coded_error(
                "QUERY_TOO_COMPLEX",
                format!(
                    "The query has complexity {}; at most {} is allowed. Ask for fewer fields or smaller pages.",
                    result.complexity, self.max_complexity
                ),
            )]);
        }
        Ok(result)
    }
}

fn count_aliases(document: &ExecutableDocument) -> usize {
    let operations = document
        .operations
        .iter()
        .map(|(_, operation)| count_in(&operation.node.selection_set.node));
    let fragments = document
        .fragments
        .values()
        .map(|fragment| count_in(&fragment.node.selection_set.node));
    operations.chain(fragments).sum()
}

fn count_in(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + count_in(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => count_in(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

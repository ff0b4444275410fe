//! Limits on what one request may ask for, refused with a clear `extensions.code` before
//! any work that grows with the document: aliases, selections after fragment expansion,
//! depth, complexity, root fields of a subscription, control characters in text, and the
//! number of errors one response carries.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use async_graphql::{
    ErrorExtensionValues, Name, Response, ServerError, ServerResult, ValidationResult, Value,
    Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
    },
    parser::Positioned,
    parser::types::{Directive, ExecutableDocument, OperationType, Selection, SelectionSet},
};

use crate::config::Limits;

/// Fragments spreading fragments deeper than this are refused (the chain could otherwise
/// exhaust the stack of the counting below).
const MAX_FRAGMENT_NESTING: usize = 64;
/// Documents selecting more fields than this (fragments written out) are validated off the
/// worker thread; smaller ones validate in microseconds, cheaper than the hand-off.
const VALIDATE_INLINE_UP_TO: usize = 200;

/// Installs the limits on a schema.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    max_depth: usize,
    max_complexity: usize,
    max_aliases: usize,
    max_selections: usize,
    max_errors: usize,
}

impl From<&Limits> for QueryLimits {
    fn from(limits: &Limits) -> Self {
        Self {
            max_depth: limits.max_depth,
            max_complexity: limits.max_complexity,
            max_aliases: limits.max_aliases,
            max_selections: limits.max_selections,
            max_errors: limits.max_errors,
        }
    }
}

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestLimits {
            limits: *self,
            selections: AtomicUsize::new(0),
        })
    }
}

/// The limits applied to one request, with what its parsed document was found to hold.
struct RequestLimits {
    limits: QueryLimits,
    /// Fields the document selects once its fragments are written out.
    selections: AtomicUsize,
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
impl Extension for RequestLimits {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        cap_errors(&mut response.errors, self.limits.max_errors);
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let aliases = count_aliases(&document);
        if aliases > self.limits.max_aliases {
            return Err(coded_error(
                "TOO_MANY_ALIASES",
                format!(
                    "The query uses {aliases} aliases; at most {} are allowed.",
                    self.limits.max_aliases
                ),
            ));
        }
        // Validation walks every fragment spread as if it were written out, so a small
        // document spreading a large fragment many times is refused here, before that walk.
        let selections = count_selections(&document);
        self.selections.store(selections, Ordering::Relaxed);
        if selections > self.limits.max_selections {
            return Err(coded_error(
                "TOO_MANY_SELECTIONS",
                format!(
                    "The query selects more than {} fields once its fragments are written out; ask for fewer.",
                    self.limits.max_selections
                ),
            ));
        }
        if let Some(fields) = subscription_root_fields(&document) {
            return Err(coded_error(
                "GRAPHQL_VALIDATION_FAILED",
                format!(
                    "A subscription must select exactly one root field; this one selects {fields}."
                ),
            ));
        }
        if let Some(found) = control_character_in(&document, variables) {
            return Err(coded_error(
                "BAD_USER_INPUT",
                format!(
                    "Text may not contain control characters other than tab and line breaks; found U+{:04X}.",
                    u32::from(found)
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
        // Validation is CPU work that grows with the document: a large one, on a
        // multi-threaded runtime, gives up its worker so other requests (and this one's
        // timeout) keep running.
        let large = self.selections.load(Ordering::Relaxed) > VALIDATE_INLINE_UP_TO;
        let multi_threaded = tokio::runtime::Handle::try_current().is_ok_and(|handle| {
            handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
        });
        let result = if large && multi_threaded {
            tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(next.run(ctx))
            })
        } else {
            next.run(ctx).await
        };
        let result = result?;
        if result.depth > self.limits.max_depth {
            return Err(vec![coded_error(
                "QUERY_TOO_DEEP",
                format!(
                    "The query is nested {} levels deep; at most {} are allowed.",
                    result.depth, self.limits.max_depth
                ),
            )]);
        }
        if result.complexity > self.limits.max_complexity {
            return Err(vec![coded_error(
                "QUERY_TOO_COMPLEX",
                format!(
                    "The query has complexity {}; at most {} is allowed. Ask for fewer fields or smaller pages.",
                    result.complexity, self.limits.max_complexity
                ),
            )]);
        }
        Ok(result)
    }
}

/// Keeps the first `max` errors and says how many more there were, so a response never
/// grows far beyond its request.
fn cap_errors(errors: &mut Vec<ServerError>, max: usize) {
    if errors.len() <= max {
        return;
    }
    let omitted = errors.len() - max;
    errors.truncate(max);
    errors.push(coded_error(
        "TOO_MANY_ERRORS",
        format!("{omitted} more errors were left out of this response."),
    ));
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

/// Selections of every operation with each fragment spread counted as the fragment's own
/// selections (`__typename` included), in time linear in the document.
fn count_selections(document: &ExecutableDocument) -> usize {
    let mut counter = SelectionCounter {
        document,
        sizes: HashMap::new(),
        visiting: HashSet::new(),
    };
    document
        .operations
        .iter()
        .fold(0usize, |total, (_, operation)| {
            total.saturating_add(counter.set(&operation.node.selection_set.node, 0))
        })
}

struct SelectionCounter<'a> {
    document: &'a ExecutableDocument,
    sizes: HashMap<Name, usize>,
    visiting: HashSet<Name>,
}

impl SelectionCounter<'_> {
    fn set(&mut self, set: &SelectionSet, nesting: usize) -> usize {
        set.items.iter().fold(0usize, |total, selection| {
            let size = match &selection.node {
                Selection::Field(field) => {
                    1usize.saturating_add(self.set(&field.node.selection_set.node, nesting))
                }
                Selection::InlineFragment(fragment) => {
                    1usize.saturating_add(self.set(&fragment.node.selection_set.node, nesting))
                }
                Selection::FragmentSpread(spread) => 1usize
                    .saturating_add(self.fragment(&spread.node.fragment_name.node, nesting + 1)),
            };
            total.saturating_add(size)
        })
    }

    fn fragment(&mut self, name: &Name, nesting: usize) -> usize {
        if let Some(size) = self.sizes.get(name) {
            return *size;
        }
        if nesting > MAX_FRAGMENT_NESTING {
            return usize::MAX;
        }
        // A cycle is refused by validation; here it only must not loop.
        if !self.visiting.insert(name.clone()) {
            return 0;
        }
        let document = self.document;
        let size = document.fragments.get(name).map_or(0, |fragment| {
            self.set(&fragment.node.selection_set.node, nesting)
        });
        self.visiting.remove(name);
        self.sizes.insert(name.clone(), size);
        size
    }
}

/// How many root fields a subscription of the document selects, when that is not exactly
/// one (the specification allows one event stream per subscription).
fn subscription_root_fields(document: &ExecutableDocument) -> Option<usize> {
    document
        .operations
        .iter()
        .filter(|(_, operation)| operation.node.ty == OperationType::Subscription)
        .map(|(_, operation)| {
            root_fields(
                document,
                &operation.node.selection_set.node,
                &mut HashSet::new(),
            )
        })
        .find(|fields| *fields != 1)
}

fn root_fields(
    document: &ExecutableDocument,
    set: &SelectionSet,
    seen: &mut HashSet<Name>,
) -> usize {
    let mut keys = 0usize;
    let mut names: HashSet<&str> = HashSet::new();
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                // The same field selected twice under one key is still one stream.
                if names.insert(field.node.response_key().node.as_str()) {
                    keys += 1;
                }
            }
            Selection::InlineFragment(fragment) => {
                keys += root_fields(document, &fragment.node.selection_set.node, seen);
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                if seen.insert(name.clone())
                    && let Some(fragment) = document.fragments.get(name)
                {
                    keys += root_fields(document, &fragment.node.selection_set.node, seen);
                }
            }
        }
    }
    keys
}

/// The first control character (other than tab, line feed and carriage return) in any
/// string the request carries: literal arguments, directive arguments, variable defaults
/// and variable values.
fn control_character_in(document: &ExecutableDocument, variables: &Variables) -> Option<char> {
    if let Some(found) = variables
        .iter()
        .find_map(|(_, value)| control_in_value(value))
    {
        return Some(found);
    }
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        for definition in &operation.variable_definitions {
            if let Some(found) = definition
                .node
                .default_value
                .as_ref()
                .and_then(|value| control_in_value(&value.node))
            {
                return Some(found);
            }
        }
        if let Some(found) = control_in_directives(&operation.directives)
            .or_else(|| control_in_set(&operation.selection_set.node))
        {
            return Some(found);
        }
    }
    document.fragments.values().find_map(|fragment| {
        control_in_directives(&fragment.node.directives)
            .or_else(|| control_in_set(&fragment.node.selection_set.node))
    })
}

fn control_in_set(set: &SelectionSet) -> Option<char> {
    set.items
        .iter()
        .find_map(|selection| match &selection.node {
            Selection::Field(field) => field
                .node
                .arguments
                .iter()
                .find_map(|(_, value)| control_in_literal(&value.node))
                .or_else(|| control_in_directives(&field.node.directives))
                .or_else(|| control_in_set(&field.node.selection_set.node)),
            Selection::InlineFragment(fragment) => control_in_directives(&fragment.node.directives)
                .or_else(|| control_in_set(&fragment.node.selection_set.node)),
            Selection::FragmentSpread(spread) => control_in_directives(&spread.node.directives),
        })
}

fn control_in_directives(directives: &[Positioned<Directive>]) -> Option<char> {
    directives.iter().find_map(|directive| {
        directive
            .node
            .arguments
            .iter()
            .find_map(|(_, value)| control_in_literal(&value.node))
    })
}

fn control_in_literal(value: &async_graphql_value::Value) -> Option<char> {
    use async_graphql_value::Value as Literal;
    match value {
        Literal::String(text) => text.chars().find(|c| is_refused_control(*c)),
        Literal::List(items) => items.iter().find_map(control_in_literal),
        Literal::Object(fields) => fields.values().find_map(control_in_literal),
        _ => None,
    }
}

fn control_in_value(value: &Value) -> Option<char> {
    match value {
        Value::String(text) => text.chars().find(|c| is_refused_control(*c)),
        Value::List(items) => items.iter().find_map(control_in_value),
        Value::Object(fields) => fields.values().find_map(control_in_value),
        _ => None,
    }
}

fn is_refused_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

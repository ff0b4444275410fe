//! Limits on what one request may ask for, refused with a clear `extensions.code` before
//! any work that grows with the document: aliases, selections after fragment expansion,
//! depth, complexity, root fields of a subscription, control characters in text, and the
//! number of errors one response carries.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use async_graphql::{
    Data, ErrorExtensionValues, Executor, Name, Request, Response, ServerError, Value, Variables,
    parser::Positioned,
    parser::types::{Directive, ExecutableDocument, OperationType, Selection, SelectionSet},
};
use futures_util::{StreamExt, stream::BoxStream};

use crate::config::Limits;

/// Fragments spreading fragments deeper than this are refused (the chain could otherwise
/// exhaust the stack of the counting below).
const MAX_FRAGMENT_NESTING: usize = 64;
/// Documents selecting more fields than this (fragments written out) are validated off the
/// worker thread; smaller ones validate in microseconds, cheaper than the hand-off.
const VALIDATE_INLINE_UP_TO: usize = 200;

/// What one request may ask for. The engine checks depth and complexity while it validates
/// ([`Self::install`]); the rest is checked on the parsed document before it runs
/// ([`Self::check`]), by the transports, so no extension wraps every field's resolver.
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

/// Documents nested deeper than this are left to the engine, which refuses them before it
/// walks them; the checks here stop descending there too.
const MAX_NESTING: usize = 64;

impl QueryLimits {
    /// The schema builder with the limits the engine checks while validating (depth and
    /// complexity); [`Self::finish`] gives its refusals their codes.
    pub fn install<Q, M, S>(
        &self,
        builder: async_graphql::SchemaBuilder<Q, M, S>,
    ) -> async_graphql::SchemaBuilder<Q, M, S> {
        builder
            .limit_depth(self.max_depth)
            .limit_complexity(self.max_complexity)
            .limit_recursive_depth(MAX_NESTING)
    }

    /// Parses the request (the document is kept in it, so it is not parsed again) and refuses
    /// it if it asks for too much. Answers the selections the document makes once its
    /// fragments are written out.
    pub fn check_request(&self, request: &mut Request) -> Result<usize, ServerError> {
        let variables = std::mem::take(&mut request.variables);
        let checked = request
            .parsed_query()
            .and_then(|document| self.check(document, &variables));
        request.variables = variables;
        checked
    }

    /// Refuses a parsed document that uses too many aliases, selects too many fields once its
    /// fragments are written out, subscribes to more than one root field, or carries control
    /// characters in its text (literals or variables). Answers the selections it makes.
    ///
    /// A document nested deeper than the engine allows is passed on untouched: the engine
    /// refuses it before anything walks it.
    pub fn check(
        &self,
        document: &ExecutableDocument,
        variables: &Variables,
    ) -> Result<usize, ServerError> {
        if too_deep(document) {
            return Ok(0);
        }
        let aliases = count_aliases(document);
        if aliases > self.max_aliases {
            return Err(coded_error(
                "TOO_MANY_ALIASES",
                format!(
                    "The query uses {aliases} aliases; at most {} are allowed.",
                    self.max_aliases
                ),
            ));
        }
        // Validation walks every fragment spread as if it were written out, so a small
        // document spreading a large fragment many times is refused here, before that walk.
        let selections = count_selections(document);
        if selections > self.max_selections {
            return Err(coded_error(
                "TOO_MANY_SELECTIONS",
                format!(
                    "The query selects more than {} fields once its fragments are written out; ask for fewer.",
                    self.max_selections
                ),
            ));
        }
        if let Some(fields) = subscription_root_fields(document) {
            return Err(coded_error(
                "GRAPHQL_VALIDATION_FAILED",
                format!(
                    "A subscription must select exactly one root field; this one selects {fields}."
                ),
            ));
        }
        if let Some(found) = control_character_in(document, variables) {
            return Err(coded_error(
                "BAD_USER_INPUT",
                format!(
                    "Text may not contain control characters other than tab and line breaks; found U+{:04X}.",
                    u32::from(found)
                ),
            ));
        }
        Ok(selections)
    }

    /// Whether validating a document of `selections` fields is worth moving off the worker
    /// thread: smaller ones validate in microseconds, cheaper than the hand-off.
    pub fn validates_off_thread(selections: usize) -> bool {
        selections > VALIDATE_INLINE_UP_TO
    }

    /// Finishes an answer: the engine's depth and complexity refusals get their codes and
    /// say the limit, and at most `max_errors` errors are kept.
    pub fn finish(&self, response: &mut Response) {
        for error in &mut response.errors {
            let (code, message) = match error.message.as_str() {
                "Query is nested too deep." => (
                    "QUERY_TOO_DEEP",
                    format!(
                        "The query is nested more than {} levels deep; ask for less nesting.",
                        self.max_depth
                    ),
                ),
                "Query is too complex." => (
                    "QUERY_TOO_COMPLEX",
                    format!(
                        "The query's complexity is over {}, the most allowed. Ask for fewer fields or smaller pages.",
                        self.max_complexity
                    ),
                ),
                _ => continue,
            };
            *error = coded_error(code, message);
        }
        cap_errors(&mut response.errors, self.max_errors);
    }
}

/// An executor that applies the limits to every request before the schema runs it. The
/// WebSocket transport runs its operations through it; the HTTP handler checks the document
/// it parses anyway.
#[derive(Clone)]
pub struct Limited<E> {
    executor: E,
    limits: QueryLimits,
}

impl<E> Limited<E> {
    /// `executor` with `limits` applied.
    pub fn new(executor: E, limits: QueryLimits) -> Self {
        Self { executor, limits }
    }
}

impl<E: Executor> Executor for Limited<E> {
    async fn execute(&self, mut request: Request) -> Response {
        if let Err(error) = self.limits.check_request(&mut request) {
            return Response::from_errors(vec![error]);
        }
        let mut response = self.executor.execute(request).await;
        self.limits.finish(&mut response);
        response
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        if let Err(error) = self.limits.check_request(&mut request) {
            return futures_util::stream::once(async move { Response::from_errors(vec![error]) })
                .boxed();
        }
        let limits = self.limits;
        self.executor
            .execute_stream(request, session_data)
            .map(move |mut response| {
                limits.finish(&mut response);
                response
            })
            .boxed()
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

/// Whether any selection set of the document is nested deeper than [`MAX_NESTING`].
fn too_deep(document: &ExecutableDocument) -> bool {
    fn deeper(set: &SelectionSet, depth: usize) -> bool {
        if depth > MAX_NESTING {
            return true;
        }
        set.items.iter().any(|selection| match &selection.node {
            Selection::Field(field) => deeper(&field.node.selection_set.node, depth + 1),
            Selection::InlineFragment(fragment) => {
                deeper(&fragment.node.selection_set.node, depth + 1)
            }
            Selection::FragmentSpread(_) => false,
        })
    }
    document
        .operations
        .iter()
        .any(|(_, operation)| deeper(&operation.node.selection_set.node, 0))
        || document
            .fragments
            .values()
            .any(|fragment| deeper(&fragment.node.selection_set.node, 0))
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

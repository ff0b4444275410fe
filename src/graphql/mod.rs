//! The GraphQL kit every domain builds its part of the schema with: the request context,
//! opaque ids, Relay connections, mutation payloads, guards, enum mirroring, query limits,
//! persisted queries, parsed documents and the `Date` scalar. It imports no domain; the
//! schema itself is assembled in `app`.

pub mod apq;
pub mod connection;
pub mod documents;
pub mod guard;
pub mod ids;
pub mod limits;
pub mod payload;
pub mod scalars;

use async_graphql::{Context, ErrorExtensions};

use crate::{auth::Viewer, error::AppError, state::AppState};

/// Mirrors a database enum as a GraphQL enum with the same variants, both ways. Either for
/// an enum declared beside it, `enum_mirror!(GraphqlEnum, entity::module::DatabaseEnum,
/// [A, B, C]);`, or declaring it, with its documentation:
/// `enum_mirror! { /// Doc. GraphqlEnum = entity::module::DatabaseEnum { /// Doc. A, B } }`.
#[macro_export]
macro_rules! enum_mirror {
    ($(#[$meta:meta])* $graphql:ident = $database:path {
        $($(#[$variant_meta:meta])* $variant:ident),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
        pub enum $graphql {
            $($(#[$variant_meta])* $variant),+
        }

        $crate::enum_mirror!($graphql, $database, [$($variant),+]);
    };
    ($graphql:ident, $database:path, [$($variant:ident),* $(,)?]) => {
        impl From<$database> for $graphql {
            fn from(value: $database) -> Self {
                use $database as D;
                match value {
                    $(D::$variant => Self::$variant,)*
                }
            }
        }

        impl From<$graphql> for $database {
            fn from(value: $graphql) -> Self {
                match value {
                    $($graphql::$variant => Self::$variant,)*
                }
            }
        }
    };
}

/// The values of an optional list filter, converted to the service's type; none given is
/// an empty list.
pub fn converted<T: Into<U>, U>(values: Option<Vec<T>>) -> Vec<U> {
    values
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect()
}

/// The values of a list filter given under its name and under its deprecated former name
/// (a singular, say `kind` for `kinds`): either may be used, and both add up.
pub fn with_former<T>(mut values: Vec<T>, former: Vec<T>) -> Vec<T> {
    values.extend(former);
    values
}

/// [`with_former`] for an optional list filter: none given under either name is none.
pub fn with_former_optional<T>(values: Option<Vec<T>>, former: Option<Vec<T>>) -> Option<Vec<T>> {
    match (values, former) {
        (None, None) => None,
        (values, former) => Some(with_former(
            values.unwrap_or_default(),
            former.unwrap_or_default(),
        )),
    }
}

/// The parent row of a link its foreign key guarantees (a session's program, say): its
/// absence is a server fault, answered `INTERNAL`, never a null the schema does not allow.
pub fn present<T>(parent: Option<T>, link: &str) -> async_graphql::Result<T> {
    parent.ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("{link}: the parent row is missing")).extend()
    })
}

/// The application state and the viewer of a request: what every resolver starts with.
pub fn context<'a>(ctx: &Context<'a>) -> async_graphql::Result<(&'a AppState, &'a Viewer)> {
    let missing =
        |what: &str| AppError::internal(anyhow::anyhow!("request without {what}")).extend();
    let state = ctx.data::<AppState>().map_err(|_| missing("state"))?;
    let viewer = ctx.data::<Viewer>().map_err(|_| missing("viewer"))?;
    Ok((state, viewer))
}

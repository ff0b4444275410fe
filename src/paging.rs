//! Cursor pagination over sea-orm selects, keyed on a sort column plus the primary key so
//! pages stay stable while rows are added. Knows nothing of GraphQL: the connection types
//! that carry a [`Page`] to clients are in `graphql::connection`.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait, Select,
    sea_query::{Expr, SelectStatement},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Page size when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// The standard connection arguments.
#[derive(Debug, Clone)]
pub struct PageArgs {
    /// Items after `after`, at most this many.
    pub first: Option<i32>,
    /// Opaque cursor of the item to start after.
    pub after: Option<String>,
    /// Items before `before`, at most this many.
    pub last: Option<i32>,
    /// Opaque cursor of the item to end before.
    pub before: Option<String>,
    /// Whether to count the rows on all pages (`Page::total_count` is 0 when not).
    pub count_total: bool,
}

impl PageArgs {
    /// Collects the four arguments.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
            count_total: true,
        }
    }
}

/// The value of the sort column of one row, as kept in a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortValue {
    /// A text column.
    Text(String),
    /// An integer column.
    Int(i64),
    /// A timestamp column. Kept as `{"time": …}` so that it is not read back as text.
    Time(#[serde(with = "time_key")] DateTime<Utc>),
    /// A date column. Kept as `{"date": …}` so that it is bound as a date, not as text.
    Date(#[serde(with = "date_key")] chrono::NaiveDate),
}

/// A date in a cursor, tagged like [`time_key`].
mod date_key {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct DateKey {
        date: NaiveDate,
    }

    pub fn serialize<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
        DateKey { date: *date }.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
        DateKey::deserialize(deserializer).map(|key| key.date)
    }
}

/// A timestamp in a cursor, tagged: untagged, its RFC 3339 string would be read back as
/// `Text` and compared as text with the stored value.
mod time_key {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct TimeKey {
        time: DateTime<Utc>,
    }

    pub fn serialize<S: Serializer>(
        time: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        TimeKey { time: *time }.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        TimeKey::deserialize(deserializer).map(|key| key.time)
    }
}

impl From<SortValue> for sea_orm::Value {
    fn from(value: SortValue) -> Self {
        match value {
            SortValue::Text(text) => text.into(),
            SortValue::Int(int) => int.into(),
            SortValue::Time(time) => time.into(),
            SortValue::Date(date) => date.into(),
        }
    }
}

/// How a list is ordered: an optional sort column, then the primary key (UUID v7, so
/// creation order), in one direction. `M` is what is read of each row: the entity's model,
/// or fewer columns of it (a `DerivePartialModel` selected with `into_partial_model`'s
/// columns).
pub struct Ordering<E: EntityTrait, M = <E as EntityTrait>::Model> {
    /// The sort column, or `None` to order by primary key only.
    pub column: Option<E::Column>,
    /// The primary-key column.
    pub id: E::Column,
    /// Descending instead of ascending.
    pub descending: bool,
    /// Reads the sort value and primary key of a row.
    pub key: fn(&M) -> (Option<SortValue>, Uuid),
}

#[derive(Serialize, Deserialize)]
struct Cursor(Option<SortValue>, Uuid);

/// One page of rows.
pub struct Page<M> {
    /// The rows with their cursors, in list order.
    pub rows: Vec<(String, M)>,
    /// Whether rows exist before the first one.
    pub has_previous_page: bool,
    /// Whether rows exist after the last one.
    pub has_next_page: bool,
    /// Rows matching the filter on all pages; 0 when not counted (see
    /// [`PageArgs::count_total`]).
    pub total_count: u64,
}

/// Reads one page of `select` in `ordering`, honouring `first/after/last/before` and capping
/// the page at `max_page_size`.
/// The page's rows are read as `M`, from the columns `select` selects.
pub async fn paginate<E, M, C>(
    db: &C,
    select: Select<E>,
    ordering: &Ordering<E, M>,
    args: PageArgs,
    max_page_size: u32,
) -> AppResult<Page<M>>
where
    E: EntityTrait,
    E::Model: Sync,
    M: FromQueryResult + Send + Sync,
    C: ConnectionTrait,
{
    if args.first.is_some() && args.last.is_some() {
        return Err(AppError::BadUserInput(
            "give either `first` or `last`, not both".into(),
        ));
    }
    let requested = match (args.first, args.last) {
        (Some(n), _) | (_, Some(n)) => u32::try_from(n).map_err(|_| {
            AppError::BadUserInput("`first` and `last` must not be negative".into())
        })?,
        (None, None) => DEFAULT_PAGE_SIZE,
    };
    let limit = requested.min(max_page_size);
    let backwards = args.last.is_some();
    let after = args.after.as_deref().map(decode_cursor).transpose()?;
    let before = args.before.as_deref().map(decode_cursor).transpose()?;

    // The count of all pages rides on the page's own statement as a scalar subquery over
    // the filter without the cursor, which the database evaluates once.
    let unpaged = args.count_total.then(|| select.clone());
    let mut query = select;
    if let Some(cursor) = after {
        query = query.filter(beyond(ordering, cursor, !ordering.descending));
    }
    if let Some(cursor) = before {
        query = query.filter(beyond(ordering, cursor, ordering.descending));
    }
    // Walking backwards reads in reverse order, then flips the page.
    let descending = ordering.descending != backwards;
    let order = if descending { Order::Desc } else { Order::Asc };
    if let Some(column) = ordering.column {
        query = query.order_by(column, order.clone());
    }
    query = query
        .order_by(ordering.id, order)
        .limit(u64::from(limit) + 1);

    let (mut rows, total_count) = match unpaged {
        Some(unpaged) => {
            let rows = query
                .expr_as(count_of(unpaged.clone()), TOTAL_COUNT)
                .into_model::<Counted<M>>()
                .all(db)
                .await?;
            let total = rows.first().map(|row| row.total);
            let rows: Vec<M> = rows.into_iter().map(|row| row.row).collect();
            // An empty page says nothing of the other pages when a cursor moved it.
            let total = match total {
                Some(total) => total,
                None if args.after.is_some() || args.before.is_some() => unpaged.count(db).await?,
                None => 0,
            };
            (rows, total)
        }
        None => (query.into_model::<M>().all(db).await?, 0),
    };
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    if backwards {
        rows.reverse();
    }
    let rows = rows
        .into_iter()
        .map(|row| {
            let (value, id) = (ordering.key)(&row);
            (encode_cursor(&Cursor(value, id)), row)
        })
        .collect();
    let (has_previous_page, has_next_page) = if backwards {
        (has_more, args.before.is_some())
    } else {
        (args.after.is_some(), has_more)
    };
    Ok(Page {
        rows,
        has_previous_page,
        has_next_page,
        total_count,
    })
}

/// The alias of the count that [`count_of`] adds to a page's columns.
const TOTAL_COUNT: &str = "paging_total_count";

/// `(SELECT COUNT(*) FROM (select) AS counted)`: the rows of `select`, as one column.
fn count_of<E: EntityTrait>(select: Select<E>) -> Expr {
    let count = SelectStatement::new()
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(select.into_query().clear_order_by().to_owned(), "counted")
        .to_owned();
    Expr::SubQuery(None, Box::new(count.into()))
}

/// A row of a page with the count of all pages beside it.
struct Counted<M> {
    row: M,
    total: u64,
}

impl<M: FromQueryResult> FromQueryResult for Counted<M> {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        let total: i64 = row.try_get(prefix, TOTAL_COUNT)?;
        Ok(Self {
            row: M::from_query_result(row, prefix)?,
            total: u64::try_from(total).unwrap_or_default(),
        })
    }
}

/// Rows strictly after (`greater`) or before the cursor position.
fn beyond<E: EntityTrait, M>(
    ordering: &Ordering<E, M>,
    cursor: Cursor,
    greater: bool,
) -> Condition {
    let Cursor(value, id) = cursor;
    let past_id = if greater {
        ordering.id.gt(id)
    } else {
        ordering.id.lt(id)
    };
    match (ordering.column, value) {
        (Some(column), Some(value)) => {
            let value: sea_orm::Value = value.into();
            let past_value = if greater {
                column.gt(value.clone())
            } else {
                column.lt(value.clone())
            };
            Condition::any()
                .add(past_value)
                .add(Condition::all().add(column.eq(value)).add(past_id))
        }
        _ => Condition::all().add(past_id),
    }
}

fn encode_cursor(cursor: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).unwrap_or_default())
}

fn decode_cursor(text: &str) -> AppResult<Cursor> {
    URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| AppError::BadUserInput(format!("`{text}` is not a valid cursor")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_the_kind_of_value_they_were_made_of() {
        let time = Utc::now();
        for value in [
            SortValue::Time(time),
            SortValue::Text(time.to_rfc3339()),
            SortValue::Int(42),
            SortValue::Date(time.date_naive()),
        ] {
            let id = Uuid::now_v7();
            let cursor = encode_cursor(&Cursor(Some(value.clone()), id));
            let Cursor(decoded, decoded_id) = decode_cursor(&cursor)
                .ok()
                .unwrap_or(Cursor(None, Uuid::nil()));
            assert_eq!((decoded, decoded_id), (Some(value), id));
        }
    }
}

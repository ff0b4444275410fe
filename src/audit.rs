//! The personal-data access log every domain shares: who read which record's personal data,
//! what of it, and when.
//!
//! A domain calls [`record`] after it has decided that a viewer may read a record and
//! before it hands the data out; a list writes one `INSERT` with a row per record.
//! Administrators read the log with the `personalDataAccessLog` query.
//!
//! A subject's kind is stored as the snake-case name of its [`NodeKind`]
//! (`employment_enrollment` for `EmploymentEnrollment`), so the log can show the global id
//! of each subject.

use std::collections::HashMap;

use async_graphql::{
    ComplexObject, Context, ErrorExtensions, ID, InputObject, Object, Result, ResultExt,
    SimpleObject,
    dataloader::{DataLoader, Loader},
};
use chrono::{DateTime, Utc};
use entity::{personal_data_access_log as log, user};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::graphql::guard::RoleGuard;
use crate::paging::{Ordering, Page, PageArgs, SortValue, paginate};
use crate::{
    auth::{ADMINS, Viewer},
    connection,
    error::{AppError, AppResult},
    graphql::{
        connection::page_cost,
        context,
        ids::{self, NodeKind},
    },
};

/// One read of one record's personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Read {
    /// Municipality the record belongs to.
    pub municipality_id: Uuid,
    /// Kind of record read.
    pub subject_kind: NodeKind,
    /// Primary key of the record.
    pub subject_id: Uuid,
    /// What was read: a field group or an operation, e.g. `detail`, `list`.
    pub accessed: &'static str,
}

/// Writes one log row per read by `actor`, all in one statement. Nothing is written for an
/// empty list.
#[tracing::instrument(skip_all, fields(actor_id = %actor))]
pub async fn record(
    db: &impl ConnectionTrait,
    actor: Uuid,
    reads: impl IntoIterator<Item = Read>,
) -> AppResult<()> {
    let now = crate::db::now();
    let rows: Vec<log::ActiveModel> = reads
        .into_iter()
        .map(|read| log::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(read.municipality_id),
            actor_user_id: Set(actor),
            subject_kind: Set(subject_code(read.subject_kind)),
            subject_id: Set(read.subject_id),
            accessed: Set(read.accessed.to_owned()),
            accessed_at: Set(now),
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    log::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Which log rows to list.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Municipality; administrators of one municipality may omit it.
    pub municipality_id: Option<Uuid>,
    /// Only reads of this kind of record.
    pub subject_kind: Option<String>,
    /// Only reads of this record.
    pub subject_id: Option<Uuid>,
    /// Only reads by this user.
    pub actor_id: Option<Uuid>,
    /// Only reads at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only reads before this instant.
    pub to: Option<DateTime<Utc>>,
}

/// Reads of personal data in a municipality, newest first (its administrators only).
#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: LogFilter,
    page: PageArgs,
    max_page_size: u32,
) -> AppResult<Page<log::Model>> {
    use log::Column;
    let me = viewer.require_user()?;
    let municipality_id = filter
        .municipality_id
        .or(me.municipality_id)
        .ok_or_else(|| AppError::BadUserInput("give a municipalityId".into()))?;
    viewer.require_admin_of(municipality_id)?;
    let mut condition = Condition::all().add(Column::MunicipalityId.eq(municipality_id));
    if let Some(kind) = filter.subject_kind {
        condition = condition.add(Column::SubjectKind.eq(kind));
    }
    if let Some(id) = filter.subject_id {
        condition = condition.add(Column::SubjectId.eq(id));
    }
    if let Some(actor) = filter.actor_id {
        condition = condition.add(Column::ActorUserId.eq(actor));
    }
    if let Some(from) = filter.from {
        condition = condition.add(Column::AccessedAt.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(Column::AccessedAt.lt(to));
    }
    let ordering = Ordering::<log::Entity> {
        column: Some(Column::AccessedAt),
        id: Column::Id,
        descending: true,
        key: |row| (Some(SortValue::Time(row.accessed_at)), row.id),
    };
    paginate(
        db,
        log::Entity::find().filter(condition),
        &ordering,
        page,
        max_page_size,
    )
    .await
}

/// The stored name of a subject kind: `EmploymentEnrollment` → `employment_enrollment`.
pub fn subject_code(kind: NodeKind) -> String {
    let mut code = String::new();
    for (i, c) in kind.name().char_indices() {
        if c.is_ascii_uppercase() && i > 0 {
            code.push('_');
        }
        code.push(c.to_ascii_lowercase());
    }
    code
}

/// The kind of a stored subject name: `employment_enrollment` → `EmploymentEnrollment`.
pub fn subject_kind(code: &str) -> Option<NodeKind> {
    let name: String = code
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    NodeKind::from_name(&name)
}

// ---------------------------------------------------------------------------------------
// GraphQL

connection!(
    PersonalDataAccess,
    PersonalDataAccessConnection,
    PersonalDataAccessEdge
);

/// One read of one record's personal data by a signed-in user.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct PersonalDataAccess {
    #[graphql(skip)]
    pub model: log::Model,
    /// Kind of record read, e.g. `employment_enrollment`.
    pub subject_kind: String,
    /// What was read: a field group or an operation, e.g. `detail`, `list`.
    pub accessed: String,
    /// When it was read.
    pub accessed_at: DateTime<Utc>,
}

impl From<log::Model> for PersonalDataAccess {
    fn from(model: log::Model) -> Self {
        Self {
            subject_kind: model.subject_kind.clone(),
            accessed: model.accessed.clone(),
            accessed_at: model.accessed_at,
            model,
        }
    }
}

#[ComplexObject]
impl PersonalDataAccess {
    /// Global id of the record read (fetch it with `node`).
    async fn subject_id(&self) -> Result<ID> {
        let kind = subject_kind(&self.model.subject_kind).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "unknown subject kind `{}` in the access log",
                self.model.subject_kind
            ))
            .extend()
        })?;
        Ok(ids::encode(kind, self.model.subject_id))
    }

    /// Global id of the user who read it (a `User`).
    async fn actor_id(&self) -> ID {
        ids::encode(NodeKind::User, self.model.actor_user_id)
    }

    /// Display name of the user who read it.
    async fn actor_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        ctx.data::<DataLoader<AuditLoader>>()?
            .load_one(ActorName(self.model.actor_user_id))
            .await
    }
}

/// Filter of `personalDataAccessLog`.
#[derive(Debug, Default, InputObject)]
pub struct PersonalDataAccessLogFilter {
    /// Municipality; municipal admins may omit it (their own is used).
    pub municipality_id: Option<ID>,
    /// Only reads of this kind of record, e.g. `employment_enrollment`.
    pub subject_kind: Option<String>,
    /// Only reads of this record (its global id).
    pub subject_id: Option<ID>,
    /// Only reads by this user (a `User` id).
    pub actor_id: Option<ID>,
    /// Only reads at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only reads before this instant.
    pub to: Option<DateTime<Utc>>,
}

/// The `personalDataAccessLog` query.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Who read which record's personal data, what of it and when, newest first
    /// (administrators of the municipality).
    #[graphql(
        guard = "RoleGuard(ADMINS)",
        complexity = "page_cost(first, last, child_complexity)"
    )]
    async fn personal_data_access_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which reads.", default)] filter: PersonalDataAccessLogFilter,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<PersonalDataAccessConnection> {
        let (state, viewer) = context(ctx)?;
        let subject_id = filter
            .subject_id
            .as_ref()
            .map(|id| {
                ids::decode(id)?.map(|(_, uuid)| uuid).ok_or_else(|| {
                    AppError::BadUserInput(format!("`{}` is not the id of a record", id.as_str()))
                })
            })
            .transpose()
            .extend()?;
        let filter = LogFilter {
            municipality_id: filter
                .municipality_id
                .as_ref()
                .map(|id| ids::decode_as(id, NodeKind::Municipality))
                .transpose()
                .extend()?,
            subject_kind: filter.subject_kind,
            subject_id,
            actor_id: filter
                .actor_id
                .as_ref()
                .map(|id| ids::decode_as(id, NodeKind::User))
                .transpose()
                .extend()?,
            from: filter.from,
            to: filter.to,
        };
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(
            list(&state.db, viewer, filter, page, state.limits.max_page_size)
                .await
                .extend()?
                .into_connection(),
        )
    }
}

/// Loads the names of the users in a page of the log.
pub struct AuditLoader {
    db: DatabaseConnection,
}

impl AuditLoader {
    /// A loader reading from `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// Key: the display name of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActorName(pub Uuid);

impl Loader<ActorName> for AuditLoader {
    type Value = String;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ActorName]) -> Result<HashMap<ActorName, String>, Self::Error> {
        let rows: Vec<(Uuid, String)> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::DisplayName)
            .filter(user::Column::Id.is_in(keys.iter().map(|key| key.0)))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(|error| AppError::from(error).extend())?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| (ActorName(id), name))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_kinds_name_their_graphql_types() {
        for &kind in NodeKind::ALL {
            assert_eq!(subject_kind(&subject_code(kind)), Some(kind));
        }
        assert_eq!(
            subject_code(NodeKind::EmploymentEnrollment),
            "employment_enrollment"
        );
        assert_eq!(
            subject_code(NodeKind::RelocationInquiry),
            "relocation_inquiry"
        );
    }
}

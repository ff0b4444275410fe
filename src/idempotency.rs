//! Idempotency keys for creating mutations: a retry with the same key returns the first
//! result and creates nothing.
//!
//! The key row is written in the same transaction as the records the mutation creates, so
//! either both exist or neither does. Two concurrent calls with one key cannot both commit:
//! the unique index on (scope, key) refuses the second, which then returns the first result.

use chrono::Utc;
use entity::idempotency_key::{self, Column, Entity as IdempotencyKey};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter,
};
use serde::{Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome};

/// Longest accepted key.
pub const MAX_KEY_LENGTH: usize = 200;

/// Who may replay a key, and for which operation.
#[derive(Debug, Clone)]
pub struct KeyScope(String);

impl KeyScope {
    /// Keys of one signed-in user for one operation.
    pub fn user(user_id: Uuid, operation: &str) -> Self {
        Self(format!("user:{user_id}:{operation}"))
    }

    /// Keys sent without an account for one operation (the key itself must be unguessable).
    pub fn public(operation: &str) -> Self {
        Self(format!("public:{operation}"))
    }
}

/// Runs `create` in a transaction, at most once per `(scope, key)`.
///
/// Without a key it simply runs. With a key already used for the same input it returns the
/// stored result; with a key used for other input it refuses with a field error.
pub async fn run_once<T, F>(
    db: &DatabaseConnection,
    scope: &KeyScope,
    key: Option<&str>,
    input_fingerprint: &impl Serialize,
    create: F,
) -> AppResult<Outcome<T>>
where
    T: Serialize + DeserializeOwned,
    F: AsyncFnOnce(&DatabaseTransaction) -> AppResult<Outcome<T>>,
{
    let Some(key) = key else {
        let txn = crate::db::begin_write(db).await?;
        let outcome = create(&txn).await?;
        if outcome.is_ok() {
            txn.commit().await?;
        }
        return Ok(outcome);
    };
    if key.trim().is_empty() || key.len() > MAX_KEY_LENGTH {
        return Ok(Err(vec![FieldError::input(
            "idempotencyKey",
            FieldErrorCode::Invalid,
            format!("冪等キーは1〜{MAX_KEY_LENGTH}文字で指定してください。"),
        )]));
    }
    let request_hash = fingerprint(input_fingerprint)?;
    if let Some(stored) = find(db, scope, key).await? {
        return replay(stored, &request_hash);
    }

    let txn = crate::db::begin_write(db).await?;
    let value = match create(&txn).await {
        Ok(Ok(value)) => value,
        refused => {
            // Refused input writes nothing, the key included: the caller may fix and retry.
            // The refusal may also come from a concurrent call with this key that created
            // the same record first (a unique value now taken): then return its result.
            txn.rollback().await?;
            return match find(db, scope, key).await? {
                Some(stored) => replay(stored, &request_hash),
                None => refused,
            };
        }
    };
    let result = serde_json::to_value(&value).map_err(AppError::internal)?;
    let inserted = idempotency_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        scope: Set(scope.0.clone()),
        key: Set(key.to_owned()),
        request_hash: Set(request_hash.clone()),
        result: Set(result),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await;
    match inserted {
        Ok(_) => {
            txn.commit().await?;
            Ok(Ok(value))
        }
        Err(error) => {
            // A concurrent call with the same key committed first: undo ours, return theirs.
            txn.rollback().await?;
            match find(db, scope, key).await? {
                Some(stored) => replay(stored, &request_hash),
                None => Err(error.into()),
            }
        }
    }
}

/// Deletes keys older than `days`.
pub async fn prune(db: &DatabaseConnection, days: i64) -> AppResult<u64> {
    let cutoff = Utc::now() - chrono::Duration::days(days);
    let result = IdempotencyKey::delete_many()
        .filter(Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

async fn find(
    db: &DatabaseConnection,
    scope: &KeyScope,
    key: &str,
) -> AppResult<Option<idempotency_key::Model>> {
    Ok(IdempotencyKey::find()
        .filter(Column::Scope.eq(scope.0.as_str()))
        .filter(Column::Key.eq(key))
        .one(db)
        .await?)
}

fn replay<T: DeserializeOwned>(
    stored: idempotency_key::Model,
    request_hash: &str,
) -> AppResult<Outcome<T>> {
    if stored.request_hash != request_hash {
        return Ok(Err(vec![FieldError::input(
            "idempotencyKey",
            FieldErrorCode::IdempotencyKeyReused,
            "この冪等キーは別の内容の依頼に使われています。新しいキーで送り直してください。",
        )]));
    }
    let value = serde_json::from_value(stored.result).map_err(AppError::internal)?;
    Ok(Ok(value))
}

fn fingerprint(input: &impl Serialize) -> AppResult<String> {
    let canonical = serde_json::to_vec(input).map_err(AppError::internal)?;
    Ok(format!("{:x}", Sha256::digest(&canonical)))
}

/// Loads the record a creating mutation made (by the id [`run_once`] returned), or passes
/// its refusal on.
pub async fn load_created<E>(
    db: &DatabaseConnection,
    created: Outcome<Uuid>,
) -> AppResult<Outcome<E::Model>>
where
    E: EntityTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    match created {
        Ok(id) => Ok(Ok(E::find_by_id(id)
            .one(db)
            .await?
            .ok_or(AppError::NotFound)?)),
        Err(errors) => Ok(Err(errors)),
    }
}

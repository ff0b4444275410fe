//! Reading and editing a municipality's search synonyms. Every change writes a search
//! outbox row in its transaction, so that every replica reloads the synonyms.

use entity::{municipality, search_synonym};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, ModelTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    db,
    domains::identity::service as identity,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome},
    search::{outbox, sources, synonyms},
    state::ServiceContext,
};

/// Most words in one group.
pub const MAX_WORDS: usize = 20;
/// Longest word, in characters.
pub const MAX_WORD_CHARS: usize = 40;
/// Most groups of one municipality.
pub const MAX_GROUPS: u64 = 300;

/// A group to save: new, or replacing the group `id`.
#[derive(Debug, Clone)]
pub struct SynonymGroup {
    /// JIS code of the municipality.
    pub municipality_code: String,
    /// The group replaced; `None`: a new group.
    pub id: Option<Uuid>,
    /// The words.
    pub words: Vec<String>,
}

async fn administered(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    code: &str,
) -> AppResult<municipality::Model> {
    viewer.require_user()?;
    let Some(municipality) = identity::find_municipality_by_code(ctx.db, code.trim()).await? else {
        // Only administrators learn which codes exist.
        viewer.require_role(crate::auth::ADMINS)?;
        return Err(AppError::NotFound);
    };
    viewer.require_admin_of(municipality.id)?;
    Ok(municipality)
}

/// The synonym groups of the municipality with JIS code `code`, oldest first
/// (administrators of the municipality).
pub async fn list(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    code: &str,
) -> AppResult<Vec<search_synonym::Model>> {
    let municipality = administered(ctx, viewer, code).await?;
    Ok(search_synonym::Entity::find()
        .filter(search_synonym::Column::MunicipalityId.eq(municipality.id))
        .order_by_asc(search_synonym::Column::Id)
        .all(ctx.db)
        .await?)
}

/// The words of a group, checked: 2 to [`MAX_WORDS`] distinct words (as the search
/// compares them) of at most [`MAX_WORD_CHARS`] characters each.
fn checked_words(words: &[String]) -> Result<Vec<String>, FieldError> {
    let mut kept: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for word in words {
        let word = word.trim();
        if word.chars().count() > MAX_WORD_CHARS {
            return Err(FieldError::input(
                "words",
                FieldErrorCode::TooLong,
                format!("語は{MAX_WORD_CHARS}文字以内で入力してください。"),
            ));
        }
        if word.contains(['\n', '\r']) {
            return Err(FieldError::input(
                "words",
                FieldErrorCode::Invalid,
                "語に改行は使えません。",
            ));
        }
        let normalized = synonyms::normalize(word);
        if normalized.is_empty() {
            continue;
        }
        if !seen.contains(&normalized) {
            seen.push(normalized);
            kept.push(word.to_owned());
        }
    }
    if kept.len() < 2 {
        return Err(FieldError::input(
            "words",
            FieldErrorCode::TooShort,
            "同じ意味の語を2つ以上入力してください（表記の違いだけの語は1つと数えます）。",
        ));
    }
    if kept.len() > MAX_WORDS {
        return Err(FieldError::input(
            "words",
            FieldErrorCode::TooLong,
            format!("1つのグループの語は{MAX_WORDS}個までです。"),
        ));
    }
    Ok(kept)
}

/// Saves a synonym group of a municipality you administer: a new one, or replacing the
/// words of one of its groups.
pub async fn save(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    group: SynonymGroup,
) -> AppResult<Outcome<search_synonym::Model>> {
    let municipality = administered(ctx, viewer, &group.municipality_code).await?;
    let me = viewer.require_user()?.clone();
    let words = match checked_words(&group.words) {
        Ok(words) => words,
        Err(error) => return Ok(Err(vec![error])),
    };
    let now = ctx.now();
    let txn = db::begin_write(ctx.db).await?;
    let saved = match group.id {
        Some(id) => {
            let Some(existing) = search_synonym::Entity::find_by_id(id)
                .filter(search_synonym::Column::MunicipalityId.eq(municipality.id))
                .one(&txn)
                .await?
            else {
                return Ok(Err(vec![FieldError::input(
                    "id",
                    FieldErrorCode::NotFound,
                    "この自治体の同義語グループに見つかりません。",
                )]));
            };
            let mut model = existing.into_active_model();
            model.words = Set(words.join("\n"));
            model.updated_by = Set(me.id);
            model.updated_at = Set(now);
            model.update(&txn).await?
        }
        None => {
            let count = search_synonym::Entity::find()
                .filter(search_synonym::Column::MunicipalityId.eq(municipality.id))
                .count(&txn)
                .await?;
            if count >= MAX_GROUPS {
                return Ok(Err(vec![FieldError::whole(
                    FieldErrorCode::NotAllowed,
                    format!("同義語グループは1自治体{MAX_GROUPS}件までです。"),
                )]));
            }
            search_synonym::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(municipality.id),
                words: Set(words.join("\n")),
                updated_by: Set(me.id),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    outbox::enqueue(
        &txn,
        sources::SEARCH_SYNONYMS,
        municipality.id,
        municipality.id,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(saved))
}

/// Deletes a synonym group of a municipality you administer; returns its id.
pub async fn delete(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Outcome<Uuid>> {
    viewer.require_role(crate::auth::ADMINS)?;
    let txn = db::begin_write(ctx.db).await?;
    let found = search_synonym::Entity::find_by_id(id).one(&txn).await?;
    let Some(group) = found.filter(|group| viewer.require_admin_of(group.municipality_id).is_ok())
    else {
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::NotFound,
            "同義語グループが見つかりません。",
        )]));
    };
    let municipality_id = group.municipality_id;
    group.delete(&txn).await?;
    outbox::enqueue(
        &txn,
        sources::SEARCH_SYNONYMS,
        municipality_id,
        municipality_id,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(id))
}

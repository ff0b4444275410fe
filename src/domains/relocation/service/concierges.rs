//! Concierge profiles, availability, leave periods, loads, and the sweep that assigns when a
//! leave ends.

use super::TOPIC_LEAVE_CHANGED;
use super::commit;
use crate::events::Event;
use crate::state::ServiceContext;
use chrono::{DateTime, SubsecRound, Utc};
use entity::{
    concierge_leave, concierge_profile,
    relocation_inquiry::{self, InquiryStage, Interest},
    user,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::{
    auth::{Role, Viewer},
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    text::{self, optional_line},
};

use super::visibility::{access, list_scope};
use super::{MAX_LINE, delimited};
use super::{assigning::drain_backlog, settings::lock_municipality};

/// A concierge profile, as typed by an administrator.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    /// The concierge's account.
    pub user_id: Uuid,
    /// Specialties; `None` keeps them (none when new).
    pub specialties: Option<Vec<Interest>>,
    /// Languages; `None` keeps them (none when new).
    pub languages: Option<Vec<String>>,
    /// Areas; `None` keeps them (none when new).
    pub areas: Option<Vec<String>>,
    /// Capacity of active inquiries; `None` keeps it (required when new).
    pub capacity: Option<i32>,
    /// Takes new inquiries; `None` keeps it (on when new).
    pub available: Option<bool>,
    /// Reads every inquiry of the municipality; `None` keeps what is set (off when new).
    pub sees_all_inquiries: Option<bool>,
}

/// Concierge profiles of a municipality (its administrators and concierges).
#[tracing::instrument(skip_all, fields(municipality_id = ?municipality_id))]
pub async fn list_profiles(
    db: &DatabaseConnection,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
) -> AppResult<Vec<concierge_profile::Model>> {
    let (municipality_id, _) = list_scope(db, viewer, municipality_id).await?;
    Ok(concierge_profile::Entity::find()
        .filter(concierge_profile::Column::MunicipalityId.eq(municipality_id))
        .order_by_asc(concierge_profile::Column::UserId)
        .all(db)
        .await?)
}

/// Active inquiries one concierge holds.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn load_of(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<u64> {
    use relocation_inquiry::Column;
    Ok(relocation_inquiry::Entity::find()
        .filter(Column::AssignedConciergeId.eq(user_id))
        .filter(Column::Stage.is_not_in([InquiryStage::MovedIn, InquiryStage::Closed]))
        .count(db)
        .await?)
}

/// Creates or replaces a concierge's profile (administrators of the municipality), then
/// assigns waiting inquiries if capacity grew.
#[tracing::instrument(skip_all)]
pub async fn save_profile(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: ProfileInput,
) -> AppResult<Outcome<concierge_profile::Model>> {
    viewer.require_user()?;
    let concierge = user::Entity::find_by_id(input.user_id).one(ctx.db).await?;
    let Some(concierge) = concierge.filter(|u| {
        u.municipality_id
            .is_some_and(|m| access(viewer, m).is_some())
    }) else {
        return Err(AppError::NotFound);
    };
    let Some(municipality_id) = concierge.municipality_id else {
        return Err(AppError::NotFound);
    };
    viewer.require_admin_of(municipality_id)?;
    let mut problems = Problems::new();
    if concierge.role != Role::Concierge || concierge.deactivated_at.is_some() {
        problems.push(FieldError::input(
            "userId",
            FieldErrorCode::NotAllowed,
            "有効なコンシェルジュのアカウントを指定してください。",
        ));
    }
    if input.capacity.is_some_and(|c| !(0..=500).contains(&c)) {
        problems.push(FieldError::input(
            "capacity",
            FieldErrorCode::Invalid,
            "同時に担当できる件数は0〜500で指定してください。",
        ));
    }
    let languages = input.languages.as_deref().map(normalized_list);
    if languages
        .iter()
        .flatten()
        .any(|l| l.len() > 16 || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        problems.push(FieldError::input(
            "languages",
            FieldErrorCode::Invalid,
            "言語は「ja」「en」などの言語コードで指定してください。",
        ));
    }
    let areas: Option<Vec<String>> = input.areas.as_ref().map(|areas| {
        areas
            .iter()
            .map(|a| text::normalize(a).replace(',', "、"))
            .filter(|a| !a.is_empty())
            .collect()
    });
    if areas
        .as_ref()
        .is_some_and(|areas| areas.len() > 30 || areas.iter().any(|a| a.chars().count() > MAX_LINE))
    {
        problems.push(FieldError::input(
            "areas",
            FieldErrorCode::Invalid,
            format!("地域は30件まで、各{MAX_LINE}文字以内で指定してください。"),
        ));
    }
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }
    let specialties: Option<Vec<String>> = input.specialties.as_ref().map(|list| {
        let mut values: Vec<String> = list.iter().map(|i| i.to_value()).collect();
        values.sort();
        values.dedup();
        values
    });
    let now = ctx.now();
    let txn = db::begin_write(ctx.db).await?;
    lock_municipality(&txn, municipality_id).await?;
    let existing = concierge_profile::Entity::find_by_id(input.user_id)
        .one(&txn)
        .await?;
    let Some(capacity) = input.capacity.or(existing.as_ref().map(|p| p.capacity)) else {
        return Ok(Err(vec![FieldError::input(
            "capacity",
            FieldErrorCode::Required,
            "新しいプロフィールには同時に担当できる件数を指定してください。",
        )]));
    };
    let list = |given: Option<String>, kept: Option<&String>| {
        given.unwrap_or_else(|| {
            kept.cloned()
                .unwrap_or_else(|| delimited(std::iter::empty()))
        })
    };
    let model = concierge_profile::ActiveModel {
        user_id: Set(input.user_id),
        municipality_id: Set(municipality_id),
        specialties: Set(list(
            specialties.map(|v| delimited(v.iter().map(String::as_str))),
            existing.as_ref().map(|p| &p.specialties),
        )),
        languages: Set(list(
            languages.map(|v| delimited(v.iter().map(String::as_str))),
            existing.as_ref().map(|p| &p.languages),
        )),
        areas: Set(list(
            areas.map(|v| delimited(v.iter().map(String::as_str))),
            existing.as_ref().map(|p| &p.areas),
        )),
        capacity: Set(capacity),
        available: Set(input
            .available
            .or(existing.as_ref().map(|p| p.available))
            .unwrap_or(true)),
        sees_all_inquiries: Set(input
            .sees_all_inquiries
            .or(existing.as_ref().map(|p| p.sees_all_inquiries))
            .unwrap_or(false)),
        created_at: Set(existing.as_ref().map_or(now, |p| p.created_at)),
        updated_at: Set(now),
    };
    let saved = if existing.is_some() {
        model.update(&txn).await?
    } else {
        model.insert(&txn).await?
    };
    let changes = drain_backlog(&txn, municipality_id, now, None).await?;
    commit(ctx, txn, &changes).await?;
    Ok(Ok(saved))
}

/// Turns a concierge's availability on or off (administrators, or the concierge for
/// themselves); turning it on assigns waiting inquiries at once.
#[tracing::instrument(skip_all, fields(user_id = ?user_id))]
pub async fn set_availability(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    user_id: Option<Uuid>,
    available: bool,
) -> AppResult<Outcome<concierge_profile::Model>> {
    let me = viewer.require_user()?;
    let user_id = user_id.unwrap_or(me.id);
    let profile = find_profile(ctx.db, viewer, user_id).await?;
    if user_id != me.id {
        viewer.require_admin_of(profile.municipality_id)?;
    }
    let now = ctx.now();
    let txn = db::begin_write(ctx.db).await?;
    lock_municipality(&txn, profile.municipality_id).await?;
    let mut model = concierge_profile::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?
        .into_active_model();
    model.available = Set(available);
    model.updated_at = Set(now);
    let saved = model.update(&txn).await?;
    let changes = drain_backlog(&txn, saved.municipality_id, now, None).await?;
    commit(ctx, txn, &changes).await?;
    Ok(Ok(saved))
}

async fn find_profile(
    db: &DatabaseConnection,
    viewer: &Viewer,
    user_id: Uuid,
) -> AppResult<concierge_profile::Model> {
    concierge_profile::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .filter(|p| access(viewer, p.municipality_id).is_some())
        .ok_or(AppError::NotFound)
}

/// Records a leave period (administrators, or the concierge for themselves). Nothing is
/// assigned to a concierge while on leave; when the leave ends, waiting inquiries are
/// assigned at the next assignment pass (the periodic sweep or any change).
#[tracing::instrument(skip_all, fields(user_id = ?user_id))]
pub async fn add_leave(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    user_id: Option<Uuid>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    note: Option<String>,
) -> AppResult<Outcome<concierge_leave::Model>> {
    let me = viewer.require_user()?;
    let user_id = user_id.unwrap_or(me.id);
    let profile = find_profile(ctx.db, viewer, user_id).await?;
    if user_id != me.id {
        viewer.require_admin_of(profile.municipality_id)?;
    }
    let mut problems = Problems::new();
    if ends_at <= starts_at {
        problems.push(FieldError::input(
            "endsAt",
            FieldErrorCode::Invalid,
            "休暇の終了は開始より後にしてください。",
        ));
    }
    let note = problems.check(optional_line("note", note.as_deref(), MAX_LINE));
    let (Some(note), true) = (note, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let now = ctx.now();
    let txn = db::begin_write(ctx.db).await?;
    lock_municipality(&txn, profile.municipality_id).await?;
    let leave = concierge_leave::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(profile.municipality_id),
        user_id: Set(user_id),
        starts_at: Set(starts_at.trunc_subsecs(6)),
        ends_at: Set(ends_at.trunc_subsecs(6)),
        note: Set(note),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let changes = drain_backlog(&txn, profile.municipality_id, now, None).await?;
    commit(ctx, txn, &changes).await?;
    announce_leave(ctx, &leave).await;
    Ok(Ok(leave))
}

/// Ends or cancels a leave period; waiting inquiries are assigned at once.
#[tracing::instrument(skip_all, fields(leave_id = %leave_id))]
pub async fn remove_leave(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    leave_id: Uuid,
) -> AppResult<Outcome<concierge_profile::Model>> {
    let me = viewer.require_user()?;
    let leave = concierge_leave::Entity::find_by_id(leave_id)
        .one(ctx.db)
        .await?
        .filter(|l| access(viewer, l.municipality_id).is_some())
        .ok_or(AppError::NotFound)?;
    if leave.user_id != me.id {
        viewer.require_admin_of(leave.municipality_id)?;
    }
    let now = ctx.now();
    let txn = db::begin_write(ctx.db).await?;
    lock_municipality(&txn, leave.municipality_id).await?;
    concierge_leave::Entity::delete_by_id(leave.id)
        .exec(&txn)
        .await?;
    let changes = drain_backlog(&txn, leave.municipality_id, now, None).await?;
    let profile = concierge_profile::Entity::find_by_id(leave.user_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    commit(ctx, txn, &changes).await?;
    announce_leave(ctx, &leave).await;
    Ok(Ok(profile))
}

/// Leave periods of a concierge that have not ended.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn current_leaves(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Vec<concierge_leave::Model>> {
    Ok(concierge_leave::Entity::find()
        .filter(concierge_leave::Column::UserId.eq(user_id))
        .filter(concierge_leave::Column::EndsAt.gt(now))
        .order_by_asc(concierge_leave::Column::StartsAt)
        .all(db)
        .await?)
}

/// Assigns waiting inquiries of every municipality where capacity is free (for example a
/// leave just ended). Run periodically by the server.
#[tracing::instrument(skip_all)]
pub async fn sweep(ctx: ServiceContext<'_>) -> AppResult<usize> {
    let now = ctx.now();
    let municipalities: Vec<Uuid> = relocation_inquiry::Entity::find()
        .select_only()
        .column(relocation_inquiry::Column::MunicipalityId)
        .filter(relocation_inquiry::Column::AssignedConciergeId.is_null())
        .filter(relocation_inquiry::Column::Stage.eq(InquiryStage::New))
        .distinct()
        .into_tuple()
        .all(ctx.db)
        .await?;
    let mut assigned = 0;
    for municipality_id in municipalities {
        let txn = db::begin_write(ctx.db).await?;
        lock_municipality(&txn, municipality_id).await?;
        let changes = drain_backlog(&txn, municipality_id, now, None).await?;
        commit(ctx, txn, &changes).await?;
        assigned += changes.len();
    }
    Ok(assigned)
}

/// The earliest end of a leave period after `now`, in any municipality: the next moment
/// capacity frees without anyone doing anything, when the server sweeps again.
#[tracing::instrument(skip_all)]
pub async fn next_leave_end(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> AppResult<Option<DateTime<Utc>>> {
    Ok(concierge_leave::Entity::find()
        .select_only()
        .column(concierge_leave::Column::EndsAt)
        .filter(concierge_leave::Column::EndsAt.gt(now))
        .order_by_asc(concierge_leave::Column::EndsAt)
        .limit(1)
        .into_tuple::<DateTime<Utc>>()
        .one(db)
        .await?)
}

fn normalized_list(values: &[String]) -> Vec<String> {
    let mut list: Vec<String> = values
        .iter()
        .map(|v| text::normalize(v).to_lowercase())
        .filter(|v| !v.is_empty())
        .collect();
    list.sort();
    list.dedup();
    list
}

/// Announces that `leave` was written or removed: the end of leave the sweep waits for may
/// have moved.
async fn announce_leave(ctx: ServiceContext<'_>, leave: &concierge_leave::Model) {
    ctx.announce([Event {
        municipality_id: Some(leave.municipality_id),
        topic: TOPIC_LEAVE_CHANGED.to_owned(),
        subject_id: leave.id,
        user_id: Some(leave.user_id),
        occurred_at: ctx.now(),
    }])
    .await;
}

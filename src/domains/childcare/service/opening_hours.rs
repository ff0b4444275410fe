//! Weekly opening hours and the hours of single dates.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{
    childcare_hours_exception, childcare_opening_hours,
    childcare_resource::{self},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    db::{self, now},
    domains::childcare::hours::{self, Interval},
    error::{AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    text::optional_line,
};

use super::{
    MAX_LINE,
    resources::{editable, touch},
};

/// Replaces the weekly hours of a resource: (weekday 0–6, opens `HH:MM`, closes `HH:MM`).
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn set_opening_hours(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    weekly: Vec<(i16, String, String)>,
) -> AppResult<Outcome<childcare_resource::Model>> {
    let mut problems = Problems::new();
    let mut per_day: HashMap<i16, Vec<Interval>> = HashMap::new();
    for (index, (weekday, opens, closes)) in weekly.iter().enumerate() {
        let field = format!("hours.{index}");
        if !(0..=6).contains(weekday) {
            problems.push(FieldError::input(
                &field,
                FieldErrorCode::Invalid,
                "曜日が正しくありません。",
            ));
            continue;
        }
        let opens = problems.check(hours::parse_minute(&field, opens));
        let closes = problems.check(hours::parse_minute(&field, closes));
        if let (Some(opens), Some(closes)) = (opens, closes) {
            per_day
                .entry(*weekday)
                .or_default()
                .push(Interval { opens, closes });
        }
    }
    let mut checked = Vec::new();
    for (weekday, intervals) in per_day {
        if let Some(intervals) = problems.check(hours::check_intervals("hours", intervals)) {
            checked.extend(intervals.into_iter().map(|interval| (weekday, interval)));
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let txn = db::begin_write(db).await?;
    let resource = editable(&txn, viewer, id).await?;
    childcare_opening_hours::Entity::delete_many()
        .filter(childcare_opening_hours::Column::ResourceId.eq(resource.id))
        .exec(&txn)
        .await?;
    for (weekday, interval) in checked {
        childcare_opening_hours::ActiveModel {
            id: Set(Uuid::now_v7()),
            municipality_id: Set(resource.municipality_id),
            resource_id: Set(resource.id),
            weekday: Set(weekday),
            opens_minute: Set(interval.opens),
            closes_minute: Set(interval.closes),
        }
        .insert(&txn)
        .await?;
    }
    let updated = touch(&txn, resource).await?;
    txn.commit().await?;
    Ok(Ok(updated))
}

/// Sets the hours of one date (closed, or the given intervals), replacing the weekly
/// hours of that day and any earlier exception for it.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn set_hours_exception(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    date: NaiveDate,
    closed: bool,
    intervals: Vec<(String, String)>,
    note: Option<String>,
) -> AppResult<Outcome<childcare_resource::Model>> {
    let mut problems = Problems::new();
    if closed != intervals.is_empty() {
        problems.push(FieldError::input(
            "intervals",
            FieldErrorCode::Invalid,
            "休業日には時間帯を指定せず、特別営業日には時間帯を1つ以上指定してください。",
        ));
    }
    let mut parsed = Vec::new();
    for (index, (opens, closes)) in intervals.iter().enumerate() {
        let field = format!("intervals.{index}");
        let opens = problems.check(hours::parse_minute(&field, opens));
        let closes = problems.check(hours::parse_minute(&field, closes));
        if let (Some(opens), Some(closes)) = (opens, closes) {
            parsed.push(Interval { opens, closes });
        }
    }
    let parsed = if problems.is_empty() {
        problems.check(hours::check_intervals("intervals", parsed))
    } else {
        None
    };
    let note = problems.check(optional_line("note", note.as_deref(), MAX_LINE));
    let (Some(parsed), Some(note)) = (parsed, note) else {
        return Ok(Err(problems.into_vec()));
    };
    let txn = db::begin_write(db).await?;
    let resource = editable(&txn, viewer, id).await?;
    use childcare_hours_exception::Column;
    childcare_hours_exception::Entity::delete_many()
        .filter(Column::ResourceId.eq(resource.id))
        .filter(Column::Date.eq(date))
        .exec(&txn)
        .await?;
    childcare_hours_exception::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(resource.municipality_id),
        resource_id: Set(resource.id),
        date: Set(date),
        intervals: Set(hours::encode_intervals(&parsed)),
        note: Set(note),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    let updated = touch(&txn, resource).await?;
    txn.commit().await?;
    Ok(Ok(updated))
}

/// Removes the exception of one date: the weekly hours apply again.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn remove_hours_exception(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    date: NaiveDate,
) -> AppResult<Outcome<childcare_resource::Model>> {
    let txn = db::begin_write(db).await?;
    let resource = editable(&txn, viewer, id).await?;
    use childcare_hours_exception::Column;
    let removed = childcare_hours_exception::Entity::delete_many()
        .filter(Column::ResourceId.eq(resource.id))
        .filter(Column::Date.eq(date))
        .exec(&txn)
        .await?;
    if removed.rows_affected == 0 {
        return Ok(Err(vec![FieldError::input(
            "date",
            FieldErrorCode::NotFound,
            "この日付の特別営業・休業の設定はありません。",
        )]));
    }
    let updated = touch(&txn, resource).await?;
    txn.commit().await?;
    Ok(Ok(updated))
}

//! Local issues: creation, changes, closing and reopening by the municipality's administrators.

use entity::{
    local_issue::{self, IssueCategory, IssueStatus},
    municipality,
    partner_project::{self, ProjectStatus},
    partner_project_issue,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect, QueryTrait,
};
use serde::Serialize;
use uuid::Uuid;

use super::{
    MAX_COMMENT, MAX_LINE, MAX_TEXT, MAX_TITLE,
    history::{Subject, move_issue, record_change},
    visibility::find_visible_issue,
};
use crate::domains::partnership::states;
use crate::{
    auth::{ADMINS, Viewer},
    db,
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    idempotency::{self, KeyScope},
    search::{outbox, sources},
    state::ServiceContext,
    text::{self, long_text},
};

/// Where an issue is, as typed.
#[derive(Debug, Clone, Default)]
pub struct Location {
    /// Place name, e.g. 琴ヶ浜.
    pub place_name: Option<String>,
    /// Latitude in degrees, −90 to 90.
    pub latitude: Option<f64>,
    /// Longitude in degrees, −180 to 180.
    pub longitude: Option<f64>,
}

/// A new local issue.
#[derive(Debug, Clone)]
pub struct NewIssue {
    /// Municipality; `None` means the administrator's own.
    pub municipality_id: Option<Uuid>,
    /// Title.
    pub title: String,
    /// Reading of the title (フリガナ), if given.
    pub title_reading: Option<String>,
    /// Description.
    pub description: String,
    /// Category.
    pub category: IssueCategory,
    /// Location, if any.
    pub location: Option<Location>,
    /// Publish at once (else a draft only administrators see).
    pub publish: bool,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Changes to a local issue; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct IssueChanges {
    /// New title.
    pub title: Option<String>,
    /// New reading of the title; `Some(None)` removes it.
    pub title_reading: Option<Option<String>>,
    /// New description.
    pub description: Option<String>,
    /// New category.
    pub category: Option<IssueCategory>,
    /// New location; `Some(None)` removes it.
    pub location: Option<Option<Location>>,
    /// Publish (`true`) or take back to draft (`false`).
    pub published: Option<bool>,
}

/// Creates a local issue (administrators of its municipality).
#[tracing::instrument(skip_all, fields(municipality_id = ?input.municipality_id))]
pub async fn create_issue(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: NewIssue,
) -> AppResult<Outcome<local_issue::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let Some(municipality_id) = input.municipality_id.or(me.municipality_id) else {
        return Ok(Err(vec![FieldError::input(
            "municipalityId",
            FieldErrorCode::Required,
            "自治体を指定してください。",
        )]));
    };
    if !me.administers(municipality_id) {
        return Err(AppError::Forbidden);
    }
    if municipality::Entity::find_by_id(municipality_id)
        .one(ctx.db)
        .await?
        .is_none()
    {
        return Ok(Err(vec![FieldError::input(
            "municipalityId",
            FieldErrorCode::NotFound,
            "指定された自治体が見つかりません。",
        )]));
    }
    let mut problems = Problems::new();
    let title = problems.check(text::required("title", &input.title, MAX_TITLE));
    let title_reading = problems.check(text::optional_reading(
        "titleReading",
        input.title_reading.as_deref(),
    ));
    let description = problems.check(long_text("description", &input.description, MAX_TEXT));
    let location = check_location(&mut problems, input.location.as_ref());
    let (Some(title), Some(title_reading), Some(description), Some(location), true) = (
        title,
        title_reading,
        description,
        location,
        problems.is_empty(),
    ) else {
        return Ok(Err(problems.into_vec()));
    };

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        municipality_id: Uuid,
        title: &'a str,
        title_reading: Option<&'a str>,
        description: &'a str,
        category: String,
        location: &'a CheckedLocation,
        publish: bool,
    }
    let fingerprint = Fingerprint {
        municipality_id,
        title: &title,
        title_reading: title_reading.as_deref(),
        description: &description,
        category: input.category.to_value(),
        location: &location,
        publish: input.publish,
    };
    let created = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "createLocalIssue"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let now = ctx.now();
            let issue = local_issue::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(municipality_id),
                title: Set(title.clone()),
                title_reading: Set(title_reading.clone()),
                description: Set(description.clone()),
                category: Set(input.category),
                place_name: Set(location.place_name.clone()),
                latitude: Set(location.latitude),
                longitude: Set(location.longitude),
                status: Set(IssueStatus::Open),
                published: Set(input.publish),
                solved_at: Set(None),
                created_by: Set(me.id),
                created_at: Set(now),
                updated_at: Set(now),
                last_activity_at: Set(now),
            }
            .insert(txn)
            .await?;
            record_change(
                txn,
                &me,
                Subject::Issue(&issue),
                None,
                IssueStatus::Open.to_value(),
                None,
                now,
            )
            .await?;
            Ok(Ok(issue.id))
        },
    )
    .await?;
    idempotency::load_created::<local_issue::Entity>(ctx.db, created).await
}

/// Changes the texts, category, location or publication of an issue (administrators of its
/// municipality). The status changes only through its own mutations.
#[tracing::instrument(skip_all, fields(issue_id = %id))]
pub async fn update_issue(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    changes: IssueChanges,
) -> AppResult<Outcome<local_issue::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let txn = db::begin_write(ctx.db).await?;
    let issue = find_visible_issue(&txn, viewer, id, true).await?;
    if !me.administers(issue.municipality_id) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    let mut model = issue.clone().into_active_model();
    if let Some(title) = &changes.title
        && let Some(title) = problems.check(text::required("title", title, MAX_TITLE))
    {
        model.title = Set(title);
    }
    if let Some(reading) = &changes.title_reading
        && let Some(reading) =
            problems.check(text::optional_reading("titleReading", reading.as_deref()))
    {
        model.title_reading = Set(reading);
    }
    if let Some(description) = &changes.description
        && let Some(description) = problems.check(long_text("description", description, MAX_TEXT))
    {
        model.description = Set(description);
    }
    if let Some(category) = changes.category {
        model.category = Set(category);
    }
    if let Some(location) = &changes.location
        && let Some(location) = check_location(&mut problems, location.as_ref())
    {
        model.place_name = Set(location.place_name);
        model.latitude = Set(location.latitude);
        model.longitude = Set(location.longitude);
    }
    if let Some(published) = changes.published {
        if issue.published && !published && has_projects(&txn, issue.id).await? {
            problems.push(FieldError::input(
                "published",
                FieldErrorCode::InvalidState,
                "公民連携プロジェクトが提案された課題は非公開に戻せません。",
            ));
        }
        model.published = Set(published);
    }
    if let Err(errors) = problems.finish() {
        return Ok(Err(errors));
    }
    if !model.is_changed() {
        return Ok(Ok(issue));
    }
    let now = ctx.now();
    model.updated_at = Set(now);
    model.last_activity_at = Set(now);
    let updated = model.update(&txn).await?;
    outbox::enqueue(
        &txn,
        sources::LOCAL_ISSUE,
        updated.id,
        updated.municipality_id,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(updated))
}

/// Closes an open or in-progress issue as unsolved, with a reason (administrators).
#[tracing::instrument(skip_all, fields(issue_id = %id))]
pub async fn close_issue(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
) -> AppResult<Outcome<local_issue::Model>> {
    move_issue_by_admin(ctx, viewer, id, IssueStatus::ClosedUnsolved, reason).await
}

/// Reopens a solved or closed issue, with a reason (administrators).
#[tracing::instrument(skip_all, fields(issue_id = %id))]
pub async fn reopen_issue(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
) -> AppResult<Outcome<local_issue::Model>> {
    move_issue_by_admin(ctx, viewer, id, IssueStatus::Open, reason).await
}

async fn move_issue_by_admin(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    to: IssueStatus,
    reason: &str,
) -> AppResult<Outcome<local_issue::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let txn = db::begin_write(ctx.db).await?;
    let issue = find_visible_issue(&txn, viewer, id, true).await?;
    if !me.administers(issue.municipality_id) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::new();
    let reason = problems.check(long_text("reason", reason, MAX_COMMENT));
    problems.check(states::check_issue("id", issue.status, to));
    let under_way = match to {
        IssueStatus::ClosedUnsolved => project_under_way(&txn, issue.id).await?,
        _ => None,
    };
    if let Some(title) = under_way {
        problems.push(FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            format!("公民連携プロジェクト「{title}」が取組中のため、この課題は終了できません。"),
        ));
    }
    let (Some(reason), true) = (reason, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let moved = move_issue(&txn, &me, issue, to, Some(reason), ctx.now()).await?;
    txn.commit().await?;
    Ok(Ok(moved))
}

/// The title of a project taking the issue on that is under way (active, or completed and
/// awaiting verification), if there is one.
async fn project_under_way(db: &impl ConnectionTrait, issue_id: Uuid) -> AppResult<Option<String>> {
    let linked = partner_project_issue::Entity::find()
        .select_only()
        .column(partner_project_issue::Column::ProjectId)
        .filter(partner_project_issue::Column::IssueId.eq(issue_id))
        .into_query();
    Ok(partner_project::Entity::find()
        .select_only()
        .column(partner_project::Column::Title)
        .filter(partner_project::Column::Id.in_subquery(linked))
        .filter(
            partner_project::Column::Status
                .is_in([ProjectStatus::Active, ProjectStatus::Completed]),
        )
        .into_tuple()
        .one(db)
        .await?)
}

async fn has_projects(db: &impl ConnectionTrait, issue_id: Uuid) -> AppResult<bool> {
    Ok(partner_project_issue::Entity::find()
        .filter(partner_project_issue::Column::IssueId.eq(issue_id))
        .one(db)
        .await?
        .is_some())
}

/// A validated location.
#[derive(Debug, Clone, Default, Serialize)]
struct CheckedLocation {
    place_name: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

/// Checks a location: an optional place name and optional coordinates, given together and
/// within range. `None` when something is wrong (recorded in `problems`).
fn check_location(problems: &mut Problems, location: Option<&Location>) -> Option<CheckedLocation> {
    let Some(location) = location else {
        return Some(CheckedLocation::default());
    };
    let error = |name: &str, code, message: String| FieldError {
        field: vec!["input".into(), "location".into(), name.into()],
        code,
        message,
    };
    let mut errors = Vec::new();
    let place_name = match location.place_name.as_deref().map(text::normalize) {
        Some(name) if !name.is_empty() => match text::required("placeName", &name, MAX_LINE) {
            Ok(name) => Some(name),
            Err(failure) => {
                errors.push(error("placeName", failure.code, failure.message));
                None
            }
        },
        _ => None,
    };
    for (name, value, limit, what) in [
        ("latitude", location.latitude, 90.0, "緯度"),
        ("longitude", location.longitude, 180.0, "経度"),
    ] {
        if let Some(value) = value
            && (!value.is_finite() || value.abs() > limit)
        {
            errors.push(error(
                name,
                FieldErrorCode::Invalid,
                format!("{what}は−{limit}〜{limit}の範囲で入力してください。"),
            ));
        }
    }
    match (location.latitude, location.longitude) {
        (Some(_), None) => errors.push(error(
            "longitude",
            FieldErrorCode::Required,
            "緯度を指定するときは経度も指定してください。".into(),
        )),
        (None, Some(_)) => errors.push(error(
            "latitude",
            FieldErrorCode::Required,
            "経度を指定するときは緯度も指定してください。".into(),
        )),
        _ => {}
    }
    if !errors.is_empty() {
        for error in errors {
            problems.push(error);
        }
        return None;
    }
    Some(CheckedLocation {
        place_name,
        latitude: location.latitude,
        longitude: location.longitude,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_come_in_range_and_in_pairs() {
        let check = |latitude, longitude| {
            let mut problems = Problems::new();
            let location = Location {
                place_name: Some(" 琴ヶ浜 ".into()),
                latitude,
                longitude,
            };
            check_location(&mut problems, Some(&location)).map(|l| (l.place_name, l.latitude))
        };
        assert_eq!(
            check(Some(35.16), Some(139.14)),
            Some((Some("琴ヶ浜".into()), Some(35.16)))
        );
        assert_eq!(check(Some(90.5), Some(139.14)), None);
        assert_eq!(check(Some(35.0), Some(-180.5)), None);
        assert_eq!(check(Some(35.0), None), None);
        assert_eq!(check(None, None), Some((Some("琴ヶ浜".into()), None)));
    }
}

//! A family's registered children: added, corrected and removed by their guardian only.
//! A child with upcoming bookings (booked or waiting) cannot be removed; a removed child is
//! kept (soft removal) so that the bookings made before still name it.

use chrono::NaiveDate;
use entity::{
    childcare_booking::{self, BookingStatus},
    childcare_booking_child, childcare_child,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::{
    auth::{Role, Viewer},
    db::{self, now},
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    fiscal,
    text::{self, Kana},
};

use super::{MAX_NOTE, bookings::identity};

/// Longest name or reading of a child.
const MAX_NAME: usize = 100;

/// A child's details; for a correction `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct ChildDetails {
    /// Name.
    pub name: Option<String>,
    /// Kana reading.
    pub name_kana: Option<String>,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Allergies and other notes for the staff: `Some(None)` clears them.
    pub notes: Option<Option<String>>,
}

/// The checked details, over `current` when correcting.
fn checked(
    problems: &mut Problems,
    details: &ChildDetails,
    current: Option<&childcare_child::Model>,
) -> Option<(String, String, NaiveDate, Option<String>)> {
    let name = match (&details.name, current) {
        (Some(name), _) => problems.check(text::required("name", name, MAX_NAME)),
        (None, Some(child)) => Some(child.name.clone()),
        (None, None) => problems.check(text::required("name", "", MAX_NAME)),
    };
    let kana = match (&details.name_kana, current) {
        (Some(kana), _) => {
            problems.check(Kana::parse("nameKana", kana, MAX_NAME).map(|k| k.as_str().to_owned()))
        }
        (None, Some(child)) => Some(child.name_kana.clone()),
        (None, None) => {
            problems.check(Kana::parse("nameKana", "", MAX_NAME).map(|_| String::new()))
        }
    };
    let birth_date = match (details.birth_date, current) {
        (Some(date), _) if date > fiscal::date_of(now()) => {
            problems.push(FieldError::input(
                "birthDate",
                FieldErrorCode::Invalid,
                "生年月日が未来の日付です。",
            ));
            None
        }
        (Some(date), _) => Some(date),
        (None, Some(child)) => Some(child.birth_date),
        (None, None) => {
            problems.push(FieldError::input(
                "birthDate",
                FieldErrorCode::Required,
                "お子さまの生年月日を入力してください。",
            ));
            None
        }
    };
    let notes = match (&details.notes, current) {
        (Some(notes), _) => {
            problems.check(text::optional_line("notes", notes.as_deref(), MAX_NOTE))
        }
        (None, Some(child)) => Some(child.notes.clone()),
        (None, None) => Some(None),
    };
    Some((name?, kana?, birth_date?, notes?))
}

/// Refuses a child the guardian already registered (same name, reading and birth date).
async fn refuse_twin(
    db: &impl ConnectionTrait,
    problems: &mut Problems,
    guardian_id: Uuid,
    except: Option<Uuid>,
    (name, kana, birth_date): (&str, &str, NaiveDate),
) -> AppResult<()> {
    let key = identity(name, kana, birth_date);
    let twin = childcare_child::Entity::find()
        .filter(childcare_child::Column::GuardianUserId.eq(guardian_id))
        .filter(childcare_child::Column::RemovedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .filter(|child| Some(child.id) != except)
        .any(|child| identity(&child.name, &child.name_kana, child.birth_date) == key);
    if twin {
        problems.push(FieldError::input(
            "name",
            FieldErrorCode::Taken,
            "同じお子さまがすでに登録されています。",
        ));
    }
    Ok(())
}

/// Registers a child under the signed-in guardian (a resident of a municipality).
#[tracing::instrument(skip_all)]
pub async fn add_child(
    db: &DatabaseConnection,
    viewer: &Viewer,
    details: ChildDetails,
) -> AppResult<Outcome<childcare_child::Model>> {
    let me = viewer.require_role(&[Role::Resident])?.clone();
    let municipality_id = me.municipality_id.ok_or(AppError::Forbidden)?;
    let mut problems = Problems::new();
    let checked = checked(&mut problems, &details, None);
    let Some((name, name_kana, birth_date, notes)) = checked else {
        return Ok(Err(problems.into_vec()));
    };
    let txn = db::begin_write(db).await?;
    refuse_twin(
        &txn,
        &mut problems,
        me.id,
        None,
        (&name, &name_kana, birth_date),
    )
    .await?;
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let child = childcare_child::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(municipality_id),
        guardian_user_id: Set(me.id),
        name: Set(name),
        name_kana: Set(name_kana),
        birth_date: Set(birth_date),
        created_at: Set(now()),
        notes: Set(notes),
        removed_at: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Ok(child))
}

/// The guardian's own child, not removed; anyone else's is `NOT_FOUND`.
async fn own_child(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<childcare_child::Model> {
    let me = viewer.require_user()?;
    childcare_child::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|child| child.guardian_user_id == me.id && child.removed_at.is_none())
        .ok_or(AppError::NotFound)
}

/// Corrects the details of the guardian's child. Bookings made before keep the age they
/// were made with.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update_child(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    details: ChildDetails,
) -> AppResult<Outcome<childcare_child::Model>> {
    let txn = db::begin_write(db).await?;
    let child = own_child(&txn, viewer, id).await?;
    let mut problems = Problems::new();
    let checked = checked(&mut problems, &details, Some(&child));
    let Some((name, name_kana, birth_date, notes)) = checked else {
        return Ok(Err(problems.into_vec()));
    };
    refuse_twin(
        &txn,
        &mut problems,
        child.guardian_user_id,
        Some(child.id),
        (&name, &name_kana, birth_date),
    )
    .await?;
    if !problems.is_empty() {
        return Ok(Err(problems.into_vec()));
    }
    let mut model = child.into_active_model();
    model.name = Set(name);
    model.name_kana = Set(name_kana);
    model.birth_date = Set(birth_date);
    model.notes = Set(notes);
    let child = model.update(&txn).await?;
    txn.commit().await?;
    Ok(Ok(child))
}

/// Removes the guardian's child from their registered children, refused while it has an
/// upcoming booking (booked or waiting): cancel those first. The child is kept for the
/// bookings made before.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn remove_child(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Outcome<childcare_child::Model>> {
    let txn = db::begin_write(db).await?;
    let child = own_child(&txn, viewer, id).await?;
    let now = now();
    let upcoming: Option<Uuid> = childcare_booking_child::Entity::find()
        .select_only()
        .column(childcare_booking_child::Column::BookingId)
        .join(
            sea_orm::JoinType::InnerJoin,
            childcare_booking_child::Entity::belongs_to(childcare_booking::Entity)
                .from(childcare_booking_child::Column::BookingId)
                .to(childcare_booking::Column::Id)
                .into(),
        )
        .filter(childcare_booking_child::Column::ChildId.eq(child.id))
        .filter(
            childcare_booking::Column::Status
                .is_in([BookingStatus::Booked, BookingStatus::Waitlisted]),
        )
        .filter(childcare_booking::Column::StartsAt.gt(now))
        .into_tuple()
        .one(&txn)
        .await?;
    if upcoming.is_some() {
        return Ok(Err(vec![FieldError::input(
            "id",
            FieldErrorCode::InvalidState,
            "このお子さまには今後の予約（キャンセル待ちを含む）があります。先に予約を取り消してください。",
        )]));
    }
    let mut model = child.into_active_model();
    model.removed_at = Set(Some(now));
    let child = model.update(&txn).await?;
    txn.commit().await?;
    Ok(Ok(child))
}

//! Creating and changing programs.

use chrono::{DateTime, Utc};
use entity::{
    organization,
    program::{self, Audience, ProgramCategory, ProgramKind, ProgramStatus},
    program_session::{self, SessionStatus},
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    auth::{Role, Viewer},
    db,
    domains::programs::{
        registration::{self as rules},
        states::{self},
    },
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems},
    idempotency::{self, KeyScope},
    search::{outbox, sources},
    state::ServiceContext,
    text::{self, long_text},
};

use super::{
    MAX_NOTE, MAX_PARTY, MAX_SUMMARY, MAX_TEXT, MAX_TITLE,
    sessions::cancel_session_in,
    visibility::{can_see_program, manages},
};

/// The descriptive fields of a program.
#[derive(Debug, Clone)]
pub struct ProgramFields {
    /// Kind.
    pub kind: ProgramKind,
    /// Title.
    pub title: String,
    /// Reading of the title (フリガナ), if given.
    pub title_reading: Option<String>,
    /// Summary.
    pub summary: String,
    /// Description.
    pub description: String,
    /// Category tags.
    pub categories: Vec<ProgramCategory>,
    /// Audiences (everyone when empty).
    pub audiences: Vec<Audience>,
    /// Youngest child age, months.
    pub child_min_age_months: Option<i32>,
    /// Oldest child age, months.
    pub child_max_age_months: Option<i32>,
    /// Residents of the municipality only.
    pub residents_only: bool,
    /// Largest party.
    pub max_party_size: i32,
    /// Fee in yen.
    pub fee_yen: i32,
    /// Accessibility notes.
    pub accessibility_notes: Option<String>,
}

/// A new program.
#[derive(Debug, Clone)]
pub struct NewProgram {
    /// Organizer; program staff may omit it (their own organization).
    pub organizer_id: Option<Uuid>,
    /// Its fields.
    pub fields: ProgramFields,
    /// Publish at once.
    pub publish: bool,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Changes to a program; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProgramChanges {
    /// New title.
    pub title: Option<String>,
    /// New reading of the title; `Some(None)` removes it.
    pub title_reading: Option<Option<String>>,
    /// New summary.
    pub summary: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New category tags.
    pub categories: Option<Vec<ProgramCategory>>,
    /// New audiences.
    pub audiences: Option<Vec<Audience>>,
    /// New child age range; `Some((None, None))` removes it.
    pub child_age_range: Option<(Option<i32>, Option<i32>)>,
    /// Residents only.
    pub residents_only: Option<bool>,
    /// Largest party.
    pub max_party_size: Option<i32>,
    /// Fee in yen.
    pub fee_yen: Option<i32>,
    /// Accessibility notes; `Some(None)` removes them.
    pub accessibility_notes: Option<Option<String>>,
    /// New status (published or cancelled).
    pub status: Option<ProgramStatus>,
}

/// Creates a program (admins of the municipality, or program staff for their own
/// organization).
#[tracing::instrument(skip_all, fields(publish = input.publish))]
pub async fn create_program(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: NewProgram,
) -> AppResult<Outcome<program::Model>> {
    let me = viewer
        .require_role(&[
            Role::PlatformAdmin,
            Role::MunicipalAdmin,
            Role::ProgramStaff,
        ])?
        .clone();
    let Some(organizer_id) = input.organizer_id.or(if me.role == Role::ProgramStaff {
        me.organization_id
    } else {
        None
    }) else {
        return Ok(Err(vec![FieldError::input(
            "organizerId",
            FieldErrorCode::Required,
            "主催団体を指定してください。",
        )]));
    };
    let Some(organizer) = organization::Entity::find_by_id(organizer_id)
        .one(ctx.db)
        .await?
    else {
        return Ok(Err(vec![FieldError::input(
            "organizerId",
            FieldErrorCode::NotFound,
            "指定された主催団体が見つかりません。",
        )]));
    };
    let allowed = me.administers(organizer.municipality_id)
        || (me.role == Role::ProgramStaff && me.organization_id == Some(organizer.id));
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let fields = match check_fields(&input.fields) {
        Ok(fields) => fields,
        Err(errors) => return Ok(Err(errors)),
    };
    #[derive(Serialize)]
    struct Fingerprint<'a> {
        organizer: Uuid,
        title: &'a str,
        kind: String,
        publish: bool,
    }
    let fingerprint = Fingerprint {
        organizer: organizer.id,
        title: &fields.title,
        kind: fields.kind.to_value(),
        publish: input.publish,
    };
    let created = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "createProgram"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let now = ctx.now();
            let status = if input.publish {
                ProgramStatus::Published
            } else {
                ProgramStatus::Draft
            };
            let program = program::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(organizer.municipality_id),
                organizer_organization_id: Set(organizer.id),
                created_by: Set(me.id),
                kind: Set(fields.kind),
                title: Set(fields.title.clone()),
                title_reading: Set(fields.title_reading.clone()),
                summary: Set(fields.summary.clone()),
                description: Set(fields.description.clone()),
                categories: Set(rules::encode_set(&fields.categories)),
                audiences: Set(rules::encode_set(&fields.audiences)),
                child_min_age_months: Set(fields.child_min_age_months),
                child_max_age_months: Set(fields.child_max_age_months),
                residents_only: Set(fields.residents_only),
                max_party_size: Set(fields.max_party_size),
                fee_yen: Set(fields.fee_yen),
                accessibility_notes: Set(fields.accessibility_notes.clone()),
                status: Set(status),
                first_session_at: Set(no_session_yet()),
                published_at: Set(input.publish.then_some(now)),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
            outbox::enqueue(txn, sources::PROGRAM, program.id, program.municipality_id).await?;
            Ok(Ok(program.id))
        },
    )
    .await?;
    idempotency::load_created::<program::Entity>(ctx.db, created).await
}

/// Changes a program (its managers). Cancelling it cancels its upcoming sessions and
/// notifies their registrants.
#[tracing::instrument(skip_all, fields(program_id = %id))]
pub async fn update_program(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
    changes: ProgramChanges,
) -> AppResult<Outcome<program::Model>> {
    let me = viewer.require_user()?.clone();
    let txn = db::begin_write(ctx.db).await?;
    let program = program::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .filter(|program| can_see_program(viewer, program))
        .ok_or(AppError::NotFound)?;
    if !manages(&me, &program) {
        return Err(AppError::Forbidden);
    }
    let mut fields = ProgramFields {
        kind: program.kind,
        title: changes
            .title
            .clone()
            .unwrap_or_else(|| program.title.clone()),
        title_reading: changes
            .title_reading
            .clone()
            .unwrap_or_else(|| program.title_reading.clone()),
        summary: changes
            .summary
            .clone()
            .unwrap_or_else(|| program.summary.clone()),
        description: changes
            .description
            .clone()
            .unwrap_or_else(|| program.description.clone()),
        categories: changes
            .categories
            .clone()
            .unwrap_or_else(|| rules::decode_set(&program.categories)),
        audiences: changes
            .audiences
            .clone()
            .unwrap_or_else(|| rules::decode_set(&program.audiences)),
        child_min_age_months: program.child_min_age_months,
        child_max_age_months: program.child_max_age_months,
        residents_only: changes.residents_only.unwrap_or(program.residents_only),
        max_party_size: changes.max_party_size.unwrap_or(program.max_party_size),
        fee_yen: changes.fee_yen.unwrap_or(program.fee_yen),
        accessibility_notes: changes
            .accessibility_notes
            .clone()
            .unwrap_or_else(|| program.accessibility_notes.clone()),
    };
    if let Some((min, max)) = changes.child_age_range {
        fields.child_min_age_months = min;
        fields.child_max_age_months = max;
    }
    let mut problems = Problems::new();
    let checked = match check_fields(&fields) {
        Ok(checked) => Some(checked),
        Err(errors) => {
            for error in errors {
                problems.push(error);
            }
            None
        }
    };
    if let Some(to) = changes.status {
        problems.check(states::check_program("status", program.status, to));
    }
    let (Some(fields), true) = (checked, problems.is_empty()) else {
        return Ok(Err(problems.into_vec()));
    };
    let now = ctx.now();
    let mut model = program.clone().into_active_model();
    model.title = Set(fields.title);
    model.title_reading = Set(fields.title_reading);
    model.summary = Set(fields.summary);
    model.description = Set(fields.description);
    model.categories = Set(rules::encode_set(&fields.categories));
    model.audiences = Set(rules::encode_set(&fields.audiences));
    model.child_min_age_months = Set(fields.child_min_age_months);
    model.child_max_age_months = Set(fields.child_max_age_months);
    model.residents_only = Set(fields.residents_only);
    model.max_party_size = Set(fields.max_party_size);
    model.fee_yen = Set(fields.fee_yen);
    model.accessibility_notes = Set(fields.accessibility_notes);
    let mut events = Vec::new();
    if let Some(to) = changes.status.filter(|to| *to != program.status) {
        model.status = Set(to);
        if to == ProgramStatus::Published {
            model.published_at = Set(Some(now));
        }
        if to == ProgramStatus::Cancelled {
            let upcoming = program_session::Entity::find()
                .filter(program_session::Column::ProgramId.eq(program.id))
                .filter(program_session::Column::Status.eq(SessionStatus::Scheduled))
                .filter(program_session::Column::EndsAt.gt(now))
                .lock_exclusive()
                .all(&txn)
                .await?;
            for session in upcoming {
                events.extend(
                    cancel_session_in(
                        &txn,
                        ctx,
                        &me,
                        session,
                        "プログラムが中止になりました。",
                        now,
                    )
                    .await?,
                );
            }
        }
    }
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    refresh_first_session(&txn, updated.id).await?;
    outbox::enqueue(&txn, sources::PROGRAM, updated.id, updated.municipality_id).await?;
    txn.commit().await?;
    ctx.announce(events).await;
    Ok(Ok(updated))
}

/// Validated program fields.
struct CheckedFields {
    kind: ProgramKind,
    title: String,
    title_reading: Option<String>,
    summary: String,
    description: String,
    categories: Vec<ProgramCategory>,
    audiences: Vec<Audience>,
    child_min_age_months: Option<i32>,
    child_max_age_months: Option<i32>,
    residents_only: bool,
    max_party_size: i32,
    fee_yen: i32,
    accessibility_notes: Option<String>,
}

fn check_fields(fields: &ProgramFields) -> Result<CheckedFields, Vec<FieldError>> {
    let mut problems = Problems::new();
    let title = problems.check(text::required("title", &fields.title, MAX_TITLE));
    let title_reading = problems.check(text::optional_reading(
        "titleReading",
        fields.title_reading.as_deref(),
    ));
    let summary = problems.check(long_text("summary", &fields.summary, MAX_SUMMARY));
    let description = problems.check(long_text("description", &fields.description, MAX_TEXT));
    let notes = match fields.accessibility_notes.as_deref() {
        Some(notes) if !text::normalize(notes).is_empty() => {
            problems.check(long_text("accessibilityNotes", notes, MAX_NOTE).map(Some))
        }
        _ => Some(None),
    };
    let range = rules::MAX_CHILD_AGE_MONTHS;
    for (field, value) in [
        ("childMinAgeMonths", fields.child_min_age_months),
        ("childMaxAgeMonths", fields.child_max_age_months),
    ] {
        if value.is_some_and(|months| !(0..=range).contains(&months)) {
            problems.push(FieldError::input(
                field,
                FieldErrorCode::Invalid,
                format!("月齢は0〜{range}か月で指定してください。"),
            ));
        }
    }
    if let (Some(min), Some(max)) = (fields.child_min_age_months, fields.child_max_age_months)
        && min > max
    {
        problems.push(FieldError::input(
            "childMaxAgeMonths",
            FieldErrorCode::Invalid,
            "対象月齢の上限は下限以上にしてください。",
        ));
    }
    if !(1..=MAX_PARTY).contains(&fields.max_party_size) {
        problems.push(FieldError::input(
            "maxPartySize",
            FieldErrorCode::Invalid,
            format!("1組の人数の上限は1〜{MAX_PARTY}人で指定してください。"),
        ));
    }
    if !(0..=1_000_000).contains(&fields.fee_yen) {
        problems.push(FieldError::input(
            "feeYen",
            FieldErrorCode::Invalid,
            "参加費は0〜1,000,000円で指定してください。",
        ));
    }
    if fields.categories.len() > 10 {
        problems.push(FieldError::input(
            "categories",
            FieldErrorCode::TooLong,
            "カテゴリは10個までです。",
        ));
    }
    let (Some(title), Some(title_reading), Some(summary), Some(description), Some(notes), true) = (
        title,
        title_reading,
        summary,
        description,
        notes,
        problems.is_empty(),
    ) else {
        return Err(problems.into_vec());
    };
    let audiences = if fields.audiences.is_empty() {
        vec![Audience::Everyone]
    } else {
        fields.audiences.clone()
    };
    Ok(CheckedFields {
        kind: fields.kind,
        title,
        title_reading,
        summary,
        description,
        categories: fields.categories.clone(),
        audiences,
        child_min_age_months: fields.child_min_age_months,
        child_max_age_months: fields.child_max_age_months,
        residents_only: fields.residents_only,
        max_party_size: fields.max_party_size,
        fee_yen: fields.fee_yen,
        accessibility_notes: notes,
    })
}

/// The start of a program without a session not cancelled: far in the future, so that such
/// programs list last by start date.
pub fn no_session_yet() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_214_400, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Writes the start of the program's first session not cancelled onto the program row.
/// Call in every transaction that adds, moves or cancels a session (the demo calls it after
/// writing past sessions directly).
pub async fn refresh_first_session(
    txn: &impl sea_orm::ConnectionTrait,
    program_id: Uuid,
) -> AppResult<()> {
    use program_session::Column;
    let first: Option<Option<DateTime<Utc>>> = program_session::Entity::find()
        .select_only()
        .column_as(Column::StartsAt.min(), "first")
        .filter(Column::ProgramId.eq(program_id))
        .filter(Column::Status.eq(SessionStatus::Scheduled))
        .into_tuple()
        .one(txn)
        .await?;
    program::Entity::update_many()
        .col_expr(
            program::Column::FirstSessionAt,
            sea_orm::sea_query::Expr::value(first.flatten().unwrap_or_else(no_session_yet)),
        )
        .filter(program::Column::Id.eq(program_id))
        .exec(txn)
        .await?;
    Ok(())
}

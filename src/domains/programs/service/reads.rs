//! Reads: programs, sessions and registrations the viewer may see, rosters and survey
//! summaries.

use chrono::{DateTime, Utc};
use entity::{
    program::{self, Audience, ProgramCategory, ProgramKind, ProgramStatus},
    program_session::{self, SessionStatus},
    program_survey,
    registration::{self, RegistrationStatus},
};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, EntityTrait, ExprTrait, QueryFilter, QuerySelect,
    QueryTrait, sea_query::Expr,
};
use uuid::Uuid;

use crate::graphql::ids::NodeKind;
use crate::{
    audit::{self, Read},
    auth::Viewer,
    db,
    error::{AppError, AppResult},
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
    state::ServiceContext,
};

use super::{
    cards::{ListRow, ProgramKeys},
    offers::settle_if_due,
    tokens::by_token,
    visibility::{can_see_program, is_registrant, program_visibility, viewer_manages},
};

/// Filter of the program list.
#[derive(Debug, Clone, Default)]
pub struct ProgramFilter {
    /// Only these kinds.
    pub kinds: Vec<ProgramKind>,
    /// Only programs with any of these categories.
    pub categories: Vec<ProgramCategory>,
    /// Only programs for any of these audiences, or for everyone.
    pub audiences: Vec<Audience>,
    /// Only this municipality.
    pub municipality_id: Option<Uuid>,
    /// Only this organizer.
    pub organizer_id: Option<Uuid>,
    /// Only programs with an upcoming session.
    pub upcoming: bool,
    /// Only programs open to a child of this age (months).
    pub child_age_months: Option<i32>,
    /// Only programs with an upcoming session with free seats and registration not closed.
    pub has_free_seats: bool,
    /// Only programs with an upcoming session with free childcare slots and registration
    /// not closed.
    pub has_free_childcare: bool,
    /// Only these statuses (what the viewer may see of them).
    pub statuses: Vec<ProgramStatus>,
}

/// Filter of the session list.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    /// Only sessions of this program.
    pub program_id: Option<Uuid>,
    /// Only programs of these kinds.
    pub kinds: Vec<ProgramKind>,
    /// Only programs with any of these categories.
    pub categories: Vec<ProgramCategory>,
    /// Only programs for any of these audiences, or for everyone.
    pub audiences: Vec<Audience>,
    /// Only this municipality.
    pub municipality_id: Option<Uuid>,
    /// Only sessions starting at or after.
    pub from: Option<DateTime<Utc>>,
    /// Only sessions starting before.
    pub until: Option<DateTime<Utc>>,
    /// Only sessions that have not started and are not cancelled.
    pub upcoming: bool,
    /// Only programs open to a child of this age (months).
    pub child_age_months: Option<i32>,
    /// Only sessions with free seats.
    pub has_free_seats: bool,
    /// Only upcoming sessions with free childcare slots.
    pub has_free_childcare: bool,
}

/// Order of the program list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProgramOrder {
    /// Newest created first.
    #[default]
    Newest,
    /// By the start of the first session not cancelled, earliest first.
    StartDate,
    /// By title.
    Title,
}

/// Survey answers of a program.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SurveySummary {
    /// Answers.
    pub responses: u64,
    /// Mean score, if any answer.
    pub mean_score: Option<f64>,
    /// Answers scoring 4 or 5.
    pub satisfied: u64,
}

impl SurveySummary {
    /// Summarizes `(score, answers)` pairs.
    pub fn of(scores: impl IntoIterator<Item = (i16, u64)>) -> Self {
        let (mut responses, mut total, mut satisfied) = (0u64, 0u64, 0u64);
        for (score, answers) in scores {
            responses += answers;
            total += u64::try_from(score).unwrap_or(0) * answers;
            if score >= 4 {
                satisfied += answers;
            }
        }
        if responses == 0 {
            return Self::default();
        }
        #[allow(clippy::cast_precision_loss)]
        let share = |part: u64| part as f64 / responses as f64;
        Self {
            responses,
            mean_score: Some(share(total)),
            satisfied,
        }
    }
}

/// A program the viewer may see.
#[tracing::instrument(skip_all, fields(program_id = %id))]
pub async fn find_program(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<program::Model> {
    let program = program::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if can_see_program(viewer, &program) {
        Ok(program)
    } else {
        Err(AppError::NotFound)
    }
}

/// A session of a program the viewer may see. Offers that expired are passed on first.
#[tracing::instrument(skip_all, fields(session_id = %id))]
pub async fn find_session(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<program_session::Model> {
    settle_if_due(ctx, id).await?;
    let session = program_session::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    find_program(ctx, viewer, session.program_id).await?;
    Ok(session)
}

/// A registration the viewer registered or manages.
#[tracing::instrument(skip_all, fields(registration_id = %id))]
pub async fn find_registration(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<registration::Model> {
    let found = registration::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    settle_if_due(ctx, found.session_id).await?;
    let registration = registration::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if is_registrant(viewer, &registration) {
        return Ok(registration);
    }
    let program = program::Entity::find_by_id(registration.program_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(me) = viewer
        .user
        .as_ref()
        .filter(|_| viewer_manages(viewer, &program))
    else {
        return Err(AppError::NotFound);
    };
    audit::record(ctx.db, me.id, [read_of(&registration, "detail")]).await?;
    Ok(registration)
}

/// Kind of registrations in the personal-data access log.
const SUBJECT: NodeKind = NodeKind::Registration;

/// A staff read of `registration`'s personal data (names, contact, children), for the log.
pub(super) fn read_of(registration: &registration::Model, accessed: &'static str) -> Read {
    Read {
        municipality_id: registration.municipality_id,
        subject_kind: SUBJECT,
        subject_id: registration.id,
        accessed,
    }
}

/// A guest's registration by its manage token.
#[tracing::instrument(skip_all)]
pub async fn find_by_manage_token(
    ctx: ServiceContext<'_>,
    token: &str,
) -> AppResult<registration::Model> {
    let found = by_token(ctx.db, token).await?;
    settle_if_due(ctx, found.session_id).await?;
    by_token(ctx.db, token).await
}

/// Programs the viewer may see, in `order` (ties by id, so cursors stay stable), read as
/// `R`: whole rows or cards.
#[tracing::instrument(skip_all)]
pub async fn list_programs<R>(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    filter: ProgramFilter,
    order: ProgramOrder,
    page: PageArgs,
) -> AppResult<Page<R>>
where
    R: ListRow<program::Entity> + ProgramKeys,
{
    use program::Column;
    let now = db::now();
    let mut select = R::columns(program::Entity::find()).filter(program_visibility(viewer));
    select = select.filter(program_conditions(
        &filter.kinds,
        &filter.categories,
        &filter.audiences,
        filter.municipality_id,
        filter.child_age_months,
    ));
    if let Some(id) = filter.organizer_id {
        select = select.filter(Column::OrganizerOrganizationId.eq(id));
    }
    if !filter.statuses.is_empty() {
        select = select.filter(Column::Status.is_in(filter.statuses));
    }
    if filter.upcoming || filter.has_free_seats || filter.has_free_childcare {
        use program_session::Column as S;
        let mut sessions = program_session::Entity::find()
            .select_only()
            .column(S::ProgramId)
            .filter(S::Status.eq(SessionStatus::Scheduled))
            .filter(S::StartsAt.gt(now));
        if filter.has_free_seats {
            sessions = sessions
                .filter(free_seats())
                .filter(S::RegistrationClosesAt.gt(now));
        }
        if filter.has_free_childcare {
            sessions = sessions
                .filter(free_childcare())
                .filter(S::RegistrationClosesAt.gt(now));
        }
        select = select.filter(Column::Id.in_subquery(sessions.into_query()));
    }
    let ordering = match order {
        ProgramOrder::Newest => Ordering::<program::Entity, R> {
            column: None,
            id: Column::Id,
            descending: true,
            key: |row| (None, row.id()),
        },
        ProgramOrder::StartDate => Ordering {
            column: Some(Column::FirstSessionAt),
            id: Column::Id,
            descending: false,
            key: |row: &R| (Some(SortValue::Time(row.first_session_at())), row.id()),
        },
        ProgramOrder::Title => Ordering {
            column: Some(Column::Title),
            id: Column::Id,
            descending: false,
            key: |row: &R| (Some(SortValue::Text(row.title().to_owned())), row.id()),
        },
    };
    paginate(ctx.db, select, &ordering, page, ctx.limits.max_page_size).await
}

/// Sessions of programs the viewer may see, by start time.
#[tracing::instrument(skip_all)]
pub async fn list_sessions(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    filter: SessionFilter,
    page: PageArgs,
) -> AppResult<Page<program_session::Model>> {
    use program_session::Column;
    let now = db::now();
    let programs = program::Entity::find()
        .select_only()
        .column(program::Column::Id)
        .filter(program_visibility(viewer))
        .filter(program_conditions(
            &filter.kinds,
            &filter.categories,
            &filter.audiences,
            filter.municipality_id,
            filter.child_age_months,
        ))
        .into_query();
    let mut select =
        program_session::Entity::find().filter(Column::ProgramId.in_subquery(programs));
    if let Some(id) = filter.program_id {
        select = select.filter(Column::ProgramId.eq(id));
    }
    if let Some(from) = filter.from {
        select = select.filter(Column::StartsAt.gte(from));
    }
    if let Some(until) = filter.until {
        select = select.filter(Column::StartsAt.lt(until));
    }
    if filter.upcoming {
        select = select
            .filter(Column::StartsAt.gt(now))
            .filter(Column::Status.eq(SessionStatus::Scheduled));
    }
    if filter.has_free_seats {
        select = select
            .filter(free_seats())
            .filter(Column::Status.eq(SessionStatus::Scheduled));
    }
    if filter.has_free_childcare {
        select = select
            .filter(free_childcare())
            .filter(Column::StartsAt.gt(now))
            .filter(Column::Status.eq(SessionStatus::Scheduled));
    }
    let ordering = Ordering::<program_session::Entity> {
        column: Some(Column::StartsAt),
        id: Column::Id,
        descending: false,
        key: |row| (Some(SortValue::Time(row.starts_at)), row.id),
    };
    paginate(ctx.db, select, &ordering, page, ctx.limits.max_page_size).await
}

/// The signed-in viewer's own registrations, newest first.
#[tracing::instrument(skip_all)]
pub async fn list_my_registrations(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    page: PageArgs,
) -> AppResult<Page<registration::Model>> {
    let me = viewer.require_user()?;
    use registration::Column;
    let ordering = Ordering::<registration::Entity> {
        column: None,
        id: Column::Id,
        descending: true,
        key: |row| (None, row.id),
    };
    paginate(
        ctx.db,
        registration::Entity::find().filter(Column::UserId.eq(me.id)),
        &ordering,
        page,
        ctx.limits.max_page_size,
    )
    .await
}

/// The roster of a session, in registration order (managers only).
#[tracing::instrument(skip_all, fields(session_id = %session.id))]
pub async fn list_roster(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    session: &program_session::Model,
    statuses: Vec<RegistrationStatus>,
    page: PageArgs,
) -> AppResult<Page<registration::Model>> {
    let program = program::Entity::find_by_id(session.program_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let me = viewer.require_user()?;
    if !viewer_manages(viewer, &program) {
        return Err(AppError::Forbidden);
    }
    use registration::Column;
    let mut select = registration::Entity::find().filter(Column::SessionId.eq(session.id));
    if !statuses.is_empty() {
        select = select.filter(Column::Status.is_in(statuses));
    }
    let ordering = Ordering::<registration::Entity> {
        column: None,
        id: Column::Id,
        descending: false,
        key: |row| (None, row.id),
    };
    let page = paginate(ctx.db, select, &ordering, page, ctx.limits.max_page_size).await?;
    audit::record(
        ctx.db,
        me.id,
        page.rows.iter().map(|(_, row)| read_of(row, "roster")),
    )
    .await?;
    Ok(page)
}

/// Survey answers of programs of a municipality (admins), optionally of one kind and one
/// fiscal year.
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id, kind = ?kind, fiscal_year = ?fiscal_year))]
pub async fn municipality_survey_summary(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    municipality_id: Uuid,
    kind: Option<ProgramKind>,
    fiscal_year: Option<i32>,
) -> AppResult<SurveySummary> {
    viewer.require_admin_of(municipality_id)?;
    fiscal_year.map(crate::fiscal::checked_year).transpose()?;
    use program_survey::Column;
    let mut select = program_survey::Entity::find()
        .select_only()
        .column(Column::Score)
        .column_as(Column::Id.count(), "answers")
        .filter(Column::MunicipalityId.eq(municipality_id))
        .group_by(Column::Score);
    if let Some(year) = fiscal_year {
        select = select.filter(Column::FiscalYear.eq(year));
    }
    if let Some(kind) = kind {
        let programs = program::Entity::find()
            .select_only()
            .column(program::Column::Id)
            .filter(program::Column::Kind.eq(kind))
            .filter(program::Column::MunicipalityId.eq(municipality_id))
            .into_query();
        select = select.filter(Column::ProgramId.in_subquery(programs));
    }
    let rows: Vec<(i16, i64)> = select.into_tuple().all(ctx.db).await?;
    Ok(SurveySummary::of(rows.into_iter().map(
        |(score, answers)| (score, u64::try_from(answers).unwrap_or(0)),
    )))
}

fn free_seats() -> Condition {
    use program_session::Column;
    Condition::all().add(
        Expr::col((program_session::Entity, Column::SeatsTaken))
            .lt(Expr::col((program_session::Entity, Column::Capacity))),
    )
}

/// Sessions whose 託児 has a free slot (none for a session without 託児).
fn free_childcare() -> Condition {
    use program_session::Column;
    Condition::all().add(
        Expr::col((program_session::Entity, Column::ChildcareTaken))
            .lt(Expr::col((program_session::Entity, Column::ChildcareSlots))),
    )
}

fn program_conditions(
    kinds: &[ProgramKind],
    categories: &[ProgramCategory],
    audiences: &[Audience],
    municipality_id: Option<Uuid>,
    child_age_months: Option<i32>,
) -> Condition {
    use program::Column;
    let mut condition = Condition::all();
    if !kinds.is_empty() {
        condition = condition.add(Column::Kind.is_in(kinds.to_vec()));
    }
    if !categories.is_empty() {
        let mut any = Condition::any();
        for category in categories {
            any = any.add(Column::Categories.like(format!("%,{},%", category.to_value())));
        }
        condition = condition.add(any);
    }
    if !audiences.is_empty() {
        // A program for everyone (no audience, or `everyone`) is for each audience too.
        let mut any = Condition::any()
            .add(Column::Audiences.eq(""))
            .add(Column::Audiences.like(format!("%,{},%", Audience::Everyone.to_value())));
        for audience in audiences {
            any = any.add(Column::Audiences.like(format!("%,{},%", audience.to_value())));
        }
        condition = condition.add(any);
    }
    if let Some(id) = municipality_id {
        condition = condition.add(Column::MunicipalityId.eq(id));
    }
    if let Some(age) = child_age_months {
        condition = condition
            .add(
                Condition::any()
                    .add(Column::ChildMinAgeMonths.is_null())
                    .add(Column::ChildMinAgeMonths.lte(age)),
            )
            .add(
                Condition::any()
                    .add(Column::ChildMaxAgeMonths.is_null())
                    .add(Column::ChildMaxAgeMonths.gte(age)),
            );
    }
    condition
}

#[cfg(test)]
mod tests {
    use super::SurveySummary;

    #[test]
    fn survey_summaries_give_the_mean_and_the_share_of_four_and_five() {
        let summary = SurveySummary::of([(5, 2), (4, 1), (2, 1)]);
        assert_eq!(summary.responses, 4);
        assert_eq!(summary.mean_score, Some(4.0));
        assert_eq!(summary.satisfied, 3);
        assert_eq!(SurveySummary::of([]).mean_score, None);
    }
}

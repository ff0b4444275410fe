//! DataLoaders of the programs domain: one SQL statement per batch, not per row. They load
//! raw rows; the fields that use them check what the viewer may see.

use std::collections::{HashMap, HashSet};

use async_graphql::dataloader::Loader;
use entity::{
    program, program_session, program_survey,
    registration::{self, RegistrationStatus},
    registration_child, registration_status_change,
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::service::{ListRow, SessionCard, SessionKeys};
use crate::domains::identity::loaders::{LoadError, load_error};

/// Loads what lists of programs, sessions and registrations need per item.
pub struct ProgramsLoader {
    db: DatabaseConnection,
}

impl ProgramsLoader {
    /// A loader reading from `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// Key: a program by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProgramById(pub Uuid);

/// Key: a session by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionById(pub Uuid);

/// Key: the sessions of a program, by start time; with `upcoming`, only those that have not
/// started and are not cancelled (the rest are not read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionsOfProgram {
    /// The program.
    pub program_id: Uuid,
    /// Only sessions that have not started and are not cancelled.
    pub upcoming: bool,
}

/// Key: the sessions of a program as [`SessionCard`]s, for lists that show only what a card
/// holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionCardsOf(pub SessionsOfProgram);

/// Key: the children of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChildrenOf(pub Uuid);

/// Key: the status history of a registration, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HistoryOf(pub Uuid);

/// Key: the waitlisted registrations of a session, in order (ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WaitlistOf(pub Uuid);

/// Key: registrations per status of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttendanceOf(pub Uuid);

/// Key: whether a user holds a confirmed (or attended) place on a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConfirmedPlace {
    /// The user.
    pub user_id: Uuid,
    /// The session.
    pub session_id: Uuid,
}

/// Key: the survey answer of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SurveyOf(pub Uuid);

/// Key: survey scores of a program, optionally of one fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SurveyScoresOf {
    /// The program.
    pub program_id: Uuid,
    /// Only this fiscal year.
    pub fiscal_year: Option<i32>,
}

/// Registrations of one session per status: parties and people.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attendance {
    /// Confirmed parties (not yet checked in).
    pub confirmed: u64,
    /// Parties checked in.
    pub attended: u64,
    /// Parties marked no-show.
    pub no_show: u64,
    /// Parties waiting.
    pub waitlisted: u64,
    /// Parties with an open offer.
    pub offered: u64,
    /// People (adults and children) checked in.
    pub attended_people: u64,
}

/// Session, status, parties, adults and children of one group of registrations.
type StatusCountRow = (Uuid, RegistrationStatus, i64, Option<i64>, Option<i64>);

impl Loader<ProgramById> for ProgramsLoader {
    type Value = program::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProgramById],
    ) -> Result<HashMap<ProgramById, Self::Value>, Self::Error> {
        let rows = program::Entity::find()
            .filter(program::Column::Id.is_in(keys.iter().map(|key| key.0)))
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(rows
            .into_iter()
            .map(|row| (ProgramById(row.id), row))
            .collect())
    }
}

impl Loader<SessionById> for ProgramsLoader {
    type Value = program_session::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[SessionById],
    ) -> Result<HashMap<SessionById, Self::Value>, Self::Error> {
        let rows = program_session::Entity::find()
            .filter(program_session::Column::Id.is_in(keys.iter().map(|key| key.0)))
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(rows
            .into_iter()
            .map(|row| (SessionById(row.id), row))
            .collect())
    }
}

impl Loader<SessionsOfProgram> for ProgramsLoader {
    type Value = Vec<program_session::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[SessionsOfProgram],
    ) -> Result<HashMap<SessionsOfProgram, Self::Value>, Self::Error> {
        sessions_of(&self.db, keys).await
    }
}

impl Loader<SessionCardsOf> for ProgramsLoader {
    type Value = Vec<SessionCard>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[SessionCardsOf],
    ) -> Result<HashMap<SessionCardsOf, Self::Value>, Self::Error> {
        let keys: Vec<SessionsOfProgram> = keys.iter().map(|key| key.0).collect();
        Ok(sessions_of(&self.db, &keys)
            .await?
            .into_iter()
            .map(|(key, cards)| (SessionCardsOf(key), cards))
            .collect())
    }
}

/// The sessions of programs by start time, read as `R` (whole rows or cards), in one
/// statement for both kinds of key: every session of the programs asked for whole, only
/// the upcoming ones of the others.
async fn sessions_of<R>(
    db: &DatabaseConnection,
    keys: &[SessionsOfProgram],
) -> Result<HashMap<SessionsOfProgram, Vec<R>>, LoadError>
where
    R: ListRow<program_session::Entity> + SessionKeys,
{
    use program_session::{Column, SessionStatus};
    let now = crate::db::now();
    let ids = |upcoming: bool| {
        keys.iter()
            .filter(move |key| key.upcoming == upcoming)
            .map(|key| key.program_id)
            .collect::<Vec<_>>()
    };
    let rows = R::columns(program_session::Entity::find())
        .filter(
            Condition::any()
                .add(Column::ProgramId.is_in(ids(false)))
                .add(
                    Condition::all()
                        .add(Column::ProgramId.is_in(ids(true)))
                        .add(Column::StartsAt.gt(now))
                        .add(Column::Status.eq(SessionStatus::Scheduled)),
                ),
        )
        .order_by_asc(Column::StartsAt)
        .order_by_asc(Column::Id)
        .into_model::<R>()
        .all(db)
        .await
        .map_err(load_error)?;
    let asked: HashSet<&SessionsOfProgram> = keys.iter().collect();
    let mut map: HashMap<SessionsOfProgram, Vec<R>> = HashMap::new();
    for row in rows {
        let whole = SessionsOfProgram {
            program_id: row.program_id(),
            upcoming: false,
        };
        let upcoming = SessionsOfProgram {
            upcoming: true,
            ..whole
        };
        // A row is copied only when both lists of its programme were asked for.
        let to_upcoming = asked.contains(&upcoming) && row.upcoming_at(now);
        if asked.contains(&whole) {
            if to_upcoming {
                map.entry(upcoming).or_default().push(row.clone());
            }
            map.entry(whole).or_default().push(row);
        } else if to_upcoming {
            map.entry(upcoming).or_default().push(row);
        }
    }
    Ok(map)
}

impl Loader<ChildrenOf> for ProgramsLoader {
    type Value = Vec<registration_child::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ChildrenOf],
    ) -> Result<HashMap<ChildrenOf, Self::Value>, Self::Error> {
        use registration_child::Column;
        let rows = registration_child::Entity::find()
            .filter(Column::RegistrationId.is_in(keys.iter().map(|key| key.0)))
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut map: HashMap<ChildrenOf, Self::Value> = HashMap::new();
        for row in rows {
            map.entry(ChildrenOf(row.registration_id))
                .or_default()
                .push(row);
        }
        Ok(map)
    }
}

impl Loader<HistoryOf> for ProgramsLoader {
    type Value = Vec<registration_status_change::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[HistoryOf],
    ) -> Result<HashMap<HistoryOf, Self::Value>, Self::Error> {
        use registration_status_change::Column;
        let rows = registration_status_change::Entity::find()
            .filter(Column::RegistrationId.is_in(keys.iter().map(|key| key.0)))
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut map: HashMap<HistoryOf, Self::Value> = HashMap::new();
        for row in rows {
            map.entry(HistoryOf(row.registration_id))
                .or_default()
                .push(row);
        }
        Ok(map)
    }
}

impl Loader<WaitlistOf> for ProgramsLoader {
    type Value = Vec<Uuid>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[WaitlistOf],
    ) -> Result<HashMap<WaitlistOf, Self::Value>, Self::Error> {
        use registration::Column;
        let rows: Vec<(Uuid, Uuid)> = registration::Entity::find()
            .select_only()
            .column(Column::SessionId)
            .column(Column::Id)
            .filter(Column::SessionId.is_in(keys.iter().map(|key| key.0)))
            .filter(Column::Status.eq(RegistrationStatus::Waitlisted))
            .order_by_asc(Column::Id)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut map: HashMap<WaitlistOf, Self::Value> = HashMap::new();
        for (session_id, id) in rows {
            map.entry(WaitlistOf(session_id)).or_default().push(id);
        }
        Ok(map)
    }
}

impl Loader<AttendanceOf> for ProgramsLoader {
    type Value = Attendance;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AttendanceOf],
    ) -> Result<HashMap<AttendanceOf, Self::Value>, Self::Error> {
        use registration::Column;
        let rows: Vec<StatusCountRow> = registration::Entity::find()
            .select_only()
            .column(Column::SessionId)
            .column(Column::Status)
            .column_as(Column::Id.count(), "parties")
            .column_as(Column::Adults.sum(), "adults")
            .column_as(Column::Children.sum(), "children")
            .filter(Column::SessionId.is_in(keys.iter().map(|key| key.0)))
            .group_by(Column::SessionId)
            .group_by(Column::Status)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut map: HashMap<AttendanceOf, Attendance> = HashMap::new();
        for (session_id, status, parties, adults, children) in rows {
            let parties = u64::try_from(parties).unwrap_or_default();
            let entry = map.entry(AttendanceOf(session_id)).or_default();
            match status {
                RegistrationStatus::Confirmed => entry.confirmed = parties,
                RegistrationStatus::Attended => {
                    entry.attended = parties;
                    entry.attended_people =
                        u64::try_from(adults.unwrap_or(0) + children.unwrap_or(0))
                            .unwrap_or_default();
                }
                RegistrationStatus::NoShow => entry.no_show = parties,
                RegistrationStatus::Waitlisted => entry.waitlisted = parties,
                RegistrationStatus::Offered => entry.offered = parties,
                RegistrationStatus::Cancelled => {}
            }
        }
        Ok(map)
    }
}

impl Loader<ConfirmedPlace> for ProgramsLoader {
    type Value = bool;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ConfirmedPlace],
    ) -> Result<HashMap<ConfirmedPlace, Self::Value>, Self::Error> {
        use registration::Column;
        let rows: Vec<(Option<Uuid>, Uuid)> = registration::Entity::find()
            .select_only()
            .column(Column::UserId)
            .column(Column::SessionId)
            .filter(Column::UserId.is_in(keys.iter().map(|key| key.user_id)))
            .filter(Column::SessionId.is_in(keys.iter().map(|key| key.session_id)))
            .filter(
                Column::Status.is_in([RegistrationStatus::Confirmed, RegistrationStatus::Attended]),
            )
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(rows
            .into_iter()
            .filter_map(|(user_id, session_id)| {
                Some((
                    ConfirmedPlace {
                        user_id: user_id?,
                        session_id,
                    },
                    true,
                ))
            })
            .collect())
    }
}

impl Loader<SurveyOf> for ProgramsLoader {
    type Value = program_survey::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[SurveyOf]) -> Result<HashMap<SurveyOf, Self::Value>, Self::Error> {
        let rows = program_survey::Entity::find()
            .filter(program_survey::Column::RegistrationId.is_in(keys.iter().map(|key| key.0)))
            .all(&self.db)
            .await
            .map_err(load_error)?;
        Ok(rows
            .into_iter()
            .map(|row| (SurveyOf(row.registration_id), row))
            .collect())
    }
}

impl Loader<SurveyScoresOf> for ProgramsLoader {
    type Value = Vec<(i16, u64)>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[SurveyScoresOf],
    ) -> Result<HashMap<SurveyScoresOf, Self::Value>, Self::Error> {
        use program_survey::Column;
        let rows: Vec<(Uuid, i32, i16, i64)> = program_survey::Entity::find()
            .select_only()
            .column(Column::ProgramId)
            .column(Column::FiscalYear)
            .column(Column::Score)
            .column_as(Column::Id.count(), "answers")
            .filter(Column::ProgramId.is_in(keys.iter().map(|key| key.program_id)))
            .group_by(Column::ProgramId)
            .group_by(Column::FiscalYear)
            .group_by(Column::Score)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut map: HashMap<SurveyScoresOf, Self::Value> = HashMap::new();
        for key in keys {
            let scores = rows
                .iter()
                .filter(|(program_id, year, _, _)| {
                    *program_id == key.program_id && key.fiscal_year.is_none_or(|y| y == *year)
                })
                .map(|(_, _, score, answers)| (*score, u64::try_from(*answers).unwrap_or_default()))
                .collect();
            map.insert(*key, scores);
        }
        Ok(map)
    }
}

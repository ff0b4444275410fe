//! Rows of programs and sessions as lists read them: the whole row, or only the columns a
//! list card shows (a [`ProgramCard`], a [`SessionCard`]). A list of twenty programmes with
//! their sessions reads some 1,600 column values whole and some 700 as cards; each value
//! read is copied and decoded, so a list that shows titles and free seats reads cards.

use chrono::{DateTime, Utc};
use entity::{
    program::{self, ProgramKind, ProgramStatus},
    program_session::{self, SessionStatus},
};
use sea_orm::{DerivePartialModel, EntityTrait, FromQueryResult, PartialModelTrait, Select};
use uuid::Uuid;

/// What a list reads of each row: the whole row or its card.
pub trait ListRow<E: EntityTrait>: FromQueryResult + Clone + Send + Sync + 'static {
    /// `select` reading the columns of this row (all of them for the whole row).
    fn columns(select: Select<E>) -> Select<E>;
}

impl ListRow<program::Entity> for program::Model {
    fn columns(select: Select<program::Entity>) -> Select<program::Entity> {
        select
    }
}

impl ListRow<program_session::Entity> for program_session::Model {
    fn columns(select: Select<program_session::Entity>) -> Select<program_session::Entity> {
        select
    }
}

/// The columns of a program that a list of programs shows: enough for its id, kind,
/// title, summary, status, start, municipality, organizer and sessions.
#[derive(Debug, Clone, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "program::Entity")]
pub struct ProgramCard {
    /// Its id.
    pub id: Uuid,
    /// The municipality running it.
    pub municipality_id: Uuid,
    /// The organizer organization.
    pub organizer_organization_id: Uuid,
    /// Kind of program.
    pub kind: ProgramKind,
    /// Title.
    pub title: String,
    /// One-paragraph summary.
    pub summary: String,
    /// Where it stands.
    pub status: ProgramStatus,
    /// Start of its first session not cancelled (see [`program::Model::first_session_at`]).
    pub first_session_at: DateTime<Utc>,
}

impl From<&program::Model> for ProgramCard {
    fn from(whole: &program::Model) -> Self {
        Self {
            id: whole.id,
            municipality_id: whole.municipality_id,
            organizer_organization_id: whole.organizer_organization_id,
            kind: whole.kind,
            title: whole.title.clone(),
            summary: whole.summary.clone(),
            status: whole.status,
            first_session_at: whole.first_session_at,
        }
    }
}

impl ListRow<program::Entity> for ProgramCard {
    fn columns(select: Select<program::Entity>) -> Select<program::Entity> {
        Self::select_cols(sea_orm::QuerySelect::select_only(select))
    }
}

/// Sort keys of a program row, whole or card.
pub trait ProgramKeys {
    /// Its id.
    fn id(&self) -> Uuid;
    /// Its title.
    fn title(&self) -> &str;
    /// Start of its first session not cancelled.
    fn first_session_at(&self) -> DateTime<Utc>;
}

/// Implements [`ProgramKeys`] for the whole row and the card alike.
macro_rules! program_keys {
    ($($row:ty),+) => {$(
        impl ProgramKeys for $row {
            fn id(&self) -> Uuid {
                self.id
            }
            fn title(&self) -> &str {
                &self.title
            }
            fn first_session_at(&self) -> DateTime<Utc> {
                self.first_session_at
            }
        }
    )+};
}

program_keys!(program::Model, ProgramCard);

/// The columns of a session that a list of sessions shows: enough for its id, times,
/// seats, status, registration window, program, waitlist and attendance.
#[derive(Debug, Clone, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "program_session::Entity")]
pub struct SessionCard {
    /// Its id.
    pub id: Uuid,
    /// Its program.
    pub program_id: Uuid,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Seats, in people.
    pub capacity: i32,
    /// Seats held (confirmed, attended and offered).
    pub seats_taken: i32,
    /// Whether it takes place.
    pub status: SessionStatus,
    /// When registration opens.
    pub registration_opens_at: DateTime<Utc>,
    /// When registration closes.
    pub registration_closes_at: DateTime<Utc>,
}

impl From<&program_session::Model> for SessionCard {
    fn from(whole: &program_session::Model) -> Self {
        Self {
            id: whole.id,
            program_id: whole.program_id,
            starts_at: whole.starts_at,
            ends_at: whole.ends_at,
            capacity: whole.capacity,
            seats_taken: whole.seats_taken,
            status: whole.status,
            registration_opens_at: whole.registration_opens_at,
            registration_closes_at: whole.registration_closes_at,
        }
    }
}

impl ListRow<program_session::Entity> for SessionCard {
    fn columns(select: Select<program_session::Entity>) -> Select<program_session::Entity> {
        Self::select_cols(sea_orm::QuerySelect::select_only(select))
    }
}

/// What the sessions of a program are grouped and filtered by, whole or card.
pub trait SessionKeys {
    /// Its program.
    fn program_id(&self) -> Uuid;
    /// Whether it has not started by `now` and is not cancelled.
    fn upcoming_at(&self, now: DateTime<Utc>) -> bool;
}

/// Implements [`SessionKeys`] for the whole row and the card alike.
macro_rules! session_keys {
    ($($row:ty),+) => {$(
        impl SessionKeys for $row {
            fn program_id(&self) -> Uuid {
                self.program_id
            }
            fn upcoming_at(&self, now: DateTime<Utc>) -> bool {
                self.starts_at > now && self.status == SessionStatus::Scheduled
            }
        }
    )+};
}

session_keys!(program_session::Model, SessionCard);

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, QueryTrait};

    use super::*;

    #[test]
    fn a_card_reads_only_its_own_columns() {
        let sql = ProgramCard::columns(program::Entity::find())
            .build(DbBackend::Sqlite)
            .to_string();
        assert!(sql.contains("\"title\""), "{sql}");
        assert!(!sql.contains("\"description\""), "{sql}");
        let sql = SessionCard::columns(program_session::Entity::find())
            .build(DbBackend::Sqlite)
            .to_string();
        assert!(sql.contains("\"seats_taken\""), "{sql}");
        assert!(!sql.contains("\"venue\""), "{sql}");
    }
}

//! The roster of a session for its organizer's staff: every registration not cancelled,
//! with its registrant's contact details and children, as the CSV and sign-in sheet
//! downloads render it.

use std::collections::HashMap;

use entity::{
    program, program_session,
    registration::{self, RegistrationStatus},
    registration_child, user,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{
    audit,
    auth::Viewer,
    error::{AppError, AppResult},
    state::ServiceContext,
};

use super::{lookup::program_of, reads::read_of, visibility::manages};

/// One party on the roster.
#[derive(Debug, Clone)]
pub struct RosterLine {
    /// The registration.
    pub registration: registration::Model,
    /// The registrant's name.
    pub name: String,
    /// The registrant's kana reading.
    pub kana: String,
    /// The registrant's email address.
    pub email: String,
    /// The guest's phone number (account holders give none).
    pub phone: Option<String>,
    /// The children of the party.
    pub children: Vec<registration_child::Model>,
}

/// The roster of a session.
#[derive(Debug, Clone)]
pub struct Roster {
    /// The program.
    pub program: program::Model,
    /// The session.
    pub session: program_session::Model,
    /// Every registration not cancelled, in registration order.
    pub lines: Vec<RosterLine>,
}

/// The roster of a session, for the program's managers only (anyone else: `NOT_FOUND`).
/// Every registration handed out is written to the personal-data access log as
/// `roster_export`.
#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn session_roster(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    session_id: Uuid,
) -> AppResult<Roster> {
    let me = viewer.require_user()?;
    let session = program_session::Entity::find_by_id(session_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let program = program_of(ctx.db, &session).await?;
    if !manages(me, &program) {
        return Err(AppError::NotFound);
    }
    let registrations = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session.id))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled))
        .order_by_asc(registration::Column::Id)
        .all(ctx.db)
        .await?;
    let ids: Vec<Uuid> = registrations.iter().map(|r| r.id).collect();
    let mut children: HashMap<Uuid, Vec<registration_child::Model>> = HashMap::new();
    for child in registration_child::Entity::find()
        .filter(registration_child::Column::RegistrationId.is_in(ids))
        .order_by_asc(registration_child::Column::Id)
        .all(ctx.db)
        .await?
    {
        children
            .entry(child.registration_id)
            .or_default()
            .push(child);
    }
    let user_ids: Vec<Uuid> = registrations.iter().filter_map(|r| r.user_id).collect();
    let users: HashMap<Uuid, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(ctx.db)
        .await?
        .into_iter()
        .map(|user| (user.id, user))
        .collect();
    audit::record(
        ctx.db,
        me.id,
        registrations.iter().map(|r| read_of(r, "roster_export")),
    )
    .await?;
    let lines = registrations
        .into_iter()
        .map(|registration| {
            let account = registration.user_id.and_then(|id| users.get(&id));
            RosterLine {
                name: account.map_or_else(
                    || registration.guest_name.clone().unwrap_or_default(),
                    |user| user.display_name.clone(),
                ),
                kana: account.map_or_else(
                    || registration.guest_kana.clone().unwrap_or_default(),
                    |user| user.display_name_kana.clone(),
                ),
                email: account.map_or_else(
                    || registration.guest_email.clone().unwrap_or_default(),
                    |user| user.email.clone(),
                ),
                phone: registration.guest_phone.clone(),
                children: children.remove(&registration.id).unwrap_or_default(),
                registration,
            }
        })
        .collect();
    Ok(Roster {
        program,
        session,
        lines,
    })
}

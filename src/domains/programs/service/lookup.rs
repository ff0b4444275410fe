//! Finding and locking what a change works on.

use entity::{
    program::{self},
    program_session::{self},
    registration::{self},
};
use sea_orm::{ConnectionTrait, DatabaseTransaction, EntityTrait, QuerySelect};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    error::{AppError, AppResult},
};

use super::{
    RegistrationRef,
    tokens::by_token,
    visibility::{is_registrant, viewer_manages},
};

/// The registration, its locked session, and whether the viewer acts as staff.
pub(super) async fn locate(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    reference: &RegistrationRef,
) -> AppResult<(registration::Model, program_session::Model, bool)> {
    let registration = match reference {
        RegistrationRef::Id(id) => registration::Entity::find_by_id(*id)
            .one(txn)
            .await?
            .ok_or(AppError::NotFound)?,
        RegistrationRef::Token(token) => by_token(txn, token).await?,
    };
    let session = lock_session(txn, registration.session_id).await?;
    if matches!(reference, RegistrationRef::Token(_)) || is_registrant(viewer, &registration) {
        return Ok((registration, session, false));
    }
    let program = program_of(txn, &session).await?;
    if viewer_manages(viewer, &program) {
        Ok((registration, session, true))
    } else {
        Err(AppError::NotFound)
    }
}

pub(super) async fn lock_session(
    txn: &DatabaseTransaction,
    id: Uuid,
) -> AppResult<program_session::Model> {
    program_session::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

pub(super) async fn program_of(
    db: &impl ConnectionTrait,
    session: &program_session::Model,
) -> AppResult<program::Model> {
    program::Entity::find_by_id(session.program_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

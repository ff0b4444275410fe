//! Who is on a municipality's employment team, and the records it may see.

use entity::{
    employment_enrollment::{self as enrollment},
    organization::{self, OrganizationKind},
};
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::SUBJECT;
use crate::{
    audit::Read,
    auth::{AuthUser, Role, Viewer},
    error::{AppError, AppResult},
};

/// Whether `me` is on the employment team of `municipality_id`: one of its administrators,
/// or program staff of one of its employment-support offices.
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id))]
pub(super) async fn on_team(
    db: &impl ConnectionTrait,
    me: &AuthUser,
    municipality_id: Uuid,
) -> AppResult<bool> {
    if me.administers(municipality_id) {
        return Ok(true);
    }
    let (Role::ProgramStaff, Some(own), Some(organization_id)) =
        (me.role, me.municipality_id, me.organization_id)
    else {
        return Ok(false);
    };
    if own != municipality_id {
        return Ok(false);
    }
    Ok(organization::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .is_some_and(|organization| {
            organization.kind == OrganizationKind::EmploymentSupportOffice
                && organization.municipality_id == municipality_id
        }))
}

/// The signed-in team member of `municipality_id`, or `UNAUTHENTICATED` / `FORBIDDEN`.
pub(super) async fn require_team<'v>(
    db: &impl ConnectionTrait,
    viewer: &'v Viewer,
    municipality_id: Uuid,
) -> AppResult<&'v AuthUser> {
    let me = viewer.require_user()?;
    if on_team(db, me, municipality_id).await? {
        Ok(me)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The municipality a list or creation is about: the given one, or the viewer's own.
pub(super) fn municipality_of(viewer: &Viewer, given: Option<Uuid>) -> AppResult<Uuid> {
    let me = viewer.require_user()?;
    given
        .or(me.municipality_id)
        .ok_or_else(|| AppError::BadUserInput("give a municipalityId".into()))
}

/// An enrollment the viewer's team may see, or `NOT_FOUND` (whoever asks: a record of
/// another team is not revealed).
pub(super) async fn visible_enrollment(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(AuthUser, enrollment::Model)> {
    let me = viewer.require_user()?;
    let found = enrollment::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if on_team(db, me, found.municipality_id).await? {
        Ok((me.clone(), found))
    } else {
        Err(AppError::NotFound)
    }
}

pub(super) fn read_of(enrollment: &enrollment::Model, accessed: &'static str) -> Read {
    Read {
        municipality_id: enrollment.municipality_id,
        subject_kind: SUBJECT,
        subject_id: enrollment.id,
        accessed,
    }
}

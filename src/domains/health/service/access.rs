//! Who acts for a clinic, and which clinic may read which child.
//!
//! Clinic staff are program staff of an organization of kind `clinic`. A clinic reads a
//! child's health data only while the child has a booking or a 予診票 with it; every such
//! read is written to the personal-data access log, as the municipality's health staff's are.

use entity::{
    health_booking::{self as booking, BookingStatus},
    health_form_submission as submission,
    organization::{self, OrganizationKind},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::{AuthUser, Role, Viewer};
use crate::error::{AppError, AppResult};

/// The clinic `me` works at, if any.
pub async fn clinic_of(
    db: &impl ConnectionTrait,
    me: &AuthUser,
) -> AppResult<Option<organization::Model>> {
    let (Role::ProgramStaff, Some(organization_id)) = (me.role, me.organization_id) else {
        return Ok(None);
    };
    Ok(organization::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .filter(|organization| organization.kind == OrganizationKind::Clinic))
}

/// The signed-in clinic staff member and their clinic, or `UNAUTHENTICATED` / `FORBIDDEN`.
pub async fn require_clinic<'v>(
    db: &impl ConnectionTrait,
    viewer: &'v Viewer,
) -> AppResult<(&'v AuthUser, organization::Model)> {
    let me = viewer.require_user()?;
    match clinic_of(db, me).await? {
        Some(clinic) => Ok((me, clinic)),
        None => Err(AppError::Forbidden),
    }
}

/// The clinic with this id in `municipality_id`, if it is one.
pub async fn find_clinic(
    db: &impl ConnectionTrait,
    id: Uuid,
    municipality_id: Uuid,
) -> AppResult<Option<organization::Model>> {
    Ok(organization::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|organization| {
            organization.kind == OrganizationKind::Clinic
                && organization.municipality_id == municipality_id
        }))
}

/// Whether `clinic_id` has a booking (not cancelled) or a 予診票 of `child_id`.
pub async fn clinic_sees_child(
    db: &impl ConnectionTrait,
    clinic_id: Uuid,
    child_id: Uuid,
) -> AppResult<bool> {
    let bookings = booking::Entity::find()
        .filter(booking::Column::ClinicId.eq(clinic_id))
        .filter(booking::Column::ChildId.eq(child_id))
        .filter(booking::Column::Status.ne(BookingStatus::Cancelled))
        .count(db)
        .await?;
    if bookings > 0 {
        return Ok(true);
    }
    let forms = submission::Entity::find()
        .filter(submission::Column::ClinicId.eq(clinic_id))
        .filter(submission::Column::ChildId.eq(child_id))
        .count(db)
        .await?;
    Ok(forms > 0)
}

/// The municipality a health admin acts on (the given one, or their own) with the admin's
/// id; `FORBIDDEN` unless they administer it.
pub fn admin_municipality(viewer: &Viewer, given: Option<Uuid>) -> AppResult<(Uuid, Uuid)> {
    let me = viewer.require_role(crate::auth::ADMINS)?;
    let municipality_id = given.or(me.municipality_id).ok_or(AppError::BadUserInput(
        "municipalityId is required for platform administrators".into(),
    ))?;
    viewer.require_admin_of(municipality_id)?;
    Ok((me.id, municipality_id))
}

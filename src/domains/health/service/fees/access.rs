//! Who acts on fee matters: the municipality's health staff (its administrators), a
//! clinic's staff, or a medical or dental association's staff (program staff of an
//! organization of that kind). Each sees only its own municipality's schedule; a clinic its
//! own claims; an association the claims that go through it.

use entity::organization::{self, OrganizationKind};
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::auth::{AuthUser, Role, Viewer};
use crate::error::{AppError, AppResult};

/// Who acts.
#[derive(Clone, Debug)]
pub enum FeeActor {
    /// The municipality's health staff.
    City {
        /// The staff member.
        user_id: Uuid,
        /// The municipality they act on.
        municipality_id: Uuid,
    },
    /// A clinic's staff.
    Clinic {
        /// The staff member.
        user_id: Uuid,
        /// The clinic.
        clinic: organization::Model,
    },
    /// An association's staff.
    Association {
        /// The staff member.
        user_id: Uuid,
        /// The association.
        association: organization::Model,
    },
}

impl FeeActor {
    /// The municipality acted on.
    pub fn municipality_id(&self) -> Uuid {
        match self {
            Self::City {
                municipality_id, ..
            } => *municipality_id,
            Self::Clinic { clinic, .. } => clinic.municipality_id,
            Self::Association { association, .. } => association.municipality_id,
        }
    }

    /// The acting user.
    pub fn user_id(&self) -> Uuid {
        match self {
            Self::City { user_id, .. }
            | Self::Clinic { user_id, .. }
            | Self::Association { user_id, .. } => *user_id,
        }
    }
}

/// Whether an organization kind is an association.
pub fn is_association(kind: OrganizationKind) -> bool {
    matches!(
        kind,
        OrganizationKind::MedicalAssociation | OrganizationKind::DentalAssociation
    )
}

/// The viewer as a fee actor: staff of a clinic or association, or an administrator of
/// `municipality_id` (their own when not given). `UNAUTHENTICATED` / `FORBIDDEN` otherwise.
pub async fn fee_actor(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
) -> AppResult<FeeActor> {
    let me: &AuthUser = viewer.require_user()?;
    if let (Role::ProgramStaff, Some(organization_id)) = (me.role, me.organization_id) {
        let organization = organization::Entity::find_by_id(organization_id)
            .one(db)
            .await?
            .ok_or(AppError::Forbidden)?;
        if municipality_id.is_some_and(|id| id != organization.municipality_id) {
            return Err(AppError::Forbidden);
        }
        return match organization.kind {
            OrganizationKind::Clinic => Ok(FeeActor::Clinic {
                user_id: me.id,
                clinic: organization,
            }),
            kind if is_association(kind) => Ok(FeeActor::Association {
                user_id: me.id,
                association: organization,
            }),
            _ => Err(AppError::Forbidden),
        };
    }
    let (user_id, municipality_id) =
        super::super::access::admin_municipality(viewer, municipality_id)?;
    Ok(FeeActor::City {
        user_id,
        municipality_id,
    })
}

/// The viewer as the municipality's health staff, or `FORBIDDEN`.
pub async fn city(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
) -> AppResult<(Uuid, Uuid)> {
    match fee_actor(db, viewer, municipality_id).await? {
        FeeActor::City {
            user_id,
            municipality_id,
        } => Ok((user_id, municipality_id)),
        _ => Err(AppError::Forbidden),
    }
}

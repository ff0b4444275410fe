//! Who sees and who edits a resource.

use entity::childcare_resource::{self};
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use crate::auth::{AuthUser, Role, Viewer};

/// Whether `me` edits resources of `municipality_id` provided by `provider_id`: an admin of
/// the municipality, or program staff of the provider.
pub fn edits(me: &AuthUser, municipality_id: Uuid, provider_id: Uuid) -> bool {
    me.administers(municipality_id)
        || (me.role == Role::ProgramStaff
            && me.municipality_id == Some(municipality_id)
            && me.organization_id == Some(provider_id))
}

/// Whether the viewer edits `resource`.
pub fn viewer_edits(viewer: &Viewer, resource: &childcare_resource::Model) -> bool {
    viewer.user.as_ref().is_some_and(|me| {
        edits(
            me,
            resource.municipality_id,
            resource.provider_organization_id,
        )
    })
}

/// Whether the viewer may see `resource`.
pub fn can_see(viewer: &Viewer, resource: &childcare_resource::Model) -> bool {
    resource.published || viewer_edits(viewer, resource)
}

pub(super) fn visibility(viewer: &Viewer) -> Condition {
    use childcare_resource::Column;
    let public = Condition::any().add(Column::Published.eq(true));
    match &viewer.user {
        Some(me) if me.role == Role::PlatformAdmin => Condition::all(),
        Some(me) => match (me.role, me.municipality_id, me.organization_id) {
            (Role::MunicipalAdmin, Some(own), _) => public.add(Column::MunicipalityId.eq(own)),
            (Role::ProgramStaff, Some(own), Some(provider)) => public.add(
                Condition::all()
                    .add(Column::MunicipalityId.eq(own))
                    .add(Column::ProviderOrganizationId.eq(provider)),
            ),
            _ => public,
        },
        None => public,
    }
}

//! Who sees and manages which program and registration.

use entity::{
    program::{self, ProgramStatus},
    registration::{self},
};
use sea_orm::{ColumnTrait, Condition};

use crate::auth::{AuthUser, Role, Viewer};

/// Whether `me` manages `program`: an admin of its municipality, or program staff of its
/// organizer.
pub fn manages(me: &AuthUser, program: &program::Model) -> bool {
    me.administers(program.municipality_id)
        || (me.role == Role::ProgramStaff
            && me.municipality_id == Some(program.municipality_id)
            && me.organization_id == Some(program.organizer_organization_id))
}

/// Whether the viewer manages `program`.
pub fn viewer_manages(viewer: &Viewer, program: &program::Model) -> bool {
    viewer.user.as_ref().is_some_and(|me| manages(me, program))
}

/// Whether the viewer may see `program`.
pub fn can_see_program(viewer: &Viewer, program: &program::Model) -> bool {
    program.status != ProgramStatus::Draft || viewer_manages(viewer, program)
}

/// The SQL form of [`can_see_program`].
pub(super) fn program_visibility(viewer: &Viewer) -> Condition {
    use program::Column;
    let public = Condition::any().add(Column::Status.ne(ProgramStatus::Draft));
    match &viewer.user {
        Some(me) if me.role == Role::PlatformAdmin => Condition::all(),
        Some(me) => match (me.role, me.municipality_id, me.organization_id) {
            (Role::MunicipalAdmin, Some(own), _) => public.add(Column::MunicipalityId.eq(own)),
            (Role::ProgramStaff, Some(own), Some(organization)) => public.add(
                Condition::all()
                    .add(Column::MunicipalityId.eq(own))
                    .add(Column::OrganizerOrganizationId.eq(organization)),
            ),
            _ => public,
        },
        None => public,
    }
}

/// Whether the viewer registered this registration (signed in).
pub(super) fn is_registrant(viewer: &Viewer, registration: &registration::Model) -> bool {
    viewer
        .user
        .as_ref()
        .is_some_and(|me| registration.user_id == Some(me.id))
}

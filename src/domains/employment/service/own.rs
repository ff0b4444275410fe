//! A job seeker's own enrollments: the resident account an advisor linked when enrolling
//! them (`residentId`) sees those enrollments, and only those. Each read is written to the
//! access log like the team's reads, as `own`, so the log shows every read of the record.

use entity::employment_enrollment as enrollment;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::team::read_of;
use crate::{audit, auth::Viewer, error::AppResult};

/// The enrollments linked to the viewer's account, newest first (`UNAUTHENTICATED` when
/// signed out; empty for an account no enrollment is linked to).
#[tracing::instrument(skip_all)]
pub async fn my_enrollments(
    db: &DatabaseConnection,
    viewer: &Viewer,
) -> AppResult<Vec<enrollment::Model>> {
    let me = viewer.require_user()?;
    let found = enrollment::Entity::find()
        .filter(enrollment::Column::ResidentUserId.eq(me.id))
        .order_by_desc(enrollment::Column::EnrolledOn)
        .order_by_desc(enrollment::Column::Id)
        .all(db)
        .await?;
    audit::record(db, me.id, found.iter().map(|e| read_of(e, "own"))).await?;
    Ok(found)
}

//! The reads of inquiries' personal data, for administrators: the inquiries' part of the
//! personal-data access log every domain shares.

use entity::personal_data_access_log;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::visibility::ACCESS_LOG_KIND;
use crate::{
    audit::{self, LogFilter},
    auth::Viewer,
    error::AppResult,
    paging::{Page, PageArgs},
};

/// Filter of the access log.
#[derive(Debug, Clone, Default)]
pub struct AccessLogFilter {
    /// The municipality; administrators of one municipality may omit it.
    pub municipality_id: Option<Uuid>,
    /// Only reads of this inquiry.
    pub inquiry_id: Option<Uuid>,
    /// Only reads by this staff member.
    pub user_id: Option<Uuid>,
}

/// Reads of inquiries' personal data by staff, newest first (administrators of the
/// municipality only).
#[tracing::instrument(skip_all, fields(municipality_id = ?filter.municipality_id))]
pub async fn access_log(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: AccessLogFilter,
    page: PageArgs,
    max_page_size: u32,
) -> AppResult<Page<personal_data_access_log::Model>> {
    let filter = LogFilter {
        municipality_id: filter.municipality_id,
        subject_kind: Some(audit::subject_code(ACCESS_LOG_KIND)),
        subject_id: filter.inquiry_id,
        actor_id: filter.user_id,
        from: None,
        to: None,
    };
    audit::list(db, viewer, filter, page, max_page_size).await
}

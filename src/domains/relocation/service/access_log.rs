//! The access log of reads of personal data, for administrators.

use entity::inquiry_access_log;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    error::{AppError, AppResult},
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
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
#[tracing::instrument(skip_all)]
pub async fn access_log(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: AccessLogFilter,
    page: PageArgs,
    max_page_size: u32,
) -> AppResult<Page<inquiry_access_log::Model>> {
    use inquiry_access_log::Column;
    let me = viewer.require_user()?;
    let municipality_id = filter
        .municipality_id
        .or(me.municipality_id)
        .ok_or_else(|| AppError::BadUserInput("give a municipalityId".into()))?;
    viewer.require_admin_of(municipality_id)?;
    let mut condition = Condition::all().add(Column::MunicipalityId.eq(municipality_id));
    if let Some(inquiry_id) = filter.inquiry_id {
        condition = condition.add(Column::InquiryId.eq(inquiry_id));
    }
    if let Some(user_id) = filter.user_id {
        condition = condition.add(Column::UserId.eq(user_id));
    }
    let ordering = Ordering::<inquiry_access_log::Entity> {
        column: Some(Column::CreatedAt),
        id: Column::Id,
        descending: true,
        key: |row| (Some(SortValue::Time(row.created_at)), row.id),
    };
    paginate(
        db,
        inquiry_access_log::Entity::find().filter(condition),
        &ordering,
        page,
        max_page_size,
    )
    .await
}

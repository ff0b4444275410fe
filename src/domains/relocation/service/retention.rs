//! Erasure of personal data, and its anonymization after the retention period.

use crate::state::ServiceContext;
use chrono::{DateTime, Utc};
use entity::{
    inquiry_event::{self, EventKind},
    relocation_inquiry::{self, CloseReason, InquiryStage},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    db,
    error::{AppError, AppResult},
};

use super::settings::settings_of;
use super::timeline;

/// Erases the personal data of `inquiry`, closing it with `close` if it is active.
pub(super) async fn erase(
    txn: &DatabaseTransaction,
    inquiry: relocation_inquiry::Model,
    now: DateTime<Utc>,
    close: Option<CloseReason>,
) -> AppResult<relocation_inquiry::Model> {
    let id = inquiry.id;
    let mut model = inquiry.into_active_model();
    model.name = Set(None);
    model.name_kana = Set(None);
    model.email = Set(None);
    model.phone = Set(None);
    model.email_digest = Set(None);
    model.phone_digest = Set(None);
    model.prefecture_code = Set(None);
    model.children_birth_months = Set(None);
    model.desired_area = Set(None);
    model.desired_timing = Set(None);
    model.message = Set(None);
    model.moved_in_area = Set(None);
    model.search_text = Set(String::new());
    model.erased_at = Set(Some(now));
    model.updated_at = Set(now);
    if let Some(reason) = close {
        model.stage = Set(InquiryStage::Closed);
        model.close_reason = Set(Some(reason));
        model.closed_at = Set(Some(now));
    }
    let erased = model.update(txn).await?;
    // Free texts of the timeline may hold personal data too.
    inquiry_event::Entity::update_many()
        .col_expr(
            inquiry_event::Column::Body,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .filter(inquiry_event::Column::InquiryId.eq(id))
        .exec(txn)
        .await?;
    // So do the messages about it: the family's address and what they said go too.
    crate::notify::erase_about(txn, id, "relocation.", crate::notify::Erased::PersonalData).await?;
    Ok(erased)
}

/// Anonymizes inquiries closed or moved in longer ago than the retention period: personal
/// data and timeline texts are erased, while stages, household sizes and move-in outcomes
/// stay for statistics. `municipality_id` limits it to one municipality; `older_than_days`
/// replaces each municipality's retention setting (the CLI). Returns how many inquiries
/// were anonymized.
#[tracing::instrument(skip_all, fields(municipality_id = ?municipality_id))]
pub async fn purge_closed(
    ctx: ServiceContext<'_>,
    municipality_id: Option<Uuid>,
    older_than_days: Option<u32>,
) -> AppResult<u64> {
    let now = ctx.now();
    use relocation_inquiry::Column;
    let mut municipalities: Vec<Uuid> = relocation_inquiry::Entity::find()
        .select_only()
        .column(Column::MunicipalityId)
        .filter(Column::ErasedAt.is_null())
        .filter(Column::ClosedAt.is_not_null())
        .distinct()
        .into_tuple()
        .all(ctx.db)
        .await?;
    if let Some(only) = municipality_id {
        municipalities.retain(|m| *m == only);
    }
    let mut purged = 0;
    for municipality_id in municipalities {
        let days = match older_than_days {
            Some(days) => i64::from(days),
            None => i64::from(settings_of(ctx.db, municipality_id).await?.retention_days),
        };
        let cutoff = now - chrono::Duration::days(days);
        let txn = db::begin_write(ctx.db).await?;
        let expired = relocation_inquiry::Entity::find()
            .filter(Column::MunicipalityId.eq(municipality_id))
            .filter(Column::ErasedAt.is_null())
            .filter(Column::Stage.is_in([InquiryStage::Closed, InquiryStage::MovedIn]))
            .filter(Column::ClosedAt.lte(cutoff))
            .all(&txn)
            .await?;
        for inquiry in expired {
            let erased = erase(&txn, inquiry, now, None).await?;
            let mut event = timeline(&txn, &erased, EventKind::Anonymized, None, now);
            event.body = Set(None);
            event.insert(&txn).await?;
            purged += 1;
        }
        txn.commit().await?;
    }
    Ok(purged)
}

/// Anonymizes a municipality's inquiries closed longer than its retention setting
/// (its administrators). Returns the count and the retention period used.
#[tracing::instrument(skip_all, fields(municipality_id = ?municipality_id))]
pub async fn purge_closed_of(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
) -> AppResult<(u64, i32)> {
    let me = viewer.require_user()?;
    let municipality_id = municipality_id
        .or(me.municipality_id)
        .ok_or_else(|| AppError::BadUserInput("give a municipalityId".into()))?;
    viewer.require_admin_of(municipality_id)?;
    let retention = settings_of(ctx.db, municipality_id).await?.retention_days;
    let purged = purge_closed(ctx, Some(municipality_id), None).await?;
    Ok((purged, retention))
}

//! The pipeline as a table for the municipality's administrators: one row per inquiry with
//! its stage, dates and how much work it took. Reference codes and counts only: no free
//! text and nothing of the family, so a download is not a read of personal data.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    inquiry_event::{self, EventKind},
    inquiry_task, municipality,
    relocation_inquiry::{self, InquiryStage},
    user,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    error::{AppError, AppResult},
};

/// One inquiry of the pipeline download.
#[derive(Debug, Clone)]
pub struct PipelineRow {
    /// Reference code.
    pub reference_code: String,
    /// Stage.
    pub stage: InquiryStage,
    /// Received.
    pub received_at: DateTime<Utc>,
    /// Given to its current concierge.
    pub assigned_at: Option<DateTime<Utc>>,
    /// Last activity: a stage change, contact, note, task, appointment or family message.
    pub last_activity_at: DateTime<Utc>,
    /// Closed or moved in.
    pub closed_at: Option<DateTime<Utc>>,
    /// Notes on the timeline.
    pub notes: u64,
    /// Contacts with the family.
    pub contacts: u64,
    /// Appointments scheduled.
    pub appointments: u64,
    /// Tasks created.
    pub tasks: u64,
    /// The concierge holding it.
    pub concierge_id: Option<Uuid>,
    /// Their display name.
    pub concierge_name: Option<String>,
}

/// The pipeline of the municipality of `jis_code`, oldest inquiry first (its
/// administrators and platform administrators; anyone else `FORBIDDEN`).
#[tracing::instrument(skip_all, fields(jis_code = %jis_code))]
pub async fn pipeline_rows(
    db: &DatabaseConnection,
    viewer: &Viewer,
    jis_code: &str,
) -> AppResult<(municipality::Model, Vec<PipelineRow>)> {
    viewer.require_user()?;
    let town = municipality::Entity::find()
        .filter(municipality::Column::JisCode.eq(jis_code.trim()))
        .one(db)
        .await?;
    // An unknown code is refused like a municipality one does not administer.
    let Some(town) = town else {
        return Err(AppError::Forbidden);
    };
    viewer.require_admin_of(town.id)?;
    let inquiries = relocation_inquiry::Entity::find()
        .filter(relocation_inquiry::Column::MunicipalityId.eq(town.id))
        .order_by_asc(relocation_inquiry::Column::CreatedAt)
        .order_by_asc(relocation_inquiry::Column::Id)
        .all(db)
        .await?;
    let events: Vec<(Uuid, EventKind, i64)> = inquiry_event::Entity::find()
        .select_only()
        .column(inquiry_event::Column::InquiryId)
        .column(inquiry_event::Column::Kind)
        .column_as(inquiry_event::Column::Id.count(), "n")
        .filter(inquiry_event::Column::MunicipalityId.eq(town.id))
        .filter(inquiry_event::Column::Kind.is_in([
            EventKind::Note,
            EventKind::Contact,
            EventKind::Appointment,
        ]))
        .group_by(inquiry_event::Column::InquiryId)
        .group_by(inquiry_event::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<(Uuid, EventKind), u64> = HashMap::new();
    for (inquiry, kind, n) in events {
        counts.insert((inquiry, kind), u64::try_from(n).unwrap_or(0));
    }
    let tasks: HashMap<Uuid, u64> = inquiry_task::Entity::find()
        .select_only()
        .column(inquiry_task::Column::InquiryId)
        .column_as(inquiry_task::Column::Id.count(), "n")
        .filter(inquiry_task::Column::MunicipalityId.eq(town.id))
        .group_by(inquiry_task::Column::InquiryId)
        .into_tuple::<(Uuid, i64)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
        .collect();
    let holders: Vec<Uuid> = inquiries
        .iter()
        .filter_map(|i| i.assigned_concierge_id)
        .collect();
    let names: HashMap<Uuid, String> = if holders.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(holders))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect()
    };
    let count = |id: Uuid, kind: EventKind| counts.get(&(id, kind)).copied().unwrap_or(0);
    let rows = inquiries
        .into_iter()
        .map(|i| PipelineRow {
            notes: count(i.id, EventKind::Note),
            contacts: count(i.id, EventKind::Contact),
            appointments: count(i.id, EventKind::Appointment),
            tasks: tasks.get(&i.id).copied().unwrap_or(0),
            concierge_name: i.assigned_concierge_id.and_then(|c| names.get(&c).cloned()),
            concierge_id: i.assigned_concierge_id,
            reference_code: i.reference_code,
            stage: i.stage,
            received_at: i.created_at,
            assigned_at: i.assigned_at,
            last_activity_at: i.updated_at,
            closed_at: i.closed_at,
        })
        .collect();
    Ok((town, rows))
}

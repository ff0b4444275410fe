//! The funnel of a fiscal year: how many inquiries reached each stage.

use std::collections::BTreeSet;

use entity::{
    inquiry_event::{self, EventKind},
    relocation_inquiry::InquiryStage,
};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, DatabaseConnection, EntityTrait, Iterable, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    error::{AppError, AppResult},
    fiscal,
};

/// How many inquiries of a municipality reached each stage during fiscal year `year`
/// (administrators): `new` counts inquiries received in the year, every other stage the
/// inquiries that entered it in the year, by the stage changes of their timelines.
#[tracing::instrument(skip_all, fields(municipality_id = ?municipality_id))]
pub async fn funnel(
    db: &DatabaseConnection,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
    year: i32,
) -> AppResult<Vec<(InquiryStage, u64)>> {
    use inquiry_event::Column;
    let me = viewer.require_user()?;
    let municipality_id = municipality_id
        .or(me.municipality_id)
        .ok_or_else(|| AppError::BadUserInput("give a municipalityId".into()))?;
    viewer.require_admin_of(municipality_id)?;
    fiscal::checked_year(year)?;
    let (from, until) = fiscal::bounds(year)
        .ok_or_else(|| AppError::BadUserInput("fiscalYear is out of range".into()))?;
    let rows: Vec<(EventKind, Option<String>, Uuid)> = inquiry_event::Entity::find()
        .select_only()
        .column(Column::Kind)
        .column(Column::ToStage)
        .column(Column::InquiryId)
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::CreatedAt.gte(from))
        .filter(Column::CreatedAt.lt(until))
        .filter(
            Condition::any()
                .add(Column::Kind.eq(EventKind::Submitted))
                .add(Column::ToStage.is_not_null()),
        )
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut reached: std::collections::BTreeMap<String, BTreeSet<Uuid>> = Default::default();
    for (kind, to_stage, inquiry_id) in rows {
        let stage = match kind {
            EventKind::Submitted => InquiryStage::New.to_value(),
            _ => match to_stage {
                // Back to `new` after an unassignment is not a new inquiry.
                Some(stage) if stage != InquiryStage::New.to_value() => stage,
                _ => continue,
            },
        };
        reached.entry(stage).or_default().insert(inquiry_id);
    }
    Ok(InquiryStage::iter()
        .map(|stage| {
            let n = reached.get(&stage.to_value()).map_or(0, BTreeSet::len);
            (stage, u64::try_from(n).unwrap_or(u64::MAX))
        })
        .collect())
}

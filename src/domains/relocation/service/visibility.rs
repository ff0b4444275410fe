//! Who reads an inquiry's personal data: access of staff, the access log, the inquiry list
//! and the counts per stage.

use crate::graphql::ids::NodeKind;
use crate::state::ServiceContext;
use chrono::{DateTime, Utc};
use entity::{
    concierge_profile,
    relocation_inquiry::{self, InquiryStage, Interest},
};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Iterable, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use crate::{
    audit,
    auth::{Role, Viewer},
    error::{AppError, AppResult},
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
};

use super::search_key;

/// Filter of the inquiry list.
#[derive(Debug, Clone, Default)]
pub struct InquiryFilter {
    /// Only this municipality (required for platform admins).
    pub municipality_id: Option<Uuid>,
    /// Only these stages (any when empty).
    pub stages: Vec<InquiryStage>,
    /// Only inquiries of this concierge.
    pub concierge_id: Option<Uuid>,
    /// Only unassigned inquiries.
    pub unassigned: bool,
    /// Only inquiries with this interest.
    pub interest: Option<Interest>,
    /// Only inquiries past their first-response deadline.
    pub overdue: bool,
    /// Received at or after.
    pub received_from: Option<DateTime<Utc>>,
    /// Received before.
    pub received_until: Option<DateTime<Utc>>,
    /// Text search over name, kana, email, phone and reference code.
    pub search: Option<String>,
}

/// The order of the pipeline list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InquiryOrder {
    /// Newest received first.
    #[default]
    Received,
    /// Most recently worked on first (a stage change, contact, note, task or appointment).
    LastActivity,
    /// The first-response deadline soonest first.
    SlaDue,
}

/// How a viewer relates to a municipality's inquiries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// An administrator: every inquiry.
    Admin(Uuid),
    /// A concierge: their own inquiries and the unassigned queue.
    Concierge(Uuid),
    /// A concierge an administrator let read every inquiry of the municipality; they still
    /// work only on the inquiries they hold.
    WideConcierge(Uuid),
}

impl Access {
    /// The staff member.
    pub fn user_id(self) -> Uuid {
        match self {
            Self::Admin(id) | Self::Concierge(id) | Self::WideConcierge(id) => id,
        }
    }

    /// Whether this access reads `inquiry` (of its municipality) with its personal data.
    pub(super) fn reads(self, inquiry: &relocation_inquiry::Model) -> bool {
        match self {
            Self::Admin(_) | Self::WideConcierge(_) => true,
            Self::Concierge(me) => inquiry
                .assigned_concierge_id
                .is_none_or(|holder| holder == me),
        }
    }
}

/// The viewer's access to `municipality_id`'s inquiries, if any.
pub fn access(viewer: &Viewer, municipality_id: Uuid) -> Option<Access> {
    let me = viewer.user.as_ref()?;
    if me.administers(municipality_id) {
        Some(Access::Admin(me.id))
    } else if me.role == Role::Concierge && me.municipality_id == Some(municipality_id) {
        Some(Access::Concierge(me.id))
    } else {
        None
    }
}

/// The viewer's access for reading `municipality_id`'s inquiries: as [`access`], widened for
/// a concierge whose profile lets them see every inquiry.
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id))]
pub async fn read_access(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    municipality_id: Uuid,
) -> AppResult<Option<Access>> {
    let Some(Access::Concierge(me)) = access(viewer, municipality_id) else {
        return Ok(access(viewer, municipality_id));
    };
    let widened = concierge_profile::Entity::find_by_id(me)
        .one(db)
        .await?
        .is_some_and(|p| p.sees_all_inquiries && p.municipality_id == municipality_id);
    Ok(Some(if widened {
        Access::WideConcierge(me)
    } else {
        Access::Concierge(me)
    }))
}

/// Whether the viewer may work on `inquiry` (and so read it with its personal data): an
/// administrator, or a concierge holding it or looking at the queue.
pub fn can_read(viewer: &Viewer, inquiry: &relocation_inquiry::Model) -> bool {
    access(viewer, inquiry.municipality_id).is_some_and(|access| access.reads(inquiry))
}

/// Subject kind of an inquiry in the personal-data access log.
pub const ACCESS_LOG_KIND: NodeKind = NodeKind::RelocationInquiry;

/// Writes one access-log row per inquiry read by `user_id`.
pub(super) async fn log_access(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    inquiries: &[&relocation_inquiry::Model],
    accessed: &'static str,
) -> AppResult<()> {
    audit::record(
        db,
        user_id,
        inquiries.iter().map(|inquiry| audit::Read {
            municipality_id: inquiry.municipality_id,
            subject_kind: ACCESS_LOG_KIND,
            subject_id: inquiry.id,
            accessed,
        }),
    )
    .await
}

/// One inquiry the viewer may read, logging the read; `NOT_FOUND` otherwise.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn find_inquiry(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<relocation_inquiry::Model> {
    let me = viewer.require_user()?;
    let Some(inquiry) = relocation_inquiry::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
    else {
        return Err(AppError::NotFound);
    };
    let access = read_access(ctx.db, viewer, inquiry.municipality_id).await?;
    if !access.is_some_and(|access| access.reads(&inquiry)) {
        return Err(AppError::NotFound);
    }
    log_access(ctx.db, me.id, &[&inquiry], "inquiry").await?;
    Ok(inquiry)
}

/// The municipality whose inquiries a list shows: the given one, or the viewer's own.
pub(super) async fn list_scope(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
) -> AppResult<(Uuid, Access)> {
    let me = viewer.require_user()?;
    let municipality_id = municipality_id
        .or(me.municipality_id)
        .ok_or_else(|| AppError::BadUserInput("give a municipalityId".into()))?;
    let access = read_access(db, viewer, municipality_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    Ok((municipality_id, access))
}

fn visible_condition(municipality_id: Uuid, access: Access) -> Condition {
    use relocation_inquiry::Column;
    let condition = Condition::all().add(Column::MunicipalityId.eq(municipality_id));
    match access {
        Access::Admin(_) | Access::WideConcierge(_) => condition,
        Access::Concierge(me) => condition.add(
            Condition::any()
                .add(Column::AssignedConciergeId.eq(me))
                .add(Column::AssignedConciergeId.is_null()),
        ),
    }
}

/// Inquiries the viewer may read, newest first, logging each read.
#[tracing::instrument(skip_all)]
pub async fn list_inquiries(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    filter: InquiryFilter,
    order: InquiryOrder,
    page: PageArgs,
) -> AppResult<Page<relocation_inquiry::Model>> {
    use relocation_inquiry::Column;
    let (municipality_id, access) = list_scope(ctx.db, viewer, filter.municipality_id).await?;
    let mut condition = visible_condition(municipality_id, access);
    if !filter.stages.is_empty() {
        condition = condition.add(Column::Stage.is_in(filter.stages.clone()));
    }
    if let Some(concierge) = filter.concierge_id {
        condition = condition.add(Column::AssignedConciergeId.eq(concierge));
    }
    if filter.unassigned {
        condition = condition.add(Column::AssignedConciergeId.is_null());
    }
    if let Some(interest) = filter.interest {
        condition = condition.add(Column::Interests.contains(format!(",{},", interest.to_value())));
    }
    if filter.overdue {
        condition = condition.add(overdue_condition(ctx.now()));
    }
    if let Some(from) = filter.received_from {
        condition = condition.add(Column::CreatedAt.gte(from));
    }
    if let Some(until) = filter.received_until {
        condition = condition.add(Column::CreatedAt.lt(until));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(search_key)
        .filter(|s| !s.is_empty())
    {
        condition = condition.add(Column::SearchText.contains(search));
    }
    let ordering = match order {
        InquiryOrder::Received => Ordering::<relocation_inquiry::Entity> {
            column: Some(Column::CreatedAt),
            id: Column::Id,
            descending: true,
            key: |row| (Some(SortValue::Time(row.created_at)), row.id),
        },
        InquiryOrder::LastActivity => Ordering {
            column: Some(Column::UpdatedAt),
            id: Column::Id,
            descending: true,
            key: |row: &relocation_inquiry::Model| (Some(SortValue::Time(row.updated_at)), row.id),
        },
        InquiryOrder::SlaDue => Ordering {
            column: Some(Column::FirstResponseDueAt),
            id: Column::Id,
            descending: false,
            key: |row: &relocation_inquiry::Model| {
                (Some(SortValue::Time(row.first_response_due_at)), row.id)
            },
        },
    };
    let page = paginate(
        ctx.db,
        relocation_inquiry::Entity::find().filter(condition),
        &ordering,
        page,
        ctx.limits.max_page_size,
    )
    .await?;
    let read: Vec<&relocation_inquiry::Model> = page.rows.iter().map(|(_, row)| row).collect();
    log_access(ctx.db, access.user_id(), &read, "list").await?;
    Ok(page)
}

/// Active inquiries not yet answered whose first-response deadline passed.
fn overdue_condition(now: DateTime<Utc>) -> Condition {
    use relocation_inquiry::Column;
    Condition::all()
        .add(Column::FirstRespondedAt.is_null())
        .add(Column::FirstResponseDueAt.lt(now))
        .add(Column::Stage.is_not_in([InquiryStage::MovedIn, InquiryStage::Closed]))
}

/// Whether an inquiry not yet answered, in `stage`, is past its first-response deadline
/// at `now`: the rule of [`overdue_condition`] for one inquiry.
pub fn is_overdue(
    first_responded_at: Option<DateTime<Utc>>,
    stage: InquiryStage,
    first_response_due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    first_responded_at.is_none() && stage.is_active() && first_response_due_at < now
}

/// Number of inquiries per stage in a municipality, as far as the viewer sees them.
#[tracing::instrument(skip_all, fields(municipality_id = ?municipality_id))]
pub async fn stage_counts(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
) -> AppResult<Vec<(InquiryStage, u64)>> {
    use relocation_inquiry::Column;
    let (municipality_id, access) = list_scope(ctx.db, viewer, municipality_id).await?;
    let rows: Vec<(InquiryStage, i64)> = relocation_inquiry::Entity::find()
        .select_only()
        .column(Column::Stage)
        .column_as(Column::Id.count(), "n")
        .filter(visible_condition(municipality_id, access))
        .group_by(Column::Stage)
        .into_tuple()
        .all(ctx.db)
        .await?;
    Ok(InquiryStage::iter()
        .map(|stage| {
            let n = rows
                .iter()
                .find(|(s, _)| *s == stage)
                .map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0));
            (stage, n)
        })
        .collect())
}

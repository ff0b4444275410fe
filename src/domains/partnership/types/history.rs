//! The public status history of issues and projects, and the earlier versions of a
//! project revised after a rejection.

use async_graphql::{
    ComplexObject, Context, OutputType, Result, SimpleObject, dataloader::DataLoader,
};
use chrono::{DateTime, Utc};
use entity::{partner_project_revision, partnership_status_change};
use sea_orm::ActiveEnum;
use uuid::Uuid;

use super::{LocalIssueStatus, PartnerProjectStatus};
use crate::domains::identity::{
    loaders::{IdentityLoader, organization},
    types::{Organization, Role},
};

/// Who changed a status, as shown publicly: a role and an organization, never a name.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct StatusActor {
    #[graphql(skip)]
    pub organization_id: Option<Uuid>,
    /// The actor's role, e.g. `MUNICIPAL_ADMIN` or `PARTNER`.
    pub role: Role,
}

#[ComplexObject]
impl StatusActor {
    /// The actor's organization (e.g. 真鶴町役場); null for platform operators.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(id) = self.organization_id else {
            return Ok(None);
        };
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(organization(loader, id).await?.map(Organization::from))
    }

    /// Name of the actor's organization, for display.
    async fn organization_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.organization(ctx).await?.map(|o| o.name))
    }
}

/// One step in the public status history of a local issue or partner project.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(concrete(name = "LocalIssueStatusChange", params(LocalIssueStatus)))]
#[graphql(concrete(name = "PartnerProjectStatusChange", params(PartnerProjectStatus)))]
pub struct StatusChange<S: OutputType> {
    /// The status before; null when the record was created.
    pub from_status: Option<S>,
    /// The status after.
    pub to_status: S,
    /// Who made the change.
    pub actor: StatusActor,
    /// The reason or review comment given, if any.
    pub reason: Option<String>,
    /// When it happened.
    pub changed_at: DateTime<Utc>,
}

/// Status history of an issue.
pub type LocalIssueStatusChange = StatusChange<LocalIssueStatus>;
/// Status history of a project.
pub type PartnerProjectStatusChange = StatusChange<PartnerProjectStatus>;

/// Reads a stored status change as `S`; a row of another kind or an unknown value is
/// skipped (and logged).
pub(super) fn status_change<E, S>(
    model: partnership_status_change::Model,
) -> Option<StatusChange<S>>
where
    E: ActiveEnum<Value = String> + Into<S>,
    S: OutputType,
{
    let parse = |value: &String| match E::try_from_value(value) {
        Ok(status) => Some(status.into()),
        Err(error) => {
            tracing::error!(%error, change_id = %model.id, "unreadable status in history");
            None
        }
    };
    let from_status = match &model.from_status {
        Some(value) => Some(parse(value)?),
        None => None,
    };
    Some(StatusChange {
        from_status,
        to_status: parse(&model.to_status)?,
        actor: StatusActor {
            organization_id: model.actor_organization_id,
            role: model.actor_role.into(),
        },
        reason: model.reason.clone(),
        changed_at: model.created_at,
    })
}

/// An earlier version of a partner project: its texts as they stood when it was rejected,
/// before its partner revised and resubmitted it (再提出). Seen by the partner organization
/// and the municipality's administrators.
#[derive(Debug, Clone, SimpleObject)]
pub struct PartnerProjectRevision {
    /// 1 for the first revision, then 2, 3, …
    pub revision_number: i32,
    /// The title before the revision.
    pub previous_title: String,
    /// The title's reading (フリガナ) before the revision.
    pub previous_title_reading: Option<String>,
    /// The summary before the revision.
    pub previous_summary: String,
    /// The plan before the revision.
    pub previous_plan: String,
    /// The expected outcome before the revision.
    pub previous_expected_outcome: String,
    /// The timeline before the revision.
    pub previous_timeline: String,
    /// The contact before the revision.
    pub previous_contact: String,
    /// The municipality's reason for the rejection this revision answers.
    pub rejection_reason: Option<String>,
    /// What the partner changed, in their words.
    pub note: Option<String>,
    /// When the project was revised and resubmitted.
    pub revised_at: DateTime<Utc>,
}

impl From<partner_project_revision::Model> for PartnerProjectRevision {
    fn from(model: partner_project_revision::Model) -> Self {
        Self {
            revision_number: model.revision_number,
            previous_title: model.previous_title,
            previous_title_reading: model.previous_title_reading,
            previous_summary: model.previous_summary,
            previous_plan: model.previous_plan,
            previous_expected_outcome: model.previous_expected_outcome,
            previous_timeline: model.previous_timeline,
            previous_contact: model.previous_contact,
            rejection_reason: model.rejection_reason,
            note: model.note,
            revised_at: model.created_at,
        }
    }
}

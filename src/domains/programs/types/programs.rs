//! Programs and their survey summaries.

use async_graphql::{ComplexObject, Context, ID, Result, SimpleObject, dataloader::DataLoader};
use chrono::{DateTime, Utc};
use entity::{program, program_session};
use uuid::Uuid;

use crate::domains::programs::{
    loaders::{ProgramsLoader, SessionsOfProgram, SurveyScoresOf},
    registration::decode_set,
    service,
};
use crate::{
    domains::identity::{
        loaders::{IdentityLoader, MunicipalityId, OrganizationId},
        types::{Municipality, Organization},
    },
    graphql::{context, ids},
};

use super::{
    ProgramAudience, ProgramCategory, ProgramKind, ProgramStatus, sessions::ProgramSession,
};

/// Ages of children a program accepts, in months on the session date.
#[derive(Debug, Clone, SimpleObject)]
pub struct ChildAgeRange {
    /// Youngest accepted age in months; null for no lower bound.
    pub min_months: Option<i32>,
    /// Oldest accepted age in months; null for no upper bound.
    pub max_months: Option<i32>,
}

/// A program: a seminar, workshop, class, experience session or fair with its sessions.
/// Published and cancelled programs are public; drafts are seen by the municipality's
/// admins and the organizer's program staff.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct Program {
    #[graphql(skip)]
    pub uuid: Uuid,
    #[graphql(skip)]
    pub model: program::Model,
    /// Kind of program.
    pub kind: ProgramKind,
    /// Title, e.g. 女性活躍推進セミナー.
    pub title: String,
    /// One-paragraph summary for lists.
    pub summary: String,
    /// Full description (several lines).
    pub description: String,
    /// Category tags.
    pub categories: Vec<ProgramCategory>,
    /// Who it is for.
    pub audiences: Vec<ProgramAudience>,
    /// Ages of children accepted, if limited.
    pub child_age_range: Option<ChildAgeRange>,
    /// Only residents of the municipality may register (signed in with a resident account).
    pub residents_only: bool,
    /// Largest party (adults and children) one registration may bring.
    pub max_party_size: i32,
    /// Fee in yen per party (0 = free).
    pub fee_yen: i32,
    /// Accessibility notes (barrier-free access, nursing room, …).
    pub accessibility_notes: Option<String>,
    /// Where it stands.
    pub status: ProgramStatus,
    /// When it was first published.
    pub published_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<program::Model> for Program {
    fn from(model: program::Model) -> Self {
        let child_age_range = (model.child_min_age_months.is_some()
            || model.child_max_age_months.is_some())
        .then_some(ChildAgeRange {
            min_months: model.child_min_age_months,
            max_months: model.child_max_age_months,
        });
        Self {
            uuid: model.id,
            kind: model.kind.into(),
            title: model.title.clone(),
            summary: model.summary.clone(),
            description: model.description.clone(),
            categories: decode_set::<program::ProgramCategory>(&model.categories)
                .into_iter()
                .map(Into::into)
                .collect(),
            audiences: decode_set::<program::Audience>(&model.audiences)
                .into_iter()
                .map(Into::into)
                .collect(),
            child_age_range,
            residents_only: model.residents_only,
            max_party_size: model.max_party_size,
            fee_yen: model.fee_yen,
            accessibility_notes: model.accessibility_notes.clone(),
            status: model.status.into(),
            published_at: model.published_at,
            created_at: model.created_at,
            updated_at: model.updated_at,
            model,
        }
    }
}

#[ComplexObject]
impl Program {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("Program", self.uuid)
    }

    /// The municipality running it.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Option<Municipality>> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(loader
            .load_one(MunicipalityId(self.model.municipality_id))
            .await?
            .map(Municipality::from))
    }

    /// The organizer organization (museum, library, support centre, …).
    async fn organizer(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(loader
            .load_one(OrganizationId(self.model.organizer_organization_id))
            .await?
            .map(Organization::from))
    }

    /// Its sessions by start time.
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only sessions that have not started and are not cancelled.",
            default
        )]
        upcoming_only: bool,
    ) -> Result<Vec<ProgramSession>> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        let now = crate::db::now();
        Ok(loader
            .load_one(SessionsOfProgram(self.uuid))
            .await?
            .unwrap_or_default()
            .into_iter()
            .filter(|session| {
                !upcoming_only
                    || (session.starts_at > now
                        && session.status == program_session::SessionStatus::Scheduled)
            })
            .map(ProgramSession::from)
            .collect())
    }

    /// Satisfaction survey answers (満足度); null unless you manage the program.
    async fn survey_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only sessions of this fiscal year (年度, April–March).")]
        fiscal_year: Option<i32>,
    ) -> Result<Option<SurveySummary>> {
        let (_, viewer) = context(ctx)?;
        if !service::viewer_manages(viewer, &self.model) {
            return Ok(None);
        }
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        let scores = loader
            .load_one(SurveyScoresOf {
                program_id: self.uuid,
                fiscal_year,
            })
            .await?
            .unwrap_or_default();
        Ok(Some(service::SurveySummary::of(scores).into()))
    }
}

/// Satisfaction survey answers summarized.
#[derive(Debug, Clone, SimpleObject)]
pub struct SurveySummary {
    /// Number of answers.
    pub responses: u64,
    /// Mean score (1–5); null without answers.
    pub mean_score: Option<f64>,
    /// Share (0–1) of answers scoring 4 or 5; null without answers.
    pub satisfied_share: Option<f64>,
}

impl From<service::SurveySummary> for SurveySummary {
    fn from(summary: service::SurveySummary) -> Self {
        Self {
            responses: summary.responses,
            mean_score: summary.mean_score,
            satisfied_share: summary.satisfied_share,
        }
    }
}

//! A job seeker's own view of their enrollment (`myEmploymentEnrollments`): what they did
//! and what was recorded about their jobs, without the advisor's internal notes (the
//! enrollment's notes and closing note, the notes of follow-up answers) or the sensitive
//! fields only the team keeps (gender).

use async_graphql::{ComplexObject, Context, ID, Result, SimpleObject, dataloader::DataLoader};
use chrono::{DateTime, Utc};
use entity::{
    employment_enrollment as enrollment, employment_follow_up as follow_up,
    employment_placement as placement,
};

use super::{
    AttendedProgram, EmploymentType, EnrollmentCloseReason, EnrollmentStatus, StaffMember,
    SupportTrack, staff_member,
};
use crate::{
    domains::{
        employment::loaders::{AttendedOf, EmploymentLoader, FollowUpsOf, PlacementsOf},
        identity::{
            loaders::{IdentityLoader, MunicipalityId},
            types::Municipality,
        },
    },
    graphql::{
        ids::{self, NodeKind},
        scalars::Date,
    },
};

/// Your own enrollment in the municipality's employment support (就職支援), as you see
/// it: the seminars you attended, the jobs you found and their follow-up checkpoints.
/// The advisor's internal notes are not shown.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct MyEmploymentEnrollment {
    #[graphql(skip)]
    pub model: enrollment::Model,
    /// Enrollment date.
    pub enrolled_on: Date,
    /// The kind of support you came for.
    pub support_track: SupportTrack,
    /// Whether you agreed to follow-up questions after finding a job.
    pub follow_up_consent: bool,
    /// Whether support goes on.
    pub status: EnrollmentStatus,
    /// When support ended.
    pub closed_on: Option<Date>,
    /// Why support ended.
    pub close_reason: Option<EnrollmentCloseReason>,
}

impl From<enrollment::Model> for MyEmploymentEnrollment {
    fn from(model: enrollment::Model) -> Self {
        Self {
            enrolled_on: model.enrolled_on.into(),
            support_track: model.support_track.into(),
            follow_up_consent: model.follow_up_consent,
            status: model.status.into(),
            closed_on: model.closed_on.map(Into::into),
            close_reason: model.close_reason.map(Into::into),
            model,
        }
    }
}

#[ComplexObject]
impl MyEmploymentEnrollment {
    /// Opaque global id of the enrollment.
    async fn id(&self) -> ID {
        ids::encode(NodeKind::EmploymentEnrollment, self.model.id)
    }

    /// The municipality.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Municipality> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        crate::graphql::present(
            loader
                .load_one(MunicipalityId(self.model.municipality_id))
                .await?
                .map(Municipality::from),
            "municipality",
        )
    }

    /// Your career advisor (キャリアアドバイザー).
    async fn advisor(&self, ctx: &Context<'_>) -> Result<Option<StaffMember>> {
        staff_member(ctx, self.model.advisor_user_id).await
    }

    /// Seminars and workshops you attended, in the order attended.
    async fn attended_programs(&self, ctx: &Context<'_>) -> Result<Vec<AttendedProgram>> {
        let loader = ctx.data::<DataLoader<EmploymentLoader>>()?;
        Ok(loader
            .load_one(AttendedOf {
                enrollment_id: self.model.id,
                municipality_id: self.model.municipality_id,
                resident_id: self.model.resident_user_id,
            })
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|attended| AttendedProgram {
                registration_id: attended.registration.id,
                program_id: attended.registration.program_id,
                session_id: attended.registration.session_id,
                checked_in_at: attended.registration.checked_in_at,
                attached_by_advisor: attended.attached,
            })
            .collect())
    }

    /// The jobs you found, by start date.
    async fn placements(&self, ctx: &Context<'_>) -> Result<Vec<MyEmploymentPlacement>> {
        let loader = ctx.data::<DataLoader<EmploymentLoader>>()?;
        Ok(loader
            .load_one(PlacementsOf(self.model.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(MyEmploymentPlacement::from)
            .collect())
    }
}

/// A job you found (就職先), as recorded by your advisor.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct MyEmploymentPlacement {
    #[graphql(skip)]
    pub model: placement::Model,
    /// Employer name.
    pub employer_name: String,
    /// Industry (業種).
    pub industry: String,
    /// Job title (職種).
    pub job_title: String,
    /// Employment type at the start.
    pub employment_type: EmploymentType,
    /// Employment type as of the latest follow-up answer.
    pub current_employment_type: EmploymentType,
    /// Weekly working hours.
    pub weekly_hours: f64,
    /// First day of work.
    pub start_date: Date,
}

impl From<placement::Model> for MyEmploymentPlacement {
    fn from(model: placement::Model) -> Self {
        Self {
            employer_name: model.employer_name.clone(),
            industry: model.industry.clone(),
            job_title: model.job_title.clone(),
            employment_type: model.employment_type.into(),
            current_employment_type: model.current_employment_type.into(),
            weekly_hours: f64::from(model.weekly_minutes) / 60.0,
            start_date: model.start_date.into(),
            model,
        }
    }
}

#[ComplexObject]
impl MyEmploymentPlacement {
    /// Opaque global id of the placement.
    async fn id(&self) -> ID {
        ids::encode(NodeKind::EmploymentPlacement, self.model.id)
    }

    /// The follow-up checkpoints (3, 6 and 12 months after the start), by due date; none
    /// without your consent.
    async fn checkpoints(&self, ctx: &Context<'_>) -> Result<Vec<MyEmploymentCheckpoint>> {
        let loader = ctx.data::<DataLoader<EmploymentLoader>>()?;
        Ok(loader
            .load_one(FollowUpsOf(self.model.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(MyEmploymentCheckpoint::from)
            .collect())
    }
}

/// A follow-up checkpoint of one of your jobs: when your advisor will ask how it goes,
/// and what you answered (without the advisor's note).
#[derive(Debug, Clone, SimpleObject)]
pub struct MyEmploymentCheckpoint {
    /// Months after the start: 3, 6 or 12.
    pub checkpoint_months: i32,
    /// When it is due.
    pub due_on: Date,
    /// When it was answered; null until then.
    pub recorded_at: Option<DateTime<Utc>>,
    /// Still employed in the job; null until answered.
    pub still_employed: Option<bool>,
    /// Employment type at the checkpoint; null until answered or when no longer employed.
    pub employment_type: Option<EmploymentType>,
}

impl From<follow_up::Model> for MyEmploymentCheckpoint {
    fn from(model: follow_up::Model) -> Self {
        Self {
            checkpoint_months: model.checkpoint_months,
            due_on: model.due_on.into(),
            recorded_at: model.recorded_at,
            still_employed: model.still_employed,
            employment_type: model.employment_type.map(Into::into),
        }
    }
}

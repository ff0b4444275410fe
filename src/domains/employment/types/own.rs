//! A job seeker's own view of their enrollment (`myEmploymentEnrollments`): what they did
//! and what was recorded about their jobs, without the advisor's internal notes (the
//! enrollment's notes and closing note, the notes of follow-up answers) or the sensitive
//! fields only the team keeps (gender).
//!
//! Each type wraps the team's type and answers the fields the job seeker may read from
//! it, so both views are built and loaded alike; the fields left out are simply not
//! exposed here.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::employment_enrollment as enrollment;

use super::{
    AttendedProgram, EmploymentEnrollment, EmploymentFollowUp, EmploymentPlacement, EmploymentType,
    EnrollmentCloseReason, EnrollmentStatus, StaffMember, SupportTrack,
};
use crate::{
    domains::identity::types::Municipality,
    graphql::{
        ids::{self, NodeKind},
        scalars::Date,
    },
};

/// The team's [`EmploymentEnrollment`] as its job seeker sees it.
#[derive(Debug, Clone)]
pub struct MyEmploymentEnrollment(EmploymentEnrollment);

impl From<enrollment::Model> for MyEmploymentEnrollment {
    fn from(model: enrollment::Model) -> Self {
        Self(EmploymentEnrollment::from(model))
    }
}

/// Your own enrollment in the municipality's employment support (就職支援), as you see
/// it: the seminars you attended, the jobs you found and their follow-up checkpoints.
/// The advisor's internal notes are not shown.
#[Object]
impl MyEmploymentEnrollment {
    /// Enrollment date.
    async fn enrolled_on(&self) -> Date {
        self.0.enrolled_on
    }

    /// The kind of support you came for.
    async fn support_track(&self) -> SupportTrack {
        self.0.support_track
    }

    /// Whether you agreed to follow-up questions after finding a job.
    async fn follow_up_consent(&self) -> bool {
        self.0.follow_up_consent
    }

    /// Whether support goes on.
    async fn status(&self) -> EnrollmentStatus {
        self.0.status
    }

    /// When support ended.
    async fn closed_on(&self) -> Option<Date> {
        self.0.closed_on
    }

    /// Why support ended.
    async fn close_reason(&self) -> Option<EnrollmentCloseReason> {
        self.0.close_reason
    }

    /// Opaque global id of the enrollment.
    async fn id(&self) -> ID {
        ids::encode(NodeKind::EmploymentEnrollment, self.0.model.id)
    }

    /// The municipality.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Municipality> {
        self.0.municipality(ctx).await
    }

    /// Your career advisor (キャリアアドバイザー).
    async fn advisor(&self, ctx: &Context<'_>) -> Result<Option<StaffMember>> {
        self.0.advisor(ctx).await
    }

    /// Seminars and workshops you attended, in the order attended.
    async fn attended_programs(&self, ctx: &Context<'_>) -> Result<Vec<AttendedProgram>> {
        self.0.attended_programs(ctx).await
    }

    /// The jobs you found, by start date.
    async fn placements(&self, ctx: &Context<'_>) -> Result<Vec<MyEmploymentPlacement>> {
        Ok(self
            .0
            .placements(ctx)
            .await?
            .into_iter()
            .map(MyEmploymentPlacement)
            .collect())
    }
}

/// The team's [`EmploymentPlacement`] as its job seeker sees it.
#[derive(Debug, Clone)]
pub struct MyEmploymentPlacement(EmploymentPlacement);

/// A job you found (就職先), as recorded by your advisor.
#[Object]
impl MyEmploymentPlacement {
    /// Employer name.
    async fn employer_name(&self) -> &str {
        &self.0.employer_name
    }

    /// Industry (業種).
    async fn industry(&self) -> &str {
        &self.0.industry
    }

    /// Job title (職種).
    async fn job_title(&self) -> &str {
        &self.0.job_title
    }

    /// Employment type at the start.
    async fn employment_type(&self) -> EmploymentType {
        self.0.employment_type
    }

    /// Employment type as of the latest follow-up answer.
    async fn current_employment_type(&self) -> EmploymentType {
        self.0.current_employment_type
    }

    /// Weekly working hours.
    async fn weekly_hours(&self) -> f64 {
        self.0.weekly_hours
    }

    /// First day of work.
    async fn start_date(&self) -> Date {
        self.0.start_date
    }

    /// Opaque global id of the placement.
    async fn id(&self) -> ID {
        ids::encode(NodeKind::EmploymentPlacement, self.0.model.id)
    }

    /// The follow-up checkpoints (3, 6 and 12 months after the start), by due date; none
    /// without your consent.
    async fn checkpoints(&self, ctx: &Context<'_>) -> Result<Vec<MyEmploymentCheckpoint>> {
        Ok(self
            .0
            .follow_ups(ctx)
            .await?
            .into_iter()
            .map(MyEmploymentCheckpoint)
            .collect())
    }
}

/// The team's [`EmploymentFollowUp`] as its job seeker sees it.
#[derive(Debug, Clone)]
pub struct MyEmploymentCheckpoint(EmploymentFollowUp);

/// A follow-up checkpoint of one of your jobs: when your advisor will ask how it goes,
/// and what you answered (without the advisor's note).
#[Object]
impl MyEmploymentCheckpoint {
    /// Months after the start: 3, 6 or 12.
    async fn checkpoint_months(&self) -> i32 {
        self.0.checkpoint_months
    }

    /// When it is due.
    async fn due_on(&self) -> Date {
        self.0.due_on
    }

    /// When it was answered; null until then.
    async fn recorded_at(&self) -> Option<DateTime<Utc>> {
        self.0.recorded_at
    }

    /// Still employed in the job; null until answered.
    async fn still_employed(&self) -> Option<bool> {
        self.0.still_employed
    }

    /// Employment type at the checkpoint; null until answered or when no longer employed.
    async fn employment_type(&self) -> Option<EmploymentType> {
        self.0.employment_type
    }
}

//! GraphQL objects of the employment domain, built from the database models.

use async_graphql::{
    ComplexObject, Context, Enum, ID, Result, SimpleObject, dataloader::DataLoader,
};
use chrono::{DateTime, Utc};
use entity::{
    employment_enrollment as enrollment, employment_follow_up as follow_up,
    employment_placement as placement,
};
use uuid::Uuid;

use super::{
    loaders::{
        AttendedOf, EmploymentLoader, EnrollmentById, FollowUpsOf, PlacementById, PlacementsOf,
    },
    service,
};
use crate::graphql::ids::NodeKind;
use crate::graphql::scalars::Date;
use crate::share;
use crate::{
    connection,
    domains::{
        identity::{
            loaders::{IdentityLoader, UserId, municipality, organization},
            types::{Municipality, Organization},
        },
        programs::{
            loaders::{ProgramById, ProgramsLoader, SessionById},
            types::{Program, ProgramSession},
        },
    },
    fiscal,
    graphql::ids,
};

connection!(
    EmploymentEnrollment,
    EmploymentEnrollmentConnection,
    EmploymentEnrollmentEdge
);
connection!(
    EmploymentFollowUp,
    EmploymentFollowUpConnection,
    EmploymentFollowUpEdge
);

use crate::enum_mirror as mirror;

mod own;

pub use own::{MyEmploymentCheckpoint, MyEmploymentEnrollment, MyEmploymentPlacement};

/// Gender as the job seeker declared it (sensitive: seen only by the employment team).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Gender {
    /// Female (女性).
    Female,
    /// Male (男性).
    Male,
    /// Other or non-binary (その他).
    Other,
    /// Not stated (回答しない); also when nothing was asked.
    NotStated,
}
mirror!(Gender, enrollment::Gender, [Female, Male, Other, NotStated]);

/// Which kind of support the job seeker came for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum SupportTrack {
    /// Back to work after childcare (子育て後の再就職).
    ReemploymentAfterChildcare,
    /// Career change (転職).
    CareerChange,
    /// First job (初めての就職).
    FirstJob,
    /// Anything else.
    Other,
}
mirror!(
    SupportTrack,
    enrollment::SupportTrack,
    [ReemploymentAfterChildcare, CareerChange, FirstJob, Other]
);

/// Whether an enrollment is still being supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum EnrollmentStatus {
    /// Being supported (支援中).
    Open,
    /// Support ended (支援終了); see `closeReason`.
    Closed,
}
mirror!(
    EnrollmentStatus,
    enrollment::EnrollmentStatus,
    [Open, Closed]
);

/// Why an enrollment was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum EnrollmentCloseReason {
    /// Found work (就職).
    FoundWork,
    /// Withdrew from the support (辞退).
    Withdrew,
    /// Moved away (転出).
    MovedAway,
    /// Could no longer be reached (連絡不通).
    NoContact,
    /// Anything else.
    Other,
}
mirror!(
    EnrollmentCloseReason,
    enrollment::CloseReason,
    [FoundWork, Withdrew, MovedAway, NoContact, Other]
);

/// How a job is employed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum EmploymentType {
    /// Regular employment (正規雇用・正社員).
    Regular,
    /// Fixed-term contract (契約社員).
    Contract,
    /// Part-time (パート・アルバイト).
    PartTime,
    /// Dispatched by an agency (派遣).
    Dispatch,
    /// Self-employed or freelance (自営・フリーランス).
    SelfEmployed,
    /// Anything else.
    Other,
}
mirror!(
    EmploymentType,
    placement::EmploymentType,
    [Regular, Contract, PartTime, Dispatch, SelfEmployed, Other]
);

/// Where a follow-up checkpoint stands today (Asia/Tokyo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum FollowUpDueState {
    /// Due more than 14 days from today.
    Upcoming,
    /// Due within 14 days, or today: it may be recorded.
    Due,
    /// Its due date has passed without an answer.
    Overdue,
    /// Answered.
    Recorded,
}

impl From<service::DueState> for FollowUpDueState {
    fn from(state: service::DueState) -> Self {
        match state {
            service::DueState::Upcoming => Self::Upcoming,
            service::DueState::Due => Self::Due,
            service::DueState::Overdue => Self::Overdue,
            service::DueState::Recorded => Self::Recorded,
        }
    }
}

impl From<FollowUpDueState> for service::DueState {
    fn from(state: FollowUpDueState) -> Self {
        match state {
            FollowUpDueState::Upcoming => Self::Upcoming,
            FollowUpDueState::Due => Self::Due,
            FollowUpDueState::Overdue => Self::Overdue,
            FollowUpDueState::Recorded => Self::Recorded,
        }
    }
}

/// Who an employment report is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ReportAudience {
    /// The employment team and administrators of the municipality: exact counts.
    Team,
    /// Publication: counts below the suppression threshold are withheld. Anyone may ask.
    Published,
}

impl From<ReportAudience> for service::Audience {
    fn from(audience: ReportAudience) -> Self {
        match audience {
            ReportAudience::Team => Self::Team,
            ReportAudience::Published => Self::Published,
        }
    }
}

impl From<service::Audience> for ReportAudience {
    fn from(audience: service::Audience) -> Self {
        match audience {
            service::Audience::Team => Self::Team,
            service::Audience::Published => Self::Published,
        }
    }
}

/// A member of the employment team (advisor or administrator).
#[derive(Debug, Clone, SimpleObject)]
pub struct StaffMember {
    /// Global id of the account (a `User`).
    pub id: ID,
    /// Display name.
    pub display_name: String,
}

pub(super) async fn staff_member(ctx: &Context<'_>, id: Uuid) -> Result<Option<StaffMember>> {
    let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
    Ok(loader
        .load_one(UserId(id))
        .await?
        .map(|account| StaffMember {
            id: ids::encode(NodeKind::User, account.id),
            display_name: account.display_name,
        }))
}

/// The job seeker of an enrollment (personal data).
#[derive(Debug, Clone, SimpleObject)]
pub struct JobSeeker {
    /// Name.
    pub name: String,
    /// Kana reading (フリガナ).
    pub name_kana: String,
    /// Email address, if known.
    pub email: Option<String>,
    /// Phone number, if known.
    pub phone: Option<String>,
    /// Global id of the linked resident account (a `User`); null when enrolled by name.
    pub resident_id: Option<ID>,
}

/// A job seeker enrolled in the municipality's employment support (就職支援), with the
/// jobs found and their follow-ups. Seen only by the municipality's employment team;
/// every read is written to the personal-data access log.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct EmploymentEnrollment {
    #[graphql(skip)]
    pub model: enrollment::Model,
    /// Self-declared gender (sensitive).
    pub gender: Gender,
    /// Enrollment date.
    pub enrolled_on: Date,
    /// Support track.
    pub support_track: SupportTrack,
    /// Whether the job seeker consented to follow-up; without it no checkpoints are made.
    pub follow_up_consent: bool,
    /// The advisor's notes.
    pub notes: Option<String>,
    /// Whether support goes on.
    pub status: EnrollmentStatus,
    /// When support ended.
    pub closed_on: Option<Date>,
    /// Why support ended.
    pub close_reason: Option<EnrollmentCloseReason>,
    /// Note on the closing.
    pub close_note: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<enrollment::Model> for EmploymentEnrollment {
    fn from(model: enrollment::Model) -> Self {
        Self {
            gender: model.gender.into(),
            enrolled_on: model.enrolled_on.into(),
            support_track: model.support_track.into(),
            follow_up_consent: model.follow_up_consent,
            notes: model.notes.clone(),
            status: model.status.into(),
            closed_on: model.closed_on.map(Into::into),
            close_reason: model.close_reason.map(Into::into),
            close_note: model.close_note.clone(),
            created_at: model.created_at,
            updated_at: model.updated_at,
            model,
        }
    }
}

#[ComplexObject]
impl EmploymentEnrollment {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::EmploymentEnrollment, self.model.id)
    }

    /// The municipality.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Municipality> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        crate::graphql::present(
            municipality(loader, self.model.municipality_id)
                .await?
                .map(Municipality::from),
            "municipality",
        )
    }

    /// The job seeker: from the linked resident account, or as entered by the advisor.
    async fn job_seeker(&self, ctx: &Context<'_>) -> Result<JobSeeker> {
        let model = &self.model;
        let Some(resident) = model.resident_user_id else {
            return Ok(JobSeeker {
                name: model.name.clone().unwrap_or_default(),
                name_kana: model.name_kana.clone().unwrap_or_default(),
                email: model.email.clone(),
                phone: model.phone.clone(),
                resident_id: None,
            });
        };
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        let account = loader.load_one(UserId(resident)).await?;
        Ok(JobSeeker {
            name: account
                .as_ref()
                .map(|a| a.display_name.clone())
                .unwrap_or_default(),
            name_kana: account
                .as_ref()
                .map(|a| a.display_name_kana.clone())
                .unwrap_or_default(),
            email: account.map(|a| a.email),
            phone: None,
            resident_id: Some(ids::encode(NodeKind::User, resident)),
        })
    }

    /// The advisor in charge (キャリアアドバイザー); checkpoints are their tasks.
    async fn advisor(&self, ctx: &Context<'_>) -> Result<Option<StaffMember>> {
        staff_member(ctx, self.model.advisor_user_id).await
    }

    /// The jobs found, by start date.
    async fn placements(&self, ctx: &Context<'_>) -> Result<Vec<EmploymentPlacement>> {
        let loader = ctx.data::<DataLoader<EmploymentLoader>>()?;
        Ok(loader
            .load_one(PlacementsOf(self.model.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(EmploymentPlacement::from)
            .collect())
    }

    /// Seminars and workshops the job seeker attended (programs registrations with status
    /// attended), through the linked resident account or attached by the advisor, in the
    /// order attended.
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
}

/// A seminar or workshop session a job seeker attended.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct AttendedProgram {
    #[graphql(skip)]
    pub registration_id: Uuid,
    #[graphql(skip)]
    pub program_id: Uuid,
    #[graphql(skip)]
    pub session_id: Uuid,
    /// When the job seeker was checked in.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// Attached by the advisor (e.g. attended as a guest), rather than found through the
    /// resident account.
    pub attached_by_advisor: bool,
}

#[ComplexObject]
impl AttendedProgram {
    /// Global id of the registration (for `detachRegistrationFromEnrollment`).
    async fn registration_id(&self) -> ID {
        ids::encode(NodeKind::Registration, self.registration_id)
    }

    /// The program.
    async fn program(&self, ctx: &Context<'_>) -> Result<Program> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        crate::graphql::present(
            loader
                .load_one(ProgramById(self.program_id))
                .await?
                .map(Program::from),
            "program",
        )
    }

    /// The session attended.
    async fn session(&self, ctx: &Context<'_>) -> Result<ProgramSession> {
        let loader = ctx.data::<DataLoader<ProgramsLoader>>()?;
        crate::graphql::present(
            loader
                .load_one(SessionById(self.session_id))
                .await?
                .map(ProgramSession::from),
            "session",
        )
    }
}

/// A job an enrolled job seeker found (就職先), with its follow-up checkpoints.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct EmploymentPlacement {
    #[graphql(skip)]
    pub model: placement::Model,
    /// Employer name.
    pub employer_name: String,
    /// Industry (業種), e.g. 医療・福祉.
    pub industry: String,
    /// Job title (職種), e.g. 医療事務.
    pub job_title: String,
    /// Employment type at the start.
    pub employment_type: EmploymentType,
    /// Employment type as of the latest follow-up answer.
    pub current_employment_type: EmploymentType,
    /// Whether the job turned regular at a follow-up after a non-regular start.
    pub converted_to_regular: bool,
    /// When a follow-up first found it regular after a non-regular start.
    pub converted_to_regular_on: Option<Date>,
    /// Weekly working hours.
    pub weekly_hours: f64,
    /// First day of work.
    pub start_date: Date,
    /// Fiscal year (年度) of the start date, which reports count it in.
    pub fiscal_year: i32,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl From<placement::Model> for EmploymentPlacement {
    fn from(model: placement::Model) -> Self {
        Self {
            employer_name: model.employer_name.clone(),
            industry: model.industry.clone(),
            job_title: model.job_title.clone(),
            employment_type: model.employment_type.into(),
            current_employment_type: model.current_employment_type.into(),
            converted_to_regular: model.converted_to_regular_on.is_some(),
            converted_to_regular_on: model.converted_to_regular_on.map(Into::into),
            weekly_hours: f64::from(model.weekly_minutes) / 60.0,
            start_date: model.start_date.into(),
            fiscal_year: model.fiscal_year,
            created_at: model.created_at,
            model,
        }
    }
}

#[ComplexObject]
impl EmploymentPlacement {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::EmploymentPlacement, self.model.id)
    }

    /// The employer, when it is an organization of the municipality (a partner company…).
    async fn employer_organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(id) = self.model.employer_organization_id else {
            return Ok(None);
        };
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(organization(loader, id).await?.map(Organization::from))
    }

    /// The enrollment.
    async fn enrollment(&self, ctx: &Context<'_>) -> Result<EmploymentEnrollment> {
        let loader = ctx.data::<DataLoader<EmploymentLoader>>()?;
        crate::graphql::present(
            loader
                .load_one(EnrollmentById(self.model.enrollment_id))
                .await?
                .map(EmploymentEnrollment::from),
            "enrollment",
        )
    }

    /// The follow-up checkpoints (3, 6 and 12 months), by due date; none without consent.
    async fn follow_ups(&self, ctx: &Context<'_>) -> Result<Vec<EmploymentFollowUp>> {
        let loader = ctx.data::<DataLoader<EmploymentLoader>>()?;
        Ok(loader
            .load_one(FollowUpsOf(self.model.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(EmploymentFollowUp::from)
            .collect())
    }
}

/// A follow-up checkpoint of a placement: a task for the advisor to ask, 3, 6 or 12
/// months after the start, whether the job lasted and how it is employed.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct EmploymentFollowUp {
    #[graphql(skip)]
    pub model: follow_up::Model,
    /// Months after the start: 3, 6 or 12.
    pub checkpoint_months: i32,
    /// When it is due.
    pub due_on: Date,
    /// When it was answered.
    pub recorded_at: Option<DateTime<Utc>>,
    /// Still employed in the job; null until answered.
    pub still_employed: Option<bool>,
    /// Employment type at the checkpoint; null until answered or when no longer employed.
    pub employment_type: Option<EmploymentType>,
    /// The job turned regular since the previous answer (non-regular before, regular now).
    pub became_regular: bool,
    /// Note of the answer.
    pub note: Option<String>,
}

impl From<follow_up::Model> for EmploymentFollowUp {
    fn from(model: follow_up::Model) -> Self {
        Self {
            checkpoint_months: model.checkpoint_months,
            due_on: model.due_on.into(),
            recorded_at: model.recorded_at,
            still_employed: model.still_employed,
            employment_type: model.employment_type.map(Into::into),
            became_regular: model.became_regular,
            note: model.note.clone(),
            model,
        }
    }
}

#[ComplexObject]
impl EmploymentFollowUp {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::EmploymentFollowUp, self.model.id)
    }

    /// Where it stands today (Asia/Tokyo).
    async fn due_state(&self) -> FollowUpDueState {
        service::due_state(&self.model, fiscal::today()).into()
    }

    /// The advisor it is a task for.
    async fn advisor(&self, ctx: &Context<'_>) -> Result<Option<StaffMember>> {
        staff_member(ctx, self.model.advisor_user_id).await
    }

    /// The placement.
    async fn placement(&self, ctx: &Context<'_>) -> Result<EmploymentPlacement> {
        let loader = ctx.data::<DataLoader<EmploymentLoader>>()?;
        crate::graphql::present(
            loader
                .load_one(PlacementById(self.model.placement_id))
                .await?
                .map(EmploymentPlacement::from),
            "placement",
        )
    }

    /// The enrollment.
    async fn enrollment(&self, ctx: &Context<'_>) -> Result<EmploymentEnrollment> {
        let loader = ctx.data::<DataLoader<EmploymentLoader>>()?;
        crate::graphql::present(
            loader
                .load_one(EnrollmentById(self.model.enrollment_id))
                .await?
                .map(EmploymentEnrollment::from),
            "enrollment",
        )
    }
}

/// A count in a report; withheld (null, `suppressed: true`) when below the threshold in a
/// published report.
#[derive(Debug, Clone, SimpleObject)]
pub struct ReportCount {
    /// The count; null when suppressed.
    pub value: Option<u64>,
    /// Whether it was withheld to protect individuals.
    pub suppressed: bool,
}

impl From<service::Count> for ReportCount {
    fn from(count: service::Count) -> Self {
        Self {
            value: count.value,
            suppressed: count.suppressed,
        }
    }
}

/// Placements of one employment type.
#[derive(Debug, Clone, SimpleObject)]
pub struct PlacementTypeCount {
    /// The employment type.
    pub employment_type: EmploymentType,
    /// Placements starting in the year with it.
    pub placements: ReportCount,
}

/// The KPI "regular-employment rate of women placed through employment support".
#[derive(Debug, Clone, SimpleObject)]
pub struct WomenRegularEmployment {
    /// Regular placements (正規雇用) of women enrolled, starting in the year.
    pub numerator: ReportCount,
    /// All placements of women enrolled, starting in the year.
    pub denominator: ReportCount,
    /// numerator ÷ denominator in percent, rounded half up to one decimal (1 of 3 is
    /// 33.3); null when either is withheld or there is none.
    pub rate_percent: Option<f64>,
    /// numerator ÷ denominator (0–1), rounded to four decimals; null when either is
    /// withheld or there is none.
    #[graphql(deprecation = "Use ratePercent")]
    pub rate: Option<f64>,
}

/// Answers at one checkpoint of the year's placements.
#[derive(Debug, Clone, SimpleObject)]
pub struct RetentionAtCheckpoint {
    /// Months after the start: 3, 6 or 12.
    pub checkpoint_months: i32,
    /// Checkpoints answered.
    pub answered: ReportCount,
    /// Answered still employed.
    pub still_employed: ReportCount,
    /// still employed ÷ answered in percent, rounded half up to one decimal (1 of 3 is
    /// 33.3); null when either is withheld or none answered.
    pub rate_percent: Option<f64>,
    /// still employed ÷ answered (0–1), rounded to four decimals; null when either is
    /// withheld or none answered.
    #[graphql(deprecation = "Use ratePercent")]
    pub rate: Option<f64>,
}

/// Employment support in one municipality and fiscal year (年度, 1 April – 31 March,
/// Asia/Tokyo). A placement counts in the year of its start date, an enrollment in the
/// year of its enrollment date.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct EmploymentReport {
    #[graphql(skip)]
    pub municipality_uuid: Uuid,
    /// The fiscal year, e.g. 2026 for 1 April 2026 – 31 March 2027.
    pub fiscal_year: i32,
    /// First day of the year.
    pub from: Date,
    /// Last day of the year.
    pub to: Date,
    /// Who the report is for.
    pub audience: ReportAudience,
    /// Counts below this are withheld (0 in the team's report).
    pub suppression_threshold: i32,
    /// Enrollments in the year.
    pub enrollments: ReportCount,
    /// Placements starting in the year.
    pub placements: ReportCount,
    /// Placements starting in the year per employment type (every type).
    pub placements_by_type: Vec<PlacementTypeCount>,
    /// The regular-employment rate of women placed.
    pub women_regular_employment: WomenRegularEmployment,
    /// Placements of the year that turned regular at a follow-up.
    pub converted_to_regular: ReportCount,
    /// Retention at 3, 6 and 12 months, of the year's placements.
    pub retention: Vec<RetentionAtCheckpoint>,
}

impl From<service::Report> for EmploymentReport {
    fn from(report: service::Report) -> Self {
        Self {
            municipality_uuid: report.municipality_id,
            fiscal_year: report.fiscal_year,
            from: report.from.into(),
            to: report.to.into(),
            audience: report.audience.into(),
            suppression_threshold: i32::try_from(report.threshold).unwrap_or(i32::MAX),
            enrollments: report.enrollments.into(),
            placements: report.placements.into(),
            placements_by_type: report
                .placements_by_type
                .into_iter()
                .map(|(kind, count)| PlacementTypeCount {
                    employment_type: kind.into(),
                    placements: count.into(),
                })
                .collect(),
            women_regular_employment: WomenRegularEmployment {
                rate_percent: service::rate_parts(report.women_regular, report.women_placed)
                    .and_then(|(n, d)| share::percent_of_counts(n, d)),
                rate: service::rate_parts(report.women_regular, report.women_placed)
                    .and_then(|(n, d)| share::fraction_of_counts(n, d)),
                numerator: report.women_regular.into(),
                denominator: report.women_placed.into(),
            },
            converted_to_regular: report.converted_to_regular.into(),
            retention: report
                .retention
                .into_iter()
                .map(|r| RetentionAtCheckpoint {
                    checkpoint_months: i32::try_from(r.checkpoint_months).unwrap_or(0),
                    rate_percent: service::rate_parts(r.still_employed, r.answered)
                        .and_then(|(n, d)| share::percent_of_counts(n, d)),
                    rate: service::rate_parts(r.still_employed, r.answered)
                        .and_then(|(n, d)| share::fraction_of_counts(n, d)),
                    answered: r.answered.into(),
                    still_employed: r.still_employed.into(),
                })
                .collect(),
        }
    }
}

#[ComplexObject]
impl EmploymentReport {
    /// The municipality.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Municipality> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        crate::graphql::present(
            municipality(loader, self.municipality_uuid)
                .await?
                .map(Municipality::from),
            "municipality",
        )
    }
}

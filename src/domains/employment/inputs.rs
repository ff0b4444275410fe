//! GraphQL inputs of the employment domain and payloads of its mutations.

use async_graphql::{Enum, ID, InputObject, MaybeUndefined};

use super::{
    service,
    types::{
        EmploymentEnrollment, EmploymentFollowUp, EmploymentPlacement, EmploymentType,
        EnrollmentCloseReason, EnrollmentStatus, FollowUpDueState, Gender, SupportTrack,
    },
};
use crate::graphql::ids::NodeKind;
use crate::graphql::scalars::Date;
use crate::{error::AppError, graphql::ids};

/// Name and contact of a job seeker without a resident account.
#[derive(Debug, Clone, InputObject)]
pub struct JobSeekerInput {
    /// Name (at most 100 characters).
    pub name: String,
    /// Kana reading (フリガナ; katakana or hiragana).
    pub name_kana: String,
    /// Email address; give it or `phone`.
    pub email: Option<String>,
    /// Phone number (full-width digits and hyphens accepted); give it or `email`.
    pub phone: Option<String>,
}

/// Enroll a job seeker in employment support (career advisors of an employment-support
/// office of the municipality, or its administrators).
#[derive(Debug, InputObject)]
pub struct EnrollJobSeekerInput {
    /// Municipality; members of one municipality may omit it (their own is used).
    pub municipality_id: Option<ID>,
    /// The job seeker's resident account of the same municipality (a `User`); or give
    /// `jobSeeker`.
    pub resident_id: Option<ID>,
    /// The job seeker's name and contact, when there is no resident account.
    pub job_seeker: Option<JobSeekerInput>,
    /// Self-declared gender, if the job seeker wished to give it.
    pub gender: Option<Gender>,
    /// Enrollment date (today or earlier).
    pub enrolled_on: Date,
    /// Support track.
    pub support_track: SupportTrack,
    /// Whether the job seeker consented to follow-up after placement.
    pub follow_up_consent: bool,
    /// Notes (at most 2000 characters; line breaks kept).
    pub notes: Option<String>,
    /// Advisor in charge (a `User` of the team); you when omitted.
    pub advisor_id: Option<ID>,
    /// Attended program registrations to attach (e.g. seminars attended as a guest).
    #[graphql(default)]
    pub registration_ids: Vec<ID>,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// Change an enrollment. Absent fields stay as they are.
#[derive(Debug, InputObject)]
pub struct UpdateEmploymentEnrollmentInput {
    /// The enrollment.
    pub id: ID,
    /// New self-declared gender.
    pub gender: Option<Gender>,
    /// New support track.
    pub support_track: Option<SupportTrack>,
    /// Consent to follow-up given (missing checkpoints are created) or withdrawn
    /// (checkpoints not yet answered are removed).
    pub follow_up_consent: Option<bool>,
    /// New notes; `null` removes them.
    pub notes: MaybeUndefined<String>,
    /// New advisor in charge; open checkpoints move to them.
    pub advisor_id: Option<ID>,
    /// New name and contact (job seekers without a resident account only).
    pub job_seeker: Option<JobSeekerInput>,
}

/// End the support of an open enrollment.
#[derive(Debug, InputObject)]
pub struct CloseEmploymentEnrollmentInput {
    /// The enrollment.
    pub id: ID,
    /// Why support ends.
    pub reason: EnrollmentCloseReason,
    /// When it ended (enrollment date to today); today when omitted.
    pub closed_on: Option<Date>,
    /// Note (at most 2000 characters).
    pub note: Option<String>,
}

/// Attach an attended registration to an enrollment, or detach one.
#[derive(Debug, InputObject)]
pub struct EnrollmentRegistrationInput {
    /// The enrollment.
    pub enrollment_id: ID,
    /// The program registration (status attended, same municipality).
    pub registration_id: ID,
}

/// Record a job found by an enrolled job seeker.
#[derive(Debug, InputObject)]
pub struct RecordPlacementInput {
    /// The enrollment (open).
    pub enrollment_id: ID,
    /// Employer name (at most 200 characters); may be omitted when
    /// `employerOrganizationId` is given.
    pub employer_name: Option<String>,
    /// The employer, when it is an organization of the municipality.
    pub employer_organization_id: Option<ID>,
    /// Industry (業種, at most 100 characters).
    pub industry: String,
    /// Job title (職種, at most 100 characters).
    pub job_title: String,
    /// Employment type.
    pub employment_type: EmploymentType,
    /// Weekly working hours (more than 0, at most 80).
    pub weekly_hours: f64,
    /// First day of work (the enrollment date or later).
    pub start_date: Date,
    /// Retrying with the same key returns the first result and creates nothing.
    pub idempotency_key: Option<String>,
}

/// Record the answer of a follow-up checkpoint (from 14 days before it is due).
#[derive(Debug, InputObject)]
pub struct RecordFollowUpInput {
    /// The checkpoint.
    pub id: ID,
    /// Whether the job seeker is still employed in the job.
    pub still_employed: bool,
    /// Current employment type; required when still employed, refused otherwise.
    pub employment_type: Option<EmploymentType>,
    /// The day the job became regular (正社員登用), when it was not regular before and now
    /// is: required then, refused otherwise; between the job's start and today.
    pub converted_to_regular_on: Option<Date>,
    /// Note (at most 2000 characters).
    pub note: Option<String>,
}

/// Filter of `employmentEnrollments`.
#[derive(Debug, Default, InputObject)]
pub struct EmploymentEnrollmentFilter {
    /// Municipality; members of one municipality may omit it.
    pub municipality_id: Option<ID>,
    /// Only these statuses (all when empty).
    #[graphql(default)]
    pub statuses: Vec<EnrollmentStatus>,
    /// Former name of `statuses`; both may be given, and their values add up.
    #[graphql(default, name = "status", deprecation = "Use statuses")]
    pub status_deprecated: Vec<EnrollmentStatus>,
    /// Only these support tracks (all when empty).
    #[graphql(default)]
    pub support_tracks: Vec<SupportTrack>,
    /// Former name of `supportTracks`; both may be given, and their values add up.
    #[graphql(default, name = "supportTrack", deprecation = "Use supportTracks")]
    pub support_track_deprecated: Vec<SupportTrack>,
    /// Only enrollments of this advisor (a `User`).
    pub advisor_id: Option<ID>,
    /// Only enrollments of this resident account (a `User`).
    pub resident_id: Option<ID>,
    /// Enrolled on or after this date.
    pub enrolled_from: Option<Date>,
    /// Enrolled on or before this date.
    pub enrolled_to: Option<Date>,
}

/// Order of `employmentEnrollments`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
pub enum EmploymentEnrollmentOrderBy {
    /// Newest first.
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
}

/// Filter of `employmentFollowUps`.
#[derive(Debug, Default, InputObject)]
pub struct EmploymentFollowUpFilter {
    /// Municipality; members of one municipality may omit it.
    pub municipality_id: Option<ID>,
    /// Only your own checkpoints.
    #[graphql(default)]
    pub mine: bool,
    /// Only checkpoints of this advisor (a `User`).
    pub advisor_id: Option<ID>,
    /// Only checkpoints in these states (all when empty), e.g. `[DUE, OVERDUE]`.
    #[graphql(default)]
    pub due_states: Vec<FollowUpDueState>,
    /// Former name of `dueStates`; both may be given, and their values add up.
    #[graphql(default, name = "dueState", deprecation = "Use dueStates")]
    pub due_state_deprecated: Vec<FollowUpDueState>,
    /// Only checkpoints of this placement.
    pub placement_id: Option<ID>,
}

impl From<JobSeekerInput> for service::PersonInput {
    fn from(person: JobSeekerInput) -> Self {
        Self {
            name: person.name,
            name_kana: person.name_kana,
            email: person.email,
            phone: person.phone,
        }
    }
}

impl TryFrom<EnrollJobSeekerInput> for service::NewEnrollment {
    type Error = AppError;

    fn try_from(input: EnrollJobSeekerInput) -> Result<Self, AppError> {
        let registration_ids = input
            .registration_ids
            .iter()
            .map(|id| ids::decode_as(id, NodeKind::Registration))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            municipality_id: ids::decode_optional(
                input.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            resident_id: ids::decode_optional(input.resident_id.as_ref(), NodeKind::User)?,
            person: input.job_seeker.map(Into::into),
            gender: input.gender.map(Into::into),
            enrolled_on: input.enrolled_on.into(),
            support_track: input.support_track.into(),
            follow_up_consent: input.follow_up_consent,
            notes: input.notes,
            advisor_id: ids::decode_optional(input.advisor_id.as_ref(), NodeKind::User)?,
            registration_ids,
            idempotency_key: input.idempotency_key,
        })
    }
}

/// The changes only; the resolver decodes the enrollment id.
impl TryFrom<UpdateEmploymentEnrollmentInput> for service::EnrollmentChanges {
    type Error = AppError;

    fn try_from(input: UpdateEmploymentEnrollmentInput) -> Result<Self, AppError> {
        Ok(Self {
            gender: input.gender.map(Into::into),
            support_track: input.support_track.map(Into::into),
            follow_up_consent: input.follow_up_consent,
            notes: input.notes.into(),
            advisor_id: ids::decode_optional(input.advisor_id.as_ref(), NodeKind::User)?,
            person: input.job_seeker.map(Into::into),
        })
    }
}

impl TryFrom<RecordPlacementInput> for service::NewPlacement {
    type Error = AppError;

    fn try_from(input: RecordPlacementInput) -> Result<Self, AppError> {
        Ok(Self {
            enrollment_id: ids::decode_as(&input.enrollment_id, NodeKind::EmploymentEnrollment)?,
            employer_name: input.employer_name,
            employer_organization_id: ids::decode_optional(
                input.employer_organization_id.as_ref(),
                NodeKind::Organization,
            )?,
            industry: input.industry,
            job_title: input.job_title,
            employment_type: input.employment_type.into(),
            weekly_hours: input.weekly_hours,
            start_date: input.start_date.into(),
            idempotency_key: input.idempotency_key,
        })
    }
}

impl TryFrom<RecordFollowUpInput> for service::FollowUpAnswer {
    type Error = AppError;

    fn try_from(input: RecordFollowUpInput) -> Result<Self, AppError> {
        Ok(Self {
            id: ids::decode_as(&input.id, NodeKind::EmploymentFollowUp)?,
            still_employed: input.still_employed,
            employment_type: input.employment_type.map(Into::into),
            converted_to_regular_on: input.converted_to_regular_on.map(Into::into),
            note: input.note,
        })
    }
}

impl TryFrom<EmploymentEnrollmentFilter> for service::EnrollmentFilter {
    type Error = AppError;

    fn try_from(filter: EmploymentEnrollmentFilter) -> Result<Self, AppError> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                filter.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            statuses: crate::graphql::with_former(filter.statuses, filter.status_deprecated)
                .into_iter()
                .map(Into::into)
                .collect(),
            tracks: crate::graphql::with_former(
                filter.support_tracks,
                filter.support_track_deprecated,
            )
            .into_iter()
            .map(Into::into)
            .collect(),
            advisor_id: ids::decode_optional(filter.advisor_id.as_ref(), NodeKind::User)?,
            resident_id: ids::decode_optional(filter.resident_id.as_ref(), NodeKind::User)?,
            enrolled_from: filter.enrolled_from.map(Into::into),
            enrolled_to: filter.enrolled_to.map(Into::into),
        })
    }
}

impl From<EmploymentEnrollmentOrderBy> for service::EnrollmentOrder {
    fn from(order_by: EmploymentEnrollmentOrderBy) -> Self {
        match order_by {
            EmploymentEnrollmentOrderBy::Newest => Self::Newest,
            EmploymentEnrollmentOrderBy::Oldest => Self::Oldest,
        }
    }
}

impl TryFrom<EmploymentFollowUpFilter> for service::FollowUpFilter {
    type Error = AppError;

    fn try_from(filter: EmploymentFollowUpFilter) -> Result<Self, AppError> {
        Ok(Self {
            municipality_id: ids::decode_optional(
                filter.municipality_id.as_ref(),
                NodeKind::Municipality,
            )?,
            advisor_id: ids::decode_optional(filter.advisor_id.as_ref(), NodeKind::User)?,
            mine: filter.mine,
            states: crate::graphql::with_former(filter.due_states, filter.due_state_deprecated)
                .into_iter()
                .map(Into::into)
                .collect(),
            placement_id: ids::decode_optional(
                filter.placement_id.as_ref(),
                NodeKind::EmploymentPlacement,
            )?,
        })
    }
}

use crate::mutation_payload as payload;

payload!(
    /// Result of `enrollJobSeeker`.
    EnrollJobSeekerPayload { enrollment: EmploymentEnrollment, "The new enrollment." }
);
payload!(
    /// Result of changes to an enrollment.
    EmploymentEnrollmentPayload { enrollment: EmploymentEnrollment, "The enrollment as changed." }
);
payload!(
    /// Result of `recordPlacement`.
    RecordPlacementPayload { placement: EmploymentPlacement, "The new placement." }
);
payload!(
    /// Result of `recordFollowUp`.
    RecordFollowUpPayload { follow_up: EmploymentFollowUp, "The answered checkpoint." }
);

//! sea-orm entities of tsunagu: the database tables and nothing else.
//!
//! GraphQL types are built from these models in `src/domains/*/types.rs`; a column never
//! reaches the schema by accident.

pub mod article;
pub mod childcare_booking;
pub mod childcare_booking_child;
pub mod childcare_booking_rule;
pub mod childcare_child;
pub mod childcare_hours_exception;
pub mod childcare_opening_hours;
pub mod childcare_resource;
pub mod childcare_slot;
pub mod childcare_survey;
pub mod childcare_visit;
pub mod concierge_leave;
pub mod concierge_profile;
pub mod employment_enrollment;
pub mod employment_enrollment_program;
pub mod employment_follow_up;
pub mod employment_placement;
pub mod health_dose_rule;
pub mod health_vaccine_product;
pub mod health_vaccine_series;
pub mod idempotency_key;
pub mod inquiry_event;
pub mod inquiry_task;
pub mod issue_comment;
pub mod kpi_target;
pub mod local_issue;
pub mod municipality;
pub mod organization;
pub mod partner_project;
pub mod partner_project_issue;
pub mod partnership_status_change;
pub mod persisted_query;
pub mod personal_data_access_log;
pub mod program;
pub mod program_session;
pub mod program_survey;
pub mod project_internal_comment;
pub mod project_update;
pub mod rate_limit_window;
pub mod registration;
pub mod registration_child;
pub mod registration_status_change;
pub mod relocation_inquiry;
pub mod relocation_setting;
pub mod search_outbox;
pub mod session;
pub mod user;

pub mod prelude {
    pub use super::article::Entity as Article;
    pub use super::concierge_leave::Entity as ConciergeLeave;
    pub use super::concierge_profile::Entity as ConciergeProfile;
    pub use super::employment_enrollment::Entity as EmploymentEnrollment;
    pub use super::employment_enrollment_program::Entity as EmploymentEnrollmentProgram;
    pub use super::employment_follow_up::Entity as EmploymentFollowUp;
    pub use super::employment_placement::Entity as EmploymentPlacement;
    pub use super::idempotency_key::Entity as IdempotencyKey;
    pub use super::inquiry_event::Entity as InquiryEvent;
    pub use super::inquiry_task::Entity as InquiryTask;
    pub use super::issue_comment::Entity as IssueComment;
    pub use super::kpi_target::Entity as KpiTarget;
    pub use super::local_issue::Entity as LocalIssue;
    pub use super::municipality::Entity as Municipality;
    pub use super::organization::Entity as Organization;
    pub use super::partner_project::Entity as PartnerProject;
    pub use super::partner_project_issue::Entity as PartnerProjectIssue;
    pub use super::partnership_status_change::Entity as PartnershipStatusChange;
    pub use super::persisted_query::Entity as PersistedQuery;
    pub use super::personal_data_access_log::Entity as PersonalDataAccessLog;
    pub use super::program::Entity as Program;
    pub use super::program_session::Entity as ProgramSession;
    pub use super::program_survey::Entity as ProgramSurvey;
    pub use super::project_internal_comment::Entity as ProjectInternalComment;
    pub use super::project_update::Entity as ProjectUpdate;
    pub use super::rate_limit_window::Entity as RateLimitWindow;
    pub use super::registration::Entity as Registration;
    pub use super::registration_child::Entity as RegistrationChild;
    pub use super::registration_status_change::Entity as RegistrationStatusChange;
    pub use super::relocation_inquiry::Entity as RelocationInquiry;
    pub use super::relocation_setting::Entity as RelocationSetting;
    pub use super::search_outbox::Entity as SearchOutbox;
    pub use super::session::Entity as Session;
    pub use super::user::Entity as User;
}

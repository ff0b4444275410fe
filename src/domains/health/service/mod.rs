//! Rules of the health domain that touch the database. Knows nothing of GraphQL.
//!
//! The vaccine catalogue is national data read by municipal health staff (municipal
//! admins) and platform admins; it is changed by a migration, never through the API.
//!
//! A child's health data (要配慮個人情報) is read by the child's guardian, by the health
//! staff of the child's municipality, and by a clinic the child has a booking or a form
//! with (only its own bookings, forms and records); every staff read is in the
//! personal-data access log; anyone else gets `NOT_FOUND`. None of it goes into search or
//! logs.

mod access;
mod bookings;
mod catalogue;
mod checkup_bookings;
mod checkup_dental;
mod checkup_records;
mod checkup_results;
mod checkup_types;
mod children;
mod claims;
mod day;
pub mod fees;
mod form_versions;
mod forms;
mod paper;
mod records;
mod settings;
mod slots;
mod surveys;
mod visits;

pub use access::{clinic_of, require_clinic};
pub use bookings::{NewBooking, book, bookings_of_child, cancel_booking, products_of, warnings_of};
pub use catalogue::{catalogue_for_staff, load_catalogue};
pub use checkup_bookings::{
    NewCheckupBooking, Questionnaire, answers_of as checkup_answers_of, book_checkup,
    cancel_checkup_booking, checkup_bookings_of_child, questionnaire,
};
pub use checkup_dental::{DentalExam, grid_json, grid_of};
pub use checkup_records::{
    AreaFinding, NewCheckup, Urine, UrineLevel, findings_of, record_checkup,
    record_referral_result, urine_of,
};
pub use checkup_results::{
    CheckupFilter, checkup_results, checkups_of_child, clinic_checkup_bookings,
};
pub use checkup_types::{
    CheckupKind, CheckupQuestion, FindingsArea, areas_of, checkup_types_of, judgements_of, kind_of,
    o2_rule_of, questions_of as checkup_questions_of, register_dental_clinic,
    register_dental_clinic_by_admin, scheme_of, seed_standard_checkups, window_of,
};
pub use children::{
    HandbookDose, NewChild, Preloaded, SUBJECT_KIND, find_child, log_staff_read, my_children,
    preload, record_handbook_dose, register_child, sex_of,
};
pub use claims::{CLAIM_CODE_DAYS, IssuedClaimCode, claim_child, issue_claim_code};
pub use day::{Day, DayEntry, clinic_day};
pub use form_versions::{NewDefinition, PREFILL_SOURCES, definitions_in_force, publish_definition};
pub use forms::{
    Consent, ConsentMethod, Draft, NewForms, Question, QuestionKind, SignerKind, drafts,
    drafts_for, forms_of_child, questions_of, submit,
};
pub use records::{
    CheckCount, Confirmation, Correction, Judgement, NewRecord, Override, RegisterFilter, SITES,
    check_counts, confirm, correct, overrides_of, record, register, versions,
};
pub use settings::{Settings, SettingsChange, settings_for_admin, update_settings};
pub use slots::{NewSlot, NewSlots, SlotFilter, antigens_of, create_slots, list_slots};
pub use surveys::{
    DENTAL as DENTAL_SURVEY, SurveyedBooking, VACCINATION as VACCINATION_SURVEY, submit_survey,
};
pub use visits::{DAY_CHANGED, catalogue_for, findings_from};

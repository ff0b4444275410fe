//! GraphQL objects of the programs domain, built from the database models.

mod programs;
mod registrations;

use async_graphql::Enum;
use entity::{program, program_session, registration};

use crate::connection;

connection!(Program, ProgramConnection, ProgramEdge);
connection!(ProgramSession, ProgramSessionConnection, ProgramSessionEdge);
connection!(Registration, RegistrationConnection, RegistrationEdge);

use crate::enum_mirror as mirror;

/// What kind of program it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProgramKind {
    /// Career seminar, e.g. 女性活躍推進セミナー (often with 託児).
    CareerSeminar,
    /// Education workshop by a museum, library or nature centre (鑑賞会・体験学習).
    EducationWorkshop,
    /// Parenting class or course (子育て学級・子育て親子支援講座).
    ParentingClass,
    /// Relocation fair or consultation day (移住相談会).
    RelocationFair,
    /// Childcare experience session, e.g. for expectant parents (元気保育園の体験).
    ChildcareExperience,
    /// Anything else.
    Other,
}
mirror!(
    ProgramKind,
    program::ProgramKind,
    [
        CareerSeminar,
        EducationWorkshop,
        ParentingClass,
        RelocationFair,
        ChildcareExperience,
        Other
    ]
);

/// A category tag of a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProgramCategory {
    /// Art (美術).
    Art,
    /// Nature (自然).
    Nature,
    /// History (歴史).
    History,
    /// Science (科学).
    Science,
    /// Reading and books (読書).
    Reading,
    /// Career and work (キャリア).
    Career,
    /// Parenting (子育て).
    Parenting,
    /// Childcare (保育).
    Childcare,
    /// Relocation (移住).
    Relocation,
    /// Health (健康).
    Health,
    /// Anything else.
    Other,
}
mirror!(
    ProgramCategory,
    program::ProgramCategory,
    [
        Art, Nature, History, Science, Reading, Career, Parenting, Childcare, Relocation, Health,
        Other
    ]
);

/// Who a program is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProgramAudience {
    /// Women (for example career seminars for women).
    Women,
    /// Expectant parents (妊娠中の方とそのパートナー).
    ExpectantParents,
    /// Guardians of children (保護者).
    Guardians,
    /// Children, who take part with a guardian: a party must include a child of the age
    /// range.
    Children,
    /// Everyone.
    Everyone,
}
mirror!(
    ProgramAudience,
    program::Audience,
    [Women, ExpectantParents, Guardians, Children, Everyone]
);

/// Where a program stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProgramStatus {
    /// Being prepared; seen only by its managers (下書き).
    Draft,
    /// Public and open for registration on its sessions (公開中).
    Published,
    /// Cancelled; its upcoming sessions were cancelled (中止). Final.
    Cancelled,
}
mirror!(
    ProgramStatus,
    program::ProgramStatus,
    [Draft, Published, Cancelled]
);

/// Whether a session takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProgramSessionStatus {
    /// Takes place as planned.
    Scheduled,
    /// Cancelled; every registration was cancelled and notified.
    Cancelled,
}
mirror!(
    ProgramSessionStatus,
    program_session::SessionStatus,
    [Scheduled, Cancelled]
);

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum RegistrationStatus {
    /// The whole party has its places (申込確定).
    Confirmed,
    /// Waiting for places (キャンセル待ち), with a position.
    Waitlisted,
    /// Freed places are held for the party until `offerExpiresAt`: accept or decline.
    Offered,
    /// Cancelled; see `cancelReason`.
    Cancelled,
    /// Checked in at the session (出席).
    Attended,
    /// Did not come (欠席).
    NoShow,
}
mirror!(
    RegistrationStatus,
    registration::RegistrationStatus,
    [Confirmed, Waitlisted, Offered, Cancelled, Attended, NoShow]
);

/// Why a registration was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum RegistrationCancelReason {
    /// The registrant cancelled.
    Registrant,
    /// The organizer's staff cancelled.
    Staff,
    /// The session was cancelled.
    SessionCancelled,
    /// The registrant declined a waitlist offer.
    OfferDeclined,
    /// A waitlist offer expired unanswered.
    OfferExpired,
}
mirror!(
    RegistrationCancelReason,
    registration::CancelReason,
    [
        Registrant,
        Staff,
        SessionCancelled,
        OfferDeclined,
        OfferExpired
    ]
);

pub use self::{
    programs::{ChildAgeRange, Program, ProgramSession, SessionAttendance, SurveySummary},
    registrations::{
        RegisteredChild, Registrant, Registration, RegistrationEvent, RegistrationEventKind,
        RegistrationStatusChange, SurveyResponse,
    },
};

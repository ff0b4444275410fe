//! GraphQL objects of the partnership domain, built from the database models.

use async_graphql::{Enum, SimpleObject};
use entity::{local_issue, partner_project};

use super::service;
use crate::connection;

connection!(LocalIssue, LocalIssueConnection, LocalIssueEdge);
connection!(PartnerProject, PartnerProjectConnection, PartnerProjectEdge);
connection!(ProjectUpdate, ProjectUpdateConnection, ProjectUpdateEdge);
connection!(IssueComment, IssueCommentConnection, IssueCommentEdge);
connection!(
    InternalComment,
    InternalCommentConnection,
    InternalCommentEdge
);

/// What area of town life a local issue concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum LocalIssueCategory {
    /// Parks and public spaces (公園づくり).
    Parks,
    /// Mobility and transport (移動・交通).
    Mobility,
    /// Tourism (観光).
    Tourism,
    /// Childcare and child-rearing (子育て).
    Childcare,
    /// Elderly care (高齢者福祉).
    ElderlyCare,
    /// Environment (環境).
    Environment,
    /// Disaster prevention (防災).
    DisasterPrevention,
    /// Digital services and platforms (デジタル).
    Digital,
    /// Education (教育).
    Education,
    /// Anything else (その他).
    Other,
}

crate::enum_mirror!(
    LocalIssueCategory,
    local_issue::IssueCategory,
    [
        Parks,
        Mobility,
        Tourism,
        Childcare,
        ElderlyCare,
        Environment,
        DisasterPrevention,
        Digital,
        Education,
        Other
    ]
);

/// Where a local issue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum LocalIssueStatus {
    /// Open for proposals (募集中).
    Open,
    /// A partner project was approved and works on it (取組中).
    InProgress,
    /// Solved: the municipality verified a partner project's outcome (解決済み). Counts as an
    /// issue solved through public-private partnership.
    Solved,
    /// Closed without a solution (未解決で終了); may be reopened.
    ClosedUnsolved,
}

crate::enum_mirror!(
    LocalIssueStatus,
    local_issue::IssueStatus,
    [Open, InProgress, Solved, ClosedUnsolved]
);

/// Where a partner project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum PartnerProjectStatus {
    /// Being written; seen only by its organization (下書き).
    Draft,
    /// Submitted for the municipality's review (審査中).
    Submitted,
    /// Not approved by the municipality (不採択); final.
    Rejected,
    /// Approved and running; public (実施中).
    Active,
    /// Reported as completed by the partner, awaiting verification (完了報告済み).
    Completed,
    /// Outcome verified by the municipality (解決確認済み); final.
    Verified,
}

crate::enum_mirror!(
    PartnerProjectStatus,
    partner_project::ProjectStatus,
    [Draft, Submitted, Rejected, Active, Completed, Verified]
);

mod history;
mod issues;

pub use history::{
    LocalIssueStatusChange, PartnerProjectRevision, PartnerProjectStatusChange, StatusActor,
    StatusChange,
};
pub use issues::{
    InternalComment, IssueComment, IssueLocation, LocalIssue, PartnerProject, ProjectUpdate,
};

/// Number of local issues per status, as far as you can see them.
#[derive(Debug, Clone, Copy, SimpleObject)]
pub struct LocalIssueStatusCounts {
    /// Open for proposals.
    pub open: u64,
    /// In progress.
    pub in_progress: u64,
    /// Solved through public-private partnership (課題解決件数).
    pub solved: u64,
    /// Closed unsolved.
    pub closed_unsolved: u64,
    /// All of them.
    pub total: u64,
}

impl From<service::IssueStatusCounts> for LocalIssueStatusCounts {
    fn from(counts: service::IssueStatusCounts) -> Self {
        Self {
            open: counts.open,
            in_progress: counts.in_progress,
            solved: counts.solved,
            closed_unsolved: counts.closed_unsolved,
            total: counts.open + counts.in_progress + counts.solved + counts.closed_unsolved,
        }
    }
}

/// Number of partner projects per status, as far as you can see them (drafts: only your
/// own organization's; submitted and rejected: the municipality's administrators and the
/// proposing organization).
#[derive(Debug, Clone, Copy, SimpleObject)]
pub struct PartnerProjectStatusCounts {
    /// Drafts.
    pub draft: u64,
    /// Submitted for review.
    pub submitted: u64,
    /// Rejected.
    pub rejected: u64,
    /// Active.
    pub active: u64,
    /// Completed, awaiting verification.
    pub completed: u64,
    /// Verified.
    pub verified: u64,
    /// All of them.
    pub total: u64,
}

impl From<service::ProjectStatusCounts> for PartnerProjectStatusCounts {
    fn from(c: service::ProjectStatusCounts) -> Self {
        Self {
            draft: c.draft,
            submitted: c.submitted,
            rejected: c.rejected,
            active: c.active,
            completed: c.completed,
            verified: c.verified,
            total: c.draft + c.submitted + c.rejected + c.active + c.completed + c.verified,
        }
    }
}

//! Rules of the partnership domain: who sees which issue, project and comment, who may
//! change what, and the status changes with their history. Knows nothing of GraphQL; the
//! demo seed calls it too.
//!
//! One file per use case: `reads` (records, lists and counts), `issues`, `projects` (the
//! proposal and its review steps), `revisions` (a rejected proposal revised and
//! resubmitted), `updates`, `comments`; `edits` checks a project's texts for drafts and
//! revisions alike, `history` writes every status change with its history row, and
//! `visibility` holds who sees what, in one place:
//! - a local issue is public once published; drafts are seen by the municipality's admins;
//! - a partner project is public when active, completed or verified; its own organization
//!   sees it in every status; the municipality's admins also see it submitted or rejected
//!   (drafts stay with the organization);
//! - internal comments and a project's earlier versions (revisions) are seen by the
//!   municipality's admins and the project's organization;
//! - a hidden issue comment is seen by the municipality's admins only; a comment its author
//!   deleted by no one.
//!
//! Records a viewer cannot see answer `NOT_FOUND`; visible records the viewer may not
//! change answer `FORBIDDEN`; a wrong status is an `INVALID_STATE` user error.

use crate::auth::Role;

/// Longest title of an issue or project.
const MAX_TITLE: usize = 200;
/// Longest description, plan, outcome report or update text.
const MAX_TEXT: usize = 5000;
/// Longest comment, reason or review comment.
const MAX_COMMENT: usize = 2000;
/// Longest place name or milestone.
const MAX_LINE: usize = 200;
/// Longest contact line of a project.
const MAX_CONTACT: usize = 500;
/// Most issues one project may take on.
const MAX_ISSUES_PER_PROJECT: usize = 20;

/// Roles that run partner projects.
pub const PARTNERS: &[Role] = &[Role::Partner];
/// Roles that comment publicly on issues.
pub const RESIDENTS: &[Role] = &[Role::Resident];

mod comments;
mod edits;
mod history;
mod issues;
mod projects;
mod reads;
mod revisions;
mod updates;
mod visibility;

pub use comments::{
    NewComment, add_internal_comment, add_issue_comment, delete_comment, hide_comment,
    unhide_comment,
};
pub use issues::{
    IssueChanges, Location, NewIssue, close_issue, create_issue, reopen_issue, update_issue,
};
pub use projects::{
    NewProject, ProjectChanges, ProjectTexts, approve_project, complete_project, create_project,
    reject_project, return_project, submit_project, update_project, verify_project,
};
pub use reads::{
    ActivityOrder, IssueFilter, IssueStatusCounts, ProjectFilter, ProjectStatusCounts,
    find_internal_comment, find_issue, find_issue_comment, find_project, find_project_update,
    issue_status_counts, issues_solved, list_internal_comments, list_issue_comments, list_issues,
    list_my_projects, list_project_updates, list_projects, project_status_counts,
};
pub use revisions::{may_read_revisions, revise_and_resubmit_project};
pub use updates::{NewUpdate, post_update};
pub use visibility::{can_see_issue, can_see_project};

#[cfg(test)]
mod tests {
    use crate::text::long_text;

    #[test]
    fn long_texts_keep_line_breaks_and_what_was_written_and_refuse_other_control_characters() {
        assert_eq!(
            long_text("plan", " １行目\r\n２行目 ", 100),
            Ok("１行目\n２行目".to_owned())
        );
        assert_eq!(
            long_text("body", "＃ 見出し\n① （注）", 100),
            Ok("＃ 見出し\n① （注）".to_owned())
        );
        assert!(long_text("plan", "a\u{7}b", 100).is_err());
        assert!(long_text("plan", " \n ", 100).is_err());
        assert!(long_text("plan", &"あ".repeat(101), 100).is_err());
    }
}

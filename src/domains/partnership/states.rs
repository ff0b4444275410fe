//! The status machines of local issues and partner projects: the one place that says which
//! status may follow which. Every status change in the service goes through these checks.

use entity::{local_issue::IssueStatus, partner_project::ProjectStatus};

use crate::error::{FieldError, FieldErrorCode};

/// Whether a local issue may move from `from` to `to`.
///
/// open → in progress (a project is approved) → solved (a project is verified); open or in
/// progress → closed unsolved; solved or closed → open again. Nothing else: in particular an
/// issue is never solved directly.
pub fn issue_can_transition(from: IssueStatus, to: IssueStatus) -> bool {
    use IssueStatus::{ClosedUnsolved, InProgress, Open, Solved};
    matches!(
        (from, to),
        (Open, InProgress)
            | (InProgress, Solved)
            | (Open | InProgress, ClosedUnsolved)
            | (Solved | ClosedUnsolved, Open)
    )
}

/// A step of a partner project. Each step takes exactly one edge of the status machine,
/// so two steps that lead to the same status (approving and returning both lead to active)
/// cannot stand in for each other.
///
/// draft → submitted → active or rejected; active → completed → verified; a completed
/// project may be returned to active; a rejected proposal may be revised and resubmitted
/// by its partner. Verified is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectStep {
    /// The partner submits a draft for review.
    Submit,
    /// The municipality approves a submitted project.
    Approve,
    /// The municipality rejects a submitted project.
    Reject,
    /// The partner reports an active project completed.
    Complete,
    /// The municipality verifies a completed project's outcome.
    Verify,
    /// The municipality returns a completed project to active.
    Return,
    /// The partner revises a rejected proposal and submits it for review again.
    Resubmit,
}

impl ProjectStep {
    /// The status the step starts from and the status it leads to.
    pub fn edge(self) -> (ProjectStatus, ProjectStatus) {
        use ProjectStatus::{Active, Completed, Draft, Rejected, Submitted, Verified};
        match self {
            Self::Submit => (Draft, Submitted),
            Self::Approve => (Submitted, Active),
            Self::Reject => (Submitted, Rejected),
            Self::Complete => (Active, Completed),
            Self::Verify => (Completed, Verified),
            Self::Return => (Completed, Active),
            Self::Resubmit => (Rejected, Submitted),
        }
    }

    /// What the step is called in a Japanese sentence ("…できません").
    pub fn label(self) -> &'static str {
        match self {
            Self::Submit => "提出",
            Self::Approve => "承認",
            Self::Reject => "不採択に",
            Self::Complete => "完了報告",
            Self::Verify => "解決確認",
            Self::Return => "差し戻し",
            Self::Resubmit => "修正して再提出",
        }
    }
}

/// `Ok` when the issue may move, else an `INVALID_STATE` error on the input field `field`.
pub fn check_issue(field: &str, from: IssueStatus, to: IssueStatus) -> Result<(), FieldError> {
    if issue_can_transition(from, to) {
        Ok(())
    } else {
        Err(FieldError::input(
            field,
            FieldErrorCode::InvalidState,
            format!(
                "この課題は現在「{}」のため、「{}」にはできません。",
                issue_label(from),
                issue_label(to)
            ),
        ))
    }
}

/// The status `step` leads to when a project is `current`, else an `INVALID_STATE` error on
/// the input field `field`.
pub fn check_project(
    field: &str,
    current: ProjectStatus,
    step: ProjectStep,
) -> Result<ProjectStatus, FieldError> {
    let (from, to) = step.edge();
    if current == from {
        Ok(to)
    } else {
        Err(FieldError::input(
            field,
            FieldErrorCode::InvalidState,
            format!(
                "このプロジェクトは現在「{}」のため、{}できません。",
                project_label(current),
                step.label()
            ),
        ))
    }
}

/// Japanese name of an issue status, as residents read it.
pub fn issue_label(status: IssueStatus) -> &'static str {
    match status {
        IssueStatus::Open => "募集中",
        IssueStatus::InProgress => "取組中",
        IssueStatus::Solved => "解決済み",
        IssueStatus::ClosedUnsolved => "未解決で終了",
    }
}

/// Japanese name of a project status.
pub fn project_label(status: ProjectStatus) -> &'static str {
    match status {
        ProjectStatus::Draft => "下書き",
        ProjectStatus::Submitted => "審査中",
        ProjectStatus::Rejected => "不採択",
        ProjectStatus::Active => "実施中",
        ProjectStatus::Completed => "完了報告済み",
        ProjectStatus::Verified => "解決確認済み",
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    /// Every step.
    const ALL_STEPS: [ProjectStep; 7] = [
        ProjectStep::Submit,
        ProjectStep::Approve,
        ProjectStep::Reject,
        ProjectStep::Complete,
        ProjectStep::Verify,
        ProjectStep::Return,
        ProjectStep::Resubmit,
    ];

    #[test]
    fn issues_move_only_along_the_documented_edges() {
        use IssueStatus::{ClosedUnsolved, InProgress, Open, Solved};
        let allowed = [
            (Open, InProgress),
            (InProgress, Solved),
            (Open, ClosedUnsolved),
            (InProgress, ClosedUnsolved),
            (Solved, Open),
            (ClosedUnsolved, Open),
        ];
        for from in IssueStatus::iter() {
            for to in IssueStatus::iter() {
                assert_eq!(
                    issue_can_transition(from, to),
                    allowed.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
        assert!(
            !issue_can_transition(Open, Solved),
            "solving skips progress"
        );
    }

    #[test]
    fn projects_move_only_along_the_documented_edges() {
        use ProjectStatus::{Active, Completed, Draft, Rejected, Submitted, Verified};
        let allowed = [
            (Draft, Submitted),
            (Submitted, Active),
            (Submitted, Rejected),
            (Active, Completed),
            (Completed, Verified),
            (Completed, Active),
            (Rejected, Submitted),
        ];
        let edges = ALL_STEPS.map(ProjectStep::edge);
        assert_eq!(edges.len(), allowed.len());
        for edge in allowed {
            assert!(edges.contains(&edge), "{edge:?}");
        }
    }

    #[test]
    fn each_step_starts_only_from_its_own_status() {
        for step in ALL_STEPS {
            let (from, to) = step.edge();
            for current in ProjectStatus::iter() {
                assert_eq!(
                    check_project("id", current, step).ok(),
                    (current == from).then_some(to),
                    "{step:?} from {current:?}"
                );
            }
        }
        // Returning and approving both lead to active, from different statuses.
        assert!(check_project("id", ProjectStatus::Submitted, ProjectStep::Return).is_err());
        assert!(check_project("id", ProjectStatus::Completed, ProjectStep::Approve).is_err());
    }

    #[test]
    fn a_refused_step_names_the_status_and_the_step_in_japanese() {
        let error = check_project("id", ProjectStatus::Active, ProjectStep::Verify)
            .err()
            .map(|e| (e.code, e.message));
        assert_eq!(
            error,
            Some((
                FieldErrorCode::InvalidState,
                "このプロジェクトは現在「実施中」のため、解決確認できません。".into()
            ))
        );
    }
}

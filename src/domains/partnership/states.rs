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

/// Whether a partner project may move from `from` to `to`.
///
/// draft → submitted → active or rejected; active → completed → verified; a completed
/// project may be returned to active. Rejected and verified are final.
pub fn project_can_transition(from: ProjectStatus, to: ProjectStatus) -> bool {
    use ProjectStatus::{Active, Completed, Draft, Rejected, Submitted, Verified};
    matches!(
        (from, to),
        (Draft, Submitted)
            | (Submitted, Active | Rejected)
            | (Active, Completed)
            | (Completed, Verified | Active)
    )
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

/// `Ok` when the project may move, else an `INVALID_STATE` error on the input field `field`.
pub fn check_project(
    field: &str,
    from: ProjectStatus,
    to: ProjectStatus,
) -> Result<(), FieldError> {
    if project_can_transition(from, to) {
        Ok(())
    } else {
        Err(FieldError::input(
            field,
            FieldErrorCode::InvalidState,
            format!(
                "このプロジェクトは現在「{}」のため、「{}」にはできません。",
                project_label(from),
                project_label(to)
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
        ];
        for from in ProjectStatus::iter() {
            for to in ProjectStatus::iter() {
                assert_eq!(
                    project_can_transition(from, to),
                    allowed.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
    }

    #[test]
    fn a_refused_move_names_both_statuses_in_japanese() {
        let error = check_project("id", ProjectStatus::Active, ProjectStatus::Verified)
            .err()
            .map(|e| (e.code, e.message));
        assert_eq!(
            error,
            Some((
                FieldErrorCode::InvalidState,
                "このプロジェクトは現在「実施中」のため、「解決確認済み」にはできません。".into()
            ))
        );
    }
}

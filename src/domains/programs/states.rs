//! The status machines of programs and registrations: the one place that says which status
//! may follow which.

use entity::{program::ProgramStatus, registration::RegistrationStatus};

use crate::error::{FieldError, FieldErrorCode};

/// Statuses in which a registration holds seats and childcare slots.
pub const HOLDING: [RegistrationStatus; 4] = [
    RegistrationStatus::Confirmed,
    RegistrationStatus::Offered,
    RegistrationStatus::Attended,
    RegistrationStatus::NoShow,
];

/// Statuses a registration can still be cancelled from.
pub const ACTIVE: [RegistrationStatus; 3] = [
    RegistrationStatus::Confirmed,
    RegistrationStatus::Waitlisted,
    RegistrationStatus::Offered,
];

/// Whether a program may move from `from` to `to`: draft → published; draft or published →
/// cancelled. Cancelled is final, and a published program never returns to draft.
pub fn program_can_transition(from: ProgramStatus, to: ProgramStatus) -> bool {
    use ProgramStatus::{Cancelled, Draft, Published};
    matches!(
        (from, to),
        (Draft, Published) | (Draft | Published, Cancelled)
    )
}

/// Whether a registration may move from `from` to `to`.
///
/// waitlisted → offered (a place freed) → confirmed (accepted); confirmed → attended or
/// no-show; confirmed, waitlisted or offered → cancelled (by the registrant, staff, a
/// cancelled session, a declined or expired offer).
pub fn registration_can_transition(from: RegistrationStatus, to: RegistrationStatus) -> bool {
    use RegistrationStatus::{Attended, Cancelled, Confirmed, NoShow, Offered, Waitlisted};
    matches!(
        (from, to),
        (Waitlisted, Offered)
            | (Offered, Confirmed)
            | (Confirmed, Attended | NoShow)
            | (Confirmed | Waitlisted | Offered, Cancelled)
    )
}

/// `Ok` when the program may move, else an `INVALID_STATE` error on `field`.
pub fn check_program(
    field: &str,
    from: ProgramStatus,
    to: ProgramStatus,
) -> Result<(), FieldError> {
    if from == to || program_can_transition(from, to) {
        Ok(())
    } else {
        Err(FieldError::input(
            field,
            FieldErrorCode::InvalidState,
            format!(
                "このプログラムは現在「{}」のため、「{}」にはできません。",
                program_label(from),
                program_label(to)
            ),
        ))
    }
}

/// `Ok` when the registration may move, else an `INVALID_STATE` error on `field`.
pub fn check_registration(
    field: &str,
    from: RegistrationStatus,
    to: RegistrationStatus,
) -> Result<(), FieldError> {
    if registration_can_transition(from, to) {
        Ok(())
    } else {
        Err(FieldError::input(
            field,
            FieldErrorCode::InvalidState,
            format!(
                "この申込みは現在「{}」のため、「{}」にはできません。",
                registration_label(from),
                registration_label(to)
            ),
        ))
    }
}

/// Japanese name of a program status.
pub fn program_label(status: ProgramStatus) -> &'static str {
    match status {
        ProgramStatus::Draft => "下書き",
        ProgramStatus::Published => "公開中",
        ProgramStatus::Cancelled => "中止",
    }
}

/// Japanese name of a registration status.
pub fn registration_label(status: RegistrationStatus) -> &'static str {
    match status {
        RegistrationStatus::Confirmed => "申込確定",
        RegistrationStatus::Waitlisted => "キャンセル待ち",
        RegistrationStatus::Offered => "繰り上げ案内中",
        RegistrationStatus::Cancelled => "キャンセル",
        RegistrationStatus::Attended => "出席",
        RegistrationStatus::NoShow => "欠席",
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    #[test]
    fn registrations_move_only_along_the_documented_edges() {
        use RegistrationStatus::{Attended, Cancelled, Confirmed, NoShow, Offered, Waitlisted};
        let allowed = [
            (Waitlisted, Offered),
            (Offered, Confirmed),
            (Confirmed, Attended),
            (Confirmed, NoShow),
            (Confirmed, Cancelled),
            (Waitlisted, Cancelled),
            (Offered, Cancelled),
        ];
        for from in RegistrationStatus::iter() {
            for to in RegistrationStatus::iter() {
                assert_eq!(
                    registration_can_transition(from, to),
                    allowed.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
        // A waitlisted party is never confirmed without an offer it accepted.
        assert!(!registration_can_transition(Waitlisted, Confirmed));
    }

    #[test]
    fn programs_never_return_to_draft_and_cancellation_is_final() {
        use ProgramStatus::{Cancelled, Draft, Published};
        assert!(program_can_transition(Draft, Published));
        assert!(program_can_transition(Published, Cancelled));
        assert!(!program_can_transition(Published, Draft));
        assert!(!program_can_transition(Cancelled, Published));
        assert_eq!(
            check_program("status", Cancelled, Published).map_err(|e| e.message),
            Err("このプログラムは現在「中止」のため、「公開中」にはできません。".into())
        );
    }
}

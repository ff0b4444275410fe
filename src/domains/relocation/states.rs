//! The pipeline of an inquiry: the one place that says which stage may follow which.

use entity::relocation_inquiry::InquiryStage;

use crate::error::{FieldError, FieldErrorCode};

/// Whether an inquiry may move from `from` to `to` by a concierge's hand.
///
/// new → assigned happens by assignment; assigned → contacted → consulting → visit/trial
/// stay scheduled → decided → moved in, one step at a time (a consultation may also go
/// straight to decided, and a scheduled visit back to consulting); every active stage may
/// be closed; a closed inquiry may be reopened to contacted.
pub fn can_transition(from: InquiryStage, to: InquiryStage) -> bool {
    use InquiryStage::{
        Assigned, Closed, Consulting, Contacted, Decided, MovedIn, New, VisitScheduled,
    };
    matches!(
        (from, to),
        (New, Assigned)
            | (Assigned, Contacted)
            | (Contacted, Consulting)
            | (Consulting, VisitScheduled | Decided)
            | (VisitScheduled, Consulting | Decided)
            | (Decided, MovedIn)
            | (
                New | Assigned | Contacted | Consulting | VisitScheduled | Decided,
                Closed
            )
            | (Closed, Contacted)
    )
}

/// `Ok` when the move is allowed, else an `INVALID_STATE` error on `field`.
pub fn check(field: &str, from: InquiryStage, to: InquiryStage) -> Result<(), FieldError> {
    if can_transition(from, to) {
        Ok(())
    } else {
        Err(FieldError::input(
            field,
            FieldErrorCode::InvalidState,
            format!(
                "この相談は現在「{}」のため、「{}」にはできません。",
                label(from),
                label(to)
            ),
        ))
    }
}

/// Japanese name of a stage.
pub fn label(stage: InquiryStage) -> &'static str {
    match stage {
        InquiryStage::New => "新規",
        InquiryStage::Assigned => "担当決定",
        InquiryStage::Contacted => "初回連絡済み",
        InquiryStage::Consulting => "相談中",
        InquiryStage::VisitScheduled => "現地訪問・お試し滞在予定",
        InquiryStage::Decided => "移住決定",
        InquiryStage::MovedIn => "移住済み",
        InquiryStage::Closed => "終了",
    }
}

/// Order of the stages in the funnel (closed has none).
pub fn rank(stage: InquiryStage) -> Option<u8> {
    match stage {
        InquiryStage::New => Some(0),
        InquiryStage::Assigned => Some(1),
        InquiryStage::Contacted => Some(2),
        InquiryStage::Consulting => Some(3),
        InquiryStage::VisitScheduled => Some(4),
        InquiryStage::Decided => Some(5),
        InquiryStage::MovedIn => Some(6),
        InquiryStage::Closed => None,
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    #[test]
    fn stages_cannot_be_skipped_and_final_stages_stay_final() {
        use InquiryStage::*;
        assert!(!can_transition(Assigned, Consulting));
        assert!(!can_transition(Contacted, MovedIn));
        assert!(!can_transition(MovedIn, Closed));
        for to in InquiryStage::iter() {
            assert!(!can_transition(MovedIn, to), "moved in → {to:?}");
        }
        assert!(can_transition(Consulting, Closed));
    }
}

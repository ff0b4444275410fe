//! The states of a clinic's monthly fee claim (委託料請求) and who may move it:
//! draft → submitted → returned (with a reason) → submitted again → accepted → paid.
//! The clinic prepares and submits; its association (or the city, for a clinic with an
//! individual contract) checks and returns; the city accepts and pays. Anything else is
//! refused.

use entity::health_fee_claim::ClaimStatus;

/// Who acts on a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimActor {
    /// The clinic's staff.
    Clinic,
    /// The staff of the association the clinic claims through.
    Association,
    /// The municipality's health staff.
    City,
}

/// What may be done to a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimAction {
    /// Gather its lines again (the clinic, while it holds the claim).
    Refresh,
    /// Send it (again).
    Submit,
    /// Send it back to the clinic with a reason.
    Return,
    /// Accept it for payment.
    Accept,
    /// Record the payment.
    Pay,
}

/// The state after `action` by `actor` on a claim in `from`, or `None` when refused.
pub fn next(from: ClaimStatus, action: ClaimAction, actor: ClaimActor) -> Option<ClaimStatus> {
    use ClaimAction as A;
    use ClaimActor as W;
    use ClaimStatus as S;
    match (from, action, actor) {
        (S::Draft | S::Returned, A::Refresh, W::Clinic) => Some(from),
        (S::Draft | S::Returned, A::Submit, W::Clinic) => Some(S::Submitted),
        (S::Submitted, A::Return, W::Association | W::City) => Some(S::Returned),
        (S::Submitted, A::Accept, W::City) => Some(S::Accepted),
        (S::Accepted, A::Pay, W::City) => Some(S::Paid),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClaimAction as A;
    use ClaimActor as W;
    use ClaimStatus as S;

    #[test]
    fn the_paper_flow_is_allowed() {
        assert_eq!(next(S::Draft, A::Submit, W::Clinic), Some(S::Submitted));
        assert_eq!(
            next(S::Submitted, A::Return, W::Association),
            Some(S::Returned)
        );
        assert_eq!(next(S::Returned, A::Submit, W::Clinic), Some(S::Submitted));
        assert_eq!(next(S::Submitted, A::Accept, W::City), Some(S::Accepted));
        assert_eq!(next(S::Accepted, A::Pay, W::City), Some(S::Paid));
    }

    #[test]
    fn skipping_a_state_or_acting_for_another_is_refused() {
        assert_eq!(next(S::Draft, A::Accept, W::City), None);
        assert_eq!(next(S::Draft, A::Pay, W::City), None);
        assert_eq!(next(S::Submitted, A::Pay, W::City), None);
        assert_eq!(next(S::Submitted, A::Accept, W::Association), None);
        assert_eq!(next(S::Submitted, A::Submit, W::Clinic), None);
        assert_eq!(next(S::Accepted, A::Return, W::Association), None);
        assert_eq!(next(S::Paid, A::Return, W::City), None);
        assert_eq!(next(S::Submitted, A::Refresh, W::Clinic), None);
        assert_eq!(next(S::Draft, A::Submit, W::City), None);
    }
}

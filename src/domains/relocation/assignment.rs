//! Which concierge gets an inquiry: the three strategies, as pure functions over the
//! concierges who may take work right now (available, not on leave) and their current load.

use entity::{relocation_inquiry::Interest, relocation_setting::AssignmentStrategy};
use uuid::Uuid;

/// A concierge who may take work now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The concierge's user id.
    pub user_id: Uuid,
    /// Interests they specialize in.
    pub specialties: Vec<Interest>,
    /// Languages they speak (BCP 47 tags).
    pub languages: Vec<String>,
    /// Areas they know, NFKC-normalized.
    pub areas: Vec<String>,
    /// Most active inquiries at once.
    pub capacity: i64,
    /// Active inquiries now.
    pub load: i64,
}

impl Candidate {
    /// Whether they can take one more inquiry.
    pub fn has_room(&self) -> bool {
        self.load < self.capacity
    }
}

/// What an inquiry asks for.
#[derive(Debug, Clone, Copy)]
pub struct Need<'a> {
    /// The family's interests.
    pub interests: &'a [Interest],
    /// The preferred language.
    pub language: &'a str,
    /// The desired area, normalized, if any.
    pub area: Option<&'a str>,
}

/// How well `candidate` fits `need`: shared interests, plus one for the language and one
/// for the area.
pub fn match_score(candidate: &Candidate, need: Need<'_>) -> usize {
    let interests = need
        .interests
        .iter()
        .filter(|interest| candidate.specialties.contains(interest))
        .count();
    let language = usize::from(
        candidate
            .languages
            .iter()
            .any(|language| language.eq_ignore_ascii_case(need.language)),
    );
    let area = usize::from(need.area.is_some_and(|wanted| {
        candidate.areas.iter().any(|area| {
            !area.is_empty() && (wanted.contains(area.as_str()) || area.contains(wanted))
        })
    }));
    interests + language + area
}

/// The concierge to give an inquiry to, or `None` when nobody has room. Nobody at
/// capacity is ever chosen. `last` is who got the previous round-robin assignment.
pub fn choose(
    strategy: AssignmentStrategy,
    candidates: &[Candidate],
    need: Need<'_>,
    last: Option<Uuid>,
) -> Option<Uuid> {
    let mut open: Vec<&Candidate> = candidates.iter().filter(|c| c.has_room()).collect();
    open.sort_by_key(|c| c.user_id);
    match strategy {
        AssignmentStrategy::RoundRobin => open
            .iter()
            .find(|c| last.is_some_and(|last| c.user_id > last))
            .or_else(|| open.first())
            .map(|c| c.user_id),
        AssignmentStrategy::LeastLoaded => open
            .iter()
            .min_by(|a, b| by_share_of_capacity(a, b))
            .map(|c| c.user_id),
        AssignmentStrategy::SpecialtyMatch => open
            .iter()
            .min_by(|a, b| {
                match_score(b, need)
                    .cmp(&match_score(a, need))
                    .then_with(|| by_share_of_capacity(a, b))
            })
            .map(|c| c.user_id),
    }
}

/// Orders concierges by how full they are: load as a share of capacity (so someone with 3 of
/// 12 comes before someone with 2 of 4), then fewer inquiries, then id.
fn by_share_of_capacity(a: &Candidate, b: &Candidate) -> std::cmp::Ordering {
    (a.load * b.capacity)
        .cmp(&(b.load * a.capacity))
        .then(a.load.cmp(&b.load))
        .then(a.user_id.cmp(&b.user_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(n: u128, load: i64, capacity: i64, specialties: &[Interest]) -> Candidate {
        Candidate {
            user_id: Uuid::from_u128(n),
            specialties: specialties.to_vec(),
            languages: vec!["ja".into()],
            areas: Vec::new(),
            capacity,
            load,
        }
    }

    const NEED: Need<'static> = Need {
        interests: &[Interest::Farming],
        language: "ja",
        area: None,
    };

    #[test]
    fn nobody_at_capacity_is_chosen_by_any_strategy() {
        let full = [
            candidate(1, 3, 3, &[Interest::Farming]),
            candidate(2, 0, 0, &[]),
        ];
        for strategy in [
            AssignmentStrategy::RoundRobin,
            AssignmentStrategy::LeastLoaded,
            AssignmentStrategy::SpecialtyMatch,
        ] {
            assert_eq!(choose(strategy, &full, NEED, None), None);
        }
    }

    #[test]
    fn round_robin_takes_turns_and_skips_the_full() {
        let c = [
            candidate(1, 0, 5, &[]),
            candidate(2, 5, 5, &[]),
            candidate(3, 0, 5, &[]),
        ];
        let rr = AssignmentStrategy::RoundRobin;
        assert_eq!(
            choose(rr, &c, NEED, Some(Uuid::from_u128(1))),
            Some(Uuid::from_u128(3))
        );
        assert_eq!(
            choose(rr, &c, NEED, Some(Uuid::from_u128(3))),
            Some(Uuid::from_u128(1))
        );
    }

    #[test]
    fn specialty_match_prefers_overlap_then_load() {
        let c = [
            candidate(1, 0, 5, &[]),
            candidate(2, 3, 5, &[Interest::Farming]),
            candidate(3, 1, 5, &[Interest::Farming]),
        ];
        assert_eq!(
            choose(AssignmentStrategy::SpecialtyMatch, &c, NEED, None),
            Some(Uuid::from_u128(3))
        );
        assert_eq!(
            choose(AssignmentStrategy::LeastLoaded, &c, NEED, None),
            Some(Uuid::from_u128(1))
        );
    }

    #[test]
    fn least_loaded_weighs_load_by_capacity() {
        let c = [
            candidate(1, 2, 4, &[]),
            candidate(2, 3, 12, &[Interest::Farming]),
            candidate(3, 3, 12, &[]),
        ];
        assert_eq!(
            choose(AssignmentStrategy::LeastLoaded, &c, NEED, None),
            Some(Uuid::from_u128(2))
        );
        // Among equally good matches, the less full one.
        let c = [
            candidate(1, 2, 4, &[Interest::Farming]),
            candidate(2, 4, 12, &[Interest::Farming]),
        ];
        assert_eq!(
            choose(AssignmentStrategy::SpecialtyMatch, &c, NEED, None),
            Some(Uuid::from_u128(2))
        );
    }
}

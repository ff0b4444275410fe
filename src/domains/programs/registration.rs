//! The pure rules of registering a party: ages at the session date, eligibility, whether a
//! party fits. No database here, so every rule is unit-tested.

use chrono::{Datelike, NaiveDate};
use entity::program::{self, Audience};

use crate::error::{FieldError, FieldErrorCode};

/// Oldest child age accepted anywhere, in months (18 years).
pub const MAX_CHILD_AGE_MONTHS: i32 = 216;

/// A child as given at registration: a birth date or an age in months today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildInput {
    /// Birth date, if given.
    pub birth_date: Option<NaiveDate>,
    /// Age in whole months today, if no birth date is given.
    pub age_months: Option<i32>,
    /// Whether the child stays in the 託児 during the session.
    pub needs_childcare: bool,
}

/// A child with its age on the session date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Child {
    /// Birth date, if given.
    pub birth_date: Option<NaiveDate>,
    /// Age in whole months on the session date (Asia/Tokyo).
    pub age_months_at_session: i32,
    /// Whether the child stays in the 託児.
    pub needs_childcare: bool,
}

/// What a party takes of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Party {
    /// Adults.
    pub adults: i32,
    /// Children.
    pub children: i32,
    /// Seats: adults and children who stay with them.
    pub seats: i32,
    /// Childcare slots: children in the 託児.
    pub childcare: i32,
}

impl Party {
    /// The party of `adults` and `children`.
    pub fn of(adults: i32, children: &[Child]) -> Self {
        let childcare = count(children.iter().filter(|child| child.needs_childcare));
        let children = count(children.iter());
        Self {
            adults,
            children,
            seats: adults + children - childcare,
            childcare,
        }
    }

    /// Everyone in the party.
    pub fn people(&self) -> i32 {
        self.adults + self.children
    }

    /// Whether the whole party fits in what is left of a session.
    pub fn fits(&self, seats_left: i32, childcare_left: i32) -> bool {
        self.seats <= seats_left && self.childcare <= childcare_left
    }
}

fn count<T>(items: impl Iterator<Item = T>) -> i32 {
    i32::try_from(items.count()).unwrap_or(i32::MAX)
}

/// Whole months from `from` to `to` (negative when `to` is earlier).
pub fn months_between(from: NaiveDate, to: NaiveDate) -> i32 {
    let months = (to.year() - from.year()) * 12 + to.month0() as i32 - from.month0() as i32;
    if to >= from {
        if to.day() < from.day() {
            months - 1
        } else {
            months
        }
    } else if to.day() > from.day() {
        months + 1
    } else {
        months
    }
}

/// The children with their ages on the session date, or the problems with the input.
pub fn children_at(
    children: &[ChildInput],
    today: NaiveDate,
    session_date: NaiveDate,
) -> Result<Vec<Child>, Vec<FieldError>> {
    let mut problems = Vec::new();
    let mut aged = Vec::with_capacity(children.len());
    for (index, child) in children.iter().enumerate() {
        let field = format!("children.{index}");
        let age = match (child.birth_date, child.age_months) {
            (Some(birth), _) if birth > today => {
                problems.push(FieldError::input(
                    &field,
                    FieldErrorCode::Invalid,
                    "生年月日が未来の日付です。",
                ));
                continue;
            }
            (Some(birth), _) => months_between(birth, session_date),
            (None, Some(months)) if (0..=MAX_CHILD_AGE_MONTHS).contains(&months) => {
                months + months_between(today, session_date).max(0)
            }
            (None, Some(_)) => {
                problems.push(FieldError::input(
                    &field,
                    FieldErrorCode::Invalid,
                    format!("月齢は0〜{MAX_CHILD_AGE_MONTHS}か月で入力してください。"),
                ));
                continue;
            }
            (None, None) => {
                problems.push(FieldError::input(
                    &field,
                    FieldErrorCode::Required,
                    "お子さまの生年月日か月齢を入力してください。",
                ));
                continue;
            }
        };
        aged.push(Child {
            birth_date: child.birth_date,
            age_months_at_session: age,
            needs_childcare: child.needs_childcare,
        });
    }
    if problems.is_empty() {
        Ok(aged)
    } else {
        Err(problems)
    }
}

/// Reads a `,a,b,` column back into its values, skipping unknown ones.
pub fn decode_set<T: sea_orm::ActiveEnum<Value = String>>(stored: &str) -> Vec<T> {
    stored
        .split(',')
        .filter(|part| !part.is_empty())
        .filter_map(|part| T::try_from_value(&part.to_owned()).ok())
        .collect()
}

/// Writes values as a `,a,b,` column, each once, in the given order.
pub fn encode_set<T: sea_orm::ActiveEnum<Value = String> + PartialEq>(values: &[T]) -> String {
    let mut unique: Vec<&T> = Vec::new();
    for value in values {
        if !unique.contains(&value) {
            unique.push(value);
        }
    }
    if unique.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = unique.iter().map(|value| value.to_value()).collect();
    format!(",{},", inner.join(","))
}

/// The eligibility rules of `program` the party breaks, each naming its rule. Residency
/// and the registration window are checked by the caller, who knows the registrant and the
/// clock.
pub fn eligibility_problems(
    program: &program::Model,
    adults: i32,
    children: &[Child],
) -> Vec<FieldError> {
    let mut problems = Vec::new();
    let party = Party::of(adults, children);
    if party.people() > program.max_party_size {
        problems.push(FieldError::input(
            "children",
            FieldErrorCode::NotEligible,
            format!(
                "1組{}人までのお申込みです（{}人で申し込まれています）。",
                program.max_party_size,
                party.people()
            ),
        ));
    }
    let audiences: Vec<Audience> = decode_set(&program.audiences);
    if audiences.contains(&Audience::Children) && children.is_empty() {
        problems.push(FieldError::input(
            "children",
            FieldErrorCode::NotEligible,
            "このプログラムはお子さまと一緒に参加するものです。お子さまの情報を入力してください。",
        ));
    }
    let (min, max) = (program.child_min_age_months, program.child_max_age_months);
    for (index, child) in children.iter().enumerate() {
        let age = child.age_months_at_session;
        if min.is_some_and(|min| age < min) || max.is_some_and(|max| age > max) {
            problems.push(FieldError::input(
                &format!("children.{index}"),
                FieldErrorCode::NotEligible,
                format!(
                    "お子さまの開催日時点の月齢（{age}か月）が対象（{}）の範囲外です。",
                    age_range_label(min, max)
                ),
            ));
        }
    }
    problems
}

/// The child age range as residents read it, e.g. 「0〜36か月」.
pub fn age_range_label(min: Option<i32>, max: Option<i32>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("{min}〜{max}か月"),
        (Some(min), None) => format!("{min}か月以上"),
        (None, Some(max)) => format!("{max}か月まで"),
        (None, None) => "年齢制限なし".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn months_are_whole_months_completed() {
        assert_eq!(months_between(date(2024, 1, 15), date(2024, 2, 14)), 0);
        assert_eq!(months_between(date(2024, 1, 15), date(2024, 2, 15)), 1);
        assert_eq!(months_between(date(2023, 4, 1), date(2026, 3, 31)), 35);
        assert_eq!(months_between(date(2023, 4, 1), date(2026, 4, 1)), 36);
        assert_eq!(months_between(date(2024, 2, 15), date(2024, 1, 15)), -1);
    }

    #[test]
    fn ages_are_taken_on_the_session_date() {
        let today = date(2026, 11, 25);
        let session = date(2027, 1, 25);
        let children = children_at(
            &[
                ChildInput {
                    birth_date: Some(date(2024, 1, 26)),
                    age_months: None,
                    needs_childcare: true,
                },
                ChildInput {
                    birth_date: None,
                    age_months: Some(10),
                    needs_childcare: false,
                },
            ],
            today,
            session,
        )
        .unwrap_or_default();
        let ages: Vec<i32> = children.iter().map(|c| c.age_months_at_session).collect();
        assert_eq!(ages, [35, 12]);
        assert!(
            children_at(
                &[ChildInput {
                    birth_date: None,
                    age_months: None,
                    needs_childcare: false
                }],
                today,
                session
            )
            .is_err()
        );
        assert!(
            children_at(
                &[ChildInput {
                    birth_date: Some(date(2027, 1, 1)),
                    age_months: None,
                    needs_childcare: false
                }],
                today,
                session
            )
            .is_err()
        );
    }

    #[test]
    fn children_in_childcare_take_a_slot_instead_of_a_seat() {
        let child = |needs_childcare| Child {
            birth_date: None,
            age_months_at_session: 20,
            needs_childcare,
        };
        let party = Party::of(1, &[child(true), child(false)]);
        assert_eq!((party.seats, party.childcare, party.people()), (2, 1, 3));
        assert!(party.fits(2, 1));
        assert!(!party.fits(1, 1), "never a partial party");
        assert!(!party.fits(2, 0));
    }

    #[test]
    fn sets_round_trip_through_their_column() {
        use entity::program::ProgramCategory as C;
        let stored = encode_set(&[C::Art, C::Nature, C::Art]);
        assert_eq!(stored, ",art,nature,");
        assert_eq!(decode_set::<C>(&stored), [C::Art, C::Nature]);
        assert_eq!(encode_set::<C>(&[]), "");
    }
}

//! The pure rules of infant and dental checkups: a checkup type's age window in legal dates
//! (through [`super::dates`]), a child's age in months, and the dental tooth grid — which
//! teeth exist, what counts as caries, and the caries type (むし歯の罹患型) of the MHLW 1997
//! 実施要領: O1/O2/A/B/C at 1歳6か月 and O/A/B/C1/C2 at 3歳, with O1/O2 told apart by a
//! municipality's own rule ([`O2Rule`]), since that criterion differs between places.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::dates;

/// The first and last day (JST, inclusive) a checkup for `from_months`–`until_months` may
/// take place: from the day the child legally reaches `from_months` months (生後N月, the day
/// before the monthly birthday) to the last day before reaching `until_months` months
/// (1歳6か月児: from 1y6m to the day before the 2nd birthday).
pub fn age_window(
    birth: NaiveDate,
    from_months: u32,
    until_months: u32,
) -> Option<(NaiveDate, NaiveDate)> {
    let from = dates::months_after_birth(birth, from_months)?;
    let to = dates::months_after_birth(birth, until_months)?;
    (from <= to).then_some((from, to))
}

/// Full months of age on `on` (0 before the first monthly birthday).
pub fn age_in_months(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut months = (on.year() - birth.year()) * 12 + on.month() as i32 - birth.month() as i32;
    // A month is complete on the day of the monthly birthday, or on the last day of a month
    // too short to have it.
    if on.day() < birth.day() && dates::last_day_of_month(on) != on {
        months -= 1;
    }
    months.max(0)
}

/// The status of one tooth, with the symbol of the 母子手帳 dental page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum ToothStatus {
    /// `/` 健全歯.
    Sound,
    /// `CO` 要観察歯 (early lesion, not counted as caries).
    Observe,
    /// `C` 未処置歯 (untreated caries).
    Decayed,
    /// `○` 処置歯 (filled).
    Filled,
    /// `△` 喪失歯 (lost to caries).
    Missing,
    /// `×` 要注意乳歯.
    Caution,
    /// `シ` sealant (counts as sound).
    Sealant,
    /// `サ` silver diamine fluoride on a primary tooth (treated caries).
    SilverDiamine,
}

impl ToothStatus {
    /// The symbol written on the grid.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Sound => "/",
            Self::Observe => "CO",
            Self::Decayed => "C",
            Self::Filled => "○",
            Self::Missing => "△",
            Self::Caution => "×",
            Self::Sealant => "シ",
            Self::SilverDiamine => "サ",
        }
    }

    /// The status of a symbol.
    pub fn from_symbol(symbol: &str) -> Option<Self> {
        [
            Self::Sound,
            Self::Observe,
            Self::Decayed,
            Self::Filled,
            Self::Missing,
            Self::Caution,
            Self::Sealant,
            Self::SilverDiamine,
        ]
        .into_iter()
        .find(|status| status.symbol() == symbol)
    }

    /// Whether the tooth counts in むし歯の総数 (decayed, filled, lost or arrested by
    /// silver diamine fluoride: the df/DMF count).
    pub fn is_caries(self) -> bool {
        matches!(
            self,
            Self::Decayed | Self::Filled | Self::Missing | Self::SilverDiamine
        )
    }
}

/// The four quadrants, as the dentist sees the child: upper right, upper left, lower left,
/// lower right.
pub const QUADRANTS: [&str; 4] = ["UR", "UL", "LL", "LR"];
/// Primary teeth of a quadrant, from the midline: A, B (incisors), C (canine), D, E (molars).
pub const PRIMARY: [&str; 5] = ["A", "B", "C", "D", "E"];
/// Permanent teeth of a quadrant, from the midline.
pub const PERMANENT: [&str; 8] = ["1", "2", "3", "4", "5", "6", "7", "8"];

/// Whether `code` names a tooth: a quadrant, `_`, and a primary letter or permanent number
/// (`UR_A`, `LL_6`).
pub fn is_tooth(code: &str) -> bool {
    code.split_once('_').is_some_and(|(quadrant, tooth)| {
        QUADRANTS.contains(&quadrant) && (PRIMARY.contains(&tooth) || PERMANENT.contains(&tooth))
    })
}

/// Where a tooth sits, for the caries type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Site {
    UpperFront,
    LowerFront,
    Molar,
}

/// The site of a primary tooth; permanent teeth do not enter the caries type.
fn site(code: &str) -> Option<Site> {
    let (quadrant, tooth) = code.split_once('_')?;
    let upper = quadrant.starts_with('U');
    match tooth {
        "A" | "B" | "C" if upper => Some(Site::UpperFront),
        "A" | "B" | "C" => Some(Site::LowerFront),
        "D" | "E" => Some(Site::Molar),
        _ => None,
    }
}

/// むし歯の総数: teeth of the grid with caries.
pub fn caries_count(teeth: &BTreeMap<String, ToothStatus>) -> i32 {
    teeth.values().filter(|status| status.is_caries()).count() as i32
}

/// The caries-type scheme of a dental checkup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CariesScheme {
    /// 1歳6か月: O1, O2, A, B, C.
    EighteenMonths,
    /// 3歳: O, A, B, C1, C2.
    ThreeYears,
}

impl CariesScheme {
    /// The scheme of a stored code (`1y6m`, `3y`).
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "1y6m" => Some(Self::EighteenMonths),
            "3y" => Some(Self::ThreeYears),
            _ => None,
        }
    }
}

/// A municipality's rule for O2 (no caries, but a poor oral environment) at 1歳6か月: the
/// child is O2 when at least `risks_needed` of the risks it counts are present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct O2Rule {
    /// Plaque level (0 none, 1 some, 2 much) from which plaque is a risk; `None`: never.
    pub plaque_from: Option<i32>,
    /// Irregular snacks (だらだら食べ) are a risk.
    pub snacks: bool,
    /// A baby bottle still in use is a risk.
    pub bottle: bool,
    /// How many risks make O2 (at least 1).
    pub risks_needed: i32,
}

/// What the dentist found about the child's oral environment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Risks {
    /// Plaque level (0 none, 1 some, 2 much).
    pub plaque: i32,
    /// Irregular snacks.
    pub snacks: bool,
    /// Baby bottle in use.
    pub bottle: bool,
}

impl O2Rule {
    /// Whether `risks` make a caries-free child O2 under this rule.
    pub fn is_o2(&self, risks: Risks) -> bool {
        let present = [
            self.plaque_from.is_some_and(|from| risks.plaque >= from),
            self.snacks && risks.snacks,
            self.bottle && risks.bottle,
        ]
        .into_iter()
        .filter(|risk| *risk)
        .count() as i32;
        present >= self.risks_needed.max(1)
    }
}

/// The caries type (罹患型) of a grid under `scheme`.
pub fn caries_type(
    scheme: CariesScheme,
    teeth: &BTreeMap<String, ToothStatus>,
    rule: &O2Rule,
    risks: Risks,
) -> &'static str {
    let sites: Vec<Site> = teeth
        .iter()
        .filter(|(_, status)| status.is_caries())
        .filter_map(|(code, _)| site(code))
        .collect();
    let upper = sites.contains(&Site::UpperFront);
    let lower = sites.contains(&Site::LowerFront);
    let molar = sites.contains(&Site::Molar);
    match scheme {
        CariesScheme::EighteenMonths => match (upper, lower, molar) {
            (false, false, false) if rule.is_o2(risks) => "O2",
            (false, false, false) => "O1",
            (_, true, _) => "C",
            (true, false, true) => "B",
            _ => "A",
        },
        CariesScheme::ThreeYears => match (upper, lower, molar) {
            (false, false, false) => "O",
            (false, true, false) => "C1",
            (_, true, _) => "C2",
            (true, false, true) => "B",
            _ => "A",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn grid(pairs: &[(&str, ToothStatus)]) -> BTreeMap<String, ToothStatus> {
        pairs.iter().map(|(c, s)| ((*c).to_owned(), *s)).collect()
    }

    const KITAKYUSHU: O2Rule = O2Rule {
        plaque_from: Some(2),
        snacks: true,
        bottle: true,
        risks_needed: 1,
    };

    #[test]
    fn the_1y6m_window_runs_from_reaching_1y6m_to_the_day_before_the_second_birthday() {
        assert_eq!(
            age_window(day(2024, 6, 15), 18, 24),
            Some((day(2025, 12, 14), day(2026, 6, 14)))
        );
    }

    #[test]
    fn a_window_ending_on_a_missing_day_ends_on_the_last_day_of_the_month() {
        // 8/31 birth: 生後6月 would be 2/31, so the period ends on the last day of February.
        assert_eq!(
            age_window(day(2025, 8, 31), 3, 6),
            Some((day(2025, 11, 30), day(2026, 2, 28)))
        );
    }

    #[test]
    fn age_in_months_counts_full_months() {
        assert_eq!(age_in_months(day(2024, 6, 15), day(2025, 12, 14)), 17);
        assert_eq!(age_in_months(day(2024, 6, 15), day(2025, 12, 15)), 18);
        assert_eq!(age_in_months(day(2024, 1, 31), day(2024, 2, 29)), 1);
        assert_eq!(age_in_months(day(2024, 6, 15), day(2024, 6, 1)), 0);
    }

    #[test]
    fn tooth_codes_name_quadrant_and_tooth() {
        assert!(is_tooth("UR_A"));
        assert!(is_tooth("LL_6"));
        assert!(!is_tooth("UR_F"));
        assert!(!is_tooth("XX_A"));
        assert!(!is_tooth("UR9"));
    }

    #[test]
    fn caries_count_counts_decayed_filled_lost_and_arrested_teeth_only() {
        let teeth = grid(&[
            ("UR_A", ToothStatus::Decayed),
            ("UL_A", ToothStatus::Filled),
            ("LL_D", ToothStatus::Missing),
            ("LR_D", ToothStatus::SilverDiamine),
            ("UR_B", ToothStatus::Observe),
            ("UL_B", ToothStatus::Caution),
            ("UR_D", ToothStatus::Sealant),
            ("UL_D", ToothStatus::Sound),
        ]);
        assert_eq!(caries_count(&teeth), 4);
    }

    #[test]
    fn caries_types_at_1y6m() {
        let none = Risks::default();
        let scheme = CariesScheme::EighteenMonths;
        let t =
            |pairs: &[(&str, ToothStatus)]| caries_type(scheme, &grid(pairs), &KITAKYUSHU, none);
        assert_eq!(t(&[("UR_A", ToothStatus::Sound)]), "O1");
        assert_eq!(t(&[("UR_A", ToothStatus::Decayed)]), "A");
        assert_eq!(t(&[("UR_D", ToothStatus::Decayed)]), "A");
        assert_eq!(
            t(&[
                ("UR_A", ToothStatus::Decayed),
                ("LL_D", ToothStatus::Filled)
            ]),
            "B"
        );
        assert_eq!(t(&[("LL_A", ToothStatus::Decayed)]), "C");
        assert_eq!(
            t(&[
                ("UR_A", ToothStatus::Decayed),
                ("LL_A", ToothStatus::Decayed),
                ("UR_D", ToothStatus::Decayed)
            ]),
            "C"
        );
        // An early lesion is not caries.
        assert_eq!(t(&[("LL_A", ToothStatus::Observe)]), "O1");
    }

    #[test]
    fn o1_and_o2_follow_the_municipalitys_rule() {
        let teeth = grid(&[("UR_A", ToothStatus::Sound)]);
        let scheme = CariesScheme::EighteenMonths;
        let plaque = Risks {
            plaque: 2,
            ..Risks::default()
        };
        let snacks = Risks {
            snacks: true,
            ..Risks::default()
        };
        assert_eq!(caries_type(scheme, &teeth, &KITAKYUSHU, plaque), "O2");
        assert_eq!(caries_type(scheme, &teeth, &KITAKYUSHU, snacks), "O2");
        let strict = O2Rule {
            plaque_from: None,
            snacks: true,
            bottle: true,
            risks_needed: 2,
        };
        assert_eq!(caries_type(scheme, &teeth, &strict, plaque), "O1");
        assert_eq!(caries_type(scheme, &teeth, &strict, snacks), "O1");
        let both = Risks {
            snacks: true,
            bottle: true,
            plaque: 0,
        };
        assert_eq!(caries_type(scheme, &teeth, &strict, both), "O2");
    }

    #[test]
    fn caries_types_at_3y() {
        let scheme = CariesScheme::ThreeYears;
        let risky = Risks {
            plaque: 2,
            snacks: true,
            bottle: true,
        };
        let t =
            |pairs: &[(&str, ToothStatus)]| caries_type(scheme, &grid(pairs), &KITAKYUSHU, risky);
        assert_eq!(t(&[("UR_A", ToothStatus::Sound)]), "O");
        assert_eq!(t(&[("UL_B", ToothStatus::Filled)]), "A");
        assert_eq!(t(&[("LR_E", ToothStatus::Decayed)]), "A");
        assert_eq!(
            t(&[
                ("UL_B", ToothStatus::Decayed),
                ("LR_E", ToothStatus::Decayed)
            ]),
            "B"
        );
        assert_eq!(t(&[("LL_A", ToothStatus::Decayed)]), "C1");
        assert_eq!(
            t(&[
                ("LL_A", ToothStatus::Decayed),
                ("LR_E", ToothStatus::Decayed)
            ]),
            "C2"
        );
    }

    #[test]
    fn symbols_round_trip() {
        for symbol in ["/", "CO", "C", "○", "△", "×", "シ", "サ"] {
            assert_eq!(
                ToothStatus::from_symbol(symbol).map(ToothStatus::symbol),
                Some(symbol)
            );
        }
        assert_eq!(ToothStatus::from_symbol("Z"), None);
    }
}

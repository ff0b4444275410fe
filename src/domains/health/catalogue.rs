//! The vaccine catalogue as data: products, the series a child follows and the rule of each
//! dose, every one with the dates it is in force. The rows are seeded by a migration from
//! `migration/src/health_catalogue.json`; this module holds their typed shape and the
//! questions the schedule and the checks ask of them. Ages and intervals are kept in the
//! legal units of the texts (生後N月, 出生N週M日後, X歳, 年度, N日/N月/N月半) and turned into days
//! only by [`super::dates`].

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::dates::{self, MonthEnd};

/// How a vaccine is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Route {
    /// 注射 (subcutaneous or intramuscular).
    Injected,
    /// 経口 (rotavirus).
    Oral,
    /// 経皮 (BCG, 管針法).
    Percutaneous,
}

/// The sex a series is for (HPV: girls).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Sex {
    /// 女.
    Female,
    /// 男.
    Male,
}

/// A point in a person's life as the legal texts name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgePoint {
    /// The birth date.
    Birth,
    /// 「生後N月」.
    Months(u32),
    /// 「出生N週M日後」.
    Weeks {
        /// Whole weeks.
        weeks: u32,
        /// Days beyond the weeks.
        days: u32,
    },
    /// 「X歳に達した時」/ the last day of 「X歳に至るまで」: the day before the birthday.
    Age(u32),
    /// 1 April of the 年度 in which the person reaches age X.
    FiscalYearStartReaching(u32),
    /// 31 March ending the 年度 in which the person reaches age X.
    FiscalYearEndReaching(u32),
    /// 1 April a year before the child enters primary school (就学前1年, MR 2期).
    YearBeforeSchoolStart,
    /// 31 March before the child enters primary school.
    YearBeforeSchoolEnd,
}

impl AgePoint {
    /// The point as the legal texts write it, e.g. 「生後2月」「出生6週0日後」「1歳」.
    pub fn describe(self) -> String {
        match self {
            Self::Birth => "出生日".to_owned(),
            Self::Months(months) => format!("生後{months}月"),
            Self::Weeks { weeks, days } => format!("出生{weeks}週{days}日後"),
            Self::Age(years) => format!("{years}歳"),
            Self::FiscalYearStartReaching(years) => format!("{years}歳となる年度の初日"),
            Self::FiscalYearEndReaching(years) => format!("{years}歳となる年度の末日"),
            Self::YearBeforeSchoolStart => "小学校就学前1年の初日（4月1日）".to_owned(),
            Self::YearBeforeSchoolEnd => "小学校就学前1年の末日（3月31日）".to_owned(),
        }
    }

    /// The calendar day of this point for a person born on `birth`.
    pub fn date(self, birth: NaiveDate) -> Option<NaiveDate> {
        match self {
            Self::Birth => Some(birth),
            Self::Months(months) => dates::months_after_birth(birth, months),
            Self::Weeks { weeks, days } => dates::weeks_after_birth(birth, weeks, days),
            Self::Age(years) => dates::reach_age(birth, years),
            Self::FiscalYearStartReaching(years) => {
                let year = dates::fiscal_year_reaching(birth, years)?;
                NaiveDate::from_ymd_opt(year, 4, 1)
            }
            Self::FiscalYearEndReaching(years) => {
                let year = dates::fiscal_year_reaching(birth, years)?;
                NaiveDate::from_ymd_opt(year + 1, 3, 31)
            }
            Self::YearBeforeSchoolStart => {
                let entry = dates::school_entry(birth)?;
                NaiveDate::from_ymd_opt(entry.year() - 1, 4, 1)
            }
            Self::YearBeforeSchoolEnd => dates::school_entry(birth)?.pred_opt(),
        }
    }
}

/// A window of ages, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// First day of the window.
    pub from: AgePoint,
    /// Last day of the window.
    pub until: AgePoint,
}

impl Window {
    /// The first and last day of the window for a person born on `birth`.
    pub fn dates(self, birth: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        Some((self.from.date(birth)?, self.until.date(birth)?))
    }
}

/// A length of time between two doses, in the unit the legal text uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Length {
    /// 「N日以上」.
    Days(u32),
    /// 「N月以上」.
    Months(u32),
    /// 「N月半以上」.
    HalfMonths(u32),
}

impl Length {
    /// The first day allowed after a dose given on `previous`.
    pub fn after(self, previous: NaiveDate, month_end: MonthEnd) -> Option<NaiveDate> {
        match self {
            Self::Days(days) => dates::after_days(previous, days),
            Self::Months(months) => dates::after_months(previous, months, month_end),
            Self::HalfMonths(months) => dates::after_months_and_half(previous, months, month_end),
        }
    }

    /// The length in Japanese, e.g. 「27日」「6か月」「2か月半」.
    pub fn label(self) -> String {
        match self {
            Self::Days(days) => format!("{days}日"),
            Self::Months(months) => format!("{months}か月"),
            Self::HalfMonths(months) => format!("{months}か月半"),
        }
    }
}

/// A minimum interval from a named earlier dose of the same series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    /// The earlier dose the interval counts from; `None` is the previous dose given.
    pub after_dose: Option<u32>,
    /// The minimum length.
    #[serde(flatten)]
    pub length: Length,
}

/// A standard (標準) interval: outside it is allowed but warned about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardInterval {
    /// The earlier dose the interval counts from.
    pub after_dose: u32,
    /// The shortest standard length.
    pub min: Length,
    /// The longest standard length, when the texts give one.
    pub max: Option<Length>,
}

/// A dose that is not given when an earlier dose came late (PCV: no 3rd primary dose when
/// the 2nd was given after 生後12月).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkipIf {
    /// The earlier dose.
    pub dose: u32,
    /// The dose is skipped when that earlier dose was given after this point.
    pub after: AgePoint,
}

/// The rule of one dose of a series, in force from `valid_from` to `valid_to` (by the day
/// the dose is given).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoseRule {
    /// Dose number within the series, from 1.
    pub dose: u32,
    /// The dose's name on the forms, e.g. 「1期初回1回目」.
    pub label: String,
    /// The funded (定期) eligibility window.
    pub eligible: Window,
    /// The standard (標準) window, when the 実施要領 gives one.
    pub standard: Option<Window>,
    /// Minimum intervals from earlier doses.
    pub min_intervals: Vec<Interval>,
    /// Standard intervals from earlier doses.
    pub standard_intervals: Vec<StandardInterval>,
    /// When the dose is not given at all.
    pub skip_if: Option<SkipIf>,
    /// First day the rule is in force.
    pub valid_from: Option<NaiveDate>,
    /// Last day the rule is in force.
    pub valid_to: Option<NaiveDate>,
}

/// A course a child follows for one antigen, chosen by the product and the age at the first
/// dose (PCV started at 2–7 months is not PCV started at 12–24 months).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    /// Stable code, e.g. `PCV_START_2_7`.
    pub code: String,
    /// The antigen group the series counts doses of, e.g. `PCV`.
    pub antigen: String,
    /// Japanese name.
    pub name: String,
    /// Products that may be given in the series.
    pub products: Vec<String>,
    /// The sex the series is for, if only one.
    pub sex: Option<Sex>,
    /// Only children born on or after this day (rotavirus: 2020-08-01).
    pub born_from: Option<NaiveDate>,
    /// First day a series may be started.
    pub valid_from: NaiveDate,
    /// Last day a series may be started; a series started before goes on.
    pub valid_to: Option<NaiveDate>,
    /// Antigens whose doses rule this series out (5種混合 after 4種混合 or ヒブ).
    pub conflicts_with: Vec<String>,
    /// Rules of the doses, possibly several versions of one dose.
    pub doses: Vec<DoseRule>,
}

impl Series {
    /// The number of doses in the series.
    pub fn dose_count(&self) -> u32 {
        self.doses.iter().map(|rule| rule.dose).max().unwrap_or(0)
    }

    /// The rule of dose `dose` in force on `on`.
    pub fn rule(&self, dose: u32, on: NaiveDate) -> Option<&DoseRule> {
        let versions = || self.doses.iter().filter(move |rule| rule.dose == dose);
        versions()
            .find(|rule| in_force(rule.valid_from, rule.valid_to, on))
            .or_else(|| versions().next_back())
    }

    /// Whether a series may be started on `on`.
    pub fn startable_on(&self, on: NaiveDate) -> bool {
        in_force(Some(self.valid_from), self.valid_to, on)
    }

    /// Whether a child of this birth date and sex may follow the series at all.
    pub fn applies_to(&self, birth: NaiveDate, sex: Sex) -> bool {
        self.sex.is_none_or(|only| only == sex) && self.born_from.is_none_or(|from| birth >= from)
    }
}

/// A vaccine product.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Stable code, e.g. `PCV15`.
    pub code: String,
    /// Japanese name.
    pub name: String,
    /// The antigen group it counts for.
    pub antigen: String,
    /// 生ワクチン.
    pub live: bool,
    /// How it is given.
    pub route: Route,
    /// Default dose in mL, when the product has one.
    pub dose_ml: Option<f64>,
    /// First day it may be given as 定期接種.
    pub valid_from: NaiveDate,
    /// Last day it may be given as 定期接種.
    pub valid_to: Option<NaiveDate>,
    /// The product's own age limit (rotavirus: 出生24週0日後 / 32週0日後), beyond which it
    /// is not given at all, funded or not.
    pub absolute_until: Option<AgePoint>,
    /// Products a series started with may continue with this one (PCV20 after PCV13).
    pub may_follow: Vec<String>,
}

impl Product {
    /// An injected (or percutaneous) live vaccine: the 27-day rule between different
    /// vaccines applies to these only; oral rotavirus is exempt.
    pub fn injected_live(&self) -> bool {
        self.live && self.route != Route::Oral
    }

    /// Whether the product may continue a series started with `first`.
    pub fn continues(&self, first: &str) -> bool {
        self.code == first || self.may_follow.iter().any(|code| code == first)
    }
}

/// The whole catalogue and the one reading the sources disagree on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    /// Every product.
    pub products: Vec<Product>,
    /// Every series, in order of preference within an antigen.
    pub series: Vec<Series>,
    /// How an interval of months ends on a missing day.
    #[serde(skip)]
    pub month_end: MonthEnd,
}

impl Catalogue {
    /// The product with this code.
    pub fn product(&self, code: &str) -> Option<&Product> {
        self.products.iter().find(|product| product.code == code)
    }

    /// The series with this code.
    pub fn series(&self, code: &str) -> Option<&Series> {
        self.series.iter().find(|series| series.code == code)
    }

    /// Antigens in catalogue order, each once.
    pub fn antigens(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for series in &self.series {
            if !out.contains(&series.antigen.as_str()) {
                out.push(&series.antigen);
            }
        }
        out
    }
}

/// Whether a day lies in `[from, to]`, open ends included.
pub fn in_force(from: Option<NaiveDate>, to: Option<NaiveDate>, on: NaiveDate) -> bool {
    from.is_none_or(|from| on >= from) && to.is_none_or(|to| on <= to)
}

/// The catalogue the migration seeds, for tests of the pure rules.
#[cfg(test)]
pub fn seeded() -> Catalogue {
    serde_json::from_str(include_str!("../../../migration/src/health_catalogue.json"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeded_catalogue_reads_and_names_every_routine_vaccine() {
        let catalogue = seeded();
        assert_eq!(
            catalogue.antigens(),
            [
                "HEPB",
                "ROTA",
                "PCV",
                "DPT5",
                "DPT4",
                "HIB",
                "BCG",
                "MR",
                "VARICELLA",
                "JE",
                "DT",
                "HPV"
            ]
        );
        for series in &catalogue.series {
            for code in &series.products {
                assert!(
                    catalogue.product(code).is_some(),
                    "{} names {code}",
                    series.code
                );
            }
        }
    }

    #[test]
    fn rotavirus_is_oral_live_and_exempt_from_the_27_day_rule_but_bcg_is_not() {
        let catalogue = seeded();
        let rota = catalogue.product("ROTARIX").map(Product::injected_live);
        let bcg = catalogue.product("BCG").map(Product::injected_live);
        assert_eq!((rota, bcg), (Some(false), Some(true)));
    }
}

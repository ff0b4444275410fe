//! The checks run on a planned or given dose at booking, at form submission and at the
//! clinic's confirmation. Each finding is a `BLOCK` (the dose cannot be given as 定期接種)
//! or a `WARN` (a clinic may go ahead with a reason, which is recorded), with a reason code,
//! a Japanese message, and the error category of the MHLW 予防接種間違い reports, so the
//! 接種誤り KPI counts what was prevented and what was made by the same categories.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::catalogue::{Catalogue, Product};
use super::dates;
use super::schedule::{self, Child, GivenDose};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    /// Allowed, with a reason, by a clinic.
    Warn,
    /// Not allowed as 定期接種.
    Block,
}

/// The category of a vaccination error, after the MHLW report's categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    /// 接種間隔の誤り.
    Interval,
    /// 対象年齢外の接種.
    Age,
    /// 不必要な接種.
    UnnecessaryDose,
    /// ワクチンの種類の誤り.
    Product,
    /// 期限切れワクチンの接種.
    ExpiredVaccine,
    /// 対象者の誤認.
    WrongPerson,
}

/// Why a finding was raised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    /// The product is not in the catalogue.
    UnknownProduct,
    /// The product is not used for 定期接種 on that day.
    ProductNotInUse,
    /// The child is past the product's own age limit (rotavirus).
    ProductAgeLimit,
    /// The child is outside the funded window (or the series is not for this child).
    OutsideEligibility,
    /// Too soon after an earlier dose of the same vaccine.
    TooSoon,
    /// An injected live vaccine within 27 days of another.
    LiveVaccineInterval,
    /// The series is complete.
    DoseBeyondSeries,
    /// The product breaks the continuity of the series.
    ProductContinuity,
    /// The lot has expired.
    ExpiredLot,
    /// The form, booking or record is for another child.
    WrongChild,
    /// Outside the standard (標準) age window.
    OutsideStandardAge,
    /// Outside the standard interval.
    OutsideStandardInterval,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Block or warn.
    pub severity: Severity,
    /// The reason code.
    pub reason: Reason,
    /// The error category.
    pub category: Category,
    /// The explanation in Japanese.
    pub message: String,
}

impl Finding {
    /// The code of the reason, as stored and logged (e.g. `TOO_SOON`).
    pub fn reason_code(&self) -> String {
        code_of(&self.reason)
    }

    /// The code of the category (e.g. `INTERVAL`).
    pub fn category_code(&self) -> String {
        code_of(&self.category)
    }

    fn block(reason: Reason, category: Category, message: String) -> Self {
        Self {
            severity: Severity::Block,
            reason,
            category,
            message,
        }
    }

    fn warn(reason: Reason, category: Category, message: String) -> Self {
        Self {
            severity: Severity::Warn,
            reason,
            category,
            message,
        }
    }
}

impl Category {
    /// Every category, in the MHLW report's order.
    pub const ALL: [Self; 6] = [
        Self::Interval,
        Self::Age,
        Self::UnnecessaryDose,
        Self::Product,
        Self::ExpiredVaccine,
        Self::WrongPerson,
    ];

    /// The code kept in the check log (e.g. `INTERVAL`).
    pub fn code(self) -> String {
        code_of(&self)
    }

    /// The category's name in the MHLW report.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Interval => "接種間隔の誤り",
            Self::Age => "対象年齢外の接種",
            Self::UnnecessaryDose => "不必要な接種",
            Self::Product => "ワクチンの種類の誤り",
            Self::ExpiredVaccine => "期限切れワクチンの接種",
            Self::WrongPerson => "対象者の誤認",
        }
    }
}

fn code_of(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A dose to be given (or recorded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    /// Product code.
    pub product: String,
    /// The day (JST).
    pub date: NaiveDate,
    /// The lot's expiry, when known (at the clinic).
    pub lot_expiry: Option<NaiveDate>,
}

/// What the checks found: the dose number the dose would be, and every finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The series the dose falls in, when one was found.
    pub series: Option<String>,
    /// The dose number in that series.
    pub dose: Option<u32>,
    /// Findings, blocks first.
    pub findings: Vec<Finding>,
}

impl Outcome {
    /// Whether any finding blocks the dose.
    pub fn blocked(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Block)
    }
}

/// The finding when a form, booking or record names another child than the one presented.
pub fn same_child<T: PartialEq>(expected: &T, actual: &T) -> Option<Finding> {
    (expected != actual).then(|| {
        Finding::block(
            Reason::WrongChild,
            Category::WrongPerson,
            "接種を受けるお子さまが予約・予診票のお子さまと一致しません".to_owned(),
        )
    })
}

/// Checks `planned` for `child` against the doses already given (`history`, which must not
/// contain the planned dose itself).
pub fn check(
    catalogue: &Catalogue,
    child: Child,
    history: &[GivenDose],
    planned: &Planned,
) -> Outcome {
    let mut out = Outcome {
        series: None,
        dose: None,
        findings: Vec::new(),
    };
    let Some(product) = catalogue.product(&planned.product) else {
        out.findings.push(Finding::block(
            Reason::UnknownProduct,
            Category::Product,
            format!("ワクチン「{}」は登録されていません", planned.product),
        ));
        return out;
    };
    let day = planned.date;
    if !super::catalogue::in_force(Some(product.valid_from), product.valid_to, day) {
        out.findings.push(Finding::block(
            Reason::ProductNotInUse,
            Category::Product,
            format!("{}は{}には定期接種に使われていません", product.name, day),
        ));
    }
    if let Some(limit) = product
        .absolute_until
        .and_then(|point| point.date(child.birth))
        && day > limit
    {
        out.findings.push(Finding::block(
            Reason::ProductAgeLimit,
            Category::Age,
            format!("{}は{}を過ぎると接種できません", product.name, limit),
        ));
    }
    if let Some(lot_expiry) = planned.lot_expiry
        && lot_expiry < day
    {
        out.findings.push(Finding::block(
            Reason::ExpiredLot,
            Category::ExpiredVaccine,
            format!("このロットの有効期限（{lot_expiry}）が切れています"),
        ));
    }
    live_interval(catalogue, product, history, day, &mut out.findings);
    series_rules(catalogue, child, product, history, planned, &mut out);
    out.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

/// An injected live vaccine needs 27 days or more after, or before, another one given on a
/// different day; same-day doses (同時接種) and oral rotavirus are exempt.
fn live_interval(
    catalogue: &Catalogue,
    product: &Product,
    history: &[GivenDose],
    day: NaiveDate,
    findings: &mut Vec<Finding>,
) {
    if !product.injected_live() {
        return;
    }
    for other in history {
        let Some(other_product) = catalogue.product(&other.product) else {
            continue;
        };
        if !other_product.injected_live() || other.date == day {
            continue;
        }
        let (first, second) = if other.date < day {
            (other.date, day)
        } else {
            (day, other.date)
        };
        if dates::after_days(first, 27).is_some_and(|allowed| second < allowed) {
            findings.push(Finding::block(
                Reason::LiveVaccineInterval,
                Category::Interval,
                format!(
                    "注射の生ワクチン（{}、{}）から27日以上の間隔が必要です",
                    other_product.name, other.date
                ),
            ));
        }
    }
}

fn series_rules(
    catalogue: &Catalogue,
    child: Child,
    product: &Product,
    history: &[GivenDose],
    planned: &Planned,
    out: &mut Outcome,
) {
    let day = planned.date;
    let antigen = product.antigen.as_str();
    let given = schedule::doses_of(catalogue, antigen, history);
    let given_antigens: Vec<&str> = history
        .iter()
        .filter_map(|dose| catalogue.product(&dose.product))
        .map(|p| p.antigen.as_str())
        .collect();
    let all: Vec<_> = catalogue
        .series
        .iter()
        .filter(|s| s.antigen == antigen)
        .collect();
    if let Some(conflict) = all
        .iter()
        .flat_map(|s| s.conflicts_with.iter())
        .find(|other| given_antigens.contains(&other.as_str()))
    {
        out.findings.push(Finding::block(
            Reason::ProductContinuity,
            Category::Product,
            format!("{conflict}で始めた接種は同じ種類のワクチンで続けてください（{}には切り替えられません）", product.name),
        ));
        return;
    }
    let applicable: Vec<_> = all
        .iter()
        .copied()
        .filter(|s| s.applies_to(child.birth, child.sex))
        .collect();
    let series = match given.first() {
        Some(first) => {
            if !product.continues(&first.product)
                && !given.iter().any(|d| product.continues(&d.product))
            {
                out.findings.push(Finding::block(
                    Reason::ProductContinuity,
                    Category::Product,
                    format!(
                        "{}で始めた接種は同じワクチンで続けてください（{}には切り替えられません）",
                        first.product, product.name
                    ),
                ));
                return;
            }
            schedule::started_series(&applicable, child, first).or_else(|| {
                applicable
                    .iter()
                    .copied()
                    .find(|s| s.products.contains(&first.product))
            })
        }
        None => {
            let first = GivenDose {
                product: product.code.clone(),
                date: day,
            };
            schedule::started_series(&applicable, child, &first)
        }
    };
    let Some(series) = series else {
        out.findings.push(Finding::block(
            Reason::OutsideEligibility,
            Category::Age,
            format!("{}の定期接種の対象期間外です（{}）", product.name, day),
        ));
        return;
    };
    out.series = Some(series.code.clone());
    let assignment = schedule::assign(series, child, &given);
    let Some(dose) = assignment.next else {
        out.findings.push(Finding::block(
            Reason::DoseBeyondSeries,
            Category::UnnecessaryDose,
            format!(
                "{}の定期接種はすべて済んでいます（{}回）",
                series.name,
                given.len()
            ),
        ));
        return;
    };
    out.dose = Some(dose);
    let Some(rule) = series.rule(dose, day) else {
        return;
    };
    let Some((from, until)) = rule.eligible.dates(child.birth) else {
        return;
    };
    if day < from || day > until {
        out.findings.push(Finding::block(
            Reason::OutsideEligibility,
            Category::Age,
            format!(
                "{}{}の定期接種の対象は{}から{}までです",
                series.name, rule.label, from, until
            ),
        ));
    }
    for interval in &rule.min_intervals {
        let earlier = match interval.after_dose {
            Some(n) => assignment
                .filled
                .iter()
                .find(|(d, g)| *d == n && g.is_some()),
            None => assignment.filled.iter().rev().find(|(_, g)| g.is_some()),
        };
        let Some((number, Some(earlier))) = earlier.copied() else {
            continue;
        };
        if let Some(allowed) = interval.length.after(earlier.date, catalogue.month_end)
            && day < allowed
        {
            out.findings.push(Finding::block(
                Reason::TooSoon,
                Category::Interval,
                format!(
                    "{}回目（{}）から{}以上の間隔が必要です（{}から接種できます）",
                    number,
                    earlier.date,
                    interval.length.label(),
                    allowed
                ),
            ));
        }
    }
    if let Some(standard) = rule.standard
        && let Some((from, until)) = standard.dates(child.birth)
        && (day < from || day > until)
    {
        out.findings.push(Finding::warn(
            Reason::OutsideStandardAge,
            Category::Age,
            format!(
                "{}の標準的な接種時期（{}から{}まで）から外れています",
                rule.label, from, until
            ),
        ));
    }
    // A dose already blocked as too soon is not also warned about as short.
    let too_soon = out.findings.iter().any(|f| f.reason == Reason::TooSoon);
    for interval in &rule.standard_intervals {
        let Some(earlier) = assignment
            .filled
            .iter()
            .find(|(d, _)| *d == interval.after_dose)
            .and_then(|(_, g)| *g)
        else {
            continue;
        };
        let short = interval
            .min
            .after(earlier.date, catalogue.month_end)
            .is_some_and(|min| day < min);
        let long = interval
            .max
            .and_then(|max| max.after(earlier.date, catalogue.month_end))
            .is_some_and(|max| day >= max);
        if (short && !too_soon) || long {
            out.findings.push(Finding::warn(
                Reason::OutsideStandardInterval,
                Category::Interval,
                format!(
                    "前回（{}）からの間隔が標準的な間隔から外れています",
                    earlier.date
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::catalogue::{Sex, seeded};
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap_or(NaiveDate::MIN)
    }

    fn given(product: &str, date: &str) -> GivenDose {
        GivenDose {
            product: product.to_owned(),
            date: d(date),
        }
    }

    fn planned(product: &str, date: &str) -> Planned {
        Planned {
            product: product.to_owned(),
            date: d(date),
            lot_expiry: None,
        }
    }

    fn reasons(outcome: &Outcome) -> Vec<(Severity, Reason)> {
        outcome
            .findings
            .iter()
            .map(|f| (f.severity, f.reason))
            .collect()
    }

    fn boy(birth: &str) -> Child {
        Child {
            birth: d(birth),
            sex: Sex::Male,
        }
    }

    /// (case, birth, history, planned, expected findings)
    type Case = (
        &'static str,
        &'static str,
        Vec<GivenDose>,
        Planned,
        Vec<(Severity, Reason)>,
    );

    #[test]
    fn the_table_of_checks_on_real_dates() {
        use Reason::*;
        use Severity::*;
        let catalogue = seeded();
        // (case, birth, history, planned, expected findings)
        let table: Vec<Case> = vec![
            (
                "5種 1st dose on the first day of 生後2月",
                "2026-07-31",
                vec![],
                planned("DPT_IPV_HIB", "2026-09-30"),
                vec![],
            ),
            (
                "5種 1st dose a day before 生後2月",
                "2026-07-31",
                vec![],
                planned("DPT_IPV_HIB", "2026-09-29"),
                vec![(Block, OutsideEligibility)],
            ),
            (
                "5種 2nd dose 20日以上: 4/1 → 4/22 allowed",
                "2026-01-20",
                vec![given("DPT_IPV_HIB", "2026-04-01")],
                planned("DPT_IPV_HIB", "2026-04-22"),
                vec![],
            ),
            (
                "5種 2nd dose on 4/21 is too soon",
                "2026-01-20",
                vec![given("DPT_IPV_HIB", "2026-04-01")],
                planned("DPT_IPV_HIB", "2026-04-21"),
                vec![(Block, TooSoon)],
            ),
            (
                "B型肝炎 3rd dose 139日 from the 1st",
                "2026-02-01",
                vec![given("HEPB", "2026-04-01"), given("HEPB", "2026-04-29")],
                planned("HEPB", "2026-08-18"),
                vec![(Block, TooSoon), (Warn, OutsideStandardAge)],
            ),
            (
                "B型肝炎 3rd dose on 8/19",
                "2026-02-01",
                vec![given("HEPB", "2026-04-01"), given("HEPB", "2026-04-29")],
                planned("HEPB", "2026-08-19"),
                vec![(Warn, OutsideStandardAge)],
            ),
            (
                "B型肝炎 4th dose is unnecessary",
                "2026-02-01",
                vec![
                    given("HEPB", "2026-04-01"),
                    given("HEPB", "2026-04-29"),
                    given("HEPB", "2026-09-01"),
                ],
                planned("HEPB", "2026-10-01"),
                vec![(Block, DoseBeyondSeries)],
            ),
            (
                "MR 26 days after BCG is blocked",
                "2025-04-10",
                vec![given("BCG", "2026-04-01")],
                planned("MR", "2026-04-28"),
                vec![(Block, LiveVaccineInterval)],
            ),
            (
                "MR 27日以上 after BCG (same weekday) is allowed",
                "2025-04-10",
                vec![given("BCG", "2026-04-01")],
                planned("MR", "2026-04-29"),
                vec![],
            ),
            (
                "MR on the same day as 水痘 (同時接種)",
                "2025-04-10",
                vec![given("VARICELLA", "2026-04-29")],
                planned("MR", "2026-04-29"),
                vec![],
            ),
            (
                "oral rotavirus is exempt from the live rule",
                "2026-07-31",
                vec![given("BCG", "2026-09-20")],
                planned("ROTARIX", "2026-10-01"),
                vec![],
            ),
            (
                "PCV15 series cannot continue with PCV20",
                "2026-01-10",
                vec![given("PCV15", "2026-03-20")],
                planned("PCV20", "2026-04-20"),
                vec![(Block, ProductContinuity)],
            ),
            (
                "PCV13 series may continue with PCV20",
                "2024-05-10",
                vec![given("PCV13", "2024-07-20")],
                planned("PCV20", "2024-10-20"),
                vec![],
            ),
            (
                "4種+ヒブ does not switch to 5種",
                "2023-11-20",
                vec![given("DPT_IPV", "2024-02-01"), given("HIB", "2024-02-01")],
                planned("DPT_IPV_HIB", "2024-04-10"),
                vec![(Block, ProductContinuity)],
            ),
            (
                "Rotarix past 出生24週0日後",
                "2026-07-31",
                vec![given("ROTARIX", "2026-10-01")],
                planned("ROTARIX", "2027-01-16"),
                vec![(Block, ProductAgeLimit), (Block, OutsideEligibility)],
            ),
            (
                "Rotarix dose 1 after 14週6日 warns",
                "2026-07-31",
                vec![],
                planned("ROTARIX", "2026-11-14"),
                vec![(Warn, OutsideStandardAge)],
            ),
            (
                "PCV 3rd primary dose after a late 2nd is unnecessary; it is the booster",
                "2025-04-01",
                vec![given("PCV15", "2025-06-10"), given("PCV15", "2026-04-20")],
                planned("PCV15", "2026-05-20"),
                vec![(Block, TooSoon)],
            ),
            (
                "水痘 2nd dose 3月以上: 11/30 → 3/1",
                "2024-10-01",
                vec![given("VARICELLA", "2025-11-30")],
                planned("VARICELLA", "2026-02-28"),
                vec![(Block, TooSoon)],
            ),
            (
                "水痘 2nd dose after 3 months warns before the standard 6",
                "2024-10-01",
                vec![given("VARICELLA", "2025-11-30")],
                planned("VARICELLA", "2026-03-01"),
                vec![(Warn, OutsideStandardInterval)],
            ),
        ];
        for (case, birth, history, planned, expected) in table {
            let outcome = check(&catalogue, boy(birth), &history, &planned);
            assert_eq!(
                reasons(&outcome),
                expected,
                "{case}: {:?}",
                outcome.findings
            );
        }
    }

    #[test]
    fn an_expired_lot_blocks_and_counts_as_an_expired_vaccine() {
        let catalogue = seeded();
        let mut dose = planned("DPT_IPV_HIB", "2026-09-30");
        dose.lot_expiry = Some(d("2026-09-29"));
        let outcome = check(&catalogue, boy("2026-07-31"), &[], &dose);
        let finding = outcome.findings.first().map(|f| (f.reason, f.category));
        assert_eq!(
            finding,
            Some((Reason::ExpiredLot, Category::ExpiredVaccine))
        );
        assert!(outcome.blocked());
    }

    #[test]
    fn the_dose_number_is_named() {
        let catalogue = seeded();
        let history = [given("DPT_IPV_HIB", "2026-04-01")];
        let outcome = check(
            &catalogue,
            boy("2026-01-20"),
            &history,
            &planned("DPT_IPV_HIB", "2026-04-22"),
        );
        assert_eq!(
            (outcome.series.as_deref(), outcome.dose),
            (Some("DPT5"), Some(2))
        );
    }

    #[test]
    fn another_child_is_a_wrong_person() {
        let finding = same_child(&1, &2).map(|f| (f.severity, f.category));
        assert_eq!(finding, Some((Severity::Block, Category::WrongPerson)));
        assert!(same_child(&1, &1).is_none());
    }
}

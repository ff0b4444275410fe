//! A child's schedule: for each antigen, the series the child follows and the state of each
//! dose — given, due, overdue (past the standard window, still funded), not yet allowed
//! (with the day it will be and why), no longer funded, or not needed. Pure: it reads the
//! catalogue, the child's birth date and sex, and the doses given, and nothing else, so the
//! schedule of ten thousand children costs the statements that load them, not one per child.

use chrono::NaiveDate;

use super::catalogue::{Catalogue, DoseRule, Series, Sex};

/// A dose the child has had (any source: the app, paper, another municipality).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GivenDose {
    /// Product code.
    pub product: String,
    /// The day it was given (JST).
    pub date: NaiveDate,
}

/// What the schedule needs to know of a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Child {
    /// Birth date.
    pub birth: NaiveDate,
    /// Sex.
    pub sex: Sex,
}

/// The state of one dose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DoseState {
    /// Given.
    Given,
    /// Allowed now, within the standard window.
    Due,
    /// Allowed now and still funded, but past the standard window or interval.
    Overdue,
    /// Not allowed yet.
    NotYet,
    /// No longer funded: the eligibility window has closed.
    Missed,
    /// Not needed (an earlier dose came late).
    Skipped,
}

/// Why a dose is in its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// The child has not reached the age yet.
    Age,
    /// The interval from an earlier dose has not passed.
    Interval,
    /// The previous dose of the series has not been given.
    PreviousDose,
    /// The eligibility window closed.
    WindowClosed,
    /// The standard window or interval passed.
    StandardPassed,
    /// An earlier dose came after the point that makes this one unnecessary.
    LateEarlierDose,
}

/// One line of the schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoseLine {
    /// Series code.
    pub series: String,
    /// Antigen group.
    pub antigen: String,
    /// Dose number.
    pub dose: u32,
    /// The dose's label.
    pub label: String,
    /// Its state.
    pub state: DoseState,
    /// Why, when not simply given or due.
    pub why: Option<Why>,
    /// The day it was given.
    pub given_on: Option<NaiveDate>,
    /// The product it was given with.
    pub product: Option<String>,
    /// First day it is allowed (for a dose not given).
    pub earliest: Option<NaiveDate>,
    /// Last funded day.
    pub latest: Option<NaiveDate>,
    /// Last day of the standard window, when there is one.
    pub standard_until: Option<NaiveDate>,
}

impl DoseLine {
    /// The explanation in Japanese.
    pub fn message(&self) -> String {
        let day = |date: Option<NaiveDate>| date.map_or_else(String::new, |d| d.to_string());
        match (self.state, self.why) {
            (DoseState::Given, _) => format!("{}に接種済み", day(self.given_on)),
            (DoseState::Due, _) => format!("接種できます（定期接種は{}まで）", day(self.latest)),
            (DoseState::Overdue, _) => format!(
                "標準的な接種期間を過ぎています（定期接種は{}まで）",
                day(self.latest)
            ),
            (DoseState::NotYet, Some(Why::PreviousDose)) => {
                "前の回の接種が済んでから受けられます".to_owned()
            }
            (DoseState::NotYet, Some(Why::Interval)) => format!(
                "前回の接種から間隔をあける必要があります（{}から）",
                day(self.earliest)
            ),
            (DoseState::NotYet, _) => format!("{}から受けられます", day(self.earliest)),
            (DoseState::Missed, _) => format!(
                "定期接種の期間（{}まで）を過ぎました。任意接種として相談してください",
                day(self.latest)
            ),
            (DoseState::Skipped, _) => "前の回の接種時期により、この回は接種しません".to_owned(),
        }
    }
}

/// Doses of one antigen in the order they were given.
pub fn doses_of<'a>(
    catalogue: &Catalogue,
    antigen: &str,
    history: &'a [GivenDose],
) -> Vec<&'a GivenDose> {
    let mut doses: Vec<&GivenDose> = history
        .iter()
        .filter(|dose| {
            catalogue
                .product(&dose.product)
                .is_some_and(|p| p.antigen == antigen)
        })
        .collect();
    doses.sort_by_key(|dose| dose.date);
    doses
}

/// Antigens of the child's history.
fn antigens_given(catalogue: &Catalogue, history: &[GivenDose]) -> Vec<String> {
    history
        .iter()
        .filter_map(|dose| catalogue.product(&dose.product))
        .map(|product| product.antigen.clone())
        .collect()
}

/// The series a child follows for `antigen`: the one the first dose started, or, with no
/// dose yet, the first that can still be started on `today` (or the one that closed last).
pub fn series_for<'c>(
    catalogue: &'c Catalogue,
    child: Child,
    antigen: &str,
    history: &[GivenDose],
    today: NaiveDate,
) -> Option<&'c Series> {
    let given = antigens_given(catalogue, history);
    let candidates: Vec<&Series> = catalogue
        .series
        .iter()
        .filter(|series| series.antigen == antigen && series.applies_to(child.birth, child.sex))
        .filter(|series| {
            !series
                .conflicts_with
                .iter()
                .any(|other| given.contains(other))
        })
        .collect();
    if let Some(first) = doses_of(catalogue, antigen, history).first() {
        return started_series(&candidates, child, first).or_else(|| {
            candidates
                .iter()
                .copied()
                .find(|series| series.products.contains(&first.product))
        });
    }
    let startable: Vec<&Series> = candidates
        .iter()
        .copied()
        .filter(|series| series.startable_on(today))
        .collect();
    startable
        .iter()
        .copied()
        .find(|series| first_window(series, child, today).is_some_and(|(_, until)| today <= until))
        .or_else(|| startable.last().copied())
}

/// The series a first dose started: its product belongs to it and its date lies in the
/// window of the series' first dose.
pub fn started_series<'c>(
    candidates: &[&'c Series],
    child: Child,
    first: &GivenDose,
) -> Option<&'c Series> {
    candidates.iter().copied().find(|series| {
        series.products.contains(&first.product)
            && series.startable_on(first.date)
            && first_window(series, child, first.date)
                .is_some_and(|(from, until)| (from..=until).contains(&first.date))
    })
}

fn first_window(series: &Series, child: Child, on: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    series.rule(1, on)?.eligible.dates(child.birth)
}

/// How the given doses fall on the rules of a series: for each dose rule, the dose given
/// for it, or that it was skipped. Doses beyond the series are returned apart.
pub struct Assignment<'a> {
    /// (dose number, the given dose, or `None` when skipped), for the doses accounted for.
    pub filled: Vec<(u32, Option<&'a GivenDose>)>,
    /// The next dose number not yet given, if the series is not complete.
    pub next: Option<u32>,
    /// Doses given beyond the series.
    pub beyond: Vec<&'a GivenDose>,
}

/// Places the doses of `given` (one antigen, in order) on the rules of `series`.
pub fn assign<'a>(series: &Series, child: Child, given: &[&'a GivenDose]) -> Assignment<'a> {
    let mut filled: Vec<(u32, Option<&GivenDose>)> = Vec::new();
    let mut rest = given.iter().copied();
    let mut next = None;
    for dose in 1..=series.dose_count() {
        let on = given.last().map_or(child.birth, |d| d.date);
        if series
            .rule(dose, on)
            .is_some_and(|rule| skipped(rule, child, &filled))
        {
            filled.push((dose, None));
            continue;
        }
        match rest.next() {
            Some(given) => filled.push((dose, Some(given))),
            None => {
                next = Some(dose);
                break;
            }
        }
    }
    Assignment {
        filled,
        next,
        beyond: rest.collect(),
    }
}

fn skipped(rule: &DoseRule, child: Child, filled: &[(u32, Option<&GivenDose>)]) -> bool {
    let Some(skip) = rule.skip_if else {
        return false;
    };
    let earlier = filled
        .iter()
        .find(|(dose, _)| *dose == skip.dose)
        .and_then(|(_, d)| *d);
    match (earlier, skip.after.date(child.birth)) {
        (Some(earlier), Some(point)) => earlier.date > point,
        _ => false,
    }
}

/// The first day `rule` allows after the doses already filled, and whether an interval
/// (rather than age) decides it.
pub fn earliest(
    catalogue: &Catalogue,
    rule: &DoseRule,
    child: Child,
    filled: &[(u32, Option<&GivenDose>)],
) -> Option<(NaiveDate, bool)> {
    let mut day = rule.eligible.from.date(child.birth)?;
    let mut by_interval = false;
    let previous = filled.iter().rev().find_map(|(_, d)| *d);
    for interval in &rule.min_intervals {
        let from = match interval.after_dose {
            Some(n) => filled
                .iter()
                .find(|(dose, _)| *dose == n)
                .and_then(|(_, d)| *d),
            None => previous,
        };
        if let Some(from) = from
            && let Some(allowed) = interval.length.after(from.date, catalogue.month_end)
            && allowed > day
        {
            day = allowed;
            by_interval = true;
        }
    }
    Some((day, by_interval))
}

/// The last day of the standard interval, if any, after the doses filled.
pub fn standard_interval_end(
    catalogue: &Catalogue,
    rule: &DoseRule,
    filled: &[(u32, Option<&GivenDose>)],
) -> Option<NaiveDate> {
    rule.standard_intervals
        .iter()
        .filter_map(|interval| {
            let from = filled
                .iter()
                .find(|(dose, _)| *dose == interval.after_dose)
                .and_then(|(_, d)| *d)?;
            // The longest standard interval ends the day before the next one would begin.
            interval
                .max?
                .after(from.date, catalogue.month_end)?
                .pred_opt()
        })
        .min()
}

/// The child's schedule on `today`, antigen by antigen in catalogue order.
pub fn schedule(
    catalogue: &Catalogue,
    child: Child,
    history: &[GivenDose],
    today: NaiveDate,
) -> Vec<DoseLine> {
    let mut lines = Vec::new();
    for antigen in catalogue.antigens() {
        let Some(series) = series_for(catalogue, child, antigen, history, today) else {
            continue;
        };
        let given = doses_of(catalogue, antigen, history);
        let assignment = assign(series, child, &given);
        for (dose, given) in &assignment.filled {
            let rule_day = given.map_or(today, |d| d.date);
            let Some(rule) = series.rule(*dose, rule_day) else {
                continue;
            };
            let mut line = line(series, rule);
            match given {
                Some(given) => {
                    line.state = DoseState::Given;
                    line.given_on = Some(given.date);
                    line.product = Some(given.product.clone());
                }
                None => {
                    line.state = DoseState::Skipped;
                    line.why = Some(Why::LateEarlierDose);
                }
            }
            lines.push(line);
        }
        let Some(next) = assignment.next else {
            continue;
        };
        for dose in next..=series.dose_count() {
            let Some(rule) = series.rule(dose, today) else {
                continue;
            };
            let mut line = line(series, rule);
            let window = rule.eligible.dates(child.birth);
            line.latest = window.map(|(_, until)| until);
            line.standard_until = rule
                .standard
                .and_then(|standard| standard.until.date(child.birth));
            if dose != next {
                line.state = DoseState::NotYet;
                line.why = Some(Why::PreviousDose);
                lines.push(line);
                continue;
            }
            let Some((earliest, by_interval)) =
                earliest(catalogue, rule, child, &assignment.filled)
            else {
                continue;
            };
            line.earliest = Some(earliest);
            if let Some(interval_end) = standard_interval_end(catalogue, rule, &assignment.filled) {
                line.standard_until = Some(
                    line.standard_until
                        .map_or(interval_end, |d| d.min(interval_end)),
                );
            }
            let latest = line.latest.unwrap_or(earliest);
            (line.state, line.why) = if today > latest || earliest > latest {
                (DoseState::Missed, Some(Why::WindowClosed))
            } else if today < earliest {
                let why = if by_interval { Why::Interval } else { Why::Age };
                (DoseState::NotYet, Some(why))
            } else if line.standard_until.is_some_and(|until| today > until) {
                (DoseState::Overdue, Some(Why::StandardPassed))
            } else {
                (DoseState::Due, None)
            };
            lines.push(line);
        }
    }
    lines
}

fn line(series: &Series, rule: &DoseRule) -> DoseLine {
    DoseLine {
        series: series.code.clone(),
        antigen: series.antigen.clone(),
        dose: rule.dose,
        label: rule.label.clone(),
        state: DoseState::NotYet,
        why: None,
        given_on: None,
        product: None,
        earliest: None,
        latest: None,
        standard_until: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::catalogue::seeded;
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

    fn child(birth: &str) -> Child {
        Child {
            birth: d(birth),
            sex: Sex::Male,
        }
    }

    fn find<'a>(lines: &'a [DoseLine], antigen: &str, dose: u32) -> Option<&'a DoseLine> {
        lines
            .iter()
            .find(|line| line.antigen == antigen && line.dose == dose)
    }

    #[test]
    fn a_newborn_waits_for_two_months_and_rotavirus_for_six_weeks() {
        let catalogue = seeded();
        let lines = schedule(&catalogue, child("2026-07-31"), &[], d("2026-08-10"));
        let pcv = find(&lines, "PCV", 1).cloned();
        assert_eq!(
            pcv.as_ref().map(|l| l.series.as_str()),
            Some("PCV_START_2_7")
        );
        assert_eq!(
            pcv.as_ref().map(|l| (l.state, l.earliest)),
            Some((DoseState::NotYet, Some(d("2026-09-30"))))
        );
        let rota = find(&lines, "ROTA", 1).map(|l| (l.series.as_str(), l.earliest, l.latest));
        assert_eq!(
            rota,
            Some(("ROTA1", Some(d("2026-09-11")), Some(d("2027-01-15"))))
        );
        let rota_2 = find(&lines, "ROTA", 2).map(|l| (l.state, l.why));
        assert_eq!(rota_2, Some((DoseState::NotYet, Some(Why::PreviousDose))));
        // 4種混合 and ヒブ can no longer be started: only 5種混合 is offered.
        assert!(find(&lines, "DPT4", 1).is_none() && find(&lines, "HIB", 1).is_none());
        assert!(find(&lines, "DPT5", 1).is_some());
        // HPV is for girls.
        assert!(find(&lines, "HPV", 1).is_none());
    }

    #[test]
    fn hepatitis_b_counts_the_third_dose_from_the_first() {
        let catalogue = seeded();
        let history = [given("HEPB", "2026-04-01"), given("HEPB", "2026-04-29")];
        let lines = schedule(&catalogue, child("2026-02-01"), &history, d("2026-05-01"));
        let third = find(&lines, "HEPB", 3).map(|l| (l.state, l.why, l.earliest));
        // 139日以上 after 4/1: from 8/19.
        assert_eq!(
            third,
            Some((
                DoseState::NotYet,
                Some(Why::Interval),
                Some(d("2026-08-19"))
            ))
        );
    }

    #[test]
    fn pcv_skips_the_third_primary_dose_when_the_second_came_after_twelve_months() {
        let catalogue = seeded();
        let history = [given("PCV15", "2025-06-10"), given("PCV15", "2026-04-20")];
        // Born 2025-04-01: 生後12月 is 2026-03-31.
        let lines = schedule(&catalogue, child("2025-04-01"), &history, d("2026-05-01"));
        let third = find(&lines, "PCV", 3).map(|l| l.state);
        assert_eq!(third, Some(DoseState::Skipped));
        let booster = find(&lines, "PCV", 4).map(|l| (l.state, l.earliest));
        // 60日以上 after the 2nd: 2026-06-20.
        assert_eq!(booster, Some((DoseState::NotYet, Some(d("2026-06-20")))));
    }

    #[test]
    fn a_late_start_follows_the_shorter_pcv_series() {
        let catalogue = seeded();
        let lines = schedule(&catalogue, child("2025-01-15"), &[], d("2026-02-01"));
        let pcv: Vec<_> = lines.iter().filter(|l| l.antigen == "PCV").collect();
        assert_eq!(
            pcv.first().map(|l| l.series.as_str()),
            Some("PCV_START_12_24")
        );
        assert_eq!(pcv.len(), 2);
    }

    #[test]
    fn a_dose_past_the_standard_window_is_overdue_and_past_eligibility_missed() {
        let catalogue = seeded();
        // BCG: standard 5–8 months, funded until 1歳.
        let born = child("2025-10-10");
        let overdue = schedule(&catalogue, born, &[], d("2026-07-01"));
        assert_eq!(
            find(&overdue, "BCG", 1).map(|l| l.state),
            Some(DoseState::Overdue)
        );
        let missed = schedule(&catalogue, born, &[], d("2026-10-10"));
        assert_eq!(
            find(&missed, "BCG", 1).map(|l| l.state),
            Some(DoseState::Missed)
        );
        let last_day = schedule(&catalogue, born, &[], d("2026-10-09"));
        assert_eq!(
            find(&last_day, "BCG", 1).map(|l| l.state),
            Some(DoseState::Overdue)
        );
    }

    #[test]
    fn a_child_started_on_four_in_one_and_hib_continues_without_five_in_one() {
        let catalogue = seeded();
        let history = [given("DPT_IPV", "2024-02-01"), given("HIB", "2024-02-01")];
        let lines = schedule(&catalogue, child("2023-11-20"), &history, d("2024-03-01"));
        assert!(find(&lines, "DPT5", 1).is_none());
        let dpt4 = find(&lines, "DPT4", 2).map(|l| (l.state, l.earliest));
        assert_eq!(dpt4, Some((DoseState::Due, Some(d("2024-02-22")))));
    }

    #[test]
    fn measles_rubella_second_dose_is_the_year_before_school() {
        let catalogue = seeded();
        let history = [given("MR", "2020-04-10")];
        let lines = schedule(&catalogue, child("2019-04-02"), &history, d("2024-06-01"));
        let second = find(&lines, "MR", 2).map(|l| (l.state, l.earliest, l.latest));
        assert_eq!(
            second,
            Some((
                DoseState::NotYet,
                Some(d("2025-04-01")),
                Some(d("2026-03-31"))
            ))
        );
    }

    #[test]
    fn varicella_second_dose_follows_the_month_rule() {
        let catalogue = seeded();
        let history = [given("VARICELLA", "2025-11-30")];
        let lines = schedule(&catalogue, child("2024-10-01"), &history, d("2025-12-01"));
        let second = find(&lines, "VARICELLA", 2).map(|l| l.earliest);
        // 3月以上 after 11/30: 2/30 does not exist, so from 3/1.
        assert_eq!(second, Some(Some(d("2026-03-01"))));
    }

    #[test]
    fn hpv_for_a_girl_starts_in_the_year_she_turns_twelve() {
        let catalogue = seeded();
        let girl = Child {
            birth: d("2014-04-01"),
            sex: Sex::Female,
        };
        let lines = schedule(&catalogue, girl, &[], d("2025-05-01"));
        let first = find(&lines, "HPV", 1).map(|l| (l.series.as_str(), l.state, l.earliest));
        assert_eq!(
            first,
            Some(("HPV9_START_UNDER_15", DoseState::Due, Some(d("2025-04-01"))))
        );
    }
}

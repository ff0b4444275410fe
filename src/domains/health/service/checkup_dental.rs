//! The dental part of a checkup result: the tooth grid checked and turned into the caries
//! count and the caries type under the municipality's O1/O2 rule.

use std::collections::BTreeMap;

use serde::Serialize;

use super::super::checkup_rules::{self, CariesScheme, O2Rule, Risks, ToothStatus};
use crate::error::{FieldError, FieldErrorCode, Problems};

/// What a dentist records at a dental checkup.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DentalExam {
    /// The teeth present: tooth code (`UR_A`, `LL_6`) and status.
    pub teeth: Vec<(String, ToothStatus)>,
    /// Plaque (歯の汚れ): 0 none, 1 some, 2 much.
    pub plaque: i32,
    /// Gums or mucosa (歯肉・粘膜) abnormal.
    pub gums_mucosa_abnormal: bool,
    /// Occlusion (かみ合わせ) abnormal.
    pub occlusion_abnormal: bool,
    /// Fluoride applied (フッ化物塗布) at the checkup.
    pub fluoride_applied: bool,
    /// Irregular snacks (だらだら食べ).
    pub snacks_risk: bool,
    /// A baby bottle still in use.
    pub bottle_risk: bool,
}

/// A dental exam checked, with what follows from it.
#[derive(Clone, Debug)]
pub struct CheckedDental {
    /// The exam.
    pub exam: DentalExam,
    /// The grid by tooth code.
    pub grid: BTreeMap<String, ToothStatus>,
    /// むし歯の総数.
    pub caries_count: i32,
    /// むし歯の罹患型.
    pub caries_type: &'static str,
}

/// The grid as stored: tooth code to symbol.
pub fn grid_json(grid: &BTreeMap<String, ToothStatus>) -> String {
    let symbols: BTreeMap<&str, &str> = grid
        .iter()
        .map(|(code, status)| (code.as_str(), status.symbol()))
        .collect();
    serde_json::to_string(&symbols).unwrap_or_else(|_| "{}".to_owned())
}

/// The stored grid, by tooth code (unknown symbols dropped).
pub fn grid_of(json: Option<&str>) -> Vec<(String, ToothStatus)> {
    let symbols: BTreeMap<String, String> = json
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default();
    symbols
        .into_iter()
        .filter_map(|(code, symbol)| ToothStatus::from_symbol(&symbol).map(|s| (code, s)))
        .collect()
}

/// Checks the exam (known tooth codes, each once, at least one tooth, plaque 0–2) and
/// computes the caries count and type.
pub fn check_dental(
    exam: DentalExam,
    scheme: CariesScheme,
    rule: &O2Rule,
    problems: &mut Problems,
) -> Option<CheckedDental> {
    let mut grid = BTreeMap::new();
    let mut ok = true;
    if exam.teeth.is_empty() {
        problems.push(FieldError::input(
            "dental.teeth",
            FieldErrorCode::Required,
            "歯の状態を1本以上入力してください。",
        ));
        ok = false;
    }
    for (i, (code, status)) in exam.teeth.iter().enumerate() {
        let code = code.trim().to_uppercase();
        if !checkup_rules::is_tooth(&code) {
            problems.push(FieldError::input(
                &format!("dental.teeth.{i}.tooth"),
                FieldErrorCode::Invalid,
                format!("「{code}」は歯の番号ではありません（例: UR_A, LL_6）。"),
            ));
            ok = false;
        } else if grid.insert(code.clone(), *status).is_some() {
            problems.push(FieldError::input(
                &format!("dental.teeth.{i}.tooth"),
                FieldErrorCode::Invalid,
                format!("{code} が2回入力されています。"),
            ));
            ok = false;
        }
    }
    if !(0..=2).contains(&exam.plaque) {
        problems.push(FieldError::input(
            "dental.plaque",
            FieldErrorCode::Invalid,
            "歯の汚れは0（きれい）、1（少ない）、2（多い）で入力してください。",
        ));
        ok = false;
    }
    if !ok {
        return None;
    }
    let risks = Risks {
        plaque: exam.plaque,
        snacks: exam.snacks_risk,
        bottle: exam.bottle_risk,
    };
    let caries_count = checkup_rules::caries_count(&grid);
    let caries_type = checkup_rules::caries_type(scheme, &grid, rule, risks);
    Some(CheckedDental {
        exam,
        grid,
        caries_count,
        caries_type,
    })
}

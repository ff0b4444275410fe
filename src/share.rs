//! Shares (a part of a whole) as the API states them: in percent, rounded half up to one
//! decimal, as grant reports and KPI targets state them (1 of 3 is 33.3). Every share the
//! schema answers is made here, so two screens never round one share two ways and no
//! answer prints float noise such as `0.09999999999999964`.

/// `part` of `whole` in percent, rounded half up to one decimal (1 of 3 → 33.3, 1 of 8 →
/// 12.5); `None` when `whole` is zero.
pub fn percent(part: f64, whole: f64) -> Option<f64> {
    // One division of exact values, so a true half (1 of 16 = 6.25) stays a half.
    (whole != 0.0).then(|| half_up(part * 1000.0 / whole) / 10.0)
}

/// A percentage already computed (a difference of two percentages, say), rounded half up
/// to one decimal: 3.1999999999999993 → 3.2.
pub fn round_percent(value: f64) -> f64 {
    round_to(value, 1)
}

/// `value` rounded half up to `decimals` decimals (0–6), for the other figures the API
/// derives by division or difference (mean scores): 0.15000000000000036 → 0.15 at two.
pub fn round_to(value: f64, decimals: i32) -> f64 {
    let scale = 10_f64.powi(decimals.clamp(0, 6));
    // Rounded to nine decimals first, so float noise below them cannot move a half.
    half_up((value * 1e9).round() / 1e9 * scale) / scale
}

/// `part` of `whole` as a fraction (0–1) rounded half up to four decimals (1 of 3 →
/// 0.3333): what the deprecated fraction fields answer. `None` when `whole` is zero.
pub fn fraction(part: f64, whole: f64) -> Option<f64> {
    (whole != 0.0).then(|| half_up(part * 10_000.0 / whole) / 10_000.0)
}

/// `part` of `whole` in percent, for counts.
#[allow(clippy::cast_precision_loss)]
pub fn percent_of_counts(part: u64, whole: u64) -> Option<f64> {
    percent(part as f64, whole as f64)
}

/// `part` of `whole` as a fraction rounded to four decimals, for counts.
#[allow(clippy::cast_precision_loss)]
pub fn fraction_of_counts(part: u64, whole: u64) -> Option<f64> {
    fraction(part as f64, whole as f64)
}

/// Rounds to the nearest whole number, halves upwards (2.5 → 3, −2.5 → −2).
fn half_up(value: f64) -> f64 {
    (value + 0.5).floor()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_third_is_33_3_percent_and_0_3333() {
        assert_eq!(percent(1.0, 3.0), Some(33.3));
        assert_eq!(percent(2.0, 3.0), Some(66.7));
        assert_eq!(fraction(1.0, 3.0), Some(0.3333));
        assert_eq!(fraction(2.0, 3.0), Some(0.6667));
        assert_eq!(percent(1.0, 0.0), None);
        assert_eq!(fraction(1.0, 0.0), None);
    }

    #[test]
    fn halves_round_up() {
        assert_eq!(percent(1.0, 16.0), Some(6.3));
        assert_eq!(percent(1.0, 8.0), Some(12.5));
        assert_eq!(percent(-1.0, 16.0), Some(-6.2));
        assert_eq!(round_percent(0.25), 0.3);
        assert_eq!(round_percent(-0.25), -0.2);
        assert_eq!(fraction(1.0, 32.0), Some(0.0313));
    }

    #[test]
    fn no_float_noise_survives() {
        assert_eq!(round_percent(33.3 - 30.1), 3.2);
        assert_eq!(round_percent(0.1 + 0.2), 0.3);
        assert_eq!(round_percent(0.09999999999999964), 0.1);
        assert_eq!(round_to(4.4 - 4.25, 2), 0.15);
        assert_eq!(round_to(11.0 / 3.0, 2), 3.67);
        for whole in 1..=200_u64 {
            for part in 0..=whole {
                let shown = percent_of_counts(part, whole)
                    .unwrap_or_default()
                    .to_string();
                let decimals = shown.split_once('.').map_or(0, |(_, d)| d.len());
                assert!(decimals <= 1, "{part}/{whole} = {shown}");
                let shown = fraction_of_counts(part, whole)
                    .unwrap_or_default()
                    .to_string();
                let decimals = shown.split_once('.').map_or(0, |(_, d)| d.len());
                assert!(decimals <= 4, "{part}/{whole} = {shown}");
            }
        }
    }
}

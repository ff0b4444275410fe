//! Pricing a claim line from a fee schedule (one municipality, one fiscal year). A line
//! of the schedule may name a vaccine product only, or also a series and a dose; the most
//! specific line that fits wins. A 予診のみ (deferral) is priced by the product's own line,
//! or by the one deferral price all its lines share. No fitting line: no price (the claim
//! shows it as a problem, never as zero).

use entity::health_fee_schedule_line::{FeeService, Model as PriceLine};

/// What is priced.
#[derive(Clone, Copy, Debug)]
pub enum Priced<'a> {
    /// A dose of `product` (in `series`, dose `dose` when known).
    Vaccination {
        /// The product code.
        product: &'a str,
        /// The series code.
        series: Option<&'a str>,
        /// The dose number.
        dose: Option<i32>,
    },
    /// 予診のみ for `product`.
    Deferral {
        /// The product code.
        product: &'a str,
    },
    /// A checkup of a kind (`Checkup` or `DentalCheckup`) and type key.
    Checkup {
        /// The kind.
        service: FeeService,
        /// The checkup type key.
        key: &'a str,
    },
}

/// The unit price (yen) of `what` in `schedule`, if the schedule has one.
pub fn price_of(schedule: &[PriceLine], what: Priced<'_>) -> Option<i64> {
    match what {
        Priced::Vaccination {
            product,
            series,
            dose,
        } => schedule
            .iter()
            .filter(|line| line.service_kind == FeeService::Vaccination)
            .filter(|line| line.product_code == product)
            .filter(|line| line.series_code.is_empty() || Some(line.series_code.as_str()) == series)
            .filter(|line| line.dose_number == 0 || Some(line.dose_number) == dose)
            .max_by_key(|line| (!line.series_code.is_empty(), line.dose_number != 0))
            .map(|line| line.price),
        Priced::Deferral { product } => {
            let lines: Vec<&PriceLine> = schedule
                .iter()
                .filter(|line| line.service_kind == FeeService::Vaccination)
                .filter(|line| line.product_code == product)
                .collect();
            if let Some(own) = lines
                .iter()
                .find(|line| line.series_code.is_empty() && line.dose_number == 0)
            {
                return own.deferral_price;
            }
            let first = lines.first()?.deferral_price?;
            lines
                .iter()
                .all(|line| line.deferral_price == Some(first))
                .then_some(first)
        }
        Priced::Checkup { service, key } => schedule
            .iter()
            .find(|line| line.service_kind == service && line.checkup_key == key)
            .map(|line| line.price),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use uuid::Uuid;

    use super::*;

    fn line(
        product: &str,
        series: &str,
        dose: i32,
        price: i64,
        deferral: Option<i64>,
    ) -> PriceLine {
        PriceLine {
            id: Uuid::nil(),
            municipality_id: Uuid::nil(),
            fiscal_year: 2026,
            service_kind: FeeService::Vaccination,
            product_code: product.to_owned(),
            series_code: series.to_owned(),
            dose_number: dose,
            checkup_key: String::new(),
            price,
            deferral_price: deferral,
            updated_by: Uuid::nil(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn the_most_specific_line_wins() {
        let schedule = [
            line("MR", "", 0, 9_860, Some(3_190)),
            line("MR", "MR_1", 0, 12_074, Some(3_190)),
            line("MR", "MR_1", 1, 12_500, Some(3_190)),
        ];
        let price = |series, dose| {
            price_of(
                &schedule,
                Priced::Vaccination {
                    product: "MR",
                    series,
                    dose,
                },
            )
        };
        assert_eq!(price(Some("MR_1"), Some(1)), Some(12_500));
        assert_eq!(price(Some("MR_1"), Some(2)), Some(12_074));
        assert_eq!(price(Some("MR_2"), Some(1)), Some(9_860));
        assert_eq!(price(None, None), Some(9_860));
        assert_eq!(
            price_of(
                &schedule,
                Priced::Vaccination {
                    product: "HIB",
                    series: None,
                    dose: None
                }
            ),
            None
        );
    }

    #[test]
    fn a_deferral_takes_the_products_own_or_shared_price() {
        let own = [
            line("MR", "", 0, 9_860, Some(3_190)),
            line("MR", "MR_1", 0, 12_074, Some(2_000)),
        ];
        assert_eq!(
            price_of(&own, Priced::Deferral { product: "MR" }),
            Some(3_190)
        );
        let shared = [
            line("PCV", "A", 1, 11_676, Some(3_570)),
            line("PCV", "A", 2, 11_676, Some(3_570)),
        ];
        assert_eq!(
            price_of(&shared, Priced::Deferral { product: "PCV" }),
            Some(3_570)
        );
        let differing = [
            line("PCV", "A", 1, 11_676, Some(3_570)),
            line("PCV", "A", 2, 11_676, Some(3_000)),
        ];
        assert_eq!(
            price_of(&differing, Priced::Deferral { product: "PCV" }),
            None
        );
        assert_eq!(price_of(&[], Priced::Deferral { product: "PCV" }), None);
    }
}

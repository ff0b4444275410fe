//! GraphQL objects of the health domain, built from the typed catalogue.

use async_graphql::SimpleObject;
use chrono::NaiveDate;

use crate::graphql::scalars::Date;

use super::catalogue::{self, AgePoint, Catalogue, DoseRule, Product, Series, in_force};

mod checkups;
mod clinic;
mod fees;
mod visits;

pub use checkups::*;
pub use clinic::*;
pub use fees::*;
pub use visits::*;

/// The clinic (an organization) a booking, visit or checkup names.
async fn clinic_organization(
    ctx: &async_graphql::Context<'_>,
    id: uuid::Uuid,
) -> async_graphql::Result<crate::domains::identity::types::Organization> {
    use crate::domains::identity::{
        loaders::{IdentityLoader, organization},
        types::Organization,
    };
    let loader = ctx.data::<async_graphql::dataloader::DataLoader<IdentityLoader>>()?;
    crate::graphql::present(
        organization(loader, id).await?.map(Organization::from),
        "clinic",
    )
}

crate::enum_mirror! {
    /// How a vaccine is given.
    VaccineRoute = catalogue::Route {
        /// 注射 (subcutaneous or intramuscular).
        Injected,
        /// 経口 (rotavirus).
        Oral,
        /// 経皮 (BCG).
        Percutaneous,
    }
}

crate::enum_mirror! {
    /// A child's sex, as the vaccination rules need it (HPV is for girls).
    ChildSex = catalogue::Sex {
        /// 女.
        Female,
        /// 男.
        Male,
    }
}

/// The routine vaccine catalogue (定期接種 A類): products and the series children follow,
/// each with the dates it is in force. Seeded and changed by migrations only.
#[derive(SimpleObject)]
pub struct VaccineCatalogue {
    /// Products, in catalogue order.
    pub products: Vec<VaccineProduct>,
    /// Series, in order of preference within an antigen.
    pub series: Vec<VaccineSeries>,
}

impl VaccineCatalogue {
    /// The catalogue, or only what is in force on `on`.
    pub fn new(catalogue: &Catalogue, on: Option<NaiveDate>) -> Self {
        let now = |from: Option<NaiveDate>, to: Option<NaiveDate>| {
            on.is_none_or(|day| in_force(from, to, day))
        };
        Self {
            products: catalogue
                .products
                .iter()
                .filter(|p| now(Some(p.valid_from), p.valid_to))
                .map(VaccineProduct::from)
                .collect(),
            series: catalogue
                .series
                .iter()
                .filter(|s| now(Some(s.valid_from), s.valid_to))
                .map(|s| VaccineSeries::new(s, on))
                .collect(),
        }
    }
}

/// A vaccine product.
#[derive(SimpleObject)]
pub struct VaccineProduct {
    /// Stable code, e.g. `PCV15`.
    pub code: String,
    /// Japanese name.
    pub name: String,
    /// The antigen group it counts doses for, e.g. `PCV`.
    pub antigen: String,
    /// A live vaccine (生ワクチン).
    pub live: bool,
    /// How it is given.
    pub route: VaccineRoute,
    /// Whether the 27-day rule between injected live vaccines applies to it.
    pub injected_live: bool,
    /// Default dose in mL, when the product has one.
    pub default_dose_ml: Option<f64>,
    /// First day it may be given as 定期接種.
    pub valid_from: Date,
    /// Last day it may be given as 定期接種, if it has one.
    pub valid_to: Option<Date>,
    /// The product's own age limit, beyond which it is not given at all (rotavirus).
    pub age_limit: Option<String>,
    /// Products a series started with may continue with this one.
    pub may_follow: Vec<String>,
}

impl From<&Product> for VaccineProduct {
    fn from(product: &Product) -> Self {
        Self {
            code: product.code.clone(),
            name: product.name.clone(),
            antigen: product.antigen.clone(),
            live: product.live,
            route: product.route.into(),
            injected_live: product.injected_live(),
            default_dose_ml: product.dose_ml,
            valid_from: product.valid_from.into(),
            valid_to: product.valid_to.map(Into::into),
            age_limit: product.absolute_until.map(AgePoint::describe),
            may_follow: product.may_follow.clone(),
        }
    }
}

/// A series (course) of one antigen.
#[derive(SimpleObject)]
pub struct VaccineSeries {
    /// Stable code, e.g. `PCV_START_2_7`.
    pub code: String,
    /// The antigen group.
    pub antigen: String,
    /// Japanese name.
    pub name: String,
    /// Codes of the products that may be given in it.
    pub products: Vec<String>,
    /// The sex it is for, when only one.
    pub sex: Option<ChildSex>,
    /// Only for children born on or after this day.
    pub born_from: Option<Date>,
    /// First day a series may be started.
    pub valid_from: Date,
    /// Last day a series may be started; one started before goes on.
    pub valid_to: Option<Date>,
    /// Antigens whose doses rule this series out.
    pub conflicts_with: Vec<String>,
    /// The dose rules.
    pub doses: Vec<VaccineDoseRule>,
}

impl VaccineSeries {
    fn new(series: &Series, on: Option<NaiveDate>) -> Self {
        Self {
            code: series.code.clone(),
            antigen: series.antigen.clone(),
            name: series.name.clone(),
            products: series.products.clone(),
            sex: series.sex.map(Into::into),
            born_from: series.born_from.map(Into::into),
            valid_from: series.valid_from.into(),
            valid_to: series.valid_to.map(Into::into),
            conflicts_with: series.conflicts_with.clone(),
            doses: series
                .doses
                .iter()
                .filter(|rule| on.is_none_or(|day| in_force(rule.valid_from, rule.valid_to, day)))
                .map(VaccineDoseRule::from)
                .collect(),
        }
    }
}

/// The rule of one dose: the funded window apart from the standard one, intervals from
/// named earlier doses, and when it is not given.
#[derive(SimpleObject)]
pub struct VaccineDoseRule {
    /// Dose number in the series.
    pub dose: i32,
    /// The dose's name, e.g. 「1期初回1回目」.
    pub label: String,
    /// First day of the funded (定期) window, as the legal text says it.
    pub eligible_from: String,
    /// Last day of the funded window.
    pub eligible_until: String,
    /// First day of the standard (標準) window, if any.
    pub standard_from: Option<String>,
    /// Last day of the standard window, if any.
    pub standard_until: Option<String>,
    /// Minimum intervals.
    pub min_intervals: Vec<DoseInterval>,
    /// Standard intervals (outside them is warned about).
    pub standard_intervals: Vec<DoseInterval>,
    /// When the dose is not given, e.g. 「2回目が生後12月を過ぎた場合は接種しない」.
    pub skipped_when: Option<String>,
    /// First day the rule is in force, if limited.
    pub valid_from: Option<Date>,
    /// Last day the rule is in force, if limited.
    pub valid_to: Option<Date>,
}

impl From<&DoseRule> for VaccineDoseRule {
    fn from(rule: &DoseRule) -> Self {
        Self {
            dose: i32::try_from(rule.dose).unwrap_or(i32::MAX),
            label: rule.label.clone(),
            eligible_from: rule.eligible.from.describe(),
            eligible_until: rule.eligible.until.describe(),
            standard_from: rule.standard.map(|w| w.from.describe()),
            standard_until: rule.standard.map(|w| w.until.describe()),
            min_intervals: rule
                .min_intervals
                .iter()
                .map(|i| DoseInterval {
                    after_dose: i.after_dose.and_then(|d| i32::try_from(d).ok()),
                    min: i.length.label(),
                    max: None,
                })
                .collect(),
            standard_intervals: rule
                .standard_intervals
                .iter()
                .map(|i| DoseInterval {
                    after_dose: i32::try_from(i.after_dose).ok(),
                    min: i.min.label(),
                    max: i.max.map(catalogue::Length::label),
                })
                .collect(),
            skipped_when: rule.skip_if.map(|skip| {
                format!(
                    "{}回目が{}を過ぎた場合は接種しない",
                    skip.dose,
                    skip.after.describe()
                )
            }),
            valid_from: rule.valid_from.map(Into::into),
            valid_to: rule.valid_to.map(Into::into),
        }
    }
}

/// An interval from an earlier dose.
#[derive(SimpleObject)]
pub struct DoseInterval {
    /// The earlier dose it counts from; null is the previous dose given.
    pub after_dose: Option<i32>,
    /// The shortest interval, e.g. 「27日」「6か月」「2か月半」 (以上).
    pub min: String,
    /// The longest (standard intervals only).
    pub max: Option<String>,
}

/// A child registered for vaccinations. Health data (要配慮個人情報): only the guardian and
/// the health staff of the child's municipality read it, and every staff read is logged.
#[derive(Clone, Debug)]
pub struct HealthChild(
    pub entity::health_child::Model,
    /// The catalogue and the doses of every child of a list, read once for the whole list.
    pub Option<std::sync::Arc<super::service::Preloaded>>,
);

impl From<entity::health_child::Model> for HealthChild {
    fn from(model: entity::health_child::Model) -> Self {
        Self(model, None)
    }
}

/// A child registered for vaccinations. Health data (要配慮個人情報): only the guardian and
/// the health staff of the child's municipality read it, and every staff read is logged.
#[async_graphql::Object]
impl HealthChild {
    /// Global id.
    pub async fn id(&self) -> async_graphql::ID {
        crate::graphql::ids::encode(crate::graphql::ids::NodeKind::HealthChild, self.0.id)
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Reading in katakana.
    async fn name_kana(&self) -> &str {
        &self.0.name_kana
    }

    /// Whether a guardian's account holds the child. A child a clinic entered from a paper
    /// 予診票 has none until a guardian claims it with a claim code.
    async fn has_guardian_account(&self) -> bool {
        self.0.guardian_user_id.is_some()
    }

    /// Birth date.
    async fn birth_date(&self) -> Date {
        self.0.birth_date.into()
    }

    /// Sex.
    async fn sex(&self) -> ChildSex {
        super::service::sex_of(&self.0).into()
    }

    /// The child's routine vaccinations today (JST), antigen by antigen: what was given,
    /// what is due, overdue, not yet allowed or no longer funded, and why. A list of children
    /// reads their doses and the catalogue in one batch.
    async fn schedule(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Vec<ScheduleLine>> {
        use super::loaders::{CatalogueFor, DosesOf, HealthLoader};
        use async_graphql::ResultExt;
        let (state, viewer) = crate::graphql::context(ctx)?;
        super::service::log_staff_read(state.into(), viewer, &self.0, "schedule")
            .await
            .extend()?;
        let (catalogue, doses) = match &self.1 {
            Some(pre) => (pre.catalogue.clone(), Some(pre.doses_of(self.0.id))),
            None => {
                let loader = ctx.data::<async_graphql::dataloader::DataLoader<HealthLoader>>()?;
                let (catalogue, doses) = futures_util::try_join!(
                    loader.load_one(CatalogueFor(self.0.municipality_id)),
                    loader.load_one(DosesOf(self.0.id)),
                )?;
                (crate::graphql::present(catalogue, "catalogue")?, doses)
            }
        };
        let history: Vec<super::schedule::GivenDose> = doses
            .unwrap_or_default()
            .into_iter()
            .map(|dose| super::schedule::GivenDose {
                product: dose.product_code,
                date: dose.vaccinated_on,
            })
            .collect();
        let facts = super::schedule::Child {
            birth: self.0.birth_date,
            sex: super::service::sex_of(&self.0),
        };
        let today = crate::fiscal::today();
        Ok(
            super::schedule::schedule(&catalogue, facts, &history, today)
                .into_iter()
                .map(ScheduleLine::from)
                .collect(),
        )
    }

    /// The doses the child has had, oldest first (the current version of each record).
    async fn vaccinations(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Vec<Vaccination>> {
        use super::loaders::{DosesOf, HealthLoader};
        use async_graphql::ResultExt;
        let (state, viewer) = crate::graphql::context(ctx)?;
        super::service::log_staff_read(state.into(), viewer, &self.0, "vaccinations")
            .await
            .extend()?;
        let loader = ctx.data::<async_graphql::dataloader::DataLoader<HealthLoader>>()?;
        let doses = loader.load_one(DosesOf(self.0.id)).await?;
        Ok(doses
            .unwrap_or_default()
            .into_iter()
            .map(Vaccination)
            .collect())
    }

    /// The child's vaccination bookings, newest day first (a clinic sees its own only).
    async fn bookings(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Vec<VaccinationBooking>> {
        use async_graphql::ResultExt;
        let (state, viewer) = crate::graphql::context(ctx)?;
        let rows = super::service::bookings_of_child(state.into(), viewer, self.0.id)
            .await
            .extend()?;
        Ok(rows.into_iter().map(VaccinationBooking).collect())
    }

    /// The child's 予診票, newest first (a clinic sees those submitted to it only).
    async fn forms(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Vec<VaccinationForm>> {
        use async_graphql::ResultExt;
        let (state, viewer) = crate::graphql::context(ctx)?;
        let rows = super::service::forms_of_child(state.into(), viewer, self.0.id)
            .await
            .extend()?;
        Ok(rows.into_iter().map(VaccinationForm).collect())
    }
}

crate::enum_mirror! {
    /// Where a dose record came from.
    VaccinationSource = entity::health_vaccination::VaccinationSource {
        /// Copied by the guardian from the 母子健康手帳.
        Handbook,
        /// Recorded by the clinic from a 予診票 submitted in the app.
        App,
        /// Recorded by the clinic from a paper 予診票.
        Paper,
        /// Imported from the national hub (PMH), where a clinic registered it.
        Hub,
    }
}

crate::enum_mirror! {
    /// The state of one dose in a child's schedule.
    DoseState = super::schedule::DoseState {
        /// Given.
        Given,
        /// Allowed now, within the standard window.
        Due,
        /// Allowed and still funded, but past the standard window or interval.
        Overdue,
        /// Not allowed yet (see `reason` and `earliest`).
        NotYet,
        /// The funded window has closed; only voluntary (任意) vaccination remains.
        Missed,
        /// Not needed, because an earlier dose came late.
        Skipped,
    }
}

crate::enum_mirror! {
    /// Why a dose is in its state.
    ScheduleReason = super::schedule::Why {
        /// The child has not reached the age yet.
        Age,
        /// The interval from an earlier dose has not passed.
        Interval,
        /// The previous dose of the series has not been given.
        PreviousDose,
        /// The funded window closed.
        WindowClosed,
        /// The standard window or interval passed.
        StandardPassed,
        /// An earlier dose came after the point that makes this one unnecessary.
        LateEarlierDose,
    }
}

/// One dose of a child's schedule.
#[derive(SimpleObject)]
pub struct ScheduleLine {
    /// Antigen group, e.g. `PCV`.
    pub antigen: String,
    /// The series the child follows, e.g. `PCV_START_2_7`.
    pub series: String,
    /// Dose number in the series.
    pub dose: i32,
    /// The dose's name, e.g. 「初回2回目」.
    pub label: String,
    /// Its state.
    pub state: DoseState,
    /// Why, when not simply given or due.
    pub reason: Option<ScheduleReason>,
    /// The explanation in Japanese.
    pub message: String,
    /// The day it was given.
    pub given_on: Option<Date>,
    /// The product it was given with.
    pub product_code: Option<String>,
    /// First day it is allowed.
    pub earliest: Option<Date>,
    /// Last funded day.
    pub latest: Option<Date>,
    /// Last day of the standard window or interval.
    pub standard_until: Option<Date>,
}

impl From<super::schedule::DoseLine> for ScheduleLine {
    fn from(line: super::schedule::DoseLine) -> Self {
        Self {
            message: line.message(),
            antigen: line.antigen,
            series: line.series,
            dose: i32::try_from(line.dose).unwrap_or(i32::MAX),
            label: line.label,
            state: line.state.into(),
            reason: line.why.map(Into::into),
            given_on: line.given_on.map(Into::into),
            product_code: line.product,
            earliest: line.earliest.map(Into::into),
            latest: line.latest.map(Into::into),
            standard_until: line.standard_until.map(Into::into),
        }
    }
}

/// A guardian's satisfaction answer about a vaccination or a dental checkup booked in the
/// app and attended.
#[derive(Debug, Clone, SimpleObject)]
pub struct HealthSurveyResponse {
    /// The booking it is about: a `VaccinationBooking` or a `CheckupBooking`.
    pub booking_id: async_graphql::ID,
    /// 1 (dissatisfied) – 5 (very satisfied).
    pub score: i32,
    /// The booked day (JST).
    pub visited_on: Date,
    /// The fiscal year (年度) of the booked day, in which the answer counts.
    pub fiscal_year: i32,
    /// When it was answered.
    pub submitted_at: chrono::DateTime<chrono::Utc>,
}

impl From<entity::health_survey::Model> for HealthSurveyResponse {
    fn from(model: entity::health_survey::Model) -> Self {
        let kind = if model.service == super::service::DENTAL_SURVEY {
            crate::graphql::ids::NodeKind::CheckupBooking
        } else {
            crate::graphql::ids::NodeKind::VaccinationBooking
        };
        Self {
            booking_id: crate::graphql::ids::encode(kind, model.booking_id),
            score: i32::from(model.score),
            visited_on: Date(model.visited_on),
            fiscal_year: model.fiscal_year,
            submitted_at: model.submitted_at,
        }
    }
}

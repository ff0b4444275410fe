//! Health (北九州市: きたきゅう子育て応援アプリ): children's routine vaccinations. The legal
//! date arithmetic (`dates`), the vaccine catalogue kept as dated data, each child's schedule
//! and the checks run at booking, at form submission and at the clinic; infant and dental
//! checkups (乳幼児健診, 歯科健診) with their types, windows and results as data per
//! municipality (`checkup_rules`, `service/checkup_*`).

pub mod catalogue;
pub mod checks;
pub mod checkup_rules;
pub mod dates;
pub mod demo;
pub mod demo_checkups;
pub mod demo_fees;
pub mod demo_kpis;
pub mod fee_export;
pub mod fee_prices;
pub mod fee_states;
pub mod fhir;
pub mod hub;
pub mod inputs;
pub mod loaders;
pub mod notices;
pub mod reminders;
pub mod resolver;
pub mod schedule;
pub mod service;
pub mod source;
pub mod types;

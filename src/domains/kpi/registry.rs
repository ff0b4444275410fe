//! The KPIs, each declared once: what it is called, which records count and how they
//! combine. The report, the drill-down and the exports all compute from these
//! declarations, so two views of one KPI never disagree.
//!
//! A KPI is a numerator and, for ratios, a denominator, each a [`Source`] (a set of records
//! of one fiscal year, each weighing something: a person, a score, one issue) read for the
//! report's fiscal year or one before it, combined by a [`Formula`]. A new KPI is one more
//! [`Source`] variant with its query in `sources.rs` (where the records do not exist yet)
//! and one more entry in [`KPIS`].

use entity::program::ProgramKind;

use crate::domains::health::checks::Category;

/// What a KPI's value counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// People (人).
    People,
    /// Items such as issues (件).
    Count,
    /// Percent (%).
    Percent,
    /// Mean survey score, 1–5 (点).
    Score,
}

/// The programme (and domain) a KPI reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Programme {
    /// Relocation support (移住支援).
    Relocation,
    /// Education, parenting and career programs.
    Programs,
    /// Public-private partnership (公民連携).
    Partnership,
    /// Child-rearing support: plazas and temporary childcare (子育て支援).
    Childcare,
    /// Employment support (就職支援).
    Employment,
    /// Maternal and child health: vaccinations and dental checkups (母子保健).
    Health,
}

/// How numerator and denominator make the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Formula {
    /// The numerator itself (no denominator).
    Total,
    /// Numerator ÷ denominator, in percent rounded half up to one decimal.
    Share,
    /// Numerator ÷ denominator (a mean, e.g. the sum of scores over the answers), rounded
    /// half up to two decimals.
    Mean,
    /// (numerator − denominator) ÷ denominator, in percent rounded half up to one decimal:
    /// the numerator is this fiscal year's total, the denominator the previous year's.
    Growth,
    /// The fall of a rate from the previous fiscal year, in percent rounded half up to one
    /// decimal: with r = numerator ÷ denominator of a year, (r of the previous year − r of
    /// this year) ÷ r of the previous year. Positive when the rate fell; no value when
    /// either year has no denominator or the previous rate is zero.
    RateReduction,
}

/// A set of records of one fiscal year, each with a weight; a part of a KPI is the sum of
/// the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Relocation inquiries with a move-in outcome whose move-in date falls in the fiscal
    /// year; each weighs the number of people who moved.
    PeopleMovedIn,
    /// Attended registrations of sessions of programs of this kind held in the fiscal
    /// year; each weighs the people of the party (adults and children).
    Attendees(ProgramKind),
    /// Local issues verified solved through a partner project in the fiscal year; one each.
    IssuesSolved,
    /// Satisfaction survey answers about programs of this kind in the fiscal year; each
    /// weighs its score (1–5).
    SurveyScores(ProgramKind),
    /// Satisfaction survey answers about programs of this kind in the fiscal year; one each.
    SurveyAnswers(ProgramKind),
    /// Survey answers of 4 or 5 about programs of this kind in the fiscal year; one each.
    SatisfiedAnswers(ProgramKind),
    /// Visits recorded at child-rearing plazas (親子元気ルーム, プレイルーム) on days of the
    /// fiscal year; each day of a plaza weighs its visitors (adults and children).
    PlazaVisits,
    /// Satisfaction answers about temporary childcare (一時保育) in the fiscal year; each
    /// weighs its score (1–5).
    TemporaryChildcareScores,
    /// Satisfaction answers about temporary childcare in the fiscal year; one each.
    TemporaryChildcareAnswers,
    /// Answers of 4 or 5 about temporary childcare in the fiscal year; one each.
    TemporaryChildcareSatisfied,
    /// Jobs found by women enrolled in employment support, starting in the fiscal year;
    /// one each.
    WomenPlacements,
    /// Of those, jobs that were regular employment (正規雇用) at the start; one each.
    WomenRegularPlacements,
    /// Guardians who submitted at least one 予診票 from the app in the fiscal year; one
    /// each, counted on the day of their first submission.
    VaccinationAppGuardians,
    /// Guardians who booked a dental checkup in the app (with its 問診票) for a day of the
    /// fiscal year, cancelled bookings aside; one each, counted on their first booked day.
    DentalAppGuardians,
    /// 予診票 submitted from the app in the fiscal year; one each.
    AppForms,
    /// 予診票 of every source (app and paper) submitted in the fiscal year; one each.
    AllForms,
    /// Children whose dental checkup age window opens in the fiscal year; one per child and
    /// dental checkup, counted on the day the window opens.
    DentalEligible,
    /// Dental checkups held in the fiscal year, of every source; one each.
    DentalExamined,
    /// 3歳児 dental checkups held in the fiscal year, of every source; one each.
    ThreeYearDentalExamined,
    /// Of those, the checkups that found no caries (no decayed, filled or lost tooth); one
    /// each.
    ThreeYearCariesFree,
    /// Vaccination errors that happened in the fiscal year, of one error category or of
    /// all: check findings the clinic went ahead with at its confirmation (recorded after
    /// the fact on the dose). Findings that stopped a booking, a form or a record were
    /// prevented and do not count; one each.
    VaccinationErrors(Option<Category>),
    /// Doses given in the fiscal year as clinics recorded them (from an app or paper
    /// 予診票, or through the national hub; not copied from the handbook), current
    /// versions; one each.
    Doses,
    /// Satisfaction answers about vaccinations and dental checkups booked in the app, in
    /// the fiscal year of the booked day; each weighs its score (1–5).
    HealthSurveyScores,
    /// Those answers; one each.
    HealthSurveyAnswers,
    /// Those answers of 4 or 5; one each.
    HealthSurveySatisfied,
}

/// A part of a KPI: a source read for the report's fiscal year plus `year_offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Part {
    /// Which records.
    pub source: Source,
    /// 0 for the report's fiscal year, −1 for the year before.
    pub year_offset: i32,
    /// What the part counts, in Japanese (for the definition and the CSV).
    pub label_ja: &'static str,
}

/// One KPI, declared once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KpiDefinition {
    /// Stable key, e.g. `maebashi.relocation.people_moved_in`.
    pub key: &'static str,
    /// JIS code of the municipality whose programme states it.
    pub municipality_code: &'static str,
    /// The programme it reports on.
    pub programme: Programme,
    /// Name in Japanese, as the programme states it.
    pub name_ja: &'static str,
    /// Name in English.
    pub name_en: &'static str,
    /// How it is computed, in Japanese.
    pub description: &'static str,
    /// Unit of the value.
    pub unit: Unit,
    /// How the parts combine.
    pub formula: Formula,
    /// The numerator (the total, for a total).
    pub numerator: Part,
    /// The denominator, for every formula but a total.
    pub denominator: Option<Part>,
}

impl KpiDefinition {
    /// The values a target or baseline of this KPI may take: a share is a percentage of its
    /// records (0–100), a survey mean a score (1–5); anything else is 0 or more.
    pub fn bounds(&self) -> (f64, Option<f64>) {
        match (self.formula, self.unit) {
            (Formula::Share | Formula::RateReduction, _) => (0.0, Some(100.0)),
            (_, Unit::Score) => (1.0, Some(5.0)),
            _ => (0.0, None),
        }
    }
}

const MAEBASHI: &str = "10201";
const MANAZURU: &str = "14384";
const KITAKYUSHU: &str = "40100";

/// The 接種誤り減少率 of the vaccination errors of `category` (of every category with
/// `None`): errors per dose this fiscal year against the year before.
const fn error_reduction(
    key: &'static str,
    category: Option<Category>,
    name_ja: &'static str,
    name_en: &'static str,
    description: &'static str,
    errors_label_ja: &'static str,
) -> KpiDefinition {
    KpiDefinition {
        key,
        municipality_code: KITAKYUSHU,
        programme: Programme::Health,
        name_ja,
        name_en,
        description,
        unit: Unit::Percent,
        formula: Formula::RateReduction,
        numerator: Part {
            source: Source::VaccinationErrors(category),
            year_offset: 0,
            label_ja: errors_label_ja,
        },
        denominator: Some(Part {
            source: Source::Doses,
            year_offset: 0,
            label_ja: "年度内に医療機関が記録した接種回数（アプリ・紙の予診票、PMH）",
        }),
    }
}

/// Every KPI tsunagu reports.
pub const KPIS: &[KpiDefinition] = &[
    KpiDefinition {
        key: "maebashi.childcare.plaza_users",
        municipality_code: MAEBASHI,
        programme: Programme::Childcare,
        name_ja: "子育てひろば（親子元気ルーム・プレイルーム）の利用者数",
        name_en: "Users of the child-rearing plazas",
        description: "子育てひろば（親子元気ルーム・プレイルーム）で記録された年度内の来館者数（大人と子ども）の合計。",
        unit: Unit::People,
        formula: Formula::Total,
        numerator: Part {
            source: Source::PlazaVisits,
            year_offset: 0,
            label_ja: "年度内の来館者数（大人と子ども）",
        },
        denominator: None,
    },
    KpiDefinition {
        key: "maebashi.employment.women_regular_employment_rate",
        municipality_code: MAEBASHI,
        programme: Programme::Employment,
        name_ja: "就職支援により就職した女性の正規雇用率",
        name_en: "Regular-employment rate of women placed through employment support",
        description: "就職支援に登録した女性の、年度内に始まった就職のうち、就職時に正規雇用だったものの割合。",
        unit: Unit::Percent,
        formula: Formula::Share,
        numerator: Part {
            source: Source::WomenRegularPlacements,
            year_offset: 0,
            label_ja: "正規雇用での就職数（女性）",
        },
        denominator: Some(Part {
            source: Source::WomenPlacements,
            year_offset: 0,
            label_ja: "就職数（女性）",
        }),
    },
    KpiDefinition {
        key: "maebashi.relocation.people_moved_in",
        municipality_code: MAEBASHI,
        programme: Programme::Relocation,
        name_ja: "市の支援による移住者数",
        name_en: "People who moved in through the city's support",
        description: "移住相談のうち転入の結果が記録されたもので、転入日がその年度にあるものの転入人数の合計。",
        unit: Unit::People,
        formula: Formula::Total,
        numerator: Part {
            source: Source::PeopleMovedIn,
            year_offset: 0,
            label_ja: "転入人数（転入日が年度内の相談）",
        },
        denominator: None,
    },
    KpiDefinition {
        key: "manazuru.programs.education_participants_growth",
        municipality_code: MANAZURU,
        programme: Programme::Programs,
        name_ja: "教育プログラム参加者数の対前年度増加率",
        name_en: "Year-over-year growth of education-program participants",
        description: "教育プログラム（鑑賞会・体験学習など）の年度内の回に出席した人数（大人と子ども）の、前年度に対する増加率。",
        unit: Unit::Percent,
        formula: Formula::Growth,
        numerator: Part {
            source: Source::Attendees(ProgramKind::EducationWorkshop),
            year_offset: 0,
            label_ja: "当年度の教育プログラム出席者数",
        },
        denominator: Some(Part {
            source: Source::Attendees(ProgramKind::EducationWorkshop),
            year_offset: -1,
            label_ja: "前年度の教育プログラム出席者数",
        }),
    },
    KpiDefinition {
        key: "manazuru.partnership.issues_solved",
        municipality_code: MANAZURU,
        programme: Programme::Partnership,
        name_ja: "公民連携による地域課題の解決件数",
        name_en: "Issues solved through public-private partnership",
        description: "公民連携プロジェクトの成果を町が確認し、年度内に解決済みとなった地域課題の件数。",
        unit: Unit::Count,
        formula: Formula::Total,
        numerator: Part {
            source: Source::IssuesSolved,
            year_offset: 0,
            label_ja: "年度内に解決済みとなった地域課題",
        },
        denominator: None,
    },
    KpiDefinition {
        key: "manazuru.programs.parenting_class_satisfaction_mean",
        municipality_code: MANAZURU,
        programme: Programme::Programs,
        name_ja: "子育て学級参加者の満足度（平均点）",
        name_en: "Satisfaction of parenting-class participants (mean score)",
        description: "年度内の子育て学級の満足度アンケート（1〜5点）の平均点。",
        unit: Unit::Score,
        formula: Formula::Mean,
        numerator: Part {
            source: Source::SurveyScores(ProgramKind::ParentingClass),
            year_offset: 0,
            label_ja: "回答の点数の合計",
        },
        denominator: Some(Part {
            source: Source::SurveyAnswers(ProgramKind::ParentingClass),
            year_offset: 0,
            label_ja: "回答数",
        }),
    },
    KpiDefinition {
        key: "manazuru.programs.parenting_class_satisfied_share",
        municipality_code: MANAZURU,
        programme: Programme::Programs,
        name_ja: "子育て学級参加者の満足度（4・5点の割合）",
        name_en: "Satisfaction of parenting-class participants (share answering 4–5)",
        description: "年度内の子育て学級の満足度アンケートで4点または5点と答えた割合。",
        unit: Unit::Percent,
        formula: Formula::Share,
        numerator: Part {
            source: Source::SatisfiedAnswers(ProgramKind::ParentingClass),
            year_offset: 0,
            label_ja: "4点・5点の回答数",
        },
        denominator: Some(Part {
            source: Source::SurveyAnswers(ProgramKind::ParentingClass),
            year_offset: 0,
            label_ja: "回答数",
        }),
    },
    KpiDefinition {
        key: "manazuru.programs.education_satisfaction_mean",
        municipality_code: MANAZURU,
        programme: Programme::Programs,
        name_ja: "教育プログラム参加者の満足度（平均点）",
        name_en: "Satisfaction of education-program participants (mean score)",
        description: "年度内の教育プログラムの満足度アンケート（1〜5点）の平均点。",
        unit: Unit::Score,
        formula: Formula::Mean,
        numerator: Part {
            source: Source::SurveyScores(ProgramKind::EducationWorkshop),
            year_offset: 0,
            label_ja: "回答の点数の合計",
        },
        denominator: Some(Part {
            source: Source::SurveyAnswers(ProgramKind::EducationWorkshop),
            year_offset: 0,
            label_ja: "回答数",
        }),
    },
    KpiDefinition {
        key: "manazuru.programs.education_satisfied_share",
        municipality_code: MANAZURU,
        programme: Programme::Programs,
        name_ja: "教育プログラム参加者の満足度（4・5点の割合）",
        name_en: "Satisfaction of education-program participants (share answering 4–5)",
        description: "年度内の教育プログラムの満足度アンケートで4点または5点と答えた割合。",
        unit: Unit::Percent,
        formula: Formula::Share,
        numerator: Part {
            source: Source::SatisfiedAnswers(ProgramKind::EducationWorkshop),
            year_offset: 0,
            label_ja: "4点・5点の回答数",
        },
        denominator: Some(Part {
            source: Source::SurveyAnswers(ProgramKind::EducationWorkshop),
            year_offset: 0,
            label_ja: "回答数",
        }),
    },
    KpiDefinition {
        key: "manazuru.childcare.temporary_childcare_satisfaction_mean",
        municipality_code: MANAZURU,
        programme: Programme::Childcare,
        name_ja: "一時保育利用者の満足度（平均点）",
        name_en: "Satisfaction of temporary-childcare users (mean score)",
        description: "年度内の一時保育の満足度アンケート（1〜5点）の平均点。",
        unit: Unit::Score,
        formula: Formula::Mean,
        numerator: Part {
            source: Source::TemporaryChildcareScores,
            year_offset: 0,
            label_ja: "回答の点数の合計",
        },
        denominator: Some(Part {
            source: Source::TemporaryChildcareAnswers,
            year_offset: 0,
            label_ja: "回答数",
        }),
    },
    KpiDefinition {
        key: "manazuru.childcare.temporary_childcare_satisfied_share",
        municipality_code: MANAZURU,
        programme: Programme::Childcare,
        name_ja: "一時保育利用者の満足度（4・5点の割合）",
        name_en: "Satisfaction of temporary-childcare users (share answering 4–5)",
        description: "年度内の一時保育の満足度アンケートで4点または5点と答えた割合。",
        unit: Unit::Percent,
        formula: Formula::Share,
        numerator: Part {
            source: Source::TemporaryChildcareSatisfied,
            year_offset: 0,
            label_ja: "4点・5点の回答数",
        },
        denominator: Some(Part {
            source: Source::TemporaryChildcareAnswers,
            year_offset: 0,
            label_ja: "回答数",
        }),
    },
    KpiDefinition {
        key: "kitakyushu.health.vaccination_app_users",
        municipality_code: KITAKYUSHU,
        programme: Programme::Health,
        name_ja: "予防接種関連サービスの利用者数",
        name_en: "Users of the app's vaccination services",
        description: "年度内に母子手帳アプリから予診票を1件以上提出した保護者の人数（同じ保護者は1人と数え、その年度の最初の提出日に計上）。",
        unit: Unit::People,
        formula: Formula::Total,
        numerator: Part {
            source: Source::VaccinationAppGuardians,
            year_offset: 0,
            label_ja: "アプリから予診票を提出した保護者",
        },
        denominator: None,
    },
    KpiDefinition {
        key: "kitakyushu.health.dental_app_users",
        municipality_code: KITAKYUSHU,
        programme: Programme::Health,
        name_ja: "歯科検診関連サービスの利用者数",
        name_en: "Users of the app's dental checkup services",
        description: "年度内の日の歯科健診を母子手帳アプリで予約し問診票を提出した保護者の人数（取り消した予約を除く。同じ保護者は1人と数え、その年度の最初の予約日に計上）。",
        unit: Unit::People,
        formula: Formula::Total,
        numerator: Part {
            source: Source::DentalAppGuardians,
            year_offset: 0,
            label_ja: "アプリで歯科健診を予約した保護者",
        },
        denominator: None,
    },
    KpiDefinition {
        key: "kitakyushu.health.dental_checkup_rate",
        municipality_code: KITAKYUSHU,
        programme: Programme::Health,
        name_ja: "歯科健診受診率",
        name_en: "Dental checkup attendance rate",
        description: "年度内に受診した歯科健診（1歳6か月児・3歳児、アプリ・紙・PMHの記録）の件数を、年度内に受診できる期間が始まった子どもの数（健診ごと）で割った割合（地域保健・健康増進事業報告の受診者数÷対象者数）。",
        unit: Unit::Percent,
        formula: Formula::Share,
        numerator: Part {
            source: Source::DentalExamined,
            year_offset: 0,
            label_ja: "年度内の歯科健診の受診者数",
        },
        denominator: Some(Part {
            source: Source::DentalEligible,
            year_offset: 0,
            label_ja: "年度内に受診期間が始まった対象者数",
        }),
    },
    KpiDefinition {
        key: "kitakyushu.health.electronic_forms",
        municipality_code: KITAKYUSHU,
        programme: Programme::Health,
        name_ja: "母子手帳アプリを利用した電子予診票の件数",
        name_en: "予診票 submitted from the app",
        description: "年度内に母子手帳アプリから提出された予診票の件数（提出日で計上）。紙の予診票との割合は「電子予診票の割合」に示す。",
        unit: Unit::Count,
        formula: Formula::Total,
        numerator: Part {
            source: Source::AppForms,
            year_offset: 0,
            label_ja: "アプリから提出された予診票",
        },
        denominator: None,
    },
    KpiDefinition {
        key: "kitakyushu.health.electronic_form_share",
        municipality_code: KITAKYUSHU,
        programme: Programme::Health,
        name_ja: "電子予診票の割合",
        name_en: "Share of 予診票 submitted from the app",
        description: "年度内に提出された予診票（アプリと紙）のうち、母子手帳アプリから提出されたものの割合。分母の明細に紙の予診票も並ぶ。",
        unit: Unit::Percent,
        formula: Formula::Share,
        numerator: Part {
            source: Source::AppForms,
            year_offset: 0,
            label_ja: "アプリから提出された予診票",
        },
        denominator: Some(Part {
            source: Source::AllForms,
            year_offset: 0,
            label_ja: "提出された予診票（アプリと紙）",
        }),
    },
    error_reduction(
        "kitakyushu.health.vaccination_error_reduction",
        None,
        "接種誤り減少率",
        "Reduction of vaccination errors per dose",
        "接種1回あたりの接種誤り（点検の指摘を承知で接種し、接種後に誤りとして記録されたもの。予約・予診票提出・接種確認の時点で点検が防いだものは含まない）の件数の、前年度からの減少率。r＝年度内の接種誤りの件数÷年度内に医療機関が記録した接種回数として、（前年度のr−当年度のr）÷前年度のr。正の値は誤りが減ったことを示す。",
        "年度内の接種誤り（指摘を承知で接種したもの）",
    ),
    error_reduction(
        "kitakyushu.health.vaccination_error_reduction.interval",
        Some(Category::Interval),
        "接種誤り減少率（接種間隔の誤り）",
        "Reduction of interval errors per dose",
        "接種間隔の誤りの、接種1回あたりの件数の前年度からの減少率（（前年度のr−当年度のr）÷前年度のr、r＝件数÷接種回数）。",
        "年度内の接種間隔の誤り",
    ),
    error_reduction(
        "kitakyushu.health.vaccination_error_reduction.age",
        Some(Category::Age),
        "接種誤り減少率（対象年齢外の接種）",
        "Reduction of out-of-age errors per dose",
        "対象年齢外の接種の、接種1回あたりの件数の前年度からの減少率（（前年度のr−当年度のr）÷前年度のr、r＝件数÷接種回数）。",
        "年度内の対象年齢外の接種",
    ),
    error_reduction(
        "kitakyushu.health.vaccination_error_reduction.unnecessary_dose",
        Some(Category::UnnecessaryDose),
        "接種誤り減少率（不必要な接種）",
        "Reduction of unnecessary doses per dose",
        "不必要な接種の、接種1回あたりの件数の前年度からの減少率（（前年度のr−当年度のr）÷前年度のr、r＝件数÷接種回数）。",
        "年度内の不必要な接種",
    ),
    error_reduction(
        "kitakyushu.health.vaccination_error_reduction.product",
        Some(Category::Product),
        "接種誤り減少率（ワクチンの種類の誤り）",
        "Reduction of wrong-vaccine errors per dose",
        "ワクチンの種類の誤りの、接種1回あたりの件数の前年度からの減少率（（前年度のr−当年度のr）÷前年度のr、r＝件数÷接種回数）。",
        "年度内のワクチンの種類の誤り",
    ),
    error_reduction(
        "kitakyushu.health.vaccination_error_reduction.expired_vaccine",
        Some(Category::ExpiredVaccine),
        "接種誤り減少率（期限切れワクチンの接種）",
        "Reduction of expired-vaccine errors per dose",
        "期限切れワクチンの接種の、接種1回あたりの件数の前年度からの減少率（（前年度のr−当年度のr）÷前年度のr、r＝件数÷接種回数）。",
        "年度内の期限切れワクチンの接種",
    ),
    error_reduction(
        "kitakyushu.health.vaccination_error_reduction.wrong_person",
        Some(Category::WrongPerson),
        "接種誤り減少率（対象者の誤認）",
        "Reduction of wrong-person errors per dose",
        "対象者の誤認の、接種1回あたりの件数の前年度からの減少率（（前年度のr−当年度のr）÷前年度のr、r＝件数÷接種回数）。",
        "年度内の対象者の誤認",
    ),
    KpiDefinition {
        key: "kitakyushu.health.caries_free_3y",
        municipality_code: KITAKYUSHU,
        programme: Programme::Health,
        name_ja: "むし歯のない子どもの割合（3歳児）",
        name_en: "Share of 3-year-olds without caries",
        description: "年度内の3歳児歯科健診の受診者のうち、むし歯（未処置歯・処置歯・喪失歯）のない子どもの割合。地域保健・健康増進事業報告と同じく（受診者数−むし歯のある者）÷受診者数で、分母は対象者ではなく受診者。",
        unit: Unit::Percent,
        formula: Formula::Share,
        numerator: Part {
            source: Source::ThreeYearCariesFree,
            year_offset: 0,
            label_ja: "むし歯のない受診者数（3歳児）",
        },
        denominator: Some(Part {
            source: Source::ThreeYearDentalExamined,
            year_offset: 0,
            label_ja: "3歳児歯科健診の受診者数",
        }),
    },
    KpiDefinition {
        key: "kitakyushu.health.app_satisfaction_mean",
        municipality_code: KITAKYUSHU,
        programme: Programme::Health,
        name_ja: "母子手帳アプリ満足度（予防接種・歯科検診関連サービス、平均点）",
        name_en: "Satisfaction with the app's vaccination and dental services (mean score)",
        description: "アプリで予約して受診した予防接種・歯科健診の後に保護者が答えた満足度アンケート（1〜5点、予約1件に1回）の、受診日が年度内のものの平均点。",
        unit: Unit::Score,
        formula: Formula::Mean,
        numerator: Part {
            source: Source::HealthSurveyScores,
            year_offset: 0,
            label_ja: "回答の点数の合計",
        },
        denominator: Some(Part {
            source: Source::HealthSurveyAnswers,
            year_offset: 0,
            label_ja: "回答数",
        }),
    },
    KpiDefinition {
        key: "kitakyushu.health.app_satisfied_share",
        municipality_code: KITAKYUSHU,
        programme: Programme::Health,
        name_ja: "母子手帳アプリ満足度（予防接種・歯科検診関連サービス、4・5点の割合）",
        name_en: "Satisfaction with the app's vaccination and dental services (share answering 4–5)",
        description: "アプリで予約して受診した予防接種・歯科健診の満足度アンケートで、受診日が年度内の回答のうち4点または5点と答えた割合。",
        unit: Unit::Percent,
        formula: Formula::Share,
        numerator: Part {
            source: Source::HealthSurveySatisfied,
            year_offset: 0,
            label_ja: "4点・5点の回答数",
        },
        denominator: Some(Part {
            source: Source::HealthSurveyAnswers,
            year_offset: 0,
            label_ja: "回答数",
        }),
    },
];

/// The KPI with `key`.
pub fn find(key: &str) -> Option<&'static KpiDefinition> {
    KPIS.iter().find(|kpi| kpi.key == key)
}

/// The KPIs of the municipality with JIS code `code`, in declaration order.
pub fn of_municipality(code: &str) -> impl Iterator<Item = &'static KpiDefinition> {
    KPIS.iter().filter(move |kpi| kpi.municipality_code == code)
}

impl Formula {
    /// The value from the numerator and denominator; `None` when the denominator is zero.
    pub fn value(self, numerator: f64, denominator: Option<f64>) -> Option<f64> {
        let nonzero = denominator.filter(|d| *d != 0.0);
        match self {
            Self::Total => Some(numerator),
            Self::Share => nonzero.and_then(|d| crate::share::percent(numerator, d)),
            Self::Mean => nonzero.map(|d| crate::share::round_to(numerator / d, 2)),
            Self::Growth => nonzero.and_then(|d| crate::share::percent(numerator - d, d)),
            // Needs the previous year's parts too: see `reduction`.
            Self::RateReduction => None,
        }
    }

    /// The fall of the rate `now` (numerator, denominator) from the rate `before`, in
    /// percent; `None` when a denominator or the earlier rate is zero.
    pub fn reduction(now: (f64, f64), before: (f64, f64)) -> Option<f64> {
        let ((errors, doses), (errors_before, doses_before)) = (now, before);
        if doses == 0.0 || doses_before == 0.0 || errors_before == 0.0 {
            return None;
        }
        // (rb − r) ÷ rb with r = e ÷ d, as one division of counts so halves stay exact.
        crate::share::percent(
            errors_before * doses - errors * doses_before,
            errors_before * doses,
        )
    }

    /// The change from the value `before` to the value `now`, rounded like the values (in
    /// percentage points for the formulas in percent).
    pub fn change(self, now: f64, before: f64) -> f64 {
        match self {
            Self::Share | Self::Growth | Self::RateReduction => {
                crate::share::round_percent(now - before)
            }
            Self::Mean => crate::share::round_to(now - before, 2),
            Self::Total => now - before,
        }
    }
}

impl Unit {
    /// Japanese unit label.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::People => "人",
            Self::Count => "件",
            Self::Percent => "%",
            Self::Score => "点",
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn keys_are_unique_and_ratios_have_denominators() {
        let keys: HashSet<&str> = KPIS.iter().map(|kpi| kpi.key).collect();
        assert_eq!(keys.len(), KPIS.len());
        for kpi in KPIS {
            assert_eq!(
                kpi.denominator.is_some(),
                kpi.formula != Formula::Total,
                "{}",
                kpi.key
            );
        }
    }

    #[test]
    fn formulas_combine_the_parts() {
        assert_eq!(Formula::Total.value(7.0, None), Some(7.0));
        assert_eq!(Formula::Share.value(3.0, Some(4.0)), Some(75.0));
        assert_eq!(Formula::Mean.value(9.0, Some(2.0)), Some(4.5));
        assert_eq!(Formula::Growth.value(15.0, Some(10.0)), Some(50.0));
        assert_eq!(Formula::Growth.value(15.0, Some(0.0)), None);
        assert_eq!(Formula::Share.value(1.0, Some(3.0)), Some(33.3));
        assert_eq!(Formula::Growth.value(4.0, Some(3.0)), Some(33.3));
        assert_eq!(Formula::Share.change(33.3, 30.1), 3.2);
        // 2 errors in 100 doses after 4 in 100: half the rate.
        assert_eq!(Formula::reduction((2.0, 100.0), (4.0, 100.0)), Some(50.0));
        // 3 in 200 after 1 in 100: the rate rose by half.
        assert_eq!(Formula::reduction((3.0, 200.0), (1.0, 100.0)), Some(-50.0));
        assert_eq!(Formula::reduction((1.0, 100.0), (0.0, 100.0)), None);
        assert_eq!(Formula::reduction((1.0, 0.0), (1.0, 100.0)), None);
    }
}

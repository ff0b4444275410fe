//! 予診票: versioned definitions per antigen (the national standard, or a municipality's
//! own from a day), drafts prefilled from the child, the guardian and the previous form, and
//! submissions — one per vaccine from one guardian action (同時接種) — with the consent
//! (method, signer, time, the version of the text shown). A clinic enters paper forms the
//! same way (`source: PAPER`). The checks run again at submission.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use entity::{
    health_booking::{self as booking, BookingStatus},
    health_child as child, health_form_definition as definition,
    health_form_submission::{self as submission, FormSource, FormStatus},
    user,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::super::catalogue::Catalogue;
use super::super::dates;
use super::access::{clinic_of, find_clinic, require_clinic};
use super::bookings::{product_list, products_of};
use super::visits::{self, Stage};
use crate::auth::{Role, Viewer};
use crate::error::{AppError, AppResult, FieldError, FieldErrorCode, Problems};
use crate::idempotency::{self, KeyScope};
use crate::state::ServiceContext;

/// The kind of answer a question takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QuestionKind {
    /// `YES` or `NO`, with optional detail text.
    YesNo,
    /// Free text.
    Text,
    /// A number.
    Number,
    /// A day, `YYYY-MM-DD`.
    Date,
}

/// One question of a 予診票.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable code across versions (`Q03`, `H_TEMPERATURE`).
    pub code: String,
    /// The question.
    pub text: String,
    /// The kind of answer.
    pub kind: QuestionKind,
    /// Whether it must be answered.
    pub required: bool,
    /// The answer the doctor must look at (`YES` or `NO`), for yes/no questions.
    #[serde(default)]
    pub attention: Option<String>,
    /// What the detail text should say when the answer needs attention.
    #[serde(default)]
    pub detail: Option<String>,
    /// Where a draft takes the answer from (`child.name`, `previous`, `history`, …).
    #[serde(default)]
    pub prefill: Option<String>,
}

/// The questions of a definition.
pub fn questions_of(definition: &definition::Model) -> Vec<Question> {
    serde_json::from_str(&definition.questions).unwrap_or_default()
}

/// The definition of `antigen`'s form in force on `day` for `municipality_id`: the
/// municipality's own newest version in force, else the national one.
pub async fn definition_for(
    db: &impl ConnectionTrait,
    municipality_id: Uuid,
    antigen: &str,
    day: NaiveDate,
) -> AppResult<Option<definition::Model>> {
    let candidates = definition::Entity::find()
        .filter(definition::Column::Antigen.eq(antigen))
        .filter(definition::Column::EffectiveFrom.lte(day))
        .order_by_desc(definition::Column::Version)
        .all(db)
        .await?;
    let in_force = |d: &&definition::Model| d.effective_to.is_none_or(|to| day <= to);
    Ok(candidates
        .iter()
        .filter(in_force)
        .find(|d| d.municipality_id == Some(municipality_id))
        .or_else(|| {
            candidates
                .iter()
                .filter(in_force)
                .find(|d| d.municipality_id.is_none())
        })
        .cloned())
}

/// A draft of one vaccine's form: the definition and the prefilled answers.
#[derive(Clone, Debug)]
pub struct Draft {
    /// The product.
    pub product: String,
    /// The definition.
    pub definition: definition::Model,
    /// Prefilled answers by code.
    pub answers: BTreeMap<String, String>,
    /// The dose number the checks count it as.
    pub dose: Option<u32>,
    /// What the checks found.
    pub findings: Vec<super::super::checks::Finding>,
}

fn sex_label(child: &child::Model) -> &'static str {
    if child.sex == "FEMALE" { "女" } else { "男" }
}

fn age_label(birth: NaiveDate, day: NaiveDate) -> String {
    let mut months = 0u32;
    while dates::months_after_birth(birth, months + 1).is_some_and(|d| d <= day) {
        months += 1;
    }
    format!("{}歳{}か月", months / 12, months % 12)
}

/// The answers of the child's latest form, for questions filled from the previous one.
async fn previous_answers(
    db: &impl ConnectionTrait,
    child_id: Uuid,
) -> AppResult<BTreeMap<String, String>> {
    let latest = submission::Entity::find()
        .filter(submission::Column::ChildId.eq(child_id))
        .order_by_desc(submission::Column::CreatedAt)
        .order_by_desc(submission::Column::Id)
        .limit(1)
        .one(db)
        .await?;
    Ok(latest
        .and_then(|row| serde_json::from_str(&row.answers).ok())
        .unwrap_or_default())
}

/// Prefilled drafts of the forms of one visit, for the guardian (or a clinic entering a
/// paper form): name, reading, birth date, sex, age, guardian, the earlier doses of the
/// vaccine and the dose number are filled, and every answer marked `previous` is taken
/// from the child's latest form, so nobody retypes them.
pub async fn drafts(
    ctx: ServiceContext<'_>,
    child: &child::Model,
    products: &[String],
    day: NaiveDate,
) -> AppResult<Result<Vec<Draft>, Vec<FieldError>>> {
    let catalogue = visits::catalogue_for(ctx, child.municipality_id).await?;
    let (facts, history) = visits::history_of(ctx, child).await?;
    let checked = visits::check_visit(&catalogue, facts, &history, products, day, None);
    let guardian = match child.guardian_user_id {
        Some(id) => user::Entity::find_by_id(id)
            .one(ctx.db)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let previous = previous_answers(ctx.db, child.id).await?;
    let mut drafts = Vec::new();
    let mut errors = Problems::new();
    for (i, one) in checked.into_iter().enumerate() {
        let Some(definition) =
            form_of(ctx, &catalogue, child.municipality_id, &one.product, day).await?
        else {
            errors.push(FieldError::input(
                &format!("productCodes.{i}"),
                FieldErrorCode::NotFound,
                format!("「{}」の予診票がありません。", one.product),
            ));
            continue;
        };
        let antigen = catalogue
            .product(&one.product)
            .map(|p| p.antigen.clone())
            .unwrap_or_default();
        let earlier: Vec<String> = history
            .iter()
            .filter(|dose| {
                catalogue
                    .product(&dose.product)
                    .is_some_and(|p| p.antigen == antigen)
            })
            .map(|dose| format!("{}（{}）", dose.date, dose.product))
            .collect();
        let mut answers = BTreeMap::new();
        for question in questions_of(&definition) {
            let value = match question.prefill.as_deref() {
                Some("child.name") => Some(child.name.clone()),
                Some("child.nameKana") => Some(child.name_kana.clone()),
                Some("child.birthDate") => Some(child.birth_date.to_string()),
                Some("child.sex") => Some(sex_label(child).to_owned()),
                Some("child.age") => Some(age_label(child.birth_date, day)),
                // A child entered from paper has no guardian account: the name on the
                // last form.
                Some("guardian.name") => Some(guardian.clone())
                    .filter(|g| !g.is_empty())
                    .or_else(|| previous.get(&question.code).cloned()),
                Some("history") => Some(if earlier.is_empty() {
                    "なし".to_owned()
                } else {
                    earlier.join("、")
                }),
                Some("dose") => one.outcome.dose.map(|d| format!("{d}回目")),
                Some("previous") => previous.get(&question.code).cloned(),
                _ => None,
            };
            if let Some(value) = value {
                answers.insert(question.code, value);
            }
        }
        drafts.push(Draft {
            product: one.product,
            definition,
            answers,
            dose: one.outcome.dose,
            findings: one.outcome.findings,
        });
    }
    errors
        .finish()
        .map(|()| drafts)
        .map_or_else(|e| Ok(Err(e)), |d| Ok(Ok(d)))
}

async fn form_of(
    ctx: ServiceContext<'_>,
    catalogue: &Catalogue,
    municipality_id: Uuid,
    product: &str,
    day: NaiveDate,
) -> AppResult<Option<definition::Model>> {
    let Some(product) = catalogue.product(product) else {
        return Ok(None);
    };
    definition_for(ctx.db, municipality_id, &product.antigen, day).await
}

/// How consent was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ConsentMethod {
    /// A consent button in the app.
    Button,
    /// A consent checkbox in the app.
    Checkbox,
    /// Signed on paper.
    Paper,
}

/// Who signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SignerKind {
    /// The guardian.
    Guardian,
    /// A proxy (e.g. a grandparent) with the guardian's 委任状.
    Proxy,
    /// The person vaccinated, aged 16 or more.
    SelfSigned,
}

/// The consent given with the forms.
#[derive(Clone, Debug, Serialize)]
pub struct Consent {
    /// How.
    pub method: ConsentMethod,
    /// Who.
    pub signer: SignerKind,
    /// The signer's name.
    pub signer_name: String,
    /// A proxy's relationship to the child (続柄).
    pub relationship: Option<String>,
}

/// The forms of one visit.
#[derive(Clone, Debug, Serialize)]
pub struct NewForms {
    /// The child (guardians); for paper forms, found by reading and birth date otherwise.
    pub child_id: Option<Uuid>,
    /// The child's reading, for a paper form of a child not linked to the clinic yet.
    pub child_name_kana: Option<String>,
    /// The child's birth date, with the reading.
    pub child_birth_date: Option<NaiveDate>,
    /// A child no guardian has registered, entered from the paper form (clinics); used
    /// only when no registered child has the reading and birth date.
    pub new_child: Option<super::children::NewChild>,
    /// The clinic (guardians; a clinic enters its own).
    pub clinic_id: Option<Uuid>,
    /// The booking it belongs to, if any.
    pub booking_id: Option<Uuid>,
    /// The day of the vaccination.
    pub planned_on: NaiveDate,
    /// One entry per vaccine: the product and the answers by code.
    pub forms: Vec<(String, BTreeMap<String, String>)>,
    /// The consent.
    pub consent: Consent,
    /// Idempotency key.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Submits the forms of one visit: by the guardian in the app, or by a clinic for a paper
/// form (`source: PAPER`). Returns one form per vaccine.
#[tracing::instrument(skip_all)]
pub async fn submit(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    new: NewForms,
) -> AppResult<Result<Vec<submission::Model>, Vec<FieldError>>> {
    let me = viewer.require_user()?;
    let paper_clinic = clinic_of(ctx.db, me).await?;
    let source = if paper_clinic.is_some() {
        FormSource::Paper
    } else if me.role == Role::Resident {
        FormSource::App
    } else {
        return Err(AppError::Forbidden);
    };
    // A child entered from paper is written with the forms, in one transaction.
    let (child, entered) = match (&paper_clinic, new.child_id) {
        (None, Some(id)) => (
            child::Entity::find_by_id(id)
                .one(ctx.db)
                .await?
                .filter(|child| child.guardian_user_id == Some(me.id)),
            false,
        ),
        (Some(clinic), _) => match super::paper::paper_child(ctx, clinic, &new).await? {
            Ok(found) => found,
            Err(errors) => return Ok(Err(errors)),
        },
        (None, None) => (None, false),
    };
    let Some(child) = child else {
        let message = if paper_clinic.is_some() {
            "お子さまが見つかりません。アプリに登録のないお子さまは newChild に氏名・読み・生年月日・性別を入力してください。"
        } else {
            "お子さまが見つかりません。"
        };
        return Ok(Err(vec![FieldError::input(
            "childId",
            FieldErrorCode::NotFound,
            message,
        )]));
    };
    let clinic = match &paper_clinic {
        Some(clinic) => Some(clinic.clone()),
        None => match new.clinic_id {
            Some(id) => find_clinic(ctx.db, id, child.municipality_id).await?,
            None => None,
        },
    };
    let Some(clinic) = clinic else {
        return Ok(Err(vec![FieldError::input(
            "clinicId",
            FieldErrorCode::NotFound,
            "医療機関が見つかりません。",
        )]));
    };
    let mut errors = Problems::new();
    let today = crate::fiscal::date_of(ctx.now());
    if new.planned_on < today || new.planned_on > today + chrono::Days::new(90) {
        errors.push(FieldError::input(
            "plannedOn",
            FieldErrorCode::Invalid,
            "接種予定日は今日から90日以内の日付にしてください。",
        ));
    }
    let consent = check_consent(&mut errors, &new.consent, source, &child, new.planned_on);
    let codes: Vec<String> = new
        .forms
        .iter()
        .map(|(product, _)| product.clone())
        .collect();
    let products = errors.check(product_list("forms", &codes));
    if let Some(booking_id) = new.booking_id {
        let found = booking::Entity::find_by_id(booking_id).one(ctx.db).await?;
        // A booking of the same guardian (or of this clinic) for another child: the wrong
        // child, caught and counted as 対象者の誤認.
        let visible = found.as_ref().filter(|b| {
            b.guardian_user_id == me.id
                || paper_clinic.as_ref().is_some_and(|c| c.id == b.clinic_id)
        });
        if let Some(other) = visible
            && let Some(finding) = super::super::checks::same_child(&other.child_id, &child.id)
        {
            visits::log_findings(
                ctx.db,
                child.municipality_id,
                Some(other.clinic_id),
                Stage::Submission,
                "caught",
                [&finding],
            )
            .await?;
            return Ok(Err(vec![FieldError::input(
                "bookingId",
                FieldErrorCode::VaccinationBlocked,
                finding.message,
            )]));
        }
        let fits = found.as_ref().is_some_and(|b| {
            b.child_id == child.id
                && b.clinic_id == clinic.id
                && b.status == BookingStatus::Booked
                && b.day == new.planned_on
        });
        if !fits {
            errors.push(FieldError::input(
                "bookingId",
                FieldErrorCode::NotFound,
                "この日のこの医療機関でのお子さまの予約が見つかりません。",
            ));
        } else if let (Some(found), Some(products)) = (&found, &products) {
            let planned = products_of(found);
            if let Some(extra) = products.iter().find(|p| !planned.contains(p)) {
                errors.push(FieldError::input(
                    "forms",
                    FieldErrorCode::NotAllowed,
                    format!("「{extra}」は予約に含まれていません。"),
                ));
            }
        }
    }
    let (Some(products), Some(consent)) = (products, consent) else {
        return Ok(Err(errors.into_vec()));
    };
    if let Err(errors) = errors.finish() {
        return Ok(Err(errors));
    }
    let drafts = match drafts(ctx, &child, &products, new.planned_on).await? {
        Ok(drafts) => drafts,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut errors = Problems::new();
    let mut rows = Vec::new();
    for (i, (draft, (_, given))) in drafts.iter().zip(new.forms.iter()).enumerate() {
        match answers(i, draft, given) {
            Ok(answers) => rows.push(answers),
            Err(found) => found.into_iter().for_each(|e| errors.push(e)),
        }
    }
    if let Err(errors) = errors.finish() {
        return Ok(Err(errors));
    }
    let checked: Vec<visits::Checked> = drafts
        .iter()
        .map(|d| visits::Checked {
            product: d.product.clone(),
            outcome: super::super::checks::Outcome {
                series: None,
                dose: d.dose,
                findings: d.findings.clone(),
            },
        })
        .collect();
    let blocked = visits::blocks(&checked, "forms");
    if !blocked.is_empty() {
        visits::log_blocks(
            ctx.db,
            child.municipality_id,
            Some(clinic.id),
            Stage::Submission,
            &checked,
        )
        .await?;
        return Ok(Err(blocked));
    }
    let now = ctx.now();
    let visit_id = Uuid::now_v7();
    let scope = KeyScope::user(me.id, "submitVaccinationForms");
    let created = idempotency::run_once(
        ctx.db,
        &scope,
        new.idempotency_key.as_deref(),
        &new,
        async |txn| {
            if entered {
                let mut model = child::ActiveModel::from(child.clone());
                model.created_at = Set(now);
                model.insert(txn).await?;
            }
            let mut ids = Vec::new();
            let mut models = Vec::new();
            for (draft, answers) in drafts.iter().zip(rows.iter()) {
                let id = Uuid::now_v7();
                ids.push(id);
                models.push(submission::ActiveModel {
                    id: Set(id),
                    municipality_id: Set(child.municipality_id),
                    child_id: Set(child.id),
                    clinic_id: Set(clinic.id),
                    booking_id: Set(new.booking_id),
                    visit_id: Set(visit_id),
                    definition_id: Set(draft.definition.id),
                    product_code: Set(draft.product.clone()),
                    planned_on: Set(new.planned_on),
                    answers: Set(serde_json::to_string(answers).map_err(AppError::internal)?),
                    source: Set(source),
                    status: Set(FormStatus::Submitted),
                    consent_method: Set(consent.method.clone()),
                    signer_kind: Set(consent.signer.clone()),
                    signer_name: Set(consent.name.clone()),
                    signer_relationship: Set(consent.relationship.clone()),
                    consent_version: Set(draft.definition.version),
                    consented_at: Set(now),
                    findings: Set(visits::findings_json(&draft.findings)),
                    submitted_by: Set(me.id),
                    temperature: Set(None),
                    judgement: Set(None),
                    doctor_name: Set(None),
                    explanation_given: Set(None),
                    deferral_reason: Set(None),
                    confirmed_by: Set(None),
                    confirmed_at: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                });
            }
            submission::Entity::insert_many(models)
                .exec_without_returning(txn)
                .await?;
            Ok(Ok(ids))
        },
    )
    .await?;
    match created {
        Ok(ids) => {
            visits::announce_day(ctx, child.municipality_id, clinic.id).await;
            Ok(Ok(submission::Entity::find()
                .filter(submission::Column::Id.is_in(ids))
                .order_by_asc(submission::Column::Id)
                .all(ctx.db)
                .await?))
        }
        Err(errors) => Ok(Err(errors)),
    }
}

struct CheckedConsent {
    method: String,
    signer: String,
    name: String,
    relationship: Option<String>,
}

fn check_consent(
    errors: &mut Problems,
    consent: &Consent,
    source: FormSource,
    child: &child::Model,
    day: NaiveDate,
) -> Option<CheckedConsent> {
    let method_fits = match source {
        FormSource::App => consent.method != ConsentMethod::Paper,
        FormSource::Paper => consent.method == ConsentMethod::Paper,
    };
    if !method_fits {
        errors.push(FieldError::input(
            "consent.method",
            FieldErrorCode::Invalid,
            "アプリでの同意はボタンかチェックボックス、紙の予診票は署名（PAPER）で記録します。",
        ));
    }
    let name = errors.check(crate::text::required(
        "consent.signerName",
        &consent.signer_name,
        100,
    ));
    let relationship = consent
        .relationship
        .as_ref()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    match consent.signer {
        SignerKind::Proxy if relationship.is_none() => errors.push(FieldError::input(
            "consent.relationship",
            FieldErrorCode::Required,
            "代理人が署名するときは、お子さまとの続柄を入力してください（保護者の委任状が必要です）。",
        )),
        SignerKind::SelfSigned
            if dates::reach_age(child.birth_date, 16).is_none_or(|sixteen| day < sixteen) =>
        {
            errors.push(FieldError::input(
                "consent.signer",
                FieldErrorCode::NotAllowed,
                "本人が署名できるのは16歳以上のときです。",
            ))
        }
        _ => {}
    }
    if relationship
        .as_ref()
        .is_some_and(|r| r.chars().count() > 40)
    {
        errors.push(FieldError::input(
            "consent.relationship",
            FieldErrorCode::TooLong,
            "続柄は40文字以内で入力してください。",
        ));
    }
    let method = match consent.method {
        ConsentMethod::Button => "button",
        ConsentMethod::Checkbox => "checkbox",
        ConsentMethod::Paper => "paper",
    };
    let signer = match consent.signer {
        SignerKind::Guardian => "guardian",
        SignerKind::Proxy => "proxy",
        SignerKind::SelfSigned => "self",
    };
    Some(CheckedConsent {
        method: method.to_owned(),
        signer: signer.to_owned(),
        name: name?,
        relationship: if consent.signer == SignerKind::Proxy {
            relationship
        } else {
            None
        },
    })
}

/// The answers of one form: the draft's prefilled answers with the given ones over them,
/// each checked against its question.
fn answers(
    index: usize,
    draft: &Draft,
    given: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Vec<FieldError>> {
    let questions = questions_of(&draft.definition);
    let mut errors = Vec::new();
    let field = |code: &str| format!("forms.{index}.answers.{code}");
    for code in given.keys() {
        if !questions.iter().any(|q| &q.code == code) {
            errors.push(FieldError::input(
                &field(code),
                FieldErrorCode::Invalid,
                format!("「{code}」はこの予診票の質問ではありません。"),
            ));
        }
    }
    let mut answers = draft.answers.clone();
    for (code, value) in given {
        let value = value.trim();
        if value.is_empty() {
            answers.remove(code);
        } else {
            answers.insert(code.clone(), value.to_owned());
        }
    }
    for question in &questions {
        let Some(value) = answers.get(&question.code) else {
            if question.required {
                errors.push(FieldError::input(
                    &field(&question.code),
                    FieldErrorCode::Required,
                    format!("「{}」に答えてください。", question.text),
                ));
            }
            continue;
        };
        let fits = value.chars().count() <= 1000
            && match question.kind {
                QuestionKind::YesNo => {
                    let (answer, _) = value.split_once(':').unwrap_or((value, ""));
                    matches!(answer, "YES" | "NO")
                }
                QuestionKind::Text => true,
                QuestionKind::Number => value.parse::<f64>().is_ok_and(|n| {
                    n.is_finite()
                        && (question.code != "H_TEMPERATURE" || (34.0..=42.0).contains(&n))
                }),
                QuestionKind::Date => NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(),
            };
        if !fits {
            errors.push(FieldError::input(
                &field(&question.code),
                FieldErrorCode::Invalid,
                match question.kind {
                    QuestionKind::YesNo => {
                        "「YES」か「NO」で答えてください（詳しくは「YES:内容」）。".to_owned()
                    }
                    QuestionKind::Number if question.code == "H_TEMPERATURE" => {
                        "体温は34.0〜42.0の数字で入力してください。".to_owned()
                    }
                    QuestionKind::Number => "数字で入力してください。".to_owned(),
                    QuestionKind::Date => "日付はYYYY-MM-DDで入力してください。".to_owned(),
                    QuestionKind::Text => "1000文字以内で入力してください。".to_owned(),
                },
            ));
        }
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

/// A child's forms, newest first, for a viewer who may read the child; a clinic sees only
/// the forms submitted to it.
#[tracing::instrument(skip_all)]
pub async fn forms_of_child(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    child_id: Uuid,
) -> AppResult<Vec<submission::Model>> {
    let me = viewer.require_user()?;
    let child = super::children::find_child(ctx, viewer, child_id, "forms").await?;
    let mut select = submission::Entity::find().filter(submission::Column::ChildId.eq(child.id));
    if child.guardian_user_id != Some(me.id) && !me.administers(child.municipality_id) {
        let clinic = clinic_of(ctx.db, me).await?.ok_or(AppError::NotFound)?;
        select = select.filter(submission::Column::ClinicId.eq(clinic.id));
    }
    Ok(select
        .order_by_desc(submission::Column::PlannedOn)
        .order_by_desc(submission::Column::Id)
        .limit(500)
        .all(ctx.db)
        .await?)
}

/// A form the viewer may act on as its clinic's staff, or `NOT_FOUND`.
pub async fn clinic_form(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(
    crate::auth::AuthUser,
    entity::organization::Model,
    submission::Model,
)> {
    let (me, clinic) = require_clinic(ctx.db, viewer).await?;
    let form = submission::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .filter(|form| form.clinic_id == clinic.id)
        .ok_or(AppError::NotFound)?;
    Ok((me.clone(), clinic, form))
}

/// Prefilled drafts for a child the viewer may read (the guardian, or a clinic entering a
/// paper form). Bad input is a `BAD_USER_INPUT` error, as for any query.
#[tracing::instrument(skip_all)]
pub async fn drafts_for(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    child_id: Uuid,
    products: Vec<String>,
    day: NaiveDate,
) -> AppResult<Vec<Draft>> {
    let child = super::children::find_child(ctx, viewer, child_id, "form_draft").await?;
    let products =
        product_list("productCodes", &products).map_err(|e| AppError::BadUserInput(e.message))?;
    match drafts(ctx, &child, &products, day).await? {
        Ok(drafts) => Ok(drafts),
        Err(errors) => Err(AppError::BadUserInput(
            errors
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join(" "),
        )),
    }
}

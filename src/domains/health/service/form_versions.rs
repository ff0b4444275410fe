//! A municipality's own versions of the 予診票 of an antigen, published by its health staff
//! from a day; the national standard stays for every other municipality.

use chrono::NaiveDate;
use entity::health_form_definition as definition;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::forms::{Question, QuestionKind, definition_for};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, FieldError, FieldErrorCode, Problems};
use crate::idempotency::{self, KeyScope};
use crate::state::ServiceContext;

/// A municipality's own version of an antigen's 予診票.
#[derive(Clone, Debug)]
pub struct NewDefinition {
    /// The municipality; the administrator's own when not given.
    pub municipality_id: Option<Uuid>,
    /// The antigen, e.g. `ROTA`.
    pub antigen: String,
    /// Title.
    pub title: String,
    /// The questions.
    pub questions: Vec<Question>,
    /// The consent text shown.
    pub consent_text: String,
    /// First day in force (today or later).
    pub effective_from: NaiveDate,
    /// A retry with the same key publishes nothing more and answers the same version.
    pub idempotency_key: Option<String>,
}

/// Where a draft may take an answer from.
pub const PREFILL_SOURCES: &[&str] = &[
    "child.name",
    "child.nameKana",
    "child.birthDate",
    "child.sex",
    "child.age",
    "guardian.name",
    "history",
    "dose",
    "previous",
];

/// Publishes a municipality's own version of an antigen's 予診票 from a day (its health
/// staff). It replaces the municipality's earlier version from that day; the national
/// standard stays for every other municipality. Question codes keep their meaning across
/// versions, so answers stay comparable; the header's temperature question is required.
#[tracing::instrument(skip_all)]
pub async fn publish_definition(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    new: NewDefinition,
) -> AppResult<Result<definition::Model, Vec<FieldError>>> {
    let (actor, municipality_id) = super::access::admin_municipality(viewer, new.municipality_id)?;
    let catalogue = super::catalogue::load_catalogue(ctx).await?;
    let mut errors = Problems::new();
    let antigen = new.antigen.trim().to_uppercase();
    if !catalogue.antigens().contains(&antigen.as_str()) {
        errors.push(FieldError::input(
            "antigen",
            FieldErrorCode::Invalid,
            format!("「{antigen}」は定期接種の対象ではありません。"),
        ));
    }
    let title = errors.check(crate::text::required("title", &new.title, 200));
    let consent = errors.check(crate::text::required(
        "consentText",
        &new.consent_text,
        2000,
    ));
    let today = crate::fiscal::date_of(ctx.now());
    if new.effective_from < today || !crate::fiscal::accepts(new.effective_from) {
        errors.push(FieldError::input(
            "effectiveFrom",
            FieldErrorCode::Invalid,
            "適用開始日は今日以降の日付にしてください。",
        ));
    }
    if new.questions.is_empty() || new.questions.len() > 100 {
        errors.push(FieldError::input(
            "questions",
            FieldErrorCode::Invalid,
            "質問は1〜100問で指定してください。",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, q) in new.questions.iter().enumerate() {
        let field = |name: &str| format!("questions.{i}.{name}");
        let code_ok = q.code.len() <= 20
            && q.code
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase())
            && q.code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !code_ok {
            errors.push(FieldError::input(
                &field("code"),
                FieldErrorCode::Invalid,
                "コードは英大文字で始まる20文字以内の英大文字・数字・_にしてください。",
            ));
        } else if !seen.insert(q.code.clone()) {
            errors.push(FieldError::input(
                &field("code"),
                FieldErrorCode::Taken,
                format!("コード「{}」が重複しています。", q.code),
            ));
        }
        errors.check(crate::text::required(&field("text"), &q.text, 500));
        if q.attention
            .as_deref()
            .is_some_and(|a| a != "YES" && a != "NO")
            || (q.attention.is_some() && q.kind != QuestionKind::YesNo)
        {
            errors.push(FieldError::input(
                &field("attention"),
                FieldErrorCode::Invalid,
                "注意する答えは「はい・いいえ」の質問に YES か NO で指定してください。",
            ));
        }
        if q.prefill
            .as_deref()
            .is_some_and(|p| !PREFILL_SOURCES.contains(&p))
        {
            errors.push(FieldError::input(
                &field("prefill"),
                FieldErrorCode::Invalid,
                format!(
                    "事前入力元は {} のいずれかです。",
                    PREFILL_SOURCES.join("、")
                ),
            ));
        }
        if q.detail.as_ref().is_some_and(|d| d.chars().count() > 200) {
            errors.push(FieldError::input(
                &field("detail"),
                FieldErrorCode::TooLong,
                "補足の説明は200文字以内にしてください。",
            ));
        }
    }
    if !new
        .questions
        .iter()
        .any(|q| q.code == "H_TEMPERATURE" && q.kind == QuestionKind::Number)
    {
        errors.push(FieldError::input(
            "questions",
            FieldErrorCode::Required,
            "体温の質問（H_TEMPERATURE、数値）は必須です。",
        ));
    }
    let (Some(title), Some(consent)) = (title, consent) else {
        return Ok(Err(errors.into_vec()));
    };
    if let Err(errors) = errors.finish() {
        return Ok(Err(errors));
    }
    let questions = serde_json::to_string(&new.questions).map_err(AppError::internal)?;
    let now = ctx.now();
    let fingerprint = (
        municipality_id,
        antigen.as_str(),
        title.as_str(),
        questions.as_str(),
        consent.as_str(),
        new.effective_from,
    );
    let created = idempotency::run_once(
        ctx.db,
        &KeyScope::user(actor, "publishVaccinationForm"),
        new.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let versions = definition::Entity::find()
                .filter(definition::Column::Antigen.eq(antigen.as_str()))
                .all(txn)
                .await?;
            let version = versions
                .iter()
                .filter(|d| {
                    d.municipality_id.is_none() || d.municipality_id == Some(municipality_id)
                })
                .map(|d| d.version)
                .max()
                .unwrap_or(0)
                + 1;
            if versions.iter().any(|d| {
                d.municipality_id == Some(municipality_id) && d.effective_from >= new.effective_from
            }) {
                return Ok(Err(vec![FieldError::input(
                    "effectiveFrom",
                    FieldErrorCode::Invalid,
                    "同じ日以降に始まる版がすでにあります。",
                )]));
            }
            let day_before = new.effective_from.pred_opt().unwrap_or(new.effective_from);
            definition::Entity::update_many()
                .col_expr(
                    definition::Column::EffectiveTo,
                    sea_orm::sea_query::Expr::value(day_before),
                )
                .filter(definition::Column::Antigen.eq(antigen.as_str()))
                .filter(definition::Column::MunicipalityId.eq(municipality_id))
                .filter(definition::Column::EffectiveTo.is_null())
                .exec(txn)
                .await?;
            let id = Uuid::now_v7();
            let model = definition::ActiveModel {
                id: Set(id),
                municipality_id: Set(Some(municipality_id)),
                antigen: Set(antigen.clone()),
                version: Set(version),
                title: Set(title.clone()),
                questions: Set(questions.clone()),
                consent_text: Set(consent.clone()),
                effective_from: Set(new.effective_from),
                effective_to: Set(None),
                created_by: Set(Some(actor)),
                created_at: Set(now),
            };
            sea_orm::ActiveModelTrait::insert(model, txn).await?;
            Ok(Ok(id))
        },
    )
    .await?;
    idempotency::load_created::<definition::Entity>(ctx.db, created).await
}

/// The definitions of the forms in force on `day` for the viewer's municipality (any
/// signed-in viewer: definitions hold no personal data).
pub async fn definitions_in_force(
    ctx: ServiceContext<'_>,
    municipality_id: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<definition::Model>> {
    let catalogue = super::catalogue::load_catalogue(ctx).await?;
    let mut found = Vec::new();
    for antigen in catalogue.antigens() {
        if let Some(definition) = definition_for(ctx.db, municipality_id, antigen, day).await? {
            found.push(definition);
        }
    }
    Ok(found)
}

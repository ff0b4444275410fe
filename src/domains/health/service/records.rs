//! At the clinic: the doctor's 予診 on a form (temperature, judgement, explanation given),
//! then the record of the dose or the deferral (予診のみ). The checks run again with the
//! lot's expiry; a warning goes ahead only with the clinic's reason, which is kept on the
//! record and counted; a block never does. A record is never deleted: a correction is a new
//! version with its reason. The municipality's health staff read the register (台帳) of
//! their municipality and what the checks caught, every read of a child logged.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    health_booking::{self as booking, BookingStatus},
    health_check_log as check_log,
    health_form_submission::{self as submission, FormSource, FormStatus},
    health_vaccination::{self as vaccination, VaccinationSource},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::super::checks::{Finding, Reason};
use super::access::{admin_municipality, require_clinic};
use super::forms::clinic_form;
use super::settings::settings_of;
use super::visits::{self, Stage};
use crate::audit::{self, Read};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, FieldError, FieldErrorCode, Problems};
use crate::idempotency::{self, KeyScope};
use crate::paging::{Ordering, Page, PageArgs, paginate};
use crate::state::ServiceContext;
use crate::text::required;

/// The doctor's judgement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// 接種可.
    Ok,
    /// 見合わせる.
    Defer,
}

/// The 予診 of one form.
#[derive(Clone, Debug)]
pub struct Confirmation {
    /// The form.
    pub form_id: Uuid,
    /// Temperature measured at the clinic (℃).
    pub temperature: f64,
    /// The judgement.
    pub judgement: Judgement,
    /// The doctor.
    pub doctor_name: String,
    /// Whether the doctor explained the effects, side effects and the relief system.
    pub explanation_given: bool,
    /// Why the vaccination is deferred (required with `Defer`).
    pub deferral_reason: Option<String>,
}

/// Records the doctor's 予診 on a form of the clinic. `Defer` makes the deferral (予診のみ).
#[tracing::instrument(skip_all)]
pub async fn confirm(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: Confirmation,
) -> AppResult<Result<submission::Model, Vec<FieldError>>> {
    let (me, clinic, form) = clinic_form(ctx, viewer, input.form_id).await?;
    if form.status != FormStatus::Submitted {
        return Ok(Err(vec![FieldError::whole(
            FieldErrorCode::InvalidState,
            "この予診票はすでに確認済みか、取り下げられています。",
        )]));
    }
    let settings = settings_of(ctx.db, form.municipality_id).await?;
    let mut errors = Problems::new();
    let doctor = errors.check(required("doctorName", &input.doctor_name, 100));
    if !(34.0..=42.0).contains(&input.temperature) {
        errors.push(FieldError::input(
            "temperature",
            FieldErrorCode::Invalid,
            "体温は34.0〜42.0℃で入力してください。",
        ));
    }
    let reason = input
        .deferral_reason
        .as_ref()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    match input.judgement {
        Judgement::Ok => {
            if input.temperature >= settings.fever_threshold {
                errors.push(FieldError::input(
                    "judgement",
                    FieldErrorCode::NotAllowed,
                    format!(
                        "体温が{:.1}℃以上のときは接種を見合わせてください。",
                        settings.fever_threshold
                    ),
                ));
            }
            if !input.explanation_given {
                errors.push(FieldError::input(
                    "explanationGiven",
                    FieldErrorCode::Required,
                    "接種の前に、効果・副反応・健康被害救済制度の説明が必要です。",
                ));
            }
        }
        Judgement::Defer if reason.is_none() => errors.push(FieldError::input(
            "deferralReason",
            FieldErrorCode::Required,
            "見合わせる理由を入力してください。",
        )),
        Judgement::Defer => {}
    }
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        errors.push(FieldError::input(
            "deferralReason",
            FieldErrorCode::TooLong,
            "理由は500文字以内で入力してください。",
        ));
    }
    let Some(doctor) = doctor else {
        return Ok(Err(errors.into_vec()));
    };
    if let Err(errors) = errors.finish() {
        return Ok(Err(errors));
    }
    if input.judgement == Judgement::Ok {
        // The checks again on the day of the visit.
        let child = entity::health_child::Entity::find_by_id(form.child_id)
            .one(ctx.db)
            .await?
            .ok_or(AppError::NotFound)?;
        let catalogue = visits::catalogue_for(ctx, form.municipality_id).await?;
        let (facts, history) = visits::history_of(ctx, &child).await?;
        let today = crate::fiscal::date_of(ctx.now());
        let checked = visits::check_visit(
            &catalogue,
            facts,
            &history,
            std::slice::from_ref(&form.product_code),
            today,
            None,
        );
        let blocked = visits::blocks(&checked, "judgement");
        if !blocked.is_empty() {
            visits::log_blocks(
                ctx.db,
                form.municipality_id,
                Some(clinic.id),
                Stage::Confirmation,
                &checked,
            )
            .await?;
            return Ok(Err(blocked));
        }
    }
    let now = ctx.now();
    let txn = crate::db::begin_write(ctx.db).await?;
    let changed = submission::Entity::update_many()
        .col_expr(
            submission::Column::Status,
            Expr::value(match input.judgement {
                Judgement::Ok => FormStatus::Confirmed,
                Judgement::Defer => FormStatus::Deferred,
            }),
        )
        .col_expr(
            submission::Column::Temperature,
            Expr::value(input.temperature),
        )
        .col_expr(
            submission::Column::Judgement,
            Expr::value(match input.judgement {
                Judgement::Ok => "ok",
                Judgement::Defer => "defer",
            }),
        )
        .col_expr(submission::Column::DoctorName, Expr::value(doctor))
        .col_expr(
            submission::Column::ExplanationGiven,
            Expr::value(input.explanation_given),
        )
        .col_expr(
            submission::Column::DeferralReason,
            Expr::value(if input.judgement == Judgement::Defer {
                reason
            } else {
                None
            }),
        )
        .col_expr(submission::Column::ConfirmedBy, Expr::value(me.id))
        .col_expr(submission::Column::ConfirmedAt, Expr::value(now))
        .col_expr(submission::Column::UpdatedAt, Expr::value(now))
        .filter(submission::Column::Id.eq(form.id))
        .filter(submission::Column::Status.eq(FormStatus::Submitted))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(Err(vec![FieldError::whole(
            FieldErrorCode::InvalidState,
            "この予診票はすでに確認済みか、取り下げられています。",
        )]));
    }
    if input.judgement == Judgement::Defer {
        settle_booking(&txn, form.booking_id, now).await?;
    }
    txn.commit().await?;
    visits::announce_day(ctx, form.municipality_id, clinic.id).await;
    Ok(Ok(submission::Entity::find_by_id(form.id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?))
}

/// Marks a booking attended once none of its forms waits any more.
async fn settle_booking(
    txn: &sea_orm::DatabaseTransaction,
    booking_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(booking_id) = booking_id else {
        return Ok(());
    };
    let waiting = submission::Entity::find()
        .filter(submission::Column::BookingId.eq(booking_id))
        .filter(submission::Column::Status.is_in([FormStatus::Submitted, FormStatus::Confirmed]))
        .count(txn)
        .await?;
    if waiting == 0 {
        booking::Entity::update_many()
            .col_expr(
                booking::Column::Status,
                Expr::value(BookingStatus::Attended),
            )
            .col_expr(booking::Column::UpdatedAt, Expr::value(now))
            .filter(booking::Column::Id.eq(booking_id))
            .filter(booking::Column::Status.eq(BookingStatus::Booked))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// A warning the clinic goes ahead despite, with its reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    /// The reason code of the warning.
    pub reason: Reason,
    /// Why the clinic went ahead.
    pub note: String,
    /// The warning's message, as shown.
    #[serde(default)]
    pub message: String,
}

/// The record of a dose given on a confirmed form.
#[derive(Clone, Debug, Serialize)]
pub struct NewRecord {
    /// The form.
    pub form_id: Uuid,
    /// Lot number (製造番号).
    pub lot_number: String,
    /// The lot's expiry.
    pub lot_expiry: NaiveDate,
    /// Dose in mL (the product's default when not given).
    pub dose_ml: Option<f64>,
    /// Site, e.g. `LEFT_UPPER_ARM`.
    pub site: Option<String>,
    /// The doctor who gave it (the one of the 予診 when not given).
    pub doctor_name: Option<String>,
    /// Warnings gone ahead despite, with reasons.
    #[serde(skip)]
    pub overrides: Vec<Override>,
    /// Idempotency key.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// The sites a dose may be given at.
pub const SITES: &[&str] = &[
    "LEFT_UPPER_ARM",
    "RIGHT_UPPER_ARM",
    "LEFT_THIGH",
    "RIGHT_THIGH",
    "MOUTH",
];

/// Records the dose given on a confirmed form of the clinic, today (JST).
#[tracing::instrument(skip_all)]
pub async fn record(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    new: NewRecord,
) -> AppResult<Result<vaccination::Model, Vec<FieldError>>> {
    let (me, clinic, form) = clinic_form(ctx, viewer, new.form_id).await?;
    if form.status != FormStatus::Confirmed {
        if form.status == FormStatus::Vaccinated && new.idempotency_key.is_some() {
            // A retry of the same record is answered below by its key.
        } else {
            return Ok(Err(vec![FieldError::whole(
                FieldErrorCode::InvalidState,
                "接種を記録できるのは、医師が接種可と判断した予診票だけです。",
            )]));
        }
    }
    let child = entity::health_child::Entity::find_by_id(form.child_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let catalogue = visits::catalogue_for(ctx, form.municipality_id).await?;
    let Some(product) = catalogue.product(&form.product_code).cloned() else {
        return Err(AppError::internal(anyhow::anyhow!(
            "form product missing from catalogue"
        )));
    };
    let mut errors = Problems::new();
    let lot = errors.check(required("lotNumber", &new.lot_number, 40));
    if let Some(site) = &new.site
        && !SITES.contains(&site.as_str())
    {
        errors.push(FieldError::input(
            "site",
            FieldErrorCode::Invalid,
            format!("接種部位は {} のいずれかです。", SITES.join("、")),
        ));
    }
    let dose_ml = new.dose_ml.or(product.dose_ml);
    if dose_ml.is_some_and(|ml| !(0.01..=5.0).contains(&ml)) {
        errors.push(FieldError::input(
            "doseMl",
            FieldErrorCode::Invalid,
            "接種量は0.01〜5.0 mLで入力してください。",
        ));
    }
    let doctor = match &new.doctor_name {
        Some(name) => errors.check(required("doctorName", name, 100)),
        None => form.doctor_name.clone(),
    };
    for (i, o) in new.overrides.iter().enumerate() {
        if o.note.trim().is_empty() || o.note.chars().count() > 500 {
            errors.push(FieldError::input(
                &format!("overrides.{i}.note"),
                FieldErrorCode::Required,
                "警告を承知で接種する理由を500文字以内で入力してください。",
            ));
        }
    }
    let Some(lot) = lot else {
        return Ok(Err(errors.into_vec()));
    };
    if let Err(errors) = errors.finish() {
        return Ok(Err(errors));
    }
    let today = crate::fiscal::date_of(ctx.now());
    let (facts, history) = visits::history_of(ctx, &child).await?;
    let checked = visits::check_visit(
        &catalogue,
        facts,
        &history,
        std::slice::from_ref(&form.product_code),
        today,
        Some(new.lot_expiry),
    );
    let blocked = visits::blocks(&checked, "lotExpiry");
    if !blocked.is_empty() && form.status == FormStatus::Confirmed {
        visits::log_blocks(
            ctx.db,
            form.municipality_id,
            Some(clinic.id),
            Stage::Confirmation,
            &checked,
        )
        .await?;
        return Ok(Err(blocked));
    }
    let warnings = visits::warnings(&checked);
    let mut overrides = Vec::new();
    let mut missing = Vec::new();
    for warning in &warnings {
        match new.overrides.iter().find(|o| o.reason == warning.reason) {
            Some(o) => overrides.push(Override {
                reason: o.reason,
                note: o.note.trim().to_owned(),
                message: warning.message.clone(),
            }),
            None => missing.push(FieldError::input(
                "overrides",
                FieldErrorCode::WarningNotOverridden,
                format!("{}（理由を添えて続行してください）", warning.message),
            )),
        }
    }
    if !missing.is_empty() && form.status == FormStatus::Confirmed {
        return Ok(Err(missing));
    }
    let outcome = checked.into_iter().next().map(|c| c.outcome);
    let now = ctx.now();
    let source = match form.source {
        FormSource::App => VaccinationSource::App,
        FormSource::Paper => VaccinationSource::Paper,
    };
    let overrides_json = serde_json::to_string(&overrides).map_err(AppError::internal)?;
    let created = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "recordVaccination"),
        new.idempotency_key.as_deref(),
        &new,
        async |txn| {
            let moved = submission::Entity::update_many()
                .col_expr(
                    submission::Column::Status,
                    Expr::value(FormStatus::Vaccinated),
                )
                .col_expr(submission::Column::UpdatedAt, Expr::value(now))
                .filter(submission::Column::Id.eq(form.id))
                .filter(submission::Column::Status.eq(FormStatus::Confirmed))
                .exec(txn)
                .await?;
            if moved.rows_affected == 0 {
                return Ok(Err(vec![FieldError::whole(
                    FieldErrorCode::InvalidState,
                    "この予診票の接種はすでに記録されています。",
                )]));
            }
            let id = Uuid::now_v7();
            vaccination::ActiveModel {
                id: Set(id),
                municipality_id: Set(form.municipality_id),
                child_id: Set(form.child_id),
                product_code: Set(form.product_code.clone()),
                vaccinated_on: Set(today),
                source: Set(source),
                recorded_by: Set(me.id),
                created_at: Set(now),
                clinic_id: Set(Some(clinic.id)),
                submission_id: Set(Some(form.id)),
                lot_number: Set(Some(lot.clone())),
                lot_expiry: Set(Some(new.lot_expiry)),
                dose_ml: Set(dose_ml),
                site: Set(new.site.clone()),
                route: Set(Some(route_text(product.route).to_owned())),
                doctor_name: Set(doctor.clone()),
                dose_number: Set(outcome
                    .as_ref()
                    .and_then(|o| o.dose)
                    .and_then(|d| i32::try_from(d).ok())),
                series_code: Set(outcome.as_ref().and_then(|o| o.series.clone())),
                funded: Set(true),
                overrides: Set(overrides_json.clone()),
                record_id: Set(id),
                version: Set(1),
                superseded_at: Set(None),
                correction_reason: Set(None),
            }
            .insert(txn)
            .await?;
            settle_booking(txn, form.booking_id, now).await?;
            Ok(Ok(id))
        },
    )
    .await?;
    let loaded = idempotency::load_created::<vaccination::Entity>(ctx.db, created).await?;
    if loaded.is_ok() && form.status == FormStatus::Confirmed {
        let overridden: Vec<Finding> = warnings
            .into_iter()
            .filter(|w| overrides.iter().any(|o| o.reason == w.reason))
            .collect();
        visits::log_findings(
            ctx.db,
            form.municipality_id,
            Some(clinic.id),
            Stage::Confirmation,
            "overridden",
            overridden.iter(),
        )
        .await?;
        visits::announce_day(ctx, form.municipality_id, clinic.id).await;
    }
    Ok(loaded)
}

fn route_text(route: super::super::catalogue::Route) -> &'static str {
    use super::super::catalogue::Route;
    match route {
        Route::Injected => "INJECTED",
        Route::Oral => "ORAL",
        Route::Percutaneous => "PERCUTANEOUS",
    }
}

/// A correction of a clinic record; what is not given stays.
#[derive(Clone, Debug, Default)]
pub struct Correction {
    /// The record (any version's id).
    pub record_id: Uuid,
    /// Why it is corrected.
    pub reason: String,
    /// Lot number.
    pub lot_number: Option<String>,
    /// Lot expiry.
    pub lot_expiry: Option<NaiveDate>,
    /// Dose in mL.
    pub dose_ml: Option<f64>,
    /// Site.
    pub site: Option<String>,
    /// The day given.
    pub vaccinated_on: Option<NaiveDate>,
    /// The doctor.
    pub doctor_name: Option<String>,
}

/// Corrects a record of the clinic: a new version with the reason; the old one stays,
/// marked superseded.
#[tracing::instrument(skip_all)]
pub async fn correct(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: Correction,
) -> AppResult<Result<vaccination::Model, Vec<FieldError>>> {
    let (me, clinic) = require_clinic(ctx.db, viewer).await?;
    let found = vaccination::Entity::find_by_id(input.record_id)
        .one(ctx.db)
        .await?
        .filter(|r| r.clinic_id == Some(clinic.id))
        .ok_or(AppError::NotFound)?;
    let mut errors = Problems::new();
    let reason = errors.check(required("reason", &input.reason, 500));
    let lot = match &input.lot_number {
        Some(lot) => errors.check(required("lotNumber", lot, 40)),
        None => found.lot_number.clone(),
    };
    if let Some(site) = &input.site
        && !SITES.contains(&site.as_str())
    {
        errors.push(FieldError::input(
            "site",
            FieldErrorCode::Invalid,
            "接種部位が正しくありません。",
        ));
    }
    if input.dose_ml.is_some_and(|ml| !(0.01..=5.0).contains(&ml)) {
        errors.push(FieldError::input(
            "doseMl",
            FieldErrorCode::Invalid,
            "接種量は0.01〜5.0 mLで入力してください。",
        ));
    }
    let child = entity::health_child::Entity::find_by_id(found.child_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = crate::fiscal::date_of(ctx.now());
    if let Some(day) = input.vaccinated_on
        && (day < child.birth_date || day > today)
    {
        errors.push(FieldError::input(
            "vaccinatedOn",
            FieldErrorCode::Invalid,
            "接種日は生年月日から今日までの日付にしてください。",
        ));
    }
    let doctor = match &input.doctor_name {
        Some(name) => errors.check(required("doctorName", name, 100)),
        None => found.doctor_name.clone(),
    };
    let Some(reason) = reason else {
        return Ok(Err(errors.into_vec()));
    };
    if let Err(errors) = errors.finish() {
        return Ok(Err(errors));
    }
    let now = ctx.now();
    let txn = crate::db::begin_write(ctx.db).await?;
    let current = vaccination::Entity::find()
        .filter(vaccination::Column::RecordId.eq(found.record_id))
        .filter(vaccination::Column::SupersededAt.is_null())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    vaccination::Entity::update_many()
        .col_expr(vaccination::Column::SupersededAt, Expr::value(now))
        .filter(vaccination::Column::Id.eq(current.id))
        .exec(&txn)
        .await?;
    let id = Uuid::now_v7();
    let next = vaccination::ActiveModel {
        id: Set(id),
        lot_number: Set(lot),
        lot_expiry: Set(input.lot_expiry.or(current.lot_expiry)),
        dose_ml: Set(input.dose_ml.or(current.dose_ml)),
        site: Set(input.site.clone().or(current.site.clone())),
        vaccinated_on: Set(input.vaccinated_on.unwrap_or(current.vaccinated_on)),
        doctor_name: Set(doctor),
        version: Set(current.version + 1),
        superseded_at: Set(None),
        correction_reason: Set(Some(reason)),
        recorded_by: Set(me.id),
        created_at: Set(now),
        ..vaccination::ActiveModel::from(current.clone())
    };
    let model = vaccination::ActiveModel { ..next }.insert(&txn).await?;
    txn.commit().await?;
    Ok(Ok(model))
}

/// Every version of a record, oldest first, for a viewer who may read the child.
pub async fn versions(
    ctx: ServiceContext<'_>,
    record_id: Uuid,
) -> AppResult<Vec<vaccination::Model>> {
    use sea_orm::QueryOrder;
    Ok(vaccination::Entity::find()
        .filter(vaccination::Column::RecordId.eq(record_id))
        .order_by_asc(vaccination::Column::Version)
        .all(ctx.db)
        .await?)
}

/// Which records of the register to list.
#[derive(Clone, Debug, Default)]
pub struct RegisterFilter {
    /// The municipality; the administrator's own when not given.
    pub municipality_id: Option<Uuid>,
    /// Only this clinic's.
    pub clinic_id: Option<Uuid>,
    /// From this day.
    pub from: Option<NaiveDate>,
    /// To this day.
    pub to: Option<NaiveDate>,
}

/// The vaccination register (台帳) of a municipality: the current version of every clinic
/// record, newest first. For its health staff; every child read is logged.
#[tracing::instrument(skip_all)]
pub async fn register(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    filter: RegisterFilter,
    page: PageArgs,
) -> AppResult<Page<vaccination::Model>> {
    let (actor, municipality_id) = admin_municipality(viewer, filter.municipality_id)?;
    use vaccination::Column;
    let mut select = vaccination::Entity::find()
        .filter(Column::MunicipalityId.eq(municipality_id))
        .filter(Column::ClinicId.is_not_null())
        .filter(Column::SupersededAt.is_null());
    if let Some(clinic) = filter.clinic_id {
        select = select.filter(Column::ClinicId.eq(clinic));
    }
    if let Some(from) = filter.from {
        select = select.filter(Column::VaccinatedOn.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(Column::VaccinatedOn.lte(to));
    }
    let ordering = Ordering::<vaccination::Entity> {
        column: None,
        id: Column::Id,
        descending: true,
        key: |row| (None, row.id),
    };
    let page = paginate(ctx.db, select, &ordering, page, ctx.limits.max_page_size).await?;
    let reads = page.rows.iter().map(|(_, row)| Read {
        municipality_id: row.municipality_id,
        subject_kind: super::SUBJECT_KIND,
        subject_id: row.child_id,
        accessed: "register",
    });
    audit::record(ctx.db, actor, reads).await?;
    Ok(page)
}

/// What the checks caught and what clinics went ahead with, by stage, outcome and category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckCount {
    /// `booking`, `submission` or `confirmation`.
    pub stage: String,
    /// `caught` or `overridden`.
    pub outcome: String,
    /// The category code.
    pub category: String,
    /// The clinic, when the check ran for one.
    pub clinic_id: Option<Uuid>,
    /// How many.
    pub count: i64,
}

/// The checks' counts in a municipality between two days (JST), for its health staff.
#[tracing::instrument(skip_all)]
pub async fn check_counts(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<CheckCount>> {
    let (_, municipality_id) = admin_municipality(viewer, municipality_id)?;
    if to < from {
        return Err(AppError::BadUserInput(
            "`to` must be on or after `from`".into(),
        ));
    }
    let start = crate::fiscal::midnight(from);
    let end = crate::fiscal::midnight(to + chrono::Days::new(1));
    let rows = check_log::Entity::find()
        .filter(check_log::Column::MunicipalityId.eq(municipality_id))
        .filter(check_log::Column::OccurredAt.gte(start))
        .filter(check_log::Column::OccurredAt.lt(end))
        .all(ctx.db)
        .await?;
    let mut counts: std::collections::BTreeMap<(String, String, String, Option<Uuid>), i64> =
        std::collections::BTreeMap::new();
    for row in rows {
        *counts
            .entry((row.stage, row.outcome, row.category, row.clinic_id))
            .or_default() += 1;
    }
    Ok(counts
        .into_iter()
        .map(
            |((stage, outcome, category, clinic_id), count)| CheckCount {
                stage,
                outcome,
                category,
                clinic_id,
                count,
            },
        )
        .collect())
}

/// The overrides kept on a record.
pub fn overrides_of(record: &vaccination::Model) -> Vec<Override> {
    serde_json::from_str(&record.overrides).unwrap_or_default()
}

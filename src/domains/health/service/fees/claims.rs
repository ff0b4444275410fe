//! A clinic's monthly fee claim (委託料請求): the clinic prepares it for a service month
//! (its lines gathered and priced again while it holds the claim), submits it by the due
//! day of the next month; its association (or the city, for a clinic with an individual
//! contract) returns it with a reason or the city accepts it, then pays it. Every change is
//! kept in the claim's history; every move the states do not allow is `INVALID_STATE`.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{
    health_association_member as member,
    health_fee_claim::{self as claim, ClaimStatus},
    health_fee_claim_event as event, health_fee_claim_line as line, organization,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, sea_query::Expr,
};
use uuid::Uuid;

use super::super::super::fee_states::{ClaimAction, ClaimActor, next};
use super::access::{FeeActor, fee_actor};
use super::lines::{billable, due_on, month_bounds};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, FieldError, FieldErrorCode};
use crate::state::ServiceContext;

/// A claim with what it is read with.
#[derive(Clone, Debug)]
pub struct ClaimView {
    /// The claim.
    pub claim: claim::Model,
    /// The clinic.
    pub clinic: organization::Model,
    /// Its lines, by day.
    pub lines: Vec<line::Model>,
    /// Its history, oldest first.
    pub events: Vec<event::Model>,
}

impl ClaimView {
    /// Whether it is past its due day and still with the clinic.
    pub fn overdue_on(&self, today: NaiveDate) -> bool {
        matches!(
            self.claim.status,
            ClaimStatus::Draft | ClaimStatus::Returned
        ) && today > self.claim.due_on
    }
}

/// Reads claims with their clinics, lines and history in four statements.
pub async fn views(
    db: &impl ConnectionTrait,
    claims: Vec<claim::Model>,
) -> AppResult<Vec<ClaimView>> {
    let ids: Vec<Uuid> = claims.iter().map(|c| c.id).collect();
    let clinic_ids: Vec<Uuid> = claims.iter().map(|c| c.clinic_id).collect();
    let clinics: HashMap<Uuid, organization::Model> = organization::Entity::find()
        .filter(organization::Column::Id.is_in(clinic_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut lines: HashMap<Uuid, Vec<line::Model>> = HashMap::new();
    for l in line::Entity::find()
        .filter(line::Column::ClaimId.is_in(ids.clone()))
        .order_by_asc(line::Column::ServedOn)
        .order_by_asc(line::Column::Id)
        .all(db)
        .await?
    {
        lines.entry(l.claim_id).or_default().push(l);
    }
    let mut events: HashMap<Uuid, Vec<event::Model>> = HashMap::new();
    for e in event::Entity::find()
        .filter(event::Column::ClaimId.is_in(ids))
        .order_by_asc(event::Column::OccurredAt)
        .order_by_asc(event::Column::Id)
        .all(db)
        .await?
    {
        events.entry(e.claim_id).or_default().push(e);
    }
    claims
        .into_iter()
        .map(|c| {
            Ok(ClaimView {
                clinic: clinics
                    .get(&c.clinic_id)
                    .cloned()
                    .ok_or_else(|| AppError::internal(anyhow::anyhow!("claim without clinic")))?,
                lines: lines.remove(&c.id).unwrap_or_default(),
                events: events.remove(&c.id).unwrap_or_default(),
                claim: c,
            })
        })
        .collect()
}

/// Whether `actor` may read `claim`.
pub fn sees(actor: &FeeActor, claim: &claim::Model) -> bool {
    match actor {
        FeeActor::City {
            municipality_id, ..
        } => claim.municipality_id == *municipality_id,
        FeeActor::Clinic { clinic, .. } => claim.clinic_id == clinic.id,
        FeeActor::Association { association, .. } => {
            claim.association_id == Some(association.id)
                && claim.municipality_id == association.municipality_id
        }
    }
}

/// One claim the viewer may read, else `NOT_FOUND`.
pub async fn find_fee_claim(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<ClaimView> {
    let actor = fee_actor(ctx.db, viewer, None).await?;
    let found = claim::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .filter(|c| sees(&actor, c))
        .ok_or(AppError::NotFound)?;
    views(ctx.db, vec![found])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Which claims to list.
#[derive(Clone, Debug, Default)]
pub struct ClaimFilter {
    /// The municipality (platform admins); the viewer's own otherwise.
    pub municipality_id: Option<Uuid>,
    /// Only this clinic's.
    pub clinic_id: Option<Uuid>,
    /// Only this service month (year, month).
    pub month: Option<(i32, u32)>,
    /// Only in this state.
    pub status: Option<ClaimStatus>,
    /// Only those in this batch.
    pub batch_id: Option<Uuid>,
}

/// The claims the viewer may read, newest month first, then by clinic.
pub async fn fee_claims(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    filter: ClaimFilter,
) -> AppResult<Vec<ClaimView>> {
    let actor = fee_actor(ctx.db, viewer, filter.municipality_id).await?;
    let mut query =
        claim::Entity::find().filter(claim::Column::MunicipalityId.eq(actor.municipality_id()));
    query = match &actor {
        FeeActor::City { .. } => query,
        FeeActor::Clinic { clinic, .. } => query.filter(claim::Column::ClinicId.eq(clinic.id)),
        FeeActor::Association { association, .. } => {
            query.filter(claim::Column::AssociationId.eq(association.id))
        }
    };
    if let Some(clinic_id) = filter.clinic_id {
        query = query.filter(claim::Column::ClinicId.eq(clinic_id));
    }
    if let Some((year, month)) = filter.month {
        let (first, _) = month_bounds(year, month)
            .ok_or_else(|| AppError::BadUserInput("no such month".into()))?;
        query = query.filter(claim::Column::Month.eq(first));
    }
    if let Some(status) = filter.status {
        query = query.filter(claim::Column::Status.eq(status));
    }
    if let Some(batch_id) = filter.batch_id {
        query = query.filter(claim::Column::BatchId.eq(batch_id));
    }
    let found = query
        .order_by_desc(claim::Column::Month)
        .order_by_asc(claim::Column::ClinicId)
        .all(ctx.db)
        .await?;
    views(ctx.db, found).await
}

/// The association `clinic_id` claims through, if any.
pub async fn association_of(db: &impl ConnectionTrait, clinic_id: Uuid) -> AppResult<Option<Uuid>> {
    Ok(member::Entity::find()
        .filter(member::Column::ClinicId.eq(clinic_id))
        .one(db)
        .await?
        .map(|m| m.association_id))
}

/// Writes one line of a claim's history.
pub async fn write_event(
    txn: &DatabaseTransaction,
    claim_id: Uuid,
    from: Option<ClaimStatus>,
    to: ClaimStatus,
    reason: Option<String>,
    actor_id: Uuid,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    event::Entity::insert(event::ActiveModel {
        id: Set(Uuid::now_v7()),
        claim_id: Set(claim_id),
        from_status: Set(from),
        to_status: Set(to),
        reason: Set(reason),
        actor_id: Set(actor_id),
        occurred_at: Set(at),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

fn invalid_state(message: &str) -> Vec<FieldError> {
    vec![FieldError::whole(FieldErrorCode::InvalidState, message)]
}

/// Prepares the viewer's clinic's claim for a service month: made as a draft the first
/// time, its lines gathered and priced again while the clinic holds it (draft or
/// returned).
#[tracing::instrument(skip_all)]
pub async fn prepare_fee_claim(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    year: i32,
    month: u32,
) -> AppResult<Result<ClaimView, Vec<FieldError>>> {
    let FeeActor::Clinic { user_id, clinic } = fee_actor(ctx.db, viewer, None).await? else {
        return Err(AppError::Forbidden);
    };
    let Some((first, next_month)) = month_bounds(year, month) else {
        return Ok(Err(vec![FieldError::input(
            "month",
            FieldErrorCode::Invalid,
            "請求月が正しくありません。",
        )]));
    };
    if first > crate::fiscal::date_of(ctx.now()) || crate::fiscal::checked_year(year).is_err() {
        return Ok(Err(vec![FieldError::input(
            "month",
            FieldErrorCode::Invalid,
            "まだ始まっていない月の請求は作れません。",
        )]));
    }
    let now = ctx.now();
    let txn = crate::db::begin_write(ctx.db).await?;
    let existing = claim::Entity::find()
        .filter(claim::Column::ClinicId.eq(clinic.id))
        .filter(claim::Column::Month.eq(first))
        .one(&txn)
        .await?;
    let claim_id = match existing {
        Some(found) => {
            if next(found.status, ClaimAction::Refresh, ClaimActor::Clinic).is_none() {
                return Ok(Err(invalid_state(
                    "提出済みの請求は作り直せません。差し戻されたときだけ修正できます。",
                )));
            }
            line::Entity::delete_many()
                .filter(line::Column::ClaimId.eq(found.id))
                .exec(&txn)
                .await?;
            claim::Entity::update_many()
                .col_expr(claim::Column::UpdatedAt, Expr::value(now))
                .filter(claim::Column::Id.eq(found.id))
                .exec(&txn)
                .await?;
            found.id
        }
        None => {
            let settings =
                super::super::settings::settings_of(&txn, clinic.municipality_id).await?;
            let due = due_on(first, settings.fee_claim_due_day)
                .ok_or_else(|| AppError::BadUserInput("no such month".into()))?;
            let id = Uuid::now_v7();
            claim::Entity::insert(claim::ActiveModel {
                id: Set(id),
                municipality_id: Set(clinic.municipality_id),
                clinic_id: Set(clinic.id),
                month: Set(first),
                due_on: Set(due),
                status: Set(ClaimStatus::Draft),
                return_reason: Set(None),
                association_id: Set(association_of(&txn, clinic.id).await?),
                batch_id: Set(None),
                submitted_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_without_returning(&txn)
            .await?;
            write_event(&txn, id, None, ClaimStatus::Draft, None, user_id, now).await?;
            id
        }
    };
    let found = billable(
        &txn,
        clinic.municipality_id,
        clinic.id,
        claim_id,
        (first, next_month),
    )
    .await?;
    if !found.is_empty() {
        line::Entity::insert_many(found.into_iter().map(|b| line::ActiveModel {
            id: Set(Uuid::now_v7()),
            claim_id: Set(claim_id),
            municipality_id: Set(clinic.municipality_id),
            service_kind: Set(b.service),
            record_ref: Set(b.record_ref),
            child_id: Set(b.child_id),
            served_on: Set(b.served_on),
            product_code: Set(b.product_code),
            series_code: Set(b.series_code),
            dose_number: Set(b.dose_number),
            checkup_key: Set(b.checkup_key),
            source: Set(b.source),
            unit_price: Set(b.unit_price),
            created_at: Set(now),
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(Ok(find_fee_claim(ctx, viewer, claim_id).await?))
}

/// Moves a claim: submit (its clinic), return with a reason (its association, or the
/// city), accept or pay (the city). A member clinic's claim is accepted only once its
/// association has put it in a batch.
#[tracing::instrument(skip_all)]
pub async fn move_fee_claim(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    claim_id: Uuid,
    action: ClaimAction,
    reason: Option<String>,
) -> AppResult<Result<ClaimView, Vec<FieldError>>> {
    let actor = fee_actor(ctx.db, viewer, None).await?;
    let found = claim::Entity::find_by_id(claim_id)
        .one(ctx.db)
        .await?
        .filter(|c| sees(&actor, c))
        .ok_or(AppError::NotFound)?;
    let who = match actor {
        FeeActor::City { .. } => ClaimActor::City,
        FeeActor::Clinic { .. } => ClaimActor::Clinic,
        FeeActor::Association { .. } => ClaimActor::Association,
    };
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if action == ClaimAction::Return {
        match &reason {
            None => {
                return Ok(Err(vec![FieldError::input(
                    "reason",
                    FieldErrorCode::Required,
                    "差し戻す理由を入力してください。",
                )]));
            }
            Some(r) if r.chars().count() > 500 => {
                return Ok(Err(vec![FieldError::input(
                    "reason",
                    FieldErrorCode::TooLong,
                    "理由は500文字以内で入力してください。",
                )]));
            }
            Some(_) => {}
        }
    }
    let Some(to) = next(found.status, action, who) else {
        return match who {
            // Someone who may read the claim but never make this move.
            ClaimActor::Clinic if action != ClaimAction::Submit => Err(AppError::Forbidden),
            ClaimActor::Association if action != ClaimAction::Return => Err(AppError::Forbidden),
            ClaimActor::City if action == ClaimAction::Submit => Err(AppError::Forbidden),
            _ => Ok(Err(invalid_state(
                "この請求は今の状態ではその操作ができません。",
            ))),
        };
    };
    let now = ctx.now();
    let txn = crate::db::begin_write(ctx.db).await?;
    let mut update = claim::Entity::update_many()
        .col_expr(claim::Column::Status, Expr::value(to))
        .col_expr(claim::Column::UpdatedAt, Expr::value(now));
    match action {
        ClaimAction::Submit => {
            let lines = line::Entity::find()
                .filter(line::Column::ClaimId.eq(found.id))
                .all(&txn)
                .await?;
            if lines.is_empty() {
                return Ok(Err(invalid_state("請求する記録がありません。")));
            }
            let missing = lines.iter().filter(|l| l.unit_price.is_none()).count();
            if missing > 0 {
                return Ok(Err(vec![FieldError::whole(
                    FieldErrorCode::PriceMissing,
                    format!(
                        "単価表に単価のない明細が{missing}件あります。単価が登録されたら請求を作り直してください。"
                    ),
                )]));
            }
            update = update
                .col_expr(claim::Column::SubmittedAt, Expr::value(now))
                .col_expr(
                    claim::Column::AssociationId,
                    Expr::value(association_of(&txn, found.clinic_id).await?),
                );
        }
        ClaimAction::Return => {
            update = update
                .col_expr(claim::Column::ReturnReason, Expr::value(reason.clone()))
                .col_expr(claim::Column::BatchId, Expr::value(Option::<Uuid>::None));
        }
        ClaimAction::Accept if found.association_id.is_some() && found.batch_id.is_none() => {
            return Ok(Err(invalid_state(
                "医師会を通す請求は、医師会がまとめて提出してから受理してください。",
            )));
        }
        ClaimAction::Accept | ClaimAction::Pay | ClaimAction::Refresh => {}
    }
    let changed = update
        .filter(claim::Column::Id.eq(found.id))
        .filter(claim::Column::Status.eq(found.status))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(Err(invalid_state("この請求は他の操作で変わりました。")));
    }
    write_event(
        &txn,
        found.id,
        Some(found.status),
        to,
        reason,
        actor.user_id(),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(find_fee_claim(ctx, viewer, found.id).await?))
}

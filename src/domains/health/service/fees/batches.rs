//! Medical associations (医師会, 歯科医師会): the city's health staff set their member
//! clinics; a member clinic's claims go through its association, whose staff return a
//! claim with a reason or put the month's submitted claims into one batch for the city.
//! The city accepts a batch (its submitted claims with it) and then pays it.

use entity::{
    health_association_member as member,
    health_fee_batch::{self as batch, BatchStatus},
    health_fee_claim::{self as claim, ClaimStatus},
    organization::{self, OrganizationKind},
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};
use uuid::Uuid;

use super::access::{FeeActor, fee_actor, is_association};
use super::claims::{ClaimFilter, ClaimView, fee_claims, write_event};
use super::lines::month_bounds;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, FieldError, FieldErrorCode};
use crate::state::ServiceContext;

/// An association with its member clinics.
#[derive(Clone, Debug)]
pub struct Association {
    /// The association.
    pub association: organization::Model,
    /// Its member clinics, by name.
    pub members: Vec<organization::Model>,
}

async fn members_of(
    db: &impl ConnectionTrait,
    association_id: Uuid,
) -> AppResult<Vec<organization::Model>> {
    let ids: Vec<Uuid> = member::Entity::find()
        .filter(member::Column::AssociationId.eq(association_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.clinic_id)
        .collect();
    Ok(organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids))
        .order_by_asc(organization::Column::NameKana)
        .all(db)
        .await?)
}

/// The associations of the municipality with their members: its health staff and clinics
/// read them all; an association's staff their own.
pub async fn health_associations(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
) -> AppResult<Vec<Association>> {
    let actor = fee_actor(ctx.db, viewer, municipality_id).await?;
    let mut query = organization::Entity::find()
        .filter(organization::Column::MunicipalityId.eq(actor.municipality_id()))
        .filter(organization::Column::Kind.is_in([
            OrganizationKind::MedicalAssociation,
            OrganizationKind::DentalAssociation,
        ]));
    if let FeeActor::Association { association, .. } = &actor {
        query = query.filter(organization::Column::Id.eq(association.id));
    }
    let mut found = Vec::new();
    for association in query
        .order_by_asc(organization::Column::NameKana)
        .all(ctx.db)
        .await?
    {
        let members = members_of(ctx.db, association.id).await?;
        found.push(Association {
            association,
            members,
        });
    }
    Ok(found)
}

/// Sets an association's member clinics (the city's health staff): exactly these, each a
/// clinic of the municipality and a member of no other association.
#[tracing::instrument(skip_all)]
pub async fn set_association_members(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    association_id: Uuid,
    clinic_ids: Vec<Uuid>,
) -> AppResult<Result<Association, Vec<FieldError>>> {
    let (_, municipality_id) = super::access::city(ctx.db, viewer, None).await?;
    let association = organization::Entity::find_by_id(association_id)
        .one(ctx.db)
        .await?
        .filter(|o| o.municipality_id == municipality_id && is_association(o.kind))
        .ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    for (i, clinic_id) in clinic_ids.iter().enumerate() {
        let clinic = super::super::access::find_clinic(ctx.db, *clinic_id, municipality_id).await?;
        if clinic.is_none() {
            errors.push(FieldError::input(
                &format!("clinicIds.{i}"),
                FieldErrorCode::NotFound,
                "この自治体の医療機関ではありません。",
            ));
            continue;
        }
        let elsewhere = member::Entity::find()
            .filter(member::Column::ClinicId.eq(*clinic_id))
            .filter(member::Column::AssociationId.ne(association.id))
            .one(ctx.db)
            .await?;
        if elsewhere.is_some() {
            errors.push(FieldError::input(
                &format!("clinicIds.{i}"),
                FieldErrorCode::Taken,
                "この医療機関は別の医師会に所属しています。",
            ));
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let now = ctx.now();
    let txn = crate::db::begin_write(ctx.db).await?;
    member::Entity::delete_many()
        .filter(member::Column::AssociationId.eq(association.id))
        .exec(&txn)
        .await?;
    let mut unique = clinic_ids;
    unique.sort();
    unique.dedup();
    if !unique.is_empty() {
        member::Entity::insert_many(unique.into_iter().map(|clinic_id| member::ActiveModel {
            association_id: Set(association.id),
            clinic_id: Set(clinic_id),
            municipality_id: Set(municipality_id),
            created_at: Set(now),
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    let members = members_of(ctx.db, association.id).await?;
    Ok(Ok(Association {
        association,
        members,
    }))
}

/// A batch with its association and claims.
#[derive(Clone, Debug)]
pub struct BatchView {
    /// The batch.
    pub batch: batch::Model,
    /// The association.
    pub association: organization::Model,
    /// Its claims.
    pub claims: Vec<ClaimView>,
}

async fn batch_view(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    found: batch::Model,
) -> AppResult<BatchView> {
    let association = organization::Entity::find_by_id(found.association_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let claims = fee_claims(
        ctx,
        viewer,
        ClaimFilter {
            municipality_id: Some(found.municipality_id),
            batch_id: Some(found.id),
            ..ClaimFilter::default()
        },
    )
    .await?;
    Ok(BatchView {
        batch: found,
        association,
        claims,
    })
}

/// The batches the viewer may read (the city: its municipality's; an association: its
/// own), newest month first.
pub async fn fee_batches(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    municipality_id: Option<Uuid>,
    month: Option<(i32, u32)>,
) -> AppResult<Vec<BatchView>> {
    let actor = fee_actor(ctx.db, viewer, municipality_id).await?;
    let mut query =
        batch::Entity::find().filter(batch::Column::MunicipalityId.eq(actor.municipality_id()));
    match &actor {
        FeeActor::City { .. } => {}
        FeeActor::Association { association, .. } => {
            query = query.filter(batch::Column::AssociationId.eq(association.id));
        }
        FeeActor::Clinic { .. } => return Err(AppError::Forbidden),
    }
    if let Some((year, month)) = month {
        let (first, _) = month_bounds(year, month)
            .ok_or_else(|| AppError::BadUserInput("no such month".into()))?;
        query = query.filter(batch::Column::Month.eq(first));
    }
    let mut views = Vec::new();
    for found in query
        .order_by_desc(batch::Column::Month)
        .all(ctx.db)
        .await?
    {
        views.push(batch_view(ctx, viewer, found).await?);
    }
    Ok(views)
}

/// One batch the viewer may read.
pub async fn find_fee_batch(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<BatchView> {
    let actor = fee_actor(ctx.db, viewer, None).await?;
    let found = batch::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .filter(|b| match &actor {
            FeeActor::City {
                municipality_id, ..
            } => b.municipality_id == *municipality_id,
            FeeActor::Association { association, .. } => b.association_id == association.id,
            FeeActor::Clinic { .. } => false,
        })
        .ok_or(AppError::NotFound)?;
    batch_view(ctx, viewer, found).await
}

/// Puts the month's submitted claims of the association's members into its batch for the
/// city (the association's staff): the batch is made the first time, and claims submitted
/// again after a return join it while the city has not accepted it.
#[tracing::instrument(skip_all)]
pub async fn submit_fee_batch(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    year: i32,
    month: u32,
) -> AppResult<Result<BatchView, Vec<FieldError>>> {
    let FeeActor::Association {
        user_id,
        association,
    } = fee_actor(ctx.db, viewer, None).await?
    else {
        return Err(AppError::Forbidden);
    };
    let Some((first, _)) = month_bounds(year, month) else {
        return Ok(Err(vec![FieldError::input(
            "month",
            FieldErrorCode::Invalid,
            "請求月が正しくありません。",
        )]));
    };
    let now = ctx.now();
    let txn = crate::db::begin_write(ctx.db).await?;
    let existing = batch::Entity::find()
        .filter(batch::Column::AssociationId.eq(association.id))
        .filter(batch::Column::Month.eq(first))
        .one(&txn)
        .await?;
    if existing
        .as_ref()
        .is_some_and(|b| b.status != BatchStatus::Submitted)
    {
        return Ok(Err(vec![FieldError::whole(
            FieldErrorCode::InvalidState,
            "この月のまとめはすでに市が受理しています。",
        )]));
    }
    let waiting = claim::Entity::find()
        .filter(claim::Column::AssociationId.eq(association.id))
        .filter(claim::Column::Month.eq(first))
        .filter(claim::Column::Status.eq(ClaimStatus::Submitted))
        .filter(claim::Column::BatchId.is_null())
        .all(&txn)
        .await?;
    if waiting.is_empty() {
        return Ok(Err(vec![FieldError::whole(
            FieldErrorCode::InvalidState,
            "まとめて提出する請求がありません。",
        )]));
    }
    let batch_id = match existing {
        Some(found) => {
            batch::Entity::update_many()
                .col_expr(batch::Column::UpdatedAt, Expr::value(now))
                .filter(batch::Column::Id.eq(found.id))
                .exec(&txn)
                .await?;
            found.id
        }
        None => {
            let id = Uuid::now_v7();
            batch::Entity::insert(batch::ActiveModel {
                id: Set(id),
                municipality_id: Set(association.municipality_id),
                association_id: Set(association.id),
                month: Set(first),
                status: Set(BatchStatus::Submitted),
                created_by: Set(user_id),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_without_returning(&txn)
            .await?;
            id
        }
    };
    claim::Entity::update_many()
        .col_expr(claim::Column::BatchId, Expr::value(batch_id))
        .col_expr(claim::Column::UpdatedAt, Expr::value(now))
        .filter(claim::Column::Id.is_in(waiting.iter().map(|c| c.id)))
        .filter(claim::Column::Status.eq(ClaimStatus::Submitted))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    let found = batch::Entity::find_by_id(batch_id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Ok(batch_view(ctx, viewer, found).await?))
}

/// The city accepts a batch (its submitted claims are accepted with it) or pays an
/// accepted one (its accepted claims are paid).
#[tracing::instrument(skip_all)]
pub async fn settle_fee_batch(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    batch_id: Uuid,
    pay: bool,
) -> AppResult<Result<BatchView, Vec<FieldError>>> {
    let (user_id, municipality_id) = super::access::city(ctx.db, viewer, None).await?;
    let found = batch::Entity::find_by_id(batch_id)
        .one(ctx.db)
        .await?
        .filter(|b| b.municipality_id == municipality_id)
        .ok_or(AppError::NotFound)?;
    let (from, to, claims_from, claims_to) = if pay {
        (
            BatchStatus::Accepted,
            BatchStatus::Paid,
            ClaimStatus::Accepted,
            ClaimStatus::Paid,
        )
    } else {
        (
            BatchStatus::Submitted,
            BatchStatus::Accepted,
            ClaimStatus::Submitted,
            ClaimStatus::Accepted,
        )
    };
    if found.status != from {
        return Ok(Err(vec![FieldError::whole(
            FieldErrorCode::InvalidState,
            if pay {
                "支払いを記録できるのは受理したまとめだけです。"
            } else {
                "受理できるのは提出されたまとめだけです。"
            },
        )]));
    }
    let now = ctx.now();
    let txn = crate::db::begin_write(ctx.db).await?;
    let changed = batch::Entity::update_many()
        .col_expr(batch::Column::Status, Expr::value(to))
        .col_expr(batch::Column::UpdatedAt, Expr::value(now))
        .filter(batch::Column::Id.eq(found.id))
        .filter(batch::Column::Status.eq(from))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(Err(vec![FieldError::whole(
            FieldErrorCode::InvalidState,
            "このまとめは他の操作で変わりました。",
        )]));
    }
    let moving = claim::Entity::find()
        .filter(claim::Column::BatchId.eq(found.id))
        .filter(claim::Column::Status.eq(claims_from))
        .all(&txn)
        .await?;
    for c in &moving {
        write_event(&txn, c.id, Some(claims_from), claims_to, None, user_id, now).await?;
    }
    claim::Entity::update_many()
        .col_expr(claim::Column::Status, Expr::value(claims_to))
        .col_expr(claim::Column::UpdatedAt, Expr::value(now))
        .filter(claim::Column::Id.is_in(moving.iter().map(|c| c.id)))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    let found = batch::Entity::find_by_id(found.id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Ok(batch_view(ctx, viewer, found).await?))
}

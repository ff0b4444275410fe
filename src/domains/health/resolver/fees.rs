//! GraphQL entry points of fee claims (委託料請求) and the national hub seam: adapters of a
//! few lines over `service::fees`.

use async_graphql::{Context, ID, Object, Result, ResultExt};

use super::super::hub::HealthHub;
use super::super::inputs::fees::{
    HealthAssociationPayload, HealthFeeBatchActionInput, HealthFeeBatchPayload,
    HealthFeeClaimActionInput, HealthFeeClaimFilter, HealthFeeClaimPayload,
    HealthFeeSchedulePayload, HealthHubPayload, ImportHealthHubRecordsInput,
    PrepareHealthFeeClaimInput, PushVaccinationToHubInput, RegisterHealthHubEligibilityInput,
    ReturnHealthFeeClaimInput, SetHealthAssociationMembersInput, SetHealthFeeScheduleInput,
    SubmitHealthFeeBatchInput,
};
use super::super::service::fees;
use super::super::types::{
    HealthAssociation, HealthFeeBatch, HealthFeeClaim, HealthFeeScheduleLine, HealthHubImport,
};
use crate::domains::health::fee_states::ClaimAction;
use crate::graphql::{
    context,
    guard::SignedIn,
    ids::{self, NodeKind},
    payload::split,
};

/// Queries of fee claims.
#[derive(Default)]
pub struct HealthFeeQuery;

#[Object]
impl HealthFeeQuery {
    /// The fee schedule (委託料単価表) of a fiscal year: municipal health staff, and the
    /// municipality's clinics and medical associations.
    #[graphql(guard = "SignedIn")]
    async fn health_fee_schedule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The municipality (platform admins); yours when not given.")]
        municipality_id: Option<ID>,
        #[graphql(desc = "The fiscal year (年度, April–March).")] fiscal_year: i32,
    ) -> Result<Vec<HealthFeeScheduleLine>> {
        let (state, viewer) = context(ctx)?;
        let municipality_id =
            ids::decode_optional(municipality_id.as_ref(), NodeKind::Municipality).extend()?;
        Ok(
            fees::fee_schedule(state.into(), viewer, municipality_id, fiscal_year)
                .await
                .extend()?
                .into_iter()
                .map(HealthFeeScheduleLine)
                .collect(),
        )
    }

    /// Fee claims, newest month first: municipal health staff see their municipality's, a
    /// clinic its own, an association its member clinics'.
    #[graphql(guard = "SignedIn")]
    async fn health_fee_claims(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which claims.")] filter: Option<HealthFeeClaimFilter>,
    ) -> Result<Vec<HealthFeeClaim>> {
        let (state, viewer) = context(ctx)?;
        let filter = filter.unwrap_or_default().try_into().extend()?;
        Ok(fees::fee_claims(state.into(), viewer, filter)
            .await
            .extend()?
            .into_iter()
            .map(HealthFeeClaim)
            .collect())
    }

    /// One fee claim you may read.
    #[graphql(guard = "SignedIn")]
    async fn health_fee_claim(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The claim.")] id: ID,
    ) -> Result<HealthFeeClaim> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&id, NodeKind::HealthFeeClaim).extend()?;
        Ok(HealthFeeClaim(
            fees::find_fee_claim(state.into(), viewer, id)
                .await
                .extend()?,
        ))
    }

    /// The associations' monthly batches, newest first: municipal health staff see their
    /// municipality's, an association its own.
    #[graphql(guard = "SignedIn")]
    async fn health_fee_batches(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The municipality (platform admins); yours when not given.")]
        municipality_id: Option<ID>,
        #[graphql(desc = "Only this service month's year (with `month`).")] year: Option<i32>,
        #[graphql(desc = "Only this service month, 1–12 (with `year`).")] month: Option<i32>,
    ) -> Result<Vec<HealthFeeBatch>> {
        let (state, viewer) = context(ctx)?;
        let municipality_id =
            ids::decode_optional(municipality_id.as_ref(), NodeKind::Municipality).extend()?;
        let month = match (year, month) {
            (Some(year), Some(month)) => Some(
                PrepareHealthFeeClaimInput { year, month }
                    .month()
                    .extend()?,
            ),
            _ => None,
        };
        Ok(
            fees::fee_batches(state.into(), viewer, municipality_id, month)
                .await
                .extend()?
                .into_iter()
                .map(HealthFeeBatch)
                .collect(),
        )
    }

    /// One batch you may read.
    #[graphql(guard = "SignedIn")]
    async fn health_fee_batch(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The batch.")] id: ID,
    ) -> Result<HealthFeeBatch> {
        let (state, viewer) = context(ctx)?;
        let id = ids::decode_as(&id, NodeKind::HealthFeeBatch).extend()?;
        Ok(HealthFeeBatch(
            fees::find_fee_batch(state.into(), viewer, id)
                .await
                .extend()?,
        ))
    }

    /// The medical (医師会) and dental (歯科医師会) associations with their member
    /// clinics: municipal health staff and clinics see all of the municipality's, an
    /// association its own.
    #[graphql(guard = "SignedIn")]
    async fn health_associations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The municipality (platform admins); yours when not given.")]
        municipality_id: Option<ID>,
    ) -> Result<Vec<HealthAssociation>> {
        let (state, viewer) = context(ctx)?;
        let municipality_id =
            ids::decode_optional(municipality_id.as_ref(), NodeKind::Municipality).extend()?;
        Ok(
            fees::health_associations(state.into(), viewer, municipality_id)
                .await
                .extend()?
                .into_iter()
                .map(HealthAssociation)
                .collect(),
        )
    }
}

/// Mutations of fee claims and the national hub.
#[derive(Default)]
pub struct HealthFeeMutation;

async fn move_claim(
    ctx: &Context<'_>,
    claim_id: &ID,
    action: ClaimAction,
    reason: Option<String>,
) -> Result<HealthFeeClaimPayload> {
    let (state, viewer) = context(ctx)?;
    let claim_id = ids::decode_as(claim_id, NodeKind::HealthFeeClaim).extend()?;
    let outcome = fees::move_fee_claim(state.into(), viewer, claim_id, action, reason)
        .await
        .extend()?;
    let (claim, user_errors) = split(outcome.map(HealthFeeClaim));
    Ok(HealthFeeClaimPayload { claim, user_errors })
}

async fn settle_batch(
    ctx: &Context<'_>,
    batch_id: &ID,
    pay: bool,
) -> Result<HealthFeeBatchPayload> {
    let (state, viewer) = context(ctx)?;
    let batch_id = ids::decode_as(batch_id, NodeKind::HealthFeeBatch).extend()?;
    let outcome = fees::settle_fee_batch(state.into(), viewer, batch_id, pay)
        .await
        .extend()?;
    let (batch, user_errors) = split(outcome.map(HealthFeeBatch));
    Ok(HealthFeeBatchPayload { batch, user_errors })
}

#[Object]
impl HealthFeeMutation {
    /// Set prices of your municipality's fee schedule for a fiscal year (municipal health
    /// staff); a price set again replaces the old one.
    #[graphql(guard = "SignedIn")]
    async fn set_health_fee_schedule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The prices.")] input: SetHealthFeeScheduleInput,
    ) -> Result<HealthFeeSchedulePayload> {
        let (state, viewer) = context(ctx)?;
        let new = input.try_into().extend()?;
        let outcome = fees::set_fee_schedule(state.into(), viewer, new)
            .await
            .extend()?;
        let (lines, user_errors) = split(outcome.map(|lines| {
            lines
                .into_iter()
                .map(HealthFeeScheduleLine)
                .collect::<Vec<_>>()
        }));
        Ok(HealthFeeSchedulePayload { lines, user_errors })
    }

    /// Prepare your clinic's fee claim for a service month (clinic staff).
    #[graphql(guard = "SignedIn")]
    async fn prepare_health_fee_claim(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The month.")] input: PrepareHealthFeeClaimInput,
    ) -> Result<HealthFeeClaimPayload> {
        let (state, viewer) = context(ctx)?;
        let (year, month) = input.month().extend()?;
        let outcome = fees::prepare_fee_claim(state.into(), viewer, year, month)
            .await
            .extend()?;
        let (claim, user_errors) = split(outcome.map(HealthFeeClaim));
        Ok(HealthFeeClaimPayload { claim, user_errors })
    }

    /// Submit your clinic's claim, or submit it again after a return (clinic staff).
    #[graphql(guard = "SignedIn")]
    async fn submit_health_fee_claim(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The claim.")] input: HealthFeeClaimActionInput,
    ) -> Result<HealthFeeClaimPayload> {
        move_claim(ctx, &input.claim_id, ClaimAction::Submit, None).await
    }

    /// Send a submitted claim back to its clinic with a reason (the association it goes
    /// through, or municipal health staff).
    #[graphql(guard = "SignedIn")]
    async fn return_health_fee_claim(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The claim and why.")] input: ReturnHealthFeeClaimInput,
    ) -> Result<HealthFeeClaimPayload> {
        move_claim(
            ctx,
            &input.claim_id,
            ClaimAction::Return,
            Some(input.reason),
        )
        .await
    }

    /// Accept a submitted claim (municipal health staff); a member clinic's claim only
    /// once its association has batched it.
    #[graphql(guard = "SignedIn")]
    async fn accept_health_fee_claim(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The claim.")] input: HealthFeeClaimActionInput,
    ) -> Result<HealthFeeClaimPayload> {
        move_claim(ctx, &input.claim_id, ClaimAction::Accept, None).await
    }

    /// Record the payment of an accepted claim (municipal health staff).
    #[graphql(guard = "SignedIn")]
    async fn pay_health_fee_claim(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The claim.")] input: HealthFeeClaimActionInput,
    ) -> Result<HealthFeeClaimPayload> {
        move_claim(ctx, &input.claim_id, ClaimAction::Pay, None).await
    }

    /// Set which clinics claim through an association (municipal health staff).
    #[graphql(guard = "SignedIn")]
    async fn set_health_association_members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The association and its members.")]
        input: SetHealthAssociationMembersInput,
    ) -> Result<HealthAssociationPayload> {
        let (state, viewer) = context(ctx)?;
        let association_id =
            ids::decode_as(&input.association_id, NodeKind::Organization).extend()?;
        let clinic_ids = input
            .clinic_ids
            .iter()
            .map(|id| ids::decode_as(id, NodeKind::Organization))
            .collect::<Result<Vec<_>, _>>()
            .extend()?;
        let outcome =
            fees::set_association_members(state.into(), viewer, association_id, clinic_ids)
                .await
                .extend()?;
        let (association, user_errors) = split(outcome.map(HealthAssociation));
        Ok(HealthAssociationPayload {
            association,
            user_errors,
        })
    }

    /// Put the month's submitted claims of your association's members into its batch
    /// for the city (association staff).
    #[graphql(guard = "SignedIn")]
    async fn submit_health_fee_batch(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The month.")] input: SubmitHealthFeeBatchInput,
    ) -> Result<HealthFeeBatchPayload> {
        let (state, viewer) = context(ctx)?;
        let (year, month) = input.month().extend()?;
        let outcome = fees::submit_fee_batch(state.into(), viewer, year, month)
            .await
            .extend()?;
        let (batch, user_errors) = split(outcome.map(HealthFeeBatch));
        Ok(HealthFeeBatchPayload { batch, user_errors })
    }

    /// Accept an association's batch with its submitted claims (municipal health staff).
    #[graphql(guard = "SignedIn")]
    async fn accept_health_fee_batch(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The batch.")] input: HealthFeeBatchActionInput,
    ) -> Result<HealthFeeBatchPayload> {
        settle_batch(ctx, &input.batch_id, false).await
    }

    /// Record the payment of an accepted batch and its claims (municipal health staff).
    #[graphql(guard = "SignedIn")]
    async fn pay_health_fee_batch(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The batch.")] input: HealthFeeBatchActionInput,
    ) -> Result<HealthFeeBatchPayload> {
        settle_batch(ctx, &input.batch_id, true).await
    }

    /// Register a child's eligibility with the national hub (municipal health staff).
    #[graphql(guard = "SignedIn")]
    async fn register_health_hub_eligibility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child.")] input: RegisterHealthHubEligibilityInput,
    ) -> Result<HealthHubPayload> {
        let (state, viewer) = context(ctx)?;
        let hub = ctx.data::<HealthHub>()?;
        let child_id = ids::decode_as(&input.child_id, NodeKind::HealthChild).extend()?;
        fees::register_hub_eligibility(state.into(), viewer, hub.0.as_ref(), child_id)
            .await
            .extend()?;
        Ok(HealthHubPayload {
            reference: input.child_id.to_string(),
        })
    }

    /// Register a clinic's dose record with the national hub (municipal health staff);
    /// the child must be registered first.
    #[graphql(guard = "SignedIn")]
    async fn push_vaccination_to_hub(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record.")] input: PushVaccinationToHubInput,
    ) -> Result<HealthHubPayload> {
        let (state, viewer) = context(ctx)?;
        let hub = ctx.data::<HealthHub>()?;
        let id = ids::decode_as(&input.vaccination_id, NodeKind::Vaccination).extend()?;
        let reference = fees::push_record_to_hub(state.into(), viewer, hub.0.as_ref(), id)
            .await
            .extend()?;
        Ok(HealthHubPayload { reference })
    }

    /// Import the national hub's records of a service month (municipal health staff):
    /// records clinics registered there are marked as claimed through the hub, and no
    /// monthly claim bills them; records tsunagu lacked are added with source HUB.
    #[graphql(guard = "SignedIn")]
    async fn import_health_hub_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The month.")] input: ImportHealthHubRecordsInput,
    ) -> Result<HealthHubImport> {
        let (state, viewer) = context(ctx)?;
        let hub = ctx.data::<HealthHub>()?;
        let (year, month) = input.month().extend()?;
        Ok(
            fees::import_hub_records(state.into(), viewer, hub.0.as_ref(), year, month)
                .await
                .extend()?
                .into(),
        )
    }
}

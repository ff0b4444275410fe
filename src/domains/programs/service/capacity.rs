//! Capacity: settling offers and recounting the places held.

use chrono::{DateTime, Duration, Utc};
use entity::{
    program_session::{self, SessionStatus},
    registration::{self, CancelReason, RegistrationStatus},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::{
    domains::programs::{notices, registration::Party, states::HOLDING},
    error::{AppError, AppResult},
    events::Event,
    search::{outbox, sources},
    state::ServiceContext,
};

use super::{
    lookup::program_of,
    moves::{event, move_registration},
};

/// Expires due offers, then offers the free places to the first waiting parties that fit,
/// in registration order, and writes the recounted totals (also of moves the caller made
/// before settling). Call with the session locked.
pub(super) async fn settle(
    txn: &DatabaseTransaction,
    session: &program_session::Model,
    ctx: ServiceContext<'_>,
    now: DateTime<Utc>,
) -> AppResult<Vec<Event>> {
    let settled = settle_counted(txn, session, ctx, now).await?;
    if settled.events.is_empty() {
        recount(txn, session, now).await?;
    }
    Ok(settled.events)
}

/// A session once settled: the places its registrations hold and the moves made.
pub(super) struct Settled {
    /// Seats held.
    pub seats: i32,
    /// Childcare slots held.
    pub childcare: i32,
    /// One event per registration moved (an offer expired or made); none when nothing moved.
    pub events: Vec<Event>,
}

/// [`settle`], also giving the places held once settled, for a caller that has moved
/// nothing itself: the totals are rewritten only when settling moved a registration.
/// Waiting parties are read only when a seat is free (every party takes one), and only
/// those that fit what is free.
pub(super) async fn settle_counted(
    txn: &DatabaseTransaction,
    session: &program_session::Model,
    ctx: ServiceContext<'_>,
    now: DateTime<Utc>,
) -> AppResult<Settled> {
    let offer_hours = ctx.limits.waitlist_offer_hours;
    let mut events = Vec::new();
    let expired = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session.id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Offered))
        .filter(registration::Column::OfferExpiresAt.lte(now))
        .all(txn)
        .await?;
    let program = match (expired.is_empty(), ctx.notifies()) {
        (false, true) => Some(program_of(txn, session).await?),
        _ => None,
    };
    for registration in expired {
        let deadline = registration.offer_expires_at;
        let moved = move_registration(
            txn,
            None,
            registration,
            RegistrationStatus::Cancelled,
            Some(CancelReason::OfferExpired),
            None,
            now,
        )
        .await?;
        if let (Some(program), Some(deadline)) = (&program, deadline) {
            notices::offer_passed_on(
                txn,
                program,
                session,
                &moved,
                deadline,
                notices::PassedOn::Expired,
            )
            .await?;
        }
        events.push(event(&moved, "offer_expired", now));
    }
    let (mut seats, mut childcare) = held(txn, session.id).await?;
    let free_seats = session.capacity - seats;
    if session.status == SessionStatus::Scheduled && session.starts_at > now && free_seats > 0 {
        let waiting = registration::Entity::find()
            .filter(registration::Column::SessionId.eq(session.id))
            .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
            .filter(registration::Column::Seats.lte(free_seats))
            .filter(registration::Column::Childcare.lte(session.childcare_slots - childcare))
            .order_by_asc(registration::Column::Id)
            .all(txn)
            .await?;
        let expires = std::cmp::min(
            now + Duration::hours(i64::from(offer_hours)),
            session.starts_at,
        );
        for registration in waiting {
            let party = Party {
                adults: registration.adults,
                children: registration.children,
                seats: registration.seats,
                childcare: registration.childcare,
            };
            if !party.fits(
                session.capacity - seats,
                session.childcare_slots - childcare,
            ) {
                continue;
            }
            seats += party.seats;
            childcare += party.childcare;
            let mut model = registration.clone().into_active_model();
            model.offer_expires_at = Set(Some(expires));
            let registration = model.update(txn).await?;
            let moved = move_registration(
                txn,
                None,
                registration,
                RegistrationStatus::Offered,
                None,
                None,
                now,
            )
            .await?;
            if ctx.notifies() {
                notices::place_offered(txn, &program_of(txn, session).await?, session, &moved)
                    .await?;
            }
            events.push(event(&moved, "offered", now));
        }
    }
    if !events.is_empty() {
        recount(txn, session, now).await?;
    }
    Ok(Settled {
        seats,
        childcare,
        events,
    })
}

/// Seats and childcare slots held on a session, counted from its registrations.
pub(super) async fn held(txn: &DatabaseTransaction, session_id: Uuid) -> AppResult<(i32, i32)> {
    use registration::Column;
    let sums: Option<(Option<i64>, Option<i64>)> = registration::Entity::find()
        .select_only()
        .column_as(Column::Seats.sum(), "seats")
        .column_as(Column::Childcare.sum(), "childcare")
        .filter(Column::SessionId.eq(session_id))
        .filter(Column::Status.is_in(HOLDING))
        .into_tuple()
        .one(txn)
        .await?;
    let (seats, childcare) = sums.unwrap_or((None, None));
    let narrow = |sum: Option<i64>| i32::try_from(sum.unwrap_or(0)).unwrap_or(i32::MAX);
    Ok((narrow(seats), narrow(childcare)))
}

/// Writes the recounted totals onto the session row.
pub(super) async fn recount(
    txn: &DatabaseTransaction,
    session: &program_session::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (seats, childcare) = held(txn, session.id).await?;
    let current = program_session::Entity::find_by_id(session.id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    write_totals(txn, current, seats, childcare, now).await
}

/// Writes `seats` and `childcare` as the places held on `current` (the session row as it
/// is now, locked), if they differ from what it says.
pub(super) async fn write_totals(
    txn: &DatabaseTransaction,
    current: program_session::Model,
    seats: i32,
    childcare: i32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if current.seats_taken == seats && current.childcare_taken == childcare {
        return Ok(());
    }
    let mut model = current.into_active_model();
    model.seats_taken = Set(seats);
    model.childcare_taken = Set(childcare);
    model.updated_at = Set(now);
    let updated = model.update(txn).await?;
    // Free places moved: the program's search document shows them.
    outbox::enqueue(
        txn,
        sources::PROGRAM,
        updated.program_id,
        updated.municipality_id,
    )
    .await?;
    Ok(())
}

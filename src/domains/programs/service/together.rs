//! Registrations for one session that arrive together share one transaction.
//!
//! Every registration for a session locks the session's row, and its commit waits for the
//! disk before the next one may take the row: one transaction per registration caps a
//! popular session at the disk's commits per second, however many clients are waiting.
//! So a replica keeps a queue per session. The first registration to find it idle writes:
//! it opens one transaction with the parties waiting behind it (up to [`BATCH`]), takes
//! them at one desk in the order they arrived — each checked and confirmed or waitlisted as
//! if alone — commits once, and answers each. Then it hands the queue to the first party
//! still waiting, which does the same. The row lock still orders writers of other replicas
//! and of other use cases, so nothing else changes.
//!
//! When the shared transaction fails as a whole, each party of it is registered again
//! alone, so one party's failure is never another's answer.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use entity::registration;
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::{
    auth::AuthUser,
    domains::programs::registration::Child,
    error::{AppError, AppResult, FieldError},
    events::Event,
    state::{ServiceContext, WriteQueues},
};

use super::registering::{Applicant, Desk, Guest, register_in};

/// Parties one transaction takes at most.
pub(super) const BATCH: usize = 64;

/// A registration's answer before its caller's own follow-up: the registration as written
/// and the events, or the rules it breaks.
pub(super) type Answer = AppResult<Result<(registration::Model, Vec<Event>), Vec<FieldError>>>;

/// An [`Applicant`] that owns what it holds, to wait in a queue.
pub(super) struct Party {
    pub(super) me: Option<AuthUser>,
    pub(super) guest: Option<Guest>,
    pub(super) adults: i32,
    pub(super) children: Vec<Child>,
    pub(super) token: Option<String>,
}

impl Party {
    fn applicant(&self) -> Applicant<'_> {
        Applicant {
            me: self.me.as_ref(),
            staff: None,
            guest: self.guest.as_ref(),
            adults: self.adults,
            children: &self.children,
            token: self.token.as_deref(),
            at_the_door: false,
        }
    }
}

/// The parties waiting for one session, and whether one of them is writing.
#[derive(Default)]
pub(super) struct Queue {
    inner: Mutex<Waiting>,
}

#[derive(Default)]
struct Waiting {
    writing: bool,
    parties: VecDeque<(Party, oneshot::Sender<Turn>)>,
}

/// What a waiting party hears: its answer, or that it writes next.
enum Turn {
    Answered(Answer),
    Write(Party, Pen),
}

impl Queue {
    fn idle(&self) -> bool {
        self.inner
            .lock()
            .is_ok_and(|waiting| !waiting.writing && waiting.parties.is_empty())
    }
}

/// The right to write a session's next transaction. Dropped — when its writer is done, or
/// its task is stopped halfway, or it was handed to a party whose caller went away — it
/// passes to the first party still waiting, so a queue never stays stuck.
struct Pen {
    queue: Arc<Queue>,
    queues: WriteQueues,
    session_id: Uuid,
}

impl Drop for Pen {
    fn drop(&mut self) {
        let next = match self.queue.inner.lock() {
            Ok(mut waiting) => {
                let next = waiting.parties.pop_front();
                if next.is_none() {
                    waiting.writing = false;
                }
                next
            }
            Err(_) => None,
        };
        match next {
            Some((party, tell)) => {
                let pen = Pen {
                    queue: Arc::clone(&self.queue),
                    queues: self.queues.clone(),
                    session_id: self.session_id,
                };
                // Should its caller have gone, the turn comes back and is dropped here,
                // and its pen passes to the next one.
                let _ = tell.send(Turn::Write(party, pen));
            }
            None => self.queues.forget_if(self.session_id, Queue::idle),
        }
    }
}

/// Registers `party` for the session, in a transaction shared with the parties that
/// arrive for the same session meanwhile.
pub(super) async fn register(
    ctx: ServiceContext<'_>,
    queues: &WriteQueues,
    session_id: Uuid,
    party: Party,
) -> Answer {
    let queue: Arc<Queue> = queues.of(session_id);
    let waiting = {
        let mut waiting = queue
            .inner
            .lock()
            .map_err(|_| AppError::Internal(anyhow::anyhow!("registration queue poisoned")))?;
        if waiting.writing {
            let (tell, hear) = oneshot::channel();
            waiting.parties.push_back((party, tell));
            Err(hear)
        } else {
            waiting.writing = true;
            Ok(party)
        }
    };
    let (party, pen) = match waiting {
        Ok(party) => {
            let pen = Pen {
                queue,
                queues: queues.clone(),
                session_id,
            };
            (party, pen)
        }
        Err(hear) => match hear.await {
            Ok(Turn::Answered(answer)) => return answer,
            Ok(Turn::Write(party, pen)) => (party, pen),
            // The writer's task was stopped before it answered.
            Err(_) => return Err(AppError::Unavailable),
        },
    };
    write(ctx, &pen, party).await
}

/// Writes `first` with the parties waiting behind it and answers them; the caller's pen
/// passes on when dropped.
async fn write(ctx: ServiceContext<'_>, pen: &Pen, first: Party) -> Answer {
    let others: Vec<(Party, oneshot::Sender<Turn>)> = match pen.queue.inner.lock() {
        Ok(mut waiting) => {
            let taken = std::cmp::min(waiting.parties.len(), BATCH - 1);
            waiting.parties.drain(..taken).collect()
        }
        Err(_) => Vec::new(),
    };
    let mut parties = vec![first];
    let mut tells = Vec::with_capacity(others.len());
    for (party, tell) in others {
        parties.push(party);
        tells.push(tell);
    }
    let started = std::time::Instant::now();
    let answers = write_together(ctx, pen.session_id, &parties).await;
    tracing::debug!(
        session_id = %pen.session_id,
        parties = parties.len(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "registrations written together"
    );
    let mut answers = answers.into_iter();
    let mine = answers
        .next()
        .unwrap_or_else(|| Err(AppError::Internal(anyhow::anyhow!("no answer for a party"))));
    for (tell, answer) in tells.into_iter().zip(answers) {
        // A caller that went away no longer needs its answer.
        let _ = tell.send(Turn::Answered(answer));
    }
    mine
}

/// The parties' answers, in order: in one transaction, or each alone when that fails.
async fn write_together(
    ctx: ServiceContext<'_>,
    session_id: Uuid,
    parties: &[Party],
) -> Vec<Answer> {
    if parties.len() > 1 {
        match one_transaction(ctx, session_id, parties).await {
            Ok(answers) => return answers,
            Err(error) => {
                tracing::warn!(%error, parties = parties.len(), "shared registration transaction failed; registering each alone");
            }
        }
    }
    let mut answers = Vec::with_capacity(parties.len());
    for party in parties {
        answers.push(alone(ctx, session_id, party).await);
    }
    answers
}

/// One party in its own transaction, committed only when registered.
async fn alone(ctx: ServiceContext<'_>, session_id: Uuid, party: &Party) -> Answer {
    let txn = crate::db::begin_write(ctx.db).await?;
    let answer = register_in(&txn, ctx, session_id, &party.applicant()).await?;
    if answer.is_ok() {
        txn.commit().await?;
    }
    Ok(answer)
}

/// Every party at one desk in one transaction. Its events are published in it, so they
/// share its commit; the answers carry none left to announce.
async fn one_transaction(
    ctx: ServiceContext<'_>,
    session_id: Uuid,
    parties: &[Party],
) -> AppResult<Vec<Answer>> {
    let txn = crate::db::begin_write(ctx.db).await?;
    let applicants: Vec<Applicant<'_>> = parties.iter().map(Party::applicant).collect();
    let mut desk = Desk::open(&txn, ctx, session_id, &applicants).await?;
    let mut outcomes = Vec::with_capacity(parties.len());
    for applicant in &applicants {
        outcomes.push(desk.register(&txn, applicant).await?);
    }
    let (written, mut events) = desk.close(&txn, ctx).await?;
    events.extend(outcomes.iter().filter_map(|outcome| match outcome {
        Ok((_, registered)) => Some(registered.clone()),
        Err(_) => None,
    }));
    if let Some(bus) = ctx.events {
        bus.publish_in(&txn, &events).await?;
    }
    txn.commit().await?;
    if let Some(bus) = ctx.events {
        bus.committed(events);
    }
    // The desk writes the registrations it made in the order it made them.
    let mut written = written.into_iter();
    outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Ok(_) => {
                let registration = written.next().ok_or_else(|| {
                    AppError::internal(anyhow::anyhow!("the desk wrote fewer registrations"))
                })?;
                Ok(Ok(Ok((registration, Vec::new()))))
            }
            Err(refusals) => Ok(Ok(Err(refusals))),
        })
        .collect()
}

//! The background jobs every replica runs beside serving requests: the search indexer,
//! pruning of expired records, waitlist offers that ran out, the assignment of waiting
//! relocation inquiries, the release of scheduled articles, the reminders due by the clock
//! and the delivery of notifications.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::{
    auth::session,
    domains::{childcare, content, health, programs, relocation},
    idempotency, search,
    state::AppState,
};

/// The running background jobs; dropping this stops them.
pub struct Jobs(Vec<JoinHandle<()>>);

impl Jobs {
    /// Starts every job on `state`.
    pub fn start(state: &AppState) -> Self {
        Self(vec![
            state.search.spawn_indexer(),
            tokio::spawn(maintain(state.clone())),
            tokio::spawn(probe_database(state.clone())),
            tokio::spawn(expire_waitlist_offers(state.clone())),
            tokio::spawn(sweep_assignments(state.clone())),
            tokio::spawn(release_scheduled_articles(state.clone())),
            tokio::spawn(send_reminders(state.clone())),
            crate::notify::worker::spawn(state),
        ])
    }
}

impl Drop for Jobs {
    fn drop(&mut self) {
        for job in &self.0 {
            job.abort();
        }
    }
}

/// Probes the database every second, so requests during an outage are refused at once.
async fn probe_database(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        state.db_health.probe(&state.db).await;
    }
}

/// Prunes expired rate-limit windows, idempotency keys and sessions now and then.
async fn maintain(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        let pruned = async {
            let windows = state.limiter.prune(Duration::from_secs(86_400)).await?;
            let keys = idempotency::prune(&state.db, 7).await?;
            let sessions = session::prune(&state.db, 30).await?;
            search::indexer::prune_outbox(&state.db).await?;
            Ok::<_, crate::error::AppError>((windows, keys, sessions))
        }
        .await;
        match pruned {
            Ok((windows, keys, sessions)) => {
                tracing::debug!(windows, keys, sessions, "pruned expired records");
            }
            Err(error) => tracing::warn!(%error, "pruning expired records failed"),
        }
    }
}

/// Passes expired waitlist offers on to the next waiting party every five minutes, for
/// sessions nobody reads or writes meanwhile (reads and writes of a session do it as they
/// happen). Offers last hours, so a few minutes' delay is immaterial.
async fn expire_waitlist_offers(state: AppState) {
    let period = Duration::from_secs(300);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tick.tick().await;
        match programs::service::expire_due_offers((&state).into()).await {
            Ok(0) => {}
            Ok(sessions) => tracing::info!(sessions, "passed on expired waitlist offers"),
            Err(error) => tracing::warn!(%error, "passing on expired waitlist offers failed"),
        }
    }
}

/// Assigns waiting relocation inquiries when capacity frees by itself: at the end of the
/// next leave period (nothing else happens at that moment to trigger it), and at least every
/// `assignment_sweep_secs` as a backstop. A leave written on any replica wakes it to look
/// again (the event bus carries it between replicas).
async fn sweep_assignments(state: AppState) {
    use relocation::service as relocation;
    let mut events = state.events.subscribe();
    let every = chrono::Duration::seconds(
        i64::try_from(state.limits.assignment_sweep_secs.max(1)).unwrap_or(60),
    );
    loop {
        let now = crate::db::now();
        match relocation::sweep(crate::state::ServiceContext::from(&state).as_of(now)).await {
            Ok(0) => {}
            Ok(assigned) => tracing::info!(assigned, "assigned waiting relocation inquiries"),
            Err(error) => tracing::warn!(%error, "assigning waiting relocation inquiries failed"),
        }
        let backstop = now + every;
        let wake = match relocation::next_leave_end(&state.db, now).await {
            Ok(Some(end)) => end.min(backstop),
            Ok(None) => backstop,
            Err(error) => {
                tracing::warn!(%error, "reading the next end of leave failed");
                backstop
            }
        };
        let wait = (wake - crate::db::now())
            .to_std()
            .unwrap_or_default()
            .max(Duration::from_millis(10));
        let sleep = tokio::time::sleep(wait);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => break,
                event = events.recv() => match event {
                    Ok(event) if event.topic == relocation::TOPIC_LEAVE_CHANGED => break,
                    Ok(_) => {}
                    // Missed events may include a leave: look again.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        (&mut sleep).await;
                        break;
                    }
                },
            }
        }
    }
}

/// Releases scheduled articles to search once their publish time has come.
async fn release_scheduled_articles(state: AppState) {
    let mut tick = tokio::time::interval(content::service::RELEASE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match content::service::release_scheduled(&state.db).await {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "released scheduled articles to search"),
            Err(error) => tracing::warn!(%error, "releasing scheduled articles failed"),
        }
    }
}

/// Writes the reminders that have come due, every `reminder_poll_ms`, the first time one
/// period after start (a replica starting writes nothing before it serves).
async fn send_reminders(state: AppState) {
    let every = Duration::from_millis(state.limits.notify.reminder_poll_ms.max(10));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let outcome = write_due_reminders(&state, crate::db::now()).await;
        state.metrics.count_reminder_pass(outcome.is_ok());
        match outcome {
            Ok(0) => {}
            Ok(written) => tracing::info!(written, "wrote reminders"),
            Err(error) => tracing::warn!(%error, "writing reminders failed"),
        }
    }
}

/// One pass of the reminder scheduler as of `now`: every domain's due reminders, written
/// once each (see `notify::schedule`). Returns how many were written.
pub async fn write_due_reminders(
    state: &AppState,
    now: chrono::DateTime<chrono::Utc>,
) -> crate::error::AppResult<usize> {
    let db = &state.background_db;
    let settings = &state.limits.notify;
    let mut notices = programs::reminders::due(db, settings, now).await?;
    notices.extend(childcare::reminders::due(db, settings, now).await?);
    notices.extend(health::reminders::due(db, settings, now).await?);
    notices.extend(relocation::reminders::due(db, settings, now).await?);
    Ok(crate::notify::schedule::write(db, notices).await?)
}

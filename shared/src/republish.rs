//! The republisher's work. The sweep finishes claims left RECEIVED after their lease lapsed —
//! their delivery failed or died and no retry came back — found through the pending index, never
//! a scan, a bounded number per vendor and run. Replay sends a vendor's stored events of a time
//! range to their queues again, for an operator whose consumer lost data.
//!
//! Two sweeps running at once, or a sweep and a vendor's retry, cannot both publish a claim: each
//! must take the claim over with a conditional write first, and only one such write succeeds.

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::clock::Clock;
use crate::completion::complete;
use crate::event::rfc3339;
use crate::fanout::{Message, Publisher};
use crate::metrics::{self, Unit};
use crate::pipeline::IN_FLIGHT_WINDOW;
use crate::store::{ClaimIndex, ClaimLookup, ClaimStore, Cursor, StoreError};

/// The dimension of the republisher's metrics (the template's alarm names it).
pub const METRIC_DIMENSION: (&str, &str) = ("Function", "republisher");
/// Claims a sweep found but could not finish (the template alarms on it).
pub const UNFINISHED_METRIC: &str = "UnfinishedClaims";

/// Claims finished per vendor and sweep: bounds a run's work and time (each takes at most a few
/// AWS calls); what is left waits for the next run.
pub const SWEEP_LIMIT_PER_VENDOR: usize = 25;
/// Events replayed per invocation unless the request says otherwise, and the most it may ask.
pub const REPLAY_PAGE: usize = 100;
pub const REPLAY_PAGE_MAX: usize = 500;

/// What a sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepReport {
    /// Lapsed claims the index listed.
    pub found: usize,
    /// Claims this run published and settled.
    pub completed: usize,
    /// Claims someone else took over (or finished) first.
    pub skipped: usize,
    /// Claims that could not be finished now; the next run tries again.
    pub failed: usize,
    /// Messages sent.
    pub messages: usize,
}

/// An operator's replay request: `{"replay": {"vendor", "from", "to", "cursor"?, "limit"?}}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayRequest {
    pub vendor: String,
    /// RFC 3339, inclusive.
    pub from: String,
    /// RFC 3339, exclusive.
    pub to: String,
    /// The `next` of the previous report, to go on where it stopped.
    #[serde(default)]
    pub cursor: Option<Cursor>,
    #[serde(default)]
    pub limit: Option<usize>,
}

/// What a replay invocation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayReport {
    /// Events sent again to every queue they were routed to.
    pub replayed: usize,
    /// Messages sent.
    pub messages: usize,
    /// Events some queue did not take; run the same page again.
    pub failed: usize,
    /// Where to go on: pass it as `cursor`; `None` when the range is done.
    pub next: Option<Cursor>,
}

/// Why a replay request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("`{0}` is not an RFC 3339 time")]
    InvalidTime(&'static str),
    #[error("`from` must be before `to`")]
    EmptyRange,
    #[error("`limit` must be from 1 to {REPLAY_PAGE_MAX}")]
    InvalidLimit,
    #[error("the invocation is not a scheduled event or a replay request: {0}")]
    InvalidRequest(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The republisher over a store, a publisher and a clock.
#[derive(Debug)]
pub struct Republisher<S, P, C> {
    store: S,
    publisher: P,
    clock: C,
    vendors: Vec<String>,
}

impl<S, P, C> Republisher<S, P, C>
where
    S: ClaimStore + ClaimLookup + ClaimIndex,
    P: Publisher,
    C: Clock,
{
    /// A republisher that sweeps the claims of `vendors`.
    pub fn new(store: S, publisher: P, clock: C, vendors: &[&str]) -> Self {
        Self {
            store,
            publisher,
            clock,
            vendors: vendors.iter().map(|v| v.to_string()).collect(),
        }
    }

    /// Runs one invocation: `{"replay": {…}}` replays a page, anything else (the schedule's
    /// event) sweeps. Answers with the report as JSON.
    pub async fn run(&self, payload: serde_json::Value) -> Result<serde_json::Value, ReplayError> {
        let report = match payload.get("replay") {
            Some(request) => {
                let request: ReplayRequest = serde_json::from_value(request.clone())
                    .map_err(|error| ReplayError::InvalidRequest(error.to_string()))?;
                serde_json::to_value(self.replay(&request).await?)
            }
            None => serde_json::to_value(self.sweep().await),
        };
        report.map_err(|error| ReplayError::InvalidRequest(error.to_string()))
    }

    /// Finishes lapsed claims of every vendor, at most [`SWEEP_LIMIT_PER_VENDOR`] each. A vendor
    /// whose index cannot be read is counted as failed and the others still swept.
    pub async fn sweep(&self) -> SweepReport {
        let mut report = SweepReport::default();
        for vendor in &self.vendors {
            let now = self.clock.now();
            let pks = match self
                .store
                .pending(vendor, now, SWEEP_LIMIT_PER_VENDOR)
                .await
            {
                Ok(pks) => pks,
                Err(error) => {
                    tracing::warn!(vendor = %vendor, reason = %error, "could not list pending claims");
                    report.failed += 1;
                    continue;
                }
            };
            report.found += pks.len();
            for pk in pks {
                self.finish(&pk, &mut report).await;
            }
        }
        tracing::info!(
            found = report.found,
            completed = report.completed,
            skipped = report.skipped,
            failed = report.failed,
            messages = report.messages,
            "sweep done"
        );
        let count = |n: usize| n as f64;
        metrics::emit(
            &[METRIC_DIMENSION],
            &[
                // Claims whose delivery failed or died: each one is an event that was late.
                ("PendingClaimsFound", count(report.found), Unit::Count),
                ("ClaimsCompleted", count(report.completed), Unit::Count),
                // Claims still not in their queues after this run: the template alarms on it.
                (UNFINISHED_METRIC, count(report.failed), Unit::Count),
            ],
            self.clock.now().unix_timestamp_nanos() / 1_000_000,
        );
        report
    }

    async fn finish(&self, pk: &str, report: &mut SweepReport) {
        let now = self.clock.now();
        let lease_until = (now + IN_FLIGHT_WINDOW).unix_timestamp();
        match self.store.take_over(pk, now, lease_until).await {
            Ok(Some(stored)) => match complete(&self.store, &self.publisher, &stored, now).await {
                Ok(sent) => {
                    report.completed += 1;
                    report.messages += sent;
                }
                Err(error) => {
                    tracing::warn!(vendor = %stored.claim.event.vendor, reason = %error, "could not finish a claim");
                    report.failed += 1;
                }
            },
            Ok(None) => report.skipped += 1,
            Err(error) => {
                tracing::warn!(reason = %error, "could not take over a claim");
                report.failed += 1;
            }
        }
    }

    /// Sends one page of `request`'s range again, to every queue each event was routed to.
    pub async fn replay(&self, request: &ReplayRequest) -> Result<ReplayReport, ReplayError> {
        let from = normalised_time(&request.from, "from")?;
        let to = normalised_time(&request.to, "to")?;
        if from >= to {
            return Err(ReplayError::EmptyRange);
        }
        let limit = request.limit.unwrap_or(REPLAY_PAGE);
        if !(1..=REPLAY_PAGE_MAX).contains(&limit) {
            return Err(ReplayError::InvalidLimit);
        }
        let page = self
            .store
            .received_between(&request.vendor, &from, &to, limit, request.cursor.as_ref())
            .await?;
        let mut report = ReplayReport {
            next: page.next,
            ..ReplayReport::default()
        };
        for pk in page.pks {
            let Some(stored) = self.store.load(&pk).await? else {
                continue;
            };
            let message = Message::of(&stored.claim.event);
            let mut all_sent = true;
            for queue in &stored.claim.queues {
                match self.publisher.publish(queue, &message).await {
                    Ok(()) => report.messages += 1,
                    Err(error) => {
                        tracing::warn!(reason = %error, "replay could not publish");
                        all_sent = false;
                    }
                }
            }
            if all_sent {
                report.replayed += 1;
            } else {
                report.failed += 1;
            }
        }
        tracing::info!(
            vendor = %request.vendor,
            replayed = report.replayed,
            failed = report.failed,
            more = report.next.is_some(),
            "replay page done"
        );
        Ok(report)
    }
}

/// An RFC 3339 time in the stored form, so that it compares with stored times as text.
fn normalised_time(text: &str, field: &'static str) -> Result<String, ReplayError> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(rfc3339)
        .map_err(|_| ReplayError::InvalidTime(field))
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::event::{Classified, Event};
    use crate::fanout::MemoryPublisher;
    use crate::store::{Claim, ClaimStatus, MemoryStore};
    use std::sync::Arc;
    use time::macros::datetime;
    use time::Duration;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00:00 UTC);
    const Q: &str = "https://sqs.eu-west-1.amazonaws.com/1/q";

    async fn claim(store: &MemoryStore, key: &str, at: OffsetDateTime) -> String {
        let classified = Classified {
            event_type: "t".into(),
            dedupe_key: key.into(),
            occurred_at: None,
            entity: None,
            account: None,
        };
        let claim = Claim {
            event: Event::new("wayke", classified, at, "{}".into()),
            queues: vec![Q.into()],
            expires_at: (at + Duration::days(7)).unix_timestamp(),
            lease_until: (at + IN_FLIGHT_WINDOW).unix_timestamp(),
            body_digest: "d".into(),
        };
        store.claim(&claim, at).await.unwrap();
        claim.event.pk()
    }

    fn republisher(
        store: &Arc<MemoryStore>,
        queues: &Arc<MemoryPublisher>,
        clock: &Arc<FixedClock>,
    ) -> Republisher<Arc<MemoryStore>, Arc<MemoryPublisher>, Arc<FixedClock>> {
        Republisher::new(
            Arc::clone(store),
            Arc::clone(queues),
            Arc::clone(clock),
            &["wayke"],
        )
    }

    #[tokio::test]
    async fn a_sweep_finishes_only_claims_whose_lease_lapsed() {
        let (store, queues) = (
            Arc::new(MemoryStore::new()),
            Arc::new(MemoryPublisher::with_queues(&[Q])),
        );
        let clock = Arc::new(FixedClock::at(NOW));
        let pk = claim(&store, "a", NOW).await;
        assert_eq!(
            republisher(&store, &queues, &clock).sweep().await,
            SweepReport::default()
        );
        clock.advance(IN_FLIGHT_WINDOW + Duration::seconds(1));
        let report = republisher(&store, &queues, &clock).sweep().await;
        assert_eq!((report.found, report.completed, report.messages), (1, 1, 1));
        assert_eq!(
            store.load(&pk).await.unwrap().unwrap().status,
            ClaimStatus::Published
        );
        assert_eq!(republisher(&store, &queues, &clock).sweep().await.found, 0);
    }

    #[tokio::test]
    async fn replay_checks_its_request_and_sends_a_range() {
        let (store, queues) = (
            Arc::new(MemoryStore::new()),
            Arc::new(MemoryPublisher::with_queues(&[Q])),
        );
        let clock = Arc::new(FixedClock::at(NOW));
        claim(&store, "a", NOW).await;
        claim(&store, "b", NOW + Duration::hours(2)).await;
        let request = |from: &str, to: &str, limit: Option<usize>| ReplayRequest {
            vendor: "wayke".into(),
            from: from.into(),
            to: to.into(),
            cursor: None,
            limit,
        };
        let r = republisher(&store, &queues, &clock);
        let report = r
            .replay(&request(
                "2026-11-23T11:00:00Z",
                "2026-11-23T13:00:00+00:00",
                None,
            ))
            .await
            .unwrap();
        assert_eq!(
            (report.replayed, report.messages, report.next),
            (1, 1, None)
        );
        assert_eq!(
            r.replay(&request("soon", "2026-11-23T13:00:00Z", None))
                .await,
            Err(ReplayError::InvalidTime("from"))
        );
        assert_eq!(
            r.replay(&request(
                "2026-11-23T13:00:00Z",
                "2026-11-23T11:00:00Z",
                None
            ))
            .await,
            Err(ReplayError::EmptyRange)
        );
        assert_eq!(
            r.replay(&request(
                "2026-11-23T11:00:00Z",
                "2026-11-23T13:00:00Z",
                Some(0)
            ))
            .await,
            Err(ReplayError::InvalidLimit)
        );
        let scheduled = r
            .run(serde_json::json!({"source": "aws.events"}))
            .await
            .unwrap();
        assert_eq!(scheduled["found"], 0);
        let bad = r
            .run(serde_json::json!({"replay": {"vendor": "wayke"}}))
            .await;
        assert!(matches!(bad, Err(ReplayError::InvalidRequest(_))));
    }
}

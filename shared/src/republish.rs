//! The republisher's work. The sweep finishes claims left RECEIVED after their lease lapsed —
//! their delivery failed or died and no retry came back — found through the pending index, never
//! a scan. One run drains a backlog: it keeps taking lapsed claims of every vendor in turn, a
//! page each, until none is left or its time is nearly used. Replay sends a vendor's stored
//! events of a time range to their queues again, for an operator whose consumer lost data.
//! Both route with the republisher's own, current routing (`FANOUT_<VENDOR>`).
//!
//! Two sweeps running at once, or a sweep and a vendor's retry, cannot both publish a claim: each
//! must take the claim over first, and only one take-over succeeds ([`crate::claims`]).

use std::collections::HashSet;
use std::time::Duration as StdDuration;

use futures_util::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::claims::{ClaimError, ClaimReader, ClaimStore, Claims, Cursor, LeaseToken, StoreError};
use crate::clock::Clock;
use crate::config::RepublisherConfig;
use crate::deadline::Deadline;
use crate::event::rfc3339;
use crate::fanout::{Message, Publisher};
use crate::metrics::{self, Invocation, Unit};

/// The dimension of the republisher's metrics (the template's alarm names it).
pub const METRIC_DIMENSION: (&str, &str) = ("Function", "republisher");
/// Claims a sweep found but could not finish (the template alarms on it).
pub const UNFINISHED_METRIC: &str = "UnfinishedClaims";
/// Claims a sweep found whose delivery failed or died (the dashboard shows it).
pub const PENDING_METRIC: &str = "PendingClaimsFound";
/// Claims a sweep finished (the dashboard shows it).
pub const COMPLETED_METRIC: &str = "ClaimsCompleted";

/// Lapsed claims read from the index per vendor and turn.
pub const SWEEP_PAGE: usize = 50;
/// Claims a sweep finishes at once.
pub const SWEEP_CONCURRENCY: usize = 10;
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
    /// Claims (or vendors' indexes) that could not be finished now; the next run tries again.
    pub failed: usize,
    /// Messages sent.
    pub messages: usize,
    /// The run stopped because its time was nearly used, with claims possibly left: the next
    /// run goes on.
    pub incomplete: bool,
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
    /// Events sent again to every queue the current routing names.
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
    #[error("no vendor `{0}` is configured")]
    UnknownVendor(String),
    #[error("the invocation is not a scheduled event or a replay request: {0}")]
    InvalidRequest(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("out of time reading the range")]
    OutOfTime,
}

/// The republisher over a store, a publisher and a clock.
#[derive(Debug)]
pub struct Republisher<S, P, C> {
    claims: Claims<S, P, C>,
    vendors: Vec<String>,
    claim_deadline: StdDuration,
}

impl<S, P, C> Republisher<S, P, C>
where
    S: ClaimStore + ClaimReader,
    P: Publisher,
    C: Clock,
{
    /// A republisher that sweeps and replays the claims of `vendors` as `config` says.
    pub fn new(
        store: S,
        publisher: P,
        clock: C,
        config: RepublisherConfig,
        vendors: &[&str],
    ) -> Self {
        let dedupe_ttl = Duration::days(i64::from(config.dedupe_ttl_days));
        Self {
            claims: Claims::new(store, publisher, clock, config.routing, dedupe_ttl),
            vendors: vendors.iter().map(|v| v.to_string()).collect(),
            claim_deadline: config.claim_deadline,
        }
    }

    /// Runs one invocation within `budget`: `{"replay": {…}}` replays a page, anything else
    /// (the schedule's event) sweeps and writes the sweep's metrics, however it ended. Answers
    /// with the report as JSON.
    pub async fn run(
        &self,
        payload: serde_json::Value,
        budget: Deadline,
    ) -> Result<serde_json::Value, ReplayError> {
        let report = match payload.get("replay") {
            Some(request) => {
                let request: ReplayRequest = serde_json::from_value(request.clone())
                    .map_err(|error| ReplayError::InvalidRequest(error.to_string()))?;
                serde_json::to_value(self.replay(&request, budget).await?)
            }
            None => {
                let report = self.sweep(budget).await;
                metrics::write_line(&sweep_metrics(
                    &report,
                    &Invocation::current(),
                    self.claims.now().unix_timestamp_nanos() / 1_000_000,
                ));
                serde_json::to_value(report)
            }
        };
        report.map_err(|error| ReplayError::InvalidRequest(error.to_string()))
    }

    /// Finishes lapsed claims of every vendor, a page of each in turn, until none is left or
    /// `budget` is nearly used (a claim is started only with its full deadline still ahead). A
    /// vendor whose index cannot be read is counted as failed and the others still swept.
    pub async fn sweep(&self, budget: Deadline) -> SweepReport {
        let mut report = SweepReport::default();
        let mut cursors: Vec<(&str, Option<Cursor>)> =
            self.vendors.iter().map(|v| (v.as_str(), None)).collect();
        let mut seen: HashSet<String> = HashSet::new();
        'rounds: while !cursors.is_empty() {
            let mut still_pending = Vec::with_capacity(cursors.len());
            for (vendor, cursor) in cursors {
                if budget.remaining() < self.claim_deadline {
                    report.incomplete = true;
                    break 'rounds;
                }
                let now = self.claims.now();
                let page = budget
                    .bound(
                        self.claims
                            .store()
                            .pending(vendor, now, SWEEP_PAGE, cursor.as_ref()),
                    )
                    .await;
                let page = match page {
                    Some(Ok(page)) => page,
                    Some(Err(error)) => {
                        tracing::warn!(vendor, reason = %error, "could not list pending claims");
                        report.failed += 1;
                        continue;
                    }
                    None => {
                        report.incomplete = true;
                        break 'rounds;
                    }
                };
                let fresh: Vec<String> = page
                    .pks
                    .into_iter()
                    .filter(|pk| seen.insert(pk.clone()))
                    .collect();
                report.found += fresh.len();
                let claim_deadline = Deadline::after(self.claim_deadline).earliest(budget);
                let mut finished = stream::iter(fresh)
                    .map(|pk| async move { self.finish(&pk, &claim_deadline).await })
                    .buffer_unordered(SWEEP_CONCURRENCY);
                while let Some(result) = finished.next().await {
                    match result {
                        Finished::Completed(sent) => {
                            report.completed += 1;
                            report.messages += sent;
                        }
                        Finished::Skipped => report.skipped += 1,
                        Finished::Failed => report.failed += 1,
                    }
                }
                if page.next.is_some() {
                    still_pending.push((vendor, page.next));
                }
            }
            cursors = still_pending;
        }
        tracing::info!(
            found = report.found,
            completed = report.completed,
            skipped = report.skipped,
            failed = report.failed,
            messages = report.messages,
            incomplete = report.incomplete,
            "sweep done"
        );
        report
    }

    async fn finish(&self, pk: &str, deadline: &Deadline) -> Finished {
        let token = LeaseToken::new();
        let claim = match self.claims.take_over(pk, &token, deadline).await {
            Ok(Some(claim)) => claim,
            Ok(None) => return Finished::Skipped,
            Err(error) => {
                tracing::warn!(reason = %error, "could not take over a claim");
                return Finished::Failed;
            }
        };
        // With the event's id, as the delivery lines have it: the saved "event path" query finds
        // these lines too.
        let message = Message::of(&claim.event);
        match self
            .claims
            .publish(&claim, &message, &token, deadline)
            .await
        {
            Ok(sent) => {
                tracing::info!(
                    id = %claim.event.id,
                    vendor = %claim.event.vendor,
                    event_type = %claim.event.event_type,
                    published = sent,
                    "claim finished by the republisher"
                );
                Finished::Completed(sent)
            }
            Err(error) => {
                tracing::warn!(id = %claim.event.id, vendor = %claim.event.vendor, reason = %error, "could not finish a claim");
                Finished::Failed
            }
        }
    }

    /// Sends one page of `request`'s range again, to every queue the current routing names for
    /// each event, whatever the event's state; nothing stored changes.
    pub async fn replay(
        &self,
        request: &ReplayRequest,
        budget: Deadline,
    ) -> Result<ReplayReport, ReplayError> {
        let from = normalised_time(&request.from, "from")?;
        let to = normalised_time(&request.to, "to")?;
        if from >= to {
            return Err(ReplayError::EmptyRange);
        }
        let limit = request.limit.unwrap_or(REPLAY_PAGE);
        if !(1..=REPLAY_PAGE_MAX).contains(&limit) {
            return Err(ReplayError::InvalidLimit);
        }
        if !self.vendors.contains(&request.vendor) {
            return Err(ReplayError::UnknownVendor(request.vendor.clone()));
        }
        let page = budget
            .bound(self.claims.store().received_between(
                &request.vendor,
                &from,
                &to,
                limit,
                request.cursor.as_ref(),
            ))
            .await
            .ok_or(ReplayError::OutOfTime)??;
        let claim_deadline = Deadline::after(self.claim_deadline).earliest(budget);
        let results: Vec<Result<usize, ClaimError>> = stream::iter(page.pks)
            // A claim swept since the index read has nothing to send.
            .map(|pk| async move {
                let sent = self.claims.replay_stored(&pk, &claim_deadline).await?;
                Ok(sent.unwrap_or(0))
            })
            .buffer_unordered(SWEEP_CONCURRENCY)
            .collect()
            .await;
        let mut report = ReplayReport {
            next: page.next,
            ..ReplayReport::default()
        };
        for result in results {
            match result {
                Ok(sent) => {
                    report.replayed += 1;
                    report.messages += sent;
                }
                Err(error) => {
                    tracing::warn!(reason = %error, "replay could not publish an event");
                    report.failed += 1;
                }
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

/// The EMF line of a sweep made by `invocation`, at `timestamp_ms`.
pub fn sweep_metrics(report: &SweepReport, invocation: &Invocation, timestamp_ms: i128) -> String {
    let count = |n: usize| n as f64;
    metrics::emf_line(
        invocation,
        &[METRIC_DIMENSION],
        &[
            // Claims whose delivery failed or died: each one is an event that was late.
            (PENDING_METRIC, count(report.found), Unit::Count),
            (COMPLETED_METRIC, count(report.completed), Unit::Count),
            // Claims still not in their queues after this run: the template alarms on it.
            (UNFINISHED_METRIC, count(report.failed), Unit::Count),
            // 1 when the run's time ran out before the backlog did: the next run goes on.
            (
                "SweepIncomplete",
                count(usize::from(report.incomplete)),
                Unit::Count,
            ),
        ],
        timestamp_ms,
    )
}

/// What became of one lapsed claim.
enum Finished {
    Completed(usize),
    Skipped,
    Failed,
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
    use crate::claims::{Claimed, MemoryStore, Status, LEASE};
    use crate::clock::FixedClock;
    use crate::event::{Classified, Event};
    use crate::fanout::{MemoryPublisher, Routes, Routing};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00:00 UTC);
    const Q: &str = "https://sqs.eu-west-1.amazonaws.com/1/q";
    const R: &str = "https://sqs.eu-west-1.amazonaws.com/1/r";
    const PLENTY: StdDuration = StdDuration::from_secs(300);

    struct Fixture {
        store: MemoryStore,
        queues: MemoryPublisher,
        clock: FixedClock,
    }

    impl Fixture {
        fn new() -> Self {
            Self {
                store: MemoryStore::new(),
                queues: MemoryPublisher::with_queues(&[Q, R]),
                clock: FixedClock::at(NOW),
            }
        }

        fn routing(&self, wayke: &str) -> Routing {
            Routing::of("wayke", wayke.parse::<Routes>().unwrap())
                .with("revo-xef", format!("*={Q}").parse().unwrap())
        }

        fn republisher(
            &self,
            wayke: &str,
        ) -> Republisher<MemoryStore, MemoryPublisher, FixedClock> {
            let config = RepublisherConfig {
                table: "events".into(),
                routing: self.routing(wayke),
                dedupe_ttl_days: 7,
                claim_deadline: StdDuration::from_secs(4),
            };
            Republisher::new(
                self.store.clone(),
                self.queues.clone(),
                self.clock.clone(),
                config,
                &["wayke", "revo-xef"],
            )
        }

        /// A claim of `vendor` left RECEIVED by a delivery that died, received at `at`.
        async fn abandoned(&self, vendor: &str, key: &str, at: OffsetDateTime) -> String {
            let classified = Classified {
                event_type: "new-order".into(),
                dedupe_key: key.into(),
                occurred_at: None,
                entity: None,
                account: None,
                published: None,
            };
            let claims = Claims::new(
                self.store.clone(),
                self.queues.clone(),
                FixedClock::at(at),
                self.routing(&format!("*={Q}")),
                Duration::days(7),
            );
            let event = Event::new(vendor, &classified, at, "{}".into());
            let message = Message::of(&event);
            let claimed = claims
                .claim(
                    event,
                    &message,
                    "d",
                    &LeaseToken::new(),
                    &Deadline::after(PLENTY),
                )
                .await
                .unwrap();
            let Claimed::Mine(claim) = claimed else {
                panic!("claimed before")
            };
            claim.pk()
        }
    }

    #[tokio::test]
    async fn a_sweep_finishes_only_claims_whose_lease_lapsed() {
        let fixture = Fixture::new();
        let pk = fixture.abandoned("wayke", "a", NOW).await;
        let republisher = fixture.republisher(&format!("*={Q}"));
        assert_eq!(
            republisher.sweep(Deadline::after(PLENTY)).await,
            SweepReport::default()
        );
        fixture.clock.advance(LEASE + Duration::seconds(1));
        let report = republisher.sweep(Deadline::after(PLENTY)).await;
        assert_eq!((report.found, report.completed, report.messages), (1, 1, 1));
        let settled = fixture.store.load(&pk).await.unwrap().unwrap();
        assert_eq!(settled.status, Status::Published);
        assert_eq!(
            settled.expires_at,
            Some((fixture.clock.now() + Duration::days(7)).unix_timestamp()),
            "the dedupe window counts from publication"
        );
        assert_eq!(republisher.sweep(Deadline::after(PLENTY)).await.found, 0);
    }

    #[tokio::test]
    async fn one_run_drains_every_vendor_past_a_page_and_routes_with_its_own_rules() {
        let fixture = Fixture::new();
        for i in 0..(2 * SWEEP_PAGE + 7) {
            fixture.abandoned("wayke", &format!("w{i}"), NOW).await;
        }
        for i in 0..3 {
            fixture.abandoned("revo-xef", &format!("r{i}"), NOW).await;
        }
        fixture.clock.advance(LEASE + Duration::seconds(1));
        // The claims were made when Wayke routed to Q; the republisher's rules now say R.
        let report = fixture
            .republisher(&format!("*={R}"))
            .sweep(Deadline::after(PLENTY))
            .await;
        let total = 2 * SWEEP_PAGE + 10;
        assert_eq!(
            (
                report.found,
                report.completed,
                report.failed,
                report.incomplete
            ),
            (total, total, 0, false)
        );
        assert_eq!(fixture.queues.sent(R).len(), 2 * SWEEP_PAGE + 7);
        assert_eq!(fixture.queues.sent(Q).len(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_run_out_of_time_stops_taking_claims_and_says_so() {
        let fixture = Fixture::new();
        fixture.abandoned("wayke", "a", NOW).await;
        fixture.clock.advance(LEASE + Duration::seconds(1));
        let republisher = fixture.republisher(&format!("*={Q}"));
        let report = republisher
            .sweep(Deadline::after(StdDuration::from_secs(1)))
            .await;
        assert_eq!((report.found, report.incomplete), (0, true));
        assert_eq!(fixture.queues.total_sent(), 0);
    }

    #[tokio::test]
    async fn a_failing_queue_is_counted_once_per_run_and_left_for_the_next() {
        let fixture = Fixture::new();
        let pk = fixture.abandoned("wayke", "a", NOW).await;
        fixture.clock.advance(LEASE + Duration::seconds(1));
        fixture.queues.set_failing(Q, true);
        let republisher = fixture.republisher(&format!("*={Q}"));
        let report = republisher.sweep(Deadline::after(PLENTY)).await;
        assert_eq!(
            (report.found, report.failed, report.incomplete),
            (1, 1, false)
        );
        let claim = fixture.store.load(&pk).await.unwrap().unwrap();
        assert_eq!((claim.status, claim.expires_at), (Status::Received, None));
        fixture.queues.set_failing(Q, false);
        let report = republisher.sweep(Deadline::after(PLENTY)).await;
        assert_eq!((report.found, report.completed), (1, 1));
    }

    #[tokio::test]
    async fn replay_checks_its_request_and_sends_a_range_where_the_rules_now_say() {
        let fixture = Fixture::new();
        fixture.abandoned("wayke", "a", NOW).await;
        fixture
            .abandoned("wayke", "b", NOW + Duration::hours(2))
            .await;
        let request = |from: &str, to: &str, limit: Option<usize>| ReplayRequest {
            vendor: "wayke".into(),
            from: from.into(),
            to: to.into(),
            cursor: None,
            limit,
        };
        let r = fixture.republisher(&format!("*={Q};new-*={R}"));
        let budget = Deadline::after(PLENTY);
        let report = r
            .replay(
                &request("2026-11-23T11:00:00Z", "2026-11-23T13:00:00+00:00", None),
                budget,
            )
            .await
            .unwrap();
        assert_eq!(
            (report.replayed, report.messages, report.next),
            (1, 2, None)
        );
        assert_eq!(
            (fixture.queues.sent(Q).len(), fixture.queues.sent(R).len()),
            (1, 1)
        );
        assert_eq!(
            r.replay(&request("soon", "2026-11-23T13:00:00Z", None), budget)
                .await,
            Err(ReplayError::InvalidTime("from"))
        );
        assert_eq!(
            r.replay(
                &request("2026-11-23T13:00:00Z", "2026-11-23T11:00:00Z", None),
                budget
            )
            .await,
            Err(ReplayError::EmptyRange)
        );
        assert_eq!(
            r.replay(
                &request("2026-11-23T11:00:00Z", "2026-11-23T13:00:00Z", Some(0)),
                budget
            )
            .await,
            Err(ReplayError::InvalidLimit)
        );
        let unknown = ReplayRequest {
            vendor: "acme".into(),
            ..request("2026-11-23T11:00:00Z", "2026-11-23T13:00:00Z", None)
        };
        assert_eq!(
            r.replay(&unknown, budget).await,
            Err(ReplayError::UnknownVendor("acme".into()))
        );
        let scheduled = r
            .run(serde_json::json!({"source": "aws.events"}), budget)
            .await
            .unwrap();
        assert_eq!(scheduled["found"], 0);
        let bad = r
            .run(serde_json::json!({"replay": {"vendor": "wayke"}}), budget)
            .await;
        assert!(matches!(bad, Err(ReplayError::InvalidRequest(_))));
    }
}

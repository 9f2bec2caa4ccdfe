//! The claim lifecycle: every state change of a claimed event happens in this module, for the
//! receiving pipeline, the republisher's sweep and replay alike.
//!
//! A claim is the stored record of one event: one DynamoDB item, partition key
//! `<vendor>#<dedupe key>`, holding the event, its state, a lease and the queues known to have
//! its message.
//!
//! ```text
//!                claim                                 settle
//!   (absent) ───────────▶ RECEIVED, leased to me ───────────────▶ PUBLISHED ──TTL──▶ (absent)
//!       ▲                   │       ▲                              expiresAt =
//!       │                   │       │ take over                    settle + DEDUPE_TTL_DAYS
//!       │           release │       │ (lease lapsed)
//!       │                   ▼       │
//!       │                 RECEIVED, lease lapsed ── never expires: no expiresAt
//!       └── claim again once expired (a redelivery after the dedupe window is a new event)
//! ```
//!
//! | transition | from | to | one conditional write, only if |
//! |---|---|---|---|
//! | claim | absent, or expired | RECEIVED, leased to the caller, no `expiresAt` | `attribute_not_exists(pk) OR expiresAt < now` |
//! | take over | RECEIVED, lease lapsed | RECEIVED, leased to the caller | `status = RECEIVED AND leaseUntil < now` |
//! | release | RECEIVED, leased to the caller | lease lapsed, queues that took the message added | `leaseToken = caller` |
//! | settle | RECEIVED, leased to the caller | PUBLISHED, queues added, `expiresAt` = now + TTL | `leaseToken = caller` |
//! | expire | PUBLISHED past `expiresAt` | absent | DynamoDB's TTL |
//!
//! - **Leases.** Whoever makes or takes over a claim holds it for [`LEASE`], longer than a
//!   Lambda invocation can run, under a token of its own ([`LeaseToken`]). Only the holder
//!   releases or settles it; anyone else waits for the lease to lapse, then takes it over.
//! - **A retried call recognises its own work.** When the SDK retries a claim or a take-over
//!   whose first attempt succeeded with its answer lost, the retry's condition fails and the item
//!   comes back (`ALL_OLD`) carrying the caller's own token: the caller goes on as the holder.
//! - **Routing is decided when publishing**, with the routing of whoever publishes: the queues of
//!   the current `FANOUT` rules that are not yet known to have the message get it. A claim whose
//!   event no rule matches is settled at once; replay sends it wherever the rules then say.
//! - **Nothing unpublished expires.** `expiresAt`, DynamoDB's TTL attribute, is written by
//!   settle only, so the dedupe window counts from publication and a RECEIVED claim waits for
//!   the republisher however long its queues are down.
//! - **Time.** Every call runs under the caller's [`Deadline`]; one out of time leaves the claim
//!   as it is, for the lease to lapse.

mod browse;
mod dynamo;
#[cfg(any(test, feature = "test-util"))]
mod memory;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use futures_util::future::join_all;
use time::{Duration, OffsetDateTime};

use crate::clock::Clock;
use crate::deadline::Deadline;
use crate::event::Event;
use crate::fanout::{Message, PublishError, Publisher, Routing};
use crate::limits::MAX_MESSAGE_BYTES;

pub use browse::{id_of_pk, ClaimSummary, BATCH_GET_MAX};
pub use dynamo::{
    item_size, DynamoStore, Order, ATTR_EXPIRES_AT, ATTR_LEASE_UNTIL, ATTR_PENDING_VENDOR, ATTR_PK,
    ATTR_RECEIVED_AT, ATTR_VENDOR, PENDING_INDEX, RECEIVED_INDEX,
};
#[cfg(any(test, feature = "test-util"))]
pub use memory::MemoryStore;

/// How long a claim is held by whoever made or took it over. Longer than a vendor function's
/// Lambda timeout (and so than its delivery deadline), so a live holder never loses its claim;
/// short enough that a claim whose holder died is swept soon after.
pub const LEASE: Duration = Duration::seconds(30);

/// Whether every routed queue has the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Received,
    Published,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "RECEIVED",
            Self::Published => "PUBLISHED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "RECEIVED" => Some(Self::Received),
            "PUBLISHED" => Some(Self::Published),
            _ => None,
        }
    }
}

/// Who holds a claim: a random token per delivery or republisher run, never reused.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeaseToken(String);

impl LeaseToken {
    /// A new token, 128 bits in hex: a random number the process draws once, plus how many
    /// tokens it made before. Tokens of one process differ by their count, those of two processes
    /// by their draws; and no token costs a system call, which drawing 128 bits for each did.
    pub fn new() -> Self {
        static BASE: OnceLock<u128> = OnceLock::new();
        static MADE: AtomicU64 = AtomicU64::new(0);
        let base = *BASE.get_or_init(random_base);
        let count = MADE.fetch_add(1, Ordering::Relaxed);
        Self(crate::digest::hex(
            &base.wrapping_add(u128::from(count)).to_be_bytes(),
        ))
    }

    /// A token as stored.
    pub fn from_stored(token: String) -> Self {
        Self(token)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for LeaseToken {
    fn default() -> Self {
        Self::new()
    }
}

/// 128 random bits from the OS. If it refuses (it does not on Lambda), a number unique to this
/// process and moment still tells processes apart.
fn random_base() -> u128 {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_err() {
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
        bytes.copy_from_slice(&nanos.to_le_bytes());
        bytes[..4].copy_from_slice(&std::process::id().to_le_bytes());
    }
    u128::from_le_bytes(bytes)
}

/// The holder of a claim and until when (epoch seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub token: LeaseToken,
    pub until: i64,
}

impl Lease {
    /// A lease for `token` from `now`.
    pub fn from(token: &LeaseToken, now: OffsetDateTime) -> Self {
        Self {
            token: token.clone(),
            until: (now + LEASE).unix_timestamp(),
        }
    }

    pub fn lapsed_at(&self, now: OffsetDateTime) -> bool {
        self.until < now.unix_timestamp()
    }
}

/// A claimed event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub event: Event,
    /// Hex SHA-256 of the payload, which tells a redelivery from a vendor id reused for another
    /// body.
    pub body_digest: String,
    pub status: Status,
    pub lease: Lease,
    /// Queues known to have the message, in the order they were confirmed.
    pub published_queues: Vec<String>,
    /// Epoch seconds after which the claim may be forgotten; set when it is settled, never
    /// before.
    pub expires_at: Option<i64>,
}

impl Claim {
    /// A new claim of `event`, RECEIVED and leased to `token`.
    pub fn received(
        event: Event,
        body_digest: String,
        token: &LeaseToken,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            event,
            body_digest,
            status: Status::Received,
            lease: Lease::from(token, now),
            published_queues: Vec::new(),
            expires_at: None,
        }
    }

    pub fn pk(&self) -> String {
        self.event.pk()
    }

    /// Whether `token` holds this claim: the caller's own work, come back through a retried call.
    fn held_by(&self, token: &LeaseToken) -> bool {
        self.status == Status::Received && self.lease.token == *token
    }

    /// Whether a redelivery or the sweep may take it over now.
    pub fn is_unfinished_and_lapsed(&self, now: OffsetDateTime) -> bool {
        self.status == Status::Received && self.lease.lapsed_at(now)
    }
}

/// What a conditional put found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    /// The claim was written.
    Created,
    /// A live claim has the key; this is it, as stored (returned by the failed write itself).
    Existing(Box<Claim>),
}

/// What a take-over found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakeOutcome {
    /// The lease is the caller's now; the claim as updated.
    Taken(Box<Claim>),
    /// The condition failed: the claim as stored, or `None` when there is none.
    Refused(Option<Box<Claim>>),
}

/// Whether a release or settle found the caller still holding the lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    Held,
    /// Someone else holds the claim now (the caller's lease lapsed and was taken over), or it is
    /// gone: nothing was written.
    Lost,
}

/// The conditional writes of the lifecycle, one per transition: what a store adapter provides.
/// Each changes nothing when its condition fails.
pub trait ClaimStore: Send + Sync {
    /// Writes `claim` unless a live claim has its key (absent, or `expiresAt < now`); returns
    /// that claim otherwise, with no extra read. Refuses, before any write, a payload that would
    /// not fit an item ([`StoreError::PayloadTooLarge`]).
    fn put_new(
        &self,
        claim: &Claim,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<PutOutcome, StoreError>> + Send;

    /// Gives a RECEIVED claim whose lease ended before `now` to `lease`.
    fn take_over(
        &self,
        pk: &str,
        lease: &Lease,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<TakeOutcome, StoreError>> + Send;

    /// While `token` holds the claim: adds `published` to its queues and ends the lease at once.
    fn release(
        &self,
        pk: &str,
        token: &LeaseToken,
        published: &[String],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Holding, StoreError>> + Send;

    /// While `token` holds the claim: adds `published` to its queues, marks it PUBLISHED at
    /// `at` and sets its expiry.
    fn settle(
        &self,
        pk: &str,
        token: &LeaseToken,
        published: &[String],
        at: OffsetDateTime,
        expires_at: i64,
    ) -> impl Future<Output = Result<Holding, StoreError>> + Send;
}

/// Where a page of a range query stops: the next page starts after it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cursor {
    pub pk: String,
    /// The index's sort key of the last item, as stored.
    pub sort_key: String,
}

/// One page of claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub pks: Vec<String>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// Reads claims by key and through the indexes (never a scan): for the republisher, replay,
/// operators' tools and tests.
pub trait ClaimReader: Send + Sync {
    fn load(&self, pk: &str) -> impl Future<Output = Result<Option<Claim>, StoreError>> + Send;

    /// `vendor`'s RECEIVED claims whose lease ended before `now`, oldest lease first, at most
    /// `limit`, starting after `after`.
    fn pending(
        &self,
        vendor: &str,
        now: OffsetDateTime,
        limit: usize,
        after: Option<&Cursor>,
    ) -> impl Future<Output = Result<Page, StoreError>> + Send;

    /// `vendor`'s claims received in `[from, to)` (RFC 3339, as stored), in order of receipt, at
    /// most `limit`, starting after `after`.
    fn received_between(
        &self,
        vendor: &str,
        from: &str,
        to: &str,
        limit: usize,
        after: Option<&Cursor>,
    ) -> impl Future<Output = Result<Page, StoreError>> + Send;
}

/// A store call that did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The store could not be reached or refused the call; a retry may succeed.
    #[error("the claim store failed: {0}")]
    Unavailable(String),
    /// A stored item lacks an attribute this version needs.
    #[error("stored claim {pk} is unreadable: attribute `{attribute}` is missing or invalid")]
    Corrupt { pk: String, attribute: &'static str },
    /// The payload does not fit an item even compressed: refused before any write.
    #[error(
        "the payload does not fit a stored claim ({compressed} bytes compressed, at most {limit})"
    )]
    PayloadTooLarge { compressed: usize, limit: usize },
}

/// Why a lifecycle step did not complete. Whatever it was, the claim is left in a state from
/// which a retry, the sweep or replay completes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// The deadline passed during `step`; what it did, if anything, stays for the lease to lapse.
    #[error("out of time during {step}")]
    OutOfTime { step: &'static str },
    /// The message would not fit SQS even before anything is written.
    #[error("the message would take {size} bytes, over SQS's {MAX_MESSAGE_BYTES}")]
    MessageTooLarge { size: usize },
    /// The function has no routing for the claim's vendor (a republisher missing a variable).
    #[error("no routing is configured for vendor {0}")]
    NoRouting(String),
}

/// What a delivery's claim attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimed {
    /// The caller holds the claim (it made it, or its retried call had).
    Mine(Box<Claim>),
    /// Another delivery claimed the event first; its claim as stored.
    Existing(Box<Claim>),
}

/// The lifecycle over a store, a publisher, a clock and the routing of the function running it.
#[derive(Debug)]
pub struct Claims<S, P, C> {
    store: S,
    publisher: P,
    clock: C,
    routing: Routing,
    dedupe_ttl: Duration,
}

impl<S, P, C> Claims<S, P, C>
where
    S: ClaimStore,
    P: Publisher,
    C: Clock,
{
    /// `dedupe_ttl` is how long a settled claim is kept (and a redelivery recognised).
    pub fn new(store: S, publisher: P, clock: C, routing: Routing, dedupe_ttl: Duration) -> Self {
        Self {
            store,
            publisher,
            clock,
            routing,
            dedupe_ttl,
        }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Claims `event` for `token`. `message` is the event's message ([`Message::of`]), which
    /// the caller builds once and publishes if the claim is its own. Refuses before any write a
    /// message that would not fit SQS or a payload that would not fit an item.
    pub async fn claim(
        &self,
        event: Event,
        message: &Message,
        body_digest: &str,
        token: &LeaseToken,
        deadline: &Deadline,
    ) -> Result<Claimed, ClaimError> {
        let size = message.size();
        if size > MAX_MESSAGE_BYTES {
            return Err(ClaimError::MessageTooLarge { size });
        }
        let now = self.clock.now();
        let claim = Claim::received(event, body_digest.to_string(), token, now);
        let outcome = bounded(deadline, "claim", self.store.put_new(&claim, now)).await??;
        Ok(match outcome {
            PutOutcome::Created => Claimed::Mine(Box::new(claim)),
            PutOutcome::Existing(existing) if existing.held_by(token) => Claimed::Mine(existing),
            PutOutcome::Existing(existing) => Claimed::Existing(existing),
        })
    }

    /// Takes the claim `pk` over for `token` if it is RECEIVED and its lease lapsed.
    pub async fn take_over(
        &self,
        pk: &str,
        token: &LeaseToken,
        deadline: &Deadline,
    ) -> Result<Option<Claim>, ClaimError> {
        let now = self.clock.now();
        let lease = Lease::from(token, now);
        let outcome =
            bounded(deadline, "take over", self.store.take_over(pk, &lease, now)).await??;
        Ok(match outcome {
            TakeOutcome::Taken(claim) => Some(*claim),
            TakeOutcome::Refused(Some(claim)) if claim.held_by(token) => Some(*claim),
            TakeOutcome::Refused(_) => None,
        })
    }

    /// A redelivery of `existing`: if it is unfinished and its lease lapsed, takes it over and
    /// publishes what is missing. Returns how many messages went out.
    pub async fn finish_if_lapsed(
        &self,
        existing: &Claim,
        token: &LeaseToken,
        deadline: &Deadline,
    ) -> Result<usize, ClaimError> {
        if !existing.is_unfinished_and_lapsed(self.clock.now()) {
            return Ok(0);
        }
        match self.take_over(&existing.pk(), token, deadline).await? {
            Some(claim) => {
                self.publish(&claim, &Message::of(&claim.event), token, deadline)
                    .await
            }
            None => Ok(0),
        }
    }

    /// Publishes `message`, the message of a claim `token` holds ([`Message::of`] its event), to
    /// every queue the event is routed to now that is not known to have it, all at once, then
    /// settles the claim. When a queue fails, records the queues that took the message and
    /// releases the lease, so the next attempt sends only the rest and need not wait. Returns
    /// how many messages went out.
    pub async fn publish(
        &self,
        claim: &Claim,
        message: &Message,
        token: &LeaseToken,
        deadline: &Deadline,
    ) -> Result<usize, ClaimError> {
        let event = &claim.event;
        let routed = self
            .routing
            .queues_for(&event.vendor, &event.event_type)
            .ok_or_else(|| ClaimError::NoRouting(event.vendor.clone()))?;
        if routed.is_empty() {
            tracing::warn!(
                vendor = %event.vendor,
                event_type = %event.event_type,
                "no FANOUT rule matches this event type: it is settled unsent; replay sends it once a rule does"
            );
        }
        let missing: Vec<&str> = routed
            .into_iter()
            .filter(|queue| !claim.published_queues.iter().any(|known| known == queue))
            .collect();
        let (sent, failed) = self.send(&missing, message, deadline, "publish").await;
        let pk = claim.pk();
        if let Some(error) = failed {
            tracing::warn!(
                vendor = %event.vendor,
                dedupe_key = %event.dedupe_key,
                sent = sent.len(),
                missing = missing.len(),
                reason = %error,
                "publishing was incomplete; the claim stays RECEIVED"
            );
            let now = self.clock.now();
            match bounded(
                deadline,
                "release",
                self.store.release(&pk, token, &sent, now),
            )
            .await
            {
                Ok(Ok(_)) => {}
                Ok(Err(release_error)) => {
                    tracing::warn!(reason = %release_error, "could not release the claim; its lease will lapse");
                }
                Err(_) => tracing::warn!("no time left to release the claim; its lease will lapse"),
            }
            return Err(error);
        }
        let now = self.clock.now();
        let expires_at = (now + self.dedupe_ttl).unix_timestamp();
        let holding = bounded(
            deadline,
            "settle",
            self.store.settle(&pk, token, &sent, now, expires_at),
        )
        .await??;
        if holding == Holding::Lost {
            // Our lease lapsed and another holder took the claim over: it finishes the claim.
            tracing::warn!(
                vendor = %event.vendor,
                dedupe_key = %event.dedupe_key,
                "the claim was taken over while publishing; its new holder settles it"
            );
        }
        Ok(sent.len())
    }

    /// Sends `claim`'s message again to every queue its event is routed to now, whatever its
    /// state, changing nothing stored: an operator's replay. Returns how many messages went out;
    /// fails with the first queue that did not take it.
    pub async fn replay(&self, claim: &Claim, deadline: &Deadline) -> Result<usize, ClaimError> {
        let event = &claim.event;
        let routed = self
            .routing
            .queues_for(&event.vendor, &event.event_type)
            .ok_or_else(|| ClaimError::NoRouting(event.vendor.clone()))?;
        let message = Message::of(event);
        let (sent, failed) = self.send(&routed, &message, deadline, "replay").await;
        failed.map_or(Ok(sent.len()), Err)
    }

    /// [`Self::replay`] of the claim stored under `pk`; `None` when there is none (it expired
    /// and was swept since its key was read).
    pub async fn replay_stored(
        &self,
        pk: &str,
        deadline: &Deadline,
    ) -> Result<Option<usize>, ClaimError>
    where
        S: ClaimReader,
    {
        match bounded(deadline, "load", self.store.load(pk)).await?? {
            Some(claim) => self.replay(&claim, deadline).await.map(Some),
            None => Ok(None),
        }
    }

    /// Sends `message` to every queue of `queues` at once, each call under `deadline` (`step`
    /// names it when time runs out): the queues that took it, and the first error of the others.
    async fn send(
        &self,
        queues: &[&str],
        message: &Message,
        deadline: &Deadline,
        step: &'static str,
    ) -> (Vec<String>, Option<ClaimError>) {
        let calls = queues
            .iter()
            .map(|queue| bounded(deadline, step, self.publisher.publish(queue, message)));
        let mut sent = Vec::with_capacity(queues.len());
        let mut failed = None;
        for (queue, result) in queues.iter().zip(join_all(calls).await) {
            match result.and_then(|published| published.map_err(ClaimError::Publish)) {
                Ok(()) => sent.push((*queue).to_string()),
                Err(error) => {
                    failed.get_or_insert(error);
                }
            }
        }
        (sent, failed)
    }
}

/// `call` under `deadline`: its own result, or [`ClaimError::OutOfTime`] naming `step`.
async fn bounded<T>(
    deadline: &Deadline,
    step: &'static str,
    call: impl Future<Output = T>,
) -> Result<T, ClaimError> {
    deadline
        .bound(call)
        .await
        .ok_or(ClaimError::OutOfTime { step })
}

/// Payload storage, decided alike by every adapter so the in-memory store refuses what DynamoDB
/// would.
pub mod payload {
    use super::StoreError;
    use crate::limits::{INLINE_PAYLOAD_LIMIT, MAX_STORED_PAYLOAD};

    /// How a payload is kept in a claim.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Stored {
        Text,
        Gzip(Vec<u8>),
    }

    /// Decides how `payload` is stored, or refuses it when even compressed it would not fit.
    pub fn stored(payload: &str) -> Result<Stored, StoreError> {
        use std::io::Write;
        if payload.len() <= INLINE_PAYLOAD_LIMIT {
            return Ok(Stored::Text);
        }
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let compressed = encoder
            .write_all(payload.as_bytes())
            .and_then(|()| encoder.finish())
            .map_err(|error| StoreError::Unavailable(format!("gzip: {error}")))?;
        if compressed.len() > MAX_STORED_PAYLOAD {
            return Err(StoreError::PayloadTooLarge {
                compressed: compressed.len(),
                limit: MAX_STORED_PAYLOAD,
            });
        }
        Ok(Stored::Gzip(compressed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn lease_tokens_are_32_hex_digits_and_never_repeat_across_threads() {
        let tokens: Vec<String> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        (0..1000)
                            .map(|_| LeaseToken::new().as_str().to_string())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            threads
                .into_iter()
                .flat_map(|thread| thread.join().unwrap_or_default())
                .collect()
        });
        assert_eq!(tokens.len(), 4000);
        assert!(tokens
            .iter()
            .all(|token| token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit())));
        assert_eq!(tokens.iter().collect::<HashSet<_>>().len(), 4000);
    }
}

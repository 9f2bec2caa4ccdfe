//! The pipeline every vendor function runs: authenticate → classify → claim → publish → settle.
//!
//! Each step takes what the previous produced. Nothing is parsed before the raw body is verified
//! and nothing touches the store or the queues before classification succeeded, so a forged or
//! malformed request changes nothing.
//!
//! Redeliveries. A claim carries a lease: the delivery that made it is presumed to be publishing
//! it until the lease ends ([`IN_FLIGHT_WINDOW`], longer than a delivery can run). A redelivery
//! that finds the claim PUBLISHED, or RECEIVED under a live lease, is answered `duplicate` and
//! publishes nothing: the first delivery finishes it, or, if that one fails, its own retry or
//! the republisher does once the lease has lapsed (a failed delivery releases the lease at once).
//! A redelivery that finds a lapsed lease takes the claim over with one conditional write, so
//! only one party publishes, and sends only to the queues that miss the message.

use lambda_http::http::HeaderMap;
use time::{Duration, OffsetDateTime};

use crate::clock::Clock;
use crate::completion::{complete, CompletionError};
use crate::config::Config;
use crate::event::{body_digest, Classified, Event};
use crate::fanout::{PublishError, Publisher, Routes};
use crate::store::{Claim, ClaimOutcome, ClaimStatus, ClaimStore, StoreError, StoredClaim};
use crate::vendors::{ClassifyError, Delivery, Vendor};
use crate::verify::{Verifier, VerifyError};

/// How long a delivery holds the claim it made. Longer than a delivery can run (three AWS calls
/// of at most 5 s each, inside a Lambda timeout that must stay below this), so a live delivery
/// never loses its claim to a redelivery or the republisher.
pub const IN_FLIGHT_WINDOW: Duration = Duration::seconds(60);

/// A delivery as it arrived.
#[derive(Debug, Clone, Copy)]
pub struct Inbound<'a> {
    /// The request path; its last segment may name the event type.
    pub path: &'a str,
    pub headers: &'a HeaderMap,
    /// The raw body, exactly as sent.
    pub body: &'a [u8],
}

/// What happened to an authenticated, well-formed delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// First delivery of the event: claimed, published, settled.
    Accepted,
    /// The event was claimed before. If that claim was still RECEIVED it has now been published
    /// and settled.
    Duplicate,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Duplicate => "duplicate",
        }
    }
}

/// The result of a delivery the pipeline took in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub outcome: Outcome,
    /// The event's stable id, as in the envelope.
    pub id: String,
    pub event_type: String,
    pub dedupe_key: String,
    /// Which accepted secret authenticated the delivery (0 is the current one).
    pub secret_index: usize,
    /// How many messages this delivery sent.
    pub published: usize,
    /// The vendor's id came with a body other than the one stored under it, so the event was
    /// taken in under a key that adds the body's digest.
    pub reused_key: bool,
}

/// Why a delivery was not taken in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PipelineError {
    #[error("the body has {size} bytes, over the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("authentication failed: {0}")]
    Unauthenticated(#[from] VerifyError),
    #[error("the body cannot be classified: {0}")]
    Invalid(#[from] ClassifyError),
    #[error("the event is older than the deduplication window ({days} days): refused as a possible replay")]
    Stale { days: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Publish(#[from] PublishError),
}

impl From<CompletionError> for PipelineError {
    fn from(error: CompletionError) -> Self {
        match error {
            CompletionError::Store(error) => Self::Store(error),
            CompletionError::Publish(error) => Self::Publish(error),
        }
    }
}

/// The pipeline of one vendor, over a claim store, a publisher and a clock.
#[derive(Debug)]
pub struct Pipeline<V, S, P, C> {
    vendor: V,
    verifier: Verifier,
    routes: Routes,
    store: S,
    publisher: P,
    clock: C,
    dedupe_ttl: Duration,
    max_body_bytes: usize,
}

impl<V, S, P, C> Pipeline<V, S, P, C>
where
    V: Vendor,
    S: ClaimStore,
    P: Publisher,
    C: Clock,
{
    pub fn new(vendor: V, config: Config, store: S, publisher: P, clock: C) -> Self {
        Self {
            vendor,
            verifier: config.verifier,
            routes: config.routes,
            store,
            publisher,
            clock,
            dedupe_ttl: Duration::days(i64::from(config.dedupe_ttl_days)),
            max_body_bytes: config.max_body_bytes,
        }
    }

    pub fn vendor(&self) -> &V {
        &self.vendor
    }

    /// Takes in one delivery.
    pub async fn receive(&self, inbound: Inbound<'_>) -> Result<Receipt, PipelineError> {
        if inbound.body.len() > self.max_body_bytes {
            return Err(PipelineError::TooLarge {
                size: inbound.body.len(),
                limit: self.max_body_bytes,
            });
        }
        let verified = self.verifier.verify(inbound.headers, inbound.body)?;
        let body = std::str::from_utf8(inbound.body).map_err(|_| ClassifyError::NotJson)?;
        // Hashed once: the claim stores it, and vendors without event ids key on it.
        let digest = body_digest(inbound.body);
        let delivery = Delivery {
            route: route_segment(inbound.path, self.vendor.name()),
            body,
            body_digest: &digest,
        };
        let classified = self.vendor.classify(&delivery)?;
        let now = self.clock.now();
        if self.vendor.signs_its_timestamp()
            && classified
                .occurred_at
                .is_some_and(|at| at < now - self.dedupe_ttl)
        {
            return Err(PipelineError::Stale {
                days: self.dedupe_ttl.whole_days(),
            });
        }
        let mut claim = self.claim_of(classified.clone(), body, &digest, now);
        let mut reused_key = false;
        let receipt = |outcome, event: Event, published, reused_key| Receipt {
            outcome,
            id: event.id,
            event_type: event.event_type,
            dedupe_key: event.dedupe_key,
            secret_index: verified.secret_index,
            published,
            reused_key,
        };
        loop {
            match self.store.claim(&claim, now).await? {
                ClaimOutcome::Claimed => {
                    let stored = StoredClaim::received(claim);
                    let published = complete(&self.store, &self.publisher, &stored, now).await?;
                    return Ok(receipt(
                        Outcome::Accepted,
                        stored.claim.event,
                        published,
                        reused_key,
                    ));
                }
                ClaimOutcome::Existing(stored)
                    if stored.claim.body_digest != digest && !reused_key =>
                {
                    // Same vendor id, other body: never drop it. Take it in under a key that
                    // adds the body's digest; a redelivery of this body finds that claim.
                    tracing::warn!(
                        vendor = self.vendor.name(),
                        event_type = %claim.event.event_type,
                        dedupe_key = %claim.event.dedupe_key,
                        "the vendor's id came with another body; taking it in under a key with the body digest"
                    );
                    let rekeyed = Classified {
                        dedupe_key: format!("{}#{digest}", classified.dedupe_key),
                        ..classified.clone()
                    };
                    claim = self.claim_of(rekeyed, body, &digest, now);
                    reused_key = true;
                }
                ClaimOutcome::Existing(stored) => {
                    let published = self.finish_existing(&stored, now).await?;
                    return Ok(receipt(
                        Outcome::Duplicate,
                        claim.event,
                        published,
                        reused_key,
                    ));
                }
            }
        }
    }

    fn claim_of(
        &self,
        classified: Classified,
        body: &str,
        digest: &str,
        now: OffsetDateTime,
    ) -> Claim {
        let event = Event::new(self.vendor.name(), classified, now, body.to_owned());
        let queues = self.routes.queues_for(&event.event_type);
        if queues.is_empty() {
            tracing::warn!(
                vendor = self.vendor.name(),
                event_type = %event.event_type,
                "no FANOUT rule matches this event type: it is stored but sent to no queue"
            );
        }
        Claim {
            queues,
            expires_at: (now + self.dedupe_ttl).unix_timestamp(),
            lease_until: (now + IN_FLIGHT_WINDOW).unix_timestamp(),
            body_digest: digest.to_string(),
            event,
        }
    }

    /// A redelivery of a claimed event: publishes only if the claim is RECEIVED and its lease
    /// has lapsed (its first delivery failed or died), and then only once, whoever else tries.
    async fn finish_existing(
        &self,
        stored: &StoredClaim,
        now: OffsetDateTime,
    ) -> Result<usize, PipelineError> {
        let lease_lapsed = stored.claim.lease_until < now.unix_timestamp();
        if stored.status == ClaimStatus::Published || !lease_lapsed {
            return Ok(0);
        }
        let lease_until = (now + IN_FLIGHT_WINDOW).unix_timestamp();
        match self
            .store
            .take_over(&stored.claim.event.pk(), now, lease_until)
            .await?
        {
            Some(taken) => Ok(complete(&self.store, &self.publisher, &taken, now).await?),
            None => Ok(0),
        }
    }
}

/// The last non-empty segment of the path, unless it is the vendor's own segment: `wayke/new-order`
/// gives `new-order`, `/cyclesoftware` gives none.
pub fn route_segment<'p>(path: &'p str, vendor: &str) -> Option<&'p str> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    path.rsplit('/')
        .find(|segment| !segment.is_empty())
        .filter(|segment| *segment != vendor)
}

#[cfg(test)]
mod tests {
    use super::route_segment;

    #[test]
    fn the_route_is_the_last_segment_beyond_the_vendor() {
        assert_eq!(
            route_segment("/wayke/new-order", "wayke"),
            Some("new-order")
        );
        assert_eq!(
            route_segment("/lambda-url/wayke/new-order/", "wayke"),
            Some("new-order")
        );
        assert_eq!(route_segment("/wayke", "wayke"), None);
        assert_eq!(route_segment("/cyclesoftware?x=1", "cyclesoftware"), None);
        assert_eq!(route_segment("/", "wayke"), None);
        assert_eq!(route_segment("", "wayke"), None);
    }
}

//! The pipeline every vendor function runs: authenticate → classify → claim → publish → settle.
//!
//! Each step takes what the previous produced. Nothing is parsed before the raw body is verified
//! and nothing touches the store or the queues before classification succeeded, so a forged or
//! malformed request changes nothing. The claim's states and who may change them are the
//! business of [`crate::claims`]; this module decides what a delivery is answered.
//!
//! Redeliveries. A redelivery that finds the event's claim PUBLISHED, or RECEIVED and still
//! leased to the delivery working on it, is answered `duplicate` and publishes nothing: that
//! delivery finishes it, or, if it fails, its own retry or the republisher does once the lease
//! has lapsed (a failed delivery releases its lease at once). A redelivery that finds a lapsed
//! lease takes the claim over and sends only to the queues that miss the message.
//!
//! Time. Every delivery runs under one [`Deadline`] (`DELIVERY_DEADLINE_MS`): each AWS call
//! gets what is left of it, and a delivery out of time answers 503, leaving its claim for the
//! vendor's retry or the republisher.

use lambda_http::http::HeaderMap;
use time::Duration;

use crate::claims::{ClaimError, ClaimStore, Claimed, Claims, LeaseToken};
use crate::clock::Clock;
use crate::config::Config;
use crate::deadline::Deadline;
use crate::event::{body_digest, Event};
use crate::fanout::{Message, Publisher, Routing};
use crate::secrets::{AuthError, Authenticator, SecretsUnavailable};
use crate::vendors::{delivery_payload, ClassifyError, Delivery, Vendor};
use crate::verify::VerifyError;

/// A delivery as the HTTP edge parsed it.
#[derive(Debug, Clone, Copy)]
pub struct Inbound<'a> {
    /// The last segment of the request path beyond the vendor's own (`new-order` in
    /// `/wayke/new-order`), which may name the event type; `None` when there is none.
    pub route: Option<&'a str>,
    pub headers: &'a HeaderMap,
    /// The raw body, exactly as sent.
    pub body: &'a [u8],
}

/// What happened to an authenticated, well-formed delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// First delivery of the event: claimed, published, settled.
    Accepted,
    /// The event was claimed before. If that claim was unfinished and its lease had lapsed, it
    /// has now been published and settled.
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
}

/// Why a delivery was not taken in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PipelineError {
    #[error("the body has {size} bytes, over the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("authentication failed: {0}")]
    Unauthenticated(#[from] VerifyError),
    #[error("the webhook secrets cannot be read: {0}")]
    SecretsUnavailable(#[from] SecretsUnavailable),
    #[error("the body cannot be classified: {0}")]
    Invalid(#[from] ClassifyError),
    #[error("the event is older than the deduplication window ({days} days): refused as a possible replay")]
    Stale { days: i64 },
    #[error(transparent)]
    Claim(#[from] ClaimError),
}

impl From<AuthError> for PipelineError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Rejected(error) => Self::Unauthenticated(error),
            AuthError::Unavailable(error) => Self::SecretsUnavailable(error),
        }
    }
}

/// The pipeline of one vendor, over a claim store, a publisher and a clock.
#[derive(Debug)]
pub struct Pipeline<V, S, P, C> {
    vendor: V,
    authenticator: Authenticator,
    claims: Claims<S, P, C>,
    dedupe_ttl: Duration,
    max_body_bytes: usize,
    delivery_deadline: std::time::Duration,
}

impl<V, S, P, C> Pipeline<V, S, P, C>
where
    V: Vendor,
    S: ClaimStore,
    P: Publisher,
    C: Clock,
{
    pub fn new(vendor: V, config: Config, store: S, publisher: P, clock: C) -> Self {
        let dedupe_ttl = Duration::days(i64::from(config.dedupe_ttl_days));
        let routing = Routing::of(vendor.name(), config.routes);
        Self {
            vendor,
            authenticator: config.authenticator,
            claims: Claims::new(store, publisher, clock, routing, dedupe_ttl),
            dedupe_ttl,
            max_body_bytes: config.max_body_bytes,
            delivery_deadline: config.delivery_deadline,
        }
    }

    pub fn vendor(&self) -> &V {
        &self.vendor
    }

    /// The time by the pipeline's clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.claims.now()
    }

    /// Takes in one delivery, within the delivery deadline.
    pub async fn receive(&self, inbound: Inbound<'_>) -> Result<Receipt, PipelineError> {
        let deadline = Deadline::after(self.delivery_deadline);
        if inbound.body.len() > self.max_body_bytes {
            return Err(PipelineError::TooLarge {
                size: inbound.body.len(),
                limit: self.max_body_bytes,
            });
        }
        let verified = self
            .authenticator
            .authenticate(inbound.headers, inbound.body)
            .await?;
        let body = std::str::from_utf8(inbound.body).map_err(|_| ClassifyError::NotJson)?;
        // Hashed once: the claim stores it, and vendors without event ids key on it.
        let digest = body_digest(inbound.body);
        let delivery = Delivery {
            route: inbound.route,
            body,
            body_digest: &digest,
        };
        let classified = self.vendor.classify(&delivery)?;
        let now = self.claims.now();
        if self.vendor.signs_its_timestamp()
            && classified
                .occurred_at
                .is_some_and(|at| at < now - self.dedupe_ttl)
        {
            return Err(PipelineError::Stale {
                days: self.dedupe_ttl.whole_days(),
            });
        }
        let token = LeaseToken::new();
        let receipt = |outcome, event: Event, published| Receipt {
            outcome,
            id: event.id,
            event_type: event.event_type,
            dedupe_key: event.dedupe_key,
            secret_index: verified.secret_index,
            published,
        };
        let mut classified = classified;
        let payload = delivery_payload(&self.vendor, &mut classified, body);
        let mut rekeyed = false;
        loop {
            let event = Event::new(self.vendor.name(), &classified, now, body.to_owned());
            // Built once: its size is checked before the claim, and it is what is published.
            let message = Message::of_classified(&event, &payload);
            match self
                .claims
                .claim(event, &message, &digest, &token, &deadline)
                .await?
            {
                Claimed::Mine(claim) => {
                    let published = self
                        .claims
                        .publish(&claim, &message, &token, &deadline)
                        .await?;
                    return Ok(receipt(Outcome::Accepted, claim.event, published));
                }
                Claimed::Existing(existing) if existing.body_digest != digest && !rekeyed => {
                    // Same vendor id, other body: never drop it. Take it in under a key that
                    // adds the body's digest; a redelivery of this body finds that claim.
                    tracing::warn!(
                        vendor = self.vendor.name(),
                        event_type = %classified.event_type,
                        dedupe_key = %existing.event.dedupe_key,
                        "the vendor's id came with another body; taking it in under a key with the body digest"
                    );
                    classified.dedupe_key = format!("{}#{digest}", classified.dedupe_key);
                    rekeyed = true;
                }
                Claimed::Existing(existing) => {
                    let published = self
                        .claims
                        .finish_if_lapsed(&existing, &token, &deadline)
                        .await?;
                    return Ok(receipt(Outcome::Duplicate, existing.event, published));
                }
            }
        }
    }
}

//! The pipeline every vendor function runs: authenticate → classify → claim → publish → settle.
//!
//! Each step takes what the previous produced. Nothing is parsed before the raw body is verified
//! and nothing touches the store or the queues before classification succeeded, so a forged or
//! malformed request changes nothing.

use futures_util::future::join_all;
use lambda_http::http::HeaderMap;
use time::Duration;

use crate::clock::Clock;
use crate::config::Config;
use crate::event::Event;
use crate::fanout::{Message, PublishError, Publisher, Routes};
use crate::store::{Claim, ClaimOutcome, ClaimStatus, ClaimStore, StoreError};
use crate::vendors::{ClassifyError, Delivery, Vendor};
use crate::verify::{Verifier, VerifyError};

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
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Publish(#[from] PublishError),
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
        let delivery = Delivery {
            route: route_segment(inbound.path, self.vendor.name()),
            body,
        };
        let classified = self.vendor.classify(&delivery)?;

        let now = self.clock.now();
        let event = Event::new(self.vendor.name(), classified, now, body.to_owned());
        let claim = Claim {
            queues: self.routes.queues_for(&event.event_type),
            expires_at: (now + self.dedupe_ttl).unix_timestamp(),
            event,
        };
        if claim.queues.is_empty() {
            tracing::warn!(
                vendor = self.vendor.name(),
                event_type = %claim.event.event_type,
                "no FANOUT rule matches this event type: it is stored but sent to no queue"
            );
        }

        let (outcome, published) = match self.store.claim(&claim, now).await? {
            ClaimOutcome::Claimed => (Outcome::Accepted, self.publish_and_settle(&claim).await?),
            ClaimOutcome::Existing(stored) => match stored.status {
                ClaimStatus::Published => (Outcome::Duplicate, 0),
                // An earlier delivery claimed it but did not finish: finish it now, from the
                // stored claim, so the messages are the same bytes the first attempt sent.
                ClaimStatus::Received => (
                    Outcome::Duplicate,
                    self.publish_and_settle(&stored.claim).await?,
                ),
            },
        };
        Ok(Receipt {
            outcome,
            id: claim.event.id,
            event_type: claim.event.event_type,
            dedupe_key: claim.event.dedupe_key,
            secret_index: verified.secret_index,
            published,
        })
    }

    /// Sends the claim's message to every routed queue at once, then marks it PUBLISHED. If any
    /// queue failed the claim stays RECEIVED, so a retry publishes again.
    async fn publish_and_settle(&self, claim: &Claim) -> Result<usize, PipelineError> {
        let message = Message::of(&claim.event);
        let results = join_all(
            claim
                .queues
                .iter()
                .map(|queue| self.publisher.publish(queue, &message)),
        )
        .await;
        let sent = results.iter().filter(|result| result.is_ok()).count();
        if let Some(error) = results.into_iter().find_map(Result::err) {
            tracing::warn!(
                vendor = self.vendor.name(),
                sent,
                routed = claim.queues.len(),
                "publishing was incomplete; the claim stays RECEIVED"
            );
            return Err(error.into());
        }
        self.store
            .settle(&claim.event.pk(), self.clock.now())
            .await?;
        Ok(sent)
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

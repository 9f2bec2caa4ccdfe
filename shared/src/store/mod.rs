//! The claim store port: records each event once, so a redelivery is recognised, and remembers
//! whether it was published. Adapters: DynamoDB for production, memory for tests.

mod dynamo;
mod memory;

use std::future::Future;

use time::OffsetDateTime;

use crate::event::Event;

pub use dynamo::{
    DynamoStore, ATTR_EXPIRES_AT, ATTR_LEASE_UNTIL, ATTR_PENDING_VENDOR, ATTR_PK, ATTR_RECEIVED_AT,
    ATTR_VENDOR, PENDING_INDEX, RECEIVED_INDEX,
};
pub use memory::MemoryStore;

/// An event with what is needed to publish it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub event: Event,
    /// Every queue the event is routed to, fixed when it was first claimed.
    pub queues: Vec<String>,
    /// Epoch seconds after which the claim may be forgotten (the TTL attribute).
    pub expires_at: i64,
    /// Epoch seconds until which the delivery holding the claim is presumed to be publishing
    /// it; after that, a redelivery or the republisher may take it over.
    pub lease_until: i64,
    /// Hex SHA-256 of the payload, which tells a redelivery from a reused key.
    pub body_digest: String,
}

/// Whether every routed queue has the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimStatus {
    Received,
    Published,
}

impl ClaimStatus {
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

/// A claim as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredClaim {
    pub claim: Claim,
    pub status: ClaimStatus,
    /// Routed queues known to have the message (recorded when publishing was incomplete).
    pub published_queues: Vec<String>,
}

impl StoredClaim {
    /// A newly claimed, unpublished claim.
    pub fn received(claim: Claim) -> Self {
        Self {
            claim,
            status: ClaimStatus::Received,
            published_queues: Vec::new(),
        }
    }

    /// The routed queues that do not have the message yet.
    pub fn missing_queues(&self) -> Vec<String> {
        self.claim
            .queues
            .iter()
            .filter(|queue| !self.published_queues.contains(queue))
            .cloned()
            .collect()
    }
}

/// What a claim attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The event was new (or its earlier claim had expired): it is now RECEIVED.
    Claimed,
    /// The event was claimed before; this is that claim, as stored.
    Existing(Box<StoredClaim>),
}

/// Payloads up to this size are stored as text; larger ones gzip-compressed.
pub const INLINE_PAYLOAD_LIMIT: usize = 300 * 1024;
/// The most bytes a payload may take as stored, compressed or not: DynamoDB's 400 KB item less
/// room for the claim's other attributes.
pub const MAX_STORED_PAYLOAD: usize = 380 * 1024;

/// How a payload is kept in a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredPayload {
    Text,
    Gzip(Vec<u8>),
}

/// Decides how `payload` is stored, or refuses it when even compressed it would not fit. Both
/// adapters apply this rule, so the in-memory store refuses what DynamoDB would.
pub fn stored_payload(payload: &str) -> Result<StoredPayload, StoreError> {
    use std::io::Write;
    if payload.len() <= INLINE_PAYLOAD_LIMIT {
        return Ok(StoredPayload::Text);
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
    Ok(StoredPayload::Gzip(compressed))
}

/// Claims, takes over and settles events: what the pipeline and the republisher need.
pub trait ClaimStore: Send + Sync {
    /// Records `claim` as RECEIVED unless an unexpired claim with the same key exists, in which
    /// case that claim is returned (with no extra read). `now` decides expiry.
    fn claim(
        &self,
        claim: &Claim,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<ClaimOutcome, StoreError>> + Send;

    /// Takes over a RECEIVED claim whose lease ended before `now`, leasing it until
    /// `lease_until`. `None` when the claim is PUBLISHED, still leased, or gone: then someone
    /// else finishes it (or has).
    fn take_over(
        &self,
        pk: &str,
        now: OffsetDateTime,
        lease_until: i64,
    ) -> impl Future<Output = Result<Option<StoredClaim>, StoreError>> + Send;

    /// Records that `queues` have the message and releases the lease, after incomplete
    /// publishing, so the next attempt sends only what is missing and need not wait.
    fn record_published(
        &self,
        pk: &str,
        queues: &[String],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Marks the claim with partition key `pk` PUBLISHED.
    fn settle(
        &self,
        pk: &str,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Reads a claim by key: for operators' tools, the republisher and tests.
pub trait ClaimLookup: Send + Sync {
    fn load(
        &self,
        pk: &str,
    ) -> impl Future<Output = Result<Option<StoredClaim>, StoreError>> + Send;
}

/// Where a page of a range query stops: the next page starts after it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cursor {
    pub pk: String,
    pub received_at: String,
}

/// One page of claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub pks: Vec<String>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// Finds claims through indexes (never a scan): what the republisher needs.
pub trait ClaimIndex: Send + Sync {
    /// Partition keys of `vendor`'s RECEIVED claims whose lease ended before `now`, oldest lease
    /// first, at most `limit`.
    fn pending(
        &self,
        vendor: &str,
        now: OffsetDateTime,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// Partition keys of `vendor`'s claims received in `[from, to)` (RFC 3339, as stored), in
    /// order of receipt, at most `limit`, starting after `after`.
    fn received_between(
        &self,
        vendor: &str,
        from: &str,
        to: &str,
        limit: usize,
        after: Option<&Cursor>,
    ) -> impl Future<Output = Result<Page, StoreError>> + Send;
}

/// A store operation that did not complete.
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
    /// The claim does not exist (it expired, or was removed by hand).
    #[error("claim {pk} does not exist")]
    NotFound { pk: String },
}

impl<T: ClaimStore + ?Sized> ClaimStore for std::sync::Arc<T> {
    fn claim(
        &self,
        claim: &Claim,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<ClaimOutcome, StoreError>> + Send {
        (**self).claim(claim, now)
    }

    fn take_over(
        &self,
        pk: &str,
        now: OffsetDateTime,
        lease_until: i64,
    ) -> impl Future<Output = Result<Option<StoredClaim>, StoreError>> + Send {
        (**self).take_over(pk, now, lease_until)
    }

    fn record_published(
        &self,
        pk: &str,
        queues: &[String],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).record_published(pk, queues, now)
    }

    fn settle(
        &self,
        pk: &str,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).settle(pk, at)
    }
}

impl<T: ClaimLookup + ?Sized> ClaimLookup for std::sync::Arc<T> {
    fn load(
        &self,
        pk: &str,
    ) -> impl Future<Output = Result<Option<StoredClaim>, StoreError>> + Send {
        (**self).load(pk)
    }
}

impl<T: ClaimIndex + ?Sized> ClaimIndex for std::sync::Arc<T> {
    fn pending(
        &self,
        vendor: &str,
        now: OffsetDateTime,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        (**self).pending(vendor, now, limit)
    }

    fn received_between(
        &self,
        vendor: &str,
        from: &str,
        to: &str,
        limit: usize,
        after: Option<&Cursor>,
    ) -> impl Future<Output = Result<Page, StoreError>> + Send {
        (**self).received_between(vendor, from, to, limit, after)
    }
}

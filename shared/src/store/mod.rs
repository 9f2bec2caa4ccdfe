//! The claim store port: records each event once, so a redelivery is recognised, and remembers
//! whether it was published. Adapters: DynamoDB for production, memory for tests.

mod dynamo;
mod memory;

use std::future::Future;

use time::OffsetDateTime;

use crate::event::Event;

pub use dynamo::{DynamoStore, ATTR_EXPIRES_AT, ATTR_PK};
pub use memory::MemoryStore;

/// An event with what is needed to publish it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub event: Event,
    /// Every queue the event is routed to, fixed when it was first claimed.
    pub queues: Vec<String>,
    /// Epoch seconds after which the claim may be forgotten (the TTL attribute).
    pub expires_at: i64,
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
}

/// What a claim attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The event was new (or its earlier claim had expired): it is now RECEIVED.
    Claimed,
    /// The event was claimed before; this is that claim, as stored.
    Existing(Box<StoredClaim>),
}

/// Claims and settles events: what the receiving pipeline needs.
pub trait ClaimStore: Send + Sync {
    /// Records `claim` as RECEIVED unless an unexpired claim with the same key exists, in which
    /// case that claim is returned (with no extra read). `now` decides expiry.
    fn claim(
        &self,
        claim: &Claim,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<ClaimOutcome, StoreError>> + Send;

    /// Marks the claim with partition key `pk` PUBLISHED.
    fn settle(
        &self,
        pk: &str,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Reads a claim by key: for operators' tools and tests.
pub trait ClaimLookup: Send + Sync {
    fn load(
        &self,
        pk: &str,
    ) -> impl Future<Output = Result<Option<StoredClaim>, StoreError>> + Send;
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
    /// Settling a claim that does not exist (it expired, or was removed by hand).
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

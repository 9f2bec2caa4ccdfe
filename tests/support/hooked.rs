//! A claim store around another that calls a hook before each operation: the hook counts calls,
//! or returns an error that is answered instead of making the call (a fault).

use time::OffsetDateTime;
use webhook_core::store::{Claim, ClaimOutcome, ClaimStore, StoreError, StoredClaim};

/// The store operations, as the hook sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Operation {
    Claim,
    TakeOver,
    RecordPublished,
    Settle,
}

impl Operation {
    /// The DynamoDB call the operation makes.
    pub fn aws_call(self) -> &'static str {
        match self {
            Self::Claim => "PutItem",
            Self::TakeOver | Self::RecordPublished | Self::Settle => "UpdateItem",
        }
    }
}

/// `inner`, with `hook` called before every operation.
#[derive(Debug)]
pub struct HookedStore<S, H> {
    pub inner: S,
    pub hook: H,
}

impl<S, H> ClaimStore for HookedStore<S, H>
where
    S: ClaimStore,
    H: Fn(Operation) -> Result<(), StoreError> + Send + Sync,
{
    async fn claim(&self, claim: &Claim, now: OffsetDateTime) -> Result<ClaimOutcome, StoreError> {
        (self.hook)(Operation::Claim)?;
        self.inner.claim(claim, now).await
    }
    async fn take_over(
        &self,
        pk: &str,
        now: OffsetDateTime,
        lease: i64,
    ) -> Result<Option<StoredClaim>, StoreError> {
        (self.hook)(Operation::TakeOver)?;
        self.inner.take_over(pk, now, lease).await
    }
    async fn record_published(
        &self,
        pk: &str,
        queues: &[String],
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        (self.hook)(Operation::RecordPublished)?;
        self.inner.record_published(pk, queues, now).await
    }
    async fn settle(&self, pk: &str, at: OffsetDateTime) -> Result<(), StoreError> {
        (self.hook)(Operation::Settle)?;
        self.inner.settle(pk, at).await
    }
}

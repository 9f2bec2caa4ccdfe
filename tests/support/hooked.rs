//! A claim store around another that calls a hook before each operation: the hook counts calls,
//! or returns an error that is answered instead of making the call (a fault).

use time::OffsetDateTime;
use webhook_core::claims::{
    Claim, ClaimStore, Holding, Lease, LeaseToken, PutOutcome, StoreError, TakeOutcome,
};

/// The store operations, as the hook sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Operation {
    PutNew,
    TakeOver,
    Release,
    Settle,
}

impl Operation {
    /// The DynamoDB call the operation makes.
    pub fn aws_call(self) -> &'static str {
        match self {
            Self::PutNew => "PutItem",
            Self::TakeOver | Self::Release | Self::Settle => "UpdateItem",
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
    async fn put_new(&self, claim: &Claim, now: OffsetDateTime) -> Result<PutOutcome, StoreError> {
        (self.hook)(Operation::PutNew)?;
        self.inner.put_new(claim, now).await
    }
    async fn take_over(
        &self,
        pk: &str,
        lease: &Lease,
        now: OffsetDateTime,
    ) -> Result<TakeOutcome, StoreError> {
        (self.hook)(Operation::TakeOver)?;
        self.inner.take_over(pk, lease, now).await
    }
    async fn release(
        &self,
        pk: &str,
        token: &LeaseToken,
        published: &[String],
        now: OffsetDateTime,
    ) -> Result<Holding, StoreError> {
        (self.hook)(Operation::Release)?;
        self.inner.release(pk, token, published, now).await
    }
    async fn settle(
        &self,
        pk: &str,
        token: &LeaseToken,
        published: &[String],
        at: OffsetDateTime,
        expires_at: i64,
    ) -> Result<Holding, StoreError> {
        (self.hook)(Operation::Settle)?;
        self.inner
            .settle(pk, token, published, at, expires_at)
            .await
    }
}

//! In-memory claim store with the DynamoDB adapter's semantics, and a switch that makes every
//! call fail, for tests of failure handling.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use time::OffsetDateTime;

use super::{Claim, ClaimLookup, ClaimOutcome, ClaimStatus, ClaimStore, StoreError, StoredClaim};

/// Claims kept in a map; `set_unavailable(true)` makes every call fail as an outage would.
#[derive(Debug, Default)]
pub struct MemoryStore {
    claims: Mutex<HashMap<String, StoredClaim>>,
    unavailable: AtomicBool,
    calls: AtomicUsize,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// While `true`, every call fails with [`StoreError::Unavailable`] and changes nothing.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// Number of claims held, expired or not.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of `claim` and `settle` calls made, failed ones included.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, StoredClaim>> {
        // A poisoned lock only means another test thread panicked; the map is still consistent
        // because every update is a single insert.
        self.claims
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn check_available(&self) -> Result<(), StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("memory store switched off".into()));
        }
        Ok(())
    }
}

impl ClaimStore for MemoryStore {
    async fn claim(&self, claim: &Claim, now: OffsetDateTime) -> Result<ClaimOutcome, StoreError> {
        self.check_available()?;
        let mut claims = self.lock();
        let pk = claim.event.pk();
        match claims.get(&pk) {
            Some(existing) if existing.claim.expires_at >= now.unix_timestamp() => {
                Ok(ClaimOutcome::Existing(Box::new(existing.clone())))
            }
            _ => {
                let stored = StoredClaim {
                    claim: claim.clone(),
                    status: ClaimStatus::Received,
                };
                claims.insert(pk, stored);
                Ok(ClaimOutcome::Claimed)
            }
        }
    }

    async fn settle(&self, pk: &str, _at: OffsetDateTime) -> Result<(), StoreError> {
        self.check_available()?;
        match self.lock().get_mut(pk) {
            Some(stored) => {
                stored.status = ClaimStatus::Published;
                Ok(())
            }
            None => Err(StoreError::NotFound { pk: pk.to_string() }),
        }
    }
}

impl ClaimLookup for MemoryStore {
    async fn load(&self, pk: &str) -> Result<Option<StoredClaim>, StoreError> {
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("memory store switched off".into()));
        }
        Ok(self.lock().get(pk).cloned())
    }
}

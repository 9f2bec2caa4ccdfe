//! In-memory claim store with the DynamoDB adapter's semantics (conditional claim, lease
//! take-over, per-queue state, the two indexes), and switches that make calls fail, for tests of
//! failure handling.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use time::OffsetDateTime;

use super::{
    stored_payload, Claim, ClaimIndex, ClaimLookup, ClaimOutcome, ClaimStatus, ClaimStore, Cursor,
    Page, StoreError, StoredClaim,
};

/// Claims kept in a map.
#[derive(Debug, Default)]
pub struct MemoryStore {
    claims: Mutex<HashMap<String, StoredClaim>>,
    unavailable: AtomicBool,
    settle_fails: AtomicBool,
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

    /// While `true`, only `settle` fails: a process that dies between publishing and settling.
    pub fn set_settle_failing(&self, failing: bool) {
        self.settle_fails.store(failing, Ordering::SeqCst);
    }

    /// Number of claims held, expired or not.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of calls made, failed ones included.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, StoredClaim>> {
        // A poisoned lock only means another test thread panicked; every update is a single
        // assignment, so the map is still consistent.
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
        stored_payload(&claim.event.payload)?;
        let mut claims = self.lock();
        let pk = claim.event.pk();
        match claims.get(&pk) {
            Some(existing) if existing.claim.expires_at >= now.unix_timestamp() => {
                Ok(ClaimOutcome::Existing(Box::new(existing.clone())))
            }
            _ => {
                claims.insert(pk, StoredClaim::received(claim.clone()));
                Ok(ClaimOutcome::Claimed)
            }
        }
    }

    async fn take_over(
        &self,
        pk: &str,
        now: OffsetDateTime,
        lease_until: i64,
    ) -> Result<Option<StoredClaim>, StoreError> {
        self.check_available()?;
        let mut claims = self.lock();
        match claims.get_mut(pk) {
            Some(stored)
                if stored.status == ClaimStatus::Received
                    && stored.claim.lease_until < now.unix_timestamp() =>
            {
                stored.claim.lease_until = lease_until;
                Ok(Some(stored.clone()))
            }
            _ => Ok(None),
        }
    }

    async fn record_published(
        &self,
        pk: &str,
        queues: &[String],
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.check_available()?;
        let mut claims = self.lock();
        let stored = claims
            .get_mut(pk)
            .ok_or_else(|| StoreError::NotFound { pk: pk.to_string() })?;
        for queue in queues {
            if !stored.published_queues.contains(queue) {
                stored.published_queues.push(queue.clone());
            }
        }
        stored.claim.lease_until = now.unix_timestamp() - 1;
        Ok(())
    }

    async fn settle(&self, pk: &str, _at: OffsetDateTime) -> Result<(), StoreError> {
        self.check_available()?;
        if self.settle_fails.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable(
                "memory store settle switched off".into(),
            ));
        }
        let mut claims = self.lock();
        let stored = claims
            .get_mut(pk)
            .ok_or_else(|| StoreError::NotFound { pk: pk.to_string() })?;
        stored.status = ClaimStatus::Published;
        Ok(())
    }
}

impl ClaimLookup for MemoryStore {
    async fn load(&self, pk: &str) -> Result<Option<StoredClaim>, StoreError> {
        self.check_available()?;
        Ok(self.lock().get(pk).cloned())
    }
}

impl ClaimIndex for MemoryStore {
    async fn pending(
        &self,
        vendor: &str,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        self.check_available()?;
        let claims = self.lock();
        let mut pending: Vec<(i64, String)> = claims
            .iter()
            .filter(|(_, stored)| {
                stored.status == ClaimStatus::Received
                    && stored.claim.event.vendor == vendor
                    && stored.claim.lease_until < now.unix_timestamp()
            })
            .map(|(pk, stored)| (stored.claim.lease_until, pk.clone()))
            .collect();
        pending.sort();
        Ok(pending.into_iter().take(limit).map(|(_, pk)| pk).collect())
    }

    async fn received_between(
        &self,
        vendor: &str,
        from: &str,
        to: &str,
        limit: usize,
        after: Option<&Cursor>,
    ) -> Result<Page, StoreError> {
        self.check_available()?;
        let claims = self.lock();
        let mut found: Vec<(String, String)> = claims
            .iter()
            .map(|(pk, stored)| (stored.claim.event.received_at.clone(), pk.clone()))
            .filter(|(received_at, pk)| {
                claims
                    .get(pk)
                    .is_some_and(|s| s.claim.event.vendor == vendor)
                    && received_at.as_str() >= from
                    && received_at.as_str() < to
                    && after
                        .is_none_or(|cursor| (received_at, pk) > (&cursor.received_at, &cursor.pk))
            })
            .collect();
        found.sort();
        let more = found.len() > limit;
        found.truncate(limit);
        let next = more
            .then(|| found.last())
            .flatten()
            .map(|(received_at, pk)| Cursor {
                pk: pk.clone(),
                received_at: received_at.clone(),
            });
        Ok(Page {
            pks: found.into_iter().map(|(_, pk)| pk).collect(),
            next,
        })
    }
}

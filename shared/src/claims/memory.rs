//! In-memory claim store with DynamoDB's semantics on every point the lifecycle relies on: the
//! conditional writes and what a failed condition returns, the two indexes and their order and
//! paging, the 400 KB item and 2048-byte key limits, and the TTL sweeper (run on demand). The
//! contract suite holds it to DynamoDB in moto. For tests only (`test-util`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use time::OffsetDateTime;

use super::dynamo::{item_size, to_item};
use super::{
    Claim, ClaimReader, ClaimStore, Cursor, Holding, Lease, LeaseToken, Page, PutOutcome, Status,
    StoreError, TakeOutcome,
};
use crate::event::rfc3339;
use crate::limits::MAX_ITEM_BYTES;

/// DynamoDB's largest partition key value.
const MAX_PARTITION_KEY_BYTES: usize = 2048;

/// Claims kept in a map. A handle: clones share the same claims.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    claims: Mutex<HashMap<String, Stored>>,
    unavailable: AtomicBool,
    calls: AtomicUsize,
}

#[derive(Debug, Clone)]
struct Stored {
    claim: Claim,
    published_at: Option<String>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// While `true`, every call fails with [`StoreError::Unavailable`] and changes nothing.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.shared.unavailable.store(unavailable, Ordering::SeqCst);
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
        self.shared.calls.load(Ordering::SeqCst)
    }

    /// Every claim held, in key order.
    pub fn all(&self) -> Vec<Claim> {
        let mut all: Vec<Claim> = self.lock().values().map(|s| s.claim.clone()).collect();
        all.sort_by_key(Claim::pk);
        all
    }

    /// What DynamoDB's TTL sweeper does, at once: deletes every item whose `expiresAt` is
    /// before `now`, whatever its state. Returns how many it deleted.
    pub fn sweep_expired(&self, now: OffsetDateTime) -> usize {
        let mut claims = self.lock();
        let before = claims.len();
        claims.retain(|_, stored| {
            stored
                .claim
                .expires_at
                .is_none_or(|at| at >= now.unix_timestamp())
        });
        before - claims.len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Stored>> {
        // A poisoned lock only means another test thread panicked; every update is a single
        // assignment, so the map is still consistent.
        self.shared
            .claims
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn check_available(&self) -> Result<(), StoreError> {
        self.shared.calls.fetch_add(1, Ordering::SeqCst);
        if self.shared.unavailable.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("memory store switched off".into()));
        }
        Ok(())
    }
}

/// Refuses what DynamoDB refuses: a key over 2048 bytes, an item over 400 KB.
fn check_item(claim: &Claim) -> Result<(), StoreError> {
    if claim.pk().len() > MAX_PARTITION_KEY_BYTES {
        return Err(StoreError::Unavailable(
            "ValidationException: Size of hashkey has exceeded the maximum size limit of 2048 bytes"
                .into(),
        ));
    }
    if item_size(&to_item(claim)?) > MAX_ITEM_BYTES {
        return Err(StoreError::Unavailable(
            "ValidationException: Item size has exceeded the maximum allowed size".into(),
        ));
    }
    Ok(())
}

fn add_published(claim: &mut Claim, published: &[String]) {
    for queue in published {
        if !claim.published_queues.contains(queue) {
            claim.published_queues.push(queue.clone());
        }
    }
}

impl ClaimStore for MemoryStore {
    async fn put_new(&self, claim: &Claim, now: OffsetDateTime) -> Result<PutOutcome, StoreError> {
        self.check_available()?;
        check_item(claim)?;
        let mut claims = self.lock();
        let pk = claim.pk();
        match claims.get(&pk) {
            Some(existing)
                if existing
                    .claim
                    .expires_at
                    .is_none_or(|at| at >= now.unix_timestamp()) =>
            {
                Ok(PutOutcome::Existing(Box::new(existing.claim.clone())))
            }
            _ => {
                claims.insert(
                    pk,
                    Stored {
                        claim: claim.clone(),
                        published_at: None,
                    },
                );
                Ok(PutOutcome::Created)
            }
        }
    }

    async fn take_over(
        &self,
        pk: &str,
        lease: &Lease,
        now: OffsetDateTime,
    ) -> Result<TakeOutcome, StoreError> {
        self.check_available()?;
        let mut claims = self.lock();
        match claims.get_mut(pk) {
            Some(stored)
                if stored.claim.status == Status::Received && stored.claim.lease.lapsed_at(now) =>
            {
                stored.claim.lease = lease.clone();
                Ok(TakeOutcome::Taken(Box::new(stored.claim.clone())))
            }
            other => Ok(TakeOutcome::Refused(
                other.map(|stored| Box::new(stored.claim.clone())),
            )),
        }
    }

    async fn release(
        &self,
        pk: &str,
        token: &LeaseToken,
        published: &[String],
        now: OffsetDateTime,
    ) -> Result<Holding, StoreError> {
        self.check_available()?;
        let mut claims = self.lock();
        match claims.get_mut(pk) {
            Some(stored) if stored.claim.lease.token == *token => {
                add_published(&mut stored.claim, published);
                stored.claim.lease.until = now.unix_timestamp() - 1;
                Ok(Holding::Held)
            }
            _ => Ok(Holding::Lost),
        }
    }

    async fn settle(
        &self,
        pk: &str,
        token: &LeaseToken,
        published: &[String],
        at: OffsetDateTime,
        expires_at: i64,
    ) -> Result<Holding, StoreError> {
        self.check_available()?;
        let mut claims = self.lock();
        match claims.get_mut(pk) {
            Some(stored) if stored.claim.lease.token == *token => {
                add_published(&mut stored.claim, published);
                stored.claim.status = Status::Published;
                stored.claim.expires_at = Some(expires_at);
                stored.published_at = Some(rfc3339(at));
                Ok(Holding::Held)
            }
            _ => Ok(Holding::Lost),
        }
    }
}

impl ClaimReader for MemoryStore {
    async fn load(&self, pk: &str) -> Result<Option<Claim>, StoreError> {
        self.check_available()?;
        Ok(self.lock().get(pk).map(|stored| stored.claim.clone()))
    }

    async fn pending(
        &self,
        vendor: &str,
        now: OffsetDateTime,
        limit: usize,
        after: Option<&Cursor>,
    ) -> Result<Page, StoreError> {
        self.check_available()?;
        let found = self
            .lock()
            .values()
            .map(|stored| &stored.claim)
            .filter(|claim| {
                claim.status == Status::Received
                    && claim.event.vendor == vendor
                    && claim.lease.lapsed_at(now)
            })
            .map(|claim| (claim.lease.until, claim.pk()))
            .collect();
        Ok(page_of(
            found,
            limit,
            after,
            |(until, pk)| Cursor {
                pk: pk.clone(),
                sort_key: until.to_string(),
            },
            |cursor| {
                cursor
                    .sort_key
                    .parse()
                    .ok()
                    .map(|until: i64| (until, cursor.pk.clone()))
            },
        ))
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
        let found = self
            .lock()
            .values()
            .map(|stored| &stored.claim)
            .filter(|claim| {
                let at = claim.event.received_at.as_str();
                claim.event.vendor == vendor && at >= from && at < to
            })
            .map(|claim| (claim.event.received_at.clone(), claim.pk()))
            .collect();
        Ok(page_of(
            found,
            limit,
            after,
            |(at, pk)| Cursor {
                pk: pk.clone(),
                sort_key: at.clone(),
            },
            |cursor| Some((cursor.sort_key.clone(), cursor.pk.clone())),
        ))
    }
}

/// One page of index entries `(sort key, pk)` in index order, after `after`, as DynamoDB pages
/// a query: a cursor whenever the page is full and more entries follow.
fn page_of<K: Ord + Clone>(
    mut found: Vec<(K, String)>,
    limit: usize,
    after: Option<&Cursor>,
    cursor_of: impl Fn(&(K, String)) -> Cursor,
    position_of: impl Fn(&Cursor) -> Option<(K, String)>,
) -> Page {
    found.sort();
    if let Some(position) = after.and_then(position_of) {
        found.retain(|entry| *entry > position);
    }
    let more = found.len() > limit;
    found.truncate(limit);
    let next = more.then(|| found.last().map(&cursor_of)).flatten();
    Page {
        pks: found.into_iter().map(|(_, pk)| pk).collect(),
        next,
    }
}

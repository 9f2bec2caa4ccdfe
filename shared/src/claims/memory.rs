//! In-memory claim store with DynamoDB's semantics on every point the lifecycle relies on: it
//! keeps each claim as the item the DynamoDB adapter writes ([`to_item`]) and reads it back as
//! that adapter does ([`from_item`]); each transition changes the attributes its UpdateItem
//! expression changes, under the same condition; a failed condition returns the item as stored;
//! the two indexes, their order and paging; the 400 KB item and 2048-byte key limits; and the TTL
//! sweeper (run on demand). The contract suite holds it to DynamoDB in moto. For tests only
//! (`test-util`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use super::dynamo::{
    from_item, item_size, number, string_of, text, to_item, ATTR_LEASE_TOKEN, ATTR_PUBLISHED_AT,
    ATTR_PUBLISHED_QUEUES, ATTR_STATUS,
};
use super::{
    Claim, ClaimReader, ClaimStore, Cursor, Holding, Lease, LeaseToken, Page, PutOutcome, Status,
    StoreError, TakeOutcome, ATTR_EXPIRES_AT, ATTR_LEASE_UNTIL, ATTR_PENDING_VENDOR, ATTR_PK,
    ATTR_RECEIVED_AT, ATTR_VENDOR,
};
use crate::event::rfc3339;
use crate::limits::MAX_ITEM_BYTES;

/// DynamoDB's largest partition key value.
const MAX_PARTITION_KEY_BYTES: usize = 2048;

/// A stored claim, as DynamoDB holds it.
type Item = HashMap<String, AttributeValue>;

/// Claims kept in a map of items by partition key. A handle: clones share the same claims.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    items: Mutex<HashMap<String, Item>>,
    unavailable: AtomicBool,
    calls: AtomicUsize,
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

    /// Every claim held, in key order. Every item was written by [`to_item`], so each reads
    /// back; one that did not would be the adapter's bug, and shows as its error.
    pub fn all(&self) -> Result<Vec<Claim>, StoreError> {
        let mut all = self
            .lock()
            .values()
            .map(from_item)
            .collect::<Result<Vec<_>, _>>()?;
        all.sort_by_key(Claim::pk);
        Ok(all)
    }

    /// What DynamoDB's TTL sweeper does, at once: deletes every item whose `expiresAt` is
    /// before `now`, whatever its state. Returns how many it deleted.
    pub fn sweep_expired(&self, now: OffsetDateTime) -> usize {
        let mut items = self.lock();
        let before = items.len();
        items.retain(|_, item| !expired(item, now));
        before - items.len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Item>> {
        // A poisoned lock only means another test thread panicked; every update is made under
        // the lock and completes without panicking, so the map is still consistent.
        self.shared
            .items
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

/// The number attribute `attribute` of `item`, if it has one that parses.
fn number_of(item: &Item, attribute: &str) -> Option<i64> {
    item.get(attribute)?.as_n().ok()?.parse().ok()
}

/// Whether the string attribute `attribute` of `item` is `value`.
fn has_text(item: &Item, attribute: &str, value: &str) -> bool {
    item.get(attribute)
        .and_then(|stored| stored.as_s().ok())
        .is_some_and(|stored| stored == value)
}

/// `expiresAt < now`: what the claim condition and the TTL sweeper count as expired.
fn expired(item: &Item, now: OffsetDateTime) -> bool {
    number_of(item, ATTR_EXPIRES_AT).is_some_and(|at| at < now.unix_timestamp())
}

/// `ADD publishedQueues :queues`: the string set gains the queues it lacks (kept in the order
/// they were added). DynamoDB refuses an empty set, so the adapter sends none; neither is one
/// added here.
fn add_published(item: &mut Item, published: &[String]) {
    if published.is_empty() {
        return;
    }
    if !matches!(item.get(ATTR_PUBLISHED_QUEUES), Some(AttributeValue::Ss(_))) {
        item.insert(ATTR_PUBLISHED_QUEUES.into(), AttributeValue::Ss(Vec::new()));
    }
    if let Some(AttributeValue::Ss(queues)) = item.get_mut(ATTR_PUBLISHED_QUEUES) {
        for queue in published {
            if !queues.contains(queue) {
                queues.push(queue.clone());
            }
        }
    }
}

/// Refuses what DynamoDB refuses: a key over 2048 bytes, an item over 400 KB.
fn check_item(pk: &str, item: &Item) -> Result<(), StoreError> {
    if pk.len() > MAX_PARTITION_KEY_BYTES {
        return Err(StoreError::Unavailable(
            "ValidationException: Size of hashkey has exceeded the maximum size limit of 2048 bytes"
                .into(),
        ));
    }
    if item_size(item) > MAX_ITEM_BYTES {
        return Err(StoreError::Unavailable(
            "ValidationException: Item size has exceeded the maximum allowed size".into(),
        ));
    }
    Ok(())
}

/// The item `pk` if `token` holds its lease (the adapter's `#token = :token`).
fn held<'a>(
    items: &'a mut HashMap<String, Item>,
    pk: &str,
    token: &LeaseToken,
) -> Option<&'a mut Item> {
    items
        .get_mut(pk)
        .filter(|item| has_text(item, ATTR_LEASE_TOKEN, token.as_str()))
}

impl ClaimStore for MemoryStore {
    async fn put_new(&self, claim: &Claim, now: OffsetDateTime) -> Result<PutOutcome, StoreError> {
        self.check_available()?;
        let item = to_item(claim)?;
        let pk = string_of(&item, ATTR_PK).unwrap_or_default();
        check_item(&pk, &item)?;
        let mut items = self.lock();
        match items.get(&pk) {
            Some(existing) if !expired(existing, now) => {
                Ok(PutOutcome::Existing(Box::new(from_item(existing)?)))
            }
            _ => {
                items.insert(pk, item);
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
        let mut items = self.lock();
        match items.get_mut(pk) {
            Some(item)
                if has_text(item, ATTR_STATUS, Status::Received.as_str())
                    && number_of(item, ATTR_LEASE_UNTIL)
                        .is_some_and(|until| until < now.unix_timestamp()) =>
            {
                item.insert(ATTR_LEASE_UNTIL.into(), number(lease.until));
                item.insert(ATTR_LEASE_TOKEN.into(), text(lease.token.as_str()));
                Ok(TakeOutcome::Taken(Box::new(from_item(item)?)))
            }
            Some(item) => Ok(TakeOutcome::Refused(Some(Box::new(from_item(item)?)))),
            None => Ok(TakeOutcome::Refused(None)),
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
        let mut items = self.lock();
        let Some(item) = held(&mut items, pk, token) else {
            return Ok(Holding::Lost);
        };
        add_published(item, published);
        item.insert(ATTR_LEASE_UNTIL.into(), number(now.unix_timestamp() - 1));
        Ok(Holding::Held)
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
        let mut items = self.lock();
        let Some(item) = held(&mut items, pk, token) else {
            return Ok(Holding::Lost);
        };
        add_published(item, published);
        item.insert(ATTR_STATUS.into(), text(Status::Published.as_str()));
        item.insert(ATTR_PUBLISHED_AT.into(), text(&rfc3339(at)));
        item.insert(ATTR_EXPIRES_AT.into(), number(expires_at));
        item.remove(ATTR_PENDING_VENDOR);
        Ok(Holding::Held)
    }
}

impl ClaimReader for MemoryStore {
    async fn load(&self, pk: &str) -> Result<Option<Claim>, StoreError> {
        self.check_available()?;
        self.lock().get(pk).map(from_item).transpose()
    }

    /// The pending index: items that have `pendingVendor` = `vendor` (only RECEIVED ones do),
    /// by `leaseUntil`, those before `now`.
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
            .iter()
            .filter(|(_, item)| has_text(item, ATTR_PENDING_VENDOR, vendor))
            .filter_map(|(pk, item)| Some((number_of(item, ATTR_LEASE_UNTIL)?, pk.clone())))
            .filter(|(until, _)| *until < now.unix_timestamp())
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

    /// The receipt index: items of `vendor` by `receivedAt`, those in `[from, to)`.
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
            .iter()
            .filter(|(_, item)| has_text(item, ATTR_VENDOR, vendor))
            .filter_map(|(pk, item)| Some((string_of(item, ATTR_RECEIVED_AT)?, pk.clone())))
            .filter(|(at, _)| at.as_str() >= from && at.as_str() < to)
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

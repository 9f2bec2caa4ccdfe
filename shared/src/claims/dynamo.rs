//! DynamoDB claim store: each transition of the lifecycle is one conditional write that returns
//! the item when its condition fails (`ReturnValuesOnConditionCheckFailure=ALL_OLD`, no extra
//! read); two keys-only indexes: a sparse one of unfinished claims (`pendingVendor` exists only
//! while a claim is RECEIVED) and one by vendor and time of receipt, for replay.

use std::collections::HashMap;
use std::io::Read;

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use aws_sdk_dynamodb::Client;
use time::OffsetDateTime;

use super::payload::{self, Stored};
use super::{
    Claim, ClaimReader, ClaimStore, Cursor, Holding, Lease, LeaseToken, Page, PutOutcome, Status,
    StoreError, TakeOutcome,
};
use crate::aws::{self, LazyClient};
use crate::event::{rfc3339, Event};

/// Partition key attribute: `<vendor>#<dedupe key>`.
pub const ATTR_PK: &str = "pk";
/// TTL attribute, epoch seconds; present only once the claim is PUBLISHED.
pub const ATTR_EXPIRES_AT: &str = "expiresAt";
/// Vendor name: the partition key of [`RECEIVED_INDEX`].
pub const ATTR_VENDOR: &str = "vendor";
/// RFC 3339 with milliseconds: the sort key of [`RECEIVED_INDEX`].
pub const ATTR_RECEIVED_AT: &str = "receivedAt";
/// Vendor name, present only while the claim is RECEIVED: the partition key of [`PENDING_INDEX`].
pub const ATTR_PENDING_VENDOR: &str = "pendingVendor";
/// Epoch seconds the current holder's lease runs to: the sort key of [`PENDING_INDEX`].
pub const ATTR_LEASE_UNTIL: &str = "leaseUntil";
/// Sparse index of unpublished claims (keys only).
pub const PENDING_INDEX: &str = "pending-index";
/// Index of claims by vendor and time of receipt (keys only), for replay.
pub const RECEIVED_INDEX: &str = "vendor-received-index";
pub(super) const ATTR_LEASE_TOKEN: &str = "leaseToken";
pub(super) const ATTR_ID: &str = "id";
pub(super) const ATTR_EVENT_TYPE: &str = "eventType";
pub(super) const ATTR_DEDUPE_KEY: &str = "dedupeKey";
pub(super) const ATTR_STATUS: &str = "status";
pub(super) const ATTR_OCCURRED_AT: &str = "occurredAt";
pub(super) const ATTR_ACCOUNT: &str = "account";
pub(super) const ATTR_PUBLISHED_AT: &str = "publishedAt";
const ATTR_PAYLOAD: &str = "payload";
const ATTR_PAYLOAD_GZIP: &str = "payloadGzip";
const ATTR_BODY_DIGEST: &str = "bodyDigest";
pub(super) const ATTR_PUBLISHED_QUEUES: &str = "publishedQueues";
const ATTR_MESSAGE_GROUP: &str = "messageGroup";

/// A claim is new when no item has its key, or when the item there has expired but DynamoDB's
/// TTL sweeper (which runs within days, not on time) has not removed it yet. A RECEIVED claim
/// has no `expiresAt`, so it never counts as expired.
const CLAIM_CONDITION: &str = "attribute_not_exists(pk) OR expiresAt < :now";

/// Claims in one DynamoDB table whose partition key is `pk` (S).
#[derive(Debug, Clone)]
pub struct DynamoStore {
    pub(super) client: LazyClient<Client>,
    pub(super) table: String,
}

impl DynamoStore {
    /// Through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client: LazyClient::ready(client, aws::dynamodb),
            table: table.into(),
        }
    }

    /// Through a client made on the first call, from the process's SDK configuration.
    pub fn on_first_use(table: impl Into<String>) -> Self {
        Self {
            client: LazyClient::on_first_use(aws::dynamodb),
            table: table.into(),
        }
    }

    /// An UpdateItem of `pk` in this table, conditional on `token` holding the lease.
    async fn update_held(
        &self,
        pk: &str,
        token: &LeaseToken,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .get()
            .await
            .update_item()
            .table_name(&self.table)
            .key(ATTR_PK, text(pk))
            .condition_expression("#token = :token")
            .expression_attribute_names("#token", ATTR_LEASE_TOKEN)
            .expression_attribute_values(":token", text(token.as_str()))
    }
}

impl ClaimStore for DynamoStore {
    #[tracing::instrument(name = "dynamodb.PutItem", skip_all, fields(table = %self.table))]
    async fn put_new(&self, claim: &Claim, now: OffsetDateTime) -> Result<PutOutcome, StoreError> {
        let result = self
            .client
            .get()
            .await
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(claim)?))
            .condition_expression(CLAIM_CONDITION)
            .expression_attribute_values(":now", number(now.unix_timestamp()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(PutOutcome::Created),
            Err(error) => match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    let item = failed.item().ok_or(StoreError::Corrupt {
                        pk: claim.pk(),
                        attribute: ATTR_PK,
                    })?;
                    Ok(PutOutcome::Existing(Box::new(from_item(item)?)))
                }
                _ => Err(unavailable("PutItem", &error)),
            },
        }
    }

    #[tracing::instrument(name = "dynamodb.UpdateItem", skip_all, fields(table = %self.table))]
    async fn take_over(
        &self,
        pk: &str,
        lease: &Lease,
        now: OffsetDateTime,
    ) -> Result<TakeOutcome, StoreError> {
        let result = self
            .client
            .get()
            .await
            .update_item()
            .table_name(&self.table)
            .key(ATTR_PK, text(pk))
            .update_expression("SET #lease = :lease, #token = :token")
            .condition_expression("#status = :received AND #lease < :now")
            .expression_attribute_names("#lease", ATTR_LEASE_UNTIL)
            .expression_attribute_names("#token", ATTR_LEASE_TOKEN)
            .expression_attribute_names("#status", ATTR_STATUS)
            .expression_attribute_values(":lease", number(lease.until))
            .expression_attribute_values(":token", text(lease.token.as_str()))
            .expression_attribute_values(":now", number(now.unix_timestamp()))
            .expression_attribute_values(":received", text(Status::Received.as_str()))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => match output.attributes() {
                Some(item) => Ok(TakeOutcome::Taken(Box::new(from_item(item)?))),
                None => Err(StoreError::Corrupt {
                    pk: pk.to_string(),
                    attribute: ATTR_PK,
                }),
            },
            Err(error) => match error.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    let stored = failed.item().map(from_item).transpose()?;
                    Ok(TakeOutcome::Refused(stored.map(Box::new)))
                }
                _ => Err(unavailable("UpdateItem", &error)),
            },
        }
    }

    #[tracing::instrument(name = "dynamodb.UpdateItem", skip_all, fields(table = %self.table))]
    async fn release(
        &self,
        pk: &str,
        token: &LeaseToken,
        published: &[String],
        now: OffsetDateTime,
    ) -> Result<Holding, StoreError> {
        let request = self
            .update_held(pk, token)
            .await
            .expression_attribute_names("#lease", ATTR_LEASE_UNTIL)
            .expression_attribute_values(":released", number(now.unix_timestamp() - 1));
        let request = with_published(request, "SET #lease = :released", published);
        held(request.send().await)
    }

    #[tracing::instrument(name = "dynamodb.UpdateItem", skip_all, fields(table = %self.table))]
    async fn settle(
        &self,
        pk: &str,
        token: &LeaseToken,
        published: &[String],
        at: OffsetDateTime,
        expires_at: i64,
    ) -> Result<Holding, StoreError> {
        let request = self
            .update_held(pk, token)
            .await
            .expression_attribute_names("#status", ATTR_STATUS)
            .expression_attribute_names("#publishedAt", ATTR_PUBLISHED_AT)
            .expression_attribute_names("#expiresAt", ATTR_EXPIRES_AT)
            .expression_attribute_names("#pendingVendor", ATTR_PENDING_VENDOR)
            .expression_attribute_values(":published", text(Status::Published.as_str()))
            .expression_attribute_values(":at", text(&rfc3339(at)))
            .expression_attribute_values(":expires", number(expires_at));
        let request = with_published(
            request,
            "SET #status = :published, #publishedAt = :at, #expiresAt = :expires \
             REMOVE #pendingVendor",
            published,
        );
        held(request.send().await)
    }
}

/// `request` with update expression `expression`, adding `published` to the claim's queues
/// when there are any (DynamoDB refuses an empty set).
fn with_published(
    request: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder,
    expression: &str,
    published: &[String],
) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
    if published.is_empty() {
        return request.update_expression(expression);
    }
    request
        .update_expression(format!("ADD #queues :queues {expression}"))
        .expression_attribute_names("#queues", ATTR_PUBLISHED_QUEUES)
        .expression_attribute_values(":queues", AttributeValue::Ss(published.to_vec()))
}

/// The result of an update conditional on holding the lease.
fn held<O, R: std::fmt::Debug + 'static>(
    result: Result<O, aws_sdk_dynamodb::error::SdkError<UpdateItemError, R>>,
) -> Result<Holding, StoreError> {
    match result {
        Ok(_) => Ok(Holding::Held),
        Err(error) => match error.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(Holding::Lost),
            _ => Err(StoreError::Unavailable(format!(
                "DynamoDB UpdateItem: {}",
                DisplayErrorContext(&error)
            ))),
        },
    }
}

impl ClaimReader for DynamoStore {
    #[tracing::instrument(name = "dynamodb.GetItem", skip_all, fields(table = %self.table))]
    async fn load(&self, pk: &str) -> Result<Option<Claim>, StoreError> {
        let output = self
            .client
            .get()
            .await
            .get_item()
            .table_name(&self.table)
            .key(ATTR_PK, text(pk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| unavailable("GetItem", &error))?;
        output.item().map(from_item).transpose()
    }

    #[tracing::instrument(name = "dynamodb.Query", skip_all, fields(table = %self.table))]
    async fn pending(
        &self,
        vendor: &str,
        now: OffsetDateTime,
        limit: usize,
        after: Option<&Cursor>,
    ) -> Result<Page, StoreError> {
        let start = after.map(|cursor| {
            HashMap::from([
                (ATTR_PK.to_string(), text(&cursor.pk)),
                (ATTR_PENDING_VENDOR.to_string(), text(vendor)),
                (
                    ATTR_LEASE_UNTIL.to_string(),
                    AttributeValue::N(cursor.sort_key.clone()),
                ),
            ])
        });
        let output = self
            .client
            .get()
            .await
            .query()
            .table_name(&self.table)
            .index_name(PENDING_INDEX)
            .key_condition_expression("#vendor = :vendor AND #lease < :now")
            .expression_attribute_names("#vendor", ATTR_PENDING_VENDOR)
            .expression_attribute_names("#lease", ATTR_LEASE_UNTIL)
            .expression_attribute_values(":vendor", text(vendor))
            .expression_attribute_values(":now", number(now.unix_timestamp()))
            .set_exclusive_start_key(start)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|error| unavailable("Query", &error))?;
        let pks = output
            .items()
            .iter()
            .filter_map(|item| string_of(item, ATTR_PK))
            .collect();
        let next = output.last_evaluated_key().and_then(|key| {
            Some(Cursor {
                pk: string_of(key, ATTR_PK)?,
                sort_key: key.get(ATTR_LEASE_UNTIL)?.as_n().ok()?.clone(),
            })
        });
        Ok(Page { pks, next })
    }

    async fn received_between(
        &self,
        vendor: &str,
        from: &str,
        to: &str,
        limit: usize,
        after: Option<&Cursor>,
    ) -> Result<Page, StoreError> {
        self.received(vendor, from, to, limit, after, Order::OldestFirst)
            .await
    }
}

/// The order of a range read from [`RECEIVED_INDEX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    OldestFirst,
    NewestFirst,
}

impl DynamoStore {
    /// `vendor`'s claims received in `[from, to)` (RFC 3339, as stored), in `order`, at most
    /// `limit`, starting after `after`.
    #[tracing::instrument(name = "dynamodb.Query", skip_all, fields(table = %self.table))]
    pub async fn received(
        &self,
        vendor: &str,
        from: &str,
        to: &str,
        limit: usize,
        after: Option<&Cursor>,
        order: Order,
    ) -> Result<Page, StoreError> {
        let start = after.map(|cursor| {
            HashMap::from([
                (ATTR_PK.to_string(), text(&cursor.pk)),
                (ATTR_VENDOR.to_string(), text(vendor)),
                (ATTR_RECEIVED_AT.to_string(), text(&cursor.sort_key)),
            ])
        });
        let output = self
            .client
            .get()
            .await
            .query()
            .table_name(&self.table)
            .index_name(RECEIVED_INDEX)
            .key_condition_expression("#vendor = :vendor AND #received BETWEEN :from AND :to")
            .expression_attribute_names("#vendor", ATTR_VENDOR)
            .expression_attribute_names("#received", ATTR_RECEIVED_AT)
            .expression_attribute_values(":vendor", text(vendor))
            .expression_attribute_values(":from", text(from))
            .expression_attribute_values(":to", text(to))
            .scan_index_forward(order == Order::OldestFirst)
            .set_exclusive_start_key(start)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|error| unavailable("Query", &error))?;
        // BETWEEN includes `to`; the range is half-open.
        let pks = output
            .items()
            .iter()
            .filter(|item| string_of(item, ATTR_RECEIVED_AT).is_some_and(|at| at.as_str() < to))
            .filter_map(|item| string_of(item, ATTR_PK))
            .collect();
        let next = output.last_evaluated_key().and_then(|key| {
            Some(Cursor {
                pk: string_of(key, ATTR_PK)?,
                sort_key: string_of(key, ATTR_RECEIVED_AT)?,
            })
        });
        Ok(Page { pks, next })
    }
}

pub(super) fn string_of(item: &HashMap<String, AttributeValue>, attribute: &str) -> Option<String> {
    item.get(attribute).and_then(|v| v.as_s().ok()).cloned()
}

pub(super) fn unavailable<E: std::error::Error>(operation: &str, error: &E) -> StoreError {
    StoreError::Unavailable(format!(
        "DynamoDB {operation}: {}",
        DisplayErrorContext(error)
    ))
}

pub(super) fn text(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_string())
}

pub(super) fn number(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// The item of a claim. Refuses a payload that would not fit even compressed.
pub(crate) fn to_item(claim: &Claim) -> Result<HashMap<String, AttributeValue>, StoreError> {
    let event = &claim.event;
    // Room for every attribute a claim can have (eleven always, six at times), so that the map
    // is allocated once and never rehashed.
    let mut item = HashMap::with_capacity(17);
    item.extend([
        (ATTR_PK.to_string(), text(&event.pk())),
        (ATTR_ID.to_string(), text(&event.id)),
        (ATTR_VENDOR.to_string(), text(&event.vendor)),
        (ATTR_EVENT_TYPE.to_string(), text(&event.event_type)),
        (ATTR_DEDUPE_KEY.to_string(), text(&event.dedupe_key)),
        (ATTR_STATUS.to_string(), text(claim.status.as_str())),
        (ATTR_RECEIVED_AT.to_string(), text(&event.received_at)),
        (ATTR_LEASE_UNTIL.to_string(), number(claim.lease.until)),
        (
            ATTR_LEASE_TOKEN.to_string(),
            text(claim.lease.token.as_str()),
        ),
        (ATTR_BODY_DIGEST.to_string(), text(&claim.body_digest)),
        (ATTR_MESSAGE_GROUP.to_string(), text(&event.message_group)),
    ]);
    if claim.status == Status::Received {
        item.insert(ATTR_PENDING_VENDOR.to_string(), text(&event.vendor));
    }
    if let Some(expires_at) = claim.expires_at {
        item.insert(ATTR_EXPIRES_AT.to_string(), number(expires_at));
    }
    if !claim.published_queues.is_empty() {
        item.insert(
            ATTR_PUBLISHED_QUEUES.to_string(),
            AttributeValue::Ss(claim.published_queues.clone()),
        );
    }
    if let Some(occurred_at) = &event.occurred_at {
        item.insert(ATTR_OCCURRED_AT.to_string(), text(occurred_at));
    }
    if let Some(account) = &event.account {
        item.insert(ATTR_ACCOUNT.to_string(), text(account));
    }
    match payload::stored(&event.payload)? {
        Stored::Text => item.insert(ATTR_PAYLOAD.to_string(), text(&event.payload)),
        Stored::Gzip(bytes) => item.insert(
            ATTR_PAYLOAD_GZIP.to_string(),
            AttributeValue::B(Blob::new(bytes)),
        ),
    };
    Ok(item)
}

/// The size DynamoDB counts for `item` against its 400 KB limit: each attribute's name and
/// value in bytes (numbers counted by their digits, a bound on DynamoDB's own measure).
pub fn item_size(item: &HashMap<String, AttributeValue>) -> usize {
    fn value_size(value: &AttributeValue) -> usize {
        match value {
            AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
            AttributeValue::B(b) => b.as_ref().len(),
            AttributeValue::Ss(set) | AttributeValue::Ns(set) => set.iter().map(String::len).sum(),
            AttributeValue::L(list) => 3 + list.iter().map(|v| value_size(v) + 1).sum::<usize>(),
            AttributeValue::M(map) => {
                3 + map
                    .iter()
                    .map(|(name, v)| name.len() + value_size(v) + 1)
                    .sum::<usize>()
            }
            _ => 1,
        }
    }
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

fn gunzip(bytes: &[u8]) -> Option<String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

pub(super) fn from_item(item: &HashMap<String, AttributeValue>) -> Result<Claim, StoreError> {
    let pk = string_of(item, ATTR_PK).unwrap_or_default();
    let corrupt = |attribute: &'static str| StoreError::Corrupt {
        pk: pk.clone(),
        attribute,
    };
    let string = |attribute: &'static str| -> Result<String, StoreError> {
        string_of(item, attribute).ok_or_else(|| corrupt(attribute))
    };
    let optional_string = |attribute: &'static str| -> Result<Option<String>, StoreError> {
        match item.get(attribute) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(value) => Ok(Some(value.as_s().map_err(|_| corrupt(attribute))?.clone())),
        }
    };
    let integer = |attribute: &'static str| -> Result<Option<i64>, StoreError> {
        item.get(attribute)
            .map(|value| {
                value
                    .as_n()
                    .ok()
                    .and_then(|n| n.parse::<i64>().ok())
                    .ok_or_else(|| corrupt(attribute))
            })
            .transpose()
    };
    let status = Status::parse(&string(ATTR_STATUS)?).ok_or_else(|| corrupt(ATTR_STATUS))?;
    let payload = match (item.get(ATTR_PAYLOAD), item.get(ATTR_PAYLOAD_GZIP)) {
        (Some(AttributeValue::S(payload)), _) => payload.clone(),
        (_, Some(AttributeValue::B(blob))) => {
            gunzip(blob.as_ref()).ok_or_else(|| corrupt(ATTR_PAYLOAD_GZIP))?
        }
        _ => return Err(corrupt(ATTR_PAYLOAD)),
    };
    let published_queues = match item.get(ATTR_PUBLISHED_QUEUES) {
        None => Vec::new(),
        Some(value) => value
            .as_ss()
            .map_err(|_| corrupt(ATTR_PUBLISHED_QUEUES))?
            .clone(),
    };
    let event = Event {
        id: string(ATTR_ID)?,
        vendor: string(ATTR_VENDOR)?,
        event_type: string(ATTR_EVENT_TYPE)?,
        dedupe_key: string(ATTR_DEDUPE_KEY)?,
        received_at: string(ATTR_RECEIVED_AT)?,
        occurred_at: optional_string(ATTR_OCCURRED_AT)?,
        account: optional_string(ATTR_ACCOUNT)?,
        message_group: string(ATTR_MESSAGE_GROUP)?,
        payload,
    };
    Ok(Claim {
        event,
        body_digest: string(ATTR_BODY_DIGEST)?,
        status,
        lease: Lease {
            token: LeaseToken::from_stored(string(ATTR_LEASE_TOKEN)?),
            until: integer(ATTR_LEASE_UNTIL)?.ok_or_else(|| corrupt(ATTR_LEASE_UNTIL))?,
        },
        published_queues,
        expires_at: integer(ATTR_EXPIRES_AT)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Classified;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00:00 UTC);

    fn claim(occurred: bool) -> Claim {
        let classified = Classified {
            event_type: "sales_order.created".into(),
            dedupe_key: "k-1".into(),
            occurred_at: occurred.then_some(datetime!(2022-04-20 10:29:23.309 UTC)),
            entity: Some("sales_order:1".into()),
            account: occurred.then(|| "shop-7".to_string()),
            published: None,
        };
        let event = Event::new("cyclesoftware", &classified, NOW, "{\"a\":1}".into());
        Claim::received(
            event,
            crate::event::body_digest(b"{\"a\":1}"),
            &LeaseToken::new(),
            NOW,
        )
    }

    #[test]
    fn an_item_round_trips_to_the_same_claim() {
        for occurred in [true, false] {
            let claim = claim(occurred);
            let item = to_item(&claim).unwrap();
            assert_eq!(item[ATTR_PK].as_s().unwrap(), "cyclesoftware#k-1");
            assert_eq!(item[ATTR_STATUS].as_s().unwrap(), "RECEIVED");
            assert_eq!(item[ATTR_PENDING_VENDOR].as_s().unwrap(), "cyclesoftware");
            assert!(
                !item.contains_key(ATTR_EXPIRES_AT),
                "an unpublished claim never expires"
            );
            assert_eq!(item.contains_key(ATTR_OCCURRED_AT), occurred);
            assert_eq!(from_item(&item).unwrap(), claim);
        }
        let mut settled = claim(true);
        settled.status = Status::Published;
        settled.expires_at = Some(1_800_000_000);
        settled.published_queues = vec!["https://sqs/q".into()];
        let item = to_item(&settled).unwrap();
        assert!(!item.contains_key(ATTR_PENDING_VENDOR));
        assert_eq!(item[ATTR_EXPIRES_AT].as_n().unwrap(), "1800000000");
        assert_eq!(from_item(&item).unwrap(), settled);
    }

    #[test]
    fn a_large_payload_is_stored_compressed_and_read_back_whole() {
        let mut claim = claim(true);
        let repeated = "abcdefgh".repeat(crate::limits::INLINE_PAYLOAD_LIMIT / 4);
        claim.event.payload = format!("{{\"blob\":\"{repeated}\"}}");
        let item = to_item(&claim).unwrap();
        assert!(!item.contains_key(ATTR_PAYLOAD));
        let compressed = item[ATTR_PAYLOAD_GZIP].as_b().unwrap().as_ref().len();
        assert!(
            compressed < claim.event.payload.len() / 10,
            "{compressed} bytes"
        );
        assert!(item_size(&item) < 2 * compressed);
        assert_eq!(from_item(&item).unwrap(), claim);
    }

    #[test]
    fn an_item_missing_an_attribute_is_reported_as_corrupt() {
        let mut item = to_item(&claim(true)).unwrap();
        item.remove(ATTR_PAYLOAD);
        assert_eq!(
            from_item(&item),
            Err(StoreError::Corrupt {
                pk: "cyclesoftware#k-1".into(),
                attribute: ATTR_PAYLOAD
            })
        );
        let mut item = to_item(&claim(true)).unwrap();
        item.insert(ATTR_STATUS.into(), text("LOST"));
        assert!(matches!(
            from_item(&item),
            Err(StoreError::Corrupt {
                attribute: ATTR_STATUS,
                ..
            })
        ));
    }

    #[test]
    fn item_size_counts_names_and_values() {
        let item = HashMap::from([
            ("ab".to_string(), text("xyz")),
            ("n".to_string(), number(1234)),
            (
                "s".to_string(),
                AttributeValue::Ss(vec!["q1".into(), "q22".into()]),
            ),
        ]);
        assert_eq!(item_size(&item), 2 + 3 + 1 + 4 + 1 + 5);
    }
}

//! DynamoDB claim store: one conditional PutItem per claim that returns the existing item when
//! the condition fails (`ReturnValuesOnConditionCheckFailure=ALL_OLD`, no extra read), one
//! UpdateItem to settle; conditional take-over of lapsed leases; and two indexes: a sparse one of
//! pending claims (the attribute `pendingVendor` exists only while a claim is RECEIVED) and one
//! by vendor and time of receipt, for replay.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use std::io::Read;

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use aws_sdk_dynamodb::Client;
use time::OffsetDateTime;

use super::{
    stored_payload, Claim, ClaimIndex, ClaimLookup, ClaimOutcome, ClaimStatus, ClaimStore, Cursor,
    Page, StoreError, StoredClaim, StoredPayload,
};
use crate::event::{rfc3339, Event};

/// Partition key attribute: `<vendor>#<dedupe key>`.
pub const ATTR_PK: &str = "pk";
/// TTL attribute, epoch seconds.
pub const ATTR_EXPIRES_AT: &str = "expiresAt";
/// Vendor name: the partition key of [`RECEIVED_INDEX`].
pub const ATTR_VENDOR: &str = "vendor";
/// RFC 3339 with milliseconds: the sort key of [`RECEIVED_INDEX`].
pub const ATTR_RECEIVED_AT: &str = "receivedAt";
/// Vendor name, present only while the claim is RECEIVED: the partition key of [`PENDING_INDEX`].
pub const ATTR_PENDING_VENDOR: &str = "pendingVendor";
/// Epoch seconds the current delivery's lease runs to: the sort key of [`PENDING_INDEX`].
pub const ATTR_LEASE_UNTIL: &str = "leaseUntil";
/// Sparse index of unpublished claims (keys only).
pub const PENDING_INDEX: &str = "pending-index";
/// Index of claims by vendor and time of receipt (keys only), for replay.
pub const RECEIVED_INDEX: &str = "vendor-received-index";
const ATTR_ID: &str = "id";
const ATTR_EVENT_TYPE: &str = "eventType";
const ATTR_DEDUPE_KEY: &str = "dedupeKey";
const ATTR_STATUS: &str = "status";
const ATTR_OCCURRED_AT: &str = "occurredAt";
const ATTR_ACCOUNT: &str = "account";
const ATTR_PUBLISHED_AT: &str = "publishedAt";
const ATTR_PAYLOAD: &str = "payload";
const ATTR_PAYLOAD_GZIP: &str = "payloadGzip";
const ATTR_BODY_DIGEST: &str = "bodyDigest";
const ATTR_QUEUES: &str = "queues";
const ATTR_PUBLISHED_QUEUES: &str = "publishedQueues";
const ATTR_MESSAGE_GROUP: &str = "messageGroup";

/// A claim is new when no item has its key, or when the item there has expired but DynamoDB's
/// TTL sweeper (which runs within days, not on time) has not removed it yet.
const CLAIM_CONDITION: &str = "attribute_not_exists(pk) OR expiresAt < :now";

/// Claims in one DynamoDB table whose partition key is `pk` (S).
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

impl ClaimStore for DynamoStore {
    #[tracing::instrument(name = "dynamodb.PutItem", skip_all, fields(table = %self.table))]
    async fn claim(&self, claim: &Claim, now: OffsetDateTime) -> Result<ClaimOutcome, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(claim)?))
            .condition_expression(CLAIM_CONDITION)
            .expression_attribute_values(":now", number(now.unix_timestamp()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(ClaimOutcome::Claimed),
            Err(error) => match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    let pk = claim.event.pk();
                    let item = failed.item().ok_or(StoreError::Corrupt {
                        pk: pk.clone(),
                        attribute: ATTR_PK,
                    })?;
                    Ok(ClaimOutcome::Existing(Box::new(from_item(item)?)))
                }
                _ => Err(unavailable("PutItem", &error)),
            },
        }
    }

    #[tracing::instrument(name = "dynamodb.UpdateItem", skip_all, fields(table = %self.table))]
    async fn take_over(
        &self,
        pk: &str,
        now: OffsetDateTime,
        lease_until: i64,
    ) -> Result<Option<StoredClaim>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ATTR_PK, text(pk))
            .update_expression("SET #lease = :lease")
            .condition_expression("#status = :received AND #lease < :now")
            .expression_attribute_names("#lease", ATTR_LEASE_UNTIL)
            .expression_attribute_names("#status", ATTR_STATUS)
            .expression_attribute_values(":lease", number(lease_until))
            .expression_attribute_values(":now", number(now.unix_timestamp()))
            .expression_attribute_values(":received", text(ClaimStatus::Received.as_str()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => output.attributes().map(from_item).transpose(),
            Err(error) => match error.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(None),
                _ => Err(unavailable("UpdateItem", &error)),
            },
        }
    }

    #[tracing::instrument(name = "dynamodb.UpdateItem", skip_all, fields(table = %self.table))]
    async fn record_published(
        &self,
        pk: &str,
        queues: &[String],
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ATTR_PK, text(pk))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#lease", ATTR_LEASE_UNTIL)
            .expression_attribute_values(":released", number(now.unix_timestamp() - 1));
        request = if queues.is_empty() {
            request.update_expression("SET #lease = :released")
        } else {
            request
                .update_expression("ADD #published :queues SET #lease = :released")
                .expression_attribute_names("#published", ATTR_PUBLISHED_QUEUES)
                .expression_attribute_values(":queues", AttributeValue::Ss(queues.to_vec()))
        };
        match request.send().await {
            Ok(_) => Ok(()),
            Err(error) => match error.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => {
                    Err(StoreError::NotFound { pk: pk.to_string() })
                }
                _ => Err(unavailable("UpdateItem", &error)),
            },
        }
    }

    #[tracing::instrument(name = "dynamodb.UpdateItem", skip_all, fields(table = %self.table))]
    async fn settle(&self, pk: &str, at: OffsetDateTime) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ATTR_PK, AttributeValue::S(pk.to_string()))
            .update_expression("SET #status = :published, #publishedAt = :at REMOVE #pendingVendor")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#status", ATTR_STATUS)
            .expression_attribute_names("#publishedAt", ATTR_PUBLISHED_AT)
            .expression_attribute_names("#pendingVendor", ATTR_PENDING_VENDOR)
            .expression_attribute_values(":published", text(ClaimStatus::Published.as_str()))
            .expression_attribute_values(":at", text(&rfc3339(at)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error) => match error.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => {
                    Err(StoreError::NotFound { pk: pk.to_string() })
                }
                _ => Err(unavailable("UpdateItem", &error)),
            },
        }
    }
}

impl ClaimLookup for DynamoStore {
    #[tracing::instrument(name = "dynamodb.GetItem", skip_all, fields(table = %self.table))]
    async fn load(&self, pk: &str) -> Result<Option<StoredClaim>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(ATTR_PK, AttributeValue::S(pk.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| unavailable("GetItem", &error))?;
        output.item().map(from_item).transpose()
    }
}

impl ClaimIndex for DynamoStore {
    #[tracing::instrument(name = "dynamodb.Query", skip_all, fields(table = %self.table))]
    async fn pending(
        &self,
        vendor: &str,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(PENDING_INDEX)
            .key_condition_expression("#vendor = :vendor AND #lease < :now")
            .expression_attribute_names("#vendor", ATTR_PENDING_VENDOR)
            .expression_attribute_names("#lease", ATTR_LEASE_UNTIL)
            .expression_attribute_values(":vendor", text(vendor))
            .expression_attribute_values(":now", number(now.unix_timestamp()))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|error| unavailable("Query", &error))?;
        Ok(output
            .items()
            .iter()
            .filter_map(|item| string_of(item, ATTR_PK))
            .collect())
    }

    #[tracing::instrument(name = "dynamodb.Query", skip_all, fields(table = %self.table))]
    async fn received_between(
        &self,
        vendor: &str,
        from: &str,
        to: &str,
        limit: usize,
        after: Option<&Cursor>,
    ) -> Result<Page, StoreError> {
        let start = after.map(|cursor| {
            HashMap::from([
                (ATTR_PK.to_string(), text(&cursor.pk)),
                (ATTR_VENDOR.to_string(), text(vendor)),
                (ATTR_RECEIVED_AT.to_string(), text(&cursor.received_at)),
            ])
        });
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(RECEIVED_INDEX)
            .key_condition_expression("#vendor = :vendor AND #received BETWEEN :from AND :to")
            .expression_attribute_names("#vendor", ATTR_VENDOR)
            .expression_attribute_names("#received", ATTR_RECEIVED_AT)
            .expression_attribute_values(":vendor", text(vendor))
            .expression_attribute_values(":from", text(from))
            .expression_attribute_values(":to", text(to))
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
                received_at: string_of(key, ATTR_RECEIVED_AT)?,
            })
        });
        Ok(Page { pks, next })
    }
}

fn string_of(item: &HashMap<String, AttributeValue>, attribute: &str) -> Option<String> {
    item.get(attribute).and_then(|v| v.as_s().ok()).cloned()
}

fn unavailable<E: std::error::Error>(operation: &str, error: &E) -> StoreError {
    StoreError::Unavailable(format!(
        "DynamoDB {operation}: {}",
        DisplayErrorContext(error)
    ))
}

fn text(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_string())
}

fn number(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// The item of a new claim (status RECEIVED).
fn to_item(claim: &Claim) -> Result<HashMap<String, AttributeValue>, StoreError> {
    let event = &claim.event;
    let mut item = HashMap::from([
        (ATTR_PK.to_string(), text(&event.pk())),
        (ATTR_ID.to_string(), text(&event.id)),
        (ATTR_VENDOR.to_string(), text(&event.vendor)),
        (ATTR_EVENT_TYPE.to_string(), text(&event.event_type)),
        (ATTR_DEDUPE_KEY.to_string(), text(&event.dedupe_key)),
        (
            ATTR_STATUS.to_string(),
            text(ClaimStatus::Received.as_str()),
        ),
        (ATTR_RECEIVED_AT.to_string(), text(&event.received_at)),
        (ATTR_EXPIRES_AT.to_string(), number(claim.expires_at)),
        (ATTR_LEASE_UNTIL.to_string(), number(claim.lease_until)),
        (ATTR_PENDING_VENDOR.to_string(), text(&event.vendor)),
        (ATTR_BODY_DIGEST.to_string(), text(&claim.body_digest)),
        (ATTR_MESSAGE_GROUP.to_string(), text(&event.message_group)),
        (
            ATTR_QUEUES.to_string(),
            AttributeValue::L(claim.queues.iter().map(|q| text(q)).collect()),
        ),
    ]);
    if let Some(occurred_at) = &event.occurred_at {
        item.insert(ATTR_OCCURRED_AT.to_string(), text(occurred_at));
    }
    if let Some(account) = &event.account {
        item.insert(ATTR_ACCOUNT.to_string(), text(account));
    }
    match stored_payload(&event.payload)? {
        StoredPayload::Text => item.insert(ATTR_PAYLOAD.to_string(), text(&event.payload)),
        StoredPayload::Gzip(bytes) => item.insert(
            ATTR_PAYLOAD_GZIP.to_string(),
            AttributeValue::B(Blob::new(bytes)),
        ),
    };
    Ok(item)
}

fn gunzip(bytes: &[u8]) -> Option<String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

fn from_item(item: &HashMap<String, AttributeValue>) -> Result<StoredClaim, StoreError> {
    let pk = item
        .get(ATTR_PK)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default();
    let corrupt = |attribute: &'static str| StoreError::Corrupt {
        pk: pk.clone(),
        attribute,
    };
    let string = |attribute: &'static str| -> Result<String, StoreError> {
        item.get(attribute)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .ok_or_else(|| corrupt(attribute))
    };
    let status = ClaimStatus::parse(&string(ATTR_STATUS)?).ok_or_else(|| corrupt(ATTR_STATUS))?;
    let integer = |attribute: &'static str| -> Result<i64, StoreError> {
        item.get(attribute)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<i64>().ok())
            .ok_or_else(|| corrupt(attribute))
    };
    let expires_at = integer(ATTR_EXPIRES_AT)?;
    let lease_until = integer(ATTR_LEASE_UNTIL)?;
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
    let queues = item
        .get(ATTR_QUEUES)
        .and_then(|v| v.as_l().ok())
        .ok_or_else(|| corrupt(ATTR_QUEUES))?
        .iter()
        .map(|q| q.as_s().cloned().map_err(|_| corrupt(ATTR_QUEUES)))
        .collect::<Result<Vec<_>, _>>()?;
    let occurred_at = match item.get(ATTR_OCCURRED_AT) {
        None | Some(AttributeValue::Null(_)) => None,
        Some(value) => Some(
            value
                .as_s()
                .cloned()
                .map_err(|_| corrupt(ATTR_OCCURRED_AT))?,
        ),
    };
    let account = match item.get(ATTR_ACCOUNT) {
        None | Some(AttributeValue::Null(_)) => None,
        Some(value) => Some(value.as_s().cloned().map_err(|_| corrupt(ATTR_ACCOUNT))?),
    };
    let event = Event {
        id: string(ATTR_ID)?,
        vendor: string(ATTR_VENDOR)?,
        event_type: string(ATTR_EVENT_TYPE)?,
        dedupe_key: string(ATTR_DEDUPE_KEY)?,
        received_at: string(ATTR_RECEIVED_AT)?,
        occurred_at,
        account,
        message_group: string(ATTR_MESSAGE_GROUP)?,
        payload,
    };
    Ok(StoredClaim {
        claim: Claim {
            event,
            queues,
            expires_at,
            lease_until,
            body_digest: string(ATTR_BODY_DIGEST)?,
        },
        status,
        published_queues,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Classified;
    use time::macros::datetime;

    fn claim(occurred: bool) -> Claim {
        let classified = Classified {
            event_type: "sales_order.created".into(),
            dedupe_key: "k-1".into(),
            occurred_at: occurred.then_some(datetime!(2022-04-20 10:29:23.309 UTC)),
            entity: Some("sales_order:1".into()),
            account: occurred.then(|| "shop-7".to_string()),
        };
        Claim {
            event: Event::new(
                "cyclesoftware",
                classified,
                datetime!(2026-11-23 12:00:00 UTC),
                "{\"a\":1}".into(),
            ),
            queues: vec![
                "https://sqs.eu-west-1.amazonaws.com/1/a".into(),
                "https://sqs/b.fifo".into(),
            ],
            expires_at: 1_800_000_000,
            lease_until: 1_795_000_060,
            body_digest: crate::event::body_digest(b"{\"a\":1}"),
        }
    }

    #[test]
    fn an_item_round_trips_to_the_same_claim() {
        for occurred in [true, false] {
            let claim = claim(occurred);
            let item = to_item(&claim).unwrap();
            assert_eq!(item[ATTR_PK].as_s().unwrap(), "cyclesoftware#k-1");
            assert_eq!(item[ATTR_STATUS].as_s().unwrap(), "RECEIVED");
            assert_eq!(item[ATTR_EXPIRES_AT].as_n().unwrap(), "1800000000");
            assert_eq!(item.contains_key(ATTR_OCCURRED_AT), occurred);
            let stored = from_item(&item).unwrap();
            assert_eq!(stored, StoredClaim::received(claim));
        }
    }

    #[test]
    fn a_large_payload_is_stored_compressed_and_read_back_whole() {
        let mut claim = claim(true);
        let repeated = "abcdefgh".repeat(crate::store::INLINE_PAYLOAD_LIMIT / 4);
        claim.event.payload = format!("{{\"blob\":\"{repeated}\"}}");
        let item = to_item(&claim).unwrap();
        assert!(!item.contains_key(ATTR_PAYLOAD));
        let compressed = item[ATTR_PAYLOAD_GZIP].as_b().unwrap().as_ref().len();
        assert!(
            compressed < claim.event.payload.len() / 10,
            "{compressed} bytes"
        );
        assert_eq!(from_item(&item).unwrap().claim, claim);
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
}

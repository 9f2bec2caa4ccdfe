//! The consumer's own table of event ids: an id is claimed (conditional write) before its event
//! is handled and marked handled after, so a repeat is skipped and a failed attempt is retried.
//!
//! Item: `id` (S, the envelope's id, partition key), `status` (`handling` or `handled`),
//! `leaseUntil` (N, Unix ms: while `handling`, when the claim may be taken over: the end of the
//! invocation that holds it), `expiresAt` (N, Unix s, the table's TTL attribute).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

const HANDLING: &str = "handling";
const HANDLED: &str = "handled";

/// What claiming an id found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The id is now this invocation's to handle.
    Taken,
    /// The id was handled before: skip the message.
    AlreadyHandled,
    /// Another invocation is handling it now: retry the message later.
    Busy,
}

/// A call to the table failed; the message is retried.
#[derive(Debug, thiserror::Error)]
#[error("the handled-ids table could not be {0}")]
pub struct TableError(&'static str);

/// The table of handled ids.
#[derive(Debug, Clone)]
pub struct Handled {
    client: Client,
    table: String,
    ttl: Duration,
}

impl Handled {
    pub fn new(client: Client, table: String, ttl_days: u32) -> Self {
        Self {
            client,
            table,
            ttl: Duration::from_secs(u64::from(ttl_days) * 86_400),
        }
    }

    /// Claims `id` until `lease_until` (the invocation's deadline): new ids, and ids whose
    /// previous holder's lease is over (it crashed or timed out), are taken.
    pub async fn claim(&self, id: &str, lease_until: SystemTime) -> Result<Claim, TableError> {
        let now = SystemTime::now();
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("id", AttributeValue::S(id.to_string()))
            .item("status", AttributeValue::S(HANDLING.into()))
            .item("leaseUntil", number(millis(lease_until)))
            .item("expiresAt", number(seconds(now + self.ttl)))
            .condition_expression(
                "attribute_not_exists(id) OR (#status = :handling AND leaseUntil < :now)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":handling", AttributeValue::S(HANDLING.into()))
            .expression_attribute_values(":now", number(millis(now)))
            .send()
            .await;
        match put {
            Ok(_) => Ok(Claim::Taken),
            Err(SdkError::ServiceError(error))
                if matches!(
                    error.err(),
                    PutItemError::ConditionalCheckFailedException(_)
                ) =>
            {
                let item = self
                    .client
                    .get_item()
                    .table_name(&self.table)
                    .key("id", AttributeValue::S(id.to_string()))
                    .consistent_read(true)
                    .send()
                    .await
                    .map_err(|_| TableError("read"))?;
                let status = item
                    .item()
                    .and_then(|item| item.get("status"))
                    .and_then(|status| status.as_s().ok());
                Ok(match status.map(String::as_str) {
                    Some(HANDLED) => Claim::AlreadyHandled,
                    _ => Claim::Busy,
                })
            }
            Err(_) => Err(TableError("written")),
        }
    }

    /// Marks a claimed id handled: from now on its repeats are skipped.
    pub async fn complete(&self, id: &str) -> Result<(), TableError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(id.to_string()))
            .update_expression("SET #status = :handled REMOVE leaseUntil")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":handled", AttributeValue::S(HANDLED.into()))
            .send()
            .await
            .map_err(|_| TableError("updated"))?;
        Ok(())
    }

    /// Gives a claim up after its event failed, so that the retry is not kept waiting for the
    /// lease. If this fails too, the lease ends with the invocation anyway.
    pub async fn release(&self, id: &str) {
        let released = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(id.to_string()))
            .condition_expression("#status = :handling")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":handling", AttributeValue::S(HANDLING.into()))
            .send()
            .await;
        if released.is_err() {
            tracing::warn!(
                id,
                "a failed event's claim could not be released; its lease ends with this invocation"
            );
        }
    }
}

fn number(value: u128) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn millis(at: SystemTime) -> u128 {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
}

fn seconds(at: SystemTime) -> u128 {
    u128::from(at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs())
}

//! The publisher port: sends an event's envelope to one queue. Adapters: SQS for production,
//! memory for tests. Which queues an event goes to is decided by [`Routes`].

mod memory;
mod routes;
mod sqs;

use std::future::Future;

use crate::event::Event;

pub use memory::MemoryPublisher;
pub use routes::{Routes, RoutesError};
pub use sqs::SqsPublisher;

/// Name of the message attribute carrying the vendor.
pub const ATTRIBUTE_VENDOR: &str = "vendor";
/// Name of the message attribute carrying the event type.
pub const ATTRIBUTE_EVENT_TYPE: &str = "eventType";
/// Name of the message attribute carrying the vendor account, set only when it is known.
pub const ATTRIBUTE_ACCOUNT: &str = "account";

/// One message, ready for any queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The JSON envelope.
    pub body: String,
    pub vendor: String,
    pub event_type: String,
    /// The vendor account, when known.
    pub account: Option<String>,
    /// FIFO `MessageGroupId`.
    pub group_id: String,
    /// FIFO `MessageDeduplicationId`.
    pub deduplication_id: String,
}

impl Message {
    pub fn of(event: &Event) -> Self {
        Self {
            body: event.envelope(),
            vendor: event.vendor.clone(),
            event_type: event.event_type.clone(),
            account: event.account.clone(),
            group_id: event.message_group.clone(),
            deduplication_id: event.deduplication_id(),
        }
    }
}

/// Whether a queue URL names a FIFO queue (its name ends in `.fifo`).
pub fn is_fifo(queue_url: &str) -> bool {
    queue_url.ends_with(".fifo")
}

/// Sends messages to queues.
pub trait Publisher: Send + Sync {
    fn publish(
        &self,
        queue_url: &str,
        message: &Message,
    ) -> impl Future<Output = Result<(), PublishError>> + Send;
}

/// A message that did not reach its queue; a retry may succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("publishing to {queue} failed: {reason}")]
pub struct PublishError {
    pub queue: String,
    pub reason: String,
}

impl<T: Publisher + ?Sized> Publisher for std::sync::Arc<T> {
    fn publish(
        &self,
        queue_url: &str,
        message: &Message,
    ) -> impl Future<Output = Result<(), PublishError>> + Send {
        (**self).publish(queue_url, message)
    }
}

//! The publisher port: sends an event's envelope to one queue. Adapters: SQS for production,
//! memory for tests. Which queues an event goes to is decided by [`Routes`].

#[cfg(any(test, feature = "test-util"))]
mod memory;
mod routes;
mod sqs;

use std::future::Future;

use crate::event::Event;
use crate::limits::{sqs_attribute, sqs_safe_json};

#[cfg(any(test, feature = "test-util"))]
pub use memory::MemoryPublisher;
pub use routes::{glob_matches, Routes, RoutesError, Routing};
pub use sqs::SqsPublisher;

/// Name of the message attribute carrying the vendor.
pub const ATTRIBUTE_VENDOR: &str = "vendor";
/// Name of the message attribute carrying the event type.
pub const ATTRIBUTE_EVENT_TYPE: &str = "eventType";
/// Name of the message attribute carrying the vendor account, set only when it is known.
pub const ATTRIBUTE_ACCOUNT: &str = "account";

/// One message, ready for any queue: every part within SQS's rules ([`crate::limits`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The JSON envelope, with any character SQS refuses JSON-escaped.
    pub body: String,
    /// String attributes by name: `vendor`, `eventType` and, when known, `account`; a value SQS
    /// would refuse is in its digest form, an empty one left out.
    pub attributes: Vec<(&'static str, String)>,
    /// FIFO `MessageGroupId`.
    pub group_id: String,
    /// FIFO `MessageDeduplicationId`.
    pub deduplication_id: String,
}

impl Message {
    /// The message of a stored event: its body published as its vendor publishes it
    /// ([`Event::envelope`]).
    pub fn of(event: &Event) -> Self {
        Self::with_body(event, event.envelope())
    }

    /// The message of an event whose body its vendor has just classified, with `payload`, the
    /// published payload classification made ([`crate::vendors::delivery_payload`]): JSON by
    /// the vendor contract, not parsed again ([`Event::envelope_with`]).
    pub fn of_classified(event: &Event, payload: &str) -> Self {
        Self::with_body(event, event.envelope_with(payload))
    }

    fn with_body(event: &Event, envelope: String) -> Self {
        let attributes = [
            (ATTRIBUTE_VENDOR, Some(event.vendor.as_str())),
            (ATTRIBUTE_EVENT_TYPE, Some(event.event_type.as_str())),
            (ATTRIBUTE_ACCOUNT, event.account.as_deref()),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, sqs_attribute(value?)?.into_owned())))
        .collect();
        Self {
            body: sqs_safe_json(envelope),
            attributes,
            group_id: event.message_group.clone(),
            deduplication_id: event.deduplication_id(),
        }
    }

    /// The attribute `name`, if the message has it.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(attribute, _)| *attribute == name)
            .map(|(_, value)| value.as_str())
    }

    /// The size SQS counts against its limit: the body and each attribute's name, type
    /// (`String`) and value.
    pub fn size(&self) -> usize {
        self.body.len()
            + self
                .attributes
                .iter()
                .map(|(name, value)| name.len() + STRING_TYPE.len() + value.len())
                .sum::<usize>()
    }
}

/// The data type of every message attribute.
pub const STRING_TYPE: &str = "String";

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

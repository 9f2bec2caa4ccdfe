//! In-memory publisher with SQS's observable rules: a queue must exist; body and attribute
//! values hold only characters SQS accepts, attribute values are not empty, the message is at
//! most 1 MiB; a FIFO queue needs a valid group id and drops a message whose deduplication id it
//! has already taken. Fails on demand, for failure tests. For tests only (`test-util`).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{is_fifo, Message, PublishError, Publisher};
use crate::limits::{is_valid_group_id, sqs_accepts_text, MAX_MESSAGE_BYTES};

#[derive(Debug, Default)]
struct Queue {
    messages: Vec<Message>,
    deduplication_ids: HashSet<String>,
}

#[derive(Debug, Default)]
struct State {
    queues: HashMap<String, Queue>,
    failing: HashSet<String>,
    fail_all: bool,
    attempts: usize,
}

/// Messages kept per queue URL. A handle: clones share the same queues.
#[derive(Debug, Clone, Default)]
pub struct MemoryPublisher {
    state: Arc<Mutex<State>>,
}

impl MemoryPublisher {
    /// A publisher whose only queues are `queue_urls`.
    pub fn with_queues<Q: AsRef<str>>(queue_urls: &[Q]) -> Self {
        let publisher = Self::default();
        for url in queue_urls {
            publisher.create_queue(url.as_ref());
        }
        publisher
    }

    /// Makes `queue_url` exist (FIFO if it ends in `.fifo`).
    pub fn create_queue(&self, queue_url: &str) {
        self.lock().queues.entry(queue_url.to_string()).or_default();
    }

    /// The messages `queue_url` holds, in order.
    pub fn sent(&self, queue_url: &str) -> Vec<Message> {
        self.lock()
            .queues
            .get(queue_url)
            .map(|queue| queue.messages.clone())
            .unwrap_or_default()
    }

    /// Removes and returns the messages `queue_url` holds, in order: what a consumer that
    /// receives and deletes them takes.
    pub fn take_sent(&self, queue_url: &str) -> Vec<Message> {
        self.lock()
            .queues
            .get_mut(queue_url)
            .map(|queue| std::mem::take(&mut queue.messages))
            .unwrap_or_default()
    }

    /// Number of messages held by all queues.
    pub fn total_sent(&self) -> usize {
        self.lock()
            .queues
            .values()
            .map(|queue| queue.messages.len())
            .sum()
    }

    /// Number of publish calls, failed ones included.
    pub fn attempts(&self) -> usize {
        self.lock().attempts
    }

    /// While `true`, publishing to `queue_url` fails and sends nothing.
    pub fn set_failing(&self, queue_url: &str, failing: bool) {
        let mut state = self.lock();
        if failing {
            state.failing.insert(queue_url.to_string());
        } else {
            state.failing.remove(queue_url);
        }
    }

    /// While `true`, publishing to any queue fails.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.lock().fail_all = unavailable;
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Why SQS would refuse `message` for `queue_url`, if it would.
fn refusal(queue_url: &str, message: &Message) -> Option<&'static str> {
    if !sqs_accepts_text(&message.body) {
        return Some("InvalidMessageContents: the body holds characters SQS refuses");
    }
    if message
        .attributes
        .iter()
        .any(|(_, value)| value.is_empty() || !sqs_accepts_text(value))
    {
        return Some(
            "InvalidParameterValue: an attribute value is empty or holds refused characters",
        );
    }
    if message.size() > MAX_MESSAGE_BYTES {
        return Some("InvalidParameterValue: the message is longer than SQS allows");
    }
    if is_fifo(queue_url)
        && !(is_valid_group_id(&message.group_id) && is_valid_group_id(&message.deduplication_id))
    {
        return Some("InvalidParameterValue: MessageGroupId or MessageDeduplicationId is invalid");
    }
    None
}

impl Publisher for MemoryPublisher {
    /// FIFO deduplication is kept forever here, where SQS keeps it five minutes: tests that
    /// depend on the window's end belong against the emulator.
    async fn publish(&self, queue_url: &str, message: &Message) -> Result<(), PublishError> {
        let failed = |reason: &str| PublishError {
            queue: queue_url.to_string(),
            reason: reason.to_string(),
        };
        let mut state = self.lock();
        state.attempts += 1;
        if state.fail_all || state.failing.contains(queue_url) {
            return Err(failed("memory publisher switched off"));
        }
        if let Some(reason) = refusal(queue_url, message) {
            return Err(failed(reason));
        }
        let queue = state
            .queues
            .get_mut(queue_url)
            .ok_or_else(|| failed("the queue does not exist"))?;
        if is_fifo(queue_url)
            && !queue
                .deduplication_ids
                .insert(message.deduplication_id.clone())
        {
            return Ok(());
        }
        queue.messages.push(message.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Classified, Event};

    #[tokio::test]
    async fn taking_the_sent_messages_empties_the_queue() {
        let classified = Classified {
            event_type: "t".into(),
            dedupe_key: "k".into(),
            occurred_at: None,
            entity: None,
            account: None,
            published: None,
        };
        let event = Event::new(
            "v",
            &classified,
            time::macros::datetime!(2026-11-23 12:00:00 UTC),
            "{}".into(),
        );
        let message = Message::of(&event);
        let publisher = MemoryPublisher::with_queues(&["q"]);
        publisher.publish("q", &message).await.unwrap();
        publisher.publish("q", &message).await.unwrap();
        assert_eq!(publisher.take_sent("q"), vec![message.clone(), message]);
        assert!(publisher.sent("q").is_empty());
        assert!(publisher.take_sent("q").is_empty());
        assert!(publisher.take_sent("no such queue").is_empty());
    }
}

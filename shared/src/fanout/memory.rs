//! In-memory publisher with SQS's observable rules: a queue must exist, and a FIFO queue drops a
//! message whose deduplication id it has already taken. Fails on demand, for failure tests.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use super::{is_fifo, Message, PublishError, Publisher};

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

/// Messages kept per queue URL.
#[derive(Debug, Default)]
pub struct MemoryPublisher {
    state: Mutex<State>,
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

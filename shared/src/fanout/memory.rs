//! In-memory publisher: keeps what was sent per queue, and fails on demand for chosen queues.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use super::{Message, PublishError, Publisher};

#[derive(Debug, Default)]
struct State {
    sent: HashMap<String, Vec<Message>>,
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
    pub fn new() -> Self {
        Self::default()
    }

    /// The messages `queue_url` received, in order.
    pub fn sent(&self, queue_url: &str) -> Vec<Message> {
        self.lock().sent.get(queue_url).cloned().unwrap_or_default()
    }

    /// Number of messages sent to all queues.
    pub fn total_sent(&self) -> usize {
        self.lock().sent.values().map(Vec::len).sum()
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
    async fn publish(&self, queue_url: &str, message: &Message) -> Result<(), PublishError> {
        let mut state = self.lock();
        state.attempts += 1;
        if state.fail_all || state.failing.contains(queue_url) {
            return Err(PublishError {
                queue: queue_url.to_string(),
                reason: "memory publisher switched off".into(),
            });
        }
        state
            .sent
            .entry(queue_url.to_string())
            .or_default()
            .push(message.clone());
        Ok(())
    }
}

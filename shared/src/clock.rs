//! The injected clock: the pipeline asks it for "now", so time logic (TTL, expiry, timestamps)
//! is tested with a clock the test controls.

use time::OffsetDateTime;
#[cfg(any(test, feature = "test-util"))]
use {
    std::sync::{Arc, Mutex},
    time::Duration,
};

/// A source of the current time.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until told to move. A handle: clones share the same time. For
/// tests only (`test-util`).
#[cfg(any(test, feature = "test-util"))]
#[derive(Debug, Clone)]
pub struct FixedClock(Arc<Mutex<OffsetDateTime>>);

#[cfg(any(test, feature = "test-util"))]
impl FixedClock {
    pub fn at(now: OffsetDateTime) -> Self {
        Self(Arc::new(Mutex::new(now)))
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use time::Duration;

    #[test]
    fn a_fixed_clock_moves_only_when_told_and_clones_share_it() {
        let clock = FixedClock::at(datetime!(2026-11-23 12:00:00 UTC));
        let shared = clock.clone();
        assert_eq!(shared.now(), datetime!(2026-11-23 12:00:00 UTC));
        clock.advance(Duration::seconds(61));
        assert_eq!(shared.now(), datetime!(2026-11-23 12:01:01 UTC));
        let before = SystemClock.now();
        assert!(SystemClock.now() >= before);
    }
}

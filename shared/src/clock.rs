//! The injected clock: the pipeline asks it for "now", so time logic (TTL, expiry, timestamps)
//! is tested with a clock the test controls.

use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

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

/// A clock that stands still until told to move.
#[derive(Debug)]
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    pub fn at(now: OffsetDateTime) -> Self {
        Self(Mutex::new(now))
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> OffsetDateTime {
        (**self).now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use time::macros::datetime;

    #[test]
    fn a_fixed_clock_moves_only_when_told_and_shares_through_arc() {
        let clock = Arc::new(FixedClock::at(datetime!(2026-11-23 12:00:00 UTC)));
        let shared = Arc::clone(&clock);
        assert_eq!(shared.now(), datetime!(2026-11-23 12:00:00 UTC));
        clock.advance(Duration::seconds(61));
        assert_eq!(shared.now(), datetime!(2026-11-23 12:01:01 UTC));
        let before = SystemClock.now();
        assert!(SystemClock.now() >= before);
    }
}

//! One deadline for a whole delivery: every AWS call it makes gets what is left of it, so a
//! delivery is answered in time whatever hangs.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// The instant by which a delivery (or one claim of a republisher run) must be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Deadline {
    at: Instant,
}

impl Deadline {
    /// The deadline `budget` from now.
    pub fn after(budget: Duration) -> Self {
        Self {
            at: Instant::now() + budget,
        }
    }

    /// Whichever of the two deadlines comes first.
    pub fn earliest(self, other: Self) -> Self {
        self.min(other)
    }

    /// The time left, zero once past.
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// Runs `call` until it completes or the deadline passes; `None` in the latter case, when
    /// `call` is dropped wherever it was (its effect, if any, may or may not have happened). A
    /// call is not started at all once the deadline has passed.
    pub async fn bound<T>(&self, call: impl Future<Output = T>) -> Option<T> {
        if self.remaining().is_zero() {
            return None;
        }
        tokio::time::timeout_at(self.at, call).await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_call_past_the_deadline_is_cut_and_one_within_it_completes() {
        let deadline = Deadline::after(Duration::from_secs(5));
        assert_eq!(deadline.remaining(), Duration::from_secs(5));
        let quick = deadline.bound(async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            7
        });
        assert_eq!(quick.await, Some(7));
        assert_eq!(deadline.remaining(), Duration::from_secs(4));
        let started = Instant::now();
        assert_eq!(deadline.bound(std::future::pending::<()>()).await, None);
        assert_eq!(started.elapsed(), Duration::from_secs(4));
        assert_eq!(deadline.remaining(), Duration::ZERO);
        let mut started = false;
        let late = deadline.bound(async {
            started = true;
        });
        assert_eq!(late.await, None);
        assert!(!started, "nothing starts past the deadline");
        let sooner = Deadline::after(Duration::from_secs(1));
        assert_eq!(deadline.earliest(sooner), deadline);
    }
}

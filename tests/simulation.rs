//! The fault simulation (`make simulate SIM_SCHEDULES=N`): runs N schedules, each from its own
//! seed, on every core, and ends with `simulation: N schedules, V invariant violations`. A
//! failing seed is printed with its violations; `SIM_SEED=<seed>` replays that one schedule
//! step by step. `make test` runs a smaller number.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use webhook_tests::simulation;

/// Schedules `cargo test` runs unless `SIM_SCHEDULES` says otherwise.
const DEFAULT_SCHEDULES: u64 = 2_000;
/// Failing schedules printed in full.
const SHOWN: usize = 5;

fn variable(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|value| {
        value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number"))
    })
}

fn main() -> ExitCode {
    if let Some(seed) = variable("SIM_SEED") {
        let (violations, trace) = simulation::run(seed, true);
        for line in trace.unwrap_or_default() {
            println!("{line}");
        }
        for violation in &violations {
            println!("VIOLATION: {violation}");
        }
        println!(
            "simulation: 1 schedules, {} invariant violations",
            violations.len()
        );
        return if violations.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    let schedules = variable("SIM_SCHEDULES").unwrap_or(DEFAULT_SCHEDULES);
    let first_seed = variable("SIM_FIRST_SEED").unwrap_or(1);
    // A seed is only worth printing if it replays: the first schedule, run twice, must do the
    // same thing step by step.
    if simulation::run(first_seed, true).1 != simulation::run(first_seed, true).1 {
        println!("simulation: schedule {first_seed} did not replay identically from its seed");
        return ExitCode::FAILURE;
    }
    let next = AtomicU64::new(0);
    let failing: Mutex<Vec<(u64, Vec<String>)>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                if index >= schedules {
                    return;
                }
                let seed = first_seed + index;
                let (violations, _) = simulation::run(seed, false);
                if !violations.is_empty() {
                    failing.lock().unwrap().push((seed, violations));
                }
            });
        }
    });
    let mut failing = failing.into_inner().unwrap();
    failing.sort();
    let total: usize = failing.iter().map(|(_, violations)| violations.len()).sum();
    for (seed, violations) in failing.iter().take(SHOWN) {
        println!("seed {seed} (replay: make simulate SIM_SEED={seed}):");
        for violation in violations {
            println!("  {violation}");
        }
    }
    if failing.len() > SHOWN {
        println!("… and {} more failing seeds", failing.len() - SHOWN);
    }
    println!("simulation: {schedules} schedules, {total} invariant violations");
    if total == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

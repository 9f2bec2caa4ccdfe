//! CPU per event: authenticate + classify + claim + envelope building, with in-memory adapters,
//! per vendor on its sample payloads, against the floor of HMAC-SHA256 of the body plus one
//! `serde_json` parse of the same bytes (for a form body: decoding the form and parsing its
//! `data`). Each is measured by criterion, and then their ratio in alternating batches, which the
//! machine's drift in speed does not skew. Deliveries go to one pipeline, as in a warm function;
//! after each, its claim is swept and its message taken, inside the measure. Run with
//! `make bench`.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    missing_docs
)]

use criterion::Criterion;
use lambda_http::http::{HeaderMap, HeaderValue};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};
use webhook_core::claims::MemoryStore;
use webhook_core::clock::FixedClock;
use webhook_core::config::Config;
use webhook_core::fanout::MemoryPublisher;
use webhook_core::http::route_segment;
use webhook_core::pipeline::{Inbound, Outcome, Pipeline, Receipt};
use webhook_core::vendors::cyclesoftware::CycleSoftware;
use webhook_core::vendors::revo_xef::RevoXef;
use webhook_core::vendors::service_order_hub::ServiceOrderHub;
use webhook_core::vendors::wayke::Wayke;
use webhook_core::vendors::Vendor;
use webhook_core::verify::{credential_header, sign, Secret};

const QUEUE: &str = "https://sqs.eu-west-1.amazonaws.com/123456789012/q";
const SECRET: &str = "bench-secret";

/// The sample payload of `vendor` named `event` (`<event>.json`, or `<event>.form` for a form
/// body), and the path it is posted to.
fn sample(vendor: &str, event: &str, routed: bool) -> (Vec<u8>, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../events/payloads/{vendor}"));
    let body = ["json", "form"]
        .iter()
        .find_map(|extension| std::fs::read(dir.join(format!("{event}.{extension}"))).ok())
        .unwrap();
    let route = if routed {
        format!("/{vendor}/{event}")
    } else {
        format!("/{vendor}")
    };
    (body, route)
}

/// Past every claim's expiry: the bench keeps settled claims ten years (`DEDUPE_TTL_DAYS`).
const FOREVER: time::OffsetDateTime = time::macros::datetime!(2040-01-01 00:00:00 UTC);

/// A pipeline and handles on its store and queue.
struct Warm<V> {
    pipeline: Pipeline<V, MemoryStore, MemoryPublisher, FixedClock>,
    store: MemoryStore,
    queue: MemoryPublisher,
}

/// One vendor's sample, ready to be delivered again and again, and its floor.
struct Case<V> {
    vendor: V,
    event: &'static str,
    body: Vec<u8>,
    path: String,
    headers: HeaderMap,
    config: Config,
    secret: Secret,
    runtime: tokio::runtime::Runtime,
    clock: FixedClock,
}

impl<V: Vendor + Copy> Case<V> {
    fn new(vendor: V, event: &'static str, routed: bool) -> Self {
        let (body, path) = sample(vendor.name(), event, routed);
        let variables = [
            ("EVENTS_TABLE", "events".to_string()),
            ("FANOUT", format!("*={QUEUE}")),
            ("WEBHOOK_SECRETS", SECRET.to_string()),
            // The samples are recordings; CycleSoftware signs their (old) timestamps.
            ("DEDUPE_TTL_DAYS", "3650".to_string()),
        ];
        let config = Config::from_lookup(&vendor, |name| {
            variables
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        })
        .unwrap();
        let secret = Secret::new(SECRET).unwrap();
        let (name, value) = credential_header(config.authenticator.scheme(), &secret, &body);
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(&value).unwrap());
        Self {
            vendor,
            event,
            body,
            path,
            headers,
            config,
            secret,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap(),
            clock: FixedClock::at(time::macros::datetime!(2026-11-23 12:00:00 UTC)),
        }
    }

    fn name(&self) -> String {
        format!(
            "{}/{} ({} bytes)",
            self.vendor.name(),
            self.event,
            self.body.len()
        )
    }

    /// A pipeline, as a warm function keeps it from one delivery to the next.
    fn pipeline(&self) -> Warm<V> {
        let store = MemoryStore::new();
        let queue = MemoryPublisher::with_queues(&[QUEUE]);
        Warm {
            pipeline: Pipeline::new(
                self.vendor,
                self.config.clone(),
                store.clone(),
                queue.clone(),
                self.clock.clone(),
            ),
            store,
            queue,
        }
    }

    /// What is measured: one delivery of the sample, accepted; then its claim is swept as
    /// expired and its message taken off the queue, so that the next delivery of the same
    /// sample is a new event again, and what the delivery made is freed within the measure, as
    /// a function frees its requests.
    fn deliver(&self, warm: &Warm<V>) -> Receipt {
        let inbound = Inbound {
            route: route_segment(&self.path, self.vendor.name()),
            headers: &self.headers,
            body: &self.body,
        };
        let receipt = self
            .runtime
            .block_on(warm.pipeline.receive(inbound))
            .unwrap();
        assert_eq!(receipt.outcome, Outcome::Accepted);
        assert_eq!(warm.store.sweep_expired(FOREVER), 1);
        assert_eq!(warm.queue.take_sent(QUEUE).len(), 1);
        receipt
    }

    /// The floor: HMAC-SHA256 of the body and one parse of its JSON into a `Value`.
    fn floor(&self) -> (String, serde_json::Value) {
        let signature = sign(&self.secret, &self.body);
        let value: serde_json::Value = match self.body.first() {
            Some(b'{') => serde_json::from_slice(&self.body).unwrap(),
            _ => form_urlencoded::parse(&self.body)
                .find(|(key, _)| key == "data")
                .map(|(_, data)| serde_json::from_str(&data).unwrap())
                .unwrap(),
        };
        (signature, value)
    }

    fn bench(&self, c: &mut Criterion) {
        c.bench_function(&format!("floor/{}", self.name()), |b| {
            b.iter(|| self.floor())
        });
        let warm = self.pipeline();
        c.bench_function(&self.name(), |b| b.iter(|| self.deliver(&warm)));
    }

    /// The pipeline's time over the floor's, measured in alternating batches, so that the
    /// machine's speed, which drifts over seconds, weighs on both alike: the quartiles of the
    /// ratio over `rounds` pairs of batches, and the median times.
    fn interleaved(&self, rounds: usize) -> Interleaved {
        const BATCH: u32 = 100;
        let mut ratios = Vec::with_capacity(rounds);
        let mut floors = Vec::with_capacity(rounds);
        let mut pipelines = Vec::with_capacity(rounds);
        let warm = self.pipeline();
        for round in 0..rounds {
            let time_floor = || {
                let start = Instant::now();
                for _ in 0..BATCH {
                    black_box(self.floor());
                }
                start.elapsed() / BATCH
            };
            let time_pipeline = || {
                let start = Instant::now();
                for _ in 0..BATCH {
                    black_box(self.deliver(&warm));
                }
                start.elapsed() / BATCH
            };
            // Each goes first in every other round.
            let (floor, pipeline) = if round % 2 == 0 {
                let floor = time_floor();
                (floor, time_pipeline())
            } else {
                let pipeline = time_pipeline();
                (time_floor(), pipeline)
            };
            ratios.push(pipeline.as_secs_f64() / floor.as_secs_f64());
            floors.push(floor);
            pipelines.push(pipeline);
        }
        ratios.sort_by(f64::total_cmp);
        floors.sort();
        pipelines.sort();
        Interleaved {
            quartiles: [
                ratios[rounds / 4],
                ratios[rounds / 2],
                ratios[rounds * 3 / 4],
            ],
            floor: floors[rounds / 2],
            pipeline: pipelines[rounds / 2],
        }
    }
}

/// What [`Case::interleaved`] measured.
struct Interleaved {
    /// First quartile, median and third quartile of the ratio pipeline / floor.
    quartiles: [f64; 3],
    floor: Duration,
    pipeline: Duration,
}

/// The most a delivery may cost, in multiples of its floor (issue: "per-event CPU within 2×").
const TARGET_RATIO: f64 = 2.0;

fn measure<V: Vendor + Copy>(
    c: &mut Criterion,
    ratios: &mut Vec<(String, Interleaved)>,
    case: Case<V>,
) {
    case.bench(c);
    let arguments: Vec<String> = std::env::args().collect();
    if arguments.iter().any(|arg| arg == "--profile-time") {
        // Criterion's profiling mode runs the named benchmark alone, for a profiler.
        return;
    }
    // Under `cargo test --benches` (no `--bench`), one round shows the measurement runs.
    let rounds = if arguments.iter().any(|arg| arg == "--bench") {
        201
    } else {
        1
    };
    ratios.push((case.name(), case.interleaved(rounds)));
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let mut ratios = Vec::new();
    measure(
        &mut c,
        &mut ratios,
        Case::new(CycleSoftware, "sales_order.updated", false),
    );
    measure(&mut c, &mut ratios, Case::new(Wayke, "new-order", true));
    measure(
        &mut c,
        &mut ratios,
        Case::new(ServiceOrderHub, "invoice", true),
    );
    measure(
        &mut c,
        &mut ratios,
        Case::new(RevoXef, "order.created", false),
    );
    measure(
        &mut c,
        &mut ratios,
        Case::new(RevoXef, "order.updated", false),
    );
    c.final_summary();
    if ratios.is_empty() {
        return;
    }
    println!("\nper-event CPU over its floor, interleaved batches of 100 (quartiles of the ratio; median times):");
    for (name, measured) in &ratios {
        let [low, median, high] = measured.quartiles;
        println!(
            "  {name}: {median:.2}x ({low:.2} - {high:.2}); pipeline {:.2} us, floor {:.2} us",
            measured.pipeline.as_secs_f64() * 1e6,
            measured.floor.as_secs_f64() * 1e6,
        );
    }
    let over: Vec<&str> = ratios
        .iter()
        .filter(|(_, measured)| measured.quartiles[1] > TARGET_RATIO)
        .map(|(name, _)| name.as_str())
        .collect();
    if over.is_empty() {
        println!("every vendor within {TARGET_RATIO}x its floor (median ratio)");
    } else {
        println!(
            "over {TARGET_RATIO}x its floor (median ratio): {}",
            over.join(", ")
        );
    }
}

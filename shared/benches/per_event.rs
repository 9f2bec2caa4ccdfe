//! CPU per event: authenticate + classify + claim + envelope building, with in-memory adapters,
//! per vendor on its sample payloads, against the floor of HMAC-SHA256 of the body plus one
//! `serde_json` parse of the same bytes (for a form body: decoding the form and parsing its
//! `data`). Run with `make bench`.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use lambda_http::http::{HeaderMap, HeaderValue};
use std::path::Path;
use webhook_core::claims::MemoryStore;
use webhook_core::clock::FixedClock;
use webhook_core::config::Config;
use webhook_core::fanout::MemoryPublisher;
use webhook_core::http::route_segment;
use webhook_core::pipeline::{Inbound, Pipeline};
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

fn bench_vendor<V: Vendor + Copy>(c: &mut Criterion, vendor: V, event: &str, routed: bool) {
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
    let (name, value) = credential_header(
        config.authenticator.scheme(),
        &Secret::new(SECRET).unwrap(),
        &body,
    );
    let mut headers = HeaderMap::new();
    headers.insert(name, HeaderValue::from_str(&value).unwrap());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let clock = FixedClock::at(time::macros::datetime!(2026-11-23 12:00:00 UTC));
    c.bench_function(
        &format!("{}/{event} ({} bytes)", vendor.name(), body.len()),
        |b| {
            b.iter_batched(
                || {
                    // A fresh store per iteration: every delivery is a new event.
                    let store = MemoryStore::new();
                    let queue = MemoryPublisher::with_queues(&[QUEUE]);
                    Pipeline::new(vendor, config.clone(), store, queue, clock.clone())
                },
                |pipeline| {
                    let inbound = Inbound {
                        route: route_segment(&path, vendor.name()),
                        headers: &headers,
                        body: &body,
                    };
                    runtime.block_on(pipeline.receive(inbound)).unwrap()
                },
                BatchSize::SmallInput,
            )
        },
    );
}

fn floor(c: &mut Criterion, vendor: &str, event: &str) {
    let (body, _) = sample(vendor, event, false);
    let secret = Secret::new(SECRET).unwrap();
    c.bench_function(
        &format!("floor/{vendor}/{event} ({} bytes)", body.len()),
        |b| {
            b.iter(|| {
                let signature = sign(&secret, &body);
                let value: serde_json::Value = match body.first() {
                    Some(b'{') => serde_json::from_slice(&body).unwrap(),
                    _ => form_urlencoded::parse(&body)
                        .find(|(key, _)| key == "data")
                        .map(|(_, data)| serde_json::from_str(&data).unwrap())
                        .unwrap(),
                };
                (signature, value)
            })
        },
    );
}

fn per_event(c: &mut Criterion) {
    for (vendor, event) in [
        ("cyclesoftware", "sales_order.updated"),
        ("wayke", "new-order"),
        ("service-order-hub", "invoice"),
        ("revo-xef", "order.created"),
        ("revo-xef", "order.updated"),
    ] {
        floor(c, vendor, event);
    }
    bench_vendor(c, CycleSoftware, "sales_order.updated", false);
    bench_vendor(c, Wayke, "new-order", true);
    bench_vendor(c, ServiceOrderHub, "invoice", true);
    bench_vendor(c, RevoXef, "order.created", false);
    bench_vendor(c, RevoXef, "order.updated", false);
}

criterion_group!(benches, per_event);
criterion_main!(benches);

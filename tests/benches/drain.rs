//! How fast one republisher run drains a backlog: claims of every vendor left RECEIVED with
//! lapsed leases, finished by one scheduled invocation of the release `republisher` binary
//! against DynamoDB and SQS in moto on 127.0.0.1. Prints claims per second. Run with
//! `make bench` (it builds the release binaries first).

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

use webhook_core::claims::{Claim, ClaimStore, LeaseToken};
use webhook_core::config::fanout_variable;
use webhook_core::event::{Classified, Event};
use webhook_tests::deliveries::TEST_NOW;
use webhook_tests::moto;
use webhook_tests::runtime::{function_command, Answer, RuntimeApi};
use webhook_tests::stack::Stack;

/// Lapsed claims per vendor.
const PER_VENDOR: usize = 250;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(measure());
}

async fn measure() {
    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/republisher");
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build --release --bins` (make bench does)",
        binary.display()
    );
    let stack = Stack::new(1).await;
    let store = stack.store();
    let vendors = webhook_core::vendors::ALL;
    for vendor in vendors {
        for i in 0..PER_VENDOR {
            let classified = Classified {
                event_type: "backlog".into(),
                dedupe_key: format!("backlog-{i}"),
                occurred_at: None,
                entity: None,
                account: None,
                published: None,
            };
            let payload = format!(r#"{{"n":{i},"note":"left by a delivery that died"}}"#);
            let event = Event::new(vendor, &classified, TEST_NOW, payload);
            let claim = Claim::received(event, "digest".into(), &LeaseToken::new(), TEST_NOW);
            store.put_new(&claim, TEST_NOW).await.unwrap();
        }
    }
    let runtime = RuntimeApi::start().await;
    let mut command = function_command(
        binary.to_str().unwrap(),
        runtime.address(),
        &moto::moto().endpoint,
    );
    command.env("EVENTS_TABLE", &stack.table);
    for vendor in vendors {
        command.env(fanout_variable(vendor), stack.fanout());
    }
    let _republisher = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the republisher");
    let scheduled = r#"{"source":"aws.events","detail-type":"Scheduled Event","detail":{}}"#;
    let started = Instant::now();
    let Answer::Response(report) = runtime.invoke(scheduled.to_string()).await else {
        panic!("the sweep failed")
    };
    let took = started.elapsed();
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let completed = report["completed"].as_u64().unwrap();
    assert!(completed > 0 && report["failed"] == 0, "{report}");
    println!(
        "republisher drain: {completed} of {} lapsed claims ({} vendors) finished by one run in {:.2} s = {:.0} claims/s{} \
         (release binary; each claim: UpdateItem, SendMessage, UpdateItem against moto on 127.0.0.1)",
        PER_VENDOR * vendors.len(),
        vendors.len(),
        took.as_secs_f64(),
        completed as f64 / took.as_secs_f64(),
        if report["incomplete"] == true { ", stopped by its time budget" } else { "" }
    );
}

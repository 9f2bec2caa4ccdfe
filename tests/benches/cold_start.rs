//! Cold start of every release binary, as Lambda starts it: from process start to its first
//! request for an event (configuration loaded, AWS clients built), and to its first response
//! (one new sample event through DynamoDB and SQS in moto). Repeated starts; prints the median
//! and the spread, the binary's size and the most memory it held resident. Each vendor function
//! runs twice over: with its secret in `WEBHOOK_SECRETS`, and as deployed, reading it from
//! Secrets Manager in moto at start-up. Run with `make bench` (it builds the release binaries
//! first).

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use webhook_core::config::{WEBHOOK_SECRETS, WEBHOOK_SECRETS_ARN};
use webhook_tests::moto;
use webhook_tests::replay::env_of;
use webhook_tests::runtime::{function_command, Answer, RuntimeApi};
use webhook_tests::samples;

const STARTS: usize = 20;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(measure());
}

/// Median, minimum and maximum, in milliseconds.
fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "median {:>7.2} ms   min {:>7.2}   max {:>7.2}",
        ms(samples[samples.len() / 2]),
        ms(samples[0]),
        ms(samples[samples.len() - 1])
    )
}

async fn measure() {
    let release = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release");
    let moto = moto::moto();
    let sdk = moto.sdk_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue = moto::create_queue(&sqs, false).await;
    println!(
        "cold start over {STARTS} starts per binary (release builds, {})",
        release.display()
    );
    let secrets_manager = aws_sdk_secretsmanager::Client::new(&sdk);
    let mut functions: Vec<(&str, Option<samples::SampleVendor>, Option<String>)> = Vec::new();
    for vendor in samples::VENDORS {
        let arn = secrets_manager
            .create_secret()
            .name(moto::unique_name(&format!("bench/{}", vendor.name)))
            .secret_string(vendor.secret)
            .send()
            .await
            .unwrap()
            .arn
            .unwrap();
        functions.push((vendor.name, Some(vendor), None));
        functions.push((vendor.name, Some(vendor), Some(arn)));
    }
    functions.push(("republisher", None, None));
    for (binary, vendor, secret_arn) in functions {
        let executable = release.join(binary);
        assert!(
            executable.exists(),
            "{} is missing: run `cargo build --release --bins` (make bench does)",
            executable.display()
        );
        let sample = vendor.map(|vendor| {
            let file = samples::event_files(&vendor)
                .into_iter()
                .next()
                .expect("a sample");
            std::fs::read_to_string(file).unwrap()
        });
        let (mut to_ready, mut to_response) = (Vec::new(), Vec::new());
        let mut peak_resident_kib = 0;
        for _ in 0..STARTS {
            // A fresh table per start, so the first response is always a new event.
            let table = moto::create_events_table(&dynamodb).await;
            let api = RuntimeApi::start().await;
            let mut command =
                function_command(executable.to_str().unwrap(), api.address(), &moto.endpoint);
            if let Some(vendor) = vendor {
                for (name, value) in env_of(&vendor) {
                    command.env(name, value);
                }
            }
            if let Some(arn) = &secret_arn {
                command
                    .env(WEBHOOK_SECRETS, "")
                    .env(WEBHOOK_SECRETS_ARN, arn);
            }
            command
                .env("AWS_ENDPOINT_URL", &moto.endpoint)
                .env("EVENTS_TABLE", &table)
                .env("FANOUT", format!("*={queue}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let started = Instant::now();
            let mut child = command.spawn().unwrap();
            to_ready.push(api.first_next_request().await - started);
            if let Some(event) = &sample {
                let answer = api.invoke(event.clone()).await;
                assert!(
                    matches!(answer, Answer::Response(ref text) if text.contains("accepted")),
                    "{answer:?}"
                );
                to_response.push(started.elapsed());
            }
            if let Some(kib) = child.id().and_then(peak_resident_set_kib) {
                peak_resident_kib = peak_resident_kib.max(kib);
            }
            child.start_kill().unwrap();
            let _exit = child.wait().await;
        }
        let bytes = std::fs::metadata(&executable).unwrap().len();
        let secrets = match (&vendor, &secret_arn) {
            (None, _) => "",
            (Some(_), None) => " (WEBHOOK_SECRETS)",
            (Some(_), Some(_)) => " (Secrets Manager)",
        };
        println!("{binary}{secrets}");
        println!(
            "{:<18} {:>5.2} MB   to first next-event request: {}",
            "",
            bytes as f64 / 1e6,
            summary(to_ready)
        );
        if !to_response.is_empty() {
            println!(
                "{:<30} to first response:           {}",
                "",
                summary(to_response)
            );
        }
        println!(
            "{:<30} peak resident memory:        {:.1} MiB",
            "",
            f64::from(peak_resident_kib) / 1024.0
        );
    }
}

/// The most memory the process has held resident so far (`VmHWM`), in KiB.
fn peak_resident_set_kib(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

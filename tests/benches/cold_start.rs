//! Cold start of every release binary, as Lambda starts it, against a floor: `cold-start-floor`,
//! a bare lambda_http hello world built with the same profile. For each binary, the time from
//! process start to its first request for an event (the end of Lambda's init phase), its ratio
//! to the floor's, the CPU time its threads had used by then (from `/proc/<pid>/task/*/schedstat`,
//! which the load of a shared machine disturbs far less than the wall-clock time), and the time
//! to its first response (one new sample event through DynamoDB and
//! SQS in moto; a sweep of an empty table for the republisher). The binaries are started in
//! turn, round after round, so that the machine's load falls on all of them alike; each round
//! runs once with no `SSL_CERT_*` variable (the system's store) and once with `SSL_CERT_FILE`
//! and `SSL_CERT_DIR` set. Prints medians and spread, each binary's size and the most memory it
//! held resident. Each vendor function runs twice over: with its secret in `WEBHOOK_SECRETS`, and
//! as deployed, reading it from Secrets Manager in moto (at its first delivery). Run with
//! `make bench` (it builds the release binaries first).

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use webhook_core::config::{fanout_variable, WEBHOOK_SECRETS, WEBHOOK_SECRETS_ARN};
use webhook_core::vendors;
use webhook_tests::moto;
use webhook_tests::replay::env_of;
use webhook_tests::runtime::{function_command, Answer, RuntimeApi};
use webhook_tests::samples::{self, SampleVendor};

/// Starts of each binary in each certificate environment.
const ROUNDS: usize = 20;
/// The floor binary (tests/benches/cold-start-floor).
const FLOOR: &str = "cold-start-floor";
/// The most a function's median time to its first next-event request may be, as a multiple of
/// the floor's in the same run.
const TARGET_RATIO: f64 = 1.3;
/// What the republisher gets from its schedule.
const SCHEDULED_EVENT: &str =
    r#"{"version":"0","detail-type":"Scheduled Event","source":"aws.events","detail":{}}"#;

/// One binary under measurement.
struct Subject {
    binary: &'static str,
    /// How the report names it.
    label: String,
    vendor: Option<SampleVendor>,
    /// The Secrets Manager secret it reads its secret from, instead of `WEBHOOK_SECRETS`.
    secret_arn: Option<String>,
    /// The event of its first invocation, and what its answer must contain.
    event: String,
    answer_contains: &'static str,
    to_ready: Vec<Vec<Duration>>,
    cpu_to_ready: Vec<Vec<Duration>>,
    to_response: Vec<Vec<Duration>>,
    peak_resident_kib: u32,
}

/// Where the binaries find their root certificates in one half of the run.
struct Roots {
    name: String,
    variables: Vec<(&'static str, PathBuf)>,
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(measure());
}

/// The system's bundle and directory, as this process's environment names them, else Debian's.
fn root_environments() -> Vec<Roots> {
    let path = |name: &str, default: &str| {
        std::env::var_os(name).map_or_else(|| PathBuf::from(default), PathBuf::from)
    };
    let file = path("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt");
    let dir = path("SSL_CERT_DIR", "/etc/ssl/certs");
    vec![
        Roots {
            name: "no SSL_CERT_FILE or SSL_CERT_DIR (the system's store)".into(),
            variables: Vec::new(),
        },
        Roots {
            name: format!(
                "SSL_CERT_FILE={} SSL_CERT_DIR={}",
                file.display(),
                dir.display()
            ),
            variables: vec![("SSL_CERT_FILE", file), ("SSL_CERT_DIR", dir)],
        },
    ]
}

/// The floor, each vendor function with `WEBHOOK_SECRETS` and with the secret at `secret_arns`
/// (one per sample vendor, in order), and the republisher.
fn subjects(environments: usize, secret_arns: &[String]) -> Vec<Subject> {
    let first_sample = |vendor: &SampleVendor| {
        let file = samples::event_files(vendor)
            .into_iter()
            .next()
            .expect("a sample");
        std::fs::read_to_string(file).unwrap()
    };
    let subject =
        |binary: &'static str, vendor, secret_arn: Option<String>, event, answer_contains| {
            Subject {
                binary,
                label: match secret_arn {
                    Some(_) => format!("{binary} (SM)"),
                    None => binary.to_string(),
                },
                vendor,
                secret_arn,
                event,
                answer_contains,
                to_ready: vec![Vec::new(); environments],
                cpu_to_ready: vec![Vec::new(); environments],
                to_response: vec![Vec::new(); environments],
                peak_resident_kib: 0,
            }
        };
    let mut subjects = vec![subject(
        FLOOR,
        None,
        None,
        first_sample(&samples::vendor(vendors::ALL[0])),
        "hello",
    )];
    for (vendor, arn) in samples::vendors().into_iter().zip(secret_arns) {
        for secret_arn in [None, Some(arn.clone())] {
            subjects.push(subject(
                vendor.name,
                Some(vendor.clone()),
                secret_arn,
                first_sample(&vendor),
                "accepted",
            ));
        }
    }
    subjects.push(subject(
        "republisher",
        None,
        None,
        SCHEDULED_EVENT.into(),
        "\"found\":0",
    ));
    subjects
}

fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Median, then minimum to maximum, in milliseconds.
fn spread(samples: &[Duration]) -> String {
    let (min, max) = (samples.iter().min().unwrap(), samples.iter().max().unwrap());
    format!(
        "{:>6.2} ms ({:.2} – {:.2})",
        ms(median(samples)),
        ms(*min),
        ms(*max)
    )
}

async fn measure() {
    let release = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release");
    let moto = moto::moto();
    let sdk = moto.sdk_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue = moto::create_queue(&sqs, false).await;
    let secrets_manager = aws_sdk_secretsmanager::Client::new(&sdk);
    let mut secret_arns = Vec::new();
    for vendor in samples::vendors() {
        let created = secrets_manager
            .create_secret()
            .name(moto::unique_name(&format!("bench/{}", vendor.name)))
            .secret_string(vendor.secret)
            .send()
            .await
            .unwrap();
        secret_arns.push(created.arn.unwrap());
    }
    let environments = root_environments();
    let mut subjects = subjects(environments.len(), &secret_arns);
    for subject in &subjects {
        let executable = release.join(subject.binary);
        assert!(
            executable.exists(),
            "{} is missing: run `cargo build --release --bins` (make bench does)",
            executable.display()
        );
    }
    println!(
        "cold start: {ROUNDS} rounds, each starting every binary once in each root-certificate \
         environment, in turn (release builds, {})",
        release.display()
    );
    for round in 0..ROUNDS {
        for (environment, roots) in environments.iter().enumerate() {
            // Rotated each round, so that no binary always follows the same one.
            let count = subjects.len();
            for index in (0..count).map(|i| (i + round) % count) {
                let subject = &mut subjects[index];
                let executable = release.join(subject.binary);
                // A fresh table per start, so the first event is always a new one.
                let table = moto::create_events_table(&dynamodb).await;
                let api = RuntimeApi::start().await;
                let mut command =
                    function_command(executable.to_str().unwrap(), api.address(), &moto.endpoint);
                if let Some(vendor) = &subject.vendor {
                    for (name, value) in env_of(vendor) {
                        command.env(name, value);
                    }
                }
                for (name, value) in &roots.variables {
                    command.env(name, value);
                }
                if let Some(arn) = &subject.secret_arn {
                    command
                        .env(WEBHOOK_SECRETS, "")
                        .env(WEBHOOK_SECRETS_ARN, arn);
                }
                command
                    .env("AWS_ENDPOINT_URL", &moto.endpoint)
                    .env("EVENTS_TABLE", &table)
                    .env("FANOUT", format!("*={queue}"))
                    .envs(
                        vendors::ALL
                            .iter()
                            .map(|vendor| (fanout_variable(vendor), format!("*={queue}"))),
                    )
                    .stdout(Stdio::null())
                    .stderr(Stdio::null());
                let started = Instant::now();
                let mut child = command.spawn().unwrap();
                subject.to_ready[environment].push(api.first_next_request().await - started);
                let pid = child.id().expect("running");
                subject.cpu_to_ready[environment].push(cpu_time(pid).expect("schedstat"));
                let answer = api.invoke(subject.event.clone()).await;
                assert!(
                    matches!(answer, Answer::Response(ref text) if text.contains(subject.answer_contains)),
                    "{}: {answer:?}",
                    subject.binary
                );
                subject.to_response[environment].push(started.elapsed());
                if let Some(kib) = child.id().and_then(peak_resident_set_kib) {
                    subject.peak_resident_kib = subject.peak_resident_kib.max(kib);
                }
                child.start_kill().unwrap();
                let _exit = child.wait().await;
            }
        }
    }
    report(&release, &environments, &subjects);
}

fn report(release: &Path, environments: &[Roots], subjects: &[Subject]) {
    let mut over = Vec::new();
    for (environment, roots) in environments.iter().enumerate() {
        let floor = median(&subjects[0].to_ready[environment]);
        println!("\nroot certificates: {}", roots.name);
        let floor_cpu = median(&subjects[0].cpu_to_ready[environment]);
        println!(
            "{:<22} {:>8}   {:<30} {:>8}   {:<27} {:>8}   {:<30}",
            "binary",
            "size",
            "to first next-event request",
            "÷ floor",
            "CPU until then",
            "÷ floor",
            "to first response"
        );
        for subject in subjects {
            let ratio = median(&subject.to_ready[environment]).as_secs_f64() / floor.as_secs_f64();
            let cpu = &subject.cpu_to_ready[environment];
            let cpu_ratio = median(cpu).as_secs_f64() / floor_cpu.as_secs_f64();
            if ratio > TARGET_RATIO {
                over.push(format!("{} ({ratio:.2}×, {})", subject.label, roots.name));
            }
            let bytes = std::fs::metadata(release.join(subject.binary))
                .unwrap()
                .len();
            println!(
                "{:<22} {:>5.2} MB   {:<30} {:>7.2}×   {:<27} {:>7.2}×   {:<30}",
                subject.label,
                bytes as f64 / 1e6,
                spread(&subject.to_ready[environment]),
                ratio,
                spread(cpu),
                cpu_ratio,
                spread(&subject.to_response[environment]),
            );
        }
    }
    println!(
        "\n(SM): the vendor's secret read from Secrets Manager in moto, by the first delivery"
    );
    println!("\npeak resident memory (VmHWM after the first response, most over all starts):");
    for subject in subjects {
        println!(
            "{:<22} {:.1} MiB",
            subject.label,
            f64::from(subject.peak_resident_kib) / 1024.0
        );
    }
    if over.is_empty() {
        println!("\nevery binary within {TARGET_RATIO}× the floor in every environment");
    } else {
        println!("\nOVER {TARGET_RATIO}× the floor: {}", over.join(", "));
    }
}

/// The CPU time all the process's threads have run so far: the first field of each thread's
/// `schedstat`, in nanoseconds. The function is waiting for its first event when this is read.
fn cpu_time(pid: u32) -> Option<Duration> {
    let mut nanoseconds = 0;
    for thread in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let schedstat = std::fs::read_to_string(thread.ok()?.path().join("schedstat")).ok()?;
        nanoseconds += schedstat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(nanoseconds))
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

//! The SDK's HTTPS client (rustls on ring, see `webhook_core::aws::https_client`) against a real
//! TLS handshake: moto serving HTTPS only, with a self-signed certificate. The binary is trusted
//! through `SSL_CERT_FILE`, which rustls-native-certs reads as Lambda's system store would be
//! read; without it the same binary must refuse the server and answer 503. And neither the roots
//! nor the SDK configuration are read at start-up, but by the first delivery: given pipes as
//! `SSL_CERT_FILE` and `AWS_CONFIG_FILE` (which the SDK's configuration loader opens), which
//! nobody writes to until the first event is sent, the binary still reaches its first request for
//! an event (an open of either pipe would block it), then reads its configuration and moto's
//! certificate from the pipes and verifies the server with it.
//!
//! One test in its own binary, because it sets `SSL_CERT_FILE` for the whole test process.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use webhook_tests::moto::{self, Moto};
use webhook_tests::rie::status_and_body;
use webhook_tests::runtime::{function_command, RuntimeApi};
use webhook_tests::samples;

const BINARY: &str = env!("CARGO_BIN_EXE_cyclesoftware");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_and_sqs_are_reached_over_verified_tls() {
    let certificate_dir = std::env::temp_dir().join(moto::unique_name("moto-tls"));
    let moto = Moto::start_tls(&certificate_dir).unwrap_or_else(|message| panic!("{message}"));
    assert!(moto.endpoint.starts_with("https://"));
    let certificate = certificate_dir.join("ca.pem");
    // The test's own clients are built with the same HTTPS client and must trust moto too.
    std::env::set_var("SSL_CERT_FILE", &certificate);

    let sdk = moto.sdk_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let table = moto::create_events_table(&dynamodb).await;
    let queue = moto::create_queue(&sqs, false).await;

    let body = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/cyclesoftware/sales_order.updated.json"
    ))
    .unwrap();
    // The development secret signs the delivery.
    let vendor = samples::vendor("cyclesoftware");
    let event = vendor.event("sales_order.updated", &body).to_string();
    let start = |runtime: &RuntimeApi, table: &str, roots: Option<&Path>, config: Option<&Path>| {
        let mut command = function_command(BINARY, runtime.address(), &moto.endpoint);
        command
            .env("EVENTS_TABLE", table)
            .env("FANOUT", format!("*={queue}"))
            .env("WEBHOOK_SECRETS", &vendor.secret)
            .env(
                "DEDUPE_TTL_DAYS",
                samples::LOCAL_DEDUPE_TTL_DAYS.to_string(),
            );
        if let Some(roots) = roots {
            command.env("SSL_CERT_FILE", roots);
        }
        if let Some(config) = config {
            command.env("AWS_CONFIG_FILE", config);
        }
        // Its logs are not under test here (binary.rs checks them).
        command.stdout(Stdio::null()).stderr(Stdio::null());
        command.spawn().expect("start the binary")
    };

    // Not trusting the certificate: the handshake fails, nothing is written, a retry can help.
    let runtime = RuntimeApi::start().await;
    let _untrusting = start(&runtime, &table, None, None);
    let (status, answer) = status_and_body(runtime.invoke(event.clone()).await);
    assert_eq!(status, 503, "{answer}");
    let items = dynamodb
        .scan()
        .table_name(&table)
        .send()
        .await
        .unwrap()
        .count();
    assert_eq!(items, 0, "an untrusted server was written to");

    // Trusting it: the event goes through DynamoDB and SQS over TLS.
    let runtime = RuntimeApi::start().await;
    let _trusting = start(&runtime, &table, Some(&certificate), None);
    let (status, answer) = status_and_body(runtime.invoke(event.clone()).await);
    assert_eq!((status, answer["status"].as_str()), (200, Some("accepted")));
    let messages = moto::drain(&sqs, &queue).await;
    assert_eq!(messages.len(), 1);
    // The fixture ends in a line feed, which is not part of the JSON value published.
    let published = webhook_core::vendors::published_payload("cyclesoftware", &body);
    assert!(messages[0]
        .body
        .ends_with(&format!("\"payload\":{published}}}")));

    // Roots and configuration from pipes: opening one for reading blocks until the test opens
    // it for writing, which it does only once the binary has asked for its first event. A fresh
    // table, so the same event is new again.
    let roots_pipe = fifo(&certificate_dir.join("roots.pipe"));
    let config_pipe = fifo(&certificate_dir.join("config.pipe"));
    let fresh_table = moto::create_events_table(&dynamodb).await;
    let runtime = RuntimeApi::start().await;
    let _lazy = start(
        &runtime,
        &fresh_table,
        Some(&roots_pipe),
        Some(&config_pipe),
    );
    tokio::time::timeout(Duration::from_secs(20), runtime.first_next_request())
        .await
        .expect(
            "no request for an event within 20 s: start-up opened SSL_CERT_FILE or AWS_CONFIG_FILE",
        );
    let roots_written = write_when_opened(roots_pipe, std::fs::read(&certificate).unwrap());
    let config_written = write_when_opened(config_pipe, b"[default]\n".to_vec());
    let (status, answer) = status_and_body(runtime.invoke(event).await);
    assert_eq!((status, answer["status"].as_str()), (200, Some("accepted")));
    for (written, what) in [
        (roots_written, "SSL_CERT_FILE"),
        (config_written, "AWS_CONFIG_FILE"),
    ] {
        tokio::time::timeout(Duration::from_secs(20), written)
            .await
            .unwrap_or_else(|_| panic!("the binary never opened its {what}"))
            .unwrap()
            .unwrap_or_else(|e| panic!("writing {what} into its pipe: {e}"));
    }
    assert_eq!(moto::drain(&sqs, &queue).await.len(), 1);

    let _ignored = std::fs::remove_dir_all(&certificate_dir);
}

/// A named pipe at `path`.
fn fifo(path: &Path) -> PathBuf {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo {}", path.display());
    path.to_path_buf()
}

/// Writes `content` into the pipe at `path` from a thread of its own (which a failing test does
/// not wait for): the write blocks until the binary opens the pipe.
fn write_when_opened(
    path: PathBuf,
    content: Vec<u8>,
) -> tokio::sync::oneshot::Receiver<std::io::Result<()>> {
    let (written, receiver) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || written.send(std::fs::write(&path, content)));
    receiver
}

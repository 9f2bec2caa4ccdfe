//! The SDK's HTTPS client (rustls on ring, see `webhook_core::aws::https_client`) against a real
//! TLS handshake: moto serving HTTPS only, with a self-signed certificate. The binary is trusted
//! through `SSL_CERT_FILE`, which rustls-native-certs reads as Lambda's system store would be
//! read; without it the same binary must refuse the server and answer 503.
//!
//! One test in its own binary, because it sets `SSL_CERT_FILE` for the whole test process.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use webhook_tests::deliveries::{cyclesoftware_headers, http_api_event, DEV_SECRET};
use webhook_tests::moto::{self, Moto};
use webhook_tests::rie::{status_and_body, Function};
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
    let event = http_api_event(
        "/cyclesoftware",
        &cyclesoftware_headers(DEV_SECRET, &body),
        &body,
    )
    .to_string();
    let start = |trust_moto: bool| {
        let mut function = Function::new(BINARY, &moto.endpoint)
            .env("EVENTS_TABLE", &table)
            .env("FANOUT", format!("*={queue}"))
            .env("WEBHOOK_SECRETS", DEV_SECRET)
            .env(
                "DEDUPE_TTL_DAYS",
                samples::LOCAL_DEDUPE_TTL_DAYS.to_string(),
            );
        if trust_moto {
            function = function.env("SSL_CERT_FILE", certificate.to_string_lossy());
        }
        function.start()
    };

    // Not trusting the certificate: the handshake fails, nothing is written, a retry can help.
    let untrusting = start(false).await;
    let (status, answer) = status_and_body(untrusting.invoke(&event).await);
    assert_eq!(status, 503, "{answer}");
    let items = dynamodb
        .scan()
        .table_name(&table)
        .send()
        .await
        .unwrap()
        .count();
    assert_eq!(items, 0, "an untrusted server was written to");
    untrusting.stop().await;

    // Trusting it: the event goes through DynamoDB and SQS over TLS.
    let trusting = start(true).await;
    let (status, answer) = status_and_body(trusting.invoke(&event).await);
    assert_eq!((status, answer["status"].as_str()), (200, Some("accepted")));
    let messages = moto::drain(&sqs, &queue).await;
    assert_eq!(messages.len(), 1);
    assert!(messages[0].body.ends_with(&format!("\"payload\":{body}}}")));
    trusting.stop().await;

    let _ignored = std::fs::remove_dir_all(&certificate_dir);
}

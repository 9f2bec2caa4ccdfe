//! Secrets from AWS Secrets Manager, emulated by moto, through the real SDK and the pipeline's
//! HTTP edge: the current version authenticates, the previous one still does (reported as an
//! old secret) while a rotation is under way, a rotation takes effect at the first signature the
//! cache does not match, and a secret that cannot be read answers 503 with nothing stored.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use time::Duration;
use webhook_core::clock::Clock;
use webhook_core::config::{EVENTS_TABLE, FANOUT, WEBHOOK_SECRETS};
use webhook_core::fanout::SqsPublisher;
use webhook_core::http::respond;
use webhook_core::pipeline::Pipeline;
use webhook_core::secrets::{
    Authenticator, FetchSecret, SecretText, SecretVersions, SecretsManager,
};
use webhook_core::vendors::cyclesoftware::CycleSoftware;
use webhook_tests::deliveries::{cyclesoftware_body, signed_with, status_and_json, vendor_config};
use webhook_tests::moto;
use webhook_tests::stack::{MotoPipeline, Stack};

const REFRESH: Duration = Duration::seconds(300);

async fn secrets_manager_at(endpoint: &str) -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&moto::sdk_config_for(endpoint).await)
}

async fn secrets_manager() -> aws_sdk_secretsmanager::Client {
    secrets_manager_at(&moto::moto().endpoint).await
}

/// A new secret with `value` as its first version; its ARN.
async fn create_secret(client: &aws_sdk_secretsmanager::Client, value: &str) -> String {
    client
        .create_secret()
        .name(moto::unique_name("webhooks/cyclesoftware"))
        .secret_string(value)
        .send()
        .await
        .expect("create secret")
        .arn
        .expect("an ARN")
}

/// Puts `value` as the new current version: the one before becomes AWSPREVIOUS.
async fn rotate(client: &aws_sdk_secretsmanager::Client, arn: &str, value: &str) {
    client
        .put_secret_value()
        .secret_id(arn)
        .secret_string(value)
        .send()
        .await
        .expect("put secret value");
}

/// The stack's CycleSoftware pipeline, authenticating against the secret `arn` read with
/// `client`, on the stack's clock.
fn pipeline(stack: &Stack, client: aws_sdk_secretsmanager::Client, arn: &str) -> MotoPipeline {
    let fanout = stack.fanout();
    let mut config = vendor_config(
        &CycleSoftware,
        &[
            (EVENTS_TABLE, stack.table.as_str()),
            (FANOUT, fanout.as_str()),
            (WEBHOOK_SECRETS, "replaced-below"),
        ],
    );
    config.authenticator = Authenticator::managed(
        config.authenticator.scheme().clone(),
        arn,
        REFRESH,
        Arc::new(SecretsManager::new(client)),
        Arc::new(stack.clock.clone()) as Arc<dyn Clock>,
    );
    Pipeline::new(
        CycleSoftware,
        config,
        stack.store(),
        SqsPublisher::new(stack.sqs.clone()),
        stack.clock.clone(),
    )
}

async fn deliver(pipeline: &MotoPipeline, secret: &str, id: &str) -> (u16, serde_json::Value) {
    let body = cyclesoftware_body(id, "sales_order.updated");
    status_and_json(&respond(pipeline, &signed_with(secret, &body)).await)
}

#[tokio::test]
async fn the_sdk_reads_the_current_and_the_previous_version_from_moto() {
    let client = secrets_manager().await;
    let arn = create_secret(&client, "first").await;
    let reader = SecretsManager::new(client.clone());
    assert_eq!(
        reader.fetch(&arn).await.unwrap(),
        SecretVersions {
            current: SecretText::new("first"),
            previous: None
        },
        "a secret never changed has no AWSPREVIOUS"
    );
    rotate(&client, &arn, r#"{"secret": "second"}"#).await;
    assert_eq!(
        reader.fetch(&arn).await.unwrap(),
        SecretVersions {
            current: SecretText::new(r#"{"secret": "second"}"#),
            previous: Some(SecretText::new("first")),
        }
    );
    let missing = reader.fetch(&format!("{arn}-gone")).await.unwrap_err();
    assert_eq!(
        missing,
        "the secret does not exist or has no AWSCURRENT version"
    );
}

#[tokio::test]
async fn a_rotation_in_secrets_manager_takes_effect_without_a_deployment() {
    let stack = Stack::new(1).await;
    let client = secrets_manager().await;
    let arn = create_secret(&client, "rotation-old").await;
    let pipeline = pipeline(&stack, client.clone(), &arn);

    let (status, body) = deliver(&pipeline, "rotation-old", "sm-1").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("accepted")));

    // Rotated a minute later, well within the refresh interval; the vendor signs with the new
    // secret at once, some retries still come signed with the old one.
    stack.clock.advance(Duration::minutes(1));
    rotate(&client, &arn, r#"{"secret": "rotation-new"}"#).await;
    let (status, body) = deliver(&pipeline, "rotation-new", "sm-2").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("accepted")));
    let (status, body) = deliver(&pipeline, "rotation-old", "sm-3").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("accepted")));
    let body = cyclesoftware_body("sm-4", "a.b");
    let request = signed_with("rotation-old", &body);
    let old = webhook_core::pipeline::Inbound {
        route: None,
        headers: request.headers(),
        body: body.as_bytes(),
    };
    assert_eq!(
        pipeline.receive(old).await.unwrap().secret_index,
        1,
        "AWSPREVIOUS authenticates as an old secret (OldSecretUsed)"
    );
    let (status, _) = deliver(&pipeline, "forged", "sm-5").await;
    assert_eq!(status, 401);

    // Rotation finished: the old secret is no longer a version; after the refresh interval it
    // is refused.
    rotate(&client, &arn, r#"{"secret": "rotation-new"}"#).await;
    stack.clock.advance(REFRESH);
    let (status, _) = deliver(&pipeline, "rotation-old", "sm-6").await;
    assert_eq!(status, 401);
    let (status, _) = deliver(&pipeline, "rotation-new", "sm-7").await;
    assert_eq!(status, 200);
    assert_eq!(stack.item_count().await, 5usize);
}

#[tokio::test]
async fn a_secret_that_cannot_be_read_answers_503_and_stores_nothing() {
    let stack = Stack::new(1).await;
    let client = secrets_manager().await;
    let arn = create_secret(&client, "unreadable").await;
    let missing = pipeline(&stack, client, &format!("{arn}-missing"));
    let unreachable = pipeline(
        &stack,
        secrets_manager_at(&moto::closed_endpoint()).await,
        &arn,
    );
    for pipeline in [&missing, &unreachable] {
        let (status, body) = deliver(pipeline, "unreadable", "sm-503").await;
        assert_eq!(
            (status, body),
            (
                503,
                serde_json::json!({"error": "temporarily unavailable, please retry"})
            )
        );
    }
    assert_eq!(stack.item_count().await, 0usize);
    assert!(stack.drain(0).await.is_empty());
}

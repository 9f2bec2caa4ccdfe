//! A built vendor function reading its secret from Secrets Manager in moto, as deployed: the
//! sample events authenticate against the secret's current version; a secret that cannot be read
//! answers 503 and logs why (never the secret); `WEBHOOK_SECRETS` and `WEBHOOK_SECRETS_ARN`
//! together stop the function at start-up, naming both.

use std::process::Stdio;
use std::time::Duration;

use webhook_core::config::{WEBHOOK_SECRETS, WEBHOOK_SECRETS_ARN};

use crate::moto;
use crate::replay::env_of;
use crate::runtime::{function_command, status_and_body, RuntimeApi};
use crate::samples;
use crate::stack::Stack;

/// Runs `binary` (the function of `vendor`) three times: from a secret in moto, from a secret
/// that does not exist, and with both variables set.
pub async fn serve_from_secrets_manager(binary: &str, vendor: &str) {
    let vendor = samples::vendor(vendor);
    let moto = moto::moto();
    let stack = Stack::new(1).await;
    let client = aws_sdk_secretsmanager::Client::new(&moto.sdk_config().await);
    // The JSON form the template generates; the sample events are signed with this secret.
    let value =
        serde_json::json!({ (webhook_core::secrets::SECRET_KEY): vendor.secret }).to_string();
    let arn = client
        .create_secret()
        .name(moto::unique_name(&format!("webhooks/{}", vendor.name)))
        .secret_string(value)
        .send()
        .await
        .expect("create secret")
        .arn
        .expect("an ARN");
    let sample = std::fs::read_to_string(
        samples::event_files(&vendor)
            .into_iter()
            .next()
            .expect("a sample"),
    )
    .expect("readable sample");

    let start = |secrets: Vec<(&'static str, String)>| {
        let runtime = RuntimeApi::start();
        let stack = &stack;
        async move {
            let runtime = runtime.await;
            let mut command = function_command(binary, runtime.address(), &moto.endpoint);
            for (name, value) in env_of(&vendor) {
                if name != WEBHOOK_SECRETS && name != WEBHOOK_SECRETS_ARN {
                    command.env(name, value);
                }
            }
            for (name, value) in secrets {
                command.env(name, value);
            }
            let child = command
                .env("AWS_ENDPOINT_URL", &moto.endpoint)
                .env("EVENTS_TABLE", &stack.table)
                .env("FANOUT", format!("*={}", stack.queues[0]))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start the function binary");
            (runtime, child)
        }
    };

    let (runtime, function) = start(vec![(WEBHOOK_SECRETS_ARN, arn.clone())]).await;
    let (status, body) = status_and_body(runtime.invoke(sample.clone()).await);
    let logs = logs_of(function).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("accepted")),
        "{}: {body}\n{logs}",
        vendor.name
    );
    assert!(!logs.contains(vendor.secret), "the logs show the secret");

    let (runtime, function) = start(vec![(WEBHOOK_SECRETS_ARN, format!("{arn}-missing"))]).await;
    let (status, body) = status_and_body(runtime.invoke(sample.clone()).await);
    assert_eq!(
        (status, body),
        (
            503,
            serde_json::json!({"error": "temporarily unavailable, please retry"})
        ),
        "{}: a secret that cannot be read is not a 401",
        vendor.name
    );
    let logs = logs_of(function).await;
    assert!(
        logs.contains("could not read the webhook secrets"),
        "the reason is logged:\n{logs}"
    );
    assert!(logs.contains("secrets_unavailable"), "and counted:\n{logs}");
    assert!(!logs.contains(vendor.secret), "the logs show the secret");
    assert_eq!(
        stack.item_count().await,
        1usize,
        "nothing stored on the 503"
    );

    let (_runtime, function) = start(vec![
        (WEBHOOK_SECRETS_ARN, arn.clone()),
        (WEBHOOK_SECRETS, vendor.secret.to_string()),
    ])
    .await;
    let output = tokio::time::timeout(Duration::from_secs(30), function.wait_with_output())
        .await
        .expect("the function stops at start-up")
        .expect("its output");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("WEBHOOK_SECRETS and WEBHOOK_SECRETS_ARN are both set"),
        "{stderr}"
    );
    assert!(!stderr.contains(vendor.secret), "{stderr}");
}

/// Stops `function` and returns what it wrote.
async fn logs_of(mut function: tokio::process::Child) -> String {
    function.start_kill().expect("stop the function");
    let output = function.wait_with_output().await.expect("its output");
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

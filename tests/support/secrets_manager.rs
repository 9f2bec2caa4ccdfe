//! A built vendor function reading its secret from Secrets Manager in moto, as deployed: the
//! sample events authenticate against the secret's current version; a secret that cannot be read
//! answers 503 and logs why (never the secret); `WEBHOOK_SECRETS` and `WEBHOOK_SECRETS_ARN`
//! together stop the function at start-up, naming both.

use webhook_core::config::{WEBHOOK_SECRETS, WEBHOOK_SECRETS_ARN};

use crate::moto;
use crate::replay::env_of;
use crate::rie::{status_and_body, Answer, Function};
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
        serde_json::json!({ (webhook_core::secrets::SECRET_KEY): &vendor.secret }).to_string();
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
        let mut function = Function::new(binary, &moto.endpoint);
        for (name, value) in env_of(&vendor) {
            if name != WEBHOOK_SECRETS && name != WEBHOOK_SECRETS_ARN {
                function = function.env(name, value);
            }
        }
        for (name, value) in secrets {
            function = function.env(name, value);
        }
        function
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("EVENTS_TABLE", &stack.table)
            .env("FANOUT", format!("*={}", stack.queues[0]))
            .start()
    };

    let function = start(vec![(WEBHOOK_SECRETS_ARN, arn.clone())]).await;
    let (status, body) = status_and_body(function.invoke(&sample).await);
    let logs = function.stop().await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("accepted")),
        "{}: {body}\n{logs}",
        vendor.name
    );
    assert!(!logs.contains(&vendor.secret), "the logs show the secret");

    let function = start(vec![(WEBHOOK_SECRETS_ARN, format!("{arn}-missing"))]).await;
    let (status, body) = status_and_body(function.invoke(&sample).await);
    assert_eq!(
        (status, body),
        (
            503,
            serde_json::json!({"error": "temporarily unavailable, please retry"})
        ),
        "{}: a secret that cannot be read is not a 401",
        vendor.name
    );
    let logs = function.stop().await;
    assert!(
        logs.contains("could not read the webhook secrets"),
        "the reason is logged:\n{logs}"
    );
    assert!(logs.contains("secrets_unavailable"), "and counted:\n{logs}");
    assert!(!logs.contains(&vendor.secret), "the logs show the secret");
    assert_eq!(
        stack.item_count().await,
        1usize,
        "nothing stored on the 503"
    );

    let function = start(vec![
        (WEBHOOK_SECRETS_ARN, arn.clone()),
        (WEBHOOK_SECRETS, vendor.secret.clone()),
    ])
    .await;
    let answer = function.invoke(&sample).await;
    assert!(matches!(answer, Answer::Error(_)), "{answer:?}");
    let output = function.stop().await;
    assert!(
        output.contains("WEBHOOK_SECRETS and WEBHOOK_SECRETS_ARN are both set"),
        "{output}"
    );
    assert!(!output.contains(&vendor.secret), "{output}");
}

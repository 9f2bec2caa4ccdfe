//! What the SDK makes of `AWS_ENDPOINT_URL`, which the template declares only so that `sam local`
//! can set it (as `AWS::NoValue`: a deployed function never has it). Absent, the SDK uses its own
//! endpoints; empty (`sam local invoke` without `--env-vars` gives a declared variable the value
//! ""), it is ignored, with a warning, and the SDK uses its own endpoints too; set, the SDK uses it.
//!
//! One test in its own binary, because it changes the process environment.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use webhook_core::aws::read_sdk_config;

#[tokio::test]
async fn only_a_set_endpoint_replaces_the_sdks_own() {
    std::env::set_var("AWS_REGION", "eu-west-1");
    std::env::remove_var("AWS_ENDPOINT_URL");
    assert_eq!(read_sdk_config().await.endpoint_url(), None, "absent");

    std::env::set_var("AWS_ENDPOINT_URL", "");
    let empty = read_sdk_config().await;
    assert_eq!(empty.endpoint_url(), None, "empty");
    let dynamodb = aws_sdk_dynamodb::config::Config::from(&empty);
    assert_eq!(dynamodb.region().map(|r| r.as_ref()), Some("eu-west-1"));

    std::env::set_var("AWS_ENDPOINT_URL", "http://moto:5000");
    assert_eq!(
        read_sdk_config().await.endpoint_url(),
        Some("http://moto:5000"),
        "set"
    );
}

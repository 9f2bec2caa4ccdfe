//! AWS SDK configuration shared by the functions: built once at start-up, without touching the
//! network, with timeouts and retries that end a hung call well inside the Lambda timeout.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

/// Connecting to DynamoDB or SQS in-region takes milliseconds; a second means trouble.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// One attempt of one call.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// One call, all its retries included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per call, the first included.
pub const MAX_ATTEMPTS: u32 = 3;

/// Loads region, credentials and endpoint (`AWS_ENDPOINT_URL`) from the environment. Credentials
/// are resolved lazily, on the first call.
pub async fn load_sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts())
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .load()
        .await
}

pub fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

/// A DynamoDB client for `config`.
pub fn dynamodb(config: &SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(config)
}

/// An SQS client for `config`.
pub fn sqs(config: &SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_with_all_its_retries_ends_inside_a_twenty_second_lambda_timeout() {
        let timeouts = timeouts();
        assert_eq!(timeouts.connect_timeout(), Some(CONNECT_TIMEOUT));
        assert_eq!(timeouts.operation_attempt_timeout(), Some(ATTEMPT_TIMEOUT));
        assert_eq!(timeouts.operation_timeout(), Some(OPERATION_TIMEOUT));
        assert!(
            ATTEMPT_TIMEOUT * MAX_ATTEMPTS >= OPERATION_TIMEOUT,
            "the operation timeout is the binding one"
        );
        // Claim, publish (queues in parallel) and settle: three sequential calls at most.
        assert!(OPERATION_TIMEOUT * 3 < Duration::from_secs(20));
    }
}

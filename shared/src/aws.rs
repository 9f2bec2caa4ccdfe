//! AWS SDK configuration shared by the functions: read from the environment once, by the first
//! call that needs a client (not at start-up), with timeouts and retries that end a hung call
//! well inside the Lambda timeout.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_sdk_dynamodb::config::{ConfigBag, HttpClient, RuntimeComponents, SharedHttpClient};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_http_client::Builder;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{HttpConnectorSettings, SharedHttpConnector};
use tokio::sync::OnceCell;

/// Connecting to DynamoDB, SQS or Secrets Manager in-region takes milliseconds; a second means trouble.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// One attempt of one call.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// One call, all its retries included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per call, the first included.
pub const MAX_ATTEMPTS: u32 = 3;

/// The process's SDK configuration, read from the environment by [`read_sdk_config`] on the
/// first call: every client shares its HTTPS client and credentials cache.
pub async fn load_sdk_config() -> SdkConfig {
    static SHARED: OnceCell<SdkConfig> = OnceCell::const_new();
    SHARED.get_or_init(read_sdk_config).await.clone()
}

/// Reads region, credentials and endpoint (`AWS_ENDPOINT_URL`) from the environment, with the
/// timeouts and retries of every call. Credentials are resolved lazily, on the first call.
pub async fn read_sdk_config() -> SdkConfig {
    defaults()
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .load()
        .await
}

/// The loader every SDK configuration starts from, the tests' included: the HTTPS client and
/// the timeouts. The SDK crates are built without a default HTTP client, so a configuration
/// that does not start here has none and fails its first call.
pub fn defaults() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(timeouts())
}

/// HTTPS with rustls on the ring crypto provider and the system's root certificates (plain
/// HTTP too, for a local `AWS_ENDPOINT_URL`). The one HTTPS client of every SDK client the
/// functions build.
///
/// The SDK's default client uses aws-lc-rs, which makes every binary about 2 MB larger
/// (BENCHMARKS.md); ring offers what DynamoDB and SQS endpoints need (TLS 1.2 and 1.3, ECDHE with
/// X25519 or P-256), though not the post-quantum hybrid key exchange that aws-lc-rs prefers
/// (SECURITY.md).
///
/// The root certificates are read on the first connection (see [`RootsOnFirstConnection`]),
/// from where they always are: `SSL_CERT_FILE` and `SSL_CERT_DIR` if either is set, else the
/// system's store.
pub fn https_client() -> SharedHttpClient {
    SharedHttpClient::new(RootsOnFirstConnection(
        Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https(),
    ))
}

/// The SDK's HTTPS client, minus its eager start: as given, it builds a connector, and so reads
/// and parses every root certificate (the system bundle, and each file of `SSL_CERT_DIR`), each
/// time an SDK client is built, "so that native certs load at client initialization time". That
/// was most of a function's start-up (BENCHMARKS.md). Here nothing happens until the first
/// request asks for a connector; the wrapped client then builds it once, loads the roots once
/// per process and verifies every server against them exactly as before.
#[derive(Debug)]
struct RootsOnFirstConnection(SharedHttpClient);

impl HttpClient for RootsOnFirstConnection {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    // `validate_base_client_config` is deliberately the trait's default (nothing to check): the
    // wrapped client's version is the eager start.

    fn validate_final_config(
        &self,
        components: &RuntimeComponents,
        config: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.validate_final_config(components, config)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

pub fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

/// An SDK client made on its first use from the process's SDK configuration
/// ([`load_sdk_config`]), or given ready-made. A function's start-up builds no client: loading
/// the configuration and building clients was most of what start-up did beyond the Lambda
/// runtime's own work (BENCHMARKS.md), and the first delivery needs the clients no sooner.
/// Clones share the client.
#[derive(Clone)]
pub struct LazyClient<C> {
    cell: Arc<OnceCell<C>>,
    make: fn(&SdkConfig) -> C,
}

impl<C> LazyClient<C> {
    /// A client made by `make` when first asked for.
    pub fn on_first_use(make: fn(&SdkConfig) -> C) -> Self {
        Self {
            cell: Arc::new(OnceCell::new()),
            make,
        }
    }

    /// `client`, ready (tests, tools with a configuration of their own).
    pub fn ready(client: C, make: fn(&SdkConfig) -> C) -> Self {
        Self {
            cell: Arc::new(OnceCell::new_with(Some(client))),
            make,
        }
    }

    /// The client, made now if this is its first use.
    pub async fn get(&self) -> &C {
        self.cell
            .get_or_init(|| async { (self.make)(&load_sdk_config().await) })
            .await
    }
}

impl<C> fmt::Debug for LazyClient<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyClient")
            .field("made", &self.cell.initialized())
            .finish()
    }
}

/// A DynamoDB client for `config`.
pub fn dynamodb(config: &SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(config)
}

/// An SQS client for `config`.
pub fn sqs(config: &SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(config)
}

/// A Secrets Manager client for `config`.
pub fn secretsmanager(config: &SdkConfig) -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(config)
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

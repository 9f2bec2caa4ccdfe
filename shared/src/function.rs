//! Composition of the functions: configuration from the environment, AWS clients built once
//! (without touching the network), the pipeline or the republisher, and the Lambda runtime loop.

use std::sync::Arc;

use crate::clock::SystemClock;
use crate::config::{events_table, Config, ConfigError};
use crate::fanout::SqsPublisher;
use crate::pipeline::Pipeline;
use crate::republish::Republisher;
use crate::store::DynamoStore;
use crate::vendors::{self, Vendor};
use crate::{aws, http};

/// Why a function stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the Lambda runtime stopped: {0}")]
    Runtime(String),
}

/// Serves `vendor`'s webhooks until the runtime stops. A configuration error returns before any
/// client is built, naming the variable.
pub async fn serve<V: Vendor>(vendor: V) -> Result<(), ServeError> {
    let config = Config::from_env(&vendor)?;
    let sdk = aws::load_sdk_config().await;
    let store = DynamoStore::new(aws::dynamodb(&sdk), config.table.clone());
    let publisher = SqsPublisher::new(aws::sqs(&sdk));
    let pipeline = Pipeline::new(vendor, config, store, publisher, SystemClock);
    // Boxed: the runtime's future is deep enough to strain the compiler's type layout otherwise.
    Box::pin(http::run(pipeline))
        .await
        .map_err(|error| ServeError::Runtime(error.to_string()))
}

/// Serves the republisher: scheduled sweeps and operators' replay requests.
pub async fn serve_republisher() -> Result<(), ServeError> {
    let table = events_table(|name| std::env::var(name).ok())?;
    let sdk = aws::load_sdk_config().await;
    let store = DynamoStore::new(aws::dynamodb(&sdk), table);
    let publisher = SqsPublisher::new(aws::sqs(&sdk));
    let republisher = Arc::new(Republisher::new(
        store,
        publisher,
        SystemClock,
        &vendors::ALL,
    ));
    Box::pin(lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let republisher = Arc::clone(&republisher);
            async move {
                republisher
                    .run(event.payload)
                    .await
                    .map_err(lambda_runtime::Error::from)
            }
        },
    )))
    .await
    .map_err(|error| ServeError::Runtime(error.to_string()))
}

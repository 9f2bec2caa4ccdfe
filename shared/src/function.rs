//! Composition of a vendor function: configuration from the environment, AWS clients built once
//! (without touching the network), the pipeline, and the Lambda runtime loop.

use crate::clock::SystemClock;
use crate::config::{Config, ConfigError};
use crate::fanout::SqsPublisher;
use crate::pipeline::Pipeline;
use crate::store::DynamoStore;
use crate::vendors::Vendor;
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
    http::run(pipeline)
        .await
        .map_err(|error| ServeError::Runtime(error.to_string()))
}

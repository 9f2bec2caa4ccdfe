//! Composition of the functions: configuration from the environment, AWS clients made on their
//! first use, the pipeline or the republisher, and the Lambda runtime loop.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::claims::DynamoStore;
use crate::clock::SystemClock;
use crate::config::{Config, ConfigError, RepublisherConfig};
use crate::deadline::Deadline;
use crate::fanout::SqsPublisher;
use crate::http;
use crate::metrics::Invocation;
use crate::pipeline::Pipeline;
use crate::republish::Republisher;
use crate::vendors::{self, Vendor};

/// What the republisher keeps of its invocation's time to write its report and metrics.
pub const REPUBLISHER_MARGIN: Duration = Duration::from_secs(5);

/// Why a function stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the Lambda runtime stopped: {0}")]
    Runtime(String),
}

/// Serves `vendor`'s webhooks until the runtime stops. A configuration error returns before
/// anything else, naming the variable. Start-up reads only the environment: the SDK
/// configuration, the clients and a Secrets Manager secret are read or made by the first
/// delivery that needs them (README, "Secrets in Secrets Manager", and BENCHMARKS.md say why).
pub async fn serve<V: Vendor>(vendor: V) -> Result<(), ServeError> {
    let config = Config::from_env(&vendor)?;
    let store = DynamoStore::on_first_use(config.table.clone());
    let publisher = SqsPublisher::on_first_use();
    let pipeline = Pipeline::new(vendor, config, store, publisher, SystemClock);
    // Boxed: the runtime's future is deep enough to strain the compiler's type layout otherwise.
    Box::pin(http::run(pipeline))
        .await
        .map_err(|error| ServeError::Runtime(error.to_string()))
}

/// Serves the republisher: scheduled sweeps and operators' replay requests, each within the
/// invocation's time less [`REPUBLISHER_MARGIN`].
pub async fn serve_republisher() -> Result<(), ServeError> {
    let config = RepublisherConfig::from_env(&vendors::ALL)?;
    let store = DynamoStore::on_first_use(config.table.clone());
    let publisher = SqsPublisher::on_first_use();
    let republisher = Arc::new(Republisher::new(
        store,
        publisher,
        SystemClock,
        config,
        &vendors::ALL,
    ));
    Box::pin(lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let republisher = Arc::clone(&republisher);
            let budget = Deadline::after(time_left(event.context.deadline));
            // The metric lines of the run carry its request id and trace id. Boxed, like the
            // runtime's future, to keep the type layout shallow.
            Box::pin(Invocation::of(&event.context).scope(async move {
                republisher
                    .run(event.payload, budget)
                    .await
                    .map_err(lambda_runtime::Error::from)
            }))
        },
    )))
    .await
    .map_err(|error| ServeError::Runtime(error.to_string()))
}

/// The time left before `deadline_ms` (epoch milliseconds, as the runtime gives it) less the
/// margin.
fn time_left(deadline_ms: u64) -> Duration {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_millis())
        .unwrap_or_default();
    let left = u128::from(deadline_ms).saturating_sub(now_ms);
    Duration::from_millis(u64::try_from(left).unwrap_or(u64::MAX))
        .saturating_sub(REPUBLISHER_MARGIN)
}

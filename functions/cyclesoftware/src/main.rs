//! `cyclesoftware`: the Lambda function that receives CycleSoftware webhooks. Composition only:
//! tracing, configuration, AWS clients, then the shared pipeline.

use anyhow::Context;
use webhook_core::clock::SystemClock;
use webhook_core::config::Config;
use webhook_core::fanout::SqsPublisher;
use webhook_core::pipeline::Pipeline;
use webhook_core::store::DynamoStore;
use webhook_core::vendors::cyclesoftware::CycleSoftware;
use webhook_core::{aws, http};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_env(&CycleSoftware).context("invalid configuration")?;
    let sdk = aws::load_sdk_config().await;
    let store = DynamoStore::new(aws::dynamodb(&sdk), config.table.clone());
    let publisher = SqsPublisher::new(aws::sqs(&sdk));
    let pipeline = Pipeline::new(CycleSoftware, config, store, publisher, SystemClock);
    http::run(pipeline)
        .await
        .map_err(|error| anyhow::anyhow!(error))
}

//! `example-consumer`: a Lambda function on one vendor queue (SQS event source with
//! `ReportBatchItemFailures`). It reads each message with `webhook-events`, handles each event
//! id once (a conditional write to its own table), and reports only the records it could not
//! handle, so that SQS retries just those. Copy it to start a consumer: `handle` is where the
//! work goes.

mod batch;
mod handled;

use anyhow::Context;
use lambda_runtime::{service_fn, LambdaEvent};

use crate::handled::Handled;

/// The table of handled event ids.
const HANDLED_TABLE: &str = "HANDLED_TABLE";
/// How long a handled id is remembered, in days (default 30): longer than a message can stay
/// on its queue (SQS keeps one 14 days at most), so a repeat is always recognised.
const HANDLED_TTL_DAYS: &str = "HANDLED_TTL_DAYS";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    lambda_runtime::tracing::init_default_subscriber();
    let table =
        std::env::var(HANDLED_TABLE).with_context(|| format!("{HANDLED_TABLE} is not set"))?;
    let ttl_days: u32 = match std::env::var(HANDLED_TTL_DAYS) {
        Ok(days) => days
            .parse()
            .ok()
            .filter(|days| *days > 0)
            .with_context(|| format!("{HANDLED_TTL_DAYS} must be a positive number of days"))?,
        Err(_) => 30,
    };
    let config = webhook_core::aws::defaults().load().await;
    let handled = Handled::new(aws_sdk_dynamodb::Client::new(&config), table, ttl_days);
    lambda_runtime::run(service_fn(|event: LambdaEvent<_>| {
        batch::handle_batch(&handled, event)
    }))
    .await
    .map_err(|error| anyhow::anyhow!(error))
    .context("the consumer stopped")
}

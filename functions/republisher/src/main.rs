//! `republisher`: the scheduled Lambda function that finishes claims left RECEIVED and, invoked
//! with `{"replay": {"vendor", "from", "to"}}`, replays stored events. Composition only: JSON
//! tracing, then the shared republisher (configuration, AWS clients, runtime loop).

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    lambda_runtime::tracing::init_default_subscriber();
    webhook_core::function::serve_republisher()
        .await
        .context("the republisher stopped")
}

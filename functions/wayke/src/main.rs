//! `wayke`: the Lambda function that receives Wayke webhooks. Composition only: JSON tracing
//! through lambda_http, then the shared function (configuration, AWS clients, pipeline).

use anyhow::Context;
use webhook_core::vendors::wayke::Wayke;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    lambda_http::tracing::init_default_subscriber();
    webhook_core::function::serve(Wayke)
        .await
        .context("the wayke function stopped")
}

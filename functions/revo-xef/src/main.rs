//! `revo-xef`: the Lambda function that receives Revo Xef webhooks. Composition only: JSON tracing
//! through lambda_http, then the shared function (configuration, AWS clients, pipeline).

use anyhow::Context;
use webhook_core::vendors::revo_xef::RevoXef;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    lambda_http::tracing::init_default_subscriber();
    webhook_core::function::serve(RevoXef)
        .await
        .context("the revo-xef function stopped")
}

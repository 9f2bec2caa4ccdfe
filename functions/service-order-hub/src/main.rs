//! `service-order-hub`: the Lambda function that receives Service Order Hub webhooks. Composition only: JSON tracing
//! through lambda_http, then the shared function (configuration, AWS clients, pipeline).

use anyhow::Context;
use webhook_core::vendors::service_order_hub::ServiceOrderHub;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    lambda_http::tracing::init_default_subscriber();
    webhook_core::function::serve(ServiceOrderHub)
        .await
        .context("the service-order-hub function stopped")
}

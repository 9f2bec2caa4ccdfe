//! `cold-start-floor`: the least a `lambda_http` function does before its first request for an
//! event (the Tokio runtime, lambda_http's default JSON subscriber, the runtime loop), answering
//! every request with "hello". The cold-start bench measures every function against it; it is
//! not a Lambda function of the template.

use lambda_http::{service_fn, Body, Error, Request, Response};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    lambda_http::run(service_fn(|_request: Request| async {
        Ok::<_, Error>(Response::new(Body::from("hello")))
    }))
    .await
}

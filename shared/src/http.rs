//! The HTTP edge: a `lambda_http` request goes through the pipeline and comes back as a response.
//! This is the one place where errors become statuses, and where each delivery is logged once.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use lambda_http::http::{header::CONTENT_TYPE, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;

use crate::clock::Clock;
use crate::fanout::Publisher;
use crate::pipeline::{Inbound, Pipeline, PipelineError, Receipt};
use crate::store::{ClaimStore, StoreError};
use crate::vendors::{ClassifyError, Vendor};

/// Serves `pipeline` as a Lambda function behind API Gateway until the runtime stops it.
pub async fn run<V, S, P, C>(pipeline: Pipeline<V, S, P, C>) -> Result<(), lambda_http::Error>
where
    V: Vendor,
    S: ClaimStore + 'static,
    P: Publisher + 'static,
    C: Clock + 'static,
{
    let pipeline = Arc::new(pipeline);
    lambda_http::run(lambda_http::service_fn(move |request: Request| {
        let pipeline = Arc::clone(&pipeline);
        async move { Ok::<_, Infallible>(respond(&pipeline, &request).await) }
    }))
    .await
}

/// Runs one request through the pipeline and answers it; logs one line per delivery with no
/// secret, signature or payload in it.
pub async fn respond<V, S, P, C>(
    pipeline: &Pipeline<V, S, P, C>,
    request: &Request,
) -> Response<Body>
where
    V: Vendor,
    S: ClaimStore,
    P: Publisher,
    C: Clock,
{
    let started = Instant::now();
    let inbound = Inbound {
        path: request.uri().path(),
        headers: request.headers(),
        body: request.body().as_ref(),
    };
    let result = pipeline.receive(inbound).await;
    let status = status_of(&result);
    let request_id = request
        .lambda_context_ref()
        .map(|context| context.request_id.clone());
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let vendor = pipeline.vendor().name();
    match &result {
        Ok(receipt) => tracing::info!(
            request_id,
            vendor,
            event_type = %receipt.event_type,
            dedupe_key = %receipt.dedupe_key,
            outcome = receipt.outcome.as_str(),
            status = status.as_u16(),
            secret_index = receipt.secret_index,
            published = receipt.published,
            duration_ms,
            "delivery taken in"
        ),
        Err(error) => tracing::warn!(
            request_id,
            vendor,
            outcome = "rejected",
            status = status.as_u16(),
            reason = %error,
            duration_ms,
            "delivery refused"
        ),
    }
    json_response(status, &body_of(&result))
}

/// The status DESIGN.md gives for each result.
pub fn status_of(result: &Result<Receipt, PipelineError>) -> StatusCode {
    match result {
        Ok(_) => StatusCode::OK,
        Err(
            PipelineError::TooLarge { .. }
            | PipelineError::Store(StoreError::PayloadTooLarge { .. }),
        ) => StatusCode::PAYLOAD_TOO_LARGE,
        Err(PipelineError::Unauthenticated(_)) => StatusCode::UNAUTHORIZED,
        Err(PipelineError::Invalid(ClassifyError::UnknownEventType)) => StatusCode::NOT_FOUND,
        Err(PipelineError::Invalid(_) | PipelineError::Stale { .. }) => StatusCode::BAD_REQUEST,
        Err(PipelineError::Store(_) | PipelineError::Publish(_)) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The body the caller sees: the outcome and id, or a fixed message with no internal detail.
fn body_of(result: &Result<Receipt, PipelineError>) -> serde_json::Value {
    match result {
        Ok(receipt) => json!({ "status": receipt.outcome.as_str(), "id": receipt.id }),
        Err(PipelineError::TooLarge { limit, .. }) => {
            json!({ "error": format!("the body is larger than {limit} bytes") })
        }
        Err(PipelineError::Store(StoreError::PayloadTooLarge { .. })) => {
            json!({ "error": "the body is too large to store" })
        }
        Err(PipelineError::Unauthenticated(_)) => json!({ "error": "unauthorized" }),
        // Classification messages name a field and a rule, never a value from the body.
        Err(PipelineError::Invalid(error)) => json!({ "error": error.to_string() }),
        Err(error @ PipelineError::Stale { .. }) => json!({ "error": error.to_string() }),
        Err(PipelineError::Store(_) | PipelineError::Publish(_)) => {
            json!({ "error": "temporarily unavailable, please retry" })
        }
    }
}

fn json_response(status: StatusCode, body: &serde_json::Value) -> Response<Body> {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        lambda_http::http::HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fanout::PublishError;
    use crate::pipeline::Outcome;
    use crate::verify::VerifyError;

    #[test]
    fn every_result_has_the_status_and_body_design_md_gives() {
        let receipt = Receipt {
            outcome: Outcome::Duplicate,
            id: "id-1".into(),
            event_type: "t".into(),
            dedupe_key: "k".into(),
            secret_index: 0,
            published: 0,
            reused_key: false,
        };
        let internal = "table events-prod in eu-west-1: AccessDenied";
        let cases: Vec<(Result<Receipt, PipelineError>, u16, serde_json::Value)> = vec![
            (
                Ok(receipt),
                200,
                json!({"status": "duplicate", "id": "id-1"}),
            ),
            (
                Err(PipelineError::TooLarge { size: 9, limit: 8 }),
                413,
                json!({"error": "the body is larger than 8 bytes"}),
            ),
            (
                Err(VerifyError::NoMatch.into()),
                401,
                json!({"error": "unauthorized"}),
            ),
            (
                Err(ClassifyError::NotJson.into()),
                400,
                json!({"error": "the body is not JSON"}),
            ),
            (
                Err(ClassifyError::UnknownEventType.into()),
                404,
                json!({"error": "unknown event type"}),
            ),
            (
                Err(StoreError::Unavailable(internal.into()).into()),
                503,
                json!({"error": "temporarily unavailable, please retry"}),
            ),
            (
                Err(PublishError {
                    queue: internal.into(),
                    reason: internal.into(),
                }
                .into()),
                503,
                json!({"error": "temporarily unavailable, please retry"}),
            ),
        ];
        for (result, status, body) in cases {
            assert_eq!(status_of(&result).as_u16(), status, "{result:?}");
            assert_eq!(body_of(&result), body, "{result:?}");
        }
    }

    #[test]
    fn a_stale_signed_event_is_a_400_that_says_why() {
        let result: Result<Receipt, PipelineError> = Err(PipelineError::Stale { days: 7 });
        assert_eq!(status_of(&result).as_u16(), 400);
        assert_eq!(
            body_of(&result),
            json!({"error": "the event is older than the deduplication window (7 days): refused as a possible replay"})
        );
    }
}

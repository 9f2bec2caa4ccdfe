//! The HTTP edge: a `lambda_http` request goes through the pipeline and comes back as a response.
//! This is the one place where errors become statuses, and where each delivery is logged once.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use lambda_http::http::{header::CONTENT_TYPE, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;

use crate::claims::{ClaimError, ClaimStore, StoreError};
use crate::clock::Clock;
use crate::fanout::Publisher;
use crate::metrics::{self, Invocation, Unit, COLD_START_METRIC};
use crate::pipeline::{Inbound, Outcome, Pipeline, PipelineError, Receipt};
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
    let vendor = pipeline.vendor().name();
    let inbound = Inbound {
        route: route_segment(request.uri().path(), vendor),
        headers: request.headers(),
        body: request.body().as_ref(),
    };
    let result = pipeline.receive(inbound).await;
    let answer = Answer::of(&result);
    let invocation = request
        .lambda_context_ref()
        .map(Invocation::of)
        .unwrap_or_default();
    let request_id = invocation.request_id.as_deref();
    // To the microsecond: printed, it has at most three decimals (`1.07`, never
    // `1.0700000000000001`), which is all a latency needs and keeps the log line's digits
    // meaningful.
    let duration_ms = milliseconds(started.elapsed());
    let status = answer.status.as_u16();
    match &result {
        Ok(receipt) => tracing::info!(
            request_id,
            vendor,
            id = %receipt.id,
            event_type = %receipt.event_type,
            dedupe_key = %receipt.dedupe_key,
            outcome = receipt.outcome.as_str(),
            status,
            secret_index = receipt.secret_index,
            published = receipt.published,
            duration_ms,
            "delivery taken in"
        ),
        Err(error) => tracing::warn!(
            request_id,
            vendor,
            outcome = "rejected",
            status,
            reason = %error,
            duration_ms,
            "delivery refused"
        ),
    }
    let undocumented_event_type = undocumented(pipeline.vendor(), &result);
    let now_ms = pipeline.now().unix_timestamp_nanos() / 1_000_000;
    let cold_start = metrics::cold_start();
    let delivered = Delivered {
        vendor,
        result: &result,
        refusal: answer.refusal.as_ref(),
        undocumented_event_type,
    };
    for line in delivery_metrics(&delivered, duration_ms, &invocation, cold_start, now_ms) {
        metrics::write_line(&line);
    }
    json_response(answer.status, &answer.body)
}

/// The last non-empty segment of the path, unless it is the vendor's own segment: `wayke/new-order`
/// gives `new-order`, `/cyclesoftware` gives none.
pub fn route_segment<'p>(path: &'p str, vendor: &str) -> Option<&'p str> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    path.rsplit('/')
        .find(|segment| !segment.is_empty())
        .filter(|segment| *segment != vendor)
}

/// Whether a new event's type is one the vendor does not document (it was routed anyway):
/// schema drift, counted as `UndocumentedEventType`. Duplicates and rejections are not counted.
fn undocumented<V: Vendor>(vendor: &V, result: &Result<Receipt, PipelineError>) -> bool {
    matches!(result, Ok(receipt) if receipt.outcome == Outcome::Accepted
        && !vendor.documents(&receipt.event_type))
}

/// How a refused delivery is answered and counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    /// The `Reason` dimension of the `Rejected` metric.
    pub reason: &'static str,
    /// The `error` of the body: a rule or a limit, never a value from the body or an internal
    /// detail.
    pub message: String,
    /// The AWS service whose failure caused it, counted as `StoreFailures` or `PublishFailures`.
    pub failed: Option<Service>,
}

/// An AWS service a delivery depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Store,
    Publish,
}

/// What a retry may mend: the vendor is asked to retry, and told nothing more.
const RETRY: &str = "temporarily unavailable, please retry";

/// The one mapping from a pipeline error to its status, reason, body and failed service.
pub fn refusal(error: &PipelineError) -> Refusal {
    use StatusCode as S;
    let (status, reason, message, failed) = match error {
        PipelineError::TooLarge { limit, .. } => (
            S::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is larger than {limit} bytes"),
            None,
        ),
        PipelineError::Claim(
            ClaimError::Store(StoreError::PayloadTooLarge { .. })
            | ClaimError::MessageTooLarge { .. },
        ) => (
            S::PAYLOAD_TOO_LARGE,
            "too_large",
            "the body is too large to store".into(),
            None,
        ),
        PipelineError::Unauthenticated(_) => (
            S::UNAUTHORIZED,
            "unauthenticated",
            "unauthorized".into(),
            None,
        ),
        // Classification messages name a field and a rule, never a value from the body.
        PipelineError::Invalid(invalid @ ClassifyError::UnknownEventType) => {
            (S::NOT_FOUND, "unknown_route", invalid.to_string(), None)
        }
        PipelineError::Invalid(invalid) => {
            (S::BAD_REQUEST, "invalid_body", invalid.to_string(), None)
        }
        PipelineError::Stale { .. } => (S::BAD_REQUEST, "stale", error.to_string(), None),
        // SQS failed, or the time ran out while publishing: the rest is the store's.
        PipelineError::Claim(
            ClaimError::Publish(_) | ClaimError::OutOfTime { step: "publish" },
        ) => (
            S::SERVICE_UNAVAILABLE,
            "publish_unavailable",
            RETRY.into(),
            Some(Service::Publish),
        ),
        PipelineError::Claim(_) => (
            S::SERVICE_UNAVAILABLE,
            "store_unavailable",
            RETRY.into(),
            Some(Service::Store),
        ),
        PipelineError::SecretsUnavailable(_) => (
            S::SERVICE_UNAVAILABLE,
            "secrets_unavailable",
            RETRY.into(),
            None,
        ),
    };
    Refusal {
        status,
        reason,
        message,
        failed,
    }
}

/// A delivery as its metrics see it.
#[derive(Debug, Clone, Copy)]
pub struct Delivered<'a> {
    pub vendor: &'a str,
    pub result: &'a Result<Receipt, PipelineError>,
    /// The refusal of a refused delivery ([`Answer::refusal`]).
    pub refusal: Option<&'a Refusal>,
    /// A new event of a type the vendor does not document.
    pub undocumented_event_type: bool,
}

/// The EMF lines of one delivery of `invocation`: counters per vendor and in total (whether it
/// was the process's first, a cold start, among them), and for a rejection its reason.
pub fn delivery_metrics(
    delivered: &Delivered<'_>,
    duration_ms: f64,
    invocation: &Invocation,
    cold_start: bool,
    timestamp_ms: i128,
) -> Vec<String> {
    let Delivered {
        vendor,
        result,
        refusal: refused,
        undocumented_event_type,
    } = *delivered;
    let flag = |on: bool| if on { 1.0 } else { 0.0 };
    let outcome =
        |wanted: Outcome| flag(matches!(result, Ok(receipt) if receipt.outcome == wanted));
    let failed = |service| flag(refused.is_some_and(|r| r.failed == Some(service)));
    let counters = [
        ("Received", 1.0, Unit::Count),
        ("Accepted", outcome(Outcome::Accepted), Unit::Count),
        ("Duplicate", outcome(Outcome::Duplicate), Unit::Count),
        ("Rejected", flag(result.is_err()), Unit::Count),
        ("PublishFailures", failed(Service::Publish), Unit::Count),
        ("StoreFailures", failed(Service::Store), Unit::Count),
        (
            "OldSecretUsed",
            flag(matches!(result, Ok(receipt) if receipt.secret_index > 0)),
            Unit::Count,
        ),
        (
            "UndocumentedEventType",
            flag(undocumented_event_type),
            Unit::Count,
        ),
        (COLD_START_METRIC, flag(cold_start), Unit::Count),
        ("Latency", duration_ms, Unit::Milliseconds),
    ];
    let mut lines = vec![metrics::emf_line_in_sets(
        invocation,
        &[("Vendor", vendor)],
        &[&["Vendor"][..], &[][..]],
        &counters,
        timestamp_ms,
    )];
    if let Some(refused) = refused {
        let dimensions = [("Vendor", vendor), ("Reason", refused.reason)];
        lines.push(metrics::emf_line(
            invocation,
            &dimensions,
            &[("Rejected", 1.0, Unit::Count)],
            timestamp_ms,
        ));
    }
    lines
}

/// How a delivery is answered: its status and body, and for a refused one its [`Refusal`],
/// computed once.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: StatusCode,
    /// The outcome and id, or the refusal's message.
    pub body: serde_json::Value,
    pub refusal: Option<Refusal>,
}

impl Answer {
    pub fn of(result: &Result<Receipt, PipelineError>) -> Self {
        match result {
            Ok(receipt) => Self {
                status: StatusCode::OK,
                body: json!({ "status": receipt.outcome.as_str(), "id": receipt.id }),
                refusal: None,
            },
            Err(error) => {
                let refusal = refusal(error);
                Self {
                    status: refusal.status,
                    body: json!({ "error": refusal.message }),
                    refusal: Some(refusal),
                }
            }
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

/// `elapsed` in milliseconds, to the microsecond.
fn milliseconds(elapsed: std::time::Duration) -> f64 {
    // Microseconds of any delivery fit an f64 exactly (below 2^53).
    elapsed.as_micros() as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fanout::PublishError;
    use crate::secrets::SecretsUnavailable;
    use crate::verify::VerifyError;

    #[test]
    fn latencies_print_with_at_most_three_decimals() {
        for (nanos, printed) in [
            (1_070_000, "1.07"),
            (1_070_999, "1.07"),
            (3_070_400, "3.07"),
            (12_345_678, "12.345"),
            (999, "0"),
        ] {
            let shown = milliseconds(std::time::Duration::from_nanos(nanos)).to_string();
            assert_eq!(shown, printed);
        }
        for micros in 0..200_000u64 {
            let shown =
                serde_json::to_string(&milliseconds(std::time::Duration::from_micros(micros)))
                    .unwrap_or_default();
            let decimals = shown.split('.').nth(1).map_or(0, str::len);
            assert!(decimals <= 3, "{micros} µs printed as {shown}");
        }
    }

    #[test]
    fn every_result_has_the_status_and_body_the_readme_gives() {
        let receipt = Receipt {
            outcome: Outcome::Duplicate,
            id: "id-1".into(),
            event_type: "t".into(),
            dedupe_key: "k".into(),
            secret_index: 0,
            published: 0,
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
                Err(ClaimError::from(StoreError::Unavailable(internal.into())).into()),
                503,
                json!({"error": "temporarily unavailable, please retry"}),
            ),
            (
                Err(SecretsUnavailable::Read {
                    secret: internal.into(),
                    reason: internal.into(),
                }
                .into()),
                503,
                json!({"error": "temporarily unavailable, please retry"}),
            ),
            (
                Err(ClaimError::from(PublishError {
                    queue: internal.into(),
                    reason: internal.into(),
                })
                .into()),
                503,
                json!({"error": "temporarily unavailable, please retry"}),
            ),
            (
                Err(ClaimError::OutOfTime { step: "claim" }.into()),
                503,
                json!({"error": "temporarily unavailable, please retry"}),
            ),
            (
                Err(ClaimError::MessageTooLarge { size: 2_000_000 }.into()),
                413,
                json!({"error": "the body is too large to store"}),
            ),
        ];
        for (result, status, body) in cases {
            let answer = Answer::of(&result);
            assert_eq!(
                (answer.status.as_u16(), answer.body),
                (status, body),
                "{result:?}"
            );
            assert_eq!(
                answer.refusal.map(|refusal| refusal.status),
                result.as_ref().err().map(|_| answer.status)
            );
        }
    }

    #[test]
    fn the_route_is_the_last_segment_beyond_the_vendor() {
        assert_eq!(
            route_segment("/wayke/new-order", "wayke"),
            Some("new-order")
        );
        assert_eq!(
            route_segment("/lambda-url/wayke/new-order/", "wayke"),
            Some("new-order")
        );
        assert_eq!(route_segment("/wayke", "wayke"), None);
        assert_eq!(route_segment("/cyclesoftware?x=1", "cyclesoftware"), None);
        assert_eq!(route_segment("/", "wayke"), None);
        assert_eq!(route_segment("", "wayke"), None);
    }

    #[test]
    fn a_stale_signed_event_is_a_400_that_says_why() {
        let result: Result<Receipt, PipelineError> = Err(PipelineError::Stale { days: 7 });
        let answer = Answer::of(&result);
        assert_eq!(answer.status.as_u16(), 400);
        assert_eq!(
            answer.body,
            json!({"error": "the event is older than the deduplication window (7 days): refused as a possible replay"})
        );
    }

    fn parse(line: &str) -> serde_json::Value {
        serde_json::from_str(line).unwrap()
    }

    #[test]
    fn an_accepted_delivery_counts_once_per_vendor_and_in_total() {
        let receipt = Receipt {
            outcome: Outcome::Accepted,
            id: "i".into(),
            event_type: "bicycle.stolen".into(),
            dedupe_key: "k".into(),
            secret_index: 1,
            published: 1,
        };
        let invocation = Invocation {
            request_id: Some("req-7".into()),
            xray_trace_id: Some("Root=1-67891233-abcdef012345678912345678".into()),
        };
        let delivered = Delivered {
            vendor: "cyclesoftware",
            result: &Ok(receipt),
            refusal: None,
            undocumented_event_type: true,
        };
        let lines = delivery_metrics(&delivered, 12.5, &invocation, true, 1_000);
        assert_eq!(lines.len(), 1);
        let line = parse(&lines[0]);
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Webhooks");
        assert_eq!(directive["Dimensions"], json!([["Vendor"], []]));
        assert_eq!(line["Vendor"], "cyclesoftware");
        for (name, value) in [
            ("Received", 1.0),
            ("Accepted", 1.0),
            ("Duplicate", 0.0),
            ("Rejected", 0.0),
            ("PublishFailures", 0.0),
            ("StoreFailures", 0.0),
            ("OldSecretUsed", 1.0),
            ("UndocumentedEventType", 1.0),
            ("ColdStart", 1.0),
            ("Latency", 12.5),
        ] {
            assert_eq!(line[name].as_f64(), Some(value), "{name}");
        }
        let names: Vec<&str> = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 10);
        assert_eq!(line["requestId"], "req-7");
        assert_eq!(
            line["xrayTraceId"],
            "Root=1-67891233-abcdef012345678912345678"
        );
        assert_eq!(
            directive["Metrics"][9],
            json!({"Name": "Latency", "Unit": "Milliseconds"})
        );
    }

    #[test]
    fn only_a_new_event_of_a_type_the_vendor_does_not_document_is_undocumented() {
        use crate::vendors::cyclesoftware::CycleSoftware;
        let receipt = |outcome, event_type: &str| {
            Ok(Receipt {
                outcome,
                id: "i".into(),
                event_type: event_type.into(),
                dedupe_key: "k".into(),
                secret_index: 0,
                published: 1,
            })
        };
        let vendor = CycleSoftware;
        assert!(undocumented(
            &vendor,
            &receipt(Outcome::Accepted, "bicycle.stolen")
        ));
        assert!(!undocumented(
            &vendor,
            &receipt(Outcome::Accepted, "customer.created")
        ));
        assert!(!undocumented(
            &vendor,
            &receipt(Outcome::Duplicate, "bicycle.stolen")
        ));
        let refused = Err(PipelineError::Invalid(ClassifyError::UnknownEventType));
        assert!(!undocumented(&vendor, &refused));
    }

    #[test]
    fn a_rejection_is_also_counted_by_reason() {
        let cases = [
            (
                PipelineError::from(VerifyError::NoMatch),
                "unauthenticated",
                "PublishFailures",
                0.0,
            ),
            (
                PipelineError::from(ClassifyError::NotJson),
                "invalid_body",
                "Rejected",
                1.0,
            ),
            (
                PipelineError::from(ClassifyError::UnknownEventType),
                "unknown_route",
                "Rejected",
                1.0,
            ),
            (PipelineError::Stale { days: 7 }, "stale", "Rejected", 1.0),
            (
                PipelineError::Claim(ClaimError::Publish(PublishError {
                    queue: "q".into(),
                    reason: "r".into(),
                })),
                "publish_unavailable",
                "PublishFailures",
                1.0,
            ),
            (
                PipelineError::Claim(ClaimError::OutOfTime { step: "publish" }),
                "publish_unavailable",
                "PublishFailures",
                1.0,
            ),
            (
                PipelineError::Claim(StoreError::Unavailable("x".into()).into()),
                "store_unavailable",
                "StoreFailures",
                1.0,
            ),
            (
                PipelineError::Claim(ClaimError::OutOfTime { step: "settle" }),
                "store_unavailable",
                "StoreFailures",
                1.0,
            ),
            (
                PipelineError::Claim(ClaimError::MessageTooLarge { size: 2_000_000 }),
                "too_large",
                "StoreFailures",
                0.0,
            ),
            (
                PipelineError::SecretsUnavailable(SecretsUnavailable::Read {
                    secret: "arn".into(),
                    reason: "AccessDenied".into(),
                }),
                "secrets_unavailable",
                "StoreFailures",
                0.0,
            ),
            (
                PipelineError::TooLarge { size: 2, limit: 1 },
                "too_large",
                "StoreFailures",
                0.0,
            ),
        ];
        for (error, reason, metric, value) in cases {
            let invocation = Invocation {
                request_id: Some("req-9".into()),
                xray_trace_id: None,
            };
            let result = Err(error);
            let answer = Answer::of(&result);
            let delivered = Delivered {
                vendor: "wayke",
                result: &result,
                refusal: answer.refusal.as_ref(),
                undocumented_event_type: false,
            };
            let lines = delivery_metrics(&delivered, 1.0, &invocation, false, 1_000);
            assert_eq!(lines.len(), 2, "{reason}");
            let counters = parse(&lines[0]);
            assert_eq!(
                (counters["Rejected"].as_f64(), counters[metric].as_f64()),
                (Some(1.0), Some(value)),
                "{reason}"
            );
            let by_reason = parse(&lines[1]);
            assert_eq!(by_reason["Reason"], reason);
            assert_eq!(
                (
                    counters["ColdStart"].as_f64(),
                    counters["requestId"].as_str()
                ),
                (Some(0.0), Some("req-9"))
            );
            assert_eq!(by_reason["requestId"], "req-9", "{reason}");
            assert_eq!(by_reason["Rejected"].as_f64(), Some(1.0));
            assert_eq!(
                by_reason["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
                json!([["Vendor", "Reason"]])
            );
        }
    }
}

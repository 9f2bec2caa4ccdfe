//! What a delivery costs in AWS calls, counted through instrumented adapters around the real
//! DynamoDB and SQS adapters against moto: a new event is one PutItem, one SendMessage per
//! routed queue and one UpdateItem; a duplicate of a published event is one PutItem and no read.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::Mutex;

use webhook_core::fanout::{Message, PublishError, Publisher, SqsPublisher};
use webhook_core::http::respond;
use webhook_tests::deliveries::{cyclesoftware_body, signed, status_and_json};
use webhook_tests::hooked::{HookedStore, Operation};
use webhook_tests::stack::Stack;

/// Counts calls by AWS operation.
#[derive(Debug, Default)]
struct Calls(Mutex<BTreeMap<&'static str, usize>>);

impl Calls {
    fn add(&self, operation: &'static str) {
        *self.0.lock().unwrap().entry(operation).or_default() += 1;
    }

    fn take(&self) -> BTreeMap<&'static str, usize> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

struct CountedPublisher<'c>(SqsPublisher, &'c Calls);

impl Publisher for CountedPublisher<'_> {
    async fn publish(&self, queue_url: &str, message: &Message) -> Result<(), PublishError> {
        self.1.add("SendMessage");
        self.0.publish(queue_url, message).await
    }
}

#[tokio::test]
async fn a_new_event_and_a_duplicate_cost_what_the_design_says() {
    let stack = Stack::new(2).await;
    let calls = Calls::default();
    let pipeline = webhook_core::pipeline::Pipeline::new(
        webhook_core::vendors::cyclesoftware::CycleSoftware,
        webhook_tests::deliveries::cyclesoftware_config(&stack.table, &stack.fanout()),
        HookedStore {
            inner: stack.store(),
            hook: |operation: Operation| {
                calls.add(operation.aws_call());
                Ok(())
            },
        },
        CountedPublisher(SqsPublisher::new(stack.sqs.clone()), &calls),
        stack.clock.clone(),
    );
    let body = cyclesoftware_body("cost-1", "sales_order.updated");

    let (_, first) = status_and_json(&respond(&pipeline, &signed(&body)).await);
    assert_eq!(first["status"], "accepted");
    assert_eq!(
        calls.take(),
        BTreeMap::from([("PutItem", 1), ("SendMessage", 2), ("UpdateItem", 1)])
    );

    let (_, second) = status_and_json(&respond(&pipeline, &signed(&body)).await);
    assert_eq!(second["status"], "duplicate");
    assert_eq!(
        calls.take(),
        BTreeMap::from([("PutItem", 1)]),
        "a duplicate costs one PutItem and no read"
    );
}

//! A fresh table and queues in moto, with pipelines and republishers over them that share one
//! clock the test controls: leases lapse when the test says, not after a wait.

use webhook_core::claims::{Claim, ClaimReader, ClaimStore, DynamoStore};
use webhook_core::clock::FixedClock;
use webhook_core::config::{
    fanout_variable, RepublisherConfig, EVENTS_TABLE, FANOUT, WEBHOOK_SECRETS,
};
use webhook_core::fanout::SqsPublisher;
use webhook_core::pipeline::Pipeline;
use webhook_core::republish::Republisher;
use webhook_core::vendors::cyclesoftware::CycleSoftware;

use crate::deliveries::{vendor_config, DEV_SECRET, TEST_NOW};
use crate::moto::{self, Received};

/// A CycleSoftware pipeline against moto.
pub type MotoPipeline<S = DynamoStore> = Pipeline<CycleSoftware, S, SqsPublisher, FixedClock>;

/// One table and some standard queues; every event is routed to every queue.
#[derive(Debug)]
pub struct Stack {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub table: String,
    pub queues: Vec<String>,
    pub clock: FixedClock,
}

impl Stack {
    pub async fn new(queue_count: usize) -> Self {
        let config = moto::moto().sdk_config().await;
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        let sqs = aws_sdk_sqs::Client::new(&config);
        let table = moto::create_events_table(&dynamodb).await;
        let mut queues = Vec::new();
        for _ in 0..queue_count {
            queues.push(moto::create_queue(&sqs, false).await);
        }
        let clock = FixedClock::at(TEST_NOW);
        Self {
            dynamodb,
            sqs,
            table,
            queues,
            clock,
        }
    }

    /// `FANOUT` routing everything to every queue.
    pub fn fanout(&self) -> String {
        format!("*={}", self.queues.join(","))
    }

    pub fn store(&self) -> DynamoStore {
        DynamoStore::new(self.dynamodb.clone(), self.table.clone())
    }

    /// The pipeline with the stack's table, queues and clock.
    pub fn pipeline(&self) -> MotoPipeline {
        self.pipeline_with(self.store(), self.sqs.clone(), &[])
    }

    /// The pipeline over `store` and `sqs`, with extra variables (e.g. `MAX_BODY_BYTES`).
    pub fn pipeline_with<S: ClaimStore>(
        &self,
        store: S,
        sqs: aws_sdk_sqs::Client,
        extra: &[(&str, &str)],
    ) -> MotoPipeline<S> {
        let fanout = self.fanout();
        let mut variables = vec![
            (EVENTS_TABLE, self.table.as_str()),
            (FANOUT, fanout.as_str()),
            (WEBHOOK_SECRETS, DEV_SECRET),
        ];
        variables.extend_from_slice(extra);
        let config = vendor_config(&CycleSoftware, &variables);
        Pipeline::new(
            CycleSoftware,
            config,
            store,
            SqsPublisher::new(sqs),
            self.clock.clone(),
        )
    }

    /// An SQS client whose every call fails (connection refused).
    pub async fn unreachable_sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&moto::sdk_config_for(&moto::closed_endpoint()).await)
    }

    /// The republisher over the stack, routing every vendor's events to every queue.
    pub fn republisher(&self) -> Republisher<DynamoStore, SqsPublisher, FixedClock> {
        self.republisher_with(&self.fanout())
    }

    /// The republisher over the stack, routing every vendor's events by `fanout`.
    pub fn republisher_with(
        &self,
        fanout: &str,
    ) -> Republisher<DynamoStore, SqsPublisher, FixedClock> {
        let vendors = webhook_core::vendors::ALL;
        let variables: Vec<(String, String)> = vendors
            .iter()
            .map(|vendor| (fanout_variable(vendor), fanout.to_string()))
            .chain([(EVENTS_TABLE.to_string(), self.table.clone())])
            .collect();
        let config = RepublisherConfig::from_lookup(&vendors, |name| {
            variables
                .iter()
                .find(|(variable, _)| variable == name)
                .map(|(_, value)| value.clone())
        })
        .expect("valid republisher configuration");
        Republisher::new(
            self.store(),
            SqsPublisher::new(self.sqs.clone()),
            self.clock.clone(),
            config,
            &vendors,
        )
    }

    /// The claim stored under `pk`, which must exist.
    pub async fn stored(&self, pk: &str) -> Claim {
        self.store()
            .load(pk)
            .await
            .expect("load")
            .unwrap_or_else(|| panic!("no claim {pk}"))
    }

    /// The item stored under `pk`, attribute by attribute, as DynamoDB holds it.
    pub async fn item(
        &self,
        pk: &str,
    ) -> Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        self.dynamodb
            .get_item()
            .table_name(&self.table)
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S(pk.to_string()),
            )
            .consistent_read(true)
            .send()
            .await
            .expect("get item")
            .item
    }

    pub async fn item_count(&self) -> usize {
        let count = self
            .dynamodb
            .scan()
            .table_name(&self.table)
            .send()
            .await
            .expect("scan")
            .count();
        usize::try_from(count).unwrap_or_default()
    }

    /// Every message waiting on queue `index`.
    pub async fn drain(&self, index: usize) -> Vec<Received> {
        moto::drain(&self.sqs, &self.queues[index]).await
    }
}

//! SQS publisher: one SendMessage per queue, with the `vendor`, `eventType` and (when known)
//! `account` message attributes, and group and deduplication ids for FIFO queues.

use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::MessageAttributeValue;
use aws_sdk_sqs::Client;

use crate::aws::{self, LazyClient};

use super::{is_fifo, Message, PublishError, Publisher, STRING_TYPE};

/// Publishes through one SQS client to any queue URL.
#[derive(Debug, Clone)]
pub struct SqsPublisher {
    client: LazyClient<Client>,
}

impl SqsPublisher {
    /// Through `client`.
    pub fn new(client: Client) -> Self {
        Self {
            client: LazyClient::ready(client, aws::sqs),
        }
    }

    /// Through a client made on the first call, from the process's SDK configuration.
    pub fn on_first_use() -> Self {
        Self {
            client: LazyClient::on_first_use(aws::sqs),
        }
    }
}

impl Publisher for SqsPublisher {
    #[tracing::instrument(name = "sqs.SendMessage", skip_all)]
    async fn publish(&self, queue_url: &str, message: &Message) -> Result<(), PublishError> {
        let failed = |reason: String| PublishError {
            queue: queue_url.to_string(),
            reason,
        };
        let mut request = self
            .client
            .get()
            .await
            .send_message()
            .queue_url(queue_url)
            .message_body(&message.body);
        for (name, value) in &message.attributes {
            request = request.message_attributes(*name, string_attribute(value).map_err(&failed)?);
        }
        if is_fifo(queue_url) {
            request = request
                .message_group_id(&message.group_id)
                .message_deduplication_id(&message.deduplication_id);
        }
        request
            .send()
            .await
            .map(|_| ())
            .map_err(|error| failed(format!("SQS SendMessage: {}", DisplayErrorContext(&error))))
    }
}

fn string_attribute(value: &str) -> Result<MessageAttributeValue, String> {
    MessageAttributeValue::builder()
        .data_type(STRING_TYPE)
        .string_value(value)
        .build()
        .map_err(|error| format!("message attribute: {error}"))
}

//! A fault proxy on 127.0.0.1 in front of moto, for what moto does not do but AWS does: it
//! refuses SQS messages SQS would refuse (characters outside SQS's set, empty attribute values,
//! invalid FIFO group ids, over 1 MiB), and, on demand, loses the response of a call that did
//! reach moto (the SDK then retries it) or never answers one (a hung call).
//!
//! One request per connection: each is forwarded to moto with `Connection: close`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use webhook_core::limits::{is_valid_group_id, sqs_accepts_text, MAX_MESSAGE_BYTES};

/// What the proxy does to one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward it, then close the connection without answering: the call took effect, the
    /// caller never learns it.
    LoseResponse,
    /// Never answer and never forward: the call hangs until the caller gives up.
    Hang,
}

#[derive(Debug, Default)]
struct State {
    /// Faults to apply, in order, to the next calls of each operation (e.g. `PutItem`).
    planned: HashMap<String, VecDeque<Fault>>,
    /// Calls seen per operation.
    calls: HashMap<String, usize>,
    /// SQS calls refused for breaking SQS's rules.
    refused: usize,
}

/// A running proxy. Stops when dropped.
#[derive(Debug)]
pub struct AwsProxy {
    pub endpoint: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for AwsProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl AwsProxy {
    /// A proxy to `upstream` (`http://127.0.0.1:<port>`).
    pub async fn start(upstream: &str) -> Self {
        let upstream = upstream
            .strip_prefix("http://")
            .expect("an http:// upstream")
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    // A connection that breaks is the caller's business; nothing to report.
                    let _ = serve(client, &upstream, &state).await;
                });
            }
        });
        Self {
            endpoint,
            state,
            task,
        }
    }

    /// Applies `fault` to the next call of `operation` (`PutItem`, `SendMessage`, …), after any
    /// faults already planned for it.
    pub fn plan(&self, operation: &str, fault: Fault) {
        self.lock()
            .planned
            .entry(operation.to_string())
            .or_default()
            .push_back(fault);
    }

    /// Calls of `operation` the proxy has seen, faulted ones included.
    pub fn calls(&self, operation: &str) -> usize {
        self.lock()
            .calls
            .get(operation)
            .copied()
            .unwrap_or_default()
    }

    /// SQS calls refused for breaking SQS's rules.
    pub fn refused(&self) -> usize {
        self.lock().refused
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

async fn serve(client: TcpStream, upstream: &str, state: &Mutex<State>) -> std::io::Result<()> {
    let mut client = BufReader::new(client);
    let mut head = Vec::new();
    let mut content_length = 0usize;
    let mut operation = String::new();
    loop {
        let mut line = String::new();
        if client.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            content_length = value.trim().parse().unwrap_or_default();
        }
        if lower.starts_with("x-amz-target:") {
            // `DynamoDB_20120810.PutItem`, `AmazonSQS.SendMessage`: the operation is the suffix.
            let value = line["x-amz-target:".len()..].trim();
            operation = value.rsplit('.').next().unwrap_or(value).to_string();
        }
        if lower.starts_with("connection:") {
            continue;
        }
        if line == "\r\n" {
            head.extend_from_slice(b"Connection: close\r\n\r\n");
            break;
        }
        head.extend_from_slice(line.as_bytes());
    }
    let mut body = vec![0u8; content_length];
    client.read_exact(&mut body).await?;
    let fault = {
        let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
        *state.calls.entry(operation.clone()).or_default() += 1;
        state
            .planned
            .get_mut(&operation)
            .and_then(VecDeque::pop_front)
    };
    if fault == Some(Fault::Hang) {
        // Hold the connection open, unanswered, until the caller drops it.
        let mut rest = Vec::new();
        let _ = client.read_to_end(&mut rest).await;
        return Ok(());
    }
    if operation == "SendMessage" {
        if let Some(reason) = sqs_refusal(&body) {
            state.lock().unwrap_or_else(|p| p.into_inner()).refused += 1;
            let error = serde_json::json!({
                "__type": "com.amazonaws.sqs#InvalidMessageContents",
                "message": reason,
            })
            .to_string();
            let response = format!(
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\n\
                 x-amzn-query-error: InvalidMessageContents;Sender\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{error}",
                error.len()
            );
            client.get_mut().write_all(response.as_bytes()).await?;
            return Ok(());
        }
    }
    let mut moto = TcpStream::connect(upstream).await?;
    moto.write_all(&head).await?;
    moto.write_all(&body).await?;
    let mut response = Vec::new();
    moto.read_to_end(&mut response).await?;
    if fault == Some(Fault::LoseResponse) {
        return Ok(());
    }
    client.get_mut().write_all(&response).await?;
    client.get_mut().shutdown().await
}

/// Why SQS would refuse a SendMessage request (JSON protocol), if it would.
fn sqs_refusal(body: &[u8]) -> Option<String> {
    let request: serde_json::Value = serde_json::from_slice(body).ok()?;
    let message = request["MessageBody"].as_str().unwrap_or_default();
    if message.is_empty() || !sqs_accepts_text(message) {
        return Some("Invalid characters found in the message body".into());
    }
    let mut size = message.len();
    if let Some(attributes) = request["MessageAttributes"].as_object() {
        for (name, attribute) in attributes {
            let value = attribute["StringValue"].as_str().unwrap_or_default();
            if value.is_empty() || !sqs_accepts_text(value) {
                return Some(format!("Message attribute {name} has an invalid value"));
            }
            size +=
                name.len() + attribute["DataType"].as_str().unwrap_or_default().len() + value.len();
        }
    }
    if size > MAX_MESSAGE_BYTES {
        return Some("The message is too long".into());
    }
    if let Some(group) = request["MessageGroupId"].as_str() {
        if !is_valid_group_id(group) {
            return Some("MessageGroupId is invalid".into());
        }
    }
    None
}

//! Starts moto in server mode once per test process, on a port the OS picks, and gives AWS
//! clients that reach it through the real SDK. Moto stops when the test process exits (it
//! watches the stdin pipe the harness holds). If moto is not installed the tests fail, saying
//! how to install it: they never skip.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use webhook_core::claims::{
    ATTR_LEASE_UNTIL, ATTR_PENDING_VENDOR, ATTR_PK, ATTR_RECEIVED_AT, ATTR_VENDOR, PENDING_INDEX,
    RECEIVED_INDEX,
};

/// The moto `make test` installs; keep in step with requirements-dev.txt (a test checks it).
pub const MOTO_REQUIREMENT: &str = "moto[server]==5.2.5";

/// A running moto server.
#[derive(Debug)]
pub struct Moto {
    pub endpoint: String,
    /// Held so that moto's stdin stays open for the life of the test process.
    _process: Mutex<Child>,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

/// The process-wide moto server, started on first use.
pub fn moto() -> &'static Moto {
    MOTO.get_or_init(|| Moto::start().unwrap_or_else(|message| panic!("{message}")))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `MOTO_PYTHON` if set, else the project's `.venv`, else `python3` on the PATH.
fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("MOTO_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = workspace_root().join(".venv/bin/python");
    if venv.exists() {
        return venv;
    }
    PathBuf::from("python3")
}

fn install_hint(python: &Path) -> String {
    format!(
        "moto is not available to {python}. Run `make test`, which installs it into .venv, or \
         install it yourself: `python3 -m venv .venv && .venv/bin/pip install '{MOTO_REQUIREMENT}'` \
         (or set MOTO_PYTHON to a Python that has it).",
        python = python.display()
    )
}

impl Moto {
    fn start() -> Result<Self, String> {
        let (process, port) = spawn(&[])?;
        Ok(Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            _process: Mutex::new(process),
        })
    }

    /// A moto of its own that speaks only HTTPS, with a self-signed certificate for 127.0.0.1
    /// that it writes to `certificate_dir/ca.pem`. Stops when dropped.
    pub fn start_tls(certificate_dir: &Path) -> Result<Self, String> {
        let (process, port) = spawn(&["--tls".as_ref(), certificate_dir.as_os_str()])?;
        Ok(Self {
            endpoint: format!("https://127.0.0.1:{port}"),
            _process: Mutex::new(process),
        })
    }

    /// The SDK configuration of the tests' own clients of this moto: [`sdk_config_for`], with
    /// time enough for moto's first answers (it loads a service's code on its first request,
    /// which takes seconds on a loaded machine) instead of the functions' 2 s per attempt.
    pub async fn sdk_config(&self) -> SdkConfig {
        let patient = aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(10))
            .operation_attempt_timeout(Duration::from_secs(60))
            .operation_timeout(Duration::from_secs(60))
            .build();
        sdk_config_for(&self.endpoint)
            .await
            .into_builder()
            .timeout_config(patient)
            .build()
    }
}

/// Starts moto_server.py with `arguments` and reads the port it listens on.
fn spawn(arguments: &[&std::ffi::OsStr]) -> Result<(Child, u16), String> {
    let python = python();
    let script = workspace_root().join("tests/support/moto_server.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .args(arguments)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| {
            format!(
                "cannot run {}: {error}. {}",
                python.display(),
                install_hint(&python)
            )
        })?;
    let stdout = child.stdout.take().ok_or("moto's stdout is not piped")?;
    let mut first_line = String::new();
    BufReader::new(stdout)
        .read_line(&mut first_line)
        .map_err(|error| format!("reading moto's port: {error}"))?;
    let port: u16 = match first_line.trim().parse() {
        Ok(port) => port,
        Err(_) => {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ignored = pipe.read_to_string(&mut stderr);
            }
            let _ignored = child.kill();
            return Err(format!(
                "moto did not start.\n{}\nmoto said: {}",
                install_hint(&python),
                stderr.trim()
            ));
        }
    };
    Ok((child, port))
}

/// SDK configuration for any endpoint (a closed port makes a client that always fails), with the
/// production timeouts and a single attempt so that failure tests do not wait for retries.
pub async fn sdk_config_for(endpoint: &str) -> SdkConfig {
    webhook_core::aws::defaults()
        .region(Region::new("eu-west-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "moto"))
        .endpoint_url(endpoint)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
        .load()
        .await
}

/// An endpoint where nothing listens: connections are refused at once.
pub fn closed_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A name no other test in this process uses.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

fn attribute(name: &str, kind: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
        .expect("attribute definition")
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .expect("key schema")
}

fn keys_only_index(name: &str, hash: &str, range: &str) -> GlobalSecondaryIndex {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key(hash, KeyType::Hash))
        .key_schema(key(range, KeyType::Range))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::KeysOnly)
                .build(),
        )
        .build()
        .expect("index")
}

/// Creates an events table as the README and the store describe it: `pk` (S) hash key, on-demand
/// billing, the sparse pending index and the receipt index.
pub async fn create_events_table(client: &aws_sdk_dynamodb::Client) -> String {
    let name = unique_name("events");
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(ATTR_PK, ScalarAttributeType::S))
        .attribute_definitions(attribute(ATTR_PENDING_VENDOR, ScalarAttributeType::S))
        .attribute_definitions(attribute(ATTR_LEASE_UNTIL, ScalarAttributeType::N))
        .attribute_definitions(attribute(ATTR_VENDOR, ScalarAttributeType::S))
        .attribute_definitions(attribute(ATTR_RECEIVED_AT, ScalarAttributeType::S))
        .key_schema(key(ATTR_PK, KeyType::Hash))
        .global_secondary_indexes(keys_only_index(
            PENDING_INDEX,
            ATTR_PENDING_VENDOR,
            ATTR_LEASE_UNTIL,
        ))
        .global_secondary_indexes(keys_only_index(
            RECEIVED_INDEX,
            ATTR_VENDOR,
            ATTR_RECEIVED_AT,
        ))
        .send()
        .await
        .expect("create table");
    name
}

/// Creates a standard queue, or a FIFO queue when `fifo`; returns its URL.
pub async fn create_queue(client: &aws_sdk_sqs::Client, fifo: bool) -> String {
    let mut request = client.create_queue();
    if fifo {
        request = request
            .queue_name(format!("{}.fifo", unique_name("queue")))
            .attributes(QueueAttributeName::FifoQueue, "true");
    } else {
        request = request.queue_name(unique_name("queue"));
    }
    request
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url")
}

/// A message as a consumer receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub body: String,
    pub vendor: Option<String>,
    pub event_type: Option<String>,
    pub account: Option<String>,
    pub group_id: Option<String>,
    pub deduplication_id: Option<String>,
}

/// The envelope field `name` of each message, as text.
pub fn envelope_fields(messages: &[Received], name: &str) -> Vec<String> {
    messages
        .iter()
        .map(|message| {
            let envelope: serde_json::Value =
                serde_json::from_str(&message.body).expect("JSON envelope");
            envelope[name].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

/// Every message waiting on the queue (received, so invisible to later calls).
pub async fn drain(client: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<Received> {
    let mut all = Vec::new();
    loop {
        let output = client
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(0)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .expect("receive message");
        let messages = output.messages.unwrap_or_default();
        if messages.is_empty() {
            return all;
        }
        for message in messages {
            let attribute = |name: &str| {
                message
                    .message_attributes()
                    .and_then(|attributes| attributes.get(name))
                    .and_then(|value| value.string_value().map(String::from))
            };
            let system = |name: MessageSystemAttributeName| {
                message.attributes().and_then(|a| a.get(&name)).cloned()
            };
            all.push(Received {
                body: message.body().unwrap_or_default().to_string(),
                vendor: attribute("vendor"),
                event_type: attribute("eventType"),
                account: attribute("account"),
                group_id: system(MessageSystemAttributeName::MessageGroupId),
                deduplication_id: system(MessageSystemAttributeName::MessageDeduplicationId),
            });
        }
    }
}

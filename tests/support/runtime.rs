//! A hand-written Lambda Runtime API, kept for the one thing AWS's Runtime Interface Emulator
//! (`rie.rs`, which every other binary test uses) cannot tell: the moment a freshly started
//! binary first asks for an event, the end of its initialisation, which the cold-start bench
//! measures. (The emulator starts the binary itself, on the first invocation, and reports no
//! such time.) It hands out events on `GET /2018-06-01/runtime/invocation/next` and collects
//! what the function posts back.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, Mutex};

pub use crate::rie::Answer;
use crate::rie::{lambda_environment, under_test};

/// A command that runs a function binary as Lambda would: against `runtime_api`, with the
/// environment Lambda gives it ([`lambda_environment`]) and the version the emulator would add.
pub fn function_command(
    binary: &str,
    runtime_api: &str,
    aws_endpoint: &str,
) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(under_test(binary));
    command
        .env_clear()
        .envs(lambda_environment(binary, aws_endpoint))
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .kill_on_drop(true);
    command
}

type Pending = Arc<Mutex<HashMap<String, oneshot::Sender<Answer>>>>;
/// An event waiting to be handed out, with where its answer goes.
type Invocation = (String, oneshot::Sender<Answer>);
type Queue = Arc<Mutex<mpsc::Receiver<Invocation>>>;

/// The emulator; dropped, it stops accepting.
#[derive(Debug)]
pub struct RuntimeApi {
    address: String,
    first_next: tokio::sync::watch::Receiver<Option<std::time::Instant>>,
    events: mpsc::Sender<Invocation>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl RuntimeApi {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the runtime API");
        let address = listener.local_addr().expect("local address").to_string();
        let (events, queue) = mpsc::channel(16);
        let queue = Arc::new(Mutex::new(queue));
        let pending: Pending = Arc::default();
        let (first_next_sender, first_next) = tokio::sync::watch::channel(None);
        let first_next_sender = Arc::new(first_next_sender);
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let first_next = Arc::clone(&first_next_sender);
                tokio::spawn(serve(
                    stream,
                    Arc::clone(&queue),
                    Arc::clone(&pending),
                    first_next,
                ));
            }
        });
        Self {
            address,
            first_next,
            events,
            server,
        }
    }

    /// When the function first asked for an event: the end of its initialisation.
    pub async fn first_next_request(&self) -> std::time::Instant {
        let mut watch = self.first_next.clone();
        let at = *watch
            .wait_for(Option::is_some)
            .await
            .expect("emulator running");
        at.expect("set")
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Hands `event` to the function and waits (at most 30 s) for its answer.
    pub async fn invoke(&self, event: String) -> Answer {
        let (answer, answered) = oneshot::channel();
        self.events
            .send((event, answer))
            .await
            .expect("emulator running");
        tokio::time::timeout(Duration::from_secs(30), answered)
            .await
            .expect("the function answered within 30 s")
            .expect("answer delivered")
    }
}

async fn serve(
    stream: TcpStream,
    queue: Queue,
    pending: Pending,
    first_next: Arc<tokio::sync::watch::Sender<Option<std::time::Instant>>>,
) {
    static NEXT_ID: AtomicUsize = AtomicUsize::new(1);
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    while let Some((method, path, body)) = read_request(&mut reader).await {
        if method == "GET" && path.ends_with("/invocation/next") {
            let now = std::time::Instant::now();
            first_next.send_if_modified(|first| first.is_none() && first.replace(now).is_none());
            let Some((event, answer)) = queue.lock().await.recv().await else {
                return;
            };
            let id = format!("req-{}", NEXT_ID.fetch_add(1, Ordering::SeqCst));
            pending.lock().await.insert(id.clone(), answer);
            let deadline = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or_default()
                + 30_000;
            let headers = format!(
                "lambda-runtime-aws-request-id: {id}\r\nlambda-runtime-deadline-ms: {deadline}\r\n\
                 lambda-runtime-invoked-function-arn: arn:aws:lambda:eu-west-1:123456789012:function:test\r\n\
                 lambda-runtime-trace-id: Root=1-00000000-000000000000000000000000\r\n"
            );
            respond(&mut write, 200, &headers, &event).await;
        } else if let Some(rest) = path.strip_prefix("/2018-06-01/runtime/invocation/") {
            let (id, kind) = rest.split_once('/').unwrap_or((rest, ""));
            if let Some(answer) = pending.lock().await.remove(id) {
                let _ignored = answer.send(match kind {
                    "response" => Answer::Response(body),
                    _ => Answer::Error(body),
                });
            }
            respond(&mut write, 202, "", "{}").await;
        } else {
            respond(&mut write, 202, "", "{}").await;
        }
    }
}

async fn respond(
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    status: u16,
    headers: &str,
    body: &str,
) {
    let response = format!(
        "HTTP/1.1 {status} OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{headers}\r\n{body}",
        body.len()
    );
    let _ignored = write.write_all(response.as_bytes()).await;
}

/// Reads one HTTP/1.1 request: method, path and body (content-length or chunked).
async fn read_request<R: AsyncBufReadExt + Unpin>(
    reader: &mut R,
) -> Option<(String, String, String)> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).await.ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).await.ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).await.ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).await.ok()?;
    }
    Some((method, path, String::from_utf8_lossy(&body).into_owned()))
}

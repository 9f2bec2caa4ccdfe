//! A built function binary run by AWS's Lambda Runtime Interface Emulator, as Lambda runs it but
//! without a container: the `aws-lambda-rie` that `sam local` puts into every function
//! container, from the aws-sam-cli wheel that `.venv` installs
//! (`samcli/local/rapid/aws-lambda-rie-<arch>`). The emulator serves the Runtime API to the
//! binary and the invoke API to the test, each on a loopback port of its own, and starts the
//! binary on the first invocation. Everything the binary prints is collected for the test.
//!
//! ```ignore
//! let function = Function::new(env!("CARGO_BIN_EXE_wayke"), &moto.endpoint)
//!     .env("EVENTS_TABLE", table)
//!     .start()
//!     .await;
//! let (status, body) = status_and_body(function.invoke(&event).await);
//! let logs = function.stop().await;
//! ```
//!
//! The emulator is found through `LAMBDA_RIE`, else in the aws-sam-cli of `.venv` (as moto is:
//! `make test` installs it); if it is missing the tests fail and say how to get it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// What the function answered for one invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Response(String),
    /// The invocation failed: the handler returned an error, or the function could not start.
    Error(String),
}

/// The status code and JSON body of an API Gateway HTTP API response.
pub fn status_and_body(answer: Answer) -> (u64, serde_json::Value) {
    let Answer::Response(text) = answer else {
        panic!("the function failed: {answer:?}")
    };
    let response: serde_json::Value = serde_json::from_str(&text).expect("a JSON response");
    let body = response["body"].as_str().expect("a text body");
    let body = serde_json::from_str(body).expect("a JSON body");
    (
        response["statusCode"].as_u64().expect("a status code"),
        body,
    )
}

/// The emulator's binary for this machine.
pub fn emulator() -> PathBuf {
    if let Some(path) = std::env::var_os("LAMBDA_RIE") {
        return PathBuf::from(path);
    }
    let arch = match std::env::consts::ARCH {
        "aarch64" => "arm64",
        other => other,
    };
    let venv_lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/lib");
    let found = std::fs::read_dir(&venv_lib).ok().and_then(|pythons| {
        pythons
            .filter_map(Result::ok)
            .map(|python| {
                python
                    .path()
                    .join("site-packages/samcli/local/rapid")
                    .join(format!("aws-lambda-rie-{arch}"))
            })
            .find(|path| path.exists())
    });
    found.unwrap_or_else(|| {
        panic!(
            "the Lambda Runtime Interface Emulator is not in {}: run `make venv` (it installs \
             aws-sam-cli, which ships it) or set LAMBDA_RIE to an aws-lambda-rie binary",
            venv_lib.display()
        )
    })
}

/// Where `FUNCTION_BINARIES` may point the function tests instead of the binaries cargo built for
/// them: a directory laid out as `cargo lambda build --release` (and so `sam build`) leaves it,
/// `<dir>/<binary name>/bootstrap`. `.ci/run` runs the binary tests once more that way after
/// `make sam-local` built the release binaries, so they hold for what is deployed too.
pub const FUNCTION_BINARIES: &str = "FUNCTION_BINARIES";

/// The binary to run for `built` (a path cargo gave a test, `CARGO_BIN_EXE_<name>`): the release
/// build's `bootstrap` of the same name when [`FUNCTION_BINARIES`] is set, else `built` itself.
pub fn under_test(built: &str) -> String {
    match std::env::var_os(FUNCTION_BINARIES) {
        Some(dir) if !dir.is_empty() => {
            let name = Path::new(built).file_name().expect("a binary's file name");
            let bootstrap = Path::new(&dir).join(name).join("bootstrap");
            assert!(
                bootstrap.exists(),
                "{FUNCTION_BINARIES} is set, but {} does not exist",
                bootstrap.display()
            );
            bootstrap.to_string_lossy().into_owned()
        }
        _ => built.to_string(),
    }
}

/// Whether the function binary [`under_test`] resolves `built` to is an ELF executable linked
/// position-dependent (`ET_EXEC`), as `functions/position_dependent.rs` links every deployed
/// binary: one with no relative relocations for the dynamic loader to apply at start-up.
pub fn is_position_dependent(built: &str) -> bool {
    use std::io::Read;
    const ET_EXEC: u16 = 2;
    let path = under_test(built);
    // e_ident (16 bytes), then e_type; both architectures are little-endian.
    let mut header = [0u8; 18];
    std::fs::File::open(&path)
        .and_then(|mut file| file.read_exact(&mut header))
        .unwrap_or_else(|e| panic!("{path} does not read: {e}"));
    assert!(header.starts_with(b"\x7fELF"), "{path} is not an ELF file");
    header[16..] == ET_EXEC.to_le_bytes()
}

/// A function binary to run, with the environment Lambda would give it.
#[derive(Debug)]
pub struct Function {
    binary: String,
    environment: Vec<(String, String)>,
}

/// The environment Lambda gives the process of `binary`: nothing of the test's own but `PATH`,
/// dummy credentials, JSON logs, eu-west-1, and AWS reached at `aws_endpoint`.
pub fn lambda_environment(binary: &str, aws_endpoint: &str) -> Vec<(String, String)> {
    let name = Path::new(binary)
        .file_name()
        .map_or_else(|| binary.to_string(), |n| n.to_string_lossy().into_owned());
    [
        ("PATH", std::env::var("PATH").unwrap_or_default()),
        ("AWS_LAMBDA_FUNCTION_NAME", name),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_string()),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_string()),
        ("AWS_REGION", "eu-west-1".to_string()),
        ("AWS_ACCESS_KEY_ID", "test".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ("AWS_ENDPOINT_URL", aws_endpoint.to_string()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value))
    .collect()
}

impl Function {
    /// `binary`, with the environment Lambda gives it ([`lambda_environment`]).
    pub fn new(binary: &str, aws_endpoint: &str) -> Self {
        Self {
            binary: under_test(binary),
            environment: lambda_environment(binary, aws_endpoint),
        }
    }

    /// Sets (or replaces) one variable.
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.environment.retain(|(existing, _)| *existing != name);
        self.environment.push((name, value.into()));
        self
    }

    /// Starts the emulator with the binary as its runtime; ready to invoke when this returns.
    pub async fn start(self) -> Running {
        let emulator = emulator();
        for _attempt in 0..5 {
            let (invoke_port, runtime_port) = (free_port(), free_port());
            let mut child = Command::new(&emulator)
                .env_clear()
                .envs(self.environment.iter().cloned())
                .arg("--log-level")
                .arg("error")
                .arg("--runtime-interface-emulator-address")
                .arg(format!("127.0.0.1:{invoke_port}"))
                .arg("--runtime-api-address")
                .arg(format!("127.0.0.1:{runtime_port}"))
                .arg(&self.binary)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", emulator.display()));
            let output = Arc::new(Mutex::new(Vec::new()));
            let readers = [
                tokio::spawn(collect(child.stdout.take(), Arc::clone(&output))),
                tokio::spawn(collect(child.stderr.take(), Arc::clone(&output))),
            ];
            if listening(invoke_port, &mut child).await {
                return Running {
                    child,
                    invoke_url: format!(
                        "http://127.0.0.1:{invoke_port}/2015-03-31/functions/function/invocations"
                    ),
                    output,
                    readers,
                };
            }
            // Most likely another test took one of the ports in between: try others.
            let _ignored = child.kill().await;
        }
        panic!("the Lambda Runtime Interface Emulator did not start")
    }
}

/// The emulator running a function.
#[derive(Debug)]
pub struct Running {
    child: Child,
    invoke_url: String,
    output: Arc<Mutex<Vec<u8>>>,
    readers: [tokio::task::JoinHandle<()>; 2],
}

impl Running {
    /// Invokes the function with `event` and waits (at most 30 s) for its answer.
    pub async fn invoke(&self, event: &str) -> Answer {
        self.invoke_within(event, Duration::from_secs(30)).await
    }

    /// Invokes the function with `event` and waits at most `limit` for its answer (give the
    /// function a matching `AWS_LAMBDA_FUNCTION_TIMEOUT`).
    pub async fn invoke_within(&self, event: &str, limit: Duration) -> Answer {
        let response = tokio::time::timeout(limit, post(&self.invoke_url, event.as_bytes()))
            .await
            .unwrap_or_else(|_| panic!("the function answered within {limit:?}"));
        let (status, body) = response.unwrap_or_else(|e| panic!("invoking the emulator: {e}"));
        let failed = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|value| value.as_object().cloned())
            .is_some_and(|fields| fields.contains_key("errorType"));
        if status != 200 {
            Answer::Error(format!("HTTP {status} {body}"))
        } else if failed {
            Answer::Error(body)
        } else {
            Answer::Response(body)
        }
    }

    /// Everything the function (and the emulator) printed so far.
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().expect("output lock")).into_owned()
    }

    /// Stops the emulator and the function; returns everything they printed.
    pub async fn stop(mut self) -> String {
        // SIGTERM lets the emulator stop the function's process too.
        if let Some(pid) = self.child.id() {
            let _ignored = Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()
                .await;
        }
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            let _ignored = self.child.kill().await;
        }
        for reader in &mut self.readers {
            let _ignored = reader.await;
        }
        self.output()
    }
}

async fn collect(stream: Option<impl AsyncRead + Unpin>, output: Arc<Mutex<Vec<u8>>>) {
    let Some(mut stream) = stream else { return };
    let mut buffer = [0u8; 8192];
    while let Ok(read) = stream.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        output
            .lock()
            .expect("output lock")
            .extend_from_slice(&buffer[..read]);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

/// Waits until the emulator accepts connections on `port`; false if it exits first.
async fn listening(port: u16, child: &mut Child) -> bool {
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return true;
        }
        if child.try_wait().ok().flatten().is_some() {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

/// One HTTP/1.1 POST on loopback: the status and the body of the answer.
async fn post(url: &str, body: &[u8]) -> std::io::Result<(u16, String)> {
    use tokio::io::AsyncWriteExt;
    let rest = url.strip_prefix("http://").unwrap_or(url);
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(authority).await?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {authority}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok((status, body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

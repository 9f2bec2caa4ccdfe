//! A function binary run as Lambda runs it, for tests that hand it events one at a time: the
//! process, configured only by its environment, behind the Runtime API emulator.

use std::process::Stdio;

use serde_json::Value;

use crate::runtime::{function_command, status_and_body, Answer, RuntimeApi};

/// A running function binary; stopped when dropped.
#[derive(Debug)]
pub struct RunningFunction {
    runtime: RuntimeApi,
    _process: tokio::process::Child,
}

impl RunningFunction {
    /// Starts `binary` with AWS at `aws_endpoint` and `variables`.
    pub async fn start(binary: &str, aws_endpoint: &str, variables: &[(String, String)]) -> Self {
        let runtime = RuntimeApi::start().await;
        let mut command = function_command(binary, runtime.address(), aws_endpoint);
        for (name, value) in variables {
            command.env(name, value);
        }
        let process = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the function binary");
        Self {
            runtime,
            _process: process,
        }
    }

    /// Hands `event` to the function and returns its answer.
    pub async fn invoke(&self, event: &Value) -> Answer {
        self.runtime.invoke(event.to_string()).await
    }

    /// Delivers an API Gateway event and returns the response's status and JSON body.
    pub async fn deliver(&self, event: &Value) -> (u64, Value) {
        status_and_body(self.invoke(event).await)
    }
}

//! Support for the workspace-level tests: moto in server mode, AWS clients pointed at it, and
//! signed deliveries to send through the pipeline.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

pub mod deliveries;
pub mod hooked;
pub mod moto;
pub mod proxy;
pub mod replay;
pub mod rie;
pub mod runtime;
pub mod samples;
pub mod schema;
pub mod secrets_manager;
pub mod simulation;
pub mod stack;
pub mod workspace;

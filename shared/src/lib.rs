//! `webhook-core`: everything the webhook functions share — verification, the event model,
//! vendor models, the claim store, fan-out, the pipeline and its HTTP edge.

pub mod aws;
pub mod clock;
pub mod completion;
pub mod config;
pub mod event;
pub mod fanout;
pub mod function;
pub mod http;
pub mod metrics;
pub mod pipeline;
pub mod republish;
pub mod store;
pub mod vendors;
pub mod verify;
